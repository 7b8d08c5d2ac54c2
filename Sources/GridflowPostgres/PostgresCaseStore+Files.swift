import GridflowExpressions
import GridflowRuntime
import NIOCore
import PostgresNIO

/// Shared files: a file's record in `files`, its content in `file_contents` (`BYTEA` in the store
/// itself), each upload, move and delete in `file_events`, written in the transaction that does it.
extension PostgresCaseStore {
    public func saveFile(_ file: NewFile) throws(StoreError) -> StoredFile {
        try write { connection throws(StoreError) in
            let id =
                try connection.rows(
                    """
                    INSERT INTO files (unit, file_space, space, folder, name, content_type, size, sha256, owner, uploaded_at)
                    VALUES (\(file.unit), \(file.fileSpace), \(file.space), \(file.folder), \(file.name),
                            \(file.contentType), \(file.bytes.count), \(file.sha256), \(file.owner), \(file.at.seconds))
                    RETURNING id
                    """
                ) { row in try row.decode(Int.self) }.first ?? 0
            try connection.execute(
                "INSERT INTO file_contents (file_id, bytes) VALUES (\(id), \(ByteBuffer(bytes: file.bytes)))")
            try Self.event(
                connection, id: id, unit: file.unit, space: file.space, action: .upload, actor: file.owner, at: file.at,
                from: nil, to: file.folder)
            return StoredFile(
                id: id, unit: file.unit, fileSpace: file.fileSpace, space: file.space, folder: file.folder,
                name: file.name, contentType: file.contentType, size: file.bytes.count, sha256: file.sha256,
                owner: file.owner, uploadedAt: file.at)
        }
    }

    static func event(
        _ connection: Connection, id: Int, unit: String, space: String, action: FileEvent.Action, actor: String,
        at: Instant, from: String?, to: String?
    ) throws(StoreError) {
        try connection.execute(
            """
            INSERT INTO file_events (file_id, unit, space, action, actor, at, from_folder, to_folder)
            VALUES (\(id), \(unit), \(space), \(action.rawValue), \(actor), \(at.seconds), \(from), \(to))
            """)
    }

    static let fileColumns = """
        id, unit, file_space, space, folder, name, content_type, size, sha256, owner, uploaded_at, deleted_at, deleted_by
        """

    static func storedFile(_ row: PostgresRow) throws -> StoredFile {
        let (
            id, unit, fileSpace, space, folder, name, contentType, size, sha256, owner, uploadedAt, deletedAt, deletedBy
        ) = try row.decode(
            (Int, String, String, String, String, String, String, Int, String, String, Int, Int?, String?).self)
        return StoredFile(
            id: id, unit: unit, fileSpace: fileSpace, space: space, folder: folder, name: name,
            contentType: contentType, size: size, sha256: sha256, owner: owner,
            uploadedAt: Instant(seconds: uploadedAt), deletedAt: deletedAt.map { Instant(seconds: $0) },
            deletedBy: deletedBy)
    }

    static func file(_ id: Int, _ connection: Connection) throws(StoreError) -> StoredFile? {
        try connection.rows("SELECT \(unescaped: fileColumns) FROM files WHERE id = \(id)") { row in
            try storedFile(row)
        }.first
    }

    public func file(_ id: Int) throws(StoreError) -> StoredFile? {
        try withConnection { connection throws(StoreError) in try Self.file(id, connection) }
    }

    public func files(unit: String, space: String, folder: String?) throws(StoreError) -> [StoredFile] {
        let query: PostgresQuery =
            folder.map { folder in
                """
                SELECT \(unescaped: Self.fileColumns) FROM files
                WHERE unit = \(unit) AND space = \(space) AND folder = \(folder) AND deleted_at IS NULL ORDER BY id DESC
                """
            }
                ?? """
                SELECT \(unescaped: Self.fileColumns) FROM files
                WHERE unit = \(unit) AND space = \(space) AND deleted_at IS NULL ORDER BY id DESC
                """
        return try withConnection { connection throws(StoreError) in
            try connection.rows(query) { row in try Self.storedFile(row) }
        }
    }

    public func fileContent(_ id: Int) throws(StoreError) -> [UInt8]? {
        try withConnection { connection throws(StoreError) in
            try connection.rows("SELECT bytes FROM file_contents WHERE file_id = \(id)") { row in
                Array(try row.decode(ByteBuffer.self).readableBytesView)
            }.first
        }
    }

    public func deleteFile(_ id: Int, by actor: String, at: Instant) throws(StoreError) -> StoredFile? {
        try write { connection throws(StoreError) in
            let deleted = try connection.execute(
                """
                UPDATE files SET deleted_at = \(at.seconds), deleted_by = \(actor)
                WHERE id = \(id) AND deleted_at IS NULL
                """)
            guard deleted == 1, let file = try Self.file(id, connection) else { return nil }
            try connection.execute("DELETE FROM file_contents WHERE file_id = \(id)")
            try Self.event(
                connection, id: id, unit: file.unit, space: file.space, action: .delete, actor: actor, at: at,
                from: file.folder, to: nil)
            return file
        }
    }

    public func moveFile(_ id: Int, from: String, to: String, by actor: String, at: Instant) throws(StoreError)
        -> StoredFile?
    {
        try write { connection throws(StoreError) in
            let moved = try connection.execute(
                "UPDATE files SET folder = \(to) WHERE id = \(id) AND folder = \(from) AND deleted_at IS NULL")
            guard moved == 1, let file = try Self.file(id, connection) else { return nil }
            try Self.event(
                connection, id: id, unit: file.unit, space: file.space, action: .move, actor: actor, at: at,
                from: from, to: to)
            return file
        }
    }

    public func fileEvents(unit: String, space: String, file: Int?, limit: Int) throws(StoreError) -> [FileEvent] {
        let columns = """
            file_events.id, file_events.file_id, files.name, file_events.space, file_events.action, file_events.actor,
            file_events.at, file_events.from_folder, file_events.to_folder
            """
        let query: PostgresQuery =
            file.map { file in
                """
                SELECT \(unescaped: columns) FROM file_events JOIN files ON files.id = file_events.file_id
                WHERE file_events.unit = \(unit) AND file_events.space = \(space) AND file_events.file_id = \(file)
                ORDER BY file_events.id DESC LIMIT \(limit)
                """
            }
                ?? """
                SELECT \(unescaped: columns) FROM file_events JOIN files ON files.id = file_events.file_id
                WHERE file_events.unit = \(unit) AND file_events.space = \(space)
                ORDER BY file_events.id DESC LIMIT \(limit)
                """
        return try withConnection { connection throws(StoreError) in
            try connection.rows(query) { row in
                let (id, fileID, name, space, action, actor, at, from, to) = try row.decode(
                    (Int, Int, String, String, String, String, Int, String?, String?).self)
                return FileEvent(
                    id: id, fileID: fileID, name: name, space: space,
                    action: FileEvent.Action(rawValue: action) ?? .upload,
                    actor: actor, at: Instant(seconds: at), from: from, to: to)
            }
        }
    }

    public func uploadCounts(unit: String, folder: String, from: Instant, to: Instant) throws(StoreError)
        -> [String: Int]
    {
        try withConnection { connection throws(StoreError) in
            let rows = try connection.rows(
                """
                SELECT files.owner, count(*) FROM file_events JOIN files ON files.id = file_events.file_id
                WHERE file_events.unit = \(unit) AND file_events.action = 'upload' AND file_events.to_folder = \(folder)
                AND file_events.at >= \(from.seconds) AND file_events.at < \(to.seconds) AND files.deleted_at IS NULL
                GROUP BY files.owner
                """
            ) { row in try row.decode((String, Int).self) }
            return Dictionary(rows, uniquingKeysWith: +)
        }
    }
}
