import Foundation
import Testing

/// The engine binds who did what: people in input are named by id and taken from the
/// directory, the reporter is whoever opens the report, a stored person is complete, and a rule
/// that needs today's facts reads the directory's current record — as a user meets it.
@Suite struct BindingTests: Workspace {
    let directory: URL

    init() throws {
        directory = try Self.makeFolder("binding")
    }

    /// An oilfield directory: wang and li report, zhang classifies, sun is a branch secretary;
    /// all of the first plant.
    func importPeople(leadership: Bool = false) throws {
        let people = try write(
            "people.json",
            #"""
            [{"id": "wang", "name": "王五", "roles": ["employee"], "team": "opp_area_1_station_1", "party_member": true,
              "leadership_member": \#(leadership)},
             {"id": "li", "name": "李四", "roles": ["employee"], "team": "opp_area_1_station_1"},
             {"id": "zhang", "name": "张三", "roles": ["plant_discipline_committee"], "team": "opp_area_1_station_1",
              "department": "discipline_committee"},
             {"id": "sun", "name": "孙", "roles": ["branch_secretary"], "team": "opp_area_1_station_1"}]
            """#)
        let run = try gf(["people", "import", "oilfield", people, "--replace"])
        #expect(run.status == 0, "\(run.stderr)")
    }

    /// Replaces `old` by `new` in the file, as a designer edits it.
    func edit(_ file: URL, _ old: String, _ new: String) throws {
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.contains(old), "\(file.lastPathComponent) has no '\(old)'")
        try text.replacingOccurrences(of: old, with: new).write(to: file, atomically: true, encoding: .utf8)
    }

    func caseCount() throws -> Int {
        let list = try gf(["case", "list", "--json"])
        #expect(list.status == 0, "\(list.stderr)")
        let page = try? JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any]
        return (page?["cases"] as? [Any])?.count ?? -1
    }

    @Test func peopleInInputAreTheDirectorysAndTheReporterIsWhoeverOpens() throws {
        try importPeople()
        let open = [
            "case", "open", "oilfield/issue", "--as", "wang", "--set", "channel=qr_code", "--set", "description=x",
            "--set", "team=opp_area_1_station_1",
        ]
        let refusals: [([String], String)] = [
            (
                ["--set", "reporter=@li"],
                "gridflow: error: rejected: field 'reporter' is whoever opens the case, so 'wang' may not name 'li'; leave it out (anonymous) or name yourself\n"
            ),
            (
                ["--set", "reporter=@ghost"],
                "gridflow: error: rejected: reporter: no person 'ghost' in the directory of oilfield\n"
            ),
            (
                [
                    "--data",
                    try write(
                        "forged.json", #"{"reporter": {"id": "wang", "roles": ["oilfield_discipline_committee"]}}"#),
                ],
                "gridflow: error: rejected: reporter: a person is given by id alone, not with 'roles'; the record comes from the directory\n"
            ),
            (
                ["--set", "reporter=@a1' OR '1'='1"],
                "gridflow: error: rejected: reporter: 'a1' OR '1'='1' is not a person's id: 1 to 64 letters (A-Z, a-z), digits, '.', '_' or '-', starting with a letter or digit\n"
            ),
            (
                ["--set", "reporter=42"],
                "gridflow: error: rejected: reporter: a person is given by id, as {\"id\": \"ID\"} or \"@ID\", not a number\n"
            ),
        ]
        for (arguments, message) in refusals {
            let run = try gf(open + arguments)
            #expect(run.status == 1, "\(arguments)")
            #expect(run.stderr == message)
        }
        // Nothing was written.
        #expect(try caseCount() == 0)

        // Named by id, the reporter is the directory's record.
        let named = try gf(open + ["--set", "reporter=@wang", "--json"])
        #expect(named.status == 0, "\(named.stderr)")
        // (A refused opening may have used up an id: ids are unique, not gapless.)
        let id = try #require(
            (try JSONSerialization.jsonObject(with: Data(named.stdout.utf8)) as? [String: Any])?["id"] as? String)
        let shown = try gf(["case", "show", id, "--as", "zhang", "--json"])
        #expect(shown.status == 0, "\(shown.stderr)")
        let fields = (try? JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])?["fields"]
        let reporter = (fields as? [String: Any])?["reporter"] as? [String: Any]
        #expect(reporter?["name"] as? String == "王五")
        #expect(reporter?["party_member"] as? Bool == true)
        // A field the import left out holds the unit's default: the stored person is complete.
        #expect(reporter?["key_post"] as? String == "none")
        #expect(reporter?["performance"] as? [String: Any] != nil)
        // The same by JSON.
        let json = try gf(open + ["--data", try write("report.json", #"{"reporter": {"id": "wang"}}"#)])
        #expect(json.status == 0, "\(json.stderr)")
        // Anonymous: no reporter at all.
        #expect(try gf(open).status == 0)
        #expect(try caseCount() == 3)
    }

    /// A post recorded in the directory after the branch assessed the candidate is seen when the
    /// committee approves: the approval checks the exclusions on the current record.
    @Test func aPostRecordedAfterNominationIsSeenAtTheCommittee() throws {
        try importPeople()
        let opened = try gf([
            "case", "open", "oilfield/selection", "--as", "sun", "--set", "route=organisation_assignment", "--set",
            "candidate=@wang", "--set", "team=opp_area_1_station_1", "--set", "shift=shift_a",
        ])
        #expect(opened.status == 0, "\(opened.stderr)")
        for step in [["assess"], ["submit", "--set", "nomination_note=x"]] {
            let run = try gf(["case", "act", "oilfield-selection-1"] + step + ["--as", "sun"])
            #expect(run.status == 0, "\(step): \(run.stderr)")
        }
        // wang joins the leadership: the case still holds the record as it was when nominated.
        try importPeople(leadership: true)
        let approve = ["case", "act", "oilfield-selection-1", "approve", "--as", "zhang", "--set", "decision_note=同意"]
        let refused = try gf(approve)
        #expect(refused.status == 1)
        #expect(
            refused.stderr.hasPrefix("gridflow: error: rejected: the guard of 'approve' does not hold"),
            "\(refused.stderr)")
        let shown = try gf(["case", "show", "oilfield-selection-1", "--as", "zhang", "--json"])
        #expect(
            (try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])?["state"] as? String
                == "committee_review")
        // Back out of the leadership, the approval goes through.
        try importPeople(leadership: false)
        let approved = try gf(approve)
        #expect(approved.status == 0, "\(approved.stderr)")
    }

    /// A person field without a default must be given, in an import and in a scenario; one
    /// with a default takes it. The unit is written here, as a designer would.
    @Test func aStoredPersonIsComplete() throws {
        let root = directory.appendingPathComponent("defs")
        let unit = root.appendingPathComponent("Workflows/tiny")
        try FileManager.default.createDirectory(
            at: unit.appendingPathComponent("tests"), withIntermediateDirectories: true)
        try """
        kind: Unit
        schema: 1
        name: tiny
        timezone: Asia/Shanghai
        calendar: {working_days: [mon, tue, wed, thu, fri]}
        org: {levels: [{name: all}], tree: {name: all}}
        roles: {member: {title: Member}}
        people:
          fields:
            grade: {type: enum, values: [a, b], required: true}
            senior: {type: bool, required: true, default: false}
            since: {type: date, required: true, default: 5}
        """.write(to: unit.appendingPathComponent("unit.yaml"), atomically: true, encoding: .utf8)
        let workflow = """
            kind: Workflow
            schema: 1
            unit: tiny
            name: note
            started_by: [member]
            fields:
              author: {type: person, opener: true, required: true}
            states:
              open: {initial: true}
              done: {final: true}
            transitions:
              finish: {from: open, to: done, role: member, guard: not case.author.senior}
            """
        try workflow.write(to: unit.appendingPathComponent("note.yaml"), atomically: true, encoding: .utf8)
        // A default that does not fit its field is a load error at its place.
        let invalid = try gridflow(["validate", "Workflows/tiny"], in: root)
        #expect(invalid.status == 1)
        #expect(
            invalid.stdout.contains(
                "Workflows/tiny/unit.yaml:12:50: error: the default of person field 'since' does not fit it: since must be date, not a number\n"
            ), "\(invalid.stdout)")
        try edit(unit.appendingPathComponent("unit.yaml"), "default: 5", "default: 2024-01-01")
        #expect(try gridflow(["validate", "Workflows/tiny"], in: root).status == 0)

        let people = try write("tiny.json", #"[{"id": "wang", "name": "王", "roles": ["member"]}]"#)
        let refused = try gridflow(["people", "import", "tiny", people, "--root", root.path], in: directory)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("tiny.json:1:2: missing the required field grade\n"), "\(refused.stderr)")

        try """
        kind: Scenario
        schema: 1
        name: partial
        workflow: note
        start: 2024-07-01T09:00:00+08:00
        people:
          wang: {roles: [member]}
        steps:
          - open: {as: wang}
            expect: {state: open, fields: {author: "@wang"}}
          - act: {event: finish, as: wang}
            expect: {state: done}
        """.write(to: unit.appendingPathComponent("tests/partial.yaml"), atomically: true, encoding: .utf8)
        let partial = try gridflow(["test", "Workflows/tiny/tests", "--root", root.path], in: root)
        #expect(partial.status == 1)
        #expect(
            partial.stdout.contains(
                "Workflows/tiny/tests/partial.yaml:7:3: error: person 'wang' leaves out the required field grade; give them here or a 'default:' on the unit's people field"
            ), "\(partial.stdout)")
        try edit(
            unit.appendingPathComponent("tests/partial.yaml"), "wang: {roles: [member]}",
            "wang: {roles: [member], fields: {grade: a}}")
        // The opener fills the required author; senior takes its default, so finish's guard holds.
        let passing = try gridflow(["test", "Workflows/tiny/tests", "--root", root.path], in: root)
        #expect(passing.status == 0, "\(passing.stdout)")
    }
}
