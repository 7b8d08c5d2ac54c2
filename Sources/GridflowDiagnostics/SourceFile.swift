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
        self.lines = Self.lines(of: text)
    }

    /// The lines of `text`, split at each line feed; a carriage return before it goes with it.
    ///
    /// The same lines as splitting the characters at "\n" and "\r\n" (a line feed always ends a
    /// grapheme cluster, and one "\r\n" is one character), read from the UTF-8 bytes: splitting
    /// by characters cost more than the rest of reading a definition file.
    static func lines(of text: String) -> [Substring] {
        let utf8 = text.utf8
        var lines: [Substring] = []
        var start = utf8.startIndex
        var index = start
        var previous: UInt8 = 0
        while index != utf8.endIndex {
            let byte = utf8[index]
            if byte == 0x0A {
                let end = previous == 0x0D ? utf8.index(before: index) : index
                lines.append(text[start..<end])
                start = utf8.index(after: index)
            }
            previous = byte
            index = utf8.index(after: index)
        }
        lines.append(text[start..<utf8.endIndex])
        return lines
    }

    /// The 1-based line, or `nil` when out of range.
    public func line(_ number: Int) -> Substring? {
        guard number >= 1, number <= lines.count else { return nil }
        return lines[number - 1]
    }
}
