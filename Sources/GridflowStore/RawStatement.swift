import GRDB
import GRDBSQLite

/// The statements of the step path, stepped with SQLite's own binding calls: a step's few
/// statements run for every step the store writes, and building GRDB's `StatementArguments`
/// (an array of existentials per statement) and a `String` of every encoded text cost more
/// than SQLite's work on them. The statements are still GRDB's cached ones, on GRDB's
/// connection, inside GRDB's transaction; only their binding and stepping is done here.
struct RawStatement {
    private let handle: SQLiteStatement
    private let sql: String
    private let db: Database

    /// The cached statement for `sql`, reset. Every parameter is to be bound (a `nil` as NULL):
    /// a value left from the statement's last run would otherwise stay bound.
    init(_ db: Database, sql: String) throws {
        let statement = try db.cachedStatement(sql: sql)
        handle = statement.sqliteStatement
        self.sql = sql
        self.db = db
        sqlite3_reset(handle)
    }

    /// SQLite copies what it is given (`SQLITE_TRANSIENT`).
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    func bind(_ index: Int32, _ text: String) {
        var text = text
        text.withUTF8 { bytes in
            _ = sqlite3_bind_text(
                handle, index, UnsafeRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self),
                Int32(bytes.count), Self.transient)
        }
    }

    func bind(_ index: Int32, _ text: String?) {
        if let text { bind(index, text) } else { sqlite3_bind_null(handle, index) }
    }

    /// Text already encoded as UTF-8 (the step's JSON), bound without making a `String` of it.
    func bind(_ index: Int32, utf8 bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { buffer in
            _ = sqlite3_bind_text(
                handle, index, UnsafeRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self),
                Int32(buffer.count), Self.transient)
        }
    }

    func bind(_ index: Int32, _ number: Int) {
        sqlite3_bind_int64(handle, index, Int64(number))
    }

    func bind(_ index: Int32, _ number: Int?) {
        if let number { bind(index, number) } else { sqlite3_bind_null(handle, index) }
    }

    /// Runs the statement to its end; an SQLite error becomes GRDB's `DatabaseError`, as
    /// GRDB's own execution would report it.
    func execute() throws {
        let code = sqlite3_step(handle)
        defer { sqlite3_reset(handle) }
        guard code == SQLITE_DONE else {
            let message = sqlite3_errmsg(db.sqliteConnection).map { String(cString: $0) }
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
        }
    }
}

extension Statement {
    /// Steps the statement to its next row with SQLite's own call: `true` at a row, `false` at
    /// the end; an SQLite error becomes GRDB's `DatabaseError`, as GRDB's own cursors report it.
    func nextRow(_ db: Database) throws -> Bool {
        let code = sqlite3_step(sqliteStatement)
        if code == SQLITE_DONE { return false }
        guard code == SQLITE_ROW else {
            let message = sqlite3_errmsg(db.sqliteConnection).map { String(cString: $0) }
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
        }
        return true
    }
}
