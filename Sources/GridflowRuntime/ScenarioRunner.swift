import Foundation
import GridflowDefinitions
import GridflowDiagnostics
import GridflowExpressions
import GridflowYAML

/// Runs designers' scenarios on the real interpreter and a real store.
public struct ScenarioRunner {
    public let program: Program
    let makeStore: () throws -> any CaseStore

    public init(program: Program, makeStore: @escaping () throws -> any CaseStore) {
        self.program = program
        self.makeStore = makeStore
    }

    /// What a scenario run found.
    public struct Result: Sendable {
        public var failures: [Diagnostic] = []
        /// `workflow/transition` of every transition taken, by any case of the run.
        public var transitions: Set<String> = []
        public var passed: Bool { failures.isEmpty }
    }

    public func run(_ scenario: Scenario) -> Result {
        var result = Result()
        func fail(_ message: String, at span: SourceSpan) {
            result.failures.append(Diagnostic(.error, "scenario-failed", message, at: span))
        }
        let store: any CaseStore
        do {
            store = try makeStore()
        } catch {
            fail(
                "cannot make a store: \(error)",
                at: SourceSpan(start: SourceLocation(file: scenario.file, line: 1, column: 1)))
            return result
        }
        let engine = Engine(program: program, store: store)
        // The workflow of the case the steps act on: the scenario's, until an 'open' names another.
        guard var workflow = program.workflow(scenario.workflow.text) else {
            fail("unit '\(program.unit)' has no workflow '\(scenario.workflow.text)'", at: scenario.workflow.span)
            return result
        }
        var now = scenario.start.flatMap { Instant($0) } ?? Instant("2024-07-01T09:00:00+08:00")!
        // People: actors, and person records for "@NAME".
        var actors: [String: Actor] = [:]
        var records: [String: Value] = [:]
        let personType = program.types.personType
        for person in scenario.people {
            if let problem = PersonID.problem(person.name.text) {
                fail("people: \(problem)", at: person.name.span)
                continue
            }
            if let role = person.roles.first(where: { PersonID.roleProblem($0) != nil }),
                let problem = PersonID.roleProblem(role)
            {
                fail("person '\(person.name.text)': \(problem)", at: person.name.span)
                continue
            }
            var object = JSONObject(person.fields.map { ($0.0.text, $0.1.plainValue) })
            object["id"] = .string(person.name.text)
            object["name"] = object["name"] ?? .string(person.name.text)
            object["roles"] = .array(person.roles.map(JSON.string))
            do {
                // Scenario people are directory entries: complete, with the unit's defaults
                // for the fields they leave out.
                object = program.withPersonDefaults(object)
                let missing = program.types.personType.fields.filter {
                    !$0.type.isOptional && object[$0.name] == nil
                }.map(\.name)
                if !missing.isEmpty {
                    fail(
                        "person '\(person.name.text)' leaves out the required field\(missing.count == 1 ? "" : "s") "
                            + missing.joined(separator: ", ")
                            + "; give them here or a 'default:' on the unit's people field", at: person.name.span)
                    continue
                }
                guard
                    case .record(let record) = try DataBinding.value(
                        .object(object), as: .record(program.types.personType), path: person.name.text)
                else { continue }
                let personRecord = Record(layout: personType.layout, slots: record.slots)
                records[person.name.text] = .record(personRecord)
                // The roles named, and those the unit's held_by rules give this person.
                let derived = try program.derivedRoles(of: personRecord, now: now)
                let roles = Set(person.roles).union(derived)
                // Scoped roles are held where the person's team lies, as for a directory entry.
                actors[person.name.text] = Actor(
                    id: person.name.text, roles: roles, person: personRecord,
                    scopes: program.org.scopes(of: personRecord, roles: roles, appointments: []))
            } catch {
                fail("person '\(person.name.text)': \(error)", at: person.name.span)
            }
        }
        func values(_ pairs: [(field: Name, value: Node)]) -> [String: Value]? {
            var out: [String: Value] = [:]
            for (field, node) in pairs {
                guard let type = workflow.fieldTypes[field.text] else {
                    fail("\(workflow.name) has no field '\(field.text)'", at: field.span)
                    return nil
                }
                guard let value = resolve(node, type, path: field.text) else { return nil }
                out[field.text] = value
            }
            return out
        }
        /// A value as written, with `"@NAME"` standing for that person's record, in lists too.
        func resolve(_ node: Node, _ type: ValueType, path: String) -> Value? {
            if let text = node.scalar?.string, text.hasPrefix("@") {
                guard let record = records[String(text.dropFirst())] else {
                    fail("no person '\(text.dropFirst())' in 'people'", at: node.span)
                    return nil
                }
                return record
            }
            if let items = node.sequence, case .list(let element) = type.unwrapped {
                var values: [Value] = []
                for item in items {
                    guard let value = resolve(item, element, path: path) else { return nil }
                    values.append(value)
                }
                return .list(values)
            }
            do {
                return try DataBinding.value(node.plainValue, as: type, path: path)
            } catch {
                fail("field '\(path)': \(error)", at: node.span)
                return nil
            }
        }
        /// Appointments made by the run's cases give roles, at their nodes, until they end.
        func appointed(_ actor: Actor) -> Actor {
            var actor = actor
            let appointed: [StoredAppointment]
            do {
                appointed = try store.appointments(unit: program.unit, person: actor.id).filter { $0.end == nil }
            } catch {
                fail("the appointments of '\(actor.id)' cannot be read: \(error)", at: scenario.workflow.span)
                return actor
            }
            if !appointed.isEmpty {
                actor.roles.formUnion(appointed.map(\.role))
                actor.scopes = program.org.scopes(of: actor.person, roles: actor.roles, appointments: appointed)
            }
            return actor
        }
        /// The people a step's `sees`/`does_not_see` name, as they stand now: who sees what
        /// follows appointments too, as `case show --as` does. Only those are read.
        func viewers(_ expect: Scenario.Expect?) -> [String: Actor] {
            guard let expect else { return [:] }
            let named = Set((expect.sees + expect.doesNotSee).map(\.person.text))
            return actors.filter { named.contains($0.key) }.mapValues(appointed)
        }
        func actor(_ name: Name) -> Actor? {
            if let actor = actors[name.text] { return appointed(actor) }
            if PersonID.reserved.contains(name.text.lowercased()) {
                fail(
                    "'\(name.text)' is the engine, not a person: write 'engine_open: {with: …}' for a case the engine opens, "
                        + "'signal: EVENT' for an event another case sends, or 'wait:' for a timer", at: name.span)
                return nil
            }
            fail("no person '\(name.text)' in 'people'", at: name.span)
            return nil
        }

        // The scenario's people are the unit's directory, for appraisal and coverage steps.
        do throws(StoreError) {
            try store.importPeople(
                unit: program.unit,
                scenario.people.compactMap { person in
                    // The roles as listed, as `gridflow people import` keeps them; held_by is
                    // applied when the directory is read.
                    records[person.name.text].map {
                        StoredPerson(id: person.name.text, roles: person.roles, recordJSON: ValueJSON.encode($0))
                    }
                }, replacing: true)
        } catch {
            fail(
                "cannot store the scenario's people: \(error)",
                at: SourceSpan(start: SourceLocation(file: scenario.file, line: 1, column: 1)))
            return result
        }
        var caseID: String?
        steps: for step in scenario.steps {
            var outcome: Swift.Result<CaseSnapshot, EngineError>?
            var stepActor = Actor.system
            switch step.action {
            case .open(let name, let with, let other):
                if let other {
                    guard let named = program.workflow(other.text) else {
                        fail("unit '\(program.unit)' has no workflow '\(other.text)'", at: other.span)
                        return finish(result, store)
                    }
                    workflow = named
                }
                guard let who = actor(name), let input = values(with) else { return finish(result, store) }
                stepActor = who
                do throws(EngineError) {
                    let opened = try engine.open(workflow.name, input: input, by: who, now: now)
                    caseID = opened.id
                    outcome = .success(opened)
                } catch {
                    outcome = .failure(error)
                }
            case .act(let event, let name, let with):
                guard let who = actor(name), let input = values(with) else { return finish(result, store) }
                guard let id = caseID else {
                    fail("no case is open yet; start with an 'open' step", at: step.span)
                    return finish(result, store)
                }
                stepActor = who
                do throws(EngineError) {
                    outcome = .success(try engine.act(id, event: event.text, input: input, by: who, now: now))
                } catch {
                    outcome = .failure(error)
                }
            case .engineOpen(let with):
                guard let input = values(with) else { return finish(result, store) }
                do throws(EngineError) {
                    let opened = try engine.open(workflow.name, input: input, by: .system, now: now)
                    caseID = opened.id
                    outcome = .success(opened)
                } catch {
                    outcome = .failure(error)
                }
            case .signal(let event):
                guard let id = caseID else {
                    fail("no case is open yet; start with an 'open' step", at: step.span)
                    return finish(result, store)
                }
                do throws(EngineError) {
                    outcome = .success(try engine.signal(id, event: event.text, from: "scenario", now: now))
                } catch {
                    outcome = .failure(error)
                }
            case .wait(let duration):
                do throws(CalendarError) {
                    now = try program.calendar.adding(duration.amount, to: now)
                } catch {
                    fail("waiting \(duration.text): \(error)", at: step.span)
                    return finish(result, store)
                }
                do throws(EngineError) {
                    let report = try engine.tick(now: now)
                    for incident in report.incidents where step.expect?.incident == nil {
                        fail(
                            "waiting \(duration.text) raised an incident: \(incident.summary): \(incident.message)",
                            at: step.span)
                    }
                    if let code = step.expect?.incident {
                        let open = (try? store.incidents(caseID: caseID)) ?? []
                        if !open.contains(where: { $0.code == code }) {
                            fail(
                                "expected incident '\(code)' while waiting \(duration.text), but "
                                    + (open.isEmpty
                                        ? "none was raised"
                                        : "the open ones are " + open.map(\.code).joined(separator: ", ")),
                                at: step.expect?.span ?? step.span)
                        }
                    }
                    if let id = caseID { outcome = .success(try engine.load(id)) }
                } catch {
                    outcome = .failure(error)
                }
            case .appraise(let period, let name, let facts):
                appraise(step, period: period, name: name, facts: facts, engine: engine, now: now, fail: fail)
                checkCases(step, store: store, fail: fail)
                if !result.failures.isEmpty { break steps }
                continue steps
            case .coverage(let rule):
                coverage(step, rule: rule, engine: engine, now: now, fail: fail)
                checkCases(step, store: store, fail: fail)
                if !result.failures.isEmpty { break steps }
                continue steps
            }
            // A refused step leaves the case as it was; its state and fields are checked on the stored case.
            let current = caseID.flatMap { try? engine.load($0) }
            check(
                step, outcome, current: current, actor: stepActor, engine: engine, workflow: workflow, records: records,
                actors: viewers(step.expect), now: now, fail: fail)
            checkCases(step, store: store, fail: fail)
            if !result.failures.isEmpty { break }
        }
        return finish(result, store)
    }

    /// `expect.cases`: how many cases of each workflow the store holds.
    private func checkCases(_ step: Scenario.Step, store: any CaseStore, fail: (String, SourceSpan) -> Void) {
        for (workflow, node) in step.expect?.cases ?? [] {
            guard let expected = node.scalar.flatMap({ Int($0.value) }) else {
                fail("expected a whole number of cases", node.span)
                continue
            }
            let count = (try? store.list(unit: program.unit, workflow: workflow.text, state: nil).count) ?? -1
            if count != expected {
                fail(
                    "expected \(expected) \(workflow.text) case\(expected == 1 ? "" : "s"), but the store holds \(count)",
                    node.span)
            }
        }
    }

    private func appraise(
        _ step: Scenario.Step, period: Name, name: Name?, facts: [(person: Name, values: [(fact: Name, value: Node)])],
        engine: Engine, now: Instant, fail: (String, SourceSpan) -> Void
    ) {
        let appraisal: CompiledAppraisal
        if let name {
            guard let found = program.appraisals[name.text] else {
                fail("unit '\(program.unit)' has no appraisal '\(name.text)'", name.span)
                return
            }
            appraisal = found
        } else {
            guard program.appraisals.count == 1, let only = program.appraisals.values.first else {
                fail("name the appraisal: the unit has \(program.appraisals.count)", step.span)
                return
            }
            appraisal = only
        }
        guard let window = AppraisalWindow(period.text), window.kind == appraisal.period else {
            fail(
                "'\(period.text)' is not a \(appraisal.period.rawValue) period such as \(appraisal.period.example)",
                period.span)
            return
        }
        var imported = ImportedFacts()
        for (person, values) in facts {
            for (fact, node) in values {
                guard let text = node.scalar?.value, let number = Number(text) else {
                    fail("'\(fact.text)' of \(person.text) must be a number", node.span)
                    return
                }
                let place = "\(node.span.start.file):\(node.span.start.line)"
                if let problem = imported.set(person.text, fact.text, number, origin: place, for: appraisal) {
                    fail(problem, fact.span)
                    return
                }
            }
        }
        let outcome: AppraisalOutcome
        do throws(EngineError) {
            outcome = try engine.appraise(appraisal, window: window, role: nil, imported: imported, now: now)
        } catch {
            fail("appraisal failed: \(error.message)", step.span)
            return
        }
        for failure in outcome.failed { fail("a consequence failed: \(failure)", step.span) }
        guard let expect = step.expect else { return }
        func entry(_ person: Name) -> AppraisalOutcome.Entry? {
            if let found = outcome.entries.first(where: { $0.person == person.text }) { return found }
            let why =
                outcome.incomplete.first { $0.person == person.text }.map { ": \($0.reason)" } ?? " (no packaged role)"
            fail("\(person.text) was not appraised\(why)", person.span)
            return nil
        }
        for (person, grade) in expect.grades {
            guard let found = entry(person) else { continue }
            if found.score.grade != grade.text {
                fail(
                    "expected \(person.text) graded \(grade.text), but the grade is \(found.score.grade) (total \(found.score.total))",
                    grade.span)
            }
        }
        for person in expect.notAppraised {
            if let found = outcome.entries.first(where: { $0.person == person.text }) {
                fail(
                    "expected \(person.text) not appraised, but they were graded \(found.score.grade) as \(found.score.role)",
                    person.span)
            }
        }
        for (person, veto) in expect.vetoed {
            guard let found = entry(person) else { continue }
            let actual = found.score.veto?.name ?? "none"
            if actual != veto.text {
                fail(
                    "expected \(person.text) vetoed by \(veto.text), but "
                        + (found.score.veto == nil
                            ? "no veto held (grade \(found.score.grade), total \(found.score.total))"
                            : "the grade was set by veto \(actual)"),
                    veto.span)
            }
        }
        for (ledger, values) in expect.recorded {
            for (person, node) in values {
                guard let text = node.scalar?.value, let expected = Number(text) else {
                    fail("a recorded value is a number", node.span)
                    continue
                }
                var sum = Number.zero
                var unreadable: String?
                for consequence in outcome.performed
                where consequence.kind == "record" && consequence.person == person.text {
                    guard let details = try? JSONReader.read(consequence.detailsJSON),
                        details["ledger"] == .string(ledger.text)
                    else { continue }
                    let value: Number?
                    switch details["value"] {
                    case .number(let number)?: value = Number(number)
                    case .string(let string)?: value = Number(string)
                    default: value = nil
                    }
                    guard let value, let added = Number.adding(sum, value) else {
                        unreadable = consequence.detailsJSON
                        continue
                    }
                    sum = added
                }
                if let unreadable {
                    fail("\(person.text)'s entry in \(ledger.text) is not a number: \(unreadable)", node.span)
                } else if sum != expected {
                    fail(
                        "expected \(expected) recorded in \(ledger.text) for \(person.text), but the appraisal recorded \(sum)",
                        node.span)
                }
            }
        }
        for (person, node) in expect.totals {
            guard let found = entry(person) else { continue }
            guard let text = node.scalar?.value, let expected = Number(text) else {
                fail("a total is a number", node.span)
                continue
            }
            if found.score.total != expected {
                fail("expected \(person.text)'s total \(expected), but it is \(found.score.total)", node.span)
            }
        }
    }

    private func coverage(
        _ step: Scenario.Step, rule: Name?, engine: Engine, now: Instant, fail: (String, SourceSpan) -> Void
    ) {
        let rules = program.coverages.filter { rule == nil || $0.name == rule!.text }
        if let rule, rules.isEmpty {
            fail("unit '\(program.unit)' has no coverage rule '\(rule.text)'", rule.span)
            return
        }
        var gaps: [String] = []
        do throws(EngineError) {
            for compiled in rules {
                let report = try engine.coverage(compiled, now: now)
                gaps += report.gaps.map { $0.node.name + ($0.shift.map { "/" + $0 } ?? "") }
            }
        } catch {
            fail("coverage failed: \(error.message)", step.span)
            return
        }
        guard let node = step.expect?.gaps else { return }
        if let items = node.sequence {
            let expected = items.compactMap(\.scalar?.value).sorted()
            if expected != gaps.sorted() {
                fail(
                    "expected gaps [\(expected.joined(separator: ", "))], but they are [\(gaps.sorted().joined(separator: ", "))]",
                    node.span)
            }
        } else if let count = node.scalar.flatMap({ Int($0.value) }), count != gaps.count {
            fail(
                "expected \(count) gaps, but there are \(gaps.count): \(gaps.sorted().joined(separator: ", "))",
                node.span)
        }
    }

    private func finish(_ result: Result, _ store: any CaseStore) -> Result {
        var result = result
        for stored in (try? store.list(unit: nil, workflow: nil, state: nil)) ?? [] {
            for entry in (try? store.history(stored.id)) ?? [] {
                if let transition = entry.transition { result.transitions.insert(stored.workflow + "/" + transition) }
            }
        }
        return result
    }

    private func check(
        _ step: Scenario.Step, _ outcome: Swift.Result<CaseSnapshot, EngineError>?, current: CaseSnapshot?,
        actor: Actor, engine: Engine, workflow: CompiledWorkflow, records: [String: Value], actors: [String: Actor],
        now: Instant, fail: (String, SourceSpan) -> Void
    ) {
        let expect = step.expect
        let span = expect?.span ?? step.span
        // What is said of a case, its values and messages, is said through its view.
        func said(_ message: String) -> String {
            guard let current else { return message }
            return CaseView(current, of: workflow, for: Self.viewer, program: program, now: now).scrub(message)
        }
        switch outcome {
        case .failure(let error)?:
            if let rejected = expect?.rejected {
                if error.rejection?.code.rawValue != rejected {
                    fail("expected the step to be rejected as '\(rejected)', but: \(said(error.message))", span)
                }
                if let expect, let current {
                    checkCase(
                        expect, current, workflow: workflow, records: records, actors: actors, now: now, fail: fail)
                }
                return
            }
            if let code = expect?.incident {
                if error.incident?.code != code {
                    fail("expected incident '\(code)', but: \(said(error.message))", span)
                }
                if let expect, let current {
                    checkCase(
                        expect, current, workflow: workflow, records: records, actors: actors, now: now, fail: fail)
                }
                return
            }
            fail("the step failed: \(said(error.message))", step.span)
            return
        case .success(let snapshot)?:
            if let rejected = expect?.rejected {
                fail(
                    "expected the step to be rejected as '\(rejected)', but it was accepted (state \(snapshot.state))",
                    span)
                return
            }
            if let code = expect?.incident, step.isNotWait {
                fail("expected incident '\(code)', but the step went through", span)
                return
            }
            guard let expect else { return }
            checkCase(expect, snapshot, workflow: workflow, records: records, actors: actors, now: now, fail: fail)
            if let actions = expect.actions {
                let actual = engine.actions(snapshot, for: actor)
                if actions.map(\.text).sorted() != actual.sorted() {
                    fail(
                        "expected actions [\(actions.map(\.text).joined(separator: ", "))] for \(actor.id), but they are [\(actual.joined(separator: ", "))]",
                        span)
                }
            }
        case nil:
            if let expect, expect.state != nil || !expect.fields.isEmpty {
                fail("there is no case to check yet", span)
            }
        }
    }

    /// Who a scenario's output is for: the engine's view, which sees every field. A scenario's
    /// people and cases are its designer's own test data, and a failed expectation must say what
    /// is stored; it is said through `CaseView` all the same, as every output of a case is.
    static let viewer = Viewer.engine

    /// `expect.state` and `expect.fields` against a case.
    private func checkCase(
        _ expect: Scenario.Expect, _ snapshot: CaseSnapshot, workflow: CompiledWorkflow, records: [String: Value],
        actors: [String: Actor], now: Instant, fail: (String, SourceSpan) -> Void
    ) {
        // What each person named sees: the case as `case show --as` makes it for them.
        for (person, fields, shouldSee) in expect.sees.map({ ($0.person, $0.fields, true) })
            + expect.doesNotSee.map({ ($0.person, $0.fields, false) })
        {
            guard let actor = actors[person.text] else {
                fail("no person '\(person.text)' in 'people'", person.span)
                continue
            }
            let seen = CaseView(snapshot, of: workflow, for: .person(actor), program: program, now: now)
            for field in fields {
                guard workflow.fieldTypes[field.text] != nil else {
                    fail("\(workflow.name) has no field '\(field.text)'", field.span)
                    continue
                }
                let hidden = seen.hiddenField(field.text)
                if shouldSee, let hidden {
                    fail(
                        "expected \(person.text) to see \(field.text), but it is hidden from them (\(hidden.visibleTo))",
                        field.span)
                } else if !shouldSee, hidden == nil {
                    fail(
                        "expected \(field.text) to be hidden from \(person.text), but they see it"
                            + (seen.value(of: field.text) == .null ? " (empty)" : ""), field.span)
                }
            }
        }
        let view = CaseView(snapshot, of: workflow, for: Self.viewer, program: program, now: now)
        if let state = expect.state, state.text != snapshot.state {
            fail("expected state '\(state.text)', but the case is in '\(snapshot.state)'", state.span)
        }
        for (field, node) in expect.fields {
            guard let type = workflow.fieldTypes[field.text] else {
                fail("\(workflow.name) has no field '\(field.text)'", field.span)
                continue
            }
            let expected: Value
            if let text = node.scalar?.string, text.hasPrefix("@"), let record = records[String(text.dropFirst())] {
                expected = record
            } else {
                do {
                    expected = try DataBinding.value(node.plainValue, as: type.optional, path: field.text)
                } catch {
                    fail("field '\(field.text)': \(error)", node.span)
                    continue
                }
            }
            let actual = snapshot[field.text] ?? .null
            if actual != expected {
                fail(
                    "expected \(field.text) = \(view.scrub(expected.description)), but it is \(view.text(of: field.text))",
                    node.span)
            }
        }
    }
}

extension Scenario.Step {
    var isNotWait: Bool {
        if case .wait = action { return false }
        return true
    }
}
