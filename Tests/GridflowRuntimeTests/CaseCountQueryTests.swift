import GridflowExpressions
import Testing

@testable import GridflowRuntime

/// Which facts the store may count itself: the translation of `person`, `where` and `sum`.
@Suite struct CaseCountQueryTests {
    @Test func simpleFactsTranslate() throws {
        let plain = try #require(CaseCountQuery.translate(person: "[case.supervisor.id]", where: nil, sum: nil))
        #expect(plain == CaseCountQuery(person: .field(["supervisor", "id"]), condition: nil, amount: .one))
        let rectified = try #require(
            CaseCountQuery.translate(
                person: "has(case.reporter) and case.real_name ? [case.reporter.id] : []",
                where: #"case.report_type == "problem" and case.state in ["answered"]"#,
                sum: "size(case.items ?? [])"))
        #expect(
            rectified
                == CaseCountQuery(
                    person: .field(["reporter", "id"]),
                    condition: .and([
                        .and([.equals(.field(["report_type"]), .string("problem")), .oneOf(.state, ["answered"])]),
                        .and([.present(.field(["reporter"])), .isTrue(.field(["real_name"]))]),
                    ]), amount: .size(["items"])))
        let negated = try #require(
            CaseCountQuery.translate(person: "case.supervisor.id", where: "not (case.on_time ?? true)", sum: nil))
        #expect(negated.condition == .not(.isTrue(.coalesce(.field(["on_time"]), .bool(true)))))
    }

    /// Anything else is counted case by case in Swift.
    @Test(
        arguments: [
            ("map(case.members ?? [], m -> m.id)", nil, nil),
            ("[case.supervisor.id]", "case.score >= 60", nil),
            ("[case.supervisor.id]", nil, #"count(case.improvements ?? [], i -> i == "rule_improved")"#),
            ("[case.supervisor.id, case.deputy.id]", nil, nil),
            ("[case.opened_at]", nil, nil),
            ("[case.supervisor.id]", "case.opened_at == \"x\"", nil),
            ("[case.supervisor.id]", "size(case.items) == \"x\"", nil),
        ] as [(String, String?, String?)])
    func otherFactsDoNot(person: String, filter: String?, sum: String?) {
        #expect(CaseCountQuery.translate(person: person, where: filter, sum: sum) == nil)
    }
}
