import Testing

@testable import GridflowDiagnostics

/// A source file's lines, split from its bytes, are the lines of splitting its characters at
/// "\n" and "\r\n".
@Suite struct SourceLinesTests {
    static let texts = [
        "", "\n", "\n\n", "a", "a\n", "a\nb", "a\r\nb\r\n", "a\rb\nc", "a\r\r\nb", "\r", "\r\n\r\n",
        "é\n\u{301}x\n", "名称: 值\r\n说明\n", "tab\tend\n\nlast", "e\u{301}\r\n\u{1F1E8}\u{1F1F3}\n",
    ]

    @Test(arguments: texts)
    func sameAsSplittingCharacters(_ text: String) {
        let expected = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        #expect(SourceFile(path: "f.yaml", text: text).lines == expected)
        #expect(SourceFile.lines(of: text).map(String.init) == expected.map(String.init))
    }
}
