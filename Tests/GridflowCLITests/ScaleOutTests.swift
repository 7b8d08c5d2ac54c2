import Foundation
import GridflowExpressions
import GridflowRuntime
import PostgresNIO
import Synchronization
import Testing

@testable import GridflowPostgres

/// Whether the PostgreSQL tests are to be skipped: only when asked, and no server is named.
let postgresSkipped =
    ProcessInfo.processInfo.environment["GRIDFLOW_SKIP_POSTGRES"] == "1"
    && ProcessInfo.processInfo.environment["GRIDFLOW_TEST_POSTGRES"] == nil

/// Three `gridflow serve` processes on one PostgreSQL store, under HTTP load spread over them,
/// one killed with SIGKILL mid-load.
@Suite(.serialized, .disabled(if: postgresSkipped, "GRIDFLOW_SKIP_POSTGRES=1: the PostgreSQL store is not tested"))
struct ScaleOutTests: Workspace {
    let directory: URL
    let root: URL

    init() throws {
        directory = try Self.makeFolder("scale")
        let copy = try Self.copyOfTour(in: directory)
        root = copy.root
        // `quick`: the tour's report, escalated (with a notification) two seconds after it opens.
        let report = try String(contentsOf: root.appendingPathComponent("Workflows/tour/report.yaml"), encoding: .utf8)
        try report.replacingOccurrences(of: "{after: 5wd", with: "{after: 2s")
            .replacingOccurrences(of: "name: report\n", with: "name: quick\n")
            .write(to: root.appendingPathComponent("Workflows/tour/quick.yaml"), atomically: true, encoding: .utf8)
        // li administers the unit (a rollback through one daemon is seen by the others).
        let unitFile = root.appendingPathComponent("Workflows/tour/unit.yaml")
        try
            (String(contentsOf: unitFile, encoding: .utf8)
            + "  unit_admin: {title: Administrator}\nadministrator: unit_admin\n")
            .write(to: unitFile, atomically: true, encoding: .utf8)
        try
            #"[{"id": "wang", "name": "王", "roles": ["employee"]}, {"id": "li", "name": "李", "roles": ["discipline_staff", "unit_admin"]}]"#
            .write(to: directory.appendingPathComponent("people.json"), atomically: true, encoding: .utf8)
    }

    /// A new empty database on the tests' server; its URL.
    static func database() throws -> (url: String, drop: () -> Void) {
        guard let server = ProcessInfo.processInfo.environment["GRIDFLOW_TEST_POSTGRES"], !server.isEmpty else {
            throw StoreError(
                .cannotOpen,
                "no PostgreSQL server for the tests: run them with `.ci/with-postgres swift test`, or set GRIDFLOW_TEST_POSTGRES (GRIDFLOW_SKIP_POSTGRES=1 skips them)"
            )
        }
        let location = try PostgresLocation(url: server)
        let name = "gridflow_scale_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        func admin(_ sql: String) throws {
            let pool = try ConnectionPool(location, logger: .init(label: "tests"))
            defer { pool.close() }
            _ = try pool.withConnection { connection throws(StoreError) in
                try connection.execute(PostgresQuery(unsafeSQL: sql))
            }
        }
        try admin("CREATE DATABASE \(name)")
        var components = URLComponents(string: server)!
        components.path = "/" + name
        return (components.string!, { try? admin("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") })
    }

    /// A daemon on the shared store, on a free port.
    final class Daemon {
        let process = Process()
        let port: Int

        init(directory: URL, environment: [String: String]) throws {
            process.executableURL = gridflowBinary
            process.arguments = ["serve", "--listen", "127.0.0.1:0", "--claim-seconds", "3"]
            process.currentDirectoryURL = directory
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            var line = ""
            while !line.contains("\n") {
                let data = output.fileHandleForReading.availableData
                guard !data.isEmpty else { break }
                line += String(decoding: data, as: UTF8.self)
            }
            let found = try #require(line.range(of: "http://127.0.0.1:"), "the daemon said: \(line)")
            port = try #require(Int(line[found.upperBound...].prefix { $0.isNumber }))
        }

        func kill9() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        func stop() {
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
    }

    @Test func threeDaemonsOneKilledEveryStepTimerAndEffectOnce() throws {
        let (url, drop) = try Self.database()
        defer { drop() }
        let environment = ["GRIDFLOW_DB": url]
        func run(_ arguments: [String]) throws -> String {
            let result = try gridflow(arguments, in: directory, environment: environment)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            return result.stdout
        }
        _ = try run([
            "people", "import", "tour", directory.appendingPathComponent("people.json").path, "--root", root.path,
        ])
        _ = try run(["deploy", "tour", "--root", root.path])
        // A second deployment, active when the daemons start.
        let quick = root.appendingPathComponent("Workflows/tour/quick.yaml")
        try String(contentsOf: quick, encoding: .utf8).replacingOccurrences(of: "title: Escalated", with: "title: Late")
            .write(to: quick, atomically: true, encoding: .utf8)
        _ = try run(["deploy", "tour", "--root", root.path])
        let admin = try #require(
            try run(["token", "issue", "--unit", "tour", "--person", "li", "--admin"]).split(separator: "\n").last)
        let wang = try #require(
            try run(["token", "issue", "--unit", "tour", "--person", "wang"]).split(separator: "\n").last)
        let li = try #require(
            try run(["token", "issue", "--unit", "tour", "--person", "li"]).split(separator: "\n").last)

        let daemons = try (0..<3).map { _ in try Daemon(directory: directory, environment: environment) }
        defer { daemons.forEach { $0.stop() } }
        let ports = daemons.map(\.port)

        // Six clients: each opens a report through one daemon and answers every other one
        // through the next daemon, so cases opened through one are acted on through another.
        let opened = Mutex<[(id: String, summary: String)]>([])
        let answered = Mutex<[String]>([])
        let stop = Atomic<Bool>(false)
        let group = DispatchGroup()
        for client in 0..<6 {
            DispatchQueue.global().async(group: group) {
                var count = 0
                while !stop.load(ordering: .relaxed) {
                    count += 1
                    let summary = "client \(client) report \(count)"
                    let through = ports[(client + count) % 3]
                    guard
                        let answer = try? ServeTests.post(
                            port: through, "/v1/units/tour/cases", token: String(wang),
                            body: #"{"workflow": "quick", "fields": {"summary": "\#(summary)"}}"#),
                        answer.status == 201, let id = answer.body["id"] as? String
                    else { continue }
                    opened.withLock { $0.append((id, summary)) }
                    guard count % 2 == 0 else { continue }
                    let other = ports[(client + count + 1) % 3]
                    if let done = try? ServeTests.post(
                        port: other, "/v1/cases/\(id)/events/answer", token: String(li),
                        body: #"{"fields": {"answer": "done"}}"#), done.status == 200
                    {
                        answered.withLock { $0.append(id) }
                    }
                }
            }
        }
        Thread.sleep(forTimeInterval: 2.5)
        daemons[0].kill9()
        Thread.sleep(forTimeInterval: 2.0)
        stop.store(true, ordering: .relaxed)
        group.wait()
        let acknowledged = opened.withLock { $0 }
        let acted = Set(answered.withLock { $0 })
        #expect(acknowledged.count > 20, "the load reached the daemons: \(acknowledged.count) opened")
        #expect(acted.count > 10, "cases were answered through another daemon: \(acted.count)")

        // The survivors fire every timer that falls due (those the killed daemon had claimed once
        // their claims run out) and perform every effect.
        let store = try PostgresCaseStore(url: url, opening: .existing)
        defer { store.close() }
        var waiting = Int.max
        for _ in 0..<300 where waiting > 0 {
            Thread.sleep(forTimeInterval: 0.2)
            waiting = try store.withConnection { connection throws(StoreError) in
                try connection.rows(
                    """
                    SELECT (SELECT count(*) FROM timers) + (SELECT count(*) FROM outbox WHERE done_at IS NULL)
                    """
                ) { row in try row.decode(Int.self) }.first ?? 0
            }
        }
        #expect(waiting == 0, "timers or effects left undone: \(waiting)")

        let cases = try store.list(unit: "tour", workflow: "quick", state: nil)
        var bySummary: [String: Int] = [:]
        var summaryOf: [String: String] = [:]
        for stored in cases {
            let summary =
                try stored.currentFields()["summary"].flatMap { json -> String? in
                    if case .string(let text) = json { return text }
                    return nil
                } ?? ""
            bySummary[summary, default: 0] += 1
            summaryOf[stored.id] = summary
            // The step log is 0…version, each step once.
            #expect(try store.history(stored.id).map(\.sequence) == Array(0...stored.version), "\(stored.id)")
            // Each timer fired at most once: a case escalated once or answered before.
            let overdue = try store.history(stored.id).filter { $0.event == "overdue" }.count
            #expect(overdue <= 1, "\(stored.id) escalated \(overdue) times")
            #expect(stored.state != "submitted", "\(stored.id) still waits though its timer fell due")
            if acted.contains(stored.id) { #expect(stored.state == "answered", "\(stored.id)") }
        }
        for (id, summary) in acknowledged {
            #expect(summaryOf[id] == summary, "acknowledged \(id) (\(summary)) is stored")
        }
        #expect(bySummary.values.allSatisfy { $0 == 1 }, "no request opened two cases")
        // Every effect (each escalation's notification) performed once: one delivery and one
        // notification per outbox entry, and one entry per escalation.
        let counts = try store.withConnection { connection throws(StoreError) in
            try connection.rows(
                """
                SELECT (SELECT count(*) FROM outbox), (SELECT count(*) FROM deliveries),
                       (SELECT count(*) FROM notifications), (SELECT count(*) FROM steps WHERE event = 'overdue')
                """
            ) { row in try row.decode((Int, Int, Int, Int).self) }.first
        }
        let (effects, deliveries, notifications, escalations) = try #require(counts)
        #expect(escalations > 0)
        #expect(effects == escalations && deliveries == effects && notifications == effects)

        // A rollback made through one daemon is what another opens new cases on.
        let back = try ServeTests.post(
            port: ports[1], "/v1/units/tour/rollback", token: String(admin), body: #"{"to": 1}"#)
        #expect(back.status == 200, "\(back.body)")
        let fresh = try ServeTests.post(
            port: ports[2], "/v1/units/tour/cases", token: String(wang),
            body: #"{"workflow": "quick", "fields": {"summary": "after the rollback"}}"#)
        let id = try #require(fresh.body["id"] as? String, "\(fresh.body)")
        let reopened = try #require(try store.load(id))
        let deployment = try store.deployment(unit: "tour", version: reopened.definitionVersion)
        #expect(deployment?.sequence == 1)
    }

    @Test func theScaleBenchReportsEachDaemonCountBesidePgbench() throws {
        let (url, drop) = try Self.database()
        defer { drop() }
        let run = try gridflow(
            [
                "bench", "scale", "--db", url, "--daemons", "1,2", "--cases", "6", "--connections", "3",
                "--transactions", "200", "--json", "--root", packageRoot.path,
            ], in: directory)
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)")
        let runs = try #require(object["runs"] as? [[String: Any]])
        #expect(runs.map { $0["daemons"] as? Int } == [1, 2])
        // 6 cases of 8 events each, through each count of daemons.
        #expect(
            runs.allSatisfy {
                ($0["events_per_second"] as? Int ?? 0) > 0 && ($0["ratio_to_pgbench"] as? Double ?? 0) > 0
            })
        #expect((object["pgbench_tps"] as? Int ?? 0) > 0)
        // The password-free URL is what it names; pgbench's tables are gone afterwards.
        let store = try PostgresCaseStore(url: url, opening: .existing)
        defer { store.close() }
        let left = try store.withConnection { connection throws(StoreError) in
            try connection.rows("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'pgbench%'") { row in
                try row.decode(Int.self)
            }.first
        }
        #expect(left == 0)
        // Each count's 6 cases, and one case per daemon first (1 + 2).
        #expect(try store.list(unit: "telecom", workflow: "selection", state: nil).count == 6 * 2 + 1 + 2)
    }
}
