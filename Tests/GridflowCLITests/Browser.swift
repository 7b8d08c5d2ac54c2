import Foundation
import Testing

/// What headless Chromium found on a page (Tests/Browser/check.js): characters drawn as tofu
/// (no font has them), elements wider than their box, headers that wrap inside a word.
struct PageVerdict: Decodable {
    struct Tofu: Decodable {
        var character: String
        var code: String
        var `where`: String
    }

    var tofu: [Tofu]
    var overflow: [String]
    var wrapped: [String]
    /// How many distinct non-ASCII characters were drawn and compared.
    var characters: Int
    var pageWidth: Int
    var viewport: Int

    /// Whether the page reads well: no tofu, no overflow, no header broken inside a word.
    var clean: Bool { tofu.isEmpty && overflow.isEmpty && wrapped.isEmpty }
}

/// Headless Chromium, run as a user would run it from a shell, on copies of pages.
enum Browser {
    /// The browser: `CHROMIUM`, else the Debian package's binary.
    static let binary: URL? = {
        let environment = ProcessInfo.processInfo.environment["CHROMIUM"]
        for path in [environment, "/usr/bin/chromium", "/usr/bin/chromium-browser"].compactMap({ $0 })
        where FileManager.default.isExecutableFile(atPath: path) {
            return URL(fileURLWithPath: path)
        }
        return nil
    }()

    /// The checking script.
    static let script = packageRoot.appendingPathComponent("Tests/Browser/check.js")

    /// Runs the browser headless with `arguments` and returns what it printed.
    static func run(_ arguments: [String]) throws -> Run {
        let chromium = try #require(Browser.binary, "Chromium is needed: apt-get install chromium (see README)")
        let process = Process()
        process.executableURL = chromium
        // A home of its own: the browser writes its profile there.
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("gridflow-chromium-\(UUID())")
        process.arguments =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                "--user-data-dir=\(home.path)",
            ] + arguments
        defer { try? FileManager.default.removeItem(at: home) }
        return try runToEnd(process)
    }

    /// Checks the page at `page`: injects the script into a copy beside it, loads the copy at
    /// `width`×`height`, keeps a screenshot at `screenshot` (asserting it is a PNG of that size)
    /// and returns the verdict the script wrote into the page.
    static func check(
        _ page: URL, screenshot: URL, width: Int = 1280, height: Int = 2000,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> PageVerdict {
        let html = try String(contentsOf: page, encoding: .utf8)
        let script = try String(contentsOf: Self.script, encoding: .utf8)
        let injected = "<script>\n\(script)\n</script>"
        let copy = page.deletingPathExtension().appendingPathExtension("checked.html")
        let text =
            html.range(of: "</body>", options: .backwards).map {
                html.replacingCharacters(in: $0, with: injected + "</body>")
            }
            ?? html + injected
        try text.write(to: copy, atomically: true, encoding: .utf8)
        try? FileManager.default.removeItem(at: screenshot)
        let run = try run([
            "--dump-dom", "--virtual-time-budget=5000", "--hide-scrollbars", "--screenshot=\(screenshot.path)",
            "--window-size=\(width),\(height)", copy.absoluteString,
        ])
        #expect(run.status == 0, "chromium: \(run.stderr)", sourceLocation: sourceLocation)
        let size = try pngSize(screenshot)
        #expect(
            size?.width == width && size?.height == height,
            "screenshot \(screenshot.path): \(String(describing: size))",
            sourceLocation: sourceLocation)
        let marker = "<pre id=\"gridflow-verdict\">"
        let start = try #require(
            run.stdout.range(of: marker, options: .backwards), "no verdict in the page: \(run.stderr)",
            sourceLocation: sourceLocation)
        let rest = run.stdout[start.upperBound...]
        let end = try #require(rest.range(of: "</pre>"), sourceLocation: sourceLocation)
        let json = try #require(String(rest[..<end.lowerBound]).removingPercentEncoding, sourceLocation: sourceLocation)
        return try JSONDecoder().decode(PageVerdict.self, from: Data(json.utf8))
    }

    /// The width and height in a PNG's header (IHDR), or nil when the file is not a PNG.
    static func pngSize(_ file: URL) throws -> (width: Int, height: Int)? {
        let data = [UInt8](try Data(contentsOf: file))
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard data.count >= 24, Array(data[0..<8]) == signature, Array(data[12..<16]) == Array("IHDR".utf8)
        else { return nil }
        func number(_ at: Int) -> Int { data[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (number(16), number(20))
    }

    /// Prints the page at `page` to the PDF `pdf` with the page's print stylesheet.
    static func printToPDF(_ page: URL, _ pdf: URL) throws -> Run {
        try? FileManager.default.removeItem(at: pdf)
        return try run(["--print-to-pdf=\(pdf.path)", "--no-pdf-header-footer", page.absoluteString])
    }

    /// An SVG drawing as a page of its own, for the same check.
    static func page(ofSVG svg: String) -> String {
        let drawing = svg.range(of: "<svg").map { String(svg[$0.lowerBound...]) } ?? svg
        return
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body style=\"margin:0\">\n\(drawing)\n</body></html>\n"
    }
}
