import Foundation
import GRDB
import GridflowRuntime
import GridflowTestSupport
import Testing

@testable import GridflowStore

/// Opening a store on real files: each failure names the file and its real cause, and leaves
/// no file behind that was not there before.
@Suite struct StoreOpeningTests {
    let folder: URL

    init() throws {
        folder = TemporaryFiles.path("gridflow-opening")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// The names in the folder, sorted.
    func files() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() }

    func openingError(_ path: String, _ opening: SQLiteCaseStore.Opening = .createIfMissing) -> StoreError? {
        do {
            _ = try SQLiteCaseStore(path: path, opening: opening)
            return nil
        } catch {
            return error
        }
    }

    /// The durability asked for is the one the committing connection has, on a new store and
    /// on an existing one (GRDB's pool sets NORMAL when it puts a connection in WAL mode).
    @Test func theWriterCommitsWithTheDurabilityAskedFor() throws {
        for (durability, setting) in [(SQLiteCaseStore.Durability.full, 2), (.normal, 1), (.full, 2)] {
            let store = try SQLiteCaseStore(path: path("s.sqlite"), durability: durability)
            #expect(try store.synchronousSetting == setting, "\(durability)")
        }
        #expect(try SQLiteCaseStore(path: path("s.sqlite"), opening: .existing).synchronousSetting == 2)
    }

    @Test func aMissingStoreIsCreatedOnlyWhenAskedFor() throws {
        let error = openingError(path("s.sqlite"), .existing)
        #expect(error?.code == .missing)
        #expect(error?.message == "no store at \(path("s.sqlite"))")
        #expect(try files() == [])
        let store = try SQLiteCaseStore(path: path("s.sqlite"))
        #expect(store.created)
        #expect(try SQLiteCaseStore(path: path("s.sqlite"), opening: .existing).created == false)
        let missingFolder = openingError(path("nowhere/s.sqlite"))
        #expect(missingFolder?.code == .cannotOpen)
        #expect(
            missingFolder?.message
                == "cannot create \(path("nowhere/s.sqlite")): the folder \(path("nowhere")) does not exist")
    }

    @Test func aTextFileIsNotAnSQLiteDatabaseAndIsLeftAlone() throws {
        try "a shopping list\n".write(toFile: path("notes.db"), atomically: true, encoding: .utf8)
        let error = openingError(path("notes.db"))
        #expect(error?.code == .notAStore)
        #expect(error?.message == "\(path("notes.db")) is not a Gridflow store (not an SQLite database)")
        #expect(try String(contentsOfFile: path("notes.db"), encoding: .utf8) == "a shopping list\n")
        #expect(try files() == ["notes.db"])
    }

    @Test func aForeignWALDatabaseIsRefusedWithoutLeavingItsLogBehind() throws {
        let foreign = try DatabaseQueue(path: path("other.db"))
        try foreign.writeWithoutTransaction { db in
            _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "CREATE TABLE notes (x)")
        }
        try foreign.close()
        #expect(try files() == ["other.db"])
        let error = openingError(path("other.db"))
        #expect(error?.code == .notAStore)
        #expect(
            error?.message == "\(path("other.db")) is an SQLite database of another application, not a Gridflow store")
        #expect(try files() == ["other.db"])
    }

    @Test func aStoreOfANewerBuildSaysSo() throws {
        _ = try SQLiteCaseStore(path: path("s.sqlite"))
        let queue = try DatabaseQueue(path: path("s.sqlite"))
        try queue.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99: from the future')")
        }
        try queue.close()
        let error = openingError(path("s.sqlite"))
        #expect(error?.code == .newerSchema)
        #expect(
            error?.message
                == "\(path("s.sqlite")) was written by a newer Gridflow: its schema has 'v99: from the future', which this build does not know; use a newer gridflow"
        )
    }

    /// Another process holds the file locked (a writer in exclusive locking mode, as during a
    /// migration or a WAL recovery): opening waits for it instead of calling the file foreign.
    @Test func aLockedStoreIsWaitedForNotCalledForeign() throws {
        _ = try SQLiteCaseStore(path: path("s.sqlite"))
        let holder = try DatabaseQueue(path: path("s.sqlite"))
        let locked = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let thread = Thread {
            try? holder.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA locking_mode = EXCLUSIVE")
                try db.execute(sql: "BEGIN EXCLUSIVE")
                try db.execute(sql: "UPDATE gridflow_meta SET value = value")
                locked.signal()
                release.wait()
                try db.execute(sql: "COMMIT")
                try db.execute(sql: "PRAGMA locking_mode = NORMAL")
                // The exclusive lock goes with the next access.
                _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM gridflow_meta")
            }
        }
        thread.start()
        locked.wait()
        DispatchQueue.global().asyncAfter(deadline: .now() + 1) { release.signal() }
        let store = try SQLiteCaseStore(path: path("s.sqlite"), opening: .existing)
        #expect(try store.list(unit: nil, workflow: nil, state: nil).isEmpty)
        try holder.close()
    }

    /// SQLite's result codes mean what they say; the library's own words stay in the details.
    @Test func errorsAreNamedByTheirCause() throws {
        let file = StoreFile(path: path("s.sqlite"))
        func mapped(_ code: ResultCode) -> StoreError {
            file.error(DatabaseError(resultCode: code, message: "sqlite says \(code.rawValue)"))
        }
        #expect(
            mapped(.SQLITE_NOTADB).message == "\(path("s.sqlite")) is not a Gridflow store (not an SQLite database)")
        #expect(mapped(.SQLITE_BUSY).code == .busy)
        #expect(mapped(.SQLITE_LOCKED).code == .busy)
        #expect(
            mapped(.SQLITE_BUSY).message
                == "\(path("s.sqlite")) is busy: another process kept it locked for more than 10 seconds; try again")
        #expect(mapped(.SQLITE_FULL).code == .diskFull)
        #expect(mapped(.SQLITE_FULL).message == "\(path("s.sqlite")) cannot be written: the disk is full")
        #expect(mapped(.SQLITE_READONLY).code == .readOnly)
        #expect(mapped(.SQLITE_CANTOPEN).code == .cannotOpen)
        #expect(
            mapped(.SQLITE_CORRUPT).message == "\(path("s.sqlite")) is damaged: the database disk image is malformed")
        #expect(mapped(.SQLITE_FULL).debugDescription.contains("sqlite says 13"))
        #expect(!mapped(.SQLITE_FULL).description.contains("sqlite says"))
    }

    /// A connection that may not write (as for a read-only file or folder, which root, who runs
    /// these tests, is not refused) reports SQLITE_READONLY, which reads as read-only.
    @Test func aReadOnlyConnectionsRefusalReadsAsReadOnly() throws {
        _ = try SQLiteCaseStore(path: path("s.sqlite"))
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path("s.sqlite"), configuration: configuration)
        defer { try? queue.close() }
        do {
            try queue.write { db in try db.execute(sql: "DELETE FROM counters") }
            Issue.record("a read-only connection wrote")
        } catch {
            let mapped = StoreFile(path: path("s.sqlite")).error(error)
            #expect(mapped.code == .readOnly)
            #expect(mapped.message.hasPrefix(path("s.sqlite") + " is read-only"))
        }
    }
}

/// A store of an earlier schema is migrated when opened: what it holds is read as before.
@Suite struct StoreUpgradeTests {
    /// A store at `v10` (before appointments had a person column) with an appointment and its
    /// end recorded; opened by this build, `v12` fills the column and a person's appointments
    /// are found through it.
    @Test func appointmentsRecordedBeforeV12AreFoundByPerson() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gridflow-upgrade-\(UUID().uuidString).sqlite"
        ).path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let queue = try DatabaseQueue(path: path)
        try SQLiteCaseStore.migrator.migrate(queue, upTo: "v10: notifications, read marks and webhook deliveries")
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO cases (id, unit, workflow, definition_version, state, fields, version, opened_at,
                        updated_at) VALUES ('c1', 'rt', 'report', 'v', 'closed', '{}', 1, 0, 0);
                    INSERT INTO outbox (case_id, effect, created_at, done_at) VALUES ('c1', '{}', 100, 100);
                    INSERT INTO deliveries (outbox_id, kind, case_id, details, at) VALUES (1, 'appoint', 'c1',
                        '{"kind":"appoint","role":"grid","person":{"id":"wang"},"at":"s1","shift":null}', 100);
                    INSERT INTO outbox (case_id, effect, created_at, done_at) VALUES ('c1', '{}', 200, 200);
                    INSERT INTO deliveries (outbox_id, kind, case_id, details, at) VALUES (2, 'end_appointment', 'c1',
                        '{"kind":"end_appointment","role":"grid","person":"wang","at":"s1","reason":"removal"}', 200);
                    """)
        }
        try queue.close()
        let store = try SQLiteCaseStore(path: path)
        let found = try store.appointments(unit: "rt", person: "wang")
        #expect(found.map(\.role) == ["grid"] && found.first?.end?.reason == "removal")
        #expect(try store.appointments(unit: "rt", person: "li").isEmpty)
        #expect(try store.appointments(unit: "rt", person: nil).count == 1)
    }

    /// A store at `v14` keeps each case's fields in full and its history in `history`; opened by
    /// this build, `v15` moves the history into the step log, and the fields are the snapshot of
    /// the case's version.
    @Test func historyRecordedBeforeV15BecomesTheStepLog() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gridflow-upgrade-\(UUID().uuidString).sqlite"
        ).path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let queue = try DatabaseQueue(path: path)
        try SQLiteCaseStore.migrator.migrate(queue, upTo: "v14: report receipts")
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO cases (id, unit, workflow, definition_version, state, fields, version, opened_at,
                        updated_at) VALUES ('c1', 'rt', 'report', 'v', 'answering', '{"summary":"x","score":88}', 1, 0, 60);
                    INSERT INTO history (case_id, sequence, at, actor, event, transition, from_state, to_state, changes,
                        definition_version) VALUES
                        ('c1', 0, 0, 'wang', 'open', NULL, NULL, 'submitted', '[{"field":"summary","old":null,"new":"x"}]', 'v'),
                        ('c1', 1, 60, 'li', 'accept', 'accept', 'submitted', 'answering', '[{"field":"score","old":null,"new":88}]', 'v');
                    """)
        }
        try queue.close()
        let store = try SQLiteCaseStore(path: path)
        let stored = try #require(try store.load("c1"))
        #expect(stored.fieldsJSON == #"{"summary":"x","score":88}"# && stored.changes.isEmpty && stored.version == 1)
        let history = try store.history("c1")
        #expect(history.map(\.sequence) == [0, 1] && history.map(\.event) == ["open", "accept"])
        #expect(history.last?.changesJSON == #"[{"field":"score","old":null,"new":88}]"#)
        #expect(history.last?.from == "submitted" && history.last?.actor == "li")
    }
}
