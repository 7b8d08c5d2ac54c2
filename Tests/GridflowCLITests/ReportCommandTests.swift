import Foundation
import Testing

/// `gridflow report`: the oilfield bulletin over cases driven through the real engine.
@Suite struct ReportCommandTests: Workspace {
    let directory: URL

    init() throws {
        directory = try Self.makeFolder("report")
    }

    func act(_ arguments: [String], at time: String) throws {
        let run = try gf(arguments + ["--now", "2024-\(time):00+08:00"])
        #expect(run.status == 0, "\(arguments): \(run.stderr)")
    }

    /// One report rectified and rated, one explained and answered late, one waiting for a
    /// department, one suggestion not yet classified, and one from the second quarter.
    func drive() throws {
        let staff = ["--as", "zhang"]
        let handler = ["--as", "liu"]
        let office = ["--as", "chen"]
        func person(_ id: String, _ roles: [String], department: String) -> String {
            #"{"id": "\#(id)", "name": "\#(id)", "roles": [\#(roles.map { "\"\($0)\"" }.joined(separator: ","))], "party_member": true, "branch_committee_member": false, "leadership_member": false, "key_post": "none", "party_rep": false, "worker_rep": true, "union_rep": false, "frontline_familiar": true, "performance": {}, "department": "\#(department)", "team": "opp_area_1_station_1"}"#
        }
        let reporter = person("wang", [], department: "production")
        let people = directory.appendingPathComponent("people.json")
        try
            ("["
            + [
                reporter, person("zhang", ["plant_discipline_committee"], department: "discipline_committee"),
                person("liu", ["department_handler"], department: "hr"),
                person("chen", [], department: "discipline_office"),
            ].joined(separator: ",") + "]").write(to: people, atomically: true, encoding: .utf8)
        #expect(try gf(["people", "import", "oilfield", people.path]).status == 0)
        func open(_ description: String, at time: String) throws {
            try act(
                [
                    "case", "open", "oilfield/issue", "--set", "team=opp_area_1_station_1", "--as", "wang", "--set",
                    "channel=qr_code", "--set", "description=\(description)", "--set", "reporter=@wang",
                ], at: time)
        }
        try open("二季度的问题", at: "06-28T09:00")
        try open("夜班补贴未发放", at: "07-01T09:00")
        try act(
            ["case", "act", "oilfield-issue-2", "classify"] + staff + [
                "--set", "area=vital_interests", "--set", "report_type=problem",
            ], at: "07-01T10:00")
        try act(["case", "act", "oilfield-issue-2", "claim"] + handler, at: "07-02T09:00")
        try act(
            ["case", "act", "oilfield-issue-2", "rectify"] + handler + [
                "--set", "handling_note=已补发", "--set", "improvements=[\"rule_improved\"]",
            ], at: "07-03T09:00")
        try act(["case", "act", "oilfield-issue-2", "answer"] + office + ["--set", "response=已补发"], at: "07-04T09:00")
        try act(
            ["case", "act", "oilfield-issue-2", "confirm", "--as", "wang", "--set", "satisfaction=very_satisfied"],
            at: "07-05T09:00")
        try open("食堂饭菜价格", at: "07-10T09:00")
        try act(
            ["case", "act", "oilfield-issue-3", "classify"] + staff + [
                "--set", "area=vital_interests", "--set", "report_type=problem",
            ], at: "07-10T10:00")
        try act(["case", "act", "oilfield-issue-3", "claim"] + handler, at: "07-11T09:00")
        try act(["tick"], at: "07-30T09:00")
        try act(
            ["case", "act", "oilfield-issue-3", "explain"] + handler + ["--set", "handling_note=价格经职代会审议"],
            at: "08-01T09:00")
        try act(["case", "act", "oilfield-issue-3", "answer"] + office + ["--set", "response=已说明"], at: "08-02T09:00")
        try open("班组考勤", at: "08-05T09:00")
        try act(
            ["case", "act", "oilfield-issue-4", "classify"] + staff + [
                "--set", "area=democratic_management", "--set", "report_type=problem",
            ], at: "08-05T10:00")
        try open("建议增设意见箱", at: "09-01T09:00")
    }

    @Test func theBulletinInEveryFormat() throws {
        try drive()
        let markdown = try gf([
            "report", "oilfield", "--report", "supervision_bulletin", "--period", "2024-Q3", "--now",
            "2024-10-01T09:00:00+08:00",
        ])
        #expect(markdown.status == 0, "\(markdown.stderr)")
        try expectGolden(markdown.stdout, "Tests/Golden/report/oilfield-2024-Q3.md")
        let csv = try gf([
            "report", "oilfield", "--report", "supervision_bulletin", "--period", "2024-Q3", "--format", "csv",
        ])
        try expectGolden(csv.stdout, "Tests/Golden/report/oilfield-2024-Q3.csv")
        let json = try gf([
            "report", "oilfield", "--report", "supervision_bulletin", "--period", "2024-Q3", "--format", "json",
        ])
        try expectGolden(json.stdout, "Tests/Golden/report/oilfield-2024-Q3.json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let overall = try #require(object["overall"] as? [String: Any])
        #expect(overall["reports"] as? Int == 4)
        #expect(overall["rectified"] as? Int == 1)
        #expect(overall["explained"] as? Int == 1)
        // The page names its day of issue: the clock's day.
        let html = try gf([
            "report", "oilfield", "--report", "supervision_bulletin", "--period", "2024-Q3", "--format", "html",
            "--now", "2024-10-01T09:00:00+08:00",
        ])
        try expectGolden(html.stdout, "Tests/Golden/report/oilfield-2024-Q3.html")
        #expect(html.stdout.hasPrefix("<!DOCTYPE html>"))
        #expect(!html.stdout.contains("<script"), "one self-contained page")
        #expect(!html.stdout.contains("http"), "nothing fetched from elsewhere")
        // The second quarter holds only the first report.
        let earlier = try gf([
            "report", "oilfield", "--report", "supervision_bulletin", "--period", "2024-Q2", "--format", "csv",
        ])
        #expect(earlier.stdout.split(separator: "\n")[1].hasPrefix("all,all,1,"))
        let bad = try gf(["report", "oilfield", "--report", "supervision_bulletin", "--period", "2024-Q5"])
        #expect(bad.status == 2)
        // The telecom unit writes its own bulletin; with no telecom case every figure is empty.
        let telecom = try gf(["report", "telecom", "--report", "supervision_bulletin", "--period", "2024-Q3"])
        #expect(telecom.status == 0)
        #expect(telecom.stdout.contains("2024年第三季度共受理"), "in the unit's language: \(telecom.stdout)")
        #expect(telecom.stdout.contains("| 满意率 | — |\n"))
        // Its quarterly bulletin of the monthly supervision rounds (月督导、季通报) is a second one.
        let rounds = try gf(["report", "telecom", "--report", "supervision_rounds", "--period", "2024-Q3"])
        #expect(rounds.status == 0, "\(rounds.stderr)")
        #expect(rounds.stdout.contains("| 月督导完成率 | — |\n"), "\(rounds.stdout)")
        let unnamed = try gf(["report", "telecom", "--period", "2024-Q3"])
        #expect(unnamed.status == 2, "two bulletins: name one")
        let unknown = try gf(["report", "telecom", "--period", "2024-Q3", "--report", "bulletin"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr == "gridflow: error: unit 'telecom' has no report 'bulletin'\n")
    }
}
