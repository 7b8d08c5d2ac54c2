import Foundation
import PostgresNIO
import Testing

@testable import GridflowPostgres
@testable import GridflowRuntime

/// The PostgreSQL server the tests use: `GRIDFLOW_TEST_POSTGRES` (`.ci/with-postgres` starts a
/// throwaway cluster and sets it). Without it the PostgreSQL tests fail, naming what to do;
/// `GRIDFLOW_SKIP_POSTGRES=1` skips them instead, said in the test output (CI never sets it).
enum PostgresServer {
    static let url = ProcessInfo.processInfo.environment["GRIDFLOW_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
    static let skipped = ProcessInfo.processInfo.environment["GRIDFLOW_SKIP_POSTGRES"] == "1"

    /// The trait of every PostgreSQL suite: disabled only when skipping is asked for.
    static var available: ConditionTrait {
        .disabled(if: skipped && url == nil, "GRIDFLOW_SKIP_POSTGRES=1: the PostgreSQL store is not tested")
    }

    struct NoServer: Error, CustomStringConvertible {
        var description: String {
            "no PostgreSQL server for the tests: run them with `.ci/with-postgres swift test`, or set GRIDFLOW_TEST_POSTGRES=postgres://user@host:port/database (GRIDFLOW_SKIP_POSTGRES=1 skips them)"
        }
    }

    static func server() throws -> PostgresLocation {
        guard let url else { throw NoServer() }
        return try PostgresLocation(url: url)
    }

    /// Runs `body` with an empty database of its own on the server, dropped afterwards.
    static func withDatabase<T>(_ body: (PostgresLocation) throws -> T) throws -> T {
        let server = try server()
        let name = "gridflow_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try admin(server, "CREATE DATABASE \(name)")
        defer { try? admin(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        return try body(server.database(name))
    }

    /// `withDatabase` for a body that suspends.
    static func withDatabaseAsync<T>(_ body: (PostgresLocation) async throws -> T) async throws -> T {
        let server = try server()
        let name = "gridflow_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try admin(server, "CREATE DATABASE \(name)")
        defer { try? admin(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        return try await body(server.database(name))
    }

    /// Runs one statement on the server's own database, outside a transaction.
    static func admin(_ server: PostgresLocation, _ sql: String) throws {
        let pool = try ConnectionPool(server, logger: Logger(label: "tests"))
        defer { pool.close() }
        _ = try pool.withConnection { connection throws(StoreError) in
            try connection.execute(PostgresQuery(unsafeSQL: sql))
        }
    }

    /// Runs statements in `location`'s database.
    static func run(_ location: PostgresLocation, _ statements: String...) throws {
        let pool = try ConnectionPool(location, logger: Logger(label: "tests"))
        defer { pool.close() }
        try pool.withConnection { connection throws(StoreError) in
            for sql in statements { try connection.execute(PostgresQuery(unsafeSQL: sql)) }
        }
    }
}
