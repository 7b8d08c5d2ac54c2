import Foundation
import GridflowExpressions
import GridflowRuntime
import GridflowStore
import Testing

/// Every output of a case goes through one redaction: the reporter of an oilfield issue is
/// seen by the discipline roles alone, in fields, history, guard traces and incidents.
@Suite struct RedactionTests: Workspace {
    let directory: URL

    init() throws {
        directory = try Self.makeFolder("redaction")
    }

    /// A directory of four and one real-name report by `whistle-7Q`, classified by zhang.
    func reportByWhistleblower() throws {
        let (people, report) = try writeWhistleblowerFiles()
        #expect(try gf(["people", "import", "oilfield", people]).status == 0)
        let opened = try gf([
            "case", "open", "oilfield/issue", "--set", "team=opp_area_1_station_1", "--as", "whistle-7Q", "--data",
            report, "--now",
            "2024-07-01T09:00:00+08:00",
        ])
        #expect(opened.status == 0, "\(opened.stderr)")
        let classified = try gf([
            "case", "act", "oilfield-issue-1", "classify", "--as", "zhang", "--set", "area=vital_interests", "--set",
            "report_type=problem", "--now", "2024-07-01T10:00:00+08:00",
        ])
        #expect(classified.status == 0, "\(classified.stderr)")
    }

    @Test func theOpenerOfAReportIsHiddenWhereItsReporterIs() throws {
        try reportByWhistleblower()
        let asHandler = try gf(["case", "show", "oilfield-issue-1", "--as", "li"])
        #expect(asHandler.stdout.contains("\n  0  2024-07-01T09:00:00+08:00  ‹hidden: reporter›  open  → submitted\n"))
        #expect(
            asHandler.stdout.contains(
                "  reporter: hidden from li (visible to discipline_office_staff, oilfield_discipline_committee, plant_discipline_committee)\n"
            ))
        #expect(!asHandler.stdout.contains("whistle-7Q") && !asHandler.stdout.contains("举报人甲乙"))
        let json = try gf(["case", "show", "oilfield-issue-1", "--as", "li", "--json"])
        #expect(json.stdout.contains(#""actor":null,"actor_hidden":"reporter","event":"open""#), "\(json.stdout)")
        #expect(!json.stdout.contains("whistle-7Q") && !json.stdout.contains("举报人甲乙"))
        // No one named sees no restricted field, and is told so.
        let anyone = try gf(["case", "show", "oilfield-issue-1"])
        #expect(
            anyone.stdout.contains("viewing without --as: restricted fields are hidden; name a viewer with --as ID\n"))
        #expect(!anyone.stdout.contains("whistle-7Q"))
        // The discipline committee sees who reported, and who opened the case.
        let asCommittee = try gf(["case", "show", "oilfield-issue-1", "--as", "zhang"])
        #expect(asCommittee.stdout.contains("  reporter: 举报人甲乙 (whistle-7Q)\n"))
        #expect(asCommittee.stdout.contains("  whistle-7Q  open  → submitted\n"))
    }

    @Test func aRefusedGuardMasksTheHiddenFieldsOfTheCase() throws {
        try reportByWhistleblower()
        // li works in finance; the report went to hr.
        let refused = try gf(["case", "act", "oilfield-issue-1", "claim", "--as", "li"])
        #expect(refused.status == 1)
        #expect(
            refused.stderr.hasPrefix(
                "gridflow: error: rejected: the guard of 'claim' does not hold: actor.department == case.department\n"))
        #expect(refused.stderr.contains(#"reporter: "‹hidden›""#), "\(refused.stderr)")
        #expect(!refused.stderr.contains("whistle-7Q") && !refused.stderr.contains("举报人甲乙"))
    }

    @Test func anIncidentOfTheReportersEventNamesNoOne() throws {
        try reportByWhistleblower()
        let store = try SQLiteCaseStore(
            path: directory.appendingPathComponent("gridflow.sqlite").path, opening: .existing)
        try store.record(
            Incident(code: "test", message: "rate failed for 'whistle-7Q' (举报人甲乙)", transition: "confirm"),
            caseID: "oilfield-issue-1", event: "confirm", input: [:],
            actor: Actor(id: "whistle-7Q", roles: ["employee"]),
            at: Instant("2024-07-02T09:00:00+08:00")!)
        let anyone = try gf(["incident", "list"])
        #expect(
            anyone.stdout
                == "#1  oilfield-issue-1  test  'confirm' by ‹hidden: reporter›  rate failed for '‹hidden›' (‹hidden›)\n1 open incident\n",
            "\(anyone.stdout)")
        let asCommittee = try gf(["incident", "list", "--as", "zhang", "--json"])
        #expect(asCommittee.stdout.contains(#""actor":"whistle-7Q""#), "\(asCommittee.stdout)")
        let shown = try gf(["case", "show", "oilfield-issue-1", "--as", "li"])
        #expect(shown.stdout.contains("  #1 test on 'confirm': rate failed for '‹hidden›' (‹hidden›)\n"))
    }

    /// Oilfield's reporter is `visible_when: has(case.reporter)`: an anonymous report's opener is
    /// hidden from the discipline roles too.
    @Test func anAnonymousReportHidesItsOpenerFromEveryone() throws {
        try reportByWhistleblower()
        let opened = try gf([
            "case", "open", "oilfield/issue", "--set", "team=opp_area_1_station_1", "--as", "whistle-7Q", "--set",
            "channel=qr_code", "--set",
            "description=y", "--now", "2024-07-01T09:00:00+08:00",
        ])
        #expect(opened.status == 0, "\(opened.stderr)")
        let asCommittee = try gf(["case", "show", "oilfield-issue-2", "--as", "zhang"])
        #expect(
            asCommittee.stdout.contains(
                "  reporter: hidden from zhang (visible to nobody (visible_when has(case.reporter) does not hold))\n"),
            "\(asCommittee.stdout)")
        #expect(asCommittee.stdout.contains("  ‹hidden: reporter›  open  → submitted\n"))
        #expect(!asCommittee.stdout.contains("whistle-7Q"))
        // The real-name report still shows its reporter to the committee.
        #expect(try gf(["case", "show", "oilfield-issue-1", "--as", "zhang"]).stdout.contains("whistle-7Q"))
    }

    /// Who opened a case is hidden by their id and directory name: when their directory entry
    /// cannot be read, the case is not shown (rather than shown without hiding them).
    @Test func aCaseWhoseOpenerCannotBeReadIsNotShown() throws {
        try reportByWhistleblower()
        // An anonymous report: nothing but who opened it says who reported.
        let opened = try gf([
            "case", "open", "oilfield/issue", "--set", "team=opp_area_1_station_1", "--as", "whistle-7Q", "--set",
            "channel=qr_code", "--set", "description=y", "--now", "2024-07-01T09:00:00+08:00",
        ])
        #expect(opened.status == 0, "\(opened.stderr)")
        let path = directory.appendingPathComponent("gridflow.sqlite").path
        let store = try SQLiteCaseStore(path: path, opening: .existing)
        try store.record(
            Incident(code: "test", message: "rate failed for 举报人甲乙", transition: nil),
            caseID: "oilfield-issue-2", event: "confirm", input: [:], actor: .system,
            at: Instant("2024-07-02T09:00:00+08:00")!)
        let readable = try gf(["case", "show", "oilfield-issue-2", "--as", "zhang"])
        #expect(readable.status == 0 && readable.stdout.contains("rate failed for ‹hidden›"), "\(readable.stdout)")
        #expect(
            try CaseCommandTests.sqlite(path, "UPDATE people SET record = '{\"name\": ' WHERE id = 'whistle-7Q'") == 1)
        for json in [false, true] {
            let shown = try gf(["case", "show", "oilfield-issue-2", "--as", "zhang"] + (json ? ["--json"] : []))
            #expect(shown.status == 2)
            #expect(
                shown.stderr
                    == "gridflow: error: case oilfield-issue-2: the directory entry of who opened it is not valid JSON: it cannot be read to hide them\n",
                "\(shown.stderr)")
            #expect(!shown.stdout.contains("举报人甲乙") && !shown.stderr.contains("whistle-7Q"), "\(shown.stdout)")
        }
    }
}
