import ArgumentParser
import Foundation
import GridflowDefinitions
import GridflowDiagnostics
import GridflowExpressions
import GridflowRuntime
import GridflowServer

/// `gridflow report`: a unit's bulletin for a period.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "A unit's bulletin for a period: its measures overall and per group, as md, csv, json or html.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case md, csv, json, html
    }

    @Argument(help: "The unit.") var unit: String
    @Option(help: "The period: \(AppraisalPeriod.forms).") var period: String
    @Option(help: "The report, when the unit has several.") var report: String?
    @Option(help: "md, csv, json or html (one self-contained page with charts).") var format: Format = .md
    @OptionGroup var viewer: ViewerOptions
    @OptionGroup var options: StoreOptions

    func run() throws {
        let store = try options.store()
        let engine = try options.engine(unit: unit, store: store, use: .reading)
        let reports = engine.program.reports
        let compiled = try chosen(report, from: reports, kind: "report", option: "report", unit: unit)
        guard let window = AppraisalWindow(period) else {
            throw ValidationError("--period takes \(AppraisalPeriod.forms), not '\(period)'")
        }
        let now = try options.instant()
        let viewer = try self.viewer.viewer(engine, now: now)
        guard compiled.admits(viewer) else {
            throw CommandError(message: Self.refusal(compiled, viewer: viewer), status: 1)
        }
        let format = options.json ? .json : format
        let page = try gridflow.run { () throws(EngineError) in
            try BulletinPage(
                engine: engine, report: compiled, window: window, now: now, viewer: viewer, months: format == .html)
        }
        FileHandleOutput.standardOutput(BulletinText.render(page, as: format, unit: unit))
    }
}

extension ReportCommand {
    /// Why `viewer` may not run `report`: who it is for, and what it reads that others may not see.
    static func refusal(_ report: CompiledReport, viewer: Viewer) -> String {
        audienceRefusal(
            "report \(report.name)", audience: report.audience, reads: report.restrictedReads.map { "'\($0)'" },
            viewer: viewer)
    }
}

/// Why `viewer` may not run `what` (`report NAME`, `appraisal NAME`), which is for `audience`
/// only because it reads `reads`.
func audienceRefusal(_ what: String, audience: [String], reads: [String], viewer: Viewer) -> String {
    let who = viewer.personID.map { "\($0) does not act" } ?? "without --as, no one named acts"
    let read = reads.isEmpty ? "" : " (it reads \(reads.joined(separator: ", ")))"
    return
        "\(what) is for \(audience.joined(separator: ", ")) only\(read): \(who) in one of those roles; run it --as a person who does"
}

/// The bulletin in each format.
extension BulletinText {
    static func render(_ page: BulletinPage, as format: ReportCommand.Format, unit: String) -> String {
        switch format {
        case .md: markdown(page)
        case .csv: csv(page.figures)
        case .json: json(page.figures, unit: unit) + "\n"
        case .html: html(page)
        }
    }

}
