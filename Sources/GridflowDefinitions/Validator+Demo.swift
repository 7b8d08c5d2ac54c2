import GridflowDiagnostics
import GridflowExpressions

/// A demo: the levels, departments, roles, workflows, transitions, fields and facts it names,
/// and every generated value typed against the field it fills.
extension Validator {
    mutating func check(_ demo: Demo) {
        if let year = demo.year, let span = demo.yearSpan, !(1900..<3000).contains(year) {
            error("demo-year", "the demo's year \(year) is not a year between 1900 and 2999", at: span)
        }
        let levels = unit.levels.map(\.text)
        let departments = unit.departments.map(\.name.text)
        let personFields = Dictionary(unit.peopleFields.map { ($0.name.text, $0) }, uniquingKeysWith: { a, _ in a })
        checkUnique(demo.people.map(\.id), what: "batch of people")
        for (name, value) in demo.personDefaults {
            guard
                resolve(
                    name, among: personFields.keys, as: "person field", in: "person_defaults",
                    hint: "person fields are declared under 'people:' in \(unit.file)"),
                let field = personFields[name.text]
            else { continue }
            checkGenerated(
                value, as: types.valueType(field, personDepth: 1), roots: types.demoPeopleRoots,
                what: "person field '\(name.text)' of person_defaults")
        }
        for batch in demo.people {
            let place = "people batch '\(batch.id.text)'"
            if let per = batch.per { resolve(per, among: levels, as: "org level", in: place) }
            for department in batch.departments {
                resolve(department, among: departments, as: "department", in: place)
            }
            for role in batch.roles { checkPersonRole(role, in: place) }
            checkCount(batch.count, at: batch.span, place)
            let roots = types.demoPeopleRoots
            if let name = batch.displayName {
                checkGenerated(name, as: .string, roots: roots, what: "the name of \(place)")
            }
            for (name, value) in batch.fields {
                guard
                    resolve(
                        name, among: personFields.keys, as: "person field", in: place,
                        hint: "person fields are declared under 'people:' in \(unit.file)"),
                    let field = personFields[name.text]
                else { continue }
                checkGenerated(
                    value, as: types.valueType(field, personDepth: 1), roots: roots,
                    what: "person field '\(name.text)' of \(place)")
            }
            let given = Set(batch.fields.map(\.name.text) + demo.personDefaults.map(\.name.text))
            for field in unit.peopleFields where field.required && !given.contains(field.name.text) {
                error(
                    "missing-field", "\(place) gives no value for the required person field '\(field.name.text)'",
                    at: batch.id.span, hint: "add it under 'fields:'")
            }
        }
        let workflows = definitions.workflows.map(\.name.text)
        let calendar = unit.workCalendar
        for opening in demo.openings {
            let place = "the opening of \(opening.workflow.text)"
            guard resolve(opening.workflow, among: workflows, as: "workflow", in: "demo '\(demo.name.text)'"),
                let workflow = definitions.workflow(opening.workflow.text)
            else { continue }
            if let per = opening.per { resolve(per, among: levels, as: "org level", in: place) }
            if let by = opening.by { checkPersonRole(by, in: place) }
            checkCount(opening.count, at: opening.span, place)
            if let year = demo.year, let span = opening.fromSpan ?? Optional(opening.span) {
                for day in [opening.from, opening.to].compactMap({ $0 }) where day.components.year != year {
                    error("demo-date", "\(place) opens cases on \(day), outside the demo's year \(year)", at: span)
                }
                guard let from = opening.from ?? Day(year: year, month: 1, day: 1),
                    let to = opening.to ?? Day(year: year, month: 12, day: 31)
                else { continue }
                if to < from {
                    error("demo-date", "\(place) ends (\(to)) before it starts (\(from))", at: span)
                } else if !(from.number...to.number).contains(where: { calendar.isWorkingDay(Day(number: $0)) }) {
                    error(
                        "demo-date", "\(place) has no working day from \(from) to \(to) to open cases on", at: span,
                        hint: "cases open on the unit's working days")
                }
            }
            checkFields(opening.fields, of: workflow, roots: types.demoOpeningRoots, place: place)
        }
        for steps in demo.steps {
            guard
                resolve(steps.workflow, among: workflows, as: "workflow", in: "the steps of demo '\(demo.name.text)'"),
                let workflow = definitions.workflow(steps.workflow.text)
            else { continue }
            let transitions = Dictionary(
                workflow.transitions.map { ($0.name.text, $0) }, uniquingKeysWith: { a, _ in a })
            for step in steps.transitions {
                let place = "demo step '\(step.transition.text)' of \(workflow.name.text)"
                guard
                    resolve(
                        step.transition, among: transitions.keys, as: "transition",
                        in: "the steps of \(workflow.name.text)"),
                    let transition = transitions[step.transition.text]
                else { continue }
                if transition.person == nil, transition.roles.allSatisfy({ $0.text == Unit.Role.system }) {
                    error(
                        "demo-system-step",
                        "\(place): '\(step.transition.text)' is taken by the system (a timer or a signal), not by a person",
                        at: step.transition.span, hint: "leave it out; the demo's clock fires timers and effects")
                }
                if step.weight < 0 {
                    error("demo-weight", "\(place) has a negative weight", at: step.transition.span)
                }
                if let after = step.after, let span = step.afterSpan,
                    case .failure(let problem) = Demo.delayRange(after)
                {
                    error(
                        "demo-delay", "\(place): '\(after)' is not a delay: \(problem)", at: span,
                        hint: "a duration or LOW..HIGH, e.g. 1h..2wd")
                }
                let inputs = Set(transition.input.map(\.text))
                for (name, _) in step.input where !inputs.contains(name.text) {
                    error(
                        "demo-input", "\(place) gives '\(name.text)', which the transition does not take as input",
                        at: name.span,
                        hint: inputs.isEmpty
                            ? "the transition takes no input" : "its input: " + inputs.sorted().joined(separator: ", "))
                }
                checkFields(
                    step.input.filter { inputs.contains($0.name.text) }, of: workflow,
                    roots: types.demoStepRoots(workflow), place: place)
            }
        }
        if let appraise = demo.appraise {
            let appraisal: Appraisal?
            if let name = appraise.appraisal {
                appraisal =
                    resolve(name, among: definitions.appraisals.map(\.name.text), as: "appraisal", in: "the demo")
                    ? definitions.appraisals.first { $0.name.text == name.text } : nil
            } else if definitions.appraisals.count == 1 {
                appraisal = definitions.appraisals.first
            } else {
                error(
                    "demo-appraisal",
                    definitions.appraisals.isEmpty
                        ? "the demo appraises, but unit '\(unit.name.text)' has no appraisal"
                        : "unit '\(unit.name.text)' has several appraisals; name one with 'appraisal:'",
                    at: appraise.span)
                appraisal = nil
            }
            if let appraisal {
                let imported = Dictionary(
                    appraisal.facts.filter { $0.source == "import" }.map { ($0.name.text, $0) },
                    uniquingKeysWith: { a, _ in a })
                let given = Set(appraise.facts.map(\.name.text))
                for fact in appraisal.facts
                where fact.source == "import" && fact.defaultValue == nil && !given.contains(fact.name.text) {
                    error(
                        "missing-fact",
                        "the demo's appraisal gives no value for '\(fact.name.text)', which \(appraisal.name.text) imports without a default",
                        at: appraise.span, hint: "add it under 'facts:'")
                }
                for (name, value) in appraise.facts {
                    guard
                        resolve(
                            name, among: imported.keys, as: "imported fact", in: "the demo's appraisal",
                            hint: imported.isEmpty ? "\(appraisal.name.text) imports no facts" : nil),
                        let fact = imported[name.text]
                    else { continue }
                    checkGenerated(
                        value, as: types.valueType(fact.type, name: name.text), roots: types.demoFactRoots,
                        what: "imported fact '\(name.text)'")
                }
            }
        }
    }

    private mutating func checkCount(_ count: Int?, at span: SourceSpan, _ place: String) {
        if let count, count < 0 { error("demo-count", "\(place) has a negative count", at: span) }
    }

    private mutating func checkFields(
        _ values: [(name: Name, value: Demo.Generator)], of workflow: Workflow, roots: UnitTypes.Roots, place: String
    ) {
        let fields = Dictionary(workflow.fields.map { ($0.name.text, $0) }, uniquingKeysWith: { a, _ in a })
        for (name, value) in values {
            guard resolve(name, among: fields.keys, as: "field", in: place), let field = fields[name.text] else {
                continue
            }
            checkGenerated(value, as: types.valueType(field), roots: roots, what: "field '\(name.text)' of \(place)")
        }
    }

    /// The first text inside `value` that its enum type does not list.
    static func valueOutsideEnum(_ value: Value, _ type: ValueType) -> (value: String, type: ValueType)? {
        switch (value, type.unwrapped) {
        case (.string(let text), .enumeration(_, let values)):
            return values.contains(text) ? nil : (text, type.unwrapped)
        case (.list(let items), .list(let element)):
            return items.lazy.compactMap { valueOutsideEnum($0, element) }.first
        case (.map(let entries), .map(_, let element)):
            return entries.values.lazy.compactMap { valueOutsideEnum($0, element) }.first
        default:
            return nil
        }
    }

    /// Checks one generated value against the type it fills.
    private mutating func checkGenerated(
        _ generator: Demo.Generator, as type: ValueType, roots: UnitTypes.Roots, what: String
    ) {
        switch generator {
        case .expression(let expression):
            checkExpression(expression, roots: roots, expecting: type, what: what)
        case .pick(let choices, let span):
            if choices.isEmpty || choices.allSatisfy({ $0.weight <= 0 }) {
                error("demo-pick", "\(what) picks from nothing: give a value a positive weight", at: span)
            }
            for choice in choices {
                if choice.weight < 0 {
                    error(
                        "demo-weight", "\(what): the weight of '\(choice.value.text)' is negative",
                        at: choice.value.span)
                }
                let json = (try? JSONReader.read(Array(choice.value.text.utf8))) ?? .string(choice.value.text)
                do {
                    let value = try DataBinding.value(json, as: type, path: choice.value.text)
                    if let stray = Self.valueOutsideEnum(value, type) {
                        error(
                            "type",
                            "\(what) cannot be '\(choice.value.text)': '\(stray.value)' is not a value of \(stray.type)",
                            at: choice.value.span)
                    }
                } catch let problem {
                    error("type", "\(what) cannot be '\(choice.value.text)': \(problem)", at: choice.value.span)
                }
            }
        case .person(let condition):
            guard case .record(let record) = type.unwrapped, record.name == types.personType.name else {
                error(
                    "type", "\(what) is \(type), not a person; pick a person only for a person field",
                    at: condition.span)
                return
            }
            checkExpression(
                condition, roots: roots + [("person", .record(types.personType))], expecting: .bool,
                what: "the condition of \(what)")
        }
    }
}
