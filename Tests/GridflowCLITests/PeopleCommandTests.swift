import Foundation
import Testing

/// `gridflow people` and acting as a person of the directory, run as a user would.
@Suite struct PeopleCommandTests: Workspace {
    let directory: URL

    init() throws {
        directory = try Self.makeFolder("people")
    }

    static func person(_ id: String, roles: [String]? = nil, department: String? = nil, extra: String = "") -> String {
        var text =
            #"{"id": "\#(id)", "name": "\#(id)", "party_member": true, "branch_committee_member": false, "leadership_member": false, "key_post": "none", "party_rep": false, "worker_rep": true, "union_rep": false, "frontline_familiar": true, "performance": {"2023": "good"}"#
        if let roles { text += #", "roles": [\#(roles.map { "\"\($0)\"" }.joined(separator: ", "))]"# }
        if let department { text += #", "department": "\#(department)""# }
        // Where scoped roles are held: the plant, work area and team of this station.
        text += #", "team": "opp_area_1_station_1""#
        return text + extra + "}"
    }

    @Test func badDirectoriesAreRefusedWholeAndSayWhere() throws {
        let cases: [(String, String, Int32)] = [
            (
                "[\n  {\"id\": \"wang\",\n   \"name\": 王}\n]",
                "broken.json:3:12: not valid JSON: expected a JSON value", 2
            ),
            (
                "{\"id\": \"wang\"}",
                "people1.json:1:1: the people file must be a JSON array of person objects, not an object\n", 1
            ),
            (
                // Every person field of the shipped units has a default; a name is always required.
                "[" + Self.person("wang") + ", {\"id\": \"li\"}]",
                "people2.json:1:\(Self.person("wang").count + 4): name: missing; every person has a name\n", 1
            ),
            (
                "[" + Self.person("wang", roles: ["grid_membr"]) + "]",
                "roles[0]: unit 'oilfield' has no role 'grid_membr'; did you mean 'grid_member'?\n", 1
            ),
            (
                "[" + Self.person("wang") + ",\n " + Self.person("wang") + "]",
                "people4.json:2:9: id: 'wang' is the id of person [0] already\n", 1
            ),
            (
                "[" + Self.person("wang", extra: #", "age": 40"#) + "]",
                "age: not a person field of oilfield; fields: party_member, branch_committee_member, leadership_member, key_post, party_rep, worker_rep, union_rep, frontline_familiar, last_sanction, performance, department, shift, team\n",
                1
            ),
            ("[" + Self.person("wang", extra: #", "key_post": "boss""#) + "]", "duplicate key 'key_post'", 2),
        ]
        for (index, (text, message, status)) in cases.enumerated() {
            let name = index == 0 ? "broken.json" : "people\(index).json"
            _ = try write(name, text)
            let run = try gf(["people", "import", "oilfield", name])
            #expect(run.status == status, "\(text)")
            #expect(run.stderr.contains(message), "\(run.stderr)")
        }
        // Nothing was imported, and no store was created.
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("gridflow.sqlite").path))
        #expect(try gf(["people", "list", "oilfield"]).status == 2)
    }

    /// Every record is checked against the unit's person fields, roles and org: each kind of
    /// invalid value is named at its line and column with its path, all at once, and nothing is
    /// imported — no store is created, and an existing one keeps its people.
    @Test func importListsEveryInvalidValueAndImportsNothing() throws {
        let text = """
            [
              {"id": "wang", "name": "王", "party_member": true, "branch_committee_member": false,
               "leadership_member": false, "key_post": "boss", "party_rep": false, "worker_rep": true,
               "union_rep": false, "frontline_familiar": "yes",
               "performance": {"2023": "superb", "2022": "good", "last": "good"},
               "team": "nowhere", "shift": "shift_z", "department": "hrr"},
              {"id": "system", "name": "s", "roles": ["system", "employee"]},
              {"id": "a1' OR '1'='1", "name": 3},
              {"id": "", "name": "nobody"},
              "li"
            ]
            """
        _ = try write("people.json", text)
        let run = try gf(["people", "import", "oilfield", "people.json"])
        #expect(run.status == 1)
        #expect(
            run.stderr == """
                people.json:3:44: key_post: 'boss' is not one of none, personnel, finance, procurement, materials
                people.json:4:46: frontline_familiar: must be true or false, not a string
                people.json:5:28: performance["2023"]: 'superb' is not one of excellent, good, qualified, unqualified
                people.json:5:62: performance["last"]: the key 'last' is not a whole number
                people.json:6:12: team: 'nowhere' is not an org node of oilfield
                people.json:6:32: shift: 'shift_z' is not a shift of oilfield (day, shift_a, shift_b, shift_c); did you mean 'shift_a'?
                people.json:6:57: department: 'hrr' is not a department of oilfield (oilfield_discipline_committee, party_committee, plant_party_committee, discipline_committee, discipline_office, production, hr, finance, procurement, safety, trade_union); did you mean 'hr'?
                people.json:7:10: id: 'system' is the engine's own id (timers, signals, effects); no person can have it
                people.json:7:43: roles[0]: 'system' is the engine's own role (timers, signals, effects); no person can hold it
                people.json:8:10: id: 'a1' OR '1'='1' is not a person's id: 1 to 64 letters (A-Z, a-z), digits, '.', '_' or '-', starting with a letter or digit
                people.json:8:35: name: must be a string, not a number
                people.json:9:10: id: a person's id cannot be empty
                people.json:10:3: a person is a JSON object, not a string
                gridflow: error: people.json: 13 problems; nothing was imported

                """)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["people.json"])

        // With a store: its people are left as they were.
        _ = try write("good.json", "[" + Self.person("zhang", roles: ["plant_discipline_committee"]) + "]")
        #expect(try gf(["people", "import", "oilfield", "good.json"]).status == 0)
        let before = try gf(["people", "list", "oilfield", "--json"]).stdout
        let again = try gf(["people", "import", "oilfield", "people.json", "--replace"])
        #expect(again.status == 1)
        #expect(again.stderr.hasSuffix("gridflow: error: people.json: 13 problems; nothing was imported\n"))
        #expect(try gf(["people", "list", "oilfield", "--json"]).stdout == before)
    }

    @Test func peopleActInTheRolesTheDirectoryGivesThem() throws {
        let people = try write(
            "people.json",
            "[" + Self.person("wang") + ", " + Self.person("zhang", roles: ["plant_discipline_committee"]) + ", "
                + Self.person("he", department: "discipline_office") + "]")
        let imported = try gf(["people", "import", "oilfield", people])
        #expect(imported.stdout == "imported 3 people into oilfield\n")
        let list = try gf(["people", "list", "oilfield"])
        #expect(
            list.stdout
                == "he  discipline_office_staff, employee\nwang  employee\nzhang  employee, plant_discipline_committee\n3 people\n"
        )

        // wang holds `employee` through its held_by ("true"), so he may report without --role.
        // A real-name report (an anonymous one shows its reporter to nobody).
        let report = try write(
            "report.json",
            #"{"channel": "qr_code", "description": "x", "reporter": {"id": "wang"}}"#)
        let opened = try gf([
            "case", "open", "oilfield/issue", "--set", "team=opp_area_1_station_1", "--as", "wang", "--data", report,
            "--json",
        ])
        #expect(opened.status == 0, "\(opened.stderr)")
        let id = try #require(
            (try JSONSerialization.jsonObject(with: Data(opened.stdout.utf8)) as? [String: Any])?["id"] as? String)

        let claimed = try gf([
            "case", "act", id, "classify", "--as", "wang", "--role", "plant_discipline_committee", "--set",
            "area=off_duty",
        ])
        #expect(claimed.status == 1)
        #expect(
            claimed.stderr
                == "gridflow: error: rejected: 'wang' does not hold the role plant_discipline_committee in oilfield; they hold employee\n"
        )
        let stranger = try gf(["case", "act", id, "classify", "--as", "li", "--role", "plant_discipline_committee"])
        #expect(stranger.status == 2)
        #expect(stranger.stderr.contains("no person 'li' in the directory of oilfield"))
        let unknownRole = try gf(["case", "show", id, "--as", "zhang", "--role", "plant_disciplne_committee"])
        #expect(unknownRole.status == 2)
        #expect(unknownRole.stderr.contains("did you mean 'plant_discipline_committee'?"))

        // The office clerk sees the reporter through a role held by department; wang does not.
        let asClerk = try gf(["case", "show", id, "--as", "he"])
        #expect(!asClerk.stdout.contains("reporter: hidden"))
        let asWang = try gf(["case", "show", id, "--as", "wang"])
        #expect(asWang.stdout.contains("reporter: hidden from wang"))

        let classified = try gf([
            "case", "act", id, "classify", "--as", "zhang", "--set", "area=vital_interests", "--set",
            "report_type=problem",
        ])
        #expect(classified.status == 0, "\(classified.stderr)")
        #expect(classified.stdout.contains("state awaiting_claim"))

        // --replace leaves only the people of the new file.
        let replaced = try gf([
            "people", "import", "oilfield", try write("one.json", "[" + Self.person("wang") + "]"), "--replace",
        ])
        #expect(replaced.stdout == "imported 1 person into oilfield (directory replaced)\n")
        #expect(try gf(["people", "list", "oilfield"]).stdout == "wang  employee\n1 person\n")
    }
}
