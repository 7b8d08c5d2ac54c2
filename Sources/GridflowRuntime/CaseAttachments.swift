import GridflowDefinitions
import GridflowExpressions

/// Photos attached to a case's `attachment` fields (the report form's `photos`): stored through
/// the store's file facility (`saveFile`, with its SHA-256) in a space of their own no
/// `FileSpace` can name, so the shared file routes never reach them; the field's value is a
/// reference to the stored file (`attachment:ID:SHA256`), and only a viewer who may see that
/// field of that case may download it.
public enum CaseAttachment {
    /// The space of the stored files that are case attachments (a `FileSpace`'s spaces are
    /// identifiers: none is named so); their folder is `#` and the field's name.
    public static let space = "#case"

    /// The folder of the files attached to `field`.
    public static func folder(_ field: String) -> String { "#" + field }

    /// What a photo may be, by its bytes.
    public static let kinds: [FileContent.Kind] = [.jpeg, .png]

    /// The reference a field holds to a stored attachment: its id and its checksum, so a
    /// reference is not guessed from an id alone.
    public static func reference(_ file: StoredFile) -> String { "attachment:\(file.id):\(file.sha256)" }

    /// The id and checksum of a reference, or `nil` when `text` is none (a plain string the API took).
    public static func parse(_ text: String) -> (id: Int, sha256: String)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "attachment", let id = Int(parts[1]), id > 0, parts[2].utf8.count == 64,
            parts[2].utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else { return nil }
        return (id, String(parts[2]))
    }

    /// The references a field's value holds (one, or a list's).
    public static func references(_ value: Value?) -> [(id: Int, sha256: String)] {
        switch value {
        case .string(let text)?: return parse(text).map { [$0] } ?? []
        case .list(let items)?: return items.flatMap { references($0) }
        default: return []
        }
    }

    /// Whether a field of this type holds attachments.
    public static func holds(_ type: FieldType) -> Bool {
        switch type {
        case .attachment: true
        case .list(.attachment): true
        default: false
        }
    }

    /// A photo ready to store: what it is, its bytes without metadata, the name it is stored as.
    public struct Photo: Sendable {
        public var kind: FileContent.Kind
        public var bytes: [UInt8]
        public var name: String
    }

    /// The photo `bytes` sent for `field` (the `index`th of it), checked and stripped of its
    /// metadata: at most `maxSize` bytes, not empty, a JPEG or PNG by its bytes (whatever the
    /// client says it is). It is stored as `FIELD-N.jpg` or `.png`: a file's own name may say
    /// who took it.
    public static func prepare(_ bytes: [UInt8], field: String, index: Int, maxSize: Int) throws(FileError) -> Photo {
        guard !bytes.isEmpty else { throw FileError(.invalid, "\(field): photo \(index + 1) is empty") }
        guard bytes.count <= maxSize else {
            throw FileError(
                .tooLarge,
                "\(field): photo \(index + 1) is \(FileContent.size(bytes.count)); a photo is at most \(FileContent.size(maxSize))"
            )
        }
        guard let kind = FileContent.sniff(bytes), kinds.contains(kind) else {
            throw FileError(
                .unsupportedType,
                "\(field): photo \(index + 1) is not a JPEG or PNG image"
                    + (FileContent.sniff(bytes).map { " (its bytes are \($0.rawValue))" } ?? ""))
        }
        let stripped: [UInt8]
        do { stripped = try ImageMetadata.strip(bytes, kind: kind) } catch {
            throw FileError(
                .unsupportedType, "\(field): photo \(index + 1) is not a well-formed \(kind.rawValue): \(error.message)"
            )
        }
        return Photo(kind: kind, bytes: stripped, name: "\(field)-\(index + 1).\(kind.fileExtension)")
    }
}

/// Removes what a photo says beside its picture: where and when it was taken, by which device,
/// by whom. A JPEG keeps its image segments and APP0 (JFIF) and APP14 (Adobe) markers only —
/// APP1 (Exif, XMP), APP13 (IPTC), every other APPn and comments go; a PNG loses its `tEXt`,
/// `zTXt`, `iTXt`, `eXIf` and `tIME` chunks. Nothing after the end of the image is kept.
public enum ImageMetadata {
    public struct Malformed: Error, Sendable {
        public var message: String
    }

    public static func strip(_ bytes: [UInt8], kind: FileContent.Kind) throws(Malformed) -> [UInt8] {
        switch kind {
        case .jpeg: try jpeg(bytes)
        case .png: try png(bytes)
        default: bytes
        }
    }

    static func jpeg(_ bytes: [UInt8]) throws(Malformed) -> [UInt8] {
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else {
            throw Malformed(message: "no start of image")
        }
        var out: [UInt8] = [0xFF, 0xD8]
        var position = 2
        while true {
            guard position < bytes.count, bytes[position] == 0xFF else {
                throw Malformed(message: "a segment does not start with a marker at byte \(position)")
            }
            // Fill bytes before a marker.
            while position + 1 < bytes.count, bytes[position + 1] == 0xFF { position += 1 }
            guard position + 1 < bytes.count else { throw Malformed(message: "it ends without its end of image") }
            let marker = bytes[position + 1]
            if marker == 0xD9 {
                out += [0xFF, 0xD9]
                return out
            }
            if marker == 0x01 || (0xD0...0xD7).contains(marker) {
                out += [0xFF, marker]
                position += 2
                continue
            }
            guard position + 3 < bytes.count else { throw Malformed(message: "a segment is cut short") }
            let length = Int(bytes[position + 2]) << 8 | Int(bytes[position + 3])
            let end = position + 2 + length
            guard length >= 2, end <= bytes.count else { throw Malformed(message: "a segment is cut short") }
            let payload = bytes[(position + 4)..<end]
            let keep: Bool
            switch marker {
            case 0xE0: keep = payload.starts(with: Array("JFIF\0".utf8))
            case 0xEE: keep = payload.starts(with: Array("Adobe".utf8))
            case 0xE1...0xEF, 0xFE: keep = false
            default: keep = true
            }
            if keep { out += bytes[position..<end] }
            position = end
            guard marker == 0xDA else { continue }
            // The entropy-coded data of a scan runs to the next marker that is neither a
            // stuffed zero nor a restart.
            var scan = position
            while scan + 1 < bytes.count {
                if bytes[scan] == 0xFF, bytes[scan + 1] != 0x00, !(0xD0...0xD7).contains(bytes[scan + 1]),
                    bytes[scan + 1] != 0xFF
                {
                    break
                }
                scan += 1
            }
            guard scan + 1 < bytes.count else { throw Malformed(message: "it ends without its end of image") }
            out += bytes[position..<scan]
            position = scan
        }
    }

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    static let pngDropped: Set<String> = ["tEXt", "zTXt", "iTXt", "eXIf", "tIME"]

    static func png(_ bytes: [UInt8]) throws(Malformed) -> [UInt8] {
        guard bytes.starts(with: pngSignature) else { throw Malformed(message: "no PNG signature") }
        var out = pngSignature
        var position = pngSignature.count
        while true {
            guard position + 12 <= bytes.count else { throw Malformed(message: "it ends without its IEND chunk") }
            let length =
                Int(bytes[position]) << 24 | Int(bytes[position + 1]) << 16 | Int(bytes[position + 2]) << 8
                | Int(bytes[position + 3])
            let end = position + 12 + length
            guard length >= 0, end <= bytes.count else { throw Malformed(message: "a chunk is cut short") }
            let type = String(decoding: bytes[(position + 4)..<(position + 8)], as: UTF8.self)
            if !pngDropped.contains(type) { out += bytes[position..<end] }
            position = end
            if type == "IEND" { return out }
        }
    }
}

extension Engine {
    /// Stores a prepared photo of `field` for a case about to open, by `owner` (`anonymous` for
    /// an anonymous report: nobody is named).
    public func storeAttachment(_ photo: CaseAttachment.Photo, field: String, owner: String, now: Instant)
        throws(FileError) -> StoredFile
    {
        let new = NewFile(
            unit: program.unit, fileSpace: "", space: CaseAttachment.space, folder: CaseAttachment.folder(field),
            name: photo.name, contentType: photo.kind.rawValue, sha256: FileContent.sha256(photo.bytes), owner: owner,
            at: now, bytes: photo.bytes)
        return try files { () throws(StoreError) in try store.saveFile(new) }
    }

    /// Drops attachments stored for a case that did not open.
    public func dropAttachments(_ stored: [StoredFile], now: Instant) {
        for file in stored { _ = try? store.deleteFile(file.id, by: Actor.system.id, at: now) }
    }

    /// The attachment `id` of `field` of the case `view` shows, with its content: not found
    /// unless the viewer sees the field and it refers to this very file (id and checksum), the
    /// file is an attachment of that field of the unit, there, and still of its checksum.
    public func attachment(_ id: Int, field: String, in view: CaseView) throws(FileError) -> (StoredFile, [UInt8]) {
        let missing = FileError(.notFound, "no attachment #\(id) in field '\(field)' of this case")
        guard view.hiddenField(field) == nil,
            let reference = CaseAttachment.references(view.value(of: field)).first(where: { $0.id == id })
        else { throw missing }
        guard let stored = try files({ () throws(StoreError) in try store.file(id) }), stored.unit == program.unit,
            stored.space == CaseAttachment.space, stored.folder == CaseAttachment.folder(field),
            stored.sha256 == reference.sha256, stored.deletedAt == nil
        else { throw missing }
        guard let bytes = try files({ () throws(StoreError) in try store.fileContent(id) }) else { throw missing }
        guard FileContent.sha256(bytes) == stored.sha256 else {
            throw FileError(.store, "the content of attachment #\(id) no longer matches its checksum \(stored.sha256)")
        }
        return (stored, bytes)
    }
}
