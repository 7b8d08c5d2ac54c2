import Crypto
import GridflowDefinitions
import GridflowDiagnostics
import GridflowExpressions

/// A file of a shared file space, as the store holds it (its content apart).
public struct StoredFile: Sendable, Hashable {
    public var id: Int
    public var unit: String
    /// The `FileSpace` definition, and the space and folder of it the file is in.
    public var fileSpace: String
    public var space: String
    public var folder: String
    public var name: String
    public var contentType: String
    public var size: Int
    /// The SHA-256 of the content, as 64 lowercase hexadecimal digits.
    public var sha256: String
    /// Who uploaded it.
    public var owner: String
    public var uploadedAt: Instant
    /// When and by whom it was deleted (`nil`: it is there).
    public var deletedAt: Instant?
    public var deletedBy: String?

    public init(
        id: Int, unit: String, fileSpace: String, space: String, folder: String, name: String, contentType: String,
        size: Int, sha256: String, owner: String, uploadedAt: Instant, deletedAt: Instant? = nil,
        deletedBy: String? = nil
    ) {
        self.id = id
        self.unit = unit
        self.fileSpace = fileSpace
        self.space = space
        self.folder = folder
        self.name = name
        self.contentType = contentType
        self.size = size
        self.sha256 = sha256
        self.owner = owner
        self.uploadedAt = uploadedAt
        self.deletedAt = deletedAt
        self.deletedBy = deletedBy
    }

    /// The file as the API and `--json` write it, times in `zone`.
    public func json(time zone: Zone) -> String {
        ValueJSON.encode(value, time: zone)
    }

    public var value: Value {
        .map([
            .string("id"): .number(Number(id)), .string("unit"): .string(unit),
            .string("file_space"): .string(fileSpace), .string("space"): .string(space),
            .string("folder"): .string(folder), .string("name"): .string(name),
            .string("content_type"): .string(contentType), .string("size"): .number(Number(size)),
            .string("sha256"): .string(sha256), .string("owner"): .string(owner),
            .string("uploaded_at"): .datetime(uploadedAt),
            .string("deleted_at"): deletedAt.map(Value.datetime) ?? .null,
            .string("deleted_by"): deletedBy.map(Value.string) ?? .null,
        ])
    }
}

/// One line of a space's audit trail: a file uploaded, moved or deleted, by whom and when.
public struct FileEvent: Sendable, Hashable {
    public enum Action: String, Sendable {
        case upload, move, delete
    }

    public var id: Int
    public var fileID: Int
    /// The file's name, for reading the trail.
    public var name: String
    public var space: String
    public var action: Action
    public var actor: String
    public var at: Instant
    /// The folder it left (a move, a delete) and the one it went to (an upload, a move).
    public var from: String?
    public var to: String?

    public init(
        id: Int, fileID: Int, name: String, space: String, action: Action, actor: String, at: Instant, from: String?,
        to: String?
    ) {
        self.id = id
        self.fileID = fileID
        self.name = name
        self.space = space
        self.action = action
        self.actor = actor
        self.at = at
        self.from = from
        self.to = to
    }

    public var value: Value {
        .map([
            .string("id"): .number(Number(id)), .string("file_id"): .number(Number(fileID)),
            .string("name"): .string(name), .string("space"): .string(space),
            .string("action"): .string(action.rawValue), .string("by"): .string(actor), .string("at"): .datetime(at),
            .string("from"): from.map(Value.string) ?? .null, .string("to"): to.map(Value.string) ?? .null,
        ])
    }
}

/// A new file for the store: where it goes, what it is, who uploads it, and its content.
public struct NewFile: Sendable {
    public var unit: String
    public var fileSpace: String
    public var space: String
    public var folder: String
    public var name: String
    public var contentType: String
    public var sha256: String
    public var owner: String
    public var at: Instant
    public var bytes: [UInt8]

    public init(
        unit: String, fileSpace: String, space: String, folder: String, name: String, contentType: String,
        sha256: String, owner: String, at: Instant, bytes: [UInt8]
    ) {
        self.unit = unit
        self.fileSpace = fileSpace
        self.space = space
        self.folder = folder
        self.name = name
        self.contentType = contentType
        self.sha256 = sha256
        self.owner = owner
        self.at = at
        self.bytes = bytes
    }
}

/// Why a file action was refused or failed.
public struct FileError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// No such space, folder or file (or not one of the caller's unit).
        case notFound = "not-found"
        /// The file space's permissions do not let the person.
        case forbidden
        /// Over the size limit.
        case tooLarge = "too-large"
        /// A content type the spaces do not take, or one the bytes are not.
        case unsupportedType = "unsupported-type"
        /// A bad name, an empty file.
        case invalid
        /// The store failed.
        case store
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// The limits on what is uploaded: the size, the content types (each checked against the bytes),
/// the names.
public enum FileContent {
    /// The default largest file: 20 MB.
    public static let defaultMaxSize = 20 * 1024 * 1024

    /// The content types a space takes, each recognised by its bytes.
    public enum Kind: String, Sendable, CaseIterable {
        case pdf = "application/pdf"
        case png = "image/png"
        case jpeg = "image/jpeg"
        case docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        case xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        case pptx = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
        case text = "text/plain"

        /// The usual file name extension.
        public var fileExtension: String {
            switch self {
            case .pdf: "pdf"
            case .png: "png"
            case .jpeg: "jpg"
            case .docx: "docx"
            case .xlsx: "xlsx"
            case .pptx: "pptx"
            case .text: "txt"
            }
        }
    }

    /// The content types taken, for messages.
    public static var accepted: String { Kind.allCases.map(\.rawValue).joined(separator: ", ") }

    /// What the bytes are, by their magic numbers: PDF, PNG, JPEG, an Office Open XML zip (Word,
    /// Excel or PowerPoint, by the part folder it holds), or plain UTF-8 text without control
    /// characters (tab, line feed, carriage return and form feed aside); `nil` for anything else.
    public static func sniff(_ bytes: [UInt8]) -> Kind? {
        if bytes.starts(with: Array("%PDF-".utf8)) { return .pdf }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            // An Office Open XML file is a zip holding `[Content_Types].xml` and the parts of one
            // application under its folder; the entry names are stored as written.
            guard contains(bytes, Array("[Content_Types].xml".utf8)) else { return nil }
            let word = contains(bytes, Array("word/".utf8))
            let excel = contains(bytes, Array("xl/".utf8))
            let powerPoint = contains(bytes, Array("ppt/".utf8))
            switch (word, excel, powerPoint) {
            case (true, false, false): return .docx
            case (false, true, false): return .xlsx
            case (false, false, true): return .pptx
            default: return nil
            }
        }
        guard String(validating: bytes, as: UTF8.self) != nil else { return nil }
        let allowed: Set<UInt8> = [0x09, 0x0A, 0x0C, 0x0D]
        if bytes.contains(where: { ($0 < 0x20 && !allowed.contains($0)) || $0 == 0x7F }) { return nil }
        return .text
    }

    /// Whether `needle` occurs in `haystack`.
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, haystack.count >= needle.count else { return false }
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first, haystack[index..<index + needle.count].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }

    /// The kind a declared `Content-Type` names (parameters such as `charset=utf-8` aside, which
    /// only plain text takes), or `nil` when the spaces do not take it.
    public static func declared(_ contentType: String) -> Kind? {
        let parts = contentType.split(separator: ";", omittingEmptySubsequences: false)
        let type = parts[0].trimmingCharacters(in: .whitespaces).lowercased()
        guard let kind = Kind(rawValue: type) else { return nil }
        for parameter in parts.dropFirst() {
            let pair = parameter.trimmingCharacters(in: .whitespaces).lowercased()
            guard kind == .text, pair == "charset=utf-8" || pair == "charset=\"utf-8\"" else { return nil }
        }
        return kind
    }

    /// The content type of `bytes` declared as `contentType` (`nil`: whatever they are), or why
    /// not: a type the spaces do not take, or bytes that are not of it.
    public static func check(_ bytes: [UInt8], declared contentType: String?) throws(FileError) -> Kind {
        let found = sniff(bytes)
        guard let contentType else {
            guard let found else {
                throw FileError(
                    .unsupportedType, "the file is none of the types the spaces take (\(accepted))")
            }
            return found
        }
        guard let kind = declared(contentType) else {
            throw FileError(
                .unsupportedType, "content type '\(contentType)' is not taken; the spaces take \(accepted)")
        }
        guard found == kind else {
            throw FileError(
                .unsupportedType,
                "the file is declared \(kind.rawValue) but its bytes are "
                    + (found.map { "\($0.rawValue)" } ?? "none of the types the spaces take"))
        }
        return kind
    }

    /// Why `name` is no file name, or `nil` when it is one: 1 to 255 characters (Unicode scalars,
    /// as JSON Schema counts them), no path (`/`, `\`), no control character, not `.` or `..`.
    public static func nameProblem(_ name: String) -> String? {
        if name.isEmpty { return "a file name must not be empty" }
        if name.unicodeScalars.count > 255 { return "a file name is at most 255 characters" }
        if name.unicodeScalars.contains(where: { $0 == "/" || $0 == "\\" }) {
            return "a file name is a name alone, without a folder ('/' or '\\'): '\(name)'"
        }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "a file name must not contain control characters"
        }
        if name == "." || name == ".." { return "'\(name)' is no file name" }
        return nil
    }

    /// The SHA-256 of `bytes`, as 64 lowercase hexadecimal digits.
    public static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// The size in words: `20 MB`, `512 KB`, `12 bytes`.
    public static func size(_ bytes: Int) -> String {
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MB" }
        if bytes >= 1 << 10, bytes % (1 << 10) == 0 { return "\(bytes >> 10) KB" }
        return "\(bytes) bytes"
    }

    /// A size as `--max-file-size` and `GRIDFLOW_MAX_FILE_SIZE` write it: a whole number of
    /// bytes, or of `KB` or `MB` (1024 and 1024² bytes); at least 1 byte, at most 1 GB.
    public static func parseSize(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        var digits = Substring(trimmed)
        var factor = 1
        if trimmed.hasSuffix("MB") {
            factor = 1 << 20
            digits = trimmed.dropLast(2)
        } else if trimmed.hasSuffix("KB") {
            factor = 1 << 10
            digits = trimmed.dropLast(2)
        }
        let number = digits.trimmingCharacters(in: .whitespaces)
        guard !number.isEmpty, number.allSatisfy(\.isASCII), number.allSatisfy(\.isNumber),
            let value = Int(number), value > 0, value <= (1 << 30) / factor
        else { return nil }
        return value * factor
    }
}

/// The shared file spaces: every action checked against the space's permissions
/// (`FileAccess.decide`, with the person's roles from the directory and the appointments of
/// cases) before it is done, and recorded with who and when.
extension Engine {
    /// The space named `name` of the unit's file spaces, with its file space.
    public func fileSpace(_ name: String) throws(FileError) -> (CompiledFileSpace, CompiledFileSpace.Space) {
        for fileSpace in program.fileSpaces {
            if let space = fileSpace.space(name) { return (fileSpace, space) }
        }
        let all = program.fileSpaces.flatMap { $0.spaces.map(\.name) }
        throw FileError(
            .notFound,
            all.isEmpty
                ? "unit '\(program.unit)' has no file spaces"
                : "unit '\(program.unit)' has no space '\(name)'" + Suggestion.didYouMean(name, in: all)
                    + "; its spaces: \(all.joined(separator: ", "))")
    }

    /// Refuses unless `actor` may do `action` in `space`.
    func require(
        _ action: FileAction, _ fileSpace: CompiledFileSpace, _ space: CompiledFileSpace.Space, actor: Actor,
        owner: String? = nil
    ) throws(FileError) {
        let decision = FileAccess.decide(fileSpace, space: space, actor: actor, action: action, owner: owner)
        guard decision.allowed else { throw FileError(.forbidden, decision.reason) }
    }

    func folder(_ folder: String, of fileSpace: CompiledFileSpace, _ space: CompiledFileSpace.Space)
        throws(FileError)
    {
        guard fileSpace.folders.contains(folder) else {
            throw FileError(
                .notFound,
                "space '\(space.name)' has no folder '\(folder)'" + Suggestion.didYouMean(folder, in: fileSpace.folders)
                    + "; its folders: \(fileSpace.folders.joined(separator: ", "))")
        }
    }

    func files<T>(_ body: () throws(StoreError) -> T) throws(FileError) -> T {
        do { return try body() } catch { throw FileError(.store, error.message) }
    }

    /// Refuses unless `folder` of `space` is there and the person may upload into it: what an
    /// upload checks before its content is read.
    @discardableResult
    public func mayUpload(space spaceName: String, folder: String, by actor: Actor) throws(FileError)
        -> (CompiledFileSpace, CompiledFileSpace.Space)
    {
        let (fileSpace, space) = try fileSpace(spaceName)
        try self.folder(folder, of: fileSpace, space)
        try require(.upload, fileSpace, space, actor: actor)
        return (fileSpace, space)
    }

    /// Uploads `bytes` as `name` into `folder` of `space`: the person must be let upload there,
    /// the file be at most `maxSize` bytes, not empty, of a type the spaces take as its bytes
    /// show (`contentType`, when given, must say the same), and `name` a file name.
    public func upload(
        _ bytes: [UInt8], name: String, contentType: String?, space spaceName: String, folder: String, by actor: Actor,
        now: Instant, maxSize: Int = FileContent.defaultMaxSize
    ) throws(FileError) -> StoredFile {
        let (fileSpace, space) = try mayUpload(space: spaceName, folder: folder, by: actor)
        if let problem = FileContent.nameProblem(name) { throw FileError(.invalid, problem) }
        guard bytes.count <= maxSize else {
            throw FileError(
                .tooLarge,
                "the file is \(FileContent.size(bytes.count)); a file is at most \(FileContent.size(maxSize))")
        }
        guard !bytes.isEmpty else { throw FileError(.invalid, "the file is empty") }
        let kind = try FileContent.check(bytes, declared: contentType)
        let new = NewFile(
            unit: program.unit, fileSpace: fileSpace.name, space: space.name, folder: folder, name: name,
            contentType: kind.rawValue, sha256: FileContent.sha256(bytes), owner: actor.id, at: now, bytes: bytes)
        return try files { () throws(StoreError) in try store.saveFile(new) }
    }

    /// The files of `space` (of `folder` alone when given) the person may view, by folder, then
    /// newest first.
    public func files(in spaceName: String, folder: String? = nil, for actor: Actor) throws(FileError) -> [StoredFile] {
        let (fileSpace, space) = try fileSpace(spaceName)
        if let folder { try self.folder(folder, of: fileSpace, space) }
        try require(.view, fileSpace, space, actor: actor)
        let all = try files { () throws(StoreError) in
            try store.files(unit: program.unit, space: space.name, folder: folder)
        }
        let order = Dictionary(uniqueKeysWithValues: fileSpace.folders.enumerated().map { ($1, $0) })
        return all.sorted { a, b in
            let (x, y) = (order[a.folder] ?? Int.max, order[b.folder] ?? Int.max)
            return x != y ? x < y : a.id > b.id
        }
    }

    /// The file `id` of the unit, there or deleted; not found when it is another unit's, or of a
    /// space the unit no longer declares.
    func storedFile(_ id: Int) throws(FileError) -> (StoredFile, CompiledFileSpace, CompiledFileSpace.Space) {
        let stored = try files { () throws(StoreError) in try store.file(id) }
        // A case's attachment is no shared file: only its case's page reaches it.
        guard let stored, stored.unit == program.unit, stored.space != CaseAttachment.space else {
            throw FileError(.notFound, "no file #\(id)")
        }
        guard let (fileSpace, space) = try? fileSpace(stored.space) else {
            throw FileError(
                .notFound, "file #\(id) is in space '\(stored.space)', which unit \(program.unit) no longer declares")
        }
        return (stored, fileSpace, space)
    }

    /// The file `id` (not deleted) with its content, which must still have its checksum.
    public func download(_ id: Int, by actor: Actor) throws(FileError) -> (StoredFile, [UInt8]) {
        let (stored, fileSpace, space) = try storedFile(id)
        try require(.download, fileSpace, space, actor: actor, owner: stored.owner)
        guard stored.deletedAt == nil else {
            throw FileError(.notFound, "file #\(id) was deleted by \(stored.deletedBy ?? "someone")")
        }
        guard let bytes = try files({ () throws(StoreError) in try store.fileContent(id) }) else {
            throw FileError(.store, "the store holds no content for file #\(id)")
        }
        guard FileContent.sha256(bytes) == stored.sha256 else {
            throw FileError(.store, "the content of file #\(id) no longer matches its checksum \(stored.sha256)")
        }
        return (stored, bytes)
    }

    /// The file `id` as the person may view it (deleted ones too).
    public func fileRecord(_ id: Int, for actor: Actor) throws(FileError) -> StoredFile {
        let (stored, fileSpace, space) = try storedFile(id)
        try require(.view, fileSpace, space, actor: actor, owner: stored.owner)
        return stored
    }

    /// Deletes the file `id`: its content goes, its record stays, marked with who and when.
    public func deleteFile(_ id: Int, by actor: Actor, now: Instant) throws(FileError) -> StoredFile {
        let (stored, fileSpace, space) = try storedFile(id)
        try require(.delete, fileSpace, space, actor: actor, owner: stored.owner)
        guard stored.deletedAt == nil else {
            throw FileError(.notFound, "file #\(id) was deleted by \(stored.deletedBy ?? "someone") already")
        }
        guard let deleted = try files({ () throws(StoreError) in try store.deleteFile(id, by: actor.id, at: now) })
        else { throw FileError(.notFound, "file #\(id) was deleted meanwhile") }
        return deleted
    }

    /// Moves the file `id` to another folder of its space (to the one it is in: nothing changes).
    public func moveFile(_ id: Int, to folder: String, by actor: Actor, now: Instant) throws(FileError) -> StoredFile {
        let (stored, fileSpace, space) = try storedFile(id)
        try self.folder(folder, of: fileSpace, space)
        try require(.move, fileSpace, space, actor: actor, owner: stored.owner)
        guard stored.deletedAt == nil else {
            throw FileError(.notFound, "file #\(id) was deleted by \(stored.deletedBy ?? "someone")")
        }
        // Moved where it is, it stays: nothing to record.
        guard stored.folder != folder else { return stored }
        guard
            let moved = try files({ () throws(StoreError) in
                try store.moveFile(id, from: stored.folder, to: folder, by: actor.id, at: now)
            })
        else { throw FileError(.notFound, "file #\(id) was moved or deleted meanwhile") }
        return moved
    }

    /// The audit trail of `space` (of one file, when `file` is given), newest first, at most
    /// `limit` lines: for whoever may view the space.
    public func fileTrail(_ spaceName: String, file: Int? = nil, for actor: Actor, limit: Int = 100)
        throws(FileError) -> [FileEvent]
    {
        let (fileSpace, space) = try fileSpace(spaceName)
        try require(.view, fileSpace, space, actor: actor)
        return try files { () throws(StoreError) in
            try store.fileEvents(unit: program.unit, space: space.name, file: file, limit: limit)
        }
    }
}
