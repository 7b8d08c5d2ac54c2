import ArgumentParser
import Foundation
import GRDB
import GridflowExpressions
import GridflowRuntime
@_spi(Bench) import GridflowStore

/// `gridflow bench store`: a store of many telecom selections, its size, and what the daemon
/// over it costs: its memory at rest and the time of the pages people read most.
struct StoreBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract:
            "A store of many selections: its size, the daemon's RSS at rest and p50/p99 of the case list, an inbox and a case.",
        discussion: """
            Fills a store with --cases telecom selections (their steps computed by the pure \
            interpreter a chunk at a time and written in large transactions): most taken to their \
            end, every --open-every-th left open at a step that varies from case to case, so that \
            inboxes have work; the effects the steps asked for are marked performed, as a daemon \
            that ran all along would have left them. Prints the store's size. Then starts \
            'gridflow serve' (this binary) over it on 127.0.0.1 and measures, on one keep-alive \
            connection, --requests answers each of the first page of GET /v1/cases, of GET \
            /v1/tasks (the inbox of the holder of selecting_unit) and of GET /v1/cases/{id} (cases \
            all over the store, with their history), and the daemon's resident memory (VmRSS) \
            after it started and after the requests. With --db the store is kept, and a store \
            already holding the cases is measured without filling it again. Build with -c release.
            """)

    @Option(help: "Selections in the store.") var cases = 1_000_000
    @Option(help: "Leave every Nth case open (at a step that varies from case to case).") var openEvery = 1_000
    @Option(help: "Answers measured per route.") var requests = 300
    @Option(help: "The store file to fill (or reuse, when it holds the cases already); default: a temporary file.")
    var db: String?
    @Option(help: "The folder holding Workflows/ and Rules/.") var root: String = "."
    @Option(help: "Write the daemon's log (JSON lines) to this file (default: it is written to /dev/null).")
    var log: String?
    @Flag(help: "Print the figures as JSON.") var json = false

    func validate() throws {
        guard cases > 0 else { throw ValidationError("--cases must be positive") }
        guard openEvery > 0 else { throw ValidationError("--open-every must be positive") }
        guard (1...100_000).contains(requests) else { throw ValidationError("--requests takes 1 to 100000") }
    }

    /// The person whose inbox is read: the holder of the role of a selection's first step.
    static let inboxPerson = "selecting_unit"

    func run() throws {
        let options = try StoreOptions.parse(["--root", root])
        let path = db ?? temporaryStorePath("store")
        defer { if db == nil { removeStoreFiles(path) } }
        var figures: [String: Value] = ["cases": .number(Number(cases))]
        let token: String
        do {
            let (store, engine) = try HTTPBench.prepare(path: path, options: options)
            let stored = try storeRun { () throws(StoreError) in try store.caseCounts(unit: "telecom") }
                .reduce(0) { $0 + $1.count }
            if stored == 0 {
                let fill = try fill(store, engine.program)
                figures["steps"] = .number(Number(fill.steps))
                figures["fill_seconds"] = .number(Number(String(format: "%.1f", fill.seconds))!)
                figures["fill_cases_per_second"] = .number(Number(Int(Double(cases) / fill.seconds)))
                figures["fill_steps_per_second"] = .number(Number(Int(Double(fill.steps) / fill.seconds)))
                if !json {
                    FileHandleOutput.standardOutput(
                        String(
                            format: "filled %d cases (%d steps) in %.1f s: %.0f cases/s, %.0f steps/s\n", cases,
                            fill.steps, fill.seconds, Double(cases) / fill.seconds, Double(fill.steps) / fill.seconds))
                }
            } else if stored != cases {
                throw CommandError(
                    message: "bench store: \(path) holds \(stored) telecom cases, not \(cases); pass --cases \(stored)")
            }
            let issued = TokenAuthority.issue(
                unit: "telecom", person: Self.inboxPerson, admin: false, label: "bench", at: Instant.current,
                expiresAt: nil)
            try storeRun { () throws(StoreError) in try store.saveToken(issued.token) }
            token = issued.secret
        }
        let size = try Self.storeSize(path)
        figures["store_bytes"] = .number(Number(size.bytes))
        figures["store_bytes_per_case"] = .number(Number(size.bytes / cases))
        figures["store_bytes_per_step"] = .number(Number(size.bytes / max(size.steps, 1)))
        if !json {
            FileHandleOutput.standardOutput(
                String(
                    format: "store: %.1f MB, %d bytes per case, %d bytes per step (%d steps)\n",
                    Double(size.bytes) / 1e6, size.bytes / cases, size.bytes / max(size.steps, 1), size.steps))
        }

        let daemon = try ChildDaemon(store: path, log: log)
        defer { _ = try? daemon.stop() }
        // Whatever the daemon does on starting (its first tick) settles first.
        Thread.sleep(forTimeInterval: 1)
        let atStart = try Self.memory(of: daemon.process.processIdentifier)
        let connection = try BenchConnection(port: daemon.port)
        var routes: [String: Value] = [:]
        var failures: [String] = []
        // Cases all over the store, the same ones on every run.
        var generator = SplitMix(seed: 18)
        let ids = (0..<requests).map { _ in "telecom-selection-\(Int(generator.next() % UInt64(cases)) + 1)" }
        let measured: [(name: String, what: String, path: (Int) -> String)] = [
            ("case_list", "GET /v1/cases (first page)", { _ in "/v1/cases" }),
            ("inbox", "GET /v1/tasks (\(Self.inboxPerson))", { _ in "/v1/tasks" }),
            ("case", "GET /v1/cases/{id}", { "/v1/cases/\(ids[$0])" }),
        ]
        for (name, what, path) in measured {
            var latencies: [Double] = []
            var statuses: [Int: Int] = [:]
            var items = 0
            // A few answers first, so that the daemon has compiled the unit and warmed its statements.
            for index in 0..<min(10, requests) { _ = try connection.get(path(index), token: token) }
            let clock = ContinuousClock()
            for index in 0..<requests {
                let started = clock.now
                let answer = try connection.get(path(index), token: token)
                latencies.append((clock.now - started).inSeconds)
                statuses[answer.status, default: 0] += 1
                if answer.status != 200, failures.count < 3 {
                    failures.append(
                        "\(what) \(path(index)) was answered \(answer.status): \(String(decoding: answer.body.prefix(300), as: UTF8.self))"
                    )
                }
                if index == 0, answer.status == 200, let body = try? JSONReader.read(answer.body) {
                    if case .array(let list)? = body["cases"] ?? body["tasks"] { items = list.count }
                    if case .array(let list)? = body["history"] { items = list.count }
                }
            }
            latencies.sort()
            let p50 = latencies[latencies.count / 2] * 1000
            let p99 = latencies[min(latencies.count - 1, Int(Double(latencies.count) * 0.99))] * 1000
            routes[name] = .map([
                .string("requests"): .number(Number(requests)),
                .string("ok"): .number(Number(statuses[200] ?? 0)),
                .string("items"): .number(Number(items)),
                .string("p50_milliseconds"): .number(Number(String(format: "%.2f", p50))!),
                .string("p99_milliseconds"): .number(Number(String(format: "%.2f", p99))!),
            ])
            if !json {
                FileHandleOutput.standardOutput(
                    String(
                        format: "%@: p50 %.2f ms, p99 %.2f ms (%d answers, %d of them 200; %d %@ in the first)\n",
                        what, p50, p99, requests, statuses[200] ?? 0, items,
                        name == "case" ? "history entries" : name == "inbox" ? "tasks" : "cases"))
            }
        }
        let afterRequests = try Self.memory(of: daemon.process.processIdentifier)
        _ = try daemon.stop()
        figures["routes"] = .map(Dictionary(uniqueKeysWithValues: routes.map { (Value.string($0.key), $0.value) }))
        figures["daemon_rss_kib_at_start"] = .number(Number(atStart.rss))
        figures["daemon_rss_kib_after_requests"] = .number(Number(afterRequests.rss))
        figures["daemon_peak_rss_kib"] = .number(Number(afterRequests.peak))
        if json {
            FileHandleOutput.standardOutput(ValueJSON.encode(figures) + "\n")
        } else {
            FileHandleOutput.standardOutput(
                String(
                    format: "daemon RSS: %.1f MB after starting, %.1f MB after the requests (peak %.1f MB)\n",
                    Double(atStart.rss) / 1024, Double(afterRequests.rss) / 1024, Double(afterRequests.peak) / 1024))
        }
        if let failure = failures.first { throw CommandError(message: "bench store: \(failure)") }
    }

    /// Writes the selections, a chunk at a time: each case's steps as the pure interpreter
    /// computes them, an open case's cut after the step it waits at, all of a chunk in one
    /// transaction. Returns the steps written and the seconds it took.
    func fill(_ store: SQLiteCaseStore, _ program: Program) throws -> (steps: Int, seconds: Double) {
        let clock = ContinuousClock()
        let began = clock.now
        var steps = 0
        var reported = began
        for first in stride(from: 0, to: cases, by: WorkflowBench.chunk) {
            let range = first..<min(first + WorkflowBench.chunk, cases)
            var written: [Step] = []
            for (index, all) in zip(range, try WorkflowBench.precomputed(program, cases: range)) {
                if index % openEvery == openEvery - 1 {
                    // Left waiting at step 1 to 7, in turn: opened and 0 to 6 approvals given.
                    written += all.prefix(1 + (index / openEvery) % WorkflowBench.steps.count)
                } else {
                    written += all
                }
            }
            steps += written.count
            _ = try storeRun { () throws(StoreError) in try store.writeOnly(written, perTransaction: written.count) }
            if !json, clock.now - reported > .seconds(10) {
                reported = clock.now
                FileHandleOutput.standardError(
                    String(
                        format: "bench store: %d of %d cases written (%.0f s)\n", range.upperBound, cases,
                        (clock.now - began).inSeconds))
            }
        }
        let seconds = (clock.now - began).inSeconds
        // What a daemon that ran all along would have left: the effects performed, and the
        // selection's counter past the cases' numbers, so that new cases get new ids.
        let queue = try DatabaseQueue(path: store.path)
        try queue.write { db in
            try db.execute(sql: "UPDATE outbox SET done_at = created_at WHERE done_at IS NULL")
            try db.execute(
                sql: """
                    INSERT INTO counters (name, value) VALUES ('telecom/selection', ?)
                    ON CONFLICT (name) DO UPDATE SET value = MAX(value, excluded.value)
                    """, arguments: [cases])
        }
        return (steps, seconds)
    }

    /// The store's size on disk after a checkpoint (its file and write-ahead log), and its steps.
    static func storeSize(_ path: String) throws -> (bytes: Int, steps: Int) {
        let queue = try DatabaseQueue(path: path)
        let steps = try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM steps") ?? 0
        }
        try queue.close()
        var bytes = 0
        for suffix in SQLiteCaseStore.fileSuffixes.dropLast() {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path + suffix)
            bytes += (attributes?[.size] as? NSNumber)?.intValue ?? 0
        }
        return (bytes, steps)
    }

    /// A process's resident memory now and at its peak, in KiB (`VmRSS`, `VmHWM` of /proc/PID/status).
    static func memory(of process: Int32) throws -> (rss: Int, peak: Int) {
        guard let status = try? String(contentsOfFile: "/proc/\(process)/status", encoding: .utf8) else {
            throw CommandError(message: "bench store: cannot read /proc/\(process)/status (Linux only)")
        }
        func field(_ name: String) -> Int {
            for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
                return Int(line.dropFirst(name.count + 1).split(whereSeparator: \.isWhitespace).first ?? "") ?? 0
            }
            return 0
        }
        return (field("VmRSS"), field("VmHWM"))
    }

    /// A small deterministic generator (SplitMix64), so that runs read the same cases.
    struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
