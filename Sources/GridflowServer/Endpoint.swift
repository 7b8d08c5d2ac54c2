import HTTPTypes

/// Every route of the API, as the OpenAPI document names it: the one list the router registers
/// and the document is checked against.
public enum Endpoint: String, CaseIterable, Sendable {
    case health, ready, openAPI, metrics
    case openCase, listCases, showCase, act
    case listTasks, listNotifications, readNotification, listIncidents, retryIncident
    case listDeployments, deploy, rollback, migrate
    case appraise, report
    case listFiles, uploadFile, downloadFile, deleteFile, moveFile, fileHistory

    public var method: HTTPRequest.Method {
        switch self {
        case .health, .ready, .openAPI, .metrics, .listCases, .showCase, .listTasks, .listNotifications,
            .listIncidents, .listDeployments, .report, .listFiles, .downloadFile, .fileHistory:
            .get
        case .openCase, .act, .readNotification, .retryIncident, .deploy, .rollback, .migrate, .appraise, .uploadFile,
            .moveFile:
            .post
        case .deleteFile: .delete
        }
    }

    /// The path as OpenAPI writes it, parameters in braces.
    public var path: String {
        switch self {
        case .health: "/healthz"
        case .ready: "/readyz"
        case .openAPI: "/openapi.json"
        case .metrics: "/metrics"
        case .openCase: "/v1/units/{unit}/cases"
        case .listCases: "/v1/cases"
        case .showCase: "/v1/cases/{id}"
        case .act: "/v1/cases/{id}/events/{event}"
        case .listTasks: "/v1/tasks"
        case .listNotifications: "/v1/notifications"
        case .readNotification: "/v1/notifications/{id}/read"
        case .listIncidents: "/v1/incidents"
        case .retryIncident: "/v1/incidents/{id}/retry"
        case .listDeployments, .deploy: "/v1/units/{unit}/deployments"
        case .rollback: "/v1/units/{unit}/rollback"
        case .migrate: "/v1/units/{unit}/migrations"
        case .appraise: "/v1/units/{unit}/appraisals"
        case .report: "/v1/units/{unit}/reports/{report}"
        case .listFiles: "/v1/units/{unit}/files/{space}"
        case .uploadFile: "/v1/units/{unit}/files/{space}/{folder}"
        case .downloadFile, .deleteFile: "/v1/files/{id}"
        case .moveFile: "/v1/files/{id}/move"
        case .fileHistory: "/v1/units/{unit}/file-history/{space}"
        }
    }

    /// Whether a caller needs no token.
    public var isPublic: Bool { self == .health || self == .ready || self == .openAPI || self == .metrics }

    /// Whether `path` is this endpoint's path (any value where it takes a parameter).
    public func matches(_ path: String) -> Bool {
        let pattern = self.path.split(separator: "/", omittingEmptySubsequences: false)
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard pattern.count == parts.count else { return false }
        return zip(pattern, parts).allSatisfy { expected, part in
            expected.hasPrefix("{") ? !part.isEmpty : expected == part
        }
    }

    /// The path as the router writes it, parameters after a colon.
    var routerPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? ":" + part.dropFirst().dropLast() : String(part)
        }.joined(separator: "/")
    }
}
