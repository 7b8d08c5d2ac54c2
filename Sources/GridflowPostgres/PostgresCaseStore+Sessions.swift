import GridflowExpressions
import GridflowRuntime
import PostgresNIO

/// The pages' sign-in codes and sessions: one row per code or session with the SHA-256 of its
/// secret, never the secret.
extension PostgresCaseStore {
    /// Stores a new sign-in code of `person` of `unit`, valid until `expiresAt`.
    public func saveSignInCode(hash: String, unit: String, person: String, at now: Instant, expiresAt: Instant)
        throws(StoreError)
    {
        try write { connection throws(StoreError) in
            let saved = try connection.execute(
                """
                INSERT INTO signin_codes (code_sha256, unit, person, created_at, expires_at)
                VALUES (\(hash), \(unit), \(person), \(now.seconds), \(expiresAt.seconds))
                ON CONFLICT DO NOTHING
                """)
            guard saved == 1 else {
                throw StoreError(.conflict, "\(location): a sign-in code with the same secret exists already")
            }
        }
    }

    /// Redeems the code with hash `code` at `now`, once: marks it used and stores a session (the
    /// hash `session`, valid until `sessionExpiresAt`) in the same transaction. Expired sessions
    /// are deleted on the way. Once across processes too: of two redeeming the same code at the
    /// same moment, the second's update waits for the first's transaction, then finds it used.
    public func redeemSignInCode(hash code: String, at now: Instant, session: String, sessionExpiresAt: Instant)
        throws(StoreError) -> SignInRedemption
    {
        try write { connection throws(StoreError) in
            try connection.execute("DELETE FROM web_sessions WHERE expires_at <= \(now.seconds)")
            let redeemed = try connection.rows(
                """
                UPDATE signin_codes SET used_at = \(now.seconds)
                WHERE code_sha256 = \(code) AND used_at IS NULL AND expires_at > \(now.seconds)
                RETURNING unit, person
                """
            ) { row in try row.decode((String, String).self) }.first
            guard let (unit, person) = redeemed else {
                let found = try connection.rows(
                    "SELECT used_at, expires_at FROM signin_codes WHERE code_sha256 = \(code)"
                ) { row in try row.decode((Int?, Int).self) }.first
                guard let (used, expires) = found else { return .unknown }
                if let used { return .used(at: Instant(seconds: used)) }
                return .expired(at: Instant(seconds: expires))
            }
            try connection.execute(
                """
                INSERT INTO web_sessions (id_sha256, unit, person, created_at, expires_at)
                VALUES (\(session), \(unit), \(person), \(now.seconds), \(sessionExpiresAt.seconds))
                """)
            return .signedIn(unit: unit, person: person)
        }
    }

    /// The session with hash `hash`, unless it expired by `now` (or never was).
    public func webSession(hash: String, at now: Instant) throws(StoreError) -> WebSession? {
        try withConnection { connection throws(StoreError) in
            try connection.rows(
                "SELECT unit, person, expires_at FROM web_sessions WHERE id_sha256 = \(hash) AND expires_at > \(now.seconds)"
            ) { row in
                let (unit, person, expiresAt) = try row.decode((String, String, Int).self)
                return WebSession(unit: unit, person: person, expiresAt: Instant(seconds: expiresAt))
            }.first
        }
    }

    /// Ends the session with hash `hash` (signing out); whether there was one.
    @discardableResult
    public func deleteWebSession(hash: String) throws(StoreError) -> Bool {
        try write { connection throws(StoreError) in
            try connection.execute("DELETE FROM web_sessions WHERE id_sha256 = \(hash)") > 0
        }
    }
}
