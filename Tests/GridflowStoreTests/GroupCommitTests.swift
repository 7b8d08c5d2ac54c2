import Foundation
import GRDB
import GridflowExpressions
import GridflowRuntime
import GridflowTestSupport
import Testing

@testable import GridflowStore

/// Steps that arrive together share a transaction; each keeps its own outcome.
@Suite struct GroupCommitTests {
    let path = TemporaryFiles.path("gridflow-group", suffix: ".sqlite").path

    @Test func stepsArrivingTogetherShareOneTransactionAndAConflictFailsAlone() throws {
        let store = try SQLiteCaseStoreTests.store(path)
        let fixture = SQLiteCaseStoreTests()
        let engine = Engine(program: SQLiteCaseStoreTests.program, store: store)
        let interpreter = Interpreter(program: SQLiteCaseStoreTests.program)
        let cases = try (0..<20).map { _ in try fixture.openCase(engine) }
        let steps = try acceptances(of: cases, interpreter, fixture)
        let before = store.groupCommitFigures

        // Another connection holds the write lock, so the steps pile up behind the first leader.
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true
        let blocker = try DatabaseQueue(path: path, configuration: configuration)
        try blocker.writeWithoutTransaction { try $0.execute(sql: "BEGIN IMMEDIATE") }
        let outcomes = Outcomes()
        let done = DispatchGroup()
        for (index, (step, version)) in steps.enumerated() {
            outcomes.commitOnThread(store, step, expectedVersion: version, at: index, done)
        }
        let deadline = Date().addingTimeInterval(10)
        while store.requestsInFlight < steps.count, Date() < deadline { usleep(1_000) }
        #expect(store.requestsInFlight == steps.count)
        #expect(try SQLiteCaseStore(path: path).history(cases[1].id).count == 1, "nothing is written yet")
        try blocker.writeWithoutTransaction { try $0.execute(sql: "COMMIT") }
        done.wait()

        let after = store.groupCommitFigures
        #expect(after.steps - before.steps == steps.count)
        #expect((1...2).contains(after.transactions - before.transactions), "21 steps in at most two transactions")
        let results = outcomes.all
        let conflicts = results.values.compactMap { $0 }
        #expect(conflicts.count == 1)
        #expect(conflicts.first?.code == .conflict)
        #expect(results[0]! == nil || results[20]! == nil, "one of the two rivals wins")
        for index in 1..<20 { #expect(results[index]! == nil) }
        for opened in cases {
            let loaded = try engine.load(opened.id)
            #expect(loaded.state == "answering")
            #expect(loaded.version == 1)
            #expect(try store.history(opened.id).count == 2)
        }
    }
}

/// The async path (what the daemon uses): suspended tasks and blocked threads wait for the same
/// shared transactions, and a task handed the lead writes the group.
@Suite struct AsyncGroupCommitTests {
    let path = TemporaryFiles.path("gridflow-async", suffix: ".sqlite").path

    /// 25 steps queue in a known order while writes are held: groups of 4, and a leader other than
    /// the writer thread writes one group for waiting tasks before the writer thread takes over.
    /// Nothing here waits on a clock that another test's load could outrun (the cooperative
    /// threads may all be busy with other tests for minutes).
    @Test(.timeLimit(.minutes(20)))
    func tasksAndThreadsShareTransactionsTheLeadPassesAndAConflictFailsAlone() async throws {
        let store = try SQLiteCaseStore(
            path: path, durability: .full, grouping: .init(maximum: 4, beforeHandOver: 1))
        try SQLiteCaseStoreTests.seed(store)
        let fixture = SQLiteCaseStoreTests()
        let engine = Engine(program: SQLiteCaseStoreTests.program, store: store)
        var cases: [CaseSnapshot] = []
        for _ in 0..<24 {
            cases.append(
                try await engine.open("report", input: fixture.opening, by: fixture.employee, now: fixture.now))
        }
        let steps = try acceptances(of: cases, Interpreter(program: SQLiteCaseStoreTests.program), fixture)
        // Queue order: case 0's accept, then its rival (so the first group has a conflict), then
        // the others; requests from threads start the second and the fourth group.
        let order = [0, 24] + Array(1..<24)
        let fromThreads: Set<Int> = [order[4], order[12]]
        let before = store.groupCommitFigures
        store.holdWrites()
        let outcomes = Outcomes()
        let threads = DispatchGroup()
        let tasks = TaskGroupBox()
        for (position, index) in order.enumerated() {
            let (step, version) = steps[index]
            if fromThreads.contains(index) {
                outcomes.commitOnThread(store, step, expectedVersion: version, at: index, threads)
            } else {
                tasks.add {
                    var outcome: StoreError?
                    do throws(StoreError) { try await store.commitAsync(step, expectedVersion: version) } catch {
                        outcome = error
                    }
                    outcomes.set(index, outcome)
                }
            }
            while store.requestsInFlight <= position { try await Task.sleep(for: .milliseconds(1)) }
        }
        #expect(store.requestsInFlight == steps.count)
        #expect(try store.history(cases[1].id).count == 1, "nothing is written yet")
        Thread { store.releaseWrites() }.start()
        await tasks.wait()
        threads.wait()

        let after = store.groupCommitFigures
        #expect(after.steps - before.steps == steps.count)
        #expect(after.transactions - before.transactions == 7, "25 steps in groups of 4")
        // After groups 1 and 3 the lead passes to a thread; after groups 2 and 4 to the writer
        // thread, which then writes the rest.
        #expect(store.handOvers.threads == 2)
        #expect(store.handOvers.writer == 2)
        let results = outcomes.all
        #expect(results.count == steps.count)
        #expect(results.values.compactMap { $0 }.map(\.code) == [.conflict])
        #expect(results[24]! != nil, "the rival came second")
        for index in 0..<24 { #expect(results[index]! == nil, "step \(index)") }
        for opened in cases {
            #expect(try engine.load(opened.id).state == "answering")
            #expect(try store.history(opened.id).count == 2)
        }
    }

}

/// Steps committed at once by several callers, on either store: each keeps its own outcome, and
/// of two steps from the same version one wins and the other conflicts.
@Suite struct ConcurrentCommitTests {
    @Test(arguments: StoreKind.allCases) func stepsCommittedAtOnceConflictOnlyWithTheirRival(_ kind: StoreKind) throws {
        try kind.with { place in
            let store = try place.seeded()
            let fixture = SQLiteCaseStoreTests()
            let engine = Engine(program: SQLiteCaseStoreTests.program, store: store)
            let cases = try (0..<20).map { _ in try fixture.openCase(engine) }
            let steps = try acceptances(of: cases, Interpreter(program: SQLiteCaseStoreTests.program), fixture)
            let outcomes = Outcomes()
            let done = DispatchGroup()
            for (index, (step, version)) in steps.enumerated() {
                outcomes.commitOnThread(store, step, expectedVersion: version, at: index, done)
            }
            done.wait()
            let results = outcomes.all
            #expect(results.count == steps.count)
            let conflicts = results.values.compactMap { $0 }
            #expect(conflicts.map(\.code) == [.conflict])
            #expect(results[0]! == nil || results[20]! == nil, "one of the two rivals wins")
            for index in 1..<20 { #expect(results[index]! == nil, "step \(index)") }
            for opened in cases {
                let loaded = try engine.load(opened.id)
                #expect(loaded.state == "answering" && loaded.version == 1)
                #expect(try store.history(opened.id).count == 2)
            }
        }
    }

    @Test(.timeLimit(.minutes(20)), arguments: StoreKind.allCases)
    func twoTasksActingOnOneCaseAtOnceOneWins(_ kind: StoreKind) async throws {
        try await kind.withAsync { place in try await twoTasksActingOnOneCaseAtOnceOneWins(place) }
    }

    func twoTasksActingOnOneCaseAtOnceOneWins(_ place: StorePlace) async throws {
        let store = try place.seeded()
        let fixture = SQLiteCaseStoreTests()
        let program = SQLiteCaseStoreTests.program
        // Two engines, as two daemons on one file: neither sees the other's cache.
        let engines = [Engine(program: program, store: store), Engine(program: program, store: store)]
        for round in 0..<10 {
            let opened = try await engines[0].open(
                "report", input: fixture.opening, by: fixture.employee, now: fixture.now)
            _ = try engines[1].load(opened.id)
            let results = await withTaskGroup(of: EngineError?.self) { group in
                for (index, engine) in engines.enumerated() {
                    group.addTask {
                        do throws(EngineError) {
                            _ = try await engine.act(
                                opened.id, event: "accept", input: ["score": .number(Number(70 + index))],
                                by: fixture.reviewer, now: fixture.now)
                            return nil
                        } catch { return error }
                    }
                }
                var results: [EngineError?] = []
                for await result in group { results.append(result) }
                return results
            }
            #expect(results.filter { $0 == nil }.count == 1, "round \(round)")
            // The loser computed again from the stored case, where accept is no longer possible.
            #expect(results.compactMap { $0?.code } == [.rejected], "round \(round)")
            #expect(try store.history(opened.id).map(\.event) == ["open", "accept"])
            #expect(try engines[0].load(opened.id).version == 1)
        }
    }
}

/// A daemon's tasks on PostgreSQL: steps suspended on the server and reads that block a thread
/// share one process's connections without waiting for each other.
@Suite struct PostgresLaneTests {
    /// One connection per lane, and four times as many tasks as the cooperative pool has threads,
    /// each committing (suspending) and reading (blocking a thread) in turn: were reads to wait
    /// for the connection a suspended step holds, the threads would all wait and nothing move.
    @Test(.timeLimit(.minutes(5)))
    func manyTasksCommittingAndReadingWithOneConnectionEachAllFinish() async throws {
        try await StoreKind.postgres.withAsync { place in
            _ = try place.seeded()
            let store = try place.open(poolSize: 1)
            let fixture = SQLiteCaseStoreTests()
            let engine = Engine(program: SQLiteCaseStoreTests.program, store: store)
            let tasks = 4 * max(2, ProcessInfo.processInfo.activeProcessorCount)
            let finished = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<tasks {
                    group.addTask {
                        do {
                            let opened = try await engine.open(
                                "report", input: fixture.opening, by: fixture.employee, now: fixture.now)
                            _ = try store.load(opened.id)
                            _ = try await engine.act(
                                opened.id, event: "accept", input: ["score": .number(Number(80))],
                                by: fixture.reviewer, now: fixture.now)
                            return try store.history(opened.id).count == 2
                        } catch { return false }
                    }
                }
                var count = 0
                for await done in group where done { count += 1 }
                return count
            }
            #expect(finished == tasks)
        }
    }
}

/// An engine's cached cases never let a step through that the stored case would refuse.
@Suite struct SnapshotCacheTests {
    @Test(arguments: StoreKind.allCases) func aCaseChangedByAnotherProcessIsReadAgain(_ kind: StoreKind) throws {
        try kind.with { place in try aCaseChangedByAnotherProcessIsReadAgain(place) }
    }

    func aCaseChangedByAnotherProcessIsReadAgain(_ place: StorePlace) throws {
        let fixture = SQLiteCaseStoreTests()
        let program = SQLiteCaseStoreTests.program
        let mine = Engine(program: program, store: try place.seeded())
        let theirs = Engine(program: program, store: try place.seeded())
        let opened = try fixture.openCase(mine)
        // The other engine accepts the report: the case moves on without this engine knowing.
        _ = try theirs.act(
            opened.id, event: "accept", input: ["score": .number(Number(88))], by: fixture.reviewer, now: fixture.now)
        // From its cached copy this engine would accept again; the stored case refuses.
        do {
            _ = try mine.act(
                opened.id, event: "accept", input: ["score": .number(Number(70))], by: fixture.reviewer,
                now: fixture.now)
            Issue.record("a second accept must be refused")
        } catch {
            #expect(error.code == .rejected)
            #expect(error.message.contains("'accept'"), "\(error.message)")
        }
        // And a step valid in the stored state goes through from the refreshed copy.
        let answered = try mine.act(
            opened.id, event: "answer", input: ["answer": .string("已整改")], by: fixture.reviewer, now: fixture.now)
        #expect(answered.state == "answered")
        #expect(answered.version == 2)
        #expect(try theirs.load(opened.id) == answered)

        // A step computed from a stale copy that the stored case also allows is computed again
        // on the stored case: the other engine's change is kept, not lost.
        let second = try fixture.openCase(mine)
        let reminded = try theirs.signal(second.id, event: "remind", from: "test", now: fixture.now)
        #expect(reminded["escalations"] == .number(Number(1)))
        let accepted = try mine.act(
            second.id, event: "accept", input: ["score": .number(Number(61))], by: fixture.reviewer, now: fixture.now)
        #expect(accepted.version == 2)
        #expect(accepted["escalations"] == .number(Number(1)))
        #expect(try theirs.store.history(second.id).map(\.event) == ["open", "remind", "accept"])
    }
}

/// Unstructured tasks started one by one, awaited together.
final class TaskGroupBox: @unchecked Sendable {
    private let lock = NSLock()
    private var tasks: [Task<Void, Never>] = []

    func add(_ body: @escaping @Sendable () async -> Void) { lock.withLock { tasks.append(Task { await body() }) } }
    func wait() async {
        for task in lock.withLock({ tasks }) { await task.value }
    }
}

/// An accept step for each case, computed from its version, and last a second accept of the
/// first case from the same version: a rival that must conflict.
func acceptances(of cases: [CaseSnapshot], _ interpreter: Interpreter, _ fixture: SQLiteCaseStoreTests) throws
    -> [(Step, Int)]
{
    var steps: [(Step, Int)] = []
    for (index, opened) in cases.enumerated() {
        let event = Event.act(event: "accept", input: ["score": .number(Number(60 + index))], by: fixture.reviewer)
        guard case .advanced(let step) = interpreter.step(opened, event, now: fixture.now) else {
            throw StoreError(.database, "accept should advance")
        }
        steps.append((step, opened.version))
    }
    let again = Event.act(event: "accept", input: ["score": .number(Number(99))], by: fixture.reviewer)
    guard case .advanced(let rival) = interpreter.step(cases[0], again, now: fixture.now) else {
        throw StoreError(.database, "accept should advance")
    }
    steps.append((rival, cases[0].version))
    return steps
}

final class Outcomes: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int: StoreError?] = [:]

    func set(_ index: Int, _ error: StoreError?) { lock.withLock { values[index] = error } }
    var all: [Int: StoreError?] { lock.withLock { values } }

    /// Commits `step` on a thread of its own through the blocking API and keeps its outcome at
    /// `index`; `group` is entered now and left when the commit has returned.
    func commitOnThread(
        _ store: any CaseStore, _ step: Step, expectedVersion: Int?, at index: Int, _ group: DispatchGroup
    ) {
        group.enter()
        Thread {
            var outcome: StoreError?
            do throws(StoreError) { try store.commit(step, expectedVersion: expectedVersion) } catch { outcome = error }
            self.set(index, outcome)
            group.leave()
        }.start()
    }
}

extension StoreError: Equatable {
    public static func == (a: StoreError, b: StoreError) -> Bool { a.code == b.code && a.message == b.message }
}
