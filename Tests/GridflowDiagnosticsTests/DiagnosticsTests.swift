import Testing

@testable import GridflowDiagnostics

@Suite struct DiagnosticsTests {
    @Test func suggestsTheNearName() {
        #expect(Suggestion.closest(to: "aproved", in: ["approved", "rejected"]) == "approved")
        #expect(Suggestion.closest(to: "rloe", in: ["role", "guard"]) == "role")
        #expect(Suggestion.closest(to: "Role", in: ["role"]) == "role")
        #expect(Suggestion.closest(to: "xyz", in: ["approved"]) == nil)
        #expect(Suggestion.didYouMean("trasitions", in: ["transitions", "states"]) == "; did you mean 'transitions'?")
        #expect(Suggestion.editDistance("kitten", "sitting") == 3)
    }

    @Test func rendersLikeACompiler() {
        let source = SourceFile(path: "Workflows/t/issue.yaml", text: "states:\n  close:\n    to: aproved\n")
        let diagnostic = Diagnostic(
            .error, "unknown-state", "transition 'close' goes to unknown state 'aproved'; did you mean 'approved'?",
            at: SourceSpan(start: SourceLocation(file: source.path, line: 3, column: 9), length: 7),
            hint: "states: approved, rejected")
        let text = DiagnosticRenderer(sources: [source]).render(diagnostic)
        #expect(
            text == """
                Workflows/t/issue.yaml:3:9: error: transition 'close' goes to unknown state 'aproved'; did you mean 'approved'?
                        to: aproved
                            ^~~~~~~
                  hint: states: approved, rejected

                """)
    }

    @Test func caretsLineUpUnderWideCharacters() {
        let source = SourceFile(path: "u.yaml", text: "title: 基层监督 x\n")
        let diagnostic = Diagnostic(
            .warning, "w", "here", at: SourceSpan(start: SourceLocation(file: "u.yaml", line: 1, column: 13), length: 1)
        )
        let lines = DiagnosticRenderer(sources: [source]).render(diagnostic).split(separator: "\n")
        #expect(lines[2] == "    " + String(repeating: " ", count: 7 + 8 + 1) + "^")
    }

    @Test func positionsPastTheEndStillRender() {
        let source = SourceFile(path: "e.yaml", text: "a: [1,\n")
        let diagnostic = Diagnostic(
            .error, "yaml-syntax", "x", at: SourceSpan(start: SourceLocation(file: "e.yaml", line: 9, column: 1)))
        #expect(DiagnosticRenderer(sources: [source]).render(diagnostic) == "e.yaml:9:1: error: x\n")
    }

    @Test func sortsBySourcePosition() {
        let a = Diagnostic(.error, "a", "a", at: SourceSpan(start: SourceLocation(file: "f", line: 2, column: 1)))
        let b = Diagnostic(.warning, "b", "b", at: SourceSpan(start: SourceLocation(file: "f", line: 1, column: 9)))
        #expect([a, b].sorted(by: Diagnostic.sourceOrder).map(\.code) == ["b", "a"])
        #expect([a, b].hasErrors)
        #expect([a, b].count(.warning) == 1)
    }
}
