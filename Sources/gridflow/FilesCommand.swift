import ArgumentParser
import Foundation
import GridflowDefinitions
import GridflowDiagnostics
import GridflowExpressions
import GridflowRuntime
import GridflowStore

/// `gridflow files`: the unit's shared file spaces.
struct FilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "files",
        abstract: "Shared file spaces: upload, list, download, delete and move files, and who may.",
        discussion: """
            Each action is checked against the unit's FileSpace permissions for the person --as \
            names (their roles from the directory and the appointments of cases), and recorded \
            with who and when ('files history'). Files are kept in the store itself.
            """,
        subcommands: [
            FilesUpload.self, FilesList.self, FilesDownload.self, FilesDelete.self, FilesMove.self, FilesHistory.self,
            FilesMay.self,
        ])
}

/// `gridflow files may UNIT SPACE ACTION --as PERSON`: whether a person may do an action in a
/// space, as the unit's `FileSpace` says, with the reason; exit 0 allowed, 1 denied.
struct FilesMay: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "may",
        abstract: "Whether a person may do an action in a file space, and why; exit 0 allowed, 1 denied.",
        discussion: """
            The person's roles are those the unit's directory gives them, with the roles cases \
            appointed them to (or those --role names). ACTION is one of \
            \(FileAction.allCases.map(\.rawValue).joined(separator: ", ")). An action the space \
            lets a file's owner do needs --owner, who uploaded the file.
            """)

    @Argument(help: "The unit.") var unit: String
    @Argument(help: "The space, as a FileSpace of the unit names it under 'spaces:'.") var space: String
    @Argument(help: "The action: \(FileAction.allCases.map(\.rawValue).joined(separator: ", ")).") var action: String
    @OptionGroup var actor: ActorOptions
    @Option(help: "Who uploaded the file the action is on.") var owner: String?
    @OptionGroup var options: StoreOptions

    func validate() throws {
        guard let action = FileAction(rawValue: action) else {
            throw ValidationError(
                "ACTION must be one of \(FileAction.allCases.map(\.rawValue).joined(separator: ", ")), not '\(self.action)'"
                    + Suggestion.didYouMean(self.action, in: FileAction.allCases.map(\.rawValue)))
        }
        if let owner {
            if let problem = PersonID.problem(owner) { throw ValidationError("--owner: \(problem)") }
            if !action.hasOwner {
                throw ValidationError(
                    action == .upload
                        ? "--owner names who uploaded an existing file; an upload makes a new one"
                        : "--owner names who uploaded a file; folders have no owner")
            }
        }
    }

    func run() throws {
        guard let action = FileAction(rawValue: action) else { throw ValidationError("unknown action '\(action)'") }
        let store = try options.store()
        let engine = try options.engine(unit: unit, store: store, use: .reading)
        let found = engine.program.fileSpaces.compactMap { fileSpace in
            fileSpace.space(space).map { (fileSpace, $0) }
        }
        guard let (fileSpace, space) = found.first else {
            let all = engine.program.fileSpaces.flatMap { $0.spaces.map(\.name) }
            throw CommandError(
                message: all.isEmpty
                    ? "unit '\(unit)' has no file spaces"
                    : "unit '\(unit)' has no space '\(self.space)'" + Suggestion.didYouMean(self.space, in: all)
                        + "; its spaces: \(all.joined(separator: ", "))")
        }
        let who = fileSpace.permissions[action] ?? []
        if owner == nil, who.contains(.word(.owner)) || (fileSpace.permissions[.view] ?? []).contains(.word(.owner)) {
            throw ValidationError(
                "in space \(space.name), a file's owner may \(action.rawValue) it: name who uploaded the file with --owner"
            )
        }
        let now = try options.instant()
        let person = try actor.actor(engine, now: now)
        let decision = FileAccess.decide(fileSpace, space: space, actor: person, action: action, owner: owner)
        if options.json {
            var fields: [String: Value] = [:]
            fields["unit"] = .string(unit)
            fields["file_space"] = .string(fileSpace.name)
            fields["space"] = .string(space.name)
            fields["action"] = .string(action.rawValue)
            fields["person"] = .string(person.id)
            fields["owner"] = owner.map(Value.string) ?? .null
            fields["allowed"] = .bool(decision.allowed)
            fields["reason"] = .string(decision.reason)
            FileHandleOutput.standardOutput(ValueJSON.encode(fields) + "\n")
        } else {
            FileHandleOutput.standardOutput((decision.allowed ? "allowed: " : "denied: ") + decision.reason + "\n")
        }
        if !decision.allowed { throw ExitCode(1) }
    }
}

/// Runs a file action: a refusal of the space's permissions exits 1 (`denied: …`), any other
/// failure 2.
func fileRun<T>(_ body: () throws(FileError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        if error.code == .forbidden { throw CommandError(message: "denied: " + error.message, status: 1) }
        throw CommandError(message: error.message)
    }
}

/// The store, the unit's engine, the person acting and the time, as every file command takes them.
struct FileCommandContext {
    let engine: Engine
    let actor: Actor
    let now: Instant

    init(unit: String, actor options: ActorOptions, store storeOptions: StoreOptions, use: DeploymentUse) throws {
        let store = try storeOptions.store()
        engine = try storeOptions.engine(unit: unit, store: store, use: use)
        now = try storeOptions.instant()
        actor = try options.actor(engine, now: now)
    }

    var zone: Zone { engine.program.calendar.zone }

    /// One file as a line: `#ID folder/name (type, size) by OWNER at TIME`.
    func line(_ file: StoredFile) -> String {
        "#\(file.id) \(file.folder)/\(file.name) (\(file.contentType), \(FileContent.size(file.size))) by \(file.owner) at "
            + ValueJSON.encode(.datetime(file.uploadedAt), time: zone).trimmingCharacters(in: ["\""])
            + (file.deletedAt.map {
                ", deleted by \(file.deletedBy ?? "?") at "
                    + ValueJSON.encode(.datetime($0), time: zone).trimmingCharacters(in: ["\""])
            } ?? "")
    }

    func print(_ file: StoredFile, json: Bool, verb: String) {
        FileHandleOutput.standardOutput(json ? file.json(time: zone) + "\n" : verb + " " + line(file) + "\n")
    }
}

/// `gridflow files upload UNIT SPACE FOLDER FILE --as PERSON`: stores a file in a folder of a space.
struct FilesUpload: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Upload a file into a folder of a space.",
        discussion: """
            The file must be one of the types the spaces take, as its bytes show: \
            \(FileContent.accepted); --type, when given, must say the same. It is at most \
            --max-size (default: $GRIDFLOW_MAX_FILE_SIZE, else 20MB). Its name is FILE's own \
            unless --name gives another.
            """)

    @Argument(help: "The unit.") var unit: String
    @Argument(help: "The space, as a FileSpace of the unit names it under 'spaces:'.") var space: String
    @Argument(help: "The folder of the space.") var folder: String
    @Argument(help: "The file to upload.") var file: String
    @OptionGroup var actor: ActorOptions
    @Option(help: "The name the file takes in the space (default: FILE's name).") var name: String?
    @Option(help: "The content type it is declared as (default: what its bytes are).") var type: String?
    @Option(help: "The largest file taken: bytes, or KB or MB.") var maxSize: String?
    @OptionGroup var options: StoreOptions

    func validate() throws {
        if let maxSize { _ = try ServeCommand.fileSize(maxSize, from: "--max-size") }
    }

    func run() throws {
        let limit =
            try maxSize.map { try ServeCommand.fileSize($0, from: "--max-size") }
            ?? ProcessInfo.processInfo.environment["GRIDFLOW_MAX_FILE_SIZE"].map {
                try ServeCommand.fileSize($0, from: "GRIDFLOW_MAX_FILE_SIZE")
            } ?? FileContent.defaultMaxSize
        let context = try FileCommandContext(unit: unit, actor: actor, store: options, use: .running)
        _ = try fileRun { () throws(FileError) in
            try context.engine.mayUpload(space: space, folder: folder, by: context.actor)
        }
        let url = URL(fileURLWithPath: file)
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        if let size = attributes?[.size] as? Int, size > limit {
            throw CommandError(
                message: "\(file) is \(FileContent.size(size)); a file is at most \(FileContent.size(limit))")
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CommandError(message: "cannot read \(file): \(error.localizedDescription)")
        }
        let stored = try fileRun { () throws(FileError) in
            try context.engine.upload(
                [UInt8](data), name: name ?? url.lastPathComponent, contentType: type, space: space, folder: folder,
                by: context.actor, now: context.now, maxSize: limit)
        }
        context.print(stored, json: options.json, verb: "uploaded")
    }
}

/// `gridflow files list UNIT SPACE [--folder F] --as PERSON`: the files of a space.
struct FilesList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the files of a space (or of one of its folders).")

    @Argument(help: "The unit.") var unit: String
    @Argument(help: "The space.") var space: String
    @Option(help: "Only this folder.") var folder: String?
    @OptionGroup var actor: ActorOptions
    @OptionGroup var options: StoreOptions

    func run() throws {
        let context = try FileCommandContext(unit: unit, actor: actor, store: options, use: .reading)
        let files = try fileRun { () throws(FileError) in
            try context.engine.files(in: space, folder: folder, for: context.actor)
        }
        if options.json {
            FileHandleOutput.standardOutput(
                ValueJSON.encode(["space": .string(space), "files": .list(files.map(\.value))], time: context.zone)
                    + "\n")
        } else if files.isEmpty {
            FileHandleOutput.standardOutput("no files in \(space)\(folder.map { "/" + $0 } ?? "")\n")
        } else {
            FileHandleOutput.standardOutput(files.map(context.line).joined(separator: "\n") + "\n")
        }
    }
}

/// `gridflow files download UNIT ID --as PERSON [--output PATH]`: a file's content, its checksum verified.
struct FilesDownload: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download",
        abstract: "Download a file, its checksum verified.",
        discussion:
            "Writes the file under its name in the current folder (never over an existing file), or where --output says ('-': standard output)."
    )

    @Argument(help: "The unit.") var unit: String
    @Argument(help: "The file's id.") var id: Int
    @OptionGroup var actor: ActorOptions
    @Option(name: .shortAndLong, help: "Where to write it ('-': standard output).") var output: String?
    @OptionGroup var options: StoreOptions

    func run() throws {
        let context = try FileCommandContext(unit: unit, actor: actor, store: options, use: .reading)
        let (file, bytes) = try fileRun { () throws(FileError) in try context.engine.download(id, by: context.actor) }
        if output == "-" {
            FileHandle.standardOutput.write(Data(bytes))
            return
        }
        let path = output ?? file.name
        if output == nil, FileManager.default.fileExists(atPath: path) {
            throw CommandError(message: "\(path) exists; name where to write the file with --output")
        }
        do { try Data(bytes).write(to: URL(fileURLWithPath: path)) } catch {
            throw CommandError(message: "cannot write \(path): \(error.localizedDescription)")
        }
        FileHandleOutput.standardOutput("wrote \(path): " + context.line(file) + ", sha256 \(file.sha256)\n")
    }
}

/// `gridflow files delete UNIT ID --as PERSON`.
struct FilesDelete: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete a file (its record stays, marked with who and when).")

    @Argument(help: "The unit.") var unit: String
    @Argument(help: "The file's id.") var id: Int
    @OptionGroup var actor: ActorOptions
    @OptionGroup var options: StoreOptions

    func run() throws {
        let context = try FileCommandContext(unit: unit, actor: actor, store: options, use: .running)
        let file = try fileRun { () throws(FileError) in
            try context.engine.deleteFile(id, by: context.actor, now: context.now)
        }
        context.print(file, json: options.json, verb: "deleted")
    }
}

/// `gridflow files move UNIT ID FOLDER --as PERSON`.
struct FilesMove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "move", abstract: "Move a file to another folder of its space.")

    @Argument(help: "The unit.") var unit: String
    @Argument(help: "The file's id.") var id: Int
    @Argument(help: "The folder to move it to.") var folder: String
    @OptionGroup var actor: ActorOptions
    @OptionGroup var options: StoreOptions

    func run() throws {
        let context = try FileCommandContext(unit: unit, actor: actor, store: options, use: .running)
        let file = try fileRun { () throws(FileError) in
            try context.engine.moveFile(id, to: folder, by: context.actor, now: context.now)
        }
        context.print(file, json: options.json, verb: "moved")
    }
}

/// `gridflow files history UNIT SPACE [--file ID] --as PERSON`: the space's audit trail.
struct FilesHistory: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "The audit trail of a space: uploads, moves and deletes, newest first.")

    @Argument(help: "The unit.") var unit: String
    @Argument(help: "The space.") var space: String
    @Option(help: "Only this file's.") var file: Int?
    @Option(help: "At most this many lines.") var limit = 100
    @OptionGroup var actor: ActorOptions
    @OptionGroup var options: StoreOptions

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be positive") }
    }

    func run() throws {
        let context = try FileCommandContext(unit: unit, actor: actor, store: options, use: .reading)
        let events = try fileRun { () throws(FileError) in
            try context.engine.fileTrail(space, file: file, for: context.actor, limit: limit)
        }
        if options.json {
            FileHandleOutput.standardOutput(
                ValueJSON.encode(["space": .string(space), "events": .list(events.map(\.value))], time: context.zone)
                    + "\n")
            return
        }
        let lines = events.map { event in
            ValueJSON.encode(.datetime(event.at), time: context.zone).trimmingCharacters(in: ["\""])
                + " \(event.actor) \(event.action.rawValue) #\(event.fileID) \(event.name)"
                + (event.from.map { " from \($0)" } ?? "") + (event.to.map { " to \($0)" } ?? "")
        }
        FileHandleOutput.standardOutput(
            lines.isEmpty ? "no history in \(space)\n" : lines.joined(separator: "\n") + "\n")
    }
}
