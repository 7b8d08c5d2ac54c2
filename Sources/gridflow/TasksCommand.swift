import ArgumentParser
import GridflowExpressions
import GridflowRuntime
import GridflowStore

/// `gridflow tasks UNIT --as ID`: a person's inbox, the open tasks of the unit's cases that are
/// theirs, overdue first.
struct TasksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks",
        abstract: "List a person's open tasks: overdue first, then by due date.",
        discussion: """
            A task is a state's 'task:' while a case is in it: a person has it when they hold its role
            and the role's scope reaches the case, or when the task's person field names them. Due
            dates count from the step that entered the state, working days (5wd) with the unit's
            calendar. No field of a case is shown.
            """)

    @Argument(help: "The unit.") var unit: String
    @OptionGroup var person: ActorOptions
    @OptionGroup var options: StoreOptions

    func run() throws {
        let store = try options.store()
        let engine = try options.engine(unit: unit, store: store, use: .reading)
        let now = try options.instant()
        let actor = try person.actor(engine, now: now)
        let items = try gridflow.run { () throws(EngineError) in try engine.tasks(for: actor, now: now) }
        let zone = engine.program.calendar.zone
        if options.json {
            FileHandleOutput.standardOutput(
                "{\"person\":" + ValueJSON.encode(Value.string(actor.id)) + ",\"tasks\":["
                    + items.map { $0.json(time: zone) }.joined(separator: ",") + "]}\n")
            return
        }
        for item in items {
            let who =
                switch item.assignee {
                case .role(let role): "role: \(role)"
                case .person(let field): "person: \(field)"
                }
            let due = item.due.map { "due " + zone.text($0) } ?? "no due date"
            FileHandleOutput.standardOutput(
                "\(item.caseID)  \(item.workflow)/\(item.state)  \(item.title)  (\(who))  since \(zone.text(item.since))  \(due)\(item.overdue ? "  OVERDUE" : "")\n"
            )
        }
        let overdue = items.filter(\.overdue).count
        FileHandleOutput.standardOutput(
            "\(items.count) task\(items.count == 1 ? "" : "s")" + (overdue > 0 ? ", \(overdue) overdue" : "") + "\n")
    }
}
