extension Compiler {
    mutating func list(_ items: [Syntax], _ range: TextRange) throws(ExpressionProblem) -> Typed {
        var typedItems: [Typed] = []
        var element: ValueType?
        for item in items {
            let typed = try check(item)
            if let current = element {
                guard let common = unify(current, typed.type) else {
                    throw fail(
                        "type", "list items must have one type; this is \(typed.type), earlier items are \(current)",
                        typed.range)
                }
                element = common
            } else {
                element = typed.type
            }
            typedItems.append(typed)
        }
        let codes = typedItems.map(\.code)
        let code: Code = { frame throws(EvaluationError) in
            var values: [Value] = []
            values.reserveCapacity(codes.count)
            for c in codes { values.append(try c(frame)) }
            return .list(values)
        }
        return Typed(
            type: .list(element ?? .null), code: code, cost: typedItems.reduce(1) { $0 + $1.cost }, range: range)
    }

    mutating func unary(_ op: String, _ operand: Syntax, _ range: TextRange) throws(ExpressionProblem) -> Typed {
        let value = try check(operand)
        let inner = value.code
        if op == "not" {
            try require(value, .bool, what: "the operand of 'not'")
            return Typed(
                type: .bool,
                code: { frame throws(EvaluationError) in
                    guard case .bool(let b) = try inner(frame) else {
                        throw EvaluationError("null", "null condition", at: range)
                    }
                    return .bool(!b)
                }, cost: value.cost + 1, range: range)
        }
        if value.type.isOptional { throw nullFailure(value) }
        switch value.type {
        case .integer, .decimal:
            return Typed(
                type: value.type,
                code: { frame throws(EvaluationError) in
                    guard case .number(let n) = try inner(frame) else {
                        throw EvaluationError("null", "null number", at: range)
                    }
                    return .number(-n)
                }, cost: value.cost + 1, range: range)
        case .duration, .period:
            return Typed(
                type: value.type,
                code: { frame throws(EvaluationError) in
                    switch try inner(frame) {
                    case .duration(.seconds(let s)): return .duration(.seconds(-s))
                    case .duration(.workingDays(let d)): return .duration(.workingDays(-d))
                    case .duration(.months(let m)): return .duration(.months(-m))
                    default: throw EvaluationError("null", "null duration", at: range)
                    }
                }, cost: value.cost + 1, range: range)
        default:
            throw fail("type", "cannot negate \(value.type)", value.range)
        }
    }

    mutating func conditional(_ condition: Syntax, _ then: Syntax, _ otherwise: Syntax, _ range: TextRange)
        throws(ExpressionProblem) -> Typed
    {
        let test = try check(condition)
        try require(test, .bool, what: "the condition of '? :'")
        let saved = narrowed
        narrowed.formUnion(Self.hasPaths(condition, positive: true))
        let yes = try check(then)
        narrowed = saved
        narrowed.formUnion(Self.hasPaths(condition, positive: false))
        let no = try check(otherwise)
        narrowed = saved
        guard let type = unify(yes.type, no.type) else {
            throw fail("type", "the branches of '? :' differ: \(yes.type) and \(no.type)", range)
        }
        let t = test.code, a = yes.code, b = no.code
        return Typed(
            type: type,
            code: { frame throws(EvaluationError) in
                guard case .bool(let c) = try t(frame) else {
                    throw EvaluationError("null", "null condition", at: range)
                }
                return try c ? a(frame) : b(frame)
            }, cost: test.cost + max(yes.cost, no.cost) + 1, range: range)
    }

    /// Paths that `has(path)` proves non-null when `syntax` is true (or false, for `positive: false`).
    static func hasPaths(_ syntax: Syntax, positive: Bool) -> Set<String> {
        switch syntax {
        case .call("has", _, let arguments, _) where positive && arguments.count == 1:
            return path(of: arguments[0]).map { [$0] } ?? []
        case .binary("and", let a, let b, _) where positive:
            return hasPaths(a, positive: true).union(hasPaths(b, positive: true))
        case .binary("or", let a, let b, _) where !positive:
            return hasPaths(a, positive: false).union(hasPaths(b, positive: false))
        case .unary("not", let inner, _):
            return hasPaths(inner, positive: !positive)
        case .parenthesized(let inner, _):
            return hasPaths(inner, positive: positive)
        default:
            return []
        }
    }

    static func path(of syntax: Syntax) -> String? {
        switch syntax {
        case .parenthesized(let inner, _): return path(of: inner)
        case .name(let name, _): return name
        case .member(let base, let name, _): return path(of: base).map { $0 + "." + name }
        case .index(let base, .literal(let key, _), _): return path(of: base).map { $0 + "[" + key.description + "]" }
        default: return nil
        }
    }

    mutating func binary(_ op: String, _ leftSyntax: Syntax, _ rightSyntax: Syntax, _ range: TextRange)
        throws(ExpressionProblem) -> Typed
    {
        switch op {
        case "and", "or":
            let left = try check(leftSyntax)
            try require(left, .bool, what: "the left side of '\(op)'")
            let saved = narrowed
            narrowed.formUnion(Self.hasPaths(leftSyntax, positive: op == "and"))
            let right = try check(rightSyntax)
            narrowed = saved
            try require(right, .bool, what: "the right side of '\(op)'")
            let a = left.code, b = right.code
            let isAnd = op == "and"
            return Typed(
                type: .bool,
                code: { frame throws(EvaluationError) in
                    guard case .bool(let x) = try a(frame) else {
                        throw EvaluationError("null", "null condition", at: range)
                    }
                    if x != isAnd { return .bool(x) }
                    guard case .bool(let y) = try b(frame) else {
                        throw EvaluationError("null", "null condition", at: range)
                    }
                    return .bool(y)
                }, cost: left.cost + right.cost + 1, range: range)
        case "??":
            let left = try check(leftSyntax)
            let right = try check(rightSyntax)
            // A left side that is always null (a JSON null in --data) leaves the right side's type;
            // an enum defaulted to a string literal that is one of its values stays that enum
            // (`case.concern ?? "general"` may be given where the enum is expected).
            let enumDefault: ValueType? =
                if case .enumeration(_, let values) = left.type.unwrapped,
                    case .literal(.string(let text), _) = rightSyntax, values.contains(text)
                {
                    left.type.unwrapped
                } else {
                    nil
                }
            guard
                let type = enumDefault
                    ?? (left.type == .null ? right.type : unify(left.type.unwrapped, right.type))
            else {
                throw fail("type", "the two sides of '??' differ: \(left.type.unwrapped) and \(right.type)", range)
            }
            let a = left.code, b = right.code
            return Typed(
                type: type,
                code: { frame throws(EvaluationError) in
                    let value = try a(frame)
                    if case .null = value { return try b(frame) }
                    return value
                }, cost: left.cost + right.cost + 1, range: range)
        default:
            let left = try check(leftSyntax)
            let right = try check(rightSyntax)
            return try Operators.apply(op, left, right, leftSyntax, rightSyntax, range, self)
        }
    }
}
