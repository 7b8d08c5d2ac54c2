import GridflowExpressions

/// How open cases move from one deployment of a unit to another: which state each old state
/// becomes, which fields get a value computed from the old case, which are given up.
public struct MigrationRules: Sendable {
    /// `state` or `workflow.state` → the state in the target deployment.
    public var states: [String: String] = [:]
    /// `field` or `workflow.field` → an expression over the old case (`case.…`) giving its value.
    public var sets: [String: String] = [:]
    /// `field` or `workflow.field`: fields of the old deployment whose values are given up.
    public var drops: Set<String> = []

    public init(states: [String: String] = [:], sets: [String: String] = [:], drops: Set<String> = []) {
        self.states = states
        self.sets = sets
        self.drops = drops
    }

    func state(_ state: String, in workflow: String) -> String? {
        states[workflow + "." + state] ?? states[state]
    }

    func set(_ field: String, in workflow: String) -> String? {
        sets[workflow + "." + field] ?? sets[field]
    }

    func drops(_ field: String, in workflow: String) -> Bool {
        drops.contains(workflow + "." + field) || drops.contains(field)
    }
}

/// One case's move, checked: the step that moves it, or why it cannot move.
public struct CaseMove: Sendable {
    public var caseID: String
    public var workflow: String
    public var fromVersion: String
    public var fromState: String
    /// The state it moves to (when it has one).
    public var toState: String?
    /// The step that moves it, when it can.
    public var step: Step?
    /// Why it cannot move; empty when it can.
    public var problems: [String]
}

extension Engine {
    /// Checks moving `cases` (each on another deployment of this engine's unit) to this engine's
    /// definitions under `rules`, as `who` at `now`; writes nothing. Each case's state must exist
    /// here or be mapped, its fields must have this deployment's types (a field this deployment
    /// does not declare may only be dropped, a field it requires from the opening on must have a
    /// value), and its timers are those of its new state, counted from when it entered its state.
    /// With `viewer`, a `set` expression may read only fields that person may see of each case
    /// (what a problem says never shows a value either).
    public func planMigration(
        _ cases: [StoredCase], rules: MigrationRules, by who: String, now: Instant, viewer: Actor? = nil
    ) throws(EngineError) -> [CaseMove] {
        var moves: [CaseMove] = []
        for stored in cases {
            moves.append(try planMove(stored, rules: rules, by: who, now: now, viewer: viewer))
        }
        return moves
    }

    /// The unit's open cases (not in a final state of the deployment they run on) that run on
    /// another deployment than this engine's: on one of `sources`, or on any when it is empty;
    /// oldest first.
    public func casesToMigrate(from sources: Set<String>) throws(EngineError) -> [StoredCase] {
        let all: [StoredCase]
        do { all = try store.list(unit: program.unit, workflow: nil, state: nil) } catch {
            throw Self.storeFailure(error)
        }
        var finals: [String: [String: Set<String>]] = [:]
        var moving: [StoredCase] = []
        for stored in all.reversed()
        where stored.definitionVersion != program.version
            && (sources.isEmpty || sources.contains(stored.definitionVersion))
        {
            if finals[stored.definitionVersion] == nil {
                finals[stored.definitionVersion] = try on(version: stored.definitionVersion).program.finalStates
            }
            if !(finals[stored.definitionVersion]?[stored.workflow]?.contains(stored.state) ?? false) {
                moving.append(stored)
            }
        }
        return moving
    }

    /// Moves the cases of `moves` in one transaction: all of them, or (when one cannot move, or
    /// the store fails, or a case changed meanwhile) none.
    public func migrate(_ moves: [CaseMove]) throws(EngineError) {
        let refused = moves.filter { !$0.problems.isEmpty || $0.step == nil }
        guard refused.isEmpty else {
            throw EngineError(
                .rejected, "\(refused.count) of \(moves.count) cases cannot move; nothing was migrated")
        }
        do { try store.migrate(moves.compactMap(\.step)) } catch { throw Self.storeFailure(error) }
        for move in moves { cache[move.caseID] = nil }
    }

    private func planMove(
        _ stored: StoredCase, rules: MigrationRules, by who: String, now: Instant, viewer: Actor?
    ) throws(EngineError) -> CaseMove {
        var move = CaseMove(
            caseID: stored.id, workflow: stored.workflow, fromVersion: stored.definitionVersion,
            fromState: stored.state, toState: nil, step: nil, problems: [])
        let source = try on(version: stored.definitionVersion)
        let old = try source.snapshot(stored)
        guard let oldWorkflow = source.program.workflow(stored.workflow) else {
            move.problems.append("its workflow '\(stored.workflow)' is not in its own deployment")
            return move
        }
        guard let workflow = program.workflow(stored.workflow) else {
            move.problems.append("workflow '\(stored.workflow)' is not in the target deployment")
            return move
        }
        // The state.
        let mapped = rules.state(stored.state, in: stored.workflow)
        let state = mapped ?? stored.state
        if workflow.states[state] == nil {
            move.problems.append(
                mapped == nil
                    ? "state '\(stored.state)' is not in the target's workflow \(stored.workflow); map it with --map-state \(stored.state)=STATE (states: \(workflow.states.keys.sorted().joined(separator: ", ")))"
                    : "state '\(stored.state)' is mapped to '\(state)', which is not in the target's workflow \(stored.workflow)"
            )
        } else if workflow.states[state]?.final == true {
            move.problems.append("state '\(state)' is final in the target: the case would end without a step")
        }
        move.toState = state

        // The fields: as stored, then computed (--set), then given up (--drop); typed by the target.
        let json: JSON
        do { json = try stored.currentFields() } catch {
            move.problems.append("its stored fields are not valid JSON (\(error))")
            return move
        }
        var object: [String: JSON] = [:]
        if case .object(let entries) = json { for (name, value) in entries.entries { object[name] = value } }
        for name in oldWorkflow.fieldTypes.keys.sorted() where workflow.fieldTypes[name] == nil {
            let value = object[name] ?? .null
            object[name] = nil
            if value != .null, !rules.drops(name, in: stored.workflow) {
                move.problems.append(
                    "field '\(name)' has a value but is not in the target; give it up with --drop \(name)")
            }
        }
        let frame = Frame(
            roots: [.record(source.interpreter.withBuiltins(old))], now: now, calendar: source.program.calendar)
        // The fields hidden from the viewer: which they are needs no store read (who opened the
        // case, which the view also hides, only matters to texts).
        let hiddenFromViewer = viewer.map {
            CaseView(old, of: oldWorkflow, for: .person($0), program: source.program, now: now).hidden.map(\.name)
        }
        for name in workflow.fieldTypes.keys.sorted() {
            if rules.drops(name, in: stored.workflow), oldWorkflow.fieldTypes[name] != nil {
                object[name] = .null
            }
            guard let text = rules.set(name, in: stored.workflow) else { continue }
            // A viewer's expression reads nothing hidden from them: its outcome would show it.
            if let viewer, let hidden = hiddenFromViewer,
                let read = Compiler.reads(of: text, root: "case"), let field = hidden.first(where: read.reads)
            {
                move.problems.append("--set \(name): it reads field '\(field)', which is hidden from \(viewer.id)")
                continue
            }
            do {
                let environment = source.program.types.environment([("case", .record(oldWorkflow.storedType))])
                let code = try Compiler.compile(text, in: environment, expecting: nil)
                let value = try code.evaluate(frame)
                object[name] = try JSONReader.read(ValueJSON.encode(value).utf8)
            } catch let error as ExpressionProblem {
                move.problems.append("--set \(name)=\(text): \(error.message)")
            } catch let error as EvaluationError {
                move.problems.append("--set \(name)=\(text): \(error.message)")
            } catch {
                move.problems.append("--set \(name)=\(text): \(error)")
            }
        }
        var fields: [String: Value] = [:]
        for name in workflow.fieldTypes.keys.sorted() {
            guard let type = workflow.fieldTypes[name] else { continue }
            // The problem names the field and the type, never the value (it may be a restricted one).
            do { fields[name] = try DataBinding.value(object[name] ?? .null, as: type.optional, path: name) } catch {
                move.problems.append("field '\(name)': its value is not of the target's type \(type)")
            }
        }
        for name in workflow.requiredAtOpen where (fields[name] ?? .null) == .null {
            move.problems.append(
                "field '\(name)' is required in the target and has no value; give it with --set \(name)=EXPR")
        }
        guard move.problems.isEmpty else { return move }

        let record: Value
        do {
            record = try DataBinding.value(
                .object(JSONObject(object.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })),
                as: .record(workflow.storedType), path: "case")
        } catch {
            move.problems.append("its fields do not fit the target's types")
            return move
        }
        guard case .record(let decoded) = record else { return move }
        var next = old
        next.definitionVersion = program.version
        next.state = state
        next.fields = Record(layout: workflow.caseType.layout, slots: decoded.slots)
        next.version = old.version + 1
        next.updatedAt = now

        // Timers of the new state, counted from when the case entered its state.
        let history = try storeCall { () throws(StoreError) in try store.history(stored.id) }
        let entered = history.last(where: { $0.to == stored.state })?.at ?? stored.updatedAt
        var incidents: [Incident] = []
        let timers = interpreter.timers(
            of: workflow, entering: state, snapshot: next, since: entered, incidents: &incidents)
        move.problems += incidents.map(\.message)
        guard move.problems.isEmpty else { return move }

        var changes: [FieldChange] = []
        for name in Set(oldWorkflow.fieldTypes.keys).union(workflow.fieldTypes.keys).sorted() {
            let before = oldWorkflow.fieldTypes[name] == nil ? Value.null : (old.fields[name] ?? .null)
            let after = workflow.fieldTypes[name] == nil ? Value.null : (next.fields[name] ?? .null)
            if before != after { changes.append(FieldChange(field: name, old: before, new: after)) }
        }
        move.step = Step(
            next: next,
            history: HistoryEntry(
                at: now, actor: who, event: "migrate", transition: nil, from: stored.state, to: state, changes: changes),
            startTimers: timers, cancelTimers: true, effects: [], incidents: [], snapshot: true)
        return move
    }
}
