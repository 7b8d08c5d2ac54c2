import Foundation
import GRDB
import GridflowDefinitions
import GridflowExpressions
import GridflowTestSupport
import Testing

@testable import GridflowRuntime
@testable import GridflowStore

/// The stores on real files and databases: atomic steps, version conflicts, timers and outbox
/// rows. The tests taking a `StoreKind` run on SQLite and PostgreSQL alike; the others are about
/// the SQLite file itself.
@Suite struct SQLiteCaseStoreTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/runtime").path
    static let program: Program = {
        let result = Loader().load(paths: [fixtures + "/Workflows/rt", fixtures + "/Rules/rt"])
        precondition(!result.diagnostics.hasErrors, "\(result.diagnostics)")
        return try! Program(definitions: result.units["rt"]!, version: DefinitionVersion.of(result.sources))
    }()

    let path = TemporaryFiles.path("gridflow-store", suffix: ".sqlite").path
    let now = Instant("2024-09-30T09:00:00+08:00")!
    let employee = Actor(id: "wang", roles: ["employee"])
    let reviewer = Actor(id: "li", roles: ["reviewer"])

    func reporter() -> Value { Self.wang }

    /// A store at `path` whose directory holds wang, the reporter the tests name: the engine
    /// takes people named in input from the directory.
    static func store(_ path: String) throws -> SQLiteCaseStore {
        let store = try SQLiteCaseStore(path: path)
        try seed(store)
        return store
    }

    /// Puts wang into the store's directory.
    static func seed(_ store: any CaseStore) throws {
        try store.importPeople(
            unit: "rt", [StoredPerson(id: "wang", roles: ["employee"], recordJSON: ValueJSON.encode(wang))],
            replacing: true)
    }

    static let wang: Value = {
        let layout = Self.program.types.personType.layout
        var slots = [Value](repeating: .null, count: layout.names.count)
        slots[layout.slot(of: "id")!] = .string("wang")
        slots[layout.slot(of: "name")!] = .string("王")
        slots[layout.slot(of: "roles")!] = .list([])
        slots[layout.slot(of: "party_member")!] = .bool(false)
        return .record(Record(layout: layout, slots: slots))
    }()

    /// The input that opens a report case.
    var opening: [String: Value] { ["reporter": reporter(), "summary": .string("x")] }

    func openCase(_ engine: Engine) throws -> CaseSnapshot {
        try engine.open("report", input: opening, by: employee, now: now)
    }

    @Test(arguments: StoreKind.allCases) func aStepCommitsTheCaseHistoryTimersAndOutboxTogether(_ kind: StoreKind)
        throws
    {
        try kind.with { place in try aStepCommitsTheCaseHistoryTimersAndOutboxTogether(place) }
    }

    func aStepCommitsTheCaseHistoryTimersAndOutboxTogether(_ place: StorePlace) throws {
        let store = try place.seeded()
        let engine = Engine(program: Self.program, store: store)
        let opened = try openCase(engine)
        let reloaded = try engine.load(opened.id)
        #expect(reloaded == opened)
        let next = try engine.act(
            opened.id, event: "accept", input: ["score": .number(Number(88))], by: reviewer, now: now)
        #expect(next.state == "answering")
        #expect(try engine.load(opened.id) == next)
        let history = try store.history(opened.id)
        #expect(history.map(\.event) == ["open", "accept"])
        #expect(history.last?.changesJSON.contains("\"field\":\"score\"") == true)
    }

    @Test(arguments: StoreKind.allCases) func twoStepsFromTheSameVersionConflict(_ kind: StoreKind) throws {
        try kind.with { place in try twoStepsFromTheSameVersionConflict(place) }
    }

    func twoStepsFromTheSameVersionConflict(_ place: StorePlace) throws {
        let store = try place.seeded()
        let engine = Engine(program: Self.program, store: store)
        let opened = try openCase(engine)
        let interpreter = Interpreter(program: Self.program)
        guard
            case .advanced(let first) = interpreter.step(
                opened, .act(event: "accept", input: ["score": .number(Number(88))], by: reviewer), now: now),
            case .advanced(let second) = interpreter.step(
                opened, .act(event: "accept", input: ["score": .number(Number(5))], by: reviewer), now: now)
        else {
            Issue.record("both steps should advance")
            return
        }
        try store.commit(first, expectedVersion: opened.version)
        do {
            try store.commit(second, expectedVersion: opened.version)
            Issue.record("the second commit should conflict")
        } catch {
            #expect(error.code == .conflict)
            #expect(
                error.message
                    == "case \(opened.id) changed meanwhile: it is at version 1, not 0; load it again and retry")
        }
        #expect(try engine.load(opened.id).state == "answering")
        #expect(try store.history(opened.id).count == 2)
    }

    @Test(arguments: StoreKind.allCases) func anIncidentIsRecordedAndTheCaseKeptAsItWas(_ kind: StoreKind) throws {
        try kind.with { place in try anIncidentIsRecordedAndTheCaseKeptAsItWas(place) }
    }

    func anIncidentIsRecordedAndTheCaseKeptAsItWas(_ place: StorePlace) throws {
        let store = try place.seeded()
        let engine = Engine(program: Self.program, store: store)
        let opened = try openCase(engine)
        _ = try engine.act(opened.id, event: "accept", input: ["score": .number(Number(88))], by: reviewer, now: now)
        do {
            _ = try engine.act(
                opened.id, event: "divide", input: [:], by: Actor(id: "s", roles: ["secretary"]), now: now)
            Issue.record("expected an incident")
        } catch {
            #expect(error.code == .incident)
        }
        let incidents = try store.incidents(caseID: opened.id)
        #expect(incidents.map(\.code) == ["division-by-zero"])
        #expect(incidents.first?.event == "divide")
        #expect(try engine.load(opened.id).version == 1)
    }

    /// Pages of cases (of one unit or every unit's) and of open incidents: each row once, in
    /// order, and a cursor exactly while more remain.
    @Test(arguments: StoreKind.allCases) func casesAndIncidentsComeByPages(_ kind: StoreKind) throws {
        try kind.with { place in try casesAndIncidentsComeByPages(place) }
    }

    func casesAndIncidentsComeByPages(_ place: StorePlace) throws {
        let store = try place.seeded()
        let engine = Engine(program: Self.program, store: store)
        let opened = try (0..<5).map { _ in try openCase(engine) }
        for unit in ["rt", nil] {
            var ids: [String] = []
            var cursor: Int64?
            var pages = 0
            repeat {
                let page = try store.cases(unit: unit, workflow: nil, state: nil, before: cursor, limit: 2)
                #expect(page.cases.count == (pages < 2 ? 2 : 1))
                ids += page.cases.map(\.id)
                cursor = page.next
                pages += 1
            } while cursor != nil
            #expect(pages == 3)
            #expect(ids == opened.reversed().map(\.id))
        }
        #expect(try store.cases(unit: "other", workflow: nil, state: nil, before: nil, limit: 2).cases.isEmpty)
        for (index, snapshot) in opened.enumerated() {
            try store.record(
                Incident(code: "test\(index)", message: "x", transition: nil), caseID: snapshot.id, event: "e",
                input: [:], actor: employee, at: now)
        }
        let first = try store.incidents(caseID: nil, after: nil, limit: 3)
        #expect(first.incidents.map(\.code) == ["test0", "test1", "test2"])
        let next: Int = try #require(first.next)
        let rest = try store.incidents(caseID: nil, after: next, limit: 3)
        #expect(rest.incidents.map(\.code) == ["test3", "test4"] && rest.next == nil)
        let one = try store.incidents(caseID: opened[1].id, after: nil, limit: 1)
        #expect(one.incidents.map(\.code) == ["test1"] && one.next == nil)
    }

    /// An inbox reads where a unit's cases are without counting them, and when a case last
    /// entered its state (its last step's time).
    @Test(arguments: StoreKind.allCases) func placesAndEntriesAreReadWithoutReadingEveryCase(_ kind: StoreKind) throws {
        try kind.with { place in try placesAndEntriesAreReadWithoutReadingEveryCase(place) }
    }

    func placesAndEntriesAreReadWithoutReadingEveryCase(_ place: StorePlace) throws {
        let store = try place.seeded()
        let engine = Engine(program: Self.program, store: store)
        let opened = try (0..<3).map { _ in try openCase(engine) }
        let later = Instant(seconds: now.seconds + 3_600)
        let accepted = try engine.act(
            opened[0].id, event: "accept", input: ["score": .number(Number(88))], by: reviewer, now: later)
        let found = try store.casePlaces(unit: "rt")
        #expect(found.versions == [Self.program.version])
        #expect(found.places.map(\.workflow) == ["report", "report"])
        #expect(found.places.map(\.state) == [accepted.state, opened[1].state].sorted())
        #expect(try store.casePlaces(unit: "other").places.isEmpty)
        // An inbox takes a case's `updated_at` as when it entered its state: its last step is
        // the latest into that state, at that time.
        for id in opened.map(\.id) {
            let stored = try #require(try store.load(id))
            let last = try #require(try store.history(id).last)
            #expect(last.to == stored.state && last.at == stored.updatedAt && last.sequence == stored.version)
        }
        #expect(try store.load(opened[0].id)?.updatedAt == later)
        #expect(try store.load(opened[1].id)?.updatedAt == now)
    }

    /// What an inbox decodes for a scope check: only the fields named, the others null, the
    /// built-in ones from the case row; a stored key the workflow lacks is still an error.
    @Test func aCaseIsDecodedOnlyInTheFieldsAskedFor() throws {
        let store = try SQLiteCaseStoreTests.store(path)
        let engine = Engine(program: Self.program, store: store)
        let opened = try openCase(engine)
        var stored = try #require(try store.load(opened.id))
        let whole = try engine.snapshot(stored)
        var reads = RootReads()
        reads.members = ["summary"]
        let part = try engine.snapshot(stored, reading: reads)
        #expect(part.fields["summary"] == .string("x") && part.fields["summary"] == whole.fields["summary"])
        #expect(whole.fields["reporter"] != nil && whole.fields["reporter"] != .null)
        #expect(part.fields["reporter"] == .null)
        #expect(part.fields["state"] == whole.fields["state"] && part.fields["id"] == whole.fields["id"])
        reads.whole = true
        #expect(try engine.snapshot(stored, reading: reads) == whole)
        stored.fieldsJSON = "{\"summary\":\"x\",\"nonsense\":1}"
        reads.whole = false
        #expect(throws: EngineError.self) { try engine.snapshot(stored, reading: reads) }
    }

    /// The case list's first page is read through an index in its order, never by sorting every
    /// case of the unit (what made it slow with many cases).
    @Test func theFirstPageIsReadThroughAnIndexInItsOrder() throws {
        _ = try SQLiteCaseStoreTests.store(path)
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        for (filter, index) in [("", "cases_by_unit"), (" AND workflow = 'report'", "cases_by_workflow")] {
            let plan = try queue.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        EXPLAIN QUERY PLAN SELECT rowid AS gridflow_row, * FROM cases
                        WHERE 1 AND unit = 'rt'\(filter) ORDER BY rowid DESC LIMIT 51
                        """
                ).map { $0["detail"] as String? ?? "" }.joined(separator: "; ")
            }
            #expect(plan.contains(index) && !plan.contains("TEMP B-TREE"), "\(plan)")
        }
    }

    /// The scheduler's timer queries read the timers by due date and look up each one's case,
    /// never every case of the unit (what a tick did with many cases and few timers).
    @Test func timersAreReadByDueDateNotCaseByCase() throws {
        _ = try SQLiteCaseStoreTests.store(path)
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        let queries: [(String, StatementArguments)] = [
            (SQLiteCaseStore.dueTimersSQL, ["rt", now.seconds, 10]), (SQLiteCaseStore.nextTimerDueSQL, ["rt"]),
        ]
        for (sql, arguments) in queries {
            let plan = try queue.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments)
                    .map { $0["detail"] as String? ?? "" }.joined(separator: "; ")
            }
            #expect(
                plan.hasPrefix("SCAN timers USING INDEX timers_by_due")
                    || plan.hasPrefix("SEARCH timers USING INDEX timers_by_due"), "\(plan)")
            #expect(!plan.contains("cases_by_unit") && !plan.contains("TEMP B-TREE"), "\(plan)")
        }
    }

    /// A case's open incidents (every case document lists them) are found through an index,
    /// not by reading every open incident of the store.
    @Test func aCasesOpenIncidentsAreFoundThroughAnIndex() throws {
        _ = try SQLiteCaseStoreTests.store(path)
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        let plan = try queue.read { db in
            try Row.fetchAll(
                db,
                sql: "EXPLAIN QUERY PLAN SELECT * FROM incidents WHERE resolved_at IS NULL AND case_id = ? ORDER BY id",
                arguments: ["rt-report-1"]
            ).map { $0["detail"] as String? ?? "" }.joined(separator: "; ")
        }
        #expect(plan.contains("USING INDEX incidents_open_by_case") && !plan.contains("TEMP B-TREE"), "\(plan)")
    }

    /// The case's row as written: the version its fields are a snapshot of, its version, and
    /// the escalations its snapshot holds.
    func row(_ id: String, in place: StorePlace) throws -> (snapshot: Int, version: Int, escalations: Int?) {
        let row = try #require(
            try place.rows(
                sqlite:
                    "SELECT snapshot_version, version, json_extract(fields, '$.escalations') FROM cases WHERE id = ?",
                postgres: """
                    SELECT snapshot_version::text, version::text, (fields::jsonb) ->> 'escalations' FROM cases
                    WHERE id = $1
                    """, [id]
            ).first)
        return (
            try #require(row[0].flatMap { Int($0) }), try #require(row[1].flatMap { Int($0) }),
            row[2].flatMap { Int($0) }
        )
    }

    /// A step appends its changes to the step log; the fields are written in full when the case
    /// opens, every eighth version and when it closes, and a read applies the changes after the
    /// snapshot, so the case reads the same either way, and rebuilds from its log alone.
    @Test(arguments: StoreKind.allCases) func stepsBetweenSnapshotsAreReadFromTheStepLog(_ kind: StoreKind) throws {
        try kind.with { place in try stepsBetweenSnapshotsAreReadFromTheStepLog(place) }
    }

    func stepsBetweenSnapshotsAreReadFromTheStepLog(_ place: StorePlace) throws {
        let store = try place.seeded()
        let engine = Engine(program: Self.program, store: store)
        var current = try openCase(engine)
        #expect(try row(current.id, in: place) == (0, 0, nil))
        let interpreter = Interpreter(program: Self.program)
        for reminder in 1...19 {
            // The reminder timer fires: a self-loop that counts escalations.
            guard case .advanced(let step) = interpreter.step(current, .timer(event: "remind"), now: now) else {
                Issue.record("the reminder should advance")
                return
            }
            try store.commit(step, expectedVersion: current.version)
            current = step.next
            #expect(current.version == reminder)
            #expect(try engine.load(current.id) == current)
            let stored = try #require(try store.load(current.id))
            #expect(stored.changes.count == reminder % 8, "version \(reminder)")
            #expect(try engine.stepLogProblem(stored) == nil)
            // The snapshot in the row lags behind by the steps since the last multiple of 8.
            let snapshot = reminder - reminder % 8
            #expect(try row(current.id, in: place) == (snapshot, reminder, snapshot == 0 ? nil : snapshot))
        }
        current = try engine.act(
            current.id, event: "accept", input: ["score": .number(Number(5))], by: reviewer, now: now)
        #expect(current.state == "closed")
        // Closing writes the fields in full.
        #expect(try row(current.id, in: place) == (20, 20, 19))
        #expect(try store.load(current.id)?.changes == [])
        #expect(try engine.load(current.id) == current)
        #expect(try store.history(current.id).map(\.sequence) == Array(0...20))
    }

    @Test func aStoreReopensWithItsCases() throws {
        let first = try SQLiteCaseStoreTests.store(path)
        let opened = try openCase(Engine(program: Self.program, store: first))
        let again = try SQLiteCaseStore(path: path)
        #expect(try Engine(program: Self.program, store: again).load(opened.id) == opened)
        #expect(try again.newCaseID(unit: "rt", workflow: "report") == "rt-report-2")
    }

    @Test func foreignDatabasesAreRefusedUntouched() throws {
        // An SQLite database of another application.
        #expect(try SQLiteCaseStoreTests.otherDatabase(at: path))
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        do {
            _ = try SQLiteCaseStore(path: path)
            Issue.record("a foreign database was opened")
        } catch {
            #expect(error.code == .notAStore)
            #expect(error.message.hasSuffix("is an SQLite database of another application, not a Gridflow store"))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    static func otherDatabase(at path: String) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table notes(x)'); c.commit()", path,
        ]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
