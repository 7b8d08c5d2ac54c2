import GridflowDiagnostics
import GridflowExpressions
import GridflowYAML

/// Types of the unit's vocabulary and the checking of every expression at its exact place.
extension Validator {
    /// The type of a person: the unit's people fields plus `id`, `name` and the `roles` held.
    var personType: RecordType {
        var fields = [
            RecordType.Field(name: "id", type: .string), RecordType.Field(name: "name", type: .string),
            RecordType.Field(name: "roles", type: .list(roleType)),
        ]
        for field in unit.peopleFields where !["id", "name", "roles"].contains(field.name.text) {
            fields.append(RecordType.Field(name: field.name.text, type: valueType(field, personDepth: 1)))
        }
        return RecordType(name: "person", fields: fields)
    }

    var roleType: ValueType { .enumeration(name: "role", values: unit.roles.map(\.name.text)) }

    /// The value type of a field; optional unless `required`.
    func valueType(_ field: Field, personDepth: Int = 0) -> ValueType {
        let type = valueType(field.type, name: field.name.text, personDepth: personDepth)
        return field.required ? type : type.optional
    }

    func valueType(_ type: FieldType, name: String, personDepth: Int = 0) -> ValueType {
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
        case .orgNode:
            return .enumeration(name: "org node", values: unit.tree?.walk().map(\.node.name.text) ?? [])
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
    func caseType(_ workflow: Workflow, present: Set<String> = []) -> RecordType {
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

    /// Compiles `expression` with `roots`, reporting a problem at its exact place in the file.
    @discardableResult
    mutating func checkExpression(
        _ expression: Expression, roots: [(name: String, type: ValueType)], expecting: ValueType? = nil,
        allowed: [ValueType] = [], what: String
    ) -> ValueType? {
        // An empty expression was reported with the file's shape.
        guard !expression.text.allSatisfy(\.isWhitespace) else { return nil }
        let environment = Environment(
            roots: roots, assumedListLength: unit.assumedListLength ?? 1_000,
            costCeiling: unit.expressionCostCeiling ?? 1_000_000)
        let locator = ExpressionLocator(expression: expression, source: source)
        do {
            let compiled = try Compiler.compile(expression.text, in: environment, expecting: expecting)
            if !allowed.isEmpty, !allowed.contains(compiled.type.unwrapped) {
                error(
                    "type",
                    "\(what) must be " + allowed.map(\.description).joined(separator: " or ")
                        + ", not \(compiled.type)",
                    at: locator.span(offset: 0, length: expression.text.unicodeScalars.count))
                return nil
            }
            return compiled.type
        } catch {
            diagnostics.append(
                Diagnostic(
                    .error, Diagnostic.Code(rawValue: error.code), "in \(what): \(error.message)",
                    at: locator.span(offset: error.range.offset, length: error.range.length), hint: error.hint))
            return nil
        }
    }
}
