import GridflowExpressions
import Synchronization

/// Runs a unit's cases: loads a case from the store, asks the interpreter for the step, and
/// commits it in one transaction. Rejections leave the store unchanged; incidents are recorded.
public struct Engine: Sendable {
    /// The definitions new cases open on (the unit's active deployment).
    public let program: Program
    public let store: any CaseStore
    /// Where the definitions of a case on another deployment are found; without one, every case
    /// must run on `program`.
    public let catalog: (any ProgramCatalog)?
    /// Cases as this engine last committed or read them. A step computed from a cached case is
    /// committed against the cached version, so a case changed meanwhile (by another process)
    /// conflicts, and the step is computed again from the stored case; a refusal computed from a
    /// cached case is checked the same way before it is reported.
    let cache: SnapshotCache

    public init(program: Program, store: any CaseStore, catalog: (any ProgramCatalog)? = nil) {
        self.init(program: program, store: store, catalog: catalog, cache: SnapshotCache())
    }

    private init(program: Program, store: any CaseStore, catalog: (any ProgramCatalog)?, cache: SnapshotCache) {
        self.program = program
        self.store = store
        self.catalog = catalog
        self.cache = cache
    }

    /// The engine for cases on definitions `version`: this one when they are its own, else one
    /// on that deployment's definitions, sharing the store, the catalog and the cache.
    public func on(version: String) throws(EngineError) -> Engine {
        guard version != program.version else { return self }
        guard let catalog else {
            throw EngineError(
                .version,
                "cases on definitions version \(version) cannot run here: only version \(program.version) of \(program.unit) is loaded"
            )
        }
        guard let other = try catalog.program(unit: program.unit, version: version) else {
            throw EngineError(
                .version,
                "no deployment of \(program.unit) has version \(version) ('gridflow deployments \(program.unit)' lists them)"
            )
        }
        return Engine(program: other, store: store, catalog: catalog, cache: cache)
    }

    /// The engine for `snapshot`: the one on the definitions the case runs on.
    public func on(_ snapshot: CaseSnapshot) throws(EngineError) -> Engine {
        try on(version: snapshot.definitionVersion)
    }

    /// The definitions `snapshot` runs on, when they can be had.
    func program(of snapshot: CaseSnapshot) -> Program? {
        snapshot.definitionVersion == program.version ? program : (try? on(snapshot))?.program
    }

    var interpreter: Interpreter { Interpreter(program: program) }

    /// Opens a case and returns it.
    public func open(_ workflow: String, input: [String: Value], by actor: Actor, now: Instant) throws(EngineError)
        -> CaseSnapshot
    {
        let step = try opening(workflow, input: input, by: actor, now: now)
        try wrap { () throws(StoreError) in try store.commit(step, expectedVersion: nil) }
        cache[step.next.id] = step.next
        return step.next
    }

    /// Opens a case and returns it; the task suspends while the step waits for its transaction.
    public func open(_ workflow: String, input: [String: Value], by actor: Actor, now: Instant)
        async throws(EngineError)
        -> CaseSnapshot
    {
        let step = try opening(workflow, input: input, by: actor, now: now)
        do { try await store.commitAsync(step, expectedVersion: nil) } catch { throw Self.storeFailure(error) }
        cache[step.next.id] = step.next
        return step.next
    }

    /// Throws the refusal (or incident) opening a case would meet, writing nothing: for a caller
    /// that must write something else first only when the opening will be accepted.
    public func checkOpening(_ workflow: String, input: [String: Value], by actor: Actor, now: Instant)
        throws(EngineError)
    {
        guard program.workflow(workflow) != nil else {
            throw EngineError(.notFound, "unit '\(program.unit)' has no workflow '\(workflow)'")
        }
        let input = actor.isEngine ? input : try boundPeople(input)
        switch interpreter.open(workflow, id: "\(program.unit)-\(workflow)-0", input: input, by: actor, now: now) {
        case .advanced: return
        case .rejected(let rejection): throw EngineError(rejection)
        case .incident(let incident):
            var error = EngineError(.incident, incident.message)
            error.incident = incident
            throw error
        }
    }

    /// The step that opens a case, with a new id.
    private func opening(_ workflow: String, input: [String: Value], by actor: Actor, now: Instant) throws(EngineError)
        -> Step
    {
        guard program.workflow(workflow) != nil else {
            throw EngineError(
                .notFound,
                "unit '\(program.unit)' has no workflow '\(workflow)'; workflows: "
                    + program.workflows.keys.sorted().joined(separator: ", "))
        }
        // People named in the input are the directory's (the engine's own openings name people
        // from stored cases).
        let input = actor.isEngine ? input : try boundPeople(input)
        let id = try wrap { () throws(StoreError) in try store.newCaseID(unit: program.unit, workflow: workflow) }
        switch interpreter.open(workflow, id: id, input: input, by: actor, now: now) {
        case .advanced(let step):
            return step
        case .rejected(let rejection):
            throw EngineError(rejection)
        case .incident(let incident):
            var error = EngineError(.incident, incident.message)
            error.incident = incident
            throw error
        }
    }

    /// Fires `event` on a case as `actor` and returns the case after the step.
    public func act(_ caseID: String, event: String, input: [String: Value], by actor: Actor, now: Instant)
        throws(EngineError) -> CaseSnapshot
    {
        let input = try boundPeople(input)
        return try apply(caseID, .act(event: event, input: input, by: actor), input: input, now: now)
    }

    /// Fires `event` on a case as `actor` and returns the case after the step; the task suspends
    /// while the step waits for its transaction. With `expectedVersion`, the step is taken only
    /// on that version of the case (a conflict names both versions otherwise).
    public func act(
        _ caseID: String, event: String, input: [String: Value], by actor: Actor, now: Instant,
        expectedVersion: Int? = nil
    )
        async throws(EngineError) -> CaseSnapshot
    {
        let input = try boundPeople(input)
        // A version the caller expects is checked against the stored case, never a cached copy.
        if expectedVersion != nil { cache[caseID] = nil }
        var attempt = try Attempt(self, caseID, .act(event: event, input: input, by: actor), now: now)
        if let expectedVersion, attempt.current.version != expectedVersion {
            throw EngineError(
                .conflict, "case \(caseID) is at version \(attempt.current.version), not \(expectedVersion)")
        }
        let expected = expectedVersion
        while true {
            switch try attempt.compute() {
            case .commit(let step):
                do { try await store.commitAsync(step, expectedVersion: attempt.current.version) } catch {
                    // Taken only on the version the caller named: a case changed meanwhile is
                    // their conflict, not one to compute again.
                    if let version = expected, error.code == .conflict {
                        throw EngineError(
                            .conflict, "case \(caseID) changed meanwhile: it is no longer at version \(version)")
                    }
                    try attempt.failed(error)
                    continue
                }
                return attempt.committed(step)
            case .record(let incident):
                do {
                    try await store.recordAsync(
                        incident, caseID: caseID, event: attempt.event.name, input: input, actor: actor, at: now)
                } catch { throw Self.storeFailure(error) }
                throw attempt.recorded(incident)
            }
        }
    }

    /// Delivers `event` to a case as a signal from case `from`, as the outbox delivers a
    /// `signal:` effect: the engine's path, which may take transitions whose role is `system`.
    public func signal(_ caseID: String, event: String, from: String, now: Instant) throws(EngineError)
        -> CaseSnapshot
    {
        try apply(caseID, .signal(event: event, from: from), input: [:], now: now)
    }

    func apply(_ caseID: String, _ event: Event, input: [String: Value], now: Instant) throws(EngineError)
        -> CaseSnapshot
    {
        var attempt = try Attempt(self, caseID, event, now: now)
        while true {
            switch try attempt.compute() {
            case .commit(let step):
                do { try store.commit(step, expectedVersion: attempt.current.version) } catch {
                    try attempt.failed(error)
                    continue
                }
                return attempt.committed(step)
            case .record(let incident):
                try wrap { () throws(StoreError) in
                    try store.record(
                        incident, caseID: caseID, event: event.name, input: input, actor: event.actor, at: now)
                }
                throw attempt.recorded(incident)
            }
        }
    }

    /// One event applied to one case, as a state machine that does no writing itself, so the
    /// blocking and the async paths share it: `compute` says what to write, `failed` takes a
    /// commit's failure (a conflict with a cached copy computes again from the stored case).
    struct Attempt {
        enum Write {
            case commit(Step)
            case record(Incident)
        }

        private(set) var engine: Engine
        let caseID: String
        let event: Event
        let now: Instant
        /// The case the step is computed from.
        private(set) var current: CaseSnapshot
        /// Whether `current` came from the engine's cache rather than the store.
        private var fromCache: Bool

        init(_ engine: Engine, _ caseID: String, _ event: Event, now: Instant) throws(EngineError) {
            self.caseID = caseID
            self.event = event
            self.now = now
            if let cached = engine.cache[caseID] {
                current = cached
                fromCache = true
            } else {
                current = try engine.load(caseID)
                fromCache = false
            }
            // The case runs on the definitions it opened on (or was migrated to).
            self.engine = try engine.on(current)
        }

        /// The step to commit or the incident to record; throws a refusal.
        mutating func compute() throws(EngineError) -> Write {
            while true {
                let directory = try engine.directoryRecords(for: current, event: event)
                let outcome = Interpreter(program: engine.program, directory: directory).step(current, event, now: now)
                // Refusals and incidents are reported only as computed from the stored case; an
                // advance from a cached copy is checked by the commit's version instead.
                if fromCache, !outcome.advanced {
                    let stored = try engine.load(caseID)
                    fromCache = false
                    if stored != current {
                        current = stored
                        engine = try engine.on(stored)
                        continue
                    }
                }
                switch outcome {
                case .advanced(let step): return .commit(step)
                case .rejected(let rejection): throw EngineError(rejection)
                case .incident(let incident): return .record(incident)
                }
            }
        }

        /// A commit failed: a conflict on a cached copy reloads the case (the caller computes
        /// again); anything else is thrown.
        mutating func failed(_ error: StoreError) throws(EngineError) {
            engine.cache[caseID] = nil
            guard error.code == .conflict && fromCache else { throw Engine.storeFailure(error) }
            current = try engine.load(caseID)
            engine = try engine.on(current)
            fromCache = false
        }

        func committed(_ step: Step) -> CaseSnapshot {
            engine.cache[caseID] = step.next
            return step.next
        }

        func recorded(_ incident: Incident) -> EngineError {
            var error = EngineError(.incident, "incident recorded on case \(caseID): \(incident.message)")
            error.incident = incident
            return error
        }
    }

    /// The case with `id`, decoded with its workflow's types.
    public func load(_ id: String) throws(EngineError) -> CaseSnapshot {
        guard let stored = try wrap({ () throws(StoreError) in try store.load(id) }) else {
            cache[id] = nil
            throw EngineError(.notFound, "no case '\(id)'")
        }
        let loaded = try snapshot(stored)
        cache[id] = loaded
        return loaded
    }

    /// The stored case as this engine decodes it, taken from the cases it last committed or
    /// read when it holds this one at the same version, definitions, state and time (a step
    /// always moves the version, so that copy is the case as stored), else decoded and kept.
    public func current(_ stored: StoredCase) throws(EngineError) -> CaseSnapshot {
        if let kept = cache[stored.id], kept.version == stored.version, kept.unit == stored.unit,
            kept.definitionVersion == stored.definitionVersion, kept.state == stored.state,
            kept.updatedAt == stored.updatedAt
        {
            return kept
        }
        let decoded = try snapshot(stored)
        cache[stored.id] = decoded
        return decoded
    }

    /// Decodes a stored case with the definitions it runs on.
    /// With `anyVersion`, a case that runs on other definitions is read with this engine's
    /// (for counting facts); a field they do not declare is then an error.
    public func snapshot(_ stored: StoredCase, anyVersion: Bool = false) throws(EngineError) -> CaseSnapshot {
        guard stored.unit == program.unit else {
            throw EngineError(.notFound, "case \(stored.id) belongs to unit \(stored.unit), not \(program.unit)")
        }
        if !anyVersion, stored.definitionVersion != program.version {
            let other: Engine
            do throws(EngineError) { other = try on(version: stored.definitionVersion) } catch {
                throw EngineError(
                    .version,
                    "case \(stored.id) runs on definitions version \(stored.definitionVersion): \(error.message)")
            }
            return try other.snapshot(stored)
        }
        guard let workflow = program.workflow(stored.workflow) else {
            throw EngineError(
                .notFound,
                "case \(stored.id) belongs to workflow \(stored.workflow), which definitions version \(program.version) of \(program.unit) do not have"
            )
        }
        let json: JSON
        do { json = try stored.currentFields() } catch {
            throw EngineError(.store, "case \(stored.id) cannot be read: its fields are not valid JSON (\(error))")
        }
        // A required field may still be empty until the transition that supplies it has fired.
        let decoded: Value
        do { decoded = try DataBinding.value(json, as: .record(workflow.storedType), path: "case") } catch {
            throw EngineError(.store, "case \(stored.id) cannot be read: \(error)")
        }
        guard case .record(let record) = decoded else { throw EngineError(.store, "case \(stored.id) has no fields") }
        let fields = Record(layout: workflow.caseType.layout, slots: record.slots)
        var snapshot = CaseSnapshot(
            id: stored.id, unit: stored.unit, workflow: stored.workflow,
            definitionVersion: stored.definitionVersion,
            state: stored.state, fields: fields, version: stored.version, openedAt: stored.openedAt,
            updatedAt: stored.updatedAt, parent: stored.parent)
        // The built-in fields (state, updated_at…) of a snapshot written steps ago are those of
        // its time: they are the case row's.
        snapshot.fields = interpreter.withBuiltins(snapshot)
        return snapshot
    }

    /// `snapshot(_:)` with only the fields `reads` names decoded, every other field null: what
    /// a check reading a few fields needs (an inbox finding a case's place), without converting
    /// every field of the case. Every stored key must still be a field of the workflow; the
    /// built-in fields are the case row's, as `snapshot(_:)` gives them.
    func snapshot(_ stored: StoredCase, reading reads: RootReads) throws(EngineError) -> CaseSnapshot {
        // Anything else (another unit, a workflow these definitions lack) fails as `snapshot(_:)` does.
        guard !reads.whole, stored.unit == program.unit else { return try snapshot(stored) }
        if stored.definitionVersion != program.version {
            let other: Engine
            do throws(EngineError) { other = try on(version: stored.definitionVersion) } catch {
                return try snapshot(stored)
            }
            return try other.snapshot(stored, reading: reads)
        }
        guard let workflow = program.workflow(stored.workflow) else { return try snapshot(stored) }
        let json: JSON
        do { json = try stored.currentFields() } catch {
            throw EngineError(.store, "case \(stored.id) cannot be read: its fields are not valid JSON (\(error))")
        }
        guard case .object(let object) = json else { throw EngineError(.store, "case \(stored.id) has no fields") }
        let type = workflow.storedType
        var slots = [Value](repeating: .null, count: type.fields.count)
        for (key, item) in object.entries {
            guard let slot = type.layout.slot(of: key) else {
                throw EngineError(.store, "case \(stored.id) cannot be read: case has no field '\(key)'")
            }
            guard reads.members.contains(key) else { continue }
            do { slots[slot] = try DataBinding.value(item, as: type.fields[slot].type, path: "case.\(key)") } catch {
                throw EngineError(.store, "case \(stored.id) cannot be read: \(error)")
            }
        }
        var snapshot = CaseSnapshot(
            id: stored.id, unit: stored.unit, workflow: stored.workflow, definitionVersion: stored.definitionVersion,
            state: stored.state, fields: Record(layout: workflow.caseType.layout, slots: slots),
            version: stored.version,
            openedAt: stored.openedAt, updatedAt: stored.updatedAt, parent: stored.parent)
        snapshot.fields = interpreter.withBuiltins(snapshot)
        return snapshot
    }

    /// Reads values stored as JSON (an incident's input, an effect's fields) with the workflow's
    /// field types; a key the workflow does not declare or a value of the wrong type is an error.
    func fieldValues(_ json: JSON, of workflow: CompiledWorkflow, what: String) throws(EngineError) -> [String: Value] {
        guard case .object(let object) = json else { throw EngineError(.store, "\(what) is not a JSON object") }
        var values: [String: Value] = [:]
        for (name, item) in object.entries {
            guard let type = workflow.fieldTypes[name] else {
                throw EngineError(.store, "\(what): \(workflow.name) has no field '\(name)'")
            }
            do { values[name] = try DataBinding.value(item, as: type, path: name) } catch {
                throw EngineError(.store, "\(what): \(error)")
            }
        }
        return values
    }

    /// The events `actor` may fire now.
    public func actions(_ snapshot: CaseSnapshot, for actor: Actor) -> [String] {
        guard let program = program(of: snapshot), let workflow = program.workflow(snapshot.workflow) else { return [] }
        let interpreter = Interpreter(program: program)
        let place = interpreter.place(of: snapshot)
        return workflow.events(in: snapshot.state).filter { event in
            workflow.transitions(from: snapshot.state, on: event).contains {
                interpreter.may(
                    actor, fire: $0, on: snapshot, event: .act(event: event, input: [:], by: actor), at: place)
            }
        }
    }

    private func wrap<T>(_ body: () throws(StoreError) -> T) throws(EngineError) -> T {
        do {
            return try body()
        } catch {
            throw Self.storeFailure(error)
        }
    }

    static func storeFailure(_ error: StoreError) -> EngineError {
        EngineError(error.code == .conflict ? .conflict : .store, error.message)
    }
}

/// Why the engine could not do what was asked.
public struct EngineError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case rejected, incident, notFound = "not-found", conflict, store, version, calendar
    }

    public var code: Code
    public var message: String
    public var rejection: Rejection?
    /// For `incident`: the incident recorded.
    public var incident: Incident?

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    init(_ rejection: Rejection) {
        self.code = .rejected
        self.message = rejection.message
        self.rejection = rejection
    }

    /// A date computation that has no answer (out of the range of dates, or over its budget).
    init(_ error: CalendarError, _ what: String) {
        self.init(.calendar, "\(what): \(error.description)")
    }

    public var description: String { message }
}

/// Cases one engine last committed or read, at most `capacity` (when a shard is full, an
/// arbitrary entry of it makes room); thread-safe. A stale entry costs a conflict and a reload,
/// never a wrong step. The entries are spread over shards by case id, each with its own lock,
/// so threads stepping different cases rarely wait for each other.
final class SnapshotCache: Sendable {
    let capacity = 4096
    /// The holders of roles that notifications asked about, with their scopes, as of a
    /// directory revision and a day (a `held_by` may read the date): kept across ticks while
    /// neither changes.
    let holders = Mutex<HolderMemo?>(nil)
    private static let shardCount = 32
    private final class Shard: Sendable {
        let entries = Mutex<[String: CaseSnapshot]>([:])
    }
    private let shards = (0..<SnapshotCache.shardCount).map { _ in Shard() }

    private func shard(_ id: String) -> Shard {
        var hasher = Hasher()
        hasher.combine(id)
        return shards[Int(UInt(bitPattern: hasher.finalize()) % UInt(Self.shardCount))]
    }

    subscript(id: String) -> CaseSnapshot? {
        get { shard(id).entries.withLock { $0[id] } }
        set {
            let limit = capacity / Self.shardCount
            shard(id).entries.withLock { entries in
                if newValue != nil, entries.count >= limit, entries[id] == nil {
                    entries.removeValue(forKey: entries.keys.first!)
                }
                entries[id] = newValue
            }
        }
    }
}

/// The unit's directory and appointments as of a revision, and the actors resolved from them so
/// far (by definitions version, role, person and, for a `held_by` role, day; `nil`: not a holder).
struct HolderMemo: Sendable {
    var revision: Int
    /// The candidates of each role asked about so far.
    var candidates: [String: RoleCandidates] = [:]
    /// The whole directory, once a `held_by` role or an appointment outside it needed it.
    var directory: [StoredPerson]?
    var actors: [String: Actor?] = [:]
}

/// The people who may hold a role, by id, with their lasting appointments to it.
struct RoleCandidates: Sendable {
    var people: [StoredPerson]
    var appointed: [String: [StoredAppointment]]
}

extension Engine {
    /// Rebuilds a case from its step log alone (every step's changes applied, from the step that
    /// opened it) and compares it with the case as the store reads it (its snapshot and the
    /// changes after it): `nil` when they agree, or what differs. The log's versions must run
    /// from 0 to the case's version without a gap, and its last step must end in the case's state.
    public func stepLogProblem(_ stored: StoredCase) throws(EngineError) -> String? {
        let log = try storeCall { () throws(StoreError) in try store.history(stored.id) }
        guard log.map(\.sequence) == Array(0...max(stored.version, 0)) else {
            return "its step log has versions \(log.map(\.sequence)), not 0 to \(stored.version)"
        }
        guard log.last?.to == stored.state else {
            return "its step log ends in state \(log.last?.to ?? "none"), not \(stored.state)"
        }
        var rebuilt = stored
        rebuilt.fieldsJSON = "{}"
        rebuilt.changes = log.map(\.changesJSON)
        // What could not be read is said without the value that did not fit.
        let current: CaseSnapshot
        do { current = try snapshot(stored) } catch {
            guard error.code == .store else { throw error }
            return "as stored, its fields do not fit the types of its workflow"
        }
        let replayed: CaseSnapshot
        do { replayed = try snapshot(rebuilt) } catch {
            guard error.code == .store else { throw error }
            return "rebuilt from its step log, its fields do not fit the types of its workflow"
        }
        let names = current.fields.layout.names
        let differing = names.indices.filter { current.fields.slots[$0] != replayed.fields.slots[$0] }.map {
            names[$0]
        }
        return differing.isEmpty ? nil : "rebuilt from its step log, it differs in " + differing.joined(separator: ", ")
    }
}
