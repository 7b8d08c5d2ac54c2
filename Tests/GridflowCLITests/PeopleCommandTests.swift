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
            #"{"id": "\#(id)", "name": "\#(id)", "party_member": true, "branch_committee_member": false, "leadership_member": false, "key_post": "none", "party_rep": false, "worker_rep": true, "union_rep": false, "politically_reliable": true, "frontline_familiar": true, "performance": {"2023": "good"}"#
        if let roles { text += #", "roles": [\#(roles.map { "\"\($0)\"" }.joined(separator: ", "))]"# }
        if let department { text += #", "department": "\#(department)""# }
        return text + extra + "}"
    }

    @Test func badDirectoriesAreRefusedWholeAndSayWhere() throws {
        let cases: [(String, String, Int32)] = [
            (
                "[\n  {\"id\": \"wang\",\n   \"name\": 王}\n]",
                "broken.json:3:12: not valid JSON: expected a JSON value", 2
            ),
            ("{\"id\": \"wang\"}", "the people file must be a JSON array of person objects, not an object", 1),
            (
                "[" + Self.person("wang") + ", {\"id\": \"li\", \"name\": \"li\"}]",
                "person [1]: li.party_member is missing; nothing was imported", 1
            ),
            (
                "[" + Self.person("wang", roles: ["grid_membr"]) + "]",
                "person [0]: wang.roles: unit 'oilfield' has no role 'grid_membr'; did you mean 'grid_member'?", 1
            ),
            (
                "[" + Self.person("wang") + ", " + Self.person("wang") + "]",
                "person [1] repeats the id 'wang' of person [0]", 1
            ),
            ("[" + Self.person("wang", extra: #", "age": 40"#) + "]", "wang has no field 'age'", 1),
            ("[" + Self.person("wang", extra: #", "key_post": "boss""#) + "]", "duplicate key 'key_post'", 2),
        ]
        for (index, (text, message, status)) in cases.enumerated() {
            let path = try write(index == 0 ? "broken.json" : "people\(index).json", text)
            let run = try gf(["people", "import", "oilfield", path])
            #expect(run.status == status, "\(text)")
            #expect(run.stderr.contains(message), "\(run.stderr)")
        }
        let list = try gf(["people", "list", "oilfield"])
        #expect(list.stdout == "0 people\n")
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
        let opened = try gf([
            "case", "open", "oilfield/issue", "--as", "wang", "--set", "channel=qr_code", "--set", "description=x",
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
