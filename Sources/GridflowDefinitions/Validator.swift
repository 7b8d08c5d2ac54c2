import Foundation
import GridflowDiagnostics
import GridflowExpressions
import GridflowYAML

/// The semantic checks of one unit's definitions: names that must resolve, state machines that
/// must be sound, tables that must not overlap. Shapes were checked when each file was parsed.
struct Validator {
    let definitions: UnitDefinitions
    var diagnostics: [Diagnostic] = []
    /// The file being checked, for placing problems inside expressions.
    var source: SourceFile?
    /// Workflows and rule sets whose files did not load, as "workflow NAME" or "rule set NAME",
    /// with each file's first error: a reference to one follows from that error.
    var unloaded: [String: Diagnostic] = [:]
    /// The unit's base (or a base of it) when its file did not load, with the file's first error:
    /// what the unit would inherit from it is missing, so a role, department or enum that is
    /// not found may be the base's, and a missing time zone or calendar may be inherited.
    var unloadedBase: (name: String, cause: Diagnostic)?

    /// The types of the unit's vocabulary, made once.
    let types: UnitTypes
    /// The unit's role names, made once (every transition names one).
    let roleNames: Set<String>

    init(unit: UnitDefinitions) {
        self.definitions = unit
        self.types = UnitTypes(unit: unit.unit)
        self.roleNames = unit.unit.roleNames
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
        source = file.source
        switch file.definition {
        case .workflow(let workflow)?: check(workflow, file)
        case .decisionTable(let table)?: check(table, file)
        case .routingTable(let table)?: check(table, file)
        case .eligibility(let eligibility)?: check(eligibility)
        case .appraisal(let appraisal)?: check(appraisal)
        case .coverage(let coverage)?: check(coverage)
        case .fileSpace(let space)?: check(space)
        case .report(let report)?: check(report)
        case .demo(let demo)?: check(demo)
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
        if let cause = unloaded[what + " " + name.text] {
            diagnostics.append(
                Diagnostic(
                    .error, Diagnostic.Code(rawValue: "unloaded-" + what.replacingOccurrences(of: " ", with: "-")),
                    "\(place) names \(what) '\(name.text)', whose file did not load", at: name.span,
                    hint: "fix \(cause.location?.file ?? "that file") first"
                ).following(cause))
            return false
        }
        if let (base, cause) = unloadedBase, ["role", "department", "enum"].contains(what) {
            diagnostics.append(
                Diagnostic(
                    .error, Diagnostic.Code(rawValue: "unloaded-" + what),
                    "\(place) names \(what) '\(name.text)', which is not defined here and may be inherited from base unit '\(base)', which did not load",
                    at: name.span, hint: "fix \(cause.location?.file ?? "the base unit") first"
                ).following(cause))
            return false
        }
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
            name, among: roleNames, as: "role", in: place,
            hint: "roles are declared under 'roles:' in \(unit.file)")
    }

    /// Checks a role given to a person (a demo's people, who opens its cases, an appointment):
    /// a role of the unit, and not `system`, which is the engine's alone.
    mutating func checkPersonRole(_ name: Name, in place: String) {
        if let problem = PersonID.roleProblem(name.text) {
            error(
                "reserved-name", "\(place): \(problem)", at: name.span,
                hint: "transitions whose role is system are taken by timers and signals; give a role of the unit")
            return
        }
        checkRole(name, in: place)
    }

    /// Checks a field's type: enums have values, lists have element types, visible_to names roles.
    mutating func checkField(_ field: Field, in place: String, inWorkflow: Bool = false) {
        checkType(field.type, field: field, in: place)
        for role in field.visibleTo { checkRole(role, in: "field '\(field.name.text)'") }
        guard !inWorkflow else { return }
        if let condition = field.visibleWhen {
            error(
                "not-a-case-field", "'visible_when' of field '\(field.name.text)': only a workflow's fields have it",
                at: condition.span, hint: "remove it; \(place) has no cases")
        }
        if field.opener, let span = field.openerSpan {
            error(
                "not-a-case-field", "'opener' of field '\(field.name.text)': only a workflow's fields have it",
                at: span,
                hint: "remove it; \(place) has no cases")
        }
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

    /// "known roles: a, b, c" (at most 12, then how many in all).
    static func knownHint(_ known: some Collection<String>, what: String) -> String? {
        guard !known.isEmpty else { return nil }
        let shown = known.sorted().prefix(12).joined(separator: ", ")
        return "known \(what)s: " + shown + (known.count > 12 ? ", … (\(known.count) in all)" : "")
    }

    /// "LABEL: a, b, c" in the order given, cut after 12 names with how many there are in all.
    static func listed(_ names: [String], as label: String) -> String {
        label + ": " + names.prefix(12).joined(separator: ", ")
            + (names.count > 12 ? ", … (\(names.count) in all)" : "")
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

    /// Checks the effects of a transition or a consequence; their expressions read `roots`.
    mutating func checkEffects(_ effects: [Effect], in place: String, roots: [(name: String, type: ValueType)]) {
        for effect in effects {
            if let when = effect.when {
                checkExpression(when, roots: roots, expecting: .bool, what: "the condition of an effect of \(place)")
            }
            switch effect.action {
            case .open(let workflow, let with):
                let names = definitions.workflows.map(\.name.text)
                let target =
                    resolve(workflow, among: names, as: "workflow", in: place)
                    ? definitions.workflow(workflow.text) : nil
                for (field, value) in with {
                    let declared = target?.field(field.text)
                    if let target {
                        resolve(
                            field, among: target.fields.map(\.name.text), as: "field",
                            in: "'open' of workflow '\(workflow.text)'")
                    }
                    checkExpression(
                        value, roots: roots, expecting: declared.map { valueType($0).optional },
                        what: "field '\(field.text)' of the opened case")
                }
            case .notify(let role, _):
                checkRole(role, in: place)
            case .signal(let target, _):
                checkExpression(target, roots: roots, expecting: .string, what: "the case a signal goes to")
            case .record(_, let value):
                checkExpression(value, roots: roots, what: "the value recorded")
            case .commend:
                break
            case .appoint(let role, let person, let at, let shift):
                checkPersonRole(role, in: place)
                checkExpression(person, roots: roots, expecting: .record(personType), what: "the person appointed")
                if let at {
                    checkExpression(at, roots: roots, expecting: .string, what: "the org node of the appointment")
                }
                if let shift {
                    checkExpression(
                        shift, roots: roots, expecting: .optional(.string),
                        what: "the shift of the appointment (none: all)")
                }
            case .endAppointment(let role, let person, let at, let reason):
                checkPersonRole(role, in: place)
                checkExpression(
                    person, roots: roots, allowed: [.record(personType), .string],
                    what: "the person whose appointment ends")
                if let at {
                    checkExpression(at, roots: roots, expecting: .string, what: "the org node of the appointment")
                }
                switch reason {
                case .named(let name):
                    resolve(name, among: Effect.EndReason.names, as: "reason", in: place)
                case .expression(let expression):
                    checkExpression(
                        expression, roots: roots, expecting: .string,
                        what: "the reason the appointment ends (\(Effect.EndReason.names.joined(separator: ", ")))")
                }
            }
        }
    }
}
