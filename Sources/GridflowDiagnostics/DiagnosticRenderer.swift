/// Prints diagnostics the way compilers do: `file:line:col: severity: message`, the source
/// line, a caret under the offending text, then hints and notes.
public struct DiagnosticRenderer: Sendable {
    private var sources: [String: SourceFile]

    /// Creates a renderer that quotes lines from the given files.
    public init(sources: [SourceFile] = []) {
        self.sources = Dictionary(sources.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Makes a file's text available for quoting.
    public mutating func add(_ source: SourceFile) {
        sources[source.path] = source
    }

    /// Renders one diagnostic, ending with a newline.
    public func render(_ diagnostic: Diagnostic) -> String {
        var out = ""
        if let location = diagnostic.location {
            out += "\(location): "
        }
        out += "\(diagnostic.severity.rawValue): \(diagnostic.message)\n"
        if let span = diagnostic.span {
            out += excerpt(span)
        }
        if let hint = diagnostic.hint {
            out += "  hint: \(hint)\n"
        }
        for note in diagnostic.notes {
            out += "\(note.span.start): note: \(note.message)\n"
            out += excerpt(note.span)
        }
        return out
    }

    /// Renders many diagnostics in source order.
    public func render(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.sorted(by: Diagnostic.sourceOrder).map(render).joined()
    }

    /// The quoted line and caret for a span, or the empty string when the line is unknown.
    private func excerpt(_ span: SourceSpan) -> String {
        guard let source = sources[span.start.file], let line = source.line(span.start.line) else { return "" }
        let scalars = Array(line.unicodeScalars)
        let startIndex = min(max(span.start.column - 1, 0), scalars.count)
        var padding = ""
        for scalar in scalars[..<startIndex] {
            padding += scalar == "\t" ? "\t" : String(repeating: " ", count: Self.displayWidth(scalar))
        }
        let endIndex = min(startIndex + max(span.length, 1), scalars.count)
        var width = 0
        for scalar in scalars[startIndex..<endIndex] { width += Self.displayWidth(scalar) }
        let marker = "^" + String(repeating: "~", count: max(width - 1, 0))
        return "    \(line)\n    \(padding)\(marker)\n"
    }

    /// Columns a terminal gives a character: 2 for East Asian wide characters, else 1.
    static func displayWidth(_ scalar: Unicode.Scalar) -> Int {
        switch scalar.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
            0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
            0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }
}
