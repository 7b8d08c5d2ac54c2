import Foundation
import GRDB
import GridflowRuntime
import GridflowStore
import PostgresNIO
import Testing

@testable import GridflowPostgres

/// The stores the store tests run on: a test taking `StoreKind.allCases` as its arguments runs
/// once on a SQLite file and once on a PostgreSQL database, so that neither store drifts.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// Runs `body` with a new, empty place for a store of this kind (a SQLite file of its own, or a
    /// PostgreSQL database of its own), removed afterwards.
    func with<T>(_ body: (StorePlace) throws -> T) throws -> T {
        let place = try StorePlace(self)
        defer { place.remove() }
        return try body(place)
    }

    /// `with`, for an async body.
    func withAsync<T>(_ body: (StorePlace) async throws -> T) async throws -> T {
        let place = try StorePlace(self)
        defer { place.remove() }
        return try await body(place)
    }
}

/// Where a test's store is: each `open()` is a new store object on the same data, as another
/// process would open it. Also the data read and written past the store, for tests that look
/// at how a row is stored or damage one.
final class StorePlace: @unchecked Sendable {
    let kind: StoreKind
    /// The SQLite file.
    private let path: String
    /// The PostgreSQL database.
    private let database: (server: PostgresLocation, name: String)?
    private let lock = NSLock()
    private var opened: [PostgresCaseStore] = []

    init(_ kind: StoreKind) throws {
        self.kind = kind
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent(
                "gridflow-\(kind)-\(UUID().uuidString).sqlite"
            ).path
        switch kind {
        case .sqlite: database = nil
        case .postgres: database = try PostgresServer.createDatabase()
        }
    }

    /// The PostgreSQL database's name.
    var databaseName: String? { database?.name }

    /// A new store object on this place's data (the first one creates the store).
    func open(poolSize: Int? = nil) throws -> any CaseStore {
        guard let database else { return try SQLiteCaseStore(path: path) }
        var location = database.server.database(database.name)
        if let poolSize { location.poolSize = poolSize }
        let store = try PostgresCaseStore(location: location)
        lock.withLock { opened.append(store) }
        return store
    }

    /// `open()`, with wang in the store's directory (what the fixture's engine tests name).
    func seeded() throws -> any CaseStore {
        let store = try open()
        try SQLiteCaseStoreTests.seed(store)
        return store
    }

    /// Runs a statement on the data, past the store: `sqlite`'s text on SQLite (`?` for each
    /// argument), `postgres`'s on PostgreSQL (`$1`, `$2` …).
    func execute(sqlite: String, postgres: String, _ arguments: [String] = []) throws {
        _ = try rows(sqlite: sqlite, postgres: postgres, arguments)
    }

    /// The rows a query reads past the store, each column as text (PostgreSQL's columns cast to
    /// `text` by the query).
    func rows(sqlite: String, postgres: String, _ arguments: [String] = []) throws -> [[String?]] {
        guard let database else {
            let queue = try DatabaseQueue(path: path)
            defer { try? queue.close() }
            return try queue.write { db in
                try Row.fetchAll(db, sql: sqlite, arguments: StatementArguments(arguments)).map { row in
                    row.databaseValues.map { value in
                        switch value.storage {
                        case .null: nil
                        case .int64(let number): String(number)
                        case .double(let number): String(number)
                        case .string(let text): text
                        case .blob(let data): data.base64EncodedString()
                        }
                    }
                }
            }
        }
        var bindings = PostgresBindings()
        for argument in arguments { bindings.append(argument) }
        return try PostgresServer.withConnection(database.server.database(database.name)) {
            connection throws(StoreError) in
            try connection.rows(PostgresQuery(unsafeSQL: postgres, binds: bindings)) { row in
                try row.makeRandomAccess().map { try $0.decode(String?.self) }
            }
        }
    }

    /// Closes the stores opened here and removes their data.
    func remove() {
        let stores = lock.withLock { opened }
        for store in stores { store.close() }
        if let database {
            try? PostgresServer.admin(database.server, "DROP DATABASE IF EXISTS \(database.name) WITH (FORCE)")
        }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}

/// The PostgreSQL server of the tests: `GRIDFLOW_TEST_POSTGRES` (`.ci/with-postgres` starts a
/// throwaway cluster and sets it; GridflowPostgresTests' `PostgresServer` follows the same rule).
/// Without it a test on the PostgreSQL store fails, naming what to do; `GRIDFLOW_SKIP_POSTGRES=1`
/// cancels it instead, which the test output shows (CI never sets it).
enum PostgresServer {
    static let url = ProcessInfo.processInfo.environment["GRIDFLOW_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
    static let skipped = ProcessInfo.processInfo.environment["GRIDFLOW_SKIP_POSTGRES"] == "1"

    static let skipping = "GRIDFLOW_SKIP_POSTGRES=1: the PostgreSQL store is not tested"

    /// Disabled only when skipping is asked for (and no server is named).
    static var available: ConditionTrait { .disabled(if: skipped && url == nil, Comment(rawValue: skipping)) }

    struct NoServer: Error, CustomStringConvertible {
        var description: String {
            "no PostgreSQL server for the tests: run them with `.ci/with-postgres swift test`, or set GRIDFLOW_TEST_POSTGRES=postgres://user@host:port/database (GRIDFLOW_SKIP_POSTGRES=1 skips them)"
        }
    }

    /// A new, empty database on the server.
    static func createDatabase() throws -> (server: PostgresLocation, name: String) {
        guard let url else {
            // A cancelled test case passes unnoticed in the console: `PostgresStoreTests` says it.
            if skipped { try Test.cancel(Comment(rawValue: skipping)) }
            throw NoServer()
        }
        let server = try PostgresLocation(url: url)
        let name = "gridflow_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try admin(server, "CREATE DATABASE \(name)")
        return (server, name)
    }

    /// The names of the server's databases.
    static func databases() throws -> [String] {
        guard let url else { throw NoServer() }
        return try withConnection(try PostgresLocation(url: url)) { connection throws(StoreError) in
            try connection.rows(PostgresQuery(unsafeSQL: "SELECT datname::text FROM pg_database")) { row in
                try row.decode(String.self)
            }
        }
    }

    /// Runs one statement on the server's own database, outside a transaction.
    static func admin(_ server: PostgresLocation, _ sql: String) throws {
        _ = try withConnection(server) { connection throws(StoreError) in
            try connection.execute(PostgresQuery(unsafeSQL: sql))
        }
    }

    static func withConnection<T>(_ location: PostgresLocation, _ body: (Connection) throws(StoreError) -> T) throws
        -> T
    {
        let pool = try ConnectionPool(location, logger: Logger(label: "tests"))
        defer { pool.close() }
        return try pool.withConnection(body)
    }
}

/// Whether the store tests run on PostgreSQL: skipped (which the test output says) when
/// `GRIDFLOW_SKIP_POSTGRES=1` cancels their PostgreSQL cases; failing without a server otherwise.
@Suite(PostgresServer.available) struct PostgresStoreTests {
    @Test func theStoreTestsRunOnPostgreSQLToo() throws {
        let name = try StoreKind.postgres.with { place in
            #expect(try place.open() is PostgresCaseStore)
            let name = try #require(place.databaseName)
            #expect(try place.rows(sqlite: "", postgres: "SELECT current_database()::text") == [[name]])
            #expect(try PostgresServer.databases().contains(name))
            return name
        }
        // Dropped afterwards.
        #expect(try !PostgresServer.databases().contains(name))
    }
}

extension CaseStore {
    /// The deliveries of `caseID`'s effects (each store has its own `deliveries(caseID:)`; the
    /// protocol has none).
    func storedDeliveries(caseID: String) throws -> [Delivery] {
        switch self {
        case let store as SQLiteCaseStore: try store.deliveries(caseID: caseID)
        case let store as PostgresCaseStore: try store.deliveries(caseID: caseID)
        default: throw StoreError(.database, "no deliveries in \(type(of: self))")
        }
    }
}
