import GridflowExpressions
import GridflowRuntime
import PostgresNIO

/// Idempotency keys of the daemon's POSTs: per token and key, the request's fingerprint and,
/// once it answered, the answer.
extension PostgresCaseStore {
    /// The first claim wins across every process sharing the server: the insert of a second
    /// claimer waits for the first's transaction and then does nothing, so it reads the first's row.
    public func claimIdempotencyKey(token: String, key: String, fingerprint: String, at: Instant)
        throws(StoreError) -> IdempotencyClaim
    {
        try write { connection throws(StoreError) in
            // A claim released between our insert and our read leaves no row: claim again.
            for _ in 0..<3 {
                let claimed = try connection.execute(
                    """
                    INSERT INTO idempotency_keys (token, key, fingerprint, created_at)
                    VALUES (\(token), \(key), \(fingerprint), \(at.seconds))
                    ON CONFLICT (token, key) DO NOTHING
                    """)
                if claimed == 1 { return .claimed }
                let stored = try connection.rows(
                    """
                    SELECT fingerprint, status, location, content_type, body FROM idempotency_keys
                    WHERE token = \(token) AND key = \(key)
                    """
                ) { row in try row.decode((String, Int?, String?, String?, String?).self) }.first
                guard let (known, status, location, contentType, body) = stored else { continue }
                guard let status else { return .pending(fingerprint: known) }
                return .answered(
                    fingerprint: known,
                    IdempotentAnswer(
                        status: status, location: location, contentType: contentType ?? "", body: body ?? ""))
            }
            throw StoreError(.conflict, "the idempotency key \(key) was claimed and released meanwhile; try again")
        }
    }

    public func answerIdempotencyKey(token: String, key: String, answer: IdempotentAnswer) throws(StoreError) {
        _ = try write { connection throws(StoreError) in
            try connection.execute(
                """
                UPDATE idempotency_keys SET status = \(answer.status), location = \(answer.location),
                    content_type = \(answer.contentType), body = \(answer.body)
                WHERE token = \(token) AND key = \(key)
                """)
        }
    }

    public func releaseIdempotencyKey(token: String, key: String) throws(StoreError) {
        _ = try write { connection throws(StoreError) in
            try connection.execute(
                "DELETE FROM idempotency_keys WHERE token = \(token) AND key = \(key) AND status IS NULL")
        }
    }
}
