import Foundation
import GRDB
import GridflowExpressions
import GridflowRuntime
import GridflowStore
import Testing

/// `gridflow migrate` on a copy of the tour unit: open cases of deployment 1 move to deployment
/// 2 (a state renamed, a field added as required, the timer shortened), checked, all or none.
@Suite struct MigrateCommandTests: Workspace {
    let directory: URL
    let root: URL

    init() throws {
        directory = try Self.makeFolder("migrate")
        let copy = try Self.copyOfTour(in: directory)
        root = copy.root
        let people = copy.people
        #expect(try tour(["people", "import", "tour", people]).status == 0)
    }

    func tour(_ arguments: [String]) throws -> Run {
        try gridflow(arguments + ["--root", root.path], in: directory)
    }

    func admin(_ arguments: [String]) throws -> Run {
        try gridflow(arguments, in: directory)
    }

    func object(_ run: Run) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stderr)")
    }

    func open(at now: String) throws -> String {
        let run = try tour([
            "case", "open", "tour/report", "--as", "wang", "--set", "reporter=@wang", "--set", "summary=late pay",
            "--now", now, "--json",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        return try #require(try object(run)["id"] as? String)
    }

    func shown(_ id: String) throws -> [String: Any] {
        try object(try tour(["case", "show", id, "--as", "li", "--json"]))
    }

    /// Deployment 2: `escalated` is `late`, `category` is required, the timer is two working days.
    func deployVersion2() throws {
        let url = root.appendingPathComponent("Workflows/tour/report.yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        try text.replacingOccurrences(of: "escalated", with: "late").replacingOccurrences(of: "5wd", with: "2wd")
            .replacingOccurrences(
                of: "  summary: {type: text, required: true}\n",
                with: "  summary: {type: text, required: true}\n  category: {type: text, required: true}\n"
            ).write(to: url, atomically: true, encoding: .utf8)
        let deployed = try tour(["deploy", "tour", "--json"])
        #expect(try object(deployed)["sequence"] as? Int == 2)
    }

    /// Three cases on deployment 1: one escalated (its timer fired, its effect performed), one
    /// answered (final: it does not move), one waiting with its timer.
    func casesOnVersion1() throws -> (escalated: String, answered: String, waiting: String) {
        let escalated = try open(at: "2024-06-20T09:00:00+08:00")
        let answered = try open(at: "2024-06-21T09:00:00+08:00")
        let waiting = try open(at: "2024-07-01T09:00:00+08:00")
        #expect(try tour(["tick", "--now", "2024-07-01T10:00:00+08:00"]).status == 0)
        let done = try tour(["case", "act", answered, "answer", "--as", "li", "--set", "answer=Paid."])
        #expect(done.status == 0, "\(done.stderr)")
        #expect(try shown(escalated)["state"] as? String == "escalated")
        return (escalated, answered, waiting)
    }

    @Test func aDryRunListsExactlyTheCasesThatCannotMoveThenAMappingMovesThemAll() throws {
        let (escalated, answered, waiting) = try casesOnVersion1()
        try deployVersion2()

        // Without a category nor a mapping: both open cases are listed, each with why.
        let bare = try admin(["migrate", "tour", "--dry-run", "--json"])
        #expect(bare.status == 1)
        let rows = try #require(try object(bare)["cases"] as? [[String: Any]])
        #expect(rows.map { $0["case"] as? String } == [escalated, waiting], "the answered case does not move")
        let problems = rows.map { ($0["problems"] as? [String]) ?? [] }
        #expect(problems[0].contains { $0.hasPrefix("state 'escalated' is not in the target's workflow report") })
        #expect(problems[0].contains { $0.hasPrefix("field 'category' is required in the target") })
        #expect(problems[1].count == 1 && problems[1][0].hasPrefix("field 'category' is required"))

        // With the category computed from the old case, only the escalated case cannot move.
        let category = #"category=case.summary == "late pay" ? "pay" : "other""#
        let half = try admin(["migrate", "tour", "--dry-run", "--set", category])
        #expect(half.status == 1)
        #expect(half.stdout.hasPrefix("tour: 1 of 2 open cases cannot move to deployment 2; nothing was migrated\n"))
        #expect(half.stdout.contains("cannot move:\n  \(escalated) (report, deployment 1, state escalated):\n"))
        #expect(!half.stdout.contains("  \(waiting) (report"), "\(half.stdout)")
        // A dry run writes nothing.
        #expect(try shown(waiting)["deployment"] as? Int == 1)

        // With the mapping, all move in one go.
        let moved = try admin([
            "migrate", "tour", "--set", category, "--map-state", "escalated=late", "--as", "admin-1", "--now",
            "2024-07-01T12:00:00+08:00",
        ])
        #expect(moved.status == 0, "\(moved.stdout)\(moved.stderr)")
        #expect(moved.stdout.hasPrefix("tour: moved 2 open cases to deployment 2\n"), "\(moved.stdout)")
        // The waiting case's timer is recomputed: two working days from when it entered its state.
        #expect(
            moved.stdout.contains(
                "  \(waiting)  deployment 1  submitted → submitted  timers: overdue at 2024-07-03T09:00:00+08:00\n"),
            "\(moved.stdout)")
        let late = try shown(escalated)
        #expect(late["state"] as? String == "late")
        #expect(late["deployment"] as? Int == 2)
        #expect((late["fields"] as? [String: Any])?["category"] as? String == "pay")
        let history = try #require(late["history"] as? [[String: Any]])
        let last = try #require(history.last)
        #expect(last["event"] as? String == "migrate")
        #expect(last["from"] as? String == "escalated" && last["to"] as? String == "late")
        #expect(last["actor"] as? String == "admin-1")
        #expect(try shown(answered)["deployment"] as? Int == 1)

        // The recomputed timer fires on Wednesday, on deployment 2 (deployment 1's was next Monday).
        let wednesday = try object(try tour(["tick", "--now", "2024-07-03T10:00:00+08:00", "--json"]))
        #expect(wednesday["timers_fired"] as? Int == 1)
        #expect(try shown(waiting)["state"] as? String == "late")
        let nothing = try admin(["migrate", "tour"])
        #expect(nothing.stdout == "tour: no open case to move to deployment 2\n")
    }

    @Test func aMigrationThatFailsHalfWayLeavesEveryCaseWhereItWas() throws {
        let (escalated, _, waiting) = try casesOnVersion1()
        try deployVersion2()
        // The second case's move fails inside the transaction, after the first was written.
        let path = directory.appendingPathComponent("gridflow.sqlite").path
        try DatabaseQueue(path: path).write { db in
            try db.execute(
                sql: """
                    CREATE TRIGGER refuse_move BEFORE UPDATE OF definition_version ON cases WHEN NEW.id = '\(waiting)'
                    BEGIN SELECT RAISE(ABORT, 'the disk gave up'); END
                    """)
        }
        let arguments = ["migrate", "tour", "--set", #"category="pay""#, "--map-state", "escalated=late"]
        let failed = try admin(arguments)
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("the disk gave up"), "\(failed.stderr)")
        for id in [escalated, waiting] {
            #expect(try shown(id)["deployment"] as? Int == 1)
        }
        #expect(try shown(escalated)["state"] as? String == "escalated")
        try DatabaseQueue(path: path).write { db in try db.execute(sql: "DROP TRIGGER refuse_move") }
        #expect(try admin(arguments).status == 0)
        #expect(try shown(waiting)["deployment"] as? Int == 2)
    }

    @Test func killedDuringAMigrationNothingIsLostAndNothingIsHalfMoved() throws {
        // Many open cases on deployment 1, opened through the engine on the store's deployment.
        _ = try open(at: "2024-07-01T09:00:00+08:00")
        let path = directory.appendingPathComponent("gridflow.sqlite").path
        let count = 1500
        do {
            let store = try SQLiteCaseStore(path: path)
            let deployment = try #require(try store.deployments(unit: "tour").first)
            let engine = Engine(program: try DeploymentCatalog.compile(deployment), store: store)
            let opener = Actor(id: "wang", roles: ["employee"])
            for index in 1..<count {
                _ = try engine.open(
                    "report", input: ["summary": .string("report \(index)")], by: opener,
                    now: Instant(seconds: 1_719_795_600 + index))
            }
        }
        // Deployment 2 only shortens the timer: every case can move.
        let url = root.appendingPathComponent("Workflows/tour/report.yaml")
        try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "5wd", with: "2wd")
            .write(to: url, atomically: true, encoding: .utf8)
        #expect(try tour(["deploy", "tour"]).status == 0)

        for (attempt, delay) in [0.05, 0.15, 0.3, 0.5, 0.8].enumerated() {
            let copy = "attempt-\(attempt).sqlite"
            for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: path + suffix) {
                try FileManager.default.copyItem(
                    atPath: path + suffix, toPath: directory.appendingPathComponent(copy).path + suffix)
            }
            let process = Process()
            process.executableURL = gridflowBinary
            process.arguments = ["migrate", "tour", "--db", copy]
            process.currentDirectoryURL = directory
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()

            let copyPath = directory.appendingPathComponent(copy).path
            let (integrity, versions, migrations, timers) = try DatabaseQueue(path: copyPath).read { db in
                (
                    try String.fetchOne(db, sql: "PRAGMA integrity_check"),
                    try Row.fetchAll(
                        db, sql: "SELECT definition_version, COUNT(*) AS n FROM cases GROUP BY definition_version"
                    ).map { ($0["definition_version"] as String, $0["n"] as Int) },
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM steps WHERE event = 'migrate'") ?? -1,
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM timers") ?? -1
                )
            }
            #expect(integrity == "ok")
            // All on one deployment: none half-moved, none lost.
            #expect(versions.count == 1 && versions.first?.1 == count, "attempt \(attempt): \(versions)")
            #expect(migrations == 0 || migrations == count, "attempt \(attempt): \(migrations) history entries")
            #expect(timers == count, "attempt \(attempt): \(timers) timers")
            // A migration run again finishes the job.
            let again = try admin(["migrate", "tour", "--db", copy, "--json"])
            #expect(again.status == 0, "\(again.stderr)")
            let after = try DatabaseQueue(path: copyPath).read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT definition_version) FROM cases")
            }
            #expect(after == 1)
        }
    }
}
