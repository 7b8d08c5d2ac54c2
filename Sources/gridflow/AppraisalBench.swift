import ArgumentParser
import Foundation
import GRDB
import GridflowExpressions
import GridflowRuntime
@_spi(Bench) import GridflowStore

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
        let setUp = ContinuousClock.now
        try fill(store, engine, people: people, reports: reports, person: person)
        // The set-up's writes reach the database file and the disk before the run (a checkpoint
        // syncs the file), so that their write-back does not share the run's cores: an appraisal
        // runs on a store written long before.
        try storeRun { () throws(StoreError) in try store.checkpoint() }
        FileHandleOutput.standardError(
            String(format: "set up in %.1f s\n", (ContinuousClock.now - setUp).inSeconds))

        // Imported facts, the committee's judgements: good cases, and a verified breach for a few
        // (which vetoes their quarter). Duty feedback and training are counted from the store.
        var csv = "person,good_cases,discipline_violations\n"
        for index in 0..<people {
            csv += "p\(index),\(index % 4),\(index % 50 == 0 ? 1 : 0)\n"
        }
        let clock = ContinuousClock()
        var imported = ImportedFacts()
        let cpuStart = WorkflowBench.processCPUSeconds()
        let csvStart = clock.now
        let problems = imported.read(csv: csv, file: "bench.csv", for: appraisal)
        let csvSeconds = (clock.now - csvStart).inSeconds
        guard problems.isEmpty else { throw CommandError(message: problems.joined(separator: "\n")) }

        let progress = Progress()
        var report: (@Sendable (String, Int, Int) -> Void)?
        if progress.isTerminal {
            report = { stage, done, total in progress.show(stage, done, total) }
        }
        // The peak RSS of the run alone: the set-up's is forgotten first (Linux: `clear_refs` 5).
        let pid = ProcessInfo.processInfo.processIdentifier
        _ = try? "5".write(toFile: "/proc/\(pid)/clear_refs", atomically: false, encoding: .utf8)
        let start = clock.now
        let outcome = try gridflow.run { () throws(EngineError) in
            try engine.appraise(
                appraisal, window: AppraisalWindow("2024-Q3")!, role: nil, imported: imported,
                now: Instant("2024-10-08T09:00:00+08:00")!, keepEntries: false, progress: report)
        }
        progress.clear()
        let whole = (clock.now - start).inSeconds + csvSeconds
        let cpu = WorkflowBench.processCPUSeconds() - cpuStart
        let peak = (try? StoreBench.memory(of: pid).peak) ?? 0
        let scored = outcome.results
        let perSecond = Double(scored) / max(outcome.seconds.scoring, 1e-9)
        // The floor under the run's store work, measured after it on the same store.
        let (from, to) = AppraisalWindow("2024-Q3")!.instants(in: engine.program.calendar.zone)
        let floor = try storeRun { () throws(StoreError) in
            try store.appraisalFloor(
                unit: "telecom", workflow: "issue", openedFrom: from, to: to, appraisal: appraisal.name,
                period: "2024-Q3")
        }
        if json {
            FileHandleOutput.standardOutput(
                ValueJSON.encode([
                    "people": .number(Number(scored)), "scoring_people_per_second": .number(Number(Int(perSecond))),
                    "whole_run_seconds": .string(String(format: "%.3f", whole)),
                    "whole_run_cpu_seconds": .string(String(format: "%.3f", cpu)),
                    "run_peak_rss_kib": .number(Number(peak)),
                    "floor_cases": .number(Number(floor.cases)),
                    "floor_read_cases_seconds": .string(String(format: "%.3f", floor.readSeconds)),
                    "floor_result_rows": .number(Number(floor.rows)),
                    "floor_write_results_seconds": .string(String(format: "%.3f", floor.writeSeconds)),
                ]) + "\n")
            return
        }
        let grades = outcome.grades
        FileHandleOutput.standardOutput(
            String(
                format: """
                    appraised %d people (%@) from %d reports in %.2f s (CPU time of all threads %.2f s)
                      reading the CSV facts     %6.3f s
                      reading people            %6.3f s
                      counting facts from cases %6.3f s (%d facts counted in the store, %d cases read)
                      scoring                   %6.3f s  → %.0f people/s (target 100000)
                      saving results, %d consequences %6.3f s
                    peak RSS of the run %.1f MB
                    SQLite alone on the same store, with the run's statements (a floor):
                      reading the period's %d cases, nothing counted     %6.3f s
                      writing %d result rows, no consequences          %6.3f s

                    """, scored,
                grades.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
                reports, whole, cpu, csvSeconds, outcome.seconds.people, outcome.seconds.facts,
                outcome.factsCountedInStore,
                outcome.casesRead,
                outcome.seconds.scoring, perSecond, outcome.performed.count, outcome.seconds.saving,
                Double(peak) / 1024, floor.cases, floor.readSeconds, floor.rows, floor.writeSeconds))
    }

    /// Fills the store the way `bench store` does: the directory checked once per role (a
    /// person of each, as `people import` checks them) and written in one transaction as rows
    /// that differ only in their id and name; the reports opened by the pure interpreter (each
    /// with its reporter's directory record, as `open` binds it) and written a chunk at a time
    /// by the store's own statements, in large transactions.
    func fill(
        _ store: SQLiteCaseStore, _ engine: Engine, people: Int, reports: Int, person: (Int) -> String
    ) throws {
        // One checked entry per role, for the person of index 0 to 2; the others are made from
        // them by replacing the id (which is also the name).
        var templates: [StoredPerson] = []
        for index in 0..<3 {
            let json = try JSONReader.read("[" + person(index) + "]")
            let checked = try gridflow.run { () throws(EngineError) in
                try engine.checkPeople(json, place: nil, replacing: true)
            }
            guard case .success(let entries) = checked, let entry = entries.people.first else {
                throw CommandError(message: "bench appraisal: the bench person is refused: \(checked)")
            }
            templates.append(entry)
        }
        // In chunks, so that the set-up's memory does not hide the run's.
        for first in stride(from: 0, to: people, by: 50_000) {
            let batch = (first..<min(first + 50_000, people)).map { index in
                let template = templates[index % 3]
                return StoredPerson(
                    id: "p\(index)", roles: template.roles,
                    recordJSON: template.recordJSON.replacingOccurrences(
                        of: "\"p\(index % 3)\"", with: "\"p\(index)\""))
            }
            try storeRun { () throws(StoreError) in
                try store.importPeople(unit: "telecom", batch, replacing: first == 0)
            }
        }
        guard reports > 0 else { return }
        // The reporter as `open` binds it: the directory record, read once per role.
        var records: [GridflowExpressions.Record] = []
        for index in 0..<3 {
            let actor = try gridflow.run { () throws(EngineError) in
                try engine.actor("p\(index)", roles: [], now: Self.day)
            }
            guard let record = actor.person else {
                throw CommandError(message: "bench appraisal: p\(index) has no record")
            }
            records.append(record)
        }
        let layout = engine.program.types.personType.layout
        guard let idSlot = layout.slot(of: "id"), let nameSlot = layout.slot(of: "name") else {
            throw CommandError(message: "bench appraisal: the person type has no id or name")
        }
        let interpreter = Interpreter(program: engine.program)
        for first in stride(from: 0, to: reports, by: 10_000) {
            var steps: [Step] = []
            steps.reserveCapacity(10_000)
            for index in first..<min(first + 10_000, reports) {
                let reporter = index % people
                let template = records[reporter % 3]
                var slots = template.slots
                slots[idSlot] = .string("p\(reporter)")
                slots[nameSlot] = .string("p\(reporter)")
                let record = GridflowExpressions.Record(layout: template.layout, slots: slots)
                let outcome = interpreter.open(
                    "issue", id: "telecom-issue-\(index + 1)",
                    input: [
                        "report_type": .string("problem"), "area": .string("vital_interests"),
                        "business_line": .string("network"), "description": .string("问题"), "real_name": .bool(true),
                        "reporter": .record(record),
                    ], by: Actor(id: "p\(reporter)", roles: ["employee"]), now: Self.day)
                guard case .advanced(let step) = outcome else {
                    throw CommandError(message: "bench appraisal: the report was not opened: \(outcome)")
                }
                steps.append(step)
            }
            _ = try storeRun { () throws(StoreError) in try store.writeOnly(steps, perTransaction: steps.count) }
        }
        // New cases get new ids, as after opening them one by one.
        let queue = try DatabaseQueue(path: store.path)
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO counters (name, value) VALUES ('telecom/issue', ?)
                    ON CONFLICT (name) DO UPDATE SET value = MAX(value, excluded.value)
                    """, arguments: [reports])
        }
        try queue.close()
    }

    static let day = Instant("2024-07-10T09:00:00+08:00")!
}
