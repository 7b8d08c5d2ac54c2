import Foundation
import Testing

@testable import GridflowExpressions

/// Expressions an adversary would write: each is refused or answered, never a crash, a hang or a
/// silently wrong value.
@Suite struct HostileInputTests {
    /// A flat chain builds a tree as tall as it is long; every operator is refused past the
    /// height limit with a "too-deep" problem, and accepted below it.
    @Test(arguments: [
        ("true", " and "), ("false", " or "), ("1", " + "), ("1", " - "), ("1", " * "), ("case.bonus", " ?? "),
        ("'a'", " + "), ("true", " && "),
    ])
    func flatChainsAreRefusedNotCrashed(term: String, op: String) throws {
        let long = Array(repeating: term, count: 5_000).joined(separator: op) + (op == " ?? " ? " ?? 1" : "")
        let problem = #expect(throws: ExpressionProblem.self) { try Compiler.compile(long, in: Fixture.environment) }
        #expect(problem?.code == "too-deep")
        let short = Array(repeating: term, count: 100).joined(separator: op) + (op == " ?? " ? " ?? 1" : "")
        _ = try Compiler.compile(short, in: Fixture.environment)
    }

    @Test(arguments: [("case", ".title"), ("[1]", "[0]")])
    func postfixChainsAreRefusedNotCrashed(start: String, step: String) {
        let text = start + String(repeating: step, count: 5_000)
        let problem = #expect(throws: ExpressionProblem.self) { try Compiler.compile(text, in: Fixture.environment) }
        #expect(problem?.code == "too-deep")
    }

    /// Duration arithmetic that would overflow a 64-bit integer is an error naming the operation.
    @Test(arguments: [
        "1d * 106751991167301", "5wd * 9223372036854775807", "1d * 9223372036854775808", "2w * -2000000000000",
        "3650000d + 3650000d",
    ])
    func durationOverflowIsAnError(text: String) {
        let error = #expect(throws: EvaluationError.self) { try Fixture.evaluate(text) }
        #expect(error?.code == "overflow")
    }

    /// Literals longer than the range of dates are refused when they load, saying why.
    @Test(arguments: ["2024-07-01T00:00:00Z + 106751991167300d", "2024-07-01 + 1000000000000wd"])
    func durationLiteralsBeyondTheRangeOfDatesAreRefused(text: String) {
        let problem = #expect(throws: ExpressionProblem.self) { try Compiler.compile(text, in: Fixture.environment) }
        #expect(problem?.message.contains("longer than the range of dates") == true)
    }

    @Test(arguments: ["9999-12-31 + 1d", "0001-01-01 - 1d", "9999-12-31T23:59:59Z + 1s", "9000-01-01 + 1000000d"])
    func datesLeavingTheirRangeAreAnError(text: String) {
        let error = #expect(throws: EvaluationError.self) { try Fixture.evaluate(text) }
        #expect(error?.code == "date-range")
    }

    /// A walk of working days takes a step per day from the evaluation's budget, so a long one
    /// stops with `step-budget` instead of running for hours.
    @Test func workingDayWalksTakeStepsFromTheBudget() throws {
        let error = #expect(throws: EvaluationError.self) { try Fixture.evaluate("2024-07-01 + 3000000wd") }
        #expect(error?.code == "step-budget")
        let frame = Fixture.frame()
        frame.stepsLeft = 100
        let between = #expect(throws: EvaluationError.self) {
            try Fixture.evaluate("working_days_between(2024-01-01, 2030-01-01)", frame: frame)
        }
        #expect(between?.code == "step-budget")
        #expect(try Fixture.evaluate("2024-07-01 + 5wd") == .date(Day("2024-07-08")!))
        #expect(try Fixture.evaluate("2024-10-08 - 5wd") == .date(Day("2024-09-27")!))
    }

    @Test func literalsWrittenWithAPointAreDecimals() throws {
        #expect(try Compiler.compile("1.0", in: Fixture.environment).type == .decimal)
        #expect(try Compiler.compile("1", in: Fixture.environment).type == .integer)
        let (environment, _) = try DataBinding.bind(json: Data(#"{"x": 72.0, "y": 72}"#.utf8))
        #expect(environment.roots.map(\.type) == [.decimal, .integer])
    }

    @Test func emptyListsAndNullDataHaveValues() throws {
        #expect(try Fixture.evaluate("sum([])") == .number(.zero))
        let avg = #expect(throws: ExpressionProblem.self) { try Compiler.compile("avg([])", in: Fixture.environment) }
        #expect(avg?.code == "empty-list")
        let (environment, roots) = try DataBinding.bind(json: Data(#"{"x": null}"#.utf8))
        let compiled = try Compiler.compile("x ?? 3", in: environment)
        #expect(compiled.type == .integer)
        #expect(try compiled.evaluate(Frame(roots: roots)) == .number(Number(3)))
    }

    /// A trace keeps its first thousand values and counts the rest; values print cut.
    @Test func tracesAndSummariesStaySmall() throws {
        let compiled = try Compiler.compile(
            "sum(map(case.reports, r -> r.days_open * 2))", in: Fixture.environment, tracing: true)
        let frame = Fixture.frame(reports: 5_000, tracing: true)
        #expect(try compiled.evaluate(frame) == .number(Number(24_995_000)))
        #expect(frame.trace?.count == Frame.traceLimit)
        // Per element: r, r.days_open, 2 and the product; then case, case.reports, map and sum.
        #expect(frame.untraced == 4 * 5_000 + 4 - Frame.traceLimit)
        let list = Value.list((0..<1_000_000).map { .number(Number($0)) })
        #expect(list.summary() == "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, … 999990 more]")
        let text = Value.string(String(repeating: "网", count: 100))
        #expect(text.summary() == "\"\(String(repeating: "网", count: 60))… (100 characters)\"")
        let nested = Value.list(Array(repeating: list, count: 50))
        #expect(nested.summary().count <= 201)
    }

    @Test func substringsAreFoundInLinearTime() throws {
        #expect(try Fixture.evaluate("contains('abc', '')") == .bool(true))
        #expect(try Fixture.evaluate("starts_with('abc', '')") == .bool(true))
        #expect(try Fixture.evaluate("ends_with('abc', '')") == .bool(true))
        #expect(try Fixture.evaluate("contains('井场巡查', '巡查')") == .bool(true))
        #expect(try Fixture.evaluate("contains('aaab', 'aab')") == .bool(true))
        #expect(try Fixture.evaluate("contains('abab', 'abb')") == .bool(false))
        #expect(try Fixture.evaluate("ends_with('井场巡查', '巡查')") == .bool(true))
        // The adversarial case for a naive search: 60,000 'a' and a needle of 30,000 'a' then 'b'.
        let hay = String(repeating: "a", count: 60_000)
        let needle = String(repeating: "a", count: 30_000) + "b"
        #expect(Functions.contains(hay, needle) == false)
        #expect(Functions.contains(hay + "b", needle) == true)
    }
}

/// Time zones with summer time: the local day of an instant and the instant of a local time use
/// the offset in force at that instant, checked against Foundation's `Calendar` across the
/// transitions of three zones.
@Suite struct ZoneTests {
    static let zones = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Shanghai"]

    @Test(arguments: zones)
    func localDaysMatchFoundationAcrossTransitions(identifier: String) throws {
        let zone = try #require(Zone(identifier: identifier))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: identifier))
        var random = SplitMix64(state: 20_241_129)
        var checked = 0
        // Every transition from 1980 to 2040, and random instants within a day of each.
        for transition in zone.transitions where transition > 315_532_800 && transition < 2_208_988_800 {
            for _ in 0..<8 {
                let seconds = transition + Int(random.next() % 172_800) - 86_400
                let date = Date(timeIntervalSince1970: Double(seconds))
                let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
                let day = zone.day(of: Instant(seconds: seconds))
                #expect(day == Day(year: parts.year!, month: parts.month!, day: parts.day!), "\(identifier) \(seconds)")
                #expect(
                    zone.secondOfDay(of: Instant(seconds: seconds))
                        == parts.hour! * 3600 + parts.minute! * 60 + parts.second!)
                #expect(zone.offset(at: Instant(seconds: seconds)) == calendar.timeZone.secondsFromGMT(for: date))
                checked += 1
            }
        }
        if identifier != "Asia/Shanghai" { #expect(checked > 500) }
    }

    /// Local midnights and 09:00 on every day around the transitions map back to the same wall
    /// time, as Foundation computes it (a time that does not exist moves forward by the gap).
    @Test(arguments: zones)
    func localTimesMatchFoundation(identifier: String) throws {
        let zone = try #require(Zone(identifier: identifier))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: identifier))
        for year in [1990, 2024, 2031] {
            let first = Day(year: year, month: 1, day: 1)!.number
            for number in first..<(first + 366) {
                let (y, m, d) = Day(number: number).components
                for second in [0, 1_800, 9_000, 32_400] {
                    let components = DateComponents(
                        year: y, month: m, day: d, hour: second / 3600, minute: second % 3600 / 60)
                    let expected = try #require(calendar.date(from: components))
                    let instant = zone.instant(on: Day(number: number), at: second)
                    #expect(
                        instant.seconds == Int(expected.timeIntervalSince1970),
                        "\(identifier) \(Day(number: number)) +\(second)s")
                }
            }
        }
    }

    /// `today()` is the day at the clock's instant in the unit's zone, with the offset of that
    /// instant, not of the day the machine runs on.
    @Test func todayUsesTheOffsetAtTheInstant() throws {
        var calendar = WorkCalendar(zone: Zone(identifier: "Europe/Berlin")!)
        calendar.holidays = []
        let compiled = try Compiler.compile("today()", in: Fixture.environment)
        let summer = Frame(roots: [], now: Instant("2024-07-01T22:30:00Z")!, calendar: calendar)
        #expect(try compiled.evaluate(summer) == .date(Day("2024-07-02")!))
        let winter = Frame(roots: [], now: Instant("2024-01-01T22:30:00Z")!, calendar: calendar)
        #expect(try compiled.evaluate(winter) == .date(Day("2024-01-01")!))
    }

    /// Working days keep the local time of day across a change of offset.
    @Test func workingDaysKeepTheLocalTimeAcrossSummerTime() throws {
        let calendar = WorkCalendar(zone: Zone(identifier: "Europe/Berlin")!)
        // Friday 2024-03-29 09:00 CET (+01:00) + 1wd = Monday 2024-04-01 09:00 CEST (+02:00).
        let moved = try calendar.adding(.workingDays(1), to: Instant("2024-03-29T09:00:00+01:00")!)
        #expect(moved == Instant("2024-04-01T09:00:00+02:00")!)
    }

    @Test func fixedOffsetsNameThemselves() {
        #expect(Zone(fixedOffset: 8 * 3600).identifier == "UTC+08:00")
        #expect(Zone(fixedOffset: -(9 * 3600 + 1800)).identifier == "UTC-09:30")
        #expect(Zone(fixedOffset: 8 * 3600).text(Instant(seconds: 0)) == "1970-01-01T08:00:00+08:00")
        #expect(Zone(identifier: "Asia/Kolkata")!.text(Instant(seconds: 0)) == "1970-01-01T05:30:00+05:30")
    }
}
