import Foundation

/// A calendar day, counted from 1970-01-01 (proleptic Gregorian), so dates compare and subtract
/// as integers.
///
/// Dates run from 0001-01-01 to 9999-12-31 (`Day.range`); arithmetic that leaves the range is an
/// error, never a wrapped or trapped integer.
public struct Day: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var number: Int

    public init(number: Int) { self.number = number }

    /// The day numbers of 0001-01-01 and 9999-12-31.
    public static let range = -719_162...2_932_896

    /// The day `number`, or `nil` outside 0001-01-01 … 9999-12-31.
    public static func checked(_ number: Int) -> Day? { range.contains(number) ? Day(number: number) : nil }

    /// The day of a year, month and day; `nil` when no such day exists or the year is outside
    /// 1 … 9999.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
            day <= Day.daysIn(month: month, year: year)
        else { return nil }
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        number = era * 146_097 + doe - 719_468
    }

    /// Parses `YYYY-MM-DD`.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Year, month and day.
    public var components: (year: Int, month: Int, day: Int) {
        let z = number + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// 1 = Monday … 7 = Sunday.
    public var weekday: Int { ((number % 7) + 7 + 3) % 7 + 1 }

    /// The day `months` calendar months later (earlier when negative), on the same day of the
    /// month, or the month's last day when it is shorter (2024-01-31 + 1 month = 2024-02-29);
    /// `nil` outside 0001-01-01 … 9999-12-31.
    public func adding(months: Int) -> Day? {
        let (y, m, d) = components
        guard abs(months) <= Span.maximumMonths else { return nil }
        let index = y * 12 + (m - 1) + months
        let year = index >= 0 ? index / 12 : (index - 11) / 12
        let month = index - year * 12 + 1
        guard (1...9999).contains(year) else { return nil }
        return Day(year: year, month: month, day: min(d, Day.daysIn(month: month, year: year)))
    }

    /// The first day of the period of `months` months (1, 3, 6 or 12) this day falls in, counted
    /// from January: the start of its month, quarter, half-year or year; `nil` outside
    /// 0001-01-01 … 9999-12-31 (the local day of an instant at the range's edge may be).
    public func start(ofPeriod months: Int) -> Day? {
        let (y, m, _) = components
        return Day(year: y, month: (m - 1) / months * months + 1, day: 1)
    }

    /// The last day of the period of `months` months (1, 3, 6 or 12) this day falls in; `nil`
    /// outside 0001-01-01 … 9999-12-31.
    public func end(ofPeriod months: Int) -> Day? {
        let (y, m, _) = components
        let last = (m - 1) / months * months + months
        return Day(year: y, month: last, day: Day.daysIn(month: last, year: y))
    }

    public static func < (a: Day, b: Day) -> Bool { a.number < b.number }

    public var description: String {
        var out: [UInt8] = []
        write(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `YYYY-MM-DD` (the year zero-padded to at least four characters).
    public func write(to out: inout [UInt8]) {
        let (y, m, d) = components
        DecimalText.write(y, width: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        DecimalText.write(m, width: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        DecimalText.write(d, width: 2, to: &out)
    }
}

/// An instant, in seconds since 1970-01-01T00:00:00Z, from 0001-01-01T00:00:00Z to
/// 9999-12-31T23:59:59Z (`Instant.range`).
public struct Instant: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var seconds: Int

    public init(seconds: Int) { self.seconds = seconds }

    /// The seconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
    public static let range = (Day.range.lowerBound * 86_400)...(Day.range.upperBound * 86_400 + 86_399)

    /// The instant `seconds`, or `nil` outside `range`.
    public static func checked(_ seconds: Int) -> Instant? {
        range.contains(seconds) ? Instant(seconds: seconds) : nil
    }

    /// Parses ISO 8601 `YYYY-MM-DDTHH:MM[:SS](Z|±HH:MM)`; an offset is required.
    public init?(_ text: some StringProtocol) {
        let text = String(text)
        guard text.count >= 17, let t = text.firstIndex(of: "T"), let day = Day(text[..<t]) else { return nil }
        var rest = text[text.index(after: t)...]
        var offset = 0
        if rest.hasSuffix("Z") {
            rest = rest.dropLast()
        } else if let sign = rest.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            let zone = rest[rest.index(after: sign)...].split(separator: ":")
            guard zone.count == 2, let h = Int(zone[0]), let m = Int(zone[1]), zone[0].count == 2, zone[1].count == 2,
                h < 24, m < 60
            else { return nil }
            offset = (h * 3600 + m * 60) * (rest[sign] == "-" ? -1 : 1)
            rest = rest[..<sign]
        } else {
            return nil
        }
        let clock = rest.split(separator: ":")
        guard clock.count == 2 || clock.count == 3, clock.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isNumber) }),
            let h = Int(clock[0]), let m = Int(clock[1]), h < 24, m < 60
        else { return nil }
        let s = clock.count == 3 ? Int(clock[2]) ?? 60 : 0
        guard s < 60 else { return nil }
        seconds = day.number * 86_400 + h * 3600 + m * 60 + s - offset
        guard Self.range.contains(seconds) else { return nil }
    }

    public static func < (a: Instant, b: Instant) -> Bool { a.seconds < b.seconds }

    /// The day this instant falls on at a UTC offset.
    public func day(offset: Int) -> Day {
        let local = seconds + offset
        return Day(number: local >= 0 ? local / 86_400 : (local - 86_399) / 86_400)
    }

    public var description: String {
        var out: [UInt8] = []
        write(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `YYYY-MM-DDTHH:MM:SSZ`, in UTC.
    public func write(to out: inout [UInt8]) { write(to: &out, offset: 0) }

    /// Appends the local time at `offset` seconds from UTC with that offset,
    /// `YYYY-MM-DDTHH:MM:SS+HH:MM` (`Z` for UTC): the same instant, as people there read it.
    public func write(to out: inout [UInt8], offset: Int) {
        let day = self.day(offset: offset)
        let s = seconds + offset - day.number * 86_400
        day.write(to: &out)
        out.append(UInt8(ascii: "T"))
        DecimalText.write(s / 3600, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        DecimalText.write(s % 3600 / 60, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        DecimalText.write(s % 60, width: 2, to: &out)
        guard offset != 0 else {
            out.append(UInt8(ascii: "Z"))
            return
        }
        out.append(UInt8(ascii: offset < 0 ? "-" : "+"))
        let minutes = abs(offset) / 60
        DecimalText.write(minutes / 60, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        DecimalText.write(minutes % 60, width: 2, to: &out)
    }

    /// The local time at `offset` seconds from UTC, with that offset.
    public func description(offset: Int) -> String {
        var out: [UInt8] = []
        write(to: &out, offset: offset)
        return String(decoding: out, as: UTF8.self)
    }
}

/// A duration: calendar seconds, or working days counted with a unit's calendar; or a period of
/// calendar months (`1y` is 12 months), which has no fixed length in seconds.
///
/// A duration is never longer than the whole range of dates (`Span.maximumSeconds`,
/// `Span.maximumWorkingDays`, `Span.maximumMonths`), so adding one to a date cannot overflow.
public enum Span: Sendable, Hashable, CustomStringConvertible {
    case seconds(Int)
    case workingDays(Int)
    /// Calendar months: a date moves to the same day of the month (or the month's last day).
    case months(Int)

    /// The seconds from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
    public static let maximumSeconds = Instant.range.upperBound - Instant.range.lowerBound
    /// The days from 0001-01-01 to 9999-12-31: no walk of working days can be longer.
    public static let maximumWorkingDays = Day.range.upperBound - Day.range.lowerBound
    /// The months from January 0001 to December 9999.
    public static let maximumMonths = 9999 * 12 - 1

    /// Whether this is a period of calendar months rather than a duration.
    public var isMonths: Bool {
        if case .months = self { return true }
        return false
    }

    /// The span, or `nil` when it is longer than the range of dates.
    public static func checked(_ span: Span) -> Span? {
        switch span {
        case .seconds(let s): abs(s) <= maximumSeconds ? span : nil
        case .workingDays(let n): abs(n) <= maximumWorkingDays ? span : nil
        case .months(let n): abs(n) <= maximumMonths ? span : nil
        }
    }

    /// `self * factor`, or `nil` when the product is longer than the range of dates.
    public func multiplied(by factor: Int) -> Span? {
        switch self {
        case .seconds(let s):
            let (product, overflow) = s.multipliedReportingOverflow(by: factor)
            return overflow ? nil : Span.checked(.seconds(product))
        case .workingDays(let n):
            let (product, overflow) = n.multipliedReportingOverflow(by: factor)
            return overflow ? nil : Span.checked(.workingDays(product))
        case .months(let n):
            let (product, overflow) = n.multipliedReportingOverflow(by: factor)
            return overflow ? nil : Span.checked(.months(product))
        }
    }

    /// `self + other × sign`, or `nil` when the kinds differ or the sum is too long.
    public func adding(_ other: Span, sign: Int = 1) -> Span? {
        switch (self, other) {
        case (.seconds(let p), .seconds(let q)): Span.checked(.seconds(p + sign * q))
        case (.workingDays(let p), .workingDays(let q)): Span.checked(.workingDays(p + sign * q))
        case (.months(let p), .months(let q)): Span.checked(.months(p + sign * q))
        default: nil
        }
    }

    /// Parses `30m`, `36h`, `3d`, `2w`, `1d12h`, `5wd` (and `1y`, `6mo`, `1y6mo` when `months`).
    public init?(_ text: some StringProtocol, months: Bool = false) {
        guard case .success(let span) = Self.parse(String(text), months: months) else { return nil }
        self = span
    }

    /// Why a duration could not be read.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// Parses a duration, or says what is wrong with it. Years and months (`1y`, `6mo`, `1y6mo`)
    /// are read only when `months` is true: where they are not, the problem says so.
    public static func parse(_ text: String, months: Bool = false) -> Result<Span, Problem> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return .failure(Problem("it is empty")) }
        let afterNumber = trimmed.drop(while: { $0.isASCII && $0.isNumber })
        if afterNumber.hasPrefix("y") || afterNumber.hasPrefix("mo") {
            guard months else {
                return .failure(Problem("years and months (y, mo) are not allowed here; count days, e.g. 30d"))
            }
            return parseMonths(trimmed)
        }
        if trimmed.contains("wd") {
            let digits = trimmed.dropLast(2)
            guard trimmed.hasSuffix("wd"), !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber })
            else {
                return .failure(Problem("working days are a whole number followed by 'wd' and combine with nothing"))
            }
            guard let days = Int(digits), days <= maximumWorkingDays else {
                return .failure(Problem("it is longer than the range of dates (\(maximumWorkingDays)wd at most)"))
            }
            return .success(.workingDays(days))
        }
        let units: [(Character, Int)] = [("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]
        var total = 0
        var number = ""
        var lastUnit = -1
        for char in trimmed {
            if char.isASCII && char.isNumber {
                number.append(char)
                continue
            }
            guard let position = units.firstIndex(where: { $0.0 == char }) else {
                return .failure(Problem("'\(char)' is not a unit (w, d, h, m, s, or wd for working days)"))
            }
            guard let value = Int(number) else { return .failure(Problem("'\(char)' has no number before it")) }
            guard position > lastUnit else {
                return .failure(Problem("units must go from largest to smallest, once each"))
            }
            let (product, overflow) = value.multipliedReportingOverflow(by: units[position].1)
            guard !overflow, total <= Int.max - product else {
                return .failure(Problem("it is longer than the range of dates (0001-01-01 to 9999-12-31)"))
            }
            total += product
            lastUnit = position
            number = ""
        }
        guard number.isEmpty else { return .failure(Problem("the number '\(number)' has no unit")) }
        guard total <= maximumSeconds else {
            return .failure(Problem("it is longer than the range of dates (0001-01-01 to 9999-12-31)"))
        }
        return .success(.seconds(total))
    }

    /// `1y`, `6mo`, `1y6mo`: years then months, each at most once.
    static func parseMonths(_ text: String) -> Result<Span, Problem> {
        let shape = Problem(
            "years and months are written as whole numbers followed by 'y' and 'mo' (1y, 6mo, 1y6mo) "
                + "and combine with nothing else")
        var rest = Substring(text)
        var total = 0
        var parts = 0
        for (unit, size) in [("y", 12), ("mo", 1)] {
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty, rest.dropFirst(digits.count).hasPrefix(unit) else { continue }
            guard digits.count <= 6, let value = Int(digits) else {
                return .failure(Problem("it is longer than the range of dates (\(maximumMonths)mo at most)"))
            }
            total += value * size
            parts += 1
            rest = rest.dropFirst(digits.count + unit.count)
        }
        guard rest.isEmpty, parts > 0 else { return .failure(shape) }
        guard total <= maximumMonths else {
            return .failure(Problem("it is longer than the range of dates (\(maximumMonths)mo at most)"))
        }
        return .success(.months(total))
    }

    public var description: String {
        switch self {
        case .workingDays(let n): return "\(n)wd"
        case .months(let n):
            let sign = n < 0 ? "-" : ""
            let years = abs(n) / 12, months = abs(n) % 12
            if years == 0 { return "\(sign)\(months)mo" }
            return sign + "\(years)y" + (months == 0 ? "" : "\(months)mo")
        case .seconds(let total):
            if total == 0 { return "0s" }
            var rest = abs(total)
            var text = total < 0 ? "-" : ""
            for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] where rest >= size {
                text += "\(rest / size)\(unit)"
                rest %= size
            }
            return text
        }
    }
}

/// Why a date computation has no answer: it left the range of dates, or its walk over the
/// calendar ran out of steps.
public struct CalendarError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `date-range` or `step-budget`.
    public var code: String
    public var description: String

    static let outOfRange = CalendarError(
        code: "date-range", description: "the result is outside the range of dates (0001-01-01 to 9999-12-31)")
    static let null = CalendarError(code: "null", description: "the date or the duration is null")
    static let budget = CalendarError(
        code: "step-budget", description: "counting working days took more steps than the budget allows")
}

/// Working days, holidays and make-up days of a unit, with its time zone.
public struct WorkCalendar: Sendable {
    /// Working weekdays, 1 = Monday … 7 = Sunday.
    public var workingWeekdays: Set<Int>
    public var holidays: Set<Day>
    public var extraWorkingDays: Set<Day>
    /// The unit's time zone: the local day of an instant uses the offset in force at that instant.
    public var zone: Zone

    public init(
        workingWeekdays: Set<Int> = [1, 2, 3, 4, 5], holidays: Set<Day> = [], extraWorkingDays: Set<Day> = [],
        zone: Zone = .utc
    ) {
        self.workingWeekdays = workingWeekdays
        self.holidays = holidays
        self.extraWorkingDays = extraWorkingDays
        self.zone = zone
    }

    public func isWorkingDay(_ day: Day) -> Bool {
        if extraWorkingDays.contains(day) { return true }
        if holidays.contains(day) { return false }
        return workingWeekdays.contains(day.weekday)
    }

    /// Working days after `start` up to and including `end` (negative when `end` is earlier);
    /// each day looked at takes a step from `steps`.
    public func workingDays(from start: Day, to end: Day, steps: inout Int) throws(CalendarError) -> Int {
        if end < start { return -(try workingDays(from: end, to: start, steps: &steps)) }
        steps -= end.number - start.number
        guard steps >= 0 else { throw .budget }
        var count = 0
        var day = start.number + 1
        while day <= end.number {
            if isWorkingDay(Day(number: day)) { count += 1 }
            day += 1
        }
        return count
    }

    /// The instant `span` after `instant`: calendar time as is, working days by this calendar
    /// (keeping the local time of day, in the zone's offset on the day reached).
    public func adding(_ span: Span, to instant: Instant, steps: inout Int) throws(CalendarError) -> Instant {
        switch span {
        case .seconds(let s):
            guard let moved = Instant.checked(instant.seconds + s) else { throw .outOfRange }
            return moved
        case .workingDays(let n):
            let day = zone.day(of: instant)
            let moved = try adding(workingDays: n, to: day, steps: &steps)
            return zone.instant(on: moved, at: zone.secondOfDay(of: instant))
        case .months(let n):
            return try adding(months: n, to: instant)
        }
    }

    /// The instant `n` calendar months after `instant` (before it when `n` is negative): its
    /// local date in the zone moves by months (to the month's last day when shorter) and its
    /// local time of day is kept, in the offset in force on the day reached.
    public func adding(months n: Int, to instant: Instant) throws(CalendarError) -> Instant {
        guard let moved = zone.day(of: instant).adding(months: n),
            let result = Instant.checked(zone.instant(on: moved, at: zone.secondOfDay(of: instant)).seconds)
        else { throw .outOfRange }
        return result
    }

    /// `adding(_:to:steps:)` with steps enough to walk the whole range of dates (for the
    /// engine's timers and clocks, whose spans were checked when the definitions loaded).
    public func adding(_ span: Span, to instant: Instant) throws(CalendarError) -> Instant {
        var steps = Span.maximumWorkingDays
        return try adding(span, to: instant, steps: &steps)
    }

    /// The day `n` working days after `start` (before it when `n` is negative); each day walked
    /// takes a step from `steps`.
    public func adding(workingDays n: Int, to start: Day, steps: inout Int) throws(CalendarError) -> Day {
        var day = start.number
        var left = abs(n)
        let step = n < 0 ? -1 : 1
        while left > 0 {
            day += step
            steps -= 1
            guard Day.range.contains(day) else { throw .outOfRange }
            guard steps >= 0 else { throw .budget }
            if isWorkingDay(Day(number: day)) { left -= 1 }
        }
        return Day(number: day)
    }

    /// `adding(workingDays:to:steps:)` with steps enough to walk the whole range of dates.
    public func adding(workingDays n: Int, to start: Day) throws(CalendarError) -> Day {
        var steps = Span.maximumWorkingDays
        return try adding(workingDays: n, to: start, steps: &steps)
    }
}

/// Integers written as ASCII digits straight into a byte buffer, for dates, times and JSON.
enum DecimalText {
    /// Appends `n` in decimal, with zeros in front up to `width` characters (a sign counts).
    static func write(_ n: Int, width: Int = 0, to out: inout [UInt8]) {
        // 20 digits and a sign hold any Int.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 21) { buffer in
            var start = 21
            var magnitude = n.magnitude
            repeat {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if n < 0 {
                start -= 1
                buffer[start] = UInt8(ascii: "-")
            }
            for _ in (21 - start)..<max(width, 21 - start) { out.append(UInt8(ascii: "0")) }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<21]))
        }
    }
}

extension Swift.Duration {
    /// The duration in seconds, with its fraction (for figures and timings).
    public var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
