import Foundation
import Testing

/// `gridflow tasks UNIT --as ID`: a person's inbox, run as a user would on a real store.
@Suite struct TasksCommandTests: Workspace {
    let directory: URL

    init() throws {
        directory = try Self.makeFolder("tasks")
    }

    /// The inbox of `person` at `now` as JSON: the tasks, in their order.
    func tasks(_ unit: String, _ person: String, at now: String, _ extra: [String] = []) throws -> [[String: Any]] {
        let run = try gf(["tasks", unit, "--as", person, "--now", now, "--json"] + extra)
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["person"] as? String == person)
        return try #require(object["tasks"] as? [[String: Any]])
    }

    func ids(_ items: [[String: Any]]) -> [String] { items.compactMap { $0["case_id"] as? String } }

    func act(_ arguments: [String], at now: String) throws {
        let run = try gf(arguments + ["--now", now])
        #expect(run.status == 0, "\(arguments): \(run.stderr)")
    }

    /// Tour's report: answered by the discipline staff within 5 working days (Monday to Friday,
    /// Asia/Shanghai). A report of Friday is due the next Friday, across the weekend; one of the
    /// Monday before is overdue first.
    @Test func dueDatesCountWorkingDaysAndOverdueComesFirst() throws {
        let people = try write(
            "people.json",
            #"[{"id": "wang", "name": "王", "roles": ["employee"]}, {"id": "li", "name": "李", "roles": ["discipline_staff"]}]"#
        )
        #expect(try gf(["people", "import", "tour", people]).status == 0)
        let open = ["case", "open", "tour/report", "--as", "wang", "--set", "summary=x"]
        try act(open, at: "2024-07-05T09:00:00+08:00")  // tour-report-1, a Friday
        try act(open, at: "2024-07-01T09:00:00+08:00")  // tour-report-2, the Monday before

        // Thursday evening: the Monday report is due (Monday + 5 working days), the Friday one not.
        let thursday = try tasks("tour", "li", at: "2024-07-11T18:00:00+08:00")
        #expect(ids(thursday) == ["tour-report-2", "tour-report-1"])
        let friday = try #require(thursday.last)
        #expect(friday["title"] as? String == "Answer the report")
        #expect(friday["role"] as? String == "discipline_staff")
        #expect(friday["workflow"] as? String == "report" && friday["state"] as? String == "submitted")
        #expect(friday["since"] as? String == "2024-07-05T09:00:00+08:00")
        // Five working days, not five calendar days (which would end on Wednesday the 10th).
        #expect(friday["due"] as? String == "2024-07-12T09:00:00+08:00")
        #expect(friday["overdue"] as? Bool == false)
        #expect(thursday.first?["due"] as? String == "2024-07-08T09:00:00+08:00")
        #expect(thursday.first?["overdue"] as? Bool == true)
        // Nothing of the case but the task: no field, not the reporter.
        #expect(Set(friday.keys) == ["case_id", "workflow", "state", "title", "role", "since", "due", "overdue"])

        // Just after the Friday report's due time, both are overdue: then by due date.
        let later = try tasks("tour", "li", at: "2024-07-12T09:00:01+08:00")
        #expect(later.map { $0["overdue"] as? Bool } == [true, true])
        #expect(ids(later) == ["tour-report-2", "tour-report-1"])
        // At its due time exactly it is not overdue yet.
        #expect(try tasks("tour", "li", at: "2024-07-12T09:00:00+08:00").last?["overdue"] as? Bool == false)

        let text = try gf(["tasks", "tour", "--as", "li", "--now", "2024-07-11T18:00:00+08:00"])
        #expect(
            text.stdout == """
                tour-report-2  report/submitted  Answer the report  (role: discipline_staff)  since 2024-07-01T09:00:00+08:00  due 2024-07-08T09:00:00+08:00  OVERDUE
                tour-report-1  report/submitted  Answer the report  (role: discipline_staff)  since 2024-07-05T09:00:00+08:00  due 2024-07-12T09:00:00+08:00
                2 tasks, 1 overdue

                """, "\(text.stdout)")

        // The reporter has no task; an answered report is no one's.
        #expect(try tasks("tour", "wang", at: "2024-07-11T18:00:00+08:00").isEmpty)
        try act(
            ["case", "act", "tour-report-2", "answer", "--as", "li", "--set", "answer=done"],
            at: "2024-07-11T18:30:00+08:00")
        #expect(ids(try tasks("tour", "li", at: "2024-07-11T19:00:00+08:00")) == ["tour-report-1"])
        let none = try gf(["tasks", "tour", "--as", "wang", "--now", "2024-07-11T19:00:00+08:00"])
        #expect(none.stdout == "0 tasks\n")
    }

    /// Oilfield's report through its life with the people of the command-line tests: each person
    /// sees exactly the tasks that are theirs, by role and scope, or as the reporter.
    @Test func eachPersonSeesExactlyTheirTasks() throws {
        try importOilfieldPeople()
        func open(team: String, at now: String) throws {
            try act(
                [
                    "case", "open", "oilfield/issue", "--as", "wang", "--set", "channel=qr_code", "--set",
                    "description=x", "--set", "team=\(team)", "--set", "reporter=@wang",
                ], at: now)
        }
        try open(team: "opp_area_1_station_2", at: "2024-07-01T09:00:00+08:00")  // the oil production plant
        try open(team: "fsg_area_1_gas_station", at: "2024-07-01T10:00:00+08:00")  // the shale gas company
        let now = "2024-07-01T12:00:00+08:00"
        func inbox(_ person: String, at time: String = now) throws -> [String] {
            ids(try tasks("oilfield", person, at: time))
        }

        // The plant committee of the oil production plant classifies its plant's report, not the
        // other plant's (scope: plant); nobody else has a task yet.
        #expect(try inbox("zhang") == ["oilfield-issue-1"])
        #expect(try inbox("zhao") == ["oilfield-issue-1"])
        for person in ["wang", "li", "he"] { #expect(try inbox(person).isEmpty, "\(person)") }
        let classify = try #require(try tasks("oilfield", "zhang", at: now).first)
        #expect(classify["title"] as? String == "分类整理并分办")
        #expect(classify["role"] as? String == "plant_discipline_committee")
        #expect(classify["due"] as? String == "2024-07-04T09:00:00+08:00")
        // Acting in another role than the task's, the committee has none.
        let asEmployee = try gf(["tasks", "oilfield", "--as", "zhang", "--role", "employee", "--now", now])
        #expect(asEmployee.status == 0 && asEmployee.stdout == "0 tasks\n", "\(asEmployee.stdout)\(asEmployee.stderr)")

        try act(
            [
                "case", "act", "oilfield-issue-1", "classify", "--as", "zhang", "--set", "area=vital_interests",
                "--set",
                "report_type=problem",
            ], at: "2024-07-01T13:00:00+08:00")
        #expect(try inbox("zhang", at: "2024-07-01T14:00:00+08:00").isEmpty)
        let claim = try tasks("oilfield", "li", at: "2024-07-01T14:00:00+08:00")
        #expect(ids(claim) == ["oilfield-issue-1"])
        #expect(claim.first?["since"] as? String == "2024-07-01T13:00:00+08:00")

        try act(["case", "act", "oilfield-issue-1", "claim", "--as", "li"], at: "2024-07-02T09:00:00+08:00")
        // Handling has no due date of its own (the routing table's deadline is a timer).
        let handling = try tasks("oilfield", "li", at: "2024-07-02T10:00:00+08:00")
        #expect(ids(handling) == ["oilfield-issue-1"])
        #expect(handling.first?["due"] is NSNull && handling.first?["overdue"] as? Bool == false)

        try act(
            [
                "case", "act", "oilfield-issue-1", "rectify", "--as", "li", "--set", "handling_note=done", "--set",
                #"improvements=["rule_improved"]"#,
            ], at: "2024-07-03T09:00:00+08:00")
        #expect(try inbox("li", at: "2024-07-03T10:00:00+08:00").isEmpty)
        #expect(try inbox("he", at: "2024-07-03T10:00:00+08:00") == ["oilfield-issue-1"])

        try act(
            ["case", "act", "oilfield-issue-1", "answer", "--as", "he", "--set", "response=done"],
            at: "2024-07-04T09:00:00+08:00")
        // The rating is the reporter's alone (person: reporter).
        let rating = try tasks("oilfield", "wang", at: "2024-07-04T10:00:00+08:00")
        #expect(ids(rating) == ["oilfield-issue-1"])
        #expect(rating.first?["person"] as? String == "reporter" && rating.first?["role"] == nil)
        #expect(rating.first?["due"] as? String == "2024-07-11T09:00:00+08:00")
        for person in ["zhang", "zhao", "li", "he"] {
            #expect(try inbox(person, at: "2024-07-04T10:00:00+08:00").isEmpty, "\(person)")
        }

        try act(
            ["case", "act", "oilfield-issue-1", "confirm", "--as", "wang", "--set", "satisfaction=very_satisfied"],
            at: "2024-07-05T09:00:00+08:00")
        for person in ["wang", "zhang", "zhao", "li", "he"] {
            #expect(try inbox(person, at: "2024-07-05T10:00:00+08:00").isEmpty, "\(person)")
        }
    }
}
