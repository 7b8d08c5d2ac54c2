import Foundation
import GridflowExpressions
import GridflowRuntime
import GridflowStore
import Testing

/// `case list` and `incident list` print a page at a time: at most `--limit`, and the command
/// for the next page when more remain.
@Suite struct PageCommandTests: Workspace {
    let directory: URL

    init() throws {
        directory = try Self.makeFolder("pages")
        let people = try write(
            "people.json",
            #"[{"id": "wang", "name": "王", "roles": ["employee"]}, {"id": "li", "name": "李", "roles": ["discipline_staff"]}]"#
        )
        #expect(try gf(["people", "import", "tour", people]).status == 0)
    }

    /// Opens `count` tour reports, a minute apart.
    func openReports(_ count: Int) throws {
        for index in 0..<count {
            let run = try gf([
                "case", "open", "tour/report", "--as", "wang", "--set", "summary=r\(index)", "--now",
                "2024-07-01T09:0\(index):00+08:00",
            ])
            #expect(run.status == 0, "\(run.stderr)")
        }
    }

    /// The arguments of a page's `more:` line, to run as the user would paste it.
    func nextCommand(_ run: Run) throws -> [String]? {
        let lines = run.stdout.split(separator: "\n").map(String.init)
        guard let last = lines.last, last.hasPrefix("more: gridflow ") else { return nil }
        // The test's paths hold no character the line would quote.
        return last.dropFirst("more: gridflow ".count).split(separator: " ").map(String.init)
    }

    func ids(_ run: Run) -> [String] {
        run.stdout.split(separator: "\n").compactMap { line in
            line.hasPrefix("tour-report-") ? String(line.prefix { $0 != " " }) : nil
        }
    }

    @Test func caseListGoesPageByPageThroughEveryCaseOnce() throws {
        try openReports(5)
        let first = try gf(["case", "list", "--limit", "2"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(ids(first) == ["tour-report-5", "tour-report-4"])
        let lines = first.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4 && lines[2] == "2 cases", "\(first.stdout)")
        #expect(lines[3].hasPrefix("more: gridflow case list --limit 2 --root "), "\(lines[3])")
        var seen = ids(first)
        var next = try nextCommand(first)
        var pages = 1
        while let arguments = next {
            let page = try gridflow(arguments, in: directory)
            #expect(page.status == 0, "\(page.stderr)")
            seen += ids(page)
            next = try nextCommand(page)
            pages += 1
        }
        #expect(pages == 3)
        #expect(seen == (1...5).reversed().map { "tour-report-\($0)" })

        // A limit as large as the store: one page, no `more:` line.
        #expect(
            try gf(["case", "list", "--limit", "5"]).stdout.hasSuffix(
                "tour-report-1  tour/report  submitted  v0  2024-07-01T09:00:00+08:00\n5 cases\n"))

        // The same pages in JSON, by next_cursor, with --unit and a state.
        var cursor: String?
        var listed: [String] = []
        repeat {
            let run = try gf(
                ["case", "list", "--unit", "tour", "--state", "submitted", "--limit", "2", "--json"]
                    + (cursor.map { ["--cursor", $0] } ?? []))
            #expect(run.status == 0, "\(run.stderr)")
            let page = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            let cases = try #require(page["cases"] as? [[String: Any]])
            #expect(cases.count <= 2)
            listed += cases.compactMap { $0["id"] as? String }
            cursor = page["next_cursor"] as? String
            #expect(cursor != nil || page["next_cursor"] is NSNull)
        } while cursor != nil
        #expect(listed == seen)
    }

    @Test func aLimitOrCursorThatIsNoneIsAUsageError() throws {
        try openReports(1)
        let zero = try gf(["case", "list", "--limit", "0"])
        #expect(zero.status == 2)
        #expect(zero.stderr.hasPrefix("Error: --limit must be from 1 to 10000, not 0\n"), "\(zero.stderr)")
        let forged = try gf(["case", "list", "--cursor", "x1"])
        #expect(forged.status == 2)
        #expect(
            forged.stderr.hasPrefix(
                "Error: --cursor takes the cursor a previous page of 'case list' printed (its 'more:' line, or next_cursor)\n"
            ), "\(forged.stderr)")
        #expect(try gf(["incident", "list", "--cursor", "c5"]).status == 2)
    }

    @Test func incidentListGoesPageByPage() throws {
        try openReports(1)
        let store = try SQLiteCaseStore(
            path: directory.appendingPathComponent("gridflow.sqlite").path, opening: .existing)
        for index in 1...3 {
            try store.record(
                Incident(code: "test\(index)", message: "failed", transition: "answer"), caseID: "tour-report-1",
                event: "answer", input: [:], actor: Actor(id: "li", roles: ["discipline_staff"]),
                at: Instant("2024-07-02T09:00:00+08:00")!)
        }
        let first = try gf(["incident", "list", "--limit", "2"])
        #expect(first.status == 0, "\(first.stderr)")
        let lines = first.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(first.stdout)")
        #expect(lines[0].hasPrefix("#1  tour-report-1  test1  ") && lines[1].hasPrefix("#2  tour-report-1  test2  "))
        #expect(lines[2] == "2 open incidents")
        #expect(
            lines[3].hasPrefix("more: gridflow incident list --limit 2 --root ") && lines[3].hasSuffix(" --cursor 2"))
        let second = try gridflow(try #require(try nextCommand(first)), in: directory)
        #expect(second.stdout.hasPrefix("#3  tour-report-1  test3  "), "\(second.stdout)")
        #expect(second.stdout.hasSuffix("\n1 open incident\n"))

        let json = try gf(["incident", "list", "--limit", "2", "--json"])
        let page = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((page["incidents"] as? [[String: Any]])?.map { $0["code"] as? String } == ["test1", "test2"])
        #expect(page["next_cursor"] as? String == "2")
        let last = try gf(["incident", "list", "--limit", "2", "--cursor", "2", "--json"])
        let lastPage = try #require(try JSONSerialization.jsonObject(with: Data(last.stdout.utf8)) as? [String: Any])
        #expect((lastPage["incidents"] as? [[String: Any]])?.count == 1 && lastPage["next_cursor"] is NSNull)
    }
}
