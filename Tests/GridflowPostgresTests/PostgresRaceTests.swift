import Foundation
import GridflowExpressions
import Synchronization
import Testing

@testable import GridflowPostgres
@testable import GridflowRuntime

/// Several processes at once on one PostgreSQL database (a store, with its own connections, per
/// thread): an idempotency key is claimed once, a sign-in code redeemed once, a webhook try
/// settled once.
@Suite(PostgresServer.available) struct PostgresRaceTests {
    static let contenders = 8
    let now = Fixture.now

    /// Runs `body` on `count` threads released together, once each has its store connected;
    /// returns what each answered, in order.
    static func atOnce<T: Sendable>(
        _ stores: [PostgresCaseStore], _ body: @escaping @Sendable (Int, PostgresCaseStore) throws(StoreError) -> T
    ) -> [Result<T, StoreError>] {
        let results = Answers<T>()
        let ready = DispatchSemaphore(value: 0)
        let start = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        for (index, store) in stores.enumerated() {
            done.enter()
            let thread = Thread {
                ready.signal()
                start.wait()
                let result: Result<T, StoreError>
                do throws(StoreError) { result = .success(try body(index, store)) } catch { result = .failure(error) }
                results.answers.withLock { $0[index] = result }
                done.leave()
            }
            thread.start()
        }
        for _ in stores { ready.wait() }
        for _ in stores { start.signal() }
        done.wait()
        return results.answers.withLock { answers in stores.indices.map { answers[$0]! } }
    }

    final class Answers<T: Sendable>: Sendable {
        let answers = Mutex<[Int: Result<T, StoreError>]>([:])
    }

    /// `contenders` stores on `location`, each with a connection open already.
    static func stores(_ location: PostgresLocation) throws -> [PostgresCaseStore] {
        try (0..<contenders).map { _ in
            let store = try PostgresCaseStore(location: location, opening: .existing)
            _ = try store.token(hash: "warm")
            return store
        }
    }

    @Test func anIdempotencyKeyClaimedAtOnceIsClaimedOnce() throws {
        try PostgresServer.withDatabase { location in
            try PostgresCaseStore(location: location).close()
            let stores = try Self.stores(location)
            defer { for store in stores { store.close() } }
            for round in 0..<5 {
                let key = "key-\(round)"
                let answers = Self.atOnce(stores) { _, store throws(StoreError) in
                    try store.claimIdempotencyKey(token: "tok_1", key: key, fingerprint: "f", at: now)
                }
                let claims = try answers.map { try $0.get() }
                #expect(claims.filter { $0 == .claimed }.count == 1, "\(claims)")
                #expect(claims.filter { $0 == .pending(fingerprint: "f") }.count == Self.contenders - 1)
            }
        }
    }

    @Test func aSignInCodeRedeemedAtOnceSignsInOnce() throws {
        try PostgresServer.withDatabase { location in
            try PostgresCaseStore(location: location).close()
            let stores = try Self.stores(location)
            defer { for store in stores { store.close() } }
            for round in 0..<5 {
                let code = "code-\(round)"
                try stores[0].saveSignInCode(
                    hash: code, unit: "rt", person: "wang", at: now, expiresAt: Instant(seconds: now.seconds + 600))
                let at = Instant(seconds: now.seconds + 10)
                let answers = Self.atOnce(stores) { index, store throws(StoreError) in
                    let hash = "session-\(round)-\(index)"
                    return (
                        hash,
                        try store.redeemSignInCode(
                            hash: code, at: at, session: hash, sessionExpiresAt: Instant(seconds: at.seconds + 600))
                    )
                }
                let outcomes = try answers.map { try $0.get() }
                let winners = outcomes.filter { $0.1 == .signedIn(unit: "rt", person: "wang") }
                #expect(winners.count == 1, "\(outcomes.map(\.1))")
                #expect(outcomes.filter { $0.1 == .used(at: at) }.count == Self.contenders - 1)
                // The winner's session alone was stored.
                for (hash, outcome) in outcomes {
                    let stored = try stores[0].webSession(hash: hash, at: at)
                    #expect((stored != nil) == (outcome == .signedIn(unit: "rt", person: "wang")))
                }
            }
        }
    }

    @Test func aWebhookTryRecordedAtOnceIsSettledOnce() throws {
        try PostgresServer.withDatabase { location in
            let first = try PostgresCaseStore(location: location)
            defer { first.close() }
            try WebConformanceTests().notified(first)
            let stores = try Self.stores(location)
            defer { for store in stores { store.close() } }
            let due = try stores[0].dueWebhookDeliveries(at: Instant(seconds: now.seconds + 100), limit: 10)
            #expect(due.count == 4)
            for delivery in due {
                let answers = Self.atOnce(stores) { index, store throws(StoreError) in
                    try store.recordWebhookAttempt(
                        delivery, at: Instant(seconds: now.seconds + 10), error: index.isMultiple(of: 2) ? nil : "503",
                        retryAt: Instant(seconds: now.seconds + 60), incident: nil)
                }
                let settled = try answers.map { try $0.get() }
                #expect(settled.filter { $0 }.count == 1, "\(settled)")
            }
            // Each delivery moved on by one try: done, or due again with one attempt.
            let again = try stores[0].dueWebhookDeliveries(at: Instant(seconds: now.seconds + 100), limit: 10)
            #expect(again.allSatisfy { $0.attempts == 1 })
        }
    }
}
