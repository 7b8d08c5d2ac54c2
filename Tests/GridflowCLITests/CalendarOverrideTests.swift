import Foundation
import Testing

/// A unit that extends a base takes back the base's holidays and make-up days, as a designer
/// writes it; what it takes back must be the base's, and the working days follow.
@Suite struct CalendarOverrideTests: Workspace {
    let directory: URL

    init() throws {
        directory = try Self.makeFolder("calendar")
    }

    func writeUnits(_ own: String) throws {
        let workflows = directory.appendingPathComponent("Workflows")
        for unit in ["base", "branch"] {
            try FileManager.default.createDirectory(
                at: workflows.appendingPathComponent(unit), withIntermediateDirectories: true)
        }
        try """
        kind: Unit
        schema: 1
        name: base
        abstract: true
        timezone: Asia/Shanghai
        calendar:
          working_days: [mon, tue, wed, thu, fri]
          holidays: [2024-10-01, 2024-10-02, 2024-10-03]
          extra_working_days: [2024-10-12]
        """.write(to: workflows.appendingPathComponent("base/unit.yaml"), atomically: true, encoding: .utf8)
        try """
        kind: Unit
        schema: 1
        name: branch
        extends: base
        org: {levels: [{name: all}], tree: {name: all}}
        calendar:
        \(own)
        """.write(to: workflows.appendingPathComponent("branch/unit.yaml"), atomically: true, encoding: .utf8)
    }

    func workingDays() throws -> Run {
        try gridflow(
            [
                "eval", "working_days_between(2024-09-30, 2024-10-14)", "--unit", "branch",
            ], in: directory)
    }

    @Test func aBranchTakesBackABaseHolidayAndAMakeUpDay() throws {
        // With the base's calendar: 30 Sep, 4, 7–11 Oct and the make-up 12 Oct are working days.
        try writeUnits("  holidays: []")
        let days1 = try workingDays().stdout
        #expect(days1.hasPrefix("8 "), "\(days1)")
        // The branch works on 2 October and does not keep the make-up Saturday.
        try writeUnits("  remove_holidays: [2024-10-02]\n  remove_extra_working_days: [2024-10-12]")
        #expect(try gridflow(["validate", "Workflows"], in: directory).status == 0)
        let days2 = try workingDays().stdout
        #expect(days2.hasPrefix("8 "), "\(days2)")
        // Taking back only the holiday: one day more.
        try writeUnits("  remove_holidays: [2024-10-02]")
        let days3 = try workingDays().stdout
        #expect(days3.hasPrefix("9 "), "\(days3)")
        // A day taken back may be listed as a make-up day without a conflict with the base.
        try writeUnits("  remove_holidays: [2024-10-03]\n  extra_working_days: [2024-10-03]")
        let redundant = try gridflow(["validate", "Workflows"], in: directory)
        // (The rendered diagnostics name no code: the conflict would be an error naming the base.)
        #expect(redundant.status == 0, "\(redundant.stdout)")
        #expect(!redundant.stdout.contains("holiday of base unit"), "\(redundant.stdout)")
    }

    @Test func takingBackWhatTheBaseDoesNotHaveIsAnError() throws {
        try writeUnits(
            "  remove_holidays: [2024-10-05]\n  remove_extra_working_days: [2024-10-01]\n  holidays: [2024-10-02]\n  extra_working_days: []"
        )
        let run = try gridflow(["validate", "Workflows"], in: directory)
        #expect(run.status == 1)
        #expect(
            run.stdout.contains(
                "Workflows/branch/unit.yaml:7:21: error: 2024-10-05 is not a holiday of base unit 'base', so there is nothing to take back\n"
            ), "\(run.stdout)")
        #expect(
            run.stdout.contains(
                "Workflows/branch/unit.yaml:8:31: error: 2024-10-01 is not an extra working day of base unit 'base', so there is nothing to take back\n"
            ), "\(run.stdout)")
        try writeUnits("  remove_holidays: [2024-10-02]\n  holidays: [2024-10-02]")
        let again = try gridflow(["validate", "Workflows"], in: directory)
        #expect(again.status == 1)
        #expect(
            again.stdout.contains("error: 2024-10-02 is taken back and listed again as a holiday\n"), "\(again.stdout)")
    }
}
