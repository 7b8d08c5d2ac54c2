import Foundation
import GridflowDiagnostics
import GridflowYAML
import Testing

@testable import GridflowDefinitions

/// Truncated and randomly mutated copies of the shipped files: the loader must report
/// diagnostics at real positions and never crash.
@Suite struct FuzzTests {
    static let alphabet = Array(":[]{}&*!|>-#'\"\t\n ,?%@`~xy0.\\")

    /// A copy of the shipped tree in a temporary folder, so mutated files are loaded with their
    /// whole unit around them, through the same path as `gridflow validate`.
    static func copyOfShippedTree() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gridflow-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for folder in ["Workflows", "Rules"] {
            try FileManager.default.copyItem(
                at: packageRoot.appendingPathComponent(folder), to: directory.appendingPathComponent(folder))
        }
        return directory
    }

    static func checkPositions(_ result: LoadResult, text: String, file: String) {
        let lineCount = text.split(separator: "\n", omittingEmptySubsequences: false).count
        for diagnostic in result.diagnostics {
            guard let location = diagnostic.location else { continue }
            #expect(location.file == file)
            #expect(location.line >= 1 && location.line <= lineCount + 1, "\(diagnostic)")
            #expect(location.column >= 1, "\(diagnostic)")
        }
    }

    @Test(arguments: shippedFiles)
    func truncatedCopiesGiveDiagnostics(_ path: String) throws {
        let tree = try Self.copyOfShippedTree()
        defer { try? FileManager.default.removeItem(at: tree) }
        let target = tree.appendingPathComponent(path).path
        let original = try String(contentsOfFile: target, encoding: .utf8)
        let scalars = Array(original.unicodeScalars)
        var generator = SeededGenerator(state: UInt64(scalars.count))
        // Cuts inside a mapping key (between its first letter and its colon) always break the
        // YAML; cuts anywhere else may leave a valid, shorter definition.
        var keyCuts: [Int] = []
        var offset = 0
        for line in original.split(separator: "\n", omittingEmptySubsequences: false) {
            let text = String(line)
            let body = text.drop { $0 == " " || $0 == "-" }
            let indent = text.unicodeScalars.count - body.unicodeScalars.count
            if let colon = body.firstIndex(of: ":"), !body.hasPrefix("#"),
                body[..<colon].allSatisfy({ $0.isLetter || $0 == "_" }),
                body.distance(from: body.startIndex, to: colon) >= 2
            {
                keyCuts.append(offset + indent + 1)
            }
            offset += text.unicodeScalars.count + 1
        }
        for round in 0..<30 {
            let requireError = round % 2 == 0 && !keyCuts.isEmpty
            let cut =
                requireError
                ? keyCuts.randomElement(using: &generator)! : Int.random(in: 0..<scalars.count, using: &generator)
            let text = String(String.UnicodeScalarView(scalars[..<cut]))
            try text.write(toFile: target, atomically: true, encoding: .utf8)
            let result = Loader().load(paths: [target])
            Self.checkPositions(result, text: text, file: target)
            if requireError {
                #expect(result.diagnostics.hasErrors, "\(path) cut inside a key at \(cut) loaded clean")
            }
        }
    }

    @Test(arguments: shippedFiles)
    func mutatedCopiesNeverCrash(_ path: String) throws {
        let tree = try Self.copyOfShippedTree()
        defer { try? FileManager.default.removeItem(at: tree) }
        let target = tree.appendingPathComponent(path).path
        let original = Array(try String(contentsOfFile: target, encoding: .utf8))
        var generator = SeededGenerator(state: UInt64(original.count) &* 7919)
        var problems = 0
        for round in 0..<40 {
            var text = original
            for _ in 0...(round % 4) {
                let index = Int.random(in: 0..<text.count, using: &generator)
                let char = Self.alphabet.randomElement(using: &generator)!
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: text.insert(char, at: index)
                case 1: text[index] = char
                default: text.remove(at: index)
                }
            }
            let string = String(text)
            try string.write(toFile: target, atomically: true, encoding: .utf8)
            let result = Loader().load(paths: [target])
            Self.checkPositions(result, text: string, file: target)
            if !result.diagnostics.isEmpty { problems += 1 }
            // Rendering quotes lines and draws carets: it must cope with any position too.
            _ = DiagnosticRenderer(sources: result.sources).render(result.diagnostics)
        }
        #expect(problems > 0)
    }

    @Test func arbitraryBytesNeverCrashTheComposer() {
        var generator = SeededGenerator(state: 42)
        let pieces = [
            "a", ": ", "- ", "[", "]", "{", "}", "\n", "  ", "&x ", "*x", "!!str ", "|\n", ">-\n", "'", "\"", "#", "\t",
            "? ", "---\n", "...\n", "%YAML 1.2\n", "\u{FEFF}", "监督",
        ]
        for _ in 0..<3000 {
            var text = ""
            for _ in 0..<Int.random(in: 0..<40, using: &generator) { text += pieces.randomElement(using: &generator)! }
            let parsed = Loader.parse(SourceFile(path: "f.yaml", text: text))
            for diagnostic in parsed.diagnostics { #expect((diagnostic.location?.line ?? 1) >= 1) }
        }
    }
}
