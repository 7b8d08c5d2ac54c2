/// Type rules and code for comparisons, `in` and arithmetic.
enum Operators {
    typealias Typed = Compiler.Typed

    static func apply(
        _ op: String, _ left: Typed, _ right: Typed, _ leftSyntax: Syntax, _ rightSyntax: Syntax, _ range: TextRange,
        _ c: Compiler
    ) throws(ExpressionProblem) -> Typed {
        let a = left.code, b = right.code
        let cost = left.cost + right.cost + 1
        switch op {
        case "==", "!=":
            try c.checkEnumLiteral(left, rightSyntax)
            try c.checkEnumLiteral(right, leftSyntax)
            guard
                c.unify(left.type, right.type) != nil || (left.type.isNumeric && right.type.unwrapped.isNumeric)
                    || (right.type.isNumeric && left.type.unwrapped.isNumeric)
            else {
                throw c.fail(
                    "type", "cannot compare \(left.type) with \(right.type)", range,
                    hint: mixesPeriod(left.type, right.type) ? periodHint : nil)
            }
            let equal = op == "=="
            if !c.tracing, let constant = right.constant ?? left.constant {
                let otherSide = right.constant != nil ? left : right
                if let known = otherSide.constant {
                    return c.folded(.bool((known == constant) == equal), .bool, cost: cost, range: range)
                }
                let other = otherSide.code
                if case .number(let k) = constant, c.givesNumber(otherSide) {
                    let number = c.numberCode(otherSide, null: nullNumber(range))
                    return c.boolean(
                        { frame throws(EvaluationError) in (try number(frame) == k) == equal }, cost: cost, range: range
                    )
                }
                if case .string(let k) = constant {
                    return c.boolean(c.equalsText(otherSide, k, equal: equal), cost: cost, range: range)
                }
                return c.boolean(
                    { frame throws(EvaluationError) in (try other(frame) == constant) == equal }, cost: cost,
                    range: range)
            }
            return c.boolean(
                { frame throws(EvaluationError) in (try a(frame) == b(frame)) == equal }, cost: cost, range: range)

        case "<", "<=", ">", ">=":
            for side in [left, right] where side.type.isOptional { throw c.nullFailure(side) }
            let ordered: Bool
            switch (left.type, right.type) {
            case (.integer, .integer), (.integer, .decimal), (.decimal, .integer), (.decimal, .decimal),
                (.date, .date), (.datetime, .datetime), (.duration, .duration), (.period, .period), (.string, .string):
                ordered = true
            default: ordered = false
            }
            guard ordered else {
                throw c.fail(
                    "type", "cannot order \(left.type) and \(right.type) with '\(op)'", range,
                    hint: mixesPeriod(left.type, right.type)
                        ? periodHint
                        : left.type.isNumeric != right.type.isNumeric
                            ? "both sides must be numbers, dates, datetimes or durations of the same kind" : nil)
            }
            let test = Ordering(op)
            if !c.tracing, left.type.isNumeric, right.type.isNumeric {
                if case .number(let constant)? = right.constant {
                    if case .number(let known)? = left.constant {
                        return c.folded(
                            .bool(test.holds(Number.order(known, constant))), .bool, cost: cost, range: range)
                    }
                    if let read = c.numberRead(left, null: nullNumber(range)) {
                        return c.boolean(
                            { frame throws(EvaluationError) in test.holds(Number.order(try read(frame), constant)) },
                            cost: cost, range: range)
                    }
                    let number = c.numberCode(left, null: nullNumber(range))
                    return c.boolean(
                        { frame throws(EvaluationError) in test.holds(Number.order(try number(frame), constant)) },
                        cost: cost, range: range)
                }
                if c.givesNumber(left) {
                    // The left side is never null, so reading the right one as a number fails
                    // only where comparing would (after both are evaluated).
                    let null = EvaluationError("null", "a side of the comparison is null", at: range)
                    let p = c.numberCode(left, null: null), q = c.numberCode(right, null: null)
                    return c.boolean(
                        { frame throws(EvaluationError) in test.holds(Number.order(try p(frame), try q(frame))) },
                        cost: cost, range: range)
                }
            }
            return c.boolean(
                { frame throws(EvaluationError) in test.holds(try compare(try a(frame), try b(frame), range)) },
                cost: cost, range: range)

        case "in":
            guard case .list(let element) = right.type else {
                throw c.fail("type", "the right side of 'in' must be a list, not \(right.type)", right.range)
            }
            try c.checkEnumLiteral(left, rightSyntax)
            // A name written out looked for in a list of enum values must be one of them.
            try c.checkEnumLiteral(
                Typed(type: element, code: right.code, cost: 0, range: right.range), leftSyntax)
            guard c.unify(left.type.unwrapped, element) != nil else {
                throw c.fail("type", "cannot look for \(left.type) in a list of \(element)", range)
            }
            let cost = left.cost + right.cost + c.environment.assumedListLength / 10 + 1
            if !c.tracing, case .list(let items)? = right.constant {
                if let needle = left.constant {
                    return c.folded(.bool(items.contains(needle)), .bool, cost: cost, range: range)
                }
                return c.boolean(
                    { frame throws(EvaluationError) in items.contains(try a(frame)) }, cost: cost, range: range)
            }
            return c.boolean(
                { frame throws(EvaluationError) in
                    let needle = try a(frame)
                    guard case .list(let items) = try b(frame) else {
                        throw EvaluationError("null", "the list is null", at: range)
                    }
                    return items.contains(needle)
                }, cost: cost, range: range)

        default:
            return try arithmetic(op, left, right, range, c)
        }
    }

    /// A result of 10^38 or more, named by what it is ("the product").
    static func overflow(_ what: String, _ range: TextRange) -> EvaluationError {
        EvaluationError("overflow", "\(what) is 10^38 or more, beyond the 38 digits a number holds", at: range)
    }

    static func nullNumber(_ range: TextRange) -> EvaluationError {
        EvaluationError("null", "a number is null", at: range)
    }

    /// A duration arithmetic result longer than the range of dates.
    static func durationOverflow(_ op: String, _ range: TextRange) -> EvaluationError {
        EvaluationError(
            "overflow", "the duration '\(op)' gives is longer than the range of dates (0001-01-01 to 9999-12-31)",
            at: range)
    }

    /// Whether one side is a period of months and the other a duration.
    static func mixesPeriod(_ a: ValueType, _ b: ValueType) -> Bool {
        Set([a.unwrapped, b.unwrapped]) == [.period, .duration]
    }

    static let periodHint =
        "a period of years or months has no fixed length in days; move a date by each in turn, "
        + "e.g. (d + 1mo) + 3d, or compare the dates they reach: d + 1mo < d + 30d"

    /// -1, 0 or 1.
    static func compare(_ x: Value, _ y: Value, _ range: TextRange) throws(EvaluationError) -> Int {
        switch (x, y) {
        case (.number(let p), .number(let q)): return p < q ? -1 : (p == q ? 0 : 1)
        case (.date(let p), .date(let q)): return p < q ? -1 : (p == q ? 0 : 1)
        case (.datetime(let p), .datetime(let q)): return p < q ? -1 : (p == q ? 0 : 1)
        case (.string(let p), .string(let q)): return p < q ? -1 : (p == q ? 0 : 1)
        case (.duration(.seconds(let p)), .duration(.seconds(let q))): return p < q ? -1 : (p == q ? 0 : 1)
        case (.duration(.workingDays(let p)), .duration(.workingDays(let q))): return p < q ? -1 : (p == q ? 0 : 1)
        case (.duration(.months(let p)), .duration(.months(let q))): return p < q ? -1 : (p == q ? 0 : 1)
        case (.duration, .duration):
            throw EvaluationError("duration-kind", "cannot compare calendar time with working days", at: range)
        default:
            throw EvaluationError("null", "a side of the comparison is null", at: range)
        }
    }

    static func arithmetic(_ op: String, _ left: Typed, _ right: Typed, _ range: TextRange, _ c: Compiler)
        throws(ExpressionProblem) -> Typed
    {
        for side in [left, right] where side.type.isOptional { throw c.nullFailure(side) }
        let a = left.code, b = right.code
        let cost = left.cost + right.cost + 1
        func make(_ type: ValueType, _ body: @escaping @Sendable (Value, Value, Frame) throws(EvaluationError) -> Value)
            -> Typed
        {
            Typed(
                type: type, code: { frame throws(EvaluationError) in try body(try a(frame), try b(frame), frame) },
                cost: cost, range: range)
        }
        let mismatch = c.fail(
            "type", "cannot apply '\(op)' to \(left.type) and \(right.type)", range,
            hint: mixesPeriod(left.type, right.type)
                ? periodHint
                : left.type == .string || right.type == .string
                    ? "only + joins strings, and both sides must be strings" : nil)

        if left.type.isNumeric && right.type.isNumeric {
            let integer = left.type == .integer && right.type == .integer && op != "/"
            // The operation is chosen here, once; evaluation only switches on it.
            let operation = Arithmetic(op)
            let type: ValueType = integer ? .integer : .decimal
            if !c.tracing, case .number(let p)? = left.constant, case .number(let q)? = right.constant,
                let value = try? operation.apply(p, q, range)
            {
                // Folded when the expression loads; an operation that fails (division by zero)
                // is left to fail when evaluated, at its range, as before.
                return c.folded(.number(value), type, cost: cost, range: range)
            }
            let null = nullNumber(range)
            if !c.tracing, case .number(let constant)? = right.constant {
                if let read = c.numberRead(left, null: null) {
                    // `facts.bonus * 0.3`: the field is read here, not by code of its own.
                    return c.numeric(
                        type,
                        { frame throws(EvaluationError) in try operation.apply(try read(frame), constant, range) },
                        cost: cost, range: range)
                }
                let p = c.numberCode(left, null: null)
                return c.numeric(
                    type, { frame throws(EvaluationError) in try operation.apply(try p(frame), constant, range) },
                    cost: cost, range: range)
            }
            if !c.tracing, case .number(let constant)? = left.constant {
                let q = c.numberCode(right, null: null)
                return c.numeric(
                    type, { frame throws(EvaluationError) in try operation.apply(constant, try q(frame), range) },
                    cost: cost, range: range)
            }
            let p = c.numberCode(left, null: null), q = c.numberCode(right, null: null)
            return c.numeric(
                type, { frame throws(EvaluationError) in try operation.apply(try p(frame), try q(frame), range) },
                cost: cost, range: range)
        }
        switch (left.type, op, right.type) {
        case (.string, "+", .string), (.enumeration, "+", .string), (.string, "+", .enumeration):
            return make(.string) { x, y, _ throws(EvaluationError) in
                guard case .string(let p) = x, case .string(let q) = y else {
                    throw EvaluationError("null", "a string is null", at: range)
                }
                return .string(p + q)
            }
        case (.list(let x), "+", .list(let y)):
            guard let element = c.unify(x, y) else { throw mismatch }
            return make(.list(element)) { p, q, _ throws(EvaluationError) in
                guard case .list(let first) = p, case .list(let second) = q else {
                    throw EvaluationError("null", "a list is null", at: range)
                }
                return .list(first + second)
            }
        case (.date, "+", .duration), (.date, "-", .duration), (.datetime, "+", .duration), (.datetime, "-", .duration),
            (.date, "+", .period), (.date, "-", .period), (.datetime, "+", .period), (.datetime, "-", .period):
            let sign = op == "+" ? 1 : -1
            return make(left.type) { x, y, frame throws(EvaluationError) in
                guard case .duration(let span) = y else {
                    throw EvaluationError("null", "the duration is null", at: range)
                }
                return try shift(x, by: span, sign: sign, frame: frame, range: range)
            }
        case (.duration, "+", .date), (.duration, "+", .datetime), (.period, "+", .date), (.period, "+", .datetime):
            return make(right.type) { x, y, frame throws(EvaluationError) in
                guard case .duration(let span) = x else {
                    throw EvaluationError("null", "the duration is null", at: range)
                }
                return try shift(y, by: span, sign: 1, frame: frame, range: range)
            }
        case (.date, "-", .date), (.datetime, "-", .datetime):
            return make(.duration) { x, y, _ throws(EvaluationError) in
                switch (x, y) {
                case (.date(let p), .date(let q)): return .duration(.seconds((p.number - q.number) * 86_400))
                case (.datetime(let p), .datetime(let q)): return .duration(.seconds(p.seconds - q.seconds))
                default: throw EvaluationError("null", "a date is null", at: range)
                }
            }
        case (.duration, "+", .duration), (.duration, "-", .duration), (.period, "+", .period), (.period, "-", .period):
            let sign = op == "+" ? 1 : -1
            return make(left.type) { x, y, _ throws(EvaluationError) in
                guard case .duration(let p) = x, case .duration(let q) = y else {
                    throw EvaluationError("null", "a duration is null", at: range)
                }
                switch (p, q) {
                case (.seconds, .workingDays), (.workingDays, .seconds):
                    throw EvaluationError("duration-kind", "cannot add calendar time and working days", at: range)
                default:
                    guard let sum = p.adding(q, sign: sign) else { throw durationOverflow(op, range) }
                    return .duration(sum)
                }
            }
        case (.duration, "*", .integer), (.integer, "*", .duration), (.period, "*", .integer), (.integer, "*", .period):
            return make(left.type == .integer ? right.type : left.type) { x, y, _ throws(EvaluationError) in
                switch (x, y) {
                case (.duration(let s), .number(let n)), (.number(let n), .duration(let s)):
                    guard let k = n.int, let product = s.multiplied(by: k) else { throw durationOverflow(op, range) }
                    return .duration(product)
                default: throw EvaluationError("null", "a value is null", at: range)
                }
            }
        default:
            throw mismatch
        }
    }

    /// A date or datetime moved by a duration; working days count with the unit's calendar and
    /// take a step from the budget for each day walked. Leaving the range of dates is an error.
    static func shift(_ value: Value, by span: Span, sign: Int, frame: Frame, range: TextRange)
        throws(EvaluationError) -> Value
    {
        let calendar = frame.calendar
        do throws(CalendarError) {
            switch (value, span) {
            case (.date(let day), .seconds(let s)):
                let days = (sign * s) >= 0 ? (sign * s) / 86_400 : -((-(sign * s) + 86_399) / 86_400)
                guard let moved = Day.checked(day.number + days) else { throw CalendarError.outOfRange }
                return .date(moved)
            case (.date(let day), .workingDays(let n)):
                return .date(try calendar.adding(workingDays: sign * n, to: day, steps: &frame.stepsLeft))
            case (.datetime(let instant), .seconds(let s)):
                return .datetime(try calendar.adding(.seconds(sign * s), to: instant, steps: &frame.stepsLeft))
            case (.datetime(let instant), .workingDays(let n)):
                return .datetime(try calendar.adding(.workingDays(sign * n), to: instant, steps: &frame.stepsLeft))
            case (.date(let day), .months(let n)):
                guard let moved = day.adding(months: sign * n) else { throw CalendarError.outOfRange }
                return .date(moved)
            case (.datetime(let instant), .months(let n)):
                return .datetime(try calendar.adding(months: sign * n, to: instant))
            default:
                throw CalendarError.null
            }
        } catch {
            throw EvaluationError(error.code, error.description, at: range)
        }
    }
}

/// An ordering operator, chosen when the expression loads.
enum Ordering: Sendable {
    case less, lessOrEqual, greater, greaterOrEqual

    init(_ op: String) {
        switch op {
        case "<": self = .less
        case "<=": self = .lessOrEqual
        case ">": self = .greater
        default: self = .greaterOrEqual
        }
    }

    /// Whether the operator holds for an order of -1, 0 or 1.
    @inline(__always)
    func holds(_ order: Int) -> Bool {
        switch self {
        case .less: order < 0
        case .lessOrEqual: order <= 0
        case .greater: order > 0
        case .greaterOrEqual: order >= 0
        }
    }
}

/// An arithmetic operator on numbers, chosen when the expression loads.
enum Arithmetic: Sendable {
    case add, subtract, multiply, divide, remainder

    init(_ op: String) {
        switch op {
        case "+": self = .add
        case "-": self = .subtract
        case "*": self = .multiply
        case "/": self = .divide
        default: self = .remainder
        }
    }

    /// The result, or the error evaluating it gives at `range`.
    @inline(__always)
    func apply(_ p: Number, _ q: Number, _ range: TextRange) throws(EvaluationError) -> Number {
        switch self {
        case .add:
            guard let r = Number.adding(p, q) else { throw Operators.overflow("the sum", range) }
            return r
        case .subtract:
            guard let r = Number.subtracting(p, q) else { throw Operators.overflow("the difference", range) }
            return r
        case .multiply:
            guard let r = Number.multiplying(p, q) else { throw Operators.overflow("the product", range) }
            return r
        case .divide:
            guard q != .zero else { throw EvaluationError("division-by-zero", "division by zero", at: range) }
            guard let r = Number.divide(p, q) else { throw Operators.overflow("the quotient", range) }
            return r
        case .remainder:
            guard let r = Number.remainder(p, q) else {
                throw EvaluationError("division-by-zero", "remainder of division by zero", at: range)
            }
            return r
        }
    }
}
