import ArgumentParser
import Foundation
import GridflowDefinitions
import GridflowDiagnostics

/// `gridflow validate`: checks definitions and prints every problem like a compiler.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check definitions and report every problem at once.",
        discussion: "Exits 0 when there are no errors, 1 when there are, 2 on usage errors."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Argument(help: "Files or folders to check.")
    var paths: [String] = ["Workflows", "Rules"]

    @Option(help: "Output format: text or json.")
    var format: Format = .text

    @Flag(help: "Print JSON (the same as --format json).")
    var json = false

    @Flag(help: "Treat warnings as errors (exit 1 when there are any).")
    var strict = false

    func run() throws {
        let result = Loader().load(paths: paths)
        if !result.missingPaths.isEmpty {
            throw CommandError(message: "no such file or folder: " + result.missingPaths.joined(separator: ", "))
        }
        let errors = result.diagnostics.count(.error)
        let warnings = result.diagnostics.count(.warning)
        switch json ? .json : format {
        case .text:
            let renderer = DiagnosticRenderer(sources: result.sources)
            var out = renderer.render(result.diagnostics)
            out +=
                Self.summary(
                    files: result.files.count, errors: errors, warnings: warnings,
                    followOns: result.diagnostics.followOnErrors) + "\n"
            FileHandleOutput.standardOutput(out)
        case .json:
            FileHandleOutput.standardOutput(DiagnosticJSON.encode(result.diagnostics, files: result.files))
        }
        if errors > 0 || (strict && warnings > 0) { throw ExitCode(1) }
    }

    /// The last line: files checked, errors (and how many of them follow from others), warnings.
    static func summary(files: Int, errors: Int, warnings: Int, followOns: Int = 0) -> String {
        func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
        if errors == 0 && warnings == 0 { return "\(plural(files, "file")) checked, no problems" }
        let following = followOns == 0 ? "" : " (\(followOns) \(followOns == 1 ? "follows" : "follow") from others)"
        return
            "\(plural(files, "file")) checked: \(plural(errors, "error"))\(following), \(plural(warnings, "warning"))"
    }
}

/// The JSON form of diagnostics, for editors and CI tools.
enum DiagnosticJSON {
    struct Document: Encodable {
        var files: [String]
        var errors: Int
        var warnings: Int
        var diagnostics: [Entry]
    }

    struct Entry: Encodable {
        var file: String?
        var line: Int?
        var column: Int?
        var length: Int?
        var severity: String
        var code: String
        var message: String
        var hint: String?
        var notes: [Note]
        /// `true` when the problem follows from another one (its last note); left out otherwise.
        var followOn: Bool?

        enum CodingKeys: String, CodingKey {
            case file, line, column, length, severity, code, message, hint, notes
            case followOn = "follow_on"
        }
    }

    struct Note: Encodable {
        var file: String
        var line: Int
        var column: Int
        var message: String
    }

    static func encode(_ diagnostics: [Diagnostic], files: [String]) -> String {
        text(
            Document(
                files: files, errors: diagnostics.count(.error), warnings: diagnostics.count(.warning),
                diagnostics: diagnostics.map(entry)))
    }

    /// A diagnostic for tools.
    static func entry(_ d: Diagnostic) -> Entry {
        Entry(
            file: d.location?.file, line: d.location?.line, column: d.location?.column, length: d.span?.length,
            severity: d.severity.rawValue, code: d.code.rawValue, message: d.message, hint: d.hint,
            notes: d.notes.map {
                Note(
                    file: $0.span.start.file, line: $0.span.start.line, column: $0.span.start.column,
                    message: $0.message)
            }, followOn: d.isFollowOn ? true : nil)
    }

    /// A document as the commands print JSON made of Swift types: indented, keys sorted and in
    /// snake_case, ending with a newline.
    static func text(_ document: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        // Strings, numbers, Booleans and arrays of them: encoding cannot fail.
        return String(decoding: (try? encoder.encode(document)) ?? Data("{}".utf8), as: UTF8.self) + "\n"
    }
}
