import ArgumentParser
import Foundation
import GridflowDefinitions
import GridflowDiagnostics
import GridflowExpressions
import GridflowRuntime
import GridflowServer
import GridflowStore

/// `gridflow demo`: a realistic year of a unit, driven through the real engine, then its bulletin.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a unit's demo year (its Demo definition) through the engine, then print its bulletin.",
        discussion: """
            The unit's Demo definition (e.g. Workflows/oilfield/demo.yaml) says who works where, which \
            cases they open over the year, and how likely and how soon each transition is taken. The \
            demo imports the people, opens the cases on working days, takes the steps as those people, \
            lets timers fire and effects run, appraises each period, and prints what happened and the \
            unit's bulletin for the year. The store is a fresh SQLite file (demo-UNIT.sqlite); \
            inspect it afterwards with the case, report, appraise and coverage commands. The facts \
            the demo imported for each appraisal period are left beside the store \
            (demo-UNIT-facts-PERIOD.csv) for 'gridflow appraise --facts' to score the period again.
            """)

    @Argument(help: "The unit.") var unit: String
    @Option(help: "Multiply the people and cases of the demo by this factor (0.01 to 100).") var scale: Double = 1
    @Option(help: "The demo, when the unit has several.") var demo: String?
    @Option(help: "The SQLite store to create; default demo-UNIT.sqlite.") var db: String?
    @Flag(help: "Replace the store if it exists (it must be a Gridflow store).") var replace = false
    @Option(help: "The folder holding Workflows/ and Rules/.") var root: String = "."
    @Option(
        help:
            "The bulletin's format: md (with the year's summary), csv, json or html; other than md, the summary goes to standard error."
    )
    var format: ReportCommand.Format = .md

    @Flag(help: "The same as --format json: each bulletin as one JSON object per line, the summary to standard error.")
    var json = false

    /// The bulletins' format: `--json` is `--format json`.
    var bulletinFormat: ReportCommand.Format { json ? .json : format }

    func validate() throws {
        guard scale >= 0.01, scale <= 100 else {
            throw ValidationError("--scale takes a factor from 0.01 to 100, not \(scale)")
        }
    }

    func run() throws {
        let path = db ?? "demo-\(unit).sqlite"
        let options = try StoreOptions.parse(["--db", path, "--root", root])
        let tree = try WorkingTree.load(unit: unit, root: options.root)
        let program = tree.program
        let compiled = try chosen(
            demo, from: program.demos, kind: "demo", option: "demo", unit: unit,
            noneHint: "; write one (kind: Demo) in Workflows/\(unit)/, see docs/reference.md")
        try prepare(path)
        let existed = FileManager.default.fileExists(atPath: path)
        // The year is built in a file of its own and takes the store's place only when it is
        // complete: a failure leaves the previous store as it was.
        let building = path + ".building"
        try remove(building)
        let output: (summary: String, bulletins: String, facts: [(file: String, csv: String)])
        do {
            output = try year(compiled, tree: tree, in: building, shownAs: path)
        } catch {
            try? remove(building)
            throw error
        }
        try remove(path)
        for suffix in SQLiteCaseStore.fileSuffixes where FileManager.default.fileExists(atPath: building + suffix) {
            do { try FileManager.default.moveItem(atPath: building + suffix, toPath: path + suffix) } catch {
                throw CommandError(
                    message: "cannot move the new store to \(path + suffix): \(error.localizedDescription)")
            }
        }
        if !existed { FileHandleOutput.standardError("created store \(path)\n") }
        for (file, csv) in output.facts {
            do { try Data(csv.utf8).write(to: URL(fileURLWithPath: file), options: .atomic) } catch {
                throw CommandError(message: "cannot write the demo's facts to \(file): \(error.localizedDescription)")
            }
        }
        if bulletinFormat == .md {
            FileHandleOutput.standardOutput(output.summary + output.bulletins)
        } else {
            FileHandleOutput.standardError(output.summary)
            FileHandleOutput.standardOutput(output.bulletins)
        }
    }

    /// Runs the year in a new store at `file` and returns what to print; the store is closed
    /// when this returns.
    func year(_ compiled: CompiledDemo, tree: WorkingTree, in file: String, shownAs path: String) throws -> (
        summary: String, bulletins: String, facts: [(file: String, csv: String)]
    ) {
        let program = tree.program
        let store = try storeRun { () throws(StoreError) in try SQLiteCaseStore(path: file) }
        // The year runs on a deployment of the working tree, as cases in any store do.
        _ = try tree.deploy(
            to: store, by: DeployCommand.operatingSystemUser,
            at: program.calendar.zone.instant(on: Day(year: compiled.year, month: 1, day: 1)!), message: "the demo year"
        )
        let engine = Engine(program: program, store: store, catalog: DeploymentCatalog(store: store, known: [program]))
        let progress = Progress()
        var report: (@Sendable (Int, Int) -> Void)?
        if progress.isTerminal {
            let year = compiled.year
            report = { day, days in progress.show("demo \(year), day", min(day, days), days) }
        }
        let started = ContinuousClock.now
        var runner = DemoRunner(engine: engine, demo: compiled, scale: scale, progress: report)
        let summary = try gridflow.run { () throws(EngineError) in try runner.run() }
        progress.clear()
        let elapsed = ContinuousClock.now - started
        var text = DemoText.summary(
            summary, demo: compiled, unit: unit, path: path, scale: scale, elapsed: elapsed, time: program.calendar.zone
        )
        for rule in program.coverages {
            let coverage = try gridflow.run { () throws(EngineError) in try engine.coverage(rule, now: summary.end) }
            text +=
                "coverage \(rule.name): \(coverage.places.count - coverage.gaps.count) of \(coverage.places.count) places have a \(rule.role)\n"
        }
        guard let window = AppraisalWindow("\(compiled.year)") else {
            throw CommandError(message: "demo \(compiled.name): \(compiled.year) is not a period")
        }
        var bulletins = ""
        for name in program.reports.keys.sorted() {
            // The demo's bulletins are for no one named: one for an audience only is left out.
            let bulletin = program.reports[name]!
            guard bulletin.admits(.anyone) else {
                text +=
                    "bulletin \(name): for \(bulletin.audience.joined(separator: ", ")) only; run gridflow report --as\n"
                continue
            }
            let page = try gridflow.run { () throws(EngineError) in
                try BulletinPage(
                    engine: engine, report: bulletin, window: window, now: summary.end, viewer: .anyone,
                    months: bulletinFormat == .html)
            }
            bulletins += (bulletinFormat == .md ? "\n" : "") + BulletinText.render(page, as: bulletinFormat, unit: unit)
        }
        // What `appraise --facts` needs to score a period again: the facts the demo imported.
        var facts: [(file: String, csv: String)] = []
        for (period, name, imported, _) in summary.importedFacts {
            guard let appraisal = program.appraisals[name], !imported.people.isEmpty else { continue }
            // Only the people the period appraised: the others' facts would be refused noise.
            let outcome = summary.appraisals.first { $0.period == period && $0.appraisal == name }?.outcome
            let appraised = Set((outcome?.entries.map(\.person) ?? []) + (outcome?.incomplete.map(\.person) ?? []))
            facts.append((Self.factsFile(store: path, period: period), imported.csv(for: appraisal, of: appraised)))
        }
        return (text, bulletins, facts)
    }

    /// Where the demo leaves a period's imported facts: beside the store, `demo-oilfield.sqlite`
    /// → `demo-oilfield-facts-2024.csv`.
    static func factsFile(store path: String, period: String) -> String {
        let stem = path.hasSuffix(".sqlite") ? String(path.dropLast(".sqlite".count)) : path
        return "\(stem)-facts-\(period).csv"
    }

    /// Removes a store file and its WAL companions, if there.
    func remove(_ file: String) throws {
        for name in SQLiteCaseStore.fileSuffixes.map({ file + $0 }) where FileManager.default.fileExists(atPath: name) {
            do { try FileManager.default.removeItem(atPath: name) } catch {
                throw CommandError(message: "cannot remove \(name): \(error.localizedDescription)")
            }
        }
    }

    /// A store may be replaced only with `--replace`, and only if it is a Gridflow store.
    func prepare(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        guard replace else {
            throw CommandError(
                message: "\(path) exists; pass --replace to run the demo anew in it, or --db another file")
        }
        // Open it first: a foreign or damaged file is refused, not deleted.
        _ = try storeRun { () throws(StoreError) in try SQLiteCaseStore(path: path) }
    }
}

/// What `demo` prints about the year.
enum DemoText {
    static func summary(
        _ summary: DemoSummary, demo: CompiledDemo, unit: String, path: String, scale: Double, elapsed: Swift.Duration,
        time: Zone
    ) -> String {
        let seconds = elapsed.inSeconds
        var out = "demo \(demo.name) of \(unit), \(demo.year)\(scale == 1 ? "" : ", scale \(scale)"): store \(path)\n"
        out += "  \(summary.people) people; clock from \(time.text(summary.start)) to \(time.text(summary.end))\n"
        let opened = summary.opened.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        out += "  cases opened: \(opened.isEmpty ? "none" : opened)\n"
        out +=
            "  \(summary.steps) steps taken by people, \(summary.timersFired) timers fired, \(summary.effectsPerformed) effects performed, in \(String(format: "%.1f", seconds)) s\n"
        if !summary.unfinished.isEmpty {
            out += "  still open when the clock stopped:\n"
            for (place, count) in summary.unfinished.sorted(by: { $0.key < $1.key }) {
                out += "    \(count) \(place)\n"
            }
        }
        if !summary.refused.isEmpty {
            out += "  not done (the engine refused, or nobody could):\n"
            for (what, count) in summary.refused.sorted(by: { $0.key < $1.key }) { out += "    \(count)× \(what)\n" }
        }
        if !summary.incidents.isEmpty {
            out += "  incidents (see 'gridflow incident list --db \(path)'):\n"
            for message in summary.incidents.prefix(10) { out += "    \(message)\n" }
            if summary.incidents.count > 10 { out += "    … \(summary.incidents.count - 10) more\n" }
        }
        for (period, appraisal, outcome) in summary.appraisals {
            var grades: [String: Int] = [:]
            for entry in outcome.entries { grades[entry.score.grade, default: 0] += 1 }
            let counts = grades.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            out +=
                "  appraisal \(appraisal) \(period): \(outcome.entries.count) appraised (\(counts.isEmpty ? "none" : counts)), \(outcome.performed.count) consequence\(outcome.performed.count == 1 ? "" : "s")\n"
            if let imported = summary.importedFacts.first(where: {
                $0.period == period && $0.appraisal == appraisal && !$0.facts.people.isEmpty
            }) {
                let facts = DemoCommand.factsFile(store: path, period: period)
                let viewer = imported.viewer.map { " --as \($0)" } ?? ""
                out +=
                    "    its imported facts are in \(facts); score again from the store with: gridflow appraise \(unit) --period \(period) --db \(path) --facts \(facts)\(viewer)\n"
            }
            if let first = outcome.incomplete.first {
                out +=
                    "    \(outcome.incomplete.count) not appraised, e.g. \(first.person) (\(first.role)): \(first.reason); nothing stored\n"
            }
            if let first = outcome.failed.first {
                out +=
                    "    \(outcome.failed.count) consequence\(outcome.failed.count == 1 ? "" : "s") failed, e.g. \(first)\n"
            }
        }
        return out
    }
}
