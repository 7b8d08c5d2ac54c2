import GRDB
import GridflowExpressions
import GridflowRuntime

/// Idempotency keys of the daemon's POSTs (migration `v9: idempotency keys`): per token and key,
/// the request's fingerprint and, once it answered, the answer.
extension SQLiteCaseStore {
    public func claimIdempotencyKey(token: String, key: String, fingerprint: String, at: Instant)
        throws(StoreError) -> IdempotencyClaim
    {
        try write { db in
            if let row = try Row.fetchOne(
                db, sql: "SELECT * FROM idempotency_keys WHERE token = ? AND key = ?", arguments: [token, key])
            {
                let known: String = row["fingerprint"]
                guard let status: Int = row["status"] else { return .pending(fingerprint: known) }
                return .answered(
                    fingerprint: known,
                    IdempotentAnswer(
                        status: status, location: row["location"], contentType: row["content_type"],
                        body: row["body"]))
            }
            try Self.run(
                db,
                sql: "INSERT INTO idempotency_keys (token, key, fingerprint, created_at) VALUES (?, ?, ?, ?)",
                arguments: [token, key, fingerprint, at.seconds])
            return .claimed
        }
    }

    public func answerIdempotencyKey(token: String, key: String, answer: IdempotentAnswer) throws(StoreError) {
        try write { db in
            try Self.run(
                db,
                sql: """
                    UPDATE idempotency_keys SET status = ?, location = ?, content_type = ?, body = ?
                    WHERE token = ? AND key = ?
                    """,
                arguments: [answer.status, answer.location, answer.contentType, answer.body, token, key])
        }
    }

    public func releaseIdempotencyKey(token: String, key: String) throws(StoreError) {
        try write { db in
            try Self.run(
                db, sql: "DELETE FROM idempotency_keys WHERE token = ? AND key = ? AND status IS NULL",
                arguments: [token, key])
        }
    }
}
