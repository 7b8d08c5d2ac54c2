import ArgumentParser
import Foundation
import GridflowDefinitions
import GridflowDiagnostics
import GridflowExpressions
import GridflowRuntime

/// `gridflow appraise`: score a unit's people for a period with their role's package.
struct AppraiseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "appraise",
        abstract: "Score the people of a unit for a period: facts from cases and CSV, grades, consequences once.")

    @Argument(help: "The unit.") var unit: String
    @Option(help: "The period: \(AppraisalPeriod.forms), matching the appraisal's period.")
    var period: String
    @Option(
        name: .customLong("package"), help: "Only the people of this role's package (--role is the role --as acts in).")
    var package: String?
    @Option(help: "The appraisal, when the unit has several.") var appraisal: String?
    @Option(name: .customLong("facts"), help: "A CSV file of imported facts: a 'person' column and one per fact.")
    var factFiles: [String] = []
    @Option(help: "Print how this person's score came about, dimension by dimension.") var explain: String?
    @OptionGroup var viewer: ViewerOptions
    @OptionGroup var options: StoreOptions

    func run() throws {
        let store = try options.store()
        let engine = try options.engine(unit: unit, store: store)
        let program = engine.program
        let compiled = try chosen(
            appraisal, from: program.appraisals, kind: "appraisal", option: "appraisal", unit: unit)
        guard let window = AppraisalWindow(period) else {
            throw ValidationError("--period takes \(AppraisalPeriod.forms), not '\(period)'")
        }
        guard window.kind == compiled.period else {
            throw ValidationError(
                "appraisal \(compiled.name) runs per \(compiled.period.rawValue.replacingOccurrences(of: "_", with: " ")); give a period such as \(compiled.period.example)"
            )
        }
        let now = try options.instant()
        // An appraisal whose facts read a restricted field (who reported) is for its audience:
        // refused before anything is read, stored or performed.
        let viewer = try self.viewer.viewer(engine, now: now)
        guard compiled.admits(viewer) else {
            throw CommandError(
                message: audienceRefusal(
                    "appraisal \(compiled.name)", audience: compiled.audience, reads: compiled.restrictedReads,
                    viewer: viewer),
                status: 1)
        }
        var imported = ImportedFacts()
        var problems: [String] = []
        for file in factFiles {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CommandError(message: "cannot read \(file)")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw CommandError(message: "\(file) is not UTF-8 text")
            }
            problems += imported.read(csv: text, file: file, for: compiled)
        }
        if !problems.isEmpty {
            throw CommandError(
                message: problems.joined(separator: "\n")
                    + "\n\(problems.count) problem\(problems.count == 1 ? "" : "s") in the facts; nothing was appraised",
                status: 1)
        }
        let progress = Progress()
        var report: (@Sendable (String, Int, Int) -> Void)?
        if progress.isTerminal {
            report = { stage, done, total in progress.show(stage, done, total) }
        }
        let role = package
        // Results are not kept for the whole run: an explanation keeps its person's, the table
        // at most `AppraisalText.tableLimit` rows, and JSON goes to a spool file batch by batch.
        var kept: [AppraisalOutcome.Entry] = []
        var keptAll = true
        let spool = options.json && explain == nil ? try ResultSpool() : nil
        defer { spool?.remove() }
        let outcome = try gridflow.run { () throws(EngineError) in
            try engine.appraise(
                compiled, window: window, role: role, imported: imported, now: now, dryRun: explain != nil,
                keepEntries: false,
                onEntries: { entries in
                    if let explain {
                        kept += entries.filter { $0.person == explain }
                    } else if let spool {
                        spool.append(entries)
                    } else if keptAll, kept.count + entries.count <= AppraisalText.tableLimit {
                        kept += entries
                    } else {
                        keptAll = false
                        kept = []
                    }
                }, progress: report)
        }
        progress.clear()
        if let explain {
            let entries = kept
            guard !entries.isEmpty else {
                let why = outcome.incomplete.first { $0.person == explain }.map { ": \($0.reason)" } ?? ""
                throw CommandError(
                    message: "'\(explain)' was not appraised in \(compiled.name) \(window)\(why)", status: 1)
            }
            if options.json {
                let objects = entries.map { AppraisalText.explainJSON($0, appraisal: compiled, window: window) }
                FileHandleOutput.standardOutput(ValueJSON.encode(Value.list(objects)) + "\n")
                return
            }
            for entry in entries {
                FileHandleOutput.standardOutput(
                    AppraisalText.explain(entry, appraisal: compiled, window: window, imported: imported))
            }
            return
        }
        // (An explanation is a dry run: it stores nothing and performs no consequence.)
        if let spool {
            // The document as `outcome.document` gives it, its results (the last key) from the spool.
            let head = ValueJSON.encode(outcome.document(appraisal: compiled, window: window))
            guard head.hasSuffix("[]}") else { throw CommandError(message: "the results document is malformed") }
            FileHandleOutput.standardOutput(String(head.dropLast(2)))
            try spool.copy(to: FileHandle.standardOutput)
            FileHandleOutput.standardOutput("]}\n")
        } else {
            FileHandleOutput.standardOutput(
                AppraisalText.summary(
                    outcome, rows: keptAll ? kept : nil, appraisal: compiled, unit: unit, window: window))
        }
        if !outcome.incomplete.isEmpty || !outcome.failed.isEmpty {
            throw CommandError(
                message:
                    "\(outcome.incomplete.count) not appraised, \(outcome.failed.count) consequence\(outcome.failed.count == 1 ? "" : "s") failed"
                    + (outcome.stored
                        ? ""
                        : outcome.storedPeople > 0
                            ? "; the results of the first \(outcome.storedPeople) people (by id) were stored, the others keep the period's earlier results"
                            : "; nothing was stored, the period's earlier results are kept"),
                status: 1)
        }
    }
}

/// A progress line on a terminal's standard error; nothing when it is piped.
final class Progress: @unchecked Sendable {
    let isTerminal = isatty(2) == 1
    private let lock = NSLock()
    private var last = ContinuousClock.now

    func show(_ stage: String, _ done: Int, _ total: Int) {
        lock.withLock {
            guard ContinuousClock.now - last > .milliseconds(100) else { return }
            last = ContinuousClock.now
            // A total of 0 is unknown: the count alone.
            let count = total > 0 ? "\(done) of \(total) (\(done * 100 / total)%)" : "\(done)"
            FileHandleOutput.standardError("\r\u{1B}[K\(stage): \(count)")
        }
    }

    func clear() {
        if isTerminal { FileHandleOutput.standardError("\r\u{1B}[K") }
    }
}

/// Results as JSON in a temporary file, a batch at a time, for `appraise --json` of any size.
final class ResultSpool {
    let path: String
    private let handle: FileHandle
    private var first = true

    init() throws {
        path = temporaryStorePath("appraise-results")
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forUpdatingAtPath: path)
        else { throw CommandError(message: "cannot create the temporary file \(path)") }
        self.handle = handle
    }

    /// Appends each result as `outcome.document` lists it.
    func append(_ entries: [AppraisalOutcome.Entry]) {
        var out: [UInt8] = []
        for entry in entries {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            ValueJSON.write(AppraisalOutcome.resultDocument(entry), to: &out)
        }
        handle.write(Data(out))
    }

    /// Writes the spooled results to `output`.
    func copy(to output: FileHandle) throws {
        try handle.seek(toOffset: 0)
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { output.write(chunk) }
    }

    func remove() {
        try? handle.close()
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// The texts `appraise` prints.
enum AppraisalText {
    /// The most results the text summary lists one by one.
    static let tableLimit = 10_000

    /// The run's summary; a row per result when `rows` has them all (`nil`: too many to list).
    static func summary(
        _ outcome: AppraisalOutcome, rows: [AppraisalOutcome.Entry]?, appraisal: CompiledAppraisal, unit: String,
        window: AppraisalWindow
    )
        -> String
    {
        var out =
            "appraisal \(appraisal.name) of \(unit), \(window): \(outcome.results) result\(outcome.results == 1 ? "" : "s")\n"
        if rows == nil {
            out +=
                "(more than \(tableLimit) results are not listed one by one: see them with --json, or in the store)\n"
        }
        let rows = (rows ?? []).sorted { ($0.score.role, $0.person) < ($1.score.role, $1.person) }
        if !rows.isEmpty {
            let widths = (
                rows.map(\.person.count).max()!, rows.map(\.score.role.count).max()!
            )
            for entry in rows {
                out +=
                    "  " + entry.person.padding(toLength: widths.0, withPad: " ", startingAt: 0) + "  "
                    + entry.score.role.padding(toLength: widths.1, withPad: " ", startingAt: 0) + "  "
                    + entry.score.total.description.leftPadded(7) + "  " + entry.score.grade + "\n"
            }
        }
        let grades = outcome.grades
        var order: [String] = []
        for package in appraisal.packages {
            for band in package.bands where !order.contains(band.grade) { order.append(band.grade) }
        }
        out +=
            "grades: " + order.filter { grades[$0] != nil }.map { "\($0) \(grades[$0]!)" }.joined(separator: ", ")
            + "\n"
        for line in consequenceLines(outcome.performed) { out += line + "\n" }
        if outcome.alreadyPerformed > 0 {
            out +=
                "\(outcome.alreadyPerformed) consequence\(outcome.alreadyPerformed == 1 ? "" : "s") performed by an earlier run, not repeated\n"
        }
        for (person, role, reason) in outcome.incomplete { out += "not appraised: \(person) (\(role)): \(reason)\n" }
        if !outcome.factsWithoutPerson.isEmpty {
            let shown = outcome.factsWithoutPerson.prefix(10).joined(separator: ", ")
            out +=
                "imported facts for \(outcome.factsWithoutPerson.count) \(outcome.factsWithoutPerson.count == 1 ? "person" : "people") not appraised (not in the directory, or in no packaged role): \(shown)\(outcome.factsWithoutPerson.count > 10 ? ", …" : "")\n"
        }
        for failure in outcome.failed { out += "consequence failed: \(failure)\n" }
        return out
    }

    /// Cases opened, then commendation lists and ledgers, one line each.
    static func consequenceLines(_ performed: [StoredConsequence]) -> [String] {
        var lines: [String] = []
        var lists: [String: [String]] = [:]
        for consequence in performed {
            let details = try? JSONReader.read(consequence.detailsJSON)
            switch consequence.kind {
            case "open":
                lines.append(
                    "opened \(consequence.caseID ?? "?") (\(details?["workflow"]?.string ?? "?")) for \(consequence.person), \(consequence.role), \(consequence.grade)"
                )
            case "commend":
                lists["commendation list \(details?["list"]?.string ?? "?")", default: []].append(consequence.person)
            case "record":
                var value = ""
                if case .string(let text)? = details?["value"] {
                    value = text
                } else if case .number(let text)? = details?["value"] {
                    value = text
                }
                lists["ledger \(details?["ledger"]?.string ?? "?")", default: []].append(
                    "\(consequence.person) \(value)")
            default:
                lists["\(consequence.kind)", default: []].append(consequence.person)
            }
        }
        for name in lists.keys.sorted() { lines.append("\(name): " + lists[name]!.joined(separator: ", ")) }
        return lines
    }

    static func json(_ outcome: AppraisalOutcome, appraisal: CompiledAppraisal, window: AppraisalWindow) -> String {
        ValueJSON.encode(outcome.document(appraisal: appraisal, window: window))
    }

    /// `--explain` for tools: the facts, each dimension's score, weight and contribution, the
    /// bonus and deduction items, the total, the grade and its consequences.
    static func explainJSON(_ entry: AppraisalOutcome.Entry, appraisal: CompiledAppraisal, window: AppraisalWindow)
        -> Value
    {
        let package = appraisal.package(for: entry.score.role)
        func items(_ results: [AppraisalScore.ItemResult]) -> Value {
            .list(
                results.map {
                    .map([
                        .string("name"): .string($0.name), .string("count"): .number($0.count),
                        .string("points"): .number($0.points), .string("capped"): .bool($0.capped),
                    ])
                })
        }
        let weights = Dictionary(
            (package?.dimensions ?? []).map { ($0.name, $0.weight) }, uniquingKeysWith: { first, _ in first })
        return .map([
            .string("person"): .string(entry.person), .string("name"): .string(entry.name),
            .string("role"): .string(entry.score.role), .string("appraisal"): .string(appraisal.name),
            .string("period"): .string(window.description), .string("facts"): .record(entry.facts),
            .string("dimensions"): .list(
                entry.score.dimensions.map {
                    .map([
                        .string("name"): .string($0.name), .string("score"): .number($0.score),
                        .string("weight"): weights[$0.name].map(Value.number) ?? .null,
                        .string("contribution"): .number($0.contribution),
                    ])
                }),
            .string("bonus"): items(entry.score.bonus), .string("deductions"): items(entry.score.deductions),
            .string("caps"): Engine.caps(entry.score.caps),
            .string("total"): .number(entry.score.total), .string("grade"): .string(entry.score.grade),
            .string("vetoed_by"): Engine.vetoedBy(entry.score.veto),
            .string("consequences"): .list(
                (package?.consequenceSummary(entry.score.grade) ?? []).map(Value.string)),
        ])
    }

    /// Each dimension's inputs, weight and contribution, the bonus and deduction items, the band
    /// hit and the consequences that follow.
    static func explain(
        _ entry: AppraisalOutcome.Entry, appraisal: CompiledAppraisal, window: AppraisalWindow, imported: ImportedFacts
    ) -> String {
        guard let package = appraisal.package(for: entry.score.role) else { return "" }
        var out = "\(entry.person) (\(entry.name)) as \(entry.score.role) · appraisal \(appraisal.name) · \(window)"
        if let title = package.title { out += " · \(title)" }
        out += "\n"
        func fact(_ name: String) -> String {
            guard let slot = appraisal.factsType.layout.slot(of: name) else { return name }
            return "\(name) = \(entry.facts.slots[slot])"
        }
        func origin(_ name: String) -> String {
            guard let slot = appraisal.factsType.layout.slot(of: name) else { return "" }
            if let store = appraisal.storeFacts.first(where: { $0.name == name }) {
                return "counted from \(store.workflow) cases"
            }
            if let files = appraisal.fileFacts.first(where: { $0.name == name }) {
                return "counted from the files uploaded into \(files.folder)"
            }
            if let place = imported.origin(entry.person, slot) { return "imported, \(place)" }
            return "imported default"
        }
        out += "facts:\n"
        for field in appraisal.factsType.fields {
            out += "  \(fact(field.name))  (\(origin(field.name)))\n"
        }
        out += "dimensions:\n"
        for (dimension, result) in zip(package.dimensions, entry.score.dimensions) {
            out +=
                "  \(dimension.name)\(dimension.title.map { " (\($0))" } ?? ""): score \(result.score.rounded(4).trimmed()) × weight \(dimension.weight) = \(result.contribution.rounded(4).trimmed())\n"
            out += "    \(dimension.formula)\n"
            if !dimension.reads.isEmpty {
                out += "    with " + dimension.reads.map(fact).joined(separator: ", ") + "\n"
            }
        }
        func items(_ title: String, _ compiled: [CompiledPackage.Item], _ results: [AppraisalScore.ItemResult]) {
            guard !compiled.isEmpty else { return }
            out += "\(title):\n"
            for (item, result) in zip(compiled, results) {
                out += "  \(item.name): \(item.points) × \(result.count) (\(item.formula)) = \(result.points)"
                if let max = item.max { out += result.capped ? ", capped at \(max)" : " (at most \(max))" }
                out += "\n"
            }
        }
        items("bonus", package.bonus, entry.score.bonus)
        items("deductions", package.deductions, entry.score.deductions)
        if !package.caps.isEmpty {
            out += "caps:\n"
            for (cap, result) in zip(package.caps, entry.score.caps) {
                let results = (cap.bonus ? entry.score.bonus : entry.score.deductions).filter {
                    cap.items.contains($0.name)
                }
                out +=
                    "  \(cap.name)\(cap.title.map { " (\($0))" } ?? ""): "
                    + results.map { "\($0.name) \($0.points)" }.joined(separator: " + ") + " = \(result.sum)"
                out +=
                    result.cut > .zero
                    ? ", capped at \(cap.max): \(result.cut) cut\n" : " (at most \(cap.max))\n"
            }
        }
        var sum = entry.score.dimensions.map { $0.contribution.rounded(4).trimmed().description }.joined(
            separator: " + ")
        for item in entry.score.bonus { sum += " + \(item.points)" }
        for item in entry.score.deductions { sum += " − \(item.points)" }
        for (cap, result) in zip(package.caps, entry.score.caps) where result.cut > .zero {
            sum += (cap.bonus ? " − " : " + ") + "\(result.cut) (cap \(cap.name))"
        }
        out += "total: \(sum) = \(entry.score.total) (rounded to 2 places)\n"
        if !package.vetoes.isEmpty {
            out += "vetoes (the first that holds sets the grade):\n"
            var decided = false
            for veto in package.vetoes {
                out += "  \(veto.name)\(veto.title.map { " (\($0))" } ?? "") → \(veto.grade): \(veto.formula)"
                if !veto.reads.isEmpty { out += " with " + veto.reads.map(fact).joined(separator: ", ") }
                if decided {
                    out += ": not checked\n"
                } else if entry.score.veto?.name == veto.name {
                    out += ": holds\n"
                    decided = true
                } else {
                    out += ": does not hold\n"
                }
            }
        }
        let band =
            entry.score.bandMin.map { "the first band whose minimum \($0) the total reaches" }
            ?? "the lowest band (no minimum)"
        if let veto = entry.score.veto {
            out +=
                "grade: \(entry.score.grade), vetoed by \(veto.name)\(veto.title.map { " (\($0))" } ?? "") whatever the total (by the total: \(veto.bandGrade), \(band))\n"
        } else {
            out += "grade: \(entry.score.grade), \(band)\n"
        }
        let effects = package.consequenceSummary(entry.score.grade)
        out +=
            "consequences of \(entry.score.grade): " + (effects.isEmpty ? "none" : effects.joined(separator: "; "))
            + "\n"
        return out
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
