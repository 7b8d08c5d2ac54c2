import GridflowDiagnostics
import GridflowYAML

/// Maps a position inside an expression's value back to the file, whatever the scalar style:
/// plain, quoted (with escapes), and `|` / `>` blocks, on one line or many.
struct ExpressionLocator {
    let expression: Expression
    let source: SourceFile?

    /// The file span of `length` value characters starting at value offset `offset`.
    func span(offset: Int, length: Int) -> SourceSpan {
        let start = location(of: offset)
        let last = location(of: offset + max(length, 1) - 1)
        let next = location(of: offset + max(length, 1))
        // Measure to the next character when it is on the same line, so an escape (`\"`) at the
        // end is covered whole.
        let width =
            next.line == start.line && next.column > last.column
            ? next.column - start.column : (last.line == start.line ? last.column - start.column + 1 : 1)
        return SourceSpan(start: start, length: max(width, 1))
    }

    /// Where value character `offset` is written.
    func location(of offset: Int) -> SourceLocation {
        let start = expression.span.start
        guard let source, let firstLine = source.line(start.line) else { return start }
        let map = positions(source: source, firstLine: firstLine)
        guard !map.isEmpty else { return start }
        let (line, column) = map[min(max(offset, 0), map.count - 1)]
        return SourceLocation(file: start.file, line: line, column: column)
    }

    /// `(line, column)` of every value character, plus one past the end.
    private func positions(source: SourceFile, firstLine: Substring) -> [(Int, Int)] {
        let start = expression.span.start
        let value = Array(expression.text.unicodeScalars)
        var result: [(Int, Int)] = []
        result.reserveCapacity(value.count + 1)
        switch expression.style {
        case .literal, .folded:
            // Content starts on the line after the indicator, at the block's indentation.
            var lineNumber = start.line + 1
            var indent: Int?
            var v = 0
            while v < value.count, let raw = source.line(lineNumber) {
                let scalars = Array(raw.unicodeScalars)
                let lead = scalars.prefix { $0 == " " }.count
                if lead == scalars.count {  // an empty line stands for one newline
                    if value[v] == "\n" {
                        result.append((lineNumber, 1))
                        v += 1
                    }
                    lineNumber += 1
                    continue
                }
                let blockIndent = indent ?? lead
                indent = blockIndent
                var column = blockIndent
                while column < scalars.count, v < value.count, value[v] != "\n" {
                    result.append((lineNumber, column + 1))
                    column += 1
                    v += 1
                }
                if v < value.count {  // the line break (or the space it folded into)
                    result.append((lineNumber, column + 1))
                    v += 1
                }
                lineNumber += 1
            }
        case .plain, .singleQuoted, .doubleQuoted:
            var lineNumber = start.line
            var scalars = Array(firstLine.unicodeScalars)
            var column = start.column - 1 + (expression.style == .plain ? 0 : 1)
            var v = 0
            while v < value.count {
                if column >= scalars.count {
                    // A line break folded into a space: continue on the next line, after its indentation.
                    lineNumber += 1
                    guard let next = source.line(lineNumber) else { break }
                    result.append((lineNumber - 1, column + 1))
                    v += 1
                    scalars = Array(next.unicodeScalars)
                    column = scalars.prefix { $0 == " " || $0 == "\t" }.count
                    continue
                }
                result.append((lineNumber, column + 1))
                let c = scalars[column]
                if expression.style == .doubleQuoted, c == "\\" {
                    column += Self.escapeLength(scalars, at: column)
                } else if expression.style == .singleQuoted, c == "'", column + 1 < scalars.count,
                    scalars[column + 1] == "'"
                {
                    column += 2
                } else {
                    column += 1
                }
                v += 1
            }
            result.append((lineNumber, column + 1))
        }
        if result.isEmpty { result.append((start.line, start.column)) }
        return result
    }

    /// How many source characters a double-quoted escape takes (`\n` 2, `\x41` 4, `\u4e00` 6…).
    static func escapeLength(_ scalars: [Unicode.Scalar], at index: Int) -> Int {
        guard index + 1 < scalars.count else { return 1 }
        switch scalars[index + 1] {
        case "x": return 4
        case "u": return 6
        case "U": return 10
        default: return 2
        }
    }
}
