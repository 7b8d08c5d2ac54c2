import Foundation
import GRDB
import Testing

/// The bulletin, administration and file pages over plain HTTP: who may open each (an
/// administrator holds the unit's administrator role; another unit is not found), the CSRF token
/// on every POST, an incident retried, a file uploaded as multipart/form-data, downloaded by
/// another member, moved and deleted by its owner only, and the trail.
@Suite(.serialized) struct AdminPagesTests {
    typealias Answer = WebPagesTests.Answer

    /// The serve workspace (the tour, li its administrator) with the telecom unit: li and chen
    /// team supervisors, wang a grid supervisor, zhou of the discipline office and its
    /// administrator, boss an administrator only.
    static func workspace() throws -> ServeTests {
        let serve = try ServeTests()
        func office(_ id: String, _ name: String, _ roles: [String]) -> String {
            AppraiseCommandTests.person(id, name, roles, team: "beihai_branch")
                .replacingOccurrences(of: "\"roles\"", with: "\"department\": \"discipline_office\", \"roles\"")
        }
        let people = try ServeTests.write(
            "["
                + [
                    AppraiseCommandTests.person("li", "李娜", ["team_supervisor"], team: "channel_team"),
                    AppraiseCommandTests.person("chen", "陈晨", ["team_supervisor"], team: "product_team"),
                    AppraiseCommandTests.person("wang", "王强", ["grid_supervisor"]),
                    office("zhou", "周敏", ["discipline_committee_office", "unit_administrator"]),
                    office("boss", "包", ["unit_administrator"]),
                ].joined(separator: ",\n") + "]", to: serve.directory.appendingPathComponent("telecom.json"))
        #expect(try serve.gf(["people", "import", "telecom", people]).status == 0)
        #expect(try serve.gf(["deploy", "telecom"]).status == 0)
        return serve
    }

    /// One request over a socket of its own, with any body and content type.
    static func request(
        _ port: Int, _ method: String, _ path: String, cookie: String? = nil, type: String? = nil, body: String = ""
    ) throws -> Answer {
        var headers: [String: String] = [:]
        if let cookie { headers["Cookie"] = cookie }
        guard method == "POST", let type else {
            return try WebPagesTests.request(port, method, path, headers: headers, body: body)
        }
        var text = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "Content-Type: \(type)\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
        let answer = try loopbackExchange(port: port, text)
        guard let head = answer.range(of: "\r\n\r\n"), let status = Int(answer.dropFirst(9).prefix(3)) else {
            throw POSIXError(.EBADMSG)
        }
        var fields: [String: [String]] = [:]
        for line in answer[..<head.lowerBound].split(separator: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased(), default: []].append(
                line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return Answer(status: status, headers: fields, body: String(answer[head.upperBound...]))
    }

    /// Signs `person` of `unit` in with a fresh link: the session cookie.
    static func signIn(_ serve: ServeTests, _ unit: String, _ person: String, port: Int) throws -> String {
        let run = try gridflow(
            ["signin-link", "--unit", unit, "--person", person, "--base-url", "http://127.0.0.1:\(port)"],
            in: serve.directory)
        #expect(run.status == 0, "\(run.stderr)")
        let link = try #require(run.stdout.split(separator: "\n").last.map(String.init))
        let answer = try request(port, "GET", try WebPagesTests.path(link))
        #expect(answer.status == 303)
        return String(try #require(answer.header("set-cookie")?.split(separator: ";").first))
    }

    static func multipart(csrf: String?, folder: String, name: String, type: String, content: String) -> (
        String, String
    ) {
        let boundary = "----gridflowTestBoundary7MA4YWxk"
        var body = ""
        if let csrf { body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(csrf)\r\n" }
        body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"folder\"\r\n\r\n\(folder)\r\n"
        body +=
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\nContent-Type: \(type)\r\n\r\n\(content)\r\n"
        body += "--\(boundary)--\r\n"
        return ("multipart/form-data; boundary=\(boundary)", body)
    }

    /// A tour report as wang, and an incident of it: li's answer that failed. Its case id and
    /// the incident's number.
    static func incident(_ serve: ServeTests) throws -> (String, Int64) {
        let data = try ServeTests.write(
            #"{"summary": "The allowance is late", "reporter": {"id": "wang"}}"#,
            to: serve.directory.appendingPathComponent("report.json"))
        let opened = try gridflow(
            ["case", "open", "tour/report", "--as", "wang", "--data", data, "--json", "--root", serve.root.path],
            in: serve.directory)
        #expect(opened.status == 0, "\(opened.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(opened.stdout.utf8)) as? [String: Any])
        let caseID = try #require(object["id"] as? String)
        let store = try DatabaseQueue(path: serve.directory.appendingPathComponent("gridflow.sqlite").path)
        let incident = try store.write { db -> Int64 in
            try db.execute(
                sql: """
                    INSERT INTO incidents (case_id, code, message, event, input, at, actor, roles)
                    VALUES (?, 'expression-failed', 'the answer could not be checked', 'answer', '{"answer": "Paid on Friday"}', 0, 'li', '["discipline_staff"]')
                    """, arguments: [caseID])
            return db.lastInsertedRowID
        }
        return (caseID, incident)
    }

    /// Deploys the tour anew with a bulletin for the discipline office alone.
    static func addOfficeBulletin(_ serve: ServeTests) throws {
        let rules = serve.root.appendingPathComponent("Rules/tour")
        try FileManager.default.createDirectory(at: rules, withIntermediateDirectories: true)
        _ = try ServeTests.write(
            """
            kind: Report
            schema: 1
            unit: tour
            name: office_bulletin
            title: Office bulletin
            workflow: report
            audience: [discipline_staff]
            measures:
              - {name: reports, title: Reports, kind: count}

            """, to: rules.appendingPathComponent("bulletin.yaml"))
        let deployed = try gridflow(["deploy", "tour", "--root", serve.root.path], in: serve.directory)
        #expect(deployed.status == 0, "\(deployed.stderr)")
    }

    /// Checks a page in Chromium at a phone's width (Tests/Browser/check.js).
    /// Checks a page in Chromium at a phone's width (Tests/Browser/check.js); elements whose
    /// description starts with `scrolling` are boxes meant to scroll sideways.
    static func readsWell(_ html: String, in serve: ServeTests, name: String, scrolling: String? = nil) throws {
        let page = serve.directory.appendingPathComponent("\(name).html")
        try html.write(to: page, atomically: true, encoding: .utf8)
        let verdict = try Browser.check(
            page, screenshot: serve.directory.appendingPathComponent("\(name).png"), width: 412, height: 915)
        guard let scrolling else {
            #expect(verdict.clean, "\(name): \(verdict)")
            return
        }
        // (A long Chinese title wraps where the line ends: not counted here.)
        #expect(verdict.tofu.isEmpty, "\(name): \(verdict)")
        #expect(verdict.pageWidth <= verdict.viewport, "\(name): \(verdict)")
        #expect(verdict.overflow.allSatisfy { $0.hasPrefix(scrolling) }, "\(name): \(verdict.overflow)")
    }

    @Test func anAdministratorRetriesAnIncidentAndMembersShareAFileInChromium() throws {
        let serve = try Self.workspace()
        let (_, incident) = try Self.incident(serve)
        let (process, base, _) = try serve.start()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let root = base.absoluteString
        func link(_ unit: String, _ person: String) throws -> String {
            let run = try gridflow(
                ["signin-link", "--unit", unit, "--person", person, "--base-url", root], in: serve.directory)
            #expect(run.status == 0, "\(run.stderr)")
            return try #require(run.stdout.split(separator: "\n").last.map(String.init))
        }
        let artefacts = serve.directory.appendingPathComponent("artefacts")
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = [
            "python3", packageRoot.appendingPathComponent("Tests/Browser/admin_flow.py").path, root, String(incident),
            try link("tour", "li"), try link("telecom", "zhou"), try link("telecom", "li"),
            try link("telecom", "chen"), artefacts.path,
        ]
        let run = try runToEnd(python)
        #expect(
            run.status == 0,
            "the browser flow failed (screenshots under \(artefacts.path)):\n\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("admin flow: all steps passed"))
    }

    @Test func administrationPagesAreForTheUnitsAdministratorsAndRetryAnIncidentWithTheFormsToken() throws {
        let serve = try Self.workspace()
        let (caseID, incident) = try Self.incident(serve)
        let (process, base, _) = try serve.start()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let port = try #require(base.port)
        let boss = try Self.signIn(serve, "telecom", "boss", port: port)
        let chen = try Self.signIn(serve, "telecom", "chen", port: port)
        let li = try Self.signIn(serve, "tour", "li", port: port)
        let wang = try Self.signIn(serve, "tour", "wang", port: port)

        // Each page: the administrator's; a member is forbidden; another unit is not found;
        // without a session, the page that says how to sign in.
        for page in ["", "/deployments", "/incidents", "/coverage", "/appraisals"] {
            let path = "/units/telecom/admin" + page
            let own = try Self.request(port, "GET", path, cookie: boss)
            #expect(own.status == 200, "\(path): \(own.body)")
            #expect(own.body.contains("/units/telecom/admin\""), "the layout links the administration")
            let member = try Self.request(port, "GET", path, cookie: chen)
            #expect(member.status == 403, "\(path)")
            #expect(member.body.contains("does not hold telecom&#39;s administrator role"), "\(member.body)")
            #expect(!member.body.contains("/units/telecom/admin\""), "a member's layout has no administration link")
            #expect(try Self.request(port, "GET", "/units/tour/admin" + page, cookie: boss).status == 404, "\(path)")
            #expect(try Self.request(port, "GET", path).status == 401, "\(path)")
        }

        // Deployments: the one of the unit, active; the diff of it with itself is no change.
        let deployments = try Self.request(port, "GET", "/units/telecom/admin/deployments?from=1&to=1", cookie: boss)
        #expect(deployments.body.contains("data-sequence=\"1\" data-active=\"true\""), "\(deployments.body)")
        #expect(deployments.body.contains("<p id=\"changes\">"))
        #expect(
            try Self.request(port, "GET", "/units/telecom/admin/deployments?from=1&to=9", cookie: boss).status == 404)
        // Coverage: the telecom unit's rules, their gaps counted.
        let coverage = try Self.request(port, "GET", "/units/telecom/admin/coverage", cookie: boss)
        #expect(coverage.body.contains("id=\"gaps\" data-gaps=\""))

        // An appraisal run: boss is no one of its audience; zhou is, and a dry run stores nothing.
        let form = try Self.request(port, "GET", "/units/telecom/admin/appraisals", cookie: boss)
        let bossToken = try WebPagesTests.csrf(form.body)
        let refused = try Self.request(
            port, "POST", "/units/telecom/admin/appraisals", cookie: boss,
            body: "_csrf=\(bossToken)&appraisal=supervisor_appraisal&period=2024-Q3&dry_run=true")
        #expect(refused.status == 403 && refused.body.contains("id=\"appraisal-error\""), "\(refused.body)")
        let zhou = try Self.signIn(serve, "telecom", "zhou", port: port)
        let zhouToken = try WebPagesTests.csrf(
            try Self.request(port, "GET", "/units/telecom/admin/appraisals", cookie: zhou).body)
        let wrongPeriod = try Self.request(
            port, "POST", "/units/telecom/admin/appraisals", cookie: zhou,
            body: "_csrf=\(zhouToken)&appraisal=supervisor_appraisal&period=2024-07&dry_run=true")
        #expect(wrongPeriod.status == 422 && wrongPeriod.body.contains("runs per quarter"), "\(wrongPeriod.body)")
        let run = try Self.request(
            port, "POST", "/units/telecom/admin/appraisals", cookie: zhou,
            body: "_csrf=\(zhouToken)&appraisal=supervisor_appraisal&period=2024-Q3&dry_run=true")
        #expect(run.status == 200 && run.body.contains("id=\"results\""), "\(run.body)")
        #expect(run.body.contains("data-stored=\"false\""))
        #expect(
            try Self.request(
                port, "POST", "/units/telecom/admin/appraisals", cookie: zhou,
                body: "appraisal=supervisor_appraisal&period=2024-Q3&dry_run=true"
            ).status == 403, "no CSRF token")

        // The incident: listed for li with a retry button; the retry needs the token and the role.
        let incidents = try Self.request(port, "GET", "/units/tour/admin/incidents", cookie: li)
        #expect(incidents.body.contains("data-incident=\"\(incident)\""), "\(incidents.body)")
        let token = try WebPagesTests.csrf(incidents.body)
        try Self.readsWell(incidents.body, in: serve, name: "incidents")
        let retry = "/units/tour/admin/incidents/\(incident)/retry"
        #expect(try Self.request(port, "POST", retry, cookie: li, body: "_csrf=wrong").status == 403)
        let wangToken = try WebPagesTests.csrf(try Self.request(port, "GET", "/", cookie: wang).body)
        #expect(try Self.request(port, "POST", retry, cookie: wang, body: "_csrf=\(wangToken)").status == 403)
        #expect(try Self.request(port, "POST", retry, cookie: boss, body: "_csrf=\(bossToken)").status == 404)
        let retried = try Self.request(port, "POST", retry, cookie: li, body: "_csrf=\(token)")
        #expect(
            retried.status == 303 && retried.header("location") == "/units/tour/admin/incidents?retried=\(incident)")
        let after = try Self.request(port, "GET", "/units/tour/admin/incidents?retried=\(incident)", cookie: li)
        #expect(after.body.contains("id=\"retried\"") && !after.body.contains("data-incident="), "\(after.body)")
        let page = try Self.request(port, "GET", "/cases/\(caseID)", cookie: li)
        #expect(page.body.contains("data-state=\"answered\""), "\(page.body)")
        #expect(try Self.request(port, "POST", retry, cookie: li, body: "_csrf=\(token)").status == 404, "resolved")

        // A second deployment of the tour: the case (answered) is open on neither; the diff
        // between them names the bulletin added.
        let before = try Self.request(port, "GET", "/units/tour/admin/deployments", cookie: li)
        #expect(before.body.contains("data-open=\"0\">0 / 1<"), "\(before.body)")
        #expect(!before.body.contains(" · </div>"), "no dangling separator without a message")
        try Self.addOfficeBulletin(serve)
        let diff = try Self.request(port, "GET", "/units/tour/admin/deployments?from=1&to=2", cookie: li)
        #expect(diff.body.contains("data-sequence=\"2\" data-active=\"true\""), "\(diff.body)")
        #expect(diff.body.contains("data-change=\"added\"") && diff.body.contains("office_bulletin"), "\(diff.body)")
        try Self.readsWell(diff.body, in: serve, name: "deployments")
        try Self.readsWell(
            try Self.request(port, "GET", "/units/telecom/admin/appraisals", cookie: zhou).body, in: serve,
            name: "appraisals")
    }

    @Test func theAppraisalFormTakesImportedFactsAsCSVTextOrFileAndRefusesABadOneNamingLineAndColumn() throws {
        let serve = try Self.workspace()
        let (process, base, _) = try serve.start()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let port = try #require(base.port)
        let zhou = try Self.signIn(serve, "telecom", "zhou", port: port)
        let path = "/units/telecom/admin/appraisals"
        let form = try Self.request(port, "GET", path, cookie: zhou).body
        for text in [
            "id=\"appraisal-form\" enctype=\"multipart/form-data\"", "<textarea id=\"facts\" name=\"facts\"",
            "type=\"file\" id=\"facts-file\" name=\"facts_file\"",
            "data-appraisal=\"supervisor_appraisal\">supervisor_appraisal: <code>person, good_cases, discipline_violations</code>",
        ] {
            #expect(form.contains(text), "\(text) in \(form)")
        }
        let token = try WebPagesTests.csrf(form)
        func run(facts: String = "", file: (name: String, content: String)? = nil, dryRun: Bool = true) throws
            -> Answer
        {
            let boundary = "----gridflowFactsBoundary"
            var body = ""
            var fields = [
                ("_csrf", token), ("appraisal", "supervisor_appraisal"), ("period", "2024-Q3"), ("facts", facts),
            ]
            if dryRun { fields.append(("dry_run", "true")) }
            for (name, value) in fields {
                body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
            }
            if let file {
                body +=
                    "--\(boundary)\r\nContent-Disposition: form-data; name=\"facts_file\"; filename=\"\(file.name)\"\r\nContent-Type: text/csv\r\n\r\n\(file.content)\r\n"
            }
            body += "--\(boundary)--\r\n"
            return try Self.request(
                port, "POST", path, cookie: zhou, type: "multipart/form-data; boundary=\(boundary)", body: body)
        }
        func stored() throws -> Int {
            try DatabaseQueue(path: serve.directory.appendingPathComponent("gridflow.sqlite").path).read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM appraisals") ?? 0
            }
        }
        func row(_ person: String, _ page: String) throws -> String {
            let start = try #require(page.range(of: "<tr data-person=\"\(person)\">"), "\(person) in \(page)")
            return String(page[start.upperBound...].prefix { $0 != "\n" }.components(separatedBy: "</tr>")[0])
        }

        // A bad cell, pasted or in a file (not a dry run): the form again naming file, line and
        // column, the text kept; nothing run or stored.
        let pasted = try run(facts: "person,discipline_violations\nli,many\n", dryRun: false)
        #expect(pasted.status == 422, "\(pasted.body)")
        #expect(pasted.body.contains("id=\"facts-problems\"") && pasted.body.contains("facts:2:4"), "\(pasted.body)")
        #expect(!pasted.body.contains("id=\"results\""), "\(pasted.body)")
        #expect(pasted.body.contains("li,many\n</textarea>"), "the text is kept: \(pasted.body)")
        let filed = try run(file: ("q3-facts.csv", "person,good_cases\nli,2\nchen,-1\n"), dryRun: false)
        #expect(filed.status == 422 && filed.body.contains("q3-facts.csv:3:6"), "\(filed.body)")
        let column = try run(file: ("q3.csv", "person,good_case\nli,2\n"), dryRun: false)
        #expect(column.status == 422, "\(column.body)")
        #expect(column.body.contains("q3.csv:1: column &#39;good_case&#39; is not an imported fact"), "\(column.body)")
        #expect(try stored() == 0, "nothing stored")
        // Another file field is refused.
        let boundary = "----x"
        let other =
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(token)\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"appraisal\"\r\n\r\nsupervisor_appraisal\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.csv\"\r\n\r\nx\r\n--\(boundary)--\r\n"
        #expect(
            try Self.request(
                port, "POST", path, cookie: zhou, type: "multipart/form-data; boundary=\(boundary)", body: other
            )
            .status == 400)

        // Good facts count: li's two promoted cases are a bonus of 2 points each, by the text or by the file.
        let plain = try run()
        #expect(plain.status == 200, "\(plain.body)")
        #expect(try row("li", plain.body).contains("<td>50</td>"), "\(plain.body)")
        let counted = try run(facts: "person,good_cases\nli,2\n")
        #expect(counted.status == 200, "\(counted.body)")
        #expect(try row("li", counted.body).contains("<td>54</td>"), "\(counted.body)")
        #expect(try row("chen", counted.body).contains("<td>50</td>"), "\(counted.body)")
        let byFile = try run(file: ("q3.csv", "person,good_cases\r\nli,2\r\n"))
        #expect(byFile.status == 200, "\(byFile.body)")
        #expect(try row("li", byFile.body).contains("<td>54</td>"), "\(byFile.body)")
        #expect(try stored() == 0, "dry runs store nothing")
    }

    @Test func bulletinPagesShowTheReportOfAPeriodToItsAudience() throws {
        let serve = try Self.workspace()
        try Self.addOfficeBulletin(serve)
        let (process, base, _) = try serve.start()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let port = try #require(base.port)
        let chen = try Self.signIn(serve, "telecom", "chen", port: port)
        let list = try Self.request(port, "GET", "/units/telecom/bulletins", cookie: chen)
        #expect(list.status == 200 && list.body.contains("data-report=\"supervision_bulletin\""), "\(list.body)")
        let picker = try Self.request(port, "GET", "/units/telecom/bulletins/supervision_bulletin", cookie: chen)
        #expect(picker.status == 200 && picker.body.contains("id=\"period-form\""))
        let bulletin = try Self.request(
            port, "GET", "/units/telecom/bulletins/supervision_bulletin?period=2024-Q3", cookie: chen)
        #expect(bulletin.status == 200, "\(bulletin.body)")
        #expect(bulletin.body.contains("<header class=\"masthead\">") && bulletin.body.contains("id=\"period-form\""))
        #expect(bulletin.body.contains("中国移动北海分公司纪委") && bulletin.body.contains("value=\"2024-Q3\""))
        #expect(bulletin.header("content-security-policy")?.contains("default-src 'none'") == true)
        // At a phone's width the bulletin's wide tables scroll in their own boxes; nothing else
        // is wider than its box, the page no wider than the screen, no character without a glyph.
        try Self.readsWell(bulletin.body, in: serve, name: "bulletin", scrolling: "div.table-wrap ")
        let bad = try Self.request(
            port, "GET", "/units/telecom/bulletins/supervision_bulletin?period=2024-Q5", cookie: chen)
        #expect(bad.status == 400 && bad.body.contains("id=\"period-error\""))
        #expect(try Self.request(port, "GET", "/units/telecom/bulletins/nothing", cookie: chen).status == 404)
        #expect(
            try Self.request(port, "GET", "/units/oilfield/bulletins/supervision_bulletin?period=2024-Q3", cookie: chen)
                .status == 404)
        #expect(try Self.request(port, "GET", "/units/telecom/bulletins/supervision_bulletin").status == 401)
        // Its audience only: the office sees it, an employee is told whom it is for.
        let li = try Self.signIn(serve, "tour", "li", port: port)
        let wang = try Self.signIn(serve, "tour", "wang", port: port)
        let office = "/units/tour/bulletins/office_bulletin?period=2024-07"
        #expect(try Self.request(port, "GET", office, cookie: li).status == 200)
        let refused = try Self.request(port, "GET", office, cookie: wang)
        #expect(refused.status == 403 && refused.body.contains("is for discipline_staff only"), "\(refused.body)")
        #expect(
            !(try Self.request(port, "GET", "/units/tour/bulletins", cookie: wang).body.contains("office_bulletin")))
        #expect(try Self.request(port, "GET", "/units/tour/bulletins", cookie: li).body.contains("office_bulletin"))
    }

    @Test func filePagesUploadAsMultipartDownloadAndLetOnlyTheOwnerMoveOrDelete() throws {
        let serve = try Self.workspace()
        let (process, base, _) = try serve.start()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let port = try #require(base.port)
        let li = try Self.signIn(serve, "telecom", "li", port: port)
        let chen = try Self.signIn(serve, "telecom", "chen", port: port)
        let wang = try Self.signIn(serve, "telecom", "wang", port: port)
        let space = "/units/telecom/files/team_supervisors"

        let spaces = try Self.request(port, "GET", "/units/telecom/files", cookie: li)
        #expect(spaces.body.contains("data-space=\"team_supervisors\"") && !spaces.body.contains("grid_supervisors"))
        let empty = try Self.request(port, "GET", space, cookie: li)
        #expect(empty.status == 200 && empty.body.contains("enctype=\"multipart/form-data\""), "\(empty.body)")
        // The folders by their titles (in the unit's language), their names the keys.
        for text in [
            "data-folder=\"duty_material\">季度/半年/年度履职材料反馈</a>", "<option value=\"highlights\">工作亮点</option>",
        ] {
            #expect(empty.body.contains(text), "\(text) in \(empty.body)")
        }
        #expect(!empty.body.contains(">duty_material<"), "no folder shown by its name")
        let token = try WebPagesTests.csrf(empty.body)

        // Without the token, refused; with it, stored, and back to the folder.
        let content = "二季度履职材料\r\n已完成。\n"
        let (type, body) = Self.multipart(
            csrf: nil, folder: "duty_material", name: "总结.txt", type: "text/plain", content: content)
        #expect(try Self.request(port, "POST", space + "/upload", cookie: li, type: type, body: body).status == 403)
        let (_, good) = Self.multipart(
            csrf: token, folder: "duty_material", name: "总结.txt", type: "text/plain", content: content)
        let upload = try Self.request(port, "POST", space + "/upload", cookie: li, type: type, body: good)
        #expect(upload.status == 303, "\(upload.body)")
        #expect(upload.header("location") == space + "?folder=duty_material")
        // Not multipart, or broken: a clear refusal.
        #expect(try Self.request(port, "POST", space + "/upload", cookie: li, body: "_csrf=\(token)").status == 400)
        let broken = try Self.request(
            port, "POST", space + "/upload", cookie: li, type: type, body: String(good.dropLast(12)))
        #expect(broken.status == 400, "\(broken.body)")
        // A type the bytes are not: the space page again, saying why.
        let (_, pdf) = Self.multipart(
            csrf: token, folder: "highlights", name: "x.pdf", type: "application/pdf", content: content)
        let wrongType = try Self.request(port, "POST", space + "/upload", cookie: li, type: type, body: pdf)
        #expect(wrongType.status == 415 && wrongType.body.contains("id=\"file-error\""), "\(wrongType.body)")

        // chen sees it with a download link, but neither delete nor move; li, its owner, both.
        let seen = try Self.request(port, "GET", space, cookie: chen)
        let marker = try #require(seen.body.range(of: "data-file=\""))
        let id = String(seen.body[marker.upperBound...].prefix { $0.isNumber })
        #expect(seen.body.contains("href=\"/units/telecom/file/\(id)\""))
        #expect(!seen.body.contains("/file/\(id)/delete") && !seen.body.contains("/file/\(id)/move"))
        let own = try Self.request(port, "GET", space, cookie: li)
        #expect(own.body.contains("/file/\(id)/delete") && own.body.contains("/file/\(id)/move"))
        // At a phone's width the page reads cleanly: no tofu, nothing wider than its box.
        try Self.readsWell(own.body, in: serve, name: "space")
        let download = try Self.request(port, "GET", "/units/telecom/file/\(id)", cookie: chen)
        #expect(download.status == 200 && download.body == content)
        #expect(download.header("content-disposition")?.hasPrefix("attachment;") == true)
        // wang, of another group, sees nothing of it; another unit's person finds no such unit.
        #expect(try Self.request(port, "GET", space, cookie: wang).status == 403)
        #expect(try Self.request(port, "GET", "/units/telecom/file/\(id)", cookie: wang).status == 403)
        let tour = try Self.signIn(serve, "tour", "wang", port: port)
        #expect(try Self.request(port, "GET", space, cookie: tour).status == 404)

        // chen may not move or delete it; li moves it, then deletes it.
        let chenToken = try WebPagesTests.csrf(seen.body)
        let move = "/units/telecom/file/\(id)/move"
        #expect(
            try Self.request(port, "POST", move, cookie: chen, body: "_csrf=\(chenToken)&folder=highlights").status
                == 403)
        #expect(try Self.request(port, "POST", move, cookie: li, body: "folder=highlights").status == 403)
        let moved = try Self.request(port, "POST", move, cookie: li, body: "_csrf=\(token)&folder=highlights")
        #expect(moved.status == 303 && moved.header("location") == space + "?folder=highlights")
        let delete = "/units/telecom/file/\(id)/delete"
        #expect(try Self.request(port, "POST", delete, cookie: chen, body: "_csrf=\(chenToken)").status == 403)
        #expect(try Self.request(port, "POST", delete, cookie: li, body: "_csrf=\(token)").status == 303)
        let trail = try Self.request(port, "GET", space, cookie: chen).body
        #expect(!trail.contains("data-file=\"\(id)\""))
        for action in ["upload", "move", "delete"] {
            #expect(trail.contains("data-action=\"\(action)\""), "\(action)")
        }
    }
}
