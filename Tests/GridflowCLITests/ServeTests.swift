import Foundation
import GRDB
import Synchronization
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `gridflow serve` as a process, reached over real HTTP on loopback with tokens that
/// `gridflow token issue` printed.
@Suite(.serialized) struct ServeTests: Workspace {
    let directory: URL
    let root: URL

    init() throws {
        directory = try Self.makeFolder("serve")
        let copy = try Self.copyOfTour(in: directory)
        root = copy.root
        // A copy of the tour's report, `quick`, escalates after two seconds, so the scheduler is
        // seen at work; the report itself keeps its five working days, which no test waits for.
        let report = try String(
            contentsOf: root.appendingPathComponent("Workflows/tour/report.yaml"), encoding: .utf8)
        try report.replacingOccurrences(of: "{after: 5wd", with: "{after: 2s")
            .replacingOccurrences(of: "name: report\n", with: "name: quick\n")
            .write(to: root.appendingPathComponent("Workflows/tour/quick.yaml"), atomically: true, encoding: .utf8)
        // The copy names an administrator role, which li holds.
        let unitFile = root.appendingPathComponent("Workflows/tour/unit.yaml")
        try
            (String(contentsOf: unitFile, encoding: .utf8)
            + "  unit_admin: {title: Administrator}\nadministrator: unit_admin\n")
            .write(to: unitFile, atomically: true, encoding: .utf8)
        let people = try Self.write(
            #"[{"id": "wang", "name": "王", "roles": ["employee"]}, {"id": "li", "name": "李", "roles": ["discipline_staff", "unit_admin"]}]"#,
            to: directory.appendingPathComponent("people.json"))
        #expect(try gridflow(["people", "import", "tour", people, "--root", root.path], in: directory).status == 0)
        #expect(try gridflow(["deploy", "tour", "--root", root.path], in: directory).status == 0)
        // A second unit in the same store, whose tokens see nothing of the tour.
        #expect(try gf(["people", "import", "oilfield", Self.oilfieldPeople]).status == 0)
        #expect(try gf(["deploy", "oilfield"]).status == 0)
    }

    /// A POST over a socket of its own (HTTP/1.1, `Connection: close`): the status and the body.
    static func post(port: Int, _ path: String, token: String, body: String) throws -> Answer {
        let request =
            "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        let text = try loopbackExchange(port: port, request)
        guard let head = text.range(of: "\r\n\r\n"), text.hasPrefix("HTTP/1.1 "),
            let status = Int(text.dropFirst(9).prefix(3))
        else { throw POSIXError(.EBADMSG) }
        let object = (try? JSONSerialization.jsonObject(with: Data(text[head.upperBound...].utf8))) as? [String: Any]
        return Answer(status: status, headers: [:], body: object ?? [:])
    }

    static func write(_ text: String, to url: URL) throws -> String {
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func token(_ unit: String, _ person: String, admin: Bool = false) throws -> String {
        let run = try gridflow(
            ["token", "issue", "--unit", unit, "--person", person] + (admin ? ["--admin"] : []), in: directory)
        #expect(run.status == 0, "\(run.stderr)")
        return try #require(run.stdout.split(separator: "\n").last.map(String.init))
    }

    /// Starts the daemon on a free port (with `arguments` to `serve`), its log (standard error)
    /// written to `log`; returns it with its base URL.
    func start(log: URL? = nil, arguments: [String] = []) throws -> (Process, URL, Pipe) {
        let process = Process()
        process.executableURL = gridflowBinary
        process.arguments = ["serve", "--listen", "127.0.0.1:0"] + arguments
        process.currentDirectoryURL = directory
        let output = Pipe()
        process.standardOutput = output
        if let log {
            #expect(FileManager.default.createFile(atPath: log.path, contents: nil))
            process.standardError = try FileHandle(forWritingTo: log)
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        var line = ""
        let handle = output.fileHandleForReading
        while !line.contains("\n") {
            let data = handle.availableData
            guard !data.isEmpty else { break }
            line += String(decoding: data, as: UTF8.self)
        }
        let found = try #require(line.range(of: "http://127.0.0.1:"), "the daemon said: \(line)")
        let port = line[found.upperBound...].prefix { $0.isNumber }
        return (process, try #require(URL(string: "http://127.0.0.1:\(port)")), output)
    }

    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: [String: Any]
        var text = ""
    }

    func http(
        _ method: String, _ base: URL, _ path: String, token: String? = nil, body: String? = nil,
        headers: [String: String] = [:]
    ) throws -> Answer {
        var request = URLRequest(url: try #require(URL(string: path, relativeTo: base)))
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: (Data?, URLResponse?, (any Error)?)
        URLSession.shared.dataTask(with: request) { data, response, error in
            result = (data, response, error)
            done.signal()
        }.resume()
        done.wait()
        if let error = result.2 { throw error }
        let response = try #require(result.1 as? HTTPURLResponse)
        var fields: [String: String] = [:]
        for (name, value) in response.allHeaderFields {
            fields[String(describing: name).lowercased()] = String(describing: value)
        }
        let object = (try? JSONSerialization.jsonObject(with: result.0 ?? Data())) as? [String: Any] ?? [:]
        return Answer(
            status: response.statusCode, headers: fields, body: object,
            text: String(decoding: result.0 ?? Data(), as: UTF8.self))
    }

    @Test func aReportThroughTheAPIWithTokensTimersOnTimeAndAGracefulStop() throws {
        let wang = try token("tour", "wang")
        let li = try token("tour", "li")
        let zhang = try token("oilfield", "zhang")
        let (process, base, _) = try start()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        #expect(try http("GET", base, "/healthz").status == 200)
        // The contract, served to anyone.
        let contract = try http("GET", base, "/openapi.json")
        #expect(contract.status == 200 && contract.body["openapi"] as? String == "3.1.0")
        // No token, a forged one: 401 as problem+json.
        let anonymous = try http("POST", base, "/v1/units/tour/cases", body: #"{"workflow": "report"}"#)
        #expect(anonymous.status == 401)
        #expect(anonymous.headers["content-type"] == "application/problem+json")
        #expect(anonymous.body["type"] as? String == "https://gridflow.dev/problems/unauthorized")
        #expect(try http("GET", base, "/v1/cases", token: "gf_forged").status == 401)

        // wang reports; who reported is hidden from him and seen by li.
        let opened = try http(
            "POST", base, "/v1/units/tour/cases", token: wang,
            body: #"{"workflow": "report", "fields": {"summary": "The allowance is late", "reporter": "@wang"}}"#)
        #expect(opened.status == 201, "\(opened.body)")
        let id = try #require(opened.body["id"] as? String)
        #expect(opened.headers["location"] == "/v1/cases/\(id)")
        #expect(opened.body["state"] as? String == "submitted")
        // The inbox: li's role answers the report; wang has no task.
        let inbox = try http("GET", base, "/v1/tasks", token: li)
        let tasks = try #require(inbox.body["tasks"] as? [[String: Any]])
        #expect(tasks.map { $0["case_id"] as? String } == [id] && tasks.first?["role"] as? String == "discipline_staff")
        #expect(tasks.first?["overdue"] as? Bool == false && tasks.first?["fields"] == nil)
        #expect((try http("GET", base, "/v1/tasks", token: wang).body["tasks"] as? [Any])?.isEmpty == true)
        let seen = try http("GET", base, "/v1/cases/\(id)", token: li)
        #expect(seen.status == 200)
        #expect((seen.body["fields"] as? [String: Any])?["reporter"] != nil)
        #expect((seen.body["actions"] as? [String]) == ["answer"])
        #expect((seen.body["history"] as? [[String: Any]])?.count == 1)

        // Bad input is a 400 naming what; a refused step a 422 saying why.
        let bad = try http(
            "POST", base, "/v1/units/tour/cases", token: wang, body: #"{"workflow": "report", "fields": [1]}"#)
        #expect(bad.status == 400 && bad.body["field"] as? String == "fields", "\(bad.body)")
        let broken = try http("POST", base, "/v1/units/tour/cases", token: wang, body: #"{"workflow": "#)
        #expect(broken.status == 400)
        let unknown = try http(
            "POST", base, "/v1/units/tour/cases", token: wang,
            body: #"{"workflow": "report", "fields": {"summary": "x", "sumary": "y"}}"#)
        #expect(unknown.status == 400 && unknown.body["field"] as? String == "fields.sumary", "\(unknown.body)")
        #expect(
            try http("POST", base, "/v1/units/tour/cases", token: wang, body: #"{"workflow": "reprot"}"#).status == 404)
        let refused = try http(
            "POST", base, "/v1/cases/\(id)/events/answer", token: wang, body: #"{"fields": {"answer": "done"}}"#)
        #expect(refused.status == 422, "\(refused.body)")
        #expect(refused.body["type"] as? String == "https://gridflow.dev/problems/rejected")

        // If-Match: a stale version is a conflict naming both.
        let stale = try http(
            "POST", base, "/v1/cases/\(id)/events/answer", token: li, body: #"{"fields": {"answer": "Paid."}}"#,
            headers: ["If-Match": "7"])
        #expect(stale.status == 409)
        #expect((stale.body["detail"] as? String)?.contains("at version 0, not 7") == true, "\(stale.body)")
        let answered = try http(
            "POST", base, "/v1/cases/\(id)/events/answer", token: li, body: #"{"fields": {"answer": "Paid."}}"#,
            headers: ["If-Match": "0"])
        #expect(answered.status == 200, "\(answered.body)")
        #expect(answered.body["state"] as? String == "answered")

        // Another unit's token sees nothing of this one: 404, not 403.
        #expect(try http("GET", base, "/v1/cases/\(id)", token: zhang).status == 404)
        #expect(
            try http("POST", base, "/v1/units/tour/cases", token: zhang, body: #"{"workflow": "report"}"#).status == 404
        )

        // The scheduler fires the two-second timer without any tick.
        let waiting = try http(
            "POST", base, "/v1/units/tour/cases", token: wang,
            body: #"{"workflow": "quick", "fields": {"summary": "Nobody answers", "reporter": "@wang"}}"#)
        let second = try #require(waiting.body["id"] as? String)
        var state = ""
        for _ in 0..<100 where state != "escalated" {
            Thread.sleep(forTimeInterval: 0.2)
            state = try http("GET", base, "/v1/cases/\(second)", token: li).body["state"] as? String ?? ""
        }
        #expect(state == "escalated", "the timer fired by the daemon itself")

        // Pages of the case list, by cursor.
        let first = try http("GET", base, "/v1/cases?limit=1", token: li)
        #expect((first.body["cases"] as? [[String: Any]])?.map { $0["id"] as? String } == [second])
        let cursor = try #require(first.body["next_cursor"] as? String)
        let next = try http("GET", base, "/v1/cases?limit=1&cursor=\(cursor)", token: li)
        #expect((next.body["cases"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])
        #expect(next.body["next_cursor"] is NSNull)
        #expect(try http("GET", base, "/v1/cases?limit=0", token: li).status == 400)

        // Metrics for Prometheus: requests by route and status, steps by outcome, cases by unit.
        let metrics = try http("GET", base, "/metrics")
        #expect(metrics.status == 200 && metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
        for line in [
            #"gridflow_http_requests_total{route="/v1/units/{unit}/cases",status="201"} "#,
            #"gridflow_steps_total{unit="tour",outcome="committed"} "#,
            #"gridflow_steps_total{unit="tour",outcome="rejected"} 1"#,
            #"gridflow_open_cases{unit="tour"} 1"#, #"gridflow_timers_fired_total{unit="tour"} 1"#,
            "gridflow_commit_duration_seconds_bucket{",
        ] {
            #expect(metrics.text.contains(line), "\(line) in \(metrics.text)")
        }
        #expect(!metrics.text.contains(id), "no case id in a label")

        // SIGTERM: a graceful stop, exit 0.
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }

    @Test func aRetriedPostWithTheSameIdempotencyKeyActsOnce() throws {
        let wang = try token("tour", "wang")
        let li = try token("tour", "li")
        let (process, base, _) = try start()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let body = #"{"workflow": "report", "fields": {"summary": "Once only", "reporter": "@wang"}}"#
        let first = try http(
            "POST", base, "/v1/units/tour/cases", token: wang, body: body, headers: ["Idempotency-Key": "k-1"])
        let again = try http(
            "POST", base, "/v1/units/tour/cases", token: wang, body: body, headers: ["Idempotency-Key": "k-1"])
        #expect(first.status == 201 && again.status == 201)
        #expect(again.body["id"] as? String == first.body["id"] as? String)
        #expect(again.headers["idempotent-replayed"] == "true" && first.headers["idempotent-replayed"] == nil)
        #expect(again.headers["location"] == first.headers["location"])
        let listed = try http("GET", base, "/v1/cases", token: li)
        #expect((listed.body["cases"] as? [Any])?.count == 1, "one case, not two")
        // The key with another request is refused; another token's same key is its own.
        let other = try http(
            "POST", base, "/v1/units/tour/cases", token: wang,
            body: body.replacingOccurrences(of: "Once", with: "Twice"),
            headers: ["Idempotency-Key": "k-1"])
        #expect(
            other.status == 422
                && other.body["type"] as? String == "https://gridflow.dev/problems/idempotency-key-reused")
        // An event retried with its key is one step.
        let id = try #require(first.body["id"] as? String)
        let answer = #"{"fields": {"answer": "Done."}}"#
        for _ in 0..<2 {
            let acted = try http(
                "POST", base, "/v1/cases/\(id)/events/answer", token: li, body: answer,
                headers: ["Idempotency-Key": "a-1"])
            #expect(acted.status == 200 && acted.body["version"] as? Int == 1, "\(acted.body)")
        }
        #expect(try http("GET", base, "/v1/cases/\(id)", token: li).body["version"] as? Int == 1)
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test func administratorsSeeDeploymentsMigrateAndRollBackOthersAreForbidden() throws {
        let wang = try token("tour", "wang")
        let admin = try token("tour", "li", admin: true)
        let zhang = try token("oilfield", "zhang")
        // Only a holder of the unit's administrator role gets an administrator's token.
        let refused = try gridflow(["token", "issue", "--unit", "tour", "--person", "wang", "--admin"], in: directory)
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains("'wang' does not hold tour's administrator role 'unit_admin'"), "\(refused.stderr)")
        let (process, base, _) = try start()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let opened = try http(
            "POST", base, "/v1/units/tour/cases", token: wang,
            body: #"{"workflow": "report", "fields": {"summary": "x", "reporter": "@wang"}}"#)
        let id = try #require(opened.body["id"] as? String)
        #expect(try http("GET", base, "/v1/units/tour/deployments", token: wang).status == 403)
        #expect(try http("GET", base, "/v1/units/tour/deployments", token: zhang).status == 404)
        let listed = try http("GET", base, "/v1/units/tour/deployments", token: admin)
        #expect((listed.body["deployments"] as? [[String: Any]])?.map { $0["active"] as? Bool } == [true])

        // Deployment 2 renames escalated; the open case moves to it over HTTP, checked first.
        let url = root.appendingPathComponent("Workflows/tour/report.yaml")
        try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "escalated", with: "late")
            .write(to: url, atomically: true, encoding: .utf8)
        #expect(try gridflow(["deploy", "tour", "--root", root.path], in: directory).status == 0)
        // (The case may have escalated meanwhile: its timer is two seconds here.)
        let dry = try http(
            "POST", base, "/v1/units/tour/migrations", token: admin,
            body: #"{"dry_run": true, "map_state": {"escalated": "late"}}"#)
        #expect(dry.status == 200, "\(dry.body)")
        #expect((dry.body["cases"] as? [[String: Any]])?.map { $0["case"] as? String } == [id])
        #expect(dry.body["migrated"] as? Bool == false)
        #expect(try http("GET", base, "/v1/cases/\(id)", token: admin).body["deployment"] as? Int == 1)
        let bad = try http(
            "POST", base, "/v1/units/tour/migrations", token: admin,
            body: #"{"map_state": {"submitted": "gone", "escalated": "gone"}}"#)
        #expect(bad.status == 422 && bad.body["type"] as? String == "https://gridflow.dev/problems/cannot-migrate")
        let moved = try http(
            "POST", base, "/v1/units/tour/migrations", token: admin, body: #"{"map_state": {"escalated": "late"}}"#)
        #expect(moved.status == 200 && moved.body["migrated"] as? Bool == true, "\(moved.body)")
        #expect(try http("GET", base, "/v1/cases/\(id)", token: admin).body["deployment"] as? Int == 2)
        #expect(try http("POST", base, "/v1/units/tour/migrations", token: wang, body: "{}").status == 403)

        // Deploying over HTTP: the unit's files in the body, validated first.
        func files(_ change: (String) -> String) throws -> String {
            var object: [String: String] = [:]
            for name in ["unit.yaml", "report.yaml", "quick.yaml"] {
                let text = try String(
                    contentsOf: root.appendingPathComponent("Workflows/tour/\(name)"), encoding: .utf8)
                object["Workflows/tour/\(name)"] = name == "report.yaml" ? change(text) : text
            }
            let data = try JSONSerialization.data(withJSONObject: ["files": object, "message": "over HTTP"])
            return String(decoding: data, as: UTF8.self)
        }
        let invalid = try http(
            "POST", base, "/v1/units/tour/deployments", token: admin,
            body: try files { $0.replacingOccurrences(of: "to: answered", with: "to: answred") })
        #expect(invalid.status == 422, "\(invalid.body)")
        let diagnostics = try #require(invalid.body["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.first?["file"] as? String == "Workflows/tour/report.yaml")
        #expect((diagnostics.first?["message"] as? String)?.contains("did you mean 'answered'?") == true)
        #expect(try http("GET", base, "/v1/units/tour/deployments", token: admin).body["deployments"] as? [Any] != nil)
        let retitled = try files { $0.replacingOccurrences(of: "title: Escalated", with: "title: Late") }
        #expect(try http("POST", base, "/v1/units/tour/deployments", token: wang, body: retitled).status == 403)
        let deployed = try http("POST", base, "/v1/units/tour/deployments", token: admin, body: retitled)
        #expect(deployed.status == 201 && deployed.body["sequence"] as? Int == 3, "\(deployed.body)")
        let again = try http("POST", base, "/v1/units/tour/deployments", token: admin, body: retitled)
        #expect(again.status == 200 && again.body["outcome"] as? String == "unchanged", "\(again.body)")

        // Rollback: new cases open on deployment 1 again.
        let back = try http("POST", base, "/v1/units/tour/rollback", token: admin, body: #"{"to": 1}"#)
        #expect(back.status == 200 && back.body["active"] as? Int == 1, "\(back.body)")
        let fresh = try http(
            "POST", base, "/v1/units/tour/cases", token: wang,
            body: #"{"workflow": "report", "fields": {"summary": "y", "reporter": "@wang"}}"#)
        let second = try #require(fresh.body["id"] as? String)
        #expect(try http("GET", base, "/v1/cases/\(second)", token: admin).body["deployment"] as? Int == 1)
        #expect(try http("POST", base, "/v1/units/tour/rollback", token: admin, body: #"{"to": 9}"#).status == 422)

        // Incidents: none here; a retry of one that is not there is not found.
        let incidents = try http("GET", base, "/v1/incidents", token: wang)
        #expect(incidents.status == 200 && (incidents.body["incidents"] as? [Any])?.isEmpty == true)
        #expect(try http("POST", base, "/v1/incidents/99/retry", token: admin).status == 404)
        #expect(try http("POST", base, "/v1/incidents/99/retry", token: wang).status == 403)
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test func schemathesisFindsNoServerErrorAndNoAnswerTheDocumentDoesNotAllow() throws {
        let admin = try token("tour", "li", admin: true)
        let (process, base, _) = try start()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        // A refused step is a 422 by design (docs/daemon.md): accepted as an answer to valid input.
        let config = try write(
            "schemathesis.toml",
            """
            [checks.positive_data_acceptance]
            expected-statuses = ["2XX", "401", "403", "404", "409", "422"]

            """)
        let run = Process()
        run.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        run.arguments = [
            "schemathesis", "--config-file", config, "run", base.absoluteString + "/openapi.json", "-H",
            "Authorization: Bearer \(admin)", "--max-examples", "20", "--seed", "1",
        ]
        run.currentDirectoryURL = directory
        let result = try runToEnd(run)
        #expect(result.status == 0, "schemathesis: \(result.stdout.suffix(4000)) \(result.stderr.suffix(2000))")
        #expect(result.stdout.contains(" passed"), "\(result.stdout.suffix(2000))")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test func killedUnderLoadEveryAcknowledgedCaseIsStoredOnce() throws {
        let wang = try token("tour", "wang")
        let (process, base, _) = try start()
        let port = try #require(base.port)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        // Eight clients open reports as fast as they are answered; each summary is unique.
        let acknowledged = Mutex<[(id: String, summary: String)]>([])
        let stop = Atomic<Bool>(false)
        let group = DispatchGroup()
        for client in 0..<8 {
            DispatchQueue.global().async(group: group) {
                var count = 0
                while !stop.load(ordering: .relaxed) {
                    count += 1
                    let summary = "client \(client) report \(count)"
                    // A plain socket per request (URLSession queues concurrent requests here).
                    guard
                        let answer = try? Self.post(
                            port: port, "/v1/units/tour/cases", token: wang,
                            body: #"{"workflow": "report", "fields": {"summary": "\#(summary)"}}"#)
                    else { continue }
                    if answer.status == 201, let id = answer.body["id"] as? String {
                        acknowledged.withLock { $0.append((id, summary)) }
                    }
                }
            }
        }
        Thread.sleep(forTimeInterval: 1.0)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        stop.store(true, ordering: .relaxed)
        group.wait()
        let acks = acknowledged.withLock { $0 }
        #expect(acks.count > 10, "the load reached the daemon: \(acks.count) acknowledged")
        // Every acknowledged case is in the store, with its summary, and no summary twice.
        let stored = try DatabaseQueue(path: directory.appendingPathComponent("gridflow.sqlite").path).read { db in
            try Row.fetchAll(db, sql: "SELECT id, fields FROM cases WHERE workflow = 'report'").map {
                ($0["id"] as String, $0["fields"] as String)
            }
        }
        var summaries: [String: Int] = [:]
        var byID: [String: String] = [:]
        for (id, fields) in stored {
            let object = try JSONSerialization.jsonObject(with: Data(fields.utf8)) as? [String: Any]
            let summary = object?["summary"] as? String ?? ""
            summaries[summary, default: 0] += 1
            byID[id] = summary
        }
        for (id, summary) in acks {
            #expect(byID[id] == summary, "acknowledged \(id) (\(summary)) is stored")
        }
        #expect(summaries.values.allSatisfy { $0 == 1 }, "no request opened two cases")
    }

    @Test func aDaemonStartedAfterDowntimeFiresWhatFellDue() throws {
        // A case opened while no daemon ran, its timer due long ago.
        let opened = try gridflow(
            [
                "case", "open", "tour/report", "--as", "wang", "--set", "summary=x", "--now",
                "2024-07-01T09:00:00+08:00", "--json", "--root", root.path,
            ], in: directory)
        #expect(opened.status == 0, "\(opened.stderr)")
        let li = try token("tour", "li")
        let (process, base, _) = try start()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        var state = ""
        for _ in 0..<100 where state != "escalated" {
            Thread.sleep(forTimeInterval: 0.1)
            state = try http("GET", base, "/v1/cases/tour-report-1", token: li).body["state"] as? String ?? ""
        }
        #expect(state == "escalated")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test func eachStepIsOneLogLineWithItsRequestsIDAndNoFieldValue() throws {
        let wang = try token("tour", "wang")
        let li = try token("tour", "li")
        let log = directory.appendingPathComponent("serve.log")
        let (process, base, _) = try start(log: log)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        // Values that must never reach the log.
        let values = ["Summary-7f3a", "Answer-91c2", "Quick-55e0"]
        let opened = try http(
            "POST", base, "/v1/units/tour/cases", token: wang,
            body: #"{"workflow": "report", "fields": {"summary": "Summary-7f3a", "reporter": "@wang"}}"#)
        #expect(opened.status == 201)
        let id = try #require(opened.body["id"] as? String)
        let refused = try http(
            "POST", base, "/v1/cases/\(id)/events/answer", token: wang, body: #"{"fields": {"answer": "Answer-91c2"}}"#)
        #expect(refused.status == 422)
        let answered = try http(
            "POST", base, "/v1/cases/\(id)/events/answer", token: li, body: #"{"fields": {"answer": "Answer-91c2"}}"#)
        #expect(answered.status == 200)
        let stale = try http(
            "POST", base, "/v1/cases/\(id)/events/answer", token: li, body: #"{"fields": {"answer": "Answer-91c2"}}"#,
            headers: ["If-Match": "0"])
        #expect(stale.status == 409)
        // A bad request takes no step: no step line.
        #expect(
            try http("POST", base, "/v1/cases/\(id)/events/answer", token: li, body: #"{"fields": 1}"#).status == 400)
        let waiting = try http(
            "POST", base, "/v1/units/tour/cases", token: wang,
            body: #"{"workflow": "quick", "fields": {"summary": "Quick-55e0"}}"#)
        let second = try #require(waiting.body["id"] as? String)
        var state = ""
        for _ in 0..<100 where state != "escalated" {
            Thread.sleep(forTimeInterval: 0.2)
            state = try http("GET", base, "/v1/cases/\(second)", token: li).body["state"] as? String ?? ""
        }
        #expect(state == "escalated")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)

        let text = try String(contentsOf: log, encoding: .utf8)
        let lines = try text.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String], "\(line)")
        }
        let requests = lines.filter { $0["message"] == "request" }
        let steps = lines.filter { $0["message"] == "step" }
        // A line per step a request took, in order, each with its request's id.
        let taken = steps.filter { $0["by"] == "request" }
        #expect(
            taken.map { [$0["event"], $0["outcome"], $0["case"]] } == [
                ["open", "advanced", id], ["answer", "rejected", id], ["answer", "advanced", id],
                ["answer", "conflict", id], ["open", "advanced", second],
            ])
        #expect(taken.map { $0["code"] } == [nil, "not-permitted", nil, "version-mismatch", nil])
        #expect(taken.map { $0["version"] } == ["0", nil, "1", nil, "0"])
        for step in taken {
            #expect(step["unit"] == "tour" && step["duration_ms"] != nil && step["workflow"] != nil)
            let request = requests.filter { $0["request_id"] == step["request_id"] }
            #expect(request.count == 1, "the step's request line: \(step)")
            #expect(
                request.first?["route"]
                    == (step["event"] == "open" ? "/v1/units/{unit}/cases" : "/v1/cases/{id}/events/{event}"))
        }
        #expect(
            taken.compactMap { step in requests.first { $0["request_id"] == step["request_id"] }?["status"] } == [
                "201", "422", "200", "409", "201",
            ])
        // The scheduler's step: the timer that escalated the quick report.
        let fired = steps.filter { $0["by"] == "timer" }
        #expect(
            fired.map { [$0["case"], $0["event"], $0["outcome"], $0["unit"]] } == [
                [second, "overdue", "advanced", "tour"]
            ])
        #expect(fired.first?["request_id"] == nil)
        #expect(steps.count == taken.count + fired.count, "\(steps)")
        // No field value, no person's name, no refusal's message.
        for value in values + ["王", "wang\"", "not permitted", "discipline_staff may"] {
            #expect(!text.contains(value), "\(value) in the log")
        }
    }

    /// A keep-alive connection that tells an answer from a connection closed without one.
    final class KeepAlive {
        let socket: Int32
        var buffer: [UInt8] = []

        enum Outcome: Sendable {
            /// The status, and the case's id when the answer names one.
            case answered(status: Int, id: String?)
            /// The connection closed (or could not send) before an answer came.
            case closed
        }

        init?(port: Int) {
            socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard socket >= 0, connected == 0 else {
                close(socket)
                return nil
            }
        }

        deinit { close(socket) }

        func post(_ path: String, token: String, body: String) -> Outcome {
            let request = Array(
                ("POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n"
                    + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)").utf8)
            var sent = 0
            while sent < request.count {
                let n = request[sent...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard n > 0 else { return .closed }
                sent += n
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let text = String(decoding: buffer, as: UTF8.self)
                if let head = text.range(of: "\r\n\r\n") {
                    let headText = text[..<head.lowerBound]
                    let length =
                        headText.split(separator: "\r\n").compactMap { line -> Int? in
                            guard line.lowercased().hasPrefix("content-length:") else { return nil }
                            return Int(line.dropFirst(15).trimmingCharacters(in: .whitespaces))
                        }.first ?? 0
                    let headBytes = headText.utf8.count + 4
                    if buffer.count >= headBytes + length, let status = Int(headText.dropFirst(9).prefix(3)) {
                        let body = Data(buffer[headBytes..<(headBytes + length)])
                        buffer.removeFirst(headBytes + length)
                        let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
                        return .answered(status: status, id: object?["id"] as? String)
                    }
                }
                let n = recv(socket, &chunk, chunk.count, 0)
                guard n > 0 else { return .closed }
                buffer += chunk[..<n]
            }
        }
    }

    @Test func sigtermUnderLoadFailsNoRequestInFlightAndLosesNothing() throws {
        let wang = try token("tour", "wang")
        let li = try token("tour", "li")
        let (process, base, _) = try start()
        let port = try #require(base.port)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        // Eight clients, each on a keep-alive connection (a new one when the daemon closes it),
        // open a report with a unique summary and answer it, in a loop, until the daemon is gone.
        enum Sent {
            case open(summary: String)
            case answer(id: String)
        }
        let outcomes = Mutex<[(Sent, KeepAlive.Outcome)]>([])
        let acknowledgedBeforeStop = Atomic<Int>(0)
        let stopping = Atomic<Bool>(false)
        let group = DispatchGroup()
        for client in 0..<8 {
            DispatchQueue.global().async(group: group) {
                var count = 0
                var connection = KeepAlive(port: port)
                while let open = connection {
                    count += 1
                    let summary = "client \(client) report \(count)"
                    let opened = open.post(
                        "/v1/units/tour/cases", token: wang,
                        body: #"{"workflow": "report", "fields": {"summary": "\#(summary)"}}"#)
                    outcomes.withLock { $0.append((.open(summary: summary), opened)) }
                    guard case .answered(201, let id?) = opened else {
                        // A 503 or a closed connection: the daemon is stopping; try a new connection.
                        connection = KeepAlive(port: port)
                        continue
                    }
                    if !stopping.load(ordering: .relaxed) { acknowledgedBeforeStop.add(1, ordering: .relaxed) }
                    let answered = open.post(
                        "/v1/cases/\(id)/events/answer", token: li, body: #"{"fields": {"answer": "Done."}}"#)
                    outcomes.withLock { $0.append((.answer(id: id), answered)) }
                    if case .answered(200, _) = answered { continue }
                    connection = KeepAlive(port: port)
                }
            }
        }
        for _ in 0..<600 where acknowledgedBeforeStop.load(ordering: .relaxed) < 40 {
            Thread.sleep(forTimeInterval: 0.05)
        }
        stopping.store(true, ordering: .relaxed)
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        group.wait()

        // What the store holds: the reports by summary, and their states.
        let stored = try DatabaseQueue(path: directory.appendingPathComponent("gridflow.sqlite").path).read { db in
            try Row.fetchAll(db, sql: "SELECT id, state, fields FROM cases WHERE workflow = 'report'").map {
                ($0["id"] as String, $0["state"] as String, $0["fields"] as String)
            }
        }
        var bySummary: [String: [String]] = [:]
        var states: [String: String] = [:]
        for (id, state, fields) in stored {
            let object = try JSONSerialization.jsonObject(with: Data(fields.utf8)) as? [String: Any]
            bySummary[object?["summary"] as? String ?? "", default: []].append(id)
            states[id] = state
        }
        let all = outcomes.withLock { $0 }
        var statuses: [Int: Int] = [:]
        var closed = 0
        for (sent, outcome) in all {
            switch (sent, outcome) {
            case (.open(let summary), .answered(201, let id)):
                #expect(bySummary[summary] == [id ?? "?"], "acknowledged \(summary) stored once")
            case (.open(let summary), _):
                #expect(bySummary[summary] == nil, "\(summary), not acknowledged, opened nothing")
            case (.answer(let id), .answered(200, _)):
                #expect(states[id] == "answered", "acknowledged answer to \(id) stored")
            case (.answer(let id), _):
                #expect(states[id] == "submitted", "the unacknowledged answer to \(id) took no step")
            }
            switch outcome {
            case .answered(let status, _): statuses[status, default: 0] += 1
            case .closed: closed += 1
            }
        }
        // Every request had an answer of success or 503, or its connection closed unanswered.
        #expect(Set(statuses.keys).isSubset(of: [200, 201, 503]), "\(statuses)")
        #expect((statuses[201] ?? 0) >= 40)
        // Nothing is stored that no request opened.
        let sentSummaries = Set(all.compactMap { if case .open(let summary) = $0.0 { summary } else { nil } })
        #expect(bySummary.keys.allSatisfy { sentSummaries.contains($0) })
        print("SIGTERM under load: \(statuses) answers, \(closed) closed unanswered")
    }
}
