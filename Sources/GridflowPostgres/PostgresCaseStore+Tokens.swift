import GridflowExpressions
import GridflowRuntime
import PostgresNIO

/// The daemon's API tokens: one row per token with the SHA-256 of its secret, never the secret.
extension PostgresCaseStore {
    public func saveToken(_ token: StoredToken) throws(StoreError) {
        try write { connection throws(StoreError) in
            // Either unique column (the id, the secret's hash) taken leaves the row out.
            let saved = try connection.execute(
                """
                INSERT INTO api_tokens (id, secret_sha256, unit, person, admin, label, created_at, expires_at, revoked_at)
                VALUES (\(token.id), \(token.secretHash), \(token.unit), \(token.person), \(token.admin), \(token.label),
                        \(token.createdAt.seconds), \(token.expiresAt?.seconds), \(token.revokedAt?.seconds))
                ON CONFLICT DO NOTHING
                """)
            guard saved == 1 else {
                throw StoreError(
                    .conflict, "\(location): a token with the id \(token.id) or the same secret exists already")
            }
        }
    }

    static let tokenColumns = "id, secret_sha256, unit, person, admin, label, created_at, expires_at, revoked_at"

    static func storedToken(_ row: PostgresRow) throws -> StoredToken {
        let (id, secretHash, unit, person, admin, label, createdAt, expiresAt, revokedAt) = try row.decode(
            (String, String, String, String, Bool, String?, Int, Int?, Int?).self)
        return StoredToken(
            id: id, secretHash: secretHash, unit: unit, person: person, admin: admin, label: label,
            createdAt: Instant(seconds: createdAt), expiresAt: expiresAt.map(Instant.init(seconds:)),
            revokedAt: revokedAt.map(Instant.init(seconds:)))
    }

    public func tokens(unit: String) throws(StoreError) -> [StoredToken] {
        try withConnection { connection throws(StoreError) in
            try connection.rows(
                "SELECT \(unescaped: Self.tokenColumns) FROM api_tokens WHERE unit = \(unit) ORDER BY created_at, id"
            ) { row in try Self.storedToken(row) }
        }
    }

    public func token(hash: String) throws(StoreError) -> StoredToken? {
        try withConnection { connection throws(StoreError) in
            try connection.rows("SELECT \(unescaped: Self.tokenColumns) FROM api_tokens WHERE secret_sha256 = \(hash)")
            {
                row in try Self.storedToken(row)
            }.first
        }
    }

    /// The token and its unit's active deployment and directory revision in one query: a
    /// request's first three reads are one round trip.
    public func tokenFacts(hash: String) throws(StoreError) -> TokenFacts? {
        try withConnection { connection throws(StoreError) in
            let query = TokenFactsQuery(hash: hash)
            return try connection.rows(PostgresQuery(unsafeSQL: TokenFactsQuery.sql, binds: query.makeBindings())) {
                row in try query.decodeRow(row)
            }.first
        }
    }

    /// `tokenFacts`, as a named prepared statement on the suspending lane.
    public func tokenFactsAsync(hash: String) async throws(StoreError) -> TokenFacts? {
        try await pool.withConnectionAsync { connection async throws(StoreError) in
            try await connection.rows(TokenFactsQuery(hash: hash)).first
        }
    }

    public func revokeToken(id: String, at: Instant) throws(StoreError) -> Bool {
        try write { connection throws(StoreError) in
            try connection.execute(
                "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, \(at.seconds)) WHERE id = \(id)") > 0
        }
    }
}
