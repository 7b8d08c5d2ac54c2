import ArgumentParser
import Foundation
import GridflowDefinitions
import GridflowExpressions

/// `gridflow schema`: writes (or checks) the JSON Schemas of the definition kinds.
struct Schema: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Write the JSON Schema of every definition kind (for editors), or check they are current."
    )

    @Option(help: "The folder to write to.")
    var output: String = "schemas"

    @Flag(help: "Do not write; exit 1 if a schema file differs from what this build generates.")
    var check = false

    @Flag(help: "Print JSON: the files written, or with --check the files checked and those out of date.")
    var json = false

    func run() throws {
        var stale: [String] = []
        var paths: [String] = []
        if !check { try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true) }
        for kind in DefinitionKind.allCases {
            let path = output + "/" + kind.schemaFile
            let text = JSONSchema.document(for: kind)
            paths.append(path)
            if check {
                let current = FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
                if current != text { stale.append(path) }
            } else {
                try text.write(toFile: path, atomically: true, encoding: .utf8)
                if !json { FileHandleOutput.standardOutput("wrote \(path)\n") }
            }
        }
        if json {
            let key = check ? "checked" : "written"
            FileHandleOutput.standardOutput(
                ValueJSON.encode([
                    key: .list(paths.map(Value.string)), "out_of_date": .list(stale.map(Value.string)),
                ]) + "\n")
        }
        if !stale.isEmpty {
            FileHandleOutput.standardError(
                "out of date: " + stale.joined(separator: ", ") + "\nrun 'gridflow schema' to regenerate\n")
            throw ExitCode(1)
        }
    }
}
