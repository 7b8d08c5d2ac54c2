import Foundation
import GridflowYAML

/// A JSON Schema (2020-12) validator for the keywords Gridflow's schemas use, written apart
/// from the generator so the test checks the generated schemas against the documents.
struct SchemaValidator {
    let root: [String: Any]

    /// Problems found, as `path: message`; empty when the value is valid.
    func validate(_ value: Any?) -> [String] {
        var problems: [String] = []
        check(value, root, "$", &problems)
        return problems
    }

    private func resolve(_ schema: [String: Any]) -> [String: Any] {
        guard let ref = schema["$ref"] as? String, ref.hasPrefix("#/$defs/") else { return schema }
        let defs = root["$defs"] as? [String: Any]
        return defs?[String(ref.dropFirst("#/$defs/".count))] as? [String: Any] ?? [:]
    }

    private func typeName(_ value: Any?) -> String {
        switch value {
        case nil, is NSNull: "null"
        case is Bool: "boolean"
        case is Int: "integer"
        case is Double: "number"
        case is String: "string"
        case is [Any]: "array"
        case is [String: Any]: "object"
        default: "unknown"
        }
    }

    private func check(_ value: Any?, _ raw: [String: Any], _ path: String, _ problems: inout [String]) {
        let schema = resolve(raw)
        if let type = schema["type"] {
            let allowed = (type as? [String]) ?? [type as? String ?? ""]
            let actual = typeName(value)
            let ok = allowed.contains(actual) || (actual == "integer" && allowed.contains("number"))
            if !ok {
                problems.append("\(path): \(actual) is not \(allowed.joined(separator: "|"))")
                return
            }
        }
        if let options = schema["enum"] as? [String] {
            if !(value is String) || !options.contains(value as! String) {
                problems.append("\(path): not one of \(options)")
            }
        }
        if let pattern = schema["pattern"] as? String, let text = value as? String {
            let regex = try! NSRegularExpression(pattern: pattern)
            if regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil {
                problems.append("\(path): '\(text)' does not match \(pattern)")
            }
        }
        if let object = value as? [String: Any] {
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for key in (schema["required"] as? [String] ?? []) where object[key] == nil {
                problems.append("\(path): missing \(key)")
            }
            if let names = schema["propertyNames"] as? [String: Any] {
                for key in object.keys { check(key, names, "\(path).\(key)", &problems) }
            }
            for (key, item) in object {
                if let property = properties[key] as? [String: Any] {
                    check(item, property, "\(path).\(key)", &problems)
                } else if let additional = schema["additionalProperties"] as? [String: Any] {
                    check(item, additional, "\(path).\(key)", &problems)
                } else if schema["additionalProperties"] as? Bool == false {
                    problems.append("\(path): unexpected key \(key)")
                }
            }
        }
        if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (index, item) in array.enumerated() { check(item, items, "\(path)[\(index)]", &problems) }
        }
        if let anyOf = schema["anyOf"] as? [[String: Any]] {
            if !anyOf.contains(where: { option in
                var p: [String] = []; check(value, option, path, &p); return p.isEmpty
            }) {
                problems.append("\(path): matches none of anyOf")
            }
        }
        if let oneOf = schema["oneOf"] as? [[String: Any]] {
            let matches = oneOf.filter { option in
                var p: [String] = []; check(value, option, path, &p); return p.isEmpty
            }.count
            if matches != 1 { problems.append("\(path): matches \(matches) of oneOf") }
        }
        if let allOf = schema["allOf"] as? [[String: Any]] {
            for option in allOf { check(value, option, path, &problems) }
        }
        if let not = schema["not"] as? [String: Any] {
            var p: [String] = []
            check(value, not, path, &p)
            if p.isEmpty { problems.append("\(path): matches 'not'") }
        }
    }
}

/// The JSON value a YAML node stands for, as an editor's YAML language server sees it.
func jsonValue(_ node: Node) -> Any? {
    switch node.content {
    case .scalar(let scalar):
        switch scalar.resolved {
        case .null: return NSNull()
        case .bool(let b): return b
        case .int(let i): return i
        case .float(let text): return Double(text) ?? Double.nan
        case .string: return scalar.value
        }
    case .sequence(let items): return items.map { jsonValue($0) as Any }
    case .mapping(let mapping):
        var object: [String: Any] = [:]
        for pair in mapping.pairs { object[pair.name ?? ""] = jsonValue(pair.value) as Any }
        return object
    }
}
