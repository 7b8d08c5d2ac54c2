import Testing

@testable import GridflowExpressions

/// Untraced code reads numbers and conditions unboxed, fuses the reads of fields and folds
/// constants; traced code (`--explain`) does none of it. Both must give the same: the same value,
/// or the same error at the same range, having taken the same steps.
@Suite struct UnboxedCodeTests {
    static let pieces =
        FuzzTests.pieces + [
            "7", "0", "2.5", "false", "30", "case.count", "case.title", "case.role", " % ", "min(", "max(", "abs(",
            "floor(", "[1, 2]", "r.days_open", "r.area", "any(", "all(", "\"grid_supervisor\"", "case.bonus",
        ]
    static let seeds =
        FuzzTests.seeds + [
            "1 + 2 * 3 > 6 and not false",
            "round(7 / 0, 2)",
            "case.score % 0 + 1",
            "case.count in [1, 4, 9] or 2 in [1, 2]",
            "min(case.score, 5) - max(1, 2) + abs(-3)",
            "-(3 - 5) * case.count >= 8",
            "true or case.score / 0 > 1",
            "false and case.title == \"x\"",
            "any(case.reports, r -> r.days_open > 1) and all(case.reports, r -> r.area != \"off_duty\")",
            "(case.count > 3 ? case.score * 2 : 1.5) + (case.score > 100 ? 1 : 0)",
            "1 / 3 * 3 == 1 and 10 / 4 == 2.5 and 0.1 + 0.2 == 0.3",
            "case.title == \"井场巡查\" and case.role != \"team_supervisor\"",
            "count(case.reports, r -> r.area == \"off_duty\" and r.days_open > 0) + size(case.reports)",
        ]

    /// The fixture's frames: as given, with more filled in, and with nulls where the definition
    /// promises values (imported data gone wrong).
    static func frames(tracing: Bool) -> [Frame] {
        let broken = Fixture.frame(reports: 4, tracing: tracing)
        if case .record(let record) = broken.roots[0], case .list(var reports) = record.slots[9],
            case .record(let report) = reports[1]
        {
            reports[1] = .record(report.replacing(slot: 0, with: .null).replacing(slot: 1, with: .null))
            broken.roots[0] = .record(
                record.replacing(slot: 0, with: .null).replacing(slot: 2, with: .null).replacing(slot: 4, with: .null)
                    .replacing(slot: 9, with: .list(reports)))
        }
        let tight = Fixture.frame(reports: 7, tracing: tracing)
        tight.stepsLeft = 5
        return [
            Fixture.frame(tracing: tracing),
            Fixture.frame(
                reporter: Fixture.personValue, bonus: .number(Number("2.5")!), reports: 7, tracing: tracing),
            broken, tight,
        ]
    }

    static func outcome(_ expression: CompiledExpression, _ frame: Frame) -> String {
        do {
            let value = try expression.evaluate(frame)
            return "\(value) steps \(frame.stepsLeft)"
        } catch {
            return "\(error.code) \(error.message) \(error.range) steps \(frame.stepsLeft)"
        }
    }

    static func check(_ text: String) -> Bool {
        let traced: CompiledExpression
        do {
            traced = try Compiler.compile(text, in: Fixture.environment, tracing: true)
        } catch {
            #expect(throws: ExpressionProblem.self, "\(text)") { try Compiler.compile(text, in: Fixture.environment) }
            return false
        }
        let untraced: CompiledExpression
        do {
            untraced = try Compiler.compile(text, in: Fixture.environment)
        } catch {
            Issue.record("\(text) compiles traced but not untraced: \(error)")
            return false
        }
        #expect(traced.type == untraced.type && traced.cost == untraced.cost, "\(text)")
        for (a, b) in zip(frames(tracing: true), frames(tracing: false)) {
            let expected = outcome(traced, a), actual = outcome(untraced, b)
            #expect(actual == expected, "\(text)")
        }
        return true
    }

    @Test func theSeedsAgree() {
        for seed in Self.seeds { #expect(Self.check(seed), "\(seed)") }
    }

    @Test func randomAndMutatedInputsAgree() {
        var generator = SplitMix64(state: 18)
        var compiled = 0
        for round in 0..<20_000 {
            let text = FuzzInput.text(round: round, seeds: Self.seeds, pieces: Self.pieces, using: &generator)
            if Self.check(text) { compiled += 1 }
        }
        #expect(compiled > 500)
    }

    /// Folding never turns an evaluation error into a load-time one: `7 / 0` loads, and fails
    /// when evaluated, at its range, as before.
    @Test func aFoldedOperationThatFailsStillFailsWhenEvaluated() throws {
        for (text, code) in [("round(7 / 0, 2)", "division-by-zero"), ("1 % 0 > 0", "division-by-zero")] {
            let compiled = try Compiler.compile(text, in: Fixture.environment)
            do {
                _ = try compiled.evaluate(Fixture.frame())
                Issue.record("\(text) should fail")
            } catch {
                #expect(error.code == code)
                #expect(error.range.offset == (text.hasPrefix("round") ? 6 : 0))
            }
        }
    }

    /// Traced code folds nothing: `--explain` lists every constant and every operand.
    @Test func explainStillListsConstantsAndOperands() throws {
        let compiled = try Compiler.compile(
            "case.count * 2 + 1 > 3 and not false", in: Fixture.environment, tracing: true)
        let frame = Fixture.frame(tracing: true)
        #expect(try compiled.evaluate(frame) == .bool(true))
        #expect(
            frame.trace?.dropFirst().map(\.value.description) == [
                "4", "2", "8", "1", "9", "3", "true", "false", "true", "true",
            ])
    }

    /// What can be known at load is: constants fold into one, and `false and …` never reads its right side.
    @Test func constantsFold() throws {
        let folded = try Compiler.compile("round(1 / 3 * 3 + max(2, 5) - -1, 2)", in: Fixture.environment)
        #expect(try folded.evaluate(Fixture.frame()) == .number(Number("7")!))
        let compiler = Compiler(environment: Fixture.environment)
        var copy = compiler
        #expect(try copy.check(Parser.parse("1 + 2 * 3 > 6 and not false")).constant == .bool(true))
        #expect(try copy.check(Parser.parse("false and case.score / 0 > 1")).constant == .bool(false))
        #expect(try copy.check(Parser.parse("[1, 2] + [3]")).constant == nil)
        #expect(try copy.check(Parser.parse("[1, 2]")).constant == .list([.number(Number(1)), .number(Number(2))]))
        #expect(try copy.check(Parser.parse("7 / 0")).constant == nil)
        var traced = Compiler(environment: Fixture.environment, tracing: true)
        #expect(try traced.check(Parser.parse("1 + 2")).constant == nil)
    }
}
