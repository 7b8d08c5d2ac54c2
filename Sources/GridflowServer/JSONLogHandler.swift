import Foundation
import GridflowExpressions
import Logging

/// Writes each log entry as one JSON line to standard error: time, level, message and the
/// metadata (which the daemon fills with ids, routes, statuses and durations, never a field).
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        FileHandle.standardError.write(Data(line(event, at: Self.timestamp())))
    }

    /// An entry's line: its fields (a metadata key given again takes the later value: the
    /// entry's over the handler's, either over the line's own), in key order, written straight
    /// into bytes (no dictionary of values, no date formatter: a line per request).
    func line(_ event: LogEvent, at timestamp: String) -> [UInt8] {
        var fields: [(key: String, value: String)] = [
            ("at", timestamp), ("level", event.level.rawValue), ("message", event.message.description),
            ("logger", label),
        ]
        func set(_ key: String, _ value: Logger.MetadataValue) {
            if let index = fields.firstIndex(where: { $0.key == key }) {
                fields[index].value = value.description
            } else {
                fields.append((key, value.description))
            }
        }
        for (key, value) in metadata { set(key, value) }
        for (key, value) in event.metadata ?? [:] { set(key, value) }
        fields.sort { $0.key < $1.key }
        var line: [UInt8] = [UInt8(ascii: "{")]
        line.reserveCapacity(256)
        for (index, field) in fields.enumerated() {
            if index > 0 { line.append(UInt8(ascii: ",")) }
            ValueJSON.write(string: field.key, to: &line)
            line.append(UInt8(ascii: ":"))
            ValueJSON.write(string: field.value, to: &line)
        }
        line.append(contentsOf: "}\n".utf8)
        return line
    }

    /// The present time in UTC, as `Date.ISO8601FormatStyle` writes it (`2024-10-08T01:00:00Z`),
    /// made from the clock's seconds without a formatter.
    static func timestamp(_ seconds: Int = Int(Date().timeIntervalSince1970)) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):"
            + "\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}
