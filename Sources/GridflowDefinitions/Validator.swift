import Foundation
import GridflowDiagnostics
import GridflowYAML

/// The semantic checks of one unit's definitions: names that must resolve, state machines that
/// must be sound, tables that must not overlap. Shapes were checked when each file was parsed.
struct Validator {
    let definitions: UnitDefinitions
    private(set) var diagnostics: [Diagnostic] = []

    init(unit: UnitDefinitions) {
        self.definitions = unit
    }

    var unit: Unit { definitions.unit }

    mutating func error(
        _ code: Diagnostic.Code, _ message: String, at span: SourceSpan, hint: String? = nil,
        notes: [Diagnostic.Note] = []
    ) {
        diagnostics.append(Diagnostic(.error, code, message, at: span, hint: hint, notes: notes))
    }

    mutating func warning(_ code: Diagnostic.Code, _ message: String, at span: SourceSpan, hint: String? = nil) {
        diagnostics.append(Diagnostic(.warning, code, message, at: span, hint: hint))
    }

    mutating func check(_ file: DefinitionFile) {
        switch file.definition {
        case .workflow(let workflow)?: check(workflow, file)
        case .decisionTable(let table)?: check(table)
        case .routingTable(let table)?: check(table, file)
        case .eligibility(let eligibility)?: check(eligibility)
        case .appraisal(let appraisal)?: check(appraisal)
        case .coverage(let coverage)?: check(coverage)
        case .fileSpace(let space)?: check(space)
        case .unit?, nil: break
        }
    }

    // MARK: Shared checks

    /// Reports `name` unless it is one of `known`; `what` names the kind ("role", "state").
    @discardableResult
    mutating func resolve(
        _ name: Name, among known: some Collection<String>, as what: String, in place: String, hint: String? = nil
    ) -> Bool {
        guard !known.contains(name.text) else { return true }
        error(
            Diagnostic.Code(rawValue: "unknown-" + what.replacingOccurrences(of: " ", with: "-")),
            "\(place) names unknown \(what) '\(name.text)'" + Suggestion.didYouMean(name.text, in: known),
            at: name.span,
            hint: hint ?? Self.knownHint(known, what: what)
        )
        return false
    }

    mutating func checkRole(_ name: Name, in place: String) {
        resolve(
            name, among: unit.roleNames, as: "role", in: place,
            hint: "roles are declared under 'roles:' in \(unit.file)")
    }

    /// Checks a field's type: enums have values, lists have element types, visible_to names roles.
    mutating func checkField(_ field: Field, in place: String) {
        checkType(field.type, field: field, in: place)
        for role in field.visibleTo { checkRole(role, in: "field '\(field.name.text)'") }
    }

    private mutating func checkType(_ type: FieldType, field: Field, in place: String) {
        switch type {
        case .enumeration(let values, let named):
            if let named {
                resolve(
                    named, among: unit.enums.map(\.name.text), as: "enum", in: "field '\(field.name.text)'",
                    hint: "enums are declared under 'enums:' in \(unit.file)")
            } else if values.isEmpty {
                error(
                    "enum-without-values", "enum field '\(field.name.text)' needs 'values' or 'of'", at: field.span,
                    hint: "list the values, e.g. values: [a, b], or name a unit enum with of: NAME")
            }
            var seen: [String: Name] = [:]
            for value in values {
                if let first = seen[value.text] {
                    error(
                        "duplicate-name", "duplicate value '\(value.text)' in enum field '\(field.name.text)'",
                        at: value.span,
                        notes: [Diagnostic.Note(span: first.span, message: "'\(value.text)' first listed here")])
                }
                seen[value.text] = value
            }
        case .list(let element), .map(_, let element):
            if case .invalid = element {
                error(
                    "missing-element-type", "\(type.keyword) field '\(field.name.text)' needs 'of' (its element type)",
                    at: field.span)
            } else {
                checkType(element, field: field, in: place)
            }
        case .record(let fields):
            if fields.isEmpty {
                error("empty-record", "record field '\(field.name.text)' needs 'fields'", at: field.span)
            }
            for nested in fields { checkField(nested, in: place) }
        default:
            break
        }
    }

    /// The enum values of a field's type, if it is an enum.
    func enumValues(_ type: FieldType) -> [String]? {
        guard case .enumeration(let values, let named) = type else { return nil }
        if let named { return unit.enumeration(named.text)?.values.map(\.text) }
        return values.map(\.text)
    }

    /// Checks that every `ROOT.NAME` an expression names is declared (`case.area`, `facts.x`).
    ///
    /// This is the check the definitions layer can do before the expression language lands:
    /// a light scan that skips string literals.
    mutating func checkReferences(
        in expression: Expression, root: String, known: Set<String>, what: String, in place: String
    ) {
        for (name, offset) in Self.references(in: expression.text, root: root) where !known.contains(name) {
            let span: SourceSpan
            let singleLine = !expression.text.contains("\n")
            switch expression.style {
            case .plain where singleLine:
                span = expression.span.shifted(by: offset + root.count + 1, length: name.count)
            case .singleQuoted where singleLine, .doubleQuoted where singleLine:
                span = expression.span.shifted(by: offset + root.count + 2, length: name.count)
            default: span = expression.span
            }
            error(
                "undeclared-field",
                "\(place) uses \(root).\(name), but \(what) '\(name)' is not declared"
                    + Suggestion.didYouMean(name, in: known),
                at: span, hint: Self.declaredHint(known, root: root))
        }
    }

    /// "known roles: a, b, c" (at most 12, then how many in all).
    static func knownHint(_ known: some Collection<String>, what: String) -> String? {
        guard !known.isEmpty else { return nil }
        let shown = known.sorted().prefix(12).joined(separator: ", ")
        return "known \(what)s: " + shown + (known.count > 12 ? ", … (\(known.count) in all)" : "")
    }

    /// Lists what is declared, the definition's own names before the built-in ones.
    static func declaredHint(_ known: Set<String>, root: String) -> String {
        let builtins = root == "case" ? known.intersection(builtinCaseFields) : []
        let own = known.subtracting(builtins).sorted()
        var text = own.isEmpty ? "nothing is declared" : "declared: " + own.prefix(15).joined(separator: ", ")
        if !builtins.isEmpty { text += "; built in: " + builtins.sorted().joined(separator: ", ") }
        return text
    }

    /// `(name, offset)` of every `root.name` outside string literals; offsets count scalars.
    static func references(in text: String, root: String) -> [(String, Int)] {
        let chars = Array(text.unicodeScalars)
        let prefix = Array((root + ".").unicodeScalars)
        func isIdentifier(_ c: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "_"
        }
        var result: [(String, Int)] = []
        var i = 0
        var quote: Unicode.Scalar?
        while i < chars.count {
            let c = chars[i]
            if let q = quote {
                if c == "\\" { i += 2; continue }
                if c == q { quote = nil }
                i += 1
                continue
            }
            if c == "\"" || c == "'" {
                quote = c
                i += 1
                continue
            }
            if i + prefix.count <= chars.count, Array(chars[i..<i + prefix.count]) == prefix,
                i == 0 || (!isIdentifier(chars[i - 1]) && chars[i - 1] != ".")
            {
                var j = i + prefix.count
                var name = ""
                while j < chars.count, isIdentifier(chars[j]) {
                    name.unicodeScalars.append(chars[j])
                    j += 1
                }
                if !name.isEmpty { result.append((name, i)) }
                i = j
                continue
            }
            i += 1
        }
        return result
    }

    /// Reports repeated names in a list of named items.
    mutating func checkUnique(_ names: [Name], what: String) {
        var seen: [String: Name] = [:]
        for name in names {
            if let first = seen[name.text] {
                error(
                    "duplicate-name", "duplicate \(what) '\(name.text)'", at: name.span,
                    notes: [Diagnostic.Note(span: first.span, message: "'\(name.text)' first defined here")])
            } else {
                seen[name.text] = name
            }
        }
    }

    /// Checks the effects of a transition or a consequence.
    mutating func checkEffects(_ effects: [Effect], in place: String, caseFields: Set<String>?) {
        for effect in effects {
            if let when = effect.when, let caseFields {
                checkReferences(in: when, root: "case", known: caseFields, what: "field", in: place)
            }
            switch effect.action {
            case .open(let workflow, let with):
                let names = definitions.workflows.map(\.name.text)
                if resolve(workflow, among: names, as: "workflow", in: place),
                    let target = definitions.workflow(workflow.text)
                {
                    let fields = target.fields.map(\.name.text)
                    for (field, _) in with {
                        resolve(field, among: fields, as: "field", in: "'open' of workflow '\(workflow.text)'")
                    }
                }
                if let caseFields {
                    for (_, value) in with {
                        checkReferences(in: value, root: "case", known: caseFields, what: "field", in: place)
                    }
                }
            case .notify(let role, _):
                checkRole(role, in: place)
            case .signal(let target, _):
                if let caseFields {
                    checkReferences(in: target, root: "case", known: caseFields, what: "field", in: place)
                }
            case .record(_, let value):
                if let caseFields {
                    checkReferences(in: value, root: "case", known: caseFields, what: "field", in: place)
                }
            case .commend:
                break
            case .appoint(let role, let person, let at):
                checkRole(role, in: place)
                if let caseFields {
                    for expression in [person] + (at.map { [$0] } ?? []) {
                        checkReferences(in: expression, root: "case", known: caseFields, what: "field", in: place)
                    }
                }
            }
        }
    }
}
