import ArgumentParser
import Foundation
import GRDB
import GridflowDefinitions
import GridflowExpressions
import GridflowRuntime
@_spi(Bench) import GridflowStore
import Synchronization

/// `gridflow bench workflow`: cases through the telecom seven-step selection on a real SQLite
/// file, against the raw rate of inserting as many rows with GRDB.
struct WorkflowBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workflow",
        abstract: "Completed cases/s and transitions/s through the telecom selection, with synchronous FULL and NORMAL."
    )

    @Option(help: "Cases per run.") var cases = 200
    @Option(help: "Clients acting at the same time, each taking its share of the cases through the steps.")
    var clients = 32
    @Flag(
        help:
            "Run each client on a thread of its own through the blocking API (as the CLI does), instead of as a task through the async API (as the daemon does)."
    )
    var threads = false
    @Option(help: "Run only this durability (full or normal); default: both.") var durability: String?
    @Option(help: "The store file (default: a temporary file, removed afterwards).") var db: String?
    @Option(help: "The folder holding Workflows/ and Rules/.") var root: String = "."
    @Flag(help: "Print 'ack CASE VERSION' after every committed step (for crash tests).") var ack = false
    @Option(
        help:
            "Steps per transaction for the store's SQL alone (default: as many as the clients' group commit reached)."
    )
    var sqlGroup: Int?
    @Flag(
        help:
            "Measure only the store's SQL alone (the steps computed and encoded beforehand), e.g. under callgrind."
    )
    var sqlOnly = false
    @Option(help: "Write a case's fields in full every N versions (besides opening and closing); 1: with every step.")
    var snapshotEvery = 8
    @Flag(help: "Print the figures as JSON.") var json = false

    func run() throws {
        guard cases > 0 else { throw ValidationError("--cases must be positive") }
        guard (1...512).contains(clients) else { throw ValidationError("--clients takes 1 to 512") }
        if let sqlGroup, !(1...10_000).contains(sqlGroup) { throw ValidationError("--sql-group takes 1 to 10000") }
        if sqlOnly, sqlGroup == nil { throw ValidationError("--sql-only needs --sql-group") }
        guard (1...1_000).contains(snapshotEvery) else { throw ValidationError("--snapshot-every takes 1 to 1000") }
        SQLiteCaseStore.writeSnapshots(every: snapshotEvery)
        let modes: [SQLiteCaseStore.Durability]
        switch durability {
        case nil: modes = [.full, .normal]
        case let name?:
            guard let mode = SQLiteCaseStore.Durability(rawValue: name) else {
                throw ValidationError("--durability takes full or normal")
            }
            modes = [mode]
        }
        let options = try StoreOptions.parse(["--root", root])
        var figures: [String: Value] = [:]
        for mode in modes {
            let path = db ?? temporaryStorePath("bench")
            defer { if db == nil { removeStoreFiles(path) } }
            let store = try storeRun { () throws(StoreError) in try SQLiteCaseStore(path: path, durability: mode) }
            let engine = try options.engine(unit: "telecom", store: store)
            // The candidate is a person of the directory, as the engine requires.
            try storeRun { () throws(StoreError) in
                try store.importPeople(
                    unit: "telecom",
                    [
                        StoredPerson(
                            id: "bench", roles: [], recordJSON: ValueJSON.encode(Self.candidate(engine.program)))
                    ],
                    replacing: true)
            }
            if sqlOnly, let sqlGroup {
                let sql = try sqlAloneInChunks(engine.program, durability: mode, perTransaction: sqlGroup)
                FileHandleOutput.standardOutput(
                    String(
                        format: "synchronous=%@: the store's SQL alone, %d per transaction: %d steps, %.0f steps/s\n",
                        mode.rawValue.uppercased(), sqlGroup, sql.steps, Double(sql.steps) / sql.seconds))
                continue
            }
            let cpuBefore = Self.processCPUSeconds()
            let (elapsed, transitions) = try drive(engine, count: cases)
            let cpu = Self.processCPUSeconds() - cpuBefore
            let group = store.groupCommitFigures
            // The same steps without the engine: the interpreter, the store, the store's SQL,
            // computed a chunk of cases at a time so that memory stays bounded.
            var interpreterCPU = 0.0
            var steps = 0
            var alone: (elapsed: Double, cpu: Double, group: (steps: Int, transactions: Int)) = (0, 0, (0, 0))
            let aloneStore = try BenchStore(durability: mode, name: "store")
            for chunk in stride(from: 0, to: cases, by: Self.chunk) {
                let interpreterCPUBefore = Self.processCPUSeconds()
                let prepared = try Self.precomputed(engine.program, cases: chunk..<min(chunk + Self.chunk, cases))
                interpreterCPU += Self.processCPUSeconds() - interpreterCPUBefore
                steps += prepared.reduce(0) { $0 + $1.count }
                let part = try commitAlone(prepared, store: aloneStore.store)
                alone.elapsed += part.elapsed
                alone.cpu += part.cpu
            }
            alone.group = aloneStore.store.groupCommitFigures
            let perTransaction =
                sqlGroup
                ?? max(1, Int((Double(alone.group.steps) / Double(max(alone.group.transactions, 1))).rounded()))
            let sqlSeconds = try sqlAloneInChunks(engine.program, durability: mode, perTransaction: perTransaction)
                .seconds
            let rawCPUBefore = Self.processCPUSeconds()
            let raw = try rawInsertRate(rows: transitions, durability: mode)
            let rawCPU = Self.processCPUSeconds() - rawCPUBefore
            figures["cpu_microseconds_per_transition_\(mode.rawValue)"] = .number(
                Number(Int(cpu * 1e6 / Double(transitions))))
            figures["cpu_microseconds_per_raw_row_\(mode.rawValue)"] = .number(
                Number(Int(rawCPU * 1e6 / Double(transitions))))
            figures["cases_per_second_\(mode.rawValue)"] = .number(Number(Int(Double(cases) / elapsed)))
            figures["transitions_per_second_\(mode.rawValue)"] = .number(Number(Int(Double(transitions) / elapsed)))
            figures["raw_batched_inserts_per_second_\(mode.rawValue)"] = .number(Number(Int(raw)))
            figures["steps_per_transaction_\(mode.rawValue)"] = .number(
                Number(group.steps / max(group.transactions, 1)))
            figures["store_alone_steps_per_second_\(mode.rawValue)"] = .number(
                Number(Int(Double(steps) / alone.elapsed)))
            figures["cpu_microseconds_per_store_alone_step_\(mode.rawValue)"] = .number(
                Number(Int(alone.cpu * 1e6 / Double(steps))))
            figures["store_sql_alone_steps_per_second_\(mode.rawValue)"] = .number(
                Number(Int(Double(steps) / sqlSeconds)))
            figures["cpu_microseconds_per_interpreter_step_\(mode.rawValue)"] = .number(
                Number(Int(interpreterCPU * 1e6 / Double(steps))))
            if !json {
                FileHandleOutput.standardOutput(
                    "synchronous=\(mode.rawValue.uppercased()): \(cases) cases, \(transitions) transitions in "
                        + String(
                            format:
                                "%.2f s: %.0f cases/s, %.0f transitions/s (%d \(threads ? "threads" : "tasks"), %.1f steps per transaction); raw batched GRDB inserts: %.0f rows/s (ratio %.2f)\n",
                            elapsed, Double(cases) / elapsed, Double(transitions) / elapsed, min(clients, cases),
                            Double(group.steps) / Double(max(group.transactions, 1)), raw,
                            Double(transitions) / elapsed / raw))
                FileHandleOutput.standardOutput(
                    String(
                        format: "  CPU time (all threads): %.1f µs per transition, %.1f µs per raw row\n",
                        cpu * 1e6 / Double(transitions), rawCPU * 1e6 / Double(transitions)))
                FileHandleOutput.standardOutput(
                    String(
                        format:
                            "  the store alone (the same steps computed beforehand by the pure interpreter, committed by the same clients): %.0f steps/s (ratio %.2f; %.1f steps per transaction), %.1f µs CPU per step; the interpreter alone: %.1f µs CPU per step\n",
                        Double(steps) / alone.elapsed, Double(steps) / alone.elapsed / raw,
                        Double(alone.group.steps) / Double(max(alone.group.transactions, 1)),
                        alone.cpu * 1e6 / Double(steps), interpreterCPU * 1e6 / Double(steps)))
                FileHandleOutput.standardOutput(
                    String(
                        format:
                            "  the store's SQL alone (the same steps encoded beforehand, written by one thread, %d per transaction): %.0f steps/s (ratio %.2f)\n",
                        perTransaction, Double(steps) / sqlSeconds, Double(steps) / sqlSeconds / raw))
            }
        }
        if json { FileHandleOutput.standardOutput(ValueJSON.encode(figures) + "\n") }
    }

    /// The seven approvals of the telecom selection, as the roles that give them.
    static let steps: [(event: String, role: String, input: [String: Value])] = [
        ("approve", "selecting_unit", ["recommendation_note": .string("民主推荐")]),
        ("approve", "party_branch", ["branch_opinion": .string("同意")]),
        ("approve", "superior_discipline_committee", ["discipline_review_opinion": .string("同意")]),
        ("approve", "hr_department", ["resume_review_opinion": .string("履历属实")]),
        (
            "approve", "party_committee_office",
            [
                "political_review_opinion": .string("合格"), "party_spirit": .bool(true),
                "ideals_and_convictions": .bool(true), "fighting_spirit": .bool(true),
                "clean_and_honest": .bool(true),
            ]
        ),
        ("approve", "discipline_committee_office", ["integrity_opinion": .string("无问题")]),
        ("approve", "approver", ["approval_note": .string("同意"), "certificate_no": .string("C-1")]),
    ]

    /// The input that opens a bench case, and the one who opens it.
    static func opening(_ program: Program) -> (input: [String: Value], by: Actor) {
        (
            [
                "position_role": .string("grid_supervisor"), "candidate": Self.candidate(program),
                "team": .string("haicheng_central_grid"), "selection_year": .number(Number(2024)),
            ], Actor(id: "unit", roles: ["selecting_unit"])
        )
    }

    static let now = Instant("2024-07-01T09:00:00+08:00")!

    /// Opens `count` selection cases and takes each through the seven steps, with `clients`
    /// clients acting at once so that their steps share transactions; returns seconds and steps.
    func drive(_ engine: Engine, count: Int) throws -> (Double, Int) {
        let now = Self.now
        let (opening, opener) = Self.opening(engine.program)
        let ack = self.ack
        let shared = Shared()
        @Sendable func acknowledge(_ snapshot: CaseSnapshot) {
            shared.transitions.add(1, ordering: .relaxed)
            guard ack else { return }
            shared.output.withLock { _ in
                FileHandleOutput.standardOutput("ack \(snapshot.id) \(snapshot.version)\n")
            }
        }
        let elapsed = runClients(
            count: count, shared: shared,
            blocking: { (share: Range<Int>) throws(EngineError) in
                for _ in share {
                    let opened = try engine.open("selection", input: opening, by: opener, now: now)
                    acknowledge(opened)
                    for (event, role, input) in Self.steps {
                        acknowledge(
                            try engine.act(
                                opened.id, event: event, input: input, by: Actor(id: role, roles: [role]), now: now))
                    }
                }
            },
            async: { (share: Range<Int>) async throws(EngineError) in
                for _ in share {
                    let opened = try await engine.open("selection", input: opening, by: opener, now: now)
                    acknowledge(opened)
                    for (event, role, input) in Self.steps {
                        acknowledge(
                            try await engine.act(
                                opened.id, event: event, input: input, by: Actor(id: role, roles: [role]), now: now))
                    }
                }
            })
        if let failure = shared.failures.withLock({ $0.first }) { throw CommandError(message: failure) }
        return (elapsed, shared.transitions.load(ordering: .relaxed))
    }

    /// Cases whose steps are computed beforehand at a time.
    static let chunk = 4_096

    /// A fresh store in a temporary file, removed when released.
    final class BenchStore {
        let path: String
        let store: SQLiteCaseStore
        init(durability: SQLiteCaseStore.Durability, name: String) throws {
            let path = temporaryStorePath(name)
            self.path = path
            store = try storeRun { () throws(StoreError) in try SQLiteCaseStore(path: path, durability: durability) }
        }
        deinit { removeStoreFiles(path) }
    }

    /// The store's SQL alone over all the cases, a chunk at a time: steps and seconds.
    func sqlAloneInChunks(_ program: Program, durability: SQLiteCaseStore.Durability, perTransaction: Int) throws
        -> (steps: Int, seconds: Double)
    {
        let sqlStore = try BenchStore(durability: durability, name: "sql")
        var seconds = 0.0
        var steps = 0
        for chunk in stride(from: 0, to: cases, by: Self.chunk) {
            let prepared = try Self.precomputed(program, cases: chunk..<min(chunk + Self.chunk, cases))
            steps += prepared.reduce(0) { $0 + $1.count }
            seconds += try sqlAlone(prepared, store: sqlStore.store, perTransaction: perTransaction)
        }
        return (steps, seconds)
    }

    /// Each bench case's steps, opening first, as the pure interpreter computes them.
    static func precomputed(_ program: Program, cases: Range<Int>) throws -> [[Step]] {
        // The political review reads the candidate's current directory record.
        guard case .record(let candidate) = Self.candidate(program) else { return [] }
        let interpreter = Interpreter(program: program, directory: ["bench": candidate])
        let (opening, opener) = Self.opening(program)
        let actors = Self.steps.map { Actor(id: $0.role, roles: [$0.role]) }
        return try cases.map { index in
            var steps: [Step] = []
            var outcome = interpreter.open(
                "selection", id: "telecom-selection-\(index + 1)", input: opening, by: opener, now: Self.now)
            for number in 0...Self.steps.count {
                guard case .advanced(let step) = outcome else {
                    throw CommandError(message: "the bench case did not advance: \(outcome)")
                }
                steps.append(step)
                guard number < Self.steps.count else { break }
                let (event, _, input) = Self.steps[number]
                outcome = interpreter.step(
                    step.next, .act(event: event, input: input, by: actors[number]), now: Self.now)
            }
            return steps
        }
    }

    /// What the store alone allows: the steps, computed beforehand, committed to a fresh store
    /// by the same clients. Returns the seconds and CPU seconds the commits took, and their groups.
    func commitAlone(_ cases: [[Step]], store: SQLiteCaseStore) throws -> (elapsed: Double, cpu: Double) {
        let shared = Shared()
        let cpuBefore = Self.processCPUSeconds()
        let elapsed = runClients(
            count: cases.count, shared: shared,
            blocking: { (share: Range<Int>) throws(StoreError) in
                for index in share {
                    for step in cases[index] { try store.commit(step, expectedVersion: step.expectedVersion) }
                }
            },
            async: { (share: Range<Int>) async throws(StoreError) in
                for index in share {
                    for step in cases[index] {
                        try await store.commitAsync(step, expectedVersion: step.expectedVersion)
                    }
                }
            })
        let cpu = Self.processCPUSeconds() - cpuBefore
        if let failure = shared.failures.withLock({ $0.first }) { throw CommandError(message: failure) }
        return (elapsed, cpu)
    }

    /// What the store's SQL alone allows: the steps, encoded beforehand, written to a fresh store
    /// by one thread, `perTransaction` in each transaction, in the order the clients would send
    /// them (each client's case a step at a time). Returns the seconds the writing took.
    func sqlAlone(_ cases: [[Step]], store: SQLiteCaseStore, perTransaction: Int) throws -> Double {
        let inFlight = min(clients, cases.count)
        var interleaved: [Step] = []
        for first in stride(from: 0, to: cases.count, by: inFlight) {
            let together = cases[first..<min(first + inFlight, cases.count)]
            for number in 0...Self.steps.count { interleaved += together.map { $0[number] } }
        }
        return try storeRun { () throws(StoreError) in
            try store.writeOnly(interleaved, perTransaction: perTransaction)
        }.inSeconds
    }

    /// Runs `clients` clients at once, each with its share of `count` cases: on threads of their
    /// own through `blocking`, or as tasks through `async`. Returns the seconds until all are done;
    /// a client's error stops that client and is kept in `shared.failures`.
    func runClients<Failure: Error & CustomStringConvertible>(
        count: Int, shared: Shared, blocking: @escaping @Sendable (Range<Int>) throws(Failure) -> Void,
        async: @escaping @Sendable (Range<Int>) async throws(Failure) -> Void
    ) -> Double {
        let clients = min(self.clients, count)
        var shares: [Range<Int>] = []
        var start = 0
        for client in 0..<clients {
            let size = count / clients + (client < count % clients ? 1 : 0)
            shares.append(start..<start + size)
            start += size
        }
        let clock = ContinuousClock()
        let began = clock.now
        let done = DispatchGroup()
        if threads {
            for share in shares {
                done.enter()
                let thread = Thread {
                    do throws(Failure) { try blocking(share) } catch {
                        shared.failures.withLock { $0.append(error.description) }
                    }
                    done.leave()
                }
                thread.stackSize = 1 << 20
                thread.start()
            }
        } else {
            done.enter()
            Task {
                await withTaskGroup(of: Void.self) { group in
                    for share in shares {
                        group.addTask {
                            do throws(Failure) { try await async(share) } catch {
                                shared.failures.withLock { $0.append(error.description) }
                            }
                        }
                    }
                }
                done.leave()
            }
        }
        done.wait()
        return (clock.now - began).inSeconds
    }

    /// What the client threads share.
    final class Shared: Sendable {
        let failures = Mutex<[String]>([])
        let transitions = Atomic<Int>(0)
        let output = Mutex(())
    }

    /// Rows per second inserted with GRDB in batches of 100 per transaction, rows shaped like history rows.
    func rawInsertRate(rows: Int, durability: SQLiteCaseStore.Durability) throws -> Double {
        let path = temporaryStorePath("raw")
        defer { removeStoreFiles(path) }
        let pool = try DatabasePool(path: path)
        // Set on the writer once the pool has put it in WAL mode (which sets NORMAL), as the store does.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
        }
        try pool.write { db in
            try db.execute(
                sql: "CREATE TABLE rows (case_id TEXT, sequence INTEGER, payload TEXT, PRIMARY KEY (case_id, sequence))"
            )
        }
        let clock = ContinuousClock()
        let start = clock.now
        var written = 0
        while written < rows {
            try pool.write { db in
                for _ in 0..<min(100, rows - written) {
                    try db.execute(
                        sql: "INSERT INTO rows VALUES (?, ?, ?)",
                        arguments: [
                            "case-\(written / 8)", written % 8, "{\"field\":\"x\",\"old\":null,\"new\":\"同意\"}",
                        ])
                    written += 1
                }
            }
        }
        let elapsed = clock.now - start
        return Double(rows) / elapsed.inSeconds
    }

    /// User and system CPU time of the whole process so far, in seconds: with several threads
    /// it shows the work a transition costs, whatever share of the cores the machine gives.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
            + Double(usage.ru_stime.tv_usec) / 1e6
    }

    /// A candidate who passes every eligibility rule of the telecom unit (and, with another id
    /// and roles, a reviewer of the same team).
    static func candidate(_ program: Program, id: String = "bench", roles: [String] = []) -> Value {
        let type = program.types.personType
        var slots = [Value](repeating: .null, count: type.fields.count)
        for (index, field) in type.fields.enumerated() {
            switch (field.name, field.type.unwrapped) {
            case ("id", _), ("name", _): slots[index] = .string(id)
            case ("roles", _): slots[index] = .list(roles.map(Value.string))
            case ("performance", _):
                slots[index] = .map([
                    .number(Number(2021)): .string("good"), .number(Number(2022)): .string("good"),
                    .number(Number(2023)): .string("good"),
                ])
            case ("key_post", _): slots[index] = .string("none")
            case ("team", _): slots[index] = .string("haicheng_central_grid")
            case ("branch_committee_member", _), ("leadership_member", _): slots[index] = .bool(false)
            case (_, .bool): slots[index] = .bool(true)
            default: break
            }
        }
        return .record(Record(layout: type.layout, slots: slots))
    }
}
