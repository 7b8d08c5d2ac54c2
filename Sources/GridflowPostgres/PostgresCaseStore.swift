import Foundation
import GridflowExpressions
import GridflowRuntime
import Logging
import PostgresNIO
import Synchronization

/// The shared store: the SQLite store's tables and semantics on a PostgreSQL server, which any
/// number of processes use at once. One step is one transaction; a step computed from a version
/// the case no longer has fails with `conflict` (`UPDATE … WHERE version = expected`, which
/// PostgreSQL re-checks after a concurrent writer of the same row commits). The step log, its
/// snapshots and their texts are the SQLite store's (`EncodedStep`), so a case reads the same from
/// either store.
public final class PostgresCaseStore: CaseStore {
    /// Where the store is (its description has no password).
    public let location: PostgresLocation
    let pool: ConnectionPool
    /// Whether this open created the store's tables.
    public let created: Bool
    /// Case ids reserved from the `counters` table, per `unit/workflow`.
    private let reservedIDs = Mutex<[String: ReservedIDs]>([:])

    struct ReservedIDs {
        var next: Int
        var end: Int
        var block: Int
    }

    /// Whether opening a store may create its tables.
    public enum Opening: Sendable {
        /// Only a database holding the store's tables is opened; an empty one is `.missing`.
        case existing
        /// An empty database gets the store's tables (complete, or none: one transaction).
        case createIfMissing
    }

    /// Opens the store at a `postgres://` URL, creating its tables in an empty database if
    /// `opening` allows and migrating an older schema.
    /// - Throws: a `StoreError`: `.cannotOpen` (a bad URL, no server, a refused login or a missing
    ///   database), `.notAStore` (the database holds other tables; nothing is written),
    ///   `.newerSchema`, `.missing`.
    public convenience init(url: String, opening: Opening = .createIfMissing) throws(StoreError) {
        try self.init(location: PostgresLocation(url: url), opening: opening)
    }

    public init(location: PostgresLocation, opening: Opening = .createIfMissing) throws(StoreError) {
        self.location = location
        var logger = Logger(label: "gridflow.postgres")
        logger.logLevel = .critical
        pool = try ConnectionPool(location, logger: logger)
        created = try pool.withConnection { connection throws(StoreError) in
            try Schema.migrate(connection, opening: opening)
        }
    }

    /// Closes the store's connections.
    public func close() { pool.close() }

    func withConnection<T>(_ body: (Connection) throws(StoreError) -> T) throws(StoreError) -> T {
        try pool.withConnection(body)
    }

    /// Runs `body` in a transaction of its own.
    func write<T>(_ body: (Connection) throws(StoreError) -> T) throws(StoreError) -> T {
        try pool.withConnection { connection throws(StoreError) in
            try connection.transaction { () throws(StoreError) in try body(connection) }
        }
    }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}

// MARK: Cases and their steps

extension PostgresCaseStore {
    /// Ids come from a counter per workflow, reserved in blocks that grow (1, 2, 4 … 64) while one
    /// process keeps opening cases, as in the SQLite store; unique across every process sharing
    /// the server.
    public func newCaseID(unit: String, workflow: String) throws(StoreError) -> String {
        let name = unit + "/" + workflow
        let taken = reservedIDs.withLock { ids -> Int? in
            guard var reserved = ids[name], reserved.next <= reserved.end else { return nil }
            reserved.next += 1
            ids[name] = reserved
            return reserved.next - 1
        }
        if let taken { return "\(unit)-\(workflow)-\(taken)" }
        let size = max(reservedIDs.withLock { ids in min((ids[name]?.block ?? 0) * 2, 64) }, 1)
        let end = try withConnection { connection throws(StoreError) in
            try connection.rows(
                """
                INSERT INTO counters (name, value) VALUES (\(name), \(size))
                ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value RETURNING value
                """
            ) { row in try row.decode(Int.self) }.first ?? size
        }
        let first = end - size + 1
        reservedIDs.withLock { ids in ids[name] = ReservedIDs(next: first + 1, end: end, block: size) }
        return "\(unit)-\(workflow)-\(first)"
    }

    public func commit(_ step: Step, expectedVersion: Int?) throws(StoreError) {
        let encoded = EncodedStep(step)
        try write { connection throws(StoreError) in
            try Self.commitStep(encoded, expectedVersion: expectedVersion, connection)
        }
    }

    public func commit(_ steps: [StepCommit]) throws(StoreError) -> [StoreError?] {
        let encoded = steps.map { EncodedStep($0.step) }
        return try writeEach(steps.count) { index, connection throws(StoreError) in
            try Self.commitStep(encoded[index], expectedVersion: steps[index].expectedVersion, connection)
        }
    }

    /// Commits like `commit(_:expectedVersion:)` without holding a thread while the server
    /// works: the step is one named prepared statement (`StepStatement`), sent on a connection's
    /// event loop, and the task suspends until it is answered, so a daemon has as many steps in
    /// flight as it has connections, not as it has threads.
    public func commitAsync(_ step: Step, expectedVersion: Int?) async throws(StoreError) {
        let encoded = EncodedStep(step)
        let statement = stepStatement(encoded, expectedVersion: expectedVersion)
        let held = try await pool.withConnectionAsync { connection async throws(StoreError) in
            try await connection.run(statement)
        }
        if expectedVersion != nil, held == 0 {
            throw try withConnection { connection throws(StoreError) in
                try Self.conflict(encoded.step.next.id, expectedVersion: expectedVersion ?? 0, connection)
            }
        }
    }

    /// Why a step of case `id` from `expectedVersion` could not be written.
    static func conflict(_ id: String, expectedVersion: Int, _ connection: Connection) throws(StoreError) -> StoreError
    {
        let stored = try connection.rows("SELECT version FROM cases WHERE id = \(id)") { row in
            try row.decode(Int.self)
        }.first
        return StoreError(
            .conflict,
            stored == nil
                ? "case \(id) does not exist"
                : "case \(id) changed meanwhile: it is at version \(stored!), not \(expectedVersion); load it again and retry"
        )
    }

    /// Writes an encoded step inside the caller's transaction; the version check comes first.
    static func commitStep(_ encoded: EncodedStep, expectedVersion: Int?, _ connection: Connection)
        throws(StoreError)
    {
        let written = try connection.rows(stepStatement(encoded, expectedVersion: expectedVersion).query) { row in
            try row.decode(Int.self)
        }
        if written.first == 0, let expectedVersion {
            throw try conflict(encoded.step.next.id, expectedVersion: expectedVersion, connection)
        }
    }

    static func insertion(
        _ incident: Incident, caseID: String, event: String, inputJSON: String, actor: Actor = .system, at: Instant
    ) -> PostgresQuery {
        let roles = ValueJSON.encode(Value.list(actor.roles.sorted().map(Value.string)))
        return """
            INSERT INTO incidents (case_id, code, message, transition, expression, event, input, at, actor, roles)
            VALUES (\(caseID), \(incident.code), \(incident.message), \(incident.transition), \(incident.expression),
                    \(event), \(inputJSON), \(at.seconds), \(actor.id), \(roles))
            """
    }

    static func insert(
        _ incident: Incident, caseID: String, event: String, inputJSON: String, actor: Actor = .system, at: Instant,
        _ connection: Connection
    ) throws(StoreError) {
        try connection.execute(
            insertion(incident, caseID: caseID, event: event, inputJSON: inputJSON, actor: actor, at: at))
    }

    public func record(
        _ incident: Incident, caseID: String, event: String, input: [String: Value], actor: Actor, at: Instant
    ) throws(StoreError) {
        let inputJSON = ValueJSON.encode(input)
        try write { connection throws(StoreError) in
            try Self.insert(
                incident, caseID: caseID, event: event, inputJSON: inputJSON, actor: actor, at: at, connection)
        }
    }

    public func recordAsync(
        _ incident: Incident, caseID: String, event: String, input: [String: Value], actor: Actor, at: Instant
    ) async throws(StoreError) {
        try record(incident, caseID: caseID, event: event, input: input, actor: actor, at: at)
    }

    public func commit(_ step: Step, expectedVersion: Int, resolving incident: Int) throws(StoreError) {
        let encoded = EncodedStep(step)
        try write { connection throws(StoreError) in
            let resolved = try connection.execute(
                "UPDATE incidents SET resolved_at = \(step.history.at.seconds) WHERE id = \(incident) AND resolved_at IS NULL"
            )
            guard resolved == 1 else { throw StoreError(.conflict, "incident #\(incident) is resolved already") }
            try Self.commitStep(encoded, expectedVersion: expectedVersion, connection)
        }
    }

    static let caseColumns =
        "id, unit, workflow, definition_version, state, fields, version, opened_at, updated_at, parent, snapshot_version"

    /// A case row (`caseColumns`), with the changes after its snapshot read from the step log.
    static func storedCase(_ row: PostgresRow, _ connection: Connection) throws(StoreError) -> StoredCase {
        var (stored, snapshotVersion) = try decodeCase(row, connection.location)
        if snapshotVersion < stored.version {
            stored.changes = try connection.rows(
                "SELECT changes FROM steps WHERE case_id = \(stored.id) AND version > \(snapshotVersion) ORDER BY version"
            ) { row in try row.decode(String.self) }
        }
        return stored
    }

    static func decodeCase(_ row: PostgresRow, _ location: PostgresLocation) throws(StoreError) -> (StoredCase, Int) {
        do {
            let (id, unit, workflow, definitionVersion, state, fields, version, openedAt, updatedAt, parent, snapshot) =
                try row.decode((String, String, String, String, String, String, Int, Int, Int, String?, Int).self)
            return (
                StoredCase(
                    id: id, unit: unit, workflow: workflow, definitionVersion: definitionVersion, state: state,
                    fieldsJSON: fields, version: version, openedAt: Instant(seconds: openedAt),
                    updatedAt: Instant(seconds: updatedAt), parent: parent),
                snapshot
            )
        } catch {
            throw StoreError(
                .database, "a case of \(location) could not be read: \(Connection.describe(error))",
                details: String(reflecting: error))
        }
    }

    /// The case with the changes after its snapshot, in one query (a request's read of its case
    /// is one round trip).
    public func load(_ id: String) throws(StoreError) -> StoredCase? {
        try withConnection { connection throws(StoreError) in
            let statement = LoadCase(id: id)
            return try connection.rows(PostgresQuery(unsafeSQL: LoadCase.sql, binds: statement.makeBindings())) {
                row in try statement.decodeRow(row)
            }.first
        }
    }

    /// `load`, as a named prepared statement on the suspending lane.
    public func loadAsync(_ id: String) async throws(StoreError) -> StoredCase? {
        try await pool.withConnectionAsync { connection async throws(StoreError) in
            try await connection.rows(LoadCase(id: id)).first
        }
    }

    public func history(_ id: String) throws(StoreError) -> [StoredHistory] {
        try withConnection { connection throws(StoreError) in
            try connection.rows(
                """
                SELECT version, at, actor, event, transition, from_state, to_state, changes, definition_version
                FROM steps WHERE case_id = \(id) ORDER BY version
                """
            ) { row in
                let (version, at, actor, event, transition, from, to, changes, definitionVersion) = try row.decode(
                    (Int, Int, String, String, String?, String?, String, String, String).self)
                return StoredHistory(
                    sequence: version, at: Instant(seconds: at), actor: actor, event: event, transition: transition,
                    from: from, to: to, changesJSON: changes, definitionVersion: definitionVersion)
            }
        }
    }

    /// Each distinct value is found by one index seek after the one before (a loose index scan),
    /// as in the SQLite store: a handful of seeks however many cases the unit holds.
    public func casePlaces(unit: String) throws(StoreError) -> (
        versions: [String], places: [(workflow: String, state: String)]
    ) {
        try withConnection { connection throws(StoreError) in
            var versions: [String] = []
            while true {
                let query: PostgresQuery =
                    versions.last.map { last in
                        """
                        SELECT definition_version FROM cases WHERE unit = \(unit) AND definition_version > \(last)
                        ORDER BY definition_version LIMIT 1
                        """
                    } ?? "SELECT definition_version FROM cases WHERE unit = \(unit) ORDER BY definition_version LIMIT 1"
                guard let next = try connection.rows(query, { row in try row.decode(String.self) }).first else { break }
                versions.append(next)
            }
            func place(_ query: PostgresQuery) throws(StoreError) -> (workflow: String, state: String)? {
                try connection.rows(query) { row in try row.decode((String, String).self) }.first.map {
                    (workflow: $0.0, state: $0.1)
                }
            }
            var places: [(workflow: String, state: String)] = []
            var found = try place(
                "SELECT workflow, state FROM cases WHERE unit = \(unit) ORDER BY workflow, state LIMIT 1")
            while let current = found {
                places.append(current)
                if let sameWorkflow = try place(
                    """
                    SELECT workflow, state FROM cases WHERE unit = \(unit) AND workflow = \(current.workflow)
                    AND state > \(current.state) ORDER BY state LIMIT 1
                    """)
                {
                    found = sameWorkflow
                } else {
                    found = try place(
                        """
                        SELECT workflow, state FROM cases WHERE unit = \(unit) AND workflow > \(current.workflow)
                        ORDER BY workflow, state LIMIT 1
                        """)
                }
            }
            return (versions, places)
        }
    }

    /// The filter of a case list: SQL and its binds.
    static func caseFilter(unit: String?, workflow: String?, state: String?) -> (sql: String, binds: PostgresBindings) {
        var conditions = ["TRUE"]
        var binds = PostgresBindings()
        for (column, value) in [("unit", unit), ("workflow", workflow), ("state", state)] {
            guard let value else { continue }
            binds.append(value)
            conditions.append("\(column) = $\(binds.count)")
        }
        return (conditions.joined(separator: " AND "), binds)
    }

    public func list(unit: String?, workflow: String?, state: String?) throws(StoreError) -> [StoredCase] {
        let (filter, binds) = Self.caseFilter(unit: unit, workflow: workflow, state: state)
        return try withConnection { connection throws(StoreError) in
            let result = try connection.query(
                PostgresQuery(
                    unsafeSQL: "SELECT \(Self.caseColumns) FROM cases WHERE \(filter) ORDER BY opened_at DESC, id DESC",
                    binds: binds))
            var cases: [StoredCase] = []
            for row in result { cases.append(try Self.storedCase(row, connection)) }
            return cases
        }
    }

    public func cases(unit: String?, workflow: String?, state: String?, before cursor: Int64?, limit: Int)
        throws(StoreError) -> (cases: [StoredCase], next: Int64?)
    {
        var (filter, binds) = Self.caseFilter(unit: unit, workflow: workflow, state: state)
        if let cursor {
            binds.append(Int(cursor))
            filter += " AND seq < $\(binds.count)"
        }
        binds.append(limit + 1)
        let sql = "SELECT \(Self.caseColumns), seq FROM cases WHERE \(filter) ORDER BY seq DESC LIMIT $\(binds.count)"
        return try withConnection { connection throws(StoreError) in
            let rows = Array(try connection.query(PostgresQuery(unsafeSQL: sql, binds: binds)))
            var page: [StoredCase] = []
            var last: Int64?
            for row in rows.prefix(limit) {
                page.append(try Self.storedCase(row, connection))
                do {
                    last = Int64(try row.makeRandomAccess()["seq"].decode(Int.self))
                } catch {
                    throw StoreError(.database, "a case of \(location) has no sequence number: \(error)")
                }
            }
            return (page, rows.count > limit ? last : nil)
        }
    }
}

// MARK: Incidents

extension PostgresCaseStore {
    static let incidentColumns =
        "id, case_id, code, message, transition, expression, event, input, at, resolved_at, actor, roles"

    static func storedIncident(_ row: PostgresRow) throws -> StoredIncident {
        let (id, caseID, code, message, transition, expression, event, input, at, resolvedAt, actor, rolesJSON) =
            try row.decode(
                (Int, String, String, String, String?, String?, String, String, Int, Int?, String, String).self)
        guard case .array(let items) = try JSONReader.read(rolesJSON.utf8) else {
            throw StoreError(.database, "the roles of incident #\(id) are not a list")
        }
        var roles: Set<String> = []
        for item in items {
            guard case .string(let role) = item else {
                throw StoreError(.database, "the roles of incident #\(id) are not a list of names")
            }
            roles.insert(role)
        }
        return StoredIncident(
            id: id, caseID: caseID, code: code, message: message, transition: transition, expression: expression,
            event: event, inputJSON: input, actor: Actor(id: actor, roles: roles), at: Instant(seconds: at),
            resolved: resolvedAt != nil)
    }

    public func incident(_ id: Int) throws(StoreError) -> StoredIncident? {
        try withConnection { connection throws(StoreError) in
            try connection.rows("SELECT \(unescaped: Self.incidentColumns) FROM incidents WHERE id = \(id)") { row in
                try Self.storedIncident(row)
            }.first
        }
    }

    public func incidents(caseID: String?) throws(StoreError) -> [StoredIncident] {
        try incidents(caseID: caseID, after: nil, limit: Int(Int32.max)).incidents
    }

    public func incidents(caseID: String?, after cursor: Int?, limit: Int) throws(StoreError)
        -> (incidents: [StoredIncident], next: Int?)
    {
        var conditions = ["resolved_at IS NULL"]
        var binds = PostgresBindings()
        if let caseID {
            binds.append(caseID)
            conditions.append("case_id = $\(binds.count)")
        }
        if let cursor {
            binds.append(cursor)
            conditions.append("id > $\(binds.count)")
        }
        binds.append(limit + 1)
        let sql =
            "SELECT \(Self.incidentColumns) FROM incidents WHERE \(conditions.joined(separator: " AND ")) ORDER BY id LIMIT $\(binds.count)"
        return try withConnection { connection throws(StoreError) in
            let rows = try connection.rows(PostgresQuery(unsafeSQL: sql, binds: binds)) { row in
                try Self.storedIncident(row)
            }
            let page = Array(rows.prefix(limit))
            return (page, rows.count > limit ? page.last?.id : nil)
        }
    }
}

// MARK: Timers and the outbox

extension PostgresCaseStore {
    public func dueTimers(unit: String, at now: Instant, limit: Int) throws(StoreError) -> [StoredTimer] {
        try withConnection { connection throws(StoreError) in
            try connection.rows(
                """
                SELECT timers.id, timers.case_id, timers.name, timers.event, timers.due
                FROM timers JOIN cases ON cases.id = timers.case_id
                WHERE cases.unit = \(unit) AND timers.due <= \(now.seconds) ORDER BY timers.due, timers.id LIMIT \(limit)
                """
            ) { row in
                let (id, caseID, name, event, due) = try row.decode((Int, String, String?, String, Int).self)
                return StoredTimer(id: id, caseID: caseID, name: name, event: event, due: Instant(seconds: due))
            }
        }
    }

    public func nextTimerDue(unit: String) throws(StoreError) -> Instant? {
        try withConnection { connection throws(StoreError) in
            try connection.rows(
                "SELECT MIN(timers.due) FROM timers JOIN cases ON cases.id = timers.case_id WHERE cases.unit = \(unit)"
            ) { row in try row.decode(Int?.self) }.first?.map { Instant(seconds: $0) }
        }
    }

    /// The claim locks the rows it takes (`FOR UPDATE … SKIP LOCKED`): processes claiming at the
    /// same moment take different timers rather than waiting for each other.
    public func claimDueTimers(unit: String, at now: Instant, limit: Int, claim: Claim) throws(StoreError)
        -> [StoredTimer]
    {
        try withConnection { connection throws(StoreError) in
            try connection.rows(
                """
                UPDATE timers SET claimed_by = \(claim.claimant), claimed_until = \(now.seconds + claim.seconds)
                WHERE id IN (
                    SELECT timers.id FROM timers JOIN cases ON cases.id = timers.case_id
                    WHERE cases.unit = \(unit) AND timers.due <= \(now.seconds)
                      AND (timers.claimed_until IS NULL OR timers.claimed_until <= \(now.seconds))
                    ORDER BY timers.due, timers.id LIMIT \(limit)
                    FOR UPDATE OF timers SKIP LOCKED)
                RETURNING id, case_id, name, event, due
                """
            ) { row in
                let (id, caseID, name, event, due) = try row.decode((Int, String, String?, String, Int).self)
                return StoredTimer(id: id, caseID: caseID, name: name, event: event, due: Instant(seconds: due))
            }.sorted { ($0.due, $0.id) < ($1.due, $1.id) }
        }
    }

    public func claimPendingEffects(unit: String, at now: Instant, limit: Int, claim: Claim) throws(StoreError)
        -> [StoredEffect]
    {
        try withConnection { connection throws(StoreError) in
            try connection.rows(
                """
                UPDATE outbox SET claimed_by = \(claim.claimant), claimed_until = \(now.seconds + claim.seconds)
                WHERE id IN (
                    SELECT outbox.id FROM outbox JOIN cases ON cases.id = outbox.case_id
                    WHERE cases.unit = \(unit) AND outbox.done_at IS NULL
                      AND (outbox.claimed_until IS NULL OR outbox.claimed_until <= \(now.seconds))
                    ORDER BY outbox.id LIMIT \(limit)
                    FOR UPDATE OF outbox SKIP LOCKED)
                RETURNING id, case_id, effect, created_at
                """
            ) { row in
                let (id, caseID, json, createdAt) = try row.decode((Int, String, String, Int).self)
                return StoredEffect(id: id, caseID: caseID, json: json, createdAt: Instant(seconds: createdAt))
            }.sorted { $0.id < $1.id }
        }
    }

    public func deleteTimer(_ id: Int) throws(StoreError) {
        _ = try withConnection { connection throws(StoreError) in
            try connection.execute("DELETE FROM timers WHERE id = \(id)")
        }
    }

    public func pendingEffects(unit: String, limit: Int) throws(StoreError) -> [StoredEffect] {
        try withConnection { connection throws(StoreError) in
            try connection.rows(
                """
                SELECT outbox.id, outbox.case_id, outbox.effect, outbox.created_at
                FROM outbox JOIN cases ON cases.id = outbox.case_id
                WHERE cases.unit = \(unit) AND outbox.done_at IS NULL ORDER BY outbox.id LIMIT \(limit)
                """
            ) { row in
                let (id, caseID, json, createdAt) = try row.decode((Int, String, String, Int).self)
                return StoredEffect(id: id, caseID: caseID, json: json, createdAt: Instant(seconds: createdAt))
            }
        }
    }

    public func complete(_ effect: StoredEffect, step: Step?, expectedVersion: Int?, delivery: Delivery?)
        throws(StoreError)
    {
        let completion = EffectCompletion(effect, step: step, expectedVersion: expectedVersion, delivery: delivery)
        let encoded = step.map(EncodedStep.init)
        try write { connection throws(StoreError) in try Self.complete(completion, encoded, connection) }
    }

    public func complete(_ completions: [EffectCompletion]) throws(StoreError) -> [StoreError?] {
        let encoded = completions.map { $0.step.map(EncodedStep.init) }
        return try writeEach(completions.count) { index, connection throws(StoreError) in
            try Self.complete(completions[index], encoded[index], connection)
        }
    }

    /// Runs `work` for each of `count` items in one transaction, each in a savepoint of its own:
    /// an item that conflicts is undone alone and its error given at its index (`nil`:
    /// written); any other failure writes none of them and is thrown.
    func writeEach(_ count: Int, _ work: (Int, Connection) throws(StoreError) -> Void) throws(StoreError)
        -> [StoreError?]
    {
        if count == 0 { return [] }
        return try write { connection throws(StoreError) in
            var conflicts = [StoreError?](repeating: nil, count: count)
            for index in 0..<count {
                try connection.execute("SAVEPOINT one_of_many")
                do throws(StoreError) {
                    try work(index, connection)
                } catch  where error.code == .conflict {
                    try connection.execute("ROLLBACK TO SAVEPOINT one_of_many")
                    conflicts[index] = error
                }
                try connection.execute("RELEASE SAVEPOINT one_of_many")
            }
            return conflicts
        }
    }

    /// Marks one outbox entry performed, with its delivery and step.
    private static func complete(_ completion: EffectCompletion, _ encoded: EncodedStep?, _ connection: Connection)
        throws(StoreError)
    {
        let (effect, delivery) = (completion.effect, completion.delivery)
        let now =
            completion.step?.history.at.seconds ?? delivery?.at?.seconds ?? Int(Date().timeIntervalSince1970)
        let done = try connection.execute(
            "UPDATE outbox SET done_at = \(now) WHERE id = \(effect.id) AND done_at IS NULL")
        guard done == 1 else {
            throw StoreError(.conflict, "effect #\(effect.id) of case \(effect.caseID) was performed already")
        }
        if let delivery {
            // An appointment's delivery names its person, so a person's appointments are found by index.
            let person: String? =
                delivery.kind == "appoint" || delivery.kind == "end_appointment"
                ? Self.appointedPerson(delivery.detailsJSON) : nil
            try connection.execute(
                """
                INSERT INTO deliveries (outbox_id, kind, case_id, details, at, person)
                VALUES (\(effect.id), \(delivery.kind), \(delivery.caseID), \(delivery.detailsJSON),
                        \(delivery.at?.seconds ?? now), \(person))
                """)
            if let notice = delivery.notice {
                try Self.insert(notice, outboxID: effect.id, caseID: delivery.caseID, connection)
            }
            if let incident = delivery.incident {
                try Self.insert(
                    incident, caseID: effect.caseID, event: "effect",
                    inputJSON: ValueJSON.encode([String: Value]()), actor: .system,
                    at: delivery.incidentAt ?? Instant(seconds: now), connection)
            }
            if delivery.kind == "appoint" || delivery.kind == "end_appointment" {
                try connection.execute(
                    """
                    INSERT INTO counters (name, value) SELECT 'directory:' || unit, 1 FROM cases WHERE id = \(delivery.caseID)
                    ON CONFLICT (name) DO UPDATE SET value = counters.value + 1
                    """)
            }
        }
        if let encoded { try Self.commitStep(encoded, expectedVersion: completion.expectedVersion, connection) }
    }

    /// The person an appointment's (or its end's) details name: `person.id`, or `person` when it
    /// is an id — what the SQLite store's trigger computes.
    static func appointedPerson(_ detailsJSON: String) -> String? {
        guard let details = try? JSONReader.read(detailsJSON.utf8) else { return nil }
        switch details["person"] {
        case .string(let id)?: return id
        case .object?: if case .string(let id)? = details["person"]?["id"] { return id } else { return nil }
        default: return nil
        }
    }

    /// Deliveries of a case (notifications, ledger entries, commendations, appointments), oldest first.
    public func deliveries(caseID: String) throws(StoreError) -> [Delivery] {
        try withConnection { connection throws(StoreError) in
            try connection.rows("SELECT kind, case_id, details FROM deliveries WHERE case_id = \(caseID) ORDER BY id") {
                row in
                let (kind, caseID, details) = try row.decode((String, String, String).self)
                return Delivery(kind: kind, caseID: caseID, detailsJSON: details)
            }
        }
    }
}
