import Foundation
import GRDB
import GridflowRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// A store's file on disk: the checks made before SQLite touches it, the creation of a new one,
/// the meaning of SQLite's errors for it, and the removal of what a failed open left.
///
/// A new store is built and migrated in a file of its own beside `path` and linked into place
/// only when complete, so `path` is never a half-written store and two processes creating it at
/// once do not clash (the one that loses uses the other's).
struct StoreFile: Sendable {
    /// The database file.
    let path: String
    /// The folder holding it, where SQLite creates the write-ahead log and shared memory.
    let folder: String
    /// Which of the store's files (suffixes of `path`) were there before it was opened.
    let existedBefore: Set<String>

    /// How long a connection waits for another process's lock before reporting the store busy.
    static let busyTimeout: TimeInterval = 10

    /// Every file SQLite may keep beside the database.
    static let suffixes = SQLiteCaseStore.fileSuffixes + ["-journal"]

    init(path: String) {
        self.path = path
        let parent = (path as NSString).deletingLastPathComponent
        folder = parent.isEmpty ? "." : parent
        existedBefore = Set(Self.suffixes.filter { FileManager.default.fileExists(atPath: path + $0) })
    }

    /// Whether the database file was there before the store was opened.
    var existed: Bool { existedBefore.contains("") }

    /// Checks what can be known before SQLite opens anything: a folder where the file should be,
    /// a file or folder that may not be written.
    func checkAccess(creating: Bool) throws(StoreError) {
        var isFolder: ObjCBool = false
        if creating {
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
                throw StoreError(.cannotOpen, "cannot create \(path): the folder \(folder) does not exist")
            }
            if let reason = notWritable(folder) {
                throw StoreError(.readOnly, "cannot create \(path): its folder \(folder) \(reason)")
            }
            return
        }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw StoreError(.cannotOpen, "cannot open \(path): it is a folder, not a store")
        }
        guard access(path, R_OK) == 0 else {
            throw StoreError(.cannotOpen, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        if let problem = readOnlyProblem() { throw problem }
    }

    /// Why `path` (file or folder) may not be written, or `nil` when it may.
    private func notWritable(_ path: String) -> String? {
        guard access(path, W_OK) != 0 else { return nil }
        return errno == EROFS ? "is on a read-only file system" : "is read-only"
    }

    /// The store is read-only when its file may not be written, or when its folder may not,
    /// since SQLite creates the write-ahead log and shared memory beside it.
    private func readOnlyProblem() -> StoreError? {
        if FileManager.default.fileExists(atPath: path), let reason = notWritable(path) {
            return StoreError(.readOnly, "\(path) \(reason): the file may not be written")
        }
        if let reason = notWritable(folder) {
            let name = (path as NSString).lastPathComponent
            return StoreError(
                .readOnly,
                "\(path) is read-only: its folder \(folder) \(reason), and SQLite creates \(name)-wal and "
                    + "\(name)-shm there")
        }
        return nil
    }

    /// Checks that an existing file is a Gridflow store this build can use: an SQLite database
    /// (or an empty file) with Gridflow's tables and no migration newer than `migrator` knows.
    /// It only reads, waiting for other processes' locks as the store does.
    func checkFormat(_ migrator: DatabaseMigrator) throws(StoreError) {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = attributes[.size] as? NSNumber, size.intValue > 0
        else { return }
        var configuration = Configuration()
        configuration.busyMode = .timeout(Self.busyTimeout)
        do {
            // Read-write, but only reading: a read-only connection would leave the write-ahead
            // log and shared memory of a WAL database behind when it closes.
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            try queue.read { db in
                guard try db.tableExists("gridflow_meta") else {
                    if try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") == 0 { return }
                    throw StoreError(
                        .notAStore, "\(path) is an SQLite database of another application, not a Gridflow store")
                }
                guard
                    try String.fetchOne(db, sql: "SELECT value FROM gridflow_meta WHERE key = 'application'")
                        == "gridflow"
                else {
                    throw StoreError(
                        .notAStore, "\(path) is an SQLite database of another application, not a Gridflow store")
                }
                let unknown = try migrator.appliedIdentifiers(db).subtracting(migrator.migrations)
                if !unknown.isEmpty {
                    throw StoreError(
                        .newerSchema,
                        "\(path) was written by a newer Gridflow: its schema has "
                            + unknown.sorted().map { "'\($0)'" }.joined(separator: ", ")
                            + ", which this build does not know; use a newer gridflow")
                }
            }
        } catch {
            throw self.error(error)
        }
    }

    /// Builds a new store in a file of its own and links it into place; `false` when another
    /// process created `path` meanwhile (the new file is then dropped).
    func create(_ configuration: Configuration, _ migrator: DatabaseMigrator) throws(StoreError) -> Bool {
        let name = (path as NSString).lastPathComponent
        let building = (folder as NSString).appendingPathComponent(".\(name).creating-\(UUID().uuidString)")
        defer {
            for suffix in Self.suffixes { try? FileManager.default.removeItem(atPath: building + suffix) }
        }
        do {
            let pool = try DatabasePool(path: building, configuration: configuration)
            do {
                try migrator.migrate(pool)
                // Everything into the database file, which is the one linked into place.
                try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
                try pool.close()
            } catch {
                try? pool.close()
                throw error
            }
        } catch {
            let cause = self.error(error)
            if let problem = readOnlyProblem() {
                throw StoreError(problem.code, "cannot create \(path): \(problem.message)", details: cause.details)
            }
            let reason = cause.code == .diskFull ? "the disk is full" : cause.message
            throw StoreError(cause.code, "cannot create \(path): \(reason)", details: cause.details)
        }
        if link(building, path) == 0 { return true }
        if errno == EEXIST { return false }
        // A file system without hard links: move it, unless the store appeared meanwhile.
        let linkError = errno
        guard !FileManager.default.fileExists(atPath: path) else { return false }
        guard rename(building, path) == 0 else {
            throw StoreError(
                .cannotOpen,
                "cannot create \(path): \(String(cString: strerror(linkError == EPERM || linkError == ENOTSUP ? errno : linkError)))"
            )
        }
        return true
    }

    /// Removes what a failed open left that was not there before: for a store it created, all
    /// of it; for an existing store, an empty write-ahead log and its shared memory (a log with
    /// content may hold committed transactions, and stays).
    func removeLeftovers() {
        let manager = FileManager.default
        let wal = path + "-wal"
        if !existedBefore.contains("-wal"), let size = Self.size(wal), size == 0 {
            try? manager.removeItem(atPath: wal)
        }
        if !existedBefore.contains("-shm"), !manager.fileExists(atPath: wal) {
            try? manager.removeItem(atPath: path + "-shm")
        }
        let journal = path + "-journal"
        if !existedBefore.contains("-journal"), let size = Self.size(journal), size == 0 {
            try? manager.removeItem(atPath: journal)
        }
    }

    static func size(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.size].flatMap { ($0 as? NSNumber)?.intValue }
    }

    /// The store error for a failure on this file, by its cause, with SQLite's own words kept
    /// in `details`.
    func error(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        if let unrolled = error as? UnrolledStep { return self.error(unrolled.cause) }
        guard let database = error as? DatabaseError else {
            return StoreError(.database, "\(path): \(error)", details: String(reflecting: error))
        }
        let details = "\(database)"
        func make(_ code: StoreError.Code, _ message: String) -> StoreError {
            StoreError(code, message, details: details)
        }
        switch database.resultCode {
        case .SQLITE_NOTADB:
            return make(.notAStore, "\(path) is not a Gridflow store (not an SQLite database)")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return make(
                .busy,
                "\(path) is busy: another process kept it locked for more than \(Int(Self.busyTimeout)) seconds; try again"
            )
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_AUTH:
            return readOnlyProblem().map { StoreError($0.code, $0.message, details: details) }
                ?? make(.readOnly, "\(path) is read-only: SQLite may not write it")
        case .SQLITE_FULL:
            return make(.diskFull, "\(path) cannot be written: the disk is full")
        case .SQLITE_IOERR where diskIsFull:
            return make(.diskFull, "\(path) cannot be written: the disk is full")
        case .SQLITE_CANTOPEN:
            var isFolder: ObjCBool = false
            if !FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) || !isFolder.boolValue {
                return make(.cannotOpen, "cannot open \(path): the folder \(folder) does not exist")
            }
            if let problem = readOnlyProblem() { return StoreError(problem.code, problem.message, details: details) }
            if diskIsFull { return make(.diskFull, "\(path) cannot be written: the disk is full") }
            return make(.cannotOpen, "cannot open \(path)")
        case .SQLITE_CORRUPT:
            return make(.database, "\(path) is damaged: the database disk image is malformed")
        case .SQLITE_IOERR:
            return make(.database, "\(path): the disk reported an input/output error")
        default:
            return make(.database, "\(path): \(database.message ?? "SQLite error \(database.resultCode.rawValue)")")
        }
    }

    /// Whether the folder's file system has (next to) no room left: SQLite reports some
    /// failures to grow a file (its shared memory, a log) as input/output errors, not as a
    /// full disk.
    var diskIsFull: Bool {
        var stats = statvfs()
        guard statvfs(folder, &stats) == 0 else { return false }
        return UInt64(stats.f_bavail) * UInt64(stats.f_frsize) < 128 * 1024
    }
}
