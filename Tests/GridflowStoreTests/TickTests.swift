import Foundation
import GridflowDefinitions
import GridflowExpressions
import GridflowRuntime
import GridflowStore
import GridflowTestSupport
import Testing

@testable import GridflowPostgres

/// Durable timers and the outbox, on real SQLite files and PostgreSQL databases.
@Suite struct TickTests {
    let monday = Instant("2024-09-30T09:00:00+08:00")!
    let store = SQLiteCaseStoreTests()

    /// An engine on a new store object on `place`'s data.
    func engine(_ place: StorePlace) throws -> Engine {
        Engine(program: SQLiteCaseStoreTests.program, store: try place.seeded())
    }

    /// A report opened on monday, its reminder timer started.
    func openReport(_ engine: Engine) throws -> CaseSnapshot {
        try engine.open(
            "report", input: ["reporter": store.reporter(), "summary": .string("x")], by: store.employee, now: monday)
    }

    /// A report accepted, answered and confirmed: closed, with its ledger entry and follow-up
    /// case waiting in the outbox.
    func closedReport(_ engine: Engine) throws -> CaseSnapshot {
        var current = try openReport(engine)
        current = try engine.act(
            current.id, event: "accept", input: ["score": .number(Number(80))], by: store.reviewer, now: monday)
        current = try engine.act(
            current.id, event: "answer", input: ["answer": .string("已整改")], by: store.reviewer, now: monday)
        return try engine.act(current.id, event: "confirm", input: [:], by: store.employee, now: monday)
    }

    /// The timers of many cases due at once fire in one tick, their steps committed together.
    @Test(arguments: StoreKind.allCases) func timersOfManyCasesFireTogether(_ kind: StoreKind) throws {
        try kind.with { place in
            let engine = try engine(place)
            let ids = try (0..<5).map { _ in try openReport(engine).id }
            let report = try engine.tick(now: Instant("2024-10-07T09:00:00+08:00")!)
            #expect(report.timersFired == 5)
            #expect(report.moved.sorted() == ids.sorted())
            for id in ids { #expect(try engine.load(id)["escalations"] == .number(Number(1))) }
            #expect(try engine.tick(now: Instant("2024-10-07T09:00:00+08:00")!).timersFired == 0)
        }
    }

    /// A second timer of a case in the same tick steps the case as the first timer left it.
    @Test(arguments: StoreKind.allCases) func twoTimersOfOneCaseStepItInTurn(_ kind: StoreKind) throws {
        try kind.with { place in
            let engine = try engine(place)
            let opened = try openReport(engine)
            let copy = "INSERT INTO timers (case_id, name, event, due) SELECT case_id, name, event, due FROM timers"
            try place.execute(sqlite: copy, postgres: copy)
            let report = try engine.tick(now: Instant("2024-10-07T09:00:00+08:00")!)
            #expect(report.timersFired == 2)
            #expect(report.moved == [opened.id, opened.id])
            #expect(try engine.load(opened.id)["escalations"] == .number(Number(2)))
        }
    }

    /// A timer whose case cannot be read fails the tick; the timers fired before it keep their steps.
    @Test func theTimersBeforeOneThatFailsKeepTheirSteps() throws {
        try StoreKind.sqlite.with { place in
            let engine = try engine(place)
            let ids = try (0..<2).map { _ in try openReport(engine).id }
            try place.execute(sqlite: "UPDATE cases SET fields = 'not JSON' WHERE id = ?", postgres: "", [ids[1]])
            #expect(throws: EngineError.self) { try engine.tick(now: Instant("2024-10-07T09:00:00+08:00")!) }
            #expect(try engine.load(ids[0])["escalations"] == .number(Number(1)))
        }
    }

    @Test(arguments: StoreKind.allCases) func aTimerNeverFiresEarlySurvivesARestartAndFiresOnce(_ kind: StoreKind)
        throws
    {
        try kind.with { place in try aTimerNeverFiresEarlySurvivesARestartAndFiresOnce(place) }
    }

    func aTimerNeverFiresEarlySurvivesARestartAndFiresOnce(_ place: StorePlace) throws {
        let opened = try openReport(engine(place))
        // Two working days after Monday 30 September, over the 1–3 October holidays.
        let due = Instant("2024-10-07T09:00:00+08:00")!
        let early = try engine(place).tick(now: Instant(seconds: due.seconds - 1))
        #expect(early.timersFired == 0)
        // A new store object on the same data: the timer was kept in the store.
        let restarted = try engine(place)
        let report = try restarted.tick(now: due)
        #expect(report.timersFired == 1)
        #expect(report.effectsPerformed == 1)
        let after = try restarted.load(opened.id)
        #expect(after["escalations"] == .number(Number(1)))
        #expect(after.version == 1)
        let again = try restarted.tick(now: due)
        #expect(again.timersFired == 0)
        #expect(again.effectsPerformed == 0)
        let deliveries = try place.seeded().storedDeliveries(caseID: opened.id)
        #expect(deliveries.map(\.kind) == ["notify"])
        #expect(deliveries.first?.detailsJSON.contains("A report waits for review") == true)
    }

    @Test(arguments: StoreKind.allCases) func aClaimedTimerOrEffectIsLeftToItsClaimantUntilTheClaimRunsOut(
        _ kind: StoreKind
    ) throws {
        try kind.with { place in try aClaimedTimerOrEffectIsLeftToItsClaimantUntilTheClaimRunsOut(place) }
    }

    func aClaimedTimerOrEffectIsLeftToItsClaimantUntilTheClaimRunsOut(_ place: StorePlace) throws {
        let engine = try engine(place)
        let opened = try openReport(engine)
        let due = Instant("2024-10-07T09:00:00+08:00")!
        let other = try place.seeded()
        let first = Claim(claimant: "first", seconds: 60)
        let second = Claim(claimant: "second", seconds: 60)
        // The first claimant takes the timer (and dies with it, say): the second finds nothing.
        #expect(try other.claimDueTimers(unit: "rt", at: due, limit: 10, claim: first).map(\.caseID) == [opened.id])
        #expect(try other.claimDueTimers(unit: "rt", at: due, limit: 10, claim: second).isEmpty)
        let meanwhile = try engine.tick(now: Instant(seconds: due.seconds + 59), claim: second)
        #expect(meanwhile.timersFired == 0)
        // Once the claim has run out, another claimant fires it, once.
        let later = Instant(seconds: due.seconds + 60)
        let takenOver = try engine.tick(now: later, claim: second)
        #expect(takenOver.timersFired == 1)
        #expect(takenOver.effectsPerformed == 1)
        #expect(try engine.tick(now: later, claim: first).timersFired == 0)
        #expect(try engine.load(opened.id)["escalations"] == .number(Number(1)))

        // An effect likewise: claimed by one, skipped by the other until the claim runs out.
        let closed = try closedReport(engine)
        let effects = try other.claimPendingEffects(unit: "rt", at: later, limit: 10, claim: first)
        #expect(effects.count == 2 && effects.allSatisfy { $0.caseID == closed.id })
        #expect(try engine.tick(now: later, claim: second).effectsPerformed == 0)
        let expired = Instant(seconds: later.seconds + 60)
        #expect(try engine.tick(now: expired, claim: second).effectsPerformed == 2)
        #expect(try engine.tick(now: Instant(seconds: expired.seconds + 120), claim: first).effectsPerformed == 0)
    }

    @Test(arguments: StoreKind.allCases) func leavingAStateCancelsItsTimers(_ kind: StoreKind) throws {
        try kind.with { place in try leavingAStateCancelsItsTimers(place) }
    }

    func leavingAStateCancelsItsTimers(_ place: StorePlace) throws {
        let engine = try engine(place)
        let opened = try openReport(engine)
        _ = try engine.act(
            opened.id, event: "accept", input: ["score": .number(Number(80))], by: store.reviewer, now: monday)
        // The reminder of 'submitted' is gone; 'answering' waits for its answer_by time instead.
        let report = try engine.tick(now: Instant("2024-10-07T09:00:00+08:00")!)
        #expect(report.timersFired == 0)
        let overdue = try engine.tick(now: Instant("2024-10-08T09:00:00+08:00")!)
        #expect(overdue.timersFired == 1)
        #expect(try engine.load(opened.id).state == "overdue")
    }

    @Test(arguments: StoreKind.allCases) func effectsOpenCasesOnceAndSignalsThatCannotLandAreIncidents(
        _ kind: StoreKind
    ) throws {
        try kind.with { place in try effectsOpenCasesOnceAndSignalsThatCannotLandAreIncidents(place) }
    }

    func effectsOpenCasesOnceAndSignalsThatCannotLandAreIncidents(_ place: StorePlace) throws {
        let engine = try engine(place)
        let current = try closedReport(engine)
        #expect(current.state == "closed")
        let first = try engine.tick(now: monday)
        #expect(first.effectsPerformed == 2)  // the ledger entry and the follow-up case
        let followups = try place.seeded().list(unit: "rt", workflow: "followup", state: nil)
        #expect(followups.count == 1)
        #expect(followups.first?.parent == current.id)
        let second = try engine.tick(now: monday)
        #expect(second.effectsPerformed == 0)
        #expect(try place.seeded().list(unit: "rt", workflow: "followup", state: nil).count == 1)
        // The follow-up signals the report, which is closed: recorded, not dropped.
        let followup = try #require(followups.first)
        _ = try engine.act(
            followup.id, event: "finish", input: [:], by: Actor(id: "s", roles: ["secretary"]), now: monday)
        let third = try engine.tick(now: monday)
        #expect(third.incidents.count == 1)
        #expect(third.incidents.first?.message.hasSuffix("is finished (state 'closed')") == true)
        #expect(third.incidents.first?.summary == "case \(followup.id), effect: signal-rejected")
        #expect(try place.seeded().incidents(caseID: followup.id).map(\.code) == ["signal-rejected"])
    }

    @Test(arguments: StoreKind.allCases) func aSignalToACaseThatCannotBeReadIsAnIncidentThatSaysWhy(_ kind: StoreKind)
        throws
    {
        try kind.with { place in try aSignalToACaseThatCannotBeReadIsAnIncidentThatSaysWhy(place) }
    }

    func aSignalToACaseThatCannotBeReadIsAnIncidentThatSaysWhy(_ place: StorePlace) throws {
        let engine = try engine(place)
        let current = try closedReport(engine)
        _ = try engine.tick(now: monday)
        let followup = try #require(
            try place.seeded().list(unit: "rt", workflow: "followup", state: nil).first)
        _ = try engine.act(
            followup.id, event: "finish", input: [:], by: Actor(id: "s", roles: ["secretary"]), now: monday)
        // The report now runs on definitions this engine has not loaded: it is there, but cannot be read.
        try place.execute(
            sqlite: "UPDATE cases SET definition_version = 'sha256:other' WHERE id = ?",
            postgres: "UPDATE cases SET definition_version = 'sha256:other' WHERE id = $1", [current.id])
        let report = try engine.tick(now: monday)
        #expect(report.incidents.count == 1)
        #expect(report.incidents.first?.message.contains("runs on definitions version sha256:other") == true)
        #expect(
            try place.seeded().incidents(caseID: followup.id).map(\.code) == ["signal-unreadable"])
    }
}

/// Incidents are kept until a retry after a fix succeeds.
@Suite struct IncidentRetryTests {
    let now = Instant("2024-09-30T09:00:00+08:00")!
    let helper = SQLiteCaseStoreTests()

    /// The fixture unit with the failing guard of 'divide' fixed, under the same version name.
    func fixedProgram() throws -> Program {
        let directory = TemporaryFiles.path("gridflow-fixed")
        try FileManager.default.copyItem(
            at: URL(fileURLWithPath: SQLiteCaseStoreTests.fixtures), to: directory)
        let report = directory.appendingPathComponent("Workflows/rt/report.yaml")
        let text = try String(contentsOf: report, encoding: .utf8)
            .replacingOccurrences(
                of: "100 / ((case.score ?? 0) - (case.score ?? 0)) > 1", with: "(case.score ?? 0) > 1")
        try text.write(to: report, atomically: true, encoding: .utf8)
        let result = Loader().load(paths: [directory.path + "/Workflows/rt", directory.path + "/Rules/rt"])
        #expect(!result.diagnostics.hasErrors)
        return try Program(definitions: result.units["rt"]!, version: SQLiteCaseStoreTests.program.version)
    }

    @Test(arguments: StoreKind.allCases) func aRetryAfterAFixResolvesTheIncidentAndAppliesTheEvent(_ kind: StoreKind)
        throws
    {
        try kind.with { place in try aRetryAfterAFixResolvesTheIncidentAndAppliesTheEvent(place) }
    }

    func aRetryAfterAFixResolvesTheIncidentAndAppliesTheEvent(_ place: StorePlace) throws {
        let store = try place.seeded()
        let broken = Engine(program: SQLiteCaseStoreTests.program, store: store)
        let opened = try broken.open(
            "report", input: ["reporter": helper.reporter(), "summary": .string("x")], by: helper.employee, now: now)
        _ = try broken.act(
            opened.id, event: "accept", input: ["score": .number(Number(80))], by: helper.reviewer, now: now)
        let secretary = Actor(id: "s", roles: ["secretary"])
        #expect(throws: EngineError.self) {
            try broken.act(opened.id, event: "divide", input: [:], by: secretary, now: now)
        }
        let incident = try #require(try store.incidents(caseID: opened.id).first)
        #expect(incident.actor == secretary)
        // Retrying without a fix: it happens again and stays open.
        #expect(throws: EngineError.self) { try broken.retry(incident.id, now: now) }
        #expect(try store.incidents(caseID: opened.id).count == 1)
        // After the fix.
        let fixed = Engine(program: try fixedProgram(), store: store)
        let next = try fixed.retry(incident.id, now: now)
        #expect(next.state == "closed")
        #expect(try store.incidents(caseID: opened.id).isEmpty)
        #expect(try store.incident(incident.id)?.resolved == true)
        #expect(throws: EngineError.self) { try fixed.retry(incident.id, now: now) }
    }
}

/// Bulletin measures never drop a value silently.
@Suite struct ReportOverflowTests {

    @Test(arguments: StoreKind.allCases) func aSumBeyondThirtyEightDigitsIsAnErrorNotAValueLeftOut(_ kind: StoreKind)
        throws
    {
        try kind.with { place in try aSumBeyondThirtyEightDigitsIsAnErrorNotAValueLeftOut(place) }
    }

    func aSumBeyondThirtyEightDigitsIsAnErrorNotAValueLeftOut(_ place: StorePlace) throws {
        let directory = TemporaryFiles.path("gridflow-overflow")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: SQLiteCaseStoreTests.fixtures), to: directory)
        try """
        kind: Report
        schema: 1
        unit: rt
        name: scores
        workflow: report
        measures:
          - {name: total, kind: sum, value: case.score}
        """.write(to: directory.appendingPathComponent("Rules/rt/scores.yaml"), atomically: true, encoding: .utf8)
        let result = Loader().load(paths: [directory.path + "/Workflows/rt", directory.path + "/Rules/rt"])
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics)")
        let program = try Program(definitions: result.units["rt"]!, version: DefinitionVersion.of(result.sources))
        let engine = Engine(program: program, store: try place.seeded())
        let fixture = SQLiteCaseStoreTests()
        let huge = try #require(Number("90000000000000000000000000000000000000"))
        for _ in 0..<2 {
            let opened = try engine.open("report", input: fixture.opening, by: fixture.employee, now: fixture.now)
            _ = try engine.act(
                opened.id, event: "accept", input: ["score": .number(huge)], by: fixture.reviewer, now: fixture.now)
        }
        let report = try #require(program.reports["scores"])
        let window = try #require(AppraisalWindow("2024-Q3"))
        do {
            let figures = try engine.figures(of: report, window: window, now: fixture.now, viewer: .anyone)
            Issue.record("the sum cannot be \(figures.overall.values)")
        } catch {
            #expect(error.message == "report scores, measure total, row all: the sum is 10^38 or more")
        }
    }
}

/// Ending appointments: ends are read from the same records as appointments, in order, and
/// mark them ended (nothing is deleted); a store without ends keeps every appointment lasting.
@Suite struct AppointmentEndTests {
    /// Writes deliveries as `tick` records them, for the case `c1` of unit `rt`.
    func record(_ place: StorePlace, _ rows: [(kind: String, details: String, at: Int)]) throws {
        _ = try place.seeded()
        try place.execute(
            sqlite: """
                INSERT INTO cases (id, unit, workflow, definition_version, state, fields, version, opened_at,
                    updated_at) VALUES ('c1', 'rt', 'report', 'v', 'closed', '{}', 1, 0, 0)
                """,
            postgres: """
                INSERT INTO cases (id, unit, workflow, definition_version, state, fields, snapshot_version, version,
                    opened_at, updated_at) VALUES ('c1', 'rt', 'report', 'v', 'closed', '{}', 1, 1, 0, 0)
                """)
        for row in rows {
            // The person an appointment names is written beside it: by a trigger in SQLite, by the
            // PostgreSQL store itself.
            let person = PostgresCaseStore.appointedPerson(row.details) ?? ""
            let arguments = [row.details, "\(row.at)", row.kind, person]
            switch place.kind {
            case .sqlite:
                try place.execute(
                    sqlite: "INSERT INTO outbox (case_id, effect, created_at, done_at) VALUES ('c1', ?1, ?2, ?2)",
                    postgres: "", Array(arguments[0...1]))
                try place.execute(
                    sqlite: """
                        INSERT INTO deliveries (outbox_id, kind, case_id, details, at)
                        VALUES ((SELECT max(id) FROM outbox), ?3, 'c1', ?1, ?2)
                        """, postgres: "", Array(arguments[0...2]))
            case .postgres:
                try place.execute(
                    sqlite: "",
                    postgres: """
                        WITH added AS (
                            INSERT INTO outbox (case_id, effect, created_at, done_at)
                            VALUES ('c1', $1, $2::bigint, $2::bigint) RETURNING id)
                        INSERT INTO deliveries (outbox_id, kind, case_id, details, at, person)
                        SELECT id, $3, 'c1', $1, $2::bigint, NULLIF($4, '') FROM added
                        """, arguments)
            }
        }
    }

    @Test(arguments: StoreKind.allCases) func anEndMarksTheEarlierAppointmentsToItsRoleAtItsNode(_ kind: StoreKind)
        throws
    {
        try kind.with { place in try anEndMarksTheEarlierAppointmentsToItsRoleAtItsNode(place) }
    }

    func anEndMarksTheEarlierAppointmentsToItsRoleAtItsNode(_ place: StorePlace) throws {
        try record(
            place,
            [
                ("appoint", #"{"kind":"appoint","role":"grid","person":{"id":"wang"},"at":"s1","shift":null}"#, 100),
                ("appoint", #"{"kind":"appoint","role":"grid","person":{"id":"wang"},"at":"s2","shift":null}"#, 110),
                ("appoint", #"{"kind":"appoint","role":"other","person":{"id":"wang"},"at":"s1","shift":null}"#, 120),
                (
                    "end_appointment",
                    #"{"kind":"end_appointment","role":"grid","person":"wang","at":"s1","reason":"resignation"}"#, 200
                ),
                // Appointed again after the end: this one lasts.
                ("appoint", #"{"kind":"appoint","role":"grid","person":{"id":"wang"},"at":"s1","shift":null}"#, 300),
            ])
        let all = try place.seeded().appointments(unit: "rt", person: "wang")
        #expect(all.count == 4)
        let ended = all.filter { $0.end != nil }
        #expect(ended.map(\.node) == ["s1"])
        #expect(ended.first?.role == "grid")
        #expect(ended.first?.end == AppointmentEnd(at: Instant(seconds: 200), reason: "resignation", source: "c1"))
        #expect(ended.first?.lasts(at: Instant(seconds: 199)) == true)
        #expect(ended.first?.lasts(at: Instant(seconds: 200)) == false)
        #expect(all.last?.end == nil && all.last?.at == Instant(seconds: 300))
    }

    @Test(arguments: StoreKind.allCases) func anEndWithoutANodeEndsTheRoleEverywhere(_ kind: StoreKind) throws {
        try kind.with { place in try anEndWithoutANodeEndsTheRoleEverywhere(place) }
    }

    func anEndWithoutANodeEndsTheRoleEverywhere(_ place: StorePlace) throws {
        try record(
            place,
            [
                ("appoint", #"{"kind":"appoint","role":"grid","person":{"id":"wang"},"at":"s1","shift":null}"#, 100),
                ("appoint", #"{"kind":"appoint","role":"grid","person":{"id":"wang"},"at":"s2","shift":null}"#, 110),
                (
                    "end_appointment",
                    #"{"kind":"end_appointment","role":"grid","person":{"id":"wang"},"at":null,"reason":"removal"}"#,
                    200
                ),
            ])
        let all = try place.seeded().appointments(unit: "rt", person: nil)
        #expect(all.count == 2)
        #expect(all.allSatisfy { $0.end?.reason == "removal" })
    }

    @Test(arguments: StoreKind.allCases) func aStoreWithoutEndsKeepsItsAppointmentsLasting(_ kind: StoreKind) throws {
        try kind.with { place in try aStoreWithoutEndsKeepsItsAppointmentsLasting(place) }
    }

    func aStoreWithoutEndsKeepsItsAppointmentsLasting(_ place: StorePlace) throws {
        try record(
            place,
            [
                ("appoint", #"{"kind":"appoint","role":"grid","person":{"id":"wang"},"at":"s1","shift":"a"}"#, 100)
            ])
        let all = try place.seeded().appointments(unit: "rt", person: "wang")
        #expect(all.count == 1)
        #expect(all.first?.end == nil)
        #expect(all.first?.shift == "a")
    }
}
