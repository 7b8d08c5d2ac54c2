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
        var text = text
        text.makeContiguousUTF8()
        let utf8 = text.utf8
        // Offsets of each line's start and end, found in the bytes; a native string's UTF-8
        // index moves by any offset in constant time.
        let bounds: [(start: Int, end: Int)] = utf8.withContiguousStorageIfAvailable { bytes in
            var bounds: [(start: Int, end: Int)] = []
            var start = 0
            for offset in 0..<bytes.count where bytes[offset] == 0x0A {
                bounds.append((start, offset > start && bytes[offset - 1] == 0x0D ? offset - 1 : offset))
                start = offset + 1
            }
            bounds.append((start, bytes.count))
            return bounds
        }!
        return bounds.map { bound in
            text[utf8.index(utf8.startIndex, offsetBy: bound.start)..<utf8.index(utf8.startIndex, offsetBy: bound.end)]
        }
    }

    /// The 1-based line, or `nil` when out of range.
    public func line(_ number: Int) -> Substring? {
        guard number >= 1, number <= lines.count else { return nil }
        return lines[number - 1]
    }
}
