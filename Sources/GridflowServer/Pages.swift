import Foundation
import GridflowDefinitions
import GridflowExpressions
import GridflowGraph
import GridflowRuntime
import GridflowStore
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// The daemon's pages (`docs/daemon.md`, "Pages"): server-rendered HTML over the same engine
/// calls and rights as the API, for people who never open a terminal. They are not part of the
/// API's OpenAPI document; a page finds its person by the session cookie, not a bearer token.
enum PagePaths {
    /// Whether `path` is a page's: the token gate lets it through, the page checks the session.
    static func contains(_ path: String) -> Bool {
        path == "/" || path == "/signin" || path == "/signout" || path.hasPrefix("/cases/")
            || path.hasPrefix("/notifications/") || path.hasPrefix("/units/") || path.hasPrefix("/receipts/")
    }
}

/// An answer a page gives instead of going on: a page of its own, or a redirect.
struct PageAnswer: Error {
    var response: Response
}

/// What a refused step shows: why, as the viewer may read it.
struct Refusal {
    var title: String
    var message: String
    var explanation: [(text: String, value: String)] = []
}

/// The pages and what they share: the daemon, the API's helpers, the definitions of each
/// deployment (titles, inputs and the diagram come from them), whether cookies are `Secure`.
final class PageSite: Sendable {
    let daemon: Daemon
    let routes: Routes
    /// Whether the session cookie is `Secure`: the daemon's public URL is https.
    let secure: Bool
    private let definitions = Mutex<[String: UnitDefinitions]>([:])

    init(daemon: Daemon, logger: Logger, publicURL: String?) {
        self.daemon = daemon
        self.routes = Routes(daemon: daemon, logger: logger)
        self.secure = publicURL?.lowercased().hasPrefix("https://") ?? false
    }

    func add(to router: Router<APIContext>) {
        router.get("/") { request, context in await self.answer { try self.inbox(request) } }
        router.get("/signin") { request, _ in await self.answer { try self.signIn(request) } }
        router.post("/signout") { request, context in await self.answer { try await self.signOut(request, context) } }
        router.get("/cases/:id") { request, context in await self.answer { try self.showCase(request, context) } }
        router.post("/cases/:id/events/:event") { request, context in
            await self.answer { try await self.act(request, context) }
        }
        router.post("/notifications/:id/read") { request, context in
            await self.answer { try await self.markRead(request, context) }
        }
        addReportPages(to: router)
        addAttachmentPages(to: router)
        addAdminPages(to: router)
        addFilePages(to: router)
    }

    // MARK: Frame

    /// What every page of a unit shows around its body.
    struct Frame {
        var lang = "en"
        var unitTitle = "Gridflow"
        var labels = PageLabels.english
        var session: PageSession?
        var personName = ""
        /// The path of the session's unit (`/units/UNIT`), and whether the person administers it.
        var unitPath = ""
        var isAdmin = false
    }

    func makeFrame(_ session: PageSession?) -> Frame {
        var frame = Frame(session: session)
        guard let session, let engine = try? daemon.engine(unit: session.unit) else { return frame }
        let unit = engine.program.types.unit
        let locale = unit.locale.flatMap { UnitLocale($0.text) } ?? .english
        frame.lang = locale.description
        frame.labels = PageLabels.of(locale)
        frame.unitTitle = unit.title ?? unit.name.text
        frame.personName = session.person
        frame.unitPath = "/units/" + Self.path(session.unit)
        frame.isAdmin = (try? engine.administrationRefusal(of: session.person, now: daemon.now())) == .some(nil)
        if let person = try? daemon.store.person(unit: session.unit, id: session.person),
            let name = (try? JSONReader.read(person.recordJSON))?["name"]?.string, name != session.person
        {
            frame.personName = "\(name) (\(session.person))"
        }
        return frame
    }

    /// A page: `body` (rendered from `template` with `context`) in the layout.
    func page(
        _ frame: Frame, title: String, template: String, _ context: [String: Any], status: HTTPResponse.Status = .ok,
        headers extra: HTTPFields = [:]
    ) -> Response {
        var context = context
        context["l"] = frame.labels
        // A page without a session (the report form, a receipt) brings the form cookie's token.
        if context["csrf"] == nil { context["csrf"] = frame.session?.csrf ?? "" }
        let body = PageTemplates.render(template, context)
        let html = PageTemplates.render(
            "layout",
            [
                "lang": frame.lang, "title": title, "unitTitle": frame.unitTitle, "l": frame.labels,
                "signedIn": frame.session != nil, "csrf": frame.session?.csrf ?? "", "personName": frame.personName,
                "unitPath": frame.unitPath, "isAdmin": frame.isAdmin,
                "body": body,
            ])
        var headers = Self.headers
        headers[.contentType] = "text/html; charset=utf-8"
        for field in extra { headers.append(field) }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    /// Headers of every page: never cached (they are one person's), never framed, no script.
    static let headers: HTTPFields = {
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        headers[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        return headers
    }()

    /// A page of one message.
    func message(
        _ frame: Frame, title: String, _ text: String, hint: String? = nil, status: HTTPResponse.Status,
        headers: HTTPFields = [:]
    ) -> Response {
        page(
            frame, title: title, template: "message",
            ["message": text, "hasHint": hint != nil, "hint": hint ?? "", "isError": status.code >= 400],
            status: status, headers: headers)
    }

    /// A redirect after a form (303: the browser fetches the target with GET).
    func seeOther(_ location: String, headers extra: HTTPFields = [:]) -> Response {
        var headers = Self.headers
        headers[.location] = location
        for field in extra { headers.append(field) }
        return Response(status: .seeOther, headers: headers)
    }

    /// Runs a page's work; whatever it throws is a page too, never problem+json.
    func answer(_ work: () async throws -> Response) async -> Response {
        do { return try await work() } catch let answer as PageAnswer {
            return answer.response
        } catch let problem as Problem {
            return message(makeFrame(nil), title: problem.title, problem.detail, status: problem.status)
        } catch let error as EngineError {
            let problem = Problem.engine(error)
            return message(makeFrame(nil), title: problem.title, problem.detail, status: problem.status)
        } catch {
            return message(makeFrame(nil), title: "Error", "\(error)", status: .internalServerError)
        }
    }

    // MARK: Sessions

    /// The session of the request's cookie, if it is a live one.
    func session(_ request: Request) throws -> PageSession? {
        guard let secret = WebSignIn.cookie(WebSignIn.cookie, in: request.headers), WebSignIn.isWellFormed(secret)
        else { return nil }
        let found: WebSession?
        do { found = try daemon.store.webSession(hash: TokenAuthority.hash(secret), at: daemon.now()) } catch {
            throw Problem.engine(EngineError(.store, error.message))
        }
        return found.map { PageSession(unit: $0.unit, person: $0.person, secret: secret) }
    }

    /// The session of a page that needs one; without, the page that says how to sign in.
    func requireSession(_ request: Request) throws -> PageSession {
        guard let session = try session(request) else {
            let frame = makeFrame(nil)
            throw PageAnswer(
                response: page(
                    frame, title: frame.labels["signIn"] ?? "Sign in", template: "signin", [:], status: .unauthorized))
        }
        return session
    }

    /// The session and the form of a POST that takes no file: the form must carry the
    /// session's CSRF token.
    func form(_ request: Request, _ context: APIContext) async throws -> (PageSession, FormBody) {
        let (session, form, files) = try await formWithFiles(request, context)
        guard files.isEmpty else {
            throw PageAnswer(
                response: message(
                    makeFrame(session), title: "Bad request", "This form takes no file.", status: .badRequest))
        }
        return (session, form)
    }

    /// The session and the form of a POST, URL-encoded or `multipart/form-data` with its files
    /// (`readForm`): the form must carry the session's CSRF token.
    func formWithFiles(_ request: Request, _ context: APIContext) async throws -> (
        PageSession, FormBody, [MultipartForm.Part]
    ) {
        let session = try requireSession(request)
        let (form, files) = try await readForm(request, context, frame: makeFrame(session))
        guard let token = form.first("_csrf"), WebSignIn.same(token, session.csrf) else {
            throw PageAnswer(
                response: message(
                    makeFrame(session), title: "Forbidden",
                    "The form was refused: it does not carry this session's CSRF token.",
                    hint: "Reload the page and send the form again.", status: .forbidden))
        }
        return (session, form, files)
    }

    /// `GET /signin?code=…`: redeems a one-time code and opens a session (a cookie), then on to
    /// the inbox; an unknown, used or expired code is a page saying so.
    func signIn(_ request: Request) throws -> Response {
        let frame = makeFrame(nil)
        let title = frame.labels["signIn"] ?? "Sign in"
        guard let code = request.uri.queryParameters.get("code"), !code.isEmpty else {
            return message(
                frame, title: title, "The sign-in link has no code.",
                hint: "Open the whole link your administrator gave you.", status: .badRequest)
        }
        let now = daemon.now()
        let secret = WebSignIn.newSecret()
        var outcome = SignInRedemption.unknown
        if WebSignIn.isWellFormed(code) {
            do {
                outcome = try daemon.store.redeemSignInCode(
                    hash: TokenAuthority.hash(code), at: now, session: TokenAuthority.hash(secret),
                    sessionExpiresAt: Instant(seconds: now.seconds + WebSignIn.sessionSeconds))
            } catch { throw Problem.engine(EngineError(.store, error.message)) }
        }
        let ask = "Ask your unit's administrator for a new sign-in link."
        switch outcome {
        case .signedIn:
            var headers = HTTPFields()
            headers[.setCookie] = WebSignIn.setCookie(secret, secure: secure)
            return seeOther("/", headers: headers)
        case .unknown:
            return message(frame, title: title, "This sign-in link is not valid here.", hint: ask, status: .notFound)
        case .used(let at):
            return message(
                frame, title: title, "This sign-in link was used already (at \(at)); a link signs in once.", hint: ask,
                status: .gone)
        case .expired(let at):
            return message(frame, title: title, "This sign-in link expired at \(at).", hint: ask, status: .gone)
        }
    }

    /// `POST /signout`: ends the session and clears the cookie.
    func signOut(_ request: Request, _ context: APIContext) async throws -> Response {
        let (session, _) = try await form(request, context)
        do { try daemon.store.deleteWebSession(hash: TokenAuthority.hash(session.secret)) } catch {
            throw Problem.engine(EngineError(.store, error.message))
        }
        var headers = HTTPFields()
        headers[.setCookie] = WebSignIn.setCookie(nil, secure: secure)
        return seeOther("/", headers: headers)
    }

    // MARK: Definitions

    /// The definitions of a deployment, as stored: titles, inputs and the diagram come from them.
    func unitDefinitions(unit: String, version: String) throws -> UnitDefinitions {
        let key = unit + "@" + version
        if let known = definitions.withLock({ $0[key] }) { return known }
        let deployment: StoredDeployment?
        do { deployment = try daemon.store.deployment(unit: unit, version: version) } catch {
            throw Problem.engine(EngineError(.store, error.message))
        }
        guard let deployment else { throw Problem.notFound("no deployment \(version) of \(unit)") }
        let files = Dictionary(deployment.files.map { ($0.path, $0.text) }, uniquingKeysWith: { first, _ in first })
        let result = Loader(fileSystem: .memory(files)).load(
            paths: ["Workflows/\(unit)", "Rules/\(unit)"].filter { folder in
                files.keys.contains { $0.hasPrefix(folder + "/") }
            })
        guard let loaded = result.units[unit] else {
            throw Problem.engine(EngineError(.version, "deployment \(version) of \(unit) does not load"))
        }
        definitions.withLock { $0[key] = loaded }
        return loaded
    }

    // MARK: Inbox

    /// `GET /?workflow=&state=`: the person's tasks (overdue first) and unread notifications.
    func inbox(_ request: Request) throws -> Response {
        guard let session = try session(request) else {
            let frame = makeFrame(nil)
            return page(frame, title: frame.labels["signIn"] ?? "Sign in", template: "signin", [:])
        }
        let frame = makeFrame(session)
        let labels = frame.labels
        let engine = try daemon.engine(unit: session.unit)
        let now = daemon.now()
        let actor = try engine.actor(session.person, roles: [], now: now)
        let zone = engine.program.calendar.zone
        let definitions = try unitDefinitions(unit: session.unit, version: engine.program.version)
        let query = request.uri.queryParameters
        let workflow = query.get("workflow").flatMap { $0.isEmpty ? nil : $0 }
        let state = query.get("state").flatMap { $0.isEmpty ? nil : $0 }
        let all = try engine.tasks(for: actor, now: now)
        let tasks = all.filter { task in
            (workflow == nil || task.workflow == workflow) && (state == nil || task.state == state)
        }
        func workflowTitle(_ name: String) -> String { definitions.workflow(name)?.title ?? name }
        func stateTitle(_ workflow: String, _ name: String) -> String {
            definitions.workflow(workflow)?.state(name)?.title ?? name
        }
        let workflows = definitions.workflows.map { ($0.name.text, $0.title ?? $0.name.text) }.sorted { $0.0 < $1.0 }
        var states: [(String, String)] = []
        for candidate in definitions.workflows where workflow == nil || candidate.name.text == workflow {
            for item in candidate.states where !item.final && !states.contains(where: { $0.0 == item.name.text }) {
                states.append((item.name.text, workflow == nil ? item.name.text : item.title ?? item.name.text))
            }
        }
        let notes = try engine.notifications(for: actor, unreadOnly: true, before: nil, limit: 50).items
        let context: [String: Any] = [
            "taskCount": tasks.count, "hasTasks": !tasks.isEmpty,
            "workflows": workflows.map { ["value": $0.0, "title": $0.1, "selected": $0.0 == workflow] },
            "states": states.map { ["value": $0.0, "title": $0.1, "selected": $0.0 == state] },
            "tasks": tasks.map { task -> [String: Any] in
                [
                    "caseID": task.caseID, "href": Self.caseHref(task.caseID), "title": task.title,
                    "workflowTitle": workflowTitle(task.workflow),
                    "stateTitle": stateTitle(task.workflow, task.state),
                    "since": PageValues.time(task.since, zone: zone), "sinceISO": zone.text(task.since),
                    "hasDue": task.due != nil, "due": task.due.map { PageValues.time($0, zone: zone) } ?? "",
                    "dueISO": task.due.map(zone.text) ?? "", "overdue": task.overdue,
                ]
            },
            "hasNotifications": !notes.isEmpty,
            "notifications": notes.map { note -> [String: Any] in
                [
                    "id": String(note.id), "caseID": note.caseID, "href": Self.caseHref(note.caseID),
                    "message": note.message, "at": PageValues.time(note.at, zone: zone), "atISO": zone.text(note.at),
                ]
            },
        ]
        return page(frame, title: labels["inbox"] ?? "Inbox", template: "inbox", context)
    }

    /// `POST /notifications/{id}/read`: marks one of the person's notifications read.
    func markRead(_ request: Request, _ context: APIContext) async throws -> Response {
        let (session, _) = try await form(request, context)
        guard let id = Int(try context.parameters.require("id")), id > 0 else {
            throw Problem.notFound("no such notification")
        }
        let engine = try daemon.engine(unit: session.unit)
        let now = daemon.now()
        let actor = try engine.actor(session.person, roles: [], now: now)
        _ = try engine.markRead(id, by: actor, now: now)
        return seeOther("/")
    }

    static func caseHref(_ id: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove("/")
        return "/cases/" + (id.addingPercentEncoding(withAllowedCharacters: allowed) ?? id)
    }

    // MARK: Case

    /// `GET /cases/{id}`: the case as the person may see it, with a form per event they may send.
    func showCase(_ request: Request, _ context: APIContext) throws -> Response {
        let session = try requireSession(request)
        let (engine, snapshot) = try routes.load(try context.parameters.require("id"), for: session.caller)
        let actor = try engine.actor(session.person, roles: [], now: daemon.now())
        return try casePage(session, engine, snapshot, actor: actor)
    }

    /// `POST /cases/{id}/events/{event}`: the step, as the API's act takes it (the form's
    /// `_version` as If-Match), then back to the case (303); a refused step is the case page
    /// again with why (422), as the person may read it.
    func act(_ request: Request, _ context: APIContext) async throws -> Response {
        let (session, form, files) = try await formWithFiles(request, context)
        let id = try context.parameters.require("id")
        let event = try context.parameters.require("event")
        let (engine, current) = try routes.load(id, for: session.caller)
        let now = daemon.now()
        let actor = try engine.actor(session.person, roles: [], now: now)
        let prefill = form.grouped
        func again(_ refusal: Refusal, _ status: HTTPResponse.Status) throws -> Response {
            try casePage(session, engine, current, actor: actor, refusal: refusal, prefill: prefill, status: status)
        }
        let labels = makeFrame(session).labels
        guard let text = form.first("_version"), let expected = Int(text), expected >= 0 else {
            return try again(
                Refusal(
                    title: labels["refused"] ?? "",
                    message: "The form does not say which version of the case it was made for."),
                .badRequest)
        }
        guard expected == current.version else {
            logStep(context, session, current, event: event, outcome: "conflict", code: "version-mismatch")
            return try again(
                Refusal(
                    title: "The case changed meanwhile",
                    message:
                        "Case \(id) is at version \(current.version), not \(expected): read it again before you send."),
                .conflict)
        }
        let definitions = try unitDefinitions(unit: current.unit, version: current.definitionVersion)
        let fields = Self.inputs(of: event, in: definitions.workflow(current.workflow), state: current.state)
        let json: JSONObject
        do { json = try PageForm.json(form, fields: fields, zone: engine.program.calendar.zone) } catch {
            return try again(Refusal(title: labels["refused"] ?? "", message: error.message), .badRequest)
        }
        var values: [String: Value]
        do { values = try routes.input(json, engine: engine, workflow: current.workflow) } catch let problem
            as Problem
        {
            return try again(Refusal(title: labels["refused"] ?? "", message: problem.detail), problem.status)
        }
        // The photos of the event's attachment inputs, checked before any is stored, stored
        // before the step, and dropped again when it is refused.
        let photos: [(field: Field, photos: [CaseAttachment.Photo])]
        do { photos = try self.photos(files, fields: fields) } catch {
            return try again(
                Refusal(title: labels["refused"] ?? "", message: error.message), HTTPResponse.Status(code: error.status)
            )
        }
        let stored: [StoredFile]
        do { stored = try storePhotos(photos, engine: engine, owner: actor.id, now: now, into: &values) } catch {
            throw Problem.file(error)
        }
        let started = ContinuousClock.now
        do {
            _ = try await engine.act(id, event: event, input: values, by: actor, now: now, expectedVersion: expected)
        } catch {
            engine.dropAttachments(stored, now: now)
            DaemonMetrics.step(unit: session.unit, outcome: Routes.outcome(error))
            routes.logStep(
                context, unit: session.unit, case: id, workflow: current.workflow, event: event, error: error,
                since: started)
            // The case as the actor saw it before the step; when that view cannot be made, its
            // failure is the answer (the refusal is not said unredacted).
            let view = try engine.view(current, for: .person(actor), now: now)
            let problem = Problem.engine(error, view: view)
            guard [.rejected, .incident, .conflict].contains(error.code) else { throw problem }
            var refusal = Refusal(title: labels["refused"] ?? problem.title, message: problem.detail)
            if let rejection = error.rejection, !rejection.trace.isEmpty {
                refusal.explanation =
                    view?.trace(rejection.trace) ?? rejection.trace.map { ($0.text, $0.value.summary()) }
            }
            return try again(refusal, problem.status)
        }
        DaemonMetrics.step(unit: session.unit, outcome: "committed", duration: ContinuousClock.now - started)
        routes.logStep(
            context, unit: session.unit, case: id, workflow: current.workflow, event: event, since: started)
        daemon.wake.yield()
        return seeOther(Self.caseHref(id))
    }

    func logStep(
        _ context: APIContext, _ session: PageSession, _ snapshot: CaseSnapshot, event: String, outcome: String,
        code: String
    ) {
        routes.logStep(
            context, unit: session.unit, case: snapshot.id, workflow: snapshot.workflow, event: event, outcome: outcome,
            code: code, since: ContinuousClock.now)
    }

    /// The fields an event's form asks for: the `input:` of the transitions that take it from
    /// `state`, in order, each once.
    static func inputs(of event: String, in workflow: Workflow?, state: String) -> [Field] {
        guard let workflow else { return [] }
        var names: [String] = []
        for transition in workflow.transitions
        where transition.event.text == event && workflow.sources(of: transition).contains(state) {
            for name in transition.input.map(\.text) where !names.contains(name) { names.append(name) }
        }
        return names.compactMap(workflow.field)
    }

    /// The case page of `snapshot` for `actor`, with a refused step's reasons when there is one.
    func casePage(
        _ session: PageSession, _ engine: Engine, _ snapshot: CaseSnapshot, actor: Actor, refusal: Refusal? = nil,
        prefill: [String: [String]] = [:], status: HTTPResponse.Status = .ok
    ) throws -> Response {
        let frame = makeFrame(session)
        let labels = frame.labels
        let now = daemon.now()
        let own = try engine.on(snapshot)
        guard let view = try own.view(snapshot, for: .person(actor), now: now) else {
            throw Problem.notFound("case \(snapshot.id): its workflow '\(snapshot.workflow)' is not deployed")
        }
        let definitions = try unitDefinitions(unit: snapshot.unit, version: snapshot.definitionVersion)
        let unit = definitions.unit
        let workflow = definitions.workflow(snapshot.workflow)
        let zone = own.program.calendar.zone
        func stateTitle(_ name: String) -> String { workflow?.state(name)?.title ?? name }
        func fieldLabel(_ name: String) -> String { workflow?.field(name)?.title ?? name }
        let workflowTitle = workflow?.title ?? snapshot.workflow

        // The fields in declaration order: a hidden one named, never its value.
        var fields: [[String: Any]] = []
        for field in workflow?.fields ?? [] {
            let name = field.name.text
            if let hidden = view.hiddenField(name) {
                fields.append([
                    "name": name, "label": fieldLabel(name), "hidden": true, "visibleTo": hidden.visibleTo, "value": "",
                ])
            } else if let value = view.value(of: name) {
                let attachments =
                    CaseAttachment.holds(field.type)
                    ? attachmentLinks(value, field: name, base: Self.caseHref(snapshot.id)) : []
                fields.append([
                    "name": name, "label": fieldLabel(name), "hidden": false, "visibleTo": "",
                    "value": PageValues.text(value, type: field.type, unit: unit, zone: zone, labels: labels),
                    "hasAttachments": !attachments.isEmpty, "attachments": attachments,
                ])
            }
        }

        // The history as the viewer may read it.
        let stored: [StoredHistory]
        do { stored = try engine.store.history(snapshot.id) } catch {
            throw Problem.engine(EngineError(.store, error.message))
        }
        let types = own.program.workflow(snapshot.workflow)?.fieldTypes ?? [:]
        let history = view.history(stored).map { item -> [String: Any] in
            let entry = item.entry
            var changes: [[String: Any]] = []
            if case .array(let list)? = try? JSONReader.read(entry.changesJSON) {
                for change in list {
                    guard let name = change["field"]?.string else { continue }
                    let raw = change["new"] ?? .null
                    var shown = raw.text
                    if let type = types[name], let value = try? DataBinding.value(raw, as: type, path: name) {
                        shown = PageValues.text(
                            value, type: workflow?.field(name)?.type, unit: unit, zone: zone, labels: labels)
                    }
                    changes.append(["field": fieldLabel(name), "value": shown])
                }
            }
            return [
                "event": entry.event, "hasFrom": entry.from != nil, "from": entry.from.map(stateTitle) ?? "",
                "to": stateTitle(entry.to), "at": PageValues.time(entry.at, zone: zone), "atISO": zone.text(entry.at),
                "actor": item.actor ?? item.actorHidden?.mark ?? CaseView.mark, "hasChanges": !changes.isEmpty,
                "changes": changes,
            ]
        }

        // One form per event the viewer may send now.
        let forms = own.actions(snapshot, for: actor).map { event -> [String: Any] in
            let transition = workflow?.transitions.first {
                $0.event.text == event && workflow?.sources(of: $0).contains(snapshot.state) == true
            }
            let title = transition?.title ?? event
            let fields = Self.inputs(of: event, in: workflow, state: snapshot.state)
            let inputs = PageForm.inputs(
                fields, formID: "event-\(event)", unit: unit, labels: labels, prefill: prefill,
                photoHint: photoHint(labels))
            var allowed = CharacterSet.urlPathAllowed
            allowed.remove("/")
            let path = event.addingPercentEncoding(withAllowedCharacters: allowed) ?? event
            return [
                "event": event, "title": title, "button": title == event ? labels["send"] ?? event : title,
                "action": Self.caseHref(snapshot.id) + "/events/" + path, "inputs": inputs,
                "hasFiles": fields.contains { CaseAttachment.holds($0.type) },
            ]
        }

        let diagram =
            workflow.map {
                WorkflowSVG().render(
                    $0, current: snapshot.state, title: (labels["diagram"] ?? "") + ": " + workflowTitle,
                    currentLabel: labels["current"] ?? "current")
            } ?? ""
        let context: [String: Any] = [
            "workflowTitle": workflowTitle, "state": snapshot.state, "stateTitle": stateTitle(snapshot.state),
            "version": String(snapshot.version), "hasRefusal": refusal != nil, "refusalTitle": refusal?.title ?? "",
            "refusalMessage": refusal?.message ?? "", "hasExplanation": !(refusal?.explanation.isEmpty ?? true),
            "explanation": (refusal?.explanation ?? []).map { ["expression": $0.text, "value": $0.value] },
            "hasForms": !forms.isEmpty, "forms": forms, "fields": fields, "problems": view.problems,
            "diagram": diagram, "history": history,
        ]
        return page(frame, title: "\(workflowTitle) \(snapshot.id)", template: "case", context, status: status)
    }
}
