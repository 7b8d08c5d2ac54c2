import GridflowDefinitions
import GridflowExpressions

/// One open task of a person's inbox: a case in a state whose `task:` is theirs. It names the
/// case, the task and its dates, and nothing else of the case: no field's value, so an inbox
/// shows no one anything their roles may not see.
public struct TaskItem: Sendable, Hashable {
    /// Who a task is for.
    public enum Assignee: Sendable, Hashable {
        /// The holders of the role (where their scope reaches the case).
        case role(String)
        /// The person in this `person` field of the case.
        case person(field: String)
    }

    public var caseID: String
    public var workflow: String
    public var state: String
    /// The task's `title` (else the state's title, else its name).
    public var title: String
    public var assignee: Assignee
    /// When the case entered the state: the step of its history that last took it there.
    public var since: Instant
    /// `since` plus the task's `due`, counted with the unit's calendar (`5wd`: five working
    /// days); `nil` when the task has no `due`.
    public var due: Instant?
    /// Whether `due` is before the time the inbox was read.
    public var overdue: Bool

    public init(
        caseID: String, workflow: String, state: String, title: String, assignee: Assignee, since: Instant,
        due: Instant?, overdue: Bool
    ) {
        self.caseID = caseID
        self.workflow = workflow
        self.state = state
        self.title = title
        self.assignee = assignee
        self.since = since
        self.due = due
        self.overdue = overdue
    }

    /// The item as a JSON object, times in `time` (the unit's zone): `case_id`, `workflow`,
    /// `state`, `title`, `role` or `person` (the field), `since`, `due` (or null), `overdue`.
    public func json(time: Zone) -> String {
        var object: [String: Value] = [
            "case_id": .string(caseID), "workflow": .string(workflow), "state": .string(state),
            "title": .string(title), "since": .datetime(since), "due": due.map(Value.datetime) ?? .null,
            "overdue": .bool(overdue),
        ]
        switch assignee {
        case .role(let role): object["role"] = .string(role)
        case .person(let field): object["person"] = .string(field)
        }
        return ValueJSON.encode(object, time: time)
    }

    /// The inbox's order: overdue first, then by due date (a task without one last), then by
    /// case id (its number compared as a number: `…-2` before `…-10`).
    public static func precedes(_ a: TaskItem, _ b: TaskItem) -> Bool {
        if a.overdue != b.overdue { return a.overdue }
        switch (a.due, b.due) {
        case (let x?, let y?) where x != y: return x < y
        case (.some, nil): return true
        case (nil, .some): return false
        default: return caseIDPrecedes(a.caseID, b.caseID)
        }
    }

    /// Case ids in their natural order: `UNIT-WORKFLOW-N` by prefix, then by the number `N`.
    static func caseIDPrecedes(_ a: String, _ b: String) -> Bool {
        func split(_ id: String) -> (String, Int?) {
            guard let dash = id.lastIndex(of: "-"), let number = Int(id[id.index(after: dash)...]) else {
                return (id, nil)
            }
            return (String(id[..<dash]), number)
        }
        let (pa, na) = split(a)
        let (pb, nb) = split(b)
        if pa != pb || na == nil || nb == nil { return a < b }
        return na! < nb!
    }
}

extension Engine {
    /// The open tasks `actor` has in this engine's unit at `now`, overdue first, then by due
    /// date, then by case id: for every open case, the `task:` of the state it is in (as the
    /// deployment the case runs on defines it) when the task is the actor's — a `role:` task
    /// when they hold the role and its scope reaches the case's place (as for firing a
    /// transition there), a `person:` task when the field names them.
    public func tasks(for actor: Actor, now: Instant) throws(EngineError) -> [TaskItem] {
        let unit = program.unit
        let found: (versions: [String], places: [(workflow: String, state: String)])
        do { found = try store.casePlaces(unit: unit) } catch { throw Self.storeFailure(error) }
        // Only the workflows and states where a deployment cases run on has a task that may be
        // the actor's are read (each case is then taken as its own deployment defines its state).
        var engines: [Engine] = []
        for version in found.versions { engines.append(try on(version: version)) }
        var places: [[String]] = []
        for (workflow, name) in found.places {
            let tasked = engines.contains { engine in
                guard let state = engine.program.workflow(workflow)?.states[name], !state.final,
                    let task = state.task
                else { return false }
                return Self.mayBe(task, for: actor)
            }
            if tasked { places.append([workflow, name]) }
        }
        var items: [TaskItem] = []
        for place in places.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            var cursor: Int64?
            repeat {
                let page: (cases: [StoredCase], next: Int64?)
                do {
                    page = try store.cases(unit: unit, workflow: place[0], state: place[1], before: cursor, limit: 500)
                } catch { throw Self.storeFailure(error) }
                for stored in page.cases {
                    if let item = try task(of: stored, for: actor, now: now) { items.append(item) }
                }
                cursor = page.next
            } while cursor != nil
        }
        return items.sorted(by: TaskItem.precedes)
    }

    /// Whether a task may be the actor's, before reading any case: a `role:` task only when they
    /// hold the role (their scope is checked case by case), a `person:` task always.
    static func mayBe(_ task: CompiledTask, for actor: Actor) -> Bool {
        guard let role = task.role else { return true }
        return role != Unit.Role.system && actor.roles.contains(role)
    }

    /// The task of the state `stored` is in, if it is `actor`'s. Only what the check needs is
    /// decoded: nothing for a role without a scope, the fields the workflow's `place` reads for
    /// a scoped one, the person field for a `person:` task.
    private func task(of stored: StoredCase, for actor: Actor, now: Instant) throws(EngineError) -> TaskItem? {
        let engine = try on(version: stored.definitionVersion)
        guard let workflow = engine.program.workflow(stored.workflow), let state = workflow.states[stored.state],
            !state.final, let task = state.task, Self.mayBe(task, for: actor)
        else { return nil }
        let assignee: TaskItem.Assignee
        if let role = task.role {
            let interpreter = Interpreter(program: engine.program)
            guard role != Unit.Role.system, actor.roles.contains(role) else { return nil }
            // The case's place matters only when the role has a scope and the actor scopes.
            if engine.program.org.roleScopes[role] != nil, actor.scopes != nil {
                let place =
                    if let expression = workflow.place {
                        interpreter.place(of: try engine.snapshot(stored, reading: expression.reads))
                    } else {
                        CasePlace.at(engine.program.org.root)
                    }
                guard interpreter.scopeRefusal(actor, role: role, at: place) == nil else { return nil }
            }
            assignee = .role(role)
        } else if let field = task.personField, let slot = task.personSlot {
            var reads = RootReads()
            reads.members = [field]
            let snapshot = try engine.snapshot(stored, reading: reads)
            guard case .record(let person) = snapshot.fields.slots[slot], person["id"] == .string(actor.id) else {
                return nil
            }
            assignee = .person(field: field)
        } else {
            return nil
        }
        // When the case entered its state: every step's history entry goes into the state the
        // step leaves the case in, at the time the step gives the case (`Interpreter`,
        // `Migration`), so the latest step into the state (one back into the same state starts
        // the task again, as it starts the state's timers again) is the case's last step, at
        // its `updatedAt`, and nothing more is read for it.
        let since = stored.updatedAt
        var due: Instant?
        if let span = task.due {
            do throws(CalendarError) { due = try engine.program.calendar.adding(span, to: since) } catch {
                throw EngineError(error, "the due date of the task of case \(stored.id) (due: \(task.dueText ?? ""))")
            }
        }
        return TaskItem(
            caseID: stored.id, workflow: stored.workflow, state: stored.state, title: task.title, assignee: assignee,
            since: since, due: due, overdue: due.map { $0 < now } ?? false)
    }
}
