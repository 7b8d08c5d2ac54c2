import Foundation

/// Types and values read from JSON data, for `gridflow eval --data` and tests: each top-level
/// key of a JSON object becomes a root, typed by what its value holds.
public enum DataBinding {
    /// A problem with the data, naming the field.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The environment and root values for a JSON object.
    public static func bind(json data: Data) throws(Problem) -> (environment: Environment, roots: [Value]) {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw Problem(description: "the data is not valid JSON: \(error.localizedDescription)")
        }
        guard let top = object as? [String: Any] else {
            throw Problem(description: "the data must be a JSON object whose keys name the roots, e.g. {\"case\": {…}}")
        }
        var roots: [(name: String, type: ValueType)] = []
        var values: [Value] = []
        for key in top.keys.sorted() {
            let type = infer(top[key]!, path: key)
            roots.append((key, type))
            values.append(try value(top[key]!, as: type, path: key))
        }
        return (Environment(roots: roots), values)
    }

    /// The type a JSON value suggests; dates and datetimes are recognised in strings.
    public static func infer(_ json: Any, path: String) -> ValueType {
        switch json {
        case is NSNull: return .null
        case let b as Bool where type(of: json) == Bool.self || String(describing: type(of: json)) == "__NSCFBoolean":
            _ = b; return .bool
        case let n as NSNumber:
            if CFBooleanish.isBool(n) { return .bool }
            return Number(n.description)?.isInteger == true && !n.description.contains(".") ? .integer : .decimal
        case let s as String:
            if Day(s) != nil { return .date }
            if Instant(s) != nil { return .datetime }
            return .string
        case let items as [Any]:
            var element: ValueType?
            for item in items {
                let type = infer(item, path: path + "[]")
                element = element.map { merge($0, type) } ?? type
            }
            return .list(element ?? .string)
        case let object as [String: Any]:
            let fields = object.keys.sorted().map {
                RecordType.Field(name: $0, type: infer(object[$0]!, path: path + "." + $0))
            }
            return .record(RecordType(name: path, fields: fields))
        default:
            return .string
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

    /// Converts a JSON value to a value of `type`.
    public static func value(_ json: Any, as type: ValueType, path: String) throws(Problem) -> Value {
        if json is NSNull {
            guard type.isOptional else { throw Problem(description: "\(path) is null") }
            return .null
        }
        switch type.unwrapped {
        case .bool:
            if let n = json as? NSNumber, CFBooleanish.isBool(n) { return .bool(n.boolValue) }
        case .integer, .decimal:
            if let n = json as? NSNumber, !CFBooleanish.isBool(n), let number = Number(n.description) {
                return .number(number)
            }
        case .string, .enumeration:
            if let s = json as? String { return .string(s) }
        case .date:
            if let s = json as? String, let d = Day(s) { return .date(d) }
        case .datetime:
            if let s = json as? String, let i = Instant(s) { return .datetime(i) }
        case .duration:
            if let s = json as? String, let d = Span(s) { return .duration(d) }
        case .list(let element):
            if let items = json as? [Any] {
                var values: [Value] = []
                for (i, item) in items.enumerated() {
                    values.append(try value(item, as: element, path: "\(path)[\(i)]"))
                }
                return .list(values)
            }
        case .map(let keyType, let valueType):
            if let object = json as? [String: Any] {
                var entries: [Value: Value] = [:]
                for (key, item) in object {
                    var mapKey = Value.string(key)
                    if keyType == .integer {
                        guard let number = Number(key), number.isInteger else {
                            throw Problem(description: "\(path): the key '\(key)' is not a whole number")
                        }
                        mapKey = .number(number)
                    }
                    entries[mapKey] = try value(item, as: valueType, path: "\(path).\(key)")
                }
                return .map(entries)
            }
        case .record(let record):
            if let object = json as? [String: Any] {
                var slots: [Value] = []
                for field in record.fields {
                    let item = object[field.name] ?? NSNull()
                    slots.append(try value(item, as: field.type, path: "\(path).\(field.name)"))
                }
                return .record(Record(layout: record.layout, slots: slots))
            }
        case .null, .optional:
            return .null
        }
        throw Problem(description: "\(path) must be \(type.unwrapped)")
    }
}

/// Tells JSON booleans from numbers on every platform.
enum CFBooleanish {
    static func isBool(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c" && (number == NSNumber(value: true) || number == NSNumber(value: false))
            && type(of: number) != NSNumber.self || String(describing: type(of: number)).contains("Bool")
    }
}
