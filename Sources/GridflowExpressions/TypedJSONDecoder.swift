import Foundation

/// Reads JSON text straight into a value of one type, in one pass over the bytes and without
/// the `JSON` tree `JSONReader` builds and `DataBinding` walks: for data read many times over,
/// such as the directory records an appraisal reads for every person.
///
/// It takes the common shapes only and gives `nil` for anything else (a string with escapes,
/// an unknown or repeated key, a value of the wrong kind, malformed text, a missing required
/// field): the caller then reads the text with `JSONReader` and `DataBinding`, which say what
/// is wrong. Whatever it does read is the value `DataBinding.value(_:as:path:)` gives for the
/// same text.
public final class TypedJSONDecoder: Sendable {
    /// How to read a value of one type.
    indirect enum Plan: Sendable {
        case bool
        case number(integer: Bool)
        case string
        case date
        case datetime
        case duration
        case list(Plan)
        case map(integerKeys: Bool, Plan)
        case record(RecordPlan)
        case optional(Plan)
        /// Left to the general path.
        case unsupported
    }

    /// A record type's fields as bytes, with how to read each, and the values of fields a text
    /// leaves out (`nil`: none; the field is then null when optional, else the text is refused).
    final class RecordPlan: Sendable {
        let layout: RecordLayout
        let names: [[UInt8]]
        let plans: [Plan]
        let optional: [Bool]
        let defaults: [Value?]

        init(_ type: RecordType, defaults: [Value?]? = nil) {
            layout = type.layout
            names = type.fields.map { Array($0.name.utf8) }
            plans = type.fields.map { Plan($0.type) }
            optional = type.fields.map(\.type.isOptional)
            self.defaults = defaults ?? Array(repeating: nil, count: type.fields.count)
        }
    }

    private let plan: Plan

    /// A decoder for values of `type`.
    public init(_ type: ValueType) { plan = Plan(type) }

    /// A decoder for records of `type` where a field the text leaves out takes its value from
    /// `defaults` (by field name; each already of the field's type), as a field whose key is
    /// absent: a key present with null stays null.
    public init(record type: RecordType, defaults: [String: Value]) {
        plan = .record(RecordPlan(type, defaults: type.fields.map { defaults[$0.name] }))
    }

    /// The value of `text`, or `nil` when it is not one this decoder reads (the general path's).
    public func decode(_ text: String) -> Value? {
        var text = text
        return text.withUTF8 { bytes -> Value? in
            guard bytes.count > 0 else { return nil }
            var reader = Reader(bytes: bytes)
            reader.space()
            guard let value = reader.value(plan) else { return nil }
            reader.space()
            return reader.position == bytes.count ? value : nil
        }
    }

    private struct Reader: JSONByteCursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0
        var depth = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func word(_ text: StaticString) -> Bool {
            let count = text.utf8CodeUnitCount
            guard position + count <= bytes.count else { return false }
            guard memcmp(bytes.baseAddress! + position, text.utf8Start, count) == 0 else { return false }
            position += count
            return true
        }

        /// A string without escapes (at its quote): the range of its bytes.
        mutating func plainString() -> Range<Int>? {
            guard peek == UInt8(ascii: "\"") else { return nil }
            position += 1
            let start = position
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    position += 1
                    return start..<position - 1
                }
                // Escapes and control characters are the general path's.
                if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
                position += 1
            }
            return nil
        }

        /// A string value, its UTF-8 checked as `JSONReader` checks it.
        mutating func string() -> String? {
            guard let range = plainString() else { return nil }
            let slice = UnsafeBufferPointer(rebasing: bytes[range])
            // ASCII is valid UTF-8 as it is: the generic validation only for the rest.
            var high: UInt8 = 0
            for byte in slice { high |= byte }
            if high < 0x80 { return String(decoding: slice, as: UTF8.self) }
            return String(validating: slice, as: UTF8.self)
        }

        /// A number's text, by the grammar `JSONReader` reads.
        mutating func number() -> String? {
            let start = position
            func digits(_ reader: inout Reader) -> Int {
                let from = reader.position
                while reader.position < reader.bytes.count, reader.bytes[reader.position] >= UInt8(ascii: "0"),
                    reader.bytes[reader.position] <= UInt8(ascii: "9")
                {
                    reader.position += 1
                }
                return reader.position - from
            }
            if peek == UInt8(ascii: "-") { position += 1 }
            let integerStart = position
            let integerDigits = digits(&self)
            guard integerDigits > 0 else { return nil }
            if integerDigits > 1, bytes[integerStart] == UInt8(ascii: "0") { return nil }
            if peek == UInt8(ascii: ".") {
                position += 1
                guard digits(&self) > 0 else { return nil }
            }
            if peek | 0x20 == UInt8(ascii: "e") {
                position += 1
                if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { position += 1 }
                guard digits(&self) > 0 else { return nil }
            }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        }

        mutating func value(_ plan: Plan) -> Value? {
            if peek == UInt8(ascii: "n") {
                guard case .optional = plan, word("null") else { return nil }
                return .null
            }
            switch plan {
            case .optional(let inner):
                // `DataBinding` reads an optional of an optional as null whatever it holds.
                if case .optional = inner { return nil }
                return value(inner)
            case .bool:
                if word("true") { return .bool(true) }
                if word("false") { return .bool(false) }
                return nil
            case .number(let integer):
                guard peek == UInt8(ascii: "-") || (peek >= UInt8(ascii: "0") && peek <= UInt8(ascii: "9")),
                    let text = number(), let number = Number(text)
                else { return nil }
                if integer, !number.isInteger { return nil }
                return .number(number)
            case .string: return string().map(Value.string)
            case .date: return string().flatMap { Day($0) }.map(Value.date)
            case .datetime: return string().flatMap { Instant($0) }.map(Value.datetime)
            case .duration: return string().flatMap { Span($0) }.map(Value.duration)
            case .list(let element):
                guard peek == UInt8(ascii: "["), enter() else { return nil }
                defer { depth -= 1 }
                var items: [Value] = []
                space()
                if peek == UInt8(ascii: "]") {
                    position += 1
                    return .list(items)
                }
                while true {
                    space()
                    guard let item = value(element) else { return nil }
                    items.append(item)
                    space()
                    switch peek {
                    case UInt8(ascii: ","): position += 1
                    case UInt8(ascii: "]"):
                        position += 1
                        return .list(items)
                    default: return nil
                    }
                }
            case .map(let integerKeys, let valuePlan):
                guard peek == UInt8(ascii: "{"), enter() else { return nil }
                defer { depth -= 1 }
                var entries: [Value: Value] = [:]
                space()
                if peek == UInt8(ascii: "}") {
                    position += 1
                    return .map(entries)
                }
                while true {
                    space()
                    guard let key = string() else { return nil }
                    var mapKey = Value.string(key)
                    if integerKeys {
                        guard let number = Number(key), number.isInteger else { return nil }
                        mapKey = .number(number)
                    }
                    space()
                    guard peek == UInt8(ascii: ":") else { return nil }
                    position += 1
                    space()
                    guard let item = value(valuePlan) else { return nil }
                    // A key twice (or two keys of one number): the general path's.
                    guard entries.updateValue(item, forKey: mapKey) == nil else { return nil }
                    space()
                    switch peek {
                    case UInt8(ascii: ","): position += 1
                    case UInt8(ascii: "}"):
                        position += 1
                        return .map(entries)
                    default: return nil
                    }
                }
            case .record(let record): return self.record(record)
            case .unsupported: return nil
            }
        }

        mutating func enter() -> Bool {
            depth += 1
            guard depth <= JSONReader.maximumDepth else { return false }
            position += 1
            return true
        }

        mutating func record(_ plan: RecordPlan) -> Value? {
            guard peek == UInt8(ascii: "{"), enter() else { return nil }
            defer { depth -= 1 }
            let count = plan.names.count
            var slots = [Value](repeating: .null, count: count)
            var present = [Bool](repeating: false, count: count)
            space()
            if peek == UInt8(ascii: "}") {
                position += 1
            } else {
                while true {
                    space()
                    guard let key = plainString() else { return nil }
                    var slot = -1
                    let length = key.count
                    let start = bytes.baseAddress! + key.lowerBound
                    for index in 0..<count where plan.names[index].count == length {
                        if length == 0
                            || plan.names[index].withUnsafeBufferPointer({ memcmp($0.baseAddress!, start, length) })
                                == 0
                        {
                            slot = index
                            break
                        }
                    }
                    // An unknown key, or one twice: the general path says which.
                    guard slot >= 0, !present[slot] else { return nil }
                    space()
                    guard peek == UInt8(ascii: ":") else { return nil }
                    position += 1
                    space()
                    guard let item = value(plan.plans[slot]) else { return nil }
                    slots[slot] = item
                    present[slot] = true
                    space()
                    if peek == UInt8(ascii: ",") {
                        position += 1
                        continue
                    }
                    guard peek == UInt8(ascii: "}") else { return nil }
                    position += 1
                    break
                }
            }
            for slot in 0..<count where !present[slot] {
                if let value = plan.defaults[slot] {
                    slots[slot] = value
                } else if !plan.optional[slot] {
                    return nil
                }
            }
            return .record(Record(layout: plan.layout, slots: slots))
        }
    }
}

extension TypedJSONDecoder.Plan {
    init(_ type: ValueType) {
        switch type {
        case .bool: self = .bool
        case .integer: self = .number(integer: true)
        case .decimal: self = .number(integer: false)
        case .string, .enumeration: self = .string
        case .date: self = .date
        case .datetime: self = .datetime
        case .duration: self = .duration
        case .list(let element): self = .list(Self(element))
        case .map(let key, let value):
            switch key {
            case .string, .enumeration: self = .map(integerKeys: false, Self(value))
            case .integer: self = .map(integerKeys: true, Self(value))
            default: self = .unsupported
            }
        case .record(let record): self = .record(TypedJSONDecoder.RecordPlan(record))
        case .optional(let inner): self = .optional(Self(inner))
        case .period, .null: self = .unsupported
        }
    }
}

/// The cursor basics of the readers that go through JSON text a byte at a time (this file's
/// `Reader`, the appraisal's `CaseCounter`): the byte at the position and skipping white space.
public protocol JSONByteCursor {
    var bytes: UnsafeBufferPointer<UInt8> { get }
    var position: Int { get set }
}

extension JSONByteCursor {
    /// The byte at the position, 0 past the end.
    @inlinable public var peek: UInt8 { position < bytes.count ? bytes[position] : 0 }

    /// Moves past JSON's white space.
    @inlinable public mutating func space() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }
}
