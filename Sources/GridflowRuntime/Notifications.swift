import GridflowExpressions

/// One notification in a person's inbox: the case it is about, the role it was for, the
/// definition's fixed message and when the step that asked for it was taken; no field's value.
public struct NotificationItem: Sendable, Hashable {
    public var id: Int
    public var caseID: String
    public var workflow: String
    public var role: String
    public var message: String
    public var at: Instant
    public var readAt: Instant?

    /// The item as a JSON object, times in `time`: `id`, `case_id`, `workflow`, `role`,
    /// `message`, `at`, `read`, `read_at` (or null).
    public func json(time: Zone) -> String {
        ValueJSON.encode(
            [
                "id": .number(Number(id)), "case_id": .string(caseID), "workflow": .string(workflow),
                "role": .string(role), "message": .string(message), "at": .datetime(at),
                "read": .bool(readAt != nil), "read_at": readAt.map(Value.datetime) ?? .null,
            ], time: time)
    }
}

extension Engine {
    /// The notifications `actor` may read, newest first: those to a role they hold whose scope
    /// reaches the case's place (the people a task of the role would reach), with ids below
    /// `before`, at most `limit`; and the cursor of the next page (`nil`: none).
    public func notifications(for actor: Actor, unreadOnly: Bool, before: Int?, limit: Int) throws(EngineError)
        -> (items: [NotificationItem], next: Int?)
    {
        let roles = actor.roles.subtracting([Actor.system.id])
        var items: [NotificationItem] = []
        var cursor = before
        let batch = max(limit * 2, 50)
        while items.count < limit {
            let page = try storeCall { () throws(StoreError) in
                try store.notifications(
                    unit: program.unit, roles: roles, person: actor.id, unreadOnly: unreadOnly, before: cursor,
                    limit: batch)
            }
            for stored in page where reaches(actor, stored) {
                items.append(item(stored))
                if items.count == limit { return (items, stored.id) }
            }
            guard page.count == batch, let last = page.last else { break }
            cursor = last.id
        }
        return (items, nil)
    }

    /// Marks notification `id` read by `actor` at `now` (a second reading keeps the first time);
    /// one they may not read is not found, as if there were none.
    public func markRead(_ id: Int, by actor: Actor, now: Instant) throws(EngineError) -> NotificationItem {
        guard
            let stored = try storeCall({ () throws(StoreError) in
                try store.notification(unit: program.unit, id: id, person: actor.id)
            }), reaches(actor, stored)
        else { throw EngineError(.notFound, "no notification #\(id) for '\(actor.id)'") }
        if stored.readAt == nil {
            try storeCall { () throws(StoreError) in try store.markNotificationRead(id: id, person: actor.id, at: now) }
        }
        var read = item(stored)
        read.readAt = stored.readAt ?? now
        return read
    }

    /// Whether `actor` holds the notification's role where its case is placed.
    private func reaches(_ actor: Actor, _ stored: StoredNotification) -> Bool {
        let role = stored.notice.role
        guard role != Actor.system.id, actor.roles.contains(role) else { return false }
        let place: CasePlace =
            stored.notice.placeProblem.map(CasePlace.unknown) ?? .at(stored.notice.place ?? program.org.root)
        return interpreter.scopeRefusal(actor, role: role, at: place) == nil
    }

    private func item(_ stored: StoredNotification) -> NotificationItem {
        NotificationItem(
            id: stored.id, caseID: stored.caseID, workflow: stored.notice.workflow, role: stored.notice.role,
            message: stored.notice.message, at: stored.notice.at, readAt: stored.readAt)
    }
}
