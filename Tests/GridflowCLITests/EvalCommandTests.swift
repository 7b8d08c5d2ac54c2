import Foundation
import Testing

/// `gridflow eval`, a designer's way to try an expression.
@Suite struct EvalCommandTests {
    static let data = "Tests/Fixtures/expressions/data.json"

    @Test func printsValueAndType() throws {
        let run = try gridflow(["eval", "0.1 + 0.2 == 0.3"])
        #expect(run.status == 0)
        #expect(run.stdout == "true : bool\n")
        let count = try gridflow([
            "eval", "count(reports, r -> r.area == \"off_duty\" and r.days_open > 30)", "--data", Self.data,
        ])
        #expect(count.stdout == "2 : integer\n")
        let date = try gridflow(["eval", "opened + 5wd", "--data", Self.data])
        #expect(date.stdout == "2024-07-08 : date\n")
        let round = try gridflow(["eval", "round(score * 0.3333, 2)", "--data", Self.data])
        #expect(round.stdout == "24.16 : decimal\n")
    }

    @Test func explainShowsEverySubExpression() throws {
        let run = try gridflow([
            "eval", "score >= 60 and role == \"grid_supervisor\"", "--data", Self.data, "--explain",
        ])
        #expect(run.status == 0)
        #expect(
            run.stdout == """
                  score = 72.5
                  60 = 60
                  score >= 60 = true
                  role = "grid_supervisor"
                  "grid_supervisor" = "grid_supervisor"
                  role == "grid_supervisor" = true
                  score >= 60 and role == "grid_supervisor" = true
                true : bool

                """)
    }

    @Test func problemsPointAtTheToken() throws {
        let run = try gridflow(["eval", "scroe >= 60", "--data", Self.data])
        #expect(run.status == 1)
        #expect(
            run.stderr == """
                <expression>:1:1: error: unknown name 'scroe'; did you mean 'score'?
                    scroe >= 60
                    ^~~~~
                  hint: names here: opened, reports, role, score

                """)
        let failure = try gridflow(["eval", "score / 0"])
        #expect(failure.status == 1)
        let zero = try gridflow(["eval", "1 / (2 - 2)"])
        #expect(zero.stderr.contains("error: division by zero"))
    }

    @Test func anExpressionMayStartWithAMinus() throws {
        #expect(try gridflow(["eval", "-1"]).stdout == "-1 : integer\n")
        #expect(try gridflow(["eval", "--", "-1"]).stdout == "-1 : integer\n")
        #expect(try gridflow(["eval", "-score + 1", "--data", Self.data]).stdout == "-71.5 : decimal\n")
        #expect(try gridflow(["eval", "--explain", "-1"]).stdout == "  1 = 1\n  -1 = -1\n-1 : integer\n")
        let two = try gridflow(["eval", "-1", "+ 2"])
        #expect(two.status == 2)
        #expect(
            two.stderr == """
                Error: give the expression as one argument (quote it), not 2: '-1' '+ 2'
                Usage: gridflow eval [<expression> ...] [--data <data>] [--now <now>] [--explain] [--unit <unit>] [--json]
                  See 'gridflow eval --help' for more information.

                """)
        let unknown = try gridflow(["eval", "1", "--explian"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.hasPrefix("Error: unknown option '--explian'\n"))
    }

    @Test func badDataIsAUsageError() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gridflow-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let bad = directory.appendingPathComponent("bad.json")
        try "{\"a\": ".write(to: bad, atomically: true, encoding: .utf8)
        let run = try gridflow(["eval", "a", "--data", bad.path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("bad.json:1:7: not valid JSON: the JSON text ends where a value should be"))
        let missing = try gridflow(["eval", "a", "--data", directory.appendingPathComponent("none.json").path])
        #expect(missing.status == 2)
    }
}

/// `gridflow bench expr` runs and reports its three figures (speed itself is never asserted).
@Suite struct BenchCommandTests {
    @Test func reportsThreeFiguresAsJSON() throws {
        let run = try gridflow(["bench", "expr", "--iterations", "50", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let figures = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]]
        #expect(figures?.map { $0["name"] as? String } == ["a_guard", "b_appraisal", "c_count"])
        #expect(figures?.allSatisfy { ($0["nanoseconds_per_evaluation"] as? Double ?? 0) > 0 } == true)
    }

    /// The appraisal bench sets up its people and two real-name reports each (opened by their
    /// reporters, as the engine requires), appraises every one of them, and measures the floor.
    @Test func appraisalBenchAppraisesEveryone() throws {
        let run = try gridflow(["bench", "appraisal", "--people", "30"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("appraised 30 people"), "\(run.stdout)")
        #expect(run.stdout.contains("from 60 reports"), "\(run.stdout)")
        // The floor under the run: SQLite alone reading the same cases and writing as many rows.
        #expect(run.stdout.contains("reading the period's 60 cases, nothing counted"), "\(run.stdout)")
        #expect(run.stdout.contains("writing 30 result rows, no consequences"), "\(run.stdout)")
    }

    /// The engine's run, the store alone, the store's SQL alone and the raw inserts all report
    /// their figures; every bench case went through all seven steps, with tasks and with threads.
    @Test(arguments: [false, true]) func workflowReportsEveryStageAndFinishesEveryCase(threads: Bool) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gridflow-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("bench.sqlite").path
        let run = try gridflow(
            ["bench", "workflow", "--cases", "40", "--clients", "4", "--durability", "normal", "--db", db, "--json"]
                + (threads ? ["--threads"] : []))
        #expect(run.status == 0, "\(run.stderr)")
        let figures = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        for name in [
            "cases_per_second", "transitions_per_second", "raw_batched_inserts_per_second", "steps_per_transaction",
            "store_alone_steps_per_second", "store_sql_alone_steps_per_second", "cpu_microseconds_per_transition",
            "cpu_microseconds_per_interpreter_step",
        ] {
            #expect((figures?["\(name)_normal"] as? Double ?? 0) > 0, "\(name)")
        }
        let appointed = try gridflow(["case", "list", "--db", db, "--state", "appointed", "--json"])
        #expect(appointed.status == 0, "\(appointed.stderr)")
        let page = try JSONSerialization.jsonObject(with: Data(appointed.stdout.utf8)) as? [String: Any]
        let cases = page?["cases"] as? [[String: Any]]
        #expect(cases?.count == 40)
        #expect(cases?.allSatisfy { $0["version"] as? Int == 7 } == true)
    }

    /// The store bench fills its store (every 100th case left open, at steps 1 to 7 in turn),
    /// reports its size, and every answer of the daemon's three routes is a 200 with content:
    /// the first page of cases, the three cases waiting at step 1 in the inbox of the holder of
    /// its role, a case with its history. A second run over the kept store measures it as it is.
    @Test func storeBenchFillsTheStoreAndEveryRouteAnswers() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gridflow-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("store.sqlite").path
        let arguments = ["bench", "store", "--cases", "2000", "--open-every", "100", "--requests", "20", "--db", db]
        let run = try gridflow(arguments + ["--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        // 1,980 cases of 8 steps, and 20 open ones of 1 to 7 steps (1+2+…+7, twice, then 1 to 6).
        #expect(figures["steps"] as? Int == 1_980 * 8 + 77)
        for name in ["store_bytes_per_case", "store_bytes_per_step", "daemon_rss_kib_at_start", "daemon_peak_rss_kib"] {
            #expect((figures[name] as? Int ?? 0) > 0, "\(name)")
        }
        let routes = try #require(figures["routes"] as? [String: [String: Any]])
        #expect(Set(routes.keys) == ["case_list", "inbox", "case"])
        for (name, route) in routes {
            #expect(route["requests"] as? Int == 20, "\(name)")
            #expect(route["ok"] as? Int == 20, "\(name)")
            #expect((route["p99_milliseconds"] as? Double ?? -1) >= (route["p50_milliseconds"] as? Double ?? 0))
        }
        #expect(routes["case_list"]?["items"] as? Int == 50)
        #expect(routes["inbox"]?["items"] as? Int == 3)
        #expect((routes["case"]?["items"] as? Int ?? 0) >= 1)
        let again = try gridflow(arguments)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(!again.stdout.contains("filled"), "\(again.stdout)")
        #expect(again.stdout.contains("GET /v1/tasks"), "\(again.stdout)")
        let other = try gridflow(["bench", "store", "--cases", "3000", "--db", db])
        #expect(other.status != 0)
        #expect(other.stderr.contains("holds 2000 telecom cases, not 3000"), "\(other.stderr)")
    }
}

/// `gridflow eval --unit` counts working days with the unit's calendar.
@Suite struct EvalUnitCalendarTests {
    @Test func usesTheUnitsHolidaysAndMakeUpDays() throws {
        // 2024: 1–7 October are holidays; Sunday 29 September and Saturday 12 October are working days.
        let plain = try gridflow(["eval", "2024-09-30 + 1wd"])
        #expect(plain.stdout == "2024-10-01 : date\n")
        let unit = try gridflow(["eval", "2024-09-30 + 1wd", "--unit", "oilfield"])
        #expect(unit.stdout == "2024-10-08 : date\n")
        let between = try gridflow(["eval", "working_days_between(2024-09-27, 2024-10-12)", "--unit", "telecom"])
        #expect(between.stdout == "7 : integer\n")
        let now = try gridflow(["eval", "now() + 1h", "--unit", "telecom", "--now", "2024-07-01T20:00:00Z"])
        #expect(now.stdout == "2024-07-02T05:00:00+08:00 : datetime\n", "shown in the unit's time zone")
        let today = try gridflow(["eval", "today()", "--unit", "telecom", "--now", "2024-07-01T20:00:00Z"])
        #expect(today.stdout == "2024-07-02 : date\n")
    }

    @Test func unknownUnitIsAUsageError() throws {
        let run = try gridflow(["eval", "1", "--unit", "nope"])
        #expect(run.status == 2)
        #expect(run.stderr == "gridflow: error: no unit 'nope': Workflows/nope/unit.yaml does not exist\n")
    }
}
