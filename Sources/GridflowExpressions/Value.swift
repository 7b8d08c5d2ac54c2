/// A run-time value of the expression language.
public enum Value: Sendable, Hashable, CustomStringConvertible {
    case null
    case bool(Bool)
    /// Integers and decimals alike; the type checker knows which a value is.
    case number(Number)
    /// Strings and enum values.
    case string(String)
    case date(Day)
    case datetime(Instant)
    case duration(Span)
    case list([Value])
    /// A map from keys (strings or integers) to values, e.g. performance by year.
    case map([Value: Value])
    /// A record laid out by its type: fields are read by slot, never by name.
    case record(Record)

    public var description: String {
        switch self {
        case .null: "null"
        case .bool(let b): "\(b)"
        case .number(let n): n.description
        case .string(let s): "\"\(s)\""
        case .date(let d): d.description
        case .datetime(let i): i.description
        case .duration(let s): s.description
        case .list(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .map(let entries):
            "{" + entries.map { "\($0.key): \($0.value)" }.sorted().joined(separator: ", ") + "}"
        case .record(let record):
            "{" + zip(record.layout.names, record.slots).map { "\($0): \($1)" }.joined(separator: ", ") + "}"
        }
    }
}

/// The field names of a record type, in slot order, shared by every record of the type.
public final class RecordLayout: Sendable, Hashable {
    public let names: [String]
    private let index: [String: Int]

    public init(names: [String]) {
        self.names = names
        self.index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The slot of a field; used when compiling, never when evaluating.
    public func slot(of name: String) -> Int? { index[name] }

    public static func == (a: RecordLayout, b: RecordLayout) -> Bool { a.names == b.names }
    public func hash(into hasher: inout Hasher) { hasher.combine(names) }
}

/// A record value: a layout and one value per slot. Immutable and shared, so copying a record
/// value costs one reference count, not one per field.
public final class Record: Sendable, Hashable {
    public let layout: RecordLayout
    public let slots: [Value]

    public init(layout: RecordLayout, slots: [Value]) {
        self.layout = layout
        self.slots = slots
    }

    /// Reads a field by name (for tools and tests; compiled code reads slots).
    public subscript(name: String) -> Value? {
        layout.slot(of: name).map { slots[$0] }
    }

    /// A copy with one slot changed.
    public func replacing(slot: Int, with value: Value) -> Record {
        var copy = slots
        copy[slot] = value
        return Record(layout: layout, slots: copy)
    }

    public static func == (a: Record, b: Record) -> Bool {
        a === b || (a.layout == b.layout && a.slots == b.slots)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(layout)
        hasher.combine(slots)
    }
}
