import Testing

@testable import GridflowExpressions

/// The parser and checker never crash, whatever they are given.
@Suite struct FuzzTests {
    typealias Generator = SplitMix64

    static let pieces = [
        "case", ".", "score", "reports", "reporter", "area", "bonus", "deadline", "person", "performance", "[", "]",
        "(", ")",
        " and ", " or ", "not ", "!", "==", "!=", "<", ">=", " in ", "??", "?", ":", "+", "-", "*", "/", "%", ",", "->",
        "r",
        "count(", "sum(", "has(", "round(", "now()", "1", "0.5", "2024-07-01", "3d", "5wd", "\"off_duty\"", "'x'",
        "true",
        "null", " ", "\"", "2024-07-01T09:00:00+08:00", "监督", "\\", "=", "&&", "||",
        // Calendar periods and the date functions, with the ends of the range of dates.
        "1mo", "2y", "1y6mo", "119987mo", "9999-12-31", "0001-01-01", "end_of_month(", "start_of_half(", "weekday(",
        "day(",
    ]
    static let seeds = [
        "case.score >= 60 and case.role == \"grid_supervisor\"",
        "count(case.reports, r -> r.area == \"off_duty\" and r.days_open > 30)",
        "has(case.reporter) ? case.reporter.name : \"anonymous\"",
        "round(case.score * 0.4 + (case.bonus ?? 0) - 2, 2)",
        "person.performance[2023] in [\"good\", \"excellent\"]",
    ]

    @Test func hundredThousandRandomAndMutatedInputs() {
        var generator = Generator(state: 2024)
        var compiled = 0
        for round in 0..<100_000 {
            let text = FuzzInput.text(round: round, seeds: Self.seeds, pieces: Self.pieces, using: &generator)
            do {
                let expression = try Compiler.compile(text, in: Fixture.environment)
                compiled += 1
                _ = try? expression.evaluate(Fixture.frame())
            } catch {
                let length = text.unicodeScalars.count
                #expect(error.range.offset >= 0 && error.range.offset <= length, "\(text): \(error)")
            }
        }
        #expect(compiled > 100)
    }

    @Test func deepNestingIsRefusedNotCrashed() {
        let deep = String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000)
        #expect(throws: ExpressionProblem.self) { try Compiler.compile(deep, in: Fixture.environment) }
        let negations = String(repeating: "not ", count: 10_000) + "true"
        #expect(throws: ExpressionProblem.self) { try Compiler.compile(negations, in: Fixture.environment) }
    }
}
