import Dispatch
import GridflowRuntime
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// The store's connections to the server: at most `location.poolSize` open at once, each used by one
/// caller at a time, reopened when the server closed it.
///
/// The `CaseStore` protocol is synchronous (as GRDB's SQLite is), and its callers include the
/// daemon's tasks. postgres-nio's own pool (`PostgresClient`) is async only; waiting for a task
/// from a synchronous call would park a thread of Swift's small cooperative pool until another
/// task runs on that same pool, which deadlocks once every thread waits. So the store checks a
/// connection out of this pool and runs its queries with postgres-nio's `EventLoopFuture` calls:
/// the queries run on NIO's event loops, never on the waiting thread's pool.
final class ConnectionPool: Sendable {
    let location: PostgresLocation
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private let loops: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    private let state = Mutex(State())
    /// One permit per connection that may be open.
    private let permits: DispatchSemaphore

    private struct State {
        var idle: [PostgresConnection] = []
        var nextID = 1
        var closed = false
    }

    init(_ location: PostgresLocation, logger: Logger) throws(StoreError) {
        self.location = location
        configuration = try location.configuration()
        self.logger = logger
        permits = DispatchSemaphore(value: location.poolSize)
    }

    /// Runs `body` with a connection of its own. A connection the body leaves broken (closed, or in
    /// a transaction it could not end) is closed rather than reused.
    func withConnection<T>(_ body: (Connection) throws(StoreError) -> T) throws(StoreError) -> T {
        permits.wait()
        defer { permits.signal() }
        let connection = try checkOut()
        let wrapped = Connection(connection, location: location, logger: logger)
        do {
            let value = try body(wrapped)
            checkIn(connection, broken: wrapped.broken)
            return value
        } catch {
            checkIn(connection, broken: wrapped.broken)
            throw error
        }
    }

    private func checkOut() throws(StoreError) -> PostgresConnection {
        let (idle, id, closed) = state.withLock { state -> (PostgresConnection?, Int, Bool) in
            if let connection = state.idle.popLast() { return (connection, 0, state.closed) }
            state.nextID += 1
            return (nil, state.nextID - 1, state.closed)
        }
        if closed { throw StoreError(.database, "the store \(location) is closed") }
        if let idle, !idle.isClosed { return idle }
        do {
            return try PostgresConnection.connect(
                on: loops.next(), configuration: configuration, id: id, logger: logger
            ).wait()
        } catch {
            throw Connection.storeError(error, location: location, doing: "connecting to")
        }
    }

    private func checkIn(_ connection: PostgresConnection, broken: Bool) {
        let keep =
            !broken && !connection.isClosed
            && state.withLock { state in
                guard !state.closed else { return false }
                state.idle.append(connection)
                return true
            }
        if !keep { Self.close(connection) }
    }

    /// Closes the idle connections; those in use close when they are returned.
    func close() {
        let idle = state.withLock { state in
            state.closed = true
            defer { state.idle = [] }
            return state.idle
        }
        for connection in idle { Self.close(connection) }
    }

    /// Closes a connection and waits until it is closed: postgres-nio requires a connection to be
    /// closed before it is released.
    private static func close(_ connection: PostgresConnection) {
        _ = try? connection.close().wait()
    }

    deinit {
        for connection in state.withLock({ $0.idle }) { Self.close(connection) }
    }
}

/// A checked-out connection: queries that wait for their answer, and transactions.
final class Connection {
    let connection: PostgresConnection
    let location: PostgresLocation
    let logger: Logger
    /// Set when the connection cannot be trusted any more (a failed `ROLLBACK`, a lost link).
    var broken = false

    init(_ connection: PostgresConnection, location: PostgresLocation, logger: Logger) {
        self.connection = connection
        self.location = location
        self.logger = logger
    }

    /// Runs a statement and returns its rows.
    @discardableResult
    func query(_ query: PostgresQuery) throws(StoreError) -> PostgresQueryResult {
        do {
            return try connection.query(query, logger: logger).wait()
        } catch {
            if connection.isClosed { broken = true }
            throw Self.storeError(error, location: location, doing: "querying")
        }
    }

    /// Runs a statement and returns how many rows it changed.
    @discardableResult
    func execute(_ query: PostgresQuery) throws(StoreError) -> Int {
        try self.query(query).metadata.rows ?? 0
    }

    /// The rows of a query, each decoded by `decode`.
    func rows<T>(_ query: PostgresQuery, _ decode: (PostgresRow) throws -> T) throws(StoreError) -> [T] {
        let result = try self.query(query)
        do {
            return try result.map(decode)
        } catch {
            throw StoreError(
                .database, "a row of \(location) could not be read: \(Self.describe(error))",
                details: String(reflecting: error))
        }
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    func transaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try execute("BEGIN")
        let value: T
        do {
            value = try body()
        } catch {
            do { try execute("ROLLBACK") } catch { broken = true }
            throw error
        }
        try execute("COMMIT")
        return value
    }

    /// A store error for a failure of postgres-nio or the server: its SQLSTATE decides the code
    /// (serialization failures and unique violations are conflicts). The message is the server's
    /// own message, never its detail, which may quote a row's values.
    static func storeError(_ error: any Error, location: PostgresLocation, doing: String) -> StoreError {
        guard let error = error as? PSQLError else {
            return StoreError(.database, "\(doing) \(location) failed: \(describe(error))", details: "\(error)")
        }
        if let info = error.serverInfo {
            let state = info[.sqlState] ?? ""
            let message = info[.message] ?? "an error"
            let code: StoreError.Code
            switch state {
            case "40001", "40P01", "23505": code = .conflict
            case "53100": code = .diskFull
            case "25006": code = .readOnly
            case "3D000", "28000", "28P01", "42501": code = .cannotOpen
            case "57P01", "57P02", "57P03", "53300": code = .busy
            default: code = .database
            }
            return StoreError(
                code, "\(location) answered \(state): \(message)", details: String(reflecting: error))
        }
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
            let cause = error.underlying.map { ": \(describe($0))" } ?? ""
            return StoreError(.cannotOpen, "\(doing) \(location) failed: no connection\(cause)")
        default:
            return StoreError(
                .database, "\(doing) \(location) failed: \(error.code)", details: String(reflecting: error))
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError { return "\(error.code)" }
        return "\(error)"
    }
}
