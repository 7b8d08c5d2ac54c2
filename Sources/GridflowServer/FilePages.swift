import Foundation
import GridflowDefinitions
import GridflowExpressions
import GridflowRuntime
import HTTPTypes
import Hummingbird

/// The pages of the unit's shared file spaces: a space's folders and files, an upload form, download
/// links, delete and move buttons shown only where the space allows them (`FileAccess.decide`),
/// and the audit trail; every action through the engine's calls, as the API's.
extension PageSite {
    func addFilePages(to router: Router<APIContext>) {
        router.get("/units/:unit/files") { request, context in
            await self.answer { try self.spaces(request, context) }
        }
        router.get("/units/:unit/files/:space") { request, context in
            await self.answer { try self.spacePage(request, context) }
        }
        router.post("/units/:unit/files/:space/upload") { request, context in
            await self.answer { try await self.uploadPage(request, context) }
        }
        router.get("/units/:unit/file/:id") { request, context in
            await self.answer { try self.downloadPage(request, context) }
        }
        router.post("/units/:unit/file/:id/delete") { request, context in
            await self.answer { try await self.deletePage(request, context) }
        }
        router.post("/units/:unit/file/:id/move") { request, context in
            await self.answer { try await self.movePage(request, context) }
        }
    }

    func spaceHref(_ unit: String, _ space: String, folder: String? = nil) -> String {
        "/units/\(Self.path(unit))/files/\(Self.path(space))" + (folder.map { "?folder=" + Self.query($0) } ?? "")
    }

    /// `GET /units/{unit}/files`: the spaces the person may view.
    func spaces(_ request: Request, _ context: APIContext) throws -> Response {
        let session = try requireSession(request)
        let engine = try ownUnit(session, context)
        let actor = try engine.actor(session.person, roles: [], now: daemon.now())
        var spaces: [[String: Any]] = []
        for fileSpace in engine.program.fileSpaces {
            for space in fileSpace.spaces
            where FileAccess.decide(fileSpace, space: space, actor: actor, action: .view, owner: nil).allowed {
                spaces.append([
                    "name": space.name, "title": space.title ?? space.name, "href": spaceHref(session.unit, space.name),
                ])
            }
        }
        let frame = makeFrame(session)
        return page(
            frame, title: frame.labels["files"] ?? "Files", template: "spaces",
            ["hasSpaces": !spaces.isEmpty, "spaces": spaces])
    }

    /// `GET /units/{unit}/files/{space}?folder=`: the space's folders, its files (of one folder
    /// when given), what the person may do with each, and the trail.
    func spacePage(_ request: Request, _ context: APIContext) throws -> Response {
        let session = try requireSession(request)
        let engine = try ownUnit(session, context)
        let name = try context.parameters.require("space")
        let folder = request.uri.queryParameters.get("folder").flatMap { $0.isEmpty ? nil : String($0) }
        return try spaceAnswer(session, engine, space: name, folder: folder)
    }

    func spaceAnswer(
        _ session: PageSession, _ engine: Engine, space name: String, folder: String?, error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) throws -> Response {
        let frame = makeFrame(session)
        let actor = try engine.actor(session.person, roles: [], now: daemon.now())
        let zone = engine.program.calendar.zone
        let files: [StoredFile]
        let trail: [FileEvent]
        do {
            files = try engine.files(in: name, folder: folder, for: actor).filter { $0.deletedAt == nil }
            trail = try engine.fileTrail(name, for: actor, limit: 50)
        } catch { throw Problem.file(error) }
        let (fileSpace, space) = try Routes.space(engine, name)
        func may(_ action: FileAction, _ owner: String?) -> Bool {
            FileAccess.decide(fileSpace, space: space, actor: actor, action: action, owner: owner).allowed
        }
        let unit = session.unit
        let folders = fileSpace.folders.map { item -> [String: Any] in
            [
                "name": item, "title": fileSpace.title(ofFolder: item), "href": spaceHref(unit, name, folder: item),
                "current": item == folder,
            ]
        }
        let rows = files.map { file -> [String: Any] in
            let base = "/units/\(Self.path(unit))/file/\(file.id)"
            return [
                "id": String(file.id), "name": file.name, "folder": file.folder, "size": FileContent.size(file.size),
                "owner": file.owner, "at": PageValues.time(file.uploadedAt, zone: zone),
                "atISO": zone.text(file.uploadedAt), "sha256": file.sha256, "href": base,
                "mayDownload": may(.download, file.owner), "mayDelete": may(.delete, file.owner),
                "mayMove": may(.move, file.owner), "deleteAction": base + "/delete", "moveAction": base + "/move",
                "folderTitle": fileSpace.title(ofFolder: file.folder),
                "folders": fileSpace.folders.filter { $0 != file.folder }.map {
                    ["name": $0, "title": fileSpace.title(ofFolder: $0)]
                },
            ]
        }
        let events = trail.map { event -> [String: Any] in
            [
                "action": event.action.rawValue, "name": event.name, "by": event.actor,
                "at": PageValues.time(event.at, zone: zone), "atISO": zone.text(event.at),
                "from": event.from.map(fileSpace.title(ofFolder:)) ?? "",
                "to": event.to.map(fileSpace.title(ofFolder:)) ?? "", "hasFrom": event.from != nil,
                "hasTo": event.to != nil,
            ]
        }
        let context: [String: Any] = [
            "space": name, "folders": folders, "allHref": spaceHref(unit, name), "all": folder == nil,
            "mayUpload": may(.upload, nil), "uploadAction": spaceHref(unit, name) + "/upload",
            "uploadFolders": fileSpace.folders.map {
                ["name": $0, "title": fileSpace.title(ofFolder: $0), "selected": $0 == folder]
            },
            "maxSize": FileContent.size(daemon.maxFileSize), "hasFiles": !rows.isEmpty, "files": rows,
            "hasTrail": !events.isEmpty, "trail": events, "hasError": error != nil, "error": error ?? "",
        ]
        return page(frame, title: space.title ?? space.name, template: "space", context, status: status)
    }

    /// `POST /units/{unit}/files/{space}/upload` (multipart/form-data: `_csrf`, `folder`, `file`):
    /// the upload as the API takes it, then back to the folder (303).
    func uploadPage(_ request: Request, _ context: APIContext) async throws -> Response {
        let session = try requireSession(request)
        let engine = try ownUnit(session, context)
        let name = try context.parameters.require("space")
        let frame = makeFrame(session)
        let limit = daemon.maxFileSize
        var request = request
        let bytes: [UInt8]
        do {
            bytes = Array(try await request.collectBody(upTo: limit + MultipartForm.overhead).readableBytesView)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw Problem.file(FileError(.tooLarge, "a file is at most \(FileContent.size(limit))"))
        }
        let form: MultipartForm
        do { form = try MultipartForm(contentType: request.headers[.contentType], body: bytes) } catch {
            return message(frame, title: "Bad request", error.message, status: .badRequest)
        }
        guard let token = form.text("_csrf"), WebSignIn.same(token, session.csrf) else {
            return message(
                frame, title: "Forbidden", "The form was refused: it does not carry this session's CSRF token.",
                hint: "Reload the page and send the form again.", status: .forbidden)
        }
        let folder = form.text("folder") ?? ""
        let actor = try engine.actor(session.person, roles: [], now: daemon.now())
        guard let file = form.parts.first(where: { $0.name == "file" }), let fileName = file.filename,
            !fileName.isEmpty
        else {
            return try spaceAnswer(
                session, engine, space: name, folder: folder.isEmpty ? nil : folder, error: "Choose a file to upload.",
                status: .badRequest)
        }
        do {
            _ = try engine.upload(
                file.bytes, name: fileName, contentType: file.contentType, space: name, folder: folder, by: actor,
                now: daemon.now(), maxSize: limit)
        } catch {
            let problem = Problem.file(error)
            if error.code == .forbidden || error.code == .notFound { throw problem }
            return try spaceAnswer(
                session, engine, space: name, folder: folder.isEmpty ? nil : folder, error: error.message,
                status: problem.status)
        }
        return seeOther(spaceHref(session.unit, name, folder: folder))
    }

    func fileID(_ context: APIContext) throws -> Int {
        let text = try context.parameters.require("id")
        guard let id = Int(text), id > 0 else { throw Problem.notFound("no file #\(text)") }
        return id
    }

    /// `GET /units/{unit}/file/{id}`: the file's content, as the API's download gives it.
    func downloadPage(_ request: Request, _ context: APIContext) throws -> Response {
        let session = try requireSession(request)
        let engine = try ownUnit(session, context)
        let id = try fileID(context)
        let actor = try engine.actor(session.person, roles: [], now: daemon.now())
        let (file, bytes): (StoredFile, [UInt8])
        do { (file, bytes) = try engine.download(id, by: actor) } catch { throw Problem.file(error) }
        var headers = Self.headers
        headers[.eTag] = "\"\(file.sha256)\""
        headers[.contentType] = file.contentType
        headers[.contentDisposition] = Routes.disposition(file.name)
        headers[HTTPField.Name("Content-Security-Policy")!] = "default-src 'none'; sandbox"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// `POST /units/{unit}/file/{id}/delete`: deletes the file (its owner, as the space says).
    func deletePage(_ request: Request, _ context: APIContext) async throws -> Response {
        let (session, _) = try await form(request, context)
        let engine = try ownUnit(session, context)
        let id = try fileID(context)
        let actor = try engine.actor(session.person, roles: [], now: daemon.now())
        let deleted: StoredFile
        do { deleted = try engine.deleteFile(id, by: actor, now: daemon.now()) } catch { throw Problem.file(error) }
        return seeOther(spaceHref(session.unit, deleted.space, folder: deleted.folder))
    }

    /// `POST /units/{unit}/file/{id}/move` (`folder`): moves the file to another folder of its space.
    func movePage(_ request: Request, _ context: APIContext) async throws -> Response {
        let (session, form) = try await form(request, context)
        let engine = try ownUnit(session, context)
        let id = try fileID(context)
        let actor = try engine.actor(session.person, roles: [], now: daemon.now())
        let moved: StoredFile
        do { moved = try engine.moveFile(id, to: form.first("folder") ?? "", by: actor, now: daemon.now()) } catch {
            throw Problem.file(error)
        }
        return seeOther(spaceHref(session.unit, moved.space, folder: moved.folder))
    }
}

/// A `multipart/form-data` body (RFC 7578), read strictly: a boundary in the content type, every
/// part with a `Content-Disposition: form-data; name="…"` header, at most a few parts (the upload
/// form's 8, the report form's more), nothing after the closing delimiter but a line end.
struct MultipartForm {
    struct Part {
        var name: String
        var filename: String?
        var contentType: String?
        var bytes: [UInt8]
    }

    struct Failure: Error {
        var message: String
    }

    /// What the form's fields and part headers may add to a file's size.
    static let overhead = 16 * 1024
    static let maxParts = 8

    var parts: [Part] = []

    func text(_ name: String) -> String? {
        parts.first { $0.name == name && $0.filename == nil }.map { String(decoding: $0.bytes, as: UTF8.self) }
    }

    init(contentType: String?, body: [UInt8], maxParts: Int = Self.maxParts) throws(Failure) {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else {
            throw Failure(message: "the upload form is sent as multipart/form-data")
        }
        guard let boundary = Self.parameter("boundary", in: contentType), (1...70).contains(boundary.utf8.count) else {
            throw Failure(message: "the multipart/form-data content type has no boundary")
        }
        let delimiter = Array("--\(boundary)".utf8)
        let separator = Array("\r\n--\(boundary)".utf8)
        guard body.starts(with: delimiter) else { throw Failure(message: "the form does not start with its boundary") }
        var position = delimiter.count
        while true {
            // After a delimiter: "--" ends the form, CRLF starts a part.
            if body[position...].starts(with: Array("--".utf8)) {
                let rest = body[(position + 2)...]
                guard rest.isEmpty || rest.elementsEqual(Array("\r\n".utf8)) else {
                    throw Failure(message: "the form has data after its closing boundary")
                }
                return
            }
            guard body[position...].starts(with: Array("\r\n".utf8)) else {
                throw Failure(message: "the form's boundary is not followed by a line end")
            }
            position += 2
            guard parts.count < maxParts else { throw Failure(message: "the form has too many parts") }
            guard let headEnd = Self.find(Array("\r\n\r\n".utf8), in: body, from: position),
                headEnd - position <= 4096
            else { throw Failure(message: "a part of the form has no end to its headers") }
            let head = String(decoding: body[position..<headEnd], as: UTF8.self)
            guard let end = Self.find(separator, in: body, from: headEnd + 4) else {
                throw Failure(message: "a part of the form has no closing boundary")
            }
            var part = Part(name: "", filename: nil, contentType: nil, bytes: Array(body[(headEnd + 4)..<end]))
            var named = false
            for line in head.components(separatedBy: "\r\n") {
                guard let colon = line.firstIndex(of: ":") else {
                    throw Failure(message: "a part's header is not 'Name: value'")
                }
                let field = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                switch field {
                case "content-disposition":
                    guard value.lowercased().hasPrefix("form-data"), let name = Self.parameter("name", in: value)
                    else { throw Failure(message: "a part's Content-Disposition is not form-data with a name") }
                    part.name = name
                    part.filename = Self.parameter("filename", in: value)
                    named = true
                case "content-type": part.contentType = value
                default: continue
                }
            }
            guard named else { throw Failure(message: "a part of the form has no Content-Disposition") }
            parts.append(part)
            position = end + separator.count
        }
    }

    /// The value of `name=` (quoted or not) among a header's `;` parameters; a browser writes a
    /// quote and line ends in a quoted value as %22, %0D and %0A.
    static func parameter(_ name: String, in header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let pair = piece.trimmingCharacters(in: .whitespaces)
            guard let equals = pair.firstIndex(of: "="), pair[..<equals].lowercased() == name else { continue }
            var value = String(pair[pair.index(after: equals)...])
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast())
                value = value.replacingOccurrences(of: "%22", with: "\"").replacingOccurrences(of: "%0D", with: "\r")
                    .replacingOccurrences(of: "%0A", with: "\n")
            }
            return value
        }
        return nil
    }

    /// Where `needle` first occurs in `haystack` from `start`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else {
            return nil
        }
        let first = needle[0]
        var index = start
        while index <= haystack.count - needle.count {
            if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}

extension PageTemplates {
    static let spaces = """
        <section>
        {{#hasSpaces}}<ul class="items" id="spaces">{{#spaces}}<li data-space="{{name}}"><a href="{{href}}">{{title}}</a></li>{{/spaces}}</ul>{{/hasSpaces}}
        {{^hasSpaces}}<p id="spaces">{{l.noSpaces}}</p>{{/hasSpaces}}
        </section>

        """

    static let space = """
        {{#hasError}}<section class="error" role="alert" id="file-error"><p>{{error}}</p></section>{{/hasError}}
        <nav aria-label="{{l.folders}}" class="hint" id="folders"><a href="{{allHref}}"{{#all}} aria-current="page"{{/all}}>{{l.all}}</a>{{#folders}} · <a href="{{href}}" data-folder="{{name}}"{{#current}} aria-current="page"{{/current}}>{{title}}</a>{{/folders}}</nav>
        {{#mayUpload}}
        <section aria-labelledby="upload-h">
        <h2 id="upload-h">{{l.upload}}</h2>
        <form method="post" action="{{uploadAction}}" enctype="multipart/form-data" id="upload-form">
        <input type="hidden" name="_csrf" value="{{csrf}}">
        <label for="upload-folder">{{l.folder}}</label>
        <select id="upload-folder" name="folder" required>{{#uploadFolders}}<option value="{{name}}"{{#selected}} selected{{/selected}}>{{title}}</option>{{/uploadFolders}}</select>
        <label for="upload-file">{{l.file}}</label>
        <input type="file" id="upload-file" name="file" required aria-describedby="upload-hint">
        <p class="hint" id="upload-hint">{{l.maxSize}} {{maxSize}}</p>
        <button type="submit">{{l.upload}}</button>
        </form>
        </section>
        {{/mayUpload}}
        <section aria-labelledby="files-h">
        <h2 id="files-h">{{l.files}}</h2>
        {{#hasFiles}}
        <ul class="items" id="files">
        {{#files}}
        <li data-file="{{id}}" data-name="{{name}}" data-folder="{{folder}}">
        <div>{{#mayDownload}}<a href="{{href}}" download>{{name}}</a>{{/mayDownload}}{{^mayDownload}}{{name}}{{/mayDownload}} · {{size}}</div>
        <div class="hint">{{folderTitle}} · {{owner}} · <time datetime="{{atISO}}">{{at}}</time> · SHA-256 <code>{{sha256}}</code></div>
        {{#mayMove}}<form method="post" action="{{moveAction}}" class="inline filters"><input type="hidden" name="_csrf" value="{{csrf}}"><div><label for="move-{{id}}">{{l.moveTo}}</label><select id="move-{{id}}" name="folder">{{#folders}}<option value="{{name}}">{{title}}</option>{{/folders}}</select></div><div><button type="submit">{{l.move}}</button></div></form>{{/mayMove}}
        {{#mayDelete}}<form method="post" action="{{deleteAction}}" class="inline"><input type="hidden" name="_csrf" value="{{csrf}}"><button type="submit">{{l.delete}}</button></form>{{/mayDelete}}
        </li>
        {{/files}}
        </ul>
        {{/hasFiles}}
        {{^hasFiles}}<p id="files">{{l.noFiles}}</p>{{/hasFiles}}
        </section>
        <section aria-labelledby="trail-h">
        <h2 id="trail-h">{{l.trail}}</h2>
        {{#hasTrail}}
        <ol class="items" id="trail">
        {{#trail}}<li data-action="{{action}}"><strong>{{action}}</strong> {{name}} {{#hasFrom}}{{from}}{{/hasFrom}}{{#hasTo}} → {{to}}{{/hasTo}} <span class="hint">{{l.by}} {{by}} · <time datetime="{{atISO}}">{{at}}</time></span></li>{{/trail}}
        </ol>
        {{/hasTrail}}
        {{^hasTrail}}<p id="trail">—</p>{{/hasTrail}}
        </section>

        """
}
