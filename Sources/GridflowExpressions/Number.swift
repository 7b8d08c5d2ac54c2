/// An exact decimal number. Gridflow never uses binary floating point for values:
/// `0.1 + 0.2 == 0.3`, and rounding is half away from zero (四舍五入), as appraisal scores are
/// rounded.
///
/// A number is a 128-bit integer mantissa and a decimal scale (`mantissa / 10^scale`). Its
/// domain: at most 38 significant digits (`|mantissa| < 10^38`), a magnitude below 10^38 and at
/// most 76 decimal places (`scale` in `0...76`). Every arithmetic result is the exact result
/// rounded once, half away from zero, to 38 significant digits and at most 76 places; a result of
/// 10^38 or more is `nil`. This is Python's `decimal.Context(prec=38, rounding=ROUND_HALF_UP,
/// Emax=37, Emin=-39)` (its smallest exponent, Etiny, is -76), with overflow and division by zero
/// reported instead of trapped.
///
/// Small mantissas and equal scales add, multiply and compare in a few machine instructions; the
/// rest goes through `Wide`, exact base-10^38 integers below 10^152.
public struct Number: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The digits as an integer, below 10^38 in magnitude.
    public private(set) var mantissa: Int128
    /// How many of the mantissa's digits are decimal places, 0 to 76.
    public private(set) var scale: Int

    /// The most significant digits a number has.
    public static let significantDigits = 38

    /// The most decimal places a number has: 38 digits placed anywhere from the units to 10^-76.
    public static let maximumScale = 76

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

    /// 10^n for n in 0...38, unsigned.
    @inline(__always)
    static func tenTo(_ n: Int) -> UInt128 { UInt128(bitPattern: power(n)) }

    /// 10^38: one past the largest mantissa, and the base of `Wide`'s digits.
    @inline(__always)
    static var limit: Int128 { 100000000000000000000000000000000000000 }

    /// Whether a mantissa has at most 38 digits.
    @inline(__always)
    static func fits(_ m: Int128) -> Bool { m < limit && m > -limit }

    /// A number from a pair already in the domain.
    @inline(__always)
    init(unchecked mantissa: Int128, scale: Int) {
        self.mantissa = mantissa
        self.scale = scale
    }

    /// `mantissa / 10^scale`. A pair outside the domain is brought into it: more than 38 digits or
    /// 76 places are rounded half away from zero, a negative scale moves into the mantissa.
    /// Precondition: the value is below 10^38 (a larger one has no number to become).
    public init(mantissa: Int128, scale: Int) {
        if Self.fits(mantissa), (0...Self.maximumScale).contains(scale) {
            self.init(unchecked: mantissa, scale: scale)
            return
        }
        let magnitude = mantissa.magnitude
        let low = magnitude % Self.tenTo(38), high = magnitude / Self.tenTo(38)
        var wide = Wide()
        wide[0] = low
        wide[1] = high
        guard let number = Self.rounding(wide, negative: mantissa < 0, scale: scale) else {
            preconditionFailure("\(mantissa) × 10^\(-scale) is 10^38 or more")
        }
        self = number
    }

    /// A whole number.
    public init(_ int: Int) {
        self.init(unchecked: Int128(int), scale: 0)
    }

    /// Why text is not a number (`Number(text)` is `nil`).
    enum ParseFailure: Error {
        case syntax, digits, places, magnitude

        var reason: String {
            switch self {
            case .syntax: "is not a number"
            case .digits: "has more than 38 significant digits"
            case .places: "has more than 76 decimal places"
            case .magnitude: "is 10^38 or more"
            }
        }
    }

    /// Parses `12`, `-0.5`, `1e3`, `2.5E-2`, `.5`; `nil` when the text is not a number or its exact
    /// value is outside the domain (more than 38 significant digits, more than 76 decimal places, or
    /// 10^38 or more). Input is never rounded: `1.000000000000000000000000000000000000000000` is 1,
    /// `1.0000000000000000000000000000000000000001` is `nil`.
    public init?(_ text: some StringProtocol) {
        guard case .success(let number) = Self.parse(text) else { return nil }
        self = number
    }

    /// Why `Number(text)` is `nil`, as a phrase to follow the text ("has more than 38 significant
    /// digits", "is 10^38 or more"); `nil` when the text is a number.
    public static func problem(parsing text: some StringProtocol) -> String? {
        guard case .failure(let failure) = parse(text) else { return nil }
        return failure.reason
    }

    static func parse(_ text: some StringProtocol) -> Result<Number, ParseFailure> {
        var chars = Substring(text).utf8[...]
        var negative = false
        if let first = chars.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            chars = chars.dropFirst()
        }
        // coefficient × 10^(pendingZeros - fractionDigits + exponent); the coefficient ends in a
        // digit other than 0, the zeros after it wait in pendingZeros.
        var coefficient: Int128 = 0
        var significant = 0
        var pendingZeros = 0
        var fractionDigits = 0
        var seenPoint = false
        var seenDigit = false
        var tooManyDigits = false
        while let c = chars.first {
            if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                seenDigit = true
                if seenPoint { fractionDigits += 1 }
                if c == UInt8(ascii: "0") {
                    if significant > 0 { pendingZeros += 1 }
                } else if significant + pendingZeros + 1 > significantDigits {
                    tooManyDigits = true
                } else {
                    coefficient = coefficient * power(pendingZeros + 1) + Int128(c - UInt8(ascii: "0"))
                    significant += pendingZeros + 1
                    pendingZeros = 0
                }
            } else if c == UInt8(ascii: "."), !seenPoint {
                seenPoint = true
            } else {
                break
            }
            chars = chars.dropFirst()
        }
        guard seenDigit else { return .failure(.syntax) }
        var exponent = 0
        if let e = chars.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            chars = chars.dropFirst()
            var exponentNegative = false
            if let sign = chars.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
                exponentNegative = sign == UInt8(ascii: "-")
                chars = chars.dropFirst()
            }
            guard !chars.isEmpty else { return .failure(.syntax) }
            for c in chars {
                guard c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") else { return .failure(.syntax) }
                // Beyond a million the value is 0, or out of the domain, either way.
                exponent = min(exponent * 10 + Int(c - UInt8(ascii: "0")), 1_000_000)
            }
            if exponentNegative { exponent = -exponent }
            chars = chars.dropFirst(chars.count)
        }
        guard chars.isEmpty else { return .failure(.syntax) }
        if tooManyDigits { return .failure(.digits) }
        // The places as written (`2.50` has two, `1.0` one): kept when they fit, so a literal or
        // a JSON value written with a point is a decimal, not an integer.
        let written = min(max(fractionDigits - exponent, 0), maximumScale)
        guard coefficient != 0 else { return .success(Number(unchecked: 0, scale: written)) }
        let shift = pendingZeros - fractionDigits + exponent
        var result: Number
        if shift >= 0 {
            guard significant + shift <= significantDigits else { return .failure(.magnitude) }
            let m = coefficient * power(shift)
            result = Number(unchecked: negative ? -m : m, scale: 0)
        } else {
            guard -shift <= maximumScale else { return .failure(.places) }
            result = Number(unchecked: negative ? -coefficient : coefficient, scale: -shift)
        }
        let digits = max(significant + max(shift, 0), 1)
        if written > result.scale, digits + written - result.scale <= significantDigits {
            result = Number(unchecked: result.mantissa * power(written - result.scale), scale: written)
        }
        return .success(result)
    }

    /// 0.
    public static let zero = Number(0)

    /// Whether the number has no fractional part.
    public var isInteger: Bool {
        if scale == 0 { return true }
        // Beyond 38 places a mantissa below 10^38 is all fraction.
        if scale > Self.significantDigits { return mantissa == 0 }
        return mantissa % Self.power(scale) == 0
    }

    /// The value as an `Int`, if it is an integer in range.
    public var int: Int? {
        guard isInteger else { return nil }
        if scale > Self.significantDigits { return 0 }
        return Int(exactly: mantissa / Self.power(scale))
    }

    /// Whether a mantissa fits 62 bits, where products of two fit 128 bits without a check.
    @inline(__always)
    static func isSmall(_ m: Int128) -> Bool {
        m >= -0x3FFF_FFFF_FFFF_FFFF && m <= 0x3FFF_FFFF_FFFF_FFFF
    }

    /// `m * 10^n`, or `nil` when it does not fit 128 bits.
    @inline(__always)
    static func scaled(_ m: Int128, by n: Int) -> Int128? {
        if n <= 18, isSmall(m) { return m &* power(n) }
        // 10^39 and more times a mantissa other than 0 is beyond 128 bits.
        if n > significantDigits { return m == 0 ? 0 : nil }
        let (result, overflow) = m.multipliedReportingOverflow(by: power(n))
        return overflow ? nil : result
    }

    /// Both mantissas at the larger scale, or `nil` when one does not fit 128 bits.
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

    /// `a + b` when it is exact within 128 bits and 38 digits (equal scales, or small mantissas a
    /// few places apart); `nil` sends the sum to the exact path.
    @inline(__always)
    static func quickSum(_ a: Number, _ b: Number) -> Number? {
        if a.scale == b.scale {
            let (sum, overflow) = a.mantissa.addingReportingOverflow(b.mantissa)
            return !overflow && fits(sum) ? Number(unchecked: sum, scale: a.scale) : nil
        }
        guard isSmall(a.mantissa), isSmall(b.mantissa), abs(a.scale - b.scale) <= 18 else { return nil }
        let sum =
            a.scale < b.scale
            ? a.mantissa &* power(b.scale - a.scale) &+ b.mantissa
            : a.mantissa &+ b.mantissa &* power(a.scale - b.scale)
        return fits(sum) ? Number(unchecked: sum, scale: max(a.scale, b.scale)) : nil
    }

    /// `a + b`, rounded once; `nil` when it is 10^38 or more.
    @inline(__always)
    public static func adding(_ a: Number, _ b: Number) -> Number? {
        if let sum = quickSum(a, b) { return sum }
        return exactSum(a, b)
    }

    /// `a + b` beyond `quickSum`, kept out of line so the quick path inlines where it is used.
    @inline(never)
    static func exactSum(_ a: Number, _ b: Number) -> Number? {
        // Exact: both magnitudes at the larger scale (below 10^114), then one rounding.
        let scale = max(a.scale, b.scale)
        let x = Wide(a.mantissa.magnitude, shiftedBy: scale - a.scale)
        let y = Wide(b.mantissa.magnitude, shiftedBy: scale - b.scale)
        let (p, q) = (a.mantissa < 0, b.mantissa < 0)
        if p == q { return rounding(x + y, negative: p, scale: scale) }
        return x < y ? rounding(y - x, negative: q, scale: scale) : rounding(x - y, negative: p, scale: scale)
    }

    /// `a - b`, rounded once; `nil` when it is 10^38 or more.
    public static func subtracting(_ a: Number, _ b: Number) -> Number? { adding(a, -b) }

    /// `a * b`, rounded once; `nil` when it is 10^38 or more.
    @inline(__always)
    public static func multiplying(_ a: Number, _ b: Number) -> Number? {
        if isSmall(a.mantissa) && isSmall(b.mantissa) {
            let product = a.mantissa &* b.mantissa
            let scale = a.scale + b.scale
            if fits(product), scale <= maximumScale { return Number(unchecked: product, scale: scale) }
        }
        return exactProduct(a, b)
    }

    /// `a * b` beyond 62-bit mantissas, kept out of line.
    @inline(never)
    static func exactProduct(_ a: Number, _ b: Number) -> Number? {
        let product = Wide(product: a.mantissa.magnitude, b.mantissa.magnitude)
        return rounding(product, negative: (a.mantissa < 0) != (b.mantissa < 0), scale: a.scale + b.scale)
    }

    /// `a + b`; traps when it is 10^38 or more (evaluation uses `adding`, which reports it).
    public static func + (a: Number, b: Number) -> Number { adding(a, b)! }
    /// `a - b`; traps when it is 10^38 or more.
    public static func - (a: Number, b: Number) -> Number { adding(a, -b)! }
    /// `a * b`; traps when it is 10^38 or more.
    public static func * (a: Number, b: Number) -> Number { multiplying(a, b)! }

    /// `-a`, always in the domain.
    public static prefix func - (a: Number) -> Number { Number(unchecked: -a.mantissa, scale: a.scale) }

    /// `a / b` rounded once, half away from zero, to 38 significant digits and at most `places`
    /// decimal places (76, or fewer for a figure shown rounded); `nil` when `b` is zero or the
    /// quotient is 10^38 or more.
    public static func divide(_ a: Number, _ b: Number, places: Int = maximumScale) -> Number? {
        precondition((0...maximumScale).contains(places), "places must be in 0...76")
        guard b.mantissa != 0 else { return nil }
        guard a.mantissa != 0 else { return .zero }
        let x = a.mantissa.magnitude, y = b.mantissa.magnitude
        let negative = (a.mantissa < 0) != (b.mantissa < 0)
        if x <= UInt64.max, y <= UInt64.max, a.scale >= b.scale {
            // A quotient that ends within 19 more places (x / 4, x / 100, an average over a few
            // values) is exact here, in 64-bit arithmetic where it can be.
            let (q, r) = UInt64(x).quotientAndRemainder(dividingBy: UInt64(y))
            let scale = a.scale - b.scale
            if r == 0, scale <= places { return Number(unchecked: negative ? -Int128(q) : Int128(q), scale: scale) }
            if r != 0, q < UInt64(tenTo(19)) {
                let (fraction, rest) = (UInt128(r) * tenTo(19)).quotientAndRemainder(dividingBy: y)
                if rest == 0 {
                    let m = Int128(UInt128(q) * tenTo(19) + fraction)
                    let exact = Number(unchecked: negative ? -m : m, scale: scale + 19).trimmed()
                    if exact.scale <= places { return exact }
                }
            }
        }
        // x·10^38 / y when x ≥ y, else x·10^76 / y: at least 39 digits (y < 10^38), each one exact;
        // rounding half away from zero needs only the first digit it drops.
        let shift = x >= y ? 38 : 76
        let (quotient, _) = Wide(x, shiftedBy: shift).divided(by: y)
        return rounding(quotient, negative: negative, scale: a.scale - b.scale + shift, places: places)
    }

    /// The exact remainder of truncating division (the sign of `a`, smaller than `b` in magnitude),
    /// always in the domain; `nil` when `b` is zero.
    public static func remainder(_ a: Number, _ b: Number) -> Number? {
        guard b.mantissa != 0 else { return nil }
        if a.scale == b.scale { return Number(unchecked: a.mantissa % b.mantissa, scale: a.scale) }
        let x = a.mantissa.magnitude, y = b.mantissa.magnitude
        let r: UInt128
        if a.scale < b.scale {
            // (x·10^d) mod y, exactly: below y, so below 10^38.
            r = Wide(x, shiftedBy: b.scale - a.scale).divided(by: y).remainder
        } else {
            // y·10^d beyond 128 bits is beyond x too.
            let d = a.scale - b.scale
            if d > significantDigits {
                r = x
            } else {
                let (divisor, overflow) = y.multipliedReportingOverflow(by: tenTo(d))
                r = overflow ? x : x % divisor
            }
        }
        let m = Int128(r)
        return Number(unchecked: a.mantissa < 0 ? -m : m, scale: max(a.scale, b.scale))
    }

    /// Rounds to `places` decimal places (0 or more), half away from zero: 2.345 → 2.35, -2.5 → -3.
    /// Always in the domain: a number with places has at most 37 digits before the point.
    public func rounded(_ places: Int = 0) -> Number {
        precondition(places >= 0, "rounded(_:) takes 0 or more places")
        guard scale > places else { return self }
        // Beyond 38 places the mantissa (below 10^38) is below half a unit of the last place kept.
        guard scale - places <= Self.significantDigits else { return .zero }
        let divisor = Self.power(scale - places)
        if scale - places <= 18, Self.isSmall(mantissa) {
            // 64-bit division: a 128-bit one is a slow library call.
            let m = Int64(truncatingIfNeeded: mantissa), d = Int64(truncatingIfNeeded: divisor)
            let (q, r) = m.quotientAndRemainder(dividingBy: d)
            let away: Int64 = r.magnitude * 2 >= d.magnitude ? (m < 0 ? -1 : 1) : 0
            return Number(unchecked: Int128(q + away), scale: places)
        }
        let (quotient, remainder) = mantissa.quotientAndRemainder(dividingBy: divisor)
        let away: Int128 = remainder.magnitude * 2 >= divisor.magnitude ? (mantissa < 0 ? -1 : 1) : 0
        return Number(unchecked: quotient + away, scale: places)
    }

    /// Rounds towards negative infinity to a whole number.
    public func floor() -> Number {
        guard scale > 0 else { return self }
        if scale > Self.significantDigits { return Number(mantissa < 0 ? -1 : 0) }
        let (q, r) = mantissa.quotientAndRemainder(dividingBy: Self.power(scale))
        return Number(unchecked: r < 0 ? q - 1 : q, scale: 0)
    }

    /// Rounds towards positive infinity to a whole number.
    public func ceiling() -> Number {
        guard scale > 0 else { return self }
        if scale > Self.significantDigits { return Number(mantissa > 0 ? 1 : 0) }
        let (q, r) = mantissa.quotientAndRemainder(dividingBy: Self.power(scale))
        return Number(unchecked: r > 0 ? q + 1 : q, scale: 0)
    }

    /// The absolute value.
    public var magnitude: Number { mantissa < 0 ? -self : self }

    /// The same value with no trailing zeros after the point (2.50 → 2.5).
    public func trimmed() -> Number {
        guard scale > 0, mantissa != 0 else { return scale > 0 ? .zero : self }
        // The last digit from 64-bit remainders (2^64 ≡ 6 mod 10; a 128-bit one is a library call).
        let magnitude = mantissa.magnitude
        let high = UInt64(truncatingIfNeeded: magnitude >> 64), low = UInt64(truncatingIfNeeded: magnitude)
        guard (high % 10 * 6 + low % 10) % 10 == 0 else { return self }
        var m = mantissa, s = scale
        while s >= 8, m % 100_000_000 == 0 {
            m /= 100_000_000
            s -= 8
        }
        while s > 0, m % 10 == 0 {
            m /= 10
            s -= 1
        }
        return Number(unchecked: m, scale: s)
    }

    /// Whether two numbers have the same value, whatever their scales (2.50 == 2.5).
    public static func == (a: Number, b: Number) -> Bool {
        if a.scale == b.scale { return a.mantissa == b.mantissa }
        // A mantissa that cannot be aligned is too large to equal one below 10^38.
        guard let (x, y, _) = aligned(a, b) else { return false }
        return x == y
    }

    /// Hashes the value (equal numbers hash alike): the mantissa and scale without trailing zeros.
    public func hash(into hasher: inout Hasher) {
        let canonical = trimmed()
        hasher.combine(canonical.mantissa)
        hasher.combine(canonical.scale)
    }

    /// Whether `a` is below `b`, exactly.
    public static func < (a: Number, b: Number) -> Bool {
        if let (x, y, _) = aligned(a, b) { return x < y }
        // Alignment left 128 bits: the operand with the smaller scale (not 0, or it would align)
        // is the larger in magnitude, so its sign decides.
        return a.scale < b.scale ? a.mantissa < 0 : b.mantissa > 0
    }

    /// -1, 0 or 1 as `a` is below, equal to or above `b`, aligning the two once.
    @inline(__always)
    static func order(_ a: Number, _ b: Number) -> Int {
        if a.scale == b.scale { return a.mantissa < b.mantissa ? -1 : (a.mantissa == b.mantissa ? 0 : 1) }
        if let (x, y, _) = aligned(a, b) { return x < y ? -1 : (x == y ? 0 : 1) }
        // Unaligned numbers differ (see `==`); `<` tells which way.
        return a < b ? -1 : 1
    }

    /// The value written out in full, without an exponent or trailing zeros (`-0.05`, `1200`).
    public var description: String {
        let value = trimmed()
        if value.mantissa.magnitude <= UInt64.max {
            var out: [UInt8] = []
            out.reserveCapacity(24 + value.scale)
            value.writeTrimmed(to: &out)
            return String(decoding: out, as: UTF8.self)
        }
        return referenceDescription
    }

    /// Appends `description` as UTF-8 bytes (for JSON and the store, without a `String` each).
    public func write(to out: inout [UInt8]) {
        let value = trimmed()
        guard value.mantissa.magnitude <= UInt64.max else {
            out.append(contentsOf: value.description.utf8)
            return
        }
        value.writeTrimmed(to: &out)
    }

    /// `description` of a trimmed number whose mantissa fits 64 bits: the sign, the digits, and
    /// the point `scale` digits from the right (zeros in front so that a digit precedes it).
    private func writeTrimmed(to out: inout [UInt8]) {
        var magnitude = UInt64(mantissa.magnitude)
        if mantissa < 0 { out.append(UInt8(ascii: "-")) }
        // 20 digits hold any UInt64; a scale beyond them is zeros in front.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var start = 20
            repeat {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            let count = 20 - start
            guard scale > 0 else {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<20]))
                return
            }
            // As many zeros in front as make the digits scale + 1 long.
            let zeros = max(0, scale - count + 1)
            let total = zeros + count
            for index in 0..<total {
                if index == total - scale { out.append(UInt8(ascii: ".")) }
                out.append(index < zeros ? UInt8(ascii: "0") : buffer[start + index - zeros])
            }
        }
    }

    /// The text made with whole-number strings: `description`'s path for a mantissa over 64
    /// bits, and the reference its byte path is tested against.
    var referenceDescription: String {
        let value = trimmed()
        let digits = String(value.mantissa.magnitude)
        let sign = value.mantissa < 0 ? "-" : ""
        guard value.scale > 0 else { return sign + digits }
        let padded = String(repeating: "0", count: max(0, value.scale - digits.count + 1)) + digits
        let point = padded.index(padded.endIndex, offsetBy: -value.scale)
        return sign + padded[..<point] + "." + padded[point...]
    }

    /// `±c / 10^scale` rounded once, half away from zero, to 38 significant digits and at most
    /// `places` decimal places, trailing zeros dropped; `nil` when it is 10^38 or more.
    static func rounding(_ c: Wide, negative: Bool, scale: Int, places: Int = maximumScale) -> Number? {
        let digits = c.digitCount
        guard digits > 0 else { return .zero }
        // c ≥ 10^(digits-1), so the value is at least 10^(digits-1-scale).
        guard digits - scale <= significantDigits else { return nil }
        if scale < 0 {
            // A whole number of at most 38 digits (digits ≤ 38 + scale).
            let m = Int128(c[0] * tenTo(-scale))
            return Number(unchecked: negative ? -m : m, scale: 0)
        }
        let drop = max(0, digits - significantDigits, scale - places)
        var (m, up) = c.dropping(drop)
        var newScale = scale - drop
        if up {
            m += 1
            if m == tenTo(38) {
                guard newScale > 0 else { return nil }
                m = tenTo(37)
                newScale -= 1
            }
        }
        let signed = Int128(m)
        return Number(unchecked: negative ? -signed : signed, scale: newScale).trimmed()
    }

    /// An exact running total for `sum` and `avg`: the total is rounded once, at the end, however
    /// many values there are and whatever their scales (partial sums may pass 10^38).
    public struct Total: Sendable {
        /// How many values were added.
        public private(set) var count = 0
        /// The total while every partial sum stays exact in 38 digits.
        private var quick = Number.zero
        /// Otherwise the magnitudes of the positive and negative values at scale 76 (each below
        /// 10^114, so 10^38 values fit below 10^152).
        private var exact: (positive: Wide, negative: Wide)?

        /// An empty total.
        public init() {}

        /// Adds a value.
        public mutating func add(_ value: Number) {
            count += 1
            if exact == nil {
                if let sum = Number.quickSum(quick, value) {
                    quick = sum
                    return
                }
                exact = (Wide(), Wide())
                put(quick)
            }
            put(value)
        }

        private mutating func put(_ value: Number) {
            let shifted = Wide(value.mantissa.magnitude, shiftedBy: Number.maximumScale - value.scale)
            if value.mantissa < 0 {
                exact!.negative = exact!.negative + shifted
            } else {
                exact!.positive = exact!.positive + shifted
            }
        }

        /// The exact total's magnitude, sign and scale.
        private var parts: (magnitude: Wide, negative: Bool, scale: Int) {
            guard let (positive, negative) = exact else {
                var wide = Wide()
                wide[0] = quick.mantissa.magnitude
                return (wide, quick.mantissa < 0, quick.scale)
            }
            if positive < negative { return (negative - positive, true, Number.maximumScale) }
            return (positive - negative, false, Number.maximumScale)
        }

        /// The total rounded once; `nil` when it is 10^38 or more.
        public var sum: Number? {
            if exact == nil { return quick }
            let (magnitude, negative, scale) = parts
            return Number.rounding(magnitude, negative: negative, scale: scale)
        }

        /// The total divided by `count`, rounded once to 38 significant digits and at most `places`
        /// decimal places; `nil` when nothing was added.
        public func average(places: Int = Number.maximumScale) -> Number? {
            precondition((0...Number.maximumScale).contains(places), "places must be in 0...76")
            guard count > 0 else { return nil }
            var (magnitude, negative, scale) = parts
            guard magnitude.digitCount > 0 else { return .zero }
            if magnitude.digitCount <= 76 {
                // Two more base-10^38 digits, so the quotient has at least 39 significant digits.
                magnitude = magnitude.shiftedUp(limbs: 2)
                scale += 76
            }
            let (quotient, _) = magnitude.divided(by: UInt128(count))
            // The mean lies within the values, each below 10^38: never nil.
            return Number.rounding(quotient, negative: negative, scale: scale, places: places)
        }
    }
}

/// A non-negative integer below 10^152 as four base-10^38 digits ("limbs"), least significant
/// first: the exact intermediates of the slow paths (an aligned sum is below 10^115, a product
/// below 10^76, a quotient's digits below 10^114).
struct Wide: Sendable, Comparable {
    private var l0: UInt128 = 0
    private var l1: UInt128 = 0
    private var l2: UInt128 = 0
    private var l3: UInt128 = 0

    /// 10^38.
    @inline(__always)
    static var base: UInt128 { Number.tenTo(38) }

    init() {}

    /// Limb `i`; limbs beyond the fourth read as 0.
    subscript(i: Int) -> UInt128 {
        get {
            switch i {
            case 0: l0
            case 1: l1
            case 2: l2
            case 3: l3
            default: 0
            }
        }
        set {
            switch i {
            case 0: l0 = newValue
            case 1: l1 = newValue
            case 2: l2 = newValue
            case 3: l3 = newValue
            default: precondition(newValue == 0, "a wide integer holds four limbs")
            }
        }
    }

    /// A 256-bit value below 10^76 as its two limbs.
    @inline(__always)
    private static func split(_ value: (high: UInt128, low: UInt128)) -> (high: UInt128, low: UInt128) {
        let (q, r) = base.dividingFullWidth(value)
        return (q, r)
    }

    /// `m · 10^shift`, for `m` below 10^38 and `shift` in 0...114.
    init(_ m: UInt128, shiftedBy shift: Int) {
        let (q, r) = shift.quotientAndRemainder(dividingBy: 38)
        if r == 0 {
            self[q] = m
        } else {
            let (high, low) = Self.split(m.multipliedFullWidth(by: Number.tenTo(r)))
            self[q] = low
            self[q + 1] = high
        }
    }

    /// `x · y`, for `x` and `y` below 10^38.
    init(product x: UInt128, _ y: UInt128) {
        let (high, low) = Self.split(x.multipliedFullWidth(by: y))
        l0 = low
        l1 = high
    }

    /// `self · 10^(38·limbs)`; the limbs pushed out must be 0.
    func shiftedUp(limbs: Int) -> Wide {
        var result = Wide()
        for i in 0..<4 where i + limbs < 4 || self[i] != 0 { result[i + limbs] = self[i] }
        return result
    }

    static func + (x: Wide, y: Wide) -> Wide {
        var result = Wide()
        var carry: UInt128 = 0
        for i in 0..<4 {
            var sum = x[i] + y[i] + carry
            carry = 0
            if sum >= base {
                sum -= base
                carry = 1
            }
            result[i] = sum
        }
        precondition(carry == 0, "a wide sum reached 10^152")
        return result
    }

    /// `x - y`, for `x ≥ y`.
    static func - (x: Wide, y: Wide) -> Wide {
        var result = Wide()
        var borrow: UInt128 = 0
        for i in 0..<4 {
            let subtrahend = y[i] + borrow
            if x[i] >= subtrahend {
                result[i] = x[i] - subtrahend
                borrow = 0
            } else {
                result[i] = x[i] + base - subtrahend
                borrow = 1
            }
        }
        return result
    }

    static func < (x: Wide, y: Wide) -> Bool {
        for i in (0..<4).reversed() where x[i] != y[i] { return x[i] < y[i] }
        return false
    }

    /// The number of decimal digits (0 for zero).
    var digitCount: Int {
        for i in (0..<4).reversed() where self[i] != 0 { return 38 * i + Self.digitCount(self[i]) }
        return 0
    }

    /// The number of decimal digits of a limb (below 10^38; 0 for zero), from its bit length:
    /// ⌊bits · log10 2⌋ is the digit count or one less.
    @inline(__always)
    static func digitCount(_ limb: UInt128) -> Int {
        guard limb != 0 else { return 0 }
        let estimate = ((128 - limb.leadingZeroBitCount) * 1233) >> 12
        return limb >= Number.tenTo(estimate) ? estimate + 1 : estimate
    }

    /// The quotient and remainder of division by `d` (not 0, below 10^38): schoolbook division, one
    /// limb at a time, each step dividing a 256-bit value whose quotient fits one limb.
    func divided(by d: UInt128) -> (quotient: Wide, remainder: UInt128) {
        var quotient = Wide()
        var remainder: UInt128 = 0
        for i in (0..<4).reversed() {
            if remainder == 0 {
                // The top limb alone: a 128-bit division.
                (quotient[i], remainder) = self[i] < d ? (0, self[i]) : self[i].quotientAndRemainder(dividingBy: d)
                continue
            }
            // remainder·10^38 + limb, below d·10^38.
            let (high, low) = remainder.multipliedFullWidth(by: Self.base)
            let (sum, carry) = low.addingReportingOverflow(self[i])
            (quotient[i], remainder) = d.dividingFullWidth((high + (carry ? 1 : 0), sum))
        }
        return (quotient, remainder)
    }

    /// `self / 10^k` truncated, and whether the first digit dropped is 5 or more; the quotient must
    /// be below 10^38.
    func dropping(_ k: Int) -> (kept: UInt128, roundUp: Bool) {
        guard k > 0 else { return (l0, false) }
        let (q, r) = k.quotientAndRemainder(dividingBy: 38)
        if r == 0 { return (self[q], self[q - 1] >= 5 * Number.tenTo(37)) }
        if self[q + 1] == 0 {
            let (kept, rest) = self[q].quotientAndRemainder(dividingBy: Number.tenTo(r))
            return (kept, rest >= 5 * Number.tenTo(r - 1))
        }
        // limb q+1 and limb q make a 256-bit value; dividing by 10^r leaves a quotient below 10^38.
        let (high, low) = self[q + 1].multipliedFullWidth(by: Self.base)
        let (sum, carry) = low.addingReportingOverflow(self[q])
        let (kept, rest) = Number.tenTo(r).dividingFullWidth((high + (carry ? 1 : 0), sum))
        return (kept, rest >= 5 * Number.tenTo(r - 1))
    }
}
