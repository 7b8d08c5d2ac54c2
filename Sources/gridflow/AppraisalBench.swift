import ArgumentParser
import Foundation
import GridflowExpressions
import GridflowRuntime
import GridflowStore

/// `gridflow bench appraisal`: the telecom quarterly appraisal of many people, with their
/// reports in the store and their imported facts in CSV.
struct AppraisalBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "appraisal",
        abstract: "People per second scored by the telecom appraisal, and where a whole appraise run spends its time.")

    @Option(help: "People in the directory, all supervisors.") var people = 100_000
    @Option(help: "Issue cases reported in the quarter (default: two per person).") var reports: Int?
    @Option(help: "The folder holding Workflows/ and Rules/.") var root: String = "."
    @Flag(help: "Print the figures as JSON.") var json = false

    func run() throws {
        let reports = self.reports ?? 2 * people
        guard people > 0, reports >= 0 else {
            throw ValidationError("--people must be positive, --reports not negative")
        }
        let path = temporaryStorePath("appraisal-bench")
        defer { removeStoreFiles(path) }
        let store = try storeRun { () throws(StoreError) in try SQLiteCaseStore(path: path, durability: .normal) }
        let options = try StoreOptions.parse(["--root", root])
        let engine = try options.engine(unit: "telecom", store: store)
        guard let appraisal = engine.program.appraisals["supervisor_appraisal"] else {
            throw CommandError(message: "the telecom unit has no supervisor_appraisal")
        }
        let roles = ["grid_supervisor", "team_supervisor", "branch_discipline_member"]
        let attributes =
            #""party_member": true, "branch_committee_member": false, "leadership_member": false, "key_post": "none", "party_rep": false, "worker_rep": false, "union_rep": false, "frontline_familiar": true, "performance": {"2023": "good"}"#
        func person(_ index: Int) -> String {
            #"{"id": "p\#(index)", "name": "p\#(index)", "roles": ["\#(roles[index % 3])"], \#(attributes)}"#
        }
        FileHandleOutput.standardError("setting up \(people) people, \(reports) reports …\n")
        // In chunks, so that the set-up's memory does not hide the run's.
        for chunk in stride(from: 0, to: people, by: 10_000) {
            let directory = try JSONReader.read(
                "[" + (chunk..<min(chunk + 10_000, people)).map(person).joined(separator: ",") + "]")
            _ = try gridflow.run { () throws(EngineError) in
                try engine.importPeople(directory, replacing: chunk == 0)
            }
        }

        let day = Instant("2024-07-10T09:00:00+08:00")!
        for index in 0..<reports {
            let reporter = try JSONReader.read(person(index % people))
            let record = try DataBinding.value(reporter, as: .record(engine.program.types.personType), path: "reporter")
            _ = try gridflow.run { () throws(EngineError) in
                try engine.open(
                    "issue",
                    input: [
                        "report_type": .string("problem"), "area": .string("vital_interests"),
                        "business_line": .string("network"), "description": .string("问题"), "real_name": .bool(true),
                        "reporter": record,
                    ], by: Actor(id: "p\(index % people)", roles: ["employee"]), now: day)
            }
        }
        // Imported facts, the committee's judgements: good cases, and a verified breach for a few
        // (which vetoes their quarter). Duty feedback and training are counted from the store.
        var csv = "person,good_cases,discipline_violations\n"
        for index in 0..<people {
            csv += "p\(index),\(index % 4),\(index % 50 == 0 ? 1 : 0)\n"
        }
        let clock = ContinuousClock()
        var imported = ImportedFacts()
        let csvStart = clock.now
        let problems = imported.read(csv: csv, file: "bench.csv", for: appraisal)
        let csvSeconds = (clock.now - csvStart).inSeconds
        guard problems.isEmpty else { throw CommandError(message: problems.joined(separator: "\n")) }

        let progress = Progress()
        var report: (@Sendable (String, Int, Int) -> Void)?
        if progress.isTerminal {
            report = { stage, done, total in progress.show(stage, done, total) }
        }
        let start = clock.now
        let outcome = try gridflow.run { () throws(EngineError) in
            try engine.appraise(
                appraisal, window: AppraisalWindow("2024-Q3")!, role: nil, imported: imported,
                now: Instant("2024-10-08T09:00:00+08:00")!, keepEntries: false, progress: report)
        }
        progress.clear()
        let whole = (clock.now - start).inSeconds + csvSeconds
        let scored = outcome.results
        let perSecond = Double(scored) / max(outcome.seconds.scoring, 1e-9)
        if json {
            FileHandleOutput.standardOutput(
                ValueJSON.encode([
                    "people": .number(Number(scored)), "scoring_people_per_second": .number(Number(Int(perSecond))),
                    "whole_run_seconds": .string(String(format: "%.3f", whole)),
                ]) + "\n")
            return
        }
        let grades = outcome.grades
        FileHandleOutput.standardOutput(
            String(
                format: """
                    appraised %d people (%@) from %d reports in %.2f s
                      reading the CSV facts     %6.3f s
                      reading people            %6.3f s
                      counting facts from cases %6.3f s (%d facts counted in the store, %d cases read)
                      scoring                   %6.3f s  → %.0f people/s (target 100000)
                      saving results, %d consequences %6.3f s

                    """, scored,
                grades.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
                reports, whole, csvSeconds, outcome.seconds.people, outcome.seconds.facts, outcome.factsCountedInStore,
                outcome.casesRead,
                outcome.seconds.scoring, perSecond, outcome.performed.count, outcome.seconds.saving))
    }
}
