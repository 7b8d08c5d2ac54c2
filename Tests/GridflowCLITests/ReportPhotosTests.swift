import Foundation
import GRDB
import Testing

/// Photos on the report form (stored without their metadata, downloaded only by who may see the
/// field) and the rate of anonymous reports per client address, over plain HTTP against the
/// built daemon: a copy of the oilfield whose `photos` only the plant's discipline committee sees.
@Suite(.serialized) struct ReportPhotosTests: Workspace {
    let directory: URL

    init() throws {
        directory = try Self.makeFolder("report-photos")
        let root = try copyOfUnit("oilfield")
        let issue = root.appendingPathComponent("Workflows/oilfield/issue.yaml")
        let text = try String(contentsOf: issue, encoding: .utf8)
        let photos = "  photos:\n    type: list\n    of: attachment\n    title: 照片\n"
        #expect(text.contains(photos))
        try text.replacingOccurrences(of: photos, with: photos + "    visible_to: [plant_discipline_committee]\n")
            .write(to: issue, atomically: true, encoding: .utf8)
        let people = try write(
            "people.json",
            #"""
            [{"id": "wang", "name": "王强", "roles": ["employee"], "team": "opp_area_1_station_1", "department": "production"},
             {"id": "zhang", "name": "张伟", "roles": ["plant_discipline_committee"], "team": "opp_area_1_station_1", "department": "discipline_committee"},
             {"id": "li", "name": "李娜", "roles": ["department_handler"], "team": "opp_area_1_station_1", "department": "hr"},
             {"id": "sun", "name": "孙磊", "roles": ["department_handler"], "team": "opp_area_1_station_1", "department": "production"}]
            """#)
        let imported = try gridflow(["people", "import", "oilfield", people, "--root", root.path], in: directory)
        #expect(imported.status == 0, "\(imported.stderr)")
        let deployed = try gridflow(["deploy", "oilfield", "--root", root.path], in: directory)
        #expect(deployed.status == 0, "\(deployed.stderr)")
    }

    static let path = "/units/oilfield/report/opp_area_1_station_1"

    /// A reply read as bytes (a photo is no text).
    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// One request over a socket of its own, its body bytes as they are.
    static func exchange(
        _ port: Int, _ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8] = []
    )
        throws -> Reply
    {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if method == "POST" { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        let received = try loopbackExchange(port: port, bytes: Array(head.utf8) + body, earlyAnswer: true)
        let separator = Array("\r\n\r\n".utf8)
        guard
            let end = (0..<max(0, received.count - 3)).first(where: { received[$0..<$0 + 4].elementsEqual(separator) })
        else { throw POSIXError(.EBADMSG) }
        let lines = String(decoding: received[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        guard let status = Int(lines[0].dropFirst(9).prefix(3)) else { throw POSIXError(.EBADMSG) }
        var fields: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var content = Array(received[(end + 4)...])
        if fields["transfer-encoding"] == "chunked" {
            var joined: [UInt8] = []
            var position = 0
            while let lineEnd = (position..<max(position, content.count - 1)).first(where: {
                content[$0] == 0x0D && content[$0 + 1] == 0x0A
            }), let size = Int(String(decoding: content[position..<lineEnd], as: UTF8.self), radix: 16), size > 0 {
                joined += content[(lineEnd + 2)..<(lineEnd + 2 + size)]
                position = lineEnd + 4 + size
            }
            content = joined
        }
        return Reply(status: status, headers: fields, body: content)
    }

    /// A multipart/form-data body of text fields and files.
    static func multipart(_ fields: [(String, String)], files: [(name: String, filename: String, bytes: [UInt8])]) -> (
        type: String, body: [UInt8]
    ) {
        let boundary = "gridflow-test-boundary"
        var body: [UInt8] = []
        for (name, value) in fields {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        for file in files {
            body += Array(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"\(file.filename)\"\r\nContent-Type: image/jpeg\r\n\r\n"
                    .utf8)
            body += file.bytes + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return ("multipart/form-data; boundary=\(boundary)", body)
    }

    /// A JPEG's segment: its marker and payload with the length.
    static func segment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] {
        [0xFF, marker, UInt8((payload.count + 2) >> 8), UInt8((payload.count + 2) & 0xFF)] + payload
    }

    /// A small JPEG with a JFIF header, an Exif block holding a GPS position, XMP, IPTC, a
    /// comment, its tables and a scan (with a stuffed byte and a restart marker), and bytes
    /// after its end; and the same without what says more than the picture.
    static func jpeg(scan: Int = 16) -> (full: [UInt8], stripped: [UInt8]) {
        let exif = Array("Exif\0\0MM\0*\0\0\0\u{8}GPSLatitude 37.7749N GPSLongitude 122.4194W".utf8)
        let jfif = segment(0xE0, Array("JFIF\0".utf8) + [1, 1, 0, 0, 1, 0, 1, 0, 0])
        let metadata =
            segment(0xE1, exif)
            + segment(0xE1, Array("http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>owner</x:xmpmeta>".utf8))
            + segment(0xED, Array("Photoshop 3.0\08BIM byline Zhang San".utf8))
            + segment(0xFE, Array("taken by Wang Qiang".utf8))
        let image =
            segment(0xDB, [0] + Array(repeating: 1, count: 64)) + segment(0xC0, [8, 0, 1, 0, 1, 1, 1, 0x11, 0])
            + segment(0xC4, [0] + Array(repeating: 0, count: 16) + [0]) + segment(0xDA, [1, 1, 0, 0, 0x3F, 0])
            + Array(repeating: 0x2A, count: scan) + [0xFF, 0x00, 0x13, 0xFF, 0xD0, 0x14, 0x15, 0xFF, 0xD9]
        return ([0xFF, 0xD8] + jfif + metadata + image + Array("trailing secret".utf8), [0xFF, 0xD8] + jfif + image)
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let length = UInt32(data.count)
        return [UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)]
            + Array(type.utf8) + data + [0, 0, 0, 0]
    }

    /// A small PNG with a text chunk, a time and an Exif chunk beside its image.
    static let png: [UInt8] =
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", [0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0])
        + chunk("tEXt", Array("Comment\0at 37.7749N 122.4194W".utf8)) + chunk("tIME", [7, 232, 6, 1, 9, 0, 0])
        + chunk("eXIf", Array("MM\0*GPS".utf8)) + chunk("IDAT", [0x78, 0x9C, 0x63, 0x60, 0, 0, 0, 2, 0, 1])
        + chunk("IEND", [])

    static func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
        let needle = Array(needle.utf8)
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<$0 + needle.count].elementsEqual(needle) }
    }

    /// Starts the daemon with `environment`; its log (standard error) goes to `log`.
    func start(_ environment: [String: String], log: URL) throws -> (Process, Int) {
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = gridflowBinary
        process.arguments = ["serve", "--listen", "127.0.0.1:0"]
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        var line = ""
        while !line.contains("\n") {
            let data = output.fileHandleForReading.availableData
            guard !data.isEmpty else { break }
            line += String(decoding: data, as: UTF8.self)
        }
        let found = try #require(line.range(of: "http://127.0.0.1:"), "the daemon said: \(line)")
        return (process, try #require(Int(line[found.upperBound...].prefix { $0.isNumber })))
    }

    /// The form's cookie and CSRF token.
    func openForm(_ port: Int) throws -> (cookie: String, token: String, page: String) {
        let form = try Self.exchange(port, "GET", Self.path)
        #expect(form.status == 200, "\(form.text)")
        let cookie = String(try #require(form.headers["set-cookie"]?.split(separator: ";").first))
        return (cookie, try WebPagesTests.csrf(form.text), form.text)
    }

    func signIn(_ person: String, port: Int) throws -> String {
        let run = try gridflow(
            ["signin-link", "--unit", "oilfield", "--person", person, "--base-url", "http://127.0.0.1:\(port)"],
            in: directory)
        #expect(run.status == 0, "\(run.stderr)")
        let link = try #require(run.stdout.split(separator: "\n").last.map(String.init))
        let answer = try Self.exchange(port, "GET", try WebPagesTests.path(link))
        #expect(answer.status == 303)
        return String(try #require(answer.headers["set-cookie"]?.split(separator: ";").first))
    }

    @Test func photosAreStoredWithoutTheirMetadataAndDownloadedOnlyByWhoSeesTheField() throws {
        let log = directory.appendingPathComponent("photos.log")
        let (process, port) = try start(["GRIDFLOW_MAX_PHOTO_SIZE": "4KB", "GRIDFLOW_REPORT_RATE": "off"], log: log)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let (cookie, token, page) = try openForm(port)
        for text in [
            "enctype=\"multipart/form-data\"", "type=\"file\" id=\"report-photos\" name=\"photos\"",
            "accept=\"image/jpeg,image/png\" multiple", "4 KB",
        ] {
            #expect(page.contains(text), "\(text) in \(page)")
        }
        #expect(!page.contains("cannot be attached") && !page.contains("暂不能上传"))
        let fields = [
            ("_csrf", token), ("_identity", "anonymous"), ("channel", "qr_code"), ("description", "站内管线漏油"),
        ]
        func send(_ files: [(name: String, filename: String, bytes: [UInt8])]) throws -> Reply {
            let (type, body) = Self.multipart(fields, files: files)
            return try Self.exchange(
                port, "POST", Self.path, headers: ["Content-Type": type, "Cookie": cookie], body: body)
        }

        // Refused, naming the field: what is no photo (whatever it claims), one too large.
        let text = try send([("photos", "notes.jpg", Array("just some text".utf8))])
        #expect(text.status == 415 && text.text.contains("photos: photo 1 is not a JPEG or PNG"), "\(text.text)")
        let large = try send([("photos", "big.jpg", Self.jpeg(scan: 5000).full)])
        #expect(large.status == 413 && large.text.contains("photos: photo 1 is"), "\(large.text)")
        #expect(large.text.contains("at most 4 KB"), "\(large.text)")

        // Sent with a JPEG and a PNG: both stored, their metadata gone.
        let jpeg = Self.jpeg()
        let sent = try send([("photos", "IMG_王强.jpg", jpeg.full), ("photos", "site.png", Self.png)])
        #expect(sent.status == 303, "\(sent.text)")
        let receipt = try #require(sent.headers["location"])
        // The anonymous reporter does not see the committee's field: no links, no count.
        let followed = try Self.exchange(port, "GET", receipt)
        #expect(followed.status == 200 && !followed.text.contains("data-attachment"), "\(followed.text)")

        let zhang = try signIn("zhang", port: port)
        let inbox = try Self.exchange(port, "GET", "/", headers: ["Cookie": zhang]).text
        let marker = try #require(inbox.range(of: "data-case=\""), "\(inbox)")
        let id = String(inbox[marker.upperBound...].prefix { $0 != "\"" })
        let casePage = try Self.exchange(port, "GET", "/cases/\(id)", headers: ["Cookie": zhang]).text
        var links: [String] = []
        var rest = Substring(casePage)
        while let found = rest.range(of: "href=\"/cases/\(id)/attachments/photos/") {
            let tail = rest[found.upperBound...]
            links.append("/cases/\(id)/attachments/photos/" + tail.prefix { $0 != "\"" })
            rest = tail
        }
        #expect(links.count == 2, "\(casePage)")
        #expect(casePage.contains("photos-1.jpg") && casePage.contains("photos-2.png"), "the names say nothing")
        #expect(!casePage.contains("王强"), "not the file's own name")
        let first = try Self.exchange(port, "GET", links[0], headers: ["Cookie": zhang])
        #expect(first.status == 200 && first.headers["content-type"] == "image/jpeg", "\(first.headers)")
        let photo = first.body
        #expect(photo.starts(with: [0xFF, 0xD8, 0xFF, 0xE0]) && Array(photo.suffix(2)) == [0xFF, 0xD9])
        for gone in ["Exif", "GPS", "xmpmeta", "8BIM", "Wang Qiang", "trailing secret"] {
            #expect(!Self.contains(photo, gone), "\(gone) is removed")
        }
        // The picture itself is untouched: the header, tables, scan, stuffed byte and restart marker.
        #expect(photo == jpeg.stripped)
        let second = try Self.exchange(port, "GET", links[1], headers: ["Cookie": zhang])
        #expect(second.status == 200 && second.headers["content-type"] == "image/png")
        #expect(second.body.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        for gone in ["tEXt", "tIME", "eXIf", "37.7749"] { #expect(!Self.contains(second.body, gone), "\(gone)") }
        for kept in ["IHDR", "IDAT", "IEND"] { #expect(Self.contains(second.body, kept), "\(kept)") }

        // The worker on the case sees no photo, and cannot download one.
        let wang = try signIn("wang", port: port)
        let wangPage = try Self.exchange(port, "GET", "/cases/\(id)", headers: ["Cookie": wang]).text
        #expect(wangPage.contains("data-field=\"photos\" data-hidden=\"true\""), "\(wangPage)")
        #expect(!wangPage.contains("data-attachment") && !wangPage.contains("photos-1"), "\(wangPage)")
        #expect(try Self.exchange(port, "GET", links[0], headers: ["Cookie": wang]).status == 404)
        // Another field, another id, no session: not found, or sign in.
        #expect(
            try Self.exchange(
                port, "GET", links[0].replacingOccurrences(of: "/photos/", with: "/evidence/"),
                headers: ["Cookie": zhang]
            ).status == 404)
        #expect(
            try Self.exchange(port, "GET", "/cases/\(id)/attachments/photos/999", headers: ["Cookie": zhang]).status
                == 404)
        #expect(try Self.exchange(port, "GET", links[0]).status == 401)
        // Nor do the shared file routes reach a case's photo.
        let fileID = try #require(links[0].split(separator: "/").last)
        #expect(
            try Self.exchange(port, "GET", "/units/oilfield/file/\(fileID)", headers: ["Cookie": zhang]).status == 404)
    }

    @Test func anonymousReportsBeyondTheRateGet429AndTheAddressIsNeitherLoggedNorStored() throws {
        let log = directory.appendingPathComponent("rate.log")
        let (process, port) = try start(["GRIDFLOW_REPORT_RATE": "2/min"], log: log)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let (cookie, token, _) = try openForm(port)
        let body = Array(
            "_csrf=\(token)&_identity=anonymous&channel=qr_code&description=leak".utf8)
        func post() throws -> Reply {
            try Self.exchange(
                port, "POST", Self.path,
                headers: ["Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie], body: body)
        }
        #expect(try post().status == 303)
        #expect(try post().status == 303)
        let refused = try post()
        #expect(refused.status == 429, "\(refused.text)")
        let wait = try #require(refused.headers["retry-after"].flatMap(Int.init))
        #expect((1...60).contains(wait))
        #expect(refused.text.contains("<html") && refused.text.contains("\(wait)"), "\(refused.text)")

        // The API's callers hold a token an administrator issued: the form's limit does not
        // reach them, an anonymous case through the API opens while the address's bucket is empty.
        let issued = try gridflow(["token", "issue", "--unit", "oilfield", "--person", "wang"], in: directory)
        let token2 = try #require(issued.stdout.split(separator: "\n").last.map(String.init))
        func open(_ fields: String) throws -> Reply {
            try Self.exchange(
                port, "POST", "/v1/units/oilfield/cases",
                headers: ["Content-Type": "application/json", "Authorization": "Bearer \(token2)"],
                body: Array(
                    #"{"workflow": "issue", "fields": {"channel": "qr_code", "description": "x", "team": "opp_area_1_station_1"\#(fields)}}"#
                        .utf8))
        }
        let api = try open("")
        #expect(api.status == 201, "\(api.text)")
        // Under a name, it is no anonymous report.
        let named = try open(#", "reporter": "@wang""#)
        #expect(named.status == 201, "\(named.text)")

        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        let logged = try String(contentsOf: log, encoding: .utf8)
        #expect(logged.contains("\"request\""), "the daemon logs its requests: \(logged.prefix(500))")
        // The server names the address it listens on, once; no line names a client's.
        let lines = logged.split(separator: "\n").filter { !$0.contains("listening on 127.0.0.1:\(port)") }
        #expect(lines.count >= 5 && !lines.contains { $0.contains("127.0.0.1") }, "\(lines)")
        for suffix in ["", "-wal"] {
            let stored = (try? Data(contentsOf: directory.appendingPathComponent("gridflow.sqlite" + suffix))) ?? Data()
            #expect(!Self.contains(Array(stored), "127.0.0.1"), "the client address is not stored")
        }
    }

    /// The hidden input `name` of the form of `event` on a case page.
    static func hidden(_ name: String, event: String, in page: String) throws -> String {
        let form = try #require(page.range(of: "data-event=\"\(event)\""), "no \(event) form in \(page)")
        return try ReportFormTests.hidden(name, in: String(page[form.upperBound...]))
    }

    /// The case attachments stored for `field`: (id, owner, deleted).
    func storedAttachments(_ field: String) throws -> [(id: Int, owner: String, deleted: Bool)] {
        try DatabaseQueue(path: directory.appendingPathComponent("gridflow.sqlite").path).read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, owner, deleted_at FROM files WHERE space = '#case' AND folder = ? ORDER BY id",
                arguments: ["#" + field]
            ).map { ($0["id"], $0["owner"], ($0["deleted_at"] as Int?) != nil) }
        }
    }

    @Test func theRectificationsEvidenceIsSentAsPhotosOnTheCasePageAndDroppedWhenTheStepIsRefused() throws {
        let log = directory.appendingPathComponent("evidence.log")
        let (process, port) = try start(
            ["GRIDFLOW_MAX_PHOTO_SIZE": "4KB", "GRIDFLOW_MAX_PHOTOS": "2", "GRIDFLOW_REPORT_RATE": "off"], log: log)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        // A report, classified to hr and claimed by li, through the pages.
        let (cookie, token, _) = try openForm(port)
        let reported = try Self.exchange(
            port, "POST", Self.path,
            headers: ["Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie],
            body: Array("_csrf=\(token)&_identity=anonymous&channel=qr_code&description=leak".utf8))
        #expect(reported.status == 303, "\(reported.text)")
        let zhang = try signIn("zhang", port: port)
        let inbox = try Self.exchange(port, "GET", "/", headers: ["Cookie": zhang]).text
        let marker = try #require(inbox.range(of: "data-case=\""), "\(inbox)")
        let id = String(inbox[marker.upperBound...].prefix { $0 != "\"" })
        func step(_ event: String, _ session: String, _ fields: [(String, String)]) throws -> Reply {
            let page = try Self.exchange(port, "GET", "/cases/\(id)", headers: ["Cookie": session]).text
            let body =
                ([
                    ("_csrf", try WebPagesTests.csrf(page)),
                    ("_version", try Self.hidden("_version", event: event, in: page)),
                ] + fields).map { "\($0.0)=\(ReportFormTests.encoded($0.1))" }.joined(separator: "&")
            return try Self.exchange(
                port, "POST", "/cases/\(id)/events/\(event)",
                headers: ["Content-Type": "application/x-www-form-urlencoded", "Cookie": session],
                body: Array(body.utf8))
        }
        #expect(
            try step("classify", zhang, [("area", "vital_interests"), ("report_type", "problem")]).status == 303)
        let li = try signIn("li", port: port)
        #expect(try step("claim", li, []).status == 303)

        // The rectification's form asks for its evidence as photos, sent as multipart/form-data.
        let page = try Self.exchange(port, "GET", "/cases/\(id)", headers: ["Cookie": li]).text
        let form = try #require(page.range(of: "data-event=\"rectify\""), "\(page)")
        let rectify = String(page[form.lowerBound...].prefix { $0 != ">" })
        #expect(rectify.contains("enctype=\"multipart/form-data\""), "\(rectify)")
        for text in [
            "type=\"file\" id=\"event-rectify-evidence\" name=\"evidence\" accept=\"image/jpeg,image/png\" multiple",
            "JPEG 或 PNG 格式，最多 2 张，每张不超过 4 KB",
        ] {
            #expect(page.contains(text), "\(text) in \(page)")
        }
        #expect(!page.contains("此表单不支持"), "\(page)")
        let explain = try #require(page.range(of: "data-event=\"explain\""))
        #expect(!page[explain.lowerBound...].prefix { $0 != ">" }.contains("multipart"), "no file, no multipart")
        let csrf = try WebPagesTests.csrf(page)
        let version = try Self.hidden("_version", event: "rectify", in: page)
        let jpeg = Self.jpeg()
        func send(
            _ session: String, _ files: [(name: String, filename: String, bytes: [UInt8])],
            fields: [(String, String)]? = nil
        ) throws -> Reply {
            let (type, body) = Self.multipart(
                fields ?? [
                    ("_csrf", csrf), ("_version", version), ("handling_note", "已补发6月夜班补贴"),
                    ("improvements", "rule_improved"),
                ], files: files)
            return try Self.exchange(
                port, "POST", "/cases/\(id)/events/rectify", headers: ["Content-Type": type, "Cookie": session],
                body: body)
        }

        // Refused before anything is stored: no CSRF token, what is no photo, too many photos.
        let forged = try send(li, [("evidence", "a.jpg", jpeg.full)], fields: [("_version", version)])
        #expect(forged.status == 403, "\(forged.text)")
        let text = try send(li, [("evidence", "notes.jpg", Array("just some text".utf8))])
        #expect(
            text.status == 415 && text.text.contains("evidence: photo 1 is not a JPEG or PNG"),
            "\(text.status) \(text.text)")
        let many = try send(li, Array(repeating: ("evidence", "a.jpg", jpeg.full), count: 3))
        #expect(many.status == 413 && many.text.contains("at most 2 photos"), "\(many.status) \(many.text)")
        #expect(try storedAttachments("evidence").isEmpty)

        // A handler of another department: the guard refuses the step, and the photo stored for
        // it is dropped again.
        let sun = try signIn("sun", port: port)
        let sunPage = try Self.exchange(port, "GET", "/cases/\(id)", headers: ["Cookie": sun]).text
        let (type, body) = Self.multipart(
            [("_csrf", try WebPagesTests.csrf(sunPage)), ("_version", version), ("handling_note", "x")],
            files: [("evidence", "a.jpg", jpeg.full)])
        let refused = try Self.exchange(
            port, "POST", "/cases/\(id)/events/rectify", headers: ["Content-Type": type, "Cookie": sun], body: body)
        #expect(refused.status == 422, "\(refused.status) \(refused.text)")
        let dropped = try storedAttachments("evidence")
        #expect(dropped.count == 1 && dropped[0].deleted && dropped[0].owner == "sun", "\(dropped)")

        // li rectifies with a JPEG and a PNG: both stored without their metadata, the case refers to them.
        let sent = try send(li, [("evidence", "IMG_李娜.jpg", jpeg.full), ("evidence", "site.png", Self.png)])
        #expect(sent.status == 303 && sent.headers["location"] == "/cases/\(id)", "\(sent.status) \(sent.text)")
        let stored = try storedAttachments("evidence").filter { !$0.deleted }
        #expect(stored.count == 2 && stored.allSatisfy { $0.owner == "li" }, "\(stored)")
        let after = try Self.exchange(port, "GET", "/cases/\(id)", headers: ["Cookie": li]).text
        #expect(after.contains("data-state=\"response_check\""), "\(after)")
        let links = stored.map { "/cases/\(id)/attachments/evidence/\($0.id)" }
        for link in links { #expect(after.contains("href=\"\(link)\""), "\(link) in \(after)") }
        #expect(after.contains("evidence-1.jpg") && after.contains("evidence-2.png") && !after.contains("IMG_"))
        let photo = try Self.exchange(port, "GET", links[0], headers: ["Cookie": li])
        #expect(photo.status == 200 && photo.headers["content-type"] == "image/jpeg", "\(photo.headers)")
        #expect(photo.body == jpeg.stripped, "stored without its metadata")
        // The photo dropped with the refused step is not served, even by its number.
        #expect(
            try Self.exchange(
                port, "GET", "/cases/\(id)/attachments/evidence/\(dropped[0].id)", headers: ["Cookie": li]
            ).status == 404)
    }
}
