import GRDB
import GridflowExpressions
import GridflowRuntime

/// The pages' sign-in codes and sessions (migration `v11: web sign-in codes and sessions`): one
/// row per code or session with the SHA-256 of its secret, never the secret.
extension SQLiteCaseStore {
    /// Stores a new sign-in code of `person` of `unit`, valid until `expiresAt`.
    public func saveSignInCode(hash: String, unit: String, person: String, at now: Instant, expiresAt: Instant)
        throws(StoreError)
    {
        try write { db in
            do {
                try Self.run(
                    db,
                    sql: """
                        INSERT INTO signin_codes (code_sha256, unit, person, created_at, expires_at)
                        VALUES (?, ?, ?, ?, ?)
                        """,
                    arguments: [hash, unit, person, now.seconds, expiresAt.seconds])
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw StoreError(.conflict, "\(path): a sign-in code with the same secret exists already")
            }
        }
    }

    /// Redeems the code with hash `code` at `now`, once: marks it used and stores a session (the
    /// hash `session`, valid until `sessionExpiresAt`) in the same transaction. Expired sessions
    /// are deleted on the way.
    public func redeemSignInCode(hash code: String, at now: Instant, session: String, sessionExpiresAt: Instant)
        throws(StoreError) -> SignInRedemption
    {
        try write { db in
            try Self.run(db, sql: "DELETE FROM web_sessions WHERE expires_at <= ?", arguments: [now.seconds])
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM signin_codes WHERE code_sha256 = ?", arguments: [code])
            else { return .unknown }
            if let used = row["used_at"] as Int? { return .used(at: Instant(seconds: used)) }
            let expires: Int = row["expires_at"]
            if now.seconds >= expires { return .expired(at: Instant(seconds: expires)) }
            let unit: String = row["unit"]
            let person: String = row["person"]
            try Self.run(
                db, sql: "UPDATE signin_codes SET used_at = ? WHERE code_sha256 = ?", arguments: [now.seconds, code])
            try Self.run(
                db,
                sql:
                    "INSERT INTO web_sessions (id_sha256, unit, person, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [session, unit, person, now.seconds, sessionExpiresAt.seconds])
            return .signedIn(unit: unit, person: person)
        }
    }

    /// The session with hash `hash`, unless it expired by `now` (or never was).
    public func webSession(hash: String, at now: Instant) throws(StoreError) -> WebSession? {
        try read { db in
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT * FROM web_sessions WHERE id_sha256 = ? AND expires_at > ?"),
                    arguments: [hash, now.seconds])
            else { return nil }
            return WebSession(unit: row["unit"], person: row["person"], expiresAt: Instant(seconds: row["expires_at"]))
        }
    }

    /// Ends the session with hash `hash` (signing out); whether there was one.
    @discardableResult
    public func deleteWebSession(hash: String) throws(StoreError) -> Bool {
        try write { db in
            try Self.run(db, sql: "DELETE FROM web_sessions WHERE id_sha256 = ?", arguments: [hash])
            return db.changesCount > 0
        }
    }
}
