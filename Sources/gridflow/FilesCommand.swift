import ArgumentParser
import Foundation
import GridflowDefinitions
import GridflowDiagnostics
import GridflowExpressions
import GridflowRuntime

/// `gridflow files`: the unit's shared file spaces.
struct FilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "files",
        abstract: "Shared file spaces: who may do what in them.",
        subcommands: [FilesMay.self])
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
