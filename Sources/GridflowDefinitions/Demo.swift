import GridflowDiagnostics
import GridflowExpressions
import GridflowYAML

/// A demo year of a unit, written by the unit: the people of its org tree, the cases they open
/// over the year, how each transition is taken (how likely, how soon, with which input) and the
/// facts its appraisal imports. `gridflow demo` drives the real engine with it, so a unit's demo
/// is as much its own YAML as its workflows.
public struct Demo: Sendable {
    public var name: Name
    public var file: String
    public var title: String?
    /// The year simulated: cases open in it; the clock runs on until they settle.
    public var year: Int?
    public var yearSpan: SourceSpan?
    /// The random seed: the same demo and seed give the same year.
    public var seed: Int?
    /// Person fields every batch gets unless it gives its own.
    public var personDefaults: [(name: Name, value: Generator)]
    public var people: [People]
    public var openings: [Opening]
    /// How people take transitions, per workflow.
    public var steps: [WorkflowSteps]
    public var appraise: Appraise?

    /// A batch of generated people: `count` per org node at level `per` (and per department).
    public struct People: Sendable {
        /// The id prefix: ids are PREFIX-1, PREFIX-2, …
        public var id: Name
        public var per: Name?
        public var departments: [Name]
        public var count: Int?
        public var roles: [Name]
        public var displayName: Generator?
        public var fields: [(name: Name, value: Generator)]
        public var span: SourceSpan
    }

    /// Cases opened over the year: `count` (per node at level `per`), by a holder of role `by`.
    public struct Opening: Sendable {
        public var workflow: Name
        public var per: Name?
        public var count: Int?
        public var from: Day?
        public var to: Day?
        public var fromSpan: SourceSpan?
        public var by: Name?
        public var fields: [(name: Name, value: Generator)]
        public var span: SourceSpan
    }

    /// How the transitions of one workflow are taken.
    public struct WorkflowSteps: Sendable {
        public var workflow: Name
        public var transitions: [Step]
    }

    /// One transition: its weight among those possible in a state, its delay range and input.
    public struct Step: Sendable {
        public var transition: Name
        public var weight: Int
        /// `LOW..HIGH` durations, e.g. `1h..2wd`.
        public var after: String?
        public var afterSpan: SourceSpan?
        public var input: [(name: Name, value: Generator)]
    }

    /// Imported facts of an appraisal, generated per appraised person, and the appraisal run.
    public struct Appraise: Sendable {
        public var appraisal: Name?
        public var facts: [(name: Name, value: Generator)]
        public var span: SourceSpan
    }

    /// How one value is made.
    public enum Generator: Sendable {
        /// An expression over the demo's names (`roll` is a fresh random number in [0, 1)).
        case expression(Expression)
        /// A weighted choice among literal values, read like `--set` values.
        case pick([(value: Name, weight: Int)], span: SourceSpan)
        /// A random generated person for whom the condition over `person` holds.
        case person(Expression)
    }

    /// Why a delay range cannot be read.
    public struct DelayProblem: Error, Sendable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// A delay range, `LOW..HIGH` (or one duration): calendar time or working days, mixed as needed.
    public static func delayRange(_ text: String) -> Result<(Span, Span), DelayProblem> {
        let parts = text.components(separatedBy: "..")
        guard parts.count <= 2 else { return .failure(DelayProblem("write one duration or LOW..HIGH")) }
        let low: Span
        let high: Span
        switch Span.parse(parts[0]) {
        case .success(let span): low = span
        case .failure(let problem): return .failure(DelayProblem(problem.description))
        }
        if parts.count == 2 {
            switch Span.parse(parts[1]) {
            case .success(let span): high = span
            case .failure(let problem): return .failure(DelayProblem(problem.description))
            }
        } else {
            high = low
        }
        switch (low, high) {
        case (.seconds(let a), .seconds(let b)) where a > b:
            return .failure(DelayProblem("the low end is above the high end"))
        case (.workingDays(let a), .workingDays(let b)) where a > b:
            return .failure(DelayProblem("the low end is above the high end"))
        default: return .success((low, high))
        }
    }
}

extension Demo {
    static func read(_ node: Node, file: String) -> Demo? {
        guard let name = node["name"]?.name else { return nil }
        var year: Int?
        if case .int(let value) = node["year"]?.scalar?.resolved { year = value }
        var seed: Int?
        if case .int(let value) = node["seed"]?.scalar?.resolved { seed = value }
        func count(_ node: Node?) -> Int? {
            if case .int(let value) = node?.scalar?.resolved { return value }
            return nil
        }
        return Demo(
            name: name, file: file, title: node["title"]?.text, year: year, yearSpan: node["year"]?.span, seed: seed,
            personDefaults: generators(node["person_defaults"]),
            people: node["people"]?.sequence?.compactMap { batch in
                batch["id"]?.name.map {
                    People(
                        id: $0, per: batch["per"]?.name, departments: batch["departments"]?.names ?? [],
                        count: count(batch["count"]), roles: batch["roles"]?.names ?? [],
                        displayName: batch["name"].flatMap(Generator.read), fields: generators(batch["fields"]),
                        span: batch.span)
                }
            } ?? [],
            openings: node["open"]?.sequence?.compactMap { opening in
                opening["workflow"]?.name.map {
                    Opening(
                        workflow: $0, per: opening["per"]?.name, count: count(opening["count"]),
                        from: opening["from"]?.date, to: opening["to"]?.date, fromSpan: opening["from"]?.span,
                        by: opening["by"]?.name, fields: generators(opening["fields"]), span: opening.span)
                }
            } ?? [],
            steps: node["steps"]?.entries.map { workflow, transitions in
                WorkflowSteps(
                    workflow: workflow,
                    transitions: transitions.entries.map { transition, step in
                        Step(
                            transition: transition, weight: count(step["weight"]) ?? 1, after: step["after"]?.text,
                            afterSpan: step["after"]?.span, input: generators(step["input"]))
                    })
            } ?? [],
            appraise: node["appraise"].map {
                Appraise(appraisal: $0["appraisal"]?.name, facts: generators($0["facts"]), span: $0.span)
            })
    }

    private static func generators(_ node: Node?) -> [(name: Name, value: Generator)] {
        node?.entries.compactMap { name, value in Generator.read(value).map { (name, $0) } } ?? []
    }
}

extension Demo.Generator {
    static func read(_ node: Node) -> Demo.Generator? {
        if let expression = node.expression { return .expression(expression) }
        if let pick = node["pick"] {
            return .pick(
                pick.entries.map { value, weight in
                    var number = 0
                    if case .int(let w) = weight.scalar?.resolved { number = w }
                    return (value, number)
                }, span: pick.span)
        }
        if let condition = node["person"]?.expression { return .person(condition) }
        return nil
    }
}
