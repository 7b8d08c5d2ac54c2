import Foundation

/// Values written as JSON, exactly: numbers as their decimal text, dates as `YYYY-MM-DD`,
/// datetimes in ISO 8601 UTC, durations as written (`5wd`, `1d12h`), records as objects.
/// `DataBinding.value(_:as:path:)` reads them back with their type.
public enum ValueJSON {
    /// The JSON text of a value.
    public static func encode(_ value: Value) -> String {
        var out = ""
        write(value, to: &out)
        return out
    }

    /// The JSON text of named values, keys sorted.
    public static func encode(_ fields: [String: Value]) -> String {
        var out = "{"
        for (index, key) in fields.keys.sorted().enumerated() {
            if index > 0 { out += "," }
            string(key, to: &out)
            out += ":"
            write(fields[key]!, to: &out)
        }
        return out + "}"
    }

    static func write(_ value: Value, to out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n.description
        case .string(let s): string(s, to: &out)
        case .date(let d): string(d.description, to: &out)
        case .datetime(let i): string(i.description, to: &out)
        case .duration(let s): string(s.description, to: &out)
        case .list(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                write(item, to: &out)
            }
            out += "]"
        case .map(let entries):
            out += "{"
            let keyed = entries.map { (key: keyText($0.key), value: $0.value) }.sorted { $0.key < $1.key }
            for (index, entry) in keyed.enumerated() {
                if index > 0 { out += "," }
                string(entry.key, to: &out)
                out += ":"
                write(entry.value, to: &out)
            }
            out += "}"
        case .record(let record):
            out += "{"
            for (index, name) in record.layout.names.enumerated() {
                if index > 0 { out += "," }
                string(name, to: &out)
                out += ":"
                write(record.slots[index], to: &out)
            }
            out += "}"
        }
    }

    static func keyText(_ key: Value) -> String {
        switch key {
        case .string(let s): s
        default: key.description
        }
    }

    static func string(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
