import Foundation
import GRDB
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The telecom unit's shared file spaces through the daemon: members upload, list and download,
/// another group's member is refused, only the owner deletes or moves, the discipline office
/// shares into every space, sizes and types are checked, a download's checksum is verified, and
/// every action is in the space's trail.
@Suite(.serialized) struct FileServeTests {
    struct Answer {
        var status: Int
        var headers: [String: String]
        var data: Data
        var object: [String: Any] { (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:] }
    }

    /// A request with a raw body.
    static func send(
        _ method: String, _ base: URL, _ path: String, token: String, body: Data? = nil, type: String? = nil,
        headers: [String: String] = [:]
    ) throws -> Answer {
        var request = URLRequest(url: try #require(URL(string: path, relativeTo: base)))
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body { request.httpBody = body }
        if let type { request.setValue(type, forHTTPHeaderField: "Content-Type") }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: (Data?, URLResponse?, (any Error)?)
        URLSession.shared.dataTask(with: request) { data, response, error in
            result = (data, response, error)
            done.signal()
        }.resume()
        done.wait()
        if let error = result.2 { throw error }
        let response = try #require(result.1 as? HTTPURLResponse)
        var fields: [String: String] = [:]
        for (name, value) in response.allHeaderFields {
            fields[String(describing: name).lowercased()] = String(describing: value)
        }
        return Answer(status: response.statusCode, headers: fields, data: result.0 ?? Data())
    }

    static func sha256(_ data: Data) throws -> String {
        let run = Process()
        run.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        run.arguments = ["sha256sum"]
        let input = Pipe()
        let output = Pipe()
        run.standardInput = input
        run.standardOutput = output
        try run.run()
        input.fileHandleForWriting.write(data)
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        run.waitUntilExit()
        return String(text.prefix(64))
    }

    /// The serve workspace with the telecom unit deployed beside the tour, and li, chen (team
    /// supervisors), wang (a grid supervisor) and zhou (the discipline office) in its directory.
    static func workspace() throws -> ServeTests {
        let serve = try ServeTests()
        func office(_ id: String, _ name: String, _ role: String) -> String {
            AppraiseCommandTests.person(id, name, [role], team: "beihai_branch")
                .replacingOccurrences(of: "\"roles\"", with: "\"department\": \"discipline_office\", \"roles\"")
        }
        let people = try ServeTests.write(
            "["
                + [
                    AppraiseCommandTests.person("li", "李娜", ["team_supervisor"], team: "channel_team"),
                    AppraiseCommandTests.person("chen", "陈晨", ["team_supervisor"], team: "product_team"),
                    AppraiseCommandTests.person("wang", "王强", ["grid_supervisor"]),
                    office("zhou", "周敏", "discipline_committee_office"),
                ].joined(separator: ",\n") + "]", to: serve.directory.appendingPathComponent("telecom.json"))
        #expect(try serve.gf(["people", "import", "telecom", people]).status == 0)
        #expect(try serve.gf(["deploy", "telecom"]).status == 0)
        return serve
    }

    @Test func theSharedFileSpacesThroughTheAPI() throws {
        let serve = try Self.workspace()
        let li = try serve.token("telecom", "li")
        let chen = try serve.token("telecom", "chen")
        let wang = try serve.token("telecom", "wang")
        let zhou = try serve.token("telecom", "zhou")
        let tour = try serve.token("tour", "wang")
        let (process, base, _) = try serve.start(arguments: ["--max-file-size", "64KB"])
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let space = "/v1/units/telecom/files/team_supervisors"

        // li uploads: 201 with the record and where the file is.
        let content = Data("二季度履职材料\r\n已完成。\n".utf8)
        let name = "二季度 总结.txt".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let upload = try Self.send(
            "POST", base, space + "/duty_material?name=\(name)", token: li, body: content,
            type: "text/plain; charset=utf-8")
        #expect(upload.status == 201, "\(String(decoding: upload.data, as: UTF8.self))")
        let file = upload.object
        let id = try #require(file["id"] as? Int)
        #expect(upload.headers["location"] == "/v1/files/\(id)")
        #expect(file["name"] as? String == "二季度 总结.txt")
        #expect(file["owner"] as? String == "li")
        #expect(file["folder"] as? String == "duty_material")
        #expect(file["content_type"] as? String == "text/plain")
        #expect(file["size"] as? Int == content.count)
        #expect(file["sha256"] as? String == (try Self.sha256(content)))

        // chen, of the same group, lists and downloads it: the same bytes, named, with its checksum.
        let list = try Self.send("GET", base, space, token: chen)
        #expect(list.status == 200)
        #expect((list.object["files"] as? [[String: Any]])?.map { $0["id"] as? Int } == [id])
        #expect(
            list.object["folders"] as? [String] == ["duty_material", "highlights", "exam_review", "training_courses"])
        // Each folder's title, as the FileSpace gives it, by its name.
        #expect(
            list.object["folder_titles"] as? [String: String] == [
                "duty_material": "季度/半年/年度履职材料反馈", "highlights": "工作亮点", "exam_review": "业务考试复习资料",
                "training_courses": "业务培训课",
            ], "\(list.object)")
        let highlights = try Self.send("GET", base, space + "?folder=highlights", token: chen)
        #expect((highlights.object["files"] as? [Any])?.isEmpty == true)
        let download = try Self.send("GET", base, "/v1/files/\(id)", token: chen)
        #expect(download.status == 200)
        #expect(download.data == content)
        #expect(download.headers["content-type"] == "text/plain")
        #expect(download.headers["etag"] == "\"\(try Self.sha256(content))\"")
        #expect(
            download.headers["content-disposition"]
                == "attachment; filename=\"___ __.txt\"; filename*=UTF-8''%E4%BA%8C%E5%AD%A3%E5%BA%A6%20%E6%80%BB%E7%BB%93.txt"
        )
        let cached = try Self.send(
            "GET", base, "/v1/files/\(id)", token: chen, headers: ["If-None-Match": download.headers["etag"] ?? ""])
        #expect(cached.status == 304)

        // wang, of another group, sees nothing of the space and uploads nothing into it.
        for (method, path) in [
            ("GET", space), ("GET", "/v1/files/\(id)"), ("GET", "/v1/units/telecom/file-history/team_supervisors"),
        ] {
            let refused = try Self.send(method, base, path, token: wang)
            #expect(refused.status == 403, "\(method) \(path)")
            #expect((refused.object["detail"] as? String)?.contains("wang may not") == true)
        }
        let intruder = try Self.send(
            "POST", base, space + "/highlights?name=x.txt", token: wang, body: content, type: "text/plain")
        #expect(intruder.status == 403)
        // Another unit's token finds no such unit, nor the file.
        #expect(try Self.send("GET", base, space, token: tour).status == 404)
        #expect(try Self.send("GET", base, "/v1/files/\(id)", token: tour).status == 404)

        // The office shares into every space: a PNG by its bytes.
        let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13])
        for target in ["branch_discipline_members", "team_supervisors", "grid_supervisors"] {
            let shared = try Self.send(
                "POST", base, "/v1/units/telecom/files/\(target)/highlights?name=flow.png", token: zhou, body: png,
                type: "image/png")
            #expect(shared.status == 201, "\(target): \(String(decoding: shared.data, as: UTF8.self))")
        }

        // Only the owner moves or deletes: chen and the office are refused.
        for token in [chen, zhou] {
            let move = try Self.send(
                "POST", base, "/v1/files/\(id)/move", token: token, body: Data(#"{"folder": "highlights"}"#.utf8),
                type: "application/json")
            #expect(move.status == 403)
            #expect((move.object["detail"] as? String)?.contains("only who uploaded the file may") == true)
            #expect(try Self.send("DELETE", base, "/v1/files/\(id)", token: token).status == 403)
        }
        let unknownFolder = try Self.send(
            "POST", base, "/v1/files/\(id)/move", token: li, body: Data(#"{"folder": "nowhere"}"#.utf8),
            type: "application/json")
        #expect(unknownFolder.status == 404)
        let move = try Self.send(
            "POST", base, "/v1/files/\(id)/move", token: li, body: Data(#"{"folder": "highlights"}"#.utf8),
            type: "application/json")
        #expect(move.status == 200)
        #expect(move.object["folder"] as? String == "highlights")
        // Moved where it is, it stays: 200, nothing recorded.
        let again = try Self.send(
            "POST", base, "/v1/files/\(id)/move", token: li, body: Data(#"{"folder": "highlights"}"#.utf8),
            type: "application/json")
        #expect(again.status == 200)

        // Limits: over the size, a type the bytes are not, one not taken, a bad name, an unknown folder.
        let big = Data(repeating: 0x41, count: 64 * 1024 + 1)
        let tooLarge = try Self.send(
            "POST", base, space + "/highlights?name=big.txt", token: li, body: big, type: "text/plain")
        #expect(tooLarge.status == 413)
        #expect((tooLarge.object["detail"] as? String) == "a file is at most 64 KB")
        let exact = try Self.send(
            "POST", base, space + "/highlights?name=exact.txt", token: li, body: big.dropLast(), type: "text/plain")
        #expect(exact.status == 201)
        for (type, body, detail) in [
            ("application/pdf", content, "the file is declared application/pdf but its bytes are text/plain"),
            ("application/zip", Data([0x50, 0x4B, 0x03, 0x04, 0, 0]), "content type 'application/zip' is not taken"),
            (
                "text/plain", Data([0x7F, 0x45, 0x4C, 0x46, 0x00]),
                "the file is declared text/plain but its bytes are none"
            ),
        ] {
            let refused = try Self.send("POST", base, space + "/highlights?name=x", token: li, body: body, type: type)
            #expect(refused.status == 415, "\(type)")
            #expect((refused.object["detail"] as? String)?.hasPrefix(detail) == true, "\(refused.object)")
        }
        let badName = try Self.send(
            "POST", base, space + "/highlights?name=..%2Fx.txt", token: li, body: content, type: "text/plain")
        #expect(badName.status == 400)
        #expect(
            try Self.send("POST", base, space + "/nowhere?name=x.txt", token: li, body: content, type: "text/plain")
                .status == 404)
        #expect(try Self.send("GET", base, "/v1/units/telecom/files/nowhere", token: li).status == 404)

        // A content changed behind the daemon's back is not served.
        let store = try DatabaseQueue(path: serve.directory.appendingPathComponent("gridflow.sqlite").path)
        let exactID = try #require(exact.object["id"] as? Int)
        try store.write { db in
            try db.execute(
                sql: "UPDATE file_contents SET bytes = ? WHERE file_id = ?",
                arguments: [Data("tampered".utf8), exactID])
        }
        let tampered = try Self.send("GET", base, "/v1/files/\(exactID)", token: chen)
        #expect(tampered.status == 503)
        #expect((tampered.object["detail"] as? String)?.contains("no longer matches its checksum") == true)

        // li deletes their file: gone for everyone, its record in the trail.
        let delete = try Self.send("DELETE", base, "/v1/files/\(id)", token: li)
        #expect(delete.status == 200)
        #expect(delete.object["deleted_by"] as? String == "li")
        #expect(try Self.send("GET", base, "/v1/files/\(id)", token: chen).status == 404)
        #expect(try Self.send("DELETE", base, "/v1/files/\(id)", token: li).status == 404)
        let trail = try Self.send("GET", base, "/v1/units/telecom/file-history/team_supervisors", token: chen)
        #expect(trail.status == 200)
        let events = try #require(trail.object["events"] as? [[String: Any]])
        let mine = events.filter { $0["file_id"] as? Int == id }
        #expect(mine.map { $0["action"] as? String } == ["delete", "move", "upload"])
        #expect(mine.map { $0["by"] as? String } == ["li", "li", "li"])
        #expect(mine[1]["from"] as? String == "duty_material" && mine[1]["to"] as? String == "highlights")
        let one = try Self.send(
            "GET", base, "/v1/units/telecom/file-history/team_supervisors?file=\(id)&limit=1", token: chen)
        #expect((one.object["events"] as? [[String: Any]])?.map { $0["action"] as? String } == ["delete"])

        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    /// Schemathesis on the file routes of a unit that has file spaces, the path's unit, space
    /// and folder real ones: uploads of each type it can write (PNG and JPEG samples, text), then
    /// listing, downloading, moving and deleting what it uploaded.
    @Test func schemathesisFindsNoServerErrorOnTheFileRoutes() throws {
        let serve = try Self.workspace()
        let li = try serve.token("telecom", "li")
        let (process, base, _) = try serve.start()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let config = try ServeTests.write(
            """
            [checks.positive_data_acceptance]
            expected-statuses = ["2XX", "401", "403", "404", "409", "422"]

            [parameters]
            "path.unit" = "telecom"
            "path.space" = "team_supervisors"
            "path.folder" = "highlights"

            """, to: serve.directory.appendingPathComponent("schemathesis.toml"))
        let run = Process()
        run.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        run.arguments =
            [
                "schemathesis", "--config-file", config, "run", base.absoluteString + "/openapi.json", "-H",
                "Authorization: Bearer \(li)", "--max-examples", "20", "--seed", "1",
            ]
            + ["uploadFile", "listFiles", "downloadFile", "deleteFile", "moveFile", "fileHistory"].flatMap {
                ["--include-operation-id", $0]
            }
        run.currentDirectoryURL = serve.directory
        let result = try runToEnd(run)
        #expect(result.status == 0, "schemathesis: \(result.stdout.suffix(4000)) \(result.stderr.suffix(2000))")
        #expect(result.stdout.contains("Tested: 6"), "\(result.stdout.suffix(2000))")
        // It uploaded files, and found them.
        let list = try Self.send("GET", base, "/v1/units/telecom/files/team_supervisors", token: li)
        #expect((list.object["files"] as? [Any])?.isEmpty == false)
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
