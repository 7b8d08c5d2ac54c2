import Foundation
import GridflowDefinitions
import GridflowExpressions
import GridflowRuntime
import GridflowStore
import HTTPTypes
import Hummingbird

/// The bulletin pages (anyone its audience admits) and the administration pages (a unit's
/// administrators: deployments and their diff, incidents with retry, coverage gaps, appraisal
/// runs), over the same engine calls and rights as the API's.
extension PageSite {
    func addAdminPages(to router: Router<APIContext>) {
        router.get("/units/:unit/bulletins") { request, context in
            await self.answer { try self.bulletins(request, context) }
        }
        router.get("/units/:unit/bulletins/:report") { request, context in
            await self.answer { try self.bulletin(request, context) }
        }
        router.get("/units/:unit/admin") { request, context in
            await self.answer { try self.adminIndex(request, context) }
        }
        router.get("/units/:unit/admin/deployments") { request, context in
            await self.answer { try self.deploymentsPage(request, context) }
        }
        router.get("/units/:unit/admin/incidents") { request, context in
            await self.answer { try self.incidentsPage(request, context) }
        }
        router.post("/units/:unit/admin/incidents/:id/retry") { request, context in
            await self.answer { try await self.retryIncident(request, context) }
        }
        router.get("/units/:unit/admin/coverage") { request, context in
            await self.answer { try self.coveragePage(request, context) }
        }
        router.get("/units/:unit/admin/appraisals") { request, context in
            await self.answer { try self.appraisalsPage(request, context) }
        }
        router.post("/units/:unit/admin/appraisals") { request, context in
            await self.answer { try await self.runAppraisal(request, context) }
        }
    }

    /// The session's unit, which must be the one the route names (another unit is not found).
    func ownUnit(_ session: PageSession, _ context: APIContext) throws -> Engine {
        let unit = try context.parameters.require("unit")
        guard unit == session.unit else { throw Problem.notFound("no unit '\(unit)' is deployed here") }
        return try daemon.engine(unit: unit)
    }

    /// Refuses (403) unless the person holds the unit's administrator role, as the API's check does.
    func requireAdministrator(_ session: PageSession, _ engine: Engine) throws {
        if let refusal = try engine.administrationRefusal(of: session.person, now: daemon.now()) {
            throw PageAnswer(
                response: message(
                    makeFrame(session), title: makeFrame(session).labels["forbidden"] ?? "Forbidden", refusal,
                    hint: "These pages are for the unit's administrators.", status: .forbidden))
        }
    }

    /// A GET of an administration page: the session, its unit's engine, the person an administrator.
    func administrator(_ request: Request, _ context: APIContext) throws -> (PageSession, Engine) {
        let session = try requireSession(request)
        let engine = try ownUnit(session, context)
        try requireAdministrator(session, engine)
        return (session, engine)
    }

    /// A POST of an administration page: the CSRF token checked first, then the rights.
    func administratorForm(_ request: Request, _ context: APIContext) async throws -> (PageSession, Engine, FormBody) {
        let (session, form) = try await self.form(request, context)
        let engine = try ownUnit(session, context)
        try requireAdministrator(session, engine)
        return (session, engine, form)
    }

    /// The same, for a form that may carry files (multipart/form-data).
    func administratorFormWithFiles(_ request: Request, _ context: APIContext) async throws -> (
        PageSession, Engine, FormBody, [MultipartForm.Part]
    ) {
        let (session, form, files) = try await formWithFiles(request, context)
        let engine = try ownUnit(session, context)
        try requireAdministrator(session, engine)
        return (session, engine, form, files)
    }

    static func path(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove("/")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    static func query(_ text: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+#")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    // MARK: Bulletins

    /// `GET /units/{unit}/bulletins`: the unit's reports the person's audience admits.
    func bulletins(_ request: Request, _ context: APIContext) throws -> Response {
        let session = try requireSession(request)
        let engine = try ownUnit(session, context)
        let viewer = Viewer.person(try engine.actor(session.person, roles: [], now: daemon.now()))
        let reports = engine.program.reports.values.filter { $0.admits(viewer) }.sorted { $0.name < $1.name }
        let frame = makeFrame(session)
        let unit = Self.path(session.unit)
        return page(
            frame, title: frame.labels["bulletins"] ?? "Bulletins", template: "bulletins",
            [
                "hasReports": !reports.isEmpty,
                "reports": reports.map { report -> [String: Any] in
                    [
                        "name": report.name, "title": report.title ?? report.name,
                        "href": "/units/\(unit)/bulletins/\(Self.path(report.name))",
                    ]
                },
            ])
    }

    /// `GET /units/{unit}/bulletins/{report}?period=`: the bulletin of the period as the person
    /// may see it (the `gridflow report --format html` page, a period picker first); without a
    /// period, the picker alone.
    func bulletin(_ request: Request, _ context: APIContext) throws -> Response {
        let session = try requireSession(request)
        let engine = try ownUnit(session, context)
        let name = try context.parameters.require("report")
        guard let report = engine.program.reports[name] else {
            throw Problem.notFound("unit '\(session.unit)' has no report '\(name)'")
        }
        let now = daemon.now()
        let viewer = Viewer.person(try engine.actor(session.person, roles: [], now: now))
        let frame = makeFrame(session)
        guard report.admits(viewer) else {
            let problem = Routes.notInAudience(
                "report \(report.name)", audience: report.audience, reads: report.restrictedReads.map { "'\($0)'" },
                person: session.person)
            return message(frame, title: problem.title, problem.detail, status: .forbidden)
        }
        let period = request.uri.queryParameters.get("period").map { String($0) } ?? ""
        let title = report.title ?? report.name
        func picker(error: String?) -> [String: Any] {
            [
                "action": "/units/\(Self.path(session.unit))/bulletins/\(Self.path(report.name))", "period": period,
                "forms": AppraisalPeriod.forms, "hasError": error != nil, "error": error ?? "",
            ]
        }
        guard !period.isEmpty else {
            return page(frame, title: title, template: "bulletinPicker", picker(error: nil))
        }
        guard let window = AppraisalWindow(period) else {
            return page(
                frame, title: title, template: "bulletinPicker",
                picker(error: "'\(period)' is not a period: give \(AppraisalPeriod.forms)"), status: .badRequest)
        }
        let bulletin: BulletinPage
        do throws(EngineError) {
            bulletin = try BulletinPage(
                engine: engine, report: report, window: window, now: now, viewer: viewer, months: true)
        } catch { throw Problem.engine(error) }
        var context = picker(error: nil)
        context["l"] = frame.labels
        context["csrf"] = session.csrf
        let preface = PageTemplates.render("bulletinBar", context)
        var headers = Self.headers
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: BulletinText.html(bulletin, preface: preface))))
    }

    // MARK: Administration

    /// `GET /units/{unit}/admin`: the administration pages.
    func adminIndex(_ request: Request, _ context: APIContext) throws -> Response {
        let (session, _) = try administrator(request, context)
        let frame = makeFrame(session)
        return page(
            frame, title: frame.labels["administration"] ?? "Administration", template: "adminIndex",
            ["base": "/units/\(Self.path(session.unit))/admin"])
    }

    /// `GET /units/{unit}/admin/deployments?from=&to=`: the deployments (version, when, by whom,
    /// the open cases on each, the active one marked) and, with `from` and `to`, what changed.
    func deploymentsPage(_ request: Request, _ context: APIContext) throws -> Response {
        let (session, engine) = try administrator(request, context)
        let frame = makeFrame(session)
        let zone = engine.program.calendar.zone
        let unit = session.unit
        let all: [StoredDeployment]
        let active: String?
        let counts: [CaseCount]
        do {
            all = try daemon.store.deployments(unit: unit)
            active = try daemon.store.activeDeployment(unit: unit)
            counts = try daemon.store.caseCounts(unit: unit)
        } catch { throw Problem.engine(EngineError(.store, error.message)) }
        let rows = all.map { deployment -> [String: Any] in
            var finals: [String: Set<String>] = [:]
            if let definitions = try? unitDefinitions(unit: unit, version: deployment.version) {
                for workflow in definitions.workflows {
                    finals[workflow.name.text] = Set(workflow.states.filter(\.final).map(\.name.text))
                }
            }
            let mine = counts.filter { $0.version == deployment.version }
            let open = mine.filter { !(finals[$0.workflow]?.contains($0.state) ?? false) }.reduce(0) { $0 + $1.count }
            return [
                "sequence": String(deployment.sequence), "version": deployment.version,
                "short": String(deployment.version.prefix(12)), "active": deployment.version == active,
                "by": deployment.deployedBy, "at": PageValues.time(deployment.deployedAt, zone: zone),
                "atISO": zone.text(deployment.deployedAt), "message": deployment.message ?? "",
                "hasMessage": deployment.message != nil,
                "open": String(open), "cases": String(mine.reduce(0) { $0 + $1.count }),
            ]
        }
        let query = request.uri.queryParameters
        let from = query.get("from").map { String($0) } ?? ""
        let to = query.get("to").map { String($0) } ?? ""
        let last = all.map(\.sequence).max() ?? 0
        var context: [String: Any] = [
            "deployments": rows, "hasDiff": false, "changes": [[String: Any]](), "noChange": false,
            // Without a choice, the comparison offered is the one before the last with the last.
            "fromOptions": all.map {
                [
                    "value": String($0.sequence),
                    "selected": from.isEmpty ? $0.sequence == last - 1 : String($0.sequence) == from,
                ]
            },
            "toOptions": all.map {
                [
                    "value": String($0.sequence),
                    "selected": to.isEmpty ? $0.sequence == last : String($0.sequence) == to,
                ]
            },
            "action": "/units/\(Self.path(unit))/admin/deployments",
        ]
        if !from.isEmpty || !to.isEmpty {
            guard let a = all.first(where: { String($0.sequence) == from }),
                let b = all.first(where: { String($0.sequence) == to })
            else {
                return message(
                    frame, title: "No such deployment",
                    "\(unit) has no deployment '\(from.isEmpty ? to : from)' to compare; its deployments are numbered 1 to \(all.count)",
                    status: .notFound)
            }
            func files(_ deployment: StoredDeployment) -> [String: String] {
                Dictionary(deployment.files.map { ($0.path, $0.text) }, uniquingKeysWith: { first, _ in first })
            }
            let diff = DefinitionDiff(old: files(a), new: files(b))
            context["hasDiff"] = true
            context["diffTitle"] = "\(a.sequence) → \(b.sequence)"
            context["noChange"] = diff.changes.isEmpty
            context["changes"] = diff.changes.map { change -> [String: Any] in
                let mark: String
                switch change.kind {
                case .added: mark = "+"
                case .removed: mark = "−"
                case .changed: mark = "~"
                }
                let place: String = change.place.joined(separator: " › ")
                return [
                    "kind": change.kind.rawValue, "mark": mark, "place": place, "old": change.old ?? "",
                    "new": change.new ?? "",
                ]
            }
        }
        return page(
            frame, title: frame.labels["deployments"] ?? "Deployments", template: "deployments", context)
    }

    /// `GET /units/{unit}/admin/incidents`: the unit's open incidents as the administrator may
    /// read their cases, each with a retry button.
    func incidentsPage(_ request: Request, _ context: APIContext) throws -> Response {
        let (session, engine) = try administrator(request, context)
        let frame = makeFrame(session)
        let now = daemon.now()
        let actor = try engine.actor(session.person, roles: [], now: now)
        let zone = engine.program.calendar.zone
        let all: [StoredIncident]
        do { all = try daemon.store.incidents(caseID: nil) } catch {
            throw Problem.engine(EngineError(.store, error.message))
        }
        var items: [[String: Any]] = []
        for incident in all {
            let stored: StoredCase?
            do { stored = try daemon.store.load(incident.caseID) } catch {
                throw Problem.engine(EngineError(.store, error.message))
            }
            guard let stored, stored.unit == session.unit else { continue }
            let snapshot = try engine.snapshot(stored)
            guard let view = try engine.on(snapshot).view(snapshot, for: .person(actor), now: now) else { continue }
            let seen = view.incident(incident)
            items.append([
                "id": String(incident.id), "caseID": incident.caseID, "href": Self.caseHref(incident.caseID),
                "code": incident.code, "message": seen.message, "event": incident.event,
                "actor": seen.actor ?? seen.actorHidden?.mark ?? CaseView.mark,
                "at": PageValues.time(incident.at, zone: zone), "atISO": zone.text(incident.at),
                "action": "/units/\(Self.path(session.unit))/admin/incidents/\(incident.id)/retry",
            ])
        }
        let retried = request.uri.queryParameters.get("retried").map { String($0) }
        return page(
            frame, title: frame.labels["incidents"] ?? "Incidents", template: "incidents",
            [
                "hasIncidents": !items.isEmpty, "incidents": items, "hasRetried": retried != nil,
                "retried": retried ?? "",
            ])
    }

    /// `POST /units/{unit}/admin/incidents/{id}/retry`: applies the incident's event again, as
    /// the API's retry does; on success back to the incidents (303), else why.
    func retryIncident(_ request: Request, _ context: APIContext) async throws -> Response {
        let (session, engine, _) = try await administratorForm(request, context)
        guard let id = Int(try context.parameters.require("id")), id > 0 else {
            throw Problem.notFound("no such incident")
        }
        let incident: StoredIncident?
        do { incident = try daemon.store.incident(id) } catch {
            throw Problem.engine(EngineError(.store, error.message))
        }
        guard let incident, let stored = try? daemon.store.load(incident.caseID), stored.unit == session.unit else {
            throw Problem.notFound("no incident #\(id)")
        }
        let now = daemon.now()
        let actor = try engine.actor(session.person, roles: [], now: now)
        let current = try engine.snapshot(stored)
        do { _ = try engine.retry(id, now: now) } catch {
            throw Problem.engine(error, view: try engine.on(current).view(current, for: .person(actor), now: now))
        }
        daemon.wake.yield()
        return seeOther("/units/\(Self.path(session.unit))/admin/incidents?retried=\(id)")
    }

    /// `GET /units/{unit}/admin/coverage`: each coverage rule's places, the gaps marked.
    func coveragePage(_ request: Request, _ context: APIContext) throws -> Response {
        let (session, engine) = try administrator(request, context)
        let frame = makeFrame(session)
        let now = daemon.now()
        var rules: [[String: Any]] = []
        var gaps = 0
        for rule in engine.program.coverages {
            let report: CoverageReport
            do { report = try engine.coverage(rule, now: now) } catch { throw Problem.engine(error) }
            gaps += report.gaps.count
            rules.append([
                "name": rule.name, "role": rule.role, "level": rule.level, "perShift": rule.perShift,
                "covered": String(report.places.count - report.gaps.count), "places": String(report.places.count),
                "rows": report.places.map { place -> [String: Any] in
                    [
                        "node": place.node.title.map { "\($0) (\(place.node.name))" } ?? place.node.name,
                        "nodeName": place.node.name, "shift": place.shift ?? "", "gap": place.holders.isEmpty,
                        "holders": place.holders.map {
                            $0.person + ($0.source == "directory" ? "" : " (appointed by \($0.source))")
                        }.joined(separator: ", "),
                    ]
                },
                "unplaced": report.unplaced.map(\.person).joined(separator: ", "),
                "hasUnplaced": !report.unplaced.isEmpty,
            ])
        }
        return page(
            frame, title: frame.labels["coverage"] ?? "Coverage", template: "coverage",
            ["hasRules": !rules.isEmpty, "rules": rules, "gaps": String(gaps)])
    }

    /// `GET /units/{unit}/admin/appraisals`: the form of an appraisal run.
    func appraisalsPage(_ request: Request, _ context: APIContext) throws -> Response {
        let (session, engine) = try administrator(request, context)
        return appraisalPage(session, engine, chosen: nil, period: "", dryRun: true)
    }

    func appraisalPage(
        _ session: PageSession, _ engine: Engine, chosen: String?, period: String, dryRun: Bool, facts: String = "",
        result: [String: Any]? = nil, error: String? = nil, problems: [String] = [],
        status: HTTPResponse.Status = .ok
    ) -> Response {
        let frame = makeFrame(session)
        let appraisals = engine.program.appraisals.values.sorted { $0.name < $1.name }
        var context: [String: Any] = [
            "action": "/units/\(Self.path(session.unit))/admin/appraisals",
            "appraisals": appraisals.map {
                [
                    "name": $0.name, "title": $0.name, "selected": $0.name == chosen,
                    "example": $0.period.example,
                ]
            },
            // The columns each appraisal's CSV takes.
            "columns": appraisals.map { appraisal -> [String: Any] in
                [
                    "name": appraisal.name,
                    "columns": appraisal.importFacts.isEmpty
                        ? frame.labels["noImportedFacts"] ?? ""
                        : (["person"] + appraisal.importFacts.map(\.name)).joined(separator: ", "),
                ]
            },
            "period": period, "dryRun": dryRun, "forms": AppraisalPeriod.forms, "facts": facts,
            "hasError": error != nil, "error": error ?? "", "hasProblems": !problems.isEmpty, "problems": problems,
            "hasResult": result != nil,
        ]
        if let result { context.merge(result) { $1 } }
        return page(
            frame, title: frame.labels["appraisals"] ?? "Appraisals", template: "appraisals", context, status: status)
    }

    /// `POST /units/{unit}/admin/appraisals` (appraisal, period, dry_run; imported facts as CSV
    /// text `facts` and CSV files `facts_file`, multipart): scores the unit's people as the API's
    /// appraisal run does, then the results as a table. CSV with problems is the form again with
    /// each problem (file:line:column), and nothing is run or stored.
    func runAppraisal(_ request: Request, _ context: APIContext) async throws -> Response {
        let (session, engine, form, files) = try await administratorFormWithFiles(request, context)
        let name = form.first("appraisal") ?? ""
        let period = (form.first("period") ?? "").trimmingCharacters(in: .whitespaces)
        let dryRun = form.first("dry_run") == "true"
        let facts = form.first("facts") ?? ""
        func again(_ error: String, _ status: HTTPResponse.Status, problems: [String] = []) -> Response {
            appraisalPage(
                session, engine, chosen: name, period: period, dryRun: dryRun, facts: facts, error: error,
                problems: problems, status: status)
        }
        for file in files where file.name != "facts_file" {
            return again("the form has no file field '\(file.name)'", .badRequest)
        }
        guard let appraisal = engine.program.appraisals[name] else {
            return again("unit '\(session.unit)' has no appraisal '\(name)'", .unprocessableContent)
        }
        guard let window = AppraisalWindow(period) else {
            return again("'\(period)' is not a period: give \(AppraisalPeriod.forms)", .badRequest)
        }
        guard window.kind == appraisal.period else {
            return again(
                "appraisal \(appraisal.name) runs per \(appraisal.period.rawValue.replacingOccurrences(of: "_", with: " ")); give a period such as \(appraisal.period.example)",
                .unprocessableContent)
        }
        let now = daemon.now()
        let viewer = Viewer.person(try engine.actor(session.person, roles: [], now: now))
        guard appraisal.admits(viewer) else {
            let problem = Routes.notInAudience(
                "appraisal \(appraisal.name)", audience: appraisal.audience, reads: appraisal.restrictedReads,
                person: session.person)
            return again(problem.detail, .forbidden)
        }
        // The imported facts, read as the API reads its `facts`: every problem at once, and none
        // is run with problems.
        var imported = ImportedFacts()
        var problems: [String] = []
        if !facts.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            problems += imported.read(csv: facts, file: "facts", for: appraisal)
        }
        for file in files {
            let label =
                file.filename.map { ($0 as NSString).lastPathComponent }.flatMap { $0.isEmpty ? nil : $0 }
                ?? "facts_file"
            guard let csv = String(validating: file.bytes, as: UTF8.self) else {
                problems.append("\(label): not UTF-8 text; save the CSV as UTF-8")
                continue
            }
            problems += imported.read(csv: csv, file: label, for: appraisal)
        }
        guard problems.isEmpty else {
            return again(
                "\(problems.count) problem\(problems.count == 1 ? "" : "s") in the facts; nothing was appraised",
                .unprocessableContent, problems: problems)
        }
        let outcome: AppraisalOutcome
        do {
            outcome = try engine.appraise(
                appraisal, window: window, role: nil, imported: imported, now: now, dryRun: dryRun)
        } catch { return again(error.message, Problem.engine(error).status) }
        if !outcome.performed.isEmpty { daemon.wake.yield() }
        let result: [String: Any] = [
            "entries": outcome.entries.map { entry -> [String: Any] in
                [
                    "person": entry.person, "name": entry.name, "role": entry.score.role,
                    "total": entry.score.total.description, "grade": entry.score.grade,
                ]
            },
            "hasEntries": !outcome.entries.isEmpty,
            "incomplete": outcome.incomplete.map { ["person": $0.person, "role": $0.role, "reason": $0.reason] },
            "hasIncomplete": !outcome.incomplete.isEmpty, "stored": outcome.stored,
            "performed": String(outcome.performed.count), "resultPeriod": period,
        ]
        return appraisalPage(
            session, engine, chosen: name, period: period, dryRun: dryRun, facts: facts, result: result)
    }
}

extension PageTemplates {
    static let bulletins = """
        <section>
        {{#hasReports}}<ul class="items" id="reports">{{#reports}}<li data-report="{{name}}"><a href="{{href}}">{{title}}</a></li>{{/reports}}</ul>{{/hasReports}}
        {{^hasReports}}<p id="reports">{{l.noReports}}</p>{{/hasReports}}
        </section>

        """

    /// The period picker of a bulletin, alone.
    static let bulletinPicker = """
        {{#hasError}}<section class="error" role="alert" id="period-error"><p>{{error}}</p></section>{{/hasError}}
        <section>
        <form method="get" action="{{action}}" id="period-form">
        <label for="period">{{l.period}}</label>
        <input type="text" id="period" name="period" value="{{period}}" required aria-describedby="period-hint">
        <p class="hint" id="period-hint">{{forms}}</p>
        <button type="submit">{{l.show}}</button>
        </form>
        </section>

        """

    /// What the bulletin page shows before the bulletin: the way back and the period picker.
    static let bulletinBar = """
        <nav class="picker" aria-label="{{l.period}}" style="display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end;border-bottom:1px solid #e5e7eb;padding-bottom:.8rem;margin-bottom:1rem">
        <a href="/">{{l.inbox}}</a>
        <form method="get" action="{{action}}" id="period-form" style="display:flex;gap:.5rem;align-items:flex-end">
        <label for="period">{{l.period}}</label>
        <input type="text" id="period" name="period" value="{{period}}" required title="{{forms}}" style="font:inherit;padding:6px">
        <button type="submit" style="font:inherit;padding:6px 12px;min-height:44px">{{l.show}}</button>
        </form>
        </nav>

        """

    static let adminIndex = """
        <section>
        <ul class="items" id="admin-pages">
        <li><a href="{{base}}/deployments">{{l.deployments}}</a></li>
        <li><a href="{{base}}/incidents">{{l.incidents}}</a></li>
        <li><a href="{{base}}/coverage">{{l.coverage}}</a></li>
        <li><a href="{{base}}/appraisals">{{l.appraisals}}</a></li>
        </ul>
        </section>

        """

    static let deployments = """
        <section aria-labelledby="deployments-h">
        <h2 id="deployments-h">{{l.deployments}}</h2>
        <ul class="items" id="deployments">
        {{#deployments}}<li data-sequence="{{sequence}}"{{#active}} data-active="true"{{/active}}><div><strong>#{{sequence}}</strong>{{#active}} <span class="badge">{{l.active}}</span>{{/active}} · {{l.version}} <code title="{{version}}">{{short}}</code> · {{l.openCases}}: <span data-open="{{open}}">{{open}} / {{cases}}</span></div>
        <div class="hint">{{l.deployedAt}} <time datetime="{{atISO}}">{{at}}</time> · {{l.deployedBy}} {{by}}{{#hasMessage}} · {{message}}{{/hasMessage}}</div></li>
        {{/deployments}}
        </ul>
        </section>
        <section aria-labelledby="diff-h">
        <h2 id="diff-h">{{l.diff}}</h2>
        <form method="get" action="{{action}}" class="filters" id="diff-form">
        <div><label for="diff-from">{{l.from}}</label><select id="diff-from" name="from">{{#fromOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/fromOptions}}</select></div>
        <div><label for="diff-to">{{l.to}}</label><select id="diff-to" name="to">{{#toOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/toOptions}}</select></div>
        <div><button type="submit">{{l.compare}}</button></div>
        </form>
        {{#hasDiff}}
        <h3>{{diffTitle}}</h3>
        {{#noChange}}<p id="changes">{{l.noChange}}</p>{{/noChange}}
        {{^noChange}}<table id="changes"><tbody>{{#changes}}<tr data-change="{{kind}}"><td>{{mark}}</td><td>{{place}}</td><td>{{old}}</td><td>{{new}}</td></tr>{{/changes}}</tbody></table>{{/noChange}}
        {{/hasDiff}}
        </section>

        """

    static let incidents = """
        {{#hasRetried}}<section role="status" id="retried"><p>{{l.retried}} #{{retried}}</p></section>{{/hasRetried}}
        <section>
        {{#hasIncidents}}
        <ul class="items" id="incidents">
        {{#incidents}}
        <li data-incident="{{id}}" data-case="{{caseID}}">
        <div><strong>#{{id}}</strong> <a href="{{href}}">{{caseID}}</a> · {{event}} · <code>{{code}}</code></div>
        <p>{{message}}</p>
        <div class="hint"><time datetime="{{atISO}}">{{at}}</time> · {{l.by}} {{actor}}</div>
        <form method="post" action="{{action}}" class="inline">
        <input type="hidden" name="_csrf" value="{{csrf}}">
        <button type="submit">{{l.retry}}</button>
        </form>
        </li>
        {{/incidents}}
        </ul>
        {{/hasIncidents}}
        {{^hasIncidents}}<p id="incidents">{{l.noIncidents}}</p>{{/hasIncidents}}
        </section>

        """

    static let coverage = """
        <p class="hint" id="gaps" data-gaps="{{gaps}}">{{l.gaps}}: {{gaps}}</p>
        {{^hasRules}}<section><p>{{l.noCoverage}}</p></section>{{/hasRules}}
        {{#rules}}
        <section data-rule="{{name}}">
        <h2>{{name}}</h2>
        <p class="hint">{{role}} · {{level}}{{#perShift}} · per shift{{/perShift}} · {{covered}} / {{places}}</p>
        <table><tbody>
        {{#rows}}<tr data-node="{{nodeName}}"{{#gap}} data-gap="true" class="overdue"{{/gap}}><td>{{node}}</td><td>{{shift}}</td><td>{{#gap}}<span class="badge">{{l.gap}}</span>{{/gap}}{{^gap}}{{holders}}{{/gap}}</td></tr>
        {{/rows}}
        </tbody></table>
        {{#hasUnplaced}}<p class="hint">{{l.unplaced}}: {{unplaced}}</p>{{/hasUnplaced}}
        </section>
        {{/rules}}

        """

    static let appraisals = """
        {{#hasError}}<section class="error" role="alert" id="appraisal-error"><p>{{error}}</p>{{#hasProblems}}
        <ul id="facts-problems">{{#problems}}<li>{{.}}</li>{{/problems}}</ul>
        <p>{{l.factsProblems}}</p>{{/hasProblems}}</section>{{/hasError}}
        <section>
        <form method="post" action="{{action}}" id="appraisal-form" enctype="multipart/form-data">
        <input type="hidden" name="_csrf" value="{{csrf}}">
        <label for="appraisal">{{l.appraisal}}</label>
        <select id="appraisal" name="appraisal" required>{{#appraisals}}<option value="{{name}}"{{#selected}} selected{{/selected}}>{{title}} ({{example}})</option>{{/appraisals}}</select>
        <label for="appraisal-period">{{l.period}}</label>
        <input type="text" id="appraisal-period" name="period" value="{{period}}" required aria-describedby="appraisal-period-hint">
        <p class="hint" id="appraisal-period-hint">{{forms}}</p>
        <label for="facts">{{l.facts}}</label>
        <textarea id="facts" name="facts" rows="4" aria-describedby="facts-hint">{{facts}}</textarea>
        <label for="facts-file">{{l.factsFile}}</label>
        <input type="file" id="facts-file" name="facts_file" accept=".csv,text/csv" multiple aria-describedby="facts-hint">
        <div class="hint" id="facts-hint"><p>{{l.factsHint}}</p><ul>{{#columns}}<li data-appraisal="{{name}}">{{name}}: <code>{{columns}}</code></li>{{/columns}}</ul></div>
        <label class="check" for="dry-run"><input type="checkbox" id="dry-run" name="dry_run" value="true"{{#dryRun}} checked{{/dryRun}}>{{l.dryRun}}</label>
        <button type="submit">{{l.run}}</button>
        </form>
        </section>
        {{#hasResult}}
        <section aria-labelledby="results-h" id="results">
        <h2 id="results-h">{{l.results}} · {{resultPeriod}}</h2>
        <p class="hint" data-stored="{{stored}}">{{#stored}}{{l.stored}}{{/stored}}{{^stored}}{{l.notStored}}{{/stored}} · {{l.performed}}: {{performed}}</p>
        {{#hasEntries}}
        <div class="table-wrap"><table id="scores">
        <thead><tr><th scope="col">{{l.person}}</th><th scope="col">{{l.role}}</th><th scope="col">{{l.total}}</th><th scope="col">{{l.grade}}</th></tr></thead>
        <tbody>{{#entries}}<tr data-person="{{person}}"><td>{{name}} ({{person}})</td><td>{{role}}</td><td>{{total}}</td><td>{{grade}}</td></tr>{{/entries}}</tbody>
        </table></div>
        {{/hasEntries}}
        {{#hasIncomplete}}
        <h3>{{l.incomplete}}</h3>
        <ul id="incomplete">{{#incomplete}}<li data-person="{{person}}">{{person}} ({{role}}): {{reason}}</li>{{/incomplete}}</ul>
        {{/hasIncomplete}}
        </section>
        {{/hasResult}}

        """
}
