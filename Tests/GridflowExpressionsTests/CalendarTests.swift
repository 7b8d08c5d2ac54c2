import Foundation
import Testing

@testable import GridflowExpressions

/// Calendar arithmetic: periods of years and months, day and weekday, and the start and end of
/// months, quarters, half-years and years. The fixture's zone is Asia/Shanghai (+08:00).
@Suite struct CalendarTests {
    func value(_ text: String) throws -> Value { try Fixture.evaluate(text) }
    func date(_ text: String) -> Value { .date(Day(text)!) }
    func runError(_ text: String) -> EvaluationError? {
        #expect(throws: EvaluationError.self) { try Fixture.evaluate(text) }
    }
    func loadProblem(_ text: String) -> ExpressionProblem? {
        #expect(throws: ExpressionProblem.self) { try Compiler.compile(text, in: Fixture.environment) }
    }

    @Test(arguments: [
        ("2024-01-31 + 1mo", "2024-02-29"), ("2023-01-31 + 1mo", "2023-02-28"), ("2024-02-29 - 1y", "2023-02-28"),
        ("2024-02-29 + 1y", "2025-02-28"), ("2024-02-29 + 4y", "2028-02-29"), ("2024-02-29 - 2y", "2022-02-28"),
        ("2024-03-31 - 1mo", "2024-02-29"), ("2024-03-31 + 6mo", "2024-09-30"), ("2024-08-31 + 1y6mo", "2026-02-28"),
        ("2024-01-15 - 13mo", "2022-12-15"), ("2024-12-31 + 1mo", "2025-01-31"), ("2024-05-31 + -3mo", "2024-02-29"),
        ("2024-05-31 - -1mo", "2024-06-30"), ("1y + 2024-02-29", "2025-02-28"), ("2024-01-31 + 1mo * 3", "2024-04-30"),
        ("2024-01-31 + 1mo + 1mo + 1mo", "2024-04-29"), ("2024-03-01 - 2y + 1d", "2022-03-02"),
        ("0001-02-28 - 1mo", "0001-01-28"), ("9999-11-30 + 1mo", "9999-12-30"),
    ])
    func periodsMoveByCalendarMonths(_ expression: String, _ expected: String) throws {
        #expect(try value(expression) == date(expected))
    }

    @Test func twoYearsIsNotSevenHundredThirtyDays() throws {
        // Across 29 February 2024, 730 days fall a day short of two years.
        #expect(try value("2025-06-01 - 2y") == date("2023-06-01"))
        #expect(try value("2025-06-01 - 730d") == date("2023-06-02"))
    }

    @Test func periodsCombineWithPeriods() throws {
        #expect(try value("1y + 6mo") == .duration(.months(18)))
        #expect(try value("1y - 18mo") == .duration(.months(-6)))
        #expect(try value("1mo * 3") == .duration(.months(3)))
        #expect(try value("2 * 1y") == .duration(.months(24)))
        #expect(try value("-1y6mo") == .duration(.months(-18)))
        #expect(try value("12mo == 1y") == .bool(true))
        #expect(try value("11mo < 1y") == .bool(true))
        #expect(try value("max(1y, 13mo)") == .duration(.months(13)))
        #expect(try Compiler.compile("1y + 6mo", in: Fixture.environment).type == .period)
        #expect(try Compiler.compile("case.opened - 1y", in: Fixture.environment).type == .date)
        #expect(try Compiler.compile("now() - 1y", in: Fixture.environment).type == .datetime)
        #expect(Span.months(18).description == "1y6mo")
        #expect(Span.months(-24).description == "-2y")
        #expect(Span.months(5).description == "5mo")
        #expect(try value("1y6mo") == .duration(.months(18)))
    }

    @Test(arguments: ["2y + 3d", "1mo < 30d", "1mo == 30d", "30d - 1mo", "1mo + 5wd", "case.wait == 1mo", "1mo * 1.5"])
    func periodsAndDurationsDoNotMix(_ expression: String) throws {
        let problem = try #require(loadProblem(expression))
        #expect(problem.code == "type")
        if !expression.contains("1.5") { #expect(problem.hint?.contains("no fixed length in days") == true) }
    }

    @Test(arguments: ["1y6d", "5mon", "1mo2y", "y", "6mo3"])
    func malformedPeriodsAreRefused(_ expression: String) throws {
        #expect(try #require(loadProblem(expression)).code != "")
    }

    @Test(arguments: [
        "0001-01-31 - 1mo", "9999-12-01 + 1mo", "0001-06-01 - 1y", "9999-01-01 + 1y", "2024-01-01 + 119987mo",
        "2024-01-01 - 119987mo", "2024-01-01 + 1mo * 119987", "0001-01-01T00:00:00Z - 1mo",
        "9999-12-31T20:00:00Z + 1mo",
    ])
    func periodsLeavingTheRangeAreErrors(_ expression: String) throws {
        let error = try #require(runError(expression))
        #expect(["date-range", "overflow"].contains(error.code))
    }

    @Test func longPeriodsOverflowWithoutCrashing() throws {
        #expect(try #require(runError("1mo * 119988")).code == "overflow")
        #expect(try #require(runError("1y * 9223372036854775807")).code == "overflow")
        #expect(try #require(runError("9000y + 9000y")).code == "overflow")
        #expect(try #require(loadProblem("9999999y")).code == "bad-literal")
        #expect(try #require(loadProblem("119988mo")).code == "bad-literal")
        #expect(try value("0001-01-01 + 119987mo") == date("9999-12-01"))
    }

    @Test func periodsOnDatetimesKeepTheLocalTime() throws {
        // 2024-03-31 06:00 in Shanghai is 2024-03-30T22:00Z: the local date moves.
        #expect(
            try value("2024-03-30T22:00:00Z - 1mo") == .datetime(Instant("2024-02-29T06:00:00+08:00")!))
        #expect(
            try value("2024-02-29T23:30:00+08:00 + 1y") == .datetime(Instant("2025-02-28T23:30:00+08:00")!))
        // Across a change of offset, the wall-clock time is kept, not the number of hours.
        let berlin = WorkCalendar(zone: Zone(identifier: "Europe/Berlin")!)
        #expect(
            try berlin.adding(.months(1), to: Instant("2024-03-10T09:00:00+01:00")!)
                == Instant("2024-04-10T09:00:00+02:00")!)
        #expect(
            try berlin.adding(.months(-1), to: Instant("2024-04-10T09:00:00+02:00")!)
                == Instant("2024-03-10T09:00:00+01:00")!)
    }

    @Test(arguments: [
        ("day(2024-02-29)", "29"), ("day(2024-12-01)", "1"), ("weekday(2024-02-29)", "4"),
        ("weekday(2024-07-01)", "1"), ("weekday(2024-07-07)", "7"), ("weekday(0001-01-01)", "1"),
        ("weekday(9999-12-31)", "5"), ("weekday(1969-12-31)", "3"),
        // 2024-06-30T20:00Z is Monday 2024-07-01 04:00 in Shanghai.
        ("day(2024-06-30T20:00:00Z)", "1"), ("weekday(2024-06-30T20:00:00Z)", "1"), ("day(now())", "1"),
    ])
    func dayAndWeekday(_ expression: String, _ expected: String) throws {
        #expect(try value(expression) == .number(Number(expected)!))
    }

    @Test(arguments: [
        ("start_of_month", "2024-02-29", "2024-02-01"), ("end_of_month", "2024-02-10", "2024-02-29"),
        ("end_of_month", "2023-02-10", "2023-02-28"), ("end_of_month", "2024-04-30", "2024-04-30"),
        ("start_of_quarter", "2024-05-31", "2024-04-01"), ("end_of_quarter", "2024-05-31", "2024-06-30"),
        ("start_of_quarter", "2024-12-31", "2024-10-01"), ("end_of_quarter", "2024-10-01", "2024-12-31"),
        ("start_of_half", "2024-06-30", "2024-01-01"), ("end_of_half", "2024-02-29", "2024-06-30"),
        ("start_of_half", "2024-07-01", "2024-07-01"), ("end_of_half", "2024-07-01", "2024-12-31"),
        ("start_of_year", "2024-02-29", "2024-01-01"), ("end_of_year", "2024-02-29", "2024-12-31"),
        ("start_of_month", "0001-01-01", "0001-01-01"), ("end_of_year", "9999-12-31", "9999-12-31"),
        ("end_of_month", "9999-12-01", "9999-12-31"),
    ])
    func startsAndEndsOfDates(_ function: String, _ argument: String, _ expected: String) throws {
        #expect(try value("\(function)(\(argument))") == date(expected))
        #expect(try Compiler.compile("\(function)(\(argument))", in: Fixture.environment).type == .date)
    }

    /// A datetime counts by its local date: 2024-03-31T20:00Z is already 1 April in Shanghai.
    @Test(arguments: [
        ("start_of_month", "2024-04-01"), ("end_of_month", "2024-04-30"), ("start_of_quarter", "2024-04-01"),
        ("end_of_quarter", "2024-06-30"), ("start_of_half", "2024-01-01"), ("end_of_half", "2024-06-30"),
        ("start_of_year", "2024-01-01"), ("end_of_year", "2024-12-31"),
    ])
    func startsAndEndsOfDatetimesUseTheLocalDate(_ function: String, _ expected: String) throws {
        #expect(try value("\(function)(2024-03-31T20:00:00Z)") == date(expected))
        // 15:59Z is still 31 March in Shanghai (23:59).
        let before = try value("\(function)(2024-03-31T15:59:00Z)")
        #expect(before == (try value("\(function)(2024-03-31)")))
        #expect((function.hasSuffix("half") || function.hasSuffix("year")) == (before == date(expected)))
    }

    /// 9999-12-31T20:00Z is already 10000-01-01 in Shanghai, 0001-01-01T00:00Z still year 0 in
    /// New York: a start or end outside the range of dates is a `date-range` error, not a crash.
    @Test(arguments: ["start_of_month", "end_of_month", "start_of_quarter", "end_of_half", "end_of_year"])
    func startsAndEndsAtTheRangeEdgesAreErrors(_ function: String) throws {
        #expect(try #require(runError("\(function)(9999-12-31T20:00:00Z)")).code == "date-range")
        #expect(try value("\(function)(9999-12-31T15:59:59Z)") != .null)
        let compiled = try Compiler.compile("\(function)(0001-01-01T00:00:00Z)", in: Fixture.environment)
        let frame = Fixture.frame()
        frame.calendar = WorkCalendar(zone: Zone(identifier: "America/New_York")!)
        let error = #expect(throws: EvaluationError.self) { try compiled.evaluate(frame) }
        #expect(error?.code == "date-range")
    }

    @Test func calendarFunctionsAreTypedAtLoad() throws {
        #expect(try #require(loadProblem("day(case.score)")).code == "type")
        #expect(try #require(loadProblem("end_of_month(case.deadline)")).code == "nullable")
        #expect(try #require(loadProblem("weekday(2024-07-01, 2)")).code == "arguments")
        #expect(try Fixture.evaluate("end_of_month(case.deadline ?? now())") == date("2024-07-31"))
        #expect(try value("has(case.deadline) and day(case.deadline ?? now()) > 1") == .bool(false))
    }

    @Test func durationsAreUnchanged() throws {
        #expect(try value("2024-07-01 + 730d") == date("2026-07-01"))
        #expect(try value("2024-07-01 + 5wd") == date("2024-07-08"))
        #expect(try value("1m") == .duration(.seconds(60)))
        #expect(try value("1d12h") == .duration(.seconds(129_600)))
        // A duration field holds no months: data of "1mo" is refused.
        #expect(Span("1mo") == nil)
        #expect(Span("1mo", months: true) == .months(1))
        #expect(Conformance.problem(.duration(.months(1)), .duration) != nil)
    }
}
