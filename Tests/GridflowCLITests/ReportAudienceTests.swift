import Foundation
import Testing

/// A report that reads the reporter is for its audience only, and names no one whose
/// `visible_when` does not hold.
@Suite struct ReportAudienceTests: Workspace {
    let directory: URL
    /// The shipped oilfield and group units, and a report of reporters for two discipline roles.
    let root: URL

    init() throws {
        directory = try Self.makeFolder("report-audience")
        root = directory.appendingPathComponent("root")
        let files = FileManager.default
        for folder in ["Workflows/group", "Workflows/oilfield", "Rules/oilfield"] {
            let target = root.appendingPathComponent(folder)
            try files.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try files.copyItem(at: packageRoot.appendingPathComponent(folder), to: target)
        }
        try """
        kind: Report
        schema: 1
        unit: oilfield
        name: reporters
        workflow: issue
        audience: [plant_discipline_committee, discipline_office_staff]
        groups:
          - {name: reporter, by: 'has(case.reporter) ? case.reporter.name : "匿名"'}
        measures:
          - {name: reports, kind: count}

        """.write(
            to: root.appendingPathComponent("Rules/oilfield/reporters.yaml"), atomically: true, encoding: .utf8)
    }

    func run(_ arguments: [String]) throws -> Run {
        try gridflow(arguments + ["--root", root.path], in: directory)
    }

    /// zhang of the discipline committee, li a handler, and a real-name and an anonymous report
    /// by whistle-7Q.
    func reports() throws {
        let (people, report) = try writeWhistleblowerFiles()
        #expect(try run(["people", "import", "oilfield", people]).status == 0)
        let named = try run([
            "case", "open", "oilfield/issue", "--set", "team=opp_area_1_station_1", "--as", "whistle-7Q", "--data",
            report, "--now",
            "2024-07-01T09:00:00+08:00",
        ])
        #expect(named.status == 0, "\(named.stderr)")
        let anonymous = try run([
            "case", "open", "oilfield/issue", "--set", "team=opp_area_1_station_1", "--as", "whistle-7Q", "--set",
            "channel=qr_code", "--set",
            "description=y", "--now", "2024-07-02T09:00:00+08:00",
        ])
        #expect(anonymous.status == 0, "\(anonymous.stderr)")
    }

    @Test func onlyTheAudienceRunsAReportThatReadsTheReporter() throws {
        try reports()
        let period = ["report", "oilfield", "--report", "reporters", "--period", "2024-Q3"]
        let asHandler = try run(period + ["--as", "li"])
        #expect(asHandler.status == 1)
        #expect(
            asHandler.stderr
                == "gridflow: error: report reporters is for plant_discipline_committee, discipline_office_staff only (it reads 'reporter'): li does not act in one of those roles; run it --as a person who does\n",
            "\(asHandler.stderr)")
        #expect(asHandler.stdout.isEmpty)
        let anyone = try run(period + ["--format", "json"])
        #expect(anyone.status == 1)
        #expect(
            anyone.stderr
                == "gridflow: error: report reporters is for plant_discipline_committee, discipline_office_staff only (it reads 'reporter'): without --as, no one named acts in one of those roles; run it --as a person who does\n",
            "\(anyone.stderr)")
        // The anonymous report's reporter is hidden from everyone: it is counted, never named.
        let asCommittee = try run(period + ["--as", "zhang", "--format", "csv"])
        #expect(asCommittee.status == 0, "\(asCommittee.stderr)")
        #expect(
            asCommittee.stdout == "group,key,reports\nall,all,2\nreporter,‹hidden›,1\nreporter,举报人甲乙,1\n",
            "\(asCommittee.stdout)")
        // A report that reads no restricted field is anyone's.
        let bulletin = try run(["report", "oilfield", "--report", "supervision_bulletin", "--period", "2024-Q3"])
        #expect(bulletin.status == 0, "\(bulletin.stderr)")
    }

    /// A scenario is its designer's test data: its failures are said as the engine sees the case
    /// (through `CaseView`), the reporter's name included.
    @Test func aScenarioFailureSaysWhatIsStored() throws {
        let scenario = root.appendingPathComponent("Workflows/oilfield/tests/reporter.yaml")
        try """
        kind: Scenario
        schema: 1
        name: reporter
        workflow: issue
        people:
          whistle_7q:
            roles: [employee]
            fields: {name: 举报人甲乙, \(Self.oilfieldPerson.replacingOccurrences(of: "\"", with: ""))}
          zhang:
            roles: [plant_discipline_committee]
            fields: {team: opp_area_1_station_1}
        steps:
          - open: {as: whistle_7q, with: {channel: qr_code, description: x, team: opp_area_1_station_1, reporter: "@whistle_7q"}}
            expect: {fields: {reporter: "@zhang"}}

        """.write(to: scenario, atomically: true, encoding: .utf8)
        let failed = try run(["test", scenario.path])
        #expect(failed.status == 1)
        #expect(
            failed.stdout.contains(
                #", but it is {id: "whistle_7q", name: "举报人甲乙", roles: ["employee"], party_member: true, "#),
            "\(failed.stdout)")
    }
}
