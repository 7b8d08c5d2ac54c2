import GridflowExpressions

/// What a step produced.
public enum Outcome: Sendable {
    /// The case moved: record the step.
    case advanced(Step)
    /// The event was refused; the case is unchanged.
    case rejected(Rejection)
    /// An expression failed while evaluating: recorded on the case, never a silent `false`.
    case incident(Incident)

    /// Whether the case moved.
    public var advanced: Bool {
        if case .advanced = self { return true }
        return false
    }
}

/// A step to commit atomically: the next case, its history entry, the timers of the state it
/// left (cancelled) and entered (started), effects for the outbox, and incidents that did not stop it.
public struct Step: Sendable {
    public var next: CaseSnapshot
    public var history: HistoryEntry
    public var startTimers: [TimerRequest]
    /// Whether the timers of the state the case was in are cancelled. Every transition leaves its
    /// state, a self-loop too: it re-enters the state and its timers start again (a reminder).
    public var cancelTimers: Bool
    public var effects: [EffectRequest]
    public var incidents: [Incident]
    /// Whether the store is to write the case's fields in full with this step: the step opens,
    /// closes (enters a final state) or migrates the case. Other steps may be stored as their
    /// changes alone, appended to the case's step log (see the store).
    public var snapshot: Bool = false

    /// The version of the case the step was computed from, which the store must still hold:
    /// none for the step that opens the case.
    public var expectedVersion: Int? { next.version == 0 ? nil : next.version - 1 }
}

/// Why an event was refused.
public struct Rejection: Error, Sendable, CustomStringConvertible {
    /// The kinds of refusal.
    public enum Code: String, Sendable {
        case unknownEvent = "unknown-event"
        case notPermitted = "not-permitted"
        case guardFalse = "guard-false"
        case invalidInput = "invalid-input"
        case caseFinished = "case-finished"
    }

    public var code: Code
    public var message: String
    /// For `guard-false`: the value of every sub-expression of the guard, to say why.
    public var trace: [(text: String, value: Value)]

    public var description: String { message }
}

/// A failure inside the engine's evaluation of a definition, kept on the case until retried.
public struct Incident: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: String
    public var message: String
    /// The transition (or timer) being evaluated.
    public var transition: String?
    /// The expression's text and where in it the failure happened.
    public var expression: String?
    public var range: TextRange?

    /// An incident with its code, message and where it happened.
    public init(
        code: String, message: String, transition: String?, expression: String? = nil, range: TextRange? = nil
    ) {
        self.code = code
        self.message = message
        self.transition = transition
        self.expression = expression
        self.range = range
    }

    public var description: String { message }
}
