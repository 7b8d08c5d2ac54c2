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

    /// A notification's columns, in the order `notification(_:)` decodes them.
    static let notificationColumns = """
        notifications.id, notifications.case_id, notifications.unit, notifications.workflow, notifications.role,
        notifications.place, notifications.place_problem, notifications.message, notifications.at
        """

    /// A row that starts with `notificationColumns`; the cells after them are the caller's.
    static func notification(_ row: PostgresRow) throws -> (
        id: Int, caseID: String, notice: Notice, cells: PostgresRandomAccessRow
    ) {
        let cells = row.makeRandomAccess()
        let notice = Notice(
            unit: try cells[2].decode(String.self), workflow: try cells[3].decode(String.self),
            role: try cells[4].decode(String.self), place: try cells[5].decode(String?.self),
            placeProblem: try cells[6].decode(String?.self), message: try cells[7].decode(String.self),
            at: Instant(seconds: try cells[8].decode(Int.self)), webhooks: [])
        return (try cells[0].decode(Int.self), try cells[1].decode(String.self), notice, cells)
    }

    public func notifications(
        unit: String, roles: Set<String>, person: String, unreadOnly: Bool, before: Int?, limit: Int
    ) throws(StoreError) -> [StoredNotification] {
        guard !roles.isEmpty, limit > 0 else { return [] }
        let unread = unreadOnly ? "AND notification_reads.read_at IS NULL" : ""
        return try withConnection { connection throws(StoreError) in
            try connection.rows(
                """
                SELECT \(unescaped: Self.notificationColumns), notification_reads.read_at FROM notifications
                LEFT JOIN notification_reads
                    ON notification_reads.notification_id = notifications.id AND notification_reads.person = \(person)
                WHERE notifications.unit = \(unit) AND notifications.role = ANY(\(roles.sorted()))
                    AND notifications.id < \(before ?? Int.max) \(unescaped: unread)
                ORDER BY notifications.id DESC LIMIT \(limit)
                """
            ) { row in
                let (id, caseID, notice, cells) = try Self.notification(row)
                let readAt = try cells[9].decode(Int?.self).map { Instant(seconds: $0) }
                return StoredNotification(id: id, caseID: caseID, notice: notice, readAt: readAt)
            }
        }
    }

    public func notification(unit: String, id: Int, person: String) throws(StoreError) -> StoredNotification? {
        try withConnection { connection throws(StoreError) in
            try connection.rows(
                """
                SELECT \(unescaped: Self.notificationColumns), notification_reads.read_at FROM notifications
                LEFT JOIN notification_reads
                    ON notification_reads.notification_id = notifications.id AND notification_reads.person = \(person)
                WHERE notifications.unit = \(unit) AND notifications.id = \(id)
                """
            ) { row in
                let (id, caseID, notice, cells) = try Self.notification(row)
                let readAt = try cells[9].decode(Int?.self).map { Instant(seconds: $0) }
                return StoredNotification(id: id, caseID: caseID, notice: notice, readAt: readAt)
            }.first
        }
    }

    public func markNotificationRead(id: Int, person: String, at: Instant) throws(StoreError) {
        _ = try write { connection throws(StoreError) in
            try connection.execute(
                """
                INSERT INTO notification_reads (notification_id, person, read_at) VALUES (\(id), \(person), \(at.seconds))
                ON CONFLICT (notification_id, person) DO NOTHING
                """)
        }
    }

    /// Oldest first, as in the SQLite store; the deliveries of one notification due together come
    /// by webhook name (SQLite's come in the order they were written, which it does not promise).
    public func dueWebhookDeliveries(at: Instant, limit: Int) throws(StoreError) -> [WebhookDelivery] {
        try withConnection { connection throws(StoreError) in
            try connection.rows(
                """
                SELECT \(unescaped: Self.notificationColumns), webhook_deliveries.webhook, webhook_deliveries.attempts
                FROM webhook_deliveries JOIN notifications ON notifications.id = webhook_deliveries.notification_id
                WHERE webhook_deliveries.done_at IS NULL AND webhook_deliveries.failed_at IS NULL
                  AND webhook_deliveries.next_at <= \(at.seconds)
                ORDER BY webhook_deliveries.next_at, notifications.id, webhook_deliveries.webhook LIMIT \(limit)
                """
            ) { row in
                let (id, caseID, notice, cells) = try Self.notification(row)
                return WebhookDelivery(
                    notificationID: id, webhook: try cells[9].decode(String.self), caseID: caseID, notice: notice,
                    attempts: try cells[10].decode(Int.self))
            }
        }
    }

    /// The rows are locked as they are taken (`FOR UPDATE … SKIP LOCKED`): workers of several
    /// daemons claiming at once take different deliveries.
    public func claimDueWebhookDeliveries(at now: Instant, limit: Int, claim: Claim) throws(StoreError)
        -> [WebhookDelivery]
    {
        try write { connection throws(StoreError) in
            let due = try connection.rows(
                """
                SELECT \(unescaped: Self.notificationColumns), webhook_deliveries.webhook, webhook_deliveries.attempts
                FROM webhook_deliveries JOIN notifications ON notifications.id = webhook_deliveries.notification_id
                WHERE webhook_deliveries.done_at IS NULL AND webhook_deliveries.failed_at IS NULL
                  AND webhook_deliveries.next_at <= \(now.seconds)
                ORDER BY webhook_deliveries.next_at, notifications.id, webhook_deliveries.webhook LIMIT \(limit)
                FOR UPDATE OF webhook_deliveries SKIP LOCKED
                """
            ) { row in
                let (id, caseID, notice, cells) = try Self.notification(row)
                return WebhookDelivery(
                    notificationID: id, webhook: try cells[9].decode(String.self), caseID: caseID, notice: notice,
                    attempts: try cells[10].decode(Int.self))
            }
            for delivery in due {
                try connection.execute(
                    """
                    UPDATE webhook_deliveries SET next_at = \(now.seconds + claim.seconds)
                    WHERE notification_id = \(delivery.notificationID) AND webhook = \(delivery.webhook)
                    """)
            }
            return due
        }
    }

    public func nextWebhookDue() throws(StoreError) -> Instant? {
        try withConnection { connection throws(StoreError) in
            try connection.rows(
                "SELECT MIN(next_at) FROM webhook_deliveries WHERE done_at IS NULL AND failed_at IS NULL"
            ) { row in try row.decode(Int?.self) }.first?.map { Instant(seconds: $0) }
        }
    }

    public func recordWebhookAttempt(
        _ delivery: WebhookDelivery, at: Instant, error: String?, retryAt: Instant?, incident: Incident?
    ) throws(StoreError) -> Bool {
        try write { connection throws(StoreError) in
            // Settled only from the attempt this try was made on: a delivery another daemon moved
            // on meanwhile is left as it is (a concurrent update waits, then finds `attempts` moved).
            let (id, webhook, tried, attempts) = (
                delivery.notificationID, delivery.webhook, delivery.attempts, delivery.attempts + 1
            )
            let settled: Int
            if error == nil {
                settled = try connection.execute(
                    """
                    UPDATE webhook_deliveries SET attempts = \(attempts), done_at = \(at.seconds), last_error = NULL
                    WHERE notification_id = \(id) AND webhook = \(webhook) AND attempts = \(tried)
                      AND done_at IS NULL AND failed_at IS NULL
                    """)
            } else if let retryAt {
                settled = try connection.execute(
                    """
                    UPDATE webhook_deliveries SET attempts = \(attempts), next_at = \(retryAt.seconds), last_error = \(error)
                    WHERE notification_id = \(id) AND webhook = \(webhook) AND attempts = \(tried)
                      AND done_at IS NULL AND failed_at IS NULL
                    """)
            } else {
                settled = try connection.execute(
                    """
                    UPDATE webhook_deliveries SET attempts = \(attempts), failed_at = \(at.seconds), last_error = \(error)
                    WHERE notification_id = \(id) AND webhook = \(webhook) AND attempts = \(tried)
                      AND done_at IS NULL AND failed_at IS NULL
                    """)
            }
            guard settled == 1 else { return false }
            if let incident {
                try Self.insert(
                    incident, caseID: delivery.caseID, event: "webhook",
                    inputJSON: ValueJSON.encode([
                        "notification": .number(Number(delivery.notificationID)), "webhook": .string(delivery.webhook),
                    ]), at: at, connection)
            }
            return true
        }
    }

    public func requeueWebhookDelivery(notification: Int, webhook: String, at: Instant, resolving incidentID: Int)
        throws(StoreError) -> Bool
    {
        try write { connection throws(StoreError) in
            let requeued = try connection.execute(
                """
                UPDATE webhook_deliveries SET attempts = 0, next_at = \(at.seconds), failed_at = NULL
                WHERE notification_id = \(notification) AND webhook = \(webhook) AND failed_at IS NOT NULL
                """)
            guard requeued == 1 else { return false }
            try connection.execute(
                "UPDATE incidents SET resolved_at = \(at.seconds) WHERE id = \(incidentID) AND resolved_at IS NULL")
            return true
        }
    }
}
