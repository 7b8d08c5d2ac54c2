/// A 1-based position in a source file.
///
/// `column` counts Unicode scalars from the start of the line, as libyaml does, so a
/// position inside a line of Chinese text points at the right character.
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The path of the file as the user named it (relative paths stay relative).
    public var file: String
    /// 1-based line number.
    public var line: Int
    /// 1-based column, in Unicode scalars.
    public var column: Int

    /// Creates a location.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`, the form editors and terminals turn into links.
    public var description: String { "\(file):\(line):\(column)" }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.file, lhs.line, lhs.column) < (rhs.file, rhs.line, rhs.column)
    }
}

/// A span of source text: where it starts and how many columns it covers on its first line.
public struct SourceSpan: Sendable, Hashable {
    /// Where the span starts.
    public var start: SourceLocation
    /// How many columns the span covers on its first line (at least 1 when rendered).
    public var length: Int

    /// Creates a span.
    public init(start: SourceLocation, length: Int = 1) {
        self.start = start
        self.length = max(length, 0)
    }

    /// A span that starts `columns` further along the same line, e.g. a token inside a scalar.
    public func shifted(by columns: Int, length: Int) -> SourceSpan {
        var moved = start
        moved.column += columns
        return SourceSpan(start: moved, length: length)
    }
}
