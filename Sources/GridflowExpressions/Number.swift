import Foundation

/// An exact decimal number. Gridflow never uses binary floating point for values:
/// `0.1 + 0.2 == 0.3`, and rounding is half up (四舍五入), as appraisal scores are rounded.
public struct Number: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The value, as Foundation's decimal (38 significant digits).
    public var decimal: Decimal

    public init(_ decimal: Decimal) { self.decimal = decimal }
    public init(_ int: Int) { self.decimal = Decimal(int) }

    /// Parses `12`, `-0.5`, `1e3`; `nil` when not a number.
    public init?(_ text: String) {
        guard let first = text.first, first.isNumber || first == "-" || first == "+" || first == ".",
            let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), !value.isNaN
        else { return nil }
        decimal = value
    }

    public static let zero = Number(0)

    /// Whether the number has no fractional part.
    public var isInteger: Bool {
        var value = decimal
        var whole = Decimal()
        NSDecimalRound(&whole, &value, 0, .down)
        return whole == decimal
    }

    /// The value as an `Int`, if it is an integer in range.
    public var int: Int? {
        guard isInteger, decimal >= Decimal(Int.min), decimal <= Decimal(Int.max) else { return nil }
        return NSDecimalNumber(decimal: decimal).intValue
    }

    public static func + (a: Number, b: Number) -> Number { Number(a.decimal + b.decimal) }
    public static func - (a: Number, b: Number) -> Number { Number(a.decimal - b.decimal) }
    public static func * (a: Number, b: Number) -> Number { Number(a.decimal * b.decimal) }
    public static prefix func - (a: Number) -> Number { Number(-a.decimal) }

    /// `a / b`, or `nil` when `b` is zero (a defined error for the caller, never infinity).
    public static func divide(_ a: Number, _ b: Number) -> Number? {
        b.decimal == 0 ? nil : Number(a.decimal / b.decimal)
    }

    /// The remainder of truncating division, or `nil` when `b` is zero.
    public static func remainder(_ a: Number, _ b: Number) -> Number? {
        guard b.decimal != 0 else { return nil }
        var quotient = a.decimal / b.decimal
        var whole = Decimal()
        NSDecimalRound(&whole, &quotient, 0, .down)
        return Number(a.decimal - whole * b.decimal)
    }

    /// Rounds to `places` decimal places, half away from zero (四舍五入): 2.345 → 2.35, -2.5 → -3.
    public func rounded(_ places: Int = 0) -> Number {
        var value = decimal
        var result = Decimal()
        NSDecimalRound(&result, &value, places, .plain)
        return Number(result)
    }

    /// Rounds down (towards negative infinity) to a whole number.
    public func floor() -> Number {
        var value = decimal
        var result = Decimal()
        NSDecimalRound(&result, &value, 0, .down)
        return Number(result)
    }

    /// Rounds up (towards positive infinity) to a whole number.
    public func ceiling() -> Number {
        var value = decimal
        var result = Decimal()
        NSDecimalRound(&result, &value, 0, .up)
        return Number(result)
    }

    public var magnitude: Number { decimal < 0 ? -self : self }

    public static func < (a: Number, b: Number) -> Bool { a.decimal < b.decimal }

    public var description: String { decimal.description }
}
