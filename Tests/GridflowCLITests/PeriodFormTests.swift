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
            let run = try gf(["report", "oilfield", "--period", period, "--json"])
            #expect(run.status == 0, "\(period): \(run.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
            #expect(object?["period"] as? String == period)
            #expect((object?["overall"] as? [String: Any])?["reports"] as? Int == count, "\(period)")
        }
        for wrong in ["2024-H3", "2024-13", "24-Q1", "2024-q3", "2024-Q0", "2024-00", "2024-H1-01"] {
            let run = try gf(["report", "oilfield", "--period", wrong])
            #expect(run.status == 2, "\(wrong)")
            #expect(run.stderr.contains("2024, 2024-H1, 2024-Q3 or 2024-11"), "\(wrong): \(run.stderr)")
        }
    }
}
