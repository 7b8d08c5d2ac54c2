import GridflowExpressions
import GridflowRuntime
import Hummingbird

/// The caller's notifications: what `notify` effects left for the roles they hold where their
/// scope reaches the case.
extension Routes {
    /// `GET /v1/notifications?unread=true&limit=&cursor=`: newest first, a page at a time.
    func notifications(_ request: Request, _ context: APIContext) throws -> Reply {
        let caller = try context.requireCaller()
        let query = request.uri.queryParameters
        var unread = false
        if let text = query.get("unread") {
            guard text == "true" || text == "false" else {
                throw Problem.badRequest("unread takes true or false", field: "unread")
            }
            unread = text == "true"
        }
        let (limit, cursor) = try page(request)
        let engine = try daemon.engine(unit: caller.unit)
        let now = daemon.now()
        let actor = try daemon.actor(engine, caller.person, now: now)
        let found = try engine.notifications(
            for: actor, unreadOnly: unread, before: cursor.map { Int($0) }, limit: limit)
        let zone = engine.program.calendar.zone
        let items: String = found.items.map { $0.json(time: zone) }.joined(separator: ",")
        let next: String = found.next.map { "\"\($0)\"" } ?? "null"
        let person: String = ValueJSON.encode(Value.string(caller.person))
        return Reply(text: "{\"person\":\(person),\"notifications\":[\(items)],\"next_cursor\":\(next)}")
    }

    /// `POST /v1/notifications/{id}/read`: marks one of the caller's notifications read (again:
    /// the first time stands); one that is not theirs is not found.
    func readNotification(_ context: APIContext) throws -> Reply {
        let caller = try context.requireCaller()
        guard let id = Int(try context.parameters.require("id")), id > 0 else {
            throw Problem.notFound("no such notification")
        }
        let engine = try daemon.engine(unit: caller.unit)
        let now = daemon.now()
        let actor = try daemon.actor(engine, caller.person, now: now)
        let item: NotificationItem
        do { item = try engine.markRead(id, by: actor, now: now) } catch { throw Problem.engine(error) }
        return Reply(text: item.json(time: engine.program.calendar.zone))
    }
}
