import GridflowDefinitions
import GridflowExpressions

/// A demo definition compiled: org nodes resolved, values typed, delays parsed.
public struct CompiledDemo: Sendable {
    public let name: String
    public let title: String?
    public let year: Int
    public let seed: UInt64
    let people: [People]
    let openings: [Opening]
    /// Steps by workflow, then by transition name.
    let steps: [String: [String: Step]]
    let appraise: Appraise?

    /// An org node with the shifts worked there.
    struct Place: Sendable {
        let node: String
        let shifts: [String]
    }

    enum Generator: Sendable {
        case expression(CompiledExpression)
        case pick([(value: Value, weight: Int)])
        case person(CompiledExpression)
    }

    struct People: Sendable {
        let prefix: String
        let places: [Place]
        let departments: [String?]
        let count: Int
        let roles: [String]
        let name: Generator?
        let fields: [(name: String, value: Generator)]
    }

    struct Opening: Sendable {
        let workflow: String
        let places: [Place]
        let count: Int
        let from: Day
        let to: Day
        let by: String
        let fields: [(name: String, value: Generator)]
    }

    struct Step: Sendable {
        let transition: String
        let weight: Int
        let low: Span
        let high: Span
        let input: [(name: String, value: Generator)]
    }

    struct Appraise: Sendable {
        let appraisal: String
        let facts: [(name: String, value: Generator)]
    }

    init(_ demo: Demo, types: UnitTypes, definitions: UnitDefinitions) throws(Program.CompileError) {
        name = demo.name.text
        title = demo.title
        guard let year = demo.year else { throw Program.CompileError(description: "demo \(name): no year") }
        self.year = year
        seed = UInt64(truncatingIfNeeded: demo.seed ?? year)
        let unit = definitions.unit
        let place = "demo \(name)"
        func places(_ level: Name?) -> [Place] {
            guard let tree = unit.tree else { return [Place(node: unit.name.text, shifts: unit.shifts.map(\.text))] }
            func shifts(_ node: OrgNode) -> [String] {
                node.shifts.isEmpty ? unit.shifts.map(\.text) : node.shifts.map(\.text)
            }
            guard let level else { return [Place(node: tree.name.text, shifts: shifts(tree))] }
            return unit.nodes(atLevel: level.text).map { Place(node: $0.name.text, shifts: shifts($0)) }
        }
        func generator(_ generator: Demo.Generator, _ type: ValueType, _ roots: UnitTypes.Roots, _ what: String)
            throws(Program.CompileError) -> Generator
        {
            switch generator {
            case .expression(let expression):
                return .expression(
                    try CompiledWorkflow.compile(expression.text, types.environment(roots), type, "\(place), \(what)"))
            case .pick(let choices, _):
                var values: [(value: Value, weight: Int)] = []
                for choice in choices where choice.weight > 0 {
                    let json = (try? JSONReader.read(choice.value.text)) ?? .string(choice.value.text)
                    do {
                        values.append((try DataBinding.value(json, as: type, path: what), choice.weight))
                    } catch {
                        throw Program.CompileError(description: "\(place), \(what): \(error)")
                    }
                }
                guard !values.isEmpty else {
                    throw Program.CompileError(description: "\(place), \(what): nothing to pick")
                }
                return .pick(values)
            case .person(let condition):
                return .person(
                    try CompiledWorkflow.compile(
                        condition.text, types.environment(roots + [("person", .record(types.personType))]), .bool,
                        "\(place), \(what)"))
            }
        }
        let personFields = Dictionary(unit.peopleFields.map { ($0.name.text, $0) }, uniquingKeysWith: { a, _ in a })
        var people: [People] = []
        for batch in demo.people {
            let roots = types.demoPeopleRoots
            var fields: [(name: String, value: Generator)] = []
            let own = Set(batch.fields.map(\.name.text))
            for (name, value) in demo.personDefaults.filter({ !own.contains($0.name.text) }) + batch.fields {
                guard let field = personFields[name.text] else {
                    throw Program.CompileError(description: "\(place): no person field '\(name.text)'")
                }
                fields.append(
                    (name.text, try generator(value, types.valueType(field, personDepth: 1), roots, name.text)))
            }
            var display: Generator?
            if let name = batch.displayName { display = try generator(name, .string, roots, "name") }
            people.append(
                People(
                    prefix: batch.id.text, places: places(batch.per),
                    departments: batch.departments.isEmpty ? [nil] : batch.departments.map(\.text),
                    count: batch.count ?? 0, roles: batch.roles.map(\.text), name: display, fields: fields))
        }
        self.people = people
        func fields(_ values: [(name: Name, value: Demo.Generator)], _ workflow: Workflow, _ roots: UnitTypes.Roots)
            throws(Program.CompileError) -> [(name: String, value: Generator)]
        {
            var result: [(name: String, value: Generator)] = []
            for (name, value) in values {
                guard let field = workflow.fields.first(where: { $0.name.text == name.text }) else {
                    throw Program.CompileError(
                        description: "\(place): \(workflow.name.text) has no field '\(name.text)'")
                }
                result.append((name.text, try generator(value, types.valueType(field), roots, name.text)))
            }
            return result
        }
        var openings: [Opening] = []
        for opening in demo.openings {
            guard let workflow = definitions.workflow(opening.workflow.text) else {
                throw Program.CompileError(description: "\(place): no workflow '\(opening.workflow.text)'")
            }
            openings.append(
                Opening(
                    workflow: workflow.name.text, places: places(opening.per), count: opening.count ?? 0,
                    from: opening.from ?? Day(year: year, month: 1, day: 1)!,
                    to: opening.to ?? Day(year: year, month: 12, day: 31)!, by: opening.by?.text ?? "",
                    fields: try fields(opening.fields, workflow, types.demoOpeningRoots)))
        }
        self.openings = openings
        var steps: [String: [String: Step]] = [:]
        for group in demo.steps {
            guard let workflow = definitions.workflow(group.workflow.text) else {
                throw Program.CompileError(description: "\(place): no workflow '\(group.workflow.text)'")
            }
            for step in group.transitions {
                var low = Span.seconds(0)
                var high = Span.seconds(0)
                if let after = step.after {
                    switch Demo.delayRange(after) {
                    case .success(let range): (low, high) = range
                    case .failure(let problem):
                        throw Program.CompileError(description: "\(place), step \(step.transition.text): \(problem)")
                    }
                }
                steps[workflow.name.text, default: [:]][step.transition.text] = Step(
                    transition: step.transition.text, weight: step.weight, low: low, high: high,
                    input: try fields(step.input, workflow, types.demoStepRoots(workflow)))
            }
        }
        self.steps = steps
        if let appraise = demo.appraise {
            guard
                let appraisal = appraise.appraisal.flatMap({ name in
                    definitions.appraisals.first { $0.name.text == name.text }
                }) ?? (definitions.appraisals.count == 1 ? definitions.appraisals.first : nil)
            else { throw Program.CompileError(description: "\(place): which appraisal to run is not clear") }
            var facts: [(name: String, value: Generator)] = []
            for (name, value) in appraise.facts {
                guard let fact = appraisal.facts.first(where: { $0.name.text == name.text }) else {
                    throw Program.CompileError(
                        description: "\(place): \(appraisal.name.text) has no fact '\(name.text)'")
                }
                facts.append(
                    (
                        name.text,
                        try generator(
                            value, types.valueType(fact.type, name: name.text), types.demoFactRoots, name.text)
                    ))
            }
            self.appraise = Appraise(appraisal: appraisal.name.text, facts: facts)
        } else {
            self.appraise = nil
        }
    }
}
