/// A run-time failure of an expression, at the range of the sub-expression that failed.
///
/// The runtime records it as an incident on the case; it is never turned into `false`.
public struct EvaluationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: String
    public var message: String
    public var range: TextRange

    public init(_ code: String, _ message: String, at range: TextRange) {
        self.code = code
        self.message = message
        self.range = range
    }

    public var description: String { "\(code): \(message)" }
}

/// The mutable state of one evaluation: the values of the roots, lambda variables, the clock,
/// the calendar, the step budget and, when asked for, the trace.
public final class Frame {
    // A frame belongs to one evaluation on one task, so the run-time exclusivity checks Swift
    // would make on every access to these properties are switched off: they cost more than the
    // evaluation itself on the hot path.
    /// Root values in the order of `Environment.roots`.
    @exclusivity(unchecked) public var roots: [Value]
    @exclusivity(unchecked) var locals: [Value]
    public var now: Instant
    public var calendar: WorkCalendar
    /// Steps left before evaluation stops with `step-budget`.
    @exclusivity(unchecked) public var stepsLeft: Int
    /// The value of every sub-expression evaluated, in order, when tracing.
    public var trace: [(range: TextRange, value: Value)]?
    /// People's current directory records by id, for `current(person)`: those the caller
    /// loaded for this evaluation (the people a case names and the actor).
    public var directory: [String: Record] = [:]

    public init(
        roots: [Value], now: Instant = Instant(seconds: 0), calendar: WorkCalendar = WorkCalendar(),
        stepBudget: Int = 1_000_000, tracing: Bool = false
    ) {
        self.roots = roots
        self.locals = []
        self.now = now
        self.calendar = calendar
        self.stepsLeft = stepBudget
        self.trace = tracing ? [] : nil
    }

    /// The most sub-expression values a trace keeps; a list function over a million elements
    /// would otherwise trace a million lines.
    public static let traceLimit = 1_000
    /// Values evaluated after the trace was full.
    public private(set) var untraced = 0

    func record(_ range: TextRange, _ value: Value) {
        guard trace != nil else { return }
        if trace!.count < Self.traceLimit { trace!.append((range, value)) } else { untraced += 1 }
    }

    @inline(__always)
    func step(_ range: TextRange) throws(EvaluationError) {
        stepsLeft -= 1
        if stepsLeft < 0 {
            throw EvaluationError("step-budget", "evaluation took more steps than its budget allows", at: range)
        }
    }
}

/// Compiled code: a closure over the frame.
typealias Code = @Sendable (Frame) throws(EvaluationError) -> Value

/// What an expression may read: named roots with their types (`case`, `person`, `facts`…).
public struct Environment: Sendable {
    public var roots: [(name: String, type: ValueType)]
    /// The largest list length assumed when estimating cost.
    public var assumedListLength: Int
    /// Expressions whose estimated cost exceeds this are rejected when they load.
    public var costCeiling: Int
    /// Whether `current(person)` may read people's directory records here (a workflow's
    /// expressions, evaluated by the engine, which loads them).
    public var readsDirectory = false
    /// The unit's org tree, for `level`, `parent`, `ancestors`, `title` and `within`; `nil`
    /// where no unit's tree is known (those functions are then refused).
    public var org: OrgTree?

    public init(roots: [(name: String, type: ValueType)], assumedListLength: Int = 1_000, costCeiling: Int = 1_000_000)
    {
        self.roots = roots
        self.assumedListLength = assumedListLength
        self.costCeiling = costCeiling
    }
}

/// A checked, compiled expression, ready to evaluate many times.
public struct CompiledExpression: Sendable {
    /// The expression's static type.
    public let type: ValueType
    /// The estimated worst-case number of steps.
    public let cost: Int
    let code: Code

    /// Evaluates the expression.
    public func evaluate(_ frame: Frame) throws(EvaluationError) -> Value {
        try code(frame)
    }
}
