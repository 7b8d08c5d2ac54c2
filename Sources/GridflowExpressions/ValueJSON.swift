import Foundation

/// Values written as JSON, exactly: numbers as their decimal text, dates as `YYYY-MM-DD`,
/// datetimes in ISO 8601 UTC, durations as written (`5wd`, `1d12h`), records as objects.
/// `DataBinding.value(_:as:path:)` reads them back with their type.
public enum ValueJSON {
    /// The JSON text of a value; datetimes in `time` (UTC when `nil`), still exact instants.
    public static func encode(_ value: Value, time: Zone? = nil) -> String {
        var out: [UInt8] = []
        if case .record(let record) = value {
            out.reserveCapacity(64 * record.slots.count)
        } else {
            out.reserveCapacity(256)
        }
        write(value, to: &out, time: time)
        return String(decoding: out, as: UTF8.self)
    }

    /// The JSON text of named values, keys sorted; datetimes in `time` (UTC when `nil`).
    public static func encode(_ fields: [String: Value], time: Zone? = nil) -> String {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (index, key) in fields.keys.sorted().enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            write(string: key, to: &out)
            out.append(UInt8(ascii: ":"))
            write(fields[key]!, to: &out, time: time)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the JSON text of a value; datetimes in `time` (UTC when `nil`).
    public static func write(_ value: Value, to out: inout [UInt8], time: Zone? = nil) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): write(number: n, to: &out)
        case .string(let s): write(string: s, to: &out)
        case .date(let d):
            out.append(UInt8(ascii: "\""))
            d.write(to: &out)
            out.append(UInt8(ascii: "\""))
        case .datetime(let i):
            out.append(UInt8(ascii: "\""))
            i.write(to: &out, offset: time?.offset(at: i) ?? 0)
            out.append(UInt8(ascii: "\""))
        case .duration(let s): write(string: s.description, to: &out)
        case .list(let items):
            out.append(UInt8(ascii: "["))
            var first = true
            for item in items {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                write(item, to: &out, time: time)
            }
            out.append(UInt8(ascii: "]"))
        case .map(let entries):
            out.append(UInt8(ascii: "{"))
            let keyed = entries.map { (key: keyText($0.key), value: $0.value) }.sorted { $0.key < $1.key }
            var first = true
            for entry in keyed {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                write(string: entry.key, to: &out)
                out.append(UInt8(ascii: ":"))
                write(entry.value, to: &out, time: time)
            }
            out.append(UInt8(ascii: "}"))
        case .record(let record):
            out.append(UInt8(ascii: "{"))
            let names = record.layout.names
            record.slots.withUnsafeBufferPointer { slots in
                for index in slots.indices {
                    if index > 0 { out.append(UInt8(ascii: ",")) }
                    write(string: names[index], to: &out)
                    out.append(UInt8(ascii: ":"))
                    write(slots[index], to: &out, time: time)
                }
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// A whole number is written digit by digit; a decimal as its exact text.
    static func write(number: Number, to out: inout [UInt8]) {
        if number.scale == 0, let whole = Int(exactly: number.mantissa) {
            DecimalText.write(whole, to: &out)
        } else {
            number.write(to: &out)
        }
    }

    static func keyText(_ key: Value) -> String {
        switch key {
        case .string(let s): s
        default: key.description
        }
    }

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends a JSON string.
    public static func write(string text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        if text.utf8.withContiguousStorageIfAvailable({ escape($0, to: &out) }) == nil {
            let bytes = Array(text.utf8)
            bytes.withUnsafeBufferPointer { escape($0, to: &out) }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends UTF-8 bytes with the characters JSON needs escaped.
    private static func escape(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var start = 0
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte >= 0x20 && byte != 0x22 && byte != 0x5C {
                index += 1
                continue
            }
            if start < index { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index])) }
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
            index += 1
            start = index
        }
        if start < count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<count])) }
    }
}
