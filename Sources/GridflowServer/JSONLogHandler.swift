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
        var object: [String: Value] = [
            "at": .string(Date().formatted(.iso8601)), "level": .string(event.level.rawValue),
            "message": .string(event.message.description), "logger": .string(label),
        ]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
            object[key] = .string(value.description)
        }
        FileHandle.standardError.write(Data((ValueJSON.encode(object) + "\n").utf8))
    }
}
