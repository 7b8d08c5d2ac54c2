import Foundation
import GRDB
import GridflowExpressions
import GridflowRuntime

/// Shared files (migration `v13`): a file's record in `files`, its content in `file_contents`
/// (a blob in the store itself), each upload, move and delete in `file_events`, written in the
/// transaction that does it.
extension SQLiteCaseStore {
    public func saveFile(_ file: NewFile) throws(StoreError) -> StoredFile {
        try write { db in
            try Self.run(
                db,
                sql: """
                    INSERT INTO files (unit, file_space, space, folder, name, content_type, size, sha256, owner, uploaded_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    file.unit, file.fileSpace, file.space, file.folder, file.name, file.contentType, file.bytes.count,
                    file.sha256, file.owner, file.at.seconds,
                ])
            let id = Int(db.lastInsertedRowID)
            try Self.run(
                db, sql: "INSERT INTO file_contents (file_id, bytes) VALUES (?, ?)",
                arguments: [id, Data(file.bytes)])
            try Self.event(
                db, id: id, unit: file.unit, space: file.space, action: .upload, actor: file.owner, at: file.at,
                from: nil, to: file.folder)
            return StoredFile(
                id: id, unit: file.unit, fileSpace: file.fileSpace, space: file.space, folder: file.folder,
                name: file.name, contentType: file.contentType, size: file.bytes.count, sha256: file.sha256,
                owner: file.owner, uploadedAt: file.at)
        }
    }

    static func event(
        _ db: Database, id: Int, unit: String, space: String, action: FileEvent.Action, actor: String, at: Instant,
        from: String?, to: String?
    ) throws {
        try run(
            db,
            sql: """
                INSERT INTO file_events (file_id, unit, space, action, actor, at, from_folder, to_folder)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [id, unit, space, action.rawValue, actor, at.seconds, from, to])
    }

    static func storedFile(_ row: Row) -> StoredFile {
        StoredFile(
            id: row["id"], unit: row["unit"], fileSpace: row["file_space"], space: row["space"], folder: row["folder"],
            name: row["name"], contentType: row["content_type"], size: row["size"], sha256: row["sha256"],
            owner: row["owner"], uploadedAt: Instant(seconds: row["uploaded_at"]),
            deletedAt: (row["deleted_at"] as Int?).map { Instant(seconds: $0) }, deletedBy: row["deleted_by"])
    }

    public func file(_ id: Int) throws(StoreError) -> StoredFile? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM files WHERE id = ?", arguments: [id]).map(Self.storedFile)
        }
    }

    public func files(unit: String, space: String, folder: String?) throws(StoreError) -> [StoredFile] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM files WHERE unit = ? AND space = ? AND (? IS NULL OR folder = ?) AND deleted_at IS NULL
                    ORDER BY id DESC
                    """, arguments: [unit, space, folder, folder]
            ).map(Self.storedFile)
        }
    }

    public func fileContent(_ id: Int) throws(StoreError) -> [UInt8]? {
        try read { db in
            try Data.fetchOne(db, sql: "SELECT bytes FROM file_contents WHERE file_id = ?", arguments: [id]).map {
                [UInt8]($0)
            }
        }
    }

    public func deleteFile(_ id: Int, by actor: String, at: Instant) throws(StoreError) -> StoredFile? {
        try write { db in
            try Self.run(
                db, sql: "UPDATE files SET deleted_at = ?, deleted_by = ? WHERE id = ? AND deleted_at IS NULL",
                arguments: [at.seconds, actor, id])
            guard db.changesCount == 1,
                let file = try Row.fetchOne(db, sql: "SELECT * FROM files WHERE id = ?", arguments: [id]).map(
                    Self.storedFile)
            else { return nil }
            try Self.run(db, sql: "DELETE FROM file_contents WHERE file_id = ?", arguments: [id])
            try Self.event(
                db, id: id, unit: file.unit, space: file.space, action: .delete, actor: actor, at: at,
                from: file.folder, to: nil)
            return file
        }
    }

    public func moveFile(_ id: Int, from: String, to: String, by actor: String, at: Instant) throws(StoreError)
        -> StoredFile?
    {
        try write { db in
            try Self.run(
                db, sql: "UPDATE files SET folder = ? WHERE id = ? AND folder = ? AND deleted_at IS NULL",
                arguments: [to, id, from])
            guard db.changesCount == 1,
                let file = try Row.fetchOne(db, sql: "SELECT * FROM files WHERE id = ?", arguments: [id]).map(
                    Self.storedFile)
            else { return nil }
            try Self.event(
                db, id: id, unit: file.unit, space: file.space, action: .move, actor: actor, at: at, from: from, to: to)
            return file
        }
    }

    public func fileEvents(unit: String, space: String, file: Int?, limit: Int) throws(StoreError) -> [FileEvent] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT file_events.*, files.name FROM file_events JOIN files ON files.id = file_events.file_id
                    WHERE file_events.unit = ? AND file_events.space = ? AND (? IS NULL OR file_events.file_id = ?)
                    ORDER BY file_events.id DESC LIMIT ?
                    """, arguments: [unit, space, file, file, limit]
            ).map { row in
                FileEvent(
                    id: row["id"], fileID: row["file_id"], name: row["name"], space: row["space"],
                    action: FileEvent.Action(rawValue: row["action"]) ?? .upload, actor: row["actor"],
                    at: Instant(seconds: row["at"]), from: row["from_folder"], to: row["to_folder"])
            }
        }
    }

    public func uploadCounts(unit: String, folder: String, from: Instant, to: Instant) throws(StoreError)
        -> [String: Int]
    {
        try read { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT files.owner, count(*) AS uploads FROM file_events JOIN files ON files.id = file_events.file_id
                    WHERE file_events.unit = ? AND file_events.action = 'upload' AND file_events.to_folder = ?
                    AND file_events.at >= ? AND file_events.at < ? AND files.deleted_at IS NULL
                    GROUP BY files.owner
                    """, arguments: [unit, folder, from.seconds, to.seconds])
            {
                counts[row["owner"]] = row["uploads"]
            }
            return counts
        }
    }
}
