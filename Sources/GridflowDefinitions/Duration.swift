import GridflowExpressions

/// A span of time in a definition, as written: calendar time (`3d`, `36h`, `1d12h`) or working
/// days (`5wd`), which the runtime counts with the unit's calendar.
public struct Duration: Sendable, Hashable, CustomStringConvertible {
    /// What the duration counts: the expression language's `Span`.
    public typealias Amount = Span

    public var amount: Span
    /// The text as written, e.g. `5wd`.
    public var text: String

    public var description: String { text }

    /// Parses a duration, or says what is wrong with it. The grammar has no sign: a duration is
    /// zero or longer. Years and months (`1y`, `6mo`) are read only when `months` is true.
    public static func parse(_ text: String, months: Bool = false) -> Result<Duration, Span.Problem> {
        Span.parse(text, months: months).map { Duration(amount: $0, text: text.trimmingCharacters(in: .whitespaces)) }
    }
}

extension Span {
    /// Whether the span is no time at all (`0d`, `0wd`, `0h0m`).
    public var isZero: Bool {
        switch self {
        case .seconds(let n), .workingDays(let n), .months(let n): n == 0
        }
    }
}
