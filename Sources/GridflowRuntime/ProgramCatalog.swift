import GridflowDefinitions
import GridflowDiagnostics
import Synchronization

/// Where an engine finds the definitions of a case that runs on another deployment than the
/// one new cases open on.
public protocol ProgramCatalog: Sendable {
    /// The compiled definitions `unit` was deployed with as `version`; `nil` when no deployment
    /// has that version.
    func program(unit: String, version: String) throws(EngineError) -> Program?
}

/// The deployments of a store: each is read, validated and compiled the first time a case on it
/// is met, then kept (deployments are immutable).
public final class DeploymentCatalog: ProgramCatalog {
    let store: any CaseStore
    private let programs = Mutex<[String: Program]>([:])

    public init(store: any CaseStore, known: [Program] = []) {
        self.store = store
        programs.withLock { programs in
            for program in known { programs[program.unit + "@" + program.version] = program }
        }
    }

    public func program(unit: String, version: String) throws(EngineError) -> Program? {
        let key = unit + "@" + version
        if let known = programs.withLock({ $0[key] }) { return known }
        let deployment: StoredDeployment?
        do { deployment = try store.deployment(unit: unit, version: version) } catch {
            throw EngineError(.store, error.message)
        }
        guard let deployment else { return nil }
        let program = try Self.compile(deployment)
        programs.withLock { $0[key] = program }
        return program
    }

    /// The definitions of a deployment, loaded from the files it holds as a working tree's are.
    public static func compile(_ deployment: StoredDeployment) throws(EngineError) -> Program {
        let files = Dictionary(deployment.files.map { ($0.path, $0.text) }, uniquingKeysWith: { first, _ in first })
        let result = Loader(fileSystem: .memory(files)).load(
            paths: [
                "Workflows/\(deployment.unit)", "Rules/\(deployment.unit)",
            ].filter { folder in files.keys.contains { $0.hasPrefix(folder + "/") } })
        let errors = result.diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty, let definitions = result.units[deployment.unit] else {
            // Stored deployments were valid when deployed; a later engine may judge them otherwise.
            let first =
                errors.first.map {
                    ": \($0.location.map { "\($0.file):\($0.line):\($0.column): " } ?? "")\($0.message)"
                } ?? ""
            throw EngineError(
                .version,
                "deployment \(deployment.sequence) of \(deployment.unit) (version \(deployment.version)) does not load: \(errors.count) error\(errors.count == 1 ? "" : "s")\(first)"
            )
        }
        do { return try Program(definitions: definitions, version: deployment.version) } catch {
            throw EngineError(
                .version,
                "deployment \(deployment.sequence) of \(deployment.unit) (version \(deployment.version)) does not compile: \(error)"
            )
        }
    }
}
