import Foundation
import GridflowDefinitions
import GridflowExpressions
import GridflowRuntime
import GridflowStore
import Testing

/// Every output, for every role of every shipped unit: a report by a named reporter, and one by
/// an anonymous reporter, go through real steps on a real store, and each role's person reads
/// them every way the command line prints them. Whoever may not see the reporter field finds
/// neither the reporter's id nor name in any byte; whoever may sees the id in `case show`; the
/// anonymous reporter is named to no one. Units, workflows, roles, visibility and events come
/// from the compiled definitions: a new unit is covered without new test code.
@Suite struct PrivacyMatrixTests {
    /// One workflow with an opener field, of one shipped unit.
    struct Subject: Sendable, CustomStringConvertible {
        var unit: String
        var workflow: String
        var description: String { unit + "/" + workflow }
    }

    /// The shipped definitions, loaded once.
    static let loaded: LoadResult = Loader().load(paths: [
        packageRoot.appendingPathComponent("Workflows").path, packageRoot.appendingPathComponent("Rules").path,
    ])

    static func program(_ unit: String) throws -> Program {
        try Program(definitions: try #require(loaded.units[unit]), version: "privacy")
    }

    /// Every workflow of every concrete shipped unit whose cases name their opener in a restricted
    /// field (`visible_to` or `visible_when`): a reporter. An opener everyone sees (the oilfield
    /// selection's `nominated_by`, who put a candidate forward) has nothing to keep.
    static let subjects: [Subject] = loaded.units.keys.sorted().flatMap { unit -> [Subject] in
        guard let definitions = loaded.units[unit], !definitions.unit.abstract,
            let program = try? Program(definitions: definitions, version: "privacy")
        else { return [] }
        return program.workflows.keys.sorted().filter { name in
            guard let workflow = program.workflows[name], let opener = workflow.openerField else { return false }
            return workflow.visibility[opener] != nil || workflow.visibleWhen[opener] != nil
        }.map { Subject(unit: unit, workflow: $0) }
    }

    @Test func everyShippedUnitHasAWorkflowWithAnOpener() {
        let units = Set(Self.loaded.units.values.filter { !$0.unit.abstract }.map(\.unit.name.text))
        #expect(Set(Self.subjects.map(\.unit)) == units, "\(Self.subjects)")
    }

    /// A sample JSON value of `type`: the first value of an enum, an empty list or map.
    static func sample(_ type: ValueType) -> Any? {
        switch type.unwrapped {
        case .bool: false
        case .integer, .decimal: 1
        case .string: "样例"
        case .enumeration(_, let values): values.first
        case .date: "2024-07-01"
        case .datetime: "2024-07-01T10:00:00+08:00"
        case .duration: "1d"
        case .period: "1mo"
        case .list: [Any]()
        case .map: [String: Any]()
        case .record, .optional, .null: nil
        }
    }

    /// One run's bytes, out and err.
    static func bytes(_ run: Run) -> String { run.stdout + "\n" + run.stderr }

    @Test(arguments: subjects)
    func noOutputNamesTheReporterToWhoMayNotSeeThem(_ subject: Subject) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gridflow-privacy-\(subject.unit)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func gf(_ arguments: [String]) throws -> Run {
            try gridflow(arguments + ["--root", packageRoot.path], in: directory)
        }
        func write(_ name: String, _ object: Any) throws -> String {
            let url = directory.appendingPathComponent(name)
            try JSONSerialization.data(withJSONObject: object).write(to: url)
            return url.path
        }
        let definitions = try #require(Self.loaded.units[subject.unit])
        let program = try Self.program(subject.unit)
        let workflow = try #require(program.workflow(subject.workflow))
        let definition = try #require(definitions.workflows.first { $0.name.text == subject.workflow })
        let opener = try #require(workflow.openerField)
        let roles = definitions.unit.roles.map(\.name.text).filter { $0 != "system" }.sorted()

        // Everyone works at one team of the tree, and the reports are placed there: scoped
        // roles reach them, so every viewer has the case in front of them.
        let leaf = definitions.unit.tree?.walk().first { $0.node.children.isEmpty }?.node.name.text
        // The directory: one person per role, and two reporters.
        func person(_ id: String, _ name: String, _ roles: [String], department: String?) -> [String: Any] {
            var record: [String: Any] = ["id": id, "name": name, "roles": roles]
            for field in definitions.unit.peopleFields where field.required {
                record[field.name.text] = Self.sample(program.types.valueType(field, personDepth: 1))
            }
            if let leaf, definitions.unit.peopleFields.contains(where: { $0.name.text == "team" }) {
                record["team"] = leaf
            }
            if let department, definitions.unit.peopleFields.contains(where: { $0.name.text == "department" }) {
                record["department"] = department
            }
            return record
        }
        let openerRole = try #require(workflow.startedBy.filter { $0 != "system" }.sorted().first)
        let named = (id: "whistle-R7Q", name: "举报人甲乙")
        let anonymous = (id: "whistle-A9Z", name: "匿名人丙丁")
        var people = roles.enumerated().map { index, role in
            person(
                "p-\(role)-7Q", "职员\(index + 1)号", [role],
                department: definitions.unit.roles.first { $0.name.text == role }?.department?.text)
        }
        let reporters = [named, anonymous].map { person($0.id, $0.name, [openerRole], department: nil) }
        people += reporters
        let imported = try gf(["people", "import", subject.unit, try write("people.json", people)])
        #expect(imported.status == 0, "\(imported.stderr)")
        // Who holds what (roles given by held_by included), and who may see the reporter.
        let listed = try gf(["people", "list", subject.unit, "--json"])
        let entries = try #require(JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        var held: [String: Set<String>] = [:]
        for entry in entries {
            if let id = entry["id"] as? String { held[id] = Set(entry["roles"] as? [String] ?? []) }
        }
        func sees(_ viewer: String) -> Bool {
            guard let allowed = workflow.visibility[opener] else { return true }
            return !allowed.isDisjoint(with: held[viewer] ?? [])
        }
        let viewers = roles.map { "p-\($0)-7Q" }
        let seer = viewers.first(where: sees)

        // The fields a report is opened with; a bool its visibility reads is true for the named one.
        let condition = workflow.visibleWhen[opener]?.text ?? ""
        func opening(_ reporter: [String: Any]?, realName: Bool) -> [String: Any] {
            var data: [String: Any] = [:]
            for name in workflow.requiredAtOpen {
                if let type = workflow.fieldTypes[name] { data[name] = Self.sample(type) }
            }
            for (name, type) in workflow.fieldTypes where type.unwrapped == .bool && condition.contains("case.\(name)")
            {
                data[name] = realName
            }
            // A person is given by id; the engine takes the record from the directory.
            if let reporter { data[opener] = ["id": reporter["id"]] }
            if let leaf, let place = definition.place?.text, place.hasPrefix("case.") {
                data[String(place.dropFirst("case.".count))] = leaf
            }
            return data
        }
        let now = "2024-07-01T09:00:00+08:00"
        func open(_ data: [String: Any], as id: String, file: String) throws -> String? {
            let run = try gf([
                "case", "open", "\(subject.unit)/\(subject.workflow)", "--as", id, "--data", try write(file, data),
                "--now", now, "--json",
            ])
            #expect(run.status == 0, "\(run.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
            return object?["id"] as? String
        }
        let namedCase = try #require(try open(opening(reporters[0], realName: true), as: named.id, file: "named.json"))
        // Anonymous: the report as its visibility says is not by name; failing that, without a reporter.
        var anonymousCase = try #require(
            try open(opening(reporters[1], realName: false), as: anonymous.id, file: "anonymous.json"))
        if let seer {
            let shown = try gf(["case", "show", anonymousCase, "--as", seer])
            if shown.stdout.contains(anonymous.id) {
                // Only a unit whose anonymity is the reporter's absence may show one given; a unit
                // with a flag for it (telecom's real_name) must hide the reporter it names.
                #expect(
                    condition.contains("has(case.\(opener))"),
                    "\(subject): an anonymous report's reporter is shown to \(seer) under visible_when \(condition)")
                anonymousCase = try #require(
                    try open(opening(nil, realName: false), as: anonymous.id, file: "anonymous-none.json"))
            }
        }

        // Steps on the named report: each transition from its state, as each role that may take
        // it, with sample input, until one is accepted (three at most); refusals are kept.
        var transcripts: [String: String] = [:]
        var accepted = 0
        var refused = 0
        func state(_ id: String) throws -> String {
            let shown = try gf(["case", "show", id, "--as", viewers[0], "--json"])
            let object = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any]
            return object?["state"] as? String ?? ""
        }
        func handled(in state: String) -> [GridflowDefinitions.Transition] {
            definition.transitions.filter { transition in
                switch transition.from {
                case .any: workflow.states[state]?.final == false
                case .states(let names): names.contains { $0.text == state }
                }
            }
        }
        var minute = 10
        steps: for _ in 0..<3 {
            let current = try state(namedCase)
            for transition in handled(in: current) {
                for role in transition.roles.map(\.text) where roles.contains(role) {
                    var input: [String: Any] = [:]
                    for name in transition.input.map(\.text) {
                        if let type = workflow.fieldTypes[name], let value = Self.sample(type) { input[name] = value }
                    }
                    let actor = "p-\(role)-7Q"
                    minute += 1
                    let run = try gf([
                        "case", "act", namedCase, transition.event.text, "--as", actor, "--data",
                        try write("input-\(minute).json", input), "--now", "2024-07-01T\(minute):00:00+08:00",
                    ])
                    transcripts[actor, default: ""] += Self.bytes(run)
                    if run.status == 0 {
                        accepted += 1
                        continue steps
                    }
                    refused += 1
                }
            }
            break
        }
        // Every viewer tries an event of the case's state that is not theirs: a refusal each. A
        // named report the steps have closed (a short workflow) leaves the anonymous one to try.
        var refusing = namedCase
        var current = try state(namedCase)
        if handled(in: current).isEmpty {
            refusing = anonymousCase
            current = try state(anonymousCase)
        }
        for viewer in viewers {
            let holds = held[viewer] ?? []
            let others = handled(in: current).filter { (transition: GridflowDefinitions.Transition) in
                transition.person == nil && transition.roles.allSatisfy { (role: Name) in !holds.contains(role.text) }
            }
            guard let event = others.first?.event.text else { continue }
            let run = try gf(["case", "act", refusing, event, "--as", viewer])
            #expect(run.status != 0, "\(viewer) took \(event)")
            transcripts[viewer, default: ""] += Self.bytes(run)
            refused += 1
        }
        #expect(accepted >= 1, "no step of \(subject) was accepted")
        #expect(refused >= 1, "no step of \(subject) was refused")

        // An incident of an event the reporter sends as the opener, where the workflow has one.
        if let event = workflow.personFieldsByEvent.first(where: { $0.value.contains(opener) })?.key {
            let transition = workflow.personFields.first { $0.value == opener }?.key
            let store = try SQLiteCaseStore(
                path: directory.appendingPathComponent("gridflow.sqlite").path, opening: .existing)
            for (id, reporter) in [(namedCase, named), (anonymousCase, anonymous)] {
                try store.record(
                    Incident(
                        code: "test", message: "\(event) failed for '\(reporter.id)' (\(reporter.name))",
                        transition: transition),
                    caseID: id, event: event, input: [:], actor: Actor(id: reporter.id, roles: [openerRole]),
                    at: Instant("2024-07-02T09:00:00+08:00")!)
            }
        }

        // Every output, for every viewer (and for no one named).
        let reports = program.reports.values.filter { $0.workflow == subject.workflow }
        for viewer in viewers + [nil] {
            let viewing = viewer.map { ["--as", $0] } ?? []
            var out = viewer.flatMap { transcripts[$0] } ?? ""
            var namedShow = ""
            for id in [namedCase, anonymousCase] {
                let text = try gf(["case", "show", id] + viewing)
                let json = try gf(["case", "show", id, "--json"] + viewing)
                #expect(text.status == 0 && json.status == 0, "\(text.stderr)\(json.stderr)")
                out += Self.bytes(text) + Self.bytes(json)
                if id == namedCase { namedShow = Self.bytes(text) + Self.bytes(json) }
            }
            // Each command must answer: one that fails outright prints nothing secret and would pass.
            for arguments in [
                ["case", "list"] + viewing, ["case", "list", "--json"] + viewing, ["incident", "list"] + viewing,
                ["incident", "list", "--json"] + viewing,
            ]
                + (viewer.map {
                    [["tasks", subject.unit, "--as", $0], ["tasks", subject.unit, "--as", $0, "--json"]]
                } ?? [])
            {
                let run = try gf(arguments)
                #expect(run.status == 0, "\(arguments): \(run.stderr)")
                out += Self.bytes(run)
            }
            for report in reports {
                for format in ["md", "csv", "json", "html"] {
                    let run = try gf(
                        ["report", subject.unit, "--report", report.name, "--period", "2024", "--format", format]
                            + viewing)
                    // 1: a viewer outside a report's audience is refused, which is an answer too.
                    #expect(run.status == 0 || run.status == 1, "\(report.name) \(format): \(run.stderr)")
                    out += Self.bytes(run)
                }
            }
            let who = viewer ?? "no one named"
            func around(_ secret: String) -> String {
                guard let range = out.range(of: secret) else { return "" }
                let start = out.index(range.lowerBound, offsetBy: -300, limitedBy: out.startIndex) ?? out.startIndex
                let end = out.index(range.upperBound, offsetBy: 200, limitedBy: out.endIndex) ?? out.endIndex
                return String(out[start..<end])
            }
            #expect(
                !out.contains(anonymous.id) && !out.contains(anonymous.name),
                "\(subject): \(who) sees \(around(anonymous.id))\(around(anonymous.name))")
            if let viewer, sees(viewer) {
                #expect(namedShow.contains(named.id), "\(subject): \(who) may see the reporter")
            } else {
                #expect(
                    !out.contains(named.id) && !out.contains(named.name),
                    "\(subject): \(who) sees \(around(named.id))\(around(named.name))")
            }
        }
        #expect(seer != nil, "no role of \(subject.unit) may see the reporter")
    }
}
