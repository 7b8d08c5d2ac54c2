import Foundation
import GridflowExpressions
import GridflowStore
import Synchronization
import Testing

@testable import GridflowPostgres
@testable import GridflowRuntime

/// The same calls against a SQLite store and a PostgreSQL one give the same answers: the
/// directory, appointments, appraisal batches and counts, deployments.
@Suite(PostgresServer.available) struct PostgresConformanceTests {
    static let from = Instant(seconds: 1_700_000_000)
    static let to = Instant(seconds: 1_800_000_000)

    /// Runs `body` with a fresh SQLite store and a fresh PostgreSQL store.
    func withStores(_ body: (SQLiteCaseStore, PostgresCaseStore) throws -> Void) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gridflow-conformance-\(UUID().uuidString).sqlite"
        ).path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let sqlite = try SQLiteCaseStore(path: path)
        try PostgresServer.withDatabase { location in
            let postgres = try PostgresCaseStore(location: location)
            defer { postgres.close() }
            try body(sqlite, postgres)
        }
    }

    /// Each call's answer from both stores, which must be equal; the SQLite store's is returned.
    @discardableResult
    func same<T: Equatable>(
        _ stores: (SQLiteCaseStore, PostgresCaseStore), _ what: Comment = "",
        sourceLocation: SourceLocation = #_sourceLocation, _ call: (any CaseStore) throws -> T
    ) throws -> T {
        let sqlite = try call(stores.0)
        let postgres = try call(stores.1)
        #expect(sqlite == postgres, what, sourceLocation: sourceLocation)
        return sqlite
    }

    /// Runs a write on both stores; both must succeed, or both fail with the same code.
    func both(
        _ stores: (SQLiteCaseStore, PostgresCaseStore), sourceLocation: SourceLocation = #_sourceLocation,
        _ call: (any CaseStore) throws(StoreError) -> Void
    ) -> StoreError.Code? {
        var codes: [StoreError.Code?] = []
        for store in [stores.0 as any CaseStore, stores.1] {
            do throws(StoreError) {
                try call(store)
                codes.append(nil)
            } catch {
                codes.append(error.code)
            }
        }
        #expect(codes[0] == codes[1], sourceLocation: sourceLocation)
        return codes[0]
    }

    /// Runs a write on both stores, which must both succeed.
    func onBoth(_ stores: (SQLiteCaseStore, PostgresCaseStore), _ call: (any CaseStore) throws -> Void) throws {
        try call(stores.0)
        try call(stores.1)
    }

    static func record(_ fields: [String: Value]) -> Value {
        let names = fields.keys.sorted()
        return .record(Record(layout: RecordLayout(names: names), slots: names.map { fields[$0]! }))
    }

    /// A step of a case written by hand: its opening (version 1) or a later one, which keeps
    /// the stored fields as a lagging snapshot unless `snapshot`.
    static func step(
        _ id: String, workflow: String = "report", version: Int = 1, definition: String = "v1", state: String,
        from: String? = nil, fields: [String: Value], changes: [FieldChange] = [], openedAt: Int = 1_750_000_000,
        at: Int? = nil, effects: [EffectRequest] = [], snapshot: Bool = false
    ) -> Step {
        guard case .record(let record) = Self.record(fields) else { fatalError() }
        let when = Instant(seconds: at ?? openedAt)
        return Step(
            next: CaseSnapshot(
                id: id, unit: "rt", workflow: workflow, definitionVersion: definition, state: state, fields: record,
                version: version, openedAt: Instant(seconds: openedAt), updatedAt: when, parent: nil),
            history: HistoryEntry(
                at: when, actor: "wang", event: version == 1 ? "open" : "move", transition: nil, from: from, to: state,
                changes: changes),
            startTimers: [], cancelTimers: false, effects: effects, incidents: [], snapshot: snapshot)
    }

    /// A step's timers (started and cancelled), effects and incidents read the same from both
    /// stores, whether committed by a waiting thread or by a suspended task (PostgreSQL: the same
    /// one statement, unnamed or prepared).
    @Test(arguments: [false, true])
    func aStepsTimersEffectsAndIncidentsReadTheSame(suspending: Bool) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gridflow-conformance-\(UUID().uuidString).sqlite"
        ).path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let sqlite = try SQLiteCaseStore(path: path)
        try await PostgresServer.withDatabaseAsync { location in
            let postgres = try PostgresCaseStore(location: location)
            defer { postgres.close() }
            let stores: [any CaseStore] = [sqlite, postgres]
            func commit(_ step: Step, _ expected: Int?) async throws {
                for store in stores {
                    if suspending {
                        try await store.commitAsync(step, expectedVersion: expected)
                    } else {
                        try store.commit(step, expectedVersion: expected)
                    }
                }
            }
            var open = Self.step("rt-report-1", state: "open", fields: ["note": .string("a \"quoted\" note")])
            open.startTimers = [
                TimerRequest(name: "remind", event: "remind", due: Instant(seconds: 1_750_000_100)),
                TimerRequest(name: nil, event: "escalate", due: Instant(seconds: 1_750_000_200)),
            ]
            open.effects = [.notify(role: "boss", message: "new \"report\""), .notify(role: "clerk", message: "b")]
            open.incidents = [
                Incident(code: "guard-failed", message: "x is \"missing\"", transition: "t1", expression: "x > 1"),
                Incident(code: "no-route", message: "no row", transition: nil),
            ]
            try await commit(open, nil)
            var move = Self.step(
                "rt-report-1", version: 2, state: "claimed", from: "open", fields: ["note": .string("b")],
                changes: [FieldChange(field: "note", old: .string("a"), new: .string("b"))], at: 1_750_000_050)
            move.cancelTimers = true
            move.startTimers = [TimerRequest(name: "deadline", event: "overdue", due: Instant(seconds: 1_750_000_300))]
            try await commit(move, 1)
            // A step from a version the case no longer has writes nothing and is a conflict.
            var stale = move
            stale.next.version = 3
            stale.startTimers = [TimerRequest(name: "late", event: "late", due: Instant(seconds: 1_750_000_400))]
            for store in stores {
                let error = await #expect(throws: StoreError.self) {
                    if suspending {
                        try await store.commitAsync(stale, expectedVersion: 1)
                    } else {
                        try store.commit(stale, expectedVersion: 1)
                    }
                }
                #expect(error?.code == .conflict)
            }
            func timers(_ store: any CaseStore) throws -> [String] {
                try store.dueTimers(unit: "rt", at: Instant(seconds: 1_800_000_000), limit: 10).map {
                    "\($0.name ?? "-") \($0.event) \($0.due.seconds)"
                }
            }
            #expect(try timers(sqlite) == ["deadline overdue 1750000300"])
            #expect(try timers(postgres) == timers(sqlite))
            func effects(_ store: any CaseStore) throws -> [String] {
                try store.pendingEffects(unit: "rt", limit: 10).map { "\($0.json) \($0.createdAt.seconds)" }
            }
            #expect(try effects(sqlite).count == 2)
            #expect(try effects(postgres) == effects(sqlite))
            func incidents(_ store: any CaseStore) throws -> [String] {
                try store.incidents(caseID: "rt-report-1").map {
                    "\($0.code)|\($0.message)|\($0.transition ?? "-")|\($0.expression ?? "-")|\($0.event)|"
                        + "\($0.inputJSON)|\($0.actor.id)|\($0.actor.roles.sorted())|\($0.at.seconds)"
                }
            }
            #expect(try incidents(sqlite).count == 2)
            #expect(try incidents(postgres) == incidents(sqlite))
            let loaded = try stores.map { try $0.load("rt-report-1") }
            #expect(loaded[0]?.version == 2 && loaded[0]?.state == "claimed")
            #expect(try loaded[0]?.currentFields() == loaded[1]?.currentFields() && loaded[1]?.version == 2)
            #expect(try postgres.history("rt-report-1") == sqlite.history("rt-report-1"))
            // The daemon's reads (prepared statements on PostgreSQL) answer as the plain ones.
            for store in stores {
                #expect(try await store.loadAsync("rt-report-1") == store.load("rt-report-1"))
                #expect(try await store.loadAsync("rt-report-9") == nil)
            }
            let token = StoredToken(
                id: "tok_0000000001", secretHash: TokenAuthority.hash("gf_one"), unit: "rt", person: "wang",
                admin: false, label: nil, createdAt: Instant(seconds: 1_750_000_000), expiresAt: nil)
            for store in stores {
                try store.saveToken(token)
                let facts = try await store.tokenFactsAsync(hash: token.secretHash)
                #expect(
                    facts
                        == TokenFacts(
                            token: token, activeDeployment: nil, personStamp: DirectoryStamp(people: 0, appointments: 0)
                        ))
                #expect(try await store.tokenFactsAsync(hash: TokenAuthority.hash("gf_two")) == nil)
                #expect(
                    try await store.tokenFactsAsync(hash: TokenAuthority.hash("gf_two"), readingAhead: "rt-report-1")
                        == nil)
            }
            // SQLite reads the case a request names in the token's read transaction; PostgreSQL
            // (whose token read is one prepared statement) leaves it to the request.
            let ahead = try await sqlite.tokenFactsAsync(hash: token.secretHash, readingAhead: "rt-report-1")
            #expect(ahead?.readAhead == ReadAhead(id: "rt-report-1", stored: try sqlite.load("rt-report-1")))
            #expect(ahead?.token == token && ahead?.readAhead?.stored?.version == 2)
            #expect(
                try await sqlite.tokenFactsAsync(hash: token.secretHash, readingAhead: "rt-report-9")?.readAhead
                    == ReadAhead(id: "rt-report-9", stored: nil))
            #expect(
                try await postgres.tokenFactsAsync(hash: token.secretHash, readingAhead: "rt-report-1")?.readAhead
                    == nil)
        }
    }

    static func person(_ id: String, _ roles: [String], name: String) -> StoredPerson {
        StoredPerson(
            id: id, roles: roles, recordJSON: ValueJSON.encode(record(["id": .string(id), "name": .string(name)])))
    }

    @Test func theDirectoryReadsTheSameAfterImportsAndReplacements() throws {
        try withStores { sqlite, postgres in
            let stores = (sqlite, postgres)
            #expect(try same(stores) { try $0.hasPeople(unit: "rt") } == false)
            #expect(try same(stores) { try $0.directoryRevision(unit: "rt") } == 0)
            #expect(
                both(stores) { store throws(StoreError) in
                    try store.importPeople(
                        unit: "rt",
                        [
                            Self.person("zhao", ["employee"], name: "赵"),
                            Self.person("wang", ["boss", "employee"], name: "王"),
                            Self.person("li", [], name: "李"), Self.person("zhao", ["auditor"], name: "赵二"),
                        ], replacing: false)
                } == nil)
            try onBoth(stores) {
                try $0.importPeople(unit: "other", [Self.person("wang", ["x"], name: "W")], replacing: true)
            }
            let people = try same(stores) { try $0.people(unit: "rt") }
            // Listed twice: the last listing stands.
            #expect(people.map(\.id) == ["li", "wang", "zhao"])
            #expect(people.last?.roles == ["auditor"])
            #expect(try same(stores) { try $0.person(unit: "rt", id: "wang") }?.roles == ["boss", "employee"])
            #expect(try same(stores) { try $0.person(unit: "rt", id: "nobody") } == nil)
            // Those the directory lists with a role, found in the store.
            #expect(try same(stores) { try $0.people(unit: "rt", holding: "employee") }.map(\.id) == ["wang"])
            #expect(try same(stores) { try $0.people(unit: "rt", holding: "auditor") }.map(\.id) == ["zhao"])
            #expect(try same(stores) { try $0.people(unit: "rt", holding: "x") }.isEmpty)
            #expect(try same(stores) { try $0.peopleCount(unit: "rt") } == 3)
            #expect(try same(stores) { try $0.people(unit: "rt", after: nil, limit: 2) }.map(\.id) == ["li", "wang"])
            #expect(try same(stores) { try $0.people(unit: "rt", after: "wang", limit: 2) }.map(\.id) == ["zhao"])
            #expect(try same(stores) { try $0.directoryRevision(unit: "rt") } == 1)
            // Updating one person keeps the others; replacing keeps only those listed.
            try onBoth(stores) {
                try $0.importPeople(unit: "rt", [Self.person("li", ["boss"], name: "李")], replacing: false)
            }
            #expect(
                try same(stores) { try $0.people(unit: "rt") }.map(\.roles) == [
                    ["boss"], ["boss", "employee"], ["auditor"],
                ])
            try onBoth(stores) { try $0.importPeople(unit: "rt", [Self.person("sun", [], name: "孙")], replacing: true) }
            #expect(try same(stores) { try $0.people(unit: "rt") }.map(\.id) == ["sun"])
            #expect(try same(stores) { try $0.directoryRevision(unit: "rt") } == 3)
            #expect(try same(stores) { try $0.people(unit: "other") }.count == 1)
            try onBoth(stores) { try $0.importPeople(unit: "rt", [], replacing: true) }
            #expect(try same(stores) { try $0.hasPeople(unit: "rt") } == false)
            // Many people: more than one statement's worth.
            let many = (0..<2_345).map { Self.person(String(format: "p%05d", $0), ["employee"], name: "n\($0)") }
            try onBoth(stores) { try $0.importPeople(unit: "rt", many, replacing: true) }
            #expect(try same(stores) { try $0.peopleCount(unit: "rt") } == 2_345)
            #expect(try same(stores) { try $0.people(unit: "rt", after: "p01999", limit: 1_000) }.count == 345)
        }
    }

    @Test func anEffectsIncidentIsWrittenWithItsCompletionAndOnlyOnce() throws {
        try withStores { sqlite, postgres in
            let stores = (sqlite, postgres)
            try onBoth(stores) {
                try $0.commit(
                    Self.step(
                        "rt-report-1", state: "open", fields: [:], effects: [.notify(role: "boss", message: "hi")]),
                    expectedVersion: nil)
            }
            let effects = try same(stores) { try $0.pendingEffects(unit: "rt", limit: 10) }
            #expect(effects.count == 1)
            guard let effect = effects.first else { return }
            var delivery = Delivery(
                kind: "notify", caseID: effect.caseID, detailsJSON: effect.json, at: Instant(seconds: 1_750_000_100))
            delivery.incident = Incident(code: "notify-nobody", message: "nobody holds boss", transition: nil)
            delivery.incidentAt = Instant(seconds: 1_750_000_150)
            try onBoth(stores) { try $0.complete(effect, step: nil, expectedVersion: nil, delivery: delivery) }
            // Another tick that performed it too loses: a conflict, and its incident is not written.
            for store in [sqlite, postgres] as [any CaseStore] {
                #expect(throws: StoreError.self) {
                    try store.complete(effect, step: nil, expectedVersion: nil, delivery: delivery)
                }
            }
            let incidents = try same(stores) { try $0.incidents(caseID: "rt-report-1").map { [$0.code, $0.event] } }
            #expect(incidents == [["notify-nobody", "effect"]])
            let at = try same(stores) { try $0.incidents(caseID: "rt-report-1").map(\.at) }
            #expect(at == [Instant(seconds: 1_750_000_150)])
        }
    }

    @Test func effectsCompletedTogetherLeaveOutOnlyTheOneThatConflicts() throws {
        try withStores { sqlite, postgres in
            let stores = (sqlite, postgres)
            try onBoth(stores) {
                try $0.commit(
                    Self.step(
                        "rt-report-1", state: "open", fields: [:],
                        effects: [
                            .notify(role: "boss", message: "one"), .notify(role: "boss", message: "two"),
                            .notify(role: "boss", message: "three"),
                        ]), expectedVersion: nil)
            }
            let effects = try same(stores) { try $0.pendingEffects(unit: "rt", limit: 10) }
            #expect(effects.count == 3)
            func completion(_ effect: StoredEffect, step: Step? = nil, expected: Int? = nil) -> EffectCompletion {
                var delivery = Delivery(
                    kind: "notify", caseID: effect.caseID, detailsJSON: effect.json,
                    at: Instant(seconds: 1_750_000_100))
                delivery.incident = Incident(code: "notify-nobody", message: effect.json, transition: nil)
                return EffectCompletion(effect, step: step, expectedVersion: expected, delivery: delivery)
            }
            // The first was performed by someone else; the third brings a step on a stale version.
            try onBoth(stores) { try $0.complete(effects[0], step: nil, expectedVersion: nil, delivery: nil) }
            let stale = Self.step(
                "rt-report-1", version: 2, state: "closed", from: "open", fields: [:], at: 1_750_000_100)
            for store in [sqlite, postgres] as [any CaseStore] {
                let conflicts = try store.complete([
                    completion(effects[0]), completion(effects[1]), completion(effects[2], step: stale, expected: 7),
                ])
                #expect(conflicts.map { $0?.code } == [.conflict, nil, .conflict])
            }
            // Only the second's incident is written, and only the third is still to perform.
            let incidents = try same(stores) { try $0.incidents(caseID: "rt-report-1").map(\.message) }
            #expect(incidents == [effects[1].json])
            #expect(try same(stores) { try $0.pendingEffects(unit: "rt", limit: 10) }.map(\.id) == [effects[2].id])
            #expect(try sqlite.complete([]).isEmpty && postgres.complete([]).isEmpty)
        }
    }

    /// The timers a tick fires have their steps committed together: one whose case moved on is
    /// left out alone, the others commit.
    @Test func stepsCommittedTogetherLeaveOutOnlyTheOneThatConflicts() throws {
        try withStores { sqlite, postgres in
            let stores = (sqlite, postgres)
            for id in ["rt-report-1", "rt-report-2", "rt-report-3"] {
                try onBoth(stores) { try $0.commit(Self.step(id, state: "open", fields: [:]), expectedVersion: nil) }
            }
            func closing(_ id: String) -> Step {
                Self.step(id, version: 2, state: "closed", from: "open", fields: [:], at: 1_750_000_100)
            }
            for store in [sqlite, postgres] as [any CaseStore] {
                // The second's case is not at version 7: it moved on.
                let conflicts = try store.commit([
                    StepCommit(closing("rt-report-1"), expectedVersion: 1),
                    StepCommit(closing("rt-report-2"), expectedVersion: 7),
                    StepCommit(closing("rt-report-3"), expectedVersion: 1),
                ])
                #expect(conflicts.map { $0?.code } == [nil, .conflict, nil])
            }
            let states = try same(stores) { store in
                try ["rt-report-1", "rt-report-2", "rt-report-3"].map { id in try store.load(id)?.state ?? "" }
            }
            #expect(states == ["closed", "open", "closed"])
            #expect(try sqlite.commit([]).isEmpty && postgres.commit([]).isEmpty)
        }
    }

    @Test func appointmentsAndTheirEndsReadTheSame() throws {
        try withStores { sqlite, postgres in
            let stores = (sqlite, postgres)
            let wang = Self.record(["id": .string("wang"), "shift": .string("B")])
            try onBoth(stores) {
                try $0.commit(
                    Self.step(
                        "rt-report-1", state: "open", fields: [:],
                        effects: [
                            .appoint(role: "captain", person: .string("li"), at: "team1", shift: "A"),
                            .appoint(role: "captain", person: wang, at: "team2", shift: nil),
                            .appoint(role: "captain", person: .string("li"), at: "team2", shift: nil),
                            .notify(role: "boss", message: "hello"),
                        ]), expectedVersion: nil)
            }
            let effects = try same(stores) { try $0.pendingEffects(unit: "rt", limit: 10) }
            #expect(effects.count == 4)
            for effect in effects {
                let kind = effect.json.contains("\"appoint\"") ? "appoint" : "notification"
                try onBoth(stores) {
                    try $0.complete(
                        effect, step: nil, expectedVersion: nil,
                        delivery: Delivery(
                            kind: kind, caseID: effect.caseID, detailsJSON: effect.json,
                            at: Instant(seconds: 1_750_000_100)))
                }
            }
            // li resigns from the captaincy at team1 only; then an appraisal appoints zhao and ends wang's.
            try onBoth(stores) {
                try $0.commit(
                    Self.step(
                        "rt-report-2", state: "open", fields: [:], openedAt: 1_750_000_200,
                        effects: [
                            .endAppointment(role: "captain", person: .string("li"), at: "team1", reason: "resignation")
                        ]), expectedVersion: nil)
            }
            let ends = try same(stores) { try $0.pendingEffects(unit: "rt", limit: 10) }
            #expect(ends.count == 1)
            for effect in ends {
                try onBoth(stores) {
                    try $0.complete(
                        effect, step: nil, expectedVersion: nil,
                        delivery: Delivery(
                            kind: "end_appointment", caseID: effect.caseID, detailsJSON: effect.json,
                            at: Instant(seconds: 1_750_000_250)))
                }
            }
            try onBoth(stores) {
                try $0.saveAppraisalBatch(
                    unit: "rt", appraisal: "annual", period: "2025", roles: ["employee"],
                    people: AppraisalBatchRange(after: nil, through: nil), results: [],
                    consequences: [
                        (
                            StoredConsequence(
                                person: "zhao", role: "employee", grade: "A", index: 0, kind: "appoint",
                                detailsJSON: #"{"role":"deputy","person":"zhao","at":"team1"}"#, caseID: nil), nil
                        ),
                        (
                            StoredConsequence(
                                person: "wang", role: "employee", grade: "D", index: 0, kind: "end_appointment",
                                detailsJSON: #"{"role":"captain","person":{"id":"wang"},"reason":"removal"}"#,
                                caseID: nil), nil
                        ),
                    ], at: Instant(seconds: 1_750_000_300))
            }
            let all = try same(stores) { try $0.appointments(unit: "rt", person: nil) }
            #expect(all.map(\.person) == ["li", "wang", "li", "zhao"])
            #expect(all.map { $0.end?.reason } == ["resignation", "removal", nil, nil])
            #expect(all[1].shift == "B" && all[0].shift == "A")
            #expect(try same(stores) { try $0.appointments(unit: "rt", person: "li") }.count == 2)
            #expect(
                try same(stores) { try $0.appointments(unit: "rt", person: "zhao") }.first?.caseID
                    == "appraisal annual 2025")
            #expect(try same(stores) { try $0.appointments(unit: "rt", person: "nobody") }.isEmpty)
            #expect(try same(stores) { try $0.appointments(unit: "other", person: nil) }.isEmpty)
            // Narrowed to a role in the store: the same entries as the whole list filtered.
            #expect(
                try same(stores) { try $0.appointments(unit: "rt", role: "captain") }
                    == all.filter { $0.role == "captain" })
            #expect(try same(stores) { try $0.appointments(unit: "rt", role: "deputy") }.map(\.person) == ["zhao"])
            #expect(try same(stores) { try $0.appointments(unit: "rt", role: "boss") }.isEmpty)
            // Three appointments and one end made through cases each changed the directory, and
            // so did the appraisal's (once for its batch).
            #expect(try same(stores) { try $0.directoryRevision(unit: "rt") } == 5)
            // A person's stamp moves with their own appointments (the last delivery's id), not
            // with others'; an import moves everyone's.
            var stamps: [DirectoryStamp] = []
            for person in ["li", "wang", "zhao", "nobody"] {
                stamps.append(try same(stores) { try $0.directoryStamp(unit: "rt", person: person) })
            }
            #expect(stamps.map(\.appointments) == [5, 2, 0, 0] && stamps.allSatisfy { $0.people == 1 })
            try onBoth(stores) {
                try $0.importPeople(unit: "rt", [Self.person("sun", [], name: "孙")], replacing: false)
            }
            #expect(
                try same(stores) { try $0.directoryStamp(unit: "rt", person: "li") }
                    == DirectoryStamp(people: 2, appointments: 5))

            // A record naming no role is an error on both stores that names the record, never
            // its details (they name a person).
            try onBoth(stores) {
                try $0.saveAppraisalBatch(
                    unit: "rt2", appraisal: "annual", period: "2025", roles: ["employee"],
                    people: AppraisalBatchRange(after: nil, through: nil), results: [],
                    consequences: [
                        (
                            StoredConsequence(
                                person: "zhao", role: "employee", grade: "D", index: 0, kind: "appoint",
                                detailsJSON: #"{"person":"zhao","note":"private words"}"#, caseID: nil), nil
                        )
                    ], at: Instant(seconds: 1_750_000_400))
            }
            for store in [stores.0, stores.1] as [any CaseStore] {
                do throws(StoreError) {
                    _ = try store.appointments(unit: "rt2", person: nil)
                    Issue.record("an unreadable appointment was read")
                } catch {
                    #expect(error.code == .database)
                    #expect(error.message.contains("appoint recorded by appraisal annual 2025"), "\(error.message)")
                    #expect(!error.message.contains("zhao") && !error.message.contains("private"), "\(error.message)")
                }
            }
        }
    }

    @Test func appraisalBatchesReplaceTheirRangeAndPerformConsequencesOnce() throws {
        try withStores { sqlite, postgres in
            let stores = (sqlite, postgres)
            func result(_ person: String, _ role: String, _ total: String, _ grade: String) -> StoredAppraisal {
                StoredAppraisal(
                    person: person, role: role, definitionVersion: "v1", total: total, grade: grade,
                    detailsJSON: #"{"bonus":[]}"#, at: Instant(seconds: 1_750_000_000))
            }
            let review = Self.step(
                "rt-review-1", workflow: "review", state: "open", fields: ["person": .string("bai")])
            let consequences: [(consequence: StoredConsequence, step: Step?)] = [
                (
                    StoredConsequence(
                        person: "bai", role: "employee", grade: "D", index: 0, kind: "open", detailsJSON: "{}",
                        caseID: nil), review
                ),
                (
                    StoredConsequence(
                        person: "bai", role: "employee", grade: "D", index: 1, kind: "commend",
                        detailsJSON: #"{"list":"watch"}"#, caseID: nil), nil
                ),
            ]
            func save(_ range: AppraisalBatchRange, _ results: [StoredAppraisal]) throws {
                try onBoth(stores) {
                    try $0.saveAppraisalBatch(
                        unit: "rt", appraisal: "annual", period: "2024", roles: ["employee", "boss"], people: range,
                        results: results, consequences: consequences, at: Instant(seconds: 1_750_000_500))
                }
            }
            let first = AppraisalBatchRange(after: nil, through: "m")
            try save(
                first,
                [
                    result("ai", "employee", "90", "A"), result("bai", "employee", "40", "D"),
                    result("bai", "boss", "70", "B"),
                ])
            try save(AppraisalBatchRange(after: "m", through: nil), [result("xu", "employee", "80", "B")])
            // The first range again: bai's results are gone, ai's replaced; the consequences stand once.
            try save(first, [result("ai", "employee", "95", "A")])
            let results = try same(stores) { try $0.appraisalResults(unit: "rt", appraisal: "annual", period: "2024") }
            #expect(results.map { "\($0.person) \($0.role) \($0.total)" } == ["ai employee 95", "xu employee 80"])
            let performed = try same(stores) {
                try $0.appraisalConsequences(unit: "rt", appraisal: "annual", period: "2024")
            }
            #expect(performed.map(\.caseID) == ["rt-review-1", nil])
            #expect(try same(stores) { try $0.load("rt-review-1") }?.workflow == "review")
            #expect(
                try same(stores) { try $0.appraisalResults(unit: "rt", appraisal: "annual", period: "2023") }.isEmpty)
        }
    }

    @Test func deploymentsActivationsAndMigrationsReadTheSame() throws {
        try withStores { sqlite, postgres in
            let stores = (sqlite, postgres)
            for (index, version) in ["legacy", "legacy", "other"].enumerated() {
                try onBoth(stores) {
                    try $0.commit(
                        Self.step("rt-report-\(index + 1)", definition: version, state: "open", fields: [:]),
                        expectedVersion: nil)
                }
            }
            func deployment(_ version: String) -> StoredDeployment {
                StoredDeployment(
                    unit: "rt", version: version, sequence: 0,
                    files: [.init(path: "Workflows/rt/report.yaml", text: "name: report # \(version)")],
                    deployedBy: "ops", deployedAt: Instant(seconds: 1_750_000_000),
                    message: version == "v2" ? nil : "why")
            }
            #expect(try same(stores) { try $0.deployedUnits() }.isEmpty)
            #expect(try same(stores) { try $0.deploy(deployment("v1"), adopting: ["legacy", "v1"]) })
            #expect(try same(stores) { try $0.deploy(deployment("v2"), adopting: []) })
            #expect(try !same(stores) { try $0.deploy(deployment("v1"), adopting: []) })
            #expect(try same(stores) { try $0.activeDeployment(unit: "rt") } == "v1")
            let all = try same(stores) { try $0.deployments(unit: "rt") }
            #expect(all.map(\.sequence) == [1, 2] && all.first?.files.count == 1)
            #expect(try same(stores) { try $0.deployment(unit: "rt", version: "v2") }?.message == nil)
            #expect(try same(stores) { try $0.deployment(unit: "rt", version: "v3") } == nil)
            #expect(both(stores) { store throws(StoreError) in try store.activate(unit: "rt", version: "v2") } == nil)
            #expect(
                both(stores) { store throws(StoreError) in try store.activate(unit: "rt", version: "v9") } == .notFound)
            #expect(try same(stores) { try $0.activeDeployment(unit: "rt") } == "v2")
            #expect(try same(stores) { try $0.activeDeployment(unit: "nope") } == nil)
            // Where a version stands, without the files.
            #expect(
                try same(stores) { try $0.standing(unit: "rt", version: "v1") }
                    == DeploymentStanding(sequence: 1, activeVersion: "v2", activeSequence: 2))
            #expect(
                try same(stores) { try $0.standing(unit: "rt", version: "legacy") }
                    == DeploymentStanding(sequence: nil, activeVersion: "v2", activeSequence: 2))
            #expect(
                try same(stores) { try $0.standing(unit: "nope", version: "v1") }
                    == DeploymentStanding(sequence: nil, activeVersion: nil, activeSequence: nil))
            #expect(try same(stores) { try $0.deployedUnits() } == ["rt"])
            #expect(
                try same(stores) { try $0.caseCounts(unit: "rt") }
                    == [
                        CaseCount(version: "other", workflow: "report", state: "open", count: 1),
                        CaseCount(version: "v1", workflow: "report", state: "open", count: 2),
                    ])
            let moved = Self.step(
                "rt-report-1", version: 2, definition: "v2", state: "waiting", from: "open",
                fields: ["note": .string("moved")],
                changes: [FieldChange(field: "note", old: .null, new: .string("moved"))],
                at: 1_750_000_900, snapshot: true)
            let stale = Self.step(
                "rt-report-2", version: 3, definition: "v2", state: "waiting", from: "open", fields: [:], snapshot: true
            )
            // One case that changed meanwhile: none is migrated.
            #expect(both(stores) { store throws(StoreError) in try store.migrate([moved, stale]) } == .conflict)
            #expect(try same(stores) { try $0.load("rt-report-1") }?.version == 1)
            #expect(both(stores) { store throws(StoreError) in try store.migrate([moved]) } == nil)
            let migrated = try same(stores) { try $0.load("rt-report-1") }
            #expect(migrated?.definitionVersion == "v2" && migrated?.state == "waiting")
            #expect(
                try same(stores) { try $0.caseCounts(unit: "rt") }.map { "\($0.version) \($0.state) \($0.count)" }
                    == ["other open 1", "v1 open 1", "v2 waiting 1"])
        }
    }

    @Test func factsAreCountedAndCasesPagedTheSame() throws {
        try withStores { sqlite, postgres in
            let stores = (sqlite, postgres)
            func reporter(_ id: String) -> Value { Self.record(["id": .string(id), "name": .string(id)]) }
            let opened: [(String, [String: Value], String, Int)] = [
                (
                    "rt-report-1",
                    [
                        "reporter": reporter("wang"), "urgent": .bool(true), "level": .string("high"),
                        "items": .list([.number(Number(1)), .number(Number(2)), .number(Number(3))]),
                    ], "open", 1_750_000_000
                ),
                (
                    "rt-report-2", ["reporter": reporter("wang"), "urgent": .bool(false), "items": .list([])], "closed",
                    1_750_000_000
                ),
                (
                    "rt-report-3", ["reporter": reporter("li"), "urgent": .bool(true), "level": .null], "open",
                    1_750_000_050
                ),
                (
                    "rt-report-4", ["reporter": reporter("li"), "urgent": .bool(false), "items": .list([.bool(true)])],
                    "open", 1_750_000_100
                ),
                ("rt-report-5", ["reporter": reporter("zhao"), "urgent": .bool(true)], "open", 1_600_000_000),
                (
                    "rt-report-6", ["reporter": .null, "urgent": .bool(true), "items": .string("x")], "open",
                    1_750_000_200
                ),
                ("rt-report-7", ["reporter": reporter("li"), "level": .string("low")], "open", 1_750_000_300),
            ]
            for (id, fields, state, at) in opened {
                try onBoth(stores) {
                    try $0.commit(Self.step(id, state: state, fields: fields, openedAt: at), expectedVersion: nil)
                }
            }
            try onBoth(stores) {
                try $0.commit(
                    Self.step("rt-review-1", workflow: "review", state: "open", fields: ["reporter": reporter("wang")]),
                    expectedVersion: nil)
            }
            // rt-report-4 moves on without a snapshot: its stored fields lag behind its steps.
            try onBoth(stores) {
                try $0.commit(
                    Self.step(
                        "rt-report-4", version: 2, state: "closed", from: "open", fields: [:],
                        changes: [FieldChange(field: "urgent", old: .bool(false), new: .bool(true))],
                        openedAt: 1_750_000_100, at: 1_750_000_400), expectedVersion: 1)
            }
            let shapes: [(person: String, where: String?, sum: String?)] = [
                ("[case.reporter.id]", nil, nil),
                ("case.reporter.id", #"case.state == "open""#, nil),
                ("case.reporter.id", #"case.state != "open""#, nil),
                ("has(case.reporter) ? [case.reporter.id] : []", #"case.state in ["open", "closed"]"#, nil),
                ("case.reporter.id", #"case.missing == "x" or case.state == "none""#, nil),
                ("case.reporter.id", "case.urgent", nil),
                ("case.reporter.id", "not case.urgent", nil),
                ("case.reporter.id", #"(case.level ?? "low") == "low""#, nil),
                ("case.reporter.id", #"has(case.level) and case.urgent == true"#, nil),
                ("case.reporter.id", #"case.id in ["rt-report-1", "rt-report-3"]"#, nil),
                ("case.reporter.id", nil, "size(case.items ?? [])"),
                ("case.reporter.id", "case.urgent", "size(case.items)"),
                ("case.level", nil, nil),
            ]
            let queries = try shapes.map { shape in
                try #require(CaseCountQuery.translate(person: shape.person, where: shape.where, sum: shape.sum))
            }
            let (from, to) = (Self.from, Self.to)
            let sqliteCounts = try #require(
                try sqlite.countCases(unit: "rt", workflow: "report", openedFrom: from, to: to, queries))
            let postgresCounts = try #require(
                try postgres.countCases(unit: "rt", workflow: "report", openedFrom: from, to: to, queries))
            // The query that sums a list where a condition holds (SQLite once bound the sum's path
            // before the condition's, which its SQL reads first, and counted nothing): wang's
            // report, urgent, with three items.
            for index in queries.indices {
                #expect(
                    sqliteCounts.counts.byPerson[index] == postgresCounts.counts.byPerson[index], "\(shapes[index])")
            }
            #expect(postgresCounts.counts.byPerson[11] == ["wang": Number(3)])
            #expect(sqliteCounts.uncounted == postgresCounts.uncounted)
            #expect(postgresCounts.uncounted.map(\.id) == ["rt-report-4"])
            #expect(postgresCounts.counts.byPerson[0] == ["wang": Number(2), "li": Number(2)])
            #expect(postgresCounts.counts.byPerson[10] == ["wang": Number(3)])
            #expect(postgresCounts.counts.byPerson[12] == ["high": Number(1), "low": Number(1)])

            #expect(
                try same(stores) { try $0.cases(unit: "rt", workflow: "report", openedFrom: from, to: to) }.count == 6)
            let entries = try same(stores) {
                try $0.firstEntries(unit: "rt", workflow: "report", openedFrom: from, to: to)
            }
            #expect(
                entries["rt-report-4"] == [
                    "open": Instant(seconds: 1_750_000_100), "closed": Instant(seconds: 1_750_000_400),
                ])
            let conditions: [CaseCondition?] = [nil] + queries.compactMap(\.condition)
            for condition in conditions {
                for limit in [1, 2, 10] {
                    let pages = try same(stores, "\(String(describing: condition)) by \(limit)") {
                        store throws -> [[String]] in
                        var ids: [[String]] = []
                        var cursor: CaseCursor?
                        repeat {
                            let page = try store.cases(
                                unit: "rt", workflow: "report", openedFrom: from, to: to, after: cursor, limit: limit,
                                where: condition)
                            ids.append(page.cases.map(\.id))
                            cursor = page.next
                        } while cursor != nil && ids.count < 20
                        return ids
                    }
                    #expect(pages.count < 20)
                }
            }
        }
    }

    /// Several processes deploying at once take turns: each deployment numbered after the
    /// others', a version deployed by several stored once, none failing.
    @Test func deploymentsFromSeveralProcessesAtOnceTakeTurns() throws {
        try PostgresServer.withDatabase { location in
            let stores = try (0..<8).map { _ in try PostgresCaseStore(location: location) }
            defer { for store in stores { store.close() } }
            let outcomes = Mutex<[String: [Bool]]>([:])
            let failures = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: stores.count) { index in
                for version in (0..<5).map({ "own-\(index)-\($0)" }) + ["shared"] {
                    do {
                        let new = try stores[index].deploy(
                            StoredDeployment(
                                unit: "rt", version: version, sequence: 0, files: [], deployedBy: "ops \(index)",
                                deployedAt: Instant(seconds: 1_750_000_000), message: nil), adopting: [])
                        outcomes.withLock { $0[version, default: []].append(new) }
                    } catch {
                        failures.withLock { $0.append("\(version): \(error)") }
                    }
                }
            }
            #expect(failures.withLock { $0 } == [])
            let deployments = try stores[0].deployments(unit: "rt")
            #expect(deployments.map(\.sequence) == Array(1...41))
            #expect(Set(deployments.map(\.version)).count == 41)
            #expect(outcomes.withLock { $0["shared"]?.filter { $0 }.count } == 1)
            #expect(outcomes.withLock { $0.values.map(\.count).reduce(0, +) } == 48)
        }
    }

    /// PostgreSQL's JSON functions refuse a string holding NUL: a case with one is neither
    /// counted nor filtered in SQL, but returned for the caller to check, and nothing fails.
    @Test func aCaseWithANulInItsFieldsIsLeftToTheCaller() throws {
        try PostgresServer.withDatabase { location in
            let store = try PostgresCaseStore(location: location)
            defer { store.close() }
            let reporter = Self.record(["id": .string("wang")])
            try store.commit(
                Self.step("rt-report-1", state: "open", fields: ["reporter": reporter, "note": .string("a\u{0}b")]),
                expectedVersion: nil)
            try store.commit(
                Self.step("rt-report-2", state: "open", fields: ["reporter": reporter, "note": .string("plain")]),
                expectedVersion: nil)
            #expect(try store.load("rt-report-1")?.fieldsJSON.contains("\\u0000") == true)
            let query = try #require(
                CaseCountQuery.translate(person: "case.reporter.id", where: #"case.note == "plain""#, sum: nil))
            let counted = try #require(
                try store.countCases(unit: "rt", workflow: "report", openedFrom: Self.from, to: Self.to, [query]))
            #expect(counted.counts.byPerson == [["wang": Number(1)]])
            #expect(counted.uncounted.map(\.id) == ["rt-report-1"])
            let page = try store.cases(
                unit: "rt", workflow: "report", openedFrom: Self.from, to: Self.to, after: nil, limit: 10,
                where: query.condition)
            #expect(page.cases.map(\.id) == ["rt-report-1", "rt-report-2"])
            let none = try store.cases(
                unit: "rt", workflow: "report", openedFrom: Self.from, to: Self.to, after: nil, limit: 10,
                where: .equals(.field(["note"]), .string("neither")))
            #expect(none.cases.map(\.id) == ["rt-report-1"])
        }
    }
}
