import ArgumentParser
import Foundation
import GridflowDefinitions
import GridflowDiagnostics
import GridflowQR
import GridflowServer

extension QRErrorCorrection: ExpressibleByArgument {}

/// `gridflow qr`: the report form's URL of an org node and its QR code, to post at the place
/// (扫码监督: a worker scans it and reports from their phone), or a printable sheet of them.
struct QRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qr",
        abstract: "Print an org node's report-form URL and write its QR code as SVG, or a sheet of every node's code.",
        discussion: """
            The form of node NODE of unit UNIT is BASE/units/UNIT/report/NODE, BASE being --base-url or \
            the environment variable GRIDFLOW_PUBLIC_URL (an http or https URL).
            """)

    /// Where the daemon's pages are reachable from phones, when `--base-url` is not given.
    static let environmentVariable = "GRIDFLOW_PUBLIC_URL"

    @Argument(help: "The unit.") var unit: String
    @Argument(help: "The org node (omit with --all).") var node: String?
    @Option(name: .customLong("base-url"), help: "The daemon's public URL; default: $GRIDFLOW_PUBLIC_URL.")
    var baseURL: String?
    @Option(help: "The SVG file to write; default: qr-UNIT-NODE.svg.") var output: String?
    @Option(help: "Error correction: L (7 %), M (15 %), Q (25 %) or H (30 %) of the code may be damaged.")
    var level: QRErrorCorrection = .medium
    @Flag(help: "A code for every node of the org tree, on the page --sheet names.") var all = false
    @Option(help: "With --all: only the nodes of this org level.") var at: String?
    @Option(help: "With --all: the printable HTML page to write.") var sheet: String?
    @Option(help: "The folder holding Workflows/ and Rules/.") var root: String = "."

    func validate() throws {
        if all {
            if node != nil { throw ValidationError("name a node or give --all, not both") }
            if output != nil { throw ValidationError("--output writes one node's code; --all writes --sheet") }
            if sheet == nil { throw ValidationError("--all needs --sheet FILE.html, the page to write") }
        } else {
            if node == nil {
                throw ValidationError("name the org node whose code to write, or give --all --sheet FILE")
            }
            if at != nil { throw ValidationError("--at chooses the nodes of --all") }
            if sheet != nil { throw ValidationError("--sheet is written with --all") }
        }
    }

    func run() throws {
        let base = try Self.base(baseURL, environment: ProcessInfo.processInfo.environment)
        let definitions = try WorkingTree.load(unit: unit, root: root).program.types.unit
        guard let tree = definitions.tree else {
            throw CommandError(message: "unit '\(unit)' has no org tree (org: tree: in its unit.yaml)", status: 1)
        }
        let walk = tree.walk().map(\.node)
        let levels = tree.levels(definitions.levels.map(\.text))
        guard all else {
            let name = node!
            guard let found = walk.first(where: { $0.name.text == name }) else {
                throw CommandError(
                    message: "unit '\(unit)' has no org node '\(name)'"
                        + Suggestion.didYouMean(name, in: walk.map(\.name.text)),
                    status: 1)
            }
            let url = Self.url(base: base, unit: unit, node: found.name.text)
            let code = try Self.code(url, level: level)
            let file = output ?? "qr-\(unit)-\(found.name.text).svg"
            try Self.write(code.svg(title: url, moduleSize: 8), to: file)
            FileHandleOutput.standardOutput(url + "\n")
            FileHandleOutput.standardError(
                "wrote \(file): version \(code.version), level \(code.level.rawValue), \(code.size)×\(code.size) modules\n"
            )
            return
        }
        var nodes = walk
        if let at {
            let names = definitions.levels.map(\.text)
            guard names.contains(at) else {
                throw CommandError(
                    message: "unit '\(unit)' has no org level '\(at)'" + Suggestion.didYouMean(at, in: names), status: 1
                )
            }
            nodes = walk.filter { levels[$0.name.text] == at }
            guard !nodes.isEmpty else { throw CommandError(message: "no node of unit '\(unit)' is at level '\(at)'") }
        }
        var entries: [QRSheet.Entry] = []
        var parents: [String: OrgNode] = [:]
        for node in walk {
            for child in node.children { parents[child.name.text] = node }
        }
        for node in nodes {
            var path: [String] = []
            var next = parents[node.name.text]
            while let parent = next, path.count < walk.count {
                path.insert(parent.title ?? parent.name.text, at: 0)
                next = parents[parent.name.text]
            }
            let url = Self.url(base: base, unit: unit, node: node.name.text)
            entries.append(
                QRSheet.Entry(
                    name: node.name.text, title: node.title, level: levels[node.name.text], path: path, url: url,
                    code: try Self.code(url, level: level)))
        }
        let locale = definitions.locale.flatMap { UnitLocale($0.text) } ?? .english
        let page = QRSheet.html(
            entries, unitTitle: definitions.title ?? definitions.name.text, locale: locale, level: at)
        let file = sheet!
        try Self.write(page, to: file)
        FileHandleOutput.standardOutput(entries.map { "\($0.name) \($0.url)\n" }.joined())
        FileHandleOutput.standardError("wrote \(file): \(entries.count) code\(entries.count == 1 ? "" : "s")\n")
    }

    /// The base URL without its trailing slashes; `--base-url`, else the environment's. Neither,
    /// or one that is not an absolute http(s) URL, is a usage error.
    static func base(_ option: String?, environment: [String: String]) throws -> String {
        let source = option != nil ? "--base-url" : environmentVariable
        guard let given = option ?? environment[environmentVariable].flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw ValidationError(
                "the report form's address needs the daemon's public URL: give --base-url URL or set \(environmentVariable)"
            )
        }
        var text = given
        while text.hasSuffix("/") { text.removeLast() }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            ["http", "https"].contains(scheme), let host = components.host, !host.isEmpty,
            components.query == nil, components.fragment == nil, !text.contains(where: \.isWhitespace)
        else {
            throw ValidationError(
                "\(source) must be an http or https URL such as https://gridflow.example.org, without query or fragment; got '\(given)'"
            )
        }
        return text
    }

    /// The report form of `node`: BASE/units/UNIT/report/NODE, each name percent-encoded.
    static func url(base: String, unit: String, node: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove("/")
        func segment(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text }
        return "\(base)/units/\(segment(unit))/report/\(segment(node))"
    }

    static func code(_ text: String, level: QRErrorCorrection) throws -> QRCode {
        do { return try QRCode(text, level: level) } catch {
            throw CommandError(message: "no QR code for \(text): \(error)", status: 1)
        }
    }

    static func write(_ text: String, to file: String) throws {
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: file), options: .atomic) } catch {
            throw CommandError(message: "cannot write \(file): \(error.localizedDescription)", status: 1)
        }
    }
}

/// The printable page of `gridflow qr --all`: a card per node with its code, its title and
/// name, where it sits, and the URL under the code; A4 when printed, no scripts.
enum QRSheet {
    struct Entry {
        var name: String
        var title: String?
        var level: String?
        /// The titles of the nodes above it, from the root.
        var path: [String]
        var url: String
        var code: QRCode
    }

    /// The page's fixed words in the unit's language.
    struct Labels {
        var heading: String
        var scan: String
        var level: String
        var count: (Int) -> String

        static func of(_ locale: UnitLocale) -> Labels {
            locale.language == "zh"
                ? Labels(heading: "扫码监督 · 问题反映二维码", scan: "扫码反映问题", level: "层级", count: { "共\($0)个二维码" })
                : Labels(
                    heading: "Report forms by QR code", scan: "Scan to report", level: "Level",
                    count: { "\($0) code\($0 == 1 ? "" : "s")" })
        }
    }

    static let style = """
        :root{--ink:#1a1a1a;--muted:#555;--rule:#bbb}
        *{box-sizing:border-box}
        body{font-family:\(BulletinText.fontStack);color:var(--ink);margin:0 auto;max-width:60rem;padding:1.5rem 1rem;line-height:1.4}
        h1{font-size:1.4rem;margin:0 0 .25rem}
        .meta{color:var(--muted);margin:0 0 1rem}
        .codes{display:grid;grid-template-columns:repeat(auto-fill,minmax(15rem,1fr));gap:1rem;list-style:none;margin:0;padding:0}
        .code{border:1px dashed var(--rule);padding:.75rem;text-align:center;break-inside:avoid;page-break-inside:avoid}
        .code svg{display:block;width:100%;max-width:13rem;height:auto;margin:0 auto}
        .code h2{font-size:1.1rem;margin:.25rem 0 0}
        .name{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.85rem;color:var(--muted)}
        .path{font-size:.85rem;color:var(--muted);margin:.1rem 0}
        .scan{font-weight:bold;margin:.25rem 0}
        .url{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.75rem;overflow-wrap:anywhere;margin:.25rem 0 0}
        @page{size:A4;margin:12mm}
        @media print{body{max-width:none;padding:0}.codes{grid-template-columns:repeat(3,1fr);gap:6mm}.code svg{width:45mm}}
        """

    static func html(_ entries: [Entry], unitTitle: String, locale: UnitLocale, level: String?) -> String {
        let labels = Labels.of(locale)
        func escape(_ text: String) -> String { BulletinText.escape(text) }
        let colon = locale.labels.colon
        var out = """
            <!DOCTYPE html>
            <html lang="\(escape(locale.description))"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(unitTitle)) · \(escape(labels.heading))</title>
            <style>
            \(style)
            </style></head><body>
            <h1>\(escape(unitTitle)) · \(escape(labels.heading))</h1>
            <p class="meta">\(escape(labels.count(entries.count)))\(level.map { " · \(escape(labels.level))\(escape(colon))\(escape($0))" } ?? "")</p>
            <ul class="codes">

            """
        for entry in entries {
            let heading = entry.title ?? entry.name
            out += "<li class=\"code\" id=\"\(escape(entry.name))\">"
            out += entry.code.svg(title: entry.url).trimmingCharacters(in: .newlines)
            out += "<p class=\"scan\">\(escape(labels.scan))</p>"
            out += "<h2>\(escape(heading))</h2>"
            out += "<p class=\"name\">\(escape(entry.name))\(entry.level.map { " · \(escape($0))" } ?? "")</p>"
            if !entry.path.isEmpty {
                out += "<p class=\"path\">\(entry.path.map(escape).joined(separator: " › "))</p>"
            }
            out += "<p class=\"url\">\(escape(entry.url))</p></li>\n"
        }
        out += "</ul>\n</body></html>\n"
        return out
    }
}
