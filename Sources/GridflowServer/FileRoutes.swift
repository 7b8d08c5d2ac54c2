import GridflowExpressions
import GridflowRuntime
import HTTPTypes
import Hummingbird

/// The unit's shared file spaces (`FileSpace`): upload, list, download, delete, move and the
/// audit trail, each checked against the space's permissions for the caller's roles (from the
/// directory and the appointments of cases).
extension Routes {
    /// The caller and their unit's engine and actor, the unit the route names being theirs
    /// (another unit is not found).
    func fileCaller(_ context: APIContext) throws -> (Caller, Engine, Actor) {
        let caller = try context.requireCaller()
        if let unit = context.parameters.get("unit"), unit != caller.unit {
            throw Problem.notFound("no unit '\(unit)' is deployed here")
        }
        let engine = try daemon.engine(unit: caller.unit)
        let actor = try daemon.actor(engine, caller.person, now: daemon.now())
        return (caller, engine, actor)
    }

    /// `GET /v1/units/{unit}/files/{space}?folder=`: the files of a space (or of one folder).
    func listFiles(_ request: Request, _ context: APIContext) throws -> Reply {
        let (_, engine, actor) = try fileCaller(context)
        let space = try context.parameters.require("space")
        let folder = request.uri.queryParameters.get("folder")
        let files: [StoredFile]
        do { files = try engine.files(in: space, folder: folder, for: actor) } catch { throw Problem.file(error) }
        let (fileSpace, found) = try Self.space(engine, space)
        return Reply(
            text: ValueJSON.encode(
                [
                    "file_space": .string(fileSpace.name), "space": .string(found.name),
                    "title": found.title.map(Value.string) ?? .null,
                    "folders": .list(fileSpace.folders.map(Value.string)),
                    "folder_titles": .map(
                        Dictionary(
                            fileSpace.folders.map {
                                (Value.string($0), fileSpace.folderTitles[$0].map(Value.string) ?? .null)
                            },
                            uniquingKeysWith: { first, _ in first })),
                    "folder": folder.map(Value.string) ?? .null, "files": .list(files.map(\.value)),
                ], time: engine.program.calendar.zone))
    }

    static func space(_ engine: Engine, _ name: String) throws -> (CompiledFileSpace, CompiledFileSpace.Space) {
        do { return try engine.fileSpace(name) } catch { throw Problem.file(error) }
    }

    /// `POST /v1/units/{unit}/files/{space}/{folder}?name=NAME`: the body is the file, its
    /// `Content-Type` what it is; 201 with the file's record.
    func uploadFile(_ request: Request, _ context: APIContext) async throws -> Reply {
        let (_, engine, actor) = try fileCaller(context)
        let space = try context.parameters.require("space")
        let folder = try context.parameters.require("folder")
        guard let name = request.uri.queryParameters.get("name") else {
            throw Problem.badRequest("name the file: ?name=FILE_NAME", field: "name")
        }
        let limit = daemon.maxFileSize
        let tooLarge = Problem.file(
            FileError(.tooLarge, "a file is at most \(FileContent.size(limit))"))
        // Where the space, folder or permission refuses, the body is not read.
        do { try engine.mayUpload(space: space, folder: folder, by: actor) } catch { throw Problem.file(error) }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { throw tooLarge }
        var request = request
        let bytes: [UInt8]
        do { bytes = Array(try await request.collectBody(upTo: limit).readableBytesView) } catch let error
            as HTTPError where error.status == .contentTooLarge
        {
            throw tooLarge
        }
        let file: StoredFile
        do {
            file = try engine.upload(
                bytes, name: name, contentType: request.headers[.contentType], space: space, folder: folder, by: actor,
                now: daemon.now(), maxSize: limit)
        } catch { throw Problem.file(error) }
        var reply = Reply(text: file.json(time: engine.program.calendar.zone), status: 201)
        reply.location = "/v1/files/\(file.id)"
        return reply
    }

    /// The file id a route names.
    func fileID(_ context: APIContext) throws -> Int {
        let text = try context.parameters.require("id")
        guard let id = Int(text), id > 0 else { throw Problem.notFound("no file #\(text)") }
        return id
    }

    /// `GET /v1/files/{id}`: the file's content, as it was uploaded, its checksum verified; the
    /// `ETag` is its SHA-256, `If-None-Match` with it answers 304.
    func downloadFile(_ request: Request, _ context: APIContext) throws -> Response {
        let (_, engine, actor) = try fileCaller(context)
        let id = try fileID(context)
        let (file, bytes): (StoredFile, [UInt8])
        do { (file, bytes) = try engine.download(id, by: actor) } catch { throw Problem.file(error) }
        var headers = HTTPFields()
        headers[.eTag] = "\"\(file.sha256)\""
        headers[.contentType] = file.contentType
        headers[.contentDisposition] = Self.disposition(file.name)
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        if let match = request.headers[.ifNoneMatch],
            match.split(separator: ",").contains(where: {
                $0.trimmingCharacters(in: .whitespaces) == "\"\(file.sha256)\""
            })
        {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// `attachment` with the name: an ASCII fallback, and the name itself (RFC 6266, RFC 8187).
    static func disposition(_ name: String) -> String {
        let fallback = String(
            name.unicodeScalars.map { scalar -> Character in
                scalar.isASCII && scalar.value >= 0x20 && scalar != "\"" && scalar != "\\" && scalar.value != 0x7F
                    ? Character(scalar) : "_"
            })
        var encoded = ""
        for byte in name.utf8 {
            let unreserved =
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || "-._~".utf8.contains(byte)
            let hex = String(byte, radix: 16, uppercase: true)
            encoded += unreserved ? String(UnicodeScalar(byte)) : "%" + (byte < 16 ? "0" : "") + hex
        }
        return "attachment; filename=\"\(fallback)\"; filename*=UTF-8''\(encoded)"
    }

    /// `DELETE /v1/files/{id}`: the file's record, marked deleted.
    func deleteFile(_ context: APIContext) throws -> Reply {
        let (_, engine, actor) = try fileCaller(context)
        let id = try fileID(context)
        do {
            return Reply(
                text: try engine.deleteFile(id, by: actor, now: daemon.now()).json(time: engine.program.calendar.zone))
        } catch { throw Problem.file(error) }
    }

    /// `POST /v1/files/{id}/move` `{"folder": F}`: the file's record in its new folder.
    func moveFile(_ bytes: [UInt8], _ context: APIContext) throws -> Reply {
        let (_, engine, actor) = try fileCaller(context)
        let id = try fileID(context)
        let body = try object(bytes)
        for key in body.keys where key != "folder" {
            throw Problem.badRequest("unknown member '\(key)'; the body is {\"folder\": F}", field: key)
        }
        guard case .string(let folder)? = body["folder"] else {
            throw Problem.badRequest("the body names the folder: {\"folder\": F}", field: "folder")
        }
        do {
            return Reply(
                text: try engine.moveFile(id, to: folder, by: actor, now: daemon.now()).json(
                    time: engine.program.calendar.zone))
        } catch { throw Problem.file(error) }
    }

    /// `GET /v1/units/{unit}/file-history/{space}?file=&limit=`: the space's audit trail, newest first.
    func fileHistory(_ request: Request, _ context: APIContext) throws -> Reply {
        let (_, engine, actor) = try fileCaller(context)
        let space = try context.parameters.require("space")
        let query = request.uri.queryParameters
        var limit = 100
        if let text = query.get("limit") {
            guard let value = Int(text), (1...500).contains(value) else {
                throw Problem.badRequest("limit takes 1 to 500", field: "limit")
            }
            limit = value
        }
        var file: Int?
        if let text = query.get("file") {
            guard let value = Int(text), value > 0 else {
                throw Problem.badRequest("file takes a file's id, a whole number", field: "file")
            }
            file = value
        }
        let events: [FileEvent]
        do { events = try engine.fileTrail(space, file: file, for: actor, limit: limit) } catch {
            throw Problem.file(error)
        }
        return Reply(
            text: ValueJSON.encode(
                ["space": .string(space), "events": .list(events.map(\.value))], time: engine.program.calendar.zone))
    }
}

extension Problem {
    /// The problem a refused or failed file action is.
    static func file(_ error: FileError) -> Problem {
        switch error.code {
        case .notFound: Problem.notFound(error.message)
        case .forbidden: Problem(.forbidden, "forbidden", "The file space does not allow it", error.message)
        case .tooLarge: Problem(.contentTooLarge, "too-large", "The file is too large", error.message)
        case .unsupportedType:
            Problem(.unsupportedMediaType, "unsupported-type", "The file's type is not taken", error.message)
        case .invalid: Problem.badRequest(error.message)
        case .store: Problem(.serviceUnavailable, "store", "The store cannot answer", error.message)
        }
    }
}
