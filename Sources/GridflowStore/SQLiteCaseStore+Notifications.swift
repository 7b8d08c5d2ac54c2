import GRDB
import GridflowExpressions
import GridflowRuntime

/// Notifications, read marks and webhook deliveries (migration `v10`): a `notify` effect leaves
/// one notification, recorded in the transaction that marks the effect performed (so exactly
/// once), with one delivery row per webhook that carries it.
extension SQLiteCaseStore {
    static func insert(_ notice: Notice, outboxID: Int, caseID: String, _ db: Database) throws {
        try run(
            db,
            sql: """
                INSERT INTO notifications (outbox_id, unit, case_id, workflow, role, place, place_problem, message, at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                outboxID, notice.unit, caseID, notice.workflow, notice.role, notice.place, notice.placeProblem,
                notice.message, notice.at.seconds,
            ])
        let id = db.lastInsertedRowID
        for webhook in notice.webhooks {
            // Due at once: the daemon's worker posts it as soon as it sees it.
            try run(
                db,
                sql: "INSERT INTO webhook_deliveries (notification_id, webhook, attempts, next_at) VALUES (?, ?, 0, ?)",
                arguments: [id, webhook, notice.at.seconds])
        }
    }

    static func notice(_ row: Row, webhooks: [String] = []) -> Notice {
        Notice(
            unit: row["unit"], workflow: row["workflow"], role: row["role"], place: row["place"],
            placeProblem: row["place_problem"], message: row["message"], at: Instant(seconds: row["at"]),
            webhooks: webhooks)
    }

    public func notifications(
        unit: String, roles: Set<String>, person: String, unreadOnly: Bool, before: Int?, limit: Int
    ) throws(StoreError) -> [StoredNotification] {
        guard !roles.isEmpty, limit > 0 else { return [] }
        let marks = Array(repeating: "?", count: roles.count).joined(separator: ", ")
        var arguments: StatementArguments = [person, unit]
        arguments += StatementArguments(roles.sorted())
        arguments += [before ?? Int.max, limit]
        return try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT notifications.*, notification_reads.read_at FROM notifications
                    LEFT JOIN notification_reads
                        ON notification_reads.notification_id = notifications.id AND notification_reads.person = ?
                    WHERE notifications.unit = ? AND notifications.role IN (\(marks)) AND notifications.id < ?
                    \(unreadOnly ? "AND notification_reads.read_at IS NULL" : "")
                    ORDER BY notifications.id DESC LIMIT ?
                    """, arguments: arguments
            ).map { row in
                StoredNotification(
                    id: row["id"], caseID: row["case_id"], notice: Self.notice(row),
                    readAt: (row["read_at"] as Int?).map { Instant(seconds: $0) })
            }
        }
    }

    public func notification(unit: String, id: Int, person: String) throws(StoreError) -> StoredNotification? {
        try read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT notifications.*, notification_reads.read_at FROM notifications
                    LEFT JOIN notification_reads
                        ON notification_reads.notification_id = notifications.id AND notification_reads.person = ?
                    WHERE notifications.unit = ? AND notifications.id = ?
                    """, arguments: [person, unit, id]
            ).map { row in
                StoredNotification(
                    id: row["id"], caseID: row["case_id"], notice: Self.notice(row),
                    readAt: (row["read_at"] as Int?).map { Instant(seconds: $0) })
            }
        }
    }

    public func markNotificationRead(id: Int, person: String, at: Instant) throws(StoreError) {
        try write { db in
            try Self.run(
                db,
                sql: """
                    INSERT INTO notification_reads (notification_id, person, read_at) VALUES (?, ?, ?)
                    ON CONFLICT (notification_id, person) DO NOTHING
                    """, arguments: [id, person, at.seconds])
        }
    }

    public func dueWebhookDeliveries(at: Instant, limit: Int) throws(StoreError) -> [WebhookDelivery] {
        try read { db in try Self.dueWebhookDeliveries(at: at, limit: limit, db) }
    }

    static func dueWebhookDeliveries(at: Instant, limit: Int, _ db: Database) throws -> [WebhookDelivery] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT webhook_deliveries.webhook, webhook_deliveries.attempts, notifications.*
                FROM webhook_deliveries JOIN notifications ON notifications.id = webhook_deliveries.notification_id
                WHERE webhook_deliveries.done_at IS NULL AND webhook_deliveries.failed_at IS NULL
                  AND webhook_deliveries.next_at <= ?
                ORDER BY webhook_deliveries.next_at, notifications.id LIMIT ?
                """, arguments: [at.seconds, limit]
        ).map { row in
            WebhookDelivery(
                notificationID: row["id"], webhook: row["webhook"], caseID: row["case_id"],
                notice: Self.notice(row), attempts: row["attempts"])
        }
    }

    public func claimDueWebhookDeliveries(at now: Instant, limit: Int, claim: Claim) throws(StoreError)
        -> [WebhookDelivery]
    {
        guard try !dueWebhookDeliveries(at: now, limit: 1).isEmpty else { return [] }
        return try write { db in
            let due = try Self.dueWebhookDeliveries(at: now, limit: limit, db)
            for delivery in due {
                try Self.run(
                    db, sql: "UPDATE webhook_deliveries SET next_at = ? WHERE notification_id = ? AND webhook = ?",
                    arguments: [now.seconds + claim.seconds, delivery.notificationID, delivery.webhook])
            }
            return due
        }
    }

    public func nextWebhookDue() throws(StoreError) -> Instant? {
        try read { db in
            try Int.fetchOne(
                db,
                sql: "SELECT MIN(next_at) FROM webhook_deliveries WHERE done_at IS NULL AND failed_at IS NULL"
            ).map { Instant(seconds: $0) }
        }
    }

    public func recordWebhookAttempt(
        _ delivery: WebhookDelivery, at: Instant, error: String?, retryAt: Instant?, incident: Incident?
    ) throws(StoreError) -> Bool {
        try write { db in
            // Settled only from the attempt this try was made on: a delivery another daemon moved
            // on meanwhile is left as it is.
            let settled: String
            var arguments: StatementArguments
            if error == nil {
                settled = "done_at = ?, last_error = NULL"
                arguments = [delivery.attempts + 1, at.seconds]
            } else if let retryAt {
                settled = "next_at = ?, last_error = ?"
                arguments = [delivery.attempts + 1, retryAt.seconds, error]
            } else {
                settled = "failed_at = ?, last_error = ?"
                arguments = [delivery.attempts + 1, at.seconds, error]
            }
            arguments += [delivery.notificationID, delivery.webhook, delivery.attempts]
            try Self.run(
                db,
                sql: """
                    UPDATE webhook_deliveries SET attempts = ?, \(settled)
                    WHERE notification_id = ? AND webhook = ? AND attempts = ? AND done_at IS NULL AND failed_at IS NULL
                    """, arguments: arguments)
            guard db.changesCount == 1 else { return false }
            if let incident {
                try Self.insert(
                    incident, caseID: delivery.caseID, event: "webhook",
                    inputJSON: ValueJSON.encode([
                        "notification": .number(Number(delivery.notificationID)), "webhook": .string(delivery.webhook),
                    ]), at: at, db)
            }
            return true
        }
    }

    public func requeueWebhookDelivery(notification: Int, webhook: String, at: Instant, resolving incidentID: Int)
        throws(StoreError) -> Bool
    {
        try write { db in
            try Self.run(
                db,
                sql: """
                    UPDATE webhook_deliveries SET attempts = 0, next_at = ?, failed_at = NULL
                    WHERE notification_id = ? AND webhook = ? AND failed_at IS NOT NULL
                    """, arguments: [at.seconds, notification, webhook])
            guard db.changesCount == 1 else { return false }
            try Self.run(
                db, sql: "UPDATE incidents SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL",
                arguments: [at.seconds, incidentID])
            return true
        }
    }
}
