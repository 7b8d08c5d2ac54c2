import ArgumentParser

/// The `gridflow` command.
struct Gridflow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gridflow",
        abstract: "A workflow and rules engine driven by declarative YAML.",
        discussion: """
            Definitions live in Workflows/UNIT/ (the unit and its workflows) and Rules/UNIT/ (rule sets).
            See README.md and docs/reference.md.
            """,
        version: "0.1.0",
        subcommands: [
            Validate.self, Graph.self, Schema.self, Eval.self, CaseCommand.self, PeopleCommand.self,
            AppraiseCommand.self, CoverageCommand.self, ReportCommand.self, Tick.self,
            IncidentCommand.self, DemoCommand.self, DeployCommand.self, DeploymentsCommand.self, RollbackCommand.self,
            MigrateCommand.self, FilesCommand.self, ServeCommand.self, TestCommand.self, Bench.self, TokenCommand.self,
            TasksCommand.self, NotificationsCommand.self, QRCommand.self, SignInLinkCommand.self,
        ]
    )

    /// The names typed to reach `target` from the root, e.g. `gridflow case open`; `nil` when
    /// it is not a command of this tree.
    static func names(of target: ParsableCommand.Type, from root: ParsableCommand.Type = Gridflow.self) -> [String]? {
        let name = root.configuration.commandName ?? String(describing: root).lowercased()
        if root == target { return [name] }
        for subcommand in root.configuration.subcommands {
            if let path = names(of: target, from: subcommand) { return [name] + path }
        }
        return nil
    }

    /// A usage error of `command` as ArgumentParser prints those it finds while parsing: the
    /// message, the command's own usage, and where to read more.
    static func usageError(_ message: String, in command: ParsableCommand.Type) -> String {
        let path = (names(of: command) ?? ["gridflow"]).joined(separator: " ")
        return "Error: \(message)\nUsage: \(usageString(for: command))\n  See '\(path) --help' for more information.\n"
    }
}
