import GridflowExpressions
import GridflowRuntime
import PostgresNIO

// MARK: Deployments

/// A unit's immutable deployments, the active one, and migrating cases between them. A
/// deployment made through one process is what every process sharing the server reads next.
extension PostgresCaseStore {
    static let deploymentColumns = "unit, version, sequence, files, deployed_by, deployed_at, message"

    public func deployments(unit: String) throws(StoreError) -> [StoredDeployment] {
        try withConnection { connection throws(StoreError) in
            try connection.rows(
                "SELECT \(unescaped: Self.deploymentColumns) FROM deployments WHERE unit = \(unit) ORDER BY sequence"
            ) { row in try Self.storedDeployment(row) }
        }
    }

    public func deployment(unit: String, version: String) throws(StoreError) -> StoredDeployment? {
        try withConnection { connection throws(StoreError) in
            try connection.rows(
                """
                SELECT \(unescaped: Self.deploymentColumns) FROM deployments WHERE unit = \(unit) AND version = \(version)
                """
            ) { row in try Self.storedDeployment(row) }.first
        }
    }

    public func standing(unit: String, version: String) throws(StoreError) -> DeploymentStanding {
        try withConnection { connection throws(StoreError) in
            try connection.rows(
                """
                SELECT (SELECT sequence FROM deployments WHERE unit = \(unit) AND version = \(version)),
                       (SELECT version FROM active_deployments WHERE unit = \(unit)),
                       (SELECT d.sequence FROM active_deployments a
                          JOIN deployments d ON d.unit = a.unit AND d.version = a.version WHERE a.unit = \(unit))
                """
            ) { row in
                let (sequence, active, activeSequence) = try row.decode((Int?, String?, Int?).self)
                return DeploymentStanding(sequence: sequence, activeVersion: active, activeSequence: activeSequence)
            }.first ?? DeploymentStanding(sequence: nil, activeVersion: nil, activeSequence: nil)
        }
    }

    public func deployedUnits() throws(StoreError) -> [String] {
        try withConnection { connection throws(StoreError) in
            try connection.rows("SELECT unit FROM active_deployments ORDER BY unit") { row in
                try row.decode(String.self)
            }
        }
    }

    public func activeDeployment(unit: String) throws(StoreError) -> String? {
        try withConnection { connection throws(StoreError) in
            try connection.rows("SELECT version FROM active_deployments WHERE unit = \(unit)") { row in
                try row.decode(String.self)
            }.first
        }
    }

    /// Deployments through several processes at once take turns (a lock on the table, which
    /// only deploying takes), so each numbers its deployment after the others' and a version
    /// deployed twice at once is stored once, as SQLite's single writer has it.
    public func deploy(_ deployment: StoredDeployment, adopting: [String]) throws(StoreError) -> Bool {
        let files = Value.list(
            deployment.files.map {
                .map([.string("path"): .string($0.path), .string("text"): .string($0.text)])
            })
        let filesJSON = ValueJSON.encode(files)
        return try write { connection throws(StoreError) in
            try connection.execute("LOCK TABLE deployments IN SHARE ROW EXCLUSIVE MODE")
            let exists = try !connection.rows(
                "SELECT 1 FROM deployments WHERE unit = \(deployment.unit) AND version = \(deployment.version)"
            ) { row in try row.decode(Int.self) }.isEmpty
            if !exists {
                try connection.execute(
                    """
                    INSERT INTO deployments (unit, version, sequence, files, deployed_by, deployed_at, message)
                    SELECT \(deployment.unit), \(deployment.version), COALESCE(MAX(sequence), 0) + 1, \(filesJSON),
                           \(deployment.deployedBy), \(deployment.deployedAt.seconds), \(deployment.message)
                    FROM deployments WHERE unit = \(deployment.unit)
                    """)
            }
            try Self.activate(unit: deployment.unit, version: deployment.version, connection)
            for legacy in adopting where legacy != deployment.version {
                try connection.execute(
                    """
                    UPDATE cases SET definition_version = \(deployment.version)
                    WHERE unit = \(deployment.unit) AND definition_version = \(legacy)
                    """)
            }
            return !exists
        }
    }

    public func activate(unit: String, version: String) throws(StoreError) {
        try write { connection throws(StoreError) in
            let exists = try !connection.rows(
                "SELECT 1 FROM deployments WHERE unit = \(unit) AND version = \(version)"
            ) { row in try row.decode(Int.self) }.isEmpty
            guard exists else { throw StoreError(.notFound, "unit \(unit) has no deployment \(version)") }
            try Self.activate(unit: unit, version: version, connection)
        }
    }

    static func activate(unit: String, version: String, _ connection: Connection) throws(StoreError) {
        try connection.execute(
            """
            INSERT INTO active_deployments (unit, version) VALUES (\(unit), \(version))
            ON CONFLICT (unit) DO UPDATE SET version = excluded.version
            """)
    }

    public func migrate(_ steps: [Step]) throws(StoreError) {
        let encoded = steps.map(EncodedStep.init)
        try write { connection throws(StoreError) in
            for step in encoded {
                let next = step.step.next
                let expected = next.version - 1
                let changed = try connection.execute(
                    """
                    UPDATE cases SET definition_version = \(next.definitionVersion)
                    WHERE id = \(next.id) AND version = \(expected)
                    """)
                guard changed == 1 else {
                    throw StoreError(
                        .conflict,
                        "case \(next.id) changed meanwhile (it is not at version \(expected)); nothing was migrated")
                }
                try Self.commitStep(step, expectedVersion: expected, connection)
            }
        }
    }

    public func caseCounts(unit: String) throws(StoreError) -> [CaseCount] {
        try withConnection { connection throws(StoreError) in
            try connection.rows(
                """
                SELECT definition_version, workflow, state, COUNT(*) FROM cases WHERE unit = \(unit)
                GROUP BY definition_version, workflow, state ORDER BY definition_version, workflow, state
                """
            ) { row in
                let (version, workflow, state, count) = try row.decode((String, String, String, Int).self)
                return CaseCount(version: version, workflow: workflow, state: state, count: count)
            }
        }
    }

    /// A deployment row (`deploymentColumns`).
    static func storedDeployment(_ row: PostgresRow) throws -> StoredDeployment {
        let (unit, version, sequence, text, deployedBy, deployedAt, message) = try row.decode(
            (String, String, Int, String, String, Int, String?).self)
        var files: [StoredDeployment.File] = []
        if case .array(let items) = try JSONReader.read(text.utf8) {
            for item in items {
                guard case .object(let object) = item, case .string(let path)? = object["path"],
                    case .string(let body)? = object["text"]
                else {
                    throw StoreError(
                        .database,
                        "deployment \(sequence) of \(unit) holds a file entry that is not {path, text}")
                }
                files.append(.init(path: path, text: body))
            }
        }
        return StoredDeployment(
            unit: unit, version: version, sequence: sequence, files: files, deployedBy: deployedBy,
            deployedAt: Instant(seconds: deployedAt), message: message)
    }
}
