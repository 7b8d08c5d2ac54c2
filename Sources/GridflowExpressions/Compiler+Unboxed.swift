/// Compiled code that gives a number without boxing it in a `Value`.
typealias NumberCode = @Sendable (Frame) throws(EvaluationError) -> Number
/// Compiled code that gives a condition without boxing it in a `Value`.
typealias BoolCode = @Sendable (Frame) throws(EvaluationError) -> Bool

/// A sub-expression that reads a value where it lies: a root, a lambda's variable, or a field of
/// one. An operator reading it as a number or condition reads the slot itself, in one step.
enum Leaf: Sendable {
    case root(Int)
    case local(Int)
    /// A field of a root or lambda variable, with the errors reading it may give: the base is not
    /// a record, or a field the definition requires is null.
    case field(base: FieldBase, slot: Int, required: Bool, notRecord: EvaluationError, nullField: EvaluationError)

    enum FieldBase: Sendable {
        case root(Int)
        case local(Int)
    }
}

/// A leaf's number, read where it lies with the errors reading it may give (see `Leaf`).
struct NumberRead: Sendable {
    enum Kind: Sendable { case root, local, rootField, localField }
    let kind: Kind
    /// The root's index or the lambda variable's slot.
    let index: Int
    /// The field's slot, for a field.
    let slot: Int
    let required: Bool
    let null: EvaluationError
    var notRecord: EvaluationError? = nil
    var nullField: EvaluationError? = nil

    @inline(__always)
    func callAsFunction(_ frame: Frame) throws(EvaluationError) -> Number {
        let value: Value
        switch kind {
        case .root: value = frame.roots[index]
        case .local: value = frame.locals[index]
        case .rootField, .localField:
            guard case .record(let record) = kind == .rootField ? frame.roots[index] : frame.locals[index] else {
                throw notRecord!
            }
            value = record.slots[slot]
        }
        switch value {
        case .number(let n): return n
        case .null where required: throw nullField!
        default: throw null
        }
    }
}

extension Compiler {
    /// The code of `typed` as a number: its unboxed form when it has one (an arithmetic result, a
    /// constant), else its value unboxed, throwing `null` when it is not a number, as the place
    /// that reads it does.
    func numberCode(_ typed: Typed, null: EvaluationError) -> NumberCode {
        if let number = typed.number { return number }
        // A traced constant is read through its code, which records it.
        if !tracing, case .number(let constant)? = typed.constant { return { _ in constant } }
        if let read = numberRead(typed, null: null) {
            return { frame throws(EvaluationError) in try read(frame) }
        }
        let code = typed.code
        return { frame throws(EvaluationError) in
            guard case .number(let n) = try code(frame) else { throw null }
            return n
        }
    }

    /// A leaf's number read in place by the operator reading it, or `nil` for another sub-expression.
    func numberRead(_ typed: Typed, null: EvaluationError) -> NumberRead? {
        switch typed.leaf {
        case .root(let index)?:
            return NumberRead(kind: .root, index: index, slot: 0, required: false, null: null)
        case .local(let slot)?:
            return NumberRead(kind: .local, index: slot, slot: 0, required: false, null: null)
        case .field(.root(let index), let slot, let required, let notRecord, let nullField)?:
            return NumberRead(
                kind: .rootField, index: index, slot: slot, required: required, null: null, notRecord: notRecord,
                nullField: nullField)
        case .field(.local(let local), let slot, let required, let notRecord, let nullField)?:
            return NumberRead(
                kind: .localField, index: local, slot: slot, required: required, null: null, notRecord: notRecord,
                nullField: nullField)
        case nil:
            return nil
        }
    }

    @inline(__always)
    static func number(_ value: Value, required: Bool, nullField: EvaluationError, null: EvaluationError)
        throws(EvaluationError) -> Number
    {
        switch value {
        case .number(let n): return n
        case .null where required: throw nullField
        default: throw null
        }
    }

    /// The code of `typed` as a condition, like `numberCode`.
    func conditionCode(_ typed: Typed, null: EvaluationError) -> BoolCode {
        if let condition = typed.condition { return condition }
        if !tracing, case .bool(let constant)? = typed.constant { return { _ in constant } }
        switch typed.leaf {
        case .root(let index)?:
            return { frame throws(EvaluationError) in
                guard case .bool(let b) = frame.roots[index] else { throw null }
                return b
            }
        case .local(let slot)?:
            return { frame throws(EvaluationError) in
                guard case .bool(let b) = frame.locals[slot] else { throw null }
                return b
            }
        case .field(.root(let index), let slot, let required, let notRecord, let nullField)?:
            return { frame throws(EvaluationError) in
                guard case .record(let record) = frame.roots[index] else { throw notRecord }
                return try Self.condition(record.slots[slot], required: required, nullField: nullField, null: null)
            }
        case .field(.local(let local), let slot, let required, let notRecord, let nullField)?:
            return { frame throws(EvaluationError) in
                guard case .record(let record) = frame.locals[local] else { throw notRecord }
                return try Self.condition(record.slots[slot], required: required, nullField: nullField, null: null)
            }
        case nil:
            let code = typed.code
            return { frame throws(EvaluationError) in
                guard case .bool(let b) = try code(frame) else { throw null }
                return b
            }
        }
    }

    @inline(__always)
    static func condition(_ value: Value, required: Bool, nullField: EvaluationError, null: EvaluationError)
        throws(EvaluationError) -> Bool
    {
        switch value {
        case .bool(let b): return b
        case .null where required: throw nullField
        default: throw null
        }
    }

    /// `typed == text` (or `!=`, when `equal` is false), reading a leaf's slot in place: a value
    /// that is not a string (null) is simply not equal.
    func equalsText(_ typed: Typed, _ text: String, equal: Bool) -> BoolCode {
        switch typed.leaf {
        case .root(let index)?:
            return { frame in
                guard case .string(let s) = frame.roots[index] else { return !equal }
                return (s == text) == equal
            }
        case .field(.root(let index), let slot, let required, let notRecord, let nullField)?:
            return { frame throws(EvaluationError) in
                guard case .record(let record) = frame.roots[index] else { throw notRecord }
                return try Self.equals(record.slots[slot], text, equal, required: required, nullField: nullField)
            }
        case .field(.local(let local), let slot, let required, let notRecord, let nullField)?:
            return { frame throws(EvaluationError) in
                guard case .record(let record) = frame.locals[local] else { throw notRecord }
                return try Self.equals(record.slots[slot], text, equal, required: required, nullField: nullField)
            }
        default:
            let code = typed.code
            return { frame throws(EvaluationError) in
                guard case .string(let s) = try code(frame) else { return !equal }
                return (s == text) == equal
            }
        }
    }

    @inline(__always)
    static func equals(_ value: Value, _ text: String, _ equal: Bool, required: Bool, nullField: EvaluationError)
        throws(EvaluationError) -> Bool
    {
        switch value {
        case .string(let s): return (s == text) == equal
        case .null where required: throw nullField
        default: return !equal
        }
    }

    /// Whether `typed` gives a number that is never null: an arithmetic result or a number constant.
    func givesNumber(_ typed: Typed) -> Bool {
        if typed.number != nil { return true }
        if !tracing, case .number? = typed.constant { return true }
        return false
    }

    /// A typed number result: the unboxed code, and the boxed code built on it.
    func numeric(_ type: ValueType, _ number: @escaping NumberCode, cost: Int, range: TextRange) -> Typed {
        Typed(
            type: type, code: { frame throws(EvaluationError) in .number(try number(frame)) }, cost: cost,
            range: range, number: number)
    }

    /// A typed condition result: the unboxed code, and the boxed code built on it.
    func boolean(_ condition: @escaping BoolCode, cost: Int, range: TextRange) -> Typed {
        Typed(
            type: .bool, code: { frame throws(EvaluationError) in .bool(try condition(frame)) }, cost: cost,
            range: range, condition: condition)
    }

    /// A value known when the expression loads (constant folding): its code gives it, and
    /// operators specialise on it. Only where nothing is traced, so `--explain` still lists every
    /// sub-expression.
    func folded(_ value: Value, _ type: ValueType, cost: Int, range: TextRange) -> Typed {
        Typed(type: type, code: { _ in value }, cost: cost, range: range, constant: value)
    }

    /// `.null` as the constant error of a null condition at `range`.
    static func nullCondition(_ range: TextRange) -> EvaluationError {
        EvaluationError("null", "null condition", at: range)
    }
}
