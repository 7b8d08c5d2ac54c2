import Foundation
import GridflowDefinitions
import GridflowDiagnostics
import Testing

/// A definitions version names what the files mean: comments, key order, quoting and layout do
/// not change it; any change of meaning does; scenarios and demos are not part of it.
@Suite struct DefinitionVersionTests {
    static let workflow = """
        kind: Workflow
        schema: 1
        unit: demo
        name: report
        states:
          open: {initial: true}
          done: {final: true}
        transitions:
          close: {from: open, to: done, role: clerk, guard: 'case.x > 1'}

        """

    func version(_ files: [(String, String)]) -> String {
        DefinitionVersion.of(files.map { SourceFile(path: "/somewhere/\($0.0)", text: $0.1) })
    }

    @Test func layoutCommentsOrderAndQuotingDoNotMakeANewVersion() {
        let base = version([("Workflows/demo/report.yaml", Self.workflow)])
        let same = """
            # The report workflow, commented.
            schema: 1
            kind: "Workflow"
            name: 'report'
            unit: demo
            transitions:
              close:
                to: done    # where it ends
                from: open
                role: clerk
                guard: "case.x > 1"
            states:
              done:
                final: true
              open:
                initial: true

            """
        #expect(version([("Workflows/demo/report.yaml", same)]) == base)
        // Elsewhere on disk, the same tree.
        #expect(DefinitionVersion.of([SourceFile(path: "Workflows/demo/report.yaml", text: Self.workflow)]) == base)
        // Scenarios and demos are not part of a deployment.
        let scenario = "kind: Scenario\nschema: 1\nname: s\n"
        #expect(
            version([("Workflows/demo/report.yaml", Self.workflow), ("Workflows/demo/tests/s.yaml", scenario)]) == base)
        #expect(
            version([("Workflows/demo/report.yaml", Self.workflow), ("Workflows/demo/demo.yaml", "kind: Demo\n")])
                == base)
    }

    @Test func aChangeOfMeaningMakesANewVersion() {
        let base = version([("Workflows/demo/report.yaml", Self.workflow)])
        for (from, to) in [
            ("case.x > 1", "case.x > 2"), ("role: clerk", "role: clerks"), ("final: true", "final: false"),
            // A quoted 'true' is a string, not a boolean.
            ("final: true", "final: 'true'"),
        ] {
            let changed = Self.workflow.replacingOccurrences(of: from, with: to)
            #expect(changed != Self.workflow)
            #expect(version([("Workflows/demo/report.yaml", changed)]) != base, "\(from) → \(to)")
        }
        // The same text at another path is another definition.
        #expect(version([("Workflows/demo/other.yaml", Self.workflow)]) != base)
        // The byte hash of stores from before deployments sees every byte.
        let commented = "# a comment\n" + Self.workflow
        #expect(version([("Workflows/demo/report.yaml", commented)]) == base)
        #expect(
            DefinitionVersion.bytes([SourceFile(path: "Workflows/demo/report.yaml", text: commented)])
                != DefinitionVersion.bytes([SourceFile(path: "Workflows/demo/report.yaml", text: Self.workflow)]))
    }
}

/// A deployment's files, held in memory as a store holds them, load as the working tree does.
@Suite struct MemoryLoadTests {
    @Test(arguments: ["oilfield", "telecom"])
    func aDeploymentLoadsFromMemoryAsTheTreeDoes(unit: String) throws {
        let folders = ["Workflows/\(unit)", "Rules/\(unit)"].map { packageRoot.appendingPathComponent($0).path }
        let disk = Loader().load(paths: folders)
        #expect(!disk.diagnostics.contains { $0.severity == .error })
        let deployable = DefinitionVersion.deployable(disk.sources)
        let files = Dictionary(uniqueKeysWithValues: deployable.map { (DefinitionVersion.relative($0.path), $0.text) })
        #expect(files.keys.contains("Workflows/group/unit.yaml"), "the base unit is part of a deployment")
        let memory = Loader(fileSystem: .memory(files)).load(paths: ["Workflows/\(unit)", "Rules/\(unit)"])
        #expect(memory.diagnostics.filter { $0.severity == .error }.map(\.message) == [])
        let definitions = try #require(memory.units[unit])
        let expected = try #require(disk.units[unit])
        #expect(definitions.workflows.map(\.name.text).sorted() == expected.workflows.map(\.name.text).sorted())
        #expect(definitions.ruleSetNames.sorted() == expected.ruleSetNames.sorted())
        #expect(definitions.unit.roleNames == expected.unit.roleNames)
        #expect(DefinitionVersion.of(memory.sources) == DefinitionVersion.of(disk.sources))
        // Scenarios and demos are not there.
        #expect(!memory.sources.contains { $0.path.contains("/tests/") || $0.path.hasSuffix("demo.yaml") })
    }

    @Test func aFolderThatIsNotThereIsMissing() {
        let result = Loader(fileSystem: .memory(["Workflows/a/unit.yaml": "kind: Unit\n"])).load(paths: ["Rules/b"])
        #expect(result.missingPaths == ["Rules/b"])
    }
}
