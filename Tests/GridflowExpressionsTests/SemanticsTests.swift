import Foundation
import Testing

@testable import GridflowExpressions

@Suite struct SemanticsTests {
    func value(_ text: String) throws -> Value { try Fixture.evaluate(text) }
    func number(_ text: String) -> Value { .number(Number(text)!) }

    @Test func decimalsAreExact() throws {
        #expect(try value("0.1 + 0.2 == 0.3") == .bool(true))
        #expect(try value("0.1 + 0.2") == number("0.3"))
        // 1/3 keeps 38 digits, so three thirds are 0.99999999999999999999999999999999999999, as in any
        // decimal arithmetic.
        #expect(try value("1 / 3 * 3 == 1") == .bool(false))
        #expect(try value("1 / 3 * 3") == number("0.99999999999999999999999999999999999999"))
        #expect(try value("10 / 4") == number("2.5"))
        #expect(try value("7 % 3") == number("1"))
        #expect(try value("case.score * 2") == number("145"))
    }

    @Test(arguments: [
        ("round(2.345, 2)", "2.35"), ("round(2.5)", "3"), ("round(-2.5)", "-3"), ("round(2.4449, 2)", "2.44"),
        ("round(0.125, 2)", "0.13"), ("floor(-1.5)", "-2"), ("ceil(1.2)", "2"), ("abs(-3.25)", "3.25"),
    ])
    func roundingIsHalfUp(_ expression: String, _ expected: String) throws {
        #expect(try value(expression) == number(expected))
    }

    /// The examples of docs/expressions.md, "Numbers", through the language.
    @Test(arguments: [
        ("0.333333333333333333333 * 3", "0.999999999999999999999"),
        ("1 / 99999999999999999999999999999999999999", "0.00000000000000000000000000000000000001"),
        ("20000000000000000000 / 3", "6666666666666666666.6666666666666666667"),
        ("(100 / 3) * (100 / 3)", "1111.1111111111111111111111111111111111"),
        ("2.00000000000000000000 / 3", "0.66666666666666666666666666666666666667"),
        ("99999999999999999999999999999999999999 % 0.3", "0"),
        ("floor(0 - 0.000000000000000000000000000000000000001)", "-1"),
        ("max(0.000000000000000000000000000000000000001, 0)", "0.000000000000000000000000000000000000001"),
        (
            "sum([90000000000000000000000000000000000000, 90000000000000000000000000000000000000, 0 - 90000000000000000000000000000000000000, 0.5])",
            "90000000000000000000000000000000000001"
        ),
        ("avg([1, 2, 2])", "1.6666666666666666666666666666666666667"),
    ])
    func numbersKeepThirtyEightDigits(_ expression: String, _ expected: String) throws {
        #expect(try value(expression) == number(expected))
    }

    @Test(arguments: [
        ("99999999999999999999999999999999999999 + 1", "the sum is 10^38 or more, beyond the 38 digits a number holds"),
        (
            "0 - 99999999999999999999999999999999999999 - 0.5",
            "the difference is 10^38 or more, beyond the 38 digits a number holds"
        ),
        (
            "10000000000000000000 * 10000000000000000000",
            "the product is 10^38 or more, beyond the 38 digits a number holds"
        ),
        (
            "1 / 0.000000000000000000000000000000000000001",
            "the quotient is 10^38 or more, beyond the 38 digits a number holds"
        ),
        (
            "sum([90000000000000000000000000000000000000, 10000000000000000000000000000000000000])",
            "the sum is 10^38 or more, beyond the 38 digits a number holds"
        ),
    ])
    func resultsOfTenToTheThirtyEightAreErrors(_ expression: String, _ message: String) {
        do {
            _ = try value(expression)
            Issue.record("\(expression) must fail")
        } catch let error as EvaluationError {
            #expect(error.code == "overflow")
            #expect(error.message == message)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func literalsBeyondTheRangeAreRefusedWithTheReason() {
        for (literal, reason) in [
            ("1.0000000000000000000000000000000000000001", "has more than 38 significant digits"),
            ("100000000000000000000000000000000000000", "is 10^38 or more"),
            ("0.\(String(repeating: "0", count: 76))1", "has more than 76 decimal places"),
        ] {
            #expect(
                throws: ExpressionProblem(
                    "bad-literal", "'\(literal)' \(reason)", at: TextRange(offset: 0, length: literal.count))
            ) {
                try value(literal)
            }
        }
    }

    @Test func divisionByZeroIsAnError() {
        #expect(throws: EvaluationError.self) { try value("case.score / (case.count - 4)") }
        do {
            _ = try value("case.score / (case.count - 4)")
        } catch let error as EvaluationError {
            #expect(error.code == "division-by-zero")
            #expect(error.range == TextRange(offset: 0, length: 29))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func integersPromoteToDecimals() throws {
        let compiled = try Compiler.compile("case.count + 0.5", in: Fixture.environment)
        #expect(compiled.type == .decimal)
        #expect(try Compiler.compile("case.count * 2", in: Fixture.environment).type == .integer)
        #expect(try Compiler.compile("case.count / 2", in: Fixture.environment).type == .decimal)
        #expect(try value("case.count / 8") == number("0.5"))
    }

    @Test func datesAndDurations() throws {
        #expect(try value("case.opened + 3d") == .date(Day("2024-07-04")!))
        #expect(try value("case.opened + 5wd") == .date(Day("2024-07-08")!))
        #expect(try value("2024-09-30 + 1wd") == .date(Day("2024-10-04")!))
        #expect(try value("2024-09-27 + 1wd") == .date(Day("2024-09-29")!))
        #expect(try value("days_between(2024-07-01, 2024-08-01)") == number("31"))
        #expect(try value("working_days_between(2024-09-27, 2024-10-08)") == number("5"))
        #expect(try value("quarter(2024-08-15)") == number("3"))
        #expect(try value("year(now())") == number("2024"))
        #expect(try value("today()") == .date(Day("2024-07-01")!))
        #expect(try value("now() + 36h") == .datetime(Instant("2024-07-02T21:00:00+08:00")!))
        #expect(try value("2024-07-02 - 2024-07-01 == 1d") == .bool(true))
        #expect(try value("2024-07-01T09:00:00+08:00 == 2024-07-01T01:00:00Z") == .bool(true))
        #expect(try value("case.wait == 3wd") == .bool(true))
    }

    @Test func listOperations() throws {
        #expect(try value("count(case.reports, r -> r.area == \"off_duty\" and r.days_open > 1)") == number("0"))
        let frame = Fixture.frame(reports: 50)
        #expect(
            try Fixture.evaluate("count(case.reports, r -> r.area == \"off_duty\" and r.days_open > 30)", frame: frame)
                == number("6"))
        #expect(
            try Fixture.evaluate("sum(case.reports, r -> r.days_open)", frame: Fixture.frame(reports: 50))
                == number("1225"))
        #expect(
            try Fixture.evaluate("avg(case.reports, r -> r.days_open)", frame: Fixture.frame(reports: 4))
                == number("1.5"))
        #expect(
            try Fixture.evaluate("max(case.reports, r -> r.days_open)", frame: Fixture.frame(reports: 4)) == number("3")
        )
        #expect(try value("any(case.reports, r -> r.days_open == 2)") == .bool(true))
        #expect(try value("all(case.reports, r -> r.days_open < 2)") == .bool(false))
        #expect(try value("size(filter(case.reports, r -> r.days_open > 0))") == number("2"))
        #expect(
            try value("map(case.reports, r -> r.days_open * 10)") == .list([number("0"), number("10"), number("20")]))
        #expect(try value("min(3, 1.5, 2)") == number("1.5"))
        #expect(try value("case.area in [\"off_duty\", \"vital_interests\"]") == .bool(true))
        #expect(throws: EvaluationError.self) {
            try Fixture.evaluate("avg(case.reports, r -> r.days_open)", frame: Fixture.frame(reports: 0))
        }
    }

    @Test func nullsFailClosed() throws {
        // Handled with ?? or has():
        #expect(try value("case.bonus ?? 0") == number("0"))
        #expect(try value("has(case.reporter) and case.reporter.party_member") == .bool(false))
        #expect(try value("has(case.reporter) ? case.reporter.name : \"anonymous\"") == .string("anonymous"))
        #expect(try value("not has(case.deadline) or case.deadline > now()") == .bool(true))
        #expect(try value("case.deadline == null") == .bool(true))
        #expect(try value("person.performance[2023] == \"good\"") == .bool(true))
        #expect(try value("person.performance[2019] == \"good\"") == .bool(false))
        #expect(try value("(person.performance[2019] ?? \"qualified\") == \"qualified\"") == .bool(true))
        // Unhandled: a load-time error, not a silent false.
        #expect(throws: ExpressionProblem.self) { try Compiler.compile("case.bonus > 3", in: Fixture.environment) }
        #expect(throws: ExpressionProblem.self) {
            try Compiler.compile("case.reporter.party_member", in: Fixture.environment)
        }
    }

    @Test func anEnumDefaultedToOneOfItsValuesStaysTheEnum() throws {
        // `person.performance[2019]` is a grade?: defaulted to one of the grades, it is a grade
        // (a rule set's enum input may take it); to another text, a string as before.
        #expect(
            try Compiler.compile("person.performance[2019] ?? \"qualified\"", in: Fixture.environment).type
                == Fixture.grade)
        #expect(try Compiler.compile("person.performance[2019] ?? \"none\"", in: Fixture.environment).type == .string)
        #expect(try Compiler.compile("person.performance[2019] ?? case.title", in: Fixture.environment).type == .string)
        #expect(try value("person.performance[2019] ?? \"qualified\"") == .string("qualified"))
        #expect(try value("person.performance[2023] ?? \"qualified\"") == .string("good"))
        // As the enum, it is compared as the enum: a value the grades lack is refused at load.
        #expect(throws: ExpressionProblem.self) {
            try Compiler.compile("(person.performance[2019] ?? \"good\") == \"god\"", in: Fixture.environment)
        }
    }

    @Test func missingDataAtRunTimeIsAnErrorWithAPosition() throws {
        // Imported data with a null where the definition promised a value.
        let compiled = try Compiler.compile("case.title == \"x\" or case.score > 1", in: Fixture.environment)
        let broken = Fixture.frame()
        if case .record(let record) = broken.roots[0] {
            broken.roots[0] = .record(record.replacing(slot: 4, with: .null))
        }
        do {
            _ = try compiled.evaluate(broken)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == "null")
            #expect(error.range == TextRange(offset: 0, length: 10))
        }
    }

    @Test func stepBudgetStopsEvaluation() throws {
        let compiled = try Compiler.compile("count(case.reports, r -> r.days_open > 1)", in: Fixture.environment)
        let frame = Fixture.frame(reports: 50)
        frame.stepsLeft = 10
        #expect(throws: EvaluationError.self) { try compiled.evaluate(frame) }
    }

    @Test func costCeilingIsCheckedAtLoad() {
        let nested =
            "count(case.reports, a -> count(case.reports, b -> count(case.reports, c -> c.days_open > b.days_open) > 1) > 1) > 0"
        do {
            _ = try Compiler.compile(nested, in: Fixture.environment)
            Issue.record("expected a cost error")
        } catch {
            #expect(error.code == "cost")
        }
    }

    @Test func explainRecordsEverySubExpression() throws {
        let compiled = try Compiler.compile(
            "case.score >= 60 and case.role == \"grid_supervisor\"", in: Fixture.environment, tracing: true)
        let frame = Fixture.frame(tracing: true)
        #expect(try compiled.evaluate(frame) == .bool(true))
        let trace = frame.trace ?? []
        #expect(
            trace.map(\.value.description) == [
                "{score: 72.5, count: 4, role: \"grid_supervisor\", area: \"off_duty\", title: \"井场巡查\", opened: 2024-07-01, deadline: null, reporter: null, bonus: null, reports: [{area: \"off_duty\", days_open: 0}, {area: \"discipline_style\", days_open: 1}, {area: \"discipline_style\", days_open: 2}], wait: 3wd}",
                "72.5", "60", "true",
                "{score: 72.5, count: 4, role: \"grid_supervisor\", area: \"off_duty\", title: \"井场巡查\", opened: 2024-07-01, deadline: null, reporter: null, bonus: null, reports: [{area: \"off_duty\", days_open: 0}, {area: \"discipline_style\", days_open: 1}, {area: \"discipline_style\", days_open: 2}], wait: 3wd}",
                "\"grid_supervisor\"", "\"grid_supervisor\"", "true", "true",
            ])
    }

    @Test func jsonDataBinds() throws {
        let json = #"{"score": 72.5, "n": 3, "ok": true, "d": "2024-07-01", "items": [{"a": 1}, {"a": 2, "b": "x"}]}"#
        let (environment, roots) = try DataBinding.bind(json: Data(json.utf8))
        #expect(environment.roots.map(\.name) == ["d", "items", "n", "ok", "score"])
        #expect(environment.roots.map(\.type.description) == ["date", "list<items[]>", "integer", "bool", "decimal"])
        let compiled = try Compiler.compile(
            "ok and n * score > 200 and size(items) == 2 and (items[1].b ?? \"\") == \"x\"", in: environment)
        #expect(try compiled.evaluate(Frame(roots: roots)) == .bool(true))
    }

    @Test func jsonNumbersAreExactOrRefused() throws {
        let json =
            #"{"tiny": 0.000000000000000000000000000000000000001, "one": 1.000000000000000000000000000000000000000000}"#
        let (environment, roots) = try DataBinding.bind(json: Data(json.utf8))
        let compiled = try Compiler.compile(
            "tiny > 0 and tiny < 0.000000000000000000000000000000000000002 and one == 1", in: environment)
        #expect(try compiled.evaluate(Frame(roots: roots)) == .bool(true))
        #expect(throws: DataBinding.Problem.self) { try DataBinding.bind(json: Data(#"{"x": 1e40}"#.utf8)) }
        do {
            _ = try DataBinding.bind(json: Data(#"{"x": 1e40}"#.utf8))
        } catch {
            #expect(error.description == "x: 1e40 is 10^38 or more")
        }
    }
}

/// Datetimes shown to people: the same instant at a zone's offset.
@Suite struct LocalTimeTextTests {
    @Test func anInstantIsWrittenAtTheOffsetOfItsZone() throws {
        let instant = try #require(Instant("2024-07-01T09:30:00Z"))
        let shanghai = try #require(Zone(identifier: "Asia/Shanghai"))
        #expect(shanghai.text(instant) == "2024-07-01T17:30:00+08:00")
        #expect(Instant(shanghai.text(instant)) == instant)
        #expect(Zone.utc.text(instant) == "2024-07-01T09:30:00Z")
        let newYork = try #require(Zone(identifier: "America/New_York"))
        #expect(newYork.text(instant) == "2024-07-01T05:30:00-04:00", "daylight saving time in July")
        #expect(newYork.text(try #require(Instant("2024-01-01T03:00:00Z"))) == "2023-12-31T22:00:00-05:00")
        #expect(instant.description(offset: 5 * 3600 + 45 * 60) == "2024-07-01T15:15:00+05:45")
        #expect(ValueJSON.encode(.list([.datetime(instant)]), time: shanghai) == #"["2024-07-01T17:30:00+08:00"]"#)
        #expect(Value.datetime(instant).description(in: shanghai) == "2024-07-01T17:30:00+08:00")
    }
}
