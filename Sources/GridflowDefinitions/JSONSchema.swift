import Foundation

/// Writes a JSON Schema (draft 2020-12) for each definition kind from its `Shape`, so that
/// editors check exactly what the loader checks.
public enum JSONSchema {
    /// The schema of one kind, as pretty-printed JSON with sorted keys and a final newline.
    public static func document(for kind: DefinitionKind) -> String {
        var defs: [String: Any] = [:]
        for name in Shapes.definitionNames {
            defs[name] = object(Shapes.definition(name)!)
        }
        var schema = object(Shapes.shape(of: kind))
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = "https://gridflow.dev/schemas/\(kind.schemaFile)"
        schema["title"] = "Gridflow \(kind.rawValue) (schema 1)"
        schema["$defs"] = defs
        let data = try! JSONSerialization.data(
            withJSONObject: schema, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static let identifierPattern = "^[a-z][a-z0-9_]*$"
    static let durationPattern =
        "^(?:[0-9]+wd|(?=[0-9])(?:[0-9]+w)?(?:[0-9]+d)?(?:[0-9]+h)?(?:[0-9]+m)?(?:[0-9]+s)?)$"

    /// A duration with a digit other than 0 somewhere: longer than zero.
    static let positiveDurationPattern = "^(?=[^1-9]*[1-9])" + durationPattern.dropFirst()

    /// A duration, or a period of years and months (`1y`, `6mo`, `1y6mo`).
    static let calendarDurationPattern = "^(?:[0-9]+y(?:[0-9]+mo)?|[0-9]+mo|" + durationPattern.dropFirst(4)
    static let positiveCalendarDurationPattern = "^(?=[^1-9]*[1-9])" + calendarDurationPattern.dropFirst()

    static func schema(_ shape: Shape) -> [String: Any] {
        switch shape {
        case .text: return ["type": ["string", "number"]]
        case .identifier: return ["type": "string", "pattern": identifierPattern]
        case .expression: return ["type": "string", "pattern": "\\S"]
        case .duration: return ["type": "string", "pattern": durationPattern]
        case .positiveDuration: return ["type": "string", "pattern": positiveDurationPattern]
        case .calendarDuration(let why):
            let pattern = why == nil ? calendarDurationPattern : positiveCalendarDurationPattern
            return ["type": "string", "pattern": pattern]
        case .date: return ["type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "format": "date"]
        case .integer: return ["type": "integer"]
        case .number: return ["type": "number"]
        case .bool: return ["type": "boolean"]
        case .keyword(let words): return ["enum": words]
        case .scalar: return ["type": ["string", "number", "boolean"]]
        case .list(let item): return ["type": "array", "items": schema(item)]
        case .map(let entity, let value) where entity == Shape.literalEntity:
            return ["type": "object", "additionalProperties": schema(value)]
        case .map(_, let value):
            return [
                "type": "object", "propertyNames": ["pattern": identifierPattern],
                "additionalProperties": schema(value),
            ]
        case .object(let object): return self.object(object)
        case .ref(let name): return ["$ref": "#/$defs/\(name)"]
        case .either(let shapes): return ["anyOf": shapes.map(schema)]
        case .any: return [:]
        }
    }

    static func object(_ object: ObjectShape) -> [String: Any] {
        var properties: [String: Any] = [:]
        for key in object.keys {
            var property = schema(key.shape)
            property["description"] = key.doc
            properties[key.name] = property
        }
        var result: [String: Any] = [
            "type": "object", "properties": properties, "additionalProperties": false,
        ]
        let required = object.keys.filter(\.required).map(\.name)
        if !required.isEmpty { result["required"] = required }
        var constraints: [[String: Any]] = []
        for group in object.oneRequired {
            constraints.append(["oneOf": group.map { ["required": [$0]] }])
        }
        for group in object.exclusive where !object.oneRequired.contains(group) {
            var pairs: [[String: Any]] = []
            for (i, a) in group.enumerated() { for b in group[(i + 1)...] { pairs.append(["required": [a, b]]) } }
            constraints.append(["not": ["anyOf": pairs]])
        }
        if constraints.count == 1 {
            result.merge(constraints[0]) { a, _ in a }
        } else if !constraints.isEmpty {
            result["allOf"] = constraints
        }
        return result
    }
}
