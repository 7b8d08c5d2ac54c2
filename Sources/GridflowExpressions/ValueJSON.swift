import Foundation

/// Values written as JSON, exactly: numbers as their decimal text, dates as `YYYY-MM-DD`,
/// datetimes in ISO 8601 UTC, durations as written (`5wd`, `1d12h`), records as objects.
/// `DataBinding.value(_:as:path:)` reads them back with their type.
public enum ValueJSON {
    /// The JSON text of a value.
    public static func encode(_ value: Value) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The JSON text of named values, keys sorted.
    public static func encode(_ fields: [String: Value]) -> String {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (index, key) in fields.keys.sorted().enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            string(key, to: &out)
            out.append(UInt8(ascii: ":"))
            write(fields[key]!, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    static func write(_ value: Value, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): out.append(contentsOf: n.description.utf8)
        case .string(let s): string(s, to: &out)
        case .date(let d): string(d.description, to: &out)
        case .datetime(let i): string(i.description, to: &out)
        case .duration(let s): string(s.description, to: &out)
        case .list(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .map(let entries):
            out.append(UInt8(ascii: "{"))
            let keyed = entries.map { (key: keyText($0.key), value: $0.value) }.sorted { $0.key < $1.key }
            for (index, entry) in keyed.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                string(entry.key, to: &out)
                out.append(UInt8(ascii: ":"))
                write(entry.value, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .record(let record):
            out.append(UInt8(ascii: "{"))
            for (index, name) in record.layout.names.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                string(name, to: &out)
                out.append(UInt8(ascii: ":"))
                write(record.slots[index], to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func keyText(_ key: Value) -> String {
        switch key {
        case .string(let s): s
        default: key.description
        }
    }

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    static func string(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for (index, byte) in bytes.enumerated() where byte < 0x20 || byte == 0x22 || byte == 0x5C {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                switch byte {
                case 0x22: out.append(contentsOf: "\\\"".utf8)
                case 0x5C: out.append(contentsOf: "\\\\".utf8)
                case 0x0A: out.append(contentsOf: "\\n".utf8)
                case 0x0D: out.append(contentsOf: "\\r".utf8)
                case 0x09: out.append(contentsOf: "\\t".utf8)
                default:
                    out.append(contentsOf: "\\u00".utf8)
                    out.append(hex[Int(byte >> 4)])
                    out.append(hex[Int(byte & 0xF)])
                }
                start = index + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        }
        out.append(UInt8(ascii: "\""))
    }
}
