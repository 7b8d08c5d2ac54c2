import ArgumentParser
import Foundation
import GridflowDefinitions
import GridflowDiagnostics
import GridflowExpressions
import GridflowRuntime
import GridflowStore

/// A unit's definitions as they are in the working tree (`ROOT/Workflows/UNIT`, `ROOT/Rules/UNIT`
/// and the unit they extend), validated and compiled.
struct WorkingTree {
    var program: Program
    /// Every file read, for quoting diagnostics and for a deployment.
    var sources: [SourceFile]
    /// What the load found (warnings, when it succeeded).
    var diagnostics: [Diagnostic]
    /// The folders of the unit.
    var folders: [String]

    /// The unit's files as a deployment holds them: no scenarios or demos, paths from
    /// `Workflows/` or `Rules/` on.
    var deployableFiles: [StoredDeployment.File] {
        DefinitionVersion.deployable(sources).map {
            StoredDeployment.File(path: DefinitionVersion.relative($0.path), text: $0.text)
        }.sorted { $0.path < $1.path }
    }

    /// The version a store recorded for these files before deployments existed.
    var legacyVersion: String { DefinitionVersion.bytes(sources) }

    /// Loads `unit`; with `printing`, every problem is printed like `validate` does before the
    /// error is thrown.
    static func load(unit: String, root: String, printing: Bool = false) throws -> WorkingTree {
        let base = root == "." ? "" : (root.hasSuffix("/") ? root : root + "/")
        let folders = [base + "Workflows/" + unit, base + "Rules/" + unit].filter {
            FileManager.default.fileExists(atPath: $0)
        }
        guard !folders.isEmpty else { throw CommandError(message: "no unit '\(unit)' in \(base.isEmpty ? "." : base)") }
        let result = Loader().load(paths: folders)
        let errors = result.diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty, let definitions = result.units[unit] else {
            if printing {
                FileHandleOutput.standardError(DiagnosticRenderer(sources: result.sources).render(result.diagnostics))
                throw CommandError(
                    message:
                        "unit '\(unit)' has \(errors.count) error\(errors.count == 1 ? "" : "s"); nothing was deployed",
                    status: 1)
            }
            throw CommandError(
                message:
                    "the definitions of unit '\(unit)' have \(errors.count) error(s); run 'gridflow validate \(folders.joined(separator: " "))'",
                status: 1)
        }
        do {
            let program = try Program(definitions: definitions, version: DefinitionVersion.of(result.sources))
            return WorkingTree(
                program: program, sources: result.sources, diagnostics: result.diagnostics, folders: folders)
        } catch {
            throw CommandError(message: "unit '\(unit)' cannot be compiled: \(error)", status: 1)
        }
    }
}

/// How a command takes the store's deployments.
enum DeploymentUse {
    /// Runs cases: a store without a deployment of the unit gets the working tree deployed (and
    /// says so); a working tree that differs from the active deployment is an error, unless
    /// `--deploy` deploys it first.
    case running
    /// Writes the unit's directory: like `running`, but a store without a deployment of the unit
    /// is checked against the working tree without deploying it (the directory is not definitions).
    case directory
    /// Only reads: the active deployment, or the working tree before the first deployment.
    case reading
}

extension StoreOptions {
    /// The engine for `unit` on `store`: new cases open on the active deployment, each stored
    /// case runs on the deployment it opened on (or was migrated to). `tree` is the working tree
    /// when the caller loaded it already.
    func engine(
        unit: String, store: any CaseStore, use: DeploymentUse = .running, tree preloaded: WorkingTree? = nil
    ) throws -> Engine {
        let program = try deployedProgram(unit: unit, store: store, use: use, tree: preloaded)
        return Engine(program: program, store: store, catalog: DeploymentCatalog(store: store, known: [program]))
    }

    /// The definitions new cases of `unit` open on, as `use` takes them.
    func deployedProgram(unit: String, store: any CaseStore, use: DeploymentUse, tree preloaded: WorkingTree?)
        throws -> Program
    {
        let active = try storeRun { () throws(StoreError) in try store.activeDeployment(unit: unit) }
        let tree: WorkingTree?
        if let preloaded {
            tree = preloaded
        } else if active != nil, !WorkingTree.exists(unit: unit, root: root) {
            // An administrator's store, away from any working tree: it runs on what is deployed.
            tree = nil
        } else if use == .reading, let active {
            // Reading takes what is deployed; the working tree is read only to avoid a second load.
            let loaded = try? WorkingTree.load(unit: unit, root: root)
            if let loaded, loaded.program.version == active { return loaded.program }
            tree = nil
        } else {
            tree = try WorkingTree.load(unit: unit, root: root)
        }
        guard let active else {
            guard let tree else { throw CommandError(message: "no unit '\(unit)'") }
            guard use == .running else { return tree.program }
            let (stored, created) = try tree.deploy(
                to: store, by: DeployCommand.operatingSystemUser, at: Instant.current,
                message: "deployed on first use")
            // Of processes racing to a new store, one deploys and says so.
            if created {
                FileHandleOutput.standardError(
                    "deployed \(unit) version \(tree.program.version) as deployment \(stored.sequence): \(storeName) had no deployment of it\n"
                )
            }
            return tree.program
        }
        if let tree, tree.program.version == active { return tree.program }
        if let tree, use != .reading {
            guard deploy else {
                let known = try storeRun { () throws(StoreError) in
                    try store.deployment(unit: unit, version: tree.program.version)
                }
                throw CommandError(
                    message:
                        "the working tree's definitions of \(unit) (version \(tree.program.version)\(known.map { ", deployment \($0.sequence)" } ?? ", not deployed")) are not the active deployment in \(storeName) (version \(active)); run 'gridflow deploy \(unit)\(root == "." ? "" : " --root \(root)")' first, or add --deploy",
                    status: 1)
            }
            let (stored, created) = try tree.deploy(
                to: store, by: DeployCommand.operatingSystemUser, at: Instant.current, message: "deployed with --deploy"
            )
            FileHandleOutput.standardError(
                created
                    ? "deployed \(unit) version \(tree.program.version) as deployment \(stored.sequence); new cases open on it\n"
                    : "\(unit) version \(tree.program.version) (deployment \(stored.sequence)) is active again; new cases open on it\n"
            )
            return tree.program
        }
        let deployment = try storeRun { () throws(StoreError) in try store.deployment(unit: unit, version: active) }
        guard let deployment else {
            throw CommandError(
                message: "\(storeName) names version \(active) active for \(unit), but holds no such deployment")
        }
        return try run { () throws(EngineError) in try DeploymentCatalog.compile(deployment) }
    }
}

extension WorkingTree {
    /// Whether `root` holds a folder of `unit`.
    static func exists(unit: String, root: String) -> Bool {
        let base = root == "." ? "" : (root.hasSuffix("/") ? root : root + "/")
        return FileManager.default.fileExists(atPath: base + "Workflows/" + unit)
            || FileManager.default.fileExists(atPath: base + "Rules/" + unit)
    }

    /// Stores these definitions as a deployment of their unit and makes it active; returns it as
    /// stored (an existing deployment of the same version is made active again), and whether it
    /// is new.
    func deploy(to store: any CaseStore, by who: String, at: Instant, message: String?) throws -> (
        StoredDeployment, created: Bool
    ) {
        let unit = program.unit
        let deployment = StoredDeployment(
            // The store numbers it.
            unit: unit, version: program.version, sequence: 0, files: deployableFiles, deployedBy: who,
            deployedAt: at, message: message)
        let created = try storeRun { () throws(StoreError) in
            try store.deploy(deployment, adopting: [legacyVersion])
        }
        let stored = try storeRun { () throws(StoreError) in
            try store.deployment(unit: unit, version: program.version)
        }
        guard let stored else { throw CommandError(message: "the deployment of \(unit) was not stored", status: 1) }
        return (stored, created)
    }
}

extension Instant {
    /// The present second.
    static var current: Instant { Instant(seconds: Int(Date().timeIntervalSince1970)) }
}

/// `gridflow deploy`: validates a unit and stores an immutable deployment of it.
struct DeployCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Validate a unit and store an immutable deployment of its definitions.",
        discussion: """
            The deployment holds the unit's definitions (with the unit it extends; not its scenarios \
            or demos) under a content version: comments, key order, quoting and layout do not make a \
            new version, so deploying the same content again changes nothing and says so. The new \
            deployment becomes the unit's active one. An invalid unit is never deployed: every \
            problem is printed and the exit is 1. Cases a store recorded before deployments, on \
            exactly these files, are taken over by the deployment.
            """)

    @Argument(help: "The unit.") var unit: String
    @Option(
        help:
            "The store, created if missing: a SQLite file or a postgres:// URL (default: $GRIDFLOW_DB, else gridflow.sqlite)."
    )
    var db: String?
    @Option(help: "The folder holding Workflows/ and Rules/.") var root: String = "."
    @Option(help: "Why: recorded with the deployment.") var message: String?
    @Option(name: .customLong("as"), help: "Who deploys, recorded with it; default: the operating-system user.")
    var deployer: String?
    @Option(help: "The time of the deployment (ISO 8601 with offset); default: now.") var now: String?
    @Flag(help: "Print JSON for tools.") var json = false

    func validate() throws {
        if let now, Instant(now) == nil {
            throw ValidationError("--now must be a datetime such as 2024-07-01T09:00:00+08:00")
        }
        if let deployer, let problem = PersonID.problem(deployer) { throw ValidationError("--as: \(problem)") }
        if let message, message.contains(where: \.isNewline) || message.count > 500 {
            throw ValidationError("--message takes one line of at most 500 characters")
        }
    }

    func run() throws {
        let tree = try WorkingTree.load(unit: unit, root: root, printing: true)
        let options = try StoreOptions.parse((db.map { ["--db", $0] } ?? []) + ["--root", root])
        let store = try options.storeCreatingIfMissing()
        let at = now.flatMap { Instant($0) } ?? Instant(seconds: Int(Date().timeIntervalSince1970))
        let who = deployer ?? Self.operatingSystemUser
        let version = tree.program.version
        let wasActive = try storeRun { () throws(StoreError) in try store.activeDeployment(unit: unit) }
        let (stored, created) = try tree.deploy(to: store, by: who, at: at, message: message)
        let outcome =
            created ? "deployed" : wasActive == version ? "unchanged" : "reactivated"
        if json {
            var fields: [String: Value] = [:]
            fields["unit"] = .string(unit)
            fields["version"] = .string(version)
            fields["sequence"] = .number(Number(stored.sequence))
            fields["outcome"] = .string(outcome)
            fields["deployed_by"] = .string(stored.deployedBy)
            fields["deployed_at"] = .string(tree.program.calendar.zone.text(stored.deployedAt))
            fields["message"] = stored.message.map(Value.string) ?? .null
            fields["files"] = .number(Number(stored.files.count))
            FileHandleOutput.standardOutput(ValueJSON.encode(fields) + "\n")
            return
        }
        switch outcome {
        case "deployed":
            FileHandleOutput.standardOutput(
                "deployed \(unit) version \(version) as deployment \(stored.sequence) (\(stored.files.count) files); new cases open on it\n"
            )
        case "unchanged":
            FileHandleOutput.standardOutput(
                "\(unit) version \(version) is deployed already (deployment \(stored.sequence)) and active; nothing changed\n"
            )
        default:
            FileHandleOutput.standardOutput(
                "\(unit) version \(version) was deployed before (deployment \(stored.sequence)); it is active again\n")
        }
    }

    /// Who runs the command, as the operating system knows them.
    static var operatingSystemUser: String {
        let environment = ProcessInfo.processInfo.environment
        return environment["USER"] ?? environment["LOGNAME"] ?? "uid-\(getuid())"
    }
}

/// `gridflow deployments [list] UNIT` and `gridflow deployments diff UNIT A B`.
struct DeploymentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deployments",
        abstract: "List a unit's deployments, or show what changed between two.",
        subcommands: [DeploymentsList.self, DeploymentsDiff.self], defaultSubcommand: DeploymentsList.self)
}

/// Finds a deployment by what an administrator types: its number, its version, or the start of
/// its version (at least four characters, naming one).
func deployment(_ reference: String, of unit: String, in store: any CaseStore, db: String) throws -> StoredDeployment {
    let all = try storeRun { () throws(StoreError) in try store.deployments(unit: unit) }
    guard !all.isEmpty else {
        throw CommandError(message: "\(unit) has no deployment in \(db); run 'gridflow deploy \(unit)'")
    }
    if let number = Int(reference), reference.count < 4 {
        if let found = all.first(where: { $0.sequence == number }) { return found }
        throw CommandError(
            message: "\(unit) has no deployment \(number); its deployments are 1 to \(all.map(\.sequence).max() ?? 0)")
    }
    let matching = all.filter { $0.version.hasPrefix(reference) }
    guard reference.count >= 4, matching.count == 1 else {
        throw CommandError(
            message: matching.count > 1
                ? "'\(reference)' names \(matching.count) deployments of \(unit); give more of the version"
                : "\(unit) has no deployment '\(reference)' (give its number or its version; 'gridflow deployments \(unit)' lists them)"
        )
    }
    return matching[0]
}

/// `gridflow deployments list`: a unit's deployments, with the active one and the cases on each.
struct DeploymentsList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List a unit's deployments: version, when, by whom, why, the active one and the open cases on each.")

    @Argument(help: "The unit.") var unit: String
    @Option(help: "The store: a SQLite file or a postgres:// URL (default: $GRIDFLOW_DB, else gridflow.sqlite).")
    var db: String?
    @Flag(help: "Print JSON for tools.") var json = false

    func run() throws {
        let options = try StoreOptions.parse(db.map { ["--db", $0] } ?? [])
        let store = try options.store()
        let deployments = try storeRun { () throws(StoreError) in try store.deployments(unit: unit) }
        let active = try storeRun { () throws(StoreError) in try store.activeDeployment(unit: unit) }
        let counts = try storeRun { () throws(StoreError) in try store.caseCounts(unit: unit) }
        // The times in the zone of the active deployment's unit.
        let zone =
            try deployments.first { $0.version == active }.map { deployment in
                try gridflow.run { () throws(EngineError) in try DeploymentCatalog.compile(deployment) }.calendar.zone
            } ?? Zone.utc
        var rows: [(StoredDeployment, open: Int, all: Int)] = []
        for deployment in deployments {
            let finals = Self.finalStates(deployment)
            let mine = counts.filter { $0.version == deployment.version }
            let open = mine.filter { !(finals[$0.workflow]?.contains($0.state) ?? false) }.reduce(0) { $0 + $1.count }
            rows.append((deployment, open, mine.reduce(0) { $0 + $1.count }))
        }
        let orphans = Set(counts.map(\.version)).subtracting(deployments.map(\.version)).sorted()
        if json {
            let list = rows.map { row -> Value in
                .map([
                    .string("version"): .string(row.0.version), .string("sequence"): .number(Number(row.0.sequence)),
                    .string("active"): .bool(row.0.version == active),
                    .string("deployed_by"): .string(row.0.deployedBy),
                    .string("deployed_at"): .string(zone.text(row.0.deployedAt)),
                    .string("message"): row.0.message.map(Value.string) ?? .null,
                    .string("open_cases"): .number(Number(row.open)), .string("cases"): .number(Number(row.all)),
                ])
            }
            FileHandleOutput.standardOutput(
                ValueJSON.encode([
                    "unit": .string(unit), "active": active.map(Value.string) ?? .null, "deployments": .list(list),
                    "undeployed_versions": .list(orphans.map(Value.string)),
                ]) + "\n")
            return
        }
        guard !rows.isEmpty else {
            FileHandleOutput.standardOutput(
                "\(unit) has no deployment in \(StoreOptions.storeName(db)); run 'gridflow deploy \(unit)'\n")
            return
        }
        var out = ""
        for (deployment, open, all) in rows {
            out +=
                "\(deployment.version == active ? "*" : " ") \(deployment.sequence)  \(deployment.version)  \(zone.text(deployment.deployedAt))  \(deployment.deployedBy)  \(open) open of \(all) cases"
            if let message = deployment.message { out += "  \(message)" }
            out += "\n"
        }
        for version in orphans {
            out += "  cases on version \(version), which is not deployed here (recorded before deployments)\n"
        }
        FileHandleOutput.standardOutput(out)
    }

    /// The final states of each workflow of a deployment, read from its files.
    static func finalStates(_ deployment: StoredDeployment) -> [String: Set<String>] {
        var finals: [String: Set<String>] = [:]
        for file in deployment.files {
            let root = Loader.parse(SourceFile(path: file.path, text: file.text)).root
            guard root?["kind"]?.scalar?.string == DefinitionKind.workflow.rawValue,
                let name = root?["name"]?.scalar?.string, let states = root?["states"]?.mapping
            else { continue }
            for pair in states.pairs where pair.value["final"]?.scalar?.resolved == .bool(true) {
                if let state = pair.name { finals[name, default: []].insert(state) }
            }
        }
        return finals
    }
}

/// `gridflow deployments diff UNIT A B`: what changed from one deployment to another.
struct DeploymentsDiff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show what changed from deployment A to deployment B of a unit.",
        discussion: """
            A and B are deployment numbers (as 'gridflow deployments' lists them) or versions (or the \
            start of one). Lines: '+' added, '-' removed, '~' changed (old → new), each at its place: \
            the workflow, rule set or unit, then the state, transition, field or role, then the setting.
            """)

    @Argument(help: "The unit.") var unit: String
    @Argument(help: "The deployment to compare from.") var from: String
    @Argument(help: "The deployment to compare to.") var to: String
    @Option(help: "The store: a SQLite file or a postgres:// URL (default: $GRIDFLOW_DB, else gridflow.sqlite).")
    var db: String?
    @Flag(help: "Print JSON for tools.") var json = false

    func run() throws {
        let store = try StoreOptions.parse(db.map { ["--db", $0] } ?? []).store()
        let a = try deployment(
            from, of: unit, in: store, db: StoreOptions.parse(db.map { ["--db", $0] } ?? []).storeName)
        let b = try deployment(
            to, of: unit, in: store, db: StoreOptions.parse(db.map { ["--db", $0] } ?? []).storeName)
        func files(_ deployment: StoredDeployment) -> [String: String] {
            Dictionary(deployment.files.map { ($0.path, $0.text) }, uniquingKeysWith: { first, _ in first })
        }
        let diff = DefinitionDiff(old: files(a), new: files(b))
        if json {
            let changes = diff.changes.map { change -> Value in
                .map([
                    .string("change"): .string(change.kind.rawValue),
                    .string("place"): .list(change.place.map(Value.string)),
                    .string("old"): change.old.map(Value.string) ?? .null,
                    .string("new"): change.new.map(Value.string) ?? .null,
                ])
            }
            FileHandleOutput.standardOutput(
                ValueJSON.encode([
                    "unit": .string(unit), "from": .number(Number(a.sequence)), "to": .number(Number(b.sequence)),
                    "from_version": .string(a.version), "to_version": .string(b.version), "changes": .list(changes),
                ]) + "\n")
            return
        }
        var out = "\(unit): deployment \(a.sequence) (\(a.version)) → deployment \(b.sequence) (\(b.version))\n"
        out += diff.changes.isEmpty ? "no change in the definitions\n" : diff.text
        FileHandleOutput.standardOutput(out)
    }
}

/// `gridflow rollback UNIT --to A`: an earlier deployment becomes the one new cases open on.
struct RollbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Make an earlier deployment of a unit the one new cases open on.",
        discussion: """
            Cases keep the deployment they run on: rolling back changes only where new cases open. \
            Until the working tree matches the active deployment again, commands that run cases say \
            so ('gridflow deploy' makes the tree's definitions active again).
            """)

    @Argument(help: "The unit.") var unit: String
    @Option(help: "The deployment: its number or its version (or the start of one).") var to: String
    @Option(help: "The store: a SQLite file or a postgres:// URL (default: $GRIDFLOW_DB, else gridflow.sqlite).")
    var db: String?
    @Flag(help: "Print JSON for tools.") var json = false

    func run() throws {
        let store = try StoreOptions.parse(db.map { ["--db", $0] } ?? []).store()
        let target = try deployment(
            to, of: unit, in: store, db: StoreOptions.parse(db.map { ["--db", $0] } ?? []).storeName)
        let before = try storeRun { () throws(StoreError) in try store.activeDeployment(unit: unit) }
        try storeRun { () throws(StoreError) in try store.activate(unit: unit, version: target.version) }
        let outcome = before == target.version ? "unchanged" : "rolled-back"
        if json {
            FileHandleOutput.standardOutput(
                ValueJSON.encode([
                    "unit": .string(unit), "version": .string(target.version),
                    "sequence": .number(Number(target.sequence)), "outcome": .string(outcome),
                ]) + "\n")
            return
        }
        FileHandleOutput.standardOutput(
            outcome == "unchanged"
                ? "\(unit) deployment \(target.sequence) (\(target.version)) is active already; nothing changed\n"
                : "\(unit) deployment \(target.sequence) (\(target.version)) is active again; new cases open on it, open cases keep theirs\n"
        )
    }
}

/// `gridflow migrate UNIT [--from A …] [--to B] [--map-state OLD=NEW …] [--set FIELD=EXPR …]
/// [--drop FIELD …] [--dry-run]`: moves open cases to another deployment, checked, all or none.
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Move the open cases of a unit's other deployments to one deployment, checked, all or none.",
        discussion: """
            Every open case on a --from deployment (default: every deployment but the target that \
            has open cases) is checked against the target (default: the active deployment): its \
            workflow and state exist there or the state is mapped (--map-state OLD=NEW, or \
            WORKFLOW.OLD=NEW), its fields have the target's types, a field the target does not \
            declare is given up only with --drop FIELD, a field the target requires from the \
            opening on has a value (--set FIELD=EXPR computes one from the old case: case.FIELD). \
            Timers are recomputed: the target's timers of the new state, counted from when the case \
            entered its state. Each case that cannot move is listed with why, and then nothing \
            moves (exit 1). Otherwise all move in one transaction, each with a history entry \
            (event 'migrate', from and to state, the fields changed). --dry-run checks and \
            writes nothing.
            """)

    @Argument(help: "The unit.") var unit: String
    @Option(help: "A deployment to move cases from (repeat for several): its number or version.") var from: [String] =
        []
    @Option(help: "The deployment to move them to; default: the active one.") var to: String?
    @Option(name: .customLong("map-state"), help: "OLD=NEW or WORKFLOW.OLD=NEW: the state a case in OLD moves to.")
    var mapState: [String] = []
    @Option(name: .customLong("set"), help: "FIELD=EXPR or WORKFLOW.FIELD=EXPR: a field's value, from the old case.")
    var sets: [String] = []
    @Option(help: "FIELD or WORKFLOW.FIELD: a field of the old deployment whose value is given up.") var drop:
        [String] = []
    @Flag(name: .customLong("dry-run"), help: "Check and report; write nothing.") var dryRun = false
    @Option(
        name: .customLong("as"),
        help: "Who migrates, recorded in each case's history; default: the operating-system user.")
    var migrator: String?
    @Option(help: "The store: a SQLite file or a postgres:// URL (default: $GRIDFLOW_DB, else gridflow.sqlite).")
    var db: String?
    @Option(help: "The time of the migration (ISO 8601 with offset); default: now.") var now: String?
    @Flag(help: "Print JSON for tools.") var json = false

    func validate() throws {
        if let now, Instant(now) == nil {
            throw ValidationError("--now must be a datetime such as 2024-07-01T09:00:00+08:00")
        }
        if let migrator, let problem = PersonID.problem(migrator) { throw ValidationError("--as: \(problem)") }
        _ = try rules()
    }

    /// The options as rules; a malformed one is a usage error.
    func rules() throws -> MigrationRules {
        func pair(_ text: String, _ option: String, _ form: String) throws -> (String, String) {
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex,
                text.index(after: equals) != text.endIndex
            else { throw ValidationError("--\(option) takes \(form), not '\(text)'") }
            return (String(text[..<equals]), String(text[text.index(after: equals)...]))
        }
        var rules = MigrationRules()
        for text in mapState {
            let (old, new) = try pair(text, "map-state", "OLD=NEW or WORKFLOW.OLD=NEW")
            guard rules.states.updateValue(new, forKey: old) == nil else {
                throw ValidationError("--map-state maps '\(old)' twice")
            }
        }
        for text in sets {
            let (field, expression) = try pair(text, "set", "FIELD=EXPR or WORKFLOW.FIELD=EXPR")
            guard rules.sets.updateValue(expression, forKey: field) == nil else {
                throw ValidationError("--set gives '\(field)' twice")
            }
        }
        rules.drops = Set(drop)
        return rules
    }

    func run() throws {
        let store = try StoreOptions.parse(db.map { ["--db", $0] } ?? []).store()
        let at = now.flatMap { Instant($0) } ?? Instant.current
        let who = migrator ?? DeployCommand.operatingSystemUser
        let active = try storeRun { () throws(StoreError) in try store.activeDeployment(unit: unit) }
        guard
            let target = try to.map({
                try deployment(
                    $0, of: unit, in: store, db: StoreOptions.parse(db.map { ["--db", $0] } ?? []).storeName)
            })
                ?? active.map({
                    try deployment(
                        $0, of: unit, in: store, db: StoreOptions.parse(db.map { ["--db", $0] } ?? []).storeName)
                })
        else {
            throw CommandError(
                message: "\(unit) has no deployment in \(StoreOptions.storeName(db)); run 'gridflow deploy \(unit)'")
        }
        let program = try gridflow.run { () throws(EngineError) in try DeploymentCatalog.compile(target) }
        let engine = Engine(program: program, store: store, catalog: DeploymentCatalog(store: store, known: [program]))
        let sources = try from.map {
            try deployment($0, of: unit, in: store, db: StoreOptions.parse(db.map { ["--db", $0] } ?? []).storeName)
        }
        if sources.contains(where: { $0.version == target.version }) {
            throw ValidationError("--from names the target deployment \(target.sequence)")
        }
        var sequences: [String: Int] = [:]
        for deployment in try storeRun({ () throws(StoreError) in try store.deployments(unit: unit) }) {
            sequences[deployment.version] = deployment.sequence
        }
        let rules = try rules()
        let moves = try gridflow.run { () throws(EngineError) in
            try engine.planMigration(
                try engine.casesToMigrate(from: Set(sources.map(\.version))), rules: rules, by: who, now: at)
        }
        let refused = moves.filter { !$0.problems.isEmpty }
        var migrated = false
        if !dryRun, refused.isEmpty, !moves.isEmpty {
            try gridflow.run { () throws(EngineError) in try engine.migrate(moves) }
            migrated = true
        }
        let name = { (version: String) in sequences[version].map { "deployment \($0)" } ?? "version \(version)" }
        if json {
            let rows = moves.map { move -> Value in
                .map([
                    .string("case"): .string(move.caseID), .string("workflow"): .string(move.workflow),
                    .string("from_version"): .string(move.fromVersion),
                    .string("from_deployment"): sequences[move.fromVersion].map { .number(Number($0)) } ?? .null,
                    .string("from_state"): .string(move.fromState),
                    .string("to_state"): move.toState.map(Value.string) ?? .null,
                    .string("timers"): .list(
                        (move.step?.startTimers ?? []).map { timer in
                            .map([
                                .string("event"): .string(timer.event),
                                .string("due"): .string(program.calendar.zone.text(timer.due)),
                            ])
                        }),
                    .string("problems"): .list(move.problems.map(Value.string)),
                ])
            }
            FileHandleOutput.standardOutput(
                ValueJSON.encode([
                    "unit": .string(unit), "to": .number(Number(target.sequence)),
                    "to_version": .string(target.version),
                    "dry_run": .bool(dryRun), "migrated": .bool(migrated), "cases": .list(rows),
                    "cannot_move": .number(Number(refused.count)),
                ]) + "\n")
        } else {
            var out = ""
            for move in moves where move.problems.isEmpty {
                out +=
                    "  \(move.caseID)  \(name(move.fromVersion))  \(move.fromState) → \(move.toState ?? "?")"
                    + (move.step?.startTimers.isEmpty == false
                        ? "  timers: "
                            + (move.step?.startTimers ?? []).map {
                                "\($0.event) at \(program.calendar.zone.text($0.due))"
                            }.joined(separator: ", ") : "") + "\n"
            }
            if !refused.isEmpty {
                out += "cannot move:\n"
                for move in refused {
                    out += "  \(move.caseID) (\(move.workflow), \(name(move.fromVersion)), state \(move.fromState)):\n"
                    for problem in move.problems { out += "    \(problem)\n" }
                }
            }
            let count = moves.count
            let summary: String
            if moves.isEmpty {
                summary = "\(unit): no open case to move to deployment \(target.sequence)"
            } else if migrated {
                summary = "\(unit): moved \(count) open case\(count == 1 ? "" : "s") to deployment \(target.sequence)"
            } else if refused.isEmpty {
                summary =
                    "\(unit): \(count) open case\(count == 1 ? "" : "s") can move to deployment \(target.sequence) (dry run: nothing written)"
            } else {
                summary =
                    "\(unit): \(refused.count) of \(count) open case\(count == 1 ? "" : "s") cannot move to deployment \(target.sequence); nothing was migrated"
            }
            FileHandleOutput.standardOutput(summary + "\n" + out)
        }
        if !refused.isEmpty { throw ExitCode(1) }
    }
}
