import Foundation
import GridflowDiagnostics
import GridflowExpressions
import GridflowYAML
import Testing

@testable import GridflowDefinitions

@Suite struct LoaderTests {
    static let root = packageRoot.path

    @Test func shippedDefinitionsLoadWithoutProblems() {
        let result = Loader().load(paths: [Self.root + "/Workflows", Self.root + "/Rules"])
        #expect(result.diagnostics.isEmpty, "\(DiagnosticRenderer(sources: result.sources).render(result.diagnostics))")
        #expect(Set(result.units.keys) == ["group", "oilfield", "telecom", "tour"])
    }

    @Test func bothUnitsHaveTheirShape() throws {
        let result = Loader().load(paths: [Self.root + "/Workflows", Self.root + "/Rules"])
        let oilfield = try #require(result.units["oilfield"])
        #expect(oilfield.unit.levels.map(\.text).count == 4)
        #expect(!oilfield.unit.shifts.isEmpty)
        #expect(oilfield.workflow("selection") != nil)
        #expect(oilfield.workflow("issue") != nil)
        #expect(!oilfield.routingTables.isEmpty)
        #expect(!oilfield.eligibilities.isEmpty)
        #expect(!oilfield.coverages.isEmpty)
        let telecom = try #require(result.units["telecom"])
        let selection = try #require(telecom.workflow("selection"))
        #expect(selection.states.filter { $0.task != nil }.count >= 7)
        let appraisal = try #require(telecom.appraisals.first)
        #expect(appraisal.packages.count == 3)
        #expect(!telecom.fileSpaces.isEmpty)
        // Inherited from the group base.
        #expect(telecom.unit.enumeration("area")?.values.count == 5)
    }

    @Test(arguments: ["3d", "36h", "1d12h", "2w", "30m", "5wd", "0wd"])
    func durationsParse(_ text: String) {
        guard case .success = Duration.parse(text) else {
            Issue.record("\(text) should parse")
            return
        }
    }

    @Test(arguments: ["", "3", "3x", "5wd2h", "h", "2h1d", "1d1d", "wd"])
    func badDurationsAreRejected(_ text: String) {
        if case .success = Duration.parse(text) { Issue.record("\(text) should not parse") }
    }

    @Test func durationAmounts() throws {
        #expect(try Duration.parse("1d12h").get().amount == .seconds(129_600))
        #expect(try Duration.parse("5wd").get().amount == .workingDays(5))
    }

    @Test func datesAreValidated() {
        #expect(Day("2024-02-29") != nil)
        #expect(Day("2023-02-29") == nil)
        #expect(Day("2024-13-01") == nil)
        #expect(Day("24-01-01") == nil)
    }

    @Test func cellsOverlapAsIntervalsAndSets() {
        func set(_ text: String) -> ValueSet {
            let node = Node(
                .scalar(Scalar(value: text, style: .doubleQuoted, resolved: .string)),
                span: SourceSpan(start: SourceLocation(file: "t", line: 1, column: 1)),
                end: SourceLocation(file: "t", line: 1, column: 1))
            return ValueSet(Cell(node).test)
        }
        #expect(set(">= 80").intersects(set("[70..90)")) == true)
        #expect(set(">= 90").intersects(set("[80..90)")) == false)
        #expect(set(">= 90").intersects(set("[80..90]")) == true)
        #expect(set("< 60").intersects(set(">= 60")) == false)
        #expect(set("off_duty").intersects(set("off_duty")) == true)
        #expect(set("off_duty").intersects(set("!= off_duty")) == false)
        #expect(set("-").intersects(set("x")) == true)
        #expect(set("? > 3").intersects(set("x")) == nil)
    }

    @Test func filesOutsideAUnitFolderAreReported() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gridflow-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("loose.yaml").path
        try "kind: Coverage\nschema: 1\nname: c\nrole: r\nlevel: l\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        let result = Loader().load(paths: [path])
        #expect(result.diagnostics.map(\.code) == ["no-unit"])
    }
}
