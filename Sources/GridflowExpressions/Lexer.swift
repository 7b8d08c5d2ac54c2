/// Splits an expression into tokens, each with its range.
struct Lexer {
    private let scalars: [Unicode.Scalar]
    private var position = 0

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    static let symbols = [
        "->", "==", "!=", "<=", ">=", "&&", "||", "??", "+", "-", "*", "/", "%", "<", ">", "!", "?", ":", ".", ",", "(",
        ")", "[", "]",
    ]

    mutating func tokens() throws(ExpressionProblem) -> [Token] {
        var result: [Token] = []
        while true {
            let token = try next()
            result.append(token)
            if token.kind == .end { return result }
        }
    }

    private func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }
    private func isIdentifierStart(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_"
    }
    private func isIdentifier(_ c: Unicode.Scalar) -> Bool { isIdentifierStart(c) || isDigit(c) }

    private mutating func next() throws(ExpressionProblem) -> Token {
        while position < scalars.count, scalars[position].properties.isWhitespace { position += 1 }
        let start = position
        guard position < scalars.count else { return Token(kind: .end, range: TextRange(offset: position, length: 0)) }
        let c = scalars[position]
        if isDigit(c) { return try numberLike(start) }
        if isIdentifierStart(c) {
            while position < scalars.count, isIdentifier(scalars[position]) { position += 1 }
            return Token(
                kind: .identifier(text(start, position)), range: TextRange(offset: start, length: position - start))
        }
        if c == "\"" || c == "'" { return try string(quote: c) }
        for symbol in Self.symbols {
            let symbolScalars = Array(symbol.unicodeScalars)
            if position + symbolScalars.count <= scalars.count,
                Array(scalars[position..<position + symbolScalars.count]) == symbolScalars
            {
                position += symbolScalars.count
                return Token(kind: .symbol(symbol), range: TextRange(offset: start, length: symbolScalars.count))
            }
        }
        position += 1
        let shown = c == "=" ? "'=' is not an operator; compare with '=='" : "unexpected character '\(Character(c))'"
        throw ExpressionProblem(
            "syntax", shown, at: TextRange(offset: start, length: 1),
            hint: c == "=" ? "expressions compare, they do not assign" : nil)
    }

    private func text(_ from: Int, _ to: Int) -> String {
        var s = ""
        s.unicodeScalars.append(contentsOf: scalars[from..<to])
        return s
    }

    /// A number, date, datetime or duration: all start with a digit.
    private mutating func numberLike(_ start: Int) throws(ExpressionProblem) -> Token {
        while position < scalars.count, isDigit(scalars[position]) { position += 1 }
        // Date or datetime: 2024-07-01, 2024-07-01T09:00:00+08:00
        if position - start == 4, position + 5 < scalars.count, scalars[position] == "-", isDigit(scalars[position + 1])
        {
            var end = position
            while end < scalars.count, isDigit(scalars[end]) || scalars[end] == "-" { end += 1 }
            var isDatetime = false
            if end < scalars.count, scalars[end] == "T" {
                isDatetime = true
                end += 1
                while end < scalars.count, isDigit(scalars[end]) || ":+-Z".unicodeScalars.contains(scalars[end]) {
                    end += 1
                }
            }
            let literal = text(start, end)
            position = end
            let range = TextRange(offset: start, length: end - start)
            if isDatetime {
                guard let instant = Instant(literal) else {
                    throw ExpressionProblem(
                        "bad-literal", "'\(literal)' is not a datetime", at: range,
                        hint: "write datetimes as 2024-07-01T09:00:00+08:00")
                }
                return Token(kind: .datetime(instant), range: range)
            }
            guard let day = Day(literal) else {
                throw ExpressionProblem(
                    "bad-literal", "'\(literal)' is not a date", at: range, hint: "write dates as YYYY-MM-DD")
            }
            return Token(kind: .date(day), range: range)
        }
        if position < scalars.count, scalars[position] == ".", position + 1 < scalars.count,
            isDigit(scalars[position + 1])
        {
            position += 1
            while position < scalars.count, isDigit(scalars[position]) { position += 1 }
        }
        // Duration: 3d, 36h, 1d12h, 5wd; period: 1y, 6mo, 1y6mo
        if position < scalars.count, "wdhmsy".unicodeScalars.contains(scalars[position]) {
            var end = position
            while end < scalars.count, isIdentifier(scalars[end]) { end += 1 }
            let literal = text(start, end)
            position = end
            let range = TextRange(offset: start, length: end - start)
            switch Span.parse(literal, months: true) {
            case .success(let span): return Token(kind: .duration(span), range: range)
            case .failure(let problem):
                throw ExpressionProblem(
                    "bad-literal", "'\(literal)' is not a duration: \(problem)", at: range,
                    hint: "write e.g. 30m, 36h, 3d, 2w, 1d12h, 5wd for working days, or 1y, 6mo, 1y6mo for a period")
            }
        }
        if position < scalars.count, isIdentifierStart(scalars[position]) {
            var end = position
            while end < scalars.count, isIdentifier(scalars[end]) { end += 1 }
            throw ExpressionProblem(
                "bad-literal", "'\(text(start, end))' is not a number",
                at: TextRange(offset: start, length: end - start))
        }
        return Token(kind: .number(text(start, position)), range: TextRange(offset: start, length: position - start))
    }

    private mutating func string(quote: Unicode.Scalar) throws(ExpressionProblem) -> Token {
        let start = position
        position += 1
        var value = ""
        while position < scalars.count {
            let c = scalars[position]
            if c == quote {
                position += 1
                return Token(kind: .string(value), range: TextRange(offset: start, length: position - start))
            }
            if c == "\\", position + 1 < scalars.count {
                let escaped = scalars[position + 1]
                switch escaped {
                case "n": value += "\n"
                case "t": value += "\t"
                case "\\", "\"", "'": value.unicodeScalars.append(escaped)
                default:
                    throw ExpressionProblem(
                        "syntax", "unknown escape '\\\(Character(escaped))'", at: TextRange(offset: position, length: 2)
                    )
                }
                position += 2
                continue
            }
            value.unicodeScalars.append(c)
            position += 1
        }
        throw ExpressionProblem(
            "syntax", "string is not closed", at: TextRange(offset: start, length: 1),
            hint: "end the string with \(Character(quote))")
    }
}
