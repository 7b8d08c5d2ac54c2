import Foundation
import Testing

/// The engine is no person: `--as system`, the role `system`, ids outside the documented set,
/// and scenarios acting as the engine are refused, as a user would meet them.
@Suite struct TrustTests: Workspace {
    let directory: URL

    init() throws {
        directory = try Self.makeFolder("trust")
    }

    static let usage =
        "Usage: gridflow case open <workflow> --as <as> [--role <role> ...] [--data <data>] [--set <set> ...] [--db <db>] [--root <root>] [--now <now>] [--json] [--deploy]"

    @Test func noOneActsAsTheEngine() throws {
        let open = [
            "case", "open", "oilfield/issue", "--set", "team=opp_area_1_station_1", "--set", "channel=qr_code", "--set",
            "description=x",
        ]
        let engine = "'system' is the engine's own id (timers, signals, effects); no person can have it"
        let cases: [([String], String)] = [
            (["--as", "system"], "--as: " + engine),
            (
                ["--as", "System", "--role", "employee"],
                "--as: 'System' is the engine's own id (timers, signals, effects); no person can have it"
            ),
            (
                ["--as", "wang", "--role", "system"],
                "--role: 'system' is the engine's own role (timers, signals, effects); no person can hold it"
            ),
            (["--as", "", "--role", "employee"], "--as: a person's id cannot be empty"),
            (
                ["--as", "a1' OR '1'='1", "--role", "employee"],
                "--as: 'a1' OR '1'='1' is not a person's id: 1 to 64 letters (A-Z, a-z), digits, '.', '_' or '-', starting with a letter or digit"
            ),
            (
                ["--as", String(repeating: "a", count: 65), "--role", "employee"],
                "--as: '\(String(repeating: "a", count: 40))…' is not a person's id: 1 to 64 letters (A-Z, a-z), digits, '.', '_' or '-', starting with a letter or digit"
            ),
        ]
        for (arguments, message) in cases {
            let run = try gf(open + arguments)
            #expect(run.status == 2, "\(arguments)")
            #expect(run.stderr.hasPrefix("Error: \(message)\n\(Self.usage)\n"), "\(run.stderr)")
        }
        let acting = try gf(["case", "act", "oilfield-issue-1", "feedback_timeout", "--as", "system"])
        #expect(acting.status == 2)
        #expect(acting.stderr.hasPrefix("Error: --as: " + engine + "\n"), "\(acting.stderr)")
        let showing = try gf(["case", "show", "oilfield-issue-1", "--as", "zhang", "--role", "system"])
        #expect(showing.status == 2)
        #expect(showing.stderr.hasPrefix("Error: --role: 'system' is the engine's own role"), "\(showing.stderr)")
        // Nothing ran: no store was created.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == [])
    }

    /// A timer's event (here the reminder of Tests/Fixtures/runtime's report) is not a person's to fire.
    @Test func aTimersEventIsNotAPersonsToFire() throws {
        let root = packageRoot.appendingPathComponent("Tests/Fixtures/runtime").path
        let people = try write(
            "people.json",
            #"[{"id": "wang", "name": "王", "roles": ["employee"]}, {"id": "li", "name": "李", "roles": ["reviewer"]}]"#)
        #expect(try gridflow(["people", "import", "rt", people, "--root", root], in: directory).status == 0)
        let opened = try gridflow(
            [
                "case", "open", "rt/report", "--as", "wang", "--set", "summary=x", "--set", "reporter=@wang", "--root",
                root,
            ], in: directory)
        #expect(opened.status == 0, "\(opened.stderr)")
        let fired = try gridflow(["case", "act", "rt-report-1", "remind", "--as", "li", "--root", root], in: directory)
        #expect(fired.status == 1)
        #expect(
            fired.stderr
                == "gridflow: error: rejected: 'li' may not fire 'remind' in state 'submitted'; only the engine takes it (role: system: a timer or a signal)\n"
        )
    }

    @Test func scenariosReachTheEngineThroughItsOwnSteps() throws {
        let root = "Tests/Fixtures/runtime"
        let passing = try gridflow([
            "test", "\(root)/Workflows/rt/tests/engine_steps.yaml",
            "\(root)/Workflows/rt/tests/followup_engine_open.yaml",
            "--root", root,
        ])
        #expect(passing.status == 0, "\(passing.stdout)")
        #expect(passing.stdout.hasSuffix("2 passed, 0 failed\n"), "\(passing.stdout)")
        let refused = try gridflow(["test", "\(root)/Workflows/rt/tests/system_as_person.yaml", "--root", root])
        #expect(refused.status == 1)
        #expect(
            refused.stdout == """
                FAIL system_as_person
                Tests/Fixtures/runtime/Workflows/rt/tests/system_as_person.yaml:7:3: error: people: 'system' is the engine's own id (timers, signals, effects); no person can have it
                      system: {roles: [reviewer]}
                      ^~~~~~
                Tests/Fixtures/runtime/Workflows/rt/tests/system_as_person.yaml:8:3: error: person 'li': 'system' is the engine's own role (timers, signals, effects); no person can hold it
                      li: {roles: [reviewer, system]}
                      ^~
                Tests/Fixtures/runtime/Workflows/rt/tests/system_as_person.yaml:11:16: error: 'system' is the engine, not a person: write 'engine_open: {with: …}' for a case the engine opens, 'signal: EVENT' for an event another case sends, or 'wait:' for a timer
                      - open: {as: system, with: {reporter: "@wang", summary: x}}
                                   ^~~~~~
                0 passed, 1 failed

                """)
    }
}
