import Foundation
import GridflowExpressions
import GridflowRuntime
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// A request's context: who calls, once the token is checked.
struct APIContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var caller: Caller?
    /// The client's address, for the anonymous reports' rate limit alone: never logged, never stored.
    let clientAddress: String?

    init(source: Source) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress
    }

    /// A request body is at most 1 MB.
    var maxUploadSize: Int { 1 << 20 }
}

/// The caller of an authenticated route.
extension APIContext {
    func requireCaller() throws -> Caller {
        guard let caller else { throw Problem.unauthorized }
        return caller
    }
}

/// Answers 503 once the daemon stops, and 401 to a request without a valid token (but the
/// health routes, which need none).
struct GateMiddleware: RouterMiddleware {
    let daemon: Daemon

    /// The case a request to `/v1/cases/{id}` or below it names, to be read with the token; what
    /// the route takes from the path decides, so an id written otherwise is only not read ahead.
    static func caseID(in path: String) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[0].isEmpty, parts[1] == "v1", parts[2] == "cases", !parts[3].isEmpty else {
            return nil
        }
        return String(parts[3])
    }

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response)
        async throws -> Response
    {
        if daemon.isStopping { return Problem.stopping.response }
        let path = request.uri.path
        // The pages find their person by the session cookie (`PageSite`), not a token.
        if PagePaths.contains(path) || Endpoint.allCases.contains(where: { $0.isPublic && $0.path == path }) {
            return try await next(request, context)
        }
        guard let header = request.headers[.authorization] else { return Problem.unauthorized.response }
        guard let presented = TokenAuthority.bearer(fromAuthorization: header) else {
            return Problem(
                .unauthorized, "unauthorized", "Not authenticated", "the Authorization header takes 'Bearer TOKEN'"
            ).response
        }
        let outcome: Result<Caller, TokenProblem>
        let facts: TokenFacts?
        do {
            (outcome, facts) = try await TokenAuthority.authenticateWithFactsAsync(
                presented: presented, now: daemon.now(), store: daemon.store, readingAhead: Self.caseID(in: path))
        } catch {
            return Problem(.serviceUnavailable, "store", "The store cannot answer", error.message).response
        }
        switch outcome {
        case .failure(let failure):
            return Problem(.unauthorized, "unauthorized", "Not authenticated", failure.message).response
        case .success(let caller):
            var context = context
            context.caller = caller
            return try await RequestFacts.$current.withValue(facts.map(RequestFacts.init)) {
                try await next(request, context)
            }
        }
    }
}

/// What was read with a request's token (its unit's active deployment, its person's directory
/// stamp), so the request need not read them again: each is taken once, by the first call that
/// needs it (`Daemon.engine(unit:)`, `Daemon.actor`), as if it read the store then; later calls
/// in the same request (after a deployment or an import it made) read the store.
final class RequestFacts: Sendable {
    @TaskLocal static var current: RequestFacts?

    private let unit: String
    private let person: String
    private let activeDeployment: Mutex<String??>
    private let personStamp: Mutex<DirectoryStamp?>
    private let readAhead: Mutex<ReadAhead?>

    init(_ facts: TokenFacts) {
        unit = facts.token.unit
        person = facts.token.person
        activeDeployment = Mutex(.some(facts.activeDeployment))
        personStamp = Mutex(facts.personStamp)
        readAhead = Mutex(facts.readAhead)
    }

    /// The case `id` as read with the token (itself `nil` when the store held none), or `nil`
    /// when it was not read ahead, was taken already, or is another.
    func takeCase(id: String) -> StoredCase?? {
        readAhead.withLock { value in
            guard let read = value, read.id == id else { return nil }
            value = nil
            return .some(read.stored)
        }
    }

    /// The unit's active deployment as read with the token (itself `nil` when there was none),
    /// or `nil` when it was taken already or `unit` is another.
    func takeActiveDeployment(unit: String) -> String?? {
        guard unit == self.unit else { return nil }
        return activeDeployment.withLock { value in
            defer { value = nil }
            return value
        }
    }

    /// The directory stamp of the token's person as read with the token, or `nil` when it was
    /// taken already or `unit` or `person` is another.
    func takePersonStamp(unit: String, person: String) -> DirectoryStamp? {
        guard unit == self.unit, person == self.person else { return nil }
        return personStamp.withLock { value in
            defer { value = nil }
            return value
        }
    }
}

/// The routes of the API (`docs/daemon.md`).
struct Routes {
    let daemon: Daemon
    /// Where each step a request takes is logged (`step`).
    var logger = Logger(label: "gridflow")

    func add(to router: Router<APIContext>) {
        for endpoint in Endpoint.allCases {
            router.on(RouterPath(endpoint.routerPath), method: endpoint.method) { request, context in
                try await handle(endpoint, request, context)
            }
        }
    }

    func handle(_ endpoint: Endpoint, _ request: Request, _ context: APIContext) async throws -> Response {
        switch endpoint {
        case .health: return json(["status": .string("ok")])
        case .ready:
            do {
                _ = try daemon.store.deployedUnits()
                return json(["status": .string("ready")])
            } catch {
                return Problem(.serviceUnavailable, "store", "The store cannot answer", "\(error)").response
            }
        case .openAPI: return Reply(text: OpenAPIDocument.json).response
        case .metrics:
            guard let metrics = daemon.metrics else { throw Problem.notFound("this daemon keeps no metrics") }
            var reply = Reply(text: metrics.text(daemon: daemon))
            reply.contentType = "text/plain; version=0.0.4; charset=utf-8"
            return reply.response
        case .openCase:
            let caller = try context.requireCaller()
            let bytes = try await body(request, context)
            return try await idempotent(request, caller, bytes) { try await open(bytes, context, caller) }
        case .listCases: return try await list(request, context)
        case .showCase: return try await show(context)
        case .act:
            let caller = try context.requireCaller()
            let bytes = try await body(request, context)
            return try await idempotent(request, caller, bytes) { try await act(request, bytes, context, caller) }
        case .listTasks: return try tasks(context).response
        case .listNotifications: return try notifications(request, context).response
        case .readNotification: return try readNotification(context).response
        case .listIncidents: return try incidents(request, context).response
        case .retryIncident:
            let caller = try administrator(context)
            let bytes = try await body(request, context)
            return try await idempotent(request, caller, bytes) { try retry(context, caller) }
        case .listDeployments: return try deployments(context).response
        case .deploy:
            let caller = try administrator(context)
            let bytes = try await body(request, context)
            return try await idempotent(request, caller, bytes) { try deploy(bytes, context, caller) }
        case .rollback:
            let caller = try administrator(context)
            let bytes = try await body(request, context)
            return try await idempotent(request, caller, bytes) { try rollback(bytes, context, caller) }
        case .migrate:
            let caller = try administrator(context)
            let bytes = try await body(request, context)
            return try await idempotent(request, caller, bytes) { try migrate(bytes, context, caller) }
        case .appraise:
            let caller = try administrator(context)
            let bytes = try await body(request, context)
            return try await idempotent(request, caller, bytes) { try appraise(bytes, caller) }
        case .report: return try report(request, context).response
        case .listFiles: return try listFiles(request, context).response
        case .uploadFile: return try await uploadFile(request, context).response
        case .downloadFile: return try downloadFile(request, context)
        case .deleteFile: return try deleteFile(context).response
        case .moveFile:
            _ = try context.requireCaller()
            return try moveFile(try await body(request, context), context).response
        case .fileHistory: return try fileHistory(request, context).response
        }
    }

    /// `POST /v1/units/{unit}/cases` `{"workflow": W, "fields": {…}}`: 201 with the case.
    func open(_ bytes: [UInt8], _ context: APIContext, _ caller: Caller) async throws -> Reply {
        let unit = try context.parameters.require("unit")
        // Another unit's token sees nothing of this one: not found, not forbidden.
        guard unit == caller.unit else { throw Problem.notFound("no unit '\(unit)' is deployed here") }
        let body = try object(bytes)
        guard case .string(let workflow)? = body["workflow"] else {
            throw Problem.badRequest(
                "the body names the workflow: {\"workflow\": W, \"fields\": {…}}", field: "workflow")
        }
        let fields = try fieldsObject(body)
        let engine = try daemon.engine(unit: unit)
        let now = daemon.now()
        let values = try input(fields, engine: engine, workflow: workflow)
        let actor = try daemon.actor(engine, caller.person, now: now)
        let started = ContinuousClock.now
        let opened: CaseSnapshot
        do { opened = try await engine.open(workflow, input: values, by: actor, now: now) } catch {
            DaemonMetrics.step(unit: unit, outcome: Self.outcome(error))
            logStep(context, unit: unit, case: nil, workflow: workflow, event: "open", error: error, since: started)
            throw error
        }
        let elapsed = ContinuousClock.now - started
        DaemonMetrics.step(unit: unit, outcome: "committed", duration: elapsed)
        logStep(
            context, unit: unit, case: opened.id, workflow: workflow, event: "open", version: opened.version,
            since: started)
        daemon.wake.yield()
        var reply = try document(engine, opened, actor: actor, full: false)
        reply.status = 201
        reply.location = "/v1/cases/\(opened.id)"
        return reply
    }

    /// `GET /v1/cases/{id}`: the case as the caller may see it, history included.
    func show(_ context: APIContext) async throws -> Response {
        let caller = try context.requireCaller()
        let (engine, snapshot) = try await loadAsync(try context.parameters.require("id"), for: caller)
        let actor = try daemon.actor(engine, caller.person, now: daemon.now())
        return try document(engine, snapshot, actor: actor, full: true).response
    }

    /// `POST /v1/cases/{id}/events/{event}` `{"fields": {…}}`: 200 with the case after the step.
    /// `If-Match: VERSION` refuses the step (409) unless the case is at that version.
    func act(_ request: Request, _ bytes: [UInt8], _ context: APIContext, _ caller: Caller) async throws -> Reply {
        let id = try context.parameters.require("id")
        let event = try context.parameters.require("event")
        let body = try object(bytes, empty: true)
        let fields = try fieldsObject(body)
        var expected: Int?
        if let match = request.headers[.ifMatch] {
            let text = match.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
            guard let version = Int(text), version >= 0 else {
                throw Problem.badRequest("If-Match takes the case's version, a whole number", field: "If-Match")
            }
            expected = version
        }
        let (engine, current) = try await loadAsync(id, for: caller)
        let now = daemon.now()
        let actor = try daemon.actor(engine, caller.person, now: now)
        if let expected, expected != current.version {
            logStep(
                context, unit: caller.unit, case: id, workflow: current.workflow, event: event, outcome: "conflict",
                code: "version-mismatch", since: ContinuousClock.now)
            throw Problem(
                .conflict, "version-mismatch", "The case changed meanwhile",
                "case \(id) is at version \(current.version), not \(expected) (If-Match)")
        }
        let values = try input(fields, engine: engine, workflow: current.workflow)
        let next: CaseSnapshot
        let started = ContinuousClock.now
        do {
            next = try await engine.act(id, event: event, input: values, by: actor, now: now, expectedVersion: expected)
        } catch {
            DaemonMetrics.step(unit: caller.unit, outcome: Self.outcome(error))
            logStep(
                context, unit: caller.unit, case: id, workflow: current.workflow, event: event, error: error,
                since: started)
            // A refusal shows the case as the caller saw it before the step (when that view
            // cannot be made, its failure is the answer: the refusal is not said unredacted).
            throw Problem.engine(error, view: try engine.view(current, for: .person(actor), now: now))
        }
        DaemonMetrics.step(unit: caller.unit, outcome: "committed", duration: ContinuousClock.now - started)
        logStep(
            context, unit: caller.unit, case: id, workflow: current.workflow, event: event, version: next.version,
            since: started)
        daemon.wake.yield()
        return try document(engine, next, actor: actor, full: false)
    }

    /// `GET /v1/cases?workflow=&state=&limit=&cursor=`: the caller's unit's cases, newest first, a
    /// page at a time; `next_cursor` fetches the next page.
    func list(_ request: Request, _ context: APIContext) async throws -> Response {
        let caller = try context.requireCaller()
        let query = request.uri.queryParameters
        if let unit = query.get("unit"), unit != caller.unit {
            throw Problem.notFound("no unit '\(unit)' is deployed here")
        }
        let (limit, cursor) = try page(request)
        let engine = try daemon.engine(unit: caller.unit)
        let now = daemon.now()
        let actor = try daemon.actor(engine, caller.person, now: now)
        let page: (cases: [StoredCase], next: Int64?)
        do {
            page = try daemon.store.cases(
                unit: caller.unit, workflow: query.get("workflow"), state: query.get("state"), before: cursor,
                limit: limit)
        } catch { throw Problem.engine(EngineError(.store, error.message)) }
        var items: [String] = []
        for stored in page.cases {
            let snapshot = try engine.snapshot(stored)
            let own = try engine.on(snapshot)
            guard let view = try own.view(snapshot, for: .person(actor), now: now) else { continue }
            items.append(try CaseDocument.json(engine: own, snapshot, view: view, viewer: .person(actor), full: false))
        }
        let text =
            "{\"cases\":[" + items.joined(separator: ",") + "],\"next_cursor\":"
            + (page.next.map { "\"\($0)\"" } ?? "null") + "}"
        return jsonText(text)
    }

    // MARK: Helpers

    /// A list's `limit` (1 to 500, default 50) and `cursor` (the `next_cursor` of a previous
    /// page), or a 400 naming the one that is wrong.
    func page(_ request: Request) throws -> (limit: Int, cursor: Int64?) {
        let query = request.uri.queryParameters
        var limit = 50
        if let text = query.get("limit") {
            guard let value = Int(text), (1...500).contains(value) else {
                throw Problem.badRequest("limit takes 1 to 500", field: "limit")
            }
            limit = value
        }
        var cursor: Int64?
        if let text = query.get("cursor") {
            guard let value = Int64(text), value > 0 else {
                throw Problem.badRequest("cursor takes the next_cursor of a previous page", field: "cursor")
            }
            cursor = value
        }
        return (limit, cursor)
    }

    /// Logs the step a request took, as one line: the request's id, the unit, case, workflow and
    /// event, the outcome (`advanced`, or `rejected`, `incident`, `conflict`, `failed`, with the
    /// refusal's code) and the step's duration. Never a field value, and never the message of a
    /// refusal, which may quote one: the code says what kind it was.
    func logStep(
        _ context: APIContext, unit: String, case id: String?, workflow: String, event: String,
        outcome: String = "advanced", code: String? = nil, version: Int? = nil, error: EngineError? = nil,
        since started: ContinuousClock.Instant
    ) {
        var metadata: Logger.Metadata = [
            "request_id": .string(context.id), "by": "request", "unit": .string(unit), "workflow": .string(workflow),
            "event": .string(event), "outcome": .string(error.map(Self.outcome) ?? outcome),
            "duration_ms": .string(milliseconds(ContinuousClock.now - started)),
        ]
        if let id { metadata["case"] = .string(id) }
        if let version { metadata["version"] = .stringConvertible(version) }
        if let code = code ?? error.flatMap(Self.code) { metadata["code"] = .string(code) }
        logger.info("step", metadata: metadata)
    }

    /// The code of a refused step: the rejection's (`not-permitted`, `guard-false`…) or the
    /// incident's; codes name kinds, never values.
    static func code(_ error: EngineError) -> String? {
        if let rejection = error.rejection { return rejection.code.rawValue }
        if let incident = error.incident { return incident.code }
        return error.code.rawValue
    }

    /// The field values of a body, each bound on its own so that a bad one is a 400 naming it.
    func input(_ fields: JSONObject, engine: Engine, workflow: String) throws -> [String: Value] {
        guard engine.program.workflow(workflow) != nil else {
            throw Problem.notFound(
                "unit '\(engine.program.unit)' has no workflow '\(workflow)'; workflows: "
                    + engine.program.workflows.keys.sorted().joined(separator: ", "))
        }
        var values: [String: Value] = [:]
        for (name, json) in fields.entries {
            do {
                for (key, value) in try engine.input(JSONObject([(name, json)]), for: workflow) { values[key] = value }
            } catch {
                guard error.code == .rejected else { throw Problem.engine(error) }
                throw Problem.badRequest(error.message, field: "fields." + name)
            }
        }
        return values
    }

    /// The case with `id` and the engine of the deployment it runs on; another unit's case is not found.
    func load(_ id: String, for caller: Caller) throws -> (Engine, CaseSnapshot) {
        let stored: StoredCase?
        do { stored = try daemon.store.load(id) } catch { throw Problem.engine(EngineError(.store, error.message)) }
        return try found(stored, id, for: caller)
    }

    /// `load(_:for:)`, suspending instead of blocking a thread while the store answers.
    func loadAsync(_ id: String, for caller: Caller) async throws -> (Engine, CaseSnapshot) {
        let stored: StoredCase?
        if let known = RequestFacts.current?.takeCase(id: id) {
            stored = known
        } else {
            do { stored = try await daemon.store.loadAsync(id) } catch {
                throw Problem.engine(EngineError(.store, error.message))
            }
        }
        return try found(stored, id, for: caller)
    }

    private func found(_ stored: StoredCase?, _ id: String, for caller: Caller) throws -> (Engine, CaseSnapshot) {
        guard let stored, stored.unit == caller.unit else { throw Problem.notFound("no case '\(id)'") }
        let engine = try daemon.engine(unit: caller.unit).on(version: stored.definitionVersion)
        return (engine, try engine.current(stored))
    }

    func document(_ engine: Engine, _ snapshot: CaseSnapshot, actor: Actor, full: Bool) throws -> Reply {
        let own = try engine.on(snapshot)
        guard let view = try own.view(snapshot, for: .person(actor), now: daemon.now()) else {
            throw Problem.notFound("case \(snapshot.id): its workflow '\(snapshot.workflow)' is not deployed")
        }
        return Reply(
            text: try CaseDocument.json(engine: own, snapshot, view: view, viewer: .person(actor), full: full))
    }

    /// The request's body (at most 1 MB).
    func body(_ request: Request, _ context: APIContext) async throws -> [UInt8] {
        var request = request
        return Array(try await request.collectBody(upTo: context.maxUploadSize).readableBytesView)
    }

    /// Runs `work` once per `Idempotency-Key` of the caller's token: a retry with the same key and
    /// the same request gets the first answer (`Idempotent-Replayed: true`) instead of acting
    /// twice; the key with another request is a 422; a first request that has not answered (in
    /// progress, or it did not finish) is a 409 and never acts again. A failure of the daemon
    /// (5xx) gives the key up, so a retry may act.
    func idempotent(_ request: Request, _ caller: Caller, _ bytes: [UInt8], _ work: () async throws -> Reply)
        async throws -> Response
    {
        guard let key = request.headers[Self.idempotencyKey] else { return try await work().response }
        guard (1...255).contains(key.utf8.count), key.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) })
        else {
            throw Problem.badRequest(
                "Idempotency-Key takes 1 to 255 visible ASCII characters", field: "Idempotency-Key")
        }
        let fingerprint = TokenAuthority.hash(
            request.method.rawValue + " " + request.uri.path + "\n" + String(decoding: bytes, as: UTF8.self))
        let store = daemon.store
        let claim: IdempotencyClaim
        do {
            claim = try store.claimIdempotencyKey(
                token: caller.tokenID, key: key, fingerprint: fingerprint, at: daemon.now())
        } catch {
            throw Problem.engine(EngineError(.store, error.message))
        }
        switch claim {
        case .answered(let known, let answer):
            guard known == fingerprint else { throw Self.reused }
            var reply = Reply(text: answer.body, status: answer.status, location: answer.location)
            reply.contentType = answer.contentType
            reply.replayed = true
            return reply.response
        case .pending(let known):
            guard known == fingerprint else { throw Self.reused }
            throw Problem(
                .conflict, "idempotency-pending", "The first request with this key has not answered",
                "a request with this Idempotency-Key is in progress or did not finish; read the case to see whether it acted"
            )
        case .claimed:
            let reply: Reply
            do { reply = try await work() } catch let problem as Problem where problem.status.code < 500 {
                try? store.answerIdempotencyKey(token: caller.tokenID, key: key, answer: problem.answer)
                throw problem
            } catch {
                try? store.releaseIdempotencyKey(token: caller.tokenID, key: key)
                throw error
            }
            do {
                try store.answerIdempotencyKey(
                    token: caller.tokenID, key: key,
                    answer: IdempotentAnswer(
                        status: reply.status, location: reply.location, contentType: reply.contentType,
                        body: reply.text))
            } catch { throw Problem.engine(EngineError(.store, error.message)) }
            return reply.response
        }
    }

    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!

    /// A step's outcome as the metrics count it.
    static func outcome(_ error: EngineError) -> String {
        switch error.code {
        case .rejected: "rejected"
        case .incident: "incident"
        case .conflict: "conflict"
        default: "failed"
        }
    }

    static let reused = Problem(
        .unprocessableContent, "idempotency-key-reused", "The key was used for another request",
        "this Idempotency-Key was sent with another request; use a new key for a new request")

    /// The body as a JSON object (an empty body is `{}` when `empty`); bad JSON is a 400 naming where.
    func object(_ bytes: [UInt8], empty: Bool = false) throws -> JSONObject {
        if empty, bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return JSONObject() }
        let json: JSON
        do { json = try JSONReader.read(bytes) } catch {
            throw Problem.badRequest(
                "the body is not valid JSON: line \(error.line), column \(error.column): \(error.message)")
        }
        guard case .object(let object) = json else { throw Problem.badRequest("the body must be a JSON object") }
        return object
    }

    func fieldsObject(_ body: JSONObject) throws -> JSONObject {
        for key in body.keys where key != "workflow" && key != "fields" {
            throw Problem.badRequest("unknown member '\(key)'; the body has 'workflow' and 'fields'", field: key)
        }
        switch body["fields"] {
        case nil, .null?: return JSONObject()
        case .object(let fields)?: return fields
        default: throw Problem.badRequest("fields must be a JSON object of field values", field: "fields")
        }
    }
}

func json(_ object: [String: Value]) -> Response {
    jsonText(ValueJSON.encode(object))
}

func jsonText(_ text: String) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = "application/json"
    return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
}

/// A JSON answer, kept as text so that an idempotency key can record it.
struct Reply: Sendable {
    var text: String
    var status = 200
    var location: String?
    var contentType = "application/json"
    /// Answered again for a retried request with the same idempotency key.
    var replayed = false

    var response: Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        if let location { headers[.location] = location }
        if replayed { headers[HTTPField.Name("Idempotent-Replayed")!] = "true" }
        return Response(
            status: HTTPResponse.Status(code: status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
