import GridflowDiagnostics

/// The built-in functions.
enum Functions {
    static let names: Set<String> = [
        "has", "size", "count", "any", "all", "filter", "map", "sum", "avg", "min", "max", "round", "floor", "ceil",
        "abs", "now", "today", "date", "days_between", "working_days_between", "year", "quarter", "month", "day",
        "weekday", "start_of_month", "end_of_month", "start_of_quarter", "end_of_quarter", "start_of_half",
        "end_of_half", "start_of_year", "end_of_year", "contains", "starts_with", "ends_with", "current", "level",
        "parent", "ancestors", "ancestor_at", "title", "within",
    ]
    /// The months of the period each start_of_…/end_of_… function rounds to.
    static let periodMonths = [
        "start_of_month": 1, "end_of_month": 1, "start_of_quarter": 3, "end_of_quarter": 3, "start_of_half": 6,
        "end_of_half": 6, "start_of_year": 12, "end_of_year": 12,
    ]
    static let listFunctions: Set<String> = ["count", "any", "all", "filter", "map", "sum", "avg", "min", "max"]

    /// Whether `part` occurs in `text`, comparing code points exactly (as `starts_with` and
    /// `ends_with` do), in time linear in the lengths (Knuth–Morris–Pratt over UTF-8), so a long
    /// hostile string cannot stall an evaluation.
    static func contains(_ text: String, _ part: String) -> Bool {
        let needle = Array(part.utf8)
        guard !needle.isEmpty else { return true }
        var failure = [Int](repeating: 0, count: needle.count)
        var k = 0
        for i in 1..<max(needle.count, 1) {
            while k > 0 && needle[i] != needle[k] { k = failure[k - 1] }
            if needle[i] == needle[k] { k += 1 }
            failure[i] = k
        }
        var matched = 0
        for byte in text.utf8 {
            while matched > 0 && byte != needle[matched] { matched = failure[matched - 1] }
            if byte == needle[matched] { matched += 1 }
            if matched == needle.count { return true }
        }
        return false
    }
}

extension Compiler {
    mutating func call(_ name: String, _ nameRange: TextRange, _ arguments: [Syntax], _ range: TextRange)
        throws(ExpressionProblem) -> Typed
    {
        guard Functions.names.contains(name) else {
            throw fail(
                "unknown-function", "unknown function '\(name)'" + Suggestion.didYouMean(name, in: Functions.names),
                nameRange,
                hint: "functions: " + Functions.names.sorted().joined(separator: ", "))
        }
        func arity(_ counts: ClosedRange<Int>) throws(ExpressionProblem) {
            guard counts.contains(arguments.count) else {
                let expected =
                    counts.lowerBound == counts.upperBound
                    ? "\(counts.lowerBound)" : "\(counts.lowerBound) to \(counts.upperBound)"
                throw fail(
                    "arguments",
                    "\(name)() takes \(expected) argument\(counts.upperBound == 1 ? "" : "s"), not \(arguments.count)",
                    range)
            }
        }
        switch name {
        case "has":
            try arity(1...1)
            guard let path = Self.path(of: arguments[0]) else {
                throw fail("arguments", "has() takes a field path such as case.reporter", arguments[0].range)
            }
            let saved = narrowed
            narrowed.remove(path)
            let target = try checkLenient(arguments[0])
            narrowed = saved
            let code = target.code
            return boolean(
                { frame throws(EvaluationError) in
                    do throws(EvaluationError) {
                        if case .null = try code(frame) { return false }
                        return true
                    } catch {
                        if error.code == "null" { return false }
                        throw error
                    }
                }, cost: target.cost + 1, range: range)

        case "current":
            // current(person): the person's record as the directory holds it now, not as the
            // case stored it when the person was named.
            try arity(1...1)
            let value = try check(arguments[0])
            if value.type.isOptional { throw nullFailure(value) }
            guard case .record(let record) = value.type, let id = record.field("id"), id.type == .string else {
                throw fail("type", "current() takes a person, not \(value.type)", value.range)
            }
            guard environment.readsDirectory else {
                throw fail(
                    "no-directory", "current() reads the people directory, which is not read here", nameRange,
                    hint: "only a workflow's guards, sets, decisions, effects and timers may read current records")
            }
            let code = value.code
            let slot = id.slot
            return Typed(
                type: value.type,
                code: { frame throws(EvaluationError) in
                    guard case .record(let person) = try code(frame), case .string(let key) = person.slots[slot] else {
                        throw EvaluationError("null", "null person", at: range)
                    }
                    guard let found = frame.directory[key] else {
                        throw EvaluationError(
                            "not-in-directory", "person '\(key)' is not in the people directory", at: range)
                    }
                    return .record(found)
                }, cost: value.cost + 1, range: range)

        case "level", "parent", "ancestors", "ancestor_at", "title", "within":
            try arity(name == "within" || name == "ancestor_at" ? 2...2 : 1...1)
            return try orgFunction(name, nameRange, arguments, range)

        case "now":
            try arity(0...0)
            return Typed(type: .datetime, code: { frame in .datetime(frame.now) }, cost: 1, range: range)
        case "today":
            try arity(0...0)
            return Typed(
                type: .date, code: { frame in .date(frame.calendar.zone.day(of: frame.now)) }, cost: 1,
                range: range)

        case let list
        where Functions.listFunctions.contains(list)
            && !(["min", "max"].contains(list) && arguments.count >= 2 && !isLambda(arguments.last)):
            return try listFunction(name, arguments, range)

        case "min", "max":
            // min(a, b, …) over numbers, dates, datetimes or durations.
            let values = try arguments.map { (syntax) throws(ExpressionProblem) -> Typed in try check(syntax) }
            var type = values[0].type
            for value in values {
                if value.type.isOptional { throw nullFailure(value) }
                guard let common = unify(type, value.type),
                    [.integer, .decimal, .date, .datetime, .duration, .period].contains(common)
                else {
                    throw fail(
                        "type", "\(name)() compares numbers, dates or durations of one kind, not \(value.type)",
                        value.range)
                }
                type = common
            }
            let codes = values.map(\.code)
            let wantMax = name == "max"
            if type.isNumeric, codes.count == 2 {
                // The common min(x, cap) / max(x, floor) of two numbers, without the generic compare.
                let cost = values.reduce(1) { $0 + $1.cost }
                if !tracing, case .number(let p)? = values[0].constant, case .number(let q)? = values[1].constant {
                    return folded(.number(wantMax ? (q > p ? q : p) : (q < p ? q : p)), type, cost: cost, range: range)
                }
                let null = Operators.nullNumber(range)
                let first = numberCode(values[0], null: null), second = numberCode(values[1], null: null)
                let code: NumberCode
                if wantMax {
                    code = { frame throws(EvaluationError) in
                        let p = try first(frame), q = try second(frame)
                        return q > p ? q : p
                    }
                } else {
                    code = { frame throws(EvaluationError) in
                        let p = try first(frame), q = try second(frame)
                        return q < p ? q : p
                    }
                }
                return numeric(type, code, cost: cost, range: range)
            }
            return Typed(
                type: type,
                code: { frame throws(EvaluationError) in
                    var best = try codes[0](frame)
                    for code in codes.dropFirst() {
                        let value = try code(frame)
                        let order = try Operators.compare(value, best, range)
                        if wantMax ? order > 0 : order < 0 { best = value }
                    }
                    return best
                }, cost: values.reduce(1) { $0 + $1.cost }, range: range)

        case "round", "floor", "ceil", "abs":
            try arity(name == "round" ? 1...2 : 1...1)
            let value = try check(arguments[0])
            try require(value, .decimal, what: "the argument of \(name)()")
            var places = 0
            if arguments.count == 2 {
                guard case .literal(.number(let n), _) = arguments[1], let p = n.int, (0...10).contains(p) else {
                    throw fail(
                        "arguments", "round()'s second argument is a whole number of decimal places from 0 to 10",
                        arguments[1].range)
                }
                places = p
            }
            let digits = places
            let operation: @Sendable (Number) -> Number =
                switch name {
                case "round": { $0.rounded(digits) }
                case "floor": { $0.floor() }
                case "ceil": { $0.ceiling() }
                default: { $0.magnitude }
                }
            let type: ValueType =
                name == "abs"
                ? value.type
                : (name == "round" && places > 0
                    ? .decimal : (value.type == .integer || name != "round" ? .integer : .decimal))
            let resultType = name == "round" && places == 0 ? .integer : type
            if !tracing, case .number(let n)? = value.constant {
                return folded(.number(operation(n)), resultType, cost: value.cost + 1, range: range)
            }
            let number = numberCode(value, null: EvaluationError("null", "null number", at: range))
            if name == "round" {
                return numeric(
                    resultType, { frame throws(EvaluationError) in try number(frame).rounded(digits) },
                    cost: value.cost + 1, range: range)
            }
            return numeric(
                resultType, { frame throws(EvaluationError) in operation(try number(frame)) }, cost: value.cost + 1,
                range: range)

        case "size":
            try arity(1...1)
            let value = try check(arguments[0])
            if value.type.isOptional { throw nullFailure(value) }
            switch value.type {
            case .list, .map, .string, .enumeration: break
            default: throw fail("type", "size() takes a list, map or string, not \(value.type)", value.range)
            }
            let code = value.code
            return Typed(
                type: .integer,
                code: { frame throws(EvaluationError) in
                    switch try code(frame) {
                    case .list(let items): return .number(Number(items.count))
                    case .map(let entries): return .number(Number(entries.count))
                    case .string(let s): return .number(Number(s.count))
                    default: throw EvaluationError("null", "null value", at: range)
                    }
                }, cost: value.cost + 1, range: range)

        case "date", "year", "quarter", "month", "day", "weekday", "start_of_month", "end_of_month", "start_of_quarter",
            "end_of_quarter", "start_of_half", "end_of_half", "start_of_year", "end_of_year":
            try arity(1...1)
            let value = try check(arguments[0])
            if value.type.isOptional { throw nullFailure(value) }
            guard value.type == .date || value.type == .datetime else {
                throw fail("type", "\(name)() takes a date or datetime, not \(value.type)", value.range)
            }
            let code = value.code
            let part = name
            let months = Functions.periodMonths[name]
            let atEnd = name.hasPrefix("end_of_")
            return Typed(
                type: name == "date" || months != nil ? .date : .integer,
                code: { frame throws(EvaluationError) in
                    let day: Day
                    switch try code(frame) {
                    case .date(let d): day = d
                    case .datetime(let i): day = frame.calendar.zone.day(of: i)
                    default: throw EvaluationError("null", "null date", at: range)
                    }
                    if let months {
                        guard let bound = atEnd ? day.end(ofPeriod: months) : day.start(ofPeriod: months) else {
                            throw EvaluationError(
                                CalendarError.outOfRange.code, CalendarError.outOfRange.description, at: range)
                        }
                        return .date(bound)
                    }
                    let (y, m, d) = day.components
                    switch part {
                    case "date": return .date(day)
                    case "year": return .number(Number(y))
                    case "month": return .number(Number(m))
                    case "day": return .number(Number(d))
                    case "weekday": return .number(Number(day.weekday))
                    default: return .number(Number((m - 1) / 3 + 1))
                    }
                }, cost: value.cost + 1, range: range)

        case "days_between", "working_days_between":
            try arity(2...2)
            let from = try check(arguments[0]), to = try check(arguments[1])
            for side in [from, to] {
                if side.type.isOptional { throw nullFailure(side) }
                guard side.type == .date || side.type == .datetime else {
                    throw fail("type", "\(name)() takes dates or datetimes, not \(side.type)", side.range)
                }
            }
            let a = from.code, b = to.code
            let working = name == "working_days_between"
            return Typed(
                type: .integer,
                code: { frame throws(EvaluationError) in
                    func day(_ v: Value) throws(EvaluationError) -> Day {
                        switch v {
                        case .date(let d): return d
                        case .datetime(let i): return frame.calendar.zone.day(of: i)
                        default: throw EvaluationError("null", "null date", at: range)
                        }
                    }
                    let start = try day(try a(frame)), end = try day(try b(frame))
                    if working {
                        try frame.step(range)
                        do throws(CalendarError) {
                            return .number(
                                Number(try frame.calendar.workingDays(from: start, to: end, steps: &frame.stepsLeft)))
                        } catch {
                            throw EvaluationError(error.code, error.description, at: range)
                        }
                    }
                    return .number(Number(end.number - start.number))
                }, cost: from.cost + to.cost + 10, range: range)

        default:  // contains, starts_with, ends_with
            try arity(2...2)
            let text = try check(arguments[0]), part = try check(arguments[1])
            try require(text, .string, what: "the first argument of \(name)()")
            try require(part, .string, what: "the second argument of \(name)()")
            let a = text.code, b = part.code
            let kind = name
            return Typed(
                type: .bool,
                code: { frame throws(EvaluationError) in
                    guard case .string(let s) = try a(frame), case .string(let p) = try b(frame) else {
                        throw EvaluationError("null", "null string", at: range)
                    }
                    switch kind {
                    case "contains": return .bool(Functions.contains(s, p))
                    case "starts_with": return .bool(s.utf8.starts(with: p.utf8))
                    default: return .bool(s.utf8.reversed().starts(with: p.utf8.reversed()))
                    }
                }, cost: text.cost + part.cost + 1, range: range)
        }
    }

    private func isLambda(_ syntax: Syntax?) -> Bool {
        if case .lambda? = syntax { return true }
        return false
    }

    /// Checks a path for `has()`: optional steps along it are allowed.
    private mutating func checkLenient(_ syntax: Syntax) throws(ExpressionProblem) -> Typed {
        switch syntax {
        case .member(let base, let name, let range):
            let object = try checkLenient(base)
            guard case .record(let record) = object.type.unwrapped else {
                throw fail("no-member", "\(describe(object)) is \(object.type), which has no field '\(name)'", range)
            }
            guard let (slot, fieldType) = record.field(name) else {
                throw fail(
                    "unknown-field",
                    "\(record.name) has no field '\(name)'"
                        + Suggestion.didYouMean(name, in: record.fields.map(\.name)), range)
            }
            let baseCode = object.code
            return Typed(
                type: fieldType,
                code: { frame throws(EvaluationError) in
                    guard case .record(let value) = try baseCode(frame) else { return .null }
                    return value.slots[slot]
                }, cost: object.cost + 1, range: range, path: object.path.map { $0 + "." + name })
        default:
            return try check(syntax)
        }
    }

    /// `count`, `any`, `all`, `filter`, `map`, `sum`, `avg`, `min`, `max` over a list, with an optional lambda.
    private mutating func listFunction(_ name: String, _ arguments: [Syntax], _ range: TextRange)
        throws(ExpressionProblem) -> Typed
    {
        let needsLambda = ["any", "all", "filter", "map"].contains(name)
        guard arguments.count == (needsLambda ? 2 : arguments.count), (1...2).contains(arguments.count) else {
            throw fail(
                "arguments",
                needsLambda
                    ? "\(name)() takes a list and a lambda, e.g. \(name)(items, x -> x.done)"
                    : "\(name)() takes a list and an optional lambda", range)
        }
        let list = try check(arguments[0])
        if list.type.isOptional { throw nullFailure(list) }
        guard case .list(let element) = list.type else {
            throw fail("type", "\(name)() takes a list, not \(list.type)", list.range)
        }
        var body: Typed?
        var allocated = 0
        if arguments.count == 2 {
            guard case .lambda(let parameter, let parameterRange, let bodySyntax) = arguments[1] else {
                throw fail(
                    "arguments", "the second argument of \(name)() is a lambda, e.g. r -> r.days_open > 30",
                    arguments[1].range)
            }
            if environment.roots.contains(where: { $0.name == parameter }) {
                throw fail(
                    "shadowing",
                    "'\(parameter)' already names \(parameter); choose another name for the lambda's parameter",
                    parameterRange)
            }
            allocated = localCount
            localCount += 1
            scopes.append((parameter, allocated, element))
            defer {
                scopes.removeLast()
            }
            body = try check(bodySyntax)
        }
        let slot = allocated
        let itemType = body?.type ?? element
        let listCode = list.code
        let bodyCode = body?.code
        let cost = list.cost + environment.assumedListLength * ((body?.cost ?? 0) + 1)
        let each: @Sendable (Frame, Value) throws(EvaluationError) -> Value = { frame, item throws(EvaluationError) in
            guard let bodyCode else { return item }
            frame.locals[slot] = item
            return try bodyCode(frame)
        }
        // Fetches the list, takes one step per element from the budget up front, and makes room
        // for the lambda's variable, so the loops themselves do nothing but evaluate.
        let items: @Sendable (Frame) throws(EvaluationError) -> [Value] = { frame throws(EvaluationError) in
            guard case .list(let values) = try listCode(frame) else {
                throw EvaluationError("null", "the list is null", at: range)
            }
            frame.stepsLeft -= values.count
            if frame.stepsLeft < 0 {
                throw EvaluationError("step-budget", "evaluation took more steps than its budget allows", at: range)
            }
            if frame.locals.count <= slot {
                frame.locals.append(contentsOf: repeatElement(.null, count: slot + 1 - frame.locals.count))
            }
            return values
        }
        switch name {
        case "any", "all", "filter", "count":
            if body != nil, itemType != .bool {
                throw fail("type", "the lambda of \(name)() must give a condition (bool), not \(itemType)", body!.range)
            }
            if name == "count" && body == nil {
                return numeric(
                    .integer, { frame throws(EvaluationError) in Number(try items(frame).count) }, cost: cost,
                    range: range)
            }
            let isAny = name == "any", isAll = name == "all", isFilter = name == "filter"
            guard let body else { throw fail("arguments", "\(name)() needs a lambda", range) }
            let test = conditionCode(body, null: Self.nullCondition(range))
            if !isFilter {
                // count, any, all: the variable is set and the condition read unboxed, nothing allocated.
                let loop: @Sendable (Frame) throws(EvaluationError) -> Int = { frame throws(EvaluationError) in
                    let values = try items(frame)
                    var hits = 0
                    for index in values.indices {
                        frame.locals[slot] = values[index]
                        if try test(frame) {
                            if isAny { return 1 }
                            hits += 1
                        } else if isAll {
                            return 0
                        }
                    }
                    return isAll ? 1 : hits
                }
                if isAny || isAll {
                    return boolean({ frame throws(EvaluationError) in try loop(frame) != 0 }, cost: cost, range: range)
                }
                return numeric(
                    .integer, { frame throws(EvaluationError) in Number(try loop(frame)) }, cost: cost, range: range)
            }
            let condition = body.code
            return Typed(
                type: name == "filter" ? .list(element) : (name == "count" ? .integer : .bool),
                code: { frame throws(EvaluationError) in
                    let values = try items(frame)
                    var kept: [Value] = []
                    var hits = 0
                    for index in values.indices {
                        frame.locals[slot] = values[index]
                        guard case .bool(let b) = try condition(frame) else {
                            throw EvaluationError("null", "null condition", at: range)
                        }
                        let value = values[index]
                        if b {
                            if isAny { return .bool(true) }
                            hits += 1
                            if isFilter { kept.append(value) }
                        } else if isAll {
                            return .bool(false)
                        }
                    }
                    if isAny { return .bool(false) }
                    if isAll { return .bool(true) }
                    return isFilter ? .list(kept) : .number(Number(hits))
                }, cost: cost, range: range)
        case "map":
            return Typed(
                type: .list(itemType),
                code: { frame throws(EvaluationError) in
                    var result: [Value] = []
                    for value in try items(frame) { result.append(try each(frame, value)) }
                    return .list(result)
                }, cost: cost, range: range)
        default:  // sum, avg, min, max
            if itemType == .null, body == nil, case .list(let literal, _) = arguments[0], literal.isEmpty {
                // `[]` written out: its sum is 0; the others have no value to give.
                guard name == "sum" else { throw fail("empty-list", "\(name)() of an empty list", list.range) }
                return Typed(type: .integer, code: { _ in .number(.zero) }, cost: 1, range: range)
            }
            if itemType.isOptional {
                throw fail(
                    "nullable", "the values \(name)() works on may be null; handle them with ?? inside the lambda",
                    body?.range ?? list.range)
            }
            let numeric = itemType.isNumeric
            let ordered = [ValueType.date, .datetime, .duration, .period].contains(itemType)
            guard numeric || (["min", "max"].contains(name) && ordered) else {
                throw fail(
                    "type",
                    "\(name)() works on numbers\(["min", "max"].contains(name) ? ", dates or durations" : ""), not \(itemType)",
                    body?.range ?? list.range)
            }
            let kind = name
            let type: ValueType = name == "avg" ? .decimal : itemType
            return Typed(
                type: type,
                code: { frame throws(EvaluationError) in
                    let values = try items(frame)
                    // The exact total, rounded once by sum() or avg().
                    func total() throws(EvaluationError) -> Number.Total {
                        var total = Number.Total()
                        for value in values {
                            guard case .number(let n) = try each(frame, value) else {
                                throw EvaluationError("null", "null number", at: range)
                            }
                            total.add(n)
                        }
                        return total
                    }
                    if kind == "sum" {
                        guard let sum = try total().sum else { throw Operators.overflow("the sum", range) }
                        return .number(sum)
                    }
                    guard !values.isEmpty else {
                        throw EvaluationError("empty-list", "\(kind)() of an empty list", at: range)
                    }
                    if kind == "avg" {
                        guard let average = try total().average() else {
                            throw Operators.overflow("the average", range)
                        }
                        return .number(average)
                    }
                    var best = try each(frame, values[0])
                    for value in values.dropFirst() {
                        let candidate = try each(frame, value)
                        let order = try Operators.compare(candidate, best, range)
                        if kind == "max" ? order > 0 : order < 0 { best = candidate }
                    }
                    return best
                }, cost: cost, range: range)
        }
    }
}
