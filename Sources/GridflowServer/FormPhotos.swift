import Foundation
import GridflowDefinitions
import GridflowExpressions
import GridflowRuntime
import GridflowStore
import HTTPTypes
import Hummingbird

/// Photos sent with a page's form — the report form's `photos`, the case page's event forms
/// (the rectification's `evidence`), the receipt's — in one place: the form read as
/// `multipart/form-data` without script, each photo checked and stripped of its metadata
/// (`CaseAttachment.prepare`) before any is stored, stored through the store's file facility in
/// the `#case` space, its field set to `attachment:ID:SHA256`, and dropped again when the step
/// is refused.
extension PageSite {
    /// A form's body, not yet CSRF-checked (the caller checks): URL-encoded, or
    /// `multipart/form-data` with the text parts as the form's fields and the file parts apart
    /// (a file input left empty sends a part without a name and content: it is no file). A
    /// multipart body is taken up to every photo at its largest (`--max-photos` of
    /// `--max-photo-size`) and the fields; beyond that, a 413 page.
    func readForm(_ request: Request, _ context: APIContext, frame: Frame) async throws -> (
        FormBody, [MultipartForm.Part]
    ) {
        var request = request
        guard let type = request.headers[.contentType], type.lowercased().hasPrefix("multipart/form-data") else {
            return (FormBody(Array(try await request.collectBody(upTo: context.maxUploadSize).readableBytesView)), [])
        }
        let limits = daemon.photoLimits
        let bytes: [UInt8]
        do { bytes = Array(try await request.collectBody(upTo: limits.maxBody).readableBytesView) } catch let error
            as HTTPError where error.status == .contentTooLarge
        {
            throw PageAnswer(
                response: message(
                    frame, title: frame.labels["photosTooLarge"] ?? "Too large",
                    "A form takes at most \(limits.maxCount) photos of \(FileContent.size(limits.maxSize)) each.",
                    status: .contentTooLarge))
        }
        let multipart: MultipartForm
        do {
            multipart = try MultipartForm(contentType: type, body: bytes, maxParts: 64 + limits.maxCount)
        } catch {
            throw PageAnswer(response: message(frame, title: "Bad request", error.message, status: .badRequest))
        }
        var form = FormBody([])
        form.pairs = multipart.parts.filter { $0.filename == nil }.map {
            ($0.name, String(decoding: $0.bytes, as: UTF8.self))
        }
        let files = multipart.parts.filter { $0.filename != nil && !($0.filename!.isEmpty && $0.bytes.isEmpty) }
        return (form, files)
    }

    /// The photos of a form, by field (its `attachment` and `list of attachment` fields among
    /// `fields`), each checked and stripped of its metadata; a refusal names the field. At most
    /// `--max-photos` in all, `--max-photo-size` each; a file for a field the form has not is refused.
    func photos(_ files: [MultipartForm.Part], fields: [Field]) throws(FormProblem) -> [(
        field: Field, photos: [CaseAttachment.Photo]
    )] {
        let limits = daemon.photoLimits
        let fields = fields.filter { CaseAttachment.holds($0.type) }
        var byField: [(field: Field, photos: [CaseAttachment.Photo])] = []
        guard files.count <= limits.maxCount else {
            throw FormProblem(
                field: files[0].name,
                message: "\(files[0].name): a form takes at most \(limits.maxCount) photos, not \(files.count)",
                status: 413)
        }
        for file in files where !fields.contains(where: { $0.name.text == file.name }) {
            throw FormProblem(field: file.name, message: "the form has no photo field '\(file.name)'")
        }
        for field in fields {
            let name = field.name.text
            let sent = files.filter { $0.name == name }
            guard !sent.isEmpty else { continue }
            if case .attachment = field.type, sent.count > 1 {
                throw FormProblem(field: name, message: "\(name): takes one photo, not \(sent.count)")
            }
            var prepared: [CaseAttachment.Photo] = []
            for (index, file) in sent.enumerated() {
                do {
                    prepared.append(
                        try CaseAttachment.prepare(file.bytes, field: name, index: index, maxSize: limits.maxSize))
                } catch {
                    throw FormProblem(field: name, message: error.message, status: Problem.file(error).status.code)
                }
            }
            byField.append((field, prepared))
        }
        return byField
    }

    /// Stores checked photos as `owner` (`anonymous` for an anonymous reporter) and sets their
    /// fields in `values` to the references (a list for a `list of attachment`); what it
    /// returns is stored, for the caller to drop when the step is refused. If one cannot be
    /// stored, those stored before it are dropped and the error thrown.
    func storePhotos(
        _ photos: [(field: Field, photos: [CaseAttachment.Photo])], engine: Engine, owner: String, now: Instant,
        into values: inout [String: Value]
    ) throws(FileError) -> [StoredFile] {
        var stored: [StoredFile] = []
        do {
            for (field, list) in photos {
                var references: [Value] = []
                for photo in list {
                    let file = try engine.storeAttachment(photo, field: field.name.text, owner: owner, now: now)
                    stored.append(file)
                    references.append(.string(CaseAttachment.reference(file)))
                }
                if case .list = field.type {
                    values[field.name.text] = .list(references)
                } else {
                    values[field.name.text] = references[0]
                }
            }
        } catch {
            engine.dropAttachments(stored, now: now)
            throw error
        }
        return stored
    }

    /// The hint under a photo input: what it takes, and that its metadata goes.
    func photoHint(_ labels: [String: String]) -> String {
        let limits = daemon.photoLimits
        return (labels["photoHint"] ?? "")
            .replacingOccurrences(of: "{count}", with: String(limits.maxCount))
            .replacingOccurrences(of: "{size}", with: FileContent.size(limits.maxSize))
    }
}
