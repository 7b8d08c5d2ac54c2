import ArgumentParser
import Foundation
import GridflowExpressions
import GridflowPostgres
import GridflowRuntime

/// `gridflow bench scale`: the telecom selection through one, two, three … daemons sharing a
/// PostgreSQL store, beside `pgbench`'s simple-update rate on the same server in the same run.
struct ScaleBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract:
            "Durable events/s through several daemons on one PostgreSQL store, beside pgbench on the same server.",
        discussion: """
            --db names an empty PostgreSQL database (or one this bench used before). The bench \
            deploys the telecom unit there with its reviewers and a token each, then for each count \
            of --daemons starts that many 'gridflow serve' (this binary) on the store and drives \
            --connections keep-alive clients, spread over the daemons, through the seven-step \
            selection (an open and seven events per case, each answered after its step committed). \
            Then pgbench (PostgreSQL's own) initialises its tables in the same database, runs its \
            simple-update transaction (-N) with as many clients, --transactions each, and drops them. \
            The ratio is events/s over pgbench's transactions/s. Build with -c release.
            """)

    @Option(help: "The PostgreSQL store: postgres://user@host:port/database.") var db: String
    @Option(help: "How many daemons to run, one count after another.") var daemons: String = "1,2,3"
    @Option(help: "Cases per daemon count.") var cases = 600
    @Option(help: "Keep-alive connections, spread over the daemons.") var connections = 48
    @Option(help: "Transactions each pgbench client runs.") var transactions = 1_000
    @Option(help: "The folder holding Workflows/ and Rules/.") var root: String = "."
    @Flag(help: "Print the figures as JSON.") var json = false

    var counts: [Int] { daemons.split(separator: ",").compactMap { Int($0) } }

    func validate() throws {
        guard PostgresLocation.isURL(db) else { throw ValidationError("--db takes a postgres:// URL") }
        guard !counts.isEmpty, counts.allSatisfy({ (1...16).contains($0) }),
            counts.count == daemons.split(separator: ",").count
        else { throw ValidationError("--daemons takes counts from 1 to 16, such as 1,2,3") }
        guard cases > 0 else { throw ValidationError("--cases must be positive") }
        guard (1...512).contains(connections) else { throw ValidationError("--connections takes 1 to 512") }
        guard (1...1_000_000).contains(transactions) else {
            throw ValidationError("--transactions takes 1 to 1000000")
        }
    }

    func run() throws {
        let options = try StoreOptions.parse(["--db", db, "--root", root])
        let store = try options.storeCreatingIfMissing()
        let tokens = try Self.prepare(store: store, options: options)
        var rows: [[String: Value]] = []
        var first: Double?
        var rates: [Double] = []
        for count in counts {
            let figures = try measure(daemons: count, tokens: tokens)
            first = first ?? figures.rate
            rates.append(figures.rate)
            rows.append([
                "daemons": .number(Number(count)), "events_per_second": .number(Number(Int(figures.rate))),
                "p50_milliseconds": .number(Number(String(format: "%.2f", figures.p50))!),
                "p99_milliseconds": .number(Number(String(format: "%.2f", figures.p99))!),
            ])
            if !json {
                FileHandleOutput.standardOutput(
                    String(
                        format:
                            "%d daemon%@: %d durable events in %.2f s: %.0f events/s (×%.2f of one); p50 %.2f ms, p99 %.2f ms\n",
                        count, count == 1 ? "" : "s", figures.events, figures.elapsed, figures.rate,
                        figures.rate / (first ?? figures.rate), figures.p50, figures.p99))
            }
        }
        let tps = try pgbench()
        for index in rows.indices {
            rows[index]["ratio_to_pgbench"] = .number(Number(String(format: "%.3f", rates[index] / tps))!)
        }
        if json {
            let runs = rows.map { ValueJSON.encode($0) }.joined(separator: ", ")
            FileHandleOutput.standardOutput("{\"runs\": [\(runs)], \"pgbench_tps\": \(Int(tps))}\n")
        } else {
            FileHandleOutput.standardOutput(
                String(
                    format: "pgbench -N (simple update), %d clients, %d transactions each: %.0f transactions/s\n",
                    connections, transactions, tps))
            for (count, rate) in zip(counts, rates) {
                FileHandleOutput.standardOutput(
                    String(format: "  %d daemon%@: %.3f of pgbench's rate\n", count, count == 1 ? "" : "s", rate / tps))
            }
        }
    }

    /// Telecom deployed with the bench's people and a token per reviewer: the tokens' secrets.
    static func prepare(store: any CaseStore, options: StoreOptions) throws -> [String: String] {
        let engine = try options.engine(unit: "telecom", store: store, use: .running)
        let people =
            [
                StoredPerson(
                    id: "bench", roles: [], recordJSON: ValueJSON.encode(WorkflowBench.candidate(engine.program)))
            ]
            + HTTPBench.reviewers.map { role in
                StoredPerson(
                    id: role, roles: [role],
                    recordJSON: ValueJSON.encode(WorkflowBench.candidate(engine.program, id: role, roles: [role])))
            }
        try storeRun { () throws(StoreError) in try store.importPeople(unit: "telecom", people, replacing: true) }
        var issued: [String: String] = [:]
        for person in HTTPBench.reviewers {
            let token = TokenAuthority.issue(
                unit: "telecom", person: person, admin: false, label: "bench", at: Instant.current, expiresAt: nil)
            try storeRun { () throws(StoreError) in try store.saveToken(token.token) }
            issued[person] = token.secret
        }
        return issued
    }

    func measure(daemons count: Int, tokens: [String: String]) throws -> HTTPBench.Figures {
        let children = try (0..<count).map { _ in try ChildDaemon(store: db, log: nil) }
        defer { children.forEach { _ = try? $0.stop() } }
        // One case through each daemon first, so that each has compiled the unit.
        var discarded: [Double] = []
        for child in children {
            try HTTPBench.selection(on: try BenchConnection(port: child.port), tokens: tokens, latencies: &discarded)
        }
        return try HTTPBench.drive(
            ports: children.map(\.port), cases: cases, clients: min(connections, cases), tokens: tokens,
            name: "bench scale")
    }

    /// pgbench's simple-update transactions per second on the store's server and database: its
    /// tables made (scale 10), the run, its tables dropped.
    func pgbench() throws -> Double {
        let location = try storeRun { () throws(StoreError) in try PostgresLocation(url: db) }
        var environment = ProcessInfo.processInfo.environment
        if let password = location.password { environment["PGPASSWORD"] = password }
        let target = [
            "-h", location.socketFolder ?? location.host, "-p", "\(location.port)", "-U", location.user,
            location.database,
        ]
        let limit = 3_600.0
        func pgbench(_ arguments: [String]) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["pgbench"] + arguments + target
            process.environment = environment
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            do { try process.run() } catch {
                throw CommandError(message: "bench scale: pgbench cannot run: \(error)")
            }
            // A pgbench that does not end is stopped, and said.
            let watchdog = DispatchWorkItem { [process] in
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + limit, execute: watchdog)
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            watchdog.cancel()
            guard process.terminationStatus == 0 else {
                throw CommandError(
                    message:
                        "bench scale: pgbench \(arguments.joined(separator: " ")) failed (is PostgreSQL's pgbench installed?)"
                )
            }
            return String(decoding: data, as: UTF8.self)
        }
        _ = try pgbench(["-i", "-q", "-s", "10"])
        defer { _ = try? pgbench(["-i", "-I", "d"]) }
        // A count of transactions, not -T: pgbench ends -T on SIGALRM, which a process started
        // from a thread that blocks signals (as Swift's are) never receives.
        let report = try pgbench(["-N", "-c", "\(connections)", "-j", "2", "-t", "\(transactions)"])
        guard let line = report.split(separator: "\n").first(where: { $0.hasPrefix("tps = ") }),
            let tps = Double(line.dropFirst(6).prefix { $0 == "." || $0.isNumber })
        else { throw CommandError(message: "bench scale: pgbench printed no rate:\n\(report)") }
        return tps
    }
}
