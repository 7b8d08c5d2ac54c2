import Foundation
import GRDB
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The report form of an org node (`/units/{unit}/report/{node}`) and its receipts, over plain
/// HTTP: the oilfield deployed with a worker, the plant's discipline committee, two department
/// handlers and the discipline office.
@Suite(.serialized) struct ReportFormTests: Workspace {
    let directory: URL

    init() throws {
        directory = try Self.makeFolder("report-form")
        func person(_ id: String, _ name: String, _ roles: [String], _ department: String) -> String {
            #"{"id": "\#(id)", "name": "\#(name)", "roles": [\#(roles.map { "\"\($0)\"" }.joined(separator: ", "))], "team": "opp_area_1_station_1", "department": "\#(department)"}"#
        }
        let people = try write(
            "people.json",
            "["
                + [
                    person("wang", "王强", ["employee"], "production"),
                    person("zhang", "张伟", ["plant_discipline_committee"], "discipline_committee"),
                    person("li", "李娜", ["department_handler"], "hr"),
                    person("sun", "孙磊", ["department_handler"], "production"),
                    person("chen", "陈静", ["discipline_office_staff"], "discipline_office"),
                ].joined(separator: ", ") + "]")
        #expect(try gf(["people", "import", "oilfield", people]).status == 0)
        for unit in ["oilfield", "telecom", "tour"] { #expect(try gf(["deploy", unit]).status == 0) }
    }

    typealias Answer = WebPagesTests.Answer

    func request(
        _ port: Int, _ method: String, _ path: String, cookies: [String] = [], body: String = ""
    ) throws -> Answer {
        try WebPagesTests.request(
            port, method, path, headers: cookies.isEmpty ? [:] : ["Cookie": cookies.joined(separator: "; ")],
            body: body)
    }

    /// Starts the daemon on a free port; returns it and its port.
    func start() throws -> (Process, Int) {
        let process = Process()
        process.executableURL = gridflowBinary
        process.arguments = ["serve", "--listen", "127.0.0.1:0"]
        process.currentDirectoryURL = directory
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

    /// Signs `person` in with a fresh link: the session cookie (`name=value`).
    func signIn(_ person: String, port: Int) throws -> String {
        let run = try gridflow(
            ["signin-link", "--unit", "oilfield", "--person", person, "--base-url", "http://127.0.0.1:\(port)"],
            in: directory)
        #expect(run.status == 0, "\(run.stderr)")
        let link = try #require(run.stdout.split(separator: "\n").last.map(String.init))
        let answer = try request(port, "GET", try WebPagesTests.path(link))
        #expect(answer.status == 303)
        return String(try #require(answer.header("set-cookie")?.split(separator: ";").first))
    }

    /// The `name=value` of a `Set-Cookie` answer.
    static func cookie(_ answer: Answer) throws -> String {
        String(try #require(answer.header("set-cookie")?.split(separator: ";").first))
    }

    /// The value of the first hidden input `name` in a page.
    static func hidden(_ name: String, in page: String) throws -> String {
        let marker = "name=\"\(name)\" value=\""
        let start = try #require(page.range(of: marker), "no \(name) in \(page)")
        return String(page[start.upperBound...].prefix { $0 != "\"" })
    }

    /// The report form's CSRF token (a signed-in page has the session's first, in the sign-out form).
    static func formToken(_ page: String) throws -> String {
        let form = try #require(page.range(of: "id=\"report-form\""), "no report form in \(page)")
        return try hidden("_csrf", in: String(page[form.upperBound...]))
    }

    static func encoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// Takes `event` on case `id` through its case page as the person of `session`.
    func step(_ port: Int, _ id: String, _ event: String, _ session: String, _ fields: [String: String] = [:])
        throws -> Answer
    {
        let page = try request(port, "GET", "/cases/\(id)", cookies: [session])
        #expect(page.body.contains("data-event=\"\(event)\""), "\(event) is offered: \(page.body)")
        let body =
            (["_csrf": try WebPagesTests.csrf(page.body), "_version": try Self.hidden("_version", in: page.body)]
            .merging(fields) { $1 })
            .map { "\($0.key)=\(Self.encoded($0.value))" }.joined(separator: "&")
        return try request(port, "POST", "/cases/\(id)/events/\(event)", cookies: [session], body: body)
    }

    @Test func anAnonymousWorkerReportsByTheQRFormFollowsItByTheReceiptAndRatesTheAnswer() throws {
        let (process, port) = try start()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let path = "/units/oilfield/report/opp_area_1_station_1"

        // The form: in Chinese, from the issue workflow's fields required at opening, the node read-only.
        let form = try request(port, "GET", path)
        #expect(form.status == 200, "\(form.body)")
        #expect(form.body.contains("<html lang=\"zh"), "\(form.body.prefix(300))")
        for text in [
            "监督问题反映", "反映渠道 (必填)", "<option value=\"qr_code\">码上监督</option>", "问题描述 (必填)",
            "涉及班站: <strong id=\"node\" data-node=\"opp_area_1_station_1\">", "匿名反映", "如需实名反映，请先用登录链接登录。",
        ] {
            #expect(form.body.contains(text), "\(text) in \(form.body)")
        }
        // Not asked: what the committee classifies later, the reporter, the team.
        for name in ["area", "report_type", "reporter", "team", "response"] {
            #expect(!form.body.contains("name=\"\(name)\""), "\(name) is not asked")
        }
        let formCookie = try Self.cookie(form)
        #expect(formCookie.hasPrefix("gridflow_form="))
        for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=7200"] {
            #expect(form.header("set-cookie")?.contains(attribute) == true)
        }
        let token = try WebPagesTests.csrf(form.body)
        let fields = "channel=qr_code&description=" + Self.encoded("采油一站夜班补贴6月未发放")

        // CSRF even without an account: no cookie, another token, another cookie — refused, nothing opened.
        let other = try Self.cookie(try request(port, "GET", path))
        for (cookies, body) in [
            ([String](), "_csrf=\(token)&_identity=anonymous&" + fields),
            ([formCookie], "_csrf=\(String(repeating: "0", count: 64))&_identity=anonymous&" + fields),
            ([other], "_csrf=\(token)&_identity=anonymous&" + fields),
            ([formCookie], "_identity=anonymous&" + fields),
        ] {
            let refused = try request(port, "POST", path, cookies: cookies, body: body)
            #expect(refused.status == 403 && refused.body.contains("表单被拒绝"), "\(refused.body)")
        }
        // A missing required field, a field the form has none of: the form again, saying why.
        let missing = try request(
            port, "POST", path, cookies: [formCookie], body: "_csrf=\(token)&_identity=anonymous&channel=qr_code")
        #expect(missing.status == 422 && missing.body.contains("description"), "\(missing.body)")
        let smuggled = try request(
            port, "POST", path, cookies: [formCookie],
            body: "_csrf=\(token)&_identity=anonymous&reporter=zhang&" + fields)
        #expect(smuggled.status == 400 && smuggled.body.contains("no field &#39;reporter&#39;"), "\(smuggled.body)")
        // Real name without signing in: refused.
        let unsigned = try request(
            port, "POST", path, cookies: [formCookie], body: "_csrf=\(token)&_identity=real_name&" + fields)
        #expect(unsigned.status == 401, "\(unsigned.body)")
        #expect(try request(port, "GET", "/units/oilfield/report/nowhere").status == 404)
        // The telecom's issue is started by employees only: its form asks to sign in, with no form to send.
        let telecom = try request(port, "GET", "/units/telecom/report/haicheng_central_grid")
        #expect(telecom.status == 200 && telecom.body.contains("此表单只受理实名反映"), "\(telecom.body)")
        #expect(!telecom.body.contains("id=\"report-form\""))
        // The tour has no workflow with an optional opener placed at an org node: no form.
        let tour = try request(port, "GET", "/units/tour/report/anywhere")
        #expect(tour.status == 404 && tour.body.contains("has no report form"), "\(tour.body)")
        #expect(try request(port, "GET", "/units/nounit/report/opp_area_1_station_1").status == 404)

        // Sent: a receipt code, and the receipt page to follow it.
        let sent = try request(
            port, "POST", path, cookies: [formCookie], body: "_csrf=\(token)&_identity=anonymous&" + fields)
        #expect(sent.status == 303, "\(sent.body)")
        let location = try #require(sent.header("location"))
        #expect(location.hasPrefix("/receipts/") && location.hasSuffix("?new=1"), "\(location)")
        let code = String(location.dropFirst("/receipts/".count).prefix { $0 != "?" })
        #expect(code.count == 23 && code.split(separator: "-").count == 4, "\(code)")
        let receipt = try request(port, "GET", location)
        #expect(receipt.status == 200, "\(receipt.body)")
        for text in ["您的反映已提交。", code, "data-state=\"submitted\">待分类", "采油一站夜班补贴6月未发放", "码上监督"] {
            #expect(receipt.body.contains(text), "\(text) in \(receipt.body)")
        }
        #expect(!receipt.body.contains("class=\"event\""), "nothing to rate yet")
        // The code as typed: lower case, without hyphens, still the receipt; another code is not.
        let typed = code.lowercased().replacingOccurrences(of: "-", with: "")
        let again = try request(port, "GET", "/receipts/\(typed)")
        #expect(again.status == 200 && again.body.contains("href=\"/receipts/\(code)\""), "\(again.body)")
        #expect(try request(port, "GET", "/receipts/AAAAA-AAAAA-AAAAA-AAAAA").status == 404)
        #expect(try request(port, "GET", "/receipts/nonsense").status == 404)
        // The store keeps the code's hash, not the code.
        let rows = try DatabaseQueue(path: directory.appendingPathComponent("gridflow.sqlite").path).read { db in
            try Row.fetchAll(db, sql: "SELECT code_sha256, case_id FROM report_receipts")
        }
        #expect(rows.count == 1)
        let stored: String = try #require(rows.first)["code_sha256"]
        #expect(stored.count == 64 && !stored.contains(code.replacingOccurrences(of: "-", with: "")))

        // The committee classifies, hr claims and rectifies, the office answers — by the case pages.
        let zhang = try signIn("zhang", port: port)
        let inbox = try request(port, "GET", "/", cookies: [zhang]).body
        let marker = try #require(inbox.range(of: "data-case=\""), "\(inbox)")
        let id = String(inbox[marker.upperBound...].prefix { $0 != "\"" })
        let classified = try step(
            port, id, "classify", zhang,
            ["area": "vital_interests", "report_type": "problem", "classification_note": "员工切身利益"])
        #expect(classified.status == 303, "\(classified.body)")
        // The case page names who reported as hidden even from the committee: it was anonymous.
        let seen = try request(port, "GET", "/cases/\(id)", cookies: [zhang]).body
        #expect(!seen.contains("data-field=\"reporter\"") || seen.contains("data-hidden=\"true\""), "\(seen)")
        let li = try signIn("li", port: port)
        #expect(try step(port, id, "claim", li).status == 303)
        #expect(try step(port, id, "rectify", li, ["handling_note": "已补发6月夜班补贴"]).status == 303)
        let chen = try signIn("chen", port: port)
        #expect(try step(port, id, "answer", chen, ["response": "夜班补贴已补发。"]).status == 303)

        // The receipt shows the answer and offers the rating, to whoever holds the code.
        let waiting = try request(port, "GET", "/receipts/\(code)", cookies: [formCookie])
        for text in [
            "data-state=\"awaiting_feedback\"", "夜班补贴已补发。", "data-event=\"confirm\"", "data-event=\"reopen\"", "满意度",
        ] {
            #expect(waiting.body.contains(text), "\(text) in \(waiting.body)")
        }
        // What everyone on the case may read (the handler is named to all), not who reported.
        #expect(waiting.body.contains("data-field=\"handler\">李娜 (li)"), "\(waiting.body)")
        #expect(!waiting.body.contains("data-field=\"reporter\""), "\(waiting.body)")
        let receiptToken = try WebPagesTests.csrf(waiting.body)
        let version = try Self.hidden("_version", in: waiting.body)
        #expect(
            try request(
                port, "POST", "/receipts/\(code)/events/confirm", body: "_csrf=\(receiptToken)&_version=\(version)"
            ).status == 403, "no form cookie, no rating")
        #expect(
            try request(
                port, "POST", "/receipts/\(code)/events/answer", cookies: [formCookie],
                body: "_csrf=\(receiptToken)&_version=\(version)&response=x"
            ).status == 403, "only the reporter's events")
        let rated = try request(
            port, "POST", "/receipts/\(code)/events/confirm", cookies: [formCookie],
            body: "_csrf=\(receiptToken)&_version=\(version)&satisfaction=very_satisfied&feedback="
                + Self.encoded("已收到，谢谢"))
        #expect(rated.status == 303 && rated.header("location") == "/receipts/\(code)", "\(rated.body)")
        let done = try request(port, "GET", "/receipts/\(code)")
        #expect(done.body.contains("data-state=\"answered\"") && done.body.contains("已收到，谢谢"), "\(done.body)")
        #expect(!done.body.contains("class=\"event\""))
        // The office sees the rating; the step's actor is hidden like the reporter.
        let closed = try request(port, "GET", "/cases/\(id)", cookies: [chen]).body
        #expect(closed.contains("data-state=\"answered\"") && closed.contains("已收到，谢谢"), "\(closed)")
        #expect(!closed.contains("办理人 anonymous"), "\(closed)")
    }

    @Test func aRealNameReportIsSeenByTheCommitteeNotByAnotherDepartmentsHandler() throws {
        let (process, port) = try start()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let path = "/units/oilfield/report/opp_area_1_station_1"
        let wang = try signIn("wang", port: port)
        let form = try request(port, "GET", path, cookies: [wang])
        #expect(form.body.contains("value=\"real_name\"") && form.body.contains("王强 (wang)"), "\(form.body)")
        let formCookie = try Self.cookie(form)
        let sent = try request(
            port, "POST", path, cookies: [wang, formCookie],
            body: "_csrf=\(try Self.formToken(form.body))&_identity=real_name&channel=online_form&description="
                + Self.encoded("班站食堂账目不公开"))
        #expect(sent.status == 303, "\(sent.body)")
        let location = try #require(sent.header("location"))
        // Without wang's session the receipt shows the report but offers no step.
        let receipt = try request(port, "GET", location)
        #expect(receipt.status == 200 && receipt.body.contains("班站食堂账目不公开"), "\(receipt.body)")
        // The receipt reads as wang, an employee: who reported is for the discipline roles only.
        #expect(!receipt.body.contains("王强") && !receipt.body.contains("class=\"event\""), "\(receipt.body)")
        #expect(receipt.body.contains("请登录后在此评价") == false, "nothing waits for the reporter yet")

        let zhang = try signIn("zhang", port: port)
        let inbox = try request(port, "GET", "/", cookies: [zhang]).body
        let marker = try #require(inbox.range(of: "data-case=\""), "\(inbox)")
        let id = String(inbox[marker.upperBound...].prefix { $0 != "\"" })
        let committee = try request(port, "GET", "/cases/\(id)", cookies: [zhang]).body
        #expect(committee.contains("data-field=\"reporter\">王强 (wang)"), "\(committee)")
        #expect(
            try step(port, id, "classify", zhang, ["area": "vital_interests", "report_type": "problem"]).status
                == 303)
        // sun handles for production, the report went to hr: sun does not see who reported.
        let sun = try signIn("sun", port: port)
        let other = try request(port, "GET", "/cases/\(id)", cookies: [sun])
        #expect(other.status == 200 && other.body.contains("班站食堂账目不公开"), "\(other.body)")
        #expect(other.body.contains("data-field=\"reporter\" data-hidden=\"true\""), "\(other.body)")
        #expect(!other.body.contains("王强") && !other.body.contains("wang"), "\(other.body)")

        // Answered, the report waits for wang: the receipt offers the rating to wang signed in, not to its holder alone.
        let li = try signIn("li", port: port)
        #expect(try step(port, id, "claim", li).status == 303)
        #expect(try step(port, id, "explain", li, ["handling_note": "账目每月公示"]).status == 303)
        let chen = try signIn("chen", port: port)
        #expect(try step(port, id, "answer", chen, ["response": "已公开账目。"]).status == 303)
        let holder = try request(port, "GET", location)
        #expect(holder.body.contains("请登录后在此评价") && !holder.body.contains("class=\"event\""), "\(holder.body)")
        let own = try request(port, "GET", location, cookies: [wang, formCookie])
        let confirm = try #require(own.body.range(of: "data-event=\"confirm\""), "\(own.body)")
        let tail = String(own.body[confirm.upperBound...])
        let fields =
            "_csrf=\(try Self.hidden("_csrf", in: tail))&_version=\(try Self.hidden("_version", in: tail))&satisfaction=satisfied"
        let code = String(location.dropFirst("/receipts/".count).prefix { $0 != "?" })
        let refused = try request(port, "POST", "/receipts/\(code)/events/confirm", cookies: [formCookie], body: fields)
        #expect(refused.status == 403, "without wang's session: \(refused.body)")
        let rated = try request(
            port, "POST", "/receipts/\(code)/events/confirm", cookies: [wang, formCookie], body: fields)
        #expect(rated.status == 303, "\(rated.body)")
        let closed = try request(port, "GET", "/cases/\(id)", cookies: [zhang]).body
        #expect(closed.contains("data-state=\"answered\""), "\(closed)")
    }

    @Test func theWholeReportInChromiumFromTheQRFormToTheRating() throws {
        let (process, port) = try start()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let base = "http://127.0.0.1:\(port)"
        func link(_ person: String) throws -> String {
            let run = try gridflow(
                ["signin-link", "--unit", "oilfield", "--person", person, "--base-url", base], in: directory)
            #expect(run.status == 0, "\(run.stderr)")
            return try #require(run.stdout.split(separator: "\n").last.map(String.init))
        }
        let qr = try gridflow(
            ["qr", "oilfield", "opp_area_1_station_1", "--base-url", base, "--root", packageRoot.path], in: directory)
        #expect(qr.status == 0, "\(qr.stderr)")
        let form = try #require(qr.stdout.split(separator: "\n").first.map(String.init))
        let artefacts = directory.appendingPathComponent("artefacts")
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = [
            "python3", packageRoot.appendingPathComponent("Tests/Browser/report_flow.py").path, base, form,
            try link("zhang"), try link("li"), try link("chen"), try link("sun"), artefacts.path,
        ]
        let run = try runToEnd(python)
        #expect(
            run.status == 0,
            "the browser flow failed (screenshots under \(artefacts.path)):\n\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("report flow: all steps passed"))
    }

    /// The form and a receipt at a phone's width in Chromium (its narrowest window): every character drawn by a font
    /// (no tofu), nothing wider than its box.
    @Test func theFormAndItsReceiptReadWellOnAPhone() throws {
        let (process, port) = try start()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let path = "/units/oilfield/report/opp_area_1_station_1"
        let form = try request(port, "GET", path)
        let sent = try request(
            port, "POST", path, cookies: [try Self.cookie(form)],
            body: "_csrf=\(try WebPagesTests.csrf(form.body))&_identity=anonymous&channel=qr_code&description="
                + Self.encoded("采油一站夜班补贴6月未发放"))
        let receipt = try request(port, "GET", try #require(sent.header("location")))
        #expect(receipt.status == 200)
        for (name, html) in [("form", form.body), ("receipt", receipt.body)] {
            let page = directory.appendingPathComponent("\(name).html")
            try html.write(to: page, atomically: true, encoding: .utf8)
            let verdict = try Browser.check(
                page, screenshot: directory.appendingPathComponent("\(name).png"), width: 412, height: 915)
            #expect(verdict.clean, "\(name): \(verdict)")
            #expect(verdict.characters > 20 && verdict.pageWidth <= verdict.viewport, "\(name): \(verdict)")
        }
    }
}
