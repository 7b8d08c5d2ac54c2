/// The static type of an expression or a field.
public indirect enum ValueType: Sendable, Hashable, CustomStringConvertible {
    case bool
    case integer
    case decimal
    case string
    /// An enum: a string restricted to `values`; `name` is the vocabulary's name for messages.
    case enumeration(name: String, values: [String])
    case date
    case datetime
    case duration
    /// A period of calendar years and months (`1y`, `6mo`): no fixed number of seconds, so it
    /// mixes with no duration; a date moves by it to the same day of the month.
    case period
    case list(ValueType)
    case map(key: ValueType, value: ValueType)
    case record(RecordType)
    /// A value that may be null; must be handled with `??` or `has()` before use.
    case optional(ValueType)
    /// The type of the literal `null`.
    case null

    /// The type without its optional wrapper.
    public var unwrapped: ValueType {
        if case .optional(let inner) = self { return inner }
        return self
    }

    public var isOptional: Bool {
        if case .optional = self { return true }
        if case .null = self { return true }
        return false
    }

    /// This type, optional.
    public var optional: ValueType {
        switch self {
        case .optional, .null: self
        default: .optional(self)
        }
    }

    public var isNumeric: Bool { self == .integer || self == .decimal }

    /// Whether `part` is this type or occurs in it (as an element, a map value or a field).
    public func contains(_ part: ValueType) -> Bool {
        if self == part { return true }
        switch self {
        case .optional(let inner), .list(let inner): return inner.contains(part)
        case .map(let key, let value): return key.contains(part) || value.contains(part)
        case .record(let record): return record.fields.contains { $0.type.contains(part) }
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .bool: "bool"
        case .integer: "integer"
        case .decimal: "decimal"
        case .string: "string"
        case .enumeration(let name, _): "enum \(name)"
        case .date: "date"
        case .datetime: "datetime"
        case .duration: "duration"
        case .period: "period"
        case .list(let element): "list<\(element)>"
        case .map(let key, let value): "map<\(key), \(value)>"
        case .record(let record): record.name
        case .optional(let inner): "\(inner)?"
        case .null: "null"
        }
    }
}

/// The fields of a record type and their types, with the run-time layout they compile to.
public struct RecordType: Sendable, Hashable {
    /// The name used in messages: `case`, `person`, `facts`.
    public var name: String
    public var fields: [Field]
    public var layout: RecordLayout

    /// One field.
    public struct Field: Sendable, Hashable {
        public var name: String
        public var type: ValueType
        public init(name: String, type: ValueType) {
            self.name = name
            self.type = type
        }
    }

    public init(name: String, fields: [Field]) {
        self.name = name
        self.fields = fields
        self.layout = RecordLayout(names: fields.map(\.name))
    }

    public func field(_ name: String) -> (slot: Int, type: ValueType)? {
        guard let slot = layout.slot(of: name) else { return nil }
        return (slot, fields[slot].type)
    }
}
