import GridflowExpressions

// These three types are copies of GridflowStore's (SQLiteCaseStore+Sessions.swift and
// SQLiteCaseStore+Receipts.swift), which this target does not depend on. They belong in
// GridflowRuntime beside `CaseStore`: when the sign-in and receipt methods join the protocol, move
// GridflowStore's there and delete this file.

/// What redeeming a sign-in code came to.
public enum SignInRedemption: Sendable, Hashable {
    /// The code was good: it is used now, and the session is stored.
    case signedIn(unit: String, person: String)
    /// No code of the store has this hash.
    case unknown
    /// The code was redeemed before, at that time.
    case used(at: Instant)
    /// The code expired at that time.
    case expired(at: Instant)
}

/// A signed-in person of the daemon's pages.
public struct WebSession: Sendable, Hashable {
    public var unit: String
    public var person: String
    public var expiresAt: Instant

    public init(unit: String, person: String, expiresAt: Instant) {
        self.unit = unit
        self.person = person
        self.expiresAt = expiresAt
    }
}

/// A report's receipt: the case a receipt code follows.
public struct ReportReceipt: Sendable, Hashable {
    public var unit: String
    public var caseID: String
    public var createdAt: Instant

    public init(unit: String, caseID: String, createdAt: Instant) {
        self.unit = unit
        self.caseID = caseID
        self.createdAt = createdAt
    }
}
