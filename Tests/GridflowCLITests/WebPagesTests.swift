import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The daemon's pages: sign-in links, sessions and CSRF over plain HTTP, and the whole flow in
/// headless Chromium driven by Selenium (Tests/Browser/web_flow.py).
@Suite(.serialized) struct WebPagesTests: Workspace {
    let directory: URL
    let root: URL

    /// The tour unit deployed: wang and zhou employees, li of the discipline office.
    init() throws {
        directory = try Self.makeFolder("web")
        let copy = try Self.copyOfTour(in: directory)
        root = copy.root
        let people = directory.appendingPathComponent("people.json")
        try
            #"[{"id": "wang", "name": "王", "roles": ["employee"]}, {"id": "zhou", "name": "周", "roles": ["employee"]}, {"id": "li", "name": "李", "roles": ["discipline_staff"]}]"#
            .write(to: people, atomically: true, encoding: .utf8)
        #expect(
            try gridflow(["people", "import", "tour", people.path, "--root", root.path], in: directory).status == 0)
        #expect(try gridflow(["deploy", "tour", "--root", root.path], in: directory).status == 0)
    }

    /// An answer over HTTP, redirects not followed.
    struct Answer {
        var status: Int
        /// Header values by lowercased name.
        var headers: [String: [String]]
        var body: String

        func header(_ name: String) -> String? { headers[name]?.first }
    }

    /// One request over a socket of its own (HTTP/1.1, `Connection: close`).
    static func request(
        _ port: Int, _ method: String, _ path: String, headers: [String: String] = [:], body: String = ""
    ) throws -> Answer {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if method == "POST" {
            text += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n"
        }
        text += "\r\n" + body
        let answer = try loopbackExchange(port: port, text)
        guard let head = answer.range(of: "\r\n\r\n"), answer.hasPrefix("HTTP/1.1 "),
            let status = Int(answer.dropFirst(9).prefix(3))
        else { throw POSIXError(.EBADMSG) }
        var fields: [String: [String]] = [:]
        for line in answer[..<head.lowerBound].split(separator: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased(), default: []].append(
                line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var body = String(answer[head.upperBound...])
        // A chunked body: the chunks' text joined (the pages are small).
        if fields["transfer-encoding"]?.first == "chunked" {
            var rest = Substring(body)
            var joined = ""
            while let end = rest.range(of: "\r\n"), let size = Int(rest[..<end.lowerBound], radix: 16), size > 0 {
                let start = rest.utf8.index(end.upperBound, offsetBy: 0)
                let stop = rest.utf8.index(start, offsetBy: size)
                joined += String(rest[start..<stop])
                rest = rest[stop...].dropFirst(2)
            }
            body = joined
        }
        return Answer(status: status, headers: fields, body: body)
    }

    /// Starts the daemon on a free port; returns it and its port.
    func start(environment: [String: String] = [:]) throws -> (Process, Int) {
        let process = Process()
        process.executableURL = gridflowBinary
        process.arguments = ["serve", "--listen", "127.0.0.1:0"]
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = ""
        let handle = output.fileHandleForReading
        while !line.contains("\n") {
            let data = handle.availableData
            guard !data.isEmpty else { break }
            line += String(decoding: data, as: UTF8.self)
        }
        let found = try #require(line.range(of: "http://127.0.0.1:"), "the daemon said: \(line)")
        return (process, try #require(Int(line[found.upperBound...].prefix { $0.isNumber })))
    }

    /// A sign-in link for `person` (the last line `gridflow signin-link` prints).
    func link(_ person: String, base: String, extra: [String] = []) throws -> String {
        let run = try gridflow(
            ["signin-link", "--unit", "tour", "--person", person, "--base-url", base] + extra, in: directory)
        #expect(run.status == 0, "\(run.stderr)")
        return try #require(run.stdout.split(separator: "\n").last.map(String.init))
    }

    /// The path and query of a link.
    static func path(_ link: String) throws -> String {
        let url = try #require(URLComponents(string: link))
        return url.path + (url.query.map { "?" + $0 } ?? "")
    }

    /// Opens a report as wang through the CLI: its id.
    func openReport(_ summary: String) throws -> String {
        let fields = try write(
            "report-\(UUID().uuidString).json",
            "{\"summary\": \(String(data: try JSONSerialization.data(withJSONObject: summary, options: .fragmentsAllowed), encoding: .utf8)!), \"reporter\": {\"id\": \"wang\"}}"
        )
        let run = try gridflow(
            ["case", "open", "tour/report", "--as", "wang", "--data", fields, "--json"], in: directory)
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        return try #require(object["id"] as? String)
    }

    /// Signs in with a fresh link: the session cookie (`name=value`).
    func signIn(_ person: String, port: Int) throws -> String {
        let link = try link(person, base: "http://127.0.0.1:\(port)")
        let answer = try Self.request(port, "GET", try Self.path(link))
        #expect(answer.status == 303 && answer.header("location") == "/")
        let cookie = try #require(answer.header("set-cookie"))
        return String(try #require(cookie.split(separator: ";").first))
    }

    /// The CSRF token in a page's forms.
    static func csrf(_ page: String) throws -> String {
        let marker = "name=\"_csrf\" value=\""
        let start = try #require(page.range(of: marker))
        return String(page[start.upperBound...].prefix { $0 != "\"" })
    }

    @Test func signInLinksOpenASessionOnceCookiesAreHttpOnlyAndEveryFormNeedsItsCSRFToken() throws {
        let id = try openReport("The allowance is <script>alert(1)</script> late")
        let (process, port) = try start()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        // Not signed in: a page that says how to sign in, no task.
        let anonymous = try Self.request(port, "GET", "/")
        #expect(anonymous.status == 200 && anonymous.body.contains("You are not signed in"))
        #expect(anonymous.header("content-type") == "text/html; charset=utf-8")
        #expect(try Self.request(port, "GET", "/cases/\(id)").status == 401)

        // A link signs in once: a session cookie, HttpOnly, SameSite=Lax, not Secure over http.
        let link = try link("li", base: "http://127.0.0.1:\(port)")
        #expect(link.hasPrefix("http://127.0.0.1:\(port)/signin?code="))
        let first = try Self.request(port, "GET", try Self.path(link))
        #expect(first.status == 303 && first.header("location") == "/")
        let setCookie = try #require(first.header("set-cookie"))
        #expect(setCookie.hasPrefix("gridflow_session="))
        for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
            #expect(setCookie.contains(attribute), "\(setCookie)")
        }
        #expect(!setCookie.contains("Secure"))
        let again = try Self.request(port, "GET", try Self.path(link))
        #expect(again.status == 410 && again.body.contains("used already"), "\(again.body)")
        #expect(again.header("set-cookie") == nil)
        // An expired link, an unknown one, none.
        let old = try self.link("li", base: "http://127.0.0.1:\(port)", extra: ["--now", "2024-07-01T09:00:00+08:00"])
        let expired = try Self.request(port, "GET", try Self.path(old))
        #expect(expired.status == 410 && expired.body.contains("expired"), "\(expired.body)")
        #expect(try Self.request(port, "GET", "/signin?code=" + String(repeating: "a", count: 64)).status == 404)
        #expect(try Self.request(port, "GET", "/signin?code=nonsense").status == 404)
        #expect(try Self.request(port, "GET", "/signin").status == 400)
        // Nobody else's link: no person, no link.
        let nobody = try gridflow(
            ["signin-link", "--unit", "tour", "--person", "zhang", "--base-url", "http://x.example"], in: directory)
        #expect(nobody.status == 1 && nobody.stderr.contains("no person 'zhang'"), "\(nobody.stderr)")

        // Signed in: the inbox lists the task; the case page escapes what the report says.
        let cookie = String(try #require(setCookie.split(separator: ";").first))
        let inbox = try Self.request(port, "GET", "/", headers: ["Cookie": cookie])
        #expect(inbox.status == 200 && inbox.body.contains("data-case=\"\(id)\""), "\(inbox.body)")
        #expect(inbox.body.contains("Answer the report"))
        let page = try Self.request(port, "GET", "/cases/\(id)", headers: ["Cookie": cookie])
        #expect(page.status == 200)
        #expect(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !page.body.contains("<script>"))
        #expect(page.header("content-security-policy")?.contains("default-src 'none'") == true)
        let token = try Self.csrf(page.body)

        // A POST without the session's CSRF token is refused (403), and nothing happens.
        for body in ["_version=0&answer=Paid", "_csrf=\(String(repeating: "0", count: 64))&_version=0&answer=Paid"] {
            let refused = try Self.request(
                port, "POST", "/cases/\(id)/events/answer", headers: ["Cookie": cookie], body: body)
            #expect(refused.status == 403 && refused.body.contains("CSRF"), "\(refused.body)")
        }
        // Without a session at all: the sign-in page (401).
        #expect(
            try Self.request(port, "POST", "/cases/\(id)/events/answer", body: "_csrf=\(token)&_version=0").status
                == 401)
        // A stale version is a conflict; an empty answer is refused by the guard (422) with why.
        let stale = try Self.request(
            port, "POST", "/cases/\(id)/events/answer", headers: ["Cookie": cookie],
            body: "_csrf=\(token)&_version=3&answer=Paid")
        #expect(stale.status == 409 && stale.body.contains("not 3"), "\(stale.body)")
        let empty = try Self.request(
            port, "POST", "/cases/\(id)/events/answer", headers: ["Cookie": cookie], body: "_csrf=\(token)&_version=0")
        #expect(empty.status == 422 && empty.body.contains("has(case.answer)"), "\(empty.body)")
        let unknown = try Self.request(
            port, "POST", "/cases/\(id)/events/answer", headers: ["Cookie": cookie],
            body: "_csrf=\(token)&_version=0&anser=Paid")
        #expect(unknown.status == 400 && unknown.body.contains("no field &#39;anser&#39;"), "\(unknown.body)")
        // With the token: the step, then back to the case (303).
        let answered = try Self.request(
            port, "POST", "/cases/\(id)/events/answer", headers: ["Cookie": cookie],
            body: "_csrf=\(token)&_version=0&answer=Paid+on+Friday")
        #expect(answered.status == 303 && answered.header("location") == "/cases/\(id)", "\(answered.body)")
        let after = try Self.request(port, "GET", "/cases/\(id)", headers: ["Cookie": cookie])
        #expect(after.body.contains("data-state=\"answered\"") && after.body.contains("Paid on Friday"))

        // Signing out needs the token too; then the cookie is cleared and the session gone.
        #expect(try Self.request(port, "POST", "/signout", headers: ["Cookie": cookie]).status == 403)
        let out = try Self.request(port, "POST", "/signout", headers: ["Cookie": cookie], body: "_csrf=\(token)")
        #expect(out.status == 303 && out.header("set-cookie")?.contains("Max-Age=0") == true)
        let gone = try Self.request(port, "GET", "/", headers: ["Cookie": cookie])
        #expect(gone.body.contains("You are not signed in"))
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()

        // Behind an https public URL the cookie is Secure.
        let (secure, securePort) = try start(environment: ["GRIDFLOW_PUBLIC_URL": "https://gridflow.example.org"])
        defer { if secure.isRunning { kill(secure.processIdentifier, SIGKILL) } }
        let secureLink = try self.link("li", base: "https://gridflow.example.org")
        let signedIn = try Self.request(securePort, "GET", try Self.path(secureLink))
        #expect(signedIn.header("set-cookie")?.hasSuffix("; Secure") == true, "\(signedIn.headers)")
    }

    @Test func anotherEmployeeSeesTheCaseWithoutWhoReported() throws {
        let id = try openReport("Overtime was not paid")
        let (process, port) = try start()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let zhou = try signIn("zhou", port: port)
        let page = try Self.request(port, "GET", "/cases/\(id)", headers: ["Cookie": zhou])
        #expect(page.status == 200)
        #expect(page.body.contains("data-field=\"reporter\" data-hidden=\"true\""), "\(page.body)")
        #expect(!page.body.contains("王") && !page.body.contains("wang"), "\(page.body)")
        #expect(!page.body.contains("class=\"event\""), "zhou may send no event")
        #expect(page.body.contains("Overtime was not paid"))
        // zhou has no task; li's inbox has it.
        #expect(!(try Self.request(port, "GET", "/", headers: ["Cookie": zhou]).body.contains("data-case=")))
    }

    @Test func theDisciplineOfficeAnswersThroughThePagesInChromium() throws {
        let id = try openReport("The allowance is late")
        let (process, port) = try start()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let base = "http://127.0.0.1:\(port)"
        let artefacts = directory.appendingPathComponent("artefacts")
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = [
            "python3", packageRoot.appendingPathComponent("Tests/Browser/web_flow.py").path, base, id,
            try link("li", base: base), try link("zhou", base: base), artefacts.path,
        ]
        let run = try runToEnd(python)
        #expect(
            run.status == 0,
            "the browser flow failed (screenshots under \(artefacts.path)):\n\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("web flow: all steps passed"))
    }
}
