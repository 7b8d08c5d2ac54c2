import GRDB
import GridflowExpressions
import GridflowRuntime

/// The daemon's API tokens (migration `v8: API tokens`): one row per token with the SHA-256 of
/// its secret, never the secret.
extension SQLiteCaseStore {
    public func saveToken(_ token: StoredToken) throws(StoreError) {
        try write { db in
            do {
                try Self.run(
                    db,
                    sql: """
                        INSERT INTO api_tokens
                            (id, secret_sha256, unit, person, admin, label, created_at, expires_at, revoked_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        token.id, token.secretHash, token.unit, token.person, token.admin, token.label,
                        token.createdAt.seconds, token.expiresAt?.seconds, token.revokedAt?.seconds,
                    ])
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw StoreError(
                    .conflict, "\(path): a token with the id \(token.id) or the same secret exists already",
                    details: "\(error)")
            }
        }
    }

    public func tokens(unit: String) throws(StoreError) -> [StoredToken] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM api_tokens WHERE unit = ? ORDER BY created_at, id", arguments: [unit]
            ).map(Self.storedToken)
        }
    }

    public func token(hash: String) throws(StoreError) -> StoredToken? {
        try read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM api_tokens WHERE secret_sha256 = ?"), arguments: [hash]
            ).map(Self.storedToken)
        }
    }

    /// The token with its unit's active deployment and its person's directory stamp, in one
    /// read transaction (one snapshot, one trip to the reader pool).
    public func tokenFacts(hash: String) throws(StoreError) -> TokenFacts? {
        try read { db in try Self.tokenFacts(hash: hash, readingAhead: nil, db) }
    }

    /// The token and the case read in one read transaction: a request's two reads, one trip to
    /// the reader pool (a fresh read transaction costs about as much as the reads in it).
    public func tokenFactsAsync(hash: String, readingAhead caseID: String) async throws(StoreError) -> TokenFacts? {
        try read { db in try Self.tokenFacts(hash: hash, readingAhead: caseID, db) }
    }

    static func tokenFacts(hash: String, readingAhead caseID: String?, _ db: Database) throws -> TokenFacts? {
        guard
            let token = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM api_tokens WHERE secret_sha256 = ?"), arguments: [hash]
            ).map(Self.storedToken)
        else { return nil }
        let active = try String.fetchOne(
            db.cachedStatement(sql: "SELECT version FROM active_deployments WHERE unit = ?"),
            arguments: [token.unit])
        return TokenFacts(
            token: token, activeDeployment: active,
            personStamp: try Self.directoryStamp(unit: token.unit, person: token.person, db),
            readAhead: try caseID.map { id in ReadAhead(id: id, stored: try Self.load(id, db)) })
    }

    public func revokeToken(id: String, at: Instant) throws(StoreError) -> Bool {
        try write { db in
            try db.execute(
                sql: "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?",
                arguments: [at.seconds, id])
            return db.changesCount > 0
        }
    }

    static func storedToken(_ row: Row) -> StoredToken {
        StoredToken(
            id: row["id"], secretHash: row["secret_sha256"], unit: row["unit"], person: row["person"],
            admin: row["admin"], label: row["label"], createdAt: Instant(seconds: row["created_at"]),
            expiresAt: (row["expires_at"] as Int?).map(Instant.init(seconds:)),
            revokedAt: (row["revoked_at"] as Int?).map(Instant.init(seconds:)))
    }
}
