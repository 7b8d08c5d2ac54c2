/// An exact decimal number. Gridflow never uses binary floating point for values:
/// `0.1 + 0.2 == 0.3`, and rounding is half away from zero (四舍五入), as appraisal scores are
/// rounded.
///
/// A number is a 128-bit integer mantissa and a decimal scale (`mantissa / 10^scale`), which
/// holds 38 significant digits and adds, multiplies and compares in a few machine
/// instructions. Products keep at most `maximumScale` decimal places; quotients are computed to
/// that many places and rounded half away from zero.
public struct Number: Sendable, Hashable, Comparable, CustomStringConvertible {
    public private(set) var mantissa: Int128
    public private(set) var scale: Int

    /// The most decimal places a product or quotient keeps.
    public static let maximumScale = 18

    /// 10^n for n in 0...38, without touching a global (which Swift guards with a lazy-init check).
    @inline(__always)
    static func power(_ n: Int) -> Int128 {
        switch n {
        case 0: return 1
        case 1: return 10
        case 2: return 100
        case 3: return 1000
        case 4: return 10000
        case 5: return 100000
        case 6: return 1000000
        case 7: return 10000000
        case 8: return 100000000
        case 9: return 1000000000
        case 10: return 10000000000
        case 11: return 100000000000
        case 12: return 1000000000000
        case 13: return 10000000000000
        case 14: return 100000000000000
        case 15: return 1000000000000000
        case 16: return 10000000000000000
        case 17: return 100000000000000000
        case 18: return 1000000000000000000
        case 19: return 10000000000000000000
        case 20: return 100000000000000000000
        case 21: return 1000000000000000000000
        case 22: return 10000000000000000000000
        case 23: return 100000000000000000000000
        case 24: return 1000000000000000000000000
        case 25: return 10000000000000000000000000
        case 26: return 100000000000000000000000000
        case 27: return 1000000000000000000000000000
        case 28: return 10000000000000000000000000000
        case 29: return 100000000000000000000000000000
        case 30: return 1000000000000000000000000000000
        case 31: return 10000000000000000000000000000000
        case 32: return 100000000000000000000000000000000
        case 33: return 1000000000000000000000000000000000
        case 34: return 10000000000000000000000000000000000
        case 35: return 100000000000000000000000000000000000
        case 36: return 1000000000000000000000000000000000000
        case 37: return 10000000000000000000000000000000000000
        case 38: return 100000000000000000000000000000000000000
        default: preconditionFailure("10^\(n) is beyond 38 digits")
        }
    }

    public init(mantissa: Int128, scale: Int) {
        self.mantissa = mantissa
        self.scale = scale
    }

    public init(_ int: Int) {
        self.init(mantissa: Int128(int), scale: 0)
    }

    /// Parses `12`, `-0.5`, `1e3`, `2.5E-2`; `nil` when not a number or beyond 38 digits.
    public init?(_ text: some StringProtocol) {
        var chars = Substring(text).utf8[...]
        var negative = false
        if let first = chars.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            chars = chars.dropFirst()
        }
        var mantissa: Int128 = 0
        var scale = 0
        var digits = 0
        var seenPoint = false
        var seenDigit = false
        while let c = chars.first {
            if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                seenDigit = true
                if digits > 0 || c != UInt8(ascii: "0") { digits += 1 }
                guard digits <= 38 else { return nil }
                mantissa = mantissa * 10 + Int128(c - UInt8(ascii: "0"))
                if seenPoint { scale += 1 }
            } else if c == UInt8(ascii: "."), !seenPoint {
                seenPoint = true
            } else {
                break
            }
            chars = chars.dropFirst()
        }
        guard seenDigit else { return nil }
        if let e = chars.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            chars = chars.dropFirst()
            guard let exponent = Int(String(decoding: chars, as: UTF8.self)), abs(exponent) <= 38 else { return nil }
            chars = chars.dropFirst(chars.count)
            scale -= exponent
            if scale < 0 {
                guard digits - scale <= 38 else { return nil }
                mantissa *= Self.power(-scale)
                scale = 0
            }
            guard scale <= 38 else { return nil }
        }
        guard chars.isEmpty else { return nil }
        self.init(mantissa: negative ? -mantissa : mantissa, scale: scale)
    }

    public static let zero = Number(0)

    /// Whether the number has no fractional part.
    public var isInteger: Bool { scale == 0 || mantissa % Self.power(scale) == 0 }

    /// The value as an `Int`, if it is an integer in range.
    public var int: Int? {
        guard isInteger else { return nil }
        return Int(exactly: mantissa / Self.power(scale))
    }

    /// Whether a mantissa fits 62 bits, where products of two fit 128 bits without a check.
    @inline(__always)
    static func isSmall(_ m: Int128) -> Bool {
        m >= -0x3FFF_FFFF_FFFF_FFFF && m <= 0x3FFF_FFFF_FFFF_FFFF
    }

    /// `m * 10^n`, or `nil` on overflow.
    @inline(__always)
    static func scaled(_ m: Int128, by n: Int) -> Int128? {
        if n <= 18, isSmall(m) { return m &* power(n) }
        let (result, overflow) = m.multipliedReportingOverflow(by: power(n))
        return overflow ? nil : result
    }

    /// Both mantissas at the larger scale, or `nil` on overflow.
    @inline(__always)
    static func aligned(_ a: Number, _ b: Number) -> (Int128, Int128, Int)? {
        if a.scale == b.scale { return (a.mantissa, b.mantissa, a.scale) }
        if a.scale < b.scale {
            guard let m = scaled(a.mantissa, by: b.scale - a.scale) else { return nil }
            return (m, b.mantissa, b.scale)
        }
        guard let m = scaled(b.mantissa, by: a.scale - b.scale) else { return nil }
        return (a.mantissa, m, a.scale)
    }

    /// `a + b`, or `nil` beyond 38 digits.
    public static func adding(_ a: Number, _ b: Number) -> Number? {
        guard let (x, y, scale) = aligned(a, b) else { return nil }
        let (sum, overflow) = x.addingReportingOverflow(y)
        return overflow ? nil : Number(mantissa: sum, scale: scale)
    }

    /// `a * b` (kept to 18 decimal places), or `nil` beyond 38 digits.
    public static func multiplying(_ a: Number, _ b: Number) -> Number? {
        let product: Int128
        if isSmall(a.mantissa) && isSmall(b.mantissa) {
            product = a.mantissa &* b.mantissa
        } else {
            let (full, overflow) = a.mantissa.multipliedReportingOverflow(by: b.mantissa)
            guard !overflow else { return nil }
            product = full
        }
        let result = Number(mantissa: product, scale: a.scale + b.scale)
        return result.scale > maximumScale ? result.rounded(maximumScale) : result
    }

    /// `a + b`; traps beyond 38 digits (evaluation uses `adding`, which reports it).
    public static func + (a: Number, b: Number) -> Number { adding(a, b)! }
    /// `a - b`; traps beyond 38 digits.
    public static func - (a: Number, b: Number) -> Number { adding(a, -b)! }
    /// `a * b`; traps beyond 38 digits.
    public static func * (a: Number, b: Number) -> Number { multiplying(a, b)! }

    public static prefix func - (a: Number) -> Number { Number(mantissa: -a.mantissa, scale: a.scale) }

    /// `a / b` to 18 decimal places, rounded half away from zero; `nil` when `b` is zero or the
    /// quotient has more than 38 digits.
    public static func divide(_ a: Number, _ b: Number) -> Number? {
        guard b.mantissa != 0 else { return nil }
        // a/b = (a.m * 10^k / b.m) * 10^-(a.s + k - b.s): as many places as fit, up to 19, then round to 18.
        var k = maximumScale + 1 + b.scale - a.scale
        while k >= 0 {
            if k <= 38 {
                let (numerator, overflow) = a.mantissa.multipliedReportingOverflow(by: power(k))
                let scale = a.scale + k - b.scale
                if !overflow, scale >= 0 {
                    return Number(mantissa: numerator / b.mantissa, scale: scale).rounded(maximumScale).trimmed()
                }
                if !overflow { return nil }
            }
            k -= 1
        }
        return nil
    }

    /// The remainder of truncating division, or `nil` when `b` is zero.
    public static func remainder(_ a: Number, _ b: Number) -> Number? {
        guard b.mantissa != 0 else { return nil }
        if let (x, y, scale) = aligned(a, b) { return Number(mantissa: x % y, scale: scale) }
        return nil
    }

    /// Rounds to `places` decimal places, half away from zero: 2.345 → 2.35, -2.5 → -3.
    public func rounded(_ places: Int = 0) -> Number {
        guard scale > places else { return self }
        // Beyond 38 places the mantissa (under 10^39) is far below half a unit of the last place.
        guard scale - places <= 38 else { return Number(mantissa: 0, scale: places) }
        let divisor = Self.power(scale - places)
        if scale - places <= 18, Self.isSmall(mantissa) {
            // 64-bit division: a 128-bit one is a slow library call.
            let m = Int64(truncatingIfNeeded: mantissa), d = Int64(truncatingIfNeeded: divisor)
            let (q, r) = m.quotientAndRemainder(dividingBy: d)
            let away: Int64 = r.magnitude * 2 >= d.magnitude ? (m < 0 ? -1 : 1) : 0
            return Number(mantissa: Int128(q + away), scale: places)
        }
        let (quotient, remainder) = mantissa.quotientAndRemainder(dividingBy: divisor)
        let away: Int128 = remainder.magnitude * 2 >= divisor.magnitude ? (mantissa < 0 ? -1 : 1) : 0
        return Number(mantissa: quotient + away, scale: places)
    }

    /// Rounds towards negative infinity to a whole number.
    public func floor() -> Number {
        guard scale > 0 else { return self }
        let (q, r) = mantissa.quotientAndRemainder(dividingBy: Self.power(scale))
        return Number(mantissa: r < 0 ? q - 1 : q, scale: 0)
    }

    /// Rounds towards positive infinity to a whole number.
    public func ceiling() -> Number {
        guard scale > 0 else { return self }
        let (q, r) = mantissa.quotientAndRemainder(dividingBy: Self.power(scale))
        return Number(mantissa: r > 0 ? q + 1 : q, scale: 0)
    }

    public var magnitude: Number { mantissa < 0 ? -self : self }

    /// The same value with no trailing zeros after the point (2.50 → 2.5).
    public func trimmed() -> Number {
        var m = mantissa, s = scale
        while s > 0, m % 10 == 0 {
            m /= 10
            s -= 1
        }
        return Number(mantissa: m, scale: s)
    }

    public static func == (a: Number, b: Number) -> Bool {
        if let (x, y, _) = aligned(a, b) { return x == y }
        let (p, q) = (a.trimmed(), b.trimmed())
        return p.mantissa == q.mantissa && p.scale == q.scale
    }

    public func hash(into hasher: inout Hasher) {
        let canonical = trimmed()
        hasher.combine(canonical.mantissa)
        hasher.combine(canonical.scale)
    }

    public static func < (a: Number, b: Number) -> Bool {
        if let (x, y, _) = aligned(a, b) { return x < y }
        // Alignment overflowed: the operand with more integer digits is the larger in magnitude.
        let p = a.trimmed(), q = b.trimmed()
        let ip = p.mantissa / power(min(p.scale, 38)), iq = q.mantissa / power(min(q.scale, 38))
        if ip != iq { return ip < iq }
        return p.description < q.description
    }

    public var description: String {
        let value = trimmed()
        let digits = String(value.mantissa.magnitude)
        let sign = value.mantissa < 0 ? "-" : ""
        guard value.scale > 0 else { return sign + digits }
        let padded = String(repeating: "0", count: max(0, value.scale - digits.count + 1)) + digits
        let point = padded.index(padded.endIndex, offsetBy: -value.scale)
        return sign + padded[..<point] + "." + padded[point...]
    }
}
