import Foundation
import GridflowExpressions
import GridflowRuntime
import GridflowStore
import Testing

/// The shared files of the stores (SQLite's migration `v13: shared files`) on a real file and
/// database: records, contents as blobs, deletes that keep the record and free the content, moves
/// that only move a file still where it was, and the audit trail.
@Suite struct FileStoreTests {
    let now = Instant("2026-03-02T09:00:00+08:00")!

    func new(_ name: String, folder: String = "highlights", owner: String = "li", bytes: [UInt8], at offset: Int = 0)
        -> NewFile
    {
        NewFile(
            unit: "telecom", fileSpace: "shared", space: "team_supervisors", folder: folder, name: name,
            contentType: "text/plain", sha256: FileContent.sha256(bytes), owner: owner,
            at: Instant(seconds: now.seconds + offset), bytes: bytes)
    }

    @Test(arguments: StoreKind.allCases) func filesAreStoredListedMovedDeletedAndTheirTrailKept(_ kind: StoreKind)
        throws
    {
        try kind.with { place in try filesAreStoredListedMovedDeletedAndTheirTrailKept(place) }
    }

    func filesAreStoredListedMovedDeletedAndTheirTrailKept(_ place: StorePlace) throws {
        let store = try place.open()
        let big = [UInt8](repeating: 0x41, count: 3 << 20)
        let first = try store.saveFile(new("a.txt", bytes: Array("first\n".utf8)))
        let second = try store.saveFile(new("b.txt", folder: "duty_material", owner: "chen", bytes: big, at: 10))
        #expect(first.id != second.id)
        #expect(second.size == 3 << 20)
        #expect(try store.file(first.id) == first)
        #expect(try store.fileContent(first.id) == Array("first\n".utf8))
        #expect(try store.fileContent(second.id) == big)
        #expect(
            try store.files(unit: "telecom", space: "team_supervisors", folder: nil).map(\.id) == [second.id, first.id])
        #expect(try store.files(unit: "telecom", space: "team_supervisors", folder: "highlights") == [first])
        #expect(try store.files(unit: "telecom", space: "grid_supervisors", folder: nil).isEmpty)
        #expect(try store.files(unit: "oilfield", space: "team_supervisors", folder: nil).isEmpty)

        // A move takes the file from where it is; from elsewhere it is refused, nothing changed.
        let later = Instant(seconds: now.seconds + 60)
        #expect(try store.moveFile(first.id, from: "exam_review", to: "training_courses", by: "li", at: later) == nil)
        let moved = try #require(
            try store.moveFile(first.id, from: "highlights", to: "exam_review", by: "li", at: later))
        #expect(moved.folder == "exam_review")

        // A delete keeps the record, marked, and frees the content; once.
        let deleted = try #require(try store.deleteFile(second.id, by: "chen", at: later))
        #expect(deleted.deletedAt == later && deleted.deletedBy == "chen")
        #expect(try store.deleteFile(second.id, by: "chen", at: later) == nil)
        #expect(try store.fileContent(second.id) == nil)
        #expect(try store.file(second.id)?.deletedBy == "chen")
        #expect(try store.files(unit: "telecom", space: "team_supervisors", folder: nil) == [moved])
        #expect(try store.moveFile(second.id, from: "duty_material", to: "highlights", by: "chen", at: later) == nil)

        // The trail, newest first, with who, when and from/to.
        let trail = try store.fileEvents(unit: "telecom", space: "team_supervisors", file: nil, limit: 10)
        #expect(trail.map(\.action) == [.delete, .move, .upload, .upload])
        #expect(trail.map(\.actor) == ["chen", "li", "chen", "li"])
        #expect(trail[0].from == "duty_material" && trail[0].to == nil && trail[0].at == later)
        #expect(trail[1].from == "highlights" && trail[1].to == "exam_review" && trail[1].name == "a.txt")
        #expect(trail[3].from == nil && trail[3].to == "highlights" && trail[3].at == now)
        #expect(try store.fileEvents(unit: "telecom", space: "team_supervisors", file: first.id, limit: 10).count == 2)
        #expect(try store.fileEvents(unit: "telecom", space: "team_supervisors", file: nil, limit: 1).count == 1)

        // Reopened, the store holds it all; the contents are blobs in the file itself.
        let again = try place.open()
        #expect(try again.fileContent(first.id) == Array("first\n".utf8))
        let blob = try place.rows(
            sqlite: "SELECT length(bytes) FROM file_contents WHERE file_id = ?",
            postgres: "SELECT length(bytes)::text FROM file_contents WHERE file_id = $1::bigint", ["\(first.id)"])
        #expect(blob == [["6"]])

        // Uploads into a folder in a period, by uploader: where they went, not where they are;
        // a deleted file does not count, nor one uploaded outside the period.
        _ = try store.saveFile(new("c.txt", owner: "li", bytes: Array("c".utf8), at: 20))
        _ = try store.saveFile(new("d.txt", folder: "duty_material", owner: "li", bytes: Array("d".utf8), at: 3600))
        let period = (from: now, to: Instant(seconds: now.seconds + 3600))
        #expect(
            try store.uploadCounts(unit: "telecom", folder: "highlights", from: period.from, to: period.to) == ["li": 2]
        )
        #expect(
            try store.uploadCounts(unit: "telecom", folder: "duty_material", from: period.from, to: period.to) == [:])
        #expect(
            try store.uploadCounts(
                unit: "telecom", folder: "duty_material", from: period.from, to: Instant(seconds: now.seconds + 3601))
                == ["li": 1])
        #expect(try store.uploadCounts(unit: "oilfield", folder: "highlights", from: period.from, to: period.to) == [:])
    }

    @Test func contentTypesAreRecognisedByTheirBytes() throws {
        func zip(_ parts: [String]) -> [UInt8] {
            [0x50, 0x4B, 0x03, 0x04] + Array(("[Content_Types].xml" + parts.joined()).utf8) + [0, 1, 2]
        }
        #expect(FileContent.sniff(Array("%PDF-1.7\n%\u{E2}".utf8)) == .pdf)
        #expect(FileContent.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]) == .png)
        #expect(FileContent.sniff([0xFF, 0xD8, 0xFF, 0xE0, 0]) == .jpeg)
        #expect(FileContent.sniff(zip(["word/document.xml"])) == .docx)
        #expect(FileContent.sniff(zip(["xl/workbook.xml"])) == .xlsx)
        #expect(FileContent.sniff(zip(["ppt/presentation.xml"])) == .pptx)
        #expect(FileContent.sniff(zip([])) == nil)
        #expect(FileContent.sniff([0x50, 0x4B, 0x03, 0x04, 1, 2, 3]) == nil)
        #expect(FileContent.sniff(Array("季度履职材料\r\n\tline two\n".utf8)) == .text)
        #expect(FileContent.sniff([0x41, 0x00, 0x42]) == nil)
        #expect(FileContent.sniff([0x41, 0xC3, 0x28]) == nil)
        #expect(FileContent.sniff([0x7F, 0x45, 0x4C, 0x46, 2, 1]) == nil)

        #expect(try FileContent.check(Array("%PDF-1.4".utf8), declared: "application/pdf") == .pdf)
        #expect(try FileContent.check(Array("plain".utf8), declared: "text/plain; charset=UTF-8") == .text)
        #expect(try FileContent.check(Array("plain".utf8), declared: nil) == .text)
        for (bytes, declared) in [
            (Array("plain".utf8), "application/pdf"), (Array("%PDF-1.4".utf8), "image/png"),
            (Array("plain".utf8), "text/html"), (Array("plain".utf8), "text/plain; charset=latin1"),
            ([0x00, 0x01], nil),
        ] as [([UInt8], String?)] {
            #expect(throws: FileError.self) { try FileContent.check(bytes, declared: declared) }
            do { _ = try FileContent.check(bytes, declared: declared) } catch {
                #expect(error.code == .unsupportedType)
            }
        }
    }

    @Test func namesAreFileNamesAloneAndSizesAreRead() {
        #expect(FileContent.nameProblem("季度总结.docx") == nil)
        #expect(FileContent.nameProblem(" report 2026.pdf") == nil)
        #expect(FileContent.nameProblem(String(repeating: "材", count: 255)) == nil)
        for bad in [
            "", "../etc/passwd", "a/b.txt", "C:\\fakepath\\x.pdf", "a\u{0}b", "line\nbreak", ".", "..",
            "/\u{301}etc", "\u{85}next", String(repeating: "x", count: 256),
        ] {
            #expect(FileContent.nameProblem(bad) != nil, "\(bad.debugDescription)")
        }
        #expect(FileContent.parseSize("20MB") == 20 << 20)
        #expect(FileContent.parseSize("512kb") == 512 << 10)
        #expect(FileContent.parseSize("1000") == 1000)
        for bad in ["", "0", "-1", "MB", "1.5MB", "2GB", "2000MB", "１０"] {
            #expect(FileContent.parseSize(bad) == nil, "\(bad)")
        }
        #expect(FileContent.size(20 << 20) == "20 MB")
        #expect(FileContent.size(1500) == "1500 bytes")
        #expect(
            FileContent.sha256(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
