import Foundation
import GridflowExpressions

/// Counts `CaseCountQuery`s over cases' stored fields, read as the JSON text a store keeps, in
/// one pass over each case's text without building a tree: only the fields the queries name
/// are looked at, the rest is skipped. A store hands it each case's `fields`, state and id
/// (SQLite's JSON functions parse the whole text once per case, at many times the cost).
///
/// Each form means what its SQL means (`SQLiteCaseStore.sql`): a missing field and a JSON null
/// are null, and null equals only null; true and false are 1 and 0. A case whose answer would
/// hang on a value the scan does not decide exactly (a string with escapes, a fraction, an
/// object or list compared or used as a person, malformed text, a named field twice) is not
/// counted: `count` returns false and the caller counts that case with the interpreter, which
/// is always right.
public struct CaseCounter {
    /// The fields the queries read, as a tree of names from the top of the fields object.
    private final class Node {
        let name: [UInt8]
        /// The index of this path's value in a case's scanned values, when a query reads it.
        var leaf: Int?
        var children: [Node] = []

        init(name: [UInt8]) { self.name = name }
    }

    /// A level of the tree, fixed once built (read for every key of every case): the names
    /// (their bytes in one allocation, with each one's length and first byte, compared before
    /// the rest), each one's leaf (-1: none) and the level below it.
    private final class Level {
        let names: LiteralBytes
        let counts: [Int]
        let firsts: [UInt8]
        let leaves: [Int]
        let below: [Level?]

        init(_ node: Node) {
            names = LiteralBytes(node.children.map(\.name))
            counts = node.children.map(\.name.count)
            firsts = node.children.map { $0.name.first ?? 0 }
            leaves = node.children.map { $0.leaf ?? -1 }
            below = node.children.map { $0.children.isEmpty ? nil : Level($0) }
        }

        /// The index of the name `key` spells (not empty), or -1.
        @inline(__always) func match(_ key: UnsafePointer<UInt8>, _ count: Int) -> Int {
            let first = key.pointee
            for index in counts.indices where counts[index] == count && firsts[index] == first {
                if count == 1 || memcmp(names.text(index).baseAddress!, key, count) == 0 { return index }
            }
            return -1
        }
    }

    /// A scanned value: where it lies in the text and what it is.
    private enum Scanned {
        case null
        case integer(Int64)
        /// A string without escapes: the bytes between its quotes.
        case string(Range<Int>)
        /// A list and how many items it holds.
        case list(Int)
        /// An object, a fraction or a string with escapes: present, but not compared here.
        case undecided
    }

    /// A term's value.
    private enum Term {
        case null
        case integer(Int64)
        case bytes(UnsafeBufferPointer<UInt8>)
        case literal(Int)
        case list(Int)
        case undecided
    }

    /// A `CaseTerm` with its fields, strings and inner terms as indexes (into `operands`): kept
    /// flat, so that evaluating one retains and releases nothing.
    private enum Operand {
        case field(Int)
        case state
        case id
        case literal(Int)
        case integer(Int64)
        case coalesce(Int, Int)
    }

    /// A `CaseCondition` with its terms (`operands`), inner tests (`tests`) and lists of either
    /// (`lists`) as indexes.
    private enum Test {
        case equals(Int, Int)
        /// A term and its strings: the literals of `lists[range]`.
        case oneOf(Int, Range<Int>)
        case isTrue(Int)
        case present(Int)
        /// The tests of `lists[range]`.
        case and(Range<Int>)
        case or(Range<Int>)
        case not(Int)
    }

    private enum Amount {
        case one
        case size(Int)
    }

    /// Not counted here: the case is the caller's.
    private struct Undecided: Error {}

    /// The sums overflowed 64 bits.
    public struct Overflow: Error {}

    private let root = Node(name: [])
    /// The tree as scanned.
    private var top: Level?
    /// How many paths the queries read.
    private var pathCount = 0
    private var pathIndex: [[String]: Int] = [:]
    /// The string literals of the queries, by index.
    private var literals: [[UInt8]] = []
    private var literalIndex: [String: Int] = [:]
    private var literalBytes = LiteralBytes([])
    /// The queries, compiled: person (an operand), condition (a test, -1: none), amount.
    private var compiled: [(person: Int, test: Int, amount: Amount)] = []
    private var operands: [Operand] = []
    private var tests: [Test] = []
    private var lists: [Int] = []
    /// The scanned values of the current case, by path index (`nil`: missing).
    private var values: [Scanned?] = []
    private var seen: [Bool] = []
    /// Each person's sums, one per query.
    private var sums: CaseCounts
    private var amounts: [Int64]
    private var persons: [UnsafeBufferPointer<UInt8>?]

    public init(_ queries: [CaseCountQuery]) {
        sums = CaseCounts(queries: queries.count)
        amounts = Array(repeating: 0, count: queries.count)
        persons = Array(repeating: nil, count: queries.count)
        for query in queries {
            let person = operand(query.person)
            let test = query.condition.map { compile($0) } ?? -1
            var amount = Amount.one
            if case .size(let path) = query.amount { amount = .size(index(of: path)) }
            compiled.append((person, test, amount))
        }
        values = Array(repeating: nil, count: pathCount)
        seen = Array(repeating: false, count: pathCount)
        top = Level(root)
        literalBytes = LiteralBytes(literals)
    }

    /// Each query's sums by person (none of 0).
    public var counts: [[String: Number]] { sums.byPerson }

    /// The sums, let go of here (the counter starts again from none).
    public mutating func takeCounts() -> CaseCounts {
        let taken = sums
        sums = CaseCounts(queries: compiled.count)
        return taken
    }

    private mutating func compile(_ condition: CaseCondition) -> Int {
        let test: Test
        switch condition {
        case .equals(let left, let right): test = .equals(operand(left), operand(right))
        case .oneOf(let term, let strings):
            let compiled = self.operand(term)
            let indexes = strings.map { literal($0) }
            test = .oneOf(compiled, list(indexes))
        case .isTrue(let term): test = .isTrue(operand(term))
        case .present(let term): test = .present(operand(term))
        case .and(let conditions): test = .and(list(conditions.map { compile($0) }))
        case .or(let conditions): test = .or(list(conditions.map { compile($0) }))
        case .not(let inner): test = .not(compile(inner))
        }
        tests.append(test)
        return tests.count - 1
    }

    private mutating func list(_ indexes: [Int]) -> Range<Int> {
        lists.append(contentsOf: indexes)
        return lists.count - indexes.count..<lists.count
    }

    private mutating func operand(_ term: CaseTerm) -> Int {
        let operand: Operand
        switch term {
        case .field(let path): operand = .field(index(of: path))
        case .string(let text): operand = .literal(literal(text))
        case .coalesce(let left, let right): operand = .coalesce(self.operand(left), self.operand(right))
        case .state: operand = .state
        case .id: operand = .id
        case .bool(let value): operand = .integer(value ? 1 : 0)
        }
        operands.append(operand)
        return operands.count - 1
    }

    private mutating func literal(_ text: String) -> Int {
        if let found = literalIndex[text] { return found }
        literals.append(Array(text.utf8))
        literalIndex[text] = literals.count - 1
        return literals.count - 1
    }

    private mutating func index(of path: [String]) -> Int {
        if let found = pathIndex[path] { return found }
        var node = root
        for name in path {
            let bytes = Array(name.utf8)
            if let child = node.children.first(where: { $0.name == bytes }) {
                node = child
            } else {
                let child = Node(name: bytes)
                node.children.append(child)
                node = child
            }
        }
        node.leaf = pathCount
        pathIndex[path] = pathCount
        pathCount += 1
        return pathCount - 1
    }

    /// Counts one case: its stored fields (JSON text), state and id, as UTF-8 bytes. Returns
    /// false, having counted nothing, when the case is the caller's to count.
    public mutating func count(
        fields: UnsafeBufferPointer<UInt8>, state: UnsafeBufferPointer<UInt8>, id: UnsafeBufferPointer<UInt8>
    ) throws(Overflow) -> Bool {
        for index in values.indices {
            values[index] = nil
            seen[index] = false
        }
        let row = Row(fields: fields, state: state, id: id)
        var scanner = Scanner(bytes: fields)
        do throws(Undecided) {
            scanner.space()
            guard scanner.peek == UInt8(ascii: "{") else { throw Undecided() }
            try scan(object: &scanner, top!)
            scanner.space()
            guard scanner.position == fields.count else { throw Undecided() }
            // Every query decided before any is counted.
            for (index, query) in compiled.enumerated() {
                amounts[index] = 0
                persons[index] = nil
                // A person field holding anything but a string counts for nobody (as SQL's
                // non-text value does); a list or an undecided string is the interpreter's.
                let person: UnsafeBufferPointer<UInt8>
                switch try value(query.person, row) {
                case .bytes(let bytes): person = bytes
                case .null, .integer, .literal: continue
                case .list, .undecided: throw Undecided()
                }
                if query.test >= 0, try !holds(query.test, row) { continue }
                switch query.amount {
                case .one: amounts[index] = 1
                case .size(let path):
                    switch values[path] {
                    case nil, .null?: amounts[index] = 0
                    case .list(let count)?: amounts[index] = Int64(count)
                    default: throw Undecided()
                    }
                }
                persons[index] = person
            }
        } catch {
            return false
        }
        // One lookup of the person for all the queries that name the same field's value.
        var last = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        var personRow = -1
        for index in compiled.indices {
            guard let person = persons[index], amounts[index] != 0 else { continue }
            if personRow < 0 || person.baseAddress != last.baseAddress || person.count != last.count {
                personRow = sums.row(for: String(decoding: person, as: UTF8.self))
                last = person
            }
            do throws(CaseCounts.Overflow) { try sums.add(amounts[index], personRow, index) } catch {
                throw Overflow()
            }
        }
        return true
    }

    /// The bytes of one case.
    private struct Row {
        let fields: UnsafeBufferPointer<UInt8>
        let state: UnsafeBufferPointer<UInt8>
        let id: UnsafeBufferPointer<UInt8>
    }

    private func holds(_ test: Int, _ row: Row) throws(Undecided) -> Bool {
        switch tests[test] {
        case .equals(let left, let right):
            return try equal(value(left, row), value(right, row))
        case .oneOf(let operand, let strings):
            let value = try value(operand, row)
            switch value {
            case .bytes, .literal:
                for string in strings where try equal(value, .literal(lists[string])) { return true }
                return false
            case .undecided: throw Undecided()
            case .null, .integer, .list: return false
            }
        case .isTrue(let operand):
            switch try value(operand, row) {
            case .integer(let number): return number == 1
            case .undecided: throw Undecided()
            case .null, .bytes, .literal, .list: return false
            }
        case .present(let operand):
            if case .null = try value(operand, row) { return false }
            return true
        case .and(let inner):
            var all = true
            for index in inner where try !holds(lists[index], row) { all = false }
            return all
        case .or(let inner):
            var any = false
            for index in inner where try holds(lists[index], row) { any = true }
            return any
        case .not(let inner): return try !holds(inner, row)
        }
    }

    /// SQL's `IS`: null is only null; numbers by value; text by its bytes; text and numbers never.
    private func equal(_ left: Term, _ right: Term) throws(Undecided) -> Bool {
        switch (left, right) {
        case (.undecided, _), (_, .undecided), (.list, _), (_, .list): throw Undecided()
        case (.null, .null): return true
        case (.null, _), (_, .null): return false
        case (.integer(let a), .integer(let b)): return a == b
        case (.integer, _), (_, .integer): return false
        default:
            let a = bytes(left)
            let b = bytes(right)
            return a.count == b.count && (a.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
        }
    }

    /// A text term's bytes (a literal's from `literalBytes`, which lives as long as the counter).
    private func bytes(_ term: Term) -> UnsafeBufferPointer<UInt8> {
        switch term {
        case .bytes(let bytes): return bytes
        case .literal(let index): return literalBytes.text(index)
        default: return UnsafeBufferPointer(start: nil, count: 0)
        }
    }

    /// The literals' bytes in one allocation, for comparisons without a closure per literal.
    private final class LiteralBytes {
        let base: UnsafeMutablePointer<UInt8>
        let ranges: [Range<Int>]

        init(_ literals: [[UInt8]]) {
            var ranges: [Range<Int>] = []
            var total = 0
            for literal in literals {
                ranges.append(total..<total + literal.count)
                total += literal.count
            }
            let base = UnsafeMutablePointer<UInt8>.allocate(capacity: max(total, 1))
            for (literal, range) in zip(literals, ranges) where !literal.isEmpty {
                literal.withUnsafeBufferPointer {
                    base.advanced(by: range.lowerBound).update(from: $0.baseAddress!, count: $0.count)
                }
            }
            self.base = base
            self.ranges = ranges
        }

        deinit { base.deallocate() }

        func text(_ index: Int) -> UnsafeBufferPointer<UInt8> {
            let range = ranges[index]
            return UnsafeBufferPointer(start: base.advanced(by: range.lowerBound), count: range.count)
        }
    }

    private func value(_ operand: Int, _ row: Row) throws(Undecided) -> Term {
        switch operands[operand] {
        case .state: return .bytes(row.state)
        case .id: return .bytes(row.id)
        case .integer(let value): return .integer(value)
        case .literal(let index): return .literal(index)
        case .coalesce(let left, let right):
            let first = try value(left, row)
            if case .null = first { return try value(right, row) }
            return first
        case .field(let path):
            switch values[path] {
            case nil, .null?: return .null
            case .integer(let number)?: return .integer(number)
            case .string(let range)?: return .bytes(UnsafeBufferPointer(rebasing: row.fields[range]))
            case .list(let count)?: return .list(count)
            case .undecided?: return .undecided
            }
        }
    }

    /// Scans an object (the scanner at its `{`), keeping the values of `node`'s children.
    private mutating func scan(object scanner: inout Scanner, _ level: Level) throws(Undecided) {
        try scanner.enter()
        defer { scanner.depth -= 1 }
        scanner.space()
        if scanner.peek == UInt8(ascii: "}") {
            scanner.position += 1
            return
        }
        while true {
            guard scanner.peek == UInt8(ascii: "\"") else { throw Undecided() }
            let key = try scanner.string()
            scanner.space()
            guard scanner.peek == UInt8(ascii: ":") else { throw Undecided() }
            scanner.position += 1
            scanner.space()
            var match = -1
            if !scanner.escaped && !key.isEmpty {
                match = level.match(scanner.bytes.baseAddress! + key.lowerBound, key.count)
            }
            if match >= 0 {
                let leaf = level.leaves[match]
                if leaf >= 0 {
                    // A field named twice: the interpreter's reader refuses the text.
                    if seen[leaf] { throw Undecided() }
                    seen[leaf] = true
                }
                if scanner.peek == UInt8(ascii: "{"), let below = level.below[match] {
                    try scan(object: &scanner, below)
                    if leaf >= 0 { values[leaf] = .undecided }
                } else {
                    let scanned = try scanner.value()
                    if leaf >= 0 { values[leaf] = scanned }
                }
            } else {
                // An escaped key might spell a field read here.
                if scanner.escaped { throw Undecided() }
                try scanner.skip()
            }
            scanner.space()
            switch scanner.peek {
            case UInt8(ascii: ","):
                scanner.position += 1
                scanner.space()
            case UInt8(ascii: "}"):
                scanner.position += 1
                return
            default: throw Undecided()
            }
        }
    }

    /// Reads JSON text a byte at a time.
    private struct Scanner: JSONByteCursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0
        /// Whether the last string read had escapes.
        var escaped = false
        /// How many lists and objects the scanner is in.
        var depth = 0

        /// Steps into a list or object (at its bracket), no deeper than the interpreter's reader goes (512).
        mutating func enter() throws(Undecided) {
            depth += 1
            guard depth <= 512 else { throw Undecided() }
            position += 1
        }

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        /// A string (at its quote): the range of its contents.
        mutating func string() throws(Undecided) -> Range<Int> {
            position += 1
            let start = position
            escaped = false
            let count = bytes.count
            let base = UnsafeRawPointer(bytes.baseAddress!)
            while position < count {
                // Eight bytes at a time while none is a quote, a backslash or a control character.
                // (The lowest byte flagged is exact, so the scan goes straight to it.)
                while position + 8 <= count {
                    let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: position, as: UInt64.self))
                    let flagged =
                        Self.zeros(word ^ 0x2222_2222_2222_2222) | Self.zeros(word ^ 0x5C5C_5C5C_5C5C_5C5C)
                        | Self.below(word, 0x20)
                    if flagged != 0 {
                        position += flagged.trailingZeroBitCount / 8
                        break
                    }
                    position += 8
                }
                guard position < count else { break }
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    position += 1
                    return start..<position - 1
                }
                if byte == UInt8(ascii: "\\") {
                    escaped = true
                    position += 2
                } else {
                    if byte < 0x20 { throw Undecided() }
                    position += 1
                }
            }
            throw Undecided()
        }

        /// The top bit of each byte of `word` that is 0 (exact up to the lowest; above it, maybe more).
        @inline(__always) static func zeros(_ word: UInt64) -> UInt64 {
            (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080
        }

        /// The top bit of each byte of `word` less than `limit` (at most 128; exact up to the lowest).
        @inline(__always) static func below(_ word: UInt64, _ limit: UInt64) -> UInt64 {
            (word &- 0x0101_0101_0101_0101 &* limit) & ~word & 0x8080_8080_8080_8080
        }

        /// A value (at its first byte), as much of it as a comparison needs.
        mutating func value() throws(Undecided) -> Scanned {
            switch peek {
            case UInt8(ascii: "\""):
                let range = try string()
                return escaped ? .undecided : .string(range)
            case UInt8(ascii: "["):
                return .list(try list())
            case UInt8(ascii: "{"):
                try skip()
                return .undecided
            case UInt8(ascii: "t"):
                try word("true")
                return .integer(1)
            case UInt8(ascii: "f"):
                try word("false")
                return .integer(0)
            case UInt8(ascii: "n"):
                try word("null")
                return .null
            default:
                let start = position
                var whole = true
                while position < bytes.count {
                    let byte = bytes[position]
                    if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") || byte == UInt8(ascii: "-") {
                        position += 1
                    } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
                        || byte == UInt8(ascii: "+")
                    {
                        whole = false
                        position += 1
                    } else {
                        break
                    }
                }
                guard position > start else { throw Undecided() }
                // A leading zero before digits is not JSON: the interpreter's reader says so.
                let first = bytes[start] == UInt8(ascii: "-") ? start + 1 : start
                if first + 1 < position, bytes[first] == UInt8(ascii: "0"),
                    bytes[first + 1] >= UInt8(ascii: "0") && bytes[first + 1] <= UInt8(ascii: "9")
                {
                    throw Undecided()
                }
                guard whole, position - start <= 18 else { return .undecided }
                var number: Int64 = 0
                var negative = false
                for index in start..<position {
                    let byte = bytes[index]
                    if byte == UInt8(ascii: "-") {
                        guard index == start, position - start > 1 else { throw Undecided() }
                        negative = true
                    } else {
                        number = number * 10 + Int64(byte - UInt8(ascii: "0"))
                    }
                }
                return .integer(negative ? -number : number)
            }
        }

        @inline(__always) mutating func word(_ text: StaticString) throws(Undecided) {
            let count = text.utf8CodeUnitCount
            guard position + count <= bytes.count else { throw Undecided() }
            // Byte by byte: the words are four or five bytes, a call to `memcmp` costs more.
            let start = bytes.baseAddress! + position
            let expected = text.utf8Start
            for offset in 0..<count where start[offset] != expected[offset] { throw Undecided() }
            position += count
        }

        /// A list (at its `[`): how many items it holds.
        mutating func list() throws(Undecided) -> Int {
            try enter()
            defer { depth -= 1 }
            space()
            if peek == UInt8(ascii: "]") {
                position += 1
                return 0
            }
            var count = 0
            while true {
                try skip()
                count += 1
                space()
                switch peek {
                case UInt8(ascii: ","):
                    position += 1
                    space()
                case UInt8(ascii: "]"):
                    position += 1
                    return count
                default: throw Undecided()
                }
            }
        }

        /// Skips a value.
        mutating func skip() throws(Undecided) {
            switch peek {
            case UInt8(ascii: "\""): _ = try string()
            case UInt8(ascii: "["): _ = try list()
            case UInt8(ascii: "{"):
                try enter()
                defer { depth -= 1 }
                space()
                if peek == UInt8(ascii: "}") {
                    position += 1
                    return
                }
                while true {
                    guard peek == UInt8(ascii: "\"") else { throw Undecided() }
                    _ = try string()
                    space()
                    guard peek == UInt8(ascii: ":") else { throw Undecided() }
                    position += 1
                    space()
                    try skip()
                    space()
                    switch peek {
                    case UInt8(ascii: ","):
                        position += 1
                        space()
                    case UInt8(ascii: "}"):
                        position += 1
                        return
                    default: throw Undecided()
                    }
                }
            default: _ = try value()
            }
        }
    }
}
