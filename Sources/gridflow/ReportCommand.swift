import ArgumentParser
import Foundation
import GridflowDefinitions
import GridflowDiagnostics
import GridflowExpressions
import GridflowRuntime

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
        let engine = try options.engine(unit: unit, store: store)
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
        let figures = try gridflow.run { () throws(EngineError) in
            try engine.figures(of: compiled, window: window, now: now, viewer: viewer)
        }
        FileHandleOutput.standardOutput(BulletinText.render(figures, as: options.json ? .json : format, unit: unit))
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
enum BulletinText {
    static func render(_ figures: ReportFigures, as format: ReportCommand.Format, unit: String) -> String {
        switch format {
        case .md: markdown(figures, unit: unit)
        case .csv: csv(figures)
        case .json: json(figures, unit: unit) + "\n"
        case .html: html(figures, unit: unit)
        }
    }

    static func title(_ figures: ReportFigures, unit: String) -> String {
        (figures.report.title ?? figures.report.name) + " · \(unit) · \(figures.period)"
    }

    static func cell(_ value: Number?, _ kind: GridflowDefinitions.Report.Kind) -> String {
        guard let value else { return "—" }
        return kind == .share ? "\(value)%" : value.description
    }

    static func header(_ report: CompiledReport) -> [String] { report.measures.map { $0.title ?? $0.name } }

    static func markdown(_ figures: ReportFigures, unit: String) -> String {
        let report = figures.report
        var out = "# \(title(figures, unit: unit))\n\n"
        out +=
            "\(figures.overall.cases) \(report.workflow) case\(figures.overall.cases == 1 ? "" : "s") opened in the period.\n\n"
        out += "| measure | value |\n|---|---:|\n"
        for (measure, value) in zip(report.measures, figures.overall.values) {
            out += "| \(measure.title ?? measure.name) | \(cell(value, measure.kind)) |\n"
        }
        for (group, rows) in figures.groups {
            out += "\n## \(group.title ?? group.name)\n\n"
            out += "| \(group.title ?? group.name) | " + header(report).joined(separator: " | ") + " |\n"
            out += "|---|" + String(repeating: "---:|", count: report.measures.count) + "\n"
            for row in rows {
                out +=
                    "| \(row.key) | "
                    + zip(report.measures, row.values).map { cell($1, $0.kind) }.joined(separator: " | ") + " |\n"
            }
        }
        return out
    }

    static func csv(_ figures: ReportFigures) -> String {
        func field(_ text: String) -> String {
            text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
                ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        let report = figures.report
        var out = (["group", "key"] + report.measures.map(\.name)).map(field).joined(separator: ",") + "\n"
        func line(_ group: String, _ row: ReportFigures.Row) {
            out +=
                ([group, row.key] + row.values.map { $0?.description ?? "" }).map(field).joined(separator: ",") + "\n"
        }
        line("all", figures.overall)
        for (group, rows) in figures.groups { for row in rows { line(group.name, row) } }
        return out
    }

    static func json(_ figures: ReportFigures, unit: String) -> String {
        let report = figures.report
        func row(_ row: ReportFigures.Row) -> Value {
            var entries: [Value: Value] = [
                .string("key"): .string(row.key), .string("cases"): .number(Number(row.cases)),
            ]
            for (measure, value) in zip(report.measures, row.values) {
                entries[.string(measure.name)] = value.map(Value.number) ?? .null
            }
            return .map(entries)
        }
        var groups: [Value: Value] = [:]
        for (group, rows) in figures.groups { groups[.string(group.name)] = .list(rows.map(row)) }
        return ValueJSON.encode([
            "report": .string(report.name), "unit": .string(unit), "period": .string(figures.period),
            "workflow": .string(report.workflow), "overall": row(figures.overall), "groups": .map(groups),
        ])
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// One page, no scripts or outside files: the figures as cards, each group as a table with a
    /// bar chart (inline SVG) of its first count measure and of each share.
    static func html(_ figures: ReportFigures, unit: String) -> String {
        let report = figures.report
        var out = """
            <!DOCTYPE html>
            <html lang="zh"><head><meta charset="utf-8"><title>\(escape(title(figures, unit: unit)))</title>
            <style>
            body{font-family:system-ui,"PingFang SC","Noto Sans CJK SC",sans-serif;margin:2rem auto;max-width:72rem;color:#1f2937;padding:0 1rem}
            h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2.5rem;border-bottom:1px solid #e5e7eb;padding-bottom:.3rem}
            .cards{display:flex;flex-wrap:wrap;gap:.8rem}.card{border:1px solid #e5e7eb;border-radius:.6rem;padding:.8rem 1rem;min-width:9rem}
            .card b{display:block;font-size:1.6rem;color:#b91c1c}.card span{color:#6b7280;font-size:.85rem}
            table{border-collapse:collapse;margin:.8rem 0;font-size:.9rem}td,th{border-bottom:1px solid #f3f4f6;padding:.3rem .7rem;text-align:right}
            td:first-child,th:first-child{text-align:left}svg text{font-size:12px;fill:#374151}.muted{color:#6b7280}
            </style></head><body>
            <h1>\(escape(title(figures, unit: unit)))</h1>
            <p class="muted">\(figures.overall.cases) \(escape(report.workflow)) cases opened in \(escape(figures.period)).</p>
            <div class="cards">

            """
        for (measure, value) in zip(report.measures, figures.overall.values) {
            out +=
                "<div class=\"card\"><b>\(escape(cell(value, measure.kind)))</b><span>\(escape(measure.title ?? measure.name))</span></div>\n"
        }
        out += "</div>\n"
        let charted = report.measures.enumerated().filter { $0.element.kind == .count || $0.element.kind == .share }
        for (group, rows) in figures.groups {
            out += "<h2>\(escape(group.title ?? group.name))</h2>\n"
            for (index, measure) in charted.prefix(3) {
                out += bars(
                    rows.map { ($0.key, $0.values[index]) }, title: measure.title ?? measure.name,
                    percent: measure.kind == .share)
            }
            out += "<table><thead><tr><th>\(escape(group.title ?? group.name))</th>"
            for name in header(report) { out += "<th>\(escape(name))</th>" }
            out += "</tr></thead><tbody>\n"
            for row in rows {
                out += "<tr><td>\(escape(row.key))</td>"
                for (measure, value) in zip(report.measures, row.values) {
                    out += "<td>\(escape(cell(value, measure.kind)))</td>"
                }
                out += "</tr>\n"
            }
            out += "</tbody></table>\n"
        }
        out += "<p class=\"muted\">Generated by gridflow from \(escape(report.name)).</p>\n</body></html>\n"
        return out
    }

    /// A horizontal bar chart as inline SVG.
    static func bars(_ rows: [(String, Number?)], title: String, percent: Bool) -> String {
        let values = rows.map { Double($0.1?.description ?? "0") ?? 0 }
        let top = percent ? 100 : max(values.max() ?? 1, 1)
        let height = 22 * rows.count + 30
        var svg =
            "<svg role=\"img\" aria-label=\"\(escape(title))\" width=\"640\" height=\"\(height)\" viewBox=\"0 0 640 \(height)\">"
        svg += "<text x=\"0\" y=\"14\" font-weight=\"bold\">\(escape(title))</text>"
        for (index, (key, value)) in rows.enumerated() {
            let y = 24 + index * 22
            let width = Int(360 * values[index] / top)
            svg += "<text x=\"0\" y=\"\(y + 14)\">\(escape(String(key.prefix(24))))</text>"
            svg +=
                "<rect x=\"200\" y=\"\(y + 3)\" width=\"\(width)\" height=\"14\" rx=\"3\" fill=\"\(percent ? "#2563eb" : "#dc2626")\"/>"
            svg +=
                "<text x=\"\(206 + width)\" y=\"\(y + 14)\">\(escape(value.map { percent ? "\($0)%" : $0.description } ?? "—"))</text>"
        }
        return svg + "</svg>\n"
    }
}
