import Foundation
import Testing

/// A usage error a command finds after parsing (in `run()`) shows that command's usage, as the
/// errors ArgumentParser finds while parsing do, not the root's.
@Suite struct UsageErrorTests {
    @Test func aCommandShowsItsOwnUsage() throws {
        let open = try gridflow(["case", "open", "issue", "--as", "wang"])
        #expect(open.status == 2)
        #expect(
            open.stderr == """
                Error: name the workflow as UNIT/WORKFLOW, e.g. oilfield/issue
                Usage: gridflow case open <workflow> --as <as> [--role <role> ...] [--data <data>] [--set <set> ...] [--db <db>] [--root <root>] [--now <now>] [--json] [--deploy]
                  See 'gridflow case open --help' for more information.

                """)
        let graph = try gridflow(["graph", "selection"])
        #expect(graph.status == 2)
        #expect(
            graph.stderr == """
                Error: name the workflow as UNIT/WORKFLOW, e.g. telecom/selection
                Usage: gridflow graph <workflow> [--format <format>] [--json] [--root <root>]
                  See 'gridflow graph --help' for more information.

                """)
    }

    @Test func aBadTimeIsRefusedByEveryStoreCommand() throws {
        let list = try gridflow(["case", "list", "--now", "yesterday"])
        #expect(list.status == 2)
        #expect(
            list.stderr.hasPrefix(
                "Error: --now must be a datetime such as 2024-07-01T09:00:00+08:00\nUsage: gridflow case list "))
    }
}
