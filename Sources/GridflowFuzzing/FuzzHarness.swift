import Foundation
import GridflowDefinitions
import GridflowDiagnostics
import GridflowExpressions

/// What the fuzz targets run on each input, shared by the libFuzzer executables (`Fuzz/`) and by
/// the tests that replay the seed corpus and every input a fuzzer ever crashed on.
///
/// Each function must return normally for every input: a problem in the input is a diagnostic
/// or an evaluation error, never a trap, a hang or a crash.
public enum FuzzHarness {
    /// The data an expression may read: numbers, an enum-like string, a date, a list of records,
    /// a map, a null and a long string.
    static let data = #"""
        {"score": 72.5, "count": 4, "role": "grid_supervisor", "opened": "2024-07-01",
         "at": "2024-03-31T01:30:00Z", "bonus": null, "title": "井场巡查 inspection",
         "reports": [{"area": "off_duty", "days_open": 40}, {"area": "discipline_style", "days_open": 10}],
         "performance": {"2022": "good", "2023": "excellent"},
         "tiny": 0.0000000000000000000000000000000000001, "huge": 99999999999999999999999999999999999999}
        """#

    static let bound: (environment: Environment, roots: [Value]) = {
        guard let bound = try? DataBinding.bind(json: Array(data.utf8)) else {
            preconditionFailure("the fuzz harness's own data does not bind")
        }
        return bound
    }()

    /// A calendar with summer time, holidays and a make-up day, so date arithmetic crosses all.
    static let calendar = WorkCalendar(
        holidays: [Day("2024-10-01")!, Day("2024-10-02")!], extraWorkingDays: [Day("2024-09-29")!],
        zone: Zone(identifier: "Europe/Berlin") ?? .utc)

    /// Parses, checks and, when it type-checks, evaluates the input as an expression (once
    /// plainly, once traced) under a step budget.
    public static func expression(_ bytes: UnsafeRawBufferPointer) {
        let text = String(decoding: bytes, as: UTF8.self)
        let (environment, roots) = bound
        for tracing in [false, true] {
            guard let compiled = try? Compiler.compile(text, in: environment, tracing: tracing) else { return }
            let frame = Frame(
                roots: roots, now: Instant("2024-10-27T00:30:00Z")!, calendar: calendar, stepBudget: 100_000,
                tracing: tracing)
            if let value = try? compiled.evaluate(frame), tracing {
                _ = value.summary()
            }
        }
    }

    /// A folder holding a small unit whose workflow file the definitions target replaces.
    public struct Tree: Sendable {
        /// The folder; `Workflows/fz/unit.yaml` and `Workflows/fz/flow.yaml` are inside.
        public let root: String

        /// Creates the folder with the unit and a valid workflow.
        public init() throws {
            root = NSTemporaryDirectory() + "gridflow-fuzz-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            try FileManager.default.createDirectory(
                atPath: root + "/Workflows/fz", withIntermediateDirectories: true)
            try Data(FuzzHarness.unit.utf8).write(to: URL(fileURLWithPath: root + "/Workflows/fz/unit.yaml"))
        }

        /// Removes the folder.
        public func remove() { try? FileManager.default.removeItem(atPath: root) }
    }

    static let unit = """
        kind: Unit
        schema: 1
        name: fz
        timezone: Europe/Berlin
        calendar:
          working_days: [mon, tue, wed, thu, fri]
          holidays: [2024-10-01]
        org:
          levels: [{name: company}, {name: team}]
          shifts: [day, night]
          tree:
            name: fz
            children:
              - {name: team_a, shifts: [day, night]}
        departments:
          discipline_office: {title: Discipline office}
        roles:
          employee: {title: Employee}
          discipline_staff: {title: Discipline office staff, department: discipline_office}

        """

    /// Writes the input as a definition file of the small unit — its first byte chooses which:
    /// the unit itself, a workflow, or a rule file — then loads and validates the unit.
    public static func definitions(_ bytes: UnsafeRawBufferPointer, in tree: Tree) {
        guard let selector = bytes.first else { return }
        let body = Data(bytes.dropFirst())
        let paths = [
            tree.root + "/Workflows/fz/unit.yaml", tree.root + "/Workflows/fz/flow.yaml",
            tree.root + "/Rules/fz/rules.yaml",
        ]
        let path = paths[Int(selector) % paths.count]
        try? FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard (try? body.write(to: URL(fileURLWithPath: path))) != nil else { return }
        defer {
            if path == paths[0] {
                try? Data(unit.utf8).write(to: URL(fileURLWithPath: path))
            } else {
                try? FileManager.default.removeItem(atPath: path)
            }
        }
        let result = Loader().load(paths: [tree.root + "/Workflows", tree.root + "/Rules"])
        // Rendering quotes source lines and cuts long ones: it runs on hostile text too.
        _ = DiagnosticRenderer(sources: result.sources).render(result.diagnostics)
    }
}
