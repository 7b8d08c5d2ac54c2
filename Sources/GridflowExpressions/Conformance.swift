/// Whether a value fits a type, for data coming in from outside (event inputs, imported rows).
public enum Conformance {
    /// Why `value` does not fit `type`, or `nil` when it does.
    public static func problem(_ value: Value, _ type: ValueType) -> String? {
        switch (value, type) {
        case (.null, .optional), (.null, .null): return nil
        case (.null, _): return "a value is required"
        case (_, .optional(let inner)): return problem(value, inner)
        case (.duration(let span), .duration): return span.isMonths ? "expected a duration, not a period" : nil
        case (.duration(let span), .period): return span.isMonths ? nil : "expected a period, not a duration"
        case (.bool, .bool), (.string, .string), (.date, .date), (.datetime, .datetime): return nil
        case (.number, .decimal): return nil
        case (.number(let n), .integer): return n.isInteger ? nil : "\(n) is not a whole number"
        case (.string(let s), .enumeration(let name, let values)):
            return values.contains(s)
                ? nil : "'\(s)' is not a value of \(name)" + " (values: " + values.joined(separator: ", ") + ")"
        case (.list(let items), .list(let element)):
            for (index, item) in items.enumerated() {
                if let reason = problem(item, element) { return "item \(index + 1): \(reason)" }
            }
            return nil
        case (.map(let entries), .map(let keyType, let valueType)):
            for (key, item) in entries {
                if let reason = problem(key, keyType) ?? problem(item, valueType) { return "entry \(key): \(reason)" }
            }
            return nil
        case (.record(let record), .record(let recordType)):
            guard record.layout == recordType.layout else {
                return "the record's fields differ from \(recordType.name)"
            }
            for (index, field) in recordType.fields.enumerated() {
                if let reason = problem(record.slots[index], field.type) { return "\(field.name): \(reason)" }
            }
            return nil
        default:
            return "expected \(type), not \(kind(of: value))"
        }
    }

    static func kind(of value: Value) -> String {
        switch value {
        case .null: "null"
        case .bool: "a bool"
        case .number: "a number"
        case .string: "a string"
        case .date: "a date"
        case .datetime: "a datetime"
        case .duration: "a duration"
        case .list: "a list"
        case .map: "a map"
        case .record: "a record"
        }
    }
}
