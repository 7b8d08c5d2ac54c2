import Foundation
import GridflowDefinitions
import GridflowExpressions
import GridflowRuntime
import GridflowStore
import HTTPTypes
import Hummingbird

/// A unit's intake workflow: the one a worker opens to report an issue, which the report form
/// (`/units/{unit}/report/{node}`) is generated from. It is the unit's one workflow whose
/// `opener: true` person field is optional (a report may be anonymous) and whose `place:` is a
/// field of type `org_node` (`place: case.team`), which the form's node fills.
struct IntakeWorkflow {
    var workflow: Workflow
    /// The `org_node` field the node fills (the workflow's place).
    var placeField: String
    /// The optional `person` field that names the reporter (`opener: true`).
    var openerField: String
    /// Whether a report may be anonymous: `started_by` names `system`, so the engine opens it
    /// with the opener field empty. Otherwise only a signed-in person reports, under their name.
    var anonymous: Bool

    /// The intake workflow of `definitions`; a page saying why not when there is none or more than one.
    static func of(_ definitions: UnitDefinitions) -> Result<IntakeWorkflow, Problem> {
        var found: [IntakeWorkflow] = []
        for workflow in definitions.workflows {
            guard let opener = workflow.fields.first(where: \.opener), !opener.required,
                let place = workflow.place?.text.trimmingCharacters(in: .whitespaces), place.hasPrefix("case."),
                let field = workflow.field(String(place.dropFirst(5))), case .orgNode = field.type
            else { continue }
            found.append(
                IntakeWorkflow(
                    workflow: workflow, placeField: field.name.text, openerField: opener.name.text,
                    anonymous: workflow.startedBy.contains { $0.text == Unit.Role.system }))
        }
        let unit = definitions.unit.name.text
        guard found.count == 1 else {
            return .failure(
                found.isEmpty
                    ? Problem.notFound(
                        "unit '\(unit)' has no report form: no workflow has an optional opener field and a place of type org_node"
                    )
                    : Problem.notFound(
                        "unit '\(unit)' has no single report form: "
                            + found.map(\.workflow.name.text).sorted().joined(separator: ", ")
                            + " each have an optional opener field and a place of type org_node"))
        }
        return .success(found[0])
    }

    /// The fields the form asks for: those a case must have when it opens (required, and not
    /// supplied by a transition later), but the place (the node fills it) and the opener.
    func formFields(_ compiled: CompiledWorkflow) -> [Field] {
        compiled.requiredAtOpen.filter { $0 != placeField && $0 != openerField }.compactMap(workflow.field)
    }

    /// The photo fields the form asks for: the `attachment` and `list of attachment` fields no
    /// transition supplies later (the report's `photos`, not the rectification's evidence).
    var photoFields: [Field] {
        let supplied = Set(
            workflow.transitions.flatMap { transition in
                transition.input.map(\.text) + transition.set.map(\.field.text)
                    + transition.decide.flatMap { $0.assign.map(\.field.text) }
            })
        return workflow.fields.filter { CaseAttachment.holds($0.type) && !supplied.contains($0.name.text) }
    }
}

/// Receipt codes: 20 characters of Crockford's base 32 (100 random bits) in groups of five;
/// the store keeps the SHA-256 of the normalised code.
enum ReceiptCode {
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    static func new() -> String {
        var generator = SystemRandomNumberGenerator()
        let characters = (0..<20).map { _ in alphabet[Int.random(in: 0..<32, using: &generator)] }
        return stride(from: 0, to: 20, by: 5).map { String(characters[$0..<$0 + 5]) }.joined(separator: "-")
    }

    /// The code as typed, normalised (case, hyphens and spaces, O for 0, I and L for 1), or nil
    /// if it has not a code's form.
    static func normalised(_ text: String) -> String? {
        var out = ""
        for character in text.uppercased() where character != "-" && character != " " {
            switch character {
            case "O": out.append("0")
            case "I", "L": out.append("1")
            default:
                guard alphabet.contains(character) else { return nil }
                out.append(character)
            }
        }
        return out.count == 20 ? out : nil
    }

    /// A normalised code as shown: four groups of five.
    static func grouped(_ normalised: String) -> String {
        let characters = Array(normalised)
        return stride(from: 0, to: characters.count, by: 5).map {
            String(characters[$0..<min($0 + 5, characters.count)])
        }.joined(separator: "-")
    }

    static func hash(_ normalised: String) -> String { TokenAuthority.hash("receipt\n" + normalised) }
}

/// The anonymous form cookie: the report form and the receipt page are used without a session,
/// yet their POSTs are CSRF-checked. The cookie (`gridflow_form`, HttpOnly) holds the time it was
/// issued and a random secret; the form's `_csrf` is derived from it, and a POST is taken only
/// with both, the cookie at most two hours old.
enum FormCookie {
    static let name = "gridflow_form"
    static let seconds = 2 * 3600

    static func new(at now: Instant) -> String { "\(now.seconds)-" + WebSignIn.newSecret() }

    /// The cookie's value if it is well formed and live at `now`.
    static func live(_ headers: HTTPFields, at now: Instant) -> String? {
        guard let value = WebSignIn.cookie(name, in: headers) else { return nil }
        let parts = value.split(separator: "-", maxSplits: 1)
        guard parts.count == 2, let issued = Int(parts[0]), WebSignIn.isWellFormed(String(parts[1])),
            issued <= now.seconds + 60, now.seconds - issued < seconds
        else { return nil }
        return value
    }

    static func token(_ value: String) -> String { TokenAuthority.hash("form\n" + value) }

    static func setCookie(_ value: String, secure: Bool) -> String {
        "\(name)=\(value); Path=/; Max-Age=\(seconds); HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "")
    }
}

extension PageSite {
    func addReportPages(to router: Router<APIContext>) {
        router.get("/units/:unit/report/:node") { request, context in
            await self.answer { try self.reportForm(request, context) }
        }
        router.post("/units/:unit/report/:node") { request, context in
            await self.answer { try await self.report(request, context) }
        }
        router.get("/receipts/:code") { request, context in
            await self.answer { try self.receipt(request, context) }
        }
        router.post("/receipts/:code/events/:event") { request, context in
            await self.answer { try await self.rate(request, context) }
        }
    }

    /// The frame of a page of `unit` without (or with another unit's) session: the unit's language.
    func makeFrame(_ session: PageSession?, unit name: String) -> Frame {
        if let session, session.unit == name { return makeFrame(session) }
        var frame = makeFrame(nil)
        guard let engine = try? daemon.engine(unit: name) else { return frame }
        let unit = engine.program.types.unit
        let locale = unit.locale.flatMap { UnitLocale($0.text) } ?? .english
        frame.lang = locale.description
        frame.labels = PageLabels.of(locale)
        frame.unitTitle = unit.title ?? unit.name.text
        return frame
    }

    /// The live form cookie of the request, or a new one with the header that sets it.
    func formCookie(_ request: Request) -> (value: String, headers: HTTPFields) {
        let now = daemon.now()
        if let value = FormCookie.live(request.headers, at: now) { return (value, [:]) }
        let value = FormCookie.new(at: now)
        var headers = HTTPFields()
        headers[.setCookie] = FormCookie.setCookie(value, secure: secure)
        return (value, headers)
    }

    /// The form of a POST without a session (URL-encoded, or multipart with its photos): it must
    /// carry the token of the live form cookie.
    func anonymousForm(_ request: Request, _ context: APIContext, frame: Frame) async throws -> (
        FormBody, [MultipartForm.Part]
    ) {
        let (form, files) = try await readForm(request, context, frame: frame)
        try checkFormToken(request, form, frame: frame)
        return (form, files)
    }

    /// Refuses a form without the token of the live form cookie.
    func checkFormToken(_ request: Request, _ form: FormBody, frame: Frame) throws {
        guard let value = FormCookie.live(request.headers, at: daemon.now()), let token = form.first("_csrf"),
            WebSignIn.same(token, FormCookie.token(value))
        else {
            throw PageAnswer(
                response: message(
                    frame, title: frame.labels["formRefused"] ?? "Forbidden",
                    frame.labels["formRefusedText"] ?? "", hint: frame.labels["formRefusedHint"],
                    status: .forbidden))
        }
    }

    /// What the report form of a unit's node stands on: its engine, definitions, intake workflow and node.
    struct ReportTarget {
        var engine: Engine
        var definitions: UnitDefinitions
        var intake: IntakeWorkflow
        var compiled: CompiledWorkflow
        var node: OrgNode
    }

    func reportTarget(_ context: APIContext) throws -> ReportTarget {
        let unit = try context.parameters.require("unit")
        let nodeName = try context.parameters.require("node")
        let engine: Engine
        do { engine = try daemon.engine(unit: unit) } catch {
            throw Problem.notFound("no unit '\(unit)' is deployed here")
        }
        let definitions = try unitDefinitions(unit: unit, version: engine.program.version)
        let intake = try IntakeWorkflow.of(definitions).get()
        guard let compiled = engine.program.workflow(intake.workflow.name.text) else {
            throw Problem.notFound("unit '\(unit)' has no workflow '\(intake.workflow.name.text)'")
        }
        guard let node = definitions.unit.tree?.walk().first(where: { $0.node.name.text == nodeName })?.node else {
            throw PageAnswer(
                response: message(
                    makeFrame(nil, unit: unit), title: makeFrame(nil, unit: unit).labels["report"] ?? "Report",
                    "Unit '\(unit)' has no org node '\(nodeName)'.", hint: "Scan the code again, or ask who posted it.",
                    status: .notFound))
        }
        return ReportTarget(
            engine: engine, definitions: definitions, intake: intake, compiled: compiled, node: node)
    }

    /// `GET /units/{unit}/report/{node}`: the report form of a node.
    func reportForm(_ request: Request, _ context: APIContext) throws -> Response {
        let target = try reportTarget(context)
        let session = try session(request)
        return reportPage(target, request: request, session: session)
    }

    func reportPage(
        _ target: ReportTarget, request: Request, session: PageSession?, error: String? = nil,
        prefill: [String: [String]] = [:], status: HTTPResponse.Status = .ok
    ) -> Response {
        let unit = target.definitions.unit.name.text
        let frame = makeFrame(session, unit: unit)
        let labels = frame.labels
        let (cookie, headers) = formCookie(request)
        let signedIn = session?.unit == unit
        // The fields, then the photos (file inputs), each once.
        let photoFields = target.intake.photoFields
        let fields =
            target.intake.formFields(target.compiled).filter { field in
                !photoFields.contains { $0.name.text == field.name.text }
            } + photoFields
        let inputs = PageForm.inputs(
            fields, formID: "report", unit: target.definitions.unit, labels: labels, prefill: prefill,
            photoHint: photoHint(labels))
        let chosen = prefill["_identity"]?.first ?? (target.intake.anonymous ? "anonymous" : "real_name")
        let placeField = target.intake.workflow.field(target.intake.placeField)
        let context: [String: Any] = [
            "csrf": FormCookie.token(cookie),
            "workflowTitle": target.intake.workflow.title ?? target.intake.workflow.name.text,
            "placeLabel": placeField?.title ?? target.intake.placeField,
            "nodeTitle": target.node.title ?? target.node.name.text, "node": target.node.name.text,
            "action": "/units/\(unit)/report/\(target.node.name.text)", "inputs": inputs,
            "anonymousAllowed": target.intake.anonymous, "signedIn": signedIn,
            "anonymousChecked": chosen == "anonymous" && target.intake.anonymous,
            "realNameChecked": chosen == "real_name" || !target.intake.anonymous,
            "personName": signedIn ? frame.personName : "",
            "canSend": target.intake.anonymous || signedIn, "hasError": error != nil, "error": error ?? "",
            "hasPhotos": !photoFields.isEmpty,
        ]
        return page(
            frame, title: target.intake.workflow.title ?? labels["report"] ?? "Report", template: "report", context,
            status: status, headers: headers)
    }

    /// `POST /units/{unit}/report/{node}`: opens the report (anonymously by the engine, or as the
    /// signed-in person under their name) and goes on to its receipt.
    func report(_ request: Request, _ context: APIContext) async throws -> Response {
        let target = try reportTarget(context)
        let unit = target.definitions.unit.name.text
        let session = try session(request)
        let frame = makeFrame(session, unit: unit)
        // A report without the unit's session may be anonymous: it counts against the address's
        // rate, before its body is read.
        if session?.unit != unit, let seconds = daemon.reportRateExceeded(context) {
            var headers = HTTPFields()
            headers[.retryAfter] = String(seconds)
            return message(
                frame, title: frame.labels["tooManyReports"] ?? "Too many reports",
                (frame.labels["tooManyReportsText"] ?? "").replacingOccurrences(of: "{seconds}", with: String(seconds)),
                status: .tooManyRequests, headers: headers)
        }
        let (form, files) = try await anonymousForm(request, context, frame: frame)
        let labels = frame.labels
        let prefill = form.grouped
        func again(_ text: String, _ status: HTTPResponse.Status) -> Response {
            reportPage(target, request: request, session: session, error: text, prefill: prefill, status: status)
        }
        let engine = target.engine
        let now = daemon.now()
        let workflow = target.intake.workflow.name.text
        var json: JSONObject
        do {
            json = try PageForm.json(
                form, fields: target.intake.formFields(target.compiled), zone: engine.program.calendar.zone)
        } catch { return again(error.message, .badRequest) }
        json[target.intake.placeField] = .string(target.node.name.text)
        let actor: Actor
        switch form.first("_identity") ?? "anonymous" {
        case "anonymous":
            guard target.intake.anonymous else { return again(labels["anonymousNotAllowed"] ?? "", .forbidden) }
            // Opened by the engine (`started_by: system`): the opener field stays empty.
            actor = .system
        case "real_name":
            guard let session, session.unit == unit else {
                return again(labels["signInForRealName"] ?? "", .unauthorized)
            }
            actor = try engine.actor(session.person, roles: [], now: now)
            json[target.intake.openerField] = .string("@" + session.person)
        default:
            return again("_identity: anonymous or real_name", .badRequest)
        }
        var values: [String: Value]
        do { values = try routes.input(json, engine: engine, workflow: workflow) } catch let problem as Problem {
            return again(problem.detail, problem.status)
        }
        // The photos, checked and stripped before any is stored; the fields refer to them.
        let photos: [(field: Field, photos: [CaseAttachment.Photo])]
        do { photos = try self.photos(files, fields: target.intake.photoFields) } catch {
            return again(error.message, HTTPResponse.Status(code: error.status))
        }
        let stored: [StoredFile]
        do {
            stored = try storePhotos(
                photos, engine: engine, owner: actor.isEngine ? "anonymous" : actor.id, now: now, into: &values)
        } catch { throw Problem.file(error) }
        let started = ContinuousClock.now
        let opened: CaseSnapshot
        do { opened = try await engine.open(workflow, input: values, by: actor, now: now) } catch {
            engine.dropAttachments(stored, now: now)
            DaemonMetrics.step(unit: unit, outcome: Routes.outcome(error))
            routes.logStep(
                context, unit: unit, case: nil, workflow: workflow, event: "open", error: error, since: started)
            guard [.rejected, .incident].contains(error.code) else { throw Problem.engine(error) }
            return again(error.message, .unprocessableContent)
        }
        DaemonMetrics.step(unit: unit, outcome: "committed", duration: ContinuousClock.now - started)
        routes.logStep(
            context, unit: unit, case: opened.id, workflow: workflow, event: "open", version: opened.version,
            since: started)
        daemon.wake.yield()
        var code = ReceiptCode.new()
        var attempt = 0
        while true {
            attempt += 1
            do {
                try daemon.store.saveReceipt(
                    hash: ReceiptCode.hash(ReceiptCode.normalised(code)!), unit: unit, caseID: opened.id, at: now)
                break
            } catch  where error.code == .conflict && attempt < 3 {
                code = ReceiptCode.new()
            } catch {
                throw Problem.engine(
                    EngineError(
                        .store, "case \(opened.id) was opened, but its receipt was not stored: \(error.message)"))
            }
        }
        return seeOther("/receipts/\(code)?new=1")
    }

    /// The receipt's case, its engine, and who the reporter is on it.
    struct ReceiptCase {
        var code: String
        var engine: Engine
        var snapshot: CaseSnapshot
        var definitions: UnitDefinitions
        var intake: IntakeWorkflow
        /// Who reads the case on the receipt page: the reporter's person, else nobody named.
        var viewer: Viewer
        /// Who may send the reporter's events from the receipt page, if anyone here may.
        var actor: Actor?
    }

    func receiptCase(_ request: Request, _ context: APIContext, session: PageSession?) throws -> ReceiptCase {
        let given = try context.parameters.require("code")
        var stored: ReportReceipt?
        var code = given
        if let normalised = ReceiptCode.normalised(given) {
            code = ReceiptCode.grouped(normalised)
            do { stored = try daemon.store.receipt(hash: ReceiptCode.hash(normalised)) } catch {
                throw Problem.engine(EngineError(.store, error.message))
            }
        }
        guard let stored, let found = try? daemon.store.load(stored.caseID) else {
            let frame = makeFrame(session)
            throw PageAnswer(
                response: message(
                    frame, title: frame.labels["receipt"] ?? "Receipt", frame.labels["receiptUnknown"] ?? "",
                    status: .notFound))
        }
        let engine = try daemon.engine(unit: stored.unit).on(version: found.definitionVersion)
        let snapshot = try engine.snapshot(found)
        let definitions = try unitDefinitions(unit: stored.unit, version: snapshot.definitionVersion)
        guard let workflow = definitions.workflow(snapshot.workflow),
            let opener = workflow.fields.first(where: \.opener)
        else { throw Problem.notFound("case \(snapshot.id): its workflow is not deployed") }
        let intake = IntakeWorkflow(
            workflow: workflow, placeField: "", openerField: opener.name.text,
            anonymous: workflow.startedBy.contains { $0.text == Unit.Role.system })
        let now = daemon.now()
        var viewer = Viewer.anyone
        var actor: Actor?
        let reporter = engine.program.workflow(snapshot.workflow)?.caseType.layout.slot(of: opener.name.text).map {
            snapshot.fields.slots[$0]
        }
        if case .record(let person)? = reporter, case .string(let id)? = person["id"] {
            // A real-name report: the reporter reads it as themselves and acts when signed in as them.
            if let own = try? engine.actor(id, roles: [], now: now) {
                viewer = .person(own)
                if session?.unit == stored.unit && session?.person == id { actor = own }
            }
        } else {
            // An anonymous report: the receipt is the reporter's only credential.
            actor = .anonymousOpener
        }
        return ReceiptCase(
            code: code, engine: engine, snapshot: snapshot, definitions: definitions, intake: intake, viewer: viewer,
            actor: actor)
    }

    /// `GET /receipts/{code}`: the report as its reporter may follow it.
    func receipt(_ request: Request, _ context: APIContext) throws -> Response {
        let session = try session(request)
        let found = try receiptCase(request, context, session: session)
        let fresh = request.uri.queryParameters.get("new") == "1"
        return try receiptPage(found, request: request, session: session, fresh: fresh)
    }

    /// The events the reporter may send now from the receipt page: the transitions taken as the
    /// opener's person (`person: reporter`) that the acting reporter may take.
    func reporterEvents(_ found: ReceiptCase) -> [Transition] {
        guard let actor = found.actor else { return [] }
        let allowed = Set(found.engine.actions(found.snapshot, for: actor))
        var seen: Set<String> = []
        return found.intake.workflow.transitions.filter { transition in
            transition.person?.text == found.intake.openerField && allowed.contains(transition.event.text)
                && found.intake.workflow.sources(of: transition).contains(found.snapshot.state)
                && seen.insert(transition.event.text).inserted
        }
    }

    func receiptPage(
        _ found: ReceiptCase, request: Request, session: PageSession?, fresh: Bool = false, error: String? = nil,
        prefill: [String: [String]] = [:], status: HTTPResponse.Status = .ok
    ) throws -> Response {
        let snapshot = found.snapshot
        let frame = makeFrame(session, unit: snapshot.unit)
        let labels = frame.labels
        let now = daemon.now()
        guard let view = try found.engine.view(snapshot, for: found.viewer, now: now) else {
            throw Problem.notFound("case \(snapshot.id): its workflow '\(snapshot.workflow)' is not deployed")
        }
        let workflow = found.intake.workflow
        let unit = found.definitions.unit
        let zone = found.engine.program.calendar.zone
        func stateTitle(_ name: String) -> String { workflow.state(name)?.title ?? name }
        // Only what the reporter may read: a hidden field is left out, and so is an empty one.
        var fields: [[String: Any]] = []
        for field in workflow.fields where view.hiddenField(field.name.text) == nil {
            guard let value = view.value(of: field.name.text), value != .null else { continue }
            let attachments =
                CaseAttachment.holds(field.type)
                ? attachmentLinks(value, field: field.name.text, base: "/receipts/\(found.code)") : []
            fields.append([
                "name": field.name.text, "label": field.title ?? field.name.text,
                "value": PageValues.text(value, type: field.type, unit: unit, zone: zone, labels: labels),
                "hasAttachments": !attachments.isEmpty, "attachments": attachments,
            ])
        }
        // The progress: each step's states and time, never who took it.
        let stored: [StoredHistory]
        do { stored = try found.engine.store.history(snapshot.id) } catch {
            throw Problem.engine(EngineError(.store, error.message))
        }
        let progress = stored.map { entry -> [String: Any] in
            let title = workflow.transitions.first { $0.event.text == entry.event }?.title ?? entry.event
            return [
                "event": entry.event == "open" ? labels["submitted"] ?? "open" : title,
                "to": stateTitle(entry.to), "at": PageValues.time(entry.at, zone: zone), "atISO": zone.text(entry.at),
            ]
        }
        let (cookie, headers) = formCookie(request)
        let forms = reporterEvents(found).map { transition -> [String: Any] in
            let event = transition.event.text
            let fields = transition.input.compactMap { workflow.field($0.text) }
            return [
                "event": event, "title": transition.title ?? event,
                "button": transition.title ?? labels["send"] ?? event,
                "action": "/receipts/\(found.code)/events/\(event)",
                "inputs": PageForm.inputs(
                    fields, formID: "event-\(event)", unit: unit, labels: labels, prefill: prefill,
                    photoHint: photoHint(labels)),
                "hasFiles": fields.contains { CaseAttachment.holds($0.type) },
            ]
        }
        let context: [String: Any] = [
            "csrf": FormCookie.token(cookie), "code": found.code, "fresh": fresh, "caseID": snapshot.id,
            "receiptURL": "/receipts/\(found.code)", "workflowTitle": workflow.title ?? workflow.name.text,
            "state": snapshot.state, "stateTitle": stateTitle(snapshot.state), "version": String(snapshot.version),
            "fields": fields, "progress": progress, "forms": forms, "hasForms": !forms.isEmpty,
            "signInToAct": found.actor == nil
                && workflow.state(snapshot.state)?.task?.person?.text == found.intake.openerField,
            "hasError": error != nil, "error": error ?? "",
        ]
        return page(
            frame, title: labels["receipt"] ?? "Receipt", template: "receipt", context, status: status,
            headers: headers)
    }

    /// `POST /receipts/{code}/events/{event}`: the reporter's event (a satisfaction rating), by
    /// the receipt; then back to the receipt page.
    func rate(_ request: Request, _ context: APIContext) async throws -> Response {
        let session = try session(request)
        let found = try receiptCase(request, context, session: session)
        let frame = makeFrame(session, unit: found.snapshot.unit)
        let (form, files) = try await anonymousForm(request, context, frame: frame)
        let event = try context.parameters.require("event")
        let prefill = form.grouped
        func again(_ text: String, _ status: HTTPResponse.Status) throws -> Response {
            try receiptPage(found, request: request, session: session, error: text, prefill: prefill, status: status)
        }
        guard let actor = found.actor, let transition = reporterEvents(found).first(where: { $0.event.text == event })
        else {
            return try again(frame.labels["notYours"] ?? "", .forbidden)
        }
        guard let text = form.first("_version"), let expected = Int(text), expected == found.snapshot.version else {
            return try again(frame.labels["changed"] ?? "", .conflict)
        }
        let engine = found.engine
        let fields = transition.input.compactMap { found.intake.workflow.field($0.text) }
        let json: JSONObject
        do { json = try PageForm.json(form, fields: fields, zone: engine.program.calendar.zone) } catch {
            return try again(error.message, .badRequest)
        }
        var values: [String: Value]
        do { values = try routes.input(json, engine: engine, workflow: found.snapshot.workflow) } catch let problem
            as Problem
        {
            return try again(problem.detail, problem.status)
        }
        let photos: [(field: Field, photos: [CaseAttachment.Photo])]
        do { photos = try self.photos(files, fields: fields) } catch {
            return try again(error.message, HTTPResponse.Status(code: error.status))
        }
        let now = daemon.now()
        let stored: [StoredFile]
        do {
            // The anonymous reporter's id is `anonymous`.
            stored = try storePhotos(photos, engine: engine, owner: actor.id, now: now, into: &values)
        } catch { throw Problem.file(error) }
        let unit = found.snapshot.unit
        let started = ContinuousClock.now
        do {
            _ = try await engine.act(
                found.snapshot.id, event: event, input: values, by: actor, now: now, expectedVersion: expected)
        } catch {
            engine.dropAttachments(stored, now: now)
            DaemonMetrics.step(unit: unit, outcome: Routes.outcome(error))
            routes.logStep(
                context, unit: unit, case: found.snapshot.id, workflow: found.snapshot.workflow, event: event,
                error: error, since: started)
            guard [.rejected, .incident, .conflict].contains(error.code) else { throw Problem.engine(error) }
            let problem = Problem.engine(
                error, view: try engine.view(found.snapshot, for: found.viewer, now: daemon.now()))
            return try again(problem.detail, problem.status)
        }
        DaemonMetrics.step(unit: unit, outcome: "committed", duration: ContinuousClock.now - started)
        routes.logStep(
            context, unit: unit, case: found.snapshot.id, workflow: found.snapshot.workflow, event: event,
            since: started)
        daemon.wake.yield()
        return seeOther("/receipts/\(found.code)")
    }
}

/// A case's attachments on its pages: the links of a field the viewer sees, and the download,
/// which the case's view decides.
extension PageSite {
    func addAttachmentPages(to router: Router<APIContext>) {
        router.get("/cases/:id/attachments/:field/:file") { request, context in
            await self.answer { try self.caseAttachment(request, context) }
        }
        router.get("/receipts/:code/attachments/:field/:file") { request, context in
            await self.answer { try self.receiptAttachment(request, context) }
        }
    }

    /// The links to the attachments `value` refers to (a field the viewer sees), under `base`.
    func attachmentLinks(_ value: Value, field: String, base: String) -> [[String: Any]] {
        CaseAttachment.references(value).map { reference in
            let name = (try? daemon.store.file(reference.id))?.name ?? "#\(reference.id)"
            return ["id": reference.id, "name": name, "href": "\(base)/attachments/\(field)/\(reference.id)"]
        }
    }

    /// `GET /cases/{id}/attachments/{field}/{file}`: the photo, when the viewer sees the field
    /// of the case and it refers to the file; 404 otherwise.
    func caseAttachment(_ request: Request, _ context: APIContext) throws -> Response {
        let session = try requireSession(request)
        let (engine, snapshot) = try routes.load(try context.parameters.require("id"), for: session.caller)
        let actor = try engine.actor(session.person, roles: [], now: daemon.now())
        let own = try engine.on(snapshot)
        guard let view = try own.view(snapshot, for: .person(actor), now: daemon.now()) else {
            throw Problem.notFound("case \(snapshot.id): its workflow '\(snapshot.workflow)' is not deployed")
        }
        return try attachmentResponse(own, view, context)
    }

    /// `GET /receipts/{code}/attachments/{field}/{file}`: the photo as the receipt's reporter may see it.
    func receiptAttachment(_ request: Request, _ context: APIContext) throws -> Response {
        let found = try receiptCase(request, context, session: try session(request))
        guard let view = try found.engine.view(found.snapshot, for: found.viewer, now: daemon.now()) else {
            throw Problem.notFound("case \(found.snapshot.id): its workflow is not deployed")
        }
        return try attachmentResponse(found.engine, view, context)
    }

    func attachmentResponse(_ engine: Engine, _ view: CaseView, _ context: APIContext) throws -> Response {
        let field = try context.parameters.require("field")
        let text = try context.parameters.require("file")
        guard let id = Int(text), id > 0 else { throw Problem.notFound("no attachment #\(text)") }
        let (file, bytes): (StoredFile, [UInt8])
        do { (file, bytes) = try engine.attachment(id, field: field, in: view) } catch { throw Problem.file(error) }
        var headers = Self.headers
        headers[.eTag] = "\"\(file.sha256)\""
        headers[.contentType] = file.contentType
        headers[.contentDisposition] = Routes.disposition(file.name)
        headers[HTTPField.Name("Content-Security-Policy")!] = "default-src 'none'; sandbox"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
