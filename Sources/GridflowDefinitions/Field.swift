import Foundation
import GridflowDiagnostics
import GridflowExpressions
import GridflowYAML

/// A typed field: of a case, of a person, or an input or output of a rule set.
public struct Field: Sendable {
    public var name: Name
    public var type: FieldType
    public var title: String?
    public var required: Bool
    /// Roles that may see the value; empty means everyone with access.
    public var visibleTo: [Name]
    /// For a workflow's field: the condition over `case` under which `visibleTo` may see the
    /// value at all (`case.real_name`); where it does not hold, or cannot be evaluated, nobody does.
    public var visibleWhen: Expression?
    /// For a workflow's `person` field: the person who opens a case is the one this field names,
    /// so who took the `open` step is as restricted as the field (an anonymous report's opener too).
    public var opener = false
    /// The node of `opener`, for diagnostics.
    public var openerSpan: SourceSpan?
    /// For appraisal facts: `store` or `import`.
    public var source: String?
    public var span: SourceSpan
    /// For `store` facts: how the fact is counted from cases.
    public var from: FactQuery?
    /// For `import` facts: the value of a person with none imported.
    public var defaultValue: Number?
    /// For a unit's person field: the value of a person whose record leaves it out, as written.
    public var defaultNode: Node?
    /// The node of `source`, for diagnostics.
    public var sourceSpan: SourceSpan?
    /// For `import` facts: the least and the greatest value a person may have, with their nodes.
    public var bounds: (min: Bound?, max: Bound?) = (nil, nil)

    /// A bound of an imported fact as written.
    public struct Bound: Sendable {
        public var value: Number
        /// The number as written (`0`, `100`, `2.5`).
        public var text: String
        public var span: SourceSpan
    }
}

/// How a `store` fact is derived: over the cases of a workflow opened in the period, for the
/// person (or people) `person` names, the count of cases where `where` holds, or the sum of `sum`;
/// or (`files`) the count of files each person uploaded into a folder of the unit's file spaces.
public struct FactQuery: Sendable {
    public var workflow: Name?
    /// A folder of the unit's `FileSpace`s: the person's uploads into it in the period count.
    public var files: Name?
    public var person: Expression?
    public var filter: Expression?
    public var sum: Expression?
    public var span: SourceSpan
}

/// The type of a field's value.
public indirect enum FieldType: Sendable {
    case string, text, decimal, integer, bool, date, datetime, duration, person, attachment
    /// A department of the unit, by name.
    case department
    /// A node of the unit's org tree, by name.
    case orgNode
    /// An enum with values listed inline or named by a unit enum.
    case enumeration(values: [Name], named: Name?)
    case list(FieldType)
    case map(key: MapKey, FieldType)
    case record([Field])
    /// A type that could not be read (already reported).
    case invalid

    /// The key type of a `map`.
    public enum MapKey: String, Sendable {
        case string, integer
    }

    /// The type's name as written in YAML.
    public var keyword: String {
        switch self {
        case .string: "string"
        case .text: "text"
        case .decimal: "decimal"
        case .integer: "integer"
        case .bool: "bool"
        case .date: "date"
        case .datetime: "datetime"
        case .duration: "duration"
        case .person: "person"
        case .attachment: "attachment"
        case .department: "department"
        case .orgNode: "org_node"
        case .enumeration: "enum"
        case .list: "list"
        case .map: "map"
        case .record: "record"
        case .invalid: "invalid"
        }
    }
}

extension Field {
    /// Reads a field from `name: type` or `name: {type: …}`.
    static func read(_ name: Name, _ node: Node) -> Field {
        var field = Field(
            name: name, type: .invalid, title: node["title"]?.text, required: node["required"]?.bool ?? false,
            visibleTo: node["visible_to"]?.names ?? [], source: node["source"]?.text, span: name.span)
        field.type = FieldType.read(node)
        field.visibleWhen = node["visible_when"]?.expression
        field.opener = node["opener"]?.bool ?? false
        field.openerSpan = node["opener"]?.span
        field.sourceSpan = node["source"]?.span
        field.defaultValue = node["default"]?.number
        field.defaultNode = node["default"]
        func bound(_ key: String) -> Bound? {
            guard let bound = node[key], let value = bound.number, let text = bound.scalar?.value else { return nil }
            return Bound(value: value, text: text, span: bound.span)
        }
        field.bounds = (bound("min"), bound("max"))
        if let from = node["from"] {
            field.from = FactQuery(
                workflow: from["workflow"]?.name, files: from["files"]?.name, person: from["person"]?.expression,
                filter: from["where"]?.expression,
                sum: from["sum"]?.expression, span: from.span)
        }
        return field
    }

    /// Reads every field of a `name → field` mapping.
    static func readAll(_ node: Node?) -> [Field] {
        node?.entries.map { read($0.name, $0.value) } ?? []
    }
}

extension FieldType {
    static func read(_ node: Node) -> FieldType {
        let keyword = node.text ?? node["type"]?.text
        switch keyword {
        case "string": return .string
        case "text": return .text
        case "decimal": return .decimal
        case "integer": return .integer
        case "bool": return .bool
        case "date": return .date
        case "datetime": return .datetime
        case "duration": return .duration
        case "person": return .person
        case "attachment": return .attachment
        case "department": return .department
        case "org_node": return .orgNode
        case "enum":
            return .enumeration(
                values: node["values"]?.sequence?.compactMap(\.name) ?? [], named: node["of"]?.name)
        case "list": return .list(node["of"].map(read) ?? .invalid)
        case "map":
            return .map(
                key: node["key"]?.text.flatMap(MapKey.init(rawValue:)) ?? .string, node["of"].map(read) ?? .invalid)
        case "record": return .record(Field.readAll(node["fields"]))
        default: return .invalid
        }
    }
}
