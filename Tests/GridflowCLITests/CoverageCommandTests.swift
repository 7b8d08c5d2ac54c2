import Foundation
import Testing

/// `gridflow coverage` on the shipped oilfield rule (every team, every shift), run as a user would.
@Suite struct CoverageCommandTests: Workspace {
    let directory: URL

    init() throws {
        directory = try Self.makeFolder("coverage")
    }

    static func person(_ id: String, roles: [String], team: String? = nil, shift: String? = nil) -> String {
        var text =
            #"{"id": "\#(id)", "name": "\#(id)", "roles": [\#(roles.map { "\"\($0)\"" }.joined(separator: ", "))], "party_member": true, "branch_committee_member": false, "leadership_member": false, "key_post": "none", "party_rep": false, "worker_rep": true, "union_rep": false, "frontline_familiar": true, "performance": {"2023": "good"}"#
        if let team { text += #", "team": "\#(team)""# }
        if let shift { text += #", "shift": "\#(shift)""# }
        return text + "}"
    }

    @Test func gapsAreListedUntilAnAppointmentFillsTheLast() throws {
        // No one appointed: every shift of every team is a gap.
        #expect(try gf(["people", "import", "oilfield", try write("nobody.json", "[]")]).status == 0)
        let empty = try gf(["coverage", "oilfield", "--json"])
        #expect(empty.status == 1)
        #expect(empty.stderr == "gridflow: error: 26 gaps in coverage\n")
        let rules = try #require(try JSONSerialization.jsonObject(with: Data(empty.stdout.utf8)) as? [[String: Any]])
        let gaps = try #require(rules.first?["gaps"] as? [[String: Any]])
        #expect(gaps.count == 26)
        let places = gaps.map { ($0["node"] as! String, $0["shift"] as! String) }

        // Grid members in the directory cover all but the last place.
        var people = places.dropLast().enumerated().map { index, place in
            Self.person("m\(index)", roles: ["grid_member"], team: place.0, shift: place.1)
        }
        let (node, shift) = places.last!
        people += [
            // The branch and the committee of the place's work area and plant (their roles' scopes).
            Self.person("li", roles: ["branch_secretary"], team: node),
            Self.person("zhang", roles: ["plant_discipline_committee"], team: node),
            Self.person("wang", roles: [], team: node, shift: shift),
            Self.person("stray", roles: ["grid_member"], team: "opp_area_1", shift: "day"),
        ]
        let file = directory.appendingPathComponent("people.json")
        try ("[" + people.joined(separator: ",\n") + "]").write(to: file, atomically: true, encoding: .utf8)
        #expect(try gf(["people", "import", "oilfield", file.path]).status == 0)
        let one = try gf(["coverage", "oilfield"])
        #expect(one.status == 1)
        #expect(
            one.stdout == """
                coverage grid_member_coverage of oilfield: every shift of every team needs a grid_member; 25 of 26 covered
                  gap  \(node) (现场监督二班), shift \(shift): no grid_member
                  note  stray holds grid_member at 'opp_area_1', shift 'day', which covers no place of this rule

                """)

        // Select wang for that place; the approval's appointment, performed by tick, covers it.
        let opened = try gf([
            "case", "open", "oilfield/selection", "--as", "li", "--set", "route=organisation_assignment", "--set",
            "candidate=@wang", "--set", "team=\(node)", "--set",
            "shift=\(shift)", "--json",
        ])
        #expect(opened.status == 0, "\(opened.stderr)")
        let id = try #require(
            (try JSONSerialization.jsonObject(with: Data(opened.stdout.utf8)) as? [String: Any])?["id"] as? String)
        #expect(try gf(["case", "act", id, "assess", "--as", "li"]).status == 0)
        #expect(try gf(["case", "act", id, "submit", "--as", "li", "--set", "nomination_note=x"]).status == 0)
        let approved = try gf(["case", "act", id, "approve", "--as", "zhang", "--set", "decision_note=同意"])
        #expect(approved.status == 0, "\(approved.stderr)")
        #expect(try gf(["coverage", "oilfield"]).status == 1, "not before the outbox is drained")
        #expect(try gf(["tick"]).status == 0)
        let full = try gf(["coverage", "oilfield", "--all"])
        #expect(full.status == 0, "\(full.stdout)")
        #expect(full.stdout.contains("  ok   \(node) (现场监督二班), shift \(shift): wang (appointed by \(id))\n"))
        let members = try gf(["people", "list", "oilfield", "--role", "grid_member"])
        #expect(members.stdout.contains("wang  employee, grid_member\n"))
    }

    @Test func aUnitWithoutRulesHasNothingToCover() throws {
        let run = try gf(["coverage", "telecom"])
        #expect(run.status == 0)
        #expect(run.stdout == "telecom has no coverage rules\n")
    }
}
