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
        out += "\(diagnostic.severity.rawValue): \(Self.shortened(diagnostic.message))\n"
        if let span = diagnostic.span {
            out += excerpt(span)
        }
        if let hint = diagnostic.hint {
            out += "  hint: \(Self.shortened(hint))\n"
        }
        for note in diagnostic.notes {
            out += "\(note.span.start): note: \(Self.shortened(note.message))\n"
            out += excerpt(note.span)
        }
        return out
    }

    /// Renders many diagnostics in source order.
    public func render(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.sorted(by: Diagnostic.sourceOrder).map(render).joined()
    }

    /// The widest excerpt of a source line quoted, in characters; a longer line is cut around
    /// the span, with `…` where text was left out.
    static let excerptWidth = 120

    /// The quoted line and caret for a span, or the empty string when the line is unknown.
    private func excerpt(_ span: SourceSpan) -> String {
        guard let source = sources[span.start.file], let line = source.line(span.start.line) else { return "" }
        var scalars = Array(line.unicodeScalars)
        var startIndex = min(max(span.start.column - 1, 0), scalars.count)
        var endIndex = min(startIndex + max(span.length, 1), scalars.count)
        if scalars.count > Self.excerptWidth {
            // Keep some context before the span and as much of it as fits.
            let from = max(0, startIndex - Self.excerptWidth / 3)
            let to = min(scalars.count, from + Self.excerptWidth)
            var window = Array(scalars[from..<to])
            var shift = from
            if from > 0 {
                window.insert("…", at: 0)
                shift -= 1
            }
            if to < scalars.count { window.append("…") }
            scalars = window
            startIndex -= shift
            endIndex = min(endIndex - shift, to - shift)
        }
        var padding = ""
        for scalar in scalars[..<startIndex] {
            padding += scalar == "\t" ? "\t" : String(repeating: " ", count: Self.displayWidth(scalar))
        }
        var width = 0
        for scalar in scalars[startIndex..<max(endIndex, startIndex)] { width += Self.displayWidth(scalar) }
        let marker = "^" + String(repeating: "~", count: max(width - 1, 0))
        var quoted = ""
        quoted.unicodeScalars.append(contentsOf: scalars)
        return "    \(quoted)\n    \(padding)\(marker)\n"
    }

    /// The longest name quoted in a message ('…') before its middle is left out.
    static let quotedWidth = 64

    /// `text` with each quoted name (no spaces) longer than `quotedWidth` cut in the middle, and the whole
    /// cut to 1,000 characters: a hostile 1 MB name must not make a 1 MB message.
    static func shortened(_ text: String) -> String {
        guard text.unicodeScalars.count > quotedWidth else { return text }
        var out = String.UnicodeScalarView()
        var quoted: [Unicode.Scalar] = []
        var inQuote = false
        func flush() {
            // A name has no spaces: a run with spaces is prose between apostrophes ("round()'s …").
            if quoted.count > quotedWidth, !quoted.contains(where: \.properties.isWhitespace) {
                out.append(contentsOf: quoted[..<(quotedWidth - 16)])
                out.append("…")
                out.append(contentsOf: quoted[(quoted.count - 15)...])
            } else {
                out.append(contentsOf: quoted)
            }
            quoted.removeAll()
        }
        for scalar in text.unicodeScalars {
            if scalar == "'" {
                if inQuote { flush() }
                inQuote.toggle()
                out.append(scalar)
            } else if inQuote {
                quoted.append(scalar)
            } else {
                out.append(scalar)
            }
        }
        flush()
        if out.count > 1_000 {
            var cut = String.UnicodeScalarView(out.prefix(1_000))
            cut.append("…")
            return String(cut)
        }
        return String(out)
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
