import Foundation

/// Types and values read from JSON data, for `gridflow eval --data` and tests: each top-level
/// key of a JSON object becomes a root, typed by what its value holds.
public enum DataBinding {
    /// A problem with the data, naming the field.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The environment and root values for a JSON object.
    public static func bind(json data: some Sequence<UInt8>) throws(Problem) -> (
        environment: Environment, roots: [Value]
    ) {
        let json: JSON
        do {
            json = try JSONReader.read(data)
        } catch {
            throw Problem(description: "\(error.line):\(error.column): not valid JSON: \(error.message)")
        }
        guard case .object(let top) = json else {
            throw Problem(
                description:
                    "the data must be a JSON object whose keys name the roots, e.g. {\"case\": {…}}, not \(json.kind)")
        }
        var roots: [(name: String, type: ValueType)] = []
        var values: [Value] = []
        for (key, item) in top.entries.sorted(by: { $0.0 < $1.0 }) {
            let type = infer(item, path: key)
            roots.append((key, type))
            values.append(try value(item, as: type, path: key))
        }
        return (Environment(roots: roots), values)
    }

    /// The type a JSON value suggests; dates and datetimes are recognised in strings.
    public static func infer(_ json: JSON, path: String) -> ValueType {
        switch json {
        case .null: return .null
        case .bool: return .bool
        case .number(let text):
            return text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) ? .decimal : .integer
        case .string(let s):
            if Day(s) != nil { return .date }
            if Instant(s) != nil { return .datetime }
            return .string
        case .array(let items):
            var element: ValueType?
            for item in items {
                let type = infer(item, path: path + "[]")
                element = element.map { merge($0, type) } ?? type
            }
            return .list(element ?? .string)
        case .object(let object):
            let fields = object.entries.sorted(by: { $0.0 < $1.0 }).map {
                RecordType.Field(name: $0.0, type: infer($0.1, path: path + "." + $0.0))
            }
            return .record(RecordType(name: path, fields: fields))
        }
    }

    /// The type covering both (a field missing or null in some records becomes optional).
    static func merge(_ a: ValueType, _ b: ValueType) -> ValueType {
        if a == b { return a }
        switch (a, b) {
        case (.null, _): return b.optional
        case (_, .null): return a.optional
        case (.integer, .decimal), (.decimal, .integer): return .decimal
        case (.optional(let x), _): return merge(x, b.unwrapped).optional
        case (_, .optional(let y)): return merge(a.unwrapped, y).optional
        case (.record(let x), .record(let y)):
            var fields: [RecordType.Field] = []
            for name in Set(x.fields.map(\.name) + y.fields.map(\.name)).sorted() {
                let fx = x.field(name)?.type, fy = y.field(name)?.type
                switch (fx, fy) {
                case (let p?, let q?): fields.append(.init(name: name, type: merge(p, q)))
                case (let p?, nil), (nil, let p?): fields.append(.init(name: name, type: p.optional))
                default: break
                }
            }
            return .record(RecordType(name: x.name, fields: fields))
        case (.list(let x), .list(let y)): return .list(merge(x, y))
        default: return .string
        }
    }

    /// Converts a JSON value to a value of `type`. Numbers keep their exact decimal text; an
    /// object read as a record may not have keys the record does not declare.
    public static func value(_ json: JSON, as type: ValueType, path: String) throws(Problem) -> Value {
        try value(json, as: type, at: { path })
    }

    /// `value(_:as:path:)` with the path made only for a message: a directory read converts
    /// every field of every person, and building each field's path cost more than reading it.
    static func value(_ json: JSON, as type: ValueType, at path: () -> String) throws(Problem) -> Value {
        if case .null = json {
            guard type.isOptional else { throw Problem(description: "\(path()) is null") }
            return .null
        }
        switch (type.unwrapped, json) {
        case (.bool, .bool(let b)): return .bool(b)
        case (.integer, .number(let text)), (.decimal, .number(let text)):
            guard let number = Number(text) else {
                throw Problem(description: "\(path()): \(text) \(Number.problem(parsing: text) ?? "is not a number")")
            }
            if type.unwrapped == .integer, !number.isInteger {
                throw Problem(description: "\(path()) must be a whole number, not \(text)")
            }
            return .number(number)
        case (.string, .string(let s)), (.enumeration, .string(let s)): return .string(s)
        case (.date, .string(let s)):
            guard let d = Day(s) else {
                throw Problem(description: "\(path()) must be a date (YYYY-MM-DD), not '\(s)'")
            }
            return .date(d)
        case (.datetime, .string(let s)):
            guard let i = Instant(s) else {
                throw Problem(
                    description:
                        "\(path()) must be a date and time with its offset (2024-07-01T09:00:00+08:00), not '\(s)'"
                )
            }
            return .datetime(i)
        case (.duration, .string(let s)):
            guard let d = Span(s) else {
                throw Problem(description: "\(path()) must be a duration (5d, 3wd, 1d12h), not '\(s)'")
            }
            return .duration(d)
        case (.list(let element), .array(let items)):
            var values: [Value] = []
            values.reserveCapacity(items.count)
            for (i, item) in items.enumerated() {
                values.append(try value(item, as: element, at: { "\(path())[\(i)]" }))
            }
            return .list(values)
        case (.map(let keyType, let valueType), .object(let object)):
            var entries: [Value: Value] = [:]
            for (key, item) in object.entries {
                var mapKey = Value.string(key)
                if keyType == .integer {
                    guard let number = Number(key), number.isInteger else {
                        throw Problem(description: "\(path()): the key '\(key)' is not a whole number")
                    }
                    mapKey = .number(number)
                }
                entries[mapKey] = try value(item, as: valueType, at: { "\(path()).\(key)" })
            }
            return .map(entries)
        case (.record(let record), .object(let object)):
            let layout = record.layout
            var slots = [Value](repeating: .null, count: record.fields.count)
            var present = [Bool](repeating: false, count: record.fields.count)
            for (key, item) in object.entries {
                guard let slot = layout.slot(of: key) else {
                    throw Problem(
                        description: "\(path()) has no field '\(key)'; fields: "
                            + record.fields.map(\.name).joined(separator: ", "))
                }
                slots[slot] = try value(item, as: record.fields[slot].type, at: { "\(path()).\(key)" })
                present[slot] = true
            }
            for (slot, field) in record.fields.enumerated() where !present[slot] && !field.type.isOptional {
                throw Problem(description: "\(path()).\(field.name) is missing")
            }
            return .record(Record(layout: layout, slots: slots))
        case (.null, _), (.optional, _):
            return .null
        default:
            throw Problem(description: "\(path()) must be \(type.unwrapped), not \(json.kind)")
        }
    }
}
