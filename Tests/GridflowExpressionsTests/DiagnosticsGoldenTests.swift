import Foundation
import GridflowDiagnostics
import Testing

@testable import GridflowExpressions

/// Wrong expressions, one per line, with their exact diagnostics as golden text.
@Suite struct DiagnosticsGoldenTests {
    static let fixture = "Tests/Fixtures/expressions/invalid.txt"

    @Test func wrongExpressionsGiveGoldenDiagnostics() throws {
        let text = try String(contentsOf: packageRoot.appendingPathComponent(Self.fixture), encoding: .utf8)
        let source = SourceFile(path: Self.fixture, text: text)
        let renderer = DiagnosticRenderer(sources: [source])
        var output = ""
        var count = 0
        for (index, line) in source.lines.enumerated() where !line.isEmpty && !line.hasPrefix("#") {
            count += 1
            let isGuard = line.hasPrefix("guard: ")
            let expression = isGuard ? String(line.dropFirst("guard: ".count)) : String(line)
            let shift = isGuard ? "guard: ".count : 0
            do {
                let compiled = try Compiler.compile(
                    expression, in: Fixture.environment, expecting: isGuard ? .bool : nil)
                output += "\(Self.fixture):\(index + 1): unexpectedly valid: \(compiled.type)\n"
            } catch {
                let diagnostic = Diagnostic(
                    .error, Diagnostic.Code(rawValue: error.code), error.message,
                    at: SourceSpan(
                        start: SourceLocation(
                            file: Self.fixture, line: index + 1, column: shift + error.range.offset + 1),
                        length: error.range.length),
                    hint: error.hint)
                output += renderer.render(diagnostic)
            }
        }
        #expect(count >= 40)
        #expect(!output.contains("unexpectedly valid"), "\(output)")
        let golden = packageRoot.appendingPathComponent("Tests/Fixtures/expressions/invalid.expected")
        if ProcessInfo.processInfo.environment["GRIDFLOW_UPDATE_GOLDEN"] == "1" {
            try output.write(to: golden, atomically: true, encoding: .utf8)
        }
        #expect(
            output == (try? String(contentsOf: golden, encoding: .utf8)), "diagnostics differ from invalid.expected")
    }
}
