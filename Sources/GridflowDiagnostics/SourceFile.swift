/// The text of one source file, kept so diagnostics can quote the offending line.
public struct SourceFile: Sendable {
    /// The path as the user named it.
    public let path: String
    /// The whole text.
    public let text: String
    /// The text split into lines, without their line breaks.
    public let lines: [Substring]

    /// Creates a source file from its text.
    public init(path: String, text: String) {
        self.path = path
        self.text = text
        self.lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    }

    /// The 1-based line, or `nil` when out of range.
    public func line(_ number: Int) -> Substring? {
        guard number >= 1, number <= lines.count else { return nil }
        return lines[number - 1]
    }
}
