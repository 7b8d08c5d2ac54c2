import Foundation
import GridflowDefinitions
import GridflowExpressions
import Testing

@testable import GridflowRuntime

/// The pure interpreter, driven with no database: cases, events and the clock go in, the next
/// case, rejections and incidents come out.
@Suite struct InterpreterTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/runtime").path

    static let program: Program = {
        let result = Loader().load(paths: [root + "/Workflows/rt", root + "/Rules/rt"])
        precondition(!result.diagnostics.hasErrors, "\(result.diagnostics)")
        return try! Program(definitions: result.units["rt"]!, version: "test")
    }()

    let interpreter = Interpreter(program: InterpreterTests.program)
    let monday = Instant("2024-09-30T09:00:00+08:00")!

    func person(_ id: String) -> Value {
        let layout = Self.program.types.personType.layout
        var slots = [Value](repeating: .null, count: layout.names.count)
        slots[layout.slot(of: "id")!] = .string(id)
        slots[layout.slot(of: "name")!] = .string(id)
        slots[layout.slot(of: "roles")!] = .list([.string("employee")])
        slots[layout.slot(of: "party_member")!] = .bool(true)
        return .record(Record(layout: layout, slots: slots))
    }

    let employee = Actor(id: "wang", roles: ["employee"])
    let reviewer = Actor(id: "li", roles: ["reviewer"])

    func opened() throws -> CaseSnapshot {
        guard
            case .advanced(let step) = interpreter.open(
                "report", id: "c1", input: ["reporter": person("wang"), "summary": .string("罚款不公开")], by: employee,
                now: monday)
        else { throw Failure("open failed") }
        return step.next
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    func advanced(_ outcome: Outcome) throws -> Step {
        guard case .advanced(let step) = outcome else { throw Failure("expected a step, got \(outcome)") }
        return step
    }

    func rejection(_ outcome: Outcome) throws -> Rejection {
        guard case .rejected(let rejection) = outcome else { throw Failure("expected a rejection, got \(outcome)") }
        return rejection
    }

    @Test func openingStartsTheInitialStateAndItsTimers() throws {
        let step = try advanced(
            interpreter.open(
                "report", id: "c1", input: ["reporter": person("wang"), "summary": .string("x")], by: employee,
                now: monday))
        #expect(step.next.state == "submitted")
        #expect(step.next.version == 0)
        #expect(step.next["id"] == .string("c1"))
        #expect(step.history.event == "open")
        #expect(step.history.changes.map(\.field) == ["reporter", "summary"])
        // Two working days from Monday 30 September, over the 1–3 October holidays: Friday 4 and Monday 7 October.
        #expect(
            step.startTimers == [
                TimerRequest(name: "remind", event: "remind", due: Instant("2024-10-07T09:00:00+08:00")!)
            ])
    }

    @Test func openingChecksRoleAndRequiredFields() throws {
        let denied = try rejection(
            interpreter.open("report", id: "c", input: ["summary": .string("x")], by: reviewer, now: monday))
        #expect(denied.code == .notPermitted)
        let missing = try rejection(
            interpreter.open("report", id: "c", input: ["summary": .string("x")], by: employee, now: monday))
        #expect(missing.message == "field 'reporter' is required to open a report case")
        let wrongType = try rejection(
            interpreter.open(
                "report", id: "c", input: ["reporter": person("wang"), "summary": .number(Number(3))], by: employee,
                now: monday))
        #expect(wrongType.message == "field 'summary': expected string, not a number")
        let unknown = try rejection(
            interpreter.open("report", id: "c", input: ["nope": .string("x")], by: employee, now: monday))
        #expect(unknown.message == "report has no field 'nope'")
    }

    @Test func guardsPickTheTransitionAndSetComputesFields() throws {
        let current = try opened()
        let step = try advanced(
            interpreter.step(
                current, .act(event: "accept", input: ["score": .number(Number(72))], by: reviewer), now: monday))
        #expect(step.next.state == "answering")
        #expect(step.next.version == 1)
        #expect(step.history.transition == "accept")
        #expect(step.next["answer_by"] == .datetime(Instant("2024-10-08T09:00:00+08:00")!))
        #expect(step.cancelTimers)
        #expect(step.startTimers.map(\.event) == ["overdue"])
        let low = try advanced(
            interpreter.step(
                current, .act(event: "accept", input: ["score": .number(Number(5))], by: reviewer), now: monday))
        #expect(low.next.state == "closed")
        #expect(low.history.transition == "accept_low")
    }

    @Test func aFalseGuardIsARejectionThatSaysWhy() throws {
        let current = try opened()
        let refused = try rejection(
            interpreter.step(
                current, .act(event: "accept", input: ["score": .number(Number(30))], by: reviewer), now: monday))
        #expect(refused.code == .guardFalse)
        #expect(refused.message == "the guard of 'accept_low' does not hold: case.score < 10")
        #expect(refused.trace.map { "\($0.text) = \($0.value)" }.contains("case.score = 30"))
    }

    @Test func rejectionsForEventsRolesAndInputs() throws {
        let current = try opened()
        let unknown = try rejection(
            interpreter.step(current, .act(event: "close", input: [:], by: reviewer), now: monday))
        #expect(unknown.code == .unknownEvent)
        #expect(unknown.message == "no transition handles 'close' in state 'submitted'; events here: accept, remind")
        let role = try rejection(
            interpreter.step(
                current, .act(event: "accept", input: ["score": .number(Number(70))], by: employee), now: monday))
        #expect(role.code == .notPermitted)
        #expect(role.message == "'wang' may not fire 'accept' in state 'submitted'; it takes one of the roles reviewer")
        let missing = try rejection(
            interpreter.step(current, .act(event: "accept", input: [:], by: reviewer), now: monday))
        #expect(missing.message == "'accept' needs the input 'score'")
        let extra = try rejection(
            interpreter.step(
                current,
                .act(event: "accept", input: ["score": .number(Number(70)), "answer": .string("x")], by: reviewer),
                now: monday))
        #expect(extra.message == "'answer' is not an input of 'accept'; it takes score")
        let type = try rejection(
            interpreter.step(
                current, .act(event: "accept", input: ["score": .string("high")], by: reviewer), now: monday))
        #expect(type.message == "input 'score': expected decimal, not a string")
    }

    @Test func timersFireAsTheEngineAndRestartOnReentry() throws {
        var current = try opened()
        let first = try advanced(interpreter.step(current, .timer(event: "remind"), now: monday))
        #expect(first.next.state == "submitted")
        #expect(first.next["escalations"] == .number(Number(1)))
        #expect(first.effects == [.notify(role: "secretary", message: "A report waits for review")])
        #expect(first.startTimers.count == 1)
        current = first.next
        let second = try advanced(interpreter.step(current, .timer(event: "remind"), now: monday))
        current = second.next
        let third = try advanced(interpreter.step(current, .timer(event: "remind"), now: monday))
        #expect(third.effects.count == 2)
        #expect(third.history.actor == "system")
    }

    /// A `role: system` transition is the engine's timers and signals alone: a person holding a
    /// role named system, or an event fired as the engine's actor, does not take it.
    @Test func onlyTimersAndSignalsTakeSystemTransitions() throws {
        let current = try opened()
        for actor in [
            Actor(id: "mallory", roles: ["system"]), Actor(id: "system", roles: ["system", "reviewer"]), .system,
        ] {
            let refused = try rejection(
                interpreter.step(current, .act(event: "remind", input: [:], by: actor), now: monday))
            #expect(refused.code == .notPermitted)
            #expect(
                refused.message
                    == "'\(actor.id)' may not fire 'remind' in state 'submitted'; only the engine takes it (role: system: a timer or a signal)"
            )
        }
        #expect(try advanced(interpreter.step(current, .timer(event: "remind"), now: monday)).next.state == "submitted")
        let signalled = try advanced(interpreter.step(current, .signal(event: "remind", from: "c0"), now: monday))
        #expect(signalled.history.actor == "system")
    }

    /// A workflow `started_by: system` is opened by the engine only, whatever roles a person names.
    @Test func onlyTheEngineOpensWhatTheSystemStarts() throws {
        let forged = try rejection(
            interpreter.open(
                "followup", id: "f1", input: ["origin": .string("c1")], by: Actor(id: "mallory", roles: ["system"]),
                now: monday))
        #expect(forged.code == .notPermitted)
        #expect(
            forged.message == "'mallory' may not open a followup case; only the engine opens one (started_by: system)")
        let opened = try advanced(
            interpreter.open("followup", id: "f1", input: ["origin": .string("c1")], by: .system, now: monday))
        #expect(opened.history.actor == "system")
        #expect(!Actor(id: "system", roles: ["system"]).isEngine)
    }

    @Test func thePersonFieldMayActAndOthersMayNot() throws {
        var current = try opened()
        current = try advanced(
            interpreter.step(
                current, .act(event: "accept", input: ["score": .number(Number(80))], by: reviewer), now: monday)
        ).next
        let answered = try advanced(
            interpreter.step(
                current, .act(event: "answer", input: ["answer": .string("已整改")], by: reviewer), now: monday))
        #expect(answered.effects == [.record(ledger: "answers", value: .string("已整改"))])
        let stranger = try rejection(
            interpreter.step(
                answered.next, .act(event: "confirm", input: [:], by: Actor(id: "zhao", roles: ["employee"])),
                now: monday))
        #expect(stranger.code == .notPermitted)
        let closed = try advanced(
            interpreter.step(answered.next, .act(event: "confirm", input: [:], by: employee), now: monday))
        #expect(closed.next.state == "closed")
        let finished = try rejection(
            interpreter.step(closed.next, .act(event: "confirm", input: [:], by: employee), now: monday))
        #expect(finished.code == .caseFinished)
    }

    /// The anonymous reporter (the report form's receipt) takes the opener's steps of an anonymous
    /// report, and nothing else: not another role's, not a named reporter's.
    @Test func theAnonymousReporterTakesOnlyTheOpenersStepsOfAnAnonymousReport() throws {
        let package = URL(fileURLWithPath: Self.root).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let result = Loader().load(
            paths: ["group", "oilfield"].map { package + "/Workflows/" + $0 } + [package + "/Rules/oilfield"])
        let program = try Program(definitions: try #require(result.units["oilfield"]), version: "v")
        let interpreter = Interpreter(program: program)
        let fields: [String: Value] = [
            "channel": .string("qr_code"), "description": .string("夜班补贴未发放"), "team": .string("opp_area_1_station_1"),
        ]
        var anonymous = try advanced(interpreter.open("issue", id: "i1", input: fields, by: .system, now: monday)).next
        anonymous.state = "awaiting_feedback"
        let early = try rejection(
            interpreter.step(
                try advanced(interpreter.open("issue", id: "i0", input: fields, by: .system, now: monday)).next,
                .act(event: "classify", input: [:], by: .anonymousOpener), now: monday))
        #expect(early.code == .notPermitted)
        let office = try rejection(
            interpreter.step(anonymous, .act(event: "close_anonymous", input: [:], by: .anonymousOpener), now: monday))
        #expect(office.code == .notPermitted)
        let rated = try advanced(
            interpreter.step(
                anonymous, .act(event: "confirm", input: ["satisfaction": .string("satisfied")], by: .anonymousOpener),
                now: monday))
        #expect(rated.next.state == "answered" && rated.history.actor == "anonymous")
        // A report under a name is its reporter's to rate.
        let layout = program.types.personType.layout
        var slots = [Value](repeating: .null, count: layout.names.count)
        slots[layout.slot(of: "id")!] = .string("wang")
        slots[layout.slot(of: "name")!] = .string("王强")
        let wang = Record(layout: layout, slots: slots)
        // (The record as far as the permission reads it: the person's id.)
        var named = anonymous
        var caseSlots = anonymous.fields.slots
        caseSlots[try #require(program.workflow("issue")?.caseType.layout.slot(of: "reporter"))] = .record(wang)
        named.fields = Record(layout: anonymous.fields.layout, slots: caseSlots)
        let notTheirs = try rejection(
            interpreter.step(named, .act(event: "confirm", input: [:], by: .anonymousOpener), now: monday))
        #expect(notTheirs.code == .notPermitted)
    }

    @Test func anExpressionThatFailsIsAnIncidentNotAFalse() throws {
        var current = try opened()
        current = try advanced(
            interpreter.step(
                current, .act(event: "accept", input: ["score": .number(Number(80))], by: reviewer), now: monday)
        ).next
        guard
            case .incident(let incident) = interpreter.step(
                current, .act(event: "divide", input: [:], by: Actor(id: "s", roles: ["secretary"])), now: monday)
        else {
            Issue.record("expected an incident")
            return
        }
        #expect(incident.code == "division-by-zero")
        #expect(incident.transition == "divide")
        #expect(incident.expression == "100 / ((case.score ?? 0) - (case.score ?? 0)) > 1")
    }

    @Test func decisionTablesDecideAndAMissingRowIsAnIncident() throws {
        var current = try opened()
        current = try advanced(
            interpreter.step(
                current, .act(event: "accept", input: ["score": .number(Number(80))], by: reviewer), now: monday)
        ).next
        let secretary = Actor(id: "s", roles: ["secretary"])
        let graded = try advanced(
            interpreter.step(current, .act(event: "grade", input: [:], by: secretary), now: monday))
        #expect(graded.next["grade"] == .string("good"))
        // A score no row covers: the table cannot decide, and says so.
        var low = current
        low.fields = low.fields.replacing(slot: low.fields.layout.slot(of: "score")!, with: .number(Number("61.5")!))
        let pass = try advanced(interpreter.step(low, .act(event: "grade", input: [:], by: secretary), now: monday))
        #expect(pass.next["grade"] == .string("pass"))
        low.fields = low.fields.replacing(slot: low.fields.layout.slot(of: "score")!, with: .number(Number(42)))
        guard
            case .incident(let incident) = interpreter.step(
                low, .act(event: "grade", input: [:], by: secretary), now: monday)
        else {
            Issue.record("expected an incident")
            return
        }
        #expect(incident.code == "no-rule-matched")
        #expect(incident.message == "no row of 'grade' matches its inputs score")
        #expect(incident.transition == "grade")
    }

    @Test func theSameInputsGiveTheSameOutcome() throws {
        let current = try opened()
        let event = Event.act(event: "accept", input: ["score": .number(Number(72))], by: reviewer)
        let a = try advanced(interpreter.step(current, event, now: monday))
        let b = try advanced(interpreter.step(current, event, now: monday))
        #expect(a.next == b.next)
        #expect(a.history == b.history)
        #expect(a.startTimers == b.startTimers)
    }
}

/// Every shipped workflow compiles into a program.
@Suite struct ShippedProgramTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test(arguments: ["oilfield", "telecom"])
    func unitCompiles(_ unit: String) throws {
        let result = Loader().load(paths: [Self.root + "/Workflows/\(unit)", Self.root + "/Rules/\(unit)"])
        #expect(!result.diagnostics.hasErrors)
        let program = try Program(definitions: try #require(result.units[unit]), version: "v")
        #expect(program.workflows.count == result.units[unit]?.workflows.count)
        let interpreter = Interpreter(program: program)
        let selection = try #require(program.workflow("selection"))
        #expect(!interpreter.program.workflows.isEmpty)
        #expect(selection.states[selection.initialState] != nil)
    }
}
