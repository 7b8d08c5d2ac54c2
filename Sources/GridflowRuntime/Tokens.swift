import Crypto
import GridflowExpressions

/// An API token as stored: who it speaks for and until when. The secret itself is never
/// stored, only its SHA-256 (`secretHash`), so a copy of the store cannot be used to call the
/// daemon.
public struct StoredToken: Sendable, Hashable {
    /// The public id, `tok_` and 10 hexadecimal digits: what lists show and `revoke` takes.
    public var id: String
    /// The SHA-256 of the secret, 64 lowercase hexadecimal digits.
    public var secretHash: String
    public var unit: String
    /// A person of the unit's directory, whose roles the daemon reads from the directory.
    public var person: String
    /// Whether the token may administer the unit (deployments, rollback, migration).
    public var admin: Bool
    public var label: String?
    public var createdAt: Instant
    /// `nil`: it does not expire.
    public var expiresAt: Instant?
    /// `nil`: not revoked.
    public var revokedAt: Instant?

    public init(
        id: String, secretHash: String, unit: String, person: String, admin: Bool, label: String?,
        createdAt: Instant, expiresAt: Instant?, revokedAt: Instant? = nil
    ) {
        self.id = id
        self.secretHash = secretHash
        self.unit = unit
        self.person = person
        self.admin = admin
        self.label = label
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }
}

/// Who a valid token speaks for. The person's roles are not here: they come from the unit's
/// directory when the request is handled, never from the token or the request.
/// A token with what a request of its holder reads next: its unit's active deployment and the
/// directory stamp of its person, read together with it (`CaseStore.tokenFacts(hash:)`).
public struct TokenFacts: Sendable, Hashable {
    public var token: StoredToken
    /// The unit's active deployment's version, `nil` when it has none.
    public var activeDeployment: String?
    /// `CaseStore.directoryStamp(unit:person:)` of the token's unit and person.
    public var personStamp: DirectoryStamp
    /// The case the request names, read with the token (`CaseStore.tokenFactsAsync(hash:readingAhead:)`),
    /// of any unit: `nil` when it was not read ahead.
    public var readAhead: ReadAhead?

    public init(
        token: StoredToken, activeDeployment: String?, personStamp: DirectoryStamp, readAhead: ReadAhead? = nil
    ) {
        self.token = token
        self.activeDeployment = activeDeployment
        self.personStamp = personStamp
        self.readAhead = readAhead
    }
}

/// A case read ahead of the request that names it: its id and the stored case, `nil` when the
/// store holds no case of that id.
public struct ReadAhead: Sendable, Hashable {
    public var id: String
    public var stored: StoredCase?

    public init(id: String, stored: StoredCase?) {
        self.id = id
        self.stored = stored
    }
}

/// What a person's actor (roles, record, scopes) stands on in a unit's store: while it stays,
/// an actor made from the store holds (for the same definitions and day).
public struct DirectoryStamp: Sendable, Hashable {
    /// How often the unit's people were imported or an appraisal appointed someone or ended an
    /// appointment (a counter `people:UNIT`).
    public var people: Int
    /// The last appointment, or end of one, a case recorded for the person (the delivery's id;
    /// deliveries are only ever added), 0 when none.
    public var appointments: Int

    public init(people: Int, appointments: Int) {
        self.people = people
        self.appointments = appointments
    }
}

public struct Caller: Sendable, Hashable {
    public var unit: String
    public var person: String
    public var admin: Bool
    public var tokenID: String

    public init(unit: String, person: String, admin: Bool, tokenID: String) {
        self.unit = unit
        self.person = person
        self.admin = admin
        self.tokenID = tokenID
    }
}

/// Why a presented token was refused. No message repeats what was presented: a secret pasted
/// into the wrong place must not end up in a log or a response.
public enum TokenProblem: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not `gf_` and 64 hexadecimal digits (or not a bearer credential at all).
    case malformed
    /// Well formed, but no token of the store has its hash.
    case unknown
    /// The token `id` was revoked at that time.
    case revoked(id: String, at: Instant)
    /// The token `id` expired at that time.
    case expired(id: String, at: Instant)

    /// A stable name for each kind, e.g. for a problem document's `type`.
    public var code: String {
        switch self {
        case .malformed: "malformed"
        case .unknown: "unknown"
        case .revoked: "revoked"
        case .expired: "expired"
        }
    }

    /// One line for the caller.
    public var message: String {
        switch self {
        case .malformed:
            "the token is malformed: a Gridflow token is '\(TokenAuthority.prefix)' followed by \(TokenAuthority.secretBytes * 2) hexadecimal digits"
        case .unknown: "the token is not known to this store"
        case .revoked(let id, let at): "token \(id) was revoked at \(at)"
        case .expired(let id, let at): "token \(id) expired at \(at)"
        }
    }

    public var description: String { message }
}

/// Makes, hashes and checks the bearer tokens the daemon authenticates with. A token is
/// `gf_` and 32 random bytes in hexadecimal; the store keeps its SHA-256 only, and finds a
/// presented token by that hash.
public enum TokenAuthority {
    /// What every secret starts with, so a leaked one is recognisable (and scannable).
    public static let prefix = "gf_"
    /// Random bytes per secret.
    public static let secretBytes = 32
    /// What every public token id starts with.
    public static let idPrefix = "tok_"

    /// A new secret from the system's cryptographically secure generator.
    public static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return newSecret(using: &generator)
    }

    /// A new secret from `generator` (tests pass a seeded one).
    public static func newSecret(using generator: inout some RandomNumberGenerator) -> String {
        prefix + hex((0..<secretBytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// A new public id, `tok_` and 10 hexadecimal digits (40 random bits; the store refuses a
    /// duplicate, and the caller draws again).
    public static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        return idPrefix + hex((0..<5).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// The SHA-256 of the secret's UTF-8 bytes, as 64 lowercase hexadecimal digits.
    public static func hash(_ secret: String) -> String {
        hex(Array(SHA256.hash(data: Array(secret.utf8))))
    }

    /// Whether `presented` has a secret's form: the prefix and exactly the right number of
    /// lowercase hexadecimal digits.
    public static func isWellFormed(_ presented: String) -> Bool {
        let utf8 = presented.utf8
        guard presented.hasPrefix(prefix), utf8.count == prefix.utf8.count + secretBytes * 2 else { return false }
        return utf8.dropFirst(prefix.utf8.count).allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// The credential of an `Authorization` header value, `Bearer TOKEN` (the scheme in any
    /// case); `nil` for any other scheme or an empty credential.
    public static func bearer(fromAuthorization header: String) -> String? {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        let text = header.drop(while: blank)
        guard let space = text.firstIndex(where: blank), text[..<space].lowercased() == "bearer" else { return nil }
        var credential = text[space...].drop(while: blank)
        while let last = credential.last, blank(last) { credential = credential.dropLast() }
        return credential.isEmpty ? nil : String(credential)
    }

    /// A new token for a person of a unit: the secret, shown once, and the record to store.
    public static func issue(
        unit: String, person: String, admin: Bool, label: String?, at now: Instant, expiresAt: Instant?
    ) -> (secret: String, token: StoredToken) {
        let secret = newSecret()
        let token = StoredToken(
            id: newID(), secretHash: hash(secret), unit: unit, person: person, admin: admin, label: label,
            createdAt: now, expiresAt: expiresAt)
        return (secret, token)
    }

    /// Who `presented` speaks for at `now`, or why it is refused: malformed, unknown, revoked
    /// (checked first) or expired (at or after its expiry). A failing store is thrown, not
    /// reported as a refused token: the daemon answers 503 then, not 401.
    public static func authenticate(presented: String, now: Instant, store: any CaseStore) throws(StoreError)
        -> Result<Caller, TokenProblem>
    {
        guard isWellFormed(presented) else { return .failure(.malformed) }
        guard let token = try store.token(hash: hash(presented)) else { return .failure(.unknown) }
        return check(token, now: now)
    }

    /// `authenticate`, with the facts read together with the token (`nil` when it was refused),
    /// suspending instead of blocking a thread while the store answers.
    /// With `readingAhead`, the case of that id is read in the same snapshot where the store
    /// can (`TokenFacts.readAhead`).
    public static func authenticateWithFactsAsync(
        presented: String, now: Instant, store: any CaseStore, readingAhead caseID: String? = nil
    )
        async throws(StoreError) -> (Result<Caller, TokenProblem>, TokenFacts?)
    {
        guard isWellFormed(presented) else { return (.failure(.malformed), nil) }
        let read: TokenFacts?
        if let caseID {
            read = try await store.tokenFactsAsync(hash: hash(presented), readingAhead: caseID)
        } else {
            read = try await store.tokenFactsAsync(hash: hash(presented))
        }
        guard let facts = read else { return (.failure(.unknown), nil) }
        let outcome = check(facts.token, now: now)
        if case .failure = outcome { return (outcome, nil) }
        return (outcome, facts)
    }

    private static func check(_ token: StoredToken, now: Instant) -> Result<Caller, TokenProblem> {
        if let revoked = token.revokedAt { return .failure(.revoked(id: token.id, at: revoked)) }
        if let expires = token.expiresAt, now >= expires { return .failure(.expired(id: token.id, at: expires)) }
        return .success(Caller(unit: token.unit, person: token.person, admin: token.admin, tokenID: token.id))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Webhook {
    /// The `Gridflow-Signature` header of a delivery: `t=TIMESTAMP,v1=HEX`, where HEX is the
    /// HMAC-SHA256, under `key`, of the timestamp (Unix seconds), a dot and the body's bytes.
    public static func signature(body: [UInt8], timestamp: Int, key: [UInt8]) -> String {
        let signed = Array("\(timestamp).".utf8) + body
        let code = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: key))
        return "t=\(timestamp),v1=" + TokenAuthority.hex(Array(code))
    }
}
