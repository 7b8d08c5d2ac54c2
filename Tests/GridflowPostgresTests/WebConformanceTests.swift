import Foundation
import GridflowExpressions
import GridflowStore
import Synchronization
import Testing

@testable import GridflowPostgres
@testable import GridflowRuntime

/// The same calls on a SQLite store and a PostgreSQL store give the same answers: notifications
/// and webhook deliveries, API tokens, idempotency keys, shared files, sign-in codes and
/// sessions, report receipts.
@Suite(PostgresServer.available) struct WebConformanceTests {
    let now = Fixture.now
    func at(_ offset: Int) -> Instant { Fixture.at(offset) }

    func notice(
        _ role: String, unit: String = "rt", place: String? = nil, problem: String? = nil, at offset: Int,
        webhooks: [String] = []
    ) -> Notice {
        Notice(
            unit: unit, workflow: "report", role: role, place: place, placeProblem: problem,
            message: "\(role) at \(offset)", at: at(offset), webhooks: webhooks)
    }

    /// Two cases (units rt and ot) whose `notify` effects were performed, leaving notifications
    /// 1–4 (rt) and 5 (ot), with webhook deliveries.
    func notified(_ store: any CaseStore) throws {
        let notices = [
            notice("reviewer", at: 1, webhooks: ["ops"]),
            notice("manager", place: "north", at: 2),
            // By name: a notification's deliveries due together come in the order SQLite wrote
            // them, by name in PostgreSQL.
            notice("reviewer", problem: "no org node 'south'", at: 3, webhooks: ["audit", "ops"]),
            notice("reviewer", at: 4),
        ]
        let notify = EffectRequest.notify(role: "reviewer", message: nil)
        try store.commit(
            Fixture.opening("rt-report-1", effects: Array(repeating: notify, count: 4)), expectedVersion: nil)
        try store.commit(Fixture.opening("ot-report-1", unit: "ot", effects: [notify]), expectedVersion: nil)
        let effects = try store.pendingEffects(unit: "rt", limit: 10) + store.pendingEffects(unit: "ot", limit: 10)
        #expect(effects.count == 5)
        for (effect, notice) in zip(effects, notices + [notice("reviewer", unit: "ot", at: 2, webhooks: ["ops"])]) {
            var delivery = Delivery(kind: "notify", caseID: effect.caseID, detailsJSON: "{}", at: notice.at)
            delivery.notice = notice
            try store.complete(effect, step: nil, expectedVersion: nil, delivery: delivery)
        }
    }

    @Test func notificationsAreListedReadAndFoundAlike() throws {
        try StorePair.with { pair throws in
            for store in pair.stores { try notified(store) }
            func ids(
                _ roles: Set<String>, person: String = "li", unread: Bool = false, before: Int? = nil, limit: Int = 10
            )
                throws -> [Int]
            {
                try pair.value { store throws(StoreError) in
                    try store.notifications(
                        unit: "rt", roles: roles, person: person, unreadOnly: unread, before: before, limit: limit)
                }.map(\.id)
            }
            #expect(try ids(["reviewer"]) == [4, 3, 1])
            #expect(try ids(["reviewer", "manager"], limit: 2) == [4, 3])
            #expect(try ids(["reviewer", "manager"], before: 3) == [2, 1])
            #expect(try ids(["nobody"]).isEmpty)
            #expect(try ids([]).isEmpty)
            #expect(try ids(["reviewer"], limit: 0).isEmpty)
            let all = try pair.value { store throws(StoreError) in
                try store.notifications(
                    unit: "rt", roles: ["reviewer", "manager"], person: "li", unreadOnly: false, before: nil, limit: 10)
            }
            #expect(all.map(\.notice.place) == [nil, nil, "north", nil])
            #expect(all[1].notice.placeProblem == "no org node 'south'" && all[1].caseID == "rt-report-1")
            #expect(all.allSatisfy { $0.readAt == nil })

            // The first reading stands; another person has not read it.
            pair.done { store throws(StoreError) in try store.markNotificationRead(id: 3, person: "li", at: at(10)) }
            pair.done { store throws(StoreError) in try store.markNotificationRead(id: 3, person: "li", at: at(20)) }
            let read = try pair.value { store throws(StoreError) in
                try store.notification(unit: "rt", id: 3, person: "li")
            }
            #expect(read?.readAt == at(10))
            #expect(read?.notice.message == "reviewer at 3")
            let other = try pair.value { store throws(StoreError) in
                try store.notification(unit: "rt", id: 3, person: "chen")
            }
            #expect(other != nil && other?.readAt == nil)
            // A notification that is not there cannot be marked read.
            #expect(
                pair.same { store throws(StoreError) in
                    try store.markNotificationRead(id: 99, person: "li", at: at(10))
                } != .value(true))
            #expect(try ids(["reviewer"], unread: true) == [4, 1])
            #expect(try ids(["reviewer"], person: "chen", unread: true) == [4, 3, 1])
            #expect(try ids(["reviewer"]).count == 3)
            // Another unit's notification, and one that is not there.
            #expect(
                try pair.value { store throws(StoreError) in try store.notification(unit: "rt", id: 5, person: "li") }
                    == nil)
            #expect(
                try pair.value { store throws(StoreError) in try store.notification(unit: "ot", id: 5, person: "li") }
                    != nil)
            #expect(
                try pair.value { store throws(StoreError) in try store.notification(unit: "rt", id: 99, person: "li") }
                    == nil)
        }
    }

    @Test func webhookDeliveriesAreTriedRetriedFailedAndRequeuedAlike() throws {
        try StorePair.with { pair throws in
            #expect(try pair.value { store throws(StoreError) in try store.nextWebhookDue() } == nil)
            for store in pair.stores { try notified(store) }
            #expect(try pair.value { store throws(StoreError) in try store.nextWebhookDue() } == at(1))
            let due = try pair.value { store throws(StoreError) in try store.dueWebhookDeliveries(at: at(3), limit: 10)
            }
            #expect(
                due.map { "\($0.notificationID) \($0.webhook) \($0.attempts)" } == [
                    "1 ops 0", "5 ops 0", "3 audit 0", "3 ops 0",
                ])
            #expect(due[1].caseID == "ot-report-1" && due[1].notice.unit == "ot" && due[2].notice.placeProblem != nil)
            #expect(
                try pair.value { store throws(StoreError) in try store.dueWebhookDeliveries(at: at(3), limit: 2) }.count
                    == 2)
            #expect(
                try pair.value { store throws(StoreError) in try store.dueWebhookDeliveries(at: at(0), limit: 10) }
                    .isEmpty)

            // Done; a second settling of the same try (another daemon's) changes nothing.
            #expect(
                try pair.value { store throws(StoreError) in
                    try store.recordWebhookAttempt(due[0], at: at(5), error: nil, retryAt: nil, incident: nil)
                })
            #expect(
                try !pair.value { store throws(StoreError) in
                    try store.recordWebhookAttempt(due[0], at: at(6), error: "late", retryAt: at(60), incident: nil)
                })
            #expect(try pair.value { store throws(StoreError) in try store.nextWebhookDue() } == at(2))

            // Tried again later: due then, with its attempt counted.
            #expect(
                try pair.value { store throws(StoreError) in
                    try store.recordWebhookAttempt(due[3], at: at(5), error: "503", retryAt: at(100), incident: nil)
                })
            #expect(
                try pair.value { store throws(StoreError) in try store.dueWebhookDeliveries(at: at(99), limit: 10) }
                    .map(\.webhook) == ["ops", "audit"])
            let retried = try pair.value { store throws(StoreError) in
                try store.dueWebhookDeliveries(at: at(100), limit: 10)
            }
            #expect(
                retried.map { "\($0.notificationID) \($0.webhook) \($0.attempts)" } == [
                    "5 ops 0", "3 audit 0", "3 ops 1",
                ])

            // Failed for good: an incident on its case, which requeueing resolves (once).
            let incident = Incident(code: "webhook-failed", message: "audit answered 500", transition: nil)
            #expect(
                try pair.value { store throws(StoreError) in
                    try store.recordWebhookAttempt(due[2], at: at(7), error: "500", retryAt: nil, incident: incident)
                })
            let incidents = try pair.value { store throws(StoreError) in try store.incidents(caseID: "rt-report-1") }
            let recorded = try #require(incidents.first)
            #expect(incidents.count == 1 && recorded.code == "webhook-failed" && recorded.event == "webhook")
            #expect(recorded.inputJSON.contains("\"audit\""))
            #expect(
                try pair.value { store throws(StoreError) in try store.dueWebhookDeliveries(at: at(100), limit: 10) }
                    .count == 2)
            #expect(
                try !pair.value { store throws(StoreError) in
                    try store.requeueWebhookDelivery(
                        notification: 3, webhook: "ops", at: at(200), resolving: recorded.id)
                })
            #expect(
                try pair.value { store throws(StoreError) in
                    try store.requeueWebhookDelivery(
                        notification: 3, webhook: "audit", at: at(200), resolving: recorded.id)
                })
            #expect(
                try !pair.value { store throws(StoreError) in
                    try store.requeueWebhookDelivery(
                        notification: 3, webhook: "audit", at: at(300), resolving: recorded.id)
                })
            #expect(try pair.value { store throws(StoreError) in try store.incidents(caseID: "rt-report-1") }.isEmpty)
            let requeued = try pair.value { store throws(StoreError) in
                try store.dueWebhookDeliveries(at: at(200), limit: 10)
            }
            #expect(
                requeued.map { "\($0.notificationID) \($0.webhook) \($0.attempts)" } == [
                    "5 ops 0", "3 ops 1", "3 audit 0",
                ])
        }
    }

    func token(_ id: String, unit: String = "rt", secret: String) -> StoredToken {
        StoredToken(
            id: id, secretHash: TokenAuthority.hash(secret), unit: unit, person: "wang", admin: id.hasSuffix("1"),
            label: id == "tok_0000000001" ? "ci" : nil, createdAt: now,
            expiresAt: id.hasSuffix("2") ? nil : at(60))
    }

    @Test func tokensAreSavedFoundListedAndRevokedAlike() throws {
        try StorePair.with { pair throws in
            let first = token("tok_0000000001", secret: "gf_one")
            let second = token("tok_0000000002", secret: "gf_two")
            for saved in [first, second, token("tok_0000000003", unit: "other", secret: "gf_three")] {
                pair.done { store throws(StoreError) in try store.saveToken(saved) }
            }
            #expect(try pair.value { store throws(StoreError) in try store.tokens(unit: "rt") } == [first, second])
            #expect(try pair.value { store throws(StoreError) in try store.token(hash: second.secretHash) } == second)
            #expect(
                try pair.value { store throws(StoreError) in try store.token(hash: first.secretHash) }?.admin == true)
            #expect(
                try pair.value { store throws(StoreError) in try store.token(hash: TokenAuthority.hash("gf_x")) } == nil
            )
            // Read with its unit's active deployment and directory revision (none yet: nil, 0).
            let bare = try pair.value { store throws(StoreError) in try store.tokenFacts(hash: second.secretHash) }
            #expect(
                bare
                    == TokenFacts(
                        token: second, activeDeployment: nil, personStamp: DirectoryStamp(people: 0, appointments: 0)))
            pair.done { store throws(StoreError) in
                _ = try store.deploy(
                    StoredDeployment(
                        unit: "rt", version: "v7", sequence: 0, files: [], deployedBy: "ops", deployedAt: now,
                        message: nil), adopting: [])
                try store.importPeople(
                    unit: "rt", [StoredPerson(id: "wang", roles: ["clerk"], recordJSON: #"{"id":"wang"}"#)],
                    replacing: false)
            }
            let facts = try pair.value { store throws(StoreError) in try store.tokenFacts(hash: second.secretHash) }
            #expect(
                facts?.activeDeployment == "v7" && facts?.personStamp == DirectoryStamp(people: 1, appointments: 0)
                    && facts?.token == second)
            #expect(
                try pair.value { store throws(StoreError) in try store.tokenFacts(hash: TokenAuthority.hash("gf_x")) }
                    == nil)
            // The same id or the same secret again is a conflict, and nothing changes.
            for duplicate in [token("tok_0000000001", secret: "gf_five"), token("tok_0000000009", secret: "gf_one")] {
                #expect(pair.same { store throws(StoreError) in try store.saveToken(duplicate) } == .failed(.conflict))
            }
            #expect(try pair.value { store throws(StoreError) in try store.tokens(unit: "rt") }.count == 2)
            // The first revocation stands; an unknown id is not revoked.
            #expect(try pair.value { store throws(StoreError) in try store.revokeToken(id: first.id, at: at(5)) })
            #expect(try pair.value { store throws(StoreError) in try store.revokeToken(id: first.id, at: at(50)) })
            #expect(
                try !pair.value { store throws(StoreError) in try store.revokeToken(id: "tok_ffffffffff", at: now) })
            #expect(
                try pair.value { store throws(StoreError) in try store.token(hash: first.secretHash) }?.revokedAt
                    == at(5))
            #expect(try pair.value { store throws(StoreError) in try store.tokens(unit: "other") }.count == 1)
        }
    }

    @Test func idempotencyKeysAreClaimedAnsweredAndReleasedAlike() throws {
        try StorePair.with { pair throws in
            func claim(_ key: String, _ fingerprint: String, token: String = "tok_1") throws -> IdempotencyClaim {
                try pair.value { store throws(StoreError) in
                    try store.claimIdempotencyKey(token: token, key: key, fingerprint: fingerprint, at: now)
                }
            }
            #expect(try claim("k1", "f1") == .claimed)
            #expect(try claim("k1", "f2") == .pending(fingerprint: "f1"))
            #expect(try claim("k1", "f1", token: "tok_2") == .claimed)
            let answer = IdempotentAnswer(
                status: 201, location: "/cases/rt-report-1", contentType: "application/json", body: "{}")
            pair.done { store throws(StoreError) in
                try store.answerIdempotencyKey(token: "tok_1", key: "k1", answer: answer)
            }
            #expect(try claim("k1", "f3") == .answered(fingerprint: "f1", answer))
            // An answered key is kept; a pending one is released and may be claimed again.
            pair.done { store throws(StoreError) in try store.releaseIdempotencyKey(token: "tok_1", key: "k1") }
            #expect(try claim("k1", "f4") == .answered(fingerprint: "f1", answer))
            pair.done { store throws(StoreError) in try store.releaseIdempotencyKey(token: "tok_2", key: "k1") }
            #expect(try claim("k1", "f5", token: "tok_2") == .claimed)
            let bare = IdempotentAnswer(status: 204, location: nil, contentType: "text/plain", body: "")
            pair.done { store throws(StoreError) in
                try store.answerIdempotencyKey(token: "tok_2", key: "k1", answer: bare)
            }
            #expect(try claim("k1", "f6", token: "tok_2") == .answered(fingerprint: "f5", bare))
        }
    }

    func new(_ name: String, folder: String = "highlights", owner: String = "li", bytes: [UInt8], at offset: Int = 0)
        -> NewFile
    {
        NewFile(
            unit: "telecom", fileSpace: "shared", space: "team_supervisors", folder: folder, name: name,
            contentType: "text/plain", sha256: FileContent.sha256(bytes), owner: owner, at: at(offset), bytes: bytes)
    }

    @Test func filesAreStoredListedMovedDeletedAndCountedAlike() throws {
        try StorePair.with { pair throws in
            let big = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let first = try pair.value { store throws(StoreError) in
                try store.saveFile(new("a.txt", bytes: Array("first\n".utf8)))
            }
            let second = try pair.value { store throws(StoreError) in
                try store.saveFile(new("b.txt", folder: "duty_material", owner: "chen", bytes: big, at: 10))
            }
            let empty = try pair.value { store throws(StoreError) in try store.saveFile(new("e.txt", bytes: [], at: 11))
            }
            #expect(first.id != second.id && second.size == 3 << 20)
            #expect(try pair.value { store throws(StoreError) in try store.file(first.id) } == first)
            #expect(try pair.value { store throws(StoreError) in try store.file(99) } == nil)
            #expect(
                try pair.value { store throws(StoreError) in try store.fileContent(first.id) } == Array("first\n".utf8))
            #expect(try pair.value { store throws(StoreError) in try store.fileContent(second.id) } == big)
            #expect(try pair.value { store throws(StoreError) in try store.fileContent(empty.id) } == [])
            #expect(try pair.value { store throws(StoreError) in try store.fileContent(99) } == nil)
            func listed(_ space: String = "team_supervisors", folder: String?, unit: String = "telecom") throws
                -> [StoredFile]
            {
                try pair.value { store throws(StoreError) in try store.files(unit: unit, space: space, folder: folder) }
            }
            #expect(try listed(folder: nil).map(\.id) == [empty.id, second.id, first.id])
            #expect(try listed(folder: "highlights") == [empty, first])
            #expect(try listed("grid_supervisors", folder: nil).isEmpty)
            #expect(try listed(folder: nil, unit: "oilfield").isEmpty)

            // A move takes the file from where it is; from elsewhere it is refused.
            #expect(
                try pair.value { store throws(StoreError) in
                    try store.moveFile(first.id, from: "exam_review", to: "training_courses", by: "li", at: at(60))
                } == nil)
            let moved = try #require(
                try pair.value { store throws(StoreError) in
                    try store.moveFile(first.id, from: "highlights", to: "exam_review", by: "li", at: at(60))
                })
            #expect(moved.folder == "exam_review")

            // A delete keeps the record, marked, and frees the content; once.
            let deleted = try #require(
                try pair.value { store throws(StoreError) in
                    try store.deleteFile(second.id, by: "chen", at: at(60))
                })
            #expect(deleted.deletedAt == at(60) && deleted.deletedBy == "chen")
            #expect(
                try pair.value { store throws(StoreError) in try store.deleteFile(second.id, by: "chen", at: at(61)) }
                    == nil)
            #expect(try pair.value { store throws(StoreError) in try store.fileContent(second.id) } == nil)
            #expect(
                try pair.value { store throws(StoreError) in
                    try store.moveFile(second.id, from: "duty_material", to: "highlights", by: "chen", at: at(62))
                } == nil)
            #expect(try listed(folder: nil) == [empty, moved])

            // The trail, newest first.
            let trail = try pair.value { store throws(StoreError) in
                try store.fileEvents(unit: "telecom", space: "team_supervisors", file: nil, limit: 10)
            }
            #expect(trail.map(\.action) == [.delete, .move, .upload, .upload, .upload])
            #expect(trail[1].from == "highlights" && trail[1].to == "exam_review" && trail[1].name == "a.txt")
            #expect(
                try pair.value { store throws(StoreError) in
                    try store.fileEvents(unit: "telecom", space: "team_supervisors", file: first.id, limit: 10)
                }.count == 2)
            #expect(
                try pair.value { store throws(StoreError) in
                    try store.fileEvents(unit: "telecom", space: "team_supervisors", file: nil, limit: 1)
                }.count == 1)
            #expect(
                try pair.value { store throws(StoreError) in
                    try store.fileEvents(unit: "telecom", space: "grid_supervisors", file: nil, limit: 10)
                }.isEmpty)

            // Uploads into a folder in a period, by uploader, wherever the files are now.
            for (name, folder, offset) in [("c.txt", "highlights", 20), ("d.txt", "duty_material", 3600)] {
                try pair.value { store throws(StoreError) in
                    try store.saveFile(new(name, folder: folder, bytes: Array(name.utf8), at: offset))
                }
            }
            func counts(_ folder: String, to end: Int = 3600, unit: String = "telecom") throws -> [String: Int] {
                try pair.value { store throws(StoreError) in
                    try store.uploadCounts(unit: unit, folder: folder, from: now, to: at(end))
                }
            }
            #expect(try counts("highlights") == ["li": 3])
            #expect(try counts("duty_material") == [:])
            #expect(try counts("duty_material", to: 3601) == ["li": 1])
            #expect(try counts("highlights", unit: "oilfield") == [:])
        }
    }

    @Test func signInCodesAreRedeemedOnceAndSessionsKeptAlike() throws {
        try StorePair.with { pair throws in
            func save(_ code: String, expires: Int) -> StorePair.Answer<Bool> {
                pair.same { store throws(StoreError) in
                    try store.saveSignInCode(hash: code, unit: "rt", person: "wang", at: now, expiresAt: at(expires))
                    return true
                }
            }
            func redeem(_ code: String, at offset: Int, session: String) throws -> String {
                try pair.value { store throws(StoreError) in
                    try store.redeem(hash: code, at: at(offset), session: session, sessionExpiresAt: at(offset + 100))
                }
            }
            #expect(save("c1", expires: 60) == .value(true))
            #expect(save("c1", expires: 90) == .failed(.conflict))
            #expect(save("c2", expires: 60) == .value(true))
            #expect(try redeem("nothing", at: 1, session: "s0") == "unknown")
            #expect(try redeem("c1", at: 10, session: "s1") == #"signedIn(unit: "rt", person: "wang")"#)
            #expect(try redeem("c1", at: 11, session: "s2") == "used(at: \(at(10)))")
            #expect(try redeem("c2", at: 60, session: "s3") == "expired(at: \(at(60)))")
            #expect(
                try pair.value { store throws(StoreError) in try store.session(hash: "s1", at: at(50)) }
                    == "rt wang \(at(110))")
            for hash in ["s0", "s2", "s3"] {
                #expect(try pair.value { store throws(StoreError) in try store.session(hash: hash, at: at(50)) } == nil)
            }
            #expect(try pair.value { store throws(StoreError) in try store.session(hash: "s1", at: at(110)) } == nil)
            // Signing out ends the session, once.
            #expect(save("c3", expires: 600) == .value(true))
            #expect(try redeem("c3", at: 20, session: "s4") == #"signedIn(unit: "rt", person: "wang")"#)
            #expect(try pair.value { store throws(StoreError) in try store.deleteWebSession(hash: "s4") })
            #expect(try !pair.value { store throws(StoreError) in try store.deleteWebSession(hash: "s4") })
            #expect(try pair.value { store throws(StoreError) in try store.session(hash: "s4", at: at(21)) } == nil)
            // Redeeming deletes the sessions expired by then: s1 (expired at 110) is gone.
            #expect(save("c4", expires: 600) == .value(true))
            #expect(try redeem("c4", at: 200, session: "s5") == #"signedIn(unit: "rt", person: "wang")"#)
            #expect(try !pair.value { store throws(StoreError) in try store.deleteWebSession(hash: "s1") })
        }
    }

    @Test func receiptsAreSavedOnceAndFoundAlike() throws {
        try StorePair.with { pair throws in
            for store in pair.stores { try store.commit(Fixture.opening("rt-report-1"), expectedVersion: nil) }
            func save(_ hash: String, case caseID: String = "rt-report-1") -> StorePair.Answer<Bool> {
                pair.same { store throws(StoreError) in
                    try store.saveReceipt(hash: hash, unit: "rt", caseID: caseID, at: at(5))
                    return true
                }
            }
            #expect(save("r1") == .value(true))
            #expect(save("r2") == .value(true))
            #expect(save("r1", case: "rt-report-2") == .failed(.conflict))
            #expect(
                try pair.value { store throws(StoreError) in try store.receiptText(hash: "r1") }
                    == "rt rt-report-1 \(at(5))")
            #expect(try pair.value { store throws(StoreError) in try store.receiptText(hash: "r3") } == nil)
        }
    }
}
