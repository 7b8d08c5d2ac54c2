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
        let cost = typedItems.reduce(1) { $0 + $1.cost }
        let constants = typedItems.compactMap(\.constant)
        if !tracing, constants.count == typedItems.count {
            // A list written out of constants is made once, when the expression loads.
            return folded(.list(constants), .list(element ?? .null), cost: cost, range: range)
        }
        let codes = typedItems.map(\.code)
        let code: Code = { frame throws(EvaluationError) in
            var values: [Value] = []
            values.reserveCapacity(codes.count)
            for c in codes { values.append(try c(frame)) }
            return .list(values)
        }
        return Typed(type: .list(element ?? .null), code: code, cost: cost, range: range)
    }

    mutating func unary(_ op: String, _ operand: Syntax, _ range: TextRange) throws(ExpressionProblem) -> Typed {
        let value = try check(operand)
        let inner = value.code
        if op == "not" {
            try require(value, .bool, what: "the operand of 'not'")
            if !tracing, case .bool(let b)? = value.constant {
                return folded(.bool(!b), .bool, cost: value.cost + 1, range: range)
            }
            let operand = conditionCode(value, null: Self.nullCondition(range))
            return boolean(
                { frame throws(EvaluationError) in !(try operand(frame)) }, cost: value.cost + 1, range: range)
        }
        if value.type.isOptional { throw nullFailure(value) }
        switch value.type {
        case .integer, .decimal:
            if !tracing, case .number(let n)? = value.constant {
                return folded(.number(-n), value.type, cost: value.cost + 1, range: range)
            }
            let operand = numberCode(value, null: EvaluationError("null", "null number", at: range))
            return numeric(
                value.type, { frame throws(EvaluationError) in -(try operand(frame)) }, cost: value.cost + 1,
                range: range)
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
        let t = conditionCode(test, null: Self.nullCondition(range)), a = yes.code, b = no.code
        let cost = test.cost + max(yes.cost, no.cost) + 1
        if type.isNumeric, givesNumber(yes), givesNumber(no) {
            let p = numberCode(yes, null: Self.nullCondition(range)),
                q = numberCode(no, null: Self.nullCondition(range))
            return numeric(
                type, { frame throws(EvaluationError) in try t(frame) ? p(frame) : q(frame) }, cost: cost, range: range)
        }
        if type == .bool, let p = yes.condition, let q = no.condition {
            return boolean(
                { frame throws(EvaluationError) in try t(frame) ? p(frame) : q(frame) }, cost: cost, range: range)
        }
        return Typed(
            type: type, code: { frame throws(EvaluationError) in try t(frame) ? a(frame) : b(frame) }, cost: cost,
            range: range)
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
            let isAnd = op == "and"
            let cost = left.cost + right.cost + 1
            let null = Self.nullCondition(range)
            if !tracing, case .bool(let x)? = left.constant {
                // `false and …`, `true or …`: the right side is never evaluated.
                if x != isAnd { return folded(.bool(x), .bool, cost: cost, range: range) }
                if case .bool(let y)? = right.constant { return folded(.bool(y), .bool, cost: cost, range: range) }
                return boolean(conditionCode(right, null: null), cost: cost, range: range)
            }
            let a = conditionCode(left, null: null), b = conditionCode(right, null: null)
            let code: BoolCode
            if isAnd {
                code = { frame throws(EvaluationError) in try a(frame) ? b(frame) : false }
            } else {
                code = { frame throws(EvaluationError) in try a(frame) ? true : b(frame) }
            }
            return boolean(code, cost: cost, range: range)
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
