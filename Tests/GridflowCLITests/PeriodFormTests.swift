import Foundation
import Testing

/// Every period form a report takes — year, half-year, quarter, month — counts the cases opened
/// in it by the unit's local time, across the boundaries between them; other spellings are
/// refused with the forms named.
@Suite struct PeriodFormTests: Workspace {
    let directory: URL

    init() throws {
        directory = try Self.makeFolder("periods")
    }

    @Test func everyPeriodFormCountsTheCasesOpenedInIt() throws {
        try importOilfieldPeople()
        // Local times (Asia/Shanghai): the second and third lie on either side of midnight
        // between June and July, which is also the boundary of the half-years and quarters.
        for (index, time) in [
            "2024-03-15T09:00:00+08:00", "2024-06-30T23:30:00+08:00", "2024-06-30T16:30:00Z",
            "2024-11-05T09:00:00+08:00",
        ].enumerated() {
            let opened = try gf([
                "case", "open", "oilfield/issue", "--as", "wang", "--set", "channel=qr_code", "--set",
                "team=opp_area_1_station_1", "--set", "description=第\(index)件", "--now", time,
            ])
            #expect(opened.status == 0, "\(opened.stderr)")
        }
        let expected: [(String, Int)] = [
            ("2024", 4), ("2024-H1", 2), ("2024-H2", 2), ("2024-Q1", 1), ("2024-Q2", 1), ("2024-Q3", 1),
            ("2024-Q4", 1), ("2024-06", 1), ("2024-07", 1), ("2024-11", 1), ("2025", 0), ("2025-H1", 0),
        ]
        for (period, count) in expected {
            let run = try gf(["report", "oilfield", "--report", "supervision_bulletin", "--period", period, "--json"])
            #expect(run.status == 0, "\(period): \(run.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
            #expect(object?["period"] as? String == period)
            #expect((object?["overall"] as? [String: Any])?["reports"] as? Int == count, "\(period)")
        }
        for wrong in ["2024-H3", "2024-13", "24-Q1", "2024-q3", "2024-Q0", "2024-00", "2024-H1-01"] {
            let run = try gf(["report", "oilfield", "--report", "supervision_bulletin", "--period", wrong])
            #expect(run.status == 2, "\(wrong)")
            #expect(run.stderr.contains("2024, 2024-H1, 2024-Q3 or 2024-11"), "\(wrong): \(run.stderr)")
        }
    }

    /// An appraisal of each period kind, run by a designer's scenario: the store facts count the
    /// cases opened in the period asked for (by local time, across the June/July midnight), and
    /// a period of another kind is refused at its line and column.
    @Test(arguments: [
        ("year", "2024", 4), ("half_year", "2024-H1", 2), ("half_year", "2024-H2", 2), ("quarter", "2024-Q2", 1),
        ("quarter", "2024-Q3", 1), ("month", "2024-06", 1), ("month", "2024-11", 1), ("month", "2024-12", 0),
    ])
    func everyAppraisalPeriodFormInAScenario(kind: String, period: String, reports: Int) throws {
        let root = try copyOfTelecom()
        let rules = root.appendingPathComponent("Rules/telecom/appraisal.yaml")
        let text = try String(contentsOf: rules, encoding: .utf8)
        let changed = text.replacingOccurrences(of: "\nperiod: quarter\n", with: "\nperiod: \(kind)\n")
        #expect(changed != text || kind == "quarter")
        try changed.write(to: rules, atomically: true, encoding: .utf8)
        // wang files a real-name problem report at each time; each adds 10 + 5 to the quality
        // score (× 0.45). No duty feedback or training falls due for him, so both score in full:
        // 100 × 0.35 + 15 × reports × 0.45 + 100 × 0.2.
        let person =
            #"{roles: [grid_supervisor], fields: {frontline_familiar: true, team: haicheng_central_grid}}"#
        func open(_ index: Int) -> String {
            #"  - open: {as: wang, with: {report_type: problem, area: vital_interests, business_line: network, description: 第\#(index)件, real_name: true, reporter: "@wang"}}"#
        }
        let wrong = kind == "month" ? "2024-Q3" : "2024-11"
        let total = Decimal(55) + Decimal(string: "6.75")! * Decimal(reports)
        let scenario = """
            kind: Scenario
            schema: 1
            name: periods
            workflow: issue
            start: 2024-03-15T09:00:00+08:00
            people:
              wang: \(person)
              # Told of each unanswered report (a notification to nobody is an incident).
              liang: {roles: [discipline_committee_office], fields: {team: beihai_branch}}
            steps:
            \(open(0))
              - wait: 107d14h30m # 2024-06-30T23:30 local, the last hour of June
            \(open(1))
              - wait: 1h # 2024-07-01T00:30 local, the first hour of July
            \(open(2))
              - wait: 127d8h30m # 2024-11-05T09:00
            \(open(3))
              - wait: 70d # 2025-01-14: every period is over
              - appraise:
                  period: \(period)
                  facts:
                    wang: {good_cases: 0}
                expect:
                  totals: {wang: \(total)}
              - appraise:
                  period: \(wrong)
                  facts:
                    wang: {good_cases: 0}

            """
        let file = root.appendingPathComponent("Workflows/telecom/tests/periods.yaml")
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try scenario.write(to: file, atomically: true, encoding: .utf8)
        let run = try gridflow(["test", file.path, "--root", root.path], in: directory)
        #expect(run.status == 1, "the wrong period fails the scenario: \(run.stdout)\(run.stderr)")
        let out = run.stdout + run.stderr
        let kindName = kind
        #expect(
            out.contains("periods.yaml:26:15: error: '\(wrong)' is not a \(kindName) period such as "),
            "\(kind) \(period): \(out)")
        #expect(!out.contains("expected"), "\(kind) \(period): \(out)")
    }
}
