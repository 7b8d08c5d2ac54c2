import Foundation
import GRDB
import Testing

/// `gridflow notifications UNIT --as ID`: what `notify` effects left for a person, run as a user
/// would on a real store.
@Suite struct NotificationsCommandTests: Workspace {
    let directory: URL

    init() throws {
        directory = try Self.makeFolder("notifications")
    }

    func notifications(_ person: String, at now: String, _ extra: [String] = []) throws -> [String: Any] {
        let run = try gf(["notifications", "oilfield", "--as", person, "--now", now, "--json"] + extra)
        #expect(run.status == 0, "\(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }

    func items(_ person: String, at now: String, _ extra: [String] = []) throws -> [[String: Any]] {
        try #require(try notifications(person, at: now, extra)["notifications"] as? [[String: Any]])
    }

    func act(_ arguments: [String], at now: String) throws {
        let run = try gf(arguments + ["--now", now])
        #expect(run.status == 0, "\(arguments): \(run.stderr)")
    }

    /// The oilfield's reminders: a report nobody classifies for 3 working days reminds the plant
    /// discipline committee of its plant — zhang and zhao of the oil production plant; the shale
    /// gas company's report reaches no one of this directory, which is an incident. A classified
    /// report tells the department's handlers, dated by the step, not by the later tick.
    @Test func eachHolderWhereTheCaseIsReadsItOnceAndNobodyIsAnIncident() throws {
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
        // Classified at once: the notice to the department's handlers is dated 13:00, and only a
        // tick the next morning performs it.
        try act(
            [
                "case", "act", "oilfield-issue-1", "classify", "--as", "zhang", "--set", "area=vital_interests",
                "--set", "report_type=problem",
            ], at: "2024-07-01T13:00:00+08:00")
        #expect(try items("li", at: "2024-07-01T14:00:00+08:00").isEmpty, "nothing before a tick performs it")
        #expect(try gf(["tick", "--now", "2024-07-02T09:00:00+08:00"]).status == 0)
        let handler = try items("li", at: "2024-07-02T09:30:00+08:00")
        #expect(handler.map { $0["case_id"] as? String } == ["oilfield-issue-1"])
        let notice = try #require(handler.first)
        #expect(notice["role"] as? String == "department_handler")
        #expect(notice["message"] as? String == "有新的监督问题待认领。")
        #expect(notice["at"] as? String == "2024-07-01T13:00:00+08:00", "the step's time, not the tick's")
        #expect(notice["read"] as? Bool == false && notice["read_at"] is NSNull)
        // Nothing of the case but its id: no field, not the reporter.
        #expect(Set(notice.keys) == ["id", "case_id", "workflow", "role", "message", "at", "read", "read_at"])
        for person in ["wang", "zhang", "zhao", "he"] {
            #expect(try items(person, at: "2024-07-02T09:30:00+08:00").isEmpty, "\(person)")
        }

        // Three working days on, the shale gas report is unclassified: a reminder to its plant's
        // committee, whom this directory lacks.
        let tick = try gf(["tick", "--now", "2024-07-04T10:00:01+08:00"])
        #expect(tick.status == 0, "\(tick.stderr)")
        #expect(tick.stdout.contains("case oilfield-issue-2, effect: notify-nobody"), "\(tick.stdout)")
        let incidents = try gf(["incident", "list", "--json"])
        #expect(incidents.stdout.contains("nobody holds plant_discipline_committee where case oilfield-issue-2 is"))
        for person in ["zhang", "zhao", "li"] {
            #expect(
                try items(person, at: "2024-07-04T11:00:00+08:00").allSatisfy {
                    $0["case_id"] as? String != "oilfield-issue-2"
                },
                "\(person)")
        }

        // Marked read once: the first reading's time stands; another's notification is not found.
        let id = try #require(notice["id"] as? Int)
        let read = try gf([
            "notifications", "oilfield", "--as", "li", "--read", "\(id)", "--now", "2024-07-02T10:00:00+08:00",
        ])
        #expect(read.status == 0 && read.stdout == "notification #\(id) of oilfield-issue-1: read\n", "\(read.stdout)")
        try act(["notifications", "oilfield", "--as", "li", "--read", "\(id)"], at: "2024-07-03T10:00:00+08:00")
        let after = try #require(try items("li", at: "2024-07-03T11:00:00+08:00").first)
        #expect(after["read"] as? Bool == true && after["read_at"] as? String == "2024-07-02T10:00:00+08:00")
        #expect(try items("li", at: "2024-07-03T11:00:00+08:00", ["--unread"]).isEmpty)
        let foreign = try gf(["notifications", "oilfield", "--as", "zhang", "--read", "\(id)"])
        #expect(
            foreign.status != 0 && foreign.stderr.contains("no notification #\(id) for 'zhang'"), "\(foreign.stderr)")

        // Recorded once: a second tick performs nothing again.
        #expect(try gf(["tick", "--now", "2024-07-04T10:00:02+08:00"]).status == 0)
        let store = try DatabaseQueue(path: directory.appendingPathComponent("gridflow.sqlite").path)
        let counts = try store.read { db in
            try Row.fetchAll(db, sql: "SELECT case_id, role, COUNT(*) AS n FROM notifications GROUP BY case_id, role")
                .map { "\($0["case_id"] as String) \($0["role"] as String) \($0["n"] as Int)" }
        }
        // (The handlers did not claim issue 1 in time: the discipline office is told too.)
        #expect(
            counts == [
                "oilfield-issue-1 department_handler 1", "oilfield-issue-1 discipline_office_staff 1",
                "oilfield-issue-2 plant_discipline_committee 1",
            ])

        // The text form: unread marked, newest first; pages by cursor.
        let text = try gf(["notifications", "oilfield", "--as", "li", "--now", "2024-07-03T11:00:00+08:00"])
        #expect(
            text.stdout
                == "  #\(id)  2024-07-01T13:00:00+08:00  oilfield-issue-1  (role: department_handler)  有新的监督问题待认领。\n1 notification\n",
            "\(text.stdout)")
    }
}
