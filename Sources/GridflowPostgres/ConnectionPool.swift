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
    private let state: Mutex<State>

    private struct State {
        var idle: [PostgresConnection] = []
        var nextID = 1
        var closed = false
        /// Connections that may still be taken, per lane: one permit each.
        var permits: [Lane: Int]
        /// Who waits for a permit of each lane, first come first served.
        var waiters: [Lane: [Waiter]] = [:]
    }

    /// Threads that block and tasks that suspend take connections from lanes of their own. A
    /// task in the middle of a transaction needs a thread of Swift's cooperative pool to go on;
    /// were it to share permits with threads that block, those threads (the cooperative pool's
    /// own, in a daemon) could all wait for permits the suspended tasks hold, and nothing would
    /// move. A blocked thread's connection finishes its work on NIO's event loops, without them.
    private enum Lane: Hashable {
        case blocking, suspending
    }

    private enum Waiter {
        case thread(DispatchSemaphore)
        case task(CheckedContinuation<Void, Never>)
    }

    init(_ location: PostgresLocation, logger: Logger) throws(StoreError) {
        self.location = location
        configuration = try location.configuration()
        self.logger = logger
        state = Mutex(State(permits: [.blocking: location.poolSize, .suspending: location.poolSize]))
    }

    /// Takes a permit, waiting on this thread while none is free.
    private func acquire() {
        let wait = state.withLock { state -> DispatchSemaphore? in
            if state.permits[.blocking, default: 0] > 0 {
                state.permits[.blocking, default: 0] -= 1
                return nil
            }
            let semaphore = DispatchSemaphore(value: 0)
            state.waiters[.blocking, default: []].append(.thread(semaphore))
            return semaphore
        }
        wait?.wait()
    }

    /// Takes a permit, suspending while none is free.
    private func acquireAsync() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let free = state.withLock { state -> Bool in
                if state.permits[.suspending, default: 0] > 0 {
                    state.permits[.suspending, default: 0] -= 1
                    return true
                }
                state.waiters[.suspending, default: []].append(.task(continuation))
                return false
            }
            if free { continuation.resume() }
        }
    }

    /// Gives a permit of `lane` back: to its first waiter, else to the pool.
    private func release(_ lane: Lane) {
        let next = state.withLock { state -> Waiter? in
            if state.waiters[lane, default: []].isEmpty {
                state.permits[lane, default: 0] += 1
                return nil
            }
            return state.waiters[lane]!.removeFirst()
        }
        switch next {
        case .thread(let semaphore): semaphore.signal()
        case .task(let continuation): continuation.resume()
        case nil: break
        }
    }

    /// Runs `body` with a connection of its own, suspending rather than blocking while it waits
    /// for one and while the server answers.
    func withConnectionAsync<T>(_ body: (AsyncConnection) async throws(StoreError) -> T) async throws(StoreError) -> T {
        await acquireAsync()
        defer { release(.suspending) }
        let connection = try checkOut()
        let wrapped = AsyncConnection(connection, location: location, logger: logger)
        do {
            let value = try await body(wrapped)
            checkIn(connection, broken: wrapped.broken)
            return value
        } catch {
            checkIn(connection, broken: wrapped.broken)
            throw error
        }
    }

    /// Runs `body` with a connection of its own. A connection the body leaves broken (closed, or in
    /// a transaction it could not end) is closed rather than reused.
    func withConnection<T>(_ body: (Connection) throws(StoreError) -> T) throws(StoreError) -> T {
        acquire()
        defer { release(.blocking) }
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

/// A checked-out connection for a task: its statements suspend the task, never block a thread.
final class AsyncConnection {
    let connection: PostgresConnection
    let location: PostgresLocation
    let logger: Logger
    var broken = false

    init(_ connection: PostgresConnection, location: PostgresLocation, logger: Logger) {
        self.connection = connection
        self.location = location
        self.logger = logger
    }

    /// The rows of a prepared statement (prepared on this connection the first time it runs).
    func rows<Statement: PostgresPreparedStatement>(_ statement: Statement, doing: String = "reading from")
        async throws(StoreError) -> [Statement.Row]
    {
        do {
            var rows: [Statement.Row] = []
            for try await row in try await connection.execute(statement, logger: logger) { rows.append(row) }
            return rows
        } catch {
            if connection.isClosed { broken = true }
            throw Connection.storeError(error, location: location, doing: doing)
        }
    }

    /// Runs a step's statement and answers how many cases it wrote (0 when the case was at
    /// another version).
    func run<Statement: StepStatement>(_ statement: Statement) async throws(StoreError) -> Int {
        try await rows(statement, doing: "writing to").reduce(0, +)
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
    /// (serialization failures and unique violations are conflicts) and the message, which names
    /// the state, what it means and the table and constraint when the server names them. The
    /// server's own words stay in `details`: its message and detail may quote a row's values
    /// (`invalid input syntax for type integer: "…"`), and a message reaches people.
    static func storeError(_ error: any Error, location: PostgresLocation, doing: String) -> StoreError {
        guard let error = error as? PSQLError else {
            return StoreError(.database, "\(doing) \(location) failed: \(describe(error))", details: "\(error)")
        }
        if let info = error.serverInfo {
            let state = info[.sqlState] ?? ""
            var message = Self.meaning(ofState: state)
            if let table = info[.tableName] { message += " on table \(table)" }
            if let constraint = info[.constraintName] { message += " (constraint \(constraint))" }
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

    /// What an SQLSTATE means, in the standard's words: the state itself for the common ones,
    /// its class otherwise.
    static func meaning(ofState state: String) -> String {
        switch state {
        case "40001": return "serialization failure"
        case "40P01": return "deadlock detected"
        case "21000": return "cardinality violation (one statement would change a row twice)"
        case "23505": return "unique violation"
        case "23503": return "foreign key violation"
        case "23502": return "not-null violation"
        case "23514": return "check violation"
        case "22P02": return "invalid text representation"
        case "22001": return "string data right truncation"
        case "22003": return "numeric value out of range"
        case "53100": return "disk full"
        case "53200": return "out of memory"
        case "53300": return "too many connections"
        case "25006": return "read-only SQL transaction"
        case "3D000": return "invalid catalog name (no such database)"
        case "28000": return "invalid authorization specification"
        case "28P01": return "invalid password"
        case "42501": return "insufficient privilege"
        case "42P01": return "undefined table"
        case "42703": return "undefined column"
        case "57014": return "query canceled"
        case "57P01": return "admin shutdown"
        case "57P02": return "crash shutdown"
        case "57P03": return "cannot connect now"
        default: break
        }
        switch state.prefix(2) {
        case "08": return "connection exception"
        case "21": return "cardinality violation"
        case "22": return "data exception"
        case "23": return "integrity constraint violation"
        case "25": return "invalid transaction state"
        case "40": return "transaction rollback"
        case "42": return "syntax error or access rule violation"
        case "53": return "insufficient resources"
        case "54": return "program limit exceeded"
        case "55": return "object not in prerequisite state"
        case "57": return "operator intervention"
        case "58": return "system error"
        case "XX": return "internal error"
        default: return "an error"
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError { return "\(error.code)" }
        return "\(error)"
    }
}
