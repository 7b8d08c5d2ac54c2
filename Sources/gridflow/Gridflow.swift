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
            IncidentCommand.self, DemoCommand.self,
            TestCommand.self, Bench.self,
        ]
    )
}
