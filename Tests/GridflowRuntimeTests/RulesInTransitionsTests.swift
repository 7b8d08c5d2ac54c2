import Foundation
import GridflowDefinitions
import GridflowExpressions
import Testing

@testable import GridflowRuntime

/// Transitions that consult rule sets: the shipped telecom selection (eligibility) and oilfield
/// issue routing (a routing table), run through the real interpreter.
@Suite struct RulesInTransitionsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static func program(_ unit: String) -> Program {
        let result = Loader().load(paths: [root + "/Workflows/\(unit)", root + "/Rules/\(unit)"])
        return try! Program(definitions: result.units[unit]!, version: "v1")
    }

    static let telecom = program("telecom")
    static let oilfield = program("oilfield")
    let now = Instant("2024-07-01T09:00:00+08:00")!

    struct Failure: Error {}

    static func person(
        _ program: Program, id: String, grades: [Int: String], partyMember: Bool = true, sanctioned: Day? = nil
    ) -> Value {
        let type = program.types.personType
        var slots = [Value](repeating: .null, count: type.fields.count)
        for (index, field) in type.fields.enumerated() {
            switch (field.name, field.type.unwrapped) {
            case ("id", _), ("name", _): slots[index] = .string(id)
            case ("roles", _): slots[index] = .list([])
            case ("party_member", _): slots[index] = .bool(partyMember)
            case ("performance", _):
                slots[index] = .map(
                    Dictionary(uniqueKeysWithValues: grades.map { (.number(Number($0.key)), .string($0.value)) }))
            case ("key_post", _): slots[index] = .string("none")
            case ("last_sanction", _): slots[index] = sanctioned.map(Value.date) ?? .null
            case ("team", _): slots[index] = .string("haicheng_central_grid")
            case (_, .bool):
                slots[index] = .bool(field.name == "frontline_familiar")
            default: break
            }
        }
        return .record(Record(layout: type.layout, slots: slots))
    }

    func advance(
        _ interpreter: Interpreter, _ current: CaseSnapshot, _ event: String, _ role: String, _ input: [String: Value]
    )
        throws -> CaseSnapshot
    {
        switch interpreter.step(current, .act(event: event, input: input, by: Actor(id: role, roles: [role])), now: now)
        {
        case .advanced(let step): return step.next
        case .rejected(let rejection):
            Issue.record("\(event) by \(role) rejected: \(rejection.message)")
            throw Failure()
        case .incident(let incident):
            Issue.record("\(event) by \(role) gave an incident: \(incident.message)")
            throw Failure()
        }
    }

    func openSelection(grades: [Int: String], sanctioned: Day? = nil) throws -> (Interpreter, CaseSnapshot) {
        let candidate = Self.person(Self.telecom, id: "chen", grades: grades, sanctioned: sanctioned)
        // The political review reads the candidate's current directory record.
        guard case .record(let record) = candidate else { throw Failure() }
        let interpreter = Interpreter(program: Self.telecom, directory: ["chen": record])
        let opened = interpreter.open(
            "selection", id: "s1",
            input: [
                "position_role": .string("grid_supervisor"), "candidate": candidate,
                "team": .string("haicheng_central_grid"),
                "selection_year": .number(Number(2024)),
            ], by: Actor(id: "unit", roles: ["selecting_unit"]), now: now)
        guard case .advanced(let step) = opened else {
            Issue.record("open failed: \(opened)")
            throw Failure()
        }
        return (interpreter, step.next)
    }

    @Test func theSevenStepSelectionRunsToAppointment() throws {
        var (interpreter, current) = try openSelection(grades: [2021: "good", 2022: "excellent", 2023: "good"])
        current = try advance(
            interpreter, current, "approve", "selecting_unit", ["recommendation_note": .string("民主推荐")])
        #expect(current["eligible"] == .bool(true))
        guard case .list(let reasons)? = current["eligibility_reasons"] else {
            Issue.record("no reasons recorded")
            return
        }
        // Front-line, three good years, a Party member of the grid: five preferences, five points.
        #expect(reasons.count == 5)
        #expect(current["preference_points"] == .number(Number(5)))
        #expect("\(reasons)".contains("preferred (party_member_of_own_team)"))
        // The political-status review gives its verdict on each criterion of the political gate.
        let verdicts: [String: Value] = [
            "political_review_opinion": .string("合格"), "party_spirit": .bool(true),
            "ideals_and_convictions": .bool(true), "fighting_spirit": .bool(true), "clean_and_honest": .bool(true),
        ]
        let steps: [(String, [String: Value])] = [
            ("party_branch", ["branch_opinion": .string("同意")]),
            ("superior_discipline_committee", ["discipline_review_opinion": .string("同意")]),
            ("hr_department", ["resume_review_opinion": .string("履历属实")]),
            ("party_committee_office", verdicts),
            ("discipline_committee_office", ["integrity_opinion": .string("无问题")]),
        ]
        for (role, input) in steps {
            current = try advance(interpreter, current, "approve", role, input)
        }
        #expect(current["political_gate_passed"] == .bool(true))
        guard
            case .advanced(let last) = interpreter.step(
                current,
                .act(
                    event: "approve",
                    input: ["approval_note": .string("批复同意"), "certificate_no": .string("BH-2024-01")],
                    by: Actor(id: "a", roles: ["approver"])),
                now: now)
        else {
            Issue.record("the last step did not advance")
            return
        }
        #expect(last.next.state == "appointed")
        #expect(last.effects.contains { if case .open(workflow: "onboarding", _) = $0 { true } else { false } })
        #expect(
            last.effects.contains {
                if case .appoint(role: "grid_supervisor", _, at: "haicheng_central_grid", _) = $0 {
                    true
                } else {
                    false
                }
            })
        #expect(
            !last.effects.contains { if case .appoint(role: "team_supervisor", _, _, _) = $0 { true } else { false } })
    }

    @Test func anIneligibleCandidateCannotPassTheNextStep() throws {
        // Sanctioned in May 2023 (within two calendar years): not clean and honest. The weaker
        // 2022 only costs its point.
        var (interpreter, current) = try openSelection(
            grades: [2021: "good", 2022: "qualified", 2023: "good"], sanctioned: Day("2023-05-10"))
        current = try advance(interpreter, current, "approve", "selecting_unit", ["recommendation_note": .string("推荐")])
        #expect(current["eligible"] == .bool(false))
        guard case .list(let reasons)? = current["eligibility_reasons"] else {
            Issue.record("no reasons recorded")
            return
        }
        #expect(reasons.contains { "\($0)".contains("not met (clean_and_honest)") })
        #expect(!reasons.contains { "\($0)".contains("performance_two_years_ago") })
        #expect(current["preference_points"] == .number(Number(4)))
        guard
            case .rejected(let rejection) = interpreter.step(
                current,
                .act(
                    event: "approve", input: ["branch_opinion": .string("同意")],
                    by: Actor(id: "b", roles: ["party_branch"])),
                now: now)
        else {
            Issue.record("an ineligible candidate passed")
            return
        }
        #expect(rejection.code == .guardFalse)
    }

    @Test(arguments: [
        "discipline_style", "democratic_management", "production_business", "vital_interests", "off_duty",
    ])
    func routingSetsTheDepartmentAndDeadline(_ area: String) throws {
        let interpreter = Interpreter(program: Self.oilfield)
        let workflow = try #require(Self.oilfield.workflow("issue"))
        guard case .enumeration(_, let channels)? = workflow.fieldTypes["channel"]?.unwrapped,
            case .enumeration(_, let types)? = workflow.fieldTypes["report_type"]?.unwrapped
        else {
            Issue.record("channel and report_type are enums")
            return
        }
        guard
            case .advanced(let opened) = interpreter.open(
                "issue", id: "i1",
                input: [
                    "channel": .string(channels[0]), "description": .string("加班费未按时发放"),
                    "team": .string("opp_area_1_station_1"),
                ],
                by: Actor(id: "w", roles: ["employee"]), now: now)
        else {
            Issue.record("open failed")
            return
        }
        let classified = try advance(
            interpreter, opened.next, "classify", "plant_discipline_committee",
            ["area": .string(area), "report_type": .string(types[0])])
        #expect(classified.state == "awaiting_claim")
        guard case .string(let department)? = classified["department"],
            case .duration(let deadline)? = classified["deadline"]
        else {
            Issue.record("routing left department or deadline empty")
            return
        }
        #expect(Self.oilfield.types.unit.departments.contains { $0.name.text == department })
        #expect(deadline != .seconds(0))
    }
}
