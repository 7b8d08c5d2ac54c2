import Foundation
import GridflowExpressions
import GridflowRuntime
@_spi(Bench) import GridflowStore
import Testing

/// What an appraisal reads and writes in batches: facts counted in SQL, cases and people by
/// pages, results replaced an id range at a time.
@Suite struct AppraisalStoreTests {
    let fixture = SQLiteCaseStoreTests()
    let from = Instant("2024-01-01T00:00:00+08:00")!
    let to = Instant("2025-01-01T00:00:00+08:00")!

    /// Three reports by wang, one of them accepted.
    func threeReports(_ place: StorePlace) throws -> (any CaseStore, opened: String, accepted: String) {
        let store = try place.seeded()
        let engine = Engine(program: SQLiteCaseStoreTests.program, store: store)
        var cases: [CaseSnapshot] = []
        for _ in 0..<3 { cases.append(try fixture.openCase(engine)) }
        let accepted = try engine.act(
            cases[0].id, event: "accept", input: ["score": .number(Number(80))], by: fixture.reviewer,
            now: fixture.now)
        return (store, cases[1].state, accepted.state)
    }

    func query(_ person: String, where filter: String? = nil) throws -> CaseCountQuery {
        try #require(CaseCountQuery.translate(person: person, where: filter, sum: nil))
    }

    @Test(arguments: StoreKind.allCases) func theStoreCountsWhatTheFilterLets(_ kind: StoreKind) throws {
        try kind.with { place in try theStoreCountsWhatTheFilterLets(place) }
    }

    func theStoreCountsWhatTheFilterLets(_ place: StorePlace) throws {
        let (store, opened, accepted) = try threeReports(place)
        #expect(opened != accepted)
        let counts = try #require(
            try store.countCases(
                unit: "rt", workflow: "report", openedFrom: from, to: to,
                [
                    try query("[case.reporter.id]"),
                    try query("[case.reporter.id]", where: "case.state == \"\(opened)\""),
                    try query("case.reporter.id", where: "case.state != \"\(opened)\""),
                    try query("has(case.reporter) ? [case.reporter.id] : []", where: "case.state in [\"\(accepted)\"]"),
                    try query("[case.reporter.id]", where: "case.missing_field == \"x\" or case.state == \"none\""),
                ]))
        // The accepted report's fields are a snapshot of its opening (it is between snapshots):
        // the store leaves it to the caller, and counts the two others.
        #expect(counts.uncounted.map(\.state) == [accepted])
        #expect(counts.uncounted.first?.changes.count == 1)
        #expect(counts.counts.byPerson.map { $0["wang"] } == [Number(2), Number(2), nil, nil, nil])
        // Outside the period: nothing.
        let none = try store.countCases(
            unit: "rt", workflow: "report", openedFrom: to, to: Instant(seconds: to.seconds + 86_400),
            [try query("[case.reporter.id]")])
        #expect(none?.counts.count == 0 && none?.uncounted.isEmpty == true)
    }

    /// A large period is counted in two halves at once (SQLite): each case once, in one half,
    /// and the sums and the cases left to the caller are those of one pass.
    @Test func aPeriodCountedInTwoHalvesCountsEachCaseOnce() throws {
        try StoreKind.sqlite.with { place in
            let store = try #require(try place.seeded() as? SQLiteCaseStore)
            let engine = Engine(program: SQLiteCaseStoreTests.program, store: store)
            var cases: [CaseSnapshot] = []
            for _ in 0..<9 { cases.append(try fixture.openCase(engine)) }
            for index in [1, 6] {
                _ = try engine.act(
                    cases[index].id, event: "accept", input: ["score": .number(Number(80))], by: fixture.reviewer,
                    now: fixture.now)
            }
            let queries = [
                try query("[case.reporter.id]"), try query("case.reporter.id", where: "case.state != \"none\""),
            ]
            func count(inPartsFrom least: Int) throws -> (counts: CaseCounts, uncounted: [StoredCase]) {
                store.countingInPartsFrom = least
                return try #require(
                    try store.countCases(unit: "rt", workflow: "report", openedFrom: from, to: to, queries))
            }
            let whole = try count(inPartsFrom: 1_000)
            #expect(try store.countingParts(unit: "rt", workflow: "report", openedFrom: from, to: to) == 1)
            for least in [1, 9] {
                let halves = try count(inPartsFrom: least)
                #expect(try store.countingParts(unit: "rt", workflow: "report", openedFrom: from, to: to) == 2)
                #expect(halves.counts.byPerson == whole.counts.byPerson)
                #expect(halves.counts.byPerson.map { $0["wang"] } == [Number(7), Number(7)])
                #expect(halves.uncounted.map(\.id).sorted() == [cases[1].id, cases[6].id].sorted())
            }
            #expect(whole.uncounted.map(\.id).sorted() == [cases[1].id, cases[6].id].sorted())
        }
    }

    @Test(arguments: StoreKind.allCases) func casesComeByPagesNarrowedByACondition(_ kind: StoreKind) throws {
        try kind.with { place in try casesComeByPagesNarrowedByACondition(place) }
    }

    func casesComeByPagesNarrowedByACondition(_ place: StorePlace) throws {
        let (store, opened, _) = try threeReports(place)
        var ids: [String] = []
        var cursor: CaseCursor?
        var pages = 0
        repeat {
            let page = try store.cases(
                unit: "rt", workflow: "report", openedFrom: from, to: to, after: cursor, limit: 1, where: nil)
            ids += page.cases.map(\.id)
            cursor = page.next
            pages += 1
        } while cursor != nil && pages < 10
        #expect(Set(ids).count == 3 && ids.count == 3)
        let narrowed = try store.cases(
            unit: "rt", workflow: "report", openedFrom: from, to: to, after: nil, limit: 10,
            where: .equals(.state, .string(opened)))
        // The two opened reports, and the accepted one: its fields are a lagging snapshot, so
        // it comes whatever the condition, for the caller to check.
        #expect(narrowed.cases.count == 3 && narrowed.next == nil)
        #expect(narrowed.cases.filter { $0.state != opened }.allSatisfy { !$0.changes.isEmpty })
    }

    @Test(arguments: StoreKind.allCases) func peopleComeByPagesInIdOrder(_ kind: StoreKind) throws {
        try kind.with { place in try peopleComeByPagesInIdOrder(place) }
    }

    func peopleComeByPagesInIdOrder(_ place: StorePlace) throws {
        let store = try place.seeded()
        try store.importPeople(
            unit: "rt",
            ["li", "zhao", "an"].map { StoredPerson(id: $0, roles: ["employee"], recordJSON: "{\"id\":\"\($0)\"}") },
            replacing: false)
        #expect(try store.peopleCount(unit: "rt") == 4)
        let first = try store.people(unit: "rt", after: nil, limit: 2).map(\.id)
        let second = try store.people(unit: "rt", after: first.last, limit: 2).map(\.id)
        #expect(first + second == ["an", "li", "wang", "zhao"])
        // Roles come back as imported, whether read as a plain list or by the JSON parser
        // (names beyond ASCII, none at all).
        let roles = [["employee", "grid_supervisor"], [], ["网格员"], ["a\"b"]]
        try store.importPeople(
            unit: "rt",
            roles.enumerated().map { StoredPerson(id: "r\($0)", roles: $1, recordJSON: "{\"id\":\"r\($0)\"}") },
            replacing: true)
        let read = try store.people(unit: "rt", after: nil, limit: 10)
        #expect(read.map(\.roles) == roles)
        #expect(read.map(\.recordJSON) == (0..<roles.count).map { "{\"id\":\"r\($0)\"}" })
    }

    /// Results are written many to a statement: every one of a large batch is stored as given.
    @Test(arguments: StoreKind.allCases) func aLargeBatchStoresEveryResult(_ kind: StoreKind) throws {
        try kind.with { place in try aLargeBatchStoresEveryResult(place) }
    }

    func aLargeBatchStoresEveryResult(_ place: StorePlace) throws {
        let store = try place.seeded()
        // More than one statement's worth on either store (64 rows on SQLite, 1,000 on PostgreSQL).
        let results = (0..<2_150).map { index in
            StoredAppraisal(
                person: String(format: "p%04d", index), role: index % 2 == 0 ? "employee" : "lead",
                definitionVersion: "v\(index % 3)", total: "\(index).5", grade: "g\(index % 4)",
                detailsJSON: "{\"n\":\(index)}", at: fixture.now)
        }
        // A person and role given twice (in one statement's worth) is stored as given last.
        var again = results[7]
        again.grade = "again"
        try store.saveAppraisalBatch(
            unit: "rt", appraisal: "a", period: "2024", roles: ["employee", "lead"],
            people: .init(after: nil, through: nil), results: results[..<9] + [again] + results[9...], consequences: [],
            at: fixture.now)
        let stored = try store.appraisalResults(unit: "rt", appraisal: "a", period: "2024")
        #expect(stored.count == 2_150)
        #expect(Set(stored) == Set(results.filter { $0 != results[7] } + [again]))
    }

    @Test(arguments: StoreKind.allCases) func aBatchReplacesTheResultsOfItsIdRangeOnly(_ kind: StoreKind) throws {
        try kind.with { place in try aBatchReplacesTheResultsOfItsIdRangeOnly(place) }
    }

    func aBatchReplacesTheResultsOfItsIdRangeOnly(_ place: StorePlace) throws {
        let store = try place.seeded()
        func result(_ person: String, _ grade: String) -> StoredAppraisal {
            StoredAppraisal(
                person: person, role: "employee", definitionVersion: "v", total: "1", grade: grade, detailsJSON: "{}",
                at: fixture.now)
        }
        func save(_ range: AppraisalBatchRange, _ results: [StoredAppraisal]) throws {
            try store.saveAppraisalBatch(
                unit: "rt", appraisal: "a", period: "2024", roles: ["employee"], people: range, results: results,
                consequences: [], at: fixture.now)
        }
        try save(.init(after: nil, through: nil), [result("a", "x"), result("b", "x"), result("c", "x")])
        // The first batch of a re-run covers a and b; b is no longer appraised.
        try save(.init(after: nil, through: "b"), [result("a", "y")])
        var stored = try store.appraisalResults(unit: "rt", appraisal: "a", period: "2024")
        #expect(stored.map { "\($0.person) \($0.grade)" } == ["a y", "c x"])
        // The last batch covers the rest.
        try save(.init(after: "b", through: nil), [result("d", "y")])
        stored = try store.appraisalResults(unit: "rt", appraisal: "a", period: "2024")
        #expect(stored.map { "\($0.person) \($0.grade)" } == ["a y", "d y"])
    }

    /// The cases a batch's consequences open are written together (a thousand to a statement on
    /// PostgreSQL), and stored as the same steps committed one by one are: case rows, history,
    /// timers (named or not), outbox entries, incidents and parents; an id taken already fails
    /// the batch.
    @Test(arguments: StoreKind.allCases) func consequenceCasesAreStoredAsOneByOne(_ kind: StoreKind) throws {
        try kind.with { batched in try kind.with { single in try consequenceCasesAreStoredAsOneByOne(batched, single) }
        }
    }

    func consequenceCasesAreStoredAsOneByOne(_ batched: StorePlace, _ single: StorePlace) throws {
        let interpreter = Interpreter(program: SQLiteCaseStoreTests.program)
        var steps: [Step] = []
        for index in 0..<1_003 {
            // Each time of its own, so that no two columns can be swapped unseen.
            let outcome = interpreter.open(
                "report", id: "rt-report-\(index + 1)", input: fixture.opening, by: fixture.employee,
                now: Instant(seconds: fixture.now.seconds + index))
            guard case .advanced(var step) = outcome else {
                Issue.record("not opened: \(outcome)")
                return
            }
            step.next.updatedAt = Instant(seconds: fixture.now.seconds + 100_000 + index)
            step.history.at = Instant(seconds: fixture.now.seconds + 200_000 + index)
            if index % 5 == 1 {
                step.history.transition = "t\(index)"
                step.history.from = "from\(index)"
            }
            if index % 2 == 0 {
                step.startTimers += [
                    TimerRequest(
                        name: "remind", event: "remind", due: Instant(seconds: fixture.now.seconds + 3_600 + index)),
                    TimerRequest(name: nil, event: "expire", due: Instant(seconds: fixture.now.seconds + 7_200)),
                ]
                step.effects.append(.notify(role: "reviewer", message: "case \(index)"))
            }
            if index % 250 == 0 {
                step.incidents.append(
                    Incident(code: "test", message: "noted \(index)", transition: nil, expression: "x", range: nil))
            }
            if index % 3 == 0 { step.next.parent = "rt-report-1" }
            steps.append(step)
        }
        let consequences = steps.enumerated().map { index, step in
            (
                consequence: StoredConsequence(
                    person: "p\(index)", role: "employee", grade: "g", index: 0, kind: "open", detailsJSON: "{}",
                    caseID: step.next.id),
                step: Optional(step)
            )
        }
        let store = try batched.seeded()
        try store.saveAppraisalBatch(
            unit: "rt", appraisal: "a", period: "2024", roles: ["employee"], people: .init(after: nil, through: nil),
            results: [], consequences: consequences, at: fixture.now)
        let reference = try single.seeded()
        for step in steps { try reference.commit(step, expectedVersion: nil) }

        for step in steps {
            let id = step.next.id
            #expect(try store.load(id) == reference.load(id), "\(id)")
            #expect(try store.history(id) == reference.history(id), "\(id)")
        }
        let far = Instant(seconds: fixture.now.seconds + 86_400)
        func timers(_ store: any CaseStore) throws -> [String] {
            try store.dueTimers(unit: "rt", at: far, limit: 10_000).map {
                "\($0.caseID) \($0.name ?? "-") \($0.event) \($0.due.seconds)"
            }
        }
        #expect(try timers(store).count == 1_004)
        #expect(try timers(store) == timers(reference))
        func effects(_ store: any CaseStore) throws -> [String] {
            try store.pendingEffects(unit: "rt", limit: 10_000).map { "\($0.caseID) \($0.json) \($0.createdAt)" }
        }
        #expect(try effects(store).count == 502)
        #expect(try effects(store) == effects(reference))
        func incidents(_ store: any CaseStore) throws -> [StoredIncident] {
            try store.incidents(caseID: nil).map { incident in
                var incident = incident
                incident.id = 0
                return incident
            }
        }
        #expect(try incidents(store).count == 5)
        #expect(try incidents(store) == incidents(reference))
        let recorded = try store.appraisalConsequences(unit: "rt", appraisal: "a", period: "2024")
        #expect(Set(recorded.compactMap(\.caseID)) == Set(steps.map(\.next.id)))

        // A case id taken already fails the whole batch: neither its results nor its
        // consequences stay.
        let result = StoredAppraisal(
            person: "p0", role: "employee", definitionVersion: "v", total: "1", grade: "g", detailsJSON: "{}",
            at: fixture.now)
        #expect(throws: StoreError.self) {
            try store.saveAppraisalBatch(
                unit: "rt", appraisal: "a", period: "2025", roles: ["employee"],
                people: .init(after: nil, through: nil), results: [result],
                consequences: [
                    (
                        StoredConsequence(
                            person: "p0", role: "employee", grade: "g", index: 0, kind: "open", detailsJSON: "{}",
                            caseID: steps[5].next.id),
                        steps[5]
                    )
                ], at: fixture.now)
        }
        #expect(try store.appraisalResults(unit: "rt", appraisal: "a", period: "2025").isEmpty)
        #expect(try store.appraisalConsequences(unit: "rt", appraisal: "a", period: "2025").isEmpty)
    }
}
