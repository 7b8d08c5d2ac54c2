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

    @Flag(help: "Print the results as JSON: each scenario with its failures, the totals and the coverage.")
    var json = false

    /// What `--json` prints: a scenario's outcome.
    struct ScenarioJSON: Encodable {
        var name: String
        var file: String
        var passed: Bool
        var failures: [DiagnosticJSON.Entry]
    }

    /// What `--json` prints: the transitions of a unit no scenario took.
    struct CoverageJSON: Encodable {
        var unit: String
        var transitions: Int
        var taken: Int
        var notTaken: [String]
    }

    /// What `--json` prints.
    struct ResultsJSON: Encodable {
        var passed: Int
        var failed: Int
        var scenarios: [ScenarioJSON]
        var coverage: [CoverageJSON]?
    }

    /// Standard output, unless JSON is asked for.
    func say(_ text: String) {
        if !json { FileHandleOutput.standardOutput(text) }
    }

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
        var results: [ScenarioJSON] = []
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
                say(renderer.render(problems))
                results.append(
                    ScenarioJSON(name: file, file: file, passed: false, failures: problems.map(DiagnosticJSON.entry)))
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
            results.append(
                ScenarioJSON(
                    name: scenario.name, file: file, passed: result.passed,
                    failures: result.failures.map(DiagnosticJSON.entry)))
            if result.passed {
                passed += 1
                say("PASS \(scenario.name) (\(file))\n")
            } else {
                failed += 1
                say("FAIL \(scenario.name)\n" + renderer.render(result.failures))
            }
        }
        var coverages: [CoverageJSON] = []
        if coverage {
            for (unit, program) in engines.sorted(by: { $0.key < $1.key }) {
                let all = program.transitionNames
                let missing = all.subtracting(taken[unit] ?? []).sorted()
                coverages.append(
                    CoverageJSON(
                        unit: unit, transitions: all.count, taken: all.count - missing.count, notTaken: missing))
                say("coverage \(unit): \(all.count - missing.count) of \(all.count) transitions taken\n")
                for name in missing { say("  not taken: \(unit)/\(name)\n") }
            }
        }
        say("\(passed) passed, \(failed) failed\n")
        if json {
            FileHandleOutput.standardOutput(
                DiagnosticJSON.text(
                    ResultsJSON(
                        passed: passed, failed: failed, scenarios: results, coverage: coverage ? coverages : nil)))
        }
        if failed > 0 { throw ExitCode(1) }
    }
}
