import GridflowDiagnostics
import GridflowExpressions
import GridflowYAML

extension Validator {
    /// Fields every case has without declaring them.
    static let builtinCaseFields = Set(UnitTypes.builtinCaseFields)

    /// Checks a workflow: names that resolve, one initial state, reachability, ways out,
    /// timers, tasks, decisions and effects.
    mutating func check(_ workflow: Workflow, _ file: DefinitionFile) {
        let place = "workflow '\(workflow.name.text)'"
        // Looked up by name, never searched, so checking stays linear in the number of states.
        let stateNames = Set(workflow.states.map(\.name.text))
        let statesByName = Dictionary(
            workflow.states.map { ($0.name.text, $0) }, uniquingKeysWith: { first, _ in first })
        let statesHint = Self.listed(workflow.states.map(\.name.text), as: "states of \(place)")
        let fieldNames = Set(workflow.fields.map(\.name.text))
        let person = ValueType.record(personType)
        let stateRoots: [(name: String, type: ValueType)] = [("case", .record(caseType(workflow)))]

        for role in workflow.startedBy { checkRole(role, in: place) }
        let anyState: [(name: String, type: ValueType)] = [("case", .record(types.caseTypeInAnyState(workflow)))]
        if let placeExpression = workflow.place {
            checkPlace(placeExpression, of: workflow, roots: anyState, in: place)
        }
        if let rank = workflow.rank { checkRank(rank, of: workflow, roots: anyState, in: place) }
        var opener: Field?
        for field in workflow.fields {
            checkField(field, in: place, inWorkflow: true)
            if let condition = field.visibleWhen {
                checkExpression(
                    condition, roots: anyState, expecting: .bool,
                    what: "'visible_when' of field '\(field.name.text)'")
            }
            if field.opener, let span = field.openerSpan {
                if case .person = field.type {
                } else {
                    error(
                        "not-a-person",
                        "'opener' of field '\(field.name.text)': the opener is a person, but the field is \(field.type.keyword)",
                        at: span)
                }
                if let first = opener {
                    error(
                        "several-openers",
                        "\(place) names two fields as its opener: '\(first.name.text)' and '\(field.name.text)'",
                        at: span,
                        hint: "a case has one opener; keep 'opener: true' on one field")
                }
                if opener == nil { opener = field }
            }
            if Self.builtinCaseFields.contains(field.name.text) {
                error(
                    "reserved-name", "'\(field.name.text)' is a built-in case field and cannot be declared",
                    at: field.name.span)
            }
        }

        // Initial and final states.
        let initials = workflow.states.filter(\.initial)
        if initials.isEmpty {
            error(
                "no-initial-state", "\(place) has no initial state", at: file.span(ofKey: "states"),
                hint: "mark the state a case opens in with 'initial: true'")
        }
        for extra in initials.dropFirst() {
            error(
                "several-initial-states", "\(place) has more than one initial state: '\(extra.name.text)'",
                at: extra.name.span,
                notes: [
                    Diagnostic.Note(span: initials[0].name.span, message: "'\(initials[0].name.text)' is initial too")
                ])
        }
        if !workflow.states.isEmpty, !workflow.states.contains(where: \.final) {
            warning(
                "no-final-state", "\(place) has no final state; its cases never end", at: file.span(ofKey: "states"),
                hint: "mark the end states with 'final: true'")
        }

        // Transitions.
        var outgoing: [String: [Transition]] = [:]
        for transition in workflow.transitions {
            let tplace = "transition '\(transition.name.text)'"
            if case .states(let sources) = transition.from {
                for source in sources {
                    guard resolve(source, among: stateNames, as: "state", in: tplace) else { continue }
                    if statesByName[source.text]?.final == true {
                        error(
                            "leaves-final-state", "\(tplace) leaves final state '\(source.text)'", at: source.span,
                            hint: "a final state ends the case; remove 'final: true' or the transition")
                    }
                }
            }
            for source in workflow.sources(of: transition) where stateNames.contains(source) {
                outgoing[source, default: []].append(transition)
            }
            if let target = transition.to {
                resolve(
                    target, among: stateNames, as: "state", in: tplace,
                    hint: statesHint)
            }
            for role in transition.roles { checkRole(role, in: tplace) }
            if let person = transition.person { checkPersonField(person, workflow, in: tplace) }
            if transition.roles.isEmpty && transition.person == nil {
                error(
                    "no-actor", "\(tplace) names no role or person who may fire it", at: transition.name.span,
                    hint: "add 'role: ROLE', 'person: FIELD', or 'role: system' for timers and the engine")
            }
            // The actor's inputs and the decided outputs hold values from here on.
            // Required inputs (the event is refused without them) and decided outputs hold values.
            let present = Set(
                transition.input.filter { workflow.field($0.text)?.required == true }.map(\.text)
                    + transition.decide.flatMap { $0.assign.map(\.field.text) })
            let roots: [(name: String, type: ValueType)] = [
                ("case", .record(caseType(workflow, present: present))), ("actor", person),
            ]
            if let guardExpression = transition.guardExpression {
                checkExpression(guardExpression, roots: roots, expecting: .bool, what: "the guard of \(tplace)")
            }
            // `set` and effects run only when the guard holds: what it proves present stays present.
            let guarded = present.union(
                transition.guardExpression.map { Compiler.presentFields(inGuard: $0.text, root: "case") } ?? [])
            let afterGuard: [(name: String, type: ValueType)] = [
                ("case", .record(caseType(workflow, present: guarded))), ("actor", person),
            ]
            for field in transition.input {
                resolve(
                    field, among: fieldNames, as: "field", in: "'input' of \(tplace)",
                    hint: "declare it under 'fields:'")
            }
            for (field, value) in transition.set {
                resolve(
                    field, among: fieldNames, as: "field", in: "'set' of \(tplace)", hint: "declare it under 'fields:'")
                checkExpression(
                    value, roots: afterGuard, expecting: workflow.field(field.text).map { valueType($0).optional },
                    what: "'set' of field '\(field.text)' in \(tplace)")
            }
            for decision in transition.decide {
                check(decision, fields: fieldNames, roots: roots, in: tplace)
            }
            checkEffects(transition.effects, in: tplace, roots: afterGuard)
        }

        // States: tasks, timers, ways out, ambiguity.
        for state in workflow.states {
            let splace = "state '\(state.name.text)'"
            if let role = state.task?.role { checkRole(role, in: "the task of \(splace)") }
            if let person = state.task?.person {
                checkPersonField(person, workflow, in: "the task of \(splace)")
            }
            for timer in state.timers {
                if state.final {
                    error(
                        "timer-on-final-state", "final \(splace) has a timer; a finished case waits for nothing",
                        at: timer.span,
                        hint: "remove the timer or the 'final: true'")
                    continue
                }
                if case .at(let at)? = timer.trigger {
                    // A time that is null when the state is entered becomes an incident at run time.
                    checkExpression(
                        at, roots: stateRoots, allowed: [.date, .datetime], what: "the time of a timer of \(splace)")
                }
                if let event = timer.event,
                    !(outgoing[state.name.text] ?? []).contains(where: { $0.event.text == event.text })
                {
                    let handled = (outgoing[state.name.text] ?? []).map(\.event.text)
                    error(
                        "unhandled-timer-event",
                        "timer event '\(event.text)' of \(splace) is handled by no transition from it"
                            + Suggestion.didYouMean(event.text, in: handled),
                        at: event.span, hint: "add a transition with 'from: \(state.name.text)' and 'on: \(event.text)'"
                    )
                }
            }
            if !state.final, (outgoing[state.name.text] ?? []).isEmpty, !workflow.states.isEmpty {
                error(
                    "dead-end-state", "\(splace) is not final and has no transition out; cases would be stuck there",
                    at: state.name.span, hint: "add a transition from it, or mark it 'final: true'")
            }
            var unguarded: [String: Transition] = [:]
            for transition in outgoing[state.name.text] ?? [] where transition.guardExpression == nil {
                if let first = unguarded[transition.event.text] {
                    warning(
                        "ambiguous-event",
                        "event '\(transition.event.text)' in \(splace) is handled by '\(first.name.text)' and '\(transition.name.text)', neither guarded; '\(first.name.text)' always wins",
                        at: transition.name.span, hint: "add a 'guard' to tell them apart")
                } else {
                    unguarded[transition.event.text] = transition
                }
            }
        }

        // Reachability from the initial state.
        if let initial = initials.first {
            var reached: Set<String> = [initial.name.text]
            var queue = [initial.name.text]
            while let current = queue.popLast() {
                for transition in outgoing[current] ?? [] {
                    if let target = transition.to?.text, stateNames.contains(target), reached.insert(target).inserted {
                        queue.append(target)
                    }
                }
            }
            for state in workflow.states where !reached.contains(state.name.text) {
                warning(
                    "unreachable-state",
                    "state '\(state.name.text)' cannot be reached from the initial state '\(initial.name.text)'",
                    at: state.name.span, hint: "add a transition into it, or remove it")
            }
        }
    }

    /// Checks that `name` is a declared field of type `person`.
    /// `place:` names an org node of the unit's tree (or is null, the root): a string over `case`.
    private mutating func checkPlace(
        _ expression: Expression, of workflow: Workflow, roots: [(name: String, type: ValueType)], in place: String
    ) {
        if unit.tree == nil {
            error(
                "no-org-tree", "'place' of \(place): unit '\(unit.name.text)' has no org tree to place cases in",
                at: expression.span, hint: "give the unit an 'org: tree:', or remove 'place'")
            return
        }
        guard let type = checkExpression(expression, roots: roots, what: "'place' of \(place)") else { return }
        switch type.unwrapped {
        case .string, .null, .enumeration(name: "org node", _): break
        default:
            let strings = workflow.fields.filter {
                switch $0.type {
                case .string, .orgNode: true
                default: false
                }
            }.map(\.name.text)
            error(
                "type",
                "'place' of \(place) must give an org node's name (a string or an org_node) or null, not \(type)",
                at: expression.span,
                hint: strings.isEmpty
                    ? "add a string field naming the node (e.g. 'team') and write 'place: case.team'"
                    : "write the field that names the node, e.g. 'place: case.\(strings[0])'")
        }
    }

    /// `rank: {by}` orders open cases for whoever lists them, so it gives a value that compares
    /// (a number, date, datetime or string) and reads no restricted field: the order would tell
    /// a viewer what the field hides. (Like `place`, it reads the case as stored: the compiler
    /// refuses `current()` here.)
    private mutating func checkRank(
        _ rank: Rank, of workflow: Workflow, roots: [(name: String, type: ValueType)], in place: String
    ) {
        let what = "'rank' of \(place)"
        let whole = ExpressionLocator(expression: rank.by, source: source)
            .span(offset: 0, length: rank.by.text.unicodeScalars.count)
        guard let type = checkExpression(rank.by, roots: roots, what: what) else { return }
        switch type.unwrapped {
        case .integer, .decimal, .date, .datetime, .string, .null: break
        default:
            error(
                "type", "\(what) must give a number, date, datetime or string to order cases by, not \(type)",
                at: whole,
                hint: type.unwrapped == .bool
                    ? "rank by a number, e.g. 'by: case.points ?? 0'; order 'descending' puts the greatest first"
                    : "rank by a number field such as 'case.preference_points', or a date such as 'case.opened_at'")
            return
        }
        for read in RestrictedRead.find([(what, rank.by)], in: workflow) {
            let field = read.field
            let roles = field.visibleTo.map(\.text)
            let restriction =
                roles.isEmpty ? "names who opened the case" : "is visible to \(roles.joined(separator: ", ")) only"
            error(
                "rank-restricted",
                "\(what) reads field '\(field.name.text)', which \(restriction)\(field.visibleWhen.map { ", where \($0.text) holds" } ?? ""); the order of the list would show it to everyone who lists the cases",
                at: whole, hint: "rank by a field everyone may see, e.g. 'case.preference_points'")
        }
    }

    private mutating func checkPersonField(_ name: Name, _ workflow: Workflow, in place: String) {
        guard resolve(name, among: workflow.fields.map(\.name.text), as: "field", in: place),
            let field = workflow.field(name.text)
        else { return }
        if case .person = field.type { return }
        error(
            "not-a-person", "\(place) names field '\(name.text)', which is \(field.type.keyword), not person",
            at: name.span)
    }

    mutating func check(
        _ decision: Decision, fields: Set<String>, roots: [(name: String, type: ValueType)], in place: String
    ) {
        let outputs: [String]
        let inputs: [Field]
        var extraInputs: [(String, ValueType)] = []
        if let table = definitions.decisionTables.first(where: { $0.name.text == decision.rules.text }) {
            outputs = table.outputs.map(\.name.text)
            inputs = table.inputs
        } else if let table = definitions.routingTables.first(where: { $0.name.text == decision.rules.text }) {
            outputs = ["department", "deadline", "role"]
            inputs = table.inputs
        } else if let eligibility = definitions.eligibilities.first(where: { $0.name.text == decision.rules.text }) {
            outputs = ["eligible", "reasons", "points"]
            inputs = eligibility.inputs
            extraInputs = [("person", .record(personType))]
        } else {
            let names =
                definitions.decisionTables.map(\.name.text) + definitions.routingTables.map(\.name.text)
                + definitions.eligibilities.map(\.name.text)
            resolve(
                decision.rules, among: names, as: "rule set", in: place,
                hint: "decision tables, routing tables and eligibility rules live in Rules/\(unit.name.text)/")
            return
        }
        let inputTypes = extraInputs + inputs.map { ($0.name.text, valueType($0.type, name: $0.name.text)) }
        for (name, _) in inputTypes where !decision.input.contains(where: { $0.name.text == name }) {
            error(
                "missing-input", "\(place) consults rule set '\(decision.rules.text)' without its input '\(name)'",
                at: decision.rules.span, hint: "add it under 'input:', e.g. \(name): case.\(name)")
        }
        for (name, value) in decision.input {
            resolve(name, among: inputTypes.map(\.0), as: "input", in: "rule set '\(decision.rules.text)'")
            checkExpression(
                value, roots: roots, expecting: inputTypes.first { $0.0 == name.text }?.1,
                what: "input '\(name.text)' of rule set '\(decision.rules.text)'")
        }
        for (field, output) in decision.assign {
            resolve(field, among: fields, as: "field", in: "'assign' of \(place)", hint: "declare it under 'fields:'")
            resolve(output, among: outputs, as: "output", in: "rule set '\(decision.rules.text)'")
        }
    }
}
