import GridflowDefinitions
import GridflowExpressions

/// The pure interpreter: given a compiled workflow, a case, an event and the time, it returns the
/// next case with what to record and do, or why the event was refused, or an incident. It does no
/// I/O and keeps no state, so the same inputs always give the same outcome.
public struct Interpreter: Sendable {
    public let program: Program
    /// People's current directory records by id, which `current(person)` reads: the engine
    /// loads those of the people the case names and of the actor before the step.
    public let directory: [String: Record]

    public init(program: Program, directory: [String: Record] = [:]) {
        self.program = program
        self.directory = directory
    }

    /// A frame over `roots` at `now`, with the directory records loaded for this step.
    private func frame(_ roots: [Value], now: Instant, tracing: Bool = false) -> Frame {
        let frame = Frame(roots: roots, now: now, calendar: program.calendar, tracing: tracing)
        frame.directory = directory
        return frame
    }

    /// Opens a case of `workflow` with `id`.
    public func open(
        _ workflowName: String, id: String, input: [String: Value], by actor: Actor, now: Instant, parent: String? = nil
    ) -> Outcome {
        guard let workflow = program.workflow(workflowName) else {
            return .rejected(
                Rejection(
                    code: .unknownEvent, message: "unit '\(program.unit)' has no workflow '\(workflowName)'", trace: [])
            )
        }
        // `started_by: system` is the engine alone (an `open:` effect, an appraisal consequence).
        let openers = workflow.startedBy.subtracting([Unit.Role.system])
        if !actor.isEngine, openers.isDisjoint(with: actor.roles) {
            return .rejected(
                Rejection(
                    code: .notPermitted,
                    message: "'\(actor.id)' may not open a \(workflowName) case; "
                        + (openers.isEmpty
                            ? "only the engine opens one (started_by: system)"
                            : "it takes one of the roles " + openers.sorted().joined(separator: ", ")),
                    trace: []))
        }
        var slots = [Value](repeating: .null, count: workflow.caseType.fields.count)
        for (name, value) in input.sorted(by: { $0.key < $1.key }) {
            guard let type = workflow.fieldTypes[name], let slot = workflow.caseType.layout.slot(of: name) else {
                return .rejected(
                    Rejection(code: .invalidInput, message: "\(workflowName) has no field '\(name)'", trace: []))
            }
            if let problem = Conformance.problem(value, type) {
                return .rejected(Rejection(code: .invalidInput, message: "field '\(name)': \(problem)", trace: []))
            }
            slots[slot] = value
        }
        // The opener's field names whoever opens the case: they may name themselves or, unless
        // it is required, leave it empty (an anonymous report), never someone else; a required
        // one is filled with them. The engine's own openings name whom their effect says.
        if let opener = workflow.openerField, !actor.isEngine, let slot = workflow.caseType.layout.slot(of: opener) {
            switch slots[slot] {
            case .record(let given):
                guard given["id"] == .string(actor.id) else {
                    let named = given["id"].flatMap { if case .string(let id) = $0 { id } else { nil } } ?? "someone"
                    return .rejected(
                        Rejection(
                            code: .notPermitted,
                            message:
                                "field '\(opener)' is whoever opens the case, so '\(actor.id)' may not name '\(named)'; leave it out"
                                + (workflow.requiredAtOpen.contains(opener) ? "" : " (anonymous)")
                                + " or name yourself",
                            trace: []))
                }
                if let person = actor.person { slots[slot] = .record(person) }
            case .null:
                if workflow.requiredAtOpen.contains(opener), let person = actor.person { slots[slot] = .record(person) }
            default: break
            }
            if let type = workflow.fieldTypes[opener], slots[slot] != .null,
                let problem = Conformance.problem(slots[slot], type)
            {
                return .rejected(Rejection(code: .invalidInput, message: "field '\(opener)': \(problem)", trace: []))
            }
        }
        for name in workflow.requiredAtOpen
        where workflow.caseType.layout.slot(of: name).map({ slots[$0] == .null }) ?? true {
            return .rejected(
                Rejection(
                    code: .invalidInput, message: "field '\(name)' is required to open a \(workflowName) case",
                    trace: []))
        }
        var snapshot = CaseSnapshot(
            id: id, unit: program.unit, workflow: workflowName, definitionVersion: program.version,
            state: workflow.initialState, fields: Record(layout: workflow.caseType.layout, slots: slots), version: 0,
            openedAt: now, updatedAt: now, parent: parent)
        snapshot.fields = withBuiltins(snapshot)
        // A case is placed at a node of the org tree, or at the root; a name that is no node is
        // refused here rather than leaving a case no scoped role may ever act on.
        let place = place(of: snapshot)
        if case .unknown(let problem) = place {
            return .rejected(
                Rejection(
                    code: .invalidInput, message: "a \(workflowName) case must be placed in the org tree: \(problem)",
                    trace: []))
        }
        // The opener's role must reach where the case is placed, as for every step: another
        // plant's office may not open an inspection of this plant.
        if !actor.isEngine {
            let roles = openers.intersection(actor.roles).sorted()
            let refusals = roles.compactMap { scopeRefusal(actor, role: $0, at: place) }
            if !roles.isEmpty, refusals.count == roles.count {
                return .rejected(
                    Rejection(
                        code: .notPermitted,
                        message: "'\(actor.id)' may not open a \(workflowName) case here; "
                            + refusals.joined(separator: "; "), trace: []))
            }
        }
        var incidents: [Incident] = []
        let timers = startTimers(
            workflow, state: workflow.initialState, snapshot: snapshot, actor: actor, now: now, incidents: &incidents)
        let history = HistoryEntry(
            at: now, actor: actor.id, event: "open", transition: nil, from: nil, to: workflow.initialState,
            changes: changes(from: nil, to: snapshot.fields, workflow: workflow))
        return .advanced(
            Step(
                next: snapshot, history: history, startTimers: timers, cancelTimers: false, effects: [],
                incidents: incidents, snapshot: true))
    }

    /// Applies an event to an open case.
    public func step(_ current: CaseSnapshot, _ event: Event, now: Instant) -> Outcome {
        guard let workflow = program.workflow(current.workflow) else {
            return .incident(
                Incident(
                    code: "unknown-workflow", message: "the program has no workflow '\(current.workflow)'",
                    transition: nil))
        }
        if workflow.states[current.state]?.final == true {
            return .rejected(
                Rejection(
                    code: .caseFinished, message: "case \(current.id) is finished (state '\(current.state)')", trace: []
                ))
        }
        let candidates = workflow.transitions(from: current.state, on: event.name)
        guard !candidates.isEmpty else {
            let events = workflow.events(in: current.state)
            return .rejected(
                Rejection(
                    code: .unknownEvent,
                    message: "no transition handles '\(event.name)' in state '\(current.state)'"
                        + (events.isEmpty ? "" : "; events here: " + events.joined(separator: ", ")), trace: []))
        }
        let actor = event.actor
        let place = place(of: current)
        var scopeRefusals: [String] = []
        let permitted = candidates.filter {
            switch permission(actor, fire: $0, on: current, event: event, at: place) {
            case .granted: return true
            case .refused(let why):
                scopeRefusals += why
                return false
            }
        }
        guard !permitted.isEmpty else {
            let roles = Set(candidates.flatMap(\.roles)).subtracting([Unit.Role.system]).sorted()
            let engineOnly = roles.isEmpty && candidates.allSatisfy { $0.personSlot == nil }
            // A holder out of scope is told where they hold the role and where the case is.
            let scoped = Array(Set(scopeRefusals)).sorted()
            return .rejected(
                Rejection(
                    code: .notPermitted,
                    message: "'\(actor.id)' may not fire '\(event.name)' in state '\(current.state)'"
                        + (!scoped.isEmpty
                            ? "; " + scoped.joined(separator: "; ")
                            : engineOnly
                                ? "; only the engine takes it (role: system: a timer or a signal)"
                                : roles.isEmpty ? "" : "; it takes one of the roles " + roles.joined(separator: ", ")),
                    trace: []))
        }
        var input: [String: Value] = [:]
        if case .act(_, let given, _) = event { input = given }
        var lastRefusal: Rejection?
        for transition in permitted {
            switch attempt(transition, workflow: workflow, current: current, event: event, input: input, now: now) {
            case .rejected(let rejection) where rejection.code == .guardFalse:
                lastRefusal = rejection
                continue
            case let outcome:
                return outcome
            }
        }
        return .rejected(lastRefusal!)
    }

    /// Whether `actor` may fire `transition`: by role, as the person in its `person` field, or as
    /// the engine for timers and signals. The role `system` is the engine's timers and signals
    /// alone: an event fired by anyone (the engine's own actor too) never takes it. A role with a
    /// `scope` counts only where the case's place lies at or below the node its holder holds it at.
    /// `place`, when given, is `place(of: current)` computed once by a caller that asks about
    /// many actors or transitions on the same case.
    func may(
        _ actor: Actor, fire transition: CompiledTransition, on current: CaseSnapshot, event: Event,
        at place: CasePlace? = nil
    ) -> Bool {
        if case .granted = permission(
            actor, fire: transition, on: current, event: event, at: place ?? self.place(of: current))
        {
            return true
        }
        return false
    }

    /// Whether `actor` may fire `transition`, and if not by scope alone, why.
    enum Permission {
        case granted
        /// Refused; the reasons a role the actor holds does not reach the case (empty when they
        /// hold none of the transition's roles).
        case refused([String])
    }

    func permission(
        _ actor: Actor, fire transition: CompiledTransition, on current: CaseSnapshot, event: Event, at place: CasePlace
    ) -> Permission {
        switch event {
        case .timer, .signal: return .granted
        default: break
        }
        var outOfScope: [String] = []
        for role in transition.roles.sorted() where role != Unit.Role.system && actor.roles.contains(role) {
            guard let why = scopeRefusal(actor, role: role, at: place) else { return .granted }
            outOfScope.append(why)
        }
        if let slot = transition.personSlot, case .record(let person) = current.fields.slots[slot],
            person["id"] == .string(actor.id)
        {
            return .granted
        }
        // The anonymous reporter (by a receipt) takes what the opener's person takes, while the
        // opener field is empty: the report was opened anonymously.
        if actor.isAnonymousOpener, let slot = transition.personSlot, current.fields.slots[slot] == .null,
            let opener = program.workflow(current.workflow)?.openerField,
            program.workflow(current.workflow)?.caseType.layout.slot(of: opener) == slot
        {
            return .granted
        }
        return .refused(outOfScope)
    }

    private func attempt(
        _ transition: CompiledTransition, workflow: CompiledWorkflow, current: CaseSnapshot, event: Event,
        input: [String: Value], now: Instant
    ) -> Outcome {
        // Inputs: declared by the transition, present, and of the field's type.
        // The first unknown input in name order, so the same input always gives the same refusal.
        if let name = input.keys.filter({ key in !transition.inputFields.contains { $0.name == key } }).min() {
            return .rejected(
                Rejection(
                    code: .invalidInput,
                    message: "'\(name)' is not an input of '\(transition.name)'"
                        + (transition.inputs.isEmpty
                            ? "; it takes none" : "; it takes " + transition.inputs.joined(separator: ", ")),
                    trace: []))
        }
        var slots = current.fields.slots
        for (name, slot, type, optional) in transition.inputFields {
            guard let value = input[name], value != .null else {
                // An optional field may be left out; a required one may not.
                if optional { continue }
                return .rejected(
                    Rejection(code: .invalidInput, message: "'\(transition.name)' needs the input '\(name)'", trace: [])
                )
            }
            if let type, let problem = Conformance.problem(value, type.unwrapped) {
                return .rejected(Rejection(code: .invalidInput, message: "input '\(name)': \(problem)", trace: []))
            }
            if let slot { slots[slot] = value }
        }
        let actorValue = actorRecord(event.actor, workflow: workflow)
        // Rule sets decide before the guard, so it can test what they decided.
        for decision in transition.decisions {
            let frame = self.frame(
                [.record(Record(layout: current.fields.layout, slots: slots)), actorValue], now: now)
            var values: [String: Value] = [:]
            do {
                for (name, code) in decision.inputs { values[name] = try code.evaluate(frame) }
            } catch {
                return .incident(
                    incident(
                        error, transition: transition.name, text: nil, what: "an input of rule set '\(decision.rules)'")
                )
            }
            guard let rules = program.rules[decision.rules] else {
                return .incident(
                    Incident(
                        code: "unknown-rules", message: "no rule set '\(decision.rules)'", transition: transition.name))
            }
            switch rules.evaluate(values, now: now, calendar: program.calendar) {
            case .success(let outputs):
                for (slot, output) in decision.assign { slots[slot] = outputs[output] ?? .null }
            case .failure(var failure):
                failure.transition = transition.name
                return .incident(failure)
            }
        }
        var draft = Record(layout: current.fields.layout, slots: slots)
        if let guardCode = transition.guardCode {
            let frame = self.frame([.record(draft), actorValue], now: now)
            do {
                guard case .bool(true) = try guardCode.code.evaluate(frame) else {
                    return .rejected(
                        Rejection(
                            code: .guardFalse,
                            message: "the guard of '\(transition.name)' does not hold: \(guardCode.text)",
                            trace: explain(guardCode, draft: draft, actor: actorValue, now: now)))
                }
            } catch {
                return .incident(incident(error, transition: transition.name, text: guardCode.text, what: "guard"))
            }
        }
        for assignment in transition.assignments {
            let frame = self.frame([.record(draft), actorValue], now: now)
            do {
                slots[assignment.slot] = try assignment.code.evaluate(frame)
            } catch {
                return .incident(
                    incident(
                        error, transition: transition.name, text: assignment.text,
                        what: "'set' of '\(assignment.field)'"))
            }
        }
        draft = Record(layout: current.fields.layout, slots: slots)
        var effects: [EffectRequest] = []
        for effect in transition.effects {
            let frame = self.frame([.record(draft), actorValue], now: now)
            do {
                if let request = try perform(effect, frame) { effects.append(request) }
            } catch {
                return .incident(incident(error, transition: transition.name, text: nil, what: "an effect"))
            }
        }
        var next = current
        next.state = transition.to
        next.version = current.version + 1
        next.updatedAt = now
        next.fields = draft
        next.fields = withBuiltins(next)
        var incidents: [Incident] = []
        let timers = startTimers(
            workflow, state: transition.to, snapshot: next, actor: event.actor, now: now, incidents: &incidents)
        let changed = changes(from: current.fields, to: next.fields, workflow: workflow)
        // A value that does not fit its field would make the stored case unreadable: the step
        // stops before anything is written.
        for change in changed where change.new != .null {
            if let type = workflow.fieldTypes[change.field],
                let problem = Conformance.problem(change.new, type.unwrapped)
            {
                return .incident(
                    Incident(
                        code: "unfit-value",
                        message: "the step would store in '\(change.field)' a value that does not fit it: \(problem)",
                        transition: transition.name))
            }
        }
        let history = HistoryEntry(
            at: now, actor: event.actor.id, event: event.name, transition: transition.name, from: current.state,
            to: transition.to, changes: changed)
        return .advanced(
            Step(
                next: next, history: history, startTimers: timers,
                // A case's timers are those its current state started, so a state without timers
                // leaves none to cancel (and the store is spared the delete).
                cancelTimers: workflow.states[current.state]?.timers.isEmpty != true, effects: effects,
                incidents: incidents, snapshot: workflow.states[transition.to]?.final == true))
    }

    func perform(_ effect: CompiledEffect, _ frame: Frame) throws(EvaluationError) -> EffectRequest? {
        if let when = effect.when, try when.evaluate(frame) != .bool(true) { return nil }
        switch effect.action {
        case .open(let workflow, let fields):
            var values: [String: Value] = [:]
            for (name, code) in fields { values[name] = try code.evaluate(frame) }
            return .open(workflow: workflow, fields: values)
        case .notify(let role, let message):
            return .notify(role: role, message: message)
        case .signal(let target, let event):
            guard case .string(let id) = try target.evaluate(frame) else { return nil }
            return .signal(caseID: id, event: event)
        case .record(let ledger, let value):
            return .record(ledger: ledger, value: try value.evaluate(frame))
        case .commend(let list):
            return .commend(list: list)
        case .appoint(let role, let person, let at, let shift):
            var place: String?
            if let at, case .string(let name) = try at.evaluate(frame) { place = name }
            var shiftName: String?
            if let shift, case .string(let name) = try shift.evaluate(frame) { shiftName = name }
            return .appoint(role: role, person: try person.evaluate(frame), at: place, shift: shiftName)
        case .endAppointment(let role, let person, let at, let reason):
            var place: String?
            if let at, case .string(let name) = try at.evaluate(frame) { place = name }
            let why: String
            switch reason {
            case .named(let name): why = name
            case .expression(let code):
                let value = try code.evaluate(frame)
                guard case .string(let name) = value, Effect.EndReason.names.contains(name) else {
                    throw EvaluationError(
                        "end-reason",
                        "an appointment ends for " + Effect.EndReason.names.joined(separator: ", ")
                            + ", not \(value)", at: TextRange(offset: 0, length: 0))
                }
                why = name
            }
            return .endAppointment(role: role, person: try person.evaluate(frame), at: place, reason: why)
        }
    }

    /// The timers of `state` for a case that entered it at `since` (as a migration recomputes
    /// them); a timer whose time cannot be computed is an incident.
    func timers(
        of workflow: CompiledWorkflow, entering state: String, snapshot: CaseSnapshot, since: Instant,
        incidents: inout [Incident]
    ) -> [TimerRequest] {
        startTimers(workflow, state: state, snapshot: snapshot, actor: .system, now: since, incidents: &incidents)
    }

    /// Timers of `state`, due from `now`; a timer whose time cannot be computed is an incident.
    private func startTimers(
        _ workflow: CompiledWorkflow, state: String, snapshot: CaseSnapshot, actor: Actor, now: Instant,
        incidents: inout [Incident]
    ) -> [TimerRequest] {
        guard let compiled = workflow.states[state] else { return [] }
        var timers: [TimerRequest] = []
        for timer in compiled.timers {
            if let span = timer.after {
                do throws(CalendarError) {
                    let due = try program.calendar.adding(span, to: now)
                    timers.append(TimerRequest(name: timer.name, event: timer.event, due: due))
                } catch {
                    incidents.append(
                        Incident(
                            code: "timer-time-\(error.code)",
                            message:
                                "timer '\(timer.name ?? timer.event)' of state '\(state)' has no time: \(error); it does not start",
                            transition: nil))
                }
            } else if let at = timer.at {
                let frame = self.frame([.record(snapshot.fields), actorRecord(actor, workflow: workflow)], now: now)
                do {
                    switch try at.evaluate(frame) {
                    case .datetime(let due): timers.append(TimerRequest(name: timer.name, event: timer.event, due: due))
                    case .date(let day):
                        let midnight = program.calendar.zone.instant(on: day)
                        timers.append(TimerRequest(name: timer.name, event: timer.event, due: midnight))
                    default:
                        incidents.append(
                            Incident(
                                code: "timer-time-null",
                                message:
                                    "timer '\(timer.name ?? timer.event)' of state '\(state)' has no time; it does not start",
                                transition: nil))
                    }
                } catch {
                    incidents.append(
                        incident(
                            error, transition: nil, text: nil, what: "the time of timer '\(timer.name ?? timer.event)'")
                    )
                }
            }
        }
        return timers
    }

    /// The case record with its built-in fields brought up to date.
    func withBuiltins(_ snapshot: CaseSnapshot) -> Record {
        var slots = snapshot.fields.slots
        let layout = snapshot.fields.layout
        // The workflow's precomputed slots, when the record has its layout (it always should).
        let known = program.workflow(snapshot.workflow).flatMap {
            $0.caseType.layout == layout ? $0.builtinSlots : nil
        }
        // In `UnitTypes.builtinCaseFields` order.
        let values: [Value] = [
            .string(snapshot.id), .string(snapshot.state), .datetime(snapshot.openedAt),
            .datetime(snapshot.updatedAt), .string(snapshot.unit), .string(snapshot.workflow),
            snapshot.parent.map(Value.string) ?? .null,
        ]
        for (index, value) in values.enumerated() {
            let slot = known.map { $0[index] } ?? layout.slot(of: UnitTypes.builtinCaseFields[index])
            if let slot { slots[slot] = value }
        }
        return Record(layout: layout, slots: slots)
    }

    /// The `actor` root: the actor's person record, or one with only id and roles for the engine.
    private func actorRecord(_ actor: Actor, workflow: CompiledWorkflow) -> Value {
        if let person = actor.person { return .record(person) }
        let layout = workflow.personType.layout
        var slots = [Value](repeating: .null, count: layout.names.count)
        if let slot = workflow.actorSlots.id { slots[slot] = .string(actor.id) }
        if let slot = workflow.actorSlots.name { slots[slot] = .string(actor.id) }
        if let slot = workflow.actorSlots.roles { slots[slot] = .list(actor.roles.sorted().map(Value.string)) }
        return .record(Record(layout: layout, slots: slots))
    }

    private func explain(_ guardCode: CompiledGuard, draft: Record, actor: Value, now: Instant) -> [(
        text: String, value: Value
    )] {
        // With the unit's calendar, so the explanation computes what the guard computed.
        let frame = self.frame([.record(draft), actor], now: now, tracing: true)
        _ = try? guardCode.traced.evaluate(frame)
        let scalars = Array(guardCode.text.unicodeScalars)
        return (frame.trace ?? []).map { range, value in (TextRange.excerpt(of: scalars, range), value) }
    }

    private func incident(_ error: EvaluationError, transition: String?, text: String?, what: String) -> Incident {
        Incident(
            code: error.code, message: "\(what) failed: \(error.message)", transition: transition, expression: text,
            range: error.range)
    }

    private func changes(from old: Record?, to new: Record, workflow: CompiledWorkflow) -> [FieldChange] {
        var result: [FieldChange] = []
        // A record laid out otherwise than the workflow's cases (it should not be) is read by name.
        let slots =
            new.layout == workflow.caseType.layout
            ? workflow.declaredSlots
            : workflow.declaredSlots.compactMap { name, _ in new.layout.slot(of: name).map { (name, $0) } }
        for (name, slot) in slots {
            let before = old?.slots[slot] ?? .null
            let after = new.slots[slot]
            if before != after { result.append(FieldChange(field: name, old: before, new: after)) }
        }
        return result
    }
}
