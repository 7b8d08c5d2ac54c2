import Foundation
import GridflowDefinitions
import GridflowExpressions
import Testing

@testable import GridflowRuntime

/// Periods, the CSV reader and scoring with the shipped packages.
@Suite struct AppraisalTests {
    @Test(arguments: [
        ("2024", "2024-01-01", "2025-01-01"), ("2024-H2", "2024-07-01", "2025-01-01"),
        ("2024-Q3", "2024-07-01", "2024-10-01"), ("2024-Q4", "2024-10-01", "2025-01-01"),
        ("2024-02", "2024-02-01", "2024-03-01"), ("2024-12", "2024-12-01", "2025-01-01"),
    ])
    func periodsAreHalfOpenRangesOfDays(text: String, start: String, end: String) throws {
        let window = try #require(AppraisalWindow(text))
        #expect(window.start == Day(start)!)
        #expect(window.end == Day(end)!)
        let (from, to) = window.instants(in: Zone(identifier: "Asia/Shanghai")!)
        #expect(from == Instant(start + "T00:00:00+08:00")!)
        #expect(to == Instant(end + "T00:00:00+08:00")!)
    }

    @Test(arguments: ["24", "2024-Q5", "2024-13", "2024-H3", "2024-q3", "2024-Q3-1", "", "year"])
    func badPeriodsAreRefused(text: String) {
        #expect(AppraisalWindow(text) == nil)
    }

    @Test func csvReadsQuotesLineBreaksAndMarks() throws {
        let text = "\u{FEFF}person,note,score\r\nwang,\"a, \"\"quoted\"\"\nnote\",1.5\r\n\r\nli,,2\n"
        let records = try CSV.read(text)
        #expect(records.map(\.line) == [1, 2, 5])
        #expect(records[0].fields == ["person", "note", "score"])
        #expect(records[1].fields == ["wang", "a, \"quoted\"\nnote", "1.5"])
        #expect(records[2].fields == ["li", "", "2"])
        let edges = try CSV.read("a,\r\n\"x\r\ny\",\"\"\n,b\nlast,")
        #expect(edges.map(\.fields) == [["a", ""], ["x\r\ny", ""], ["", "b"], ["last", ""]])
        #expect(edges.map(\.line) == [1, 2, 4, 5])
        #expect(throws: CSV.Problem(line: 2, message: "a quoted field is not closed")) {
            try CSV.read("a,b\n\"x,y\n")
        }
        #expect(throws: CSV.Problem(line: 1, message: "text after a closing quote; a quoted field ends at its quote")) {
            try CSV.read("\"x\"y,z")
        }
        #expect(throws: CSV.Problem(line: 1, message: "a quote inside an unquoted field; quote the whole field")) {
            try CSV.read("x\"y")
        }
    }

    /// A cell loses the spaces around it, Unicode ones too; one without any comes back as it is.
    @Test(arguments: [
        ("wang", "wang"), (" wang\t", "wang"), ("\u{3000}王\u{3000}", "王"), ("王", "王"), ("a b", "a b"), ("", ""),
        (" ", ""), ("1 ", "1"), ("\u{00A0}1", "1"), ("1\n", "1\n"),
    ])
    func csvCellsAreTrimmedOfSpaces(cell: String, trimmed: String) {
        #expect(CSV.trimmed(cell) == trimmed)
        #expect(CSV.trimmed(cell) == cell.trimmingCharacters(in: .whitespaces))
    }

    static let telecom = RulesInTransitionsTests.telecom
    static var appraisal: CompiledAppraisal { telecom.appraisals["supervisor_appraisal"]! }

    @Test func importedFactsReportEveryBadRowWithItsPlace() {
        var facts = ImportedFacts()
        let problems = facts.read(
            csv: """
                person,discipline_violations,good_cases,problems_found,good_case
                wang,0,1,,
                li,none,1.5,,
                ,0,0,,
                wang,1,,,
                zhao,0
                """, file: "facts.csv", for: Self.appraisal)
        #expect(
            problems == [
                "facts.csv:1: column 'problems_found' is a fact counted from cases (source: store), not imported",
                "facts.csv:1: column 'good_case' is not an imported fact of supervisor_appraisal; did you mean 'good_cases'?; imported facts: good_cases, discipline_violations",
                "facts.csv:3:4: column 'discipline_violations': 'none' is not a number",
                "facts.csv:3:9: column 'good_cases': '1.5' is not a whole number",
                "facts.csv:4:1: column 'person' is empty",
                "facts.csv:5: 'wang' has 'discipline_violations' already, from facts.csv:2",
                "facts.csv:6: 2 fields, but the header has 5",
            ])
        #expect(facts.people.isEmpty, "a file with problems adds nothing")
    }

    /// Imported values outside the bounds the appraisal declares (`min`, `max`) and person ids
    /// outside the documented set are refused at their cell, all at once.
    @Test func importedFactsOutsideTheirBoundsAreRefusedAtTheirCell() {
        var facts = ImportedFacts()
        let problems = facts.read(
            csv: """
                person,discipline_violations,good_cases
                wang,120,0
                li,-1,-2
                sun,1e3,0
                "a1' OR '1'='1",0,0
                system,0,0
                zhao,92,0
                """, file: "facts.csv", for: Self.appraisal)
        #expect(
            problems == [
                "facts.csv:2:6: column 'discipline_violations': '120' is above the greatest value 92 (max)",
                "facts.csv:3:4: column 'discipline_violations': '-1' is below the least value 0 (min)",
                "facts.csv:3:7: column 'good_cases': '-2' is below the least value 0 (min)",
                "facts.csv:4:5: column 'discipline_violations': '1e3' is above the greatest value 92 (max)",
                "facts.csv:5:1: column 'person': 'a1' OR '1'='1' is not a person's id: 1 to 64 letters (A-Z, a-z), digits, '.', '_' or '-', starting with a letter or digit",
                "facts.csv:6:1: column 'person': 'system' is the engine's own id (timers, signals, effects); no person can have it",
            ])
        #expect(facts.people.isEmpty, "a file with problems adds nothing")
        var scenario = ImportedFacts()
        #expect(
            scenario.set("wang", "discipline_violations", Number(93), origin: "test", for: Self.appraisal)
                == "'discipline_violations' of wang: 93 is above the greatest value 92 (max)")
        #expect(scenario.set("wang", "discipline_violations", Number(92), origin: "test", for: Self.appraisal) == nil)
    }

    /// Every grade band of every telecom package, and the bonus and deduction caps.
    @Test func scoresFollowTheWeightsBandsAndCaps() throws {
        let appraisal = Self.appraisal
        let person = RulesInTransitionsTests.person(Self.telecom, id: "wang", grades: [:])
        guard case .record(let record) = person else { return }
        func facts(_ values: [String: Int]) -> Record {
            let layout = appraisal.factsType.layout
            var slots = [Value](repeating: .number(.zero), count: layout.names.count)
            for (name, value) in values { slots[layout.slot(of: name)!] = .number(Number(value)) }
            return Record(layout: layout, slots: slots)
        }
        let package = try #require(appraisal.package(for: "grid_supervisor"))
        let full = facts([
            "feedback_due": 3, "feedback_on_time": 3, "problems_found": 6, "real_name_reports": 6,
            "trainings_attended": 2, "trainings_required": 2, "exams_taken": 2, "exam_points": 190, "good_cases": 5,
            "late_feedback": 1,
        ])
        let score = try package.score(person: record, facts: full)
        // 100 × 0.35 + 90 × 0.45 + 97.5 × 0.2 = 95; bonus 2 × 5 = 10 capped at 6; deduction 2 × 1.
        #expect(score.dimensions.map(\.contribution) == [Number(35), Number("40.5")!, Number("19.5")!])
        #expect(score.bonus.first?.points == Number(6))
        #expect(score.bonus.first?.capped == true)
        #expect(score.deductions.map(\.points) == [Number(2), Number(0)])
        #expect(score.total == Number(99))
        #expect(score.grade == "excellent")

        let cases: [([String: Int], String, String)] = [
            // 100 × 0.35 + 60 × 0.45 + 95 × 0.2
            (
                [
                    "feedback_due": 3, "feedback_on_time": 3, "problems_found": 4, "real_name_reports": 4,
                    "trainings_attended": 2, "trainings_required": 2, "exams_taken": 2, "exam_points": 180,
                ], "81", "good"
            ),
            // 100 × 0.35 + 45 × 0.45 + 65 × 0.2
            (
                [
                    "feedback_due": 3, "feedback_on_time": 3, "problems_found": 3, "real_name_reports": 3,
                    "trainings_attended": 1, "trainings_required": 2, "exams_taken": 1, "exam_points": 80,
                ], "68.25", "qualified"
            ),
            // 33.33… × 0.35 + 10 × 0.45 + 55 × 0.2 − 15 capped at 10
            (
                [
                    "feedback_due": 3, "feedback_on_time": 1, "problems_found": 1, "trainings_attended": 1,
                    "trainings_required": 2, "exams_taken": 1, "exam_points": 60, "missed_trainings": 3,
                ], "17.17", "unqualified"
            ),
            // Nothing due in the quarter (the unit's choice): feedback and training in full,
            // 100 × 0.35 + 0 × 0.45 + 100 × 0.2; a missed training is no longer full marks.
            ([:], "55", "unqualified"),
            (["trainings_required": 1, "missed_trainings": 1], "30", "unqualified"),
        ]
        for (values, total, grade) in cases {
            let result = try package.score(person: record, facts: facts(values))
            #expect(result.total == Number(total)!, "\(values)")
            #expect(result.grade == grade)
        }
        #expect(package.consequenceSummary("unqualified") == ["open formal_talk"])
        #expect(
            package.consequenceSummary("excellent") == [
                "commend in quarterly_bulletin", "record in annual_bonus_points",
            ])
    }

    /// A veto sets the grade whatever the total, which is still computed; no veto, the band's.
    @Test func aVetoSetsTheGradeWhateverTheTotal() throws {
        let appraisal = Self.appraisal
        let person = RulesInTransitionsTests.person(Self.telecom, id: "wang", grades: [:])
        guard case .record(let record) = person else { return }
        let layout = appraisal.factsType.layout
        func facts(_ violations: Int) -> Record {
            var slots = [Value](repeating: .number(.zero), count: layout.names.count)
            for (name, value) in [
                "feedback_due": 3, "feedback_on_time": 3, "problems_found": 6, "real_name_reports": 6,
                "trainings_attended": 2, "trainings_required": 2, "exams_taken": 2, "exam_points": 190,
                "discipline_violations": violations,
            ] { slots[layout.slot(of: name)!] = .number(Number(value)) }
            return Record(layout: layout, slots: slots)
        }
        let package = try #require(appraisal.package(for: "grid_supervisor"))
        let clean = try package.score(person: record, facts: facts(0))
        #expect(clean.total == Number(95))
        #expect(clean.grade == "excellent")
        #expect(clean.veto == nil)
        let vetoed = try package.score(person: record, facts: facts(1))
        #expect(vetoed.total == Number(95))
        #expect(vetoed.grade == "unqualified")
        #expect(vetoed.veto == .init(name: "discipline_violation", title: "经查实违纪违规", bandGrade: "excellent"))
        // The stored details, written byte by byte, are the JSON of their value form.
        for score in [clean, vetoed] {
            #expect(Engine.details(score) == ValueJSON.encode(Engine.detailsValue(score)))
        }
        #expect(
            Engine.details(vetoed).contains(#""vetoed_by":{"band_grade":"excellent","name":"discipline_violation""#))
    }

    /// The oilfield bonus items count at most 8 together: 6 + 4 + 3 = 13 gives 8, 5 cut.
    @Test func aCapLimitsTheBonusItemsTogether() throws {
        let oilfield = RulesInTransitionsTests.oilfield
        let appraisal = try #require(oilfield.appraisals["grid_member_appraisal"])
        let person = RulesInTransitionsTests.person(oilfield, id: "wang", grades: [:])
        guard case .record(let record) = person else { return }
        let layout = appraisal.factsType.layout
        func score(_ values: [String: Int]) throws -> AppraisalScore {
            var slots = [Value](repeating: .number(.zero), count: layout.names.count)
            for (name, value) in values { slots[layout.slot(of: name)!] = .number(Number(value)) }
            let package = try #require(appraisal.package(for: "grid_member"))
            return try package.score(person: record, facts: Record(layout: layout, slots: slots))
        }
        // periodic checks 100 × 0.3 = 30; everything else 0.
        let all = try score([
            "periodic_checks_total": 0, "rules_improved": 5, "procedures_standardised": 9, "inspections_joined": 7,
        ])
        #expect(all.bonus.map(\.points) == [Number(6), Number(4), Number(3)])
        #expect(all.caps == [.init(name: "bonus_total", sum: Number(13), points: Number(8), cut: Number(5))])
        #expect(all.total == Number(38))
        let few = try score(["periodic_checks_total": 0, "rules_improved": 1, "inspections_joined": 2])
        #expect(few.caps == [.init(name: "bonus_total", sum: Number(4), points: Number(4), cut: Number(0))])
        #expect(few.total == Number(34))
        for score in [all, few] {
            #expect(Engine.details(score) == ValueJSON.encode(Engine.detailsValue(score)))
        }
        #expect(Engine.details(all).contains(#""caps":[{"cut":5,"name":"bonus_total","points":8,"sum":13}]"#))
    }
}
