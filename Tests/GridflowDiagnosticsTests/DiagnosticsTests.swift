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

    @Test func suggestionsSkipLongNamesAndFarLengths() {
        let long = String(repeating: "a", count: 65)
        #expect(Suggestion.closest(to: long, in: [long + "b"]) == nil)
        #expect(Suggestion.closest(to: "abc", in: [long, "abd"]) == "abd")
        // Too different in length to be within a third of the longer name.
        #expect(Suggestion.closest(to: "ab", in: ["abcdefgh"]) == nil)
        #expect(Suggestion.closest(to: "state_one", in: ["state_onex", "state_on"]) == "state_on")
        #expect(Suggestion.editDistance("", "abc") == 3)
        #expect(Suggestion.editDistance("ab", "ba") == 1)
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

    /// A hostile line of a megabyte is quoted as a window around the span, and a long name in
    /// the message is cut in its middle, so one diagnostic stays a few lines long.
    @Test func longLinesAndNamesAreCut() {
        let name = String(repeating: "s", count: 1_000_000)
        let source = SourceFile(path: "w.yaml", text: "states: {\(name): {}, b: {}}\n")
        let diagnostic = Diagnostic(
            .warning, "unreachable", "state '\(name)' cannot be reached; did you mean 'round()'s value'?",
            at: SourceSpan(start: SourceLocation(file: "w.yaml", line: 1, column: 10), length: name.count))
        let text = DiagnosticRenderer(sources: [source]).render(diagnostic)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(
            lines[0]
                == "w.yaml:1:10: warning: state '\(String(repeating: "s", count: 48))…\(String(repeating: "s", count: 15))' cannot be reached; did you mean 'round()'s value'?"
        )
        #expect(lines[1] == "    states: {" + String(repeating: "s", count: 111) + "…")
        #expect(lines[2] == "             ^" + String(repeating: "~", count: 110))
        // Far into the line: the window starts with '…' and keeps 40 characters before the span.
        let far = SourceFile(
            path: "f.yaml", text: String(repeating: "x", count: 500) + "HERE" + String(repeating: "y", count: 500))
        let late = Diagnostic(
            .error, "e", "here", at: SourceSpan(start: SourceLocation(file: "f.yaml", line: 1, column: 501), length: 4))
        let farLines = DiagnosticRenderer(sources: [far]).render(late).split(separator: "\n")
        #expect(
            farLines[1] == "    …" + String(repeating: "x", count: 40) + "HERE" + String(repeating: "y", count: 76)
                + "…")
        #expect(farLines[2] == "    " + String(repeating: " ", count: 41) + "^~~~")
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

    @Test func filesThatDidNotLoadComeFirstAndFollowOnsPointAtTheirCause() {
        var cause = Diagnostic(
            .error, "yaml-syntax", "bad", at: SourceSpan(start: SourceLocation(file: "z", line: 3, column: 5)))
        cause.inUnloadedFile = true
        let reference = Diagnostic(
            .error, "unloaded-workflow", "names workflow 'z'",
            at: SourceSpan(start: SourceLocation(file: "a", line: 1, column: 1))
        ).following(cause)
        #expect(
            [reference, cause].sorted(by: Diagnostic.sourceOrder).map(\.code) == ["yaml-syntax", "unloaded-workflow"])
        #expect(reference.isFollowOn)
        #expect(reference.notes.map(\.message) == ["this follows from the error here: bad"])
        #expect(reference.notes.first?.span.start.description == "z:3:5")
        #expect([reference, cause].followOnErrors == 1)
    }

    @Test func sortsBySourcePosition() {
        let a = Diagnostic(.error, "a", "a", at: SourceSpan(start: SourceLocation(file: "f", line: 2, column: 1)))
        let b = Diagnostic(.warning, "b", "b", at: SourceSpan(start: SourceLocation(file: "f", line: 1, column: 9)))
        #expect([a, b].sorted(by: Diagnostic.sourceOrder).map(\.code) == ["b", "a"])
        #expect([a, b].hasErrors)
        #expect([a, b].count(.warning) == 1)
    }
}
