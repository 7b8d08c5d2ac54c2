import ArgumentParser
import Foundation
import GridflowDefinitions
import GridflowDiagnostics
import GridflowGraph

/// `gridflow graph`: draws a workflow as Mermaid or DOT.
struct Graph: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Draw a workflow's states and transitions as Mermaid or Graphviz DOT."
    )

    @Argument(help: "The workflow, as UNIT/WORKFLOW (e.g. telecom/selection).")
    var workflow: String

    @Option(help: "mermaid (renders on Git forges), dot (Graphviz) or json (nodes and edges, for tools).")
    var format: GraphRenderer.Format = .mermaid

    @Flag(help: "Print the graph as JSON (the same as --format json).")
    var json = false

    @Option(help: "The folder holding Workflows/ and Rules/.")
    var root: String = "."

    func run() throws {
        let parts = workflow.split(separator: "/").map(String.init)
        guard parts.count == 2 else {
            throw ValidationError("name the workflow as UNIT/WORKFLOW, e.g. telecom/selection")
        }
        let (unitName, workflowName) = (parts[0], parts[1])
        let base = root == "." ? "" : (root.hasSuffix("/") ? root : root + "/")
        let folder = base + "Workflows/" + unitName
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            let units = (try? FileManager.default.contentsOfDirectory(atPath: base + "Workflows")) ?? []
            throw CommandError(
                message: "no unit '\(unitName)' in \(base)Workflows/" + Suggestion.didYouMean(unitName, in: units))
        }
        let result = Loader().load(paths: [folder])
        guard let definitions = result.units[unitName], let found = definitions.workflow(workflowName) else {
            let names = result.units[unitName]?.workflows.map(\.name.text) ?? []
            if result.diagnostics.hasErrors { try fail(result) }
            throw CommandError(
                message: "unit '\(unitName)' has no workflow '\(workflowName)'"
                    + Suggestion.didYouMean(workflowName, in: names)
                    + (names.isEmpty ? "" : " (workflows: " + names.sorted().joined(separator: ", ") + ")"))
        }
        if result.diagnostics.contains(where: { $0.severity == .error && $0.location?.file == found.file }) {
            try fail(result, only: found.file)
        }
        FileHandleOutput.standardOutput(GraphRenderer().render(found, format: json ? .json : format))
    }

    private func fail(_ result: LoadResult, only file: String? = nil) throws -> Never {
        let errors = result.diagnostics.filter { $0.severity == .error && (file == nil || $0.location?.file == file) }
        FileHandleOutput.standardError(DiagnosticRenderer(sources: result.sources).render(errors))
        FileHandleOutput.standardError("cannot draw \(workflow): its definition has errors\n")
        throw ExitCode(1)
    }
}

extension GraphRenderer.Format: ExpressibleByArgument {}
