import GridflowDiagnostics
import GridflowExpressions
import GridflowYAML

/// Types of the unit's vocabulary and the checking of every expression at its exact place.
extension Validator {
    var personType: RecordType { types.personType }

    func valueType(_ field: Field) -> ValueType { types.valueType(field) }

    func valueType(_ type: FieldType, name: String) -> ValueType { types.valueType(type, name: name) }

    func caseType(_ workflow: Workflow, present: Set<String> = []) -> RecordType {
        types.caseType(workflow, present: present)
    }

    /// Compiles `expression` with `roots`, reporting a problem at its exact place in the file.
    @discardableResult
    mutating func checkExpression(
        _ expression: Expression, roots: [(name: String, type: ValueType)], expecting: ValueType? = nil,
        allowed: [ValueType] = [], what: String
    ) -> ValueType? {
        // An empty expression was reported with the file's shape.
        guard !expression.text.allSatisfy(\.isWhitespace) else { return nil }
        let environment = types.environment(roots)
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
