/// Parses tokens into a syntax tree by precedence climbing.
///
/// From loosest to tightest: `c ? a : b`, `or`/`||`, `and`/`&&`, `not`, comparisons and `in`
/// (which do not chain), `??`, `+ -`, `* / %`, unary `-` and `!`, then `.field`, `[index]`
/// and calls.
struct Parser {
    private var tokens: [Token]
    private var position = 0
    /// Deepest nesting accepted, so hostile input cannot exhaust the stack.
    static let maximumDepth = 64
    /// The tallest syntax tree accepted. Nesting is capped by `maximumDepth`, but a flat chain
    /// (`a and b and …`, `x.a.b…`, `l[0][0]…`) builds a tree as tall as it is long, and the checker,
    /// the compiled closures and the trace all walk trees recursively: the height bounds them all.
    static let maximumHeight = 256
    private var depth = 0
    /// The height of the tree the last parsing function returned.
    private var height = 0

    static let keywords: Set<String> = ["and", "or", "not", "in", "true", "false", "null"]

    init(tokens: [Token]) {
        self.tokens = tokens
    }

    static func parse(_ text: String) throws(ExpressionProblem) -> Syntax {
        var lexer = Lexer(text)
        let tokens = try lexer.tokens()
        var parser = Parser(tokens: tokens)
        if tokens.count == 1 {
            throw ExpressionProblem("syntax", "the expression is empty", at: TextRange(offset: 0, length: 0))
        }
        let syntax = try parser.expression()
        let rest = parser.peek
        if rest.kind != .end {
            throw ExpressionProblem(
                "syntax", "unexpected \(Self.describe(rest)) after a complete expression", at: rest.range,
                hint: Self.hintAfterComplete(rest))
        }
        return syntax
    }

    private var peek: Token { tokens[position] }

    /// Records the height of a node built over children of height `children`, refusing a tree
    /// taller than `maximumHeight`.
    private mutating func built(over children: Int, at range: TextRange) throws(ExpressionProblem) {
        height = children + 1
        guard height <= Self.maximumHeight else {
            throw ExpressionProblem(
                "too-deep", "the expression is nested or chained more than \(Self.maximumHeight) levels deep",
                at: range, hint: "split it: name parts as fields, or use a decision table")
        }
    }

    private mutating func advance() -> Token {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    private func isSymbol(_ symbol: String) -> Bool { peek.kind == .symbol(symbol) }
    private func isKeyword(_ word: String) -> Bool { peek.kind == .identifier(word) }

    private mutating func expect(_ symbol: String, _ context: String) throws(ExpressionProblem) -> Token {
        guard isSymbol(symbol) else {
            throw ExpressionProblem(
                "syntax", "expected '\(symbol)' \(context), found \(Self.describe(peek))", at: peek.range)
        }
        return advance()
    }

    static func describe(_ token: Token) -> String {
        switch token.kind {
        case .end: "the end of the expression"
        case .symbol(let s): "'\(s)'"
        case .identifier(let s): keywords.contains(s) ? "'\(s)'" : "name '\(s)'"
        case .number(let n): "number \(n)"
        case .string: "a string"
        case .date(let d): "date \(d)"
        case .datetime(let i): "datetime \(i)"
        case .duration(let s): "duration \(s)"
        }
    }

    static func hintAfterComplete(_ token: Token) -> String? {
        switch token.kind {
        case .identifier("AND"), .identifier("OR"): "operators are lower case: and, or"
        case .symbol(")"): "this ')' has no matching '('"
        case .symbol("="): "compare with '=='"
        case .symbol("->"): "a lambda (x -> …) can only be an argument of a list function such as count(items, x -> …)"
        default: "join conditions with 'and' or 'or'"
        }
    }

    mutating func expression() throws(ExpressionProblem) -> Syntax {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else {
            throw ExpressionProblem(
                "too-deep", "the expression nests deeper than \(Self.maximumDepth) levels", at: peek.range)
        }
        let condition = try or()
        guard isSymbol("?") else { return condition }
        var tallest = height
        _ = advance()
        let then = try expression()
        tallest = max(tallest, height)
        _ = try expect(":", "between the branches of '? :'")
        let otherwise = try expression()
        let range = condition.range.to(otherwise.range)
        try built(over: max(tallest, height), at: range)
        return .conditional(condition, then, otherwise, range)
    }

    private mutating func or() throws(ExpressionProblem) -> Syntax {
        var left = try and()
        while isKeyword("or") || isSymbol("||") {
            _ = advance()
            let leftHeight = height
            let right = try and()
            left = .binary("or", left, right, left.range.to(right.range))
            try built(over: max(leftHeight, height), at: right.range)
        }
        return left
    }

    private mutating func and() throws(ExpressionProblem) -> Syntax {
        var left = try not()
        while isKeyword("and") || isSymbol("&&") {
            _ = advance()
            let leftHeight = height
            let right = try not()
            left = .binary("and", left, right, left.range.to(right.range))
            try built(over: max(leftHeight, height), at: right.range)
        }
        return left
    }

    private mutating func not() throws(ExpressionProblem) -> Syntax {
        guard isKeyword("not") else { return try comparison() }
        let op = advance()
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else {
            throw ExpressionProblem(
                "too-deep", "the expression nests deeper than \(Self.maximumDepth) levels", at: op.range)
        }
        let operand = try not()
        try built(over: height, at: op.range.to(operand.range))
        return .unary("not", operand, op.range.to(operand.range))
    }

    private static let comparisons: Set<String> = ["==", "!=", "<", "<=", ">", ">="]

    private mutating func comparison() throws(ExpressionProblem) -> Syntax {
        let left = try coalesce()
        var op: String?
        if case .symbol(let s) = peek.kind, Self.comparisons.contains(s) { op = s }
        if isKeyword("in") { op = "in" }
        guard let op else { return left }
        _ = advance()
        let leftHeight = height
        let right = try coalesce()
        if case .symbol(let s) = peek.kind, Self.comparisons.contains(s) {
            throw ExpressionProblem(
                "syntax", "comparisons do not chain", at: peek.range,
                hint: "write a < b and b < c")
        }
        try built(over: max(leftHeight, height), at: left.range.to(right.range))
        return .binary(op, left, right, left.range.to(right.range))
    }

    /// `a ?? b ?? c` groups to the right, `a ?? (b ?? c)`; the operands are read in a loop so a
    /// long chain does not recurse.
    private mutating func coalesce() throws(ExpressionProblem) -> Syntax {
        let first = try additive()
        guard isSymbol("??") else { return first }
        var operands = [(first, height)]
        while isSymbol("??") {
            _ = advance()
            operands.append((try additive(), height))
        }
        var (right, rightHeight) = operands.removeLast()
        while let (left, leftHeight) = operands.popLast() {
            right = .binary("??", left, right, left.range.to(right.range))
            try built(over: max(leftHeight, rightHeight), at: left.range)
            rightHeight = height
        }
        return right
    }

    private mutating func additive() throws(ExpressionProblem) -> Syntax {
        var left = try multiplicative()
        while isSymbol("+") || isSymbol("-") {
            guard case .symbol(let op) = advance().kind else { break }
            let leftHeight = height
            let right = try multiplicative()
            left = .binary(op, left, right, left.range.to(right.range))
            try built(over: max(leftHeight, height), at: right.range)
        }
        return left
    }

    private mutating func multiplicative() throws(ExpressionProblem) -> Syntax {
        var left = try unary()
        while isSymbol("*") || isSymbol("/") || isSymbol("%") {
            guard case .symbol(let op) = advance().kind else { break }
            let leftHeight = height
            let right = try unary()
            left = .binary(op, left, right, left.range.to(right.range))
            try built(over: max(leftHeight, height), at: right.range)
        }
        return left
    }

    private mutating func unary() throws(ExpressionProblem) -> Syntax {
        if isSymbol("-") || isSymbol("!") {
            let op = advance()
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maximumDepth else {
                throw ExpressionProblem(
                    "too-deep", "the expression nests deeper than \(Self.maximumDepth) levels", at: op.range)
            }
            let operand = try unary()
            guard case .symbol(let symbol) = op.kind else { return operand }
            try built(over: height, at: op.range.to(operand.range))
            return .unary(symbol == "!" ? "not" : "-", operand, op.range.to(operand.range))
        }
        return try postfix()
    }

    private mutating func postfix() throws(ExpressionProblem) -> Syntax {
        var value = try primary()
        while true {
            if isSymbol(".") {
                _ = advance()
                guard case .identifier(let name) = peek.kind else {
                    throw ExpressionProblem(
                        "syntax", "expected a field name after '.', found \(Self.describe(peek))", at: peek.range)
                }
                let token = advance()
                value = .member(value, name, value.range.to(token.range))
                try built(over: height, at: token.range)
            } else if isSymbol("[") {
                _ = advance()
                let valueHeight = height
                let index = try expression()
                let close = try expect("]", "to close the index")
                value = .index(value, index, value.range.to(close.range))
                try built(over: max(valueHeight, height), at: index.range)
            } else {
                return value
            }
        }
    }

    private mutating func primary() throws(ExpressionProblem) -> Syntax {
        let token = advance()
        height = 1
        switch token.kind {
        case .number(let text):
            guard let number = Number(text) else {
                let reason = Number.problem(parsing: text) ?? "is not a number"
                throw ExpressionProblem("bad-literal", "'\(text)' \(reason)", at: token.range)
            }
            return .literal(.number(number), token.range)
        case .string(let s): return .literal(.string(s), token.range)
        case .date(let d): return .literal(.date(d), token.range)
        case .datetime(let i): return .literal(.datetime(i), token.range)
        case .duration(let s): return .literal(.duration(s), token.range)
        case .identifier("true"): return .literal(.bool(true), token.range)
        case .identifier("false"): return .literal(.bool(false), token.range)
        case .identifier("null"): return .null(token.range)
        case .identifier(let name) where !Self.keywords.contains(name):
            if isSymbol("(") { return try call(name, token.range) }
            return .name(name, token.range)
        case .symbol("("):
            let inner = try expression()
            let close = try expect(")", "to close '('")
            try built(over: height, at: token.range.to(close.range))
            return .parenthesized(inner, token.range.to(close.range))
        case .symbol("["):
            var items: [Syntax] = []
            var tallest = 0
            if !isSymbol("]") {
                repeat {
                    if !items.isEmpty { _ = advance() }
                    items.append(try expression())
                    tallest = max(tallest, height)
                } while isSymbol(",")
            }
            let close = try expect("]", "to close the list")
            try built(over: tallest, at: token.range.to(close.range))
            return .list(items, token.range.to(close.range))
        case .end:
            throw ExpressionProblem(
                "syntax", "the expression ends too early", at: token.range,
                hint: "an operand is missing at the end")
        default:
            throw ExpressionProblem("syntax", "expected a value, found \(Self.describe(token))", at: token.range)
        }
    }

    private mutating func call(_ name: String, _ nameRange: TextRange) throws(ExpressionProblem) -> Syntax {
        _ = advance()  // (
        var arguments: [Syntax] = []
        var tallest = 0
        if !isSymbol(")") {
            repeat {
                if !arguments.isEmpty { _ = advance() }
                // A lambda: `r -> body`.
                if case .identifier(let parameter) = peek.kind, !Self.keywords.contains(parameter),
                    tokens[min(position + 1, tokens.count - 1)].kind == .symbol("->")
                {
                    let parameterToken = advance()
                    _ = advance()
                    let body = try expression()
                    try built(over: height, at: parameterToken.range.to(body.range))
                    arguments.append(.lambda(parameter, parameterToken.range, body))
                } else {
                    arguments.append(try expression())
                }
                tallest = max(tallest, height)
            } while isSymbol(",")
        }
        let close = try expect(")", "to close the call of \(name)()")
        try built(over: tallest, at: nameRange.to(close.range))
        return .call(name, nameRange, arguments, nameRange.to(close.range))
    }
}
