import Foundation
import GridflowDefinitions
import GridflowExpressions
import GridflowRuntime

/// A bulletin with what its page shows besides the figures: who issues it, when, in which
/// language, and each month of the period.
public struct BulletinPage {
    public var figures: ReportFigures
    var window: AppraisalWindow
    /// The unit's title, else its name.
    var unitTitle: String
    /// The report's `issuer`, else the unit's title.
    var issuer: String
    var locale: UnitLocale
    /// The day the bulletin is issued: the clock's day in the unit's zone.
    var issued: Day
    /// The overall figures of each month of the period, seen by the same viewer; empty for a
    /// month's bulletin or when not asked for.
    var months: [(month: Int, row: ReportFigures.Row)] = []

    public init(
        engine: Engine, report: CompiledReport, window: AppraisalWindow, now: Instant, viewer: Viewer, months: Bool
    ) throws(EngineError) {
        figures = try engine.figures(of: report, window: window, now: now, viewer: viewer)
        self.window = window
        let unit = engine.program.types.unit
        unitTitle = unit.title ?? unit.name.text
        issuer = report.issuer ?? unitTitle
        locale = unit.locale.flatMap { UnitLocale($0.text) } ?? .english
        issued = engine.program.calendar.zone.day(of: now)
        guard months, window.kind != .month else { return }
        let (year, first, _) = window.start.components
        let count = window.kind == .year ? 12 : window.kind == .halfYear ? 6 : 3
        for month in first..<(first + count) {
            guard let part = AppraisalWindow("\(year)-\(month < 10 ? "0" : "")\(month)") else { continue }
            let figures = try engine.figures(of: report, window: part, now: now, viewer: viewer)
            self.months.append((month, figures.overall))
        }
    }

    var labels: BulletinLabels { locale.labels }

    /// The bulletin's heading: its title, led by the unit's title unless it already is.
    var heading: String {
        let title = figures.report.title ?? figures.report.name
        if title.hasPrefix(unitTitle) { return title }
        // Chinese runs the two together (江汉油田监督网格工作通报); other languages separate them.
        return locale.language == "zh" ? unitTitle + title : unitTitle + " · " + title
    }

    /// The period in words of the unit's language.
    var periodName: String {
        let (year, month, _) = window.start.components
        let index =
            switch window.kind {
            case .year: 1
            case .halfYear: (month - 1) / 6 + 1
            case .quarter: (month - 1) / 3 + 1
            case .month: month
            }
        return labels.periodName(year, window.kind, index)
    }

    var issuedText: String {
        let (year, month, day) = issued.components
        return labels.date(year, month, day)
    }
}

/// The bulletin in each format.
public enum BulletinText {
    static func cell(_ value: Number?, _ kind: GridflowDefinitions.Report.Kind) -> String {
        guard let value else { return "—" }
        return kind == .share ? "\(value)%" : value.description
    }

    static func header(_ report: CompiledReport) -> [String] { report.measures.map { $0.title ?? $0.name } }

    /// The bulletin as Markdown, in the unit's language as the page is: the heading, who issues
    /// it for which period and when, the overall figures, then a table per group.
    public static func markdown(_ page: BulletinPage) -> String {
        let figures = page.figures
        let report = figures.report
        let labels = page.labels
        var out = "# \(page.heading)\n\n"
        out +=
            "\(labels.issuedBy)\(labels.colon)\(page.issuer) · \(labels.period)\(labels.colon)\(page.periodName) · \(labels.issuedOn)\(labels.colon)\(page.issuedText)\n\n"
        out += labels.opened(figures.overall.cases, report.workflowTitle ?? report.workflow, page.periodName) + "\n\n"
        out += "| \(labels.measure) | \(labels.value) |\n|---|---:|\n"
        for (measure, value) in zip(report.measures, figures.overall.values) {
            out += "| \(measure.title ?? measure.name) | \(cell(value, measure.kind)) |\n"
        }
        for (group, rows) in figures.groups {
            out += "\n## \(group.title ?? group.name)\n\n"
            out += "| \(group.title ?? group.name) | " + header(report).joined(separator: " | ") + " |\n"
            out += "|---|" + String(repeating: "---:|", count: report.measures.count) + "\n"
            for row in rows {
                out +=
                    "| \(group.title(of: row.key)) | "
                    + zip(report.measures, row.values).map { cell($1, $0.kind) }.joined(separator: " | ") + " |\n"
            }
        }
        return out
    }

    public static func csv(_ figures: ReportFigures) -> String {
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

    public static func json(_ figures: ReportFigures, unit: String) -> String {
        ValueJSON.encode(figures.document(unit: unit))
    }

    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// The fonts of the page: CJK faces found on Linux (Noto, Source Han, WenQuanYi), macOS and
    /// Windows, then the generic face.
    public static let fontStack =
        #""Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei","PingFang SC","Microsoft YaHei",sans-serif"#

    static let style = """
        :root{--ink:#1f2937;--muted:#6b7280;--line:#e5e7eb;--count:#1d4ed8;--rate:#047857;--track:#eef2f7}
        *{box-sizing:border-box}
        body{font-family:\(fontStack);margin:0 auto;max-width:72rem;color:var(--ink);padding:1.5rem 1rem 3rem;line-height:1.5}
        header.masthead{border-bottom:3px solid #b91c1c;padding-bottom:.8rem;margin-bottom:1rem}
        .issuer{color:#b91c1c;font-size:1.05rem;font-weight:bold;letter-spacing:.1em}
        h1{font-size:1.7rem;margin:.3rem 0 .4rem}
        .meta{display:flex;flex-wrap:wrap;gap:.3rem 2rem;color:var(--muted);font-size:.9rem;margin:0}
        .meta b{color:var(--ink);font-weight:normal}
        h2{font-size:1.2rem;margin:2rem 0 .8rem;border-left:4px solid #b91c1c;padding-left:.6rem}
        .lead{font-size:1.05rem}
        .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(10.5rem,1fr));gap:.7rem}
        .card{border:1px solid var(--line);border-radius:.5rem;padding:.6rem .8rem;background:#fff}
        .card .value{display:block;font-size:1.5rem;font-weight:bold;white-space:nowrap}
        .card .name{display:block;color:var(--muted);font-size:.85rem}
        .card.share .value{color:var(--rate)}
        .charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(22rem,1fr));gap:1rem 2rem;margin:.5rem 0 1rem}
        figure{margin:0}
        figcaption{font-weight:bold;font-size:.9rem;margin-bottom:.4rem}
        .bars{display:grid;gap:.3rem .6rem;align-items:center;font-size:.85rem}
        .bars .key{white-space:nowrap}
        .bars .head{color:var(--muted);white-space:nowrap;font-size:.8rem}
        .track{background:var(--track);border-radius:3px;height:.9rem;position:relative;min-width:4rem}
        .fill{display:block;height:100%;border-radius:3px}
        .count .fill{background:var(--count)}
        .rate .fill{background:var(--rate)}
        .figure{white-space:nowrap;font-variant-numeric:tabular-nums}
        .table-wrap{overflow-x:auto;margin:.6rem 0}
        table{border-collapse:collapse;font-size:.85rem}
        td,th{border-bottom:1px solid var(--line);padding:.3rem .6rem;text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
        th{background:#f9fafb;font-weight:bold;vertical-align:bottom}
        td:first-child,th:first-child{text-align:left}
        .trend svg{max-width:100%;height:auto}
        svg text{font-size:12px;fill:#374151}
        .legend{display:flex;flex-wrap:wrap;gap:.2rem 1rem;font-size:.8rem;color:var(--muted);margin:.3rem 0 0}
        .legend i{display:inline-block;width:.8rem;height:.25rem;margin-right:.3rem;vertical-align:middle}
        footer{margin-top:2.5rem;border-top:1px solid var(--line);padding-top:.6rem;color:var(--muted);font-size:.8rem}
        @media print{
        @page{size:A4;margin:14mm 12mm}
        body{max-width:none;padding:0;font-size:10pt}
        *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
        h2{break-after:avoid}
        section,figure,.card,tr{break-inside:avoid}
        .table-wrap{overflow:visible}
        table{font-size:8pt}
        td,th{padding:.15rem .35rem}
        .charts{grid-template-columns:1fr 1fr}
        }
        """

    /// The colours of the rates' lines in the monthly trend, in turn.
    static let rateColours = ["#047857", "#b45309", "#7c3aed", "#be123c"]

    /// One page, no scripts or outside files, in the unit's language: a masthead (issuer, title,
    /// period, date of issue), the overall figures as cards, the monthly trend, then per group
    /// the volume as bars, the shares as rates, and the figures as two tables (counts, then
    /// times and rates).
    /// `preface` (HTML, such as the daemon page's period picker) comes first in the body.
    public static func html(_ page: BulletinPage, preface: String = "") -> String {
        let figures = page.figures
        let report = figures.report
        let labels = page.labels
        let title = report.title ?? report.name
        let heading = page.heading
        var out = """
            <!DOCTYPE html>
            <html lang="\(escape(page.locale.description))"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(heading)) · \(escape(page.periodName))</title>
            <style>
            \(style)
            </style></head><body>
            \(preface)<header class="masthead">
            <div class="issuer">\(escape(page.issuer))</div>
            <h1>\(escape(heading))</h1>
            <p class="meta"><span>\(escape(labels.period))\(escape(labels.colon))<b>\(escape(page.periodName))</b></span><span>\(escape(labels.issuedBy))\(escape(labels.colon))<b>\(escape(page.issuer))</b></span><span>\(escape(labels.issuedOn))\(escape(labels.colon))<b>\(escape(page.issuedText))</b></span></p>
            </header>
            <p class="lead">\(escape(labels.opened(figures.overall.cases, report.workflowTitle ?? report.workflow, page.periodName)))</p>
            <section><h2>\(escape(labels.overview))</h2>
            <div class="cards">

            """
        for (measure, value) in zip(report.measures, figures.overall.values) {
            let kind = measure.kind == .share ? " share" : ""
            out +=
                "<div class=\"card\(kind)\"><span class=\"value\">\(escape(cell(value, measure.kind)))</span><span class=\"name\">\(escape(measure.title ?? measure.name))</span></div>\n"
        }
        out += "</div></section>\n"
        let counts = report.measures.indices.filter { [.count, .sum].contains(report.measures[$0].kind) }
        let shares = report.measures.indices.filter { report.measures[$0].kind == .share }
        let others = report.measures.indices.filter { ![.count, .sum, .share].contains(report.measures[$0].kind) }
        if page.months.count > 1 {
            out += "<section class=\"trend\"><h2>\(escape(labels.byMonth))</h2><div class=\"charts\">\n"
            if let first = counts.first {
                out += columns(page, measure: first)
            }
            if !shares.isEmpty { out += lines(page, measures: shares) }
            out += "</div></section>\n"
        }
        for (group, rows) in figures.groups {
            out += "<section><h2>\(escape(group.title ?? group.name))</h2>\n<div class=\"charts\">\n"
            if let first = counts.first {
                let measure = report.measures[first]
                out += bars(
                    rows.map { (group.title(of: $0.key), $0.values[first]) }, title: measure.title ?? measure.name)
            }
            if !shares.isEmpty {
                out += rates(
                    rows.map { row in (group.title(of: row.key), shares.map { row.values[$0] }) },
                    titles: shares.map { report.measures[$0].title ?? report.measures[$0].name },
                    caption: labels.rates)
            }
            out += "</div>\n"
            for columns in [counts, others + shares] where !columns.isEmpty {
                out += "<div class=\"table-wrap\"><table><thead><tr><th>\(escape(group.title ?? group.name))</th>"
                for index in columns {
                    out += "<th>\(escape(report.measures[index].title ?? report.measures[index].name))</th>"
                }
                out += "</tr></thead><tbody>\n"
                for row in rows {
                    out += "<tr><td>\(escape(group.title(of: row.key)))</td>"
                    for index in columns {
                        out += "<td>\(escape(cell(row.values[index], report.measures[index].kind)))</td>"
                    }
                    out += "</tr>\n"
                }
                out += "</tbody></table></div>\n"
            }
            out += "</section>\n"
        }
        out +=
            "<footer>\(escape(labels.footer(title, page.issuedText)))</footer>\n</body></html>\n"
        return out
    }

    /// A number as a fraction of `top`, in percent for a CSS width.
    static func percent(_ value: Number?, of top: Double) -> String {
        let number = Double(value?.description ?? "0") ?? 0
        guard top > 0 else { return "0" }
        return String(Int((min(max(number / top, 0), 1) * 1000).rounded()) / 10)
    }

    /// Horizontal bars of a count: one row per key, scaled to the largest.
    static func bars(_ rows: [(String, Number?)], title: String) -> String {
        let top = rows.compactMap { Double($0.1?.description ?? "") }.max() ?? 0
        var out =
            "<figure class=\"count\"><figcaption>\(escape(title))</figcaption><div class=\"bars\" style=\"grid-template-columns:max-content 1fr max-content\">\n"
        for (key, value) in rows {
            out +=
                "<span class=\"key\">\(escape(key))</span><span class=\"track\"><span class=\"fill\" style=\"width:\(percent(value, of: top))%\"></span></span><span class=\"figure\">\(escape(value?.description ?? "—"))</span>\n"
        }
        return out + "</div></figure>\n"
    }

    /// Rates: one row per key, one track from 0 to 100 % per share measure.
    static func rates(_ rows: [(String, [Number?])], titles: [String], caption: String) -> String {
        let template = "max-content" + String(repeating: " 1fr max-content", count: titles.count)
        var out =
            "<figure class=\"rate\"><figcaption>\(escape(caption))</figcaption><div class=\"bars\" style=\"grid-template-columns:\(template)\">\n<span></span>"
        for title in titles { out += "<span class=\"head\" style=\"grid-column:span 2\">\(escape(title))</span>" }
        out += "\n"
        for (key, values) in rows {
            out += "<span class=\"key\">\(escape(key))</span>"
            for value in values {
                out +=
                    "<span class=\"track\"><span class=\"fill\" style=\"width:\(percent(value, of: 100))%\"></span></span><span class=\"figure\">\(escape(cell(value, .share)))</span>"
            }
            out += "\n"
        }
        return out + "</div></figure>\n"
    }

    /// The monthly trend of a count as columns (inline SVG).
    static func columns(_ page: BulletinPage, measure index: Int) -> String {
        let measure = page.figures.report.measures[index]
        let values = page.months.map { Double($0.row.values[index]?.description ?? "0") ?? 0 }
        let top = max(values.max() ?? 0, 1)
        let step = 40
        let width = step * page.months.count + 20
        var svg =
            "<figure><figcaption>\(escape(measure.title ?? measure.name))</figcaption><svg role=\"img\" aria-label=\"\(escape(measure.title ?? measure.name))\" width=\"\(width)\" height=\"170\" viewBox=\"0 0 \(width) 170\">"
        svg += "<line x1=\"10\" y1=\"140\" x2=\"\(width - 10)\" y2=\"140\" stroke=\"#9ca3af\"/>"
        for (position, (month, row)) in page.months.enumerated() {
            let height = Int(110 * values[position] / top)
            let x = 10 + position * step
            svg += "<rect x=\"\(x + 8)\" y=\"\(140 - height)\" width=\"24\" height=\"\(height)\" fill=\"#1d4ed8\"/>"
            svg +=
                "<text x=\"\(x + 20)\" y=\"\(134 - height)\" text-anchor=\"middle\">\(escape(row.values[index]?.description ?? "—"))</text>"
            svg +=
                "<text x=\"\(x + 20)\" y=\"158\" text-anchor=\"middle\">\(escape(page.labels.month(month)))</text>"
        }
        return svg + "</svg></figure>\n"
    }

    /// The monthly trend of the shares as lines on a 0–100 % scale (inline SVG), with a legend.
    static func lines(_ page: BulletinPage, measures: [Int]) -> String {
        let report = page.figures.report
        let step = 40
        let width = step * page.months.count + 50
        var svg =
            "<figure><figcaption>\(escape(page.labels.rates))</figcaption><svg role=\"img\" aria-label=\"\(escape(page.labels.rates))\" width=\"\(width)\" height=\"170\" viewBox=\"0 0 \(width) 170\">"
        for level in [0, 50, 100] {
            let y = 140 - level * 120 / 100
            svg +=
                "<line x1=\"40\" y1=\"\(y)\" x2=\"\(width - 10)\" y2=\"\(y)\" stroke=\"#e5e7eb\"/><text x=\"34\" y=\"\(y + 4)\" text-anchor=\"end\">\(level)%</text>"
        }
        for (position, (month, _)) in page.months.enumerated() {
            svg +=
                "<text x=\"\(60 + position * step)\" y=\"158\" text-anchor=\"middle\">\(escape(page.labels.month(month)))</text>"
        }
        for (turn, index) in measures.enumerated() {
            let colour = rateColours[turn % rateColours.count]
            var points: [String] = []
            for (position, (_, row)) in page.months.enumerated() {
                guard let value = row.values[index], let number = Double(value.description) else { continue }
                let point = "\(60 + position * step),\(140 - Int((number * 1.2).rounded()))"
                points.append(point)
                let xy = point.split(separator: ",")
                svg += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"3\" fill=\"\(colour)\"/>"
            }
            if points.count > 1 {
                svg +=
                    "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"/>"
            }
        }
        svg += "</svg><p class=\"legend\">"
        for (turn, index) in measures.enumerated() {
            svg +=
                "<span><i style=\"background:\(rateColours[turn % rateColours.count])\"></i>\(escape(report.measures[index].title ?? report.measures[index].name))</span>"
        }
        return svg + "</p></figure>\n"
    }
}
