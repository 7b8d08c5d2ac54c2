import Foundation
import Testing

/// `gridflow graph` over every shipped workflow, checked against golden diagrams.
@Suite struct GraphCommandTests {
    /// `UNIT/WORKFLOW` for every shipped workflow file (workflow names equal file names; the
    /// unit and its demo sit beside them).
    static let workflows: [String] = yamlFiles(under: "Workflows").filter {
        !$0.hasSuffix("/unit.yaml") && !$0.hasSuffix("/demo.yaml") && !$0.contains("/tests/")
    }.map {
        String($0.dropLast(".yaml".count))
    }

    @Test func everyUnitShipsWorkflows() {
        #expect(Self.workflows.contains("oilfield/selection"))
        #expect(Self.workflows.contains("telecom/selection"))
        #expect(Self.workflows.count >= 8)
    }

    @Test(arguments: workflows)
    func mermaidIsGolden(_ workflow: String) throws {
        let run = try gridflow(["graph", workflow])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("flowchart TD"))
        try expectGolden(run.stdout, "Tests/Golden/graph/\(workflow.replacingOccurrences(of: "/", with: "-")).mmd")
    }

    @Test(arguments: workflows)
    func dotIsGolden(_ workflow: String) throws {
        let run = try gridflow(["graph", workflow, "--format", "dot"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("digraph "))
        try expectGolden(run.stdout, "Tests/Golden/graph/\(workflow.replacingOccurrences(of: "/", with: "-")).dot")
    }

    @Test func unknownWorkflowIsAUsageError() throws {
        let run = try gridflow(["graph", "telecom/selectoin"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("did you mean 'selection'?"))
        let unit = try gridflow(["graph", "telecon/selection"])
        #expect(unit.status == 2)
        #expect(unit.stderr.contains("did you mean 'telecom'?"))
        let shape = try gridflow(["graph", "selection"])
        #expect(shape.status == 2)
    }

    @Test func brokenWorkflowIsNotDrawn() throws {
        let run = try gridflow(["graph", "fx/wf_unknown_target_state", "--root", "Tests/Fixtures/invalid"])
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("unknown state 'don'"))
    }

    @Test func schemasAreCurrent() throws {
        let run = try gridflow(["schema", "--check"])
        #expect(run.status == 0, "\(run.stderr)")
    }
}
