import GridflowExpressions

/// The expression-language types of a unit's vocabulary: people, roles, departments, org nodes,
/// enums and the `case` record of each workflow. The validator checks with them and the runtime
/// compiles with them, so both agree on every type.
public struct UnitTypes: Sendable {
    public let unit: Unit
    /// The enum of the unit's role names.
    public let roleType: ValueType
    /// The unit's org tree as expressions read it; `nil` when the unit has none.
    public let org: OrgTree?
    /// Whether expressions over `roots` may read people's current directory records with
    /// `current(person)`: a workflow's transitions and timers (roots `case` and `actor`), which
    /// the engine evaluates after loading the records of the people the case names.
    public static func readsDirectory(_ roots: [(name: String, type: ValueType)]) -> Bool {
        roots.contains { $0.name == "case" } && roots.contains { $0.name == "actor" }
    }

    /// The type of a person: the unit's people fields plus `id`, `name` and the `roles` held.
    public private(set) var personType: RecordType

    /// Built-in fields of every case, after the workflow's own.
    public static let builtinCaseFields = ["id", "state", "opened_at", "updated_at", "unit", "workflow", "parent"]

    public init(unit: Unit) {
        self.unit = unit
        roleType = .enumeration(name: "role", values: unit.roles.map(\.name.text))
        org = Self.makeOrgTree(unit)
        personType = RecordType(name: "person", fields: [])
        personType = Self.makePersonType(unit, roleType: roleType, types: self)
    }

    /// The environment the unit's expressions over `roots` compile in, wherever they are written
    /// (workflows, rule sets, reports, appraisals, demos): the unit's cost ceiling and assumed
    /// list length, its org tree, and whether `current(person)` may read the directory there.
    public func environment(_ roots: [(name: String, type: ValueType)]) -> Environment {
        var environment = Environment(
            roots: roots, assumedListLength: unit.assumedListLength ?? 1_000,
            costCeiling: unit.expressionCostCeiling ?? 1_000_000)
        environment.readsDirectory = Self.readsDirectory(roots)
        environment.org = org
        return environment
    }

    /// The org tree of `unit`: each node's title, parent and level.
    static func makeOrgTree(_ unit: Unit) -> OrgTree? {
        guard let tree = unit.tree else { return nil }
        let levels = tree.levels(unit.levels.map(\.text))
        var nodes: [(name: String, node: OrgTree.Node)] = []
        func visit(_ node: OrgNode, parent: String?) {
            let name = node.name.text
            nodes.append((name, OrgTree.Node(title: node.title ?? name, parent: parent, level: levels[name])))
            for child in node.children { visit(child, parent: name) }
        }
        visit(tree, parent: nil)
        return OrgTree(levels: unit.levels.map(\.text), nodes: nodes)
    }

    /// The type of a person: the unit's people fields plus `id`, `name` and the `roles` held.
    static func makePersonType(_ unit: Unit, roleType: ValueType, types: UnitTypes) -> RecordType {
        var fields = [
            RecordType.Field(name: "id", type: .string), RecordType.Field(name: "name", type: .string),
            RecordType.Field(name: "roles", type: .list(roleType)),
        ]
        for field in unit.peopleFields where !["id", "name", "roles"].contains(field.name.text) {
            fields.append(RecordType.Field(name: field.name.text, type: types.valueType(field, personDepth: 1)))
        }
        return RecordType(name: "person", fields: fields)
    }

    /// The value type of a field; optional unless `required`.
    public func valueType(_ field: Field, personDepth: Int = 0) -> ValueType {
        let type = valueType(field.type, name: field.name.text, personDepth: personDepth)
        return field.required ? type : type.optional
    }

    public func valueType(_ type: FieldType, name: String, personDepth: Int = 0) -> ValueType {
        switch type {
        case .string, .text, .attachment: return .string
        case .decimal: return .decimal
        case .integer: return .integer
        case .bool: return .bool
        case .date: return .date
        case .datetime: return .datetime
        case .duration: return .duration
        case .person: return personDepth > 0 ? .string : .record(personType)
        case .department: return .enumeration(name: "department", values: unit.departments.map(\.name.text))
        case .orgNode: return org?.nodeType ?? .enumeration(name: "org node", values: [])
        case .enumeration(let values, let named):
            if let named {
                return .enumeration(name: named.text, values: unit.enumeration(named.text)?.values.map(\.text) ?? [])
            }
            return .enumeration(name: name, values: values.map(\.text))
        case .list(let element): return .list(valueType(element, name: name, personDepth: personDepth))
        case .map(let key, let value):
            return .map(
                key: key == .integer ? .integer : .string, value: valueType(value, name: name, personDepth: personDepth)
            )
        case .record(let fields):
            return .record(
                RecordType(
                    name: name,
                    fields: fields.map { .init(name: $0.name.text, type: valueType($0, personDepth: personDepth)) }))
        case .invalid: return .string
        }
    }

    /// The `case` record of a workflow; `present` fields are known to hold a value (the
    /// transition's inputs and decided outputs).
    public func caseType(_ workflow: Workflow, present: Set<String> = []) -> RecordType {
        var fields: [RecordType.Field] = []
        for field in workflow.fields where !Self.builtinCaseFields.contains(field.name.text) {
            let type = valueType(field)
            fields.append(.init(name: field.name.text, type: present.contains(field.name.text) ? type.unwrapped : type))
        }
        fields += [
            .init(name: "id", type: .string), .init(name: "state", type: .string),
            .init(name: "opened_at", type: .datetime), .init(name: "updated_at", type: .datetime),
            .init(name: "unit", type: .string), .init(name: "workflow", type: .string),
            .init(name: "parent", type: .optional(.string)),
        ]
        return RecordType(name: "case", fields: fields)
    }

    /// The `case` record of a workflow's case in any state, as reports and fact queries read it:
    /// a required field that a transition supplies may still be empty, so it is optional; only
    /// the fields required when the case opens are sure to hold a value.
    public func caseTypeInAnyState(_ workflow: Workflow) -> RecordType {
        var supplied: Set<String> = []
        for transition in workflow.transitions {
            supplied.formUnion(transition.input.map(\.text))
            supplied.formUnion(transition.set.map(\.field.text))
            supplied.formUnion(transition.decide.flatMap { $0.assign.map(\.field.text) })
        }
        let base = caseType(workflow)
        return RecordType(
            name: "case",
            fields: base.fields.map { supplied.contains($0.name) ? .init(name: $0.name, type: $0.type.optional) : $0 })
    }
}
