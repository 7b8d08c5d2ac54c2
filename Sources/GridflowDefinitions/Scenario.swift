import Foundation
import GridflowDiagnostics
import GridflowExpressions
import GridflowYAML

/// A designer's test of a workflow, written in YAML beside the definitions
/// (`Workflows/UNIT/tests/*.yaml`): people, steps and what must hold after each.
public struct Scenario: Sendable {
    public var name: String
    public var file: String
    public var workflow: Name
    public var start: String?
    public var people: [Person]
    public var steps: [Step]

    /// Someone who acts in the scenario or is put in a field as `"@NAME"`.
    public struct Person: Sendable {
        public var name: Name
        public var roles: [String]
        /// The person's attributes (`people.fields`), as written.
        public var fields: [(name: Name, value: Node)]
    }

    /// One step.
    public struct Step: Sendable {
        public enum Action: Sendable {
            /// Open a case of the scenario's workflow, or of `workflow` (later steps then act on it).
            case open(as: Name, with: [(field: Name, value: Node)], workflow: Name? = nil)
            case act(event: Name, as: Name, with: [(field: Name, value: Node)])
            /// The engine opens the case, as another case's `open:` effect or an appraisal
            /// consequence does (a workflow `started_by: system`).
            case engineOpen(with: [(field: Name, value: Node)])
            /// The engine delivers an event to the case as a signal from another case does: it
            /// may take a transition whose role is `system`.
            case signal(event: Name)
            case wait(Duration)
            /// Appraise the scenario's people for a period, with imported facts per person.
            case appraise(period: Name, appraisal: Name?, facts: [(person: Name, values: [(fact: Name, value: Node)])])
            /// Check the unit's coverage rules (or one).
            case coverage(rule: Name?)
        }

        public var action: Action
        public var expect: Expect?
        public var span: SourceSpan
    }

    /// What must hold after a step.
    public struct Expect: Sendable {
        public var state: Name?
        public var fields: [(field: Name, value: Node)]
        public var rejected: String?
        public var incident: String?
        public var actions: [Name]?
        /// After `appraise`: the grade and total of each person named.
        public var grades: [(person: Name, grade: Name)] = []
        public var totals: [(person: Name, value: Node)] = []
        /// After `appraise`: the veto that set each named person's grade, `none` when the total did.
        public var vetoed: [(person: Name, veto: Name)] = []
        /// After `appraise`: people not appraised in any role (e.g. their appointment ended).
        public var notAppraised: [Name] = []
        /// After `appraise`: what the step's consequences recorded in each ledger for each person
        /// (the sum of the values, 0 when none).
        public var recorded: [(ledger: Name, values: [(person: Name, value: Node)])] = []
        /// How many cases of each workflow the store holds.
        public var cases: [(workflow: Name, count: Node)] = []
        /// After `coverage`: the places without a holder, as `NODE` or `NODE/SHIFT`, or their number.
        public var gaps: Node?
        /// Fields each person sees, and fields hidden from each person, after the step.
        public var sees: [(person: Name, fields: [Name])] = []
        public var doesNotSee: [(person: Name, fields: [Name])] = []
        public var span: SourceSpan
    }

    /// Reads a scenario from a parsed file; `nil` when its shape was wrong (already reported).
    public static func read(_ file: DefinitionFile) -> Scenario? {
        guard file.kind == .scenario, let root = file.root, !file.diagnostics.hasErrors,
            let name = root["name"]?.text, let workflow = root["workflow"]?.name
        else { return nil }
        func pairs(_ node: Node?) -> [(Name, Node)] { node?.entries.map { ($0.name, $0.value) } ?? [] }
        func fieldLists(_ node: Node?) -> [(person: Name, fields: [Name])] {
            node?.entries.map { ($0.name, $0.value.sequence?.compactMap(\.name) ?? []) } ?? []
        }
        let people =
            root["people"]?.entries.map { entry in
                Person(
                    name: entry.name, roles: entry.value["roles"]?.sequence?.compactMap(\.text) ?? [],
                    fields: pairs(entry.value["fields"]))
            } ?? []
        var steps: [Step] = []
        for node in root["steps"]?.sequence ?? [] {
            let action: Step.Action
            if let open = node["open"], let actor = open["as"]?.name {
                action = .open(as: actor, with: pairs(open["with"]), workflow: open["workflow"]?.name)
            } else if let act = node["act"], let event = act["event"]?.name, let actor = act["as"]?.name {
                action = .act(event: event, as: actor, with: pairs(act["with"]))
            } else if let open = node["engine_open"] {
                action = .engineOpen(with: pairs(open["with"]))
            } else if let event = node["signal"]?.name {
                action = .signal(event: event)
            } else if let wait = node["wait"]?.duration {
                action = .wait(wait)
            } else if let appraise = node["appraise"], let period = appraise["period"]?.name {
                action = .appraise(
                    period: period, appraisal: appraise["appraisal"]?.name,
                    facts: appraise["facts"]?.entries.map { ($0.name, pairs($0.value)) } ?? [])
            } else if let coverage = node["coverage"] {
                action = .coverage(rule: coverage["rule"]?.name)
            } else {
                continue
            }
            let expect = node["expect"].map { expect in
                Expect(
                    state: expect["state"]?.name, fields: pairs(expect["fields"]), rejected: expect["rejected"]?.text,
                    incident: expect["incident"]?.text, actions: expect["actions"]?.sequence?.compactMap(\.name),
                    grades: expect["grades"]?.entries.compactMap { entry in entry.value.name.map { (entry.name, $0) } }
                        ?? [],
                    totals: pairs(expect["totals"]),
                    vetoed: expect["vetoed"]?.entries.compactMap { entry in entry.value.name.map { (entry.name, $0) } }
                        ?? [],
                    notAppraised: expect["not_appraised"]?.sequence?.compactMap(\.name) ?? [],
                    recorded: expect["recorded"]?.entries.map { ($0.name, pairs($0.value)) } ?? [],
                    cases: pairs(expect["cases"]), gaps: expect["gaps"],
                    sees: fieldLists(expect["sees"]), doesNotSee: fieldLists(expect["does_not_see"]),
                    span: expect.span)
            }
            steps.append(Step(action: action, expect: expect, span: node.span))
        }
        return Scenario(
            name: name, file: file.path, workflow: workflow, start: root["start"]?.text, people: people, steps: steps)
    }
}

extension Node {
    /// The value as JSON (numbers keep their exact text), for reading data with `DataBinding`.
    public var plainValue: JSON {
        switch content {
        case .scalar(let scalar):
            switch scalar.resolved {
            case .null: return .null
            case .bool(let b): return .bool(b)
            case .int(let i): return .number(String(i))
            case .float(let text): return .number(text)
            case .string: return .string(scalar.value)
            }
        case .sequence(let items): return .array(items.map(\.plainValue))
        case .mapping(let mapping):
            return .object(JSONObject(mapping.pairs.map { ($0.name ?? "", $0.value.plainValue) }))
        }
    }
}
