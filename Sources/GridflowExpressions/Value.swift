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

    public var description: String { description(in: nil) }

    /// The value as `description` writes it, with datetimes in `time` (UTC when `nil`).
    public func description(in time: Zone?) -> String {
        switch self {
        case .null: "null"
        case .bool(let b): "\(b)"
        case .number(let n): n.description
        case .string(let s): "\"\(s)\""
        case .date(let d): d.description
        case .datetime(let i): time?.text(i) ?? i.description
        case .duration(let s): s.description
        case .list(let items): "[" + items.map { $0.description(in: time) }.joined(separator: ", ") + "]"
        case .map(let entries):
            "{"
                + entries.map { "\($0.key.description(in: time)): \($0.value.description(in: time))" }.sorted()
                .joined(separator: ", ") + "}"
        case .record(let record):
            "{"
                + zip(record.layout.names, record.slots).map { "\($0): \($1.description(in: time))" }.joined(
                    separator: ", ") + "}"
        }
    }
}

extension Value {
    /// The value as `description` writes it, cut for people to read in traces and explanations:
    /// at most `items` elements of a list or map (then `… N more`), strings cut in their middle,
    /// and the whole at most `characters` long. A trace of a million-element list prints a line.
    public func summary(in time: Zone? = nil, items: Int = 10, characters: Int = 200) -> String {
        var out = ""
        write(into: &out, time: time, items: items, budget: characters)
        return out.count > characters ? String(out.prefix(characters)) + "…" : out
    }

    private func write(into out: inout String, time: Zone?, items limit: Int, budget: Int) {
        func list<S: Collection>(
            _ elements: S, _ open: String, _ close: String, _ each: (S.Element, inout String) -> Void
        ) {
            out += open
            for (index, element) in elements.enumerated() {
                if index > 0 { out += ", " }
                if index == limit || out.count > budget {
                    out += "… \(elements.count - index) more"
                    break
                }
                each(element, &out)
            }
            out += close
        }
        switch self {
        case .string(let text) where text.count > 80:
            out += "\"\(text.prefix(60))… (\(text.count) characters)\""
        case .list(let values):
            list(values, "[", "]") { value, out in value.write(into: &out, time: time, items: limit, budget: budget) }
        case .map(let entries):
            let sorted = entries.sorted { "\($0.key)" < "\($1.key)" }
            list(sorted, "{", "}") { entry, out in
                out += "\(entry.key.summary(items: limit, characters: budget)): "
                entry.value.write(into: &out, time: time, items: limit, budget: budget)
            }
        case .record(let record):
            list(Array(zip(record.layout.names, record.slots)), "{", "}") { pair, out in
                out += "\(pair.0): "
                pair.1.write(into: &out, time: time, items: limit, budget: budget)
            }
        default:
            out += description(in: time)
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
