import ArgumentParser
import Foundation
import GridflowExpressions
import GridflowStore

/// `gridflow bench`: speed figures, kept out of the tests.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract:
            "Measure speed: expressions (ns per evaluation), workflows (transitions per second), the daemon over HTTP (durable events per second), appraisal (people per second), validation (files per second), a large store (size, daemon memory, read latency).",
        subcommands: [
            ExpressionBench.self, WorkflowBench.self, HTTPBench.self, AppraisalBench.self, ValidateBench.self,
            StoreBench.self, ScaleBench.self,
        ]
    )
}

/// `gridflow bench expr`.
struct ExpressionBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expr",
        abstract: "Nanoseconds per evaluation of three reference expressions (build with -c release)."
    )

    @Option(help: "Evaluations per expression.")
    var iterations = 200_000

    @Flag(help: "Print the figures as JSON.")
    var json = false

    @Option(help: "Run only the named figure (a_guard, b_appraisal, c_count), e.g. under a profiler.")
    var only: String?

    struct Figure: Encodable {
        var name: String
        var expression: String
        var nanosecondsPerEvaluation: Double
        var target: Double
    }

    func run() throws {
        guard iterations > 0 else { throw ValidationError("--iterations must be positive") }
        let report = RecordType(
            name: "report", fields: [.init(name: "area", type: .string), .init(name: "days_open", type: .integer)])
        let facts = RecordType(
            name: "facts",
            fields: ["duty_feedback", "supervision_quality", "training_exams", "inspection", "bonus", "deductions"].map
            {
                .init(name: $0, type: .decimal)
            })
        let environment = Environment(roots: [
            ("score", .decimal), ("role", .enumeration(name: "role", values: ["grid_supervisor", "team_supervisor"])),
            ("facts", .record(facts)), ("reports", .list(.record(report))),
        ])
        let reports = Value.list(
            (0..<50).map { i in
                .record(
                    Record(
                        layout: report.layout,
                        slots: [.string(i % 3 == 0 ? "off_duty" : "production_business"), .number(Number(i))]))
            })
        let factValues = Value.record(
            Record(layout: facts.layout, slots: ["86.5", "91", "78.25", "88", "3", "1.5"].map { .number(Number($0)!) }))
        let roots: [Value] = [.number(Number("72.5")!), .string("grid_supervisor"), factValues, reports]
        // The targets are issue 18's goals.
        let cases: [(String, String, Double)] = [
            ("a_guard", "score >= 60 and role == \"grid_supervisor\"", 30),
            (
                "b_appraisal",
                "round(facts.duty_feedback * 0.3 + facts.supervision_quality * 0.3 + facts.training_exams * 0.2 + facts.inspection * 0.2 + min(facts.bonus, 5) - facts.deductions, 2)",
                110
            ),
            ("c_count", "count(reports, r -> r.area == \"off_duty\" and r.days_open > 30)", 1_500),
        ]
        var figures: [Figure] = []
        if let only, !cases.contains(where: { $0.0 == only }) {
            throw ValidationError("--only takes a_guard, b_appraisal or c_count")
        }
        for (name, text, target) in cases where only == nil || only == name {
            let compiled = try Compiler.compile(text, in: environment)
            let frame = Frame(roots: roots, stepBudget: Int.max)
            for _ in 0..<min(iterations, 1_000) { _ = try compiled.evaluate(frame) }
            let clock = ContinuousClock()
            let start = clock.now
            for _ in 0..<iterations { _ = try compiled.evaluate(frame) }
            let nanoseconds = (clock.now - start).inSeconds * 1e9
            figures.append(
                Figure(
                    name: name, expression: text, nanosecondsPerEvaluation: nanoseconds / Double(iterations),
                    target: target))
        }
        if json {
            FileHandleOutput.standardOutput(DiagnosticJSON.text(figures))
        } else {
            for figure in figures {
                let verdict = figure.nanosecondsPerEvaluation <= figure.target ? "within" : "over"
                FileHandleOutput.standardOutput(
                    String(
                        format: "%-12@ %10.1f ns/eval  (target %.0f ns, %@)\n", figure.name as NSString,
                        figure.nanosecondsPerEvaluation, figure.target, verdict as NSString))
            }
        }
    }
}

/// A path for a benchmark's store in the temporary folder; `removeStoreFiles` removes it after.
func temporaryStorePath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("gridflow-\(name)-\(UUID().uuidString).sqlite").path
}

/// Removes a store's files: the database, its write-ahead log and shared memory.
func removeStoreFiles(_ path: String) {
    for suffix in SQLiteCaseStore.fileSuffixes { try? FileManager.default.removeItem(atPath: path + suffix) }
}
