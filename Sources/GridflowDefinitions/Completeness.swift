import Foundation
import GridflowDiagnostics
import GridflowExpressions

/// Which combinations of a table's enumerable input values (enums and bools) no row matches.
///
/// At run time a table that matches no row stops the transition that consults it, under every
/// hit policy, so each combination of input values needs a row. The space is split row by row:
/// it starts as one box (every value of every input), and each row takes away the values it
/// matches, leaving a list of disjoint boxes that no row matches so far. Work grows with the
/// number of boxes, not the number of combinations, and stops at ``boxLimit``.
struct Completeness {
    /// One input whose values can be listed.
    struct Input {
        var name: String
        var values: [Literal.Value]
        /// The values as written in a `when`.
        var shown: [String]
    }

    /// A set of value indices of one input, as bits.
    struct Values: Equatable {
        private var words: [UInt64]

        init() { words = [] }

        init(_ indices: some Sequence<Int>) {
            self.init()
            for index in indices { insert(index) }
        }

        mutating func insert(_ index: Int) {
            while words.count <= index / 64 { words.append(0) }
            words[index / 64] |= 1 << UInt64(index % 64)
        }

        var isEmpty: Bool { words.allSatisfy { $0 == 0 } }
        var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

        func isDisjoint(with other: Values) -> Bool {
            zip(words, other.words).allSatisfy { $0 & $1 == 0 }
        }

        func subtracting(_ other: Values) -> Values {
            var result = self
            for index in result.words.indices where index < other.words.count {
                result.words[index] &= ~other.words[index]
            }
            return result
        }

        mutating func formIntersection(_ other: Values) {
            for index in words.indices { words[index] &= index < other.words.count ? other.words[index] : 0 }
        }

        /// The indices in the set, smallest first.
        func sorted() -> [Int] {
            var result: [Int] = []
            for (index, word) in words.enumerated() {
                var rest = word
                while rest != 0 {
                    result.append(index * 64 + rest.trailingZeroBitCount)
                    rest &= rest - 1
                }
            }
            return result
        }
    }

    /// Every combination of one value per input from each set.
    struct Box {
        var values: [Values]

        var size: Int {
            values.reduce(1) { total, set in
                let (product, overflow) = total.multipliedReportingOverflow(by: set.count)
                return overflow ? Int.max : product
            }
        }
    }

    /// What the check found.
    enum Outcome {
        /// Every combination has a row.
        case complete
        /// The combinations no row matches: how many, and the first ones in the inputs' order.
        case gaps(count: Int, first: [[Int]])
        /// The rows split the space into more boxes than ``boxLimit``; nothing was decided.
        case tooLarge
    }

    /// The most boxes kept before the check gives up.
    static let boxLimit = 20_000
    /// The most boxes looked at, over all rows, before the check gives up.
    static let visitLimit = 2_000_000

    let inputs: [Input]

    /// The combinations that no row matches; `rows[r][i]` is the set of values of input `i` that
    /// row `r` matches. Lists the first `limit` and gives up past `boxes` boxes.
    func check(_ rows: [[Values]], listing limit: Int = 10, boxes: Int = Completeness.boxLimit) -> Outcome {
        // An input with no values (an enum whose values are missing, reported elsewhere) leaves
        // no combination to match.
        guard inputs.allSatisfy({ !$0.values.isEmpty }) else { return .complete }
        var open = [Box(values: inputs.map { Values($0.values.indices) })]
        var visits = 0
        for row in rows {
            var next: [Box] = []
            visits += open.count
            if visits > Self.visitLimit { return .tooLarge }
            for box in open {
                guard zip(box.values, row).allSatisfy({ !$0.isDisjoint(with: $1) }) else {
                    next.append(box)
                    continue
                }
                // What the row leaves of the box, as disjoint boxes: outside the row on input 0;
                // inside on 0 and outside on 1; and so on.
                var rest = box
                for index in row.indices {
                    let outside = rest.values[index].subtracting(row[index])
                    if !outside.isEmpty {
                        var part = rest
                        part.values[index] = outside
                        next.append(part)
                    }
                    rest.values[index].formIntersection(row[index])
                }
            }
            if next.count > boxes { return .tooLarge }
            open = next
        }
        if open.isEmpty { return .complete }
        let count = open.reduce(0) { total, box in
            let (sum, overflow) = total.addingReportingOverflow(box.size)
            return overflow ? Int.max : sum
        }
        return .gaps(count: count, first: Self.first(limit, of: open))
    }

    /// The first `limit` combinations of disjoint boxes in lexicographic order of value indices:
    /// each box is walked in order, and the smallest next combination of all boxes is taken.
    static func first(_ limit: Int, of boxes: [Box]) -> [[Int]] {
        let sorted = boxes.map { $0.values.map { $0.sorted() } }
        var positions = boxes.map { [Int](repeating: 0, count: $0.values.count) }
        var done = [Bool](repeating: false, count: boxes.count)
        var result: [[Int]] = []
        func current(_ box: Int) -> [Int] { zip(sorted[box], positions[box]).map { $0[$1] } }
        while result.count < limit {
            var best: (box: Int, combination: [Int])?
            for box in boxes.indices where !done[box] {
                let combination = current(box)
                if best == nil || combination.lexicographicallyPrecedes(best!.combination) {
                    best = (box, combination)
                }
            }
            guard let (box, combination) = best else { break }
            result.append(combination)
            // Advance the box's odometer, the last input fastest.
            var index = positions[box].count - 1
            while index >= 0 {
                positions[box][index] += 1
                if positions[box][index] < sorted[box][index].count { break }
                positions[box][index] = 0
                index -= 1
            }
            if index < 0 { done[box] = true }
        }
        return result
    }

    /// A combination as a `when` would be written: `{area: off_duty, urgent: true}`.
    func describe(_ combination: [Int]) -> String {
        "{" + zip(inputs, combination).map { "\($0.name): \($0.shown[$1])" }.joined(separator: ", ") + "}"
    }
}

extension Validator {
    /// The values of an input that can be listed (an enum's values, or true and false), or `nil`.
    func enumerable(_ field: Field) -> Completeness.Input? {
        if let values = enumValues(field.type) {
            return Completeness.Input(name: field.name.text, values: values.map { .string($0) }, shown: values)
        }
        if case .bool = field.type {
            return Completeness.Input(
                name: field.name.text, values: [.bool(true), .bool(false)], shown: ["true", "false"])
        }
        return nil
    }

    /// Reports the combinations of enumerable input values that no row of a table matches.
    ///
    /// Inputs that cannot be listed (numbers, text, dates) are taken as matched by every row, so
    /// what is reported is missing whatever their values. A cell that is an expression is
    /// evaluated for each value; when it cannot be, its row is not counted for that value and a
    /// note says so.
    mutating func checkCompleteness(
        _ rows: [(cells: [(input: Name, cell: Cell)], span: SourceSpan)], inputs fields: [Field], hit: HitPolicy?,
        what: (table: String, row: String), code: Diagnostic.Code, at span: SourceSpan
    ) {
        let listed = fields.compactMap { field in enumerable(field).map { (field, $0) } }
        guard !listed.isEmpty, !rows.isEmpty else { return }
        let completeness = Completeness(inputs: listed.map(\.1))
        var notes: [Diagnostic.Note] = []
        let matched: [[Completeness.Values]] = rows.enumerated().map { index, row in
            listed.map { field, input in
                guard let cell = row.cells.first(where: { $0.input.text == field.name.text })?.cell else {
                    return Completeness.Values(input.values.indices)
                }
                let (values, unknown) = self.values(of: cell, among: input, field: field)
                if unknown {
                    notes.append(
                        Diagnostic.Note(
                            span: cell.span,
                            message:
                                "\(what.row) \(index + 1) is not counted where its cell for '\(field.name.text)' cannot be evaluated"
                        ))
                }
                return values
            }
        }
        switch completeness.check(matched) {
        case .complete:
            break
        case .gaps(let count, let first):
            let shown = first.map(completeness.describe).joined(separator: ", ")
            let more = count > first.count ? " and \(count - first.count) more" : ""
            let combinations = count == 1 ? "1 combination" : "\(count) combinations"
            let add = count == 1 ? "add a \(what.row) for it" : "add \(what.row)s for them"
            let catchAll =
                hit == .unique || hit == .any
                ? add : add + ", or end the table with a \(what.row) without 'when' that takes the rest"
            diagnostics.append(
                Diagnostic(
                    .error, code,
                    "\(what.table) has no \(what.row) for \(combinations) of its inputs: \(shown)\(more)", at: span,
                    hint: catchAll + "; at run time a case no \(what.row) matches stops with an incident",
                    notes: notes))
        case .tooLarge:
            warning(
                "completeness-unchecked",
                "\(what.table) was not checked for missing combinations of inputs: its \(what.row)s split them into more than \(Completeness.boxLimit) groups",
                at: span, hint: "fewer inputs, or cells that take whole ranges of values ('-'), keep it checkable")
        }
    }

    /// The indices of the values `cell` matches, and whether it could not be told for some value.
    private func values(of cell: Cell, among input: Completeness.Input, field: Field) -> (Completeness.Values, Bool) {
        var matched = Completeness.Values()
        var unknown = false
        switch cell.test {
        case .any:
            return (Completeness.Values(input.values.indices), false)
        case .oneOf(let literals):
            let wanted = Set(literals.map(\.value))
            for (index, value) in input.values.enumerated() where wanted.contains(value) { matched.insert(index) }
        case .compare(let op, let literal):
            for (index, value) in input.values.enumerated() where Self.compare(value, op, literal.value) {
                matched.insert(index)
            }
        case .interval:
            break  // a range of numbers matches no enum value and no bool
        case .expression(let expression):
            let text = Cell.replacingPlaceholder(expression.text)
            let environment = types.environment([("_", valueType(field.type, name: field.name.text))])
            guard let compiled = try? Compiler.compile(text, in: environment, expecting: .bool) else {
                return (matched, true)
            }
            for (index, value) in input.values.enumerated() {
                let argument: Value
                switch value {
                case .string(let s): argument = .string(s)
                case .bool(let b): argument = .bool(b)
                case .number: continue
                }
                do {
                    if try compiled.evaluate(Frame(roots: [argument])) == .bool(true) { matched.insert(index) }
                } catch {
                    unknown = true
                }
            }
        }
        return (matched, unknown)
    }

    /// Whether `value op operand` holds, as the runtime tests a comparison cell.
    private static func compare(_ value: Literal.Value, _ op: Cell.Comparison, _ operand: Literal.Value) -> Bool {
        switch op {
        case .equal: return value == operand
        case .notEqual: return value != operand
        default:
            guard case .string(let a) = value, case .string(let b) = operand else { return false }
            switch op {
            case .less: return a < b
            case .lessOrEqual: return a <= b
            case .greater: return a > b
            default: return a >= b
            }
        }
    }
}
