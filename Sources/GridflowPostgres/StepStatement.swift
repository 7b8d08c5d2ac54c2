import GridflowExpressions
import GridflowRuntime
import PostgresNIO

/// A step written by one statement: the case's head row, its step-log entry, its timers (those of
/// the state it left deleted, those of the state it entered inserted), its effects and incidents,
/// as data-modifying `WITH` queries that all hang on the head row. PostgreSQL runs one statement
/// atomically, so a step needs neither `BEGIN` nor `COMMIT`: it is one round trip, and the server
/// parses and plans it once per connection (a named prepared statement) instead of once per step.
///
/// For a step of an existing case the head is `UPDATE … WHERE id = … AND version = expected`;
/// when the case is at another version nothing matches, nothing else is written, and the
/// statement answers 0. Timers, effects and incidents come as one JSON array or text array each,
/// so the statement's text is the same whatever their number.
protocol StepStatement: PostgresPreparedStatement where Row == Int {
    var bindings: PostgresBindings { get }
}

/// The statement for a step: `OpenCaseStep` when it opens the case (no expected version),
/// `AdvanceCaseStep` otherwise.
func stepStatement(_ encoded: EncodedStep, expectedVersion: Int?) -> any StepStatement {
    if let expectedVersion { return AdvanceCaseStep(encoded, expectedVersion: expectedVersion) }
    return OpenCaseStep(encoded)
}

extension StepStatement {
    func makeBindings() -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> Int { try row.decode(Int.self) }

    /// The statement run unnamed, for a caller that waits on a thread (postgres-nio prepares
    /// named statements in its async API only).
    var query: PostgresQuery { PostgresQuery(unsafeSQL: Self.sql, binds: bindings) }

    /// What follows the head (`head` returns the case's `id`): `$k` is the first of the tail's
    /// parameters, `version` the parameter holding the step's version.
    static func tail(from k: Int, version: Int, cancelling: String?) -> String {
        let at = k
        let cancel =
            cancelling.map { "cancelled AS (DELETE FROM timers WHERE \($0) AND case_id IN (SELECT id FROM head))," }
            ?? ""
        return """
            \(cancel)
            logged AS (
                INSERT INTO steps (case_id, version, at, actor, event, transition, from_state, to_state, changes,
                                   definition_version)
                SELECT id, $\(version), $\(at), $\(k + 1), $\(k + 2), $\(k + 3), $\(k + 4), $\(k + 5), $\(k + 6), $\(k + 7)
                FROM head),
            started AS (
                INSERT INTO timers (case_id, name, event, due)
                SELECT head.id, t.name, t.event, t.due
                FROM head, ROWS FROM (json_to_recordset($\(k + 8)::json) AS (name text, event text, due bigint))
                     WITH ORDINALITY AS t (name, event, due, n)
                ORDER BY t.n),
            queued AS (
                INSERT INTO outbox (case_id, effect, created_at)
                SELECT head.id, e.effect, $\(at) FROM head, unnest($\(k + 9)::text[]) WITH ORDINALITY AS e (effect, n)
                ORDER BY e.n),
            noted AS (
                INSERT INTO incidents (case_id, code, message, transition, expression, event, input, at, actor, roles)
                SELECT head.id, i.code, i.message, i.transition, i.expression, $\(k + 2), '{}', $\(at), i.actor, i.roles
                FROM head, ROWS FROM (json_to_recordset($\(k + 10)::json)
                                      AS (code text, message text, transition text, expression text, actor text,
                                          roles text))
                     WITH ORDINALITY AS i (code, message, transition, expression, actor, roles, n)
                ORDER BY i.n)
            SELECT count(*) FROM head
            """
    }

    /// The roles an incident of a step records: the engine's (`Actor.system`), as JSON.
    static var systemRoles: String { ValueJSON.encode(Value.list(Actor.system.roles.sorted().map(Value.string))) }

    static var tailTypes: [PostgresDataType] {
        [.int8, .text, .text, .text, .text, .text, .text, .text, .text, .textArray, .text]
    }

    /// The tail's values, in the order of `tail`.
    static func appendTail(_ encoded: EncodedStep, to bindings: inout PostgresBindings) {
        let step = encoded.step
        let history = step.history
        bindings.append(history.at.seconds)
        bindings.append(history.actor)
        bindings.append(history.event)
        bindings.append(history.transition)
        bindings.append(history.from)
        bindings.append(history.to)
        bindings.append(PostgresCaseStore.text(encoded.changesJSON))
        bindings.append(step.next.definitionVersion)
        var timers: [UInt8] = [UInt8(ascii: "[")]
        for (index, timer) in step.startTimers.enumerated() {
            if index > 0 { timers.append(UInt8(ascii: ",")) }
            timers.append(contentsOf: #"{"name":"#.utf8)
            if let name = timer.name { ValueJSON.write(string: name, to: &timers) } else { timers += "null".utf8 }
            timers.append(contentsOf: #","event":"#.utf8)
            ValueJSON.write(string: timer.event, to: &timers)
            timers.append(contentsOf: #","due":\#(timer.due.seconds)}"#.utf8)
        }
        timers.append(UInt8(ascii: "]"))
        bindings.append(PostgresCaseStore.text(timers))
        bindings.append(encoded.effectsJSON)
        var incidents: [UInt8] = [UInt8(ascii: "[")]
        for (index, incident) in step.incidents.enumerated() {
            if index > 0 { incidents.append(UInt8(ascii: ",")) }
            incidents.append(contentsOf: #"{"code":"#.utf8)
            ValueJSON.write(string: incident.code, to: &incidents)
            incidents.append(contentsOf: #","message":"#.utf8)
            ValueJSON.write(string: incident.message, to: &incidents)
            incidents.append(contentsOf: #","transition":"#.utf8)
            ValueJSON.write(incident.transition.map(Value.string) ?? .null, to: &incidents)
            incidents.append(contentsOf: #","expression":"#.utf8)
            ValueJSON.write(incident.expression.map(Value.string) ?? .null, to: &incidents)
            incidents.append(contentsOf: #","actor":"#.utf8)
            ValueJSON.write(string: Actor.system.id, to: &incidents)
            incidents.append(contentsOf: #","roles":"#.utf8)
            ValueJSON.write(string: systemRoles, to: &incidents)
            incidents.append(UInt8(ascii: "}"))
        }
        incidents.append(UInt8(ascii: "]"))
        bindings.append(PostgresCaseStore.text(incidents))
    }

}

/// A step of an existing case, written only if the case is still at the expected version.
struct AdvanceCaseStep: StepStatement {
    static let name = "gridflow_advance_case_step_1"
    static let sql = """
        WITH head AS (
            UPDATE cases SET state = $3, fields = COALESCE($4, fields),
                snapshot_version = CASE WHEN $4 IS NULL THEN snapshot_version ELSE $5 END,
                version = $5, updated_at = $6
            WHERE id = $1 AND version = $2
            RETURNING id),
        \(tail(from: 8, version: 5, cancelling: "$7"))
        """
    static let bindingDataTypes: [PostgresDataType] =
        [.text, .int8, .text, .text, .int8, .int8, .bool] + tailTypes

    let bindings: PostgresBindings

    init(_ encoded: EncodedStep, expectedVersion: Int) {
        let next = encoded.step.next
        var bindings = PostgresBindings(capacity: 18)
        bindings.append(next.id)
        bindings.append(expectedVersion)
        bindings.append(next.state)
        bindings.append(encoded.fieldsJSON.map(PostgresCaseStore.text))
        bindings.append(next.version)
        bindings.append(next.updatedAt.seconds)
        bindings.append(encoded.step.cancelTimers)
        Self.appendTail(encoded, to: &bindings)
        self.bindings = bindings
    }
}

/// The step that opens a case: its head row is inserted (an id taken already is a unique
/// violation, a conflict).
struct OpenCaseStep: StepStatement {
    static let name = "gridflow_open_case_step_1"
    static let sql = """
        WITH head AS (
            INSERT INTO cases (id, unit, workflow, definition_version, state, fields, snapshot_version, version,
                               opened_at, updated_at, parent)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10)
            RETURNING id),
        \(tail(from: 11, version: 7, cancelling: nil))
        """
    static let bindingDataTypes: [PostgresDataType] =
        [.text, .text, .text, .text, .text, .text, .int8, .int8, .int8, .text] + tailTypes

    let bindings: PostgresBindings

    init(_ encoded: EncodedStep) {
        let next = encoded.step.next
        var bindings = PostgresBindings(capacity: 21)
        bindings.append(next.id)
        bindings.append(next.unit)
        bindings.append(next.workflow)
        bindings.append(next.definitionVersion)
        bindings.append(next.state)
        bindings.append(PostgresCaseStore.text(encoded.fieldsJSON ?? EncodedStep.fields(of: encoded.step)))
        bindings.append(next.version)
        bindings.append(next.openedAt.seconds)
        bindings.append(next.updatedAt.seconds)
        bindings.append(next.parent)
        Self.appendTail(encoded, to: &bindings)
        self.bindings = bindings
    }
}

/// A case with the changes after its snapshot (`PostgresCaseStore.load`).
struct LoadCase: PostgresPreparedStatement {
    static let name = "gridflow_load_case_1"
    static let sql = """
        SELECT \(PostgresCaseStore.caseColumns),
               CASE WHEN snapshot_version < version THEN
                   (SELECT array_agg(changes ORDER BY version) FROM steps
                    WHERE case_id = cases.id AND version > cases.snapshot_version)
               END
        FROM cases WHERE id = $1
        """
    static let bindingDataTypes: [PostgresDataType] = [.text]

    let id: String

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(id)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> StoredCase {
        let (id, unit, workflow, definitionVersion, state, fields, version, openedAt, updatedAt, parent, _, changes) =
            try row.decode(
                (String, String, String, String, String, String, Int, Int, Int, String?, Int, [String]?).self)
        var stored = StoredCase(
            id: id, unit: unit, workflow: workflow, definitionVersion: definitionVersion, state: state,
            fieldsJSON: fields, version: version, openedAt: Instant(seconds: openedAt),
            updatedAt: Instant(seconds: updatedAt), parent: parent)
        stored.changes = changes ?? []
        return stored
    }
}

/// A token with its unit's active deployment and its person's directory stamp
/// (`PostgresCaseStore.tokenFacts`).
struct TokenFactsQuery: PostgresPreparedStatement {
    static let name = "gridflow_token_facts_2"
    static let sql = """
        SELECT \(PostgresCaseStore.tokenColumns),
               (SELECT version FROM active_deployments a WHERE a.unit = t.unit),
               COALESCE((SELECT value FROM counters c WHERE c.name = 'people:' || t.unit), 0),
               COALESCE((SELECT MAX(id) FROM deliveries d WHERE d.person = t.person), 0)
        FROM api_tokens t WHERE secret_sha256 = $1
        """
    static let bindingDataTypes: [PostgresDataType] = [.text]

    let hash: String

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(hash)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> TokenFacts {
        let (id, secretHash, unit, person, admin, label, createdAt, expiresAt, revokedAt, active, people, appointed) =
            try row.decode((String, String, String, String, Bool, String?, Int, Int?, Int?, String?, Int, Int).self)
        return TokenFacts(
            token: StoredToken(
                id: id, secretHash: secretHash, unit: unit, person: person, admin: admin, label: label,
                createdAt: Instant(seconds: createdAt), expiresAt: expiresAt.map(Instant.init(seconds:)),
                revokedAt: revokedAt.map(Instant.init(seconds:))),
            activeDeployment: active, personStamp: DirectoryStamp(people: people, appointments: appointed))
    }
}
