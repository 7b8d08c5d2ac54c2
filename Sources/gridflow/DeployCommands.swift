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
    @Option(help: "The SQLite store (created if missing).") var db: String = "gridflow.sqlite"
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
        let options = try StoreOptions.parse(["--db", db, "--root", root])
        let store = try options.storeCreatingIfMissing()
        let at = now.flatMap { Instant($0) } ?? Instant(seconds: Int(Date().timeIntervalSince1970))
        let who = deployer ?? Self.operatingSystemUser
        let version = tree.program.version
        let wasActive = try storeRun { () throws(StoreError) in try store.activeDeployment(unit: unit) }
        let deployment = StoredDeployment(
            // The store numbers it.
            unit: unit, version: version, sequence: 0, files: tree.deployableFiles,
            deployedBy: who, deployedAt: at, message: message)
        let created = try storeRun { () throws(StoreError) in
            try store.deploy(deployment, adopting: [tree.legacyVersion])
        }
        let stored = try storeRun { () throws(StoreError) in try store.deployment(unit: unit, version: version) }
        guard let stored else { throw CommandError(message: "the deployment of \(unit) was not stored", status: 1) }
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

/// `gridflow deployments`: a unit's deployments, with the active one and the cases on each.
struct DeploymentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deployments",
        abstract: "List a unit's deployments: version, when, by whom, why, the active one and the open cases on each.")

    @Argument(help: "The unit.") var unit: String
    @Option(help: "The SQLite store.") var db: String = "gridflow.sqlite"
    @Option(help: "The folder holding Workflows/ and Rules/ (for the unit's time zone).") var root: String = "."
    @Flag(help: "Print JSON for tools.") var json = false

    func run() throws {
        let options = try StoreOptions.parse(["--db", db, "--root", root])
        let store = try options.store()
        let deployments = try storeRun { () throws(StoreError) in try store.deployments(unit: unit) }
        let active = try storeRun { () throws(StoreError) in try store.activeDeployment(unit: unit) }
        let counts = try storeRun { () throws(StoreError) in try store.caseCounts(unit: unit) }
        // The unit's zone prints the times; without a loadable working tree, UTC.
        let zone = (try? WorkingTree.load(unit: unit, root: root))?.program.calendar.zone ?? Zone.utc
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
            FileHandleOutput.standardOutput("\(unit) has no deployment in \(db); run 'gridflow deploy \(unit)'\n")
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
