import ArgumentParser
import GridflowExpressions
import GridflowRuntime
import GridflowStore

/// `gridflow notifications UNIT --as ID`: a person's notifications, newest first; `--read N`
/// marks one read.
struct NotificationsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notifications",
        abstract: "List a person's notifications, newest first, or mark one read.",
        discussion: """
            A 'notify' effect leaves a notification for the holders of its role whose scope reaches
            the case (the people a task of that role would reach), once 'tick' or the daemon has
            performed it. It says the case, the definition's fixed message and when; no field of a
            case. Unread ones are marked '*'.
            """)

    @Argument(help: "The unit.") var unit: String
    @OptionGroup var person: ActorOptions
    @Flag(help: "Only the notifications not read yet.") var unread = false
    @Option(help: "Mark the notification with this id read (the first reading's time stands).") var read: Int?
    @OptionGroup var page: PageOptions
    @OptionGroup var options: StoreOptions

    func run() throws {
        let store = try options.store()
        let engine = try options.engine(unit: unit, store: store, use: .reading)
        let now = try options.instant()
        let actor = try person.actor(engine, now: now)
        let zone = engine.program.calendar.zone
        if let read {
            let item = try gridflow.run { () throws(EngineError) in try engine.markRead(read, by: actor, now: now) }
            FileHandleOutput.standardOutput(
                options.json ? item.json(time: zone) + "\n" : "notification #\(item.id) of \(item.caseID): read\n")
            return
        }
        var before: Int?
        if let cursor = page.cursor {
            guard let value = Int(cursor), value > 0 else {
                throw ValidationError(
                    "--cursor takes the cursor a previous page printed (its 'more:' line, or next_cursor)")
            }
            before = value
        }
        let found = try gridflow.run { () throws(EngineError) in
            try engine.notifications(for: actor, unreadOnly: unread, before: before, limit: page.limit)
        }
        if options.json {
            FileHandleOutput.standardOutput(
                "{\"person\":" + ValueJSON.encode(Value.string(actor.id)) + ",\"notifications\":["
                    + found.items.map { $0.json(time: zone) }.joined(separator: ",") + "],\"next_cursor\":"
                    + (found.next.map { "\"\($0)\"" } ?? "null") + "}\n")
            return
        }
        for item in found.items {
            FileHandleOutput.standardOutput(
                "\(item.readAt == nil ? "*" : " ") #\(item.id)  \(zone.text(item.at))  \(item.caseID)  (role: \(item.role))  \(item.message)\n"
            )
        }
        let unreadCount = found.items.filter { $0.readAt == nil }.count
        FileHandleOutput.standardOutput(
            "\(found.items.count) notification\(found.items.count == 1 ? "" : "s")"
                + (unread || unreadCount == 0 ? "" : ", \(unreadCount) unread") + "\n")
        if let next = found.next { FileHandleOutput.standardOutput(PageOptions.more(String(next)) + "\n") }
    }
}
