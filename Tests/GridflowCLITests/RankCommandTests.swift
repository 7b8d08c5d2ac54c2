import Foundation
import Testing

/// A workflow's `rank:` orders its open cases in `gridflow case list`, on a real store, and the
/// loader refuses a rank that cannot order or would show a restricted field.
@Suite struct RankCommandTests: Workspace {
    let directory: URL

    init() throws {
        directory = try Self.makeFolder("rank")
    }

    /// An oilfield directory: sec the branch secretary of work area 1, zhang of the plant's
    /// discipline committee, and candidates with 3 (all), 1 (worker rep) and 0 preference points.
    func importCandidates() throws {
        func person(_ id: String, roles: [String], party: Bool, worker: Bool, union: Bool) -> String {
            let base = Self.oilfieldPerson
                .replacingOccurrences(of: #""party_rep": false"#, with: #""party_rep": \#(party)"#)
                .replacingOccurrences(of: #""worker_rep": true"#, with: #""worker_rep": \#(worker)"#)
                .replacingOccurrences(of: #""union_rep": false"#, with: #""union_rep": \#(union)"#)
            let list = roles.map { "\"\($0)\"" }.joined(separator: ", ")
            return #"{"id": "\#(id)", "name": "\#(id)", "roles": [\#(list)], \#(base)}"#
        }
        let people = try write(
            "people.json",
            "["
                + [
                    person("sec", roles: ["branch_secretary"], party: false, worker: false, union: false),
                    person("zhang", roles: ["plant_discipline_committee"], party: false, worker: false, union: false),
                    person("all3", roles: ["employee"], party: true, worker: true, union: true),
                    person("one1", roles: ["employee"], party: false, worker: true, union: false),
                    person("none0", roles: ["employee"], party: false, worker: false, union: false),
                    person("gone", roles: ["employee"], party: true, worker: true, union: true),
                ].joined(separator: ",\n") + "]")
        let run = try gf(["people", "import", "oilfield", people])
        #expect(run.status == 0, "\(run.stderr)")
    }

    /// Opens a selection of `candidate` at `time` (hours after 9:00) and, unless `assess` is
    /// false, lets the branch assess it (which decides the preference points).
    func select(_ candidate: String, hour: Int, assess: Bool = true) throws -> String {
        let now = "2024-07-01T\(String(format: "%02d", 9 + hour)):00:00+08:00"
        let opened = try gf([
            "case", "open", "oilfield/selection", "--as", "sec", "--set", "route=organisation_assignment",
            "--set", "candidate=@\(candidate)", "--set", "team=opp_area_1_station_1", "--now", now, "--json",
        ])
        #expect(opened.status == 0, "\(opened.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(opened.stdout.utf8)) as? [String: Any]
        let id = try #require(object?["id"] as? String)
        if assess {
            let assessed = try gf(["case", "act", id, "assess", "--as", "sec", "--now", now])
            #expect(assessed.status == 0, "\(assessed.stderr)")
        }
        return id
    }

    @Test func openCasesAreListedBestFirstAndFinishedOnesAfter() throws {
        try importCandidates()
        // Opened in this order; the store lists newest first: gone, none0, unassessed, all3, one1.
        let one = try select("one1", hour: 0)
        let all = try select("all3", hour: 1)
        let unassessed = try select("one1", hour: 2, assess: false)
        let none = try select("none0", hour: 3)
        let gone = try select("gone", hour: 4)
        let withdrawn = try gf(["case", "act", gone, "withdraw", "--as", "sec", "--now", "2024-07-01T14:00:00+08:00"])
        #expect(withdrawn.status == 0, "\(withdrawn.stderr)")

        let list = try gf(["case", "list", "--workflow", "selection", "--json"])
        #expect(list.status == 0, "\(list.stderr)")
        let page = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])
        let rows = try #require(page["cases"] as? [[String: Any]])
        // 3, 1, then the two at 0 (the unassessed one has none: `?? 0`) newest first; the
        // withdrawn case is finished, so it is not ranked and comes after.
        #expect(rows.map { $0["id"] as? String } == [all, one, none, unassessed, gone])
        #expect(rows.map { ($0["rank"] as? NSNumber)?.intValue } == [3, 1, 0, 0, nil])
        #expect(rows.last?.keys.contains("rank") == false)

        let text = try gf(["case", "list", "--workflow", "selection", "--as", "zhang"])
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 6)
        #expect(lines[0].hasPrefix("\(all)  oilfield/selection  branch_review  v1  "))
        #expect(lines[0].contains("  rank: 3  may: -"))
        #expect(lines[4].hasPrefix("\(gone)  oilfield/selection  withdrawn"))
        #expect(!lines[4].contains("rank:"))
        #expect(lines[5] == "5 cases")
    }

    /// Pages do not rank apart: the first pages hold every open ranked case, best first, and
    /// the pages after them the other cases, newest first, each case once.
    @Test func rankedCasesComeFirstAcrossPages() throws {
        try importCandidates()
        let one = try select("one1", hour: 0)
        let all = try select("all3", hour: 1)
        let unassessed = try select("one1", hour: 2, assess: false)
        let none = try select("none0", hour: 3)
        let gone = try select("gone", hour: 4)
        #expect(
            try gf(["case", "act", gone, "withdraw", "--as", "sec", "--now", "2024-07-01T14:00:00+08:00"]).status == 0)
        var pages: [[String]] = []
        var cursors: [String] = []
        var cursor: String?
        repeat {
            let run = try gf(["case", "list", "--limit", "2", "--json"] + (cursor.map { ["--cursor", $0] } ?? []))
            #expect(run.status == 0, "\(run.stderr)")
            let page = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            pages.append((page["cases"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
            cursor = page["next_cursor"] as? String
            if let cursor { cursors.append(cursor) }
        } while cursor != nil && pages.count < 10
        #expect(pages == [[all, one], [none, unassessed], [gone]])
        // The second page ends the ranked cases exactly: its cursor starts the others.
        #expect(cursors == ["r2", "r4"])
        let text = try gf(["case", "list", "--limit", "2", "--cursor", "r2"])
        #expect(
            text.stdout.hasSuffix(
                "  rank: 0\n2 cases\nmore: gridflow case list --limit 2 --root \(packageRoot.path) --cursor r4\n"),
            "\(text.stdout)")
    }

    /// A copy of the telecom unit (in the folder `name`) whose selection workflow has `rank`.
    func telecom(rank: String, _ name: String) throws -> URL {
        let root = try copyOfUnit("telecom", in: name)
        let path = root.appendingPathComponent("Workflows/telecom/selection.yaml")
        var text = try String(contentsOf: path, encoding: .utf8)
        let start = try #require(text.range(of: "\nrank:\n"))
        let end = try #require(text.range(of: "\nfields:\n"))
        if start.lowerBound < end.lowerBound {
            text.replaceSubrange(start.lowerBound..<end.lowerBound, with: "\n" + rank)
        }
        try text.write(to: path, atomically: true, encoding: .utf8)
        return root
    }

    @Test func aRankThatReadsARestrictedFieldIsRefusedWhereItIsWritten() throws {
        let root = try copyOfUnit("telecom", in: "restricted")
        let path = root.appendingPathComponent("Workflows/telecom/formal_talk.yaml")
        var text = try String(contentsOf: path, encoding: .utf8)
        text = text.replacingOccurrences(
            of: "\nfields:\n", with: "\nrank:\n  by: case.talk_record ?? \"\"\n  order: ascending\nfields:\n")
        try text.write(to: path, atomically: true, encoding: .utf8)
        let run = try gridflow(["validate", "Workflows/telecom", "Rules/telecom"], in: root)
        #expect(run.status == 1)
        let line =
            try #require(text.components(separatedBy: "\n").firstIndex { $0 == #"  by: case.talk_record ?? """# }) + 1
        #expect(
            run.stdout.contains(
                "Workflows/telecom/formal_talk.yaml:\(line):7: error: 'rank' of workflow 'formal_talk' reads field 'talk_record', which is visible to discipline_secretary, discipline_committee_office only; the order of the list would show it to everyone who lists the cases"
            ), "\(run.stdout)")
    }

    @Test func aRankMustGiveAValueThatOrders() throws {
        let root = try telecom(rank: "rank:\n  by: case.eligible ?? false\n  order: descending", "bool")
        let run = try gridflow(["validate", "Workflows/telecom", "Rules/telecom"], in: root)
        #expect(run.status == 1)
        #expect(
            run.stdout.contains(
                "error: 'rank' of workflow 'selection' must give a number, date, datetime or string to order cases by, not bool"
            ), "\(run.stdout)")
        let missing = try telecom(rank: "rank:\n  by: case.preference_points ?? 0", "unordered")
        let unordered = try gridflow(["validate", "Workflows/telecom", "Rules/telecom"], in: missing)
        #expect(unordered.status == 1)
        #expect(unordered.stdout.contains("'order'"), "\(unordered.stdout)")
        let directory = try telecom(
            rank: "rank:\n  by: current(case.candidate).performance[2023] ?? \"\"\n  order: descending", "directory")
        let now = try gridflow(["validate", "Workflows/telecom", "Rules/telecom"], in: directory)
        #expect(now.status == 1)
        #expect(
            now.stdout.contains(
                "error: in 'rank' of workflow 'selection': current() reads the people directory, which is not read here"
            ), "\(now.stdout)")
    }
}
