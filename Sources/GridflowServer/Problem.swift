import GridflowExpressions
import GridflowRuntime
import HTTPTypes
import Hummingbird

/// An error answered as RFC 9457 `application/problem+json`: a stable `type` (a URI under
/// `https://gridflow.dev/problems/`), the status, a title, the detail, and for bad input the
/// field it is about.
struct Problem: Error, Sendable {
    var status: HTTPResponse.Status
    /// The last part of the type URI, e.g. `rejected`.
    var type: String
    var title: String
    var detail: String
    var field: String?
    /// For a refused step: why, as the caller may read it.
    var extra: [String: Value] = [:]
    /// For 405: the methods the path takes.
    var allow: String?

    init(_ status: HTTPResponse.Status, _ type: String, _ title: String, _ detail: String, field: String? = nil) {
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.field = field
    }

    var response: Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        if status == .serviceUnavailable { headers[.retryAfter] = "1" }
        if let allow { headers[.allow] = allow }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// The problem as an answer an idempotency key keeps.
    var answer: IdempotentAnswer {
        IdempotentAnswer(status: status.code, location: nil, contentType: "application/problem+json", body: text)
    }

    var text: String {
        var object: [String: Value] = [
            "type": .string("https://gridflow.dev/problems/" + type), "title": .string(title),
            "status": .number(Number(status.code)), "detail": .string(detail),
        ]
        if let field { object["field"] = .string(field) }
        for (key, value) in extra { object[key] = value }
        return ValueJSON.encode(object)
    }

    static func badRequest(_ detail: String, field: String? = nil) -> Problem {
        Problem(.badRequest, "bad-request", "The request is not valid", detail, field: field)
    }

    static func notFound(_ detail: String) -> Problem {
        Problem(.notFound, "not-found", "Not found", detail)
    }

    static let unauthorized = Problem(
        .unauthorized, "unauthorized", "Not authenticated",
        "send 'Authorization: Bearer TOKEN' with a token from 'gridflow token issue'")

    static let stopping = Problem(
        .serviceUnavailable, "stopping", "The daemon is stopping", "it accepts no new work; retry shortly")

    /// The problem an engine error is, the message as the caller may read it (`view` redacts
    /// what a refused step's explanation says about fields hidden from them).
    static func engine(_ error: EngineError, view: CaseView? = nil) -> Problem {
        let message = view?.scrub(error.message) ?? error.message
        switch error.code {
        case .rejected:
            var problem = Problem(.unprocessableContent, "rejected", "The step is refused", message)
            if let rejection = error.rejection {
                problem.extra["reason"] = .string(rejection.code.rawValue)
                if !rejection.trace.isEmpty {
                    // Each part of the guard with its value, as the caller may read it.
                    let lines = view?.trace(rejection.trace) ?? rejection.trace.map { ($0.text, $0.value.summary()) }
                    problem.extra["explanation"] = .list(
                        lines.map { item in
                            .map([.string("expression"): .string(item.text), .string("value"): .string(item.value)])
                        })
                }
            }
            return problem
        case .incident:
            return Problem(.unprocessableContent, "incident", "An incident was recorded", message)
        case .notFound: return Problem(.notFound, "not-found", "Not found", message)
        case .conflict: return Problem(.conflict, "conflict", "The case changed meanwhile", message)
        case .version: return Problem(.conflict, "version", "The case runs on other definitions", message)
        case .calendar: return Problem(.unprocessableContent, "calendar", "A date has no answer", message)
        case .store: return Problem(.serviceUnavailable, "store", "The store cannot answer", message)
        }
    }
}

/// Answers every error a route throws as problem+json.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return problem.response
        } catch let error as HTTPError {
            switch error.status {
            case .notFound:
                // A path the API has, with a method it does not take: 405 with the ones it takes.
                let allowed = Endpoint.allCases.filter { $0.matches(request.uri.path) }.map(\.method.rawValue)
                guard allowed.isEmpty else {
                    var problem = Problem(
                        .methodNotAllowed, "method-not-allowed", "Method not allowed",
                        "\(request.uri.path) takes \(allowed.joined(separator: ", ")), not \(request.method)")
                    problem.allow = allowed.joined(separator: ", ")
                    return problem.response
                }
                return Problem.notFound("no such route: \(request.method) \(request.uri.path)").response
            case .contentTooLarge:
                return Problem(.contentTooLarge, "too-large", "The body is too large", "a request body is at most 1 MB")
                    .response
            default:
                return Problem(error.status, "http", error.status.reasonPhrase, error.body ?? error.status.reasonPhrase)
                    .response
            }
        } catch let error as EngineError {
            return Problem.engine(error).response
        }
    }
}
