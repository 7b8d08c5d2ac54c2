import Foundation
import GridflowStore
import Testing

/// `gridflow appraise` on the shipped telecom appraisal, run as a user would on a real store.
@Suite struct AppraiseCommandTests: Workspace {
    let directory: URL

    init() throws {
        directory = try Self.makeFolder("appraise")
    }

    static let attributes =
        #""party_member": true, "branch_committee_member": false, "leadership_member": false, "key_post": "none", "party_rep": false, "worker_rep": false, "union_rep": false, "frontline_familiar": true, "performance": {"2023": "good"}"#

    static func person(_ id: String, _ name: String, _ roles: [String], team: String = "haicheng_central_grid")
        -> String
    {
        #"{"id": "\#(id)", "name": "\#(name)", "roles": [\#(roles.map { "\"\($0)\"" }.joined(separator: ", "))], "team": "\#(team)", \#(attributes)}"#
    }

    /// Three supervisors, one per package, a clerk, and zhou of the discipline committee office,
    /// the appraisal's audience (its facts count reports by their reporter); wang reports six
    /// real-name problems in the third quarter (and one in the second, which does not count).
    /// The quarter's duty feedback and training are cases zhou opens: wang uploads on time with
    /// supporting material, attends and scores 95; li uploads late, attends and scores 80; zhao
    /// uploads late (with supporting material and a warning-education record) and misses the
    /// training. Only the committee's judgement is imported: wang's
    /// one good case.
    func setUp() throws {
        let people = try write(
            "people.json",
            "["
                + [
                    Self.person("wang", "王强", ["grid_supervisor"]), Self.person("li", "李娜", ["team_supervisor"]),
                    Self.person("zhao", "赵磊", ["branch_discipline_member"]), Self.person("sun", "孙平", []),
                    Self.person("zhou", "周敏", ["discipline_committee_office"], team: "beihai_branch")
                        .replacingOccurrences(
                            of: "\"roles\"", with: "\"department\": \"discipline_office\", \"roles\""),
                ].joined(separator: ",\n") + "]")
        #expect(try gf(["people", "import", "telecom", people]).status == 0)
        for (index, day) in [
            "2024-06-28", "2024-07-01", "2024-07-15", "2024-08-01", "2024-08-20", "2024-09-02", "2024-09-30",
        ]
        .enumerated() {
            let report = try write(
                "report\(index).json",
                #"{"report_type": "problem", "area": "vital_interests", "business_line": "network", "description": "问题\#(index)", "real_name": true, "reporter": {"id": "wang"}}"#
            )
            let opened = try gf([
                "case", "open", "telecom/issue", "--as", "wang", "--data", report, "--now", day + "T09:00:00+08:00",
            ])
            #expect(opened.status == 0, "\(opened.stderr)")
        }
        /// Runs a case command at 09:00 on `day` and returns the case's id.
        @discardableResult func run(_ arguments: [String], _ day: String, _ data: String = "{}") throws -> String {
            let file = try write("data.json", data)
            let run = try gf(["case"] + arguments + ["--data", file, "--now", day + "T09:00:00+08:00"])
            #expect(run.status == 0, "\(arguments): \(run.stderr)")
            return String(run.stdout.dropFirst("case ".count).prefix { $0 != " " })
        }
        var feedback: [String: String] = [:]
        var training: [String: String] = [:]
        for (person, role) in [
            ("wang", "grid_supervisor"), ("li", "team_supervisor"), ("zhao", "branch_discipline_member"),
        ] {
            let with =
                #"{"supervisor": {"id": "\#(person)"}, "position_role": "\#(role)", "team": "haicheng_central_grid"}"#
            feedback[person] = try run(["open", "telecom/duty_feedback", "--as", "zhou"], "2024-07-08", with)
            training[person] = try run(["open", "telecom/quarterly_training", "--as", "zhou"], "2024-07-08", with)
        }
        try run(
            ["act", feedback["wang"]!, "submit", "--as", "wang"], "2024-07-12",
            #"{"duty_material": "履职材料.docx", "supporting_materials": ["支撑材料.pdf"], "warning_education_records": ["警示教育记录.docx", "警示教育记录2.docx"]}"#
        )
        for (person, score) in [("wang", 95), ("li", 80)] {
            try run(
                ["act", training[person]!, "attend", "--as", "zhou"], "2024-07-15", #"{"training_date": "2024-07-15"}"#)
            try run(
                ["act", training[person]!, "record_exam", "--as", "zhou"], "2024-07-22", #"{"exam_score": \#(score)}"#)
        }
        // The ten working days of the feedback and the four weeks of the training pass.
        let tick = try gf(["tick", "--now", "2024-08-10T09:00:00+08:00"])
        #expect(tick.status == 0, "\(tick.stderr)")
        try run(
            ["act", feedback["li"]!, "submit_late", "--as", "li"], "2024-08-12", #"{"duty_material": "履职材料（补交）.docx"}"#)
        try run(
            ["act", feedback["zhao"]!, "submit_late", "--as", "zhao"], "2024-08-12",
            #"{"duty_material": "履职材料（补交）.docx", "supporting_materials": ["支撑材料.pdf", "现场照片.jpg"], "warning_education_records": ["警示教育记录.docx"]}"#
        )
        _ = try write(
            "facts.csv",
            """
            person,good_cases
            wang,1
            li,
            "zhao",0

            """)
    }

    @Test func aQuarterIsScoredGradedAndItsConsequencesHappenOnce() throws {
        try setUp()
        let arguments = [
            "appraise", "telecom", "--period", "2024-Q3", "--facts", "facts.csv", "--now", "2024-10-08T09:00:00+08:00",
            "--as", "zhou",
        ]
        // An explanation is a dry run: it opens no interview.
        let dry = try gf(arguments + ["--explain", "li"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("grade: unqualified, the lowest band (no minimum)\n"))
        #expect(try gf(["case", "list", "--workflow", "formal_talk"]).stdout == "0 cases\n")

        let first = try gf(arguments)
        #expect(first.status == 0, "\(first.stderr)")
        try expectGolden(first.stdout, "Tests/Golden/appraise/telecom-2024-Q3.txt")

        // A re-run stores the same results and opens no second interview.
        let again = try gf(arguments)
        #expect(again.status == 0)
        #expect(again.stdout.contains("4 consequences performed by an earlier run, not repeated\n"))
        #expect(!again.stdout.contains("opened "))
        let talks = try gf(["case", "list", "--workflow", "formal_talk"])
        #expect(talks.stdout.hasSuffix("2 cases\n"), "\(talks.stdout)")

        let explained = try gf(arguments + ["--explain", "wang"])
        #expect(explained.status == 0)
        try expectGolden(explained.stdout, "Tests/Golden/appraise/telecom-2024-Q3-explain-wang.txt")
        let nobody = try gf(arguments + ["--explain", "sun"])
        #expect(nobody.status == 1)
        #expect(nobody.stderr == "gridflow: error: 'sun' was not appraised in supervisor_appraisal 2024-Q3\n")
    }

    @Test func badFactsAndPeriodsAreRefusedAndNothingIsAppraised() throws {
        try setUp()
        _ = try write("bad.csv", "person,good_cases,problems_found\nwang,9x,\nli,1\n")
        let appraise = ["appraise", "telecom", "--as", "zhou", "--period"]
        let bad = try gf(appraise + ["2024-Q3", "--facts", "facts.csv", "--facts", "bad.csv"])
        #expect(bad.status == 1)
        #expect(
            bad.stderr == """
                gridflow: error: bad.csv:1: column 'problems_found' is a fact counted from cases (source: store), not imported
                bad.csv:2:6: column 'good_cases': '9x' is not a number
                bad.csv:3: 2 fields, but the header has 3
                3 problems in the facts; nothing was appraised

                """)
        let year = try gf(appraise + ["2024", "--facts", "facts.csv"])
        #expect(year.status == 2)
        #expect(year.stderr.contains("appraisal supervisor_appraisal runs per quarter; give a period such as 2024-Q3"))
        let role = try gf(appraise + ["2024-Q3", "--package", "grid_superviser"])
        #expect(role.status == 2)
        #expect(role.stderr.contains("has no package for role 'grid_superviser'"))
        #expect(try gf(["case", "list", "--workflow", "formal_talk"]).stdout == "0 cases\n")

        // Facts for someone the directory does not know are named, not silently dropped.
        _ = try write("ghost.csv", "person,good_cases\nghost,1\n")
        let ghost = try gf(appraise + ["2024-Q3", "--facts", "facts.csv", "--facts", "ghost.csv"])
        #expect(ghost.status == 0, "\(ghost.stderr)")
        #expect(
            ghost.stdout.contains(
                "imported facts for 1 person not appraised (not in the directory, or in no packaged role): ghost\n"))

        // Every fact the cases record is counted from the store, and the committee's judgements
        // default to none: without the imported file everyone is still appraised, and wang's good
        // case is gone from his total.
        let store = try SQLiteCaseStore(path: directory.appendingPathComponent("gridflow.sqlite").path)
        let results = try store.appraisalResults(unit: "telecom", appraisal: "supervisor_appraisal", period: "2024-Q3")
        #expect(results.count == 3, "\(results)")
        let explained = try gf(appraise + ["2024-Q3", "--facts", "facts.csv", "--explain", "wang"])
        #expect(explained.stdout.contains("  good_cases = 1  (imported, facts.csv:2)\n"), "\(explained.stdout)")
        #expect(explained.stdout.contains(" = 97 (rounded to 2 places)\n"), "\(explained.stdout)")
        let none = try gf(appraise + ["2024-Q3", "--explain", "wang"])
        #expect(none.status == 0, "\(none.stderr)")
        #expect(none.stdout.contains("  good_cases = 0  (imported default)\n"), "\(none.stdout)")
        #expect(none.stdout.contains(" = 95 (rounded to 2 places)\n"), "\(none.stdout)")
    }

    /// A copy of the telecom unit with a second appraisal, `exams`, of one imported fact
    /// (`exam_score`, with `default` when given) and no restricted field.
    func copyOfTelecomWithExams(default value: Int?) throws -> URL {
        let root = try copyOfTelecom()
        try """
        kind: Appraisal
        schema: 1
        unit: telecom
        name: exams
        period: quarter
        facts:
          exam_score: {type: decimal, source: import\(value.map { ", default: \($0)" } ?? "")}
        packages:
          grid_supervisor:
            dimensions:
              - {name: exam, weight: 1, score: facts.exam_score}
            grades:
              - {grade: pass, min: 60}
              - {grade: fail}

        """.write(to: root.appendingPathComponent("Rules/telecom/exams.yaml"), atomically: true, encoding: .utf8)
        return root
    }

    /// People are read a batch ahead on a thread of their own: a directory entry that cannot be
    /// read there stops the run with its name, and nothing is stored or performed.
    @Test func anUnreadableDirectoryEntryStopsTheRunAndStoresNothing() throws {
        try setUp()
        let path = directory.appendingPathComponent("gridflow.sqlite").path
        #expect(try CaseCommandTests.sqlite(path, "UPDATE people SET record = '{\"name\": ' WHERE id = 'li'") == 1)
        let run = try gf([
            "appraise", "telecom", "--period", "2024-Q3", "--facts", "facts.csv", "--now", "2024-10-08T09:00:00+08:00",
            "--as", "zhou",
        ])
        #expect(run.status != 0)
        #expect(run.stderr.contains("the directory entry of 'li' is not valid JSON"), "\(run.stderr)")
        let store = try SQLiteCaseStore(path: path)
        #expect(
            try store.appraisalResults(unit: "telecom", appraisal: "supervisor_appraisal", period: "2024-Q3").isEmpty)
        #expect(try gf(["case", "list", "--workflow", "formal_talk"]).stdout == "0 cases\n")
    }

    /// An imported fact without a default must have a row for everyone: whoever lacks one is named,
    /// nothing is stored and the period's earlier results are kept.
    @Test func aMissingImportedFactStoresNothing() throws {
        let root = try copyOfTelecomWithExams(default: nil)
        func run(_ arguments: [String]) throws -> Run {
            try gridflow(arguments + ["--root", root.path], in: directory)
        }
        let people = try write(
            "people.json",
            "[" + Self.person("wang", "王强", ["grid_supervisor"]) + ", " + Self.person("li", "李娜", ["grid_supervisor"])
                + "]")
        #expect(try run(["people", "import", "telecom", people]).status == 0)
        let appraise = ["appraise", "telecom", "--appraisal", "exams", "--period", "2024-Q3"]
        _ = try write("exams.csv", "person,exam_score\nwang,70\nli,50\n")
        #expect(try run(appraise + ["--facts", "exams.csv"]).status == 0)
        func stored() throws -> [String] {
            let store = try SQLiteCaseStore(path: directory.appendingPathComponent("gridflow.sqlite").path)
            return try store.appraisalResults(unit: "telecom", appraisal: "exams", period: "2024-Q3")
                .map { "\($0.person) \($0.role) \($0.grade)" }.sorted()
        }
        let before = try stored()
        #expect(before == ["li grid_supervisor fail", "wang grid_supervisor pass"], "\(before)")
        _ = try write("half.csv", "person,exam_score\nwang,40\n")
        let missing = try run(appraise + ["--facts", "half.csv"])
        #expect(missing.status == 1)
        #expect(
            missing.stdout.contains("not appraised: li (grid_supervisor): no imported value for exam_score\n"),
            "\(missing.stdout)")
        #expect(
            missing.stderr
                == "gridflow: error: 1 not appraised, 0 consequences failed; nothing was stored, the period's earlier results are kept\n"
        )
        #expect(try stored() == before)
    }

    /// The facts count reports by their reporter: who reported how much is for the appraisal's
    /// audience (discipline_committee_office, discipline_secretary) only. Anyone else, and no one
    /// named, is refused before anything is counted, stored or performed.
    @Test func onlyTheAudienceAppraisesWhoReported() throws {
        try setUp()
        let arguments = [
            "appraise", "telecom", "--period", "2024-Q3", "--facts", "facts.csv", "--now", "2024-10-08T09:00:00+08:00",
        ]
        let refusal =
            "appraisal supervisor_appraisal is for discipline_committee_office, discipline_secretary only (it reads 'reporter' of issue)"
        for (viewer, who) in [
            ([], "without --as, no one named acts"), (["--as", "li"], "li does not act"),
            (["--as", "wang", "--json"], "wang does not act"),
            (["--as", "li", "--explain", "wang"], "li does not act"),
        ] {
            let run = try gf(arguments + viewer)
            #expect(run.status == 1, "\(viewer)")
            #expect(
                run.stderr
                    == "gridflow: error: \(refusal): \(who) in one of those roles; run it --as a person who does\n",
                "\(run.stderr)")
            #expect(run.stdout.isEmpty, "\(run.stdout)")
        }
        // A role the person does not hold is no way in either.
        let notHeld = try gf(arguments + ["--as", "li", "--role", "discipline_committee_office"])
        #expect(notHeld.status == 1)
        #expect(
            notHeld.stderr.hasPrefix(
                "gridflow: error: rejected: 'li' does not hold the role discipline_committee_office in telecom"),
            "\(notHeld.stderr)")
        // Nothing was stored and no formal talk opened.
        let store = try SQLiteCaseStore(path: directory.appendingPathComponent("gridflow.sqlite").path)
        #expect(
            try store.appraisalResults(unit: "telecom", appraisal: "supervisor_appraisal", period: "2024-Q3").isEmpty)
        #expect(try gf(["case", "list", "--workflow", "formal_talk"]).stdout == "0 cases\n")

        let member = try gf(arguments + ["--as", "zhou", "--role", "discipline_committee_office", "--json"])
        #expect(member.status == 0, "\(member.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(member.stdout.utf8)) as? [String: Any]
        #expect((object?["results"] as? [Any])?.count == 3, "\(member.stdout)")
        #expect(object?["already_performed"] as? Int == 0)
        #expect(
            try store.appraisalResults(unit: "telecom", appraisal: "supervisor_appraisal", period: "2024-Q3").count == 3
        )
    }

    /// An appraisal whose facts read no restricted field states no audience and is anyone's, as
    /// before; the shipped one beside it is still for its audience only.
    @Test func anAppraisalThatReadsNoRestrictedFieldIsAnyones() throws {
        let root = try copyOfTelecomWithExams(default: 0)
        func run(_ arguments: [String]) throws -> Run {
            try gridflow(arguments + ["--root", root.path], in: directory)
        }
        let people = try write("people.json", "[" + Self.person("wang", "王强", ["grid_supervisor"]) + "]")
        #expect(try run(["people", "import", "telecom", people]).status == 0)
        let anyone = try run(["appraise", "telecom", "--appraisal", "exams", "--period", "2024-Q3"])
        #expect(anyone.status == 0, "\(anyone.stderr)")
        #expect(anyone.stdout.hasPrefix("appraisal exams of telecom, 2024-Q3: 1 result\n"), "\(anyone.stdout)")
        let shipped = try run(["appraise", "telecom", "--appraisal", "supervisor_appraisal", "--period", "2024-Q3"])
        #expect(shipped.status == 1)
        #expect(shipped.stderr.contains("without --as, no one named acts in one of those roles"), "\(shipped.stderr)")
    }

    /// A verified breach of discipline vetoes the quarter: wang's total is excellent, his grade
    /// unqualified; --explain says which veto and what the total would have given, --json and the
    /// stored result name it, and the formal talk it opens records it.
    @Test func aVetoSetsTheGradeWhateverTheTotalAndTheTalkSaysWhy() throws {
        try setUp()
        _ = try write(
            "breach.csv",
            """
            person,discipline_violations
            wang,1

            """)
        let arguments = [
            "appraise", "telecom", "--period", "2024-Q3", "--facts", "facts.csv", "--facts", "breach.csv", "--now",
            "2024-10-08T09:00:00+08:00", "--as", "zhou",
        ]
        let explained = try gf(arguments + ["--explain", "wang"])
        #expect(explained.status == 0, "\(explained.stderr)")
        try expectGolden(explained.stdout, "Tests/Golden/appraise/telecom-2024-Q3-explain-wang-veto.txt")
        let json = try gf(arguments + ["--explain", "wang", "--json"])
        let explainedObject = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        let vetoedBy = explainedObject?.first?["vetoed_by"] as? [String: Any]
        #expect(vetoedBy?["name"] as? String == "discipline_violation", "\(json.stdout)")
        #expect(vetoedBy?["band_grade"] as? String == "excellent")

        let run = try gf(arguments + ["--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        let results = try #require(object?["results"] as? [[String: Any]])
        let wang = try #require(results.first { $0["person"] as? String == "wang" })
        #expect(wang["grade"] as? String == "unqualified")
        #expect(wang["total"] as? Double == 97)
        #expect(wang["vetoed_by"] as? String == "discipline_violation")
        #expect(results.first { $0["person"] as? String == "li" }?["vetoed_by"] is NSNull)
        let store = try SQLiteCaseStore(path: directory.appendingPathComponent("gridflow.sqlite").path)
        let stored = try #require(
            try store.appraisalResults(unit: "telecom", appraisal: "supervisor_appraisal", period: "2024-Q3").first {
                $0.person == "wang"
            })
        #expect(stored.grade == "unqualified")
        #expect(stored.detailsJSON.contains(#""vetoed_by":{"band_grade":"excellent","name":"discipline_violation""#))
        let consequences = try #require(object?["consequences"] as? [[String: Any]])
        let talk = try #require(
            consequences.first { $0["person"] as? String == "wang" && $0["kind"] as? String == "open" })
        let id = try #require(talk["case"] as? String)
        let shown = try gf(["case", "show", id, "--as", "zhou", "--json"])
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains(#""vetoed_by":"discipline_violation""#), "\(shown.stdout)")
    }

    /// Caps over groups of items: the bonus items together at most 5 (the cut lowers the total),
    /// the deduction items together at most 6 (the cut gives points back); --explain shows each
    /// group's sum, the cap and what was cut.
    @Test func capsLimitGroupsOfItems() throws {
        let root = try copyOfTelecom()
        try """
        kind: Appraisal
        schema: 1
        unit: telecom
        name: exams
        period: quarter
        facts:
          exam_score: {type: decimal, source: import, default: 0}
          ideas: {type: integer, source: import, default: 0}
          lapses: {type: integer, source: import, default: 0}
        packages:
          grid_supervisor:
            dimensions:
              - {name: exam, weight: 1, score: facts.exam_score}
            bonus:
              - {name: ideas, title: 建议, points: 2, per: facts.ideas, max: 6}
              - {name: mentoring, points: 3}
              - {name: outside, points: 1}
            deductions:
              - {name: lapses, points: 4, per: facts.lapses}
              - {name: absence, points: 3}
            caps:
              - {name: bonus_total, title: 加分合计, items: [ideas, mentoring], max: 5}
              - {name: deductions_total, items: [lapses, absence], max: 6}
            grades:
              - {grade: pass, min: 60}
              - {grade: fail}

        """.write(to: root.appendingPathComponent("Rules/telecom/exams.yaml"), atomically: true, encoding: .utf8)
        func run(_ arguments: [String]) throws -> Run {
            try gridflow(arguments + ["--root", root.path], in: directory)
        }
        let people = try write("people.json", "[" + Self.person("wang", "王强", ["grid_supervisor"]) + "]")
        #expect(try run(["people", "import", "telecom", people]).status == 0)
        _ = try write("exams.csv", "person,exam_score,ideas,lapses\nwang,70,4,1\n")
        let explained = try run([
            "appraise", "telecom", "--appraisal", "exams", "--period", "2024-Q3", "--facts", "exams.csv",
            "--explain", "wang",
        ])
        #expect(explained.status == 0, "\(explained.stderr)")
        // 70 + (6 + 3 = 9, capped at 5) + 1 − (4 + 3 = 7, capped at 6) = 70
        try expectGolden(explained.stdout, "Tests/Golden/appraise/caps-explain-wang.txt")
        #expect(
            explained.stdout.contains(
                "total: 70 + 6 + 3 + 1 − 4 − 3 − 4 (cap bonus_total) + 1 (cap deductions_total) = 70"))
    }
}
