import Dispatch
import Foundation
import GridflowExpressions
import Synchronization
import Testing

@testable import GridflowPostgres
@testable import GridflowRuntime

/// Work shared by several processes on one PostgreSQL store: claims and the wake-up.
@Suite(PostgresServer.available) struct PostgresWorkTests {
    /// `count` cases of unit `rt`, each with one timer due at 100 and one pending effect.
    static func seed(_ location: PostgresLocation, count: Int) throws {
        try PostgresServer.run(
            location,
            """
            INSERT INTO cases (id, unit, workflow, definition_version, state, fields, snapshot_version, version,
                               opened_at, updated_at)
            SELECT 'rt-report-' || n, 'rt', 'report', 'v', 'submitted', '{}', 0, 0, 0, 0 FROM generate_series(1, \(count)) n
            """,
            "INSERT INTO timers (case_id, event, due) SELECT 'rt-report-' || n, 'remind', 100 FROM generate_series(1, \(count)) n",
            """
            INSERT INTO outbox (case_id, effect, created_at)
            SELECT 'rt-report-' || n, '{"kind":"record"}', 0 FROM generate_series(1, \(count)) n
            """)
    }

    @Test func claimantsAtTheSameMomentTakeEachTimerAndEffectOnce() throws {
        try PostgresServer.withDatabase { location in
            try PostgresCaseStore(location: location).close()
            try Self.seed(location, count: 200)
            let stores = try (0..<4).map { _ in try PostgresCaseStore(location: location) }
            defer { stores.forEach { $0.close() } }
            let timers = Mutex<[Int]>([])
            let effects = Mutex<[Int]>([])
            let failures = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 4) { index in
                let claim = Claim(claimant: "p\(index)", seconds: 60)
                do {
                    while true {
                        let taken = try stores[index].claimDueTimers(
                            unit: "rt", at: Instant(seconds: 100), limit: 7, claim: claim)
                        let done = try stores[index].claimPendingEffects(
                            unit: "rt", at: Instant(seconds: 100), limit: 7, claim: claim)
                        if taken.isEmpty && done.isEmpty { break }
                        timers.withLock { $0 += taken.map(\.id) }
                        effects.withLock { $0 += done.map(\.id) }
                    }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
            #expect(failures.withLock { $0 }.isEmpty)
            let claimedTimers = timers.withLock { $0 }
            let claimedEffects = effects.withLock { $0 }
            #expect(claimedTimers.count == 200 && Set(claimedTimers).count == 200)
            #expect(claimedEffects.count == 200 && Set(claimedEffects).count == 200)
            // Until the leases run out nobody else takes them; then another claimant does.
            let late = Claim(claimant: "late", seconds: 60)
            #expect(
                try stores[0].claimDueTimers(unit: "rt", at: Instant(seconds: 159), limit: 500, claim: late).isEmpty)
            #expect(
                try stores[0].claimDueTimers(unit: "rt", at: Instant(seconds: 160), limit: 500, claim: late).count
                    == 200)
        }
    }

    @Test func workersOfSeveralDaemonsClaimEachWebhookDeliveryOnce() throws {
        try PostgresServer.withDatabase { location in
            try PostgresCaseStore(location: location).close()
            try Self.seed(location, count: 60)
            try PostgresServer.run(
                location,
                """
                INSERT INTO notifications (outbox_id, unit, case_id, workflow, role, message, at)
                SELECT id, 'rt', case_id, 'report', 'reviewer', 'm', 0 FROM outbox
                """,
                """
                INSERT INTO webhook_deliveries (notification_id, webhook, attempts, next_at)
                SELECT id, w, 0, 100 FROM notifications, (VALUES ('a'), ('b')) AS hooks (w)
                """)
            let stores = try (0..<4).map { _ in try PostgresCaseStore(location: location) }
            defer { stores.forEach { $0.close() } }
            let claimed = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 4) { index in
                let claim = Claim(claimant: "d\(index)", seconds: 30)
                while let batch = try? stores[index].claimDueWebhookDeliveries(
                    at: Instant(seconds: 100), limit: 5, claim: claim), !batch.isEmpty
                {
                    claimed.withLock { $0 += batch.map { "\($0.notificationID) \($0.webhook)" } }
                }
            }
            let all = claimed.withLock { $0 }
            #expect(all.count == 120 && Set(all).count == 120)
            // Put off until the claims run out, then due again for whoever comes.
            let later = Claim(claimant: "later", seconds: 30)
            #expect(
                try stores[0].claimDueWebhookDeliveries(at: Instant(seconds: 129), limit: 500, claim: later).isEmpty)
            #expect(
                try stores[0].claimDueWebhookDeliveries(at: Instant(seconds: 130), limit: 500, claim: later).count
                    == 120)
        }
    }

    /// The test suspends while it waits (it holds no thread the watcher's task may need).
    /// How many times a watcher woke.
    final class Wakes: Sendable {
        let count = Atomic<Int>(0)

        /// Whether the count reaches `target` within two minutes.
        func reach(_ target: Int) async throws -> Bool {
            for _ in 0..<1_200 where count.load(ordering: .relaxed) < target {
                try await Task.sleep(for: .milliseconds(100))
            }
            return count.load(ordering: .relaxed) >= target
        }
    }

    @Test func workAddedByAnotherProcessWakesTheWatcher() async throws {
        try await PostgresServer.withDatabaseAsync { location in
            let store = try PostgresCaseStore(location: location)
            defer { store.close() }
            let wakes = Wakes()
            let watch = store.watchForWork { wakes.count.add(1, ordering: .relaxed) }
            defer { watch?.cancel() }
            // The first wake says the watcher listens.
            #expect(try await wakes.reach(1))
            try Self.seed(location, count: 1)
            #expect(try await wakes.reach(2))
        }
    }

    /// A step that starts no timer and asks for no effect announces nothing: the schedulers of
    /// every daemon are woken by work, not by every step. Notifications arrive in commit order,
    /// so a silent step's notification, had it sent one, would be counted before the next's.
    @Test func onlyAStepThatAddsWorkWakesTheWatcher() async throws {
        try await PostgresServer.withDatabaseAsync { location in
            let store = try PostgresCaseStore(location: location)
            defer { store.close() }
            let wakes = Wakes()
            let watch = store.watchForWork { wakes.count.add(1, ordering: .relaxed) }
            defer { watch?.cancel() }
            #expect(try await wakes.reach(1))
            let quiet = PostgresConformanceTests.step("rt-report-1", state: "open", fields: [:])
            try await store.commitAsync(quiet, expectedVersion: nil)
            var busy = PostgresConformanceTests.step("rt-report-2", state: "open", fields: [:])
            busy.startTimers = [TimerRequest(name: "remind", event: "remind", due: Instant(seconds: 1_750_000_100))]
            try await store.commitAsync(busy, expectedVersion: nil)
            #expect(try await wakes.reach(2))
            var quietMove = PostgresConformanceTests.step(
                "rt-report-2", version: 2, state: "claimed", from: "open", fields: [:])
            quietMove.cancelTimers = true
            try store.commit(quietMove, expectedVersion: 1)
            var effect = PostgresConformanceTests.step("rt-report-1", version: 2, state: "done", fields: [:])
            effect.effects = [.notify(role: "boss", message: "done")]
            try store.commit(effect, expectedVersion: 1)
            #expect(try await wakes.reach(3))
            #expect(wakes.count.load(ordering: .relaxed) == 3)
        }
    }
}
