/// A range of an expression's text, in Unicode scalars from its start.
public struct TextRange: Sendable, Hashable {
    public var offset: Int
    public var length: Int
    public init(offset: Int, length: Int) {
        self.offset = offset
        self.length = length
    }

    /// The text of `range` in `scalars`, cut to about 80 characters for traces.
    public static func excerpt(of scalars: [Unicode.Scalar], _ range: TextRange) -> String {
        let start = min(max(range.offset, 0), scalars.count)
        let end = min(start + max(range.length, 0), scalars.count)
        var text = ""
        if end - start > 80 {
            text.unicodeScalars.append(contentsOf: scalars[start..<(start + 60)])
            text += " … "
            text.unicodeScalars.append(contentsOf: scalars[(end - 16)..<end])
        } else {
            text.unicodeScalars.append(contentsOf: scalars[start..<end])
        }
        return text
    }

    /// The range covering both.
    public func to(_ other: TextRange) -> TextRange {
        let start = min(offset, other.offset)
        return TextRange(offset: start, length: max(offset + length, other.offset + other.length) - start)
    }
}

/// A problem in an expression, at a range of its text.
public struct ExpressionProblem: Error, Sendable, Hashable {
    public var code: String
    public var message: String
    public var range: TextRange
    public var hint: String?

    public init(_ code: String, _ message: String, at range: TextRange, hint: String? = nil) {
        self.code = code
        self.message = message
        self.range = range
        self.hint = hint
    }
}

/// A token of the expression language.
struct Token: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case number(String)
        case string(String)
        case date(Day)
        case datetime(Instant)
        case duration(Span)
        case identifier(String)
        case symbol(String)
        case end
    }

    var kind: Kind
    var range: TextRange
}

/// The syntax tree of an expression.
indirect enum Syntax: Sendable {
    case literal(Value, TextRange)
    case null(TextRange)
    case list([Syntax], TextRange)
    case name(String, TextRange)
    case member(Syntax, String, TextRange)
    case index(Syntax, Syntax, TextRange)
    case call(String, TextRange, [Syntax], TextRange)
    case lambda(String, TextRange, Syntax)
    case unary(String, Syntax, TextRange)
    case binary(String, Syntax, Syntax, TextRange)
    case conditional(Syntax, Syntax, Syntax, TextRange)
    /// `( inner )`: kept so carets cover the parentheses.
    case parenthesized(Syntax, TextRange)

    var range: TextRange {
        switch self {
        case .literal(_, let r), .null(let r), .list(_, let r), .name(_, let r), .member(_, _, let r),
            .index(_, _, let r), .call(_, _, _, let r), .unary(_, _, let r), .binary(_, _, _, let r),
            .conditional(_, _, _, let r), .parenthesized(_, let r):
            r
        case .lambda(_, let r, let body): r.to(body.range)
        }
    }
}
