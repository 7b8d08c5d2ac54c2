import GridflowExpressions
import GridflowRuntime
import PostgresNIO

/// Notifications, read marks and webhook deliveries: a `notify` effect leaves one notification,
/// recorded in the transaction that marks the effect performed (so exactly once), with one
/// delivery row per webhook that carries it.
extension PostgresCaseStore {
    static func insert(_ notice: Notice, outboxID: Int, caseID: String, _ connection: Connection) throws(StoreError) {
        let id =
            try connection.rows(
                """
                INSERT INTO notifications (outbox_id, unit, case_id, workflow, role, place, place_problem, message, at)
                VALUES (\(outboxID), \(notice.unit), \(caseID), \(notice.workflow), \(notice.role), \(notice.place),
                        \(notice.placeProblem), \(notice.message), \(notice.at.seconds))
                RETURNING id
                """
            ) { row in try row.decode(Int.self) }.first ?? 0
        for webhook in notice.webhooks {
            // Due at once: the daemon's worker posts it as soon as it sees it.
            try connection.execute(
                """
                INSERT INTO webhook_deliveries (notification_id, webhook, attempts, next_at)
                VALUES (\(id), \(webhook), 0, \(notice.at.seconds))
                """)
        }
    }
}
