import Foundation
import GridflowDefinitions
import GridflowExpressions
import Testing

@testable import GridflowRuntime

/// Numbers in rule sets: a collected sum rounds its exact total once and is an incident at 10^38
/// or more (it used to drop the value that overflowed); a number a definition writes outside the
/// 38-digit range is refused where it is written, never rounded or replaced by a stand-in zero.
@Suite struct RuleNumbersTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/runtime")

    /// The runtime fixtures with one more decision table, `points`, whose rows give `points`.
    func program(points: [String]) throws -> Program {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gridflow-rule-numbers-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Self.fixtures, to: directory)
        defer { try? FileManager.default.removeItem(at: directory) }
        let rows = points.enumerated().map { index, value in
            "  - when: {score: \">= \(index * 10)\"}\n    then: {points: \(value)}"
        }
        try """
        kind: DecisionTable
        schema: 1
        name: points
        hit: collect_sum
        inputs:
          score: decimal
        outputs:
          points: decimal
        rules:
        \(rows.joined(separator: "\n"))

        """.write(to: directory.appendingPathComponent("Rules/rt/points.yaml"), atomically: true, encoding: .utf8)
        let result = Loader().load(paths: [directory.path + "/Workflows/rt", directory.path + "/Rules/rt"])
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics)")
        return try Program(definitions: result.units["rt"]!, version: "v1")
    }

    func points(_ program: Program, score: Int) throws -> Result<[String: Value], Incident> {
        let rules = try #require(program.rules["points"])
        return rules.evaluate(
            ["score": .number(Number(score))], now: Instant("2024-07-01T09:00:00+08:00")!,
            calendar: WorkCalendar(zone: Zone(fixedOffset: 8 * 3600)))
    }

    @Test func aCollectedSumIsExactOrAnIncident() throws {
        let big = "90000000000000000000000000000000000000"
        let program = try program(points: [big, big, "-" + big, "0.5"])
        // Two rows: 1.8 × 10^38.
        guard case .failure(let incident) = try points(program, score: 10) else {
            Issue.record("a sum of 10^38 or more must be an incident")
            return
        }
        #expect(incident.code == "overflow")
        #expect(incident.message == "the sum of 'points' over 2 rows of 'points' is 10^38 or more")
        // Four rows: the partial sums pass 10^38, the total does not.
        #expect(
            try points(program, score: 30)
                == .success(["points": .number(Number("90000000000000000000000000000000000001")!)]))
    }

    /// A number beyond the domain is refused when the definitions load, where it is written.
    @Test func aDefinitionNumberBeyondTheRangeIsRefusedWhereItIsWritten() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gridflow-rule-numbers-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Self.fixtures, to: directory)
        defer { try? FileManager.default.removeItem(at: directory) }
        try """
        kind: DecisionTable
        schema: 1
        name: points
        hit: first
        inputs:
          score: decimal
        outputs:
          points: decimal
        rules:
          - when: {score: ">= 0"}
            then: {points: 1e40}

        """.write(to: directory.appendingPathComponent("Rules/rt/points.yaml"), atomically: true, encoding: .utf8)
        let result = Loader().load(paths: [directory.path + "/Rules/rt/points.yaml"])
        let messages = result.diagnostics.filter { $0.severity == .error }.map { "\($0.code.rawValue): \($0.message)" }
        #expect(messages == ["number-range: 'points' is 1e40, which is 10^38 or more"])
    }
}
