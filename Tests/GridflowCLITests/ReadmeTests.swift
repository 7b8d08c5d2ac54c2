import Foundation
import Testing

/// The README's tour shows files that ship (`Workflows/tour/`) and a `validate` session on them:
/// what a newcomer reads is what is in the clone, and what the binary prints.
@Suite struct ReadmeTests: Workspace {
    let directory: URL

    init() throws {
        directory = try Self.makeFolder("readme")
    }

    static let readme: String =
        (try? String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)) ?? ""

    /// The fenced block (```lang) that follows the first line containing `marker`.
    func block(after marker: String, fence: String) throws -> String {
        let lines = Self.readme.components(separatedBy: "\n")
        let at = try #require(lines.firstIndex { $0.contains(marker) }, "README has no line with \(marker)")
        let open = try #require(lines[at...].firstIndex { $0 == "```" + fence }, "no ```\(fence) after \(marker)")
        let close = try #require(lines[(open + 1)...].firstIndex { $0 == "```" })
        return lines[(open + 1)..<close].joined(separator: "\n") + "\n"
    }

    @Test(arguments: ["unit.yaml", "report.yaml"])
    func theTourShowsTheShippedFile(_ name: String) throws {
        let shown = try block(after: "(`Workflows/tour/\(name)`)", fence: "yaml")
        let shipped = try String(
            contentsOf: packageRoot.appendingPathComponent("Workflows/tour/\(name)"), encoding: .utf8)
        #expect(shown == shipped, "README's Workflows/tour/\(name) differs from the file")
    }

    @Test func theShippedTourIsValidAndItsScenarioPasses() throws {
        let validate = try gridflow(["validate", "--strict", "Workflows/tour"])
        #expect(validate.status == 0, "\(validate.stdout)\(validate.stderr)")
        let test = try gridflow(["test", "Workflows/tour/tests"])
        #expect(test.status == 0, "\(test.stdout)\(test.stderr)")
        #expect(test.stdout.hasSuffix("1 passed, 0 failed\n"), "\(test.stdout)")
    }

    /// The README's `validate` session is the tour's workflow with one typo: the binary prints
    /// exactly what the README shows.
    @Test func theValidateSessionIsWhatTheBinaryPrints() throws {
        let session = try block(after: "Mistakes are reported all at once", fence: "")
        var lines = session.components(separatedBy: "\n")
        #expect(lines.removeFirst() == "$ gridflow validate Workflows")
        let tour = directory.appendingPathComponent("Workflows/tour")
        try FileManager.default.createDirectory(at: tour, withIntermediateDirectories: true)
        for name in ["unit.yaml", "report.yaml"] {
            var text = try String(
                contentsOf: packageRoot.appendingPathComponent("Workflows/tour/\(name)"), encoding: .utf8)
            if name == "report.yaml" {
                let typo = text.replacingOccurrences(of: "    to: answered\n", with: "    to: answred\n")
                #expect(typo != text)
                text = typo
            }
            try text.write(to: tour.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let run = try gridflow(["validate", "Workflows"], in: directory)
        #expect(run.status == 1)
        #expect(run.stdout + run.stderr == lines.joined(separator: "\n"))
    }
}
