import Foundation
import GridflowDefinitions
import GridflowExpressions

/// A unit's workflows compiled for running: states indexed, transitions grouped by state and
/// event, every expression compiled once.
public final class Program: Sendable {
    public let unit: String
    /// The content hash of the definitions this program was compiled from.
    public let version: String
    public let calendar: WorkCalendar
    public let types: UnitTypes
    /// The person record as kept in the directory: every field may be missing.
    public let storedPersonType: RecordType
    /// The values of person fields a record leaves out (`default:` of the unit's people fields).
    public let personDefaults: [(field: String, value: JSON)]
    /// Reads a directory entry's stored JSON straight into a record of `storedPersonType`, its
    /// defaults applied (`nil` when a default does not fit its field: the general path says so).
    let personDecoder: TypedJSONDecoder?
    /// The roles the unit declares, with `system`.
    public let roleNames: Set<String>
    /// The role whose holders administer the unit through the daemon, if the unit names one.
    public let administratorRole: String?
    /// Where the daemon posts the unit's notifications.
    public let webhooks: [Webhook]
    /// The org tree and the levels scoped roles are held at.
    public let org: OrgIndex
    /// Roles held by whoever their `held_by` holds for, over the person record.
    let heldBy: [(role: String, condition: CompiledExpression)]
    public let workflows: [String: CompiledWorkflow]
    /// Appraisals by name.
    public let appraisals: [String: CompiledAppraisal]
    /// Coverage rules, in name order.
    public let coverages: [CompiledCoverage]
    /// Bulletins by name.
    public let reports: [String: CompiledReport]
    /// Demo years by name.
    public let demos: [String: CompiledDemo]
    /// Shared file spaces, in name order.
    public let fileSpaces: [CompiledFileSpace]
    /// Decision tables, routing tables and eligibility rules, by name, for `decide`.
    let rules: [String: CompiledRules]

    /// A definition that loaded but cannot be compiled (the validator should have said so).
    public struct CompileError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// A person object with the defaults of the fields it leaves out.
    public func withPersonDefaults(_ object: JSONObject) -> JSONObject {
        var object = object
        for (field, value) in personDefaults where object[field] == nil { object[field] = value }
        return object
    }

    /// Compiles every workflow of a unit.
    public init(definitions: UnitDefinitions, version: String) throws(CompileError) {
        unit = definitions.unit.name.text
        self.version = version
        calendar = definitions.unit.workCalendar
        types = UnitTypes(unit: definitions.unit)
        roleNames = definitions.unit.roleNames
        administratorRole = definitions.unit.administrator?.text
        webhooks = definitions.unit.webhooks.map { webhook in
            let backoff: Int
            if case .seconds(let seconds)? = webhook.backoff?.amount, seconds > 0 {
                backoff = Int(seconds)
            } else {
                backoff = Unit.Webhook.defaultBackoffSeconds
            }
            return Webhook(
                name: webhook.name.text, url: webhook.url?.text ?? "", secretEnv: webhook.secretEnv?.text ?? "",
                roles: Set(webhook.roles.map(\.text)), attempts: webhook.attempts ?? Unit.Webhook.defaultAttempts,
                backoffSeconds: backoff)
        }
        org = OrgIndex(unit: definitions.unit)
        storedPersonType = RecordType(
            name: "person", fields: types.personType.fields.map { .init(name: $0.name, type: $0.type.optional) })
        personDefaults = definitions.unit.peopleFields.compactMap { field in
            field.defaultNode.map { (field.name.text, $0.plainValue) }
        }
        let storedPersonType = storedPersonType
        var boundDefaults: [String: Value]? = [:]
        for (field, json) in personDefaults {
            guard let type = storedPersonType.field(field)?.type,
                let value = try? DataBinding.value(json, as: type, path: field)
            else {
                boundDefaults = nil
                break
            }
            boundDefaults?[field] = value
        }
        personDecoder = boundDefaults.map { TypedJSONDecoder(record: storedPersonType, defaults: $0) }
        var heldBy: [(role: String, condition: CompiledExpression)] = []
        for role in definitions.unit.roles {
            guard let expression = role.heldBy else { continue }
            heldBy.append(
                (
                    role.name.text,
                    try CompiledWorkflow.compile(
                        expression.text, types.environment([("person", .record(types.personType))]), .bool,
                        "role \(role.name.text)")
                ))
        }
        self.heldBy = heldBy
        var rules: [String: CompiledRules] = [:]
        for table in definitions.decisionTables {
            rules[table.name.text] = .table(try CompiledTable(table, types: types))
        }
        for table in definitions.routingTables {
            rules[table.name.text] = .table(try CompiledTable(table, types: types))
        }
        for eligibility in definitions.eligibilities {
            rules[eligibility.name.text] = .eligibility(try CompiledEligibility(eligibility, types: types))
        }
        self.rules = rules
        var workflows: [String: CompiledWorkflow] = [:]
        for workflow in definitions.workflows {
            workflows[workflow.name.text] = try CompiledWorkflow(workflow, types: types)
        }
        self.workflows = workflows
        var appraisals: [String: CompiledAppraisal] = [:]
        for appraisal in definitions.appraisals {
            appraisals[appraisal.name.text] = try CompiledAppraisal(
                appraisal, types: types, workflows: workflows, definitions: definitions)
        }
        self.appraisals = appraisals
        var reports: [String: CompiledReport] = [:]
        for report in definitions.reports {
            reports[report.name.text] = try CompiledReport(report, types: types, definitions: definitions)
        }
        self.reports = reports
        var demos: [String: CompiledDemo] = [:]
        for demo in definitions.demos {
            demos[demo.name.text] = try CompiledDemo(demo, types: types, definitions: definitions)
        }
        self.demos = demos
        fileSpaces = definitions.fileSpaces.map(CompiledFileSpace.init).sorted { $0.name < $1.name }
        coverages = definitions.coverages.map { CompiledCoverage($0, unit: definitions.unit) }.sorted {
            $0.name < $1.name
        }
    }

    /// The workflow named `name`.
    public func workflow(_ name: String) -> CompiledWorkflow? { workflows[name] }

    /// The roles a person holds by their record, through the roles' `held_by`; a condition that
    /// cannot be evaluated is an error naming the role, never a silent "no".
    public func derivedRoles(of person: Record, now: Instant) throws(EngineError) -> Set<String> {
        var roles: Set<String> = []
        for (role, condition) in heldBy {
            let frame = Frame(roots: [.record(person)], now: now, calendar: calendar)
            do {
                if try condition.evaluate(frame) == .bool(true) { roles.insert(role) }
            } catch {
                throw EngineError(
                    .incident,
                    "role \(role): held_by cannot be evaluated for '\(person["id"].map(\.description) ?? "?")': \(error.message)"
                )
            }
        }
        return roles
    }

    /// `workflow/transition` for every transition of the unit.
    public var transitionNames: Set<String> {
        Set(workflows.values.flatMap { workflow in workflow.transitionNames.map { workflow.name + "/" + $0 } })
    }
}

/// One workflow, compiled.
public final class CompiledWorkflow: Sendable {
    public let name: String
    /// The layout of every case of this workflow: declared fields, then the built-ins.
    public let caseType: RecordType
    /// The case's fields as stored: every field may be empty until the transition that supplies it.
    public let storedType: RecordType
    public let fieldTypes: [String: ValueType]
    public let requiredAtOpen: [String]
    public let startedBy: Set<String>
    /// Where a case sits in the org tree (`place:`), compiled over `case` in any state.
    public let place: CompiledPlace?
    /// How open cases are ordered for a reviewer (`rank:`), compiled over `case` in any state.
    public let rank: CompiledRank?
    /// Roles that may see each restricted field; a field missing here is visible to everyone.
    public let visibility: [String: Set<String>]
    /// Fields whose visibility follows the case (`visible_when`): nobody sees them where the
    /// condition does not hold or cannot be evaluated.
    public let visibleWhen: [String: VisibilityCondition]
    /// The `person` field that names who opens a case (`opener: true`): the actor of the `open`
    /// step is as restricted as it.
    public let openerField: String?
    /// For each transition taken as the person in a field (`person:`), that field: the actor of
    /// such a step is as restricted as the field.
    public let personFields: [String: String]
    /// For each event, the `person:` fields of the transitions that handle it.
    public let personFieldsByEvent: [String: Set<String>]
    public let initialState: String
    public let states: [String: CompiledState]
    let transitions: [String: [CompiledTransition]]
    let personType: RecordType
    /// The declared fields with their slots, in declaration order: what a step's history compares.
    let declaredSlots: [(name: String, slot: Int)]
    /// Slots of the built-in fields, in `UnitTypes.builtinCaseFields` order (`nil` if absent).
    let builtinSlots: [Int?]
    /// Slots of the actor record's `id`, `name` and `roles`.
    let actorSlots: (id: Int?, name: Int?, roles: Int?)
    /// The transitions whose expressions (or the timers of the state they enter) call
    /// `current(person)`: before taking one, the engine loads the current directory records
    /// of the people the case names.
    let directoryTransitions: Set<String>

    init(_ workflow: Workflow, types: UnitTypes) throws(Program.CompileError) {
        name = workflow.name.text
        let caseType = types.caseType(workflow)
        self.caseType = caseType
        self.storedType = RecordType(
            name: "case", fields: caseType.fields.map { .init(name: $0.name, type: $0.type.optional) })
        personType = types.personType
        var fieldTypes: [String: ValueType] = [:]
        for field in workflow.fields { fieldTypes[field.name.text] = types.valueType(field) }
        self.fieldTypes = fieldTypes
        declaredSlots = caseType.fields.enumerated().compactMap { slot, field in
            fieldTypes[field.name] == nil ? nil : (field.name, slot)
        }
        builtinSlots = UnitTypes.builtinCaseFields.map { caseType.layout.slot(of: $0) }
        let personLayout = types.personType.layout
        actorSlots = (personLayout.slot(of: "id"), personLayout.slot(of: "name"), personLayout.slot(of: "roles"))
        // A required field must be given when the case opens, unless a transition supplies it
        // (as an input, a decided output or a `set`): then it is required of that transition.
        let supplied = Set(
            workflow.transitions.flatMap { transition in
                transition.input.map(\.text) + transition.set.map(\.field.text)
                    + transition.decide.flatMap { $0.assign.map(\.field.text) }
            })
        requiredAtOpen = workflow.fields.filter { $0.required && !supplied.contains($0.name.text) }.map(\.name.text)
        startedBy = Set(workflow.startedBy.map(\.text))
        var visibility: [String: Set<String>] = [:]
        for field in workflow.fields where !field.visibleTo.isEmpty {
            visibility[field.name.text] = Set(field.visibleTo.map(\.text))
        }
        self.visibility = visibility
        var visibleWhen: [String: VisibilityCondition] = [:]
        let anyState: [(name: String, type: ValueType)] = [("case", .record(types.caseTypeInAnyState(workflow)))]
        for field in workflow.fields {
            guard let condition = field.visibleWhen else { continue }
            visibleWhen[field.name.text] = VisibilityCondition(
                text: condition.text,
                code: try Self.compile(
                    condition.text, types.environment(anyState), .bool, "visible_when of field '\(field.name.text)'"))
        }
        self.visibleWhen = visibleWhen
        if let expression = workflow.place {
            place = CompiledPlace(
                text: expression.text,
                code: try Self.compile(expression.text, types.environment(anyState), nil, "place"),
                reads: Compiler.reads(of: expression.text, root: "case")
                    ?? {
                        var all = RootReads(); all.whole = true; return all
                    }())
        } else {
            place = nil
        }
        if let rank = workflow.rank {
            self.rank = CompiledRank(
                text: rank.by.text, descending: rank.descending ?? true,
                code: try Self.compile(rank.by.text, types.environment(anyState), nil, "rank"))
        } else {
            rank = nil
        }
        openerField = workflow.fields.first(where: \.opener)?.name.text
        directoryTransitions = Set(
            workflow.transitions.filter { transition in
                (transition.expressionTexts + workflow.timerExpressionTexts(of: transition.to?.text ?? "")).contains {
                    Compiler.calls("current", in: $0)
                }
            }.map(\.name.text))
        var personFields: [String: String] = [:]
        var personFieldsByEvent: [String: Set<String>] = [:]
        for transition in workflow.transitions {
            guard let field = transition.person?.text else { continue }
            personFields[transition.name.text] = field
            personFieldsByEvent[transition.event.text, default: []].insert(field)
        }
        self.personFields = personFields
        self.personFieldsByEvent = personFieldsByEvent
        guard let initial = workflow.initialState?.name.text else {
            throw Program.CompileError(description: "workflow '\(workflow.name.text)' has no initial state")
        }
        initialState = initial

        let actor = ValueType.record(types.personType)
        let stateRoots: [(name: String, type: ValueType)] = [("case", .record(caseType)), ("actor", actor)]
        var states: [String: CompiledState] = [:]
        for state in workflow.states {
            var timers: [CompiledTimer] = []
            for timer in state.timers {
                guard let event = timer.event?.text else { continue }
                switch timer.trigger {
                case .after(let duration)?:
                    timers.append(CompiledTimer(name: timer.name?.text, event: event, after: duration.amount, at: nil))
                case .at(let expression)?:
                    timers.append(
                        CompiledTimer(
                            name: timer.name?.text, event: event, after: nil,
                            at: try Self.compile(
                                expression.text, types.environment(stateRoots), nil,
                                "timer of state '\(state.name.text)'")))
                case nil: continue
                }
            }
            let task = state.task.map { task in
                CompiledTask(
                    title: task.title ?? state.title ?? state.name.text, role: task.role?.text,
                    personField: task.person?.text,
                    personSlot: task.person.flatMap { caseType.layout.slot(of: $0.text) },
                    due: task.due?.amount, dueText: task.due?.text)
            }
            states[state.name.text] = CompiledState(
                name: state.name.text, final: state.final, task: task, timers: timers)
        }
        self.states = states

        var transitions: [String: [CompiledTransition]] = [:]
        for transition in workflow.transitions {
            // Required inputs (the event is refused without them) and decided outputs hold values.
            let present = Set(
                transition.input.filter { workflow.field($0.text)?.required == true }.map(\.text)
                    + transition.decide.flatMap { $0.assign.map(\.field.text) })
            let roots: [(name: String, type: ValueType)] = [
                ("case", .record(types.caseType(workflow, present: present))), ("actor", actor),
            ]
            let guarded = present.union(
                transition.guardExpression.map { Compiler.presentFields(inGuard: $0.text, root: "case") } ?? [])
            let afterGuard: [(name: String, type: ValueType)] = [
                ("case", .record(types.caseType(workflow, present: guarded))), ("actor", actor),
            ]
            let place = "transition '\(transition.name.text)'"
            var guardCode: CompiledGuard?
            if let expression = transition.guardExpression {
                guardCode = CompiledGuard(
                    text: expression.text,
                    code: try Self.compile(expression.text, types.environment(roots), .bool, place),
                    traced: try Self.compile(expression.text, types.environment(roots), .bool, place, tracing: true))
            }
            var assignments: [CompiledAssignment] = []
            for (field, value) in transition.set {
                guard let slot = caseType.layout.slot(of: field.text) else { continue }
                assignments.append(
                    CompiledAssignment(
                        field: field.text, slot: slot, text: value.text,
                        code: try Self.compile(value.text, types.environment(afterGuard), nil, place)))
            }
            var effects: [CompiledEffect] = []
            for effect in transition.effects {
                effects.append(try CompiledEffect(effect, environment: types.environment(afterGuard), place: place))
            }
            var decisions: [CompiledDecision] = []
            for decision in transition.decide {
                var inputs: [(name: String, code: CompiledExpression)] = []
                for (name, value) in decision.input {
                    inputs.append((name.text, try Self.compile(value.text, types.environment(roots), nil, place)))
                }
                let assign = decision.assign.compactMap { field, output in
                    caseType.layout.slot(of: field.text).map { (slot: $0, output: output.text) }
                }
                decisions.append(CompiledDecision(rules: decision.rules.text, inputs: inputs, assign: assign))
            }
            let personSlot = transition.person.flatMap { caseType.layout.slot(of: $0.text) }
            let compiled = CompiledTransition(
                name: transition.name.text, event: transition.event.text, to: transition.to?.text ?? "",
                roles: Set(transition.roles.map(\.text)), personSlot: personSlot,
                inputFields: transition.input.map { name in
                    let type = fieldTypes[name.text]
                    return (name.text, caseType.layout.slot(of: name.text), type, type?.isOptional == true)
                }, guardCode: guardCode, assignments: assignments,
                decisions: decisions, effects: effects)
            for source in workflow.sources(of: transition) {
                transitions[source + "\u{0}" + compiled.event, default: []].append(compiled)
            }
        }
        self.transitions = transitions
    }

    /// Whether a transition that handles `event` in `state` reads current directory records.
    func readsDirectory(in state: String, on event: String) -> Bool {
        !directoryTransitions.isEmpty
            && transitions(from: state, on: event).contains { directoryTransitions.contains($0.name) }
    }

    /// The names of the workflow's transitions.
    public var transitionNames: Set<String> { Set(transitions.values.flatMap { $0.map(\.name) }) }

    /// The transitions that handle `event` in `state`, in definition order.
    func transitions(from state: String, on event: String) -> [CompiledTransition] {
        transitions[state + "\u{0}" + event] ?? []
    }

    /// Every event that some transition handles in `state`.
    public func events(in state: String) -> [String] {
        let prefix = state + "\u{0}"
        return Set(transitions.keys.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }).sorted()
    }

    static func compile(
        _ text: String, _ environment: Environment, _ expecting: ValueType?, _ place: String,
        tracing: Bool = false
    ) throws(Program.CompileError) -> CompiledExpression {
        do {
            return try Compiler.compile(text, in: environment, expecting: expecting, tracing: tracing)
        } catch {
            throw Program.CompileError(description: "\(place): \(error.message) (in '\(text)')")
        }
    }
}

/// A workflow's `place:`, compiled over `case`.
public struct CompiledPlace: Sendable {
    /// The expression as written.
    public let text: String
    let code: CompiledExpression
    /// The fields of the case it reads (all of them when it reads `case` whole): an inbox
    /// decodes only these to find a case's place.
    let reads: RootReads
}

/// A workflow's `rank:`, compiled over `case`.
public struct CompiledRank: Sendable {
    /// The expression as written.
    public let text: String
    /// Whether the greatest value comes first.
    public let descending: Bool
    let code: CompiledExpression
}

/// A field's `visible_when`, compiled over `case`.
public struct VisibilityCondition: Sendable {
    /// The expression as written.
    public let text: String
    let code: CompiledExpression
}

/// A state: whether it ends the case, its human task, and the timers it starts.
public struct CompiledState: Sendable {
    public let name: String
    public let final: Bool
    /// The work someone has while a case is here (`task:`), for their inbox.
    public let task: CompiledTask?
    let timers: [CompiledTimer]
}

/// A state's `task:`: who has it (the holders of `role`, or the person in the `person` field
/// `personField`) and how long they have from the case entering the state.
public struct CompiledTask: Sendable {
    /// The task's `title`, else the state's title, else its name.
    public let title: String
    public let role: String?
    public let personField: String?
    /// The slot of `personField` in the case's layout.
    let personSlot: Int?
    /// `due`: calendar time or working days counted with the unit's calendar; `nil`: no due date.
    public let due: Span?
    /// `due` as written, e.g. `5wd`.
    public let dueText: String?
}

struct CompiledTimer: Sendable {
    let name: String?
    let event: String
    let after: Span?
    let at: CompiledExpression?
}

struct CompiledGuard: Sendable {
    let text: String
    let code: CompiledExpression
    /// The same guard compiled to record every sub-expression, run when it says no.
    let traced: CompiledExpression
}

struct CompiledAssignment: Sendable {
    let field: String
    let slot: Int
    let text: String
    let code: CompiledExpression
}

final class CompiledTransition: Sendable {
    let name: String
    let event: String
    let to: String
    let roles: Set<String>
    let personSlot: Int?
    /// Each input's field name, slot, type and whether it may be left out, in definition order.
    let inputFields: [(name: String, slot: Int?, type: ValueType?, optional: Bool)]
    let guardCode: CompiledGuard?
    let assignments: [CompiledAssignment]
    let decisions: [CompiledDecision]
    let effects: [CompiledEffect]

    init(
        name: String, event: String, to: String, roles: Set<String>, personSlot: Int?,
        inputFields: [(name: String, slot: Int?, type: ValueType?, optional: Bool)], guardCode: CompiledGuard?,
        assignments: [CompiledAssignment], decisions: [CompiledDecision],
        effects: [CompiledEffect]
    ) {
        self.name = name
        self.event = event
        self.to = to
        self.roles = roles
        self.personSlot = personSlot
        self.inputFields = inputFields
        self.guardCode = guardCode
        self.assignments = assignments
        self.decisions = decisions
        self.effects = effects
    }

    /// The input field names, in definition order.
    var inputs: [String] { inputFields.map(\.name) }
}

/// A rule set consulted by a transition: its inputs from the case, its outputs into fields.
struct CompiledDecision: Sendable {
    let rules: String
    let inputs: [(name: String, code: CompiledExpression)]
    let assign: [(slot: Int, output: String)]
}

extension Program {
    /// The final states of each workflow, by workflow.
    public var finalStates: [String: Set<String>] {
        workflows.mapValues { workflow in Set(workflow.states.values.filter(\.final).map(\.name)) }
    }
}

/// A webhook of the unit, as the daemon uses it.
public struct Webhook: Sendable, Hashable {
    public var name: String
    public var url: String
    /// The environment variable holding the signing key.
    public var secretEnv: String
    /// Only notifications to these roles; empty: all.
    public var roles: Set<String>
    public var attempts: Int
    /// The wait before the second try; doubled before each next one, at most an hour.
    public var backoffSeconds: Int

    public init(name: String, url: String, secretEnv: String, roles: Set<String>, attempts: Int, backoffSeconds: Int) {
        self.name = name
        self.url = url
        self.secretEnv = secretEnv
        self.roles = roles
        self.attempts = attempts
        self.backoffSeconds = backoffSeconds
    }

    /// Whether a notification to `role` goes to this webhook.
    public func carries(_ role: String) -> Bool { roles.isEmpty || roles.contains(role) }

    /// The wait after the `attempt`-th failed try (1-based): the backoff doubled, at most an hour.
    public func wait(after attempt: Int) -> Int {
        var wait = backoffSeconds
        for _ in 1..<max(attempt, 1) where wait < 3600 { wait *= 2 }
        return min(wait, 3600)
    }
}
