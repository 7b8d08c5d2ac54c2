import Foundation
import GRDB
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Notifications through the daemon: each holder's inbox over HTTP, read marks, and the unit's
/// webhooks — signed, retried with backoff, a delivery that keeps failing an incident an
/// administrator retries. The receiver is a real HTTP server on loopback (Python's).
@Suite struct NotificationServeTests {
    static let key = "whsec-test-3f9a1c"

    /// An HTTP server that logs each POST (path, headers, body, whether the signature checks)
    /// as a JSON line and answers `/flaky` with 500 the first time, 200 after.
    static let receiver = #"""
        import hashlib, hmac, json, os, sys
        from http.server import BaseHTTPRequestHandler, HTTPServer
        log, key, seen = sys.argv[1], os.environ["GRIDFLOW_TEST_WEBHOOK_KEY"].encode(), {}
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                parts = dict(p.split("=", 1) for p in self.headers.get("Gridflow-Signature", "").split(","))
                expected = hmac.new(key, parts.get("t", "").encode() + b"." + body, hashlib.sha256).hexdigest()
                seen[self.path] = seen.get(self.path, 0) + 1
                status = 500 if self.path == "/flaky" and seen[self.path] == 1 else 200
                with open(log, "a") as f:
                    f.write(json.dumps({"path": self.path, "status": status,
                        "delivery": self.headers.get("Gridflow-Delivery"),
                        "signed": hmac.compare_digest(expected, parts.get("v1", "")),
                        "body": body.decode()}) + "\n")
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
            def log_message(self, *args): pass
        server = HTTPServer(("127.0.0.1", 0), Handler)
        print(server.server_port, flush=True)
        server.serve_forever()
        """#

    /// A port nothing listens on.
    static func closedPort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    func lines(_ log: URL) -> [[String: Any]] {
        ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    @Test func holdersReadTheirNotificationsAndWebhooksGetThemSignedRetriedOrAsAnIncident() throws {
        let serve = try ServeTests()
        setenv("GRIDFLOW_TEST_WEBHOOK_KEY", Self.key, 1)
        let script = serve.directory.appendingPathComponent("receiver.py")
        try Self.receiver.write(to: script, atomically: true, encoding: .utf8)
        let log = serve.directory.appendingPathComponent("received.jsonl")
        let receiver = Process()
        receiver.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        receiver.arguments = ["python3", script.path, log.path]
        let output = Pipe()
        receiver.standardOutput = output
        try receiver.run()
        defer { if receiver.isRunning { kill(receiver.processIdentifier, SIGKILL) } }
        let port = try #require(
            String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines).nonEmpty.flatMap { Int($0) })
        let dead = try Self.closedPort()

        // Deployment 2 of the tour: a bot for the discipline staff's notifications, and one
        // whose endpoint is down.
        let unitFile = serve.root.appendingPathComponent("Workflows/tour/unit.yaml")
        try
            (String(contentsOf: unitFile, encoding: .utf8) + """
                webhooks:
                  bot:
                    url: http://127.0.0.1:\(port)/flaky
                    secret_env: GRIDFLOW_TEST_WEBHOOK_KEY
                    roles: [discipline_staff]
                    attempts: 3
                    backoff: 1s
                  down:
                    url: http://127.0.0.1:\(dead)/hook
                    secret_env: GRIDFLOW_TEST_WEBHOOK_KEY
                    attempts: 2
                    backoff: 1s

                """).write(to: unitFile, atomically: true, encoding: .utf8)
        let deployed = try gridflow(["deploy", "tour", "--root", serve.root.path], in: serve.directory)
        #expect(deployed.status == 0, "\(deployed.stderr)")

        let wang = try serve.token("tour", "wang")
        let li = try serve.token("tour", "li")
        let admin = try serve.token("tour", "li", admin: true)
        let zhang = try serve.token("oilfield", "zhang")
        let (process, base, _) = try serve.start()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        // The quick report escalates after two seconds and notifies the discipline staff.
        let opened = try serve.http(
            "POST", base, "/v1/units/tour/cases", token: wang,
            body: #"{"workflow": "quick", "fields": {"summary": "Overtime unpaid at team A", "reporter": "@wang"}}"#)
        let id = try #require(opened.body["id"] as? String, "\(opened.body)")
        var inbox: [[String: Any]] = []
        for _ in 0..<100 where inbox.isEmpty {
            Thread.sleep(forTimeInterval: 0.2)
            inbox =
                try serve.http("GET", base, "/v1/notifications", token: li).body["notifications"] as? [[String: Any]]
                ?? []
        }
        #expect(inbox.map { $0["case_id"] as? String } == [id])
        let notice = try #require(inbox.first)
        #expect(
            notice["role"] as? String == "discipline_staff" && notice["message"] as? String == "A report is overdue")
        #expect(notice["read"] as? Bool == false)
        let number = try #require(notice["id"] as? Int)
        // Not the reporter's, not another unit's: empty, and reading it is not found.
        #expect(
            (try serve.http("GET", base, "/v1/notifications", token: wang).body["notifications"] as? [Any])?.isEmpty
                == true)
        #expect(
            (try serve.http("GET", base, "/v1/notifications", token: zhang).body["notifications"] as? [Any])?.isEmpty
                == true)
        #expect(try serve.http("POST", base, "/v1/notifications/\(number)/read", token: wang).status == 404)
        #expect(try serve.http("POST", base, "/v1/notifications/\(number)/read", token: zhang).status == 404)
        #expect(try serve.http("GET", base, "/v1/notifications?unread=maybe", token: li).status == 400)
        let read = try serve.http("POST", base, "/v1/notifications/\(number)/read", token: li)
        #expect(read.status == 200 && read.body["read"] as? Bool == true, "\(read.body)")
        #expect(
            (try serve.http("GET", base, "/v1/notifications?unread=true", token: li).body["notifications"] as? [Any])?
                .isEmpty == true)

        // The bot: refused once (500), delivered on the retry a second later; both tries signed
        // with the key, under one delivery id, carrying no field of the case.
        var received: [[String: Any]] = []
        for _ in 0..<100 where received.filter({ $0["path"] as? String == "/flaky" }).count < 2 {
            Thread.sleep(forTimeInterval: 0.2)
            received = lines(log)
        }
        let bot = received.filter { $0["path"] as? String == "/flaky" }
        #expect(bot.map { $0["status"] as? Int } == [500, 200])
        #expect(bot.allSatisfy { $0["signed"] as? Bool == true && $0["delivery"] as? String == "\(number)-bot" })
        let body = try #require(
            try JSONSerialization.jsonObject(with: Data((bot.last?["body"] as? String ?? "").utf8)) as? [String: Any])
        #expect(body["type"] as? String == "notification" && body["case_id"] as? String == id)
        #expect(body["role"] as? String == "discipline_staff" && body["message"] as? String == "A report is overdue")
        #expect(body["attempt"] as? Int == 2 && body["unit"] as? String == "tour")
        #expect(
            !(bot.last?["body"] as? String ?? "").contains("Overtime")
                && !(bot.last?["body"] as? String ?? "").contains("wang"))

        // The endpoint that is down: two attempts, then an incident of the case.
        func failed() throws -> [[String: Any]] {
            (try serve.http("GET", base, "/v1/incidents", token: admin).body["incidents"] as? [[String: Any]] ?? [])
                .filter { $0["code"] as? String == "webhook-failed" }
        }
        var incidents: [[String: Any]] = []
        for _ in 0..<100 where incidents.isEmpty {
            Thread.sleep(forTimeInterval: 0.2)
            incidents = try failed()
        }
        let incident = try #require(incidents.first)
        #expect(incident["case_id"] as? String == id)
        #expect(
            (incident["message"] as? String)?.contains(
                "webhook 'down': notification #\(number) not delivered after 2 attempts") == true, "\(incident)")
        // A person may not retry it; the administrator queues it again, and it fails again.
        let incidentID = try #require(incident["id"] as? Int)
        #expect(try serve.http("POST", base, "/v1/incidents/\(incidentID)/retry", token: li).status == 403)
        let retried = try serve.http("POST", base, "/v1/incidents/\(incidentID)/retry", token: admin)
        #expect(retried.status == 200, "\(retried.body)")
        var again: [[String: Any]] = []
        for _ in 0..<100 where again.first?["id"] as? Int == nil || again.first?["id"] as? Int == incidentID {
            Thread.sleep(forTimeInterval: 0.2)
            again = try failed()
        }
        #expect(
            again.count == 1 && again.first?["id"] as? Int != incidentID, "the first is resolved, a second recorded")

        let metrics = try serve.http("GET", base, "/metrics").text
        #expect(metrics.contains(#"gridflow_webhook_attempts_total{unit="tour",outcome="delivered"} 1"#), "\(metrics)")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)

        // Recorded once each: one notification, the bot's delivery done after two tries.
        let store = try DatabaseQueue(path: serve.directory.appendingPathComponent("gridflow.sqlite").path)
        let rows = try store.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT webhook, attempts, done_at IS NOT NULL AS done FROM webhook_deliveries ORDER BY webhook"
            ).map { "\($0["webhook"] as String) \($0["attempts"] as Int) \($0["done"] as Bool)" }
        }
        #expect(rows == ["bot 2 true", "down 2 false"])
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notifications") } == 1)
    }
}

extension String {
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
