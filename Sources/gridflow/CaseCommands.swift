import ArgumentParser
import Foundation
import GridflowDefinitions
import GridflowDiagnostics
import GridflowExpressions
import GridflowPostgres
import GridflowRuntime
import GridflowStore

/// `gridflow case`: open, act on, show and list cases in the store.
struct CaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "case",
        abstract: "Open cases, act on them, show and list them.",
        subcommands: [CaseOpen.self, CaseAct.self, CaseShow.self, CaseList.self, CaseVerify.self]
    )
}

/// Options every case command takes.
struct StoreOptions: ParsableArguments {
    @Option(
        help: """
            The store: a SQLite file, or a PostgreSQL server's postgres://user[:password]@host[:port]/database \
            (default: $GRIDFLOW_DB, else gridflow.sqlite).
            """)
    var db: String?

    /// The store `--db` names, else `GRIDFLOW_DB`, else `gridflow.sqlite`.
    var database: String { StoreOptions.database(db) }

    static func database(_ db: String?) -> String {
        db ?? ProcessInfo.processInfo.environment["GRIDFLOW_DB"].flatMap { $0.isEmpty ? nil : $0 } ?? "gridflow.sqlite"
    }

    /// The store as messages name it: the file, or the server's URL without its password.
    var storeName: String { StoreOptions.storeName(db) }

    /// The store `db` (else `GRIDFLOW_DB`, else the default file) as messages name it.
    static func storeName(_ db: String?) -> String {
        let database = database(db)
        guard PostgresLocation.isURL(database) else { return database }
        return (try? PostgresLocation(url: database).description) ?? "the PostgreSQL store"
    }

    /// The store at `--db` if there is one; `nil` when there is none yet (no file, or a database
    /// without the store's tables).
    func storeIfPresent() throws -> (any CaseStore)? {
        guard PostgresLocation.isURL(database) else {
            return FileManager.default.fileExists(atPath: database) ? try store() : nil
        }
        do {
            return try PostgresCaseStore(url: database, opening: .existing)
        } catch {
            if error.code == .missing { return nil }
            throw CommandError(message: error.message)
        }
    }

    @Option(help: "The folder holding Workflows/ and Rules/.")
    var root: String = "."

    @Option(help: "The time to act at (ISO 8601 with offset); default: now.")
    var now: String?

    @Flag(help: "Print JSON for tools.")
    var json = false

    @Flag(help: "Deploy the working tree first when it differs from the unit's active deployment.")
    var deploy = false

    /// A `--now` that is not a datetime is a usage error, whether or not the command uses it.
    func validate() throws {
        if let now, Instant(now) == nil {
            throw ValidationError("--now must be a datetime such as 2024-07-01T09:00:00+08:00")
        }
    }

    func instant() throws -> Instant {
        guard let now else { return Instant(seconds: Int(Date().timeIntervalSince1970)) }
        guard let instant = Instant(now) else {
            throw ValidationError("--now must be a datetime such as 2024-07-01T09:00:00+08:00")
        }
        return instant
    }

    /// The existing store at `--db`; a missing one is an error that says how to create one.
    func store() throws -> any CaseStore {
        do {
            if PostgresLocation.isURL(database) { return try PostgresCaseStore(url: database, opening: .existing) }
            return try SQLiteCaseStore(path: database, opening: .existing)
        } catch {
            guard error.code == .missing else { throw CommandError(message: error.message) }
            throw CommandError(
                message:
                    "no store at \(storeName) (create one by importing the unit's people with 'gridflow people import UNIT FILE.json', or name an existing one with --db)"
            )
        }
    }

    /// The store at `--db`, created if missing (for commands that write): a new store is
    /// announced on standard error.
    func storeCreatingIfMissing() throws -> any CaseStore {
        if PostgresLocation.isURL(database) {
            let store = try storeRun { () throws(StoreError) in
                try PostgresCaseStore(url: database, opening: .createIfMissing)
            }
            if store.created { FileHandleOutput.standardError("created store \(storeName)\n") }
            return store
        }
        let store = try storeRun { () throws(StoreError) in
            try SQLiteCaseStore(path: database, opening: .createIfMissing)
        }
        if store.created { FileHandleOutput.standardError("created store \(database)\n") }
        return store
    }

    /// The compiled definitions of `unit` in the working tree, validated first.
    func program(unit: String) throws -> Program {
        try WorkingTree.load(unit: unit, root: root).program
    }
}

/// Who acts: `--as ID`, a person of the unit's directory (`gridflow people import`), acting in
/// all their roles or in those `--role` names; before a unit has a directory, `--role` says
/// which roles the person acts in.
struct ActorOptions: ParsableArguments {
    @Option(name: .customLong("as"), help: "The acting person's id.")
    var id: String

    @Option(
        name: .customLong("role"),
        help: "Act in this role (repeat for several); it must be one the directory gives the person.")
    var roles: [String] = []

    /// The engine's own id and role are refused before anything runs: no person acts as it.
    func validate() throws {
        try PersonOptions.check(id: id, roles: roles)
    }

    func actor(_ engine: Engine, now: Instant) throws -> Actor {
        try gridflow.run { () throws(EngineError) in try engine.actor(id, roles: Set(roles), now: now) }
    }
}

/// Who reads: `--as ID` (with `--role`), a person who sees what their roles may; without it,
/// no one named, who sees no restricted field. The engine's view, which sees everything, is
/// never printed.
struct ViewerOptions: ParsableArguments {
    @Option(
        name: .customLong("as"),
        help: "Show what this person may see (and do); default: no one named, so restricted fields are hidden.")
    var id: String?
    @Option(name: .customLong("role"), help: "As that person acting in this role (repeat for several).")
    var roles: [String] = []

    func validate() throws {
        try PersonOptions.check(id: id, roles: roles)
        if id == nil, !roles.isEmpty { throw ValidationError("--role names the roles of the person --as names") }
    }

    /// The viewer, resolved against the directory of `engine`'s unit.
    func viewer(_ engine: Engine, now: Instant) throws -> Viewer {
        guard let id else { return .anyone }
        return .person(try gridflow.run { () throws(EngineError) in try engine.actor(id, roles: Set(roles), now: now) })
    }
}

/// The checks every `--as` and `--role` goes through.
enum PersonOptions {
    /// Refuses an id that is not a person's (`system` among them) and the role `system`.
    static func check(id: String?, roles: [String]) throws {
        if let id, let problem = PersonID.problem(id) { throw ValidationError("--as: \(problem)") }
        for role in roles {
            if let problem = PersonID.roleProblem(role) { throw ValidationError("--role: \(problem)") }
        }
    }
}

/// Field values from `--data FILE.json` and `--set name=value`.
struct InputOptions: ParsableArguments {
    @Option(help: "A JSON object of field values.")
    var data: String?

    @Option(name: .customLong("set"), help: "A field value, name=value; the value is read as JSON when it can be.")
    var assignments: [String] = []

    /// The values as given: `--data` first, then each `--set` over it.
    func object() throws -> JSONObject {
        var raw = JSONObject()
        if let data {
            guard let contents = FileManager.default.contents(atPath: data) else {
                throw CommandError(message: "cannot read \(data)")
            }
            let json: JSON
            do { json = try JSONReader.read(contents) } catch {
                throw CommandError(message: "\(data):\(error.line):\(error.column): not valid JSON: \(error.message)")
            }
            guard case .object(let object) = json else {
                throw CommandError(message: "\(data): must be a JSON object of field values, not \(json.kind)")
            }
            raw = object
        }
        for assignment in assignments {
            guard let equals = assignment.firstIndex(of: "=") else {
                throw ValidationError("--set takes name=value, not '\(assignment)'")
            }
            let name = String(assignment[..<equals])
            let text = String(assignment[assignment.index(after: equals)...])
            raw[name] = (try? JSONReader.read(text)) ?? .string(text)
        }
        return raw
    }

    /// Checks what can be checked without the store: every field is the workflow's, and every
    /// value that names no person has the field's type. People are resolved by the engine.
    static func precheck(_ raw: JSONObject, for workflow: CompiledWorkflow, personType: RecordType) throws {
        for (name, json) in raw.entries {
            guard let type = workflow.fieldTypes[name] else {
                throw CommandError(
                    message: "\(workflow.name) has no field '\(name)'; fields: "
                        + workflow.fieldTypes.keys.sorted().joined(separator: ", "))
            }
            guard !type.contains(.record(personType)) else { continue }
            do { _ = try DataBinding.value(json, as: type, path: name) } catch {
                throw CommandError(message: "field '\(name)': \(error)")
            }
        }
    }

    /// The values, typed by the workflow's fields, with people taken from the directory.
    func values(_ raw: JSONObject, engine: Engine, workflow: String) throws -> [String: Value] {
        try gridflow.run { () throws(EngineError) in try engine.input(raw, for: workflow) }
    }
}

/// Turns store failures (a foreign file, a database error) into one-line errors, exit 2.
func storeRun<T>(_ body: () throws(StoreError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        throw CommandError(message: error.message)
    }
}

/// Turns engine failures into one-line errors: 1 for a refused or failed step, 2 for bad requests.
/// With `view`, what is said about the case is said as its viewer may read it: a guard's trace
/// and the messages pass through `CaseView`, so no value hidden from them is printed. The view
/// is made only for a failure that speaks of the case; when it cannot be made (the store cannot
/// tell what to hide), that is the error instead.
func run<T>(view makeView: (() throws(EngineError) -> CaseView?)? = nil, _ body: () throws(EngineError) -> T)
    throws -> T
{
    do {
        return try body()
    } catch {
        var view: CaseView?
        if let makeView, ![.notFound, .store, .version].contains(error.code) {
            do { view = try makeView() } catch let viewError {
                throw CommandError(message: "the step failed, and why cannot be told: \(viewError.message)", status: 2)
            }
        }
        let said = view.map { $0.scrub(error.message) } ?? error.message
        switch error.code {
        case .rejected:
            var message = "rejected: \(said)"
            if let trace = error.rejection?.trace, !trace.isEmpty {
                let lines =
                    view.map { $0.trace(trace) } ?? trace.map { ($0.text, $0.value.summary()) }
                message += "\n" + lines.map { "  \($0.text) = \($0.value)" }.joined(separator: "\n")
            }
            throw CommandError(message: message, status: 1)
        case .incident, .conflict, .calendar: throw CommandError(message: said, status: 1)
        case .notFound, .store, .version: throw CommandError(message: error.message, status: 2)
        }
    }
}

struct CaseOpen: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "open", abstract: "Open a case of UNIT/WORKFLOW.")

    @Argument(help: "UNIT/WORKFLOW, e.g. oilfield/issue.")
    var workflow: String
    @OptionGroup var actor: ActorOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var options: StoreOptions

    func run() throws {
        let parts = workflow.split(separator: "/").map(String.init)
        guard parts.count == 2 else { throw ValidationError("name the workflow as UNIT/WORKFLOW, e.g. oilfield/issue") }
        // Everything that can be checked without the store first: a mistake changes no store.
        let tree =
            WorkingTree.exists(unit: parts[0], root: options.root)
            ? try WorkingTree.load(unit: parts[0], root: options.root) : nil
        let raw = try input.object()
        func precheck(_ program: Program) throws {
            guard let compiled = program.workflow(parts[1]) else {
                throw CommandError(
                    message: "unit '\(parts[0])' has no workflow '\(parts[1])'"
                        + Suggestion.didYouMean(parts[1], in: program.workflows.keys))
            }
            try InputOptions.precheck(raw, for: compiled, personType: program.types.personType)
        }
        if let tree { try precheck(tree.program) }
        let now = try options.instant()
        // Who may open comes from the directory, so a store without one has nobody to open.
        let store = try options.store()
        // People and values are bound before anything is written (the first case of a store
        // deploys the unit): a refused input leaves the store as it was.
        let draft =
            try tree.map { Engine(program: $0.program, store: store) }
            ?? options.engine(unit: parts[0], store: store, use: .reading)
        if tree == nil { try precheck(draft.program) }
        let values = try input.values(raw, engine: draft, workflow: parts[1])
        let actor = try self.actor.actor(draft, now: now)
        if tree != nil, try storeRun({ () throws(StoreError) in try store.activeDeployment(unit: parts[0]) }) == nil {
            try gridflow.run { () throws(EngineError) in
                try draft.checkOpening(parts[1], input: values, by: actor, now: now)
            }
        }
        // New cases open on the unit's active deployment.
        let engine = try options.engine(unit: parts[0], store: store, tree: tree)
        let opened = try gridflow.run { () throws(EngineError) in
            try engine.open(parts[1], input: values, by: actor, now: now)
        }
        try CaseOutput.print(engine: engine, opened, viewer: .person(actor), now: now, json: options.json)
    }
}

struct CaseAct: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "act", abstract: "Fire an event on a case.")

    @Argument(help: "The case id.")
    var caseID: String
    @Argument(help: "The event.")
    var event: String
    @OptionGroup var actor: ActorOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var options: StoreOptions

    func run() throws {
        let store = try options.store()
        let engine = try CaseOutput.engine(for: caseID, store: store, options: options)
        let current = try gridflow.run { () throws(EngineError) in try engine.load(caseID) }
        guard let compiled = engine.program.workflow(current.workflow) else {
            throw CommandError(message: "no workflow")
        }
        let raw = try input.object()
        try InputOptions.precheck(raw, for: compiled, personType: engine.program.types.personType)
        let values = try input.values(raw, engine: engine, workflow: current.workflow)
        let now = try options.instant()
        let actor = try self.actor.actor(engine, now: now)
        // A refusal is explained as the actor may read the case.
        let view = { () throws(EngineError) in try engine.view(current, for: .person(actor), now: now) }
        let next = try gridflow.run(view: view) { () throws(EngineError) in
            try engine.act(caseID, event: event, input: values, by: actor, now: now)
        }
        try CaseOutput.print(engine: engine, next, viewer: .person(actor), now: now, json: options.json)
    }
}

struct CaseShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a case: state, the fields the actor may see, actions, history, incidents.")

    @Argument(help: "The case id.")
    var caseID: String
    @OptionGroup var viewer: ViewerOptions
    @OptionGroup var options: StoreOptions

    func run() throws {
        let store = try options.store()
        let engine = try CaseOutput.engine(for: caseID, store: store, options: options, use: .reading)
        let current = try gridflow.run { () throws(EngineError) in try engine.load(caseID) }
        let now = try options.instant()
        try CaseOutput.print(
            engine: engine, current, viewer: try viewer.viewer(engine, now: now), now: now, json: options.json,
            full: true)
    }
}

struct CaseVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Rebuild every case from its step log and check it against the case as stored.",
        discussion: """
            A step appends its changes to the case's step log and writes the case's fields in
            full only now and then (a snapshot). This command replays each case's log from the
            step that opened it and compares the result with the snapshot and the changes after
            it, field by field; it names the cases that differ (by field name, never a value) and
            exits with 1 if any does.
            """)

    @Option(help: "Only this unit.") var unit: String?
    @OptionGroup var options: StoreOptions

    func run() throws {
        let store = try options.store()
        var engines: [String: Engine] = [:]
        var checked = 0
        var problems: [(id: String, problem: String)] = []
        var cursor: Int64?
        repeat {
            let page = try storeRun { () throws(StoreError) in
                try store.cases(unit: unit, workflow: nil, state: nil, before: cursor, limit: 500)
            }
            for stored in page.cases {
                let engine: Engine
                if let known = engines[stored.unit] {
                    engine = known
                } else {
                    engine = try options.engine(unit: stored.unit, store: store, use: .reading)
                    engines[stored.unit] = engine
                }
                do throws(EngineError) {
                    if let problem = try engine.stepLogProblem(stored) { problems.append((stored.id, problem)) }
                } catch {
                    problems.append((stored.id, error.message))
                }
                checked += 1
            }
            cursor = page.next
        } while cursor != nil
        if options.json {
            let differing = problems.map {
                #"{"case":\#(ValueJSON.encode(Value.string($0.id))),"problem":\#(ValueJSON.encode(Value.string($0.problem)))}"#
            }
            let document = #"{"checked":\#(checked),"differing":[\#(differing.joined(separator: ","))]}"#
            FileHandleOutput.standardOutput(document + "\n")
        } else {
            for (id, problem) in problems { FileHandleOutput.standardOutput("case \(id): \(problem)\n") }
            FileHandleOutput.standardOutput(
                (checked == 1
                    ? "1 case rebuilt from its step log: " : "\(checked) cases rebuilt from their step logs: ")
                    + (problems.isEmpty
                        ? (checked == 1 ? "it agrees with the store\n" : "all agree with the store\n")
                        : "\(problems.count) \(problems.count == 1 ? "differs" : "differ")\n"))
        }
        if !problems.isEmpty { throw ExitCode(1) }
    }
}

struct CaseList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List cases: the open cases of a workflow with 'rank:' best first, then the others newest first.",
        discussion: """
            At most --limit cases are printed; when more remain, the last line is the command that
            prints the next page ('more: gridflow case list … --cursor C'; JSON: next_cursor). The
            ranked cases come first across pages, not within each: the first pages hold them all, best
            first, and the pages after them the other cases, newest first.
            """)

    @Option(help: "Only this unit.") var unit: String?
    @Option(help: "Only this workflow.") var workflow: String?
    @Option(help: "Only cases in this state.") var state: String?
    @OptionGroup var page: PageOptions
    @OptionGroup var viewer: ViewerOptions
    @OptionGroup var options: StoreOptions

    /// Where a page starts: at an offset into the ranked cases, or before a row of the others
    /// (`nil`: their first).
    enum Position: Equatable {
        case ranked(Int)
        case rest(Int64?)

        init(cursor: String?) throws {
            guard let cursor else {
                self = .ranked(0)
                return
            }
            if cursor.hasPrefix("r"), let offset = Int(cursor.dropFirst()), offset >= 0 {
                self = .ranked(offset)
            } else if cursor.hasPrefix("c"), let row = Int64(cursor.dropFirst()), row > 0 {
                self = .rest(row)
            } else {
                throw ValidationError(
                    "--cursor takes the cursor a previous page of 'case list' printed (its 'more:' line, or next_cursor)"
                )
            }
        }
    }

    func run() throws {
        let position = try Position(cursor: page.cursor)
        let store = try options.store()
        let now = try options.instant()
        // Each unit's definitions once. Without --as, a unit whose definitions do not load has
        // its cases listed unranked, their times in UTC; with --as, that is an error (what the
        // person may do cannot be known).
        var engines: [String: Engine?] = [:]
        func engine(_ unit: String) throws -> Engine? {
            if let known = engines[unit] { return known }
            let engine =
                viewer.id == nil
                ? try? options.engine(unit: unit, store: store, use: .reading)
                : try options.engine(unit: unit, store: store, use: .reading)
            engines[unit] = .some(engine)
            return engine
        }
        // The open cases of the ranked workflows, all of them: the order of the first pages.
        var ranks: [String: CaseRank] = [:]
        var snapshots: [String: CaseSnapshot] = [:]
        var ranked: [StoredCase] = []
        let units = try unit.map { [$0] } ?? storeRun { () throws(StoreError) in try store.deployedUnits() }
        for unit in units.sorted() {
            guard let engine = try engine(unit) else { continue }
            let names = engine.program.workflows.keys.sorted().filter {
                engine.program.workflows[$0]?.rank != nil && (workflow == nil || workflow == $0)
            }
            for name in names {
                guard let rank = engine.program.workflow(name)?.rank else { continue }
                var group: [(item: StoredCase, value: Value)] = []
                var cursor: Int64?
                repeat {
                    let found = try storeRun { () throws(StoreError) in
                        try store.cases(unit: unit, workflow: name, state: state, before: cursor, limit: 1000)
                    }
                    for stored in found.cases {
                        // Each case as its own deployment reads it; one whose deployment is not
                        // here, as the active one does.
                        guard
                            let snapshot = (try? engine.snapshot(stored))
                                ?? (try? engine.snapshot(stored, anyVersion: true)),
                            let value = engine.rank(of: snapshot, now: now)
                        else { continue }
                        snapshots[stored.id] = snapshot
                        ranks[stored.id] = value
                        group.append((stored, value.value))
                    }
                    cursor = found.next
                } while cursor != nil
                ranked += Ranking.order(group, descending: rank.descending)
            }
        }
        // This page: ranked cases from the offset, then the others (those not ranked) newest first.
        var cases: [StoredCase] = []
        var next: String?
        var restStart: Int64?
        var inRest = true
        if case .ranked(let offset) = position {
            let end = min(offset + page.limit, ranked.count)
            if offset < end { cases += ranked[offset..<end] }
            if end < ranked.count { next = "r\(end)" }
            inRest = end >= ranked.count
        } else if case .rest(let row) = position {
            restStart = row
        }
        if inRest {
            let rankedIDs = Set(ranked.map(\.id))
            var cursor = restStart
            var exhausted = false
            while cases.count < page.limit {
                let found = try storeRun { () throws(StoreError) in
                    try store.cases(
                        unit: unit, workflow: workflow, state: state, before: cursor, limit: page.limit - cases.count)
                }
                cases += found.cases.filter { !rankedIDs.contains($0.id) }
                cursor = found.next
                if found.next == nil {
                    exhausted = true
                    break
                }
            }
            // Whether any case that is not ranked remains after this page.
            var probe = cursor
            var more = false
            while !exhausted {
                let found = try storeRun { () throws(StoreError) in
                    try store.cases(unit: unit, workflow: workflow, state: state, before: probe, limit: 100)
                }
                if found.cases.contains(where: { !rankedIDs.contains($0.id) }) {
                    more = true
                    break
                }
                probe = found.next
                exhausted = found.next == nil
            }
            if more { next = cursor.map { "c\($0)" } ?? "r\(ranked.count)" }
        }
        for stored in cases where snapshots[stored.id] == nil {
            guard let engine = try engine(stored.unit) else { continue }
            snapshots[stored.id] = (try? engine.snapshot(stored)) ?? (try? engine.snapshot(stored, anyVersion: true))
        }
        for stored in cases {
            if let problem = ranks[stored.id]?.problem {
                FileHandleOutput.standardError(
                    "note: case \(stored.id): \(problem); it is listed last of its workflow\n")
            }
        }
        let zones = engines.mapValues { $0?.program.calendar.zone ?? .utc }
        // With --as, what the person may do on each case (their roles where their scopes reach).
        // The list names no field of a case but the rank, which reads only fields everyone may
        // see (the loader refuses a rank that reads a restricted one).
        var actions: [String: [String]] = [:]
        if viewer.id != nil {
            var actors: [String: Actor?] = [:]
            for stored in cases {
                guard let engine = engines[stored.unit] ?? nil else { continue }
                if actors[stored.unit] == nil {
                    if case .person(let actor) = try viewer.viewer(engine, now: now) {
                        actors[stored.unit] = actor
                    } else {
                        actors[stored.unit] = .some(nil)
                    }
                }
                guard let actor = actors[stored.unit] ?? nil, let snapshot = snapshots[stored.id] else { continue }
                actions[stored.id] = engine.actions(snapshot, for: actor)
            }
        }
        if options.json {
            let rows = cases.map {
                var row: [String: Value] = [
                    "id": .string($0.id), "unit": .string($0.unit), "workflow": .string($0.workflow),
                    "state": .string($0.state), "version": .number(Number($0.version)),
                    "opened_at": .datetime($0.openedAt), "updated_at": .datetime($0.updatedAt),
                ]
                if let rank = ranks[$0.id] { row["rank"] = rank.value }
                if viewer.id != nil { row["actions"] = .list((actions[$0.id] ?? []).map(Value.string)) }
                return ValueJSON.encode(row, time: zones[$0.unit] ?? .utc)
            }
            FileHandleOutput.standardOutput(
                "{\"cases\":[" + rows.joined(separator: ",") + "],\"next_cursor\":"
                    + ValueJSON.encode(next.map(Value.string) ?? .null) + "}\n")
            return
        }
        for stored in cases {
            let updated = (zones[stored.unit] ?? .utc).text(stored.updatedAt)
            let rank = ranks[stored.id].map { "  rank: " + ($0.value == .null ? "-" : $0.value.description) } ?? ""
            let may = actions[stored.id] ?? []
            let column = viewer.id == nil ? "" : "  may: " + (may.isEmpty ? "-" : may.joined(separator: ", "))
            FileHandleOutput.standardOutput(
                "\(stored.id)  \(stored.unit)/\(stored.workflow)  \(stored.state)  v\(stored.version)  \(updated)\(rank)\(column)\n"
            )
        }
        FileHandleOutput.standardOutput("\(cases.count) case\(cases.count == 1 ? "" : "s")\n")
        if let next { FileHandleOutput.standardOutput(PageOptions.more(next) + "\n") }
    }
}

/// `--limit` and `--cursor` of a listing that prints a page at a time.
struct PageOptions: ParsableArguments {
    static let maximum = 10_000

    @Option(help: "Print at most this many (1–10000).") var limit = 100
    @Option(help: "Go on from where a previous page ended: the cursor its 'more:' line (JSON: next_cursor) gave.")
    var cursor: String?

    func validate() throws {
        guard (1...Self.maximum).contains(limit) else {
            throw ValidationError("--limit must be from 1 to \(Self.maximum), not \(limit)")
        }
    }

    /// The line that names the next page: this command as it was typed, with `--cursor next`.
    static func more(_ next: String) -> String {
        var arguments = Array(CommandLine.arguments.dropFirst())
        var index = 0
        while index < arguments.count {
            if arguments[index] == "--cursor" {
                arguments.removeSubrange(index..<min(index + 2, arguments.count))
            } else if arguments[index].hasPrefix("--cursor=") {
                arguments.remove(at: index)
            } else {
                index += 1
            }
        }
        return "more: " + (["gridflow"] + arguments + ["--cursor", next]).map(shellQuoted).joined(separator: " ")
    }

    /// `text` as a POSIX shell reads it back: as it is when it holds only safe characters, else in
    /// single quotes.
    static func shellQuoted(_ text: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-")
        if !text.isEmpty, text.allSatisfy(safe.contains) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}

/// `gridflow tick`: fire due timers and perform pending effects, for every unit.
struct Tick: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tick",
        abstract: "Fire the timers due now (never earlier) and perform pending effects, each exactly once.")

    @OptionGroup var options: StoreOptions

    func run() throws {
        let store = try options.store()
        let now = try options.instant()
        let base = options.root == "." ? "" : (options.root.hasSuffix("/") ? options.root : options.root + "/")
        // The working tree's units and those deployed in the store.
        let deployed = try storeRun { () throws(StoreError) in try store.deployedUnits() }
        let units = Set(((try? FileManager.default.contentsOfDirectory(atPath: base + "Workflows")) ?? []) + deployed)
            .sorted()
        var fired = 0, performed = 0
        var incidents: [TickIncident] = []
        for unit in units {
            // Only units that have cases here need their definitions.
            let cases = try storeRun { () throws(StoreError) in try store.list(unit: unit, workflow: nil, state: nil) }
            guard !cases.isEmpty else { continue }
            let engine = try options.engine(unit: unit, store: store)
            let report = try gridflow.run { () throws(EngineError) in try engine.tick(now: now) }
            fired += report.timersFired
            performed += report.effectsPerformed
            incidents += report.incidents
        }
        if options.json {
            FileHandleOutput.standardOutput(
                ValueJSON.encode([
                    "timers_fired": .number(Number(fired)), "effects_performed": .number(Number(performed)),
                    "incidents": .list(
                        incidents.map {
                            .map([
                                .string("case_id"): .string($0.caseID), .string("place"): .string($0.place),
                                .string("code"): .string($0.code),
                            ])
                        }),
                ]) + "\n")
            return
        }
        FileHandleOutput.standardOutput(
            "fired \(fired) timer\(fired == 1 ? "" : "s"), performed \(performed) effect\(performed == 1 ? "" : "s")"
                + (incidents.isEmpty ? "" : ", \(incidents.count) incident\(incidents.count == 1 ? "" : "s")") + "\n")
        // Codes only: a message may name a field hidden from some viewer (see incident list --as).
        for incident in incidents { FileHandleOutput.standardOutput("  incident: \(incident.summary)\n") }
        if !incidents.isEmpty {
            FileHandleOutput.standardOutput("  details: gridflow incident list --as ID\n")
        }
    }
}

/// `gridflow incident list|retry`.
struct IncidentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incident", abstract: "List open incidents, or retry one after a fix.",
        subcommands: [IncidentList.self, IncidentRetry.self])
}

struct IncidentList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List open incidents.")

    @Option(name: .customLong("case"), help: "Only this case's.") var caseID: String?
    @OptionGroup var page: PageOptions
    @OptionGroup var viewer: ViewerOptions
    @OptionGroup var options: StoreOptions

    func run() throws {
        var after: Int?
        if let cursor = page.cursor {
            guard let id = Int(cursor), id >= 0 else {
                throw ValidationError(
                    "--cursor takes the cursor a previous page of 'incident list' printed (its 'more:' line, or next_cursor)"
                )
            }
            after = id
        }
        let store = try options.store()
        let (incidents, next) = try storeRun { () throws(StoreError) in
            try store.incidents(caseID: caseID, after: after, limit: page.limit)
        }
        let now = try options.instant()
        // Each incident as the viewer may read its case: who sent an event as the person of a
        // hidden field is hidden, and so is any hidden value its message names. A case that
        // cannot be read here says nothing of either.
        var engines: [String: Engine] = [:]
        var viewers: [String: Viewer] = [:]
        func engine(_ unit: String) throws -> Engine {
            if let engine = engines[unit] { return engine }
            let engine = try options.engine(unit: unit, store: store, use: .reading)
            engines[unit] = engine
            viewers[unit] = try viewer.viewer(engine, now: now)
            return engine
        }
        let seen = try incidents.map { incident -> (actor: String, message: String) in
            guard let stored = try storeRun({ () throws(StoreError) in try store.load(incident.caseID) }) else {
                return (CaseView.mark, CaseView.mark)
            }
            let engine = try engine(stored.unit)
            guard let snapshot = (try? engine.snapshot(stored)) ?? (try? engine.snapshot(stored, anyVersion: true)),
                let viewer = viewers[stored.unit]
            else { return (CaseView.mark, CaseView.mark) }
            let view = try gridflow.run { () throws(EngineError) in try engine.view(snapshot, for: viewer, now: now) }
            guard let view else { return (CaseView.mark, CaseView.mark) }
            let read = view.incident(incident)
            return (read.actor ?? read.actorHidden.map(\.mark) ?? CaseView.mark, read.message)
        }
        if options.json {
            let rows = zip(incidents, seen).map { incident, seen in
                ValueJSON.encode([
                    "id": .number(Number(incident.id)), "case_id": .string(incident.caseID),
                    "code": .string(incident.code), "message": .string(seen.message),
                    "transition": incident.transition.map(Value.string) ?? .null, "event": .string(incident.event),
                    "actor": .string(seen.actor),
                ])
            }
            FileHandleOutput.standardOutput(
                "{\"incidents\":[" + rows.joined(separator: ",") + "],\"next_cursor\":"
                    + ValueJSON.encode(next.map { Value.string(String($0)) } ?? .null) + "}\n")
            return
        }
        for (incident, seen) in zip(incidents, seen) {
            FileHandleOutput.standardOutput(
                "#\(incident.id)  \(incident.caseID)  \(incident.code)  '\(incident.event)' by \(seen.actor)  \(seen.message)\n"
            )
        }
        FileHandleOutput.standardOutput("\(incidents.count) open incident\(incidents.count == 1 ? "" : "s")\n")
        if let next { FileHandleOutput.standardOutput(PageOptions.more(String(next)) + "\n") }
    }
}

struct IncidentRetry: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "retry", abstract: "Apply an incident's event again.")

    @Argument(help: "The incident number.") var id: Int
    @OptionGroup var viewer: ViewerOptions
    @OptionGroup var options: StoreOptions

    func run() throws {
        let store = try options.store()
        let stored = try storeRun { () throws(StoreError) in try store.incident(id) }
        guard let stored else { throw CommandError(message: "no incident #\(id) in \(options.storeName)") }
        let engine = try CaseOutput.engine(for: stored.caseID, store: store, options: options)
        let now = try options.instant()
        let viewer = try self.viewer.viewer(engine, now: now)
        let current = try gridflow.run { () throws(EngineError) in try engine.load(stored.caseID) }
        let view = { () throws(EngineError) in try engine.view(current, for: viewer, now: now) }
        let next = try gridflow.run(view: view) { () throws(EngineError) in
            try engine.retry(id, now: now)
        }
        // With --json only the case is printed, as `case act --json` prints it.
        if !options.json { FileHandleOutput.standardOutput("incident #\(id) resolved\n") }
        try CaseOutput.print(engine: engine, next, viewer: viewer, now: now, json: options.json)
    }
}
