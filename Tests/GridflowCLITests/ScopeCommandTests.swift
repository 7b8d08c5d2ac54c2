import Foundation
import Testing

/// Role scopes on the command line: a holder acts where their scope reaches and is told why not
/// elsewhere; `case list --as` shows what they may do on each case, and no field of it.
@Suite struct ScopeCommandTests: Workspace {
    let directory: URL

    init() throws {
        directory = try Self.makeFolder("scope")
    }

    @Test func aCommitteeOfAnotherPlantIsRefusedAndListsNothingToDo() throws {
        func person(_ id: String, _ role: String, team: String?) -> String {
            #"{"id": "\#(id)", "name": "\#(id)名", "roles": ["\#(role)"], "#
                + Self.oilfieldPerson.replacingOccurrences(
                    of: #", "team": "opp_area_1_station_1""#, with: team.map { #", "team": "\#($0)""# } ?? "") + "}"
        }
        let people = try write(
            "people.json",
            "["
                + [
                    person("wang", "employee", team: "opp_area_1_station_1"),
                    person("zhang", "plant_discipline_committee", team: "oil_production_plant"),
                    person("qian", "plant_discipline_committee", team: "fuling_shale_gas"),
                    person("sun", "plant_discipline_committee", team: nil),
                ].joined(separator: ", ") + "]")
        #expect(try gf(["people", "import", "oilfield", people]).status == 0)
        let opened = try gf([
            "case", "open", "oilfield/issue", "--as", "wang", "--set", "channel=qr_code", "--set", "description=x",
            "--set", "team=opp_area_1_station_1", "--now", "2024-07-01T09:00:00+08:00",
        ])
        #expect(opened.status == 0, "\(opened.stderr)")

        let mine = try gf(["case", "list", "--as", "zhang"])
        #expect(
            mine.stdout.contains(
                "oilfield-issue-1  oilfield/issue  submitted  v0  2024-07-01T09:00:00+08:00  may: classify\n"))
        let theirs = try gf(["case", "list", "--as", "qian", "--json"])
        #expect(theirs.status == 0)
        #expect(theirs.stdout.contains(#""actions":[]"#), "\(theirs.stdout)")
        // The list names no one: not the opener, whose id and name only `case show` might print.
        #expect(!theirs.stdout.contains("wang") && !mine.stdout.contains("wang"))

        let classify = ["classify", "--set", "area=off_duty", "--set", "report_type=problem"]
        let away = try gf(["case", "act", "oilfield-issue-1"] + classify + ["--as", "qian"])
        #expect(away.status == 1)
        #expect(
            away.stderr
                == "gridflow: error: rejected: 'qian' may not fire 'classify' in state 'submitted'; 'qian' holds plant_discipline_committee (scope: plant) at fuling_shale_gas, and the case is at opp_area_1_station_1\n"
        )
        let nowhere = try gf(["case", "act", "oilfield-issue-1"] + classify + ["--as", "sun"])
        #expect(
            nowhere.stderr
                == "gridflow: error: rejected: 'sun' may not fire 'classify' in state 'submitted'; 'sun' holds plant_discipline_committee (scope: plant) nowhere: no team in the directory and no appointment at a node\n"
        )
        // Nothing was written by the refusals.
        #expect(try gf(["case", "show", "oilfield-issue-1", "--json"]).stdout.contains(#""version":0"#))
        let home = try gf(["case", "act", "oilfield-issue-1"] + classify + ["--as", "zhang"])
        #expect(home.status == 0, "\(home.stderr)")
    }

    @Test func aReportAtANodeThatIsNotInTheTreeIsRefusedAndNothingIsWritten() throws {
        try importOilfieldPeople()
        let opened = try gf([
            "case", "open", "oilfield/issue", "--as", "wang", "--role", "employee", "--set", "channel=qr_code",
            "--set", "description=x", "--set", "team=no_such_station",
        ])
        // The report's team is an org node: a name that is none is refused as the field's value.
        #expect(opened.status == 1)
        #expect(
            opened.stderr.hasPrefix(
                "gridflow: error: rejected: field 'team': 'no_such_station' is not a value of org node (values: jianghan_oilfield, "
            ),
            "\(opened.stderr)")
        #expect(try gf(["case", "list"]).stdout == "0 cases\n")
    }
}
