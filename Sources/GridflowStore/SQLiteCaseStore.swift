import Foundation
import GRDB
import GridflowExpressions
import GridflowRuntime

/// The embedded case store: one SQLite file, WAL mode, named migrations run on open, one
/// transaction per step.
public final class SQLiteCaseStore: CaseStore {
    private let pool: DatabasePool
    public let path: String

    /// How hard commits wait for the disk.
    public enum Durability: String, Sendable {
        /// `synchronous=FULL`: a commit survives a power loss.
        case full
        /// `synchronous=NORMAL`: WAL's default; a commit survives a crash of the process.
        case normal
    }

    /// Opens (or creates) the store at `path`.
    /// - Throws: `StoreError.notAStore` for a file that is not SQLite or not a Gridflow store; the
    ///   file is left untouched.
    public init(path: String, durability: Durability = .full) throws(StoreError) {
        self.path = path
        try Self.checkExisting(path)
        var configuration = Configuration()
        // Several processes may share the file: a writer waits for another's transaction instead
        // of failing at once.
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw StoreError(.database, "cannot open \(path): \(error)")
        }
    }

    /// Refuses files that are not a Gridflow store before anything writes to them.
    private static func checkExisting(_ path: String) throws(StoreError) {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = attributes[.size] as? NSNumber, size.intValue > 0
        else { return }
        var configuration = Configuration()
        configuration.readonly = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            let isStore = try queue.read { db -> Bool in
                if try db.tableExists("gridflow_meta") {
                    return try String.fetchOne(db, sql: "SELECT value FROM gridflow_meta WHERE key = 'application'")
                        == "gridflow"
                }
                return try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") == 0
            }
            try queue.close()
            if !isStore {
                throw StoreError(
                    .notAStore, "\(path) is an SQLite database of another application, not a Gridflow store")
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.notAStore, "\(path) is not a Gridflow store (not an SQLite database)")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: cases, history, timers, outbox, incidents") { db in
            try db.execute(
                sql: """
                    CREATE TABLE gridflow_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    INSERT INTO gridflow_meta (key, value) VALUES ('application', 'gridflow');
                    CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
                    CREATE TABLE cases (
                        id TEXT PRIMARY KEY, unit TEXT NOT NULL, workflow TEXT NOT NULL,
                        definition_version TEXT NOT NULL, state TEXT NOT NULL, fields TEXT NOT NULL,
                        version INTEGER NOT NULL, opened_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, parent TEXT);
                    CREATE INDEX cases_by_place ON cases (unit, workflow, state);
                    CREATE TABLE history (
                        case_id TEXT NOT NULL REFERENCES cases (id), sequence INTEGER NOT NULL, at INTEGER NOT NULL,
                        actor TEXT NOT NULL, event TEXT NOT NULL, transition TEXT, from_state TEXT, to_state TEXT NOT NULL,
                        changes TEXT NOT NULL, definition_version TEXT NOT NULL, PRIMARY KEY (case_id, sequence));
                    CREATE TABLE timers (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, case_id TEXT NOT NULL REFERENCES cases (id),
                        name TEXT, event TEXT NOT NULL, due INTEGER NOT NULL);
                    CREATE INDEX timers_by_due ON timers (due);
                    CREATE TABLE outbox (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, case_id TEXT NOT NULL REFERENCES cases (id),
                        effect TEXT NOT NULL, created_at INTEGER NOT NULL, done_at INTEGER);
                    CREATE TABLE deliveries (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, outbox_id INTEGER NOT NULL UNIQUE REFERENCES outbox (id),
                        kind TEXT NOT NULL, case_id TEXT NOT NULL, details TEXT NOT NULL, at INTEGER NOT NULL);
                    CREATE TABLE incidents (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, case_id TEXT NOT NULL REFERENCES cases (id),
                        code TEXT NOT NULL, message TEXT NOT NULL, transition TEXT, expression TEXT,
                        event TEXT NOT NULL, input TEXT NOT NULL, at INTEGER NOT NULL, resolved_at INTEGER);
                    """)
        }
        migrator.registerMigration("v2: who sent the event an incident came from") { db in
            try db.execute(
                sql: """
                    ALTER TABLE incidents ADD COLUMN actor TEXT NOT NULL DEFAULT 'system';
                    ALTER TABLE incidents ADD COLUMN roles TEXT NOT NULL DEFAULT '[]';
                    """)
        }
        return migrator
    }

    private func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.write(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.database, "\(path): \(error)")
        }
    }

    private func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.read(body)
        } catch {
            throw StoreError(.database, "\(path): \(error)")
        }
    }

    public func newCaseID(unit: String, workflow: String) throws(StoreError) -> String {
        try write { db in
            let name = unit + "/" + workflow
            try db.execute(
                sql:
                    "INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1",
                arguments: [name])
            let value = try Int.fetchOne(db, sql: "SELECT value FROM counters WHERE name = ?", arguments: [name]) ?? 1
            return "\(unit)-\(workflow)-\(value)"
        }
    }

    public func commit(_ step: Step, expectedVersion: Int?) throws(StoreError) {
        try write { db in try commitStep(step, expectedVersion: expectedVersion, db) }
    }

    /// Writes a step inside the caller's transaction.
    func commitStep(_ step: Step, expectedVersion: Int?, _ db: Database) throws {
        let next = step.next
        if let expectedVersion {
            try db.execute(
                sql: """
                    UPDATE cases SET state = ?, fields = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?
                    """,
                arguments: [
                    next.state, ValueJSON.encode(Value.record(next.fields)), next.version, next.updatedAt.seconds,
                    next.id, expectedVersion,
                ])
            if db.changesCount == 0 {
                let stored = try Int.fetchOne(
                    db, sql: "SELECT version FROM cases WHERE id = ?", arguments: [next.id])
                throw StoreError(
                    .conflict,
                    stored == nil
                        ? "case \(next.id) does not exist"
                        : "case \(next.id) changed meanwhile: it is at version \(stored!), not \(expectedVersion); load it again and retry"
                )
            }
        } else {
            try db.execute(
                sql: """
                    INSERT INTO cases (id, unit, workflow, definition_version, state, fields, version, opened_at,
                                       updated_at, parent)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    next.id, next.unit, next.workflow, next.definitionVersion, next.state,
                    ValueJSON.encode(Value.record(next.fields)), next.version, next.openedAt.seconds,
                    next.updatedAt.seconds, next.parent,
                ])
        }
        let history = step.history
        let changes =
            "["
            + history.changes.map {
                "{\"field\":" + ValueJSON.encode(Value.string($0.field)) + ",\"old\":" + ValueJSON.encode($0.old)
                    + ",\"new\":" + ValueJSON.encode($0.new) + "}"
            }.joined(separator: ",") + "]"
        try db.execute(
            sql: """
                INSERT INTO history (case_id, sequence, at, actor, event, transition, from_state, to_state, changes,
                                     definition_version)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                next.id, next.version, history.at.seconds, history.actor, history.event, history.transition,
                history.from, history.to, changes, next.definitionVersion,
            ])
        if step.cancelTimers {
            try db.execute(sql: "DELETE FROM timers WHERE case_id = ?", arguments: [next.id])
        }
        for timer in step.startTimers {
            try db.execute(
                sql: "INSERT INTO timers (case_id, name, event, due) VALUES (?, ?, ?, ?)",
                arguments: [next.id, timer.name, timer.event, timer.due.seconds])
        }
        for effect in step.effects {
            try db.execute(
                sql: "INSERT INTO outbox (case_id, effect, created_at) VALUES (?, ?, ?)",
                arguments: [next.id, EffectJSON.encode(effect), history.at.seconds])
        }
        for incident in step.incidents {
            try Self.insert(incident, caseID: next.id, event: history.event, inputJSON: "{}", at: history.at, db)
        }
    }

    private static func insert(
        _ incident: Incident, caseID: String, event: String, inputJSON: String, actor: Actor = .system, at: Instant,
        _ db: Database
    ) throws {
        try db.execute(
            sql: """
                INSERT INTO incidents (case_id, code, message, transition, expression, event, input, at, actor, roles)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                caseID, incident.code, incident.message, incident.transition, incident.expression, event, inputJSON,
                at.seconds, actor.id, ValueJSON.encode(Value.list(actor.roles.sorted().map(Value.string))),
            ])
    }

    public func record(
        _ incident: Incident, caseID: String, event: String, input: [String: Value], actor: Actor, at: Instant
    ) throws(StoreError) {
        try write { db in
            try Self.insert(
                incident, caseID: caseID, event: event, inputJSON: ValueJSON.encode(input), actor: actor, at: at, db)
        }
    }

    public func commit(_ step: Step, expectedVersion: Int, resolving incident: Int) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: "UPDATE incidents SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL",
                arguments: [step.history.at.seconds, incident])
            guard db.changesCount == 1 else { throw StoreError(.conflict, "incident #\(incident) is resolved already") }
            try commitStep(step, expectedVersion: expectedVersion, db)
        }
    }

    public func incident(_ id: Int) throws(StoreError) -> StoredIncident? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM incidents WHERE id = ?", arguments: [id]).map(Self.storedIncident)
        }
    }

    static func storedIncident(_ row: Row) -> StoredIncident {
        let rolesJSON: String = row["roles"]
        var roles: [String] = []
        if case .array(let items)? = try? JSONReader.read(rolesJSON) { roles = items.compactMap(\.string) }
        let resolvedAt: Int? = row["resolved_at"]
        return StoredIncident(
            id: row["id"], caseID: row["case_id"], code: row["code"], message: row["message"],
            transition: row["transition"], expression: row["expression"], event: row["event"], inputJSON: row["input"],
            actor: Actor(id: row["actor"], roles: Set(roles)), at: Instant(seconds: row["at"]),
            resolved: resolvedAt != nil)
    }

    private static func storedCase(_ row: Row) -> StoredCase {
        StoredCase(
            id: row["id"], unit: row["unit"], workflow: row["workflow"], definitionVersion: row["definition_version"],
            state: row["state"], fieldsJSON: row["fields"], version: row["version"],
            openedAt: Instant(seconds: row["opened_at"]), updatedAt: Instant(seconds: row["updated_at"]),
            parent: row["parent"])
    }

    public func load(_ id: String) throws(StoreError) -> StoredCase? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM cases WHERE id = ?", arguments: [id]).map(Self.storedCase)
        }
    }

    public func list(unit: String?, workflow: String?, state: String?) throws(StoreError) -> [StoredCase] {
        try read { db in
            var conditions: [String] = []
            var arguments: [(any DatabaseValueConvertible)?] = []
            if let unit { conditions.append("unit = ?"); arguments.append(unit) }
            if let workflow { conditions.append("workflow = ?"); arguments.append(workflow) }
            if let state { conditions.append("state = ?"); arguments.append(state) }
            let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
            return try Row.fetchAll(
                db, sql: "SELECT * FROM cases\(filter) ORDER BY opened_at DESC, id DESC",
                arguments: StatementArguments(arguments)
            ).map(Self.storedCase)
        }
    }

    public func history(_ id: String) throws(StoreError) -> [StoredHistory] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM history WHERE case_id = ? ORDER BY sequence", arguments: [id]).map
            {
                row in
                StoredHistory(
                    sequence: row["sequence"], at: Instant(seconds: row["at"]), actor: row["actor"],
                    event: row["event"],
                    transition: row["transition"], from: row["from_state"], to: row["to_state"],
                    changesJSON: row["changes"], definitionVersion: row["definition_version"])
            }
        }
    }

    public func incidents(caseID: String?) throws(StoreError) -> [StoredIncident] {
        try read { db in
            let filter = caseID == nil ? "" : " AND case_id = ?"
            let arguments: StatementArguments = caseID.map { [$0] } ?? []
            return try Row.fetchAll(
                db, sql: "SELECT * FROM incidents WHERE resolved_at IS NULL\(filter) ORDER BY id", arguments: arguments
            ).map(Self.storedIncident)
        }
    }
}

extension SQLiteCaseStore {
    public func dueTimers(unit: String, at now: Instant, limit: Int) throws(StoreError) -> [StoredTimer] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT timers.* FROM timers JOIN cases ON cases.id = timers.case_id
                    WHERE cases.unit = ? AND timers.due <= ? ORDER BY timers.due, timers.id LIMIT ?
                    """, arguments: [unit, now.seconds, limit]
            ).map { row in
                StoredTimer(
                    id: row["id"], caseID: row["case_id"], name: row["name"], event: row["event"],
                    due: Instant(seconds: row["due"]))
            }
        }
    }

    public func deleteTimer(_ id: Int) throws(StoreError) {
        try write { db in try db.execute(sql: "DELETE FROM timers WHERE id = ?", arguments: [id]) }
    }

    public func pendingEffects(unit: String, limit: Int) throws(StoreError) -> [StoredEffect] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT outbox.* FROM outbox JOIN cases ON cases.id = outbox.case_id
                    WHERE cases.unit = ? AND outbox.done_at IS NULL ORDER BY outbox.id LIMIT ?
                    """, arguments: [unit, limit]
            )
            .map { StoredEffect(id: $0["id"], caseID: $0["case_id"], json: $0["effect"]) }
        }
    }

    public func complete(_ effect: StoredEffect, step: Step?, expectedVersion: Int?, delivery: Delivery?)
        throws(StoreError)
    {
        let now = step?.history.at.seconds ?? Int(Date().timeIntervalSince1970)
        try write { db in
            try db.execute(
                sql: "UPDATE outbox SET done_at = ? WHERE id = ? AND done_at IS NULL", arguments: [now, effect.id])
            guard db.changesCount == 1 else {
                throw StoreError(.conflict, "effect #\(effect.id) of case \(effect.caseID) was performed already")
            }
            if let delivery {
                try db.execute(
                    sql: "INSERT INTO deliveries (outbox_id, kind, case_id, details, at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [effect.id, delivery.kind, delivery.caseID, delivery.detailsJSON, now])
            }
            if let step { try commitStep(step, expectedVersion: expectedVersion, db) }
        }
    }

    /// Deliveries of a case (notifications, ledger entries, commendations, appointments), oldest first.
    public func deliveries(caseID: String) throws(StoreError) -> [Delivery] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM deliveries WHERE case_id = ? ORDER BY id", arguments: [caseID]).map
            {
                Delivery(kind: $0["kind"], caseID: $0["case_id"], detailsJSON: $0["details"])
            }
        }
    }
}

/// Outbox entries as JSON.
enum EffectJSON {
    static func encode(_ effect: EffectRequest) -> String {
        func object(_ kind: String, _ fields: [String: Value]) -> String {
            var all = fields
            all["kind"] = .string(kind)
            return ValueJSON.encode(all)
        }
        switch effect {
        case .open(let workflow, let fields):
            return object("open", ["workflow": .string(workflow), "fields": .record(Self.record(fields))])
        case .notify(let role, let message):
            return object("notify", ["role": .string(role), "message": message.map(Value.string) ?? .null])
        case .signal(let caseID, let event):
            return object("signal", ["case": .string(caseID), "event": .string(event)])
        case .record(let ledger, let value):
            return object("record", ["ledger": .string(ledger), "value": value])
        case .commend(let list):
            return object("commend", ["list": .string(list)])
        case .appoint(let role, let person, let at):
            return object("appoint", ["role": .string(role), "person": person, "at": at.map(Value.string) ?? .null])
        }
    }

    static func record(_ fields: [String: Value]) -> GridflowExpressions.Record {
        let names = fields.keys.sorted()
        return GridflowExpressions.Record(layout: RecordLayout(names: names), slots: names.map { fields[$0]! })
    }
}
