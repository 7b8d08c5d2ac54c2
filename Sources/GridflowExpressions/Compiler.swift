import GridflowDiagnostics

/// Type-checks a syntax tree against an environment and compiles it to closures.
///
/// Names resolve to root and record slots here, once, so evaluation never looks a field up by
/// name. Optional values must be handled with `??` or `has()`; `has(path)` narrows the path
/// to non-optional on the right of `and`, in the `then` branch of `? :`, and on the right of
/// `or` after `not has(path)`.
public struct Compiler {
    public let environment: Environment
    /// Record the value of every sub-expression (for `--explain`).
    public var tracing = false

    var scopes: [(name: String, slot: Int, type: ValueType)] = []
    var localCount = 0
    var narrowed: Set<String> = []

    public init(environment: Environment, tracing: Bool = false) {
        self.environment = environment
        self.tracing = tracing
    }

    /// Parses, checks and compiles `text`; `expecting` is the type the place requires, if any.
    public static func compile(
        _ text: String, in environment: Environment, expecting: ValueType? = nil, tracing: Bool = false
    ) throws(ExpressionProblem) -> CompiledExpression {
        let syntax = try Parser.parse(text)
        var compiler = Compiler(environment: environment, tracing: tracing)
        var typed = try compiler.check(syntax)
        if let expecting {
            // A string literal where an enum is expected is one of its values (or a typo).
            if case .enumeration = expecting.unwrapped, typed.type == .string || typed.type == .list(.string) {
                try compiler.checkEnumLiteral(
                    Typed(type: expecting, code: typed.code, cost: 0, range: typed.range), syntax)
                if case .literal = syntax { typed.type = expecting.unwrapped }
            }
            if case .list(let element) = expecting.unwrapped, case .enumeration = element.unwrapped, case .list = syntax
            {
                try compiler.checkEnumLiteral(
                    Typed(type: element, code: typed.code, cost: 0, range: typed.range), syntax)
                typed.type = expecting.unwrapped
            }
            try compiler.require(typed, expecting, what: "the expression")
        }
        if typed.cost > environment.costCeiling {
            throw ExpressionProblem(
                "cost",
                "the expression may take about \(typed.cost) steps, more than the ceiling of \(environment.costCeiling)",
                at: typed.range,
                hint: "nested list operations multiply; simplify the expression or raise the ceiling")
        }
        return CompiledExpression(type: typed.type, cost: typed.cost, code: typed.code)
    }

    /// The fields a guard proves present with `has(case.FIELD)` (joined by `and`), so the
    /// transition's `set` and effects, which run only when the guard holds, may read them.
    public static func presentFields(inGuard text: String, root: String) -> Set<String> {
        guard let syntax = try? Parser.parse(text) else { return [] }
        let prefix = root + "."
        return Set(
            hasPaths(syntax, positive: true).compactMap { path in
                guard path.hasPrefix(prefix) else { return nil }
                let rest = path.dropFirst(prefix.count)
                return rest.contains(".") || rest.contains("[") ? nil : String(rest)
            })
    }

    /// Whether an expression calls the function `name` (`false` when the text does not parse).
    public static func calls(_ name: String, in text: String) -> Bool {
        guard let syntax = try? Parser.parse(text) else { return false }
        func walk(_ syntax: Syntax) -> Bool {
            switch syntax {
            case .literal, .null, .name: false
            case .member(let base, _, _): walk(base)
            case .index(let base, let index, _): walk(base) || walk(index)
            case .list(let items, _): items.contains(where: walk)
            case .call(let called, _, let arguments, _): called == name || arguments.contains(where: walk)
            case .lambda(_, _, let body): walk(body)
            case .unary(_, let operand, _): walk(operand)
            case .binary(_, let left, let right, _): walk(left) || walk(right)
            case .conditional(let condition, let then, let otherwise, _):
                walk(condition) || walk(then) || walk(otherwise)
            case .parenthesized(let inner, _): walk(inner)
            }
        }
        return walk(syntax)
    }

    /// What an expression reads of a root: the members it names (`case.reporter` reads
    /// `reporter`), and whether it reads the root whole or by index (`case`, `case[key]`), which
    /// may be any member. `nil` when the text does not parse. A lambda's parameter of the same
    /// name is counted as the root too, so the answer is never less than what is read.
    public static func reads(of text: String, root: String) -> RootReads? {
        guard let syntax = try? Parser.parse(text) else { return nil }
        var reads = RootReads()
        func walk(_ syntax: Syntax) {
            switch syntax {
            case .literal, .null: break
            case .name(let name, _): if name == root { reads.whole = true }
            case .member(let base, let name, _):
                if case .name(root, _) = unparenthesized(base) {
                    reads.members.insert(name)
                } else {
                    walk(base)
                }
            case .index(let base, let index, _):
                walk(base)
                walk(index)
            case .list(let items, _): items.forEach(walk)
            case .call(_, _, let arguments, _): arguments.forEach(walk)
            case .lambda(_, _, let body): walk(body)
            case .unary(_, let operand, _): walk(operand)
            case .binary(_, let left, let right, _):
                walk(left)
                walk(right)
            case .conditional(let condition, let then, let otherwise, _):
                walk(condition)
                walk(then)
                walk(otherwise)
            case .parenthesized(let inner, _): walk(inner)
            }
        }
        func unparenthesized(_ syntax: Syntax) -> Syntax {
            if case .parenthesized(let inner, _) = syntax { return unparenthesized(inner) }
            return syntax
        }
        walk(syntax)
        return reads
    }

    /// A checked sub-expression.
    struct Typed {
        var type: ValueType
        var code: Code
        var cost: Int
        var range: TextRange
        /// The access path (`case.reporter`) for `has()` and narrowing.
        var path: String?
        /// The value, when it is a literal or folded from literals: operators specialise on it.
        var constant: Value? = nil
        /// The number, unboxed, when the sub-expression always gives one (never null).
        var number: NumberCode? = nil
        /// The condition, unboxed, when the sub-expression always gives one (never null).
        var condition: BoolCode? = nil
        /// Where the value lies, when the sub-expression only reads it.
        var leaf: Leaf? = nil
    }

    func fail(_ code: String, _ message: String, _ range: TextRange, hint: String? = nil) -> ExpressionProblem {
        ExpressionProblem(code, message, at: range, hint: hint)
    }

    /// Wraps code so it records its value when tracing.
    func traced(_ code: @escaping Code, _ range: TextRange) -> Code {
        guard tracing else { return code }
        return { frame throws(EvaluationError) in
            let value = try code(frame)
            frame.record(range, value)
            return value
        }
    }

    mutating func check(_ syntax: Syntax) throws(ExpressionProblem) -> Typed {
        var typed = try checkUntraced(syntax)
        if tracing {
            // Whoever reads a traced sub-expression goes through its traced code.
            typed.code = traced(typed.code, typed.range)
            typed.number = nil
            typed.condition = nil
            typed.leaf = nil
        }
        return typed
    }

    private mutating func checkUntraced(_ syntax: Syntax) throws(ExpressionProblem) -> Typed {
        switch syntax {
        case .literal(let value, let range):
            let type: ValueType =
                switch value {
                case .bool: .bool
                case .number(let n): n.scale == 0 ? .integer : .decimal
                case .string: .string
                case .date: .date
                case .datetime: .datetime
                case .duration(let span): span.isMonths ? .period : .duration
                default: .null
                }
            return Typed(type: type, code: { _ in value }, cost: 1, range: range, constant: value)
        case .null(let range):
            return Typed(type: .null, code: { _ in .null }, cost: 1, range: range)
        case .list(let items, let range):
            return try list(items, range)
        case .name(let name, let range):
            return try self.name(name, range)
        case .member(let base, let name, let range):
            return try member(base, name, range)
        case .index(let base, let index, let range):
            return try self.index(base, index, range)
        case .call(let name, let nameRange, let arguments, let range):
            return try call(name, nameRange, arguments, range)
        case .lambda(_, let range, let body):
            throw fail("syntax", "a lambda (x -> …) can only be an argument of a list function", range.to(body.range))
        case .unary(let op, let operand, let range):
            return try unary(op, operand, range)
        case .binary(let op, let left, let right, let range):
            return try binary(op, left, right, range)
        case .conditional(let condition, let then, let otherwise, let range):
            return try conditional(condition, then, otherwise, range)
        case .parenthesized(let inner, let range):
            var typed = try checkUntraced(inner)
            typed.range = range
            return typed
        }
    }

    // MARK: Names

    private mutating func name(_ name: String, _ range: TextRange) throws(ExpressionProblem) -> Typed {
        if let local = scopes.last(where: { $0.name == name }) {
            let slot = local.slot
            return Typed(
                type: local.type, code: { frame in frame.locals[slot] }, cost: 1, range: range, path: name,
                leaf: .local(slot))
        }
        if let index = environment.roots.firstIndex(where: { $0.name == name }) {
            let type = environment.roots[index].type
            let narrowedType = narrowed.contains(name) ? type.unwrapped : type
            return Typed(
                type: narrowedType, code: { frame in frame.roots[index] }, cost: 1, range: range, path: name,
                leaf: .root(index))
        }
        let known = scopes.map(\.name) + environment.roots.map(\.name)
        if Functions.names.contains(name) {
            throw fail("syntax", "'\(name)' is a function; call it as \(name)(…)", range)
        }
        throw fail(
            "unknown-name", "unknown name '\(name)'" + Suggestion.didYouMean(name, in: known), range,
            hint: known.isEmpty ? nil : "names here: " + known.joined(separator: ", "))
    }

    private mutating func member(_ base: Syntax, _ name: String, _ range: TextRange) throws(ExpressionProblem) -> Typed
    {
        let object = try check(base)
        let path = object.path.map { $0 + "." + name }
        guard case .record(let record) = object.type.unwrapped else {
            throw fail("no-member", "\(describe(object)) is \(object.type), which has no field '\(name)'", range)
        }
        if object.type.isOptional {
            throw nullFailure(object)
        }
        guard let (slot, fieldType) = record.field(name) else {
            throw fail(
                "unknown-field",
                "\(record.name) has no field '\(name)'" + Suggestion.didYouMean(name, in: record.fields.map(\.name)),
                TextRange(
                    offset: range.offset + range.length - name.unicodeScalars.count, length: name.unicodeScalars.count),
                hint: "fields: " + record.fields.map(\.name).prefix(20).joined(separator: ", "))
        }
        let type = path.map { narrowed.contains($0) } == true ? fieldType.unwrapped : fieldType
        let baseCode = object.code
        let required = !type.isOptional
        // `root.field` and `x.field` on a lambda's variable read the slot in one step.
        if !tracing, case .name(let baseName, _) = base {
            let notRecord = EvaluationError("null", "a value on the way to '\(name)' is null", at: range)
            let nullField = EvaluationError("null", "'\(name)' is null, but the definition expects a value", at: range)
            if let local = scopes.last(where: { $0.name == baseName }) {
                let localSlot = local.slot
                let code: Code = { frame throws(EvaluationError) in
                    try Self.field(slot, of: frame.locals[localSlot], required: required, name: name, range: range)
                }
                return Typed(
                    type: type, code: code, cost: object.cost + 1, range: range, path: path,
                    leaf: .field(
                        base: .local(localSlot), slot: slot, required: required, notRecord: notRecord,
                        nullField: nullField))
            } else if let index = environment.roots.firstIndex(where: { $0.name == baseName }) {
                let code: Code = { frame throws(EvaluationError) in
                    try Self.field(slot, of: frame.roots[index], required: required, name: name, range: range)
                }
                return Typed(
                    type: type, code: code, cost: object.cost + 1, range: range, path: path,
                    leaf: .field(
                        base: .root(index), slot: slot, required: required, notRecord: notRecord,
                        nullField: nullField))
            }
        }
        let code: Code = { frame throws(EvaluationError) in
            try Self.field(slot, of: try baseCode(frame), required: required, name: name, range: range)
        }
        return Typed(type: type, code: code, cost: object.cost + 1, range: range, path: path)
    }

    /// A record's field, checking that a required field holds a value.
    @inline(__always)
    static func field(_ slot: Int, of base: Value, required: Bool, name: String, range: TextRange)
        throws(EvaluationError)
        -> Value
    {
        guard case .record(let value) = base else {
            throw EvaluationError("null", "a value on the way to '\(name)' is null", at: range)
        }
        let field = value.slots[slot]
        if required, case .null = field {
            throw EvaluationError("null", "'\(name)' is null, but the definition expects a value", at: range)
        }
        return field
    }

    private mutating func index(_ base: Syntax, _ index: Syntax, _ range: TextRange) throws(ExpressionProblem) -> Typed
    {
        let object = try check(base)
        let key = try check(index)
        if object.type.isOptional { throw nullFailure(object) }
        let baseCode = object.code, keyCode = key.code
        switch object.type {
        case .list(let element):
            try require(key, .integer, what: "a list index")
            let code: Code = { frame throws(EvaluationError) in
                guard case .list(let items) = try baseCode(frame), case .number(let n) = try keyCode(frame) else {
                    throw EvaluationError("null", "null list or index", at: range)
                }
                guard let i = n.int, i >= 0, i < items.count else {
                    throw EvaluationError("index", "index \(n) is outside the list of \(items.count)", at: range)
                }
                return items[i]
            }
            return Typed(type: element, code: code, cost: object.cost + key.cost + 1, range: range)
        case .map(let keyType, let valueType):
            try require(key, keyType, what: "a map key")
            let code: Code = { frame throws(EvaluationError) in
                guard case .map(let entries) = try baseCode(frame) else {
                    throw EvaluationError("null", "the map is null", at: range)
                }
                return entries[try keyCode(frame)] ?? .null
            }
            let path = object.path.flatMap { p in literalKey(index).map { p + "[" + $0 + "]" } }
            let type = path.map { narrowed.contains($0) } == true ? valueType.unwrapped : valueType.optional
            return Typed(type: type, code: code, cost: object.cost + key.cost + 1, range: range, path: path)
        default:
            throw fail("no-index", "\(describe(object)) is \(object.type); only lists and maps take [ ]", range)
        }
    }

    private func literalKey(_ syntax: Syntax) -> String? {
        if case .literal(let value, _) = syntax { return value.description }
        return nil
    }

    func describe(_ typed: Typed) -> String {
        typed.path ?? "this value"
    }

    func nullFailure(_ typed: Typed) -> ExpressionProblem {
        let path = typed.path ?? "this value"
        return fail(
            "nullable", "\(path) may be null; handle it with ?? or has(\(path))", typed.range,
            hint: "e.g. (\(path) ?? DEFAULT), or has(\(path)) and …")
    }

    // MARK: Type rules

    /// Requires `typed` to fit `type` (integers fit decimals; enums fit strings).
    func require(_ typed: Typed, _ type: ValueType, what: String) throws(ExpressionProblem) {
        if fits(typed.type, type) { return }
        if typed.type.isOptional, fits(typed.type.unwrapped, type) { throw nullFailure(typed) }
        var message =
            type == .bool
            ? "\(what) must be a condition (bool), not \(typed.type)" : "\(what) must be \(type), not \(typed.type)"
        if case .enumeration(let name, let values) = type.unwrapped,
            case .enumeration(_, let actual) = typed.type.unwrapped
        {
            let missing = actual.filter { !values.contains($0) }
            if !missing.isEmpty {
                message +=
                    ", which may also be " + missing.map { "'\($0)'" }.joined(separator: ", ")
                    + ", not a value of \(name)"
            }
        }
        throw fail("type", message, typed.range)
    }

    func fits(_ actual: ValueType, _ expected: ValueType) -> Bool {
        if actual == expected { return true }
        switch (actual, expected) {
        case (.integer, .decimal): return true
        case (.enumeration, .string): return true
        case (.enumeration(_, let a), .enumeration(_, let b)): return Set(a).isSubset(of: Set(b))
        case (.null, .optional): return true
        case (.optional(let a), .optional(let b)): return fits(a, b)
        case (_, .optional(let b)): return fits(actual, b)
        case (.list(.null), .list): return true  // the empty list
        case (.list(let a), .list(let b)): return fits(a, b)
        default: return false
        }
    }

    /// The common type of two branches, or `nil`.
    func unify(_ a: ValueType, _ b: ValueType) -> ValueType? {
        if fits(a, b) { return b }
        if fits(b, a) { return a }
        if a == .null { return b.optional }
        if b == .null { return a.optional }
        if case .enumeration = a, b == .string { return .string }
        if case .optional(let x) = a, let inner = unify(x, b.unwrapped) { return inner.optional }
        if case .optional(let y) = b, let inner = unify(a.unwrapped, y) { return inner.optional }
        return nil
    }

    /// Rejects comparing an enum with a string literal it does not have.
    func checkEnumLiteral(_ enumSide: Typed, _ other: Syntax) throws(ExpressionProblem) {
        guard case .enumeration(let name, let values) = enumSide.type.unwrapped else { return }
        let literals: [(String, TextRange)]
        switch other {
        case .literal(.string(let s), let range): literals = [(s, range)]
        case .list(let items, _):
            literals = items.compactMap { if case .literal(.string(let s), let r) = $0 { (s, r) } else { nil } }
        default: literals = []
        }
        for (text, range) in literals where !values.contains(text) {
            throw fail(
                "enum-value", "\(name) has no value '\(text)'" + Suggestion.didYouMean(text, in: values), range,
                hint: "values: " + values.joined(separator: ", "))
        }
    }
}

/// What an expression reads of one root (`Compiler.reads(of:root:)`).
public struct RootReads: Sendable, Hashable {
    /// The members named: `case.reporter` reads `reporter`.
    public var members: Set<String> = []
    /// Whether the root is read whole or by index, so any member may be read.
    public var whole = false

    /// Nothing read.
    public init() {}

    /// Whether `member` is, or may be, read.
    public func reads(_ member: String) -> Bool { whole || members.contains(member) }
}
