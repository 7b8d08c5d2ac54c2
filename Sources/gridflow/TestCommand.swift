import ArgumentParser
import Foundation
import GridflowDefinitions
import GridflowDiagnostics
import GridflowRuntime
import GridflowStore

/// `gridflow test`: runs the designers' scenarios (`Workflows/UNIT/tests/*.yaml`).
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run scenario files on the real interpreter and a temporary store; exit 1 if one fails.")

    @Argument(help: "Scenario files or folders (default: every Workflows/UNIT/tests/).")
    var paths: [String] = []

    @Flag(help: "List every transition of the units under test that no scenario took.")
    var coverage = false

    @Option(help: "The folder holding Workflows/ and Rules/.")
    var root: String = "."

    func run() throws {
        let base = root == "." ? "" : (root.hasSuffix("/") ? root : root + "/")
        var files: [String] = []
        let targets =
            paths.isEmpty
            ? ((try? FileManager.default.contentsOfDirectory(atPath: base + "Workflows")) ?? []).sorted().map {
                base + "Workflows/" + $0 + "/tests"
            }.filter { FileManager.default.fileExists(atPath: $0) }
            : paths
        for target in targets {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory) else {
                throw CommandError(message: "no such file or folder: \(target)")
            }
            if isDirectory.boolValue {
                let names = ((try? FileManager.default.contentsOfDirectory(atPath: target)) ?? []).sorted()
                files += names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.map { target + "/" + $0 }
            } else {
                files.append(target)
            }
        }
        var renderer = DiagnosticRenderer()
        var engines: [String: Program] = [:]
        var passed = 0, failed = 0
        var taken: [String: Set<String>] = [:]
        let options = try StoreOptions.parse(["--root", root])
        for file in files {
            let parsed = Loader.parse(path: file)
            renderer.add(parsed.source)
            let components = file.split(separator: "/").map(String.init)
            guard components.count >= 4, components[components.count - 2] == "tests" else {
                throw CommandError(message: "\(file): scenarios live in Workflows/UNIT/tests/")
            }
            let unit = components[components.count - 3]
            guard parsed.kind == .scenario, let scenario = Scenario.read(parsed) else {
                var problems = parsed.diagnostics
                if problems.isEmpty {
                    problems.append(
                        Diagnostic(
                            .error, "not-a-scenario", "a scenario file says 'kind: Scenario'",
                            at: SourceSpan(start: SourceLocation(file: file, line: 1, column: 1))))
                }
                FileHandleOutput.standardOutput(renderer.render(problems))
                failed += 1
                continue
            }
            let program: Program
            if let cached = engines[unit] {
                program = cached
            } else {
                program = try options.program(unit: unit)
                engines[unit] = program
            }
            // Each scenario runs on a store of its own, removed once the scenario is done.
            let path = temporaryStorePath("test")
            defer { removeStoreFiles(path) }
            let runner = ScenarioRunner(program: program) { try SQLiteCaseStore(path: path, durability: .normal) }
            let result = runner.run(scenario)
            taken[unit, default: []].formUnion(result.transitions)
            if result.passed {
                passed += 1
                FileHandleOutput.standardOutput("PASS \(scenario.name) (\(file))\n")
            } else {
                failed += 1
                FileHandleOutput.standardOutput("FAIL \(scenario.name)\n" + renderer.render(result.failures))
            }
        }
        if coverage {
            for (unit, program) in engines.sorted(by: { $0.key < $1.key }) {
                let all = program.transitionNames
                let missing = all.subtracting(taken[unit] ?? []).sorted()
                FileHandleOutput.standardOutput(
                    "coverage \(unit): \(all.count - missing.count) of \(all.count) transitions taken\n")
                for name in missing { FileHandleOutput.standardOutput("  not taken: \(unit)/\(name)\n") }
            }
        }
        FileHandleOutput.standardOutput("\(passed) passed, \(failed) failed\n")
        if failed > 0 { throw ExitCode(1) }
    }
}
