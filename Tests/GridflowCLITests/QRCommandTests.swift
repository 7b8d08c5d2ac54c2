import Foundation
import Testing

/// `gridflow qr` as a user runs it: the URL printed, the SVG drawn by Chromium and read back by
/// zbar (Debian's zbar-tools), the printable sheet of every node.
@Suite struct QRCommandTests: Workspace {
    let directory: URL

    init() throws {
        directory = try Self.makeFolder("qr")
    }

    static let base = "https://gridflow.example/grid/"

    /// Runs gridflow in the folder with the shipped definitions, with `GRIDFLOW_PUBLIC_URL` set
    /// to `publicURL` or absent whatever the tests' environment holds.
    func qr(_ arguments: [String], publicURL: String? = nil) throws -> Run {
        let process = Process()
        process.executableURL = gridflowBinary
        process.arguments = ["qr"] + arguments + ["--root", packageRoot.path]
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["GRIDFLOW_PUBLIC_URL"] = publicURL
        process.environment = environment
        return try runToEnd(process)
    }

    /// What zbarimg reads in the PNG `file`: one text per code found, sorted.
    static func zbar(_ file: URL) throws -> [String] {
        let zbarimg = try #require(
            ["/usr/bin/zbarimg", "/usr/local/bin/zbarimg"].first { FileManager.default.isExecutableFile(atPath: $0) },
            "zbarimg is needed: apt-get install zbar-tools (see .ci/run)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: zbarimg)
        process.arguments = ["--raw", "--quiet", "-Sdisable", "-Sqrcode.enable", file.path]
        let run = try runToEnd(process)
        #expect(run.status == 0, "zbarimg found no code in \(file.path)")
        return run.stdout.split(separator: "\n").map(String.init).sorted()
    }

    /// The page at `page` drawn by headless Chromium at `width`×`height`, as PNG.
    func screenshot(_ page: URL, width: Int, height: Int) throws -> URL {
        let png = page.deletingPathExtension().appendingPathExtension("png")
        let run = try Browser.run([
            "--screenshot=\(png.path)", "--window-size=\(width),\(height)", "--hide-scrollbars",
            page.absoluteString,
        ])
        #expect(run.status == 0, "chromium: \(run.stderr)")
        #expect(try Browser.pngSize(png)?.width == width)
        return png
    }

    /// The SVG file drawn by Chromium on a white page, then read by zbar.
    func decodeSVG(_ file: URL) throws -> [String] {
        let page = file.deletingPathExtension().appendingPathExtension("html")
        try Browser.page(ofSVG: String(contentsOf: file, encoding: .utf8)).write(
            to: page, atomically: true, encoding: .utf8)
        return try Self.zbar(try screenshot(page, width: 600, height: 600))
    }

    @Test func aNodesCodeReadsAsItsReportFormURL() throws {
        let run = try qr(["oilfield", "opp_area_1_station_1", "--base-url", Self.base])
        #expect(run.status == 0, "\(run.stderr)")
        let url = "https://gridflow.example/grid/units/oilfield/report/opp_area_1_station_1"
        #expect(run.stdout == url + "\n")
        #expect(run.stderr.hasPrefix("wrote qr-oilfield-opp_area_1_station_1.svg: version 5, level M, 37×37 modules"))
        let file = directory.appendingPathComponent("qr-oilfield-opp_area_1_station_1.svg")
        let svg = try String(contentsOf: file, encoding: .utf8)
        #expect(svg.contains("<title>\(url)</title>") && svg.contains("shape-rendering=\"crispEdges\""))
        #expect(try decodeSVG(file) == [url])
    }

    @Test func theEnvironmentGivesTheBaseAndLevelAndOutputAreChosen() throws {
        let run = try qr(
            ["telecom", "beihai_branch", "--level", "H", "--output", "station.svg"],
            publicURL: "http://10.0.0.5:8080")
        #expect(run.status == 0, "\(run.stderr)")
        let url = "http://10.0.0.5:8080/units/telecom/report/beihai_branch"
        #expect(run.stdout == url + "\n")
        #expect(run.stderr.contains("level H"))
        #expect(try decodeSVG(directory.appendingPathComponent("station.svg")) == [url])
        // --base-url wins over the environment.
        let both = try qr(
            ["telecom", "beihai_branch", "--base-url", "https://a.example"], publicURL: "https://b.example")
        #expect(both.stdout == "https://a.example/units/telecom/report/beihai_branch\n")
    }

    @Test func anUnknownNodeIsAnErrorWithASuggestion() throws {
        let run = try qr(["oilfield", "opp_area_1_staton_1", "--base-url", Self.base])
        #expect(run.status == 1)
        #expect(
            run.stderr
                == "gridflow: error: unit 'oilfield' has no org node 'opp_area_1_staton_1'; did you mean 'opp_area_1_station_1'?\n"
        )
        #expect(
            !FileManager.default.fileExists(
                atPath: directory.appendingPathComponent("qr-oilfield-opp_area_1_staton_1.svg").path))
        let level = try qr(["oilfield", "--all", "--sheet", "s.html", "--at", "teams", "--base-url", Self.base])
        #expect(level.status == 1)
        #expect(level.stderr == "gridflow: error: unit 'oilfield' has no org level 'teams'; did you mean 'team'?\n")
    }

    @Test func withoutABaseURLOrWithABadOneItIsAUsageError() throws {
        let none = try qr(["oilfield", "opp_area_1_station_1"])
        #expect(none.status == 2)
        #expect(none.stderr.contains("give --base-url URL or set GRIDFLOW_PUBLIC_URL"))
        #expect(none.stdout.isEmpty)
        for bad in ["ftp://gridflow.example", "gridflow.example", "https://", "https://x.example/?a=1", "https://x y"] {
            let run = try qr(["oilfield", "opp_area_1_station_1", "--base-url", bad])
            #expect(run.status == 2, "\(bad)")
            #expect(run.stderr.contains("--base-url must be an http or https URL"), "\(bad): \(run.stderr)")
        }
        let environment = try qr(["oilfield", "opp_area_1_station_1"], publicURL: "example.org")
        #expect(environment.status == 2)
        #expect(environment.stderr.contains("GRIDFLOW_PUBLIC_URL must be an http or https URL"))
        for arguments in [
            ["oilfield", "opp_area_1", "--all", "--sheet", "s.html"], ["oilfield", "--all"], ["oilfield"],
            ["oilfield", "opp_area_1", "--sheet", "s.html"],
        ] {
            #expect(try qr(arguments + ["--base-url", Self.base]).status == 2, "\(arguments)")
        }
    }

    @Test func theSheetHasALabelledCodeForEveryNode() throws {
        let run = try qr(["oilfield", "--all", "--sheet", "sheet.html", "--base-url", Self.base])
        #expect(run.status == 0, "\(run.stderr)")
        // The oilfield's tree: the oilfield, 3 plants, 6 work areas, 13 teams.
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.count == 23)
        #expect(run.stderr == "wrote sheet.html: 23 codes\n")
        let urls = lines.map { line in
            let parts = line.split(separator: " ")
            #expect(parts.count == 2 && parts[1] == "https://gridflow.example/grid/units/oilfield/report/\(parts[0])")
            return String(parts[1])
        }
        let file = directory.appendingPathComponent("sheet.html")
        let page = try String(contentsOf: file, encoding: .utf8)
        #expect(page.hasPrefix("<!DOCTYPE html>\n<html lang=\"zh-CN\">"))
        #expect(!page.contains("<script"))
        #expect(page.contains("@media print"))
        #expect(page.components(separatedBy: "<li class=\"code\"").count == 24)
        #expect(page.components(separatedBy: "<p class=\"scan\">扫码反映问题</p>").count == 24)
        #expect(
            page.contains(
                "<h2>采油一站</h2><p class=\"name\">opp_area_1_station_1 · team</p><p class=\"path\">江汉油田 › 江汉采油厂 › 采油管理一区</p><p class=\"url\">https://gridflow.example/grid/units/oilfield/report/opp_area_1_station_1</p></li>"
            ))
        // On a phone's width: every character has a glyph, nothing overflows its box.
        let verdict = try Browser.check(file, screenshot: directory.appendingPathComponent("phone.png"), width: 390)
        #expect(verdict.clean, "\(verdict)")
        #expect(verdict.characters > 10)
        // Every code on the page, as Chromium draws it, reads as its node's URL.
        #expect(try Self.zbar(try screenshot(file, width: 1280, height: 4000)) == urls.sorted())
    }

    @Test func oneLevelsSheetInTheUnitsLanguage() throws {
        let teams = try qr([
            "oilfield", "--all", "--at", "team", "--level", "Q", "--sheet", "teams.html", "--base-url", Self.base,
        ])
        #expect(teams.status == 0, "\(teams.stderr)")
        #expect(teams.stdout.split(separator: "\n").count == 13)
        let page = try String(contentsOf: directory.appendingPathComponent("teams.html"), encoding: .utf8)
        #expect(page.contains("<p class=\"meta\">共13个二维码 · 层级：team</p>"))
        #expect(!page.contains("jianghan_oilfield\""))
        // The tour unit has no locale: English labels, the node's name where it has no title.
        let tour = try qr(["tour", "--all", "--sheet", "tour.html", "--base-url", Self.base])
        #expect(tour.status == 0, "\(tour.stderr)")
        let english = try String(contentsOf: directory.appendingPathComponent("tour.html"), encoding: .utf8)
        #expect(english.contains("<html lang=\"en\">") && english.contains("<p class=\"scan\">Scan to report</p>"))
        #expect(english.contains("<h2>team_a</h2>"))
    }
}
