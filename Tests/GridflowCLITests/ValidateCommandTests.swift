import Foundation
import Testing

/// `gridflow validate`, run as a user would.
@Suite struct ValidateCommandTests {
    static let fixtures = "Tests/Fixtures/invalid"
    /// The fixtures folder's valid files: the context the broken ones refer to.
    static let validFixtures: Set<String> = [
        "Workflows/fx/unit.yaml", "Workflows/fx/valid_base.yaml", "Workflows/fx/valid_private.yaml",
        "Workflows/ulimit/unit.yaml",
        "Workflows/ubase_calendar/unit.yaml",
    ]
    static let brokenFixtures = yamlFiles(under: fixtures).filter { !validFixtures.contains($0) }

    @Test func shippedDefinitionsAreClean() throws {
        let run = try gridflow(["validate", "--strict"])
        #expect(run.status == 0, "\(run.stdout)")
        #expect(run.stdout.hasSuffix("files checked, no problems\n"))
    }

    @Test func thereAreAtLeastFortyBrokenFixtures() {
        #expect(Self.brokenFixtures.count >= 40)
    }

    @Test func validFixturesAreClean() throws {
        let run = try gridflow(
            ["validate", "--strict"] + Self.validFixtures.sorted(),
            in: packageRoot.appendingPathComponent(Self.fixtures))
        #expect(run.status == 0, "\(run.stdout)")
    }

    @Test(arguments: brokenFixtures)
    func brokenFixtureGivesGoldenDiagnostics(_ file: String) throws {
        let run = try gridflow(["validate", "--strict", file], in: packageRoot.appendingPathComponent(Self.fixtures))
        #expect(run.status == 1)
        #expect(run.stderr.isEmpty)
        let golden = Self.fixtures + "/" + file.replacingOccurrences(of: ".yaml", with: ".expected")
        try expectGolden(run.stdout, golden)
        #expect(run.stdout.contains(": error: ") || run.stdout.contains(": warning: "))
    }

    @Test func jsonFormatCarriesTheSameDiagnostics() throws {
        let run = try gridflow(
            ["validate", "--format", "json", "Workflows/fx/14_unknown_target_state.yaml"],
            in: packageRoot.appendingPathComponent(Self.fixtures))
        #expect(run.status == 1)
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        let diagnostics = try #require(object?["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.count == 1)
        let first = try #require(diagnostics.first)
        #expect(first["file"] as? String == "Workflows/fx/14_unknown_target_state.yaml")
        #expect(first["line"] as? Int == 17)
        #expect(first["column"] as? Int == 9)
        #expect(first["severity"] as? String == "error")
        #expect(first["code"] as? String == "unknown-state")
        #expect((first["message"] as? String)?.contains("did you mean 'done'?") == true)
        #expect(object?["errors"] as? Int == 1)
    }

    @Test func allProblemsOfALoadAreReportedAtOnce() throws {
        let run = try gridflow(
            ["validate", "Workflows/fx", "Rules/fx"], in: packageRoot.appendingPathComponent(Self.fixtures))
        #expect(run.status == 1)
        let errors = run.stdout.components(separatedBy: ": error: ").count - 1
        let inTheseFolders = Self.brokenFixtures.filter { $0.hasPrefix("Workflows/fx/") || $0.hasPrefix("Rules/fx/") }
        #expect(errors >= inTheseFolders.count)
    }

    /// A tree where files do not load (YAML errors in a workflow, a routing table and the base
    /// unit): their errors print first, and references to what they define are marked as
    /// following from them, not reported as unknown names.
    @Test func rootCausesComeFirstAndFollowOnsAreMarked() throws {
        let folder = packageRoot.appendingPathComponent("Tests/Fixtures/followon")
        let run = try gridflow(["validate", "Workflows", "Rules"], in: folder)
        #expect(run.status == 1)
        try expectGolden(run.stdout, "Tests/Fixtures/followon/expected.txt")
        let json = try gridflow(["validate", "--format", "json", "Workflows", "Rules"], in: folder)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let diagnostics = try #require(object?["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.filter { $0["follow_on"] as? Bool == true }.count == 4)
        #expect(diagnostics.prefix(3).map { $0["code"] as? String } == ["yaml-syntax", "yaml-syntax", "yaml-syntax"])
    }

    @Test func usageErrorsExitWithTwo() throws {
        let missing = try gridflow(["validate", "no/such/folder"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no such file or folder: no/such/folder"))
        let badOption = try gridflow(["validate", "--format", "xml"])
        #expect(badOption.status == 2)
        #expect(badOption.stderr.contains("xml"))
        let unknownFlag = try gridflow(["validate", "--nope"])
        #expect(unknownFlag.status == 2)
    }
}
