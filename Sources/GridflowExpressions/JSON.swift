/// A JSON value as read, numbers kept as their exact text so that `0.1` or a 30-digit amount
/// reaches `Number` without passing through a binary floating point, and object keys kept in
/// the order written.
public indirect enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's text exactly as written (`-12`, `0.10`, `2.5e3`).
    case number(String)
    case string(String)
    case array([JSON])
    case object(JSONObject)

    /// What kind of value this is, for messages ("a string", "an object").
    public var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// The member `key` of an object, or `nil`.
    public subscript(key: String) -> JSON? {
        guard case .object(let object) = self else { return nil }
        return object[key]
    }

    /// The string, if this is one.
    public var string: String? {
        guard case .string(let text) = self else { return nil }
        return text
    }
}

/// A JSON object: keys in the order written; a key appears once (the reader refuses duplicates).
public struct JSONObject: Sendable, Equatable {
    public var keys: [String]
    public var values: [JSON]

    public init(_ entries: [(String, JSON)] = []) {
        keys = entries.map(\.0)
        values = entries.map(\.1)
    }

    /// The value of `key`; setting `nil` removes the key, setting a new key appends it.
    public subscript(key: String) -> JSON? {
        get {
            guard let index = keys.firstIndex(of: key) else { return nil }
            return values[index]
        }
        set {
            if let index = keys.firstIndex(of: key) {
                if let newValue {
                    values[index] = newValue
                } else {
                    keys.remove(at: index)
                    values.remove(at: index)
                }
            } else if let newValue {
                keys.append(key)
                values.append(newValue)
            }
        }
    }

    public var entries: Zip2Sequence<[String], [JSON]> { zip(keys, values) }
    public var isEmpty: Bool { keys.isEmpty }
}

/// A problem in JSON text: where it is (line and column from 1, columns counting Unicode
/// scalars as the YAML diagnostics do) and what is wrong.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String

    public var description: String { "\(line):\(column): \(message)" }
}

/// Where a value of a JSON text starts (its byte offset), with the places of its items or
/// member values in the order written, for messages that name a value's line and column.
public struct JSONPlace: Sendable {
    public var offset: Int
    public var children: [JSONPlace]
}

/// A JSON value with the place of every value in it.
public struct LocatedJSON: Sendable {
    public var value: JSON
    public var place: JSONPlace
    /// The byte offset where each line starts.
    private let lineStarts: [Int]
    private let bytes: [UInt8]

    init(value: JSON, place: JSONPlace, bytes: [UInt8]) {
        self.value = value
        self.place = place
        self.bytes = bytes
        var starts = [0]
        for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") { starts.append(offset + 1) }
        lineStarts = starts
    }

    /// The line and column (from 1, columns counting Unicode scalars) of a place.
    public func location(of place: JSONPlace) -> (line: Int, column: Int) { location(ofOffset: place.offset) }

    /// The line and column (from 1, columns counting Unicode scalars) of a byte offset.
    public func location(ofOffset offset: Int) -> (line: Int, column: Int) {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        let column = bytes[lineStarts[low]..<min(offset, bytes.count)].count { $0 & 0xC0 != 0x80 } + 1
        return (low + 1, column)
    }
}

/// A strict RFC 8259 reader: one value, optionally surrounded by whitespace; no comments, no
/// trailing commas, no duplicate keys, valid UTF-8, nesting at most 512 deep.
public struct JSONReader {
    private let bytes: [UInt8]
    private var position = 0
    private var depth = 0
    static let maximumDepth = 512

    /// The places of the values being read, innermost container last; `nil` when not recorded.
    private var places: [[JSONPlace]]?

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Reads one JSON value from `bytes`, with the place of every value in it.
    public static func readLocated(_ bytes: some Sequence<UInt8>) throws(JSONError) -> LocatedJSON {
        var reader = JSONReader(Array(bytes))
        reader.places = [[]]
        reader.skipWhitespace()
        let value = try reader.value()
        reader.skipWhitespace()
        guard reader.position == reader.bytes.count else {
            throw reader.error("unexpected text after the JSON value")
        }
        return LocatedJSON(value: value, place: reader.places![0][0], bytes: reader.bytes)
    }

    /// Reads one JSON value from `bytes`.
    public static func read(_ bytes: some Sequence<UInt8>) throws(JSONError) -> JSON {
        var reader = JSONReader(Array(bytes))
        reader.skipWhitespace()
        let value = try reader.value()
        reader.skipWhitespace()
        guard reader.position == reader.bytes.count else {
            throw reader.error("unexpected text after the JSON value")
        }
        return value
    }

    /// Reads one JSON value from `text`.
    public static func read(_ text: String) throws(JSONError) -> JSON { try read(text.utf8) }

    private func error(_ message: String, at offset: Int? = nil) -> JSONError {
        let end = min(offset ?? position, bytes.count)
        var line = 1
        var column = 1
        for byte in bytes[..<end] {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return JSONError(line: line, column: column, message: message)
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private func describe(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
    }

    private mutating func value() throws(JSONError) -> JSON {
        guard places != nil else { return try plainValue() }
        let start = position
        places!.append([])
        let json = try plainValue()
        let children = places!.removeLast()
        places![places!.count - 1].append(JSONPlace(offset: start, children: children))
        return json
    }

    private mutating func plainValue() throws(JSONError) -> JSON {
        guard position < bytes.count else { throw error("the JSON text ends where a value should be") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        case let byte: throw error("expected a JSON value, found \(describe(byte))")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONError) {
        let start = position
        for byte in UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount) {
            guard position < bytes.count, bytes[position] == byte else {
                throw error("expected '\(word)'", at: start)
            }
            position += 1
        }
    }

    private mutating func enter() throws(JSONError) {
        depth += 1
        if depth > Self.maximumDepth { throw error("the JSON nests deeper than \(Self.maximumDepth) levels") }
    }

    /// Up to this many keys, an object's keys are checked for repeats by comparing them.
    private static let keysScanned = 16

    private mutating func object() throws(JSONError) -> JSON {
        try enter()
        position += 1
        var object = JSONObject()
        var seen: Set<String> = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                throw error(
                    position < bytes.count
                        ? "expected a key in double quotes, found \(describe(bytes[position]))"
                        : "the JSON text ends inside an object")
            }
            let keyStart = position
            let key = try string()
            // A small object's keys are compared one by one: cheaper than hashing each.
            if object.keys.count < Self.keysScanned {
                guard !object.keys.contains(key) else { throw error("duplicate key '\(key)'", at: keyStart) }
            } else {
                if seen.isEmpty { seen = Set(object.keys) }
                guard seen.insert(key).inserted else { throw error("duplicate key '\(key)'", at: keyStart) }
            }
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
                throw error("expected ':' after the key '\(key)'")
            }
            position += 1
            skipWhitespace()
            object.keys.append(key)
            object.values.append(try value())
            skipWhitespace()
            guard position < bytes.count else { throw error("the JSON text ends inside an object; '}' is missing") }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
                continue
            }
            if bytes[position] == UInt8(ascii: "}") {
                position += 1
                depth -= 1
                return .object(object)
            }
            throw error("expected ',' or '}' in the object, found \(describe(bytes[position]))")
        }
    }

    private mutating func array() throws(JSONError) -> JSON {
        try enter()
        position += 1
        var items: [JSON] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try value())
            skipWhitespace()
            guard position < bytes.count else { throw error("the JSON text ends inside an array; ']' is missing") }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
                continue
            }
            if bytes[position] == UInt8(ascii: "]") {
                position += 1
                depth -= 1
                return .array(items)
            }
            throw error("expected ',' or ']' in the array, found \(describe(bytes[position]))")
        }
    }

    private mutating func number() throws(JSONError) -> String {
        let start = position
        func digits(_ reader: inout JSONReader) -> Int {
            let from = reader.position
            while reader.position < reader.bytes.count,
                reader.bytes[reader.position] >= UInt8(ascii: "0"), reader.bytes[reader.position] <= UInt8(ascii: "9")
            {
                reader.position += 1
            }
            return reader.position - from
        }
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        let integerStart = position
        let integerDigits = digits(&self)
        guard integerDigits > 0 else { throw error("a number needs digits after '-'") }
        if integerDigits > 1, bytes[integerStart] == UInt8(ascii: "0") {
            throw error("a JSON number does not start with 0 (write 7, not 07)", at: integerStart)
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard digits(&self) > 0 else { throw error("a number needs digits after '.'") }
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard digits(&self) > 0 else { throw error("a number needs digits in its exponent") }
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private mutating func string() throws(JSONError) -> String {
        let start = position
        position += 1
        var chunkStart = position
        var result = ""
        var plain = true
        while true {
            guard position < bytes.count else { throw error("the string is not closed; '\"' is missing", at: start) }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let chunk = try utf8(chunkStart, position)
                position += 1
                if plain { return chunk }
                result += chunk
                return result
            }
            if byte < 0x20 {
                throw error("a control character in a string must be escaped (\\n, \\t, \\u00XX)")
            }
            if byte != UInt8(ascii: "\\") {
                position += 1
                continue
            }
            plain = false
            result += try utf8(chunkStart, position)
            position += 1
            guard position < bytes.count else { throw error("the string is not closed; '\"' is missing", at: start) }
            let escape = bytes[position]
            position += 1
            switch escape {
            case UInt8(ascii: "\""): result += "\""
            case UInt8(ascii: "\\"): result += "\\"
            case UInt8(ascii: "/"): result += "/"
            case UInt8(ascii: "b"): result += "\u{8}"
            case UInt8(ascii: "f"): result += "\u{C}"
            case UInt8(ascii: "n"): result += "\n"
            case UInt8(ascii: "r"): result += "\r"
            case UInt8(ascii: "t"): result += "\t"
            case UInt8(ascii: "u"):
                let escapeStart = position - 2
                var code = try hex4()
                if code >= 0xD800 && code < 0xDC00 {
                    guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                        bytes[position + 1] == UInt8(ascii: "u")
                    else { throw error("a high surrogate \\u escape must be followed by a low one", at: escapeStart) }
                    position += 2
                    let low = try hex4()
                    guard low >= 0xDC00 && low < 0xE000 else {
                        throw error("a high surrogate \\u escape must be followed by a low one", at: escapeStart)
                    }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(code) else {
                    throw error("\\u escape of a lone surrogate", at: escapeStart)
                }
                result.unicodeScalars.append(scalar)
            default:
                throw error("unknown escape '\\\(Character(Unicode.Scalar(escape)))' in a string", at: position - 2)
            }
            chunkStart = position
        }
    }

    private mutating func hex4() throws(JSONError) -> UInt32 {
        var code: UInt32 = 0
        for _ in 0..<4 {
            guard position < bytes.count, let digit = Character(Unicode.Scalar(bytes[position])).hexDigitValue else {
                throw error("a \\u escape takes four hexadecimal digits")
            }
            code = code << 4 | UInt32(digit)
            position += 1
        }
        return code
    }

    private func utf8(_ from: Int, _ to: Int) throws(JSONError) -> String {
        let slice = bytes[from..<to]
        if slice.allSatisfy({ $0 < 0x80 }) { return String(decoding: slice, as: UTF8.self) }
        guard let text = String(validating: slice, as: UTF8.self) else {
            throw error("the string is not valid UTF-8", at: from - 1)
        }
        return text
    }
}

extension JSON {
    /// The JSON as read, written back compactly (numbers keep their text).
    public var text: String {
        switch self {
        case .null: "null"
        case .bool(let value): value ? "true" : "false"
        case .number(let text): text
        case .string(let text): ValueJSON.encode(Value.string(text))
        case .array(let items): "[" + items.map(\.text).joined(separator: ",") + "]"
        case .object(let object):
            "{" + object.entries.map { ValueJSON.encode(Value.string($0.0)) + ":" + $0.1.text }.joined(separator: ",")
                + "}"
        }
    }
}
