import Foundation
import GRDB
import GridflowExpressions
import GridflowRuntime
import Synchronization

/// The embedded case store: one SQLite file, WAL mode, named migrations run on open.
///
/// Writes are group-committed: each step runs in a savepoint of its own, and the steps that
/// arrive while one transaction is being written share the next (see `GroupCommit`). A step
/// is acknowledged only after the transaction holding it has committed, so durability is that
/// of one transaction per step, at a fraction of the syncs.
public final class SQLiteCaseStore: CaseStore {
    /// The suffixes of a store's files: the database, and its write-ahead log and shared
    /// memory while open (`path + suffix`).
    public static let fileSuffixes = ["", "-wal", "-shm"]

    private let pool: DatabasePool
    /// The database file.
    public let path: String
    /// The file's checks and the meaning of SQLite's errors for it.
    private let file: StoreFile
    private let group = GroupCommit()
    /// Case ids reserved from the `counters` table, per `unit/workflow`.
    private let reservedIDs = Mutex<[String: ReservedIDs]>([:])
    /// `countingInPartsFrom`.
    let countInParts = Mutex(20_000)

    struct ReservedIDs {
        var next: Int
        var end: Int
        var block: Int
    }

    /// How steps are grouped: at most `maximum` per shared transaction, and a leader other than
    /// the writer thread writes at most `beforeHandOver` groups in a row for waiting tasks.
    struct Grouping: Sendable {
        var maximum = 256
        var beforeHandOver = 8
    }

    let grouping: Grouping

    /// How hard commits wait for the disk.
    public enum Durability: String, Sendable {
        /// `synchronous=FULL`: a commit survives a power loss.
        case full
        /// `synchronous=NORMAL`: WAL's default; a commit survives a crash of the process.
        case normal
    }

    /// Whether opening a store may create it.
    public enum Opening: Sendable {
        /// Only an existing store is opened; a missing one is `StoreError.Code.missing`.
        case existing
        /// A missing store is created (complete, or not at all).
        case createIfMissing
    }

    /// Whether this open created the store's file.
    public let created: Bool

    /// Opens the store at `path`, creating it if it is missing and `opening` allows.
    /// - Throws: a `StoreError` naming the file and the cause: `.missing`, `.notAStore` (not
    ///   SQLite, or another application's database; the file is left untouched), `.newerSchema`,
    ///   `.busy` (after the busy timeout), `.readOnly`, `.diskFull`, `.cannotOpen`. A failed open
    ///   leaves no file behind that was not there before.
    public convenience init(
        path: String, durability: Durability = .full, opening: Opening = .createIfMissing
    ) throws(StoreError) {
        try self.init(path: path, durability: durability, grouping: Grouping(), opening: opening)
    }

    init(path: String, durability: Durability, grouping: Grouping, opening: Opening = .createIfMissing)
        throws(StoreError)
    {
        self.path = path
        self.grouping = grouping
        let file = StoreFile(path: path)
        self.file = file
        let configuration = Self.configuration(durability)
        do throws(StoreError) {
            var created = false
            if file.existed {
                try file.checkAccess(creating: false)
                try file.checkFormat(Self.migrator)
            } else {
                guard opening == .createIfMissing else { throw StoreError(.missing, "no store at \(path)") }
                try file.checkAccess(creating: true)
                created = try file.create(configuration, Self.migrator)
                if !created { try file.checkFormat(Self.migrator) }
            }
            self.created = created
            self.pool = try Self.openPool(file, configuration, durability)
        } catch {
            // What a failure of the disk left goes; after other failures (a busy store) the
            // files may be another process's.
            if [StoreError.Code.diskFull, .readOnly, .cannotOpen].contains(error.code) { file.removeLeftovers() }
            throw error
        }
    }

    /// The connections to an existing store, its migrations run.
    private static func openPool(_ file: StoreFile, _ configuration: Configuration, _ durability: Durability)
        throws(StoreError) -> DatabasePool
    {
        do {
            let pool = try DatabasePool(path: file.path, configuration: configuration)
            do {
                // GRDB's pool puts its writer in WAL mode after `prepareDatabase` ran, and sets
                // `synchronous = NORMAL` with it: the durability asked for is set again here, on
                // the one connection that commits.
                try pool.writeWithoutTransaction { db in try Self.setSynchronous(durability, db) }
                try Self.migrator.migrate(pool)
            } catch {
                try? pool.close()
                throw error
            }
            return pool
        } catch {
            throw file.error(error)
        }
    }

    /// The connections' settings: several processes may share the file, so a connection waits
    /// for another's lock (up to `StoreFile.busyTimeout`) instead of failing at once.
    static func configuration(_ durability: Durability) -> Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(StoreFile.busyTimeout)
        configuration.prepareDatabase { db in try setSynchronous(durability, db) }
        return configuration
    }

    static func setSynchronous(_ durability: Durability, _ db: Database) throws {
        try db.execute(sql: "PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
    }

    /// The writer connection's `synchronous` setting (2 is FULL, 1 NORMAL), for tests.
    var synchronousSetting: Int {
        get throws { try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 } }
    }

    deinit { group.stopWriter() }

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
        migrator.registerMigration("v3: the people directory of each unit") { db in
            try db.execute(
                sql: """
                    CREATE TABLE people (
                        unit TEXT NOT NULL, id TEXT NOT NULL, roles TEXT NOT NULL, record TEXT NOT NULL,
                        PRIMARY KEY (unit, id));
                    """)
        }
        migrator.registerMigration("v4: appraisal results and their consequences") { db in
            try db.execute(
                sql: """
                    CREATE INDEX cases_by_opening ON cases (unit, workflow, opened_at);
                    CREATE TABLE appraisals (
                        unit TEXT NOT NULL, appraisal TEXT NOT NULL, period TEXT NOT NULL, person TEXT NOT NULL,
                        role TEXT NOT NULL, definition_version TEXT NOT NULL, total TEXT NOT NULL, grade TEXT NOT NULL,
                        details TEXT NOT NULL, at INTEGER NOT NULL,
                        PRIMARY KEY (unit, appraisal, period, person, role));
                    CREATE TABLE appraisal_consequences (
                        unit TEXT NOT NULL, appraisal TEXT NOT NULL, period TEXT NOT NULL, person TEXT NOT NULL,
                        role TEXT NOT NULL, grade TEXT NOT NULL, effect INTEGER NOT NULL, kind TEXT NOT NULL,
                        details TEXT NOT NULL, case_id TEXT REFERENCES cases (id), at INTEGER NOT NULL,
                        PRIMARY KEY (unit, appraisal, period, person, role, grade, effect));
                    """)
        }
        // `tick` asks for the pending effects every time: without this index it read the whole
        // outbox, so a long-lived store (a demo year at scale) slowed down with every effect done.
        migrator.registerMigration("v5: pending effects by id") { db in
            try db.execute(sql: "CREATE INDEX outbox_pending ON outbox (id) WHERE done_at IS NULL")
        }
        // Every step that leaves a state deletes the case's timers: without this index each such
        // step read the whole timers table.
        migrator.registerMigration("v6: timers by case") { db in
            try db.execute(sql: "CREATE INDEX timers_by_case ON timers (case_id)")
        }
        migrator.registerMigration("v7: deployments of each unit") { db in
            try db.execute(
                sql: """
                    CREATE TABLE deployments (
                        unit TEXT NOT NULL, version TEXT NOT NULL, sequence INTEGER NOT NULL, files TEXT NOT NULL,
                        deployed_by TEXT NOT NULL, deployed_at INTEGER NOT NULL, message TEXT,
                        PRIMARY KEY (unit, version), UNIQUE (unit, sequence));
                    CREATE TABLE active_deployments (unit TEXT PRIMARY KEY, version TEXT NOT NULL);
                    CREATE INDEX cases_by_version ON cases (unit, definition_version);
                    """)
        }
        migrator.registerMigration("v8: API tokens") { db in
            try db.execute(
                sql: """
                    CREATE TABLE api_tokens (
                        id TEXT PRIMARY KEY, secret_sha256 TEXT NOT NULL UNIQUE, unit TEXT NOT NULL,
                        person TEXT NOT NULL, admin INTEGER NOT NULL, label TEXT, created_at INTEGER NOT NULL,
                        expires_at INTEGER, revoked_at INTEGER);
                    CREATE INDEX api_tokens_by_unit ON api_tokens (unit, created_at);
                    """)
        }
        // A retried POST with the same Idempotency-Key gets the first answer instead of acting twice.
        migrator.registerMigration("v9: idempotency keys") { db in
            try db.execute(
                sql: """
                    CREATE TABLE idempotency_keys (
                        token TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, created_at INTEGER NOT NULL,
                        status INTEGER, location TEXT, content_type TEXT, body TEXT, PRIMARY KEY (token, key));
                    """)
        }
        // `notify` effects leave one notification each, read by whoever holds the role where the
        // case is when they read their inbox; read marks per person; one delivery per webhook.
        migrator.registerMigration("v10: notifications, read marks and webhook deliveries") { db in
            try db.execute(
                sql: """
                    CREATE TABLE notifications (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, outbox_id INTEGER NOT NULL UNIQUE REFERENCES outbox (id),
                        unit TEXT NOT NULL, case_id TEXT NOT NULL REFERENCES cases (id), workflow TEXT NOT NULL,
                        role TEXT NOT NULL, place TEXT, place_problem TEXT, message TEXT NOT NULL, at INTEGER NOT NULL);
                    CREATE INDEX notifications_by_role ON notifications (unit, role, id);
                    CREATE TABLE notification_reads (
                        notification_id INTEGER NOT NULL REFERENCES notifications (id), person TEXT NOT NULL,
                        read_at INTEGER NOT NULL, PRIMARY KEY (notification_id, person));
                    CREATE TABLE webhook_deliveries (
                        notification_id INTEGER NOT NULL REFERENCES notifications (id), webhook TEXT NOT NULL,
                        attempts INTEGER NOT NULL, next_at INTEGER NOT NULL, done_at INTEGER, failed_at INTEGER,
                        last_error TEXT, PRIMARY KEY (notification_id, webhook));
                    CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (next_at)
                        WHERE done_at IS NULL AND failed_at IS NULL;
                    """)
        }
        // The daemon's pages: one-time sign-in codes an administrator hands out and the sessions they
        // open, each kept as the SHA-256 of its secret only.
        migrator.registerMigration("v11: web sign-in codes and sessions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE signin_codes (
                        code_sha256 TEXT PRIMARY KEY, unit TEXT NOT NULL, person TEXT NOT NULL,
                        created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER);
                    CREATE TABLE web_sessions (
                        id_sha256 TEXT PRIMARY KEY, unit TEXT NOT NULL, person TEXT NOT NULL,
                        created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
                    CREATE INDEX web_sessions_by_expiry ON web_sessions (expires_at);
                    """)
        }
        // Resolving a person read every appointment of the unit (a JSON path over each
        // delivery): the person an appointment or its end names gets a column, kept by a
        // trigger whoever writes the delivery, and an index.
        migrator.registerMigration("v12: appointments by person") { db in
            try db.execute(
                sql: """
                    ALTER TABLE deliveries ADD COLUMN person TEXT;
                    UPDATE deliveries SET person = \(Self.appointedPerson("details"))
                        WHERE kind IN ('appoint', 'end_appointment');
                    CREATE INDEX deliveries_by_person ON deliveries (person, id) WHERE person IS NOT NULL;
                    CREATE TRIGGER deliveries_person AFTER INSERT ON deliveries
                    WHEN NEW.kind IN ('appoint', 'end_appointment') AND NEW.person IS NULL
                    BEGIN
                        UPDATE deliveries SET person = \(Self.appointedPerson("NEW.details")) WHERE id = NEW.id;
                    END;
                    """)
        }
        // Shared file spaces: each file's record, its content apart (a blob, so the content goes
        // with the store's backups and a delete frees it), and the audit trail of every space.
        migrator.registerMigration("v13: shared files") { db in
            try db.execute(
                sql: """
                    CREATE TABLE files (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, unit TEXT NOT NULL, file_space TEXT NOT NULL,
                        space TEXT NOT NULL, folder TEXT NOT NULL, name TEXT NOT NULL, content_type TEXT NOT NULL,
                        size INTEGER NOT NULL, sha256 TEXT NOT NULL, owner TEXT NOT NULL, uploaded_at INTEGER NOT NULL,
                        deleted_at INTEGER, deleted_by TEXT);
                    CREATE INDEX files_by_space ON files (unit, space, folder) WHERE deleted_at IS NULL;
                    CREATE INDEX files_by_owner ON files (unit, owner, folder, uploaded_at);
                    CREATE TABLE file_contents (file_id INTEGER PRIMARY KEY REFERENCES files (id), bytes BLOB NOT NULL);
                    CREATE TABLE file_events (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, file_id INTEGER NOT NULL REFERENCES files (id),
                        unit TEXT NOT NULL, space TEXT NOT NULL, action TEXT NOT NULL, actor TEXT NOT NULL,
                        at INTEGER NOT NULL, from_folder TEXT, to_folder TEXT);
                    CREATE INDEX file_events_by_space ON file_events (unit, space, id);
                    """)
        }
        // The report form's receipts: a reporter follows their report by a code that is kept as
        // its SHA-256 only, with the case it follows.
        migrator.registerMigration("v14: report receipts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE report_receipts (
                        code_sha256 TEXT PRIMARY KEY, unit TEXT NOT NULL, case_id TEXT NOT NULL,
                        created_at INTEGER NOT NULL);
                    """)
        }
        // The step log: a step appends its changes, keyed by case and version, and rewrites the
        // case's small head row (state, version). The log keeps its rowid: rows appended in
        // rowid order fill the last pages, where a table clustered by case (WITHOUT ROWID)
        // spread each group's steps over a page per case, and wrote more to the WAL. The case's
        // fields are written in full only as a snapshot now and then (see `EncodedStep`), so
        // `fields` is the case as of `snapshot_version` and the log's later steps bring it up to date.
        migrator.registerMigration("v15: the step log") { db in
            try db.execute(
                sql: """
                    ALTER TABLE cases ADD COLUMN snapshot_version INTEGER NOT NULL DEFAULT 0;
                    UPDATE cases SET snapshot_version = version;
                    CREATE TABLE steps (
                        case_id TEXT NOT NULL, version INTEGER NOT NULL, at INTEGER NOT NULL, actor TEXT NOT NULL,
                        event TEXT NOT NULL, transition TEXT, from_state TEXT, to_state TEXT NOT NULL,
                        changes TEXT NOT NULL, definition_version TEXT NOT NULL,
                        PRIMARY KEY (case_id, version));
                    INSERT INTO steps (case_id, version, at, actor, event, transition, from_state, to_state, changes,
                                       definition_version)
                        SELECT case_id, sequence, at, actor, event, transition, from_state, to_state, changes,
                               definition_version FROM history ORDER BY case_id, sequence;
                    DROP TABLE history;
                    """)
        }
        // The case list's first page (newest first, of a unit or of one of its workflows) read
        // every case of the unit and sorted them all; with these indexes it reads the page alone.
        migrator.registerMigration("v16: cases by unit and by workflow") { db in
            try db.execute(
                sql: """
                    CREATE INDEX cases_by_unit ON cases (unit);
                    CREATE INDEX cases_by_workflow ON cases (unit, workflow);
                    """)
        }
        // Several processes may tick one store (a daemon and `gridflow tick`): each claims the
        // timers and effects it works on, for a lease, so that each is done once and one a
        // process died working on is taken over when the lease runs out.
        migrator.registerMigration("v17: claims on timers and effects") { db in
            try db.execute(
                sql: """
                    ALTER TABLE timers ADD COLUMN claimed_by TEXT;
                    ALTER TABLE timers ADD COLUMN claimed_until INTEGER;
                    ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
                    ALTER TABLE outbox ADD COLUMN claimed_until INTEGER;
                    """)
        }
        // A case's document lists its open incidents: without this index every request for a
        // case read all the store's open incidents.
        migrator.registerMigration("v18: open incidents by case") { db in
            try db.execute(
                sql: "CREATE INDEX incidents_open_by_case ON incidents (case_id, id) WHERE resolved_at IS NULL")
        }
        return migrator
    }

    /// The SQL for the person an appointment's or its end's details (the column or parameter
    /// `details`) name: `person.id`, or `person` when it is an id.
    /// A condition on an appointment's details: its role is the text bound to `parameter`
    /// (when that is not null), or is not a text at all.
    static func appointmentRole(_ details: String, is parameter: String) -> String {
        "(\(parameter) IS NULL OR json_type(\(details), '$.role') IS NOT 'text' OR json_extract(\(details), '$.role') = \(parameter))"
    }

    static func appointedPerson(_ details: String) -> String {
        "COALESCE(json_extract(\(details), '$.person.id'), json_extract(\(details), '$.person'))"
    }

    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.write(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw file.error(error)
        }
    }

    /// One read transaction on a reader connection. GRDB's own `read` begins and commits it with
    /// statements it prepares again each time, which on the daemon's request path cost more than
    /// the reads themselves; these are cached on the connection.
    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.unsafeRead { db in
                try db.cachedStatement(sql: "BEGIN DEFERRED TRANSACTION").execute()
                do {
                    let value = try body(db)
                    try db.cachedStatement(sql: "COMMIT TRANSACTION").execute()
                    return value
                } catch {
                    if db.isInsideTransaction { try? db.cachedStatement(sql: "ROLLBACK TRANSACTION").execute() }
                    throw error
                }
            }
        } catch {
            throw file.error(error)
        }
    }

    /// Ids come from a counter per workflow, reserved in blocks that grow (1, 2, 4 … 64) while
    /// one process keeps opening cases, so a busy writer does not pay a transaction per id and a
    /// command that opens one case leaves no gap. Ids stay unique across processes; when several
    /// open cases at once, the numbers may skip.
    public func newCaseID(unit: String, workflow: String) throws(StoreError) -> String {
        let name = unit + "/" + workflow
        let taken = reservedIDs.withLock { ids -> Int? in
            guard var reserved = ids[name], reserved.next <= reserved.end else { return nil }
            reserved.next += 1
            ids[name] = reserved
            return reserved.next - 1
        }
        if let taken { return "\(unit)-\(workflow)-\(taken)" }
        let block = reservedIDs.withLock { ids in min((ids[name]?.block ?? 0) * 2, 64) }
        let size = max(block, 1)
        let end = try write { db in
            try Int.fetchOne(
                db,
                sql: """
                    INSERT INTO counters (name, value) VALUES (?, ?)
                    ON CONFLICT (name) DO UPDATE SET value = value + excluded.value RETURNING value
                    """,
                arguments: [name, size]) ?? size
        }
        let first = end - size + 1
        reservedIDs.withLock { ids in
            // Another thread may have reserved meanwhile; whichever writes last is used, the other
            // block's unused ids are a gap (never a duplicate: each block came from the counter).
            ids[name] = ReservedIDs(next: first + 1, end: end, block: size)
        }
        return "\(unit)-\(workflow)-\(first)"
    }

    public func commit(_ step: Step, expectedVersion: Int?) throws(StoreError) {
        let encoded = EncodedStep(step)
        try groupWrite { db in try Self.commitStep(encoded, expectedVersion: expectedVersion, db) }
    }

    public func commit(_ steps: [StepCommit]) throws(StoreError) -> [StoreError?] {
        let encoded = steps.map { EncodedStep($0.step) }
        return try groupWriteEach(steps.count) { index, db in
            try Self.commitStep(encoded[index], expectedVersion: steps[index].expectedVersion, db)
        }
    }

    /// Runs `work` for each of `count` items in the next shared transaction, each in a savepoint
    /// of its own: an item that conflicts is undone alone and its error given at its index
    /// (`nil`: written); any other failure writes none of them and is thrown.
    func groupWriteEach(_ count: Int, _ work: @escaping @Sendable (Int, Database) throws -> Void) throws(StoreError)
        -> [StoreError?]
    {
        if count == 0 { return [] }
        let outcomes = Mutex([StoreError?](repeating: nil, count: count))
        try groupWrite { db in
            // Run again from the start if the group is written again (one savepoint per request).
            var conflicts = [StoreError?](repeating: nil, count: count)
            for index in 0..<count {
                try Self.run(db, sql: "SAVEPOINT one_of_many", arguments: [])
                do {
                    try work(index, db)
                } catch let error as StoreError where error.code == .conflict {
                    try Self.run(db, sql: "ROLLBACK TO one_of_many", arguments: [])
                    conflicts[index] = error
                }
                try Self.run(db, sql: "RELEASE one_of_many", arguments: [])
            }
            outcomes.withLock { $0 = conflicts }
        }
        return outcomes.withLock { $0 }
    }

    public func commitAsync(_ step: Step, expectedVersion: Int?) async throws(StoreError) {
        let encoded = EncodedStep(step)
        try await groupWriteAsync { db in try Self.commitStep(encoded, expectedVersion: expectedVersion, db) }
    }

    /// Runs `work` in the next shared transaction and returns once that transaction has
    /// committed. A thread that finds no transaction being written becomes the leader: it takes
    /// every waiting request (up to `grouping.maximum`), writes them in one transaction, wakes each of
    /// them, and hands the lead on (see `lead`), so every thread is woken once, when its step is
    /// durable or when it is to write the next group. A request that fails is undone alone: the
    /// others of its group are written again without it (see `writeGroup`).
    private func groupWrite(_ work: @escaping @Sendable (Database) throws -> Void) throws(StoreError) {
        let request = GroupCommit.Request(work, waiter: .semaphore(DispatchSemaphore(value: 0)))
        if enqueue(request) {
            lead(asWriter: false)
        } else {
            request.wait()
            // Woken either because the request is written or because it is to lead.
            if !request.done { lead(asWriter: false) }
        }
        if let error = request.error { throw error }
    }

    /// `groupWrite` for async callers: a task that finds no group being written writes it on the
    /// thread it runs on (no hand-off when the store is idle or the task is the only writer);
    /// otherwise it suspends until its transaction has committed. A suspended task is never
    /// handed the lead, since it might find no free thread to run on: the leader keeps writing
    /// for waiting tasks, for a few groups, and then the store's writer thread takes over.
    private func groupWriteAsync(_ work: @escaping @Sendable (Database) throws -> Void) async throws(StoreError) {
        let request = GroupCommit.Request(work, waiter: .suspended)
        let leads = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            request.continuation = continuation
            if enqueue(request) {
                request.continuation = nil
                continuation.resume(returning: true)
            }
        }
        if leads { lead(asWriter: false) }
        if let error = request.error { throw error }
    }

    /// For tests: as if a group were being written, so that requests queue up until
    /// `releaseWrites`.
    func holdWrites() { group.state.withLock { $0.leading = true } }

    /// For tests: writes what queued meanwhile, as a leader thread would (call it on a thread).
    func releaseWrites() { lead(asWriter: false) }

    /// Queues a request; `true` when no group is being written, so the caller is to lead.
    private func enqueue(_ request: GroupCommit.Request) -> Bool {
        group.state.withLock { state -> Bool in
            state.waiting.append(request)
            if state.leading { return false }
            state.leading = true
            return true
        }
    }

    /// Writes groups as their leader, waking each member when its group has committed. The lead
    /// passes to the first request still waiting if a thread waits for it. When a task waits for
    /// it, the leader keeps it (the writer thread always, another leader for
    /// `grouping.beforeHandOver` groups, so that its own caller is not held up for long) and
    /// then gives it to the writer thread.
    func lead(asWriter: Bool) {
        enum Handover {
            case nobody, thread(GroupCommit.Request), keep, writer
        }
        var written = 0
        while true {
            let batch = group.state.withLock { state in
                let batch = Array(state.waiting.prefix(grouping.maximum))
                state.waiting.removeFirst(batch.count)
                state.writing = batch.count
                return batch
            }
            writeGroup(batch)
            written += 1
            let next = group.state.withLock { state -> Handover in
                state.writing = 0
                state.groups += 1
                state.steps += batch.count
                guard let next = state.waiting.first else {
                    state.leading = false
                    return .nobody
                }
                if case .semaphore = next.waiter {
                    state.handedToThreads += 1
                    return .thread(next)
                }
                if asWriter || written < grouping.beforeHandOver { return .keep }
                state.handedToWriter += 1
                return .writer
            }
            for member in batch {
                member.done = true
                member.wake()
            }
            switch next {
            case .nobody: return
            // Not done: when it wakes it leads (the current thread's request was in `batch`).
            case .thread(let request): request.wake()
            case .keep: continue
            case .writer: group.wakeWriter(for: self)
            }
            return
        }
    }

    /// Writes a group in one transaction. Requests first run one after another with no
    /// savepoint of their own; if one fails, the transaction is rolled back and the group is
    /// written again with a savepoint per request, so the failing one is undone alone and keeps
    /// its error while the others commit.
    private func writeGroup(_ batch: [GroupCommit.Request]) {
        do {
            try pool.writeWithoutTransaction { db in
                var failed = false
                try db.inTransaction(.immediate) {
                    for request in batch {
                        do {
                            try request.work(db)
                        } catch {
                            failed = true
                            return .rollback
                        }
                    }
                    return .commit
                }
                guard failed else { return }
                try db.inTransaction(.immediate) {
                    for request in batch {
                        do {
                            try Self.run(db, sql: "SAVEPOINT step", arguments: [])
                            do {
                                try request.work(db)
                            } catch {
                                do {
                                    try Self.run(db, sql: "ROLLBACK TO step", arguments: [])
                                    try Self.run(db, sql: "RELEASE step", arguments: [])
                                } catch let rollback {
                                    // SQLite ended the transaction (disk full, I/O): report the cause.
                                    throw UnrolledStep(cause: error, rollback: rollback)
                                }
                                throw error
                            }
                            try Self.run(db, sql: "RELEASE step", arguments: [])
                        } catch let error as StoreError {
                            request.error = error
                        } catch {
                            // An error SQLite ended the transaction for fails the whole group.
                            guard db.isInsideTransaction else { throw error }
                            request.error = file.error(error)
                        }
                    }
                    return .commit
                }
            }
        } catch {
            for request in batch {
                request.error = file.error(error)
            }
        }
    }

    /// Requests submitted and not yet answered: waiting for a transaction or in the one being written.
    var requestsInFlight: Int {
        group.state.withLock { $0.waiting.count + $0.writing }
    }

    /// How often the lead passed to a waiting thread and to the writer thread, for tests.
    var handOvers: (threads: Int, writer: Int) {
        group.state.withLock { ($0.handedToThreads, $0.handedToWriter) }
    }

    /// For `gridflow bench workflow`: what the storage itself costs. Encodes all `steps` first,
    /// then writes them on the calling thread, `perTransaction` in each transaction, with the
    /// statements a commit runs; returns how long the writing took. Each step expects its
    /// `expectedVersion`.
    @_spi(Bench) public func writeOnly(_ steps: [Step], perTransaction: Int) throws(StoreError) -> Swift.Duration {
        let encoded = steps.map(EncodedStep.init)
        let clock = ContinuousClock()
        let start = clock.now
        do {
            for first in stride(from: 0, to: encoded.count, by: max(perTransaction, 1)) {
                try pool.write { db in
                    for step in encoded[first..<min(first + perTransaction, encoded.count)] {
                        try Self.commitStep(step, expectedVersion: step.step.expectedVersion, db)
                    }
                }
            }
        } catch {
            throw file.error(error)
        }
        return clock.now - start
    }

    /// For benchmarks: copies the write-ahead log into the database file and empties it, as the
    /// last connection to close a store does.
    @_spi(Bench) public func checkpoint() throws(StoreError) {
        do { _ = try pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) } } catch {
            throw file.error(error)
        }
    }

    /// For benchmarks: how often a case's fields are written in full (every `versions` versions,
    /// besides opening, closing and migrating); 1 writes them with every step.
    @_spi(Bench) public static func writeSnapshots(every versions: Int) {
        EncodedStep.snapshotInterval.store(max(versions, 1), ordering: .relaxed)
    }

    /// Steps and shared transactions written so far by this store, for benchmarks.
    public var groupCommitFigures: (steps: Int, transactions: Int) {
        group.state.withLock { ($0.steps, $0.groups) }
    }

    /// Writes a step inside the caller's transaction.
    func commitStep(_ step: Step, expectedVersion: Int?, _ db: Database) throws {
        try Self.commitStep(EncodedStep(step), expectedVersion: expectedVersion, db)
    }

    /// Writes an encoded step inside the caller's transaction. The version check comes first,
    /// so a conflicting step has written nothing when it fails. The statements are bound with
    /// SQLite's own calls (`RawStatement`): they run for every step.
    static func commitStep(_ encoded: EncodedStep, expectedVersion: Int?, _ db: Database) throws {
        let step = encoded.step
        let next = step.next
        if let expectedVersion {
            if let fieldsJSON = encoded.fieldsJSON {
                let update = try RawStatement(
                    db,
                    sql: """
                        UPDATE cases SET state = ?, fields = ?, snapshot_version = ?, version = ?, updated_at = ?
                        WHERE id = ? AND version = ?
                        """)
                update.bind(1, next.state)
                update.bind(2, utf8: fieldsJSON)
                update.bind(3, next.version)
                update.bind(4, next.version)
                update.bind(5, next.updatedAt.seconds)
                update.bind(6, next.id)
                update.bind(7, expectedVersion)
                try update.execute()
            } else {
                let update = try RawStatement(
                    db, sql: "UPDATE cases SET state = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?")
                update.bind(1, next.state)
                update.bind(2, next.version)
                update.bind(3, next.updatedAt.seconds)
                update.bind(4, next.id)
                update.bind(5, expectedVersion)
                try update.execute()
            }
            if db.changesCount == 0 {
                let stored = try Int.fetchOne(
                    db.cachedStatement(sql: "SELECT version FROM cases WHERE id = ?"), arguments: [next.id])
                throw StoreError(
                    .conflict,
                    stored == nil
                        ? "case \(next.id) does not exist"
                        : "case \(next.id) changed meanwhile: it is at version \(stored!), not \(expectedVersion); load it again and retry"
                )
            }
        } else {
            let insert = try RawStatement(
                db,
                sql: """
                    INSERT INTO cases (id, unit, workflow, definition_version, state, fields, snapshot_version, version,
                                       opened_at, updated_at, parent)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            insert.bind(1, next.id)
            insert.bind(2, next.unit)
            insert.bind(3, next.workflow)
            insert.bind(4, next.definitionVersion)
            insert.bind(5, next.state)
            insert.bind(6, utf8: encoded.fieldsJSON ?? EncodedStep.fields(of: step))
            insert.bind(7, next.version)
            insert.bind(8, next.version)
            insert.bind(9, next.openedAt.seconds)
            insert.bind(10, next.updatedAt.seconds)
            insert.bind(11, next.parent)
            try insert.execute()
        }
        let history = step.history
        let append = try RawStatement(
            db,
            sql: """
                INSERT INTO steps (case_id, version, at, actor, event, transition, from_state, to_state, changes,
                                   definition_version)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        append.bind(1, next.id)
        append.bind(2, next.version)
        append.bind(3, history.at.seconds)
        append.bind(4, history.actor)
        append.bind(5, history.event)
        append.bind(6, history.transition)
        append.bind(7, history.from)
        append.bind(8, history.to)
        append.bind(9, utf8: encoded.changesJSON)
        append.bind(10, next.definitionVersion)
        try append.execute()
        if step.cancelTimers {
            let cancel = try RawStatement(db, sql: "DELETE FROM timers WHERE case_id = ?")
            cancel.bind(1, next.id)
            try cancel.execute()
        }
        for timer in step.startTimers {
            let start = try RawStatement(db, sql: "INSERT INTO timers (case_id, name, event, due) VALUES (?, ?, ?, ?)")
            start.bind(1, next.id)
            start.bind(2, timer.name)
            start.bind(3, timer.event)
            start.bind(4, timer.due.seconds)
            try start.execute()
        }
        for effect in encoded.effectsJSON {
            let queue = try RawStatement(db, sql: "INSERT INTO outbox (case_id, effect, created_at) VALUES (?, ?, ?)")
            queue.bind(1, next.id)
            queue.bind(2, effect)
            queue.bind(3, history.at.seconds)
            try queue.execute()
        }
        for incident in step.incidents {
            try insert(incident, caseID: next.id, event: history.event, inputJSON: "{}", at: history.at, db)
        }
    }

    /// Runs a statement prepared once per connection.
    static func run(_ db: Database, sql: String, arguments: StatementArguments) throws {
        try db.cachedStatement(sql: sql).execute(arguments: arguments)
    }

    static func insert(
        _ incident: Incident, caseID: String, event: String, inputJSON: String, actor: Actor = .system, at: Instant,
        _ db: Database
    ) throws {
        try run(
            db,
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
        let inputJSON = ValueJSON.encode(input)
        try groupWrite { db in
            try Self.insert(incident, caseID: caseID, event: event, inputJSON: inputJSON, actor: actor, at: at, db)
        }
    }

    public func recordAsync(
        _ incident: Incident, caseID: String, event: String, input: [String: Value], actor: Actor, at: Instant
    ) async throws(StoreError) {
        let inputJSON = ValueJSON.encode(input)
        try await groupWriteAsync { db in
            try Self.insert(incident, caseID: caseID, event: event, inputJSON: inputJSON, actor: actor, at: at, db)
        }
    }

    public func commit(_ step: Step, expectedVersion: Int, resolving incident: Int) throws(StoreError) {
        let encoded = EncodedStep(step)
        try groupWrite { db in
            try db.execute(
                sql: "UPDATE incidents SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL",
                arguments: [step.history.at.seconds, incident])
            guard db.changesCount == 1 else { throw StoreError(.conflict, "incident #\(incident) is resolved already") }
            try Self.commitStep(encoded, expectedVersion: expectedVersion, db)
        }
    }

    public func incident(_ id: Int) throws(StoreError) -> StoredIncident? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM incidents WHERE id = ?", arguments: [id]).map(Self.storedIncident)
        }
    }

    static func storedIncident(_ row: Row) throws -> StoredIncident {
        let roles = try roles(row["roles"], of: "incident #\(row["id"] as Int)")
        let resolvedAt: Int? = row["resolved_at"]
        return StoredIncident(
            id: row["id"], caseID: row["case_id"], code: row["code"], message: row["message"],
            transition: row["transition"], expression: row["expression"], event: row["event"], inputJSON: row["input"],
            actor: Actor(id: row["actor"], roles: Set(roles)), at: Instant(seconds: row["at"]),
            resolved: resolvedAt != nil)
    }

    static func storedCase(_ row: Row) -> StoredCase {
        StoredCase(
            id: row["id"], unit: row["unit"], workflow: row["workflow"], definitionVersion: row["definition_version"],
            state: row["state"], fieldsJSON: row["fields"], version: row["version"],
            openedAt: Instant(seconds: row["opened_at"]), updatedAt: Instant(seconds: row["updated_at"]),
            parent: row["parent"])
    }

    public func load(_ id: String) throws(StoreError) -> StoredCase? {
        try read { db in try Self.load(id, db) }
    }

    static func load(_ id: String, _ db: Database) throws -> StoredCase? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM cases WHERE id = ?"), arguments: [id])
            .map { row in try Self.storedCase(row, db) }
    }

    /// A stored case with the changes its snapshot lacks: those of the steps after
    /// `snapshot_version`, read from the step log.
    static func storedCase(_ row: Row, _ db: Database) throws -> StoredCase {
        var stored = storedCase(row)
        let snapshotVersion: Int = row["snapshot_version"]
        if snapshotVersion < stored.version {
            stored.changes = try String.fetchAll(
                db.cachedStatement(sql: "SELECT changes FROM steps WHERE case_id = ? AND version > ? ORDER BY version"),
                arguments: [stored.id, snapshotVersion])
        }
        return stored
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
            ).map { row in try Self.storedCase(row, db) }
        }
    }

    public func cases(unit: String?, workflow: String?, state: String?, before cursor: Int64?, limit: Int)
        throws(StoreError) -> (cases: [StoredCase], next: Int64?)
    {
        try read { db in
            var conditions = ["1"]
            var arguments: [(any DatabaseValueConvertible)?] = []
            if let unit {
                conditions.append("unit = ?")
                arguments.append(unit)
            }
            if let workflow {
                conditions.append("workflow = ?")
                arguments.append(workflow)
            }
            if let state {
                conditions.append("state = ?")
                arguments.append(state)
            }
            if let cursor {
                conditions.append("rowid < ?")
                arguments.append(cursor)
            }
            arguments.append(limit + 1)
            let rows = try Row.fetchAll(
                db,
                sql:
                    "SELECT rowid AS gridflow_row, * FROM cases WHERE \(conditions.joined(separator: " AND ")) ORDER BY rowid DESC LIMIT ?",
                arguments: StatementArguments(arguments))
            let page = rows.prefix(limit)
            let next: Int64? = rows.count > limit ? page.last?["gridflow_row"] : nil
            return (try page.map { row in try Self.storedCase(row, db) }, next)
        }
    }

    public func history(_ id: String) throws(StoreError) -> [StoredHistory] {
        try read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM steps WHERE case_id = ? ORDER BY version"), arguments: [id]
            ).map {
                row in
                StoredHistory(
                    sequence: row["version"], at: Instant(seconds: row["at"]), actor: row["actor"],
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
                db.cachedStatement(sql: "SELECT * FROM incidents WHERE resolved_at IS NULL\(filter) ORDER BY id"),
                arguments: arguments
            ).map(Self.storedIncident)
        }
    }

    public func incidents(caseID: String?, after cursor: Int?, limit: Int) throws(StoreError)
        -> (incidents: [StoredIncident], next: Int?)
    {
        try read { db in
            var conditions = ["resolved_at IS NULL"]
            var arguments: [(any DatabaseValueConvertible)?] = []
            if let caseID {
                conditions.append("case_id = ?")
                arguments.append(caseID)
            }
            if let cursor {
                conditions.append("id > ?")
                arguments.append(cursor)
            }
            arguments.append(limit + 1)
            let rows = try Row.fetchAll(
                db,
                sql:
                    "SELECT * FROM incidents WHERE \(conditions.joined(separator: " AND ")) ORDER BY id LIMIT ?",
                arguments: StatementArguments(arguments))
            let page = try rows.prefix(limit).map(Self.storedIncident)
            return (Array(page), rows.count > limit ? page.last?.id : nil)
        }
    }
}

extension SQLiteCaseStore {
    // The timer queries read the timers first, by `timers_by_due`, and look each one's case up
    // (`CROSS JOIN` fixes that order): left to choose, SQLite went through every case of the
    // unit (`cases_by_unit`) looking for its timers, a million index probes per tick in a large
    // store, whose few timers belong to its few open cases.
    static let dueTimersSQL = """
        SELECT timers.* FROM timers CROSS JOIN cases ON cases.id = timers.case_id
        WHERE cases.unit = ? AND timers.due <= ? ORDER BY timers.due, timers.id LIMIT ?
        """
    static let nextTimerDueSQL = """
        SELECT timers.due FROM timers CROSS JOIN cases ON cases.id = timers.case_id
        WHERE cases.unit = ? ORDER BY timers.due LIMIT 1
        """

    public func dueTimers(unit: String, at now: Instant, limit: Int) throws(StoreError) -> [StoredTimer] {
        try read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: Self.dueTimersSQL), arguments: [unit, now.seconds, limit]
            ).map { row in
                StoredTimer(
                    id: row["id"], caseID: row["case_id"], name: row["name"], event: row["event"],
                    due: Instant(seconds: row["due"]))
            }
        }
    }

    public func nextTimerDue(unit: String) throws(StoreError) -> Instant? {
        try read { db in
            try Int.fetchOne(db.cachedStatement(sql: Self.nextTimerDueSQL), arguments: [unit]).map {
                Instant(seconds: $0)
            }
        }
    }

    public func claimDueTimers(unit: String, at now: Instant, limit: Int, claim: Claim) throws(StoreError)
        -> [StoredTimer]
    {
        // A read first: most rounds find nothing due, and a read takes no write lock.
        guard try !dueTimers(unit: unit, at: now, limit: 1).isEmpty else { return [] }
        return try write { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        UPDATE timers SET claimed_by = ?, claimed_until = ?
                        WHERE id IN (
                            SELECT timers.id FROM timers CROSS JOIN cases ON cases.id = timers.case_id
                            WHERE cases.unit = ? AND timers.due <= ? AND (timers.claimed_until IS NULL OR timers.claimed_until <= ?)
                            ORDER BY timers.due, timers.id LIMIT ?)
                        RETURNING id, case_id, name, event, due
                        """),
                arguments: [claim.claimant, now.seconds + claim.seconds, unit, now.seconds, now.seconds, limit]
            ).map { row in
                StoredTimer(
                    id: row["id"], caseID: row["case_id"], name: row["name"], event: row["event"],
                    due: Instant(seconds: row["due"]))
            }.sorted { ($0.due, $0.id) < ($1.due, $1.id) }
        }
    }

    public func claimPendingEffects(unit: String, at now: Instant, limit: Int, claim: Claim) throws(StoreError)
        -> [StoredEffect]
    {
        guard try !pendingEffects(unit: unit, limit: 1).isEmpty else { return [] }
        return try write { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        UPDATE outbox SET claimed_by = ?, claimed_until = ?
                        WHERE id IN (
                            SELECT outbox.id FROM outbox JOIN cases ON cases.id = outbox.case_id
                            WHERE cases.unit = ? AND outbox.done_at IS NULL
                              AND (outbox.claimed_until IS NULL OR outbox.claimed_until <= ?)
                            ORDER BY outbox.id LIMIT ?)
                        RETURNING id, case_id, effect, created_at
                        """),
                arguments: [claim.claimant, now.seconds + claim.seconds, unit, now.seconds, limit]
            ).map {
                StoredEffect(
                    id: $0["id"], caseID: $0["case_id"], json: $0["effect"],
                    createdAt: Instant(seconds: $0["created_at"]))
            }.sorted { $0.id < $1.id }
        }
    }

    public func deleteTimer(_ id: Int) throws(StoreError) {
        try groupWrite { db in try Self.run(db, sql: "DELETE FROM timers WHERE id = ?", arguments: [id]) }
    }

    public func pendingEffects(unit: String, limit: Int) throws(StoreError) -> [StoredEffect] {
        try read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT outbox.* FROM outbox JOIN cases ON cases.id = outbox.case_id
                        WHERE cases.unit = ? AND outbox.done_at IS NULL ORDER BY outbox.id LIMIT ?
                        """), arguments: [unit, limit]
            )
            .map {
                StoredEffect(
                    id: $0["id"], caseID: $0["case_id"], json: $0["effect"],
                    createdAt: Instant(seconds: $0["created_at"]))
            }
        }
    }

    public func complete(_ effect: StoredEffect, step: Step?, expectedVersion: Int?, delivery: Delivery?)
        throws(StoreError)
    {
        let completion = EffectCompletion(effect, step: step, expectedVersion: expectedVersion, delivery: delivery)
        let encoded = step.map(EncodedStep.init)
        try groupWrite { db in try Self.complete(completion, encoded, db) }
    }

    public func complete(_ completions: [EffectCompletion]) throws(StoreError) -> [StoreError?] {
        let encoded = completions.map { $0.step.map(EncodedStep.init) }
        return try groupWriteEach(completions.count) { index, db in
            try Self.complete(completions[index], encoded[index], db)
        }
    }

    /// Marks one outbox entry performed, with its delivery and step.
    private static func complete(_ completion: EffectCompletion, _ encoded: EncodedStep?, _ db: Database) throws {
        let (effect, delivery) = (completion.effect, completion.delivery)
        let now =
            completion.step?.history.at.seconds ?? delivery?.at?.seconds ?? Int(Date().timeIntervalSince1970)
        try Self.run(
            db, sql: "UPDATE outbox SET done_at = ? WHERE id = ? AND done_at IS NULL", arguments: [now, effect.id])
        guard db.changesCount == 1 else {
            throw StoreError(.conflict, "effect #\(effect.id) of case \(effect.caseID) was performed already")
        }
        if let delivery {
            try Self.run(
                db, sql: "INSERT INTO deliveries (outbox_id, kind, case_id, details, at) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    effect.id, delivery.kind, delivery.caseID, delivery.detailsJSON, delivery.at?.seconds ?? now,
                ])
            if let notice = delivery.notice {
                try Self.insert(notice, outboxID: effect.id, caseID: delivery.caseID, db)
            }
            if let incident = delivery.incident {
                try Self.insert(
                    incident, caseID: effect.caseID, event: "effect",
                    inputJSON: ValueJSON.encode([String: Value]()),
                    at: delivery.incidentAt ?? Instant(seconds: now), db)
            }
            if delivery.kind == "appoint" || delivery.kind == "end_appointment" {
                try Self.run(
                    db,
                    sql: """
                        INSERT INTO counters (name, value) SELECT 'directory:' || unit, 1 FROM cases WHERE id = ?
                        ON CONFLICT (name) DO UPDATE SET value = value + 1
                        """, arguments: [delivery.caseID])
            }
        }
        if let encoded { try Self.commitStep(encoded, expectedVersion: completion.expectedVersion, db) }
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

extension SQLiteCaseStore {
    public func person(unit: String, id: String) throws(StoreError) -> StoredPerson? {
        try read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM people WHERE unit = ? AND id = ?"), arguments: [unit, id]
            ).map(Self.storedPerson)
        }
    }

    public func hasPeople(unit: String) throws(StoreError) -> Bool {
        try read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM people WHERE unit = ?)", arguments: [unit])
                ?? false
        }
    }

    public func people(unit: String) throws(StoreError) -> [StoredPerson] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM people WHERE unit = ? ORDER BY id", arguments: [unit])
                .map(Self.storedPerson)
        }
    }

    public func directoryRevision(unit: String) throws(StoreError) -> Int {
        try read { db in
            try Int.fetchOne(
                db.cachedStatement(sql: "SELECT value FROM counters WHERE name = ?"), arguments: ["directory:" + unit])
                ?? 0
        }
    }

    public func directoryStamp(unit: String, person: String) throws(StoreError) -> DirectoryStamp {
        try read { db in try Self.directoryStamp(unit: unit, person: person, db) }
    }

    /// Two index lookups: the counter, and the person's last appointment delivery (the
    /// `person` column is set for appointments and their ends only).
    static func directoryStamp(unit: String, person: String, _ db: Database) throws -> DirectoryStamp {
        let people =
            try Int.fetchOne(
                db.cachedStatement(sql: "SELECT value FROM counters WHERE name = ?"), arguments: ["people:" + unit])
            ?? 0
        let appointments =
            try Int.fetchOne(
                db.cachedStatement(sql: "SELECT MAX(id) FROM deliveries WHERE person = ?"), arguments: [person]) ?? 0
        return DirectoryStamp(people: people, appointments: appointments)
    }

    /// An import (or an appraisal's appointment) changes both the unit's directory revision and
    /// its people counter.
    static func bumpDirectory(unit: String, _ db: Database) throws {
        for name in ["directory:" + unit, "people:" + unit] {
            try run(
                db,
                sql: """
                    INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1
                    """, arguments: [name])
        }
    }

    public func importPeople(unit: String, _ people: [StoredPerson], replacing: Bool) throws(StoreError) {
        try write { db in
            try Self.bumpDirectory(unit: unit, db)
            if replacing { try db.execute(sql: "DELETE FROM people WHERE unit = ?", arguments: [unit]) }
            for person in people {
                try Self.run(
                    db,
                    sql: """
                        INSERT INTO people (unit, id, roles, record) VALUES (?, ?, ?, ?)
                        ON CONFLICT (unit, id) DO UPDATE SET roles = excluded.roles, record = excluded.record
                        """,
                    arguments: [
                        unit, person.id, ValueJSON.encode(Value.list(person.roles.map(Value.string))),
                        person.recordJSON,
                    ])
            }
        }
    }

    static func storedPerson(_ row: Row) throws -> StoredPerson {
        StoredPerson(
            id: row["id"], roles: try roles(row["roles"], of: "person \(row["id"] as String)"),
            recordJSON: row["record"])
    }

    /// A stored list of role names; anything else is an error, never an empty list.
    static func roles(_ json: String, of what: String) throws -> [String] {
        guard case .array(let items)? = try? JSONReader.read(json) else {
            throw StoreError(.database, "the roles of \(what) cannot be read: \(json)")
        }
        return try items.map { item in
            guard let role = item.string else {
                throw StoreError(.database, "the roles of \(what) cannot be read: \(json)")
            }
            return role
        }
    }
}

extension SQLiteCaseStore {
    /// Appointments made by cases (`appoint` effects performed by `tick`) and by appraisal
    /// consequences, oldest first; an entry that cannot be read is an error, not a silent gap.
    /// Ends (`end_appointment`, from the same two places) are applied in the order they were
    /// recorded: each marks the person's appointments to the role made before it (at its node,
    /// when it names one) as ended; nothing is deleted. No table changed for this: a store made
    /// before ends existed has none, and all its appointments last.
    public func appointments(unit: String, person: String?) throws(StoreError) -> [StoredAppointment] {
        try appointments(unit: unit, person: person, role: nil)
    }

    /// Narrowed in SQL to the role's entries, and those whose role is not a text (which the
    /// reading then names as unreadable).
    public func appointments(unit: String, role: String) throws(StoreError) -> [StoredAppointment] {
        try appointments(unit: unit, person: nil, role: role)
    }

    public func people(unit: String, holding role: String) throws(StoreError) -> [StoredPerson] {
        try read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT * FROM people WHERE unit = ?
                          AND EXISTS (SELECT 1 FROM json_each(people.roles) WHERE json_each.value = ?)
                        ORDER BY id
                        """), arguments: [unit, role]
            ).map(Self.storedPerson)
        }
    }

    private func appointments(unit: String, person: String?, role: String?) throws(StoreError)
        -> [StoredAppointment]
    {
        let ofRole = role == nil ? "?3 IS NULL" : Self.appointmentRole("details", is: "?3")
        return try read { db in
            // Appointments and ends, each with when it was recorded and its order among those of that instant.
            var records: [AppointmentRecord] = []
            for row in try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT deliveries.case_id, deliveries.kind, deliveries.details, deliveries.at, deliveries.id
                        FROM deliveries JOIN cases ON cases.id = deliveries.case_id
                        WHERE \(person == nil ? "deliveries.person IS NOT NULL AND ?2 IS NULL" : "deliveries.person = ?2")
                          AND cases.unit = ?1 AND deliveries.kind IN ('appoint', 'end_appointment')
                          AND \(Self.appointmentRole("deliveries.details", is: "?3"))
                        ORDER BY deliveries.id
                        """), arguments: [unit, person, role])
            {
                records.append(
                    AppointmentRecord(
                        at: Instant(seconds: row["at"]), order: row["id"], kind: row["kind"],
                        detailsJSON: row["details"],
                        source: row["case_id"]))
            }
            for row in try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT appraisal, period, kind, details, at FROM appraisal_consequences
                        WHERE unit = ? AND kind IN ('appoint', 'end_appointment') AND (?2 IS NULL OR person = ?2)
                          AND \(ofRole)
                        ORDER BY at, person
                        """), arguments: [unit, person, role])
            {
                let appraisal: String = row["appraisal"]
                let period: String = row["period"]
                records.append(
                    AppointmentRecord(
                        at: Instant(seconds: row["at"]), order: Int.max, kind: row["kind"], detailsJSON: row["details"],
                        source: "appraisal \(appraisal) \(period)"))
            }
            return try StoredAppointment.assemble(records)
        }
    }

    public func cases(unit: String, workflow: String, openedFrom from: Instant, to: Instant) throws(StoreError)
        -> [StoredCase]
    {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM cases WHERE unit = ? AND workflow = ? AND opened_at >= ? AND opened_at < ?
                    ORDER BY opened_at, id
                    """, arguments: [unit, workflow, from.seconds, to.seconds]
            ).map { row in try Self.storedCase(row, db) }
        }
    }

    public func firstEntries(unit: String, workflow: String, openedFrom from: Instant, to: Instant)
        throws(StoreError) -> [String: [String: Instant]]
    {
        try read { db in
            var entries: [String: [String: Instant]] = [:]
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT steps.case_id, steps.to_state, MIN(steps.at) AS first FROM steps
                    JOIN cases ON cases.id = steps.case_id
                    WHERE cases.unit = ? AND cases.workflow = ? AND cases.opened_at >= ? AND cases.opened_at < ?
                    GROUP BY steps.case_id, steps.to_state
                    """, arguments: [unit, workflow, from.seconds, to.seconds])
            while let row = try rows.next() {
                entries[row["case_id"], default: [:]][row["to_state"]] = Instant(seconds: row["first"])
            }
            return entries
        }
    }

    public func appraisalResults(unit: String, appraisal: String, period: String) throws(StoreError)
        -> [StoredAppraisal]
    {
        try read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM appraisals WHERE unit = ? AND appraisal = ? AND period = ? ORDER BY person, role",
                arguments: [unit, appraisal, period]
            ).map { row in
                StoredAppraisal(
                    person: row["person"], role: row["role"], definitionVersion: row["definition_version"],
                    total: row["total"], grade: row["grade"], detailsJSON: row["details"],
                    at: Instant(seconds: row["at"]))
            }
        }
    }

    public func appraisalConsequences(unit: String, appraisal: String, period: String) throws(StoreError)
        -> [StoredConsequence]
    {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM appraisal_consequences WHERE unit = ? AND appraisal = ? AND period = ?
                    ORDER BY person, role, grade, effect
                    """, arguments: [unit, appraisal, period]
            ).map { row in
                StoredConsequence(
                    person: row["person"], role: row["role"], grade: row["grade"], index: row["effect"],
                    kind: row["kind"], detailsJSON: row["details"], caseID: row["case_id"])
            }
        }
    }

}

/// A step failed and SQLite could not roll back to its savepoint: the transaction is gone.
struct UnrolledStep: Error, CustomStringConvertible {
    var cause: any Error
    var rollback: any Error
    var description: String { "\(cause) (the transaction could not be rolled back to the step: \(rollback))" }
}

/// The queue of writes waiting for the next shared transaction, whether a leader is writing one,
/// and the store's writer thread, which leads for suspended tasks.
final class GroupCommit: Sendable {
    /// One write: its work, and its outcome once its transaction has committed or failed.
    /// `done` and `error` are written by the leader before `wake` is signalled and read by the
    /// requester after it returns, so the semaphore orders them.
    final class Request: @unchecked Sendable {
        /// How the requester waits: a blocked thread, or a suspended task.
        enum Waiter {
            case semaphore(DispatchSemaphore)
            case suspended
        }

        let work: @Sendable (Database) throws -> Void
        var error: StoreError?
        var done = false
        let waiter: Waiter
        /// The suspended task, set before the request is queued; resumed with `false` when the
        /// request is done (a task is never woken to lead).
        var continuation: CheckedContinuation<Bool, Never>?

        init(_ work: @escaping @Sendable (Database) throws -> Void, waiter: Waiter) {
            self.work = work
            self.waiter = waiter
        }

        /// Blocks the requesting thread until `wake`.
        func wait() {
            if case .semaphore(let semaphore) = waiter { semaphore.wait() }
        }

        /// Lets the requester go on: its request is done, or it is to lead.
        func wake() {
            switch waiter {
            case .semaphore(let semaphore): semaphore.signal()
            case .suspended:
                let continuation = self.continuation
                self.continuation = nil
                continuation?.resume(returning: false)
            }
        }
    }

    struct State {
        var waiting: [Request] = []
        var leading = false
        /// Requests in the transaction being written.
        var writing = 0
        var groups = 0
        var steps = 0
        /// How often the lead passed to a waiting thread, and to the writer thread.
        var handedToThreads = 0
        var handedToWriter = 0
    }

    let state = Mutex(State())
    /// Signalled when the writer thread is to lead; started on first use.
    private let writerWake = DispatchSemaphore(value: 0)
    private let writerStarted = Mutex(false)

    /// Gives the lead to the writer thread. It holds the store weakly while it waits, and ends
    /// once the store is gone (`deinit` wakes it).
    func wakeWriter(for store: SQLiteCaseStore) {
        let start = writerStarted.withLock { started in
            defer { started = true }
            return !started
        }
        if start {
            let wake = writerWake
            let thread = Thread { [weak store] in
                while true {
                    wake.wait()
                    guard let leader = store else { return }
                    leader.lead(asWriter: true)
                }
            }
            thread.name = "gridflow-writer"
            thread.start()
        }
        writerWake.signal()
    }

    /// Lets the writer thread end (the store is going away).
    func stopWriter() {
        if writerStarted.withLock({ $0 }) { writerWake.signal() }
    }
}

// MARK: Deployments

extension SQLiteCaseStore {
    public func deployments(unit: String) throws(StoreError) -> [StoredDeployment] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM deployments WHERE unit = ? ORDER BY sequence", arguments: [unit])
                .map(Self.storedDeployment)
        }
    }

    public func deployment(unit: String, version: String) throws(StoreError) -> StoredDeployment? {
        try read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM deployments WHERE unit = ? AND version = ?", arguments: [unit, version]
            ).map(Self.storedDeployment)
        }
    }

    public func standing(unit: String, version: String) throws(StoreError) -> DeploymentStanding {
        try read { db in
            let sequence = try Int.fetchOne(
                db.cachedStatement(sql: "SELECT sequence FROM deployments WHERE unit = ? AND version = ?"),
                arguments: [unit, version])
            let active = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT active_deployments.version, deployments.sequence FROM active_deployments
                        LEFT JOIN deployments ON deployments.unit = active_deployments.unit
                          AND deployments.version = active_deployments.version
                        WHERE active_deployments.unit = ?
                        """), arguments: [unit])
            return DeploymentStanding(
                sequence: sequence, activeVersion: active?[0], activeSequence: active?[1])
        }
    }

    public func deployedUnits() throws(StoreError) -> [String] {
        try read { db in
            try String.fetchAll(db.cachedStatement(sql: "SELECT unit FROM active_deployments ORDER BY unit"))
        }
    }

    public func activeDeployment(unit: String) throws(StoreError) -> String? {
        try read { db in
            try String.fetchOne(
                db.cachedStatement(sql: "SELECT version FROM active_deployments WHERE unit = ?"), arguments: [unit])
        }
    }

    public func deploy(_ deployment: StoredDeployment, adopting: [String]) throws(StoreError) -> Bool {
        try write { db in
            let exists =
                try Int.fetchOne(
                    db, sql: "SELECT 1 FROM deployments WHERE unit = ? AND version = ?",
                    arguments: [deployment.unit, deployment.version]) != nil
            if !exists {
                let sequence =
                    try Int.fetchOne(
                        db, sql: "SELECT COALESCE(MAX(sequence), 0) + 1 FROM deployments WHERE unit = ?",
                        arguments: [deployment.unit]) ?? 1
                let files = Value.list(
                    deployment.files.map {
                        .map([.string("path"): .string($0.path), .string("text"): .string($0.text)])
                    })
                try db.execute(
                    sql: """
                        INSERT INTO deployments (unit, version, sequence, files, deployed_by, deployed_at, message)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        deployment.unit, deployment.version, sequence, ValueJSON.encode(files), deployment.deployedBy,
                        deployment.deployedAt.seconds, deployment.message,
                    ])
            }
            try db.execute(
                sql: """
                    INSERT INTO active_deployments (unit, version) VALUES (?, ?)
                    ON CONFLICT (unit) DO UPDATE SET version = excluded.version
                    """, arguments: [deployment.unit, deployment.version])
            for legacy in adopting where legacy != deployment.version {
                try db.execute(
                    sql: "UPDATE cases SET definition_version = ? WHERE unit = ? AND definition_version = ?",
                    arguments: [deployment.version, deployment.unit, legacy])
            }
            return !exists
        }
    }

    public func activate(unit: String, version: String) throws(StoreError) {
        try write { db in
            guard
                try Int.fetchOne(
                    db, sql: "SELECT 1 FROM deployments WHERE unit = ? AND version = ?", arguments: [unit, version])
                    != nil
            else { throw StoreError(.notFound, "unit \(unit) has no deployment \(version)") }
            try db.execute(
                sql: """
                    INSERT INTO active_deployments (unit, version) VALUES (?, ?)
                    ON CONFLICT (unit) DO UPDATE SET version = excluded.version
                    """, arguments: [unit, version])
        }
    }

    public func migrate(_ steps: [Step]) throws(StoreError) {
        let encoded = steps.map(EncodedStep.init)
        try write { db in
            for step in encoded {
                let next = step.step.next
                let expected = next.version - 1
                try Self.run(
                    db, sql: "UPDATE cases SET definition_version = ? WHERE id = ? AND version = ?",
                    arguments: [next.definitionVersion, next.id, expected])
                guard db.changesCount == 1 else {
                    throw StoreError(
                        .conflict,
                        "case \(next.id) changed meanwhile (it is not at version \(expected)); nothing was migrated")
                }
                try Self.commitStep(step, expectedVersion: expected, db)
            }
        }
    }

    public func caseCounts(unit: String) throws(StoreError) -> [CaseCount] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT definition_version, workflow, state, COUNT(*) AS n FROM cases WHERE unit = ?
                    GROUP BY definition_version, workflow, state ORDER BY definition_version, workflow, state
                    """, arguments: [unit]
            ).map { row in
                CaseCount(
                    version: row["definition_version"], workflow: row["workflow"], state: row["state"], count: row["n"])
            }
        }
    }

    static func storedDeployment(_ row: Row) throws -> StoredDeployment {
        let text: String = row["files"]
        var files: [StoredDeployment.File] = []
        if case .array(let items) = try JSONReader.read(text.utf8) {
            for item in items {
                guard case .object(let object) = item, case .string(let path)? = object["path"],
                    case .string(let body)? = object["text"]
                else {
                    throw StoreError(
                        .database,
                        "deployment \(row["sequence"] as Int? ?? 0) of \(row["unit"] as String? ?? "?") holds a file entry that is not {path, text}"
                    )
                }
                files.append(.init(path: path, text: body))
            }
        }
        return StoredDeployment(
            unit: row["unit"], version: row["version"], sequence: row["sequence"], files: files,
            deployedBy: row["deployed_by"], deployedAt: Instant(seconds: row["deployed_at"]), message: row["message"])
    }
}
