import GridflowDefinitions
import GridflowExpressions

/// What a demo year did.
public struct DemoSummary: Sendable {
    public var people = 0
    /// Cases opened, by workflow: by people, and by effects (a special project, a formal talk).
    public var opened: [String: Int] = [:]
    /// Transitions people took.
    public var steps = 0
    public var timersFired = 0
    public var effectsPerformed = 0
    /// Steps and openings that could not be done, by what and why.
    public var refused: [String: Int] = [:]
    /// Incidents recorded on cases, as messages.
    public var incidents: [String] = []
    /// Cases still open when the clock stopped, by "workflow: state".
    public var unfinished: [String: Int] = [:]
    public var start = Instant(seconds: 0)
    public var end = Instant(seconds: 0)
    /// Each appraisal period run, with its outcome.
    public var appraisals: [(period: String, appraisal: String, outcome: AppraisalOutcome)] = []
    /// The facts each period's appraisal imported, which `gridflow appraise --facts` needs to
    /// score the period again from the store, and a person of the demo who may run it (one of
    /// its audience, or anyone when it names none).
    public var importedFacts: [(period: String, appraisal: String, facts: ImportedFacts, viewer: String?)] = []
}

/// Drives a demo year through the real engine: generates the directory, opens cases on working
/// days over the year, takes the transitions the demo describes after their delays, lets the
/// clock fire timers and perform effects (`tick`), and appraises each period once it is over.
/// Everything goes through `Engine`, as a user's commands would; nothing is written directly.
public struct DemoRunner {
    let engine: Engine
    let demo: CompiledDemo
    let scale: Double
    var random: DemoRandom
    var summary = DemoSummary()
    var people: [DemoPerson] = []
    var holders: [String: [Int]] = [:]
    var byID: [String: Int] = [:]
    var queue = EventQueue()
    var clock: Instant
    var lastTick = Instant(seconds: -100_000_000_000)
    /// The version of each case its planned step was planned at.
    var planned: [String: Int] = [:]
    var stepsTaken: [String: Int] = [:]
    var known: Set<String> = []
    var live: Set<String> = []
    var stalled: Set<String> = []
    var lastAppointed: [String: [StoredAppointment]] = [:]
    /// Transitions that could not be taken in a case at a version.
    var failed: [String: (version: Int, transitions: Set<String>)] = [:]
    /// Transitions by workflow, state and name.
    let transitions: [String: [String: [String: CompiledTransition]]]
    let progress: (@Sendable (_ done: Int, _ total: Int) -> Void)?

    struct DemoPerson {
        let id: String
        let record: Record
        /// The directory's roles and those `held_by` gives.
        let ownRoles: Set<String>
        /// With the roles cases appointed the person to.
        var roles: Set<String>
        /// Where they hold their scoped roles: their team's ancestors, or where cases appointed them.
        var scopes: Actor.Scopes
        var actor: Actor { Actor(id: id, roles: roles, person: record, scopes: scopes) }
    }

    enum Planned {
        case open(opening: Int, place: Int, index: Int)
        case act(caseID: String, transition: String, version: Int)
        case appraise(period: String)
    }

    public init(
        engine: Engine, demo: CompiledDemo, scale: Double,
        progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil
    ) {
        self.engine = engine
        self.demo = demo
        self.scale = scale
        self.progress = progress
        random = DemoRandom(seed: demo.seed)
        let start = Day(year: demo.year, month: 1, day: 1)!
        clock = engine.program.calendar.zone.instant(on: start)
        var transitions: [String: [String: [String: CompiledTransition]]] = [:]
        for (name, workflow) in engine.program.workflows {
            for (key, list) in workflow.transitions {
                let state = String(key.prefix { $0 != "\u{0}" })
                for transition in list {
                    transitions[name, default: [:]][state, default: [:]][transition.name] = transition
                }
            }
        }
        self.transitions = transitions
    }

    var program: Program { engine.program }
    var calendar: WorkCalendar { program.calendar }

    /// Runs the year and returns what happened.
    public mutating func run() throws(EngineError) -> DemoSummary {
        summary.start = clock
        try makePeople()
        scheduleOpenings()
        try scheduleAppraisals()
        let firstDay = Day(year: demo.year, month: 1, day: 1)!.number
        let horizon = calendar.zone.instant(on: Day(number: Day(year: demo.year + 1, month: 1, day: 1)!.number + 180))
        var handled = 0
        var stuck = (clock: clock, rounds: 0)
        while true {
            // The next planned event or the next due timer, whichever comes first: timers fire
            // when they are due, not when someone happens to act next.
            let nextEvent = queue.peek?.time
            let nextTimer = try engine.storeCall { () throws(StoreError) in
                try engine.store.nextTimerDue(unit: program.unit)
            }?.seconds
            guard let next = [nextEvent, nextTimer].compactMap({ $0 }).min(), next <= horizon.seconds else { break }
            if next > clock.seconds { clock = Instant(seconds: next) }
            if let timer = nextTimer, timer <= (nextEvent ?? Int.max) {
                try tick()
            } else if let event = queue.pop() {
                try tick()
                try handle(event.event)
                // Effects of the step (a case opened, a signal) happen at the step's time.
                try tick()
            }
            if stuck.clock == clock {
                stuck.rounds += 1
                if stuck.rounds > 100_000 {
                    throw EngineError(
                        .rejected,
                        "demo \(demo.name): the clock is stuck at \(clock): timers or steps keep coming at the same moment"
                    )
                }
            } else {
                stuck = (clock, 0)
            }
            handled += 1
            if handled % 64 == 0 {
                progress?(calendar.zone.day(of: clock).number - firstDay, 366)
            }
        }
        summary.end = clock
        for id in live {
            let snapshot = try engine.load(id)
            summary.unfinished["\(snapshot.workflow): \(snapshot.state)", default: 0] += 1
        }
        return summary
    }

    // MARK: People

    mutating func makePeople() throws(EngineError) {
        var entries: [JSON] = []
        var numbers: [String: Int] = [:]
        var generated: [(id: String, roles: [String])] = []
        for batch in demo.people {
            for place in batch.places {
                for department in batch.departments {
                    for index in 0..<scaled(batch.count) {
                        numbers[batch.prefix, default: 0] += 1
                        let id = "\(batch.prefix)-\(numbers[batch.prefix]!)"
                        let roots: [Value] = [
                            .string(place.node), .list(place.shifts.map(Value.string)),
                            department.map(Value.string) ?? .null,
                            .number(Number(index)), .null,
                        ]
                        var object = JSONObject()
                        object["id"] = .string(id)
                        object["roles"] = .array(batch.roles.map(JSON.string))
                        var name = Value.string(id)
                        if let generator = batch.name {
                            name = try value(generator, roots, rollAt: 4, "the name of \(id)")
                        }
                        object["name"] = try json(name)
                        for (field, generator) in batch.fields {
                            object[field] = try json(
                                value(generator, roots, rollAt: 4, "person field '\(field)' of \(id)"))
                        }
                        entries.append(.object(object))
                        generated.append((id, batch.roles))
                    }
                }
            }
        }
        try engine.importPeople(.array(entries), replacing: true)
        for (index, entry) in entries.enumerated() {
            let record = try engine.person(entry, path: generated[index].id)
            let roles = Set(generated[index].roles).union(try program.derivedRoles(of: record, now: clock))
            let person = DemoPerson(
                id: generated[index].id, record: record, ownRoles: roles, roles: roles,
                scopes: program.org.scopes(of: record, roles: roles, appointments: []))
            byID[person.id] = people.count
            for role in roles.sorted() { holders[role, default: []].append(people.count) }
            people.append(person)
        }
        summary.people = people.count
    }

    func scaled(_ count: Int) -> Int {
        guard count > 0 else { return 0 }
        return max(1, Int((Double(count) * scale).rounded()))
    }

    private func json(_ value: Value) throws(EngineError) -> JSON {
        do { return try JSONReader.read(ValueJSON.encode(value)) } catch {
            throw EngineError(.store, "a generated value is not JSON: \(error)")
        }
    }

    // MARK: Scheduling

    mutating func scheduleOpenings() {
        for (number, opening) in demo.openings.enumerated() {
            var days: [Day] = []
            var day = opening.from
            while day <= opening.to {
                if calendar.isWorkingDay(day) { days.append(day) }
                day = Day(number: day.number + 1)
            }
            guard !days.isEmpty else {
                summary.refused[
                    "open \(opening.workflow): no working day from \(opening.from) to \(opening.to)", default: 0] +=
                    opening.places.count * scaled(opening.count)
                continue
            }
            for (place, _) in opening.places.enumerated() {
                for index in 0..<scaled(opening.count) {
                    let day = days[random.int(0...(days.count - 1))]
                    queue.push(
                        at: workingTime(on: day).seconds, .open(opening: number, place: place, index: index))
                }
            }
        }
    }

    /// Each period of the appraisal in the year, five working days after it ends.
    mutating func scheduleAppraisals() throws(EngineError) {
        guard let appraise = demo.appraise, let appraisal = program.appraisals[appraise.appraisal] else { return }
        let year = demo.year
        let periods: [String] =
            switch appraisal.period {
            case .year: ["\(year)"]
            case .halfYear: ["\(year)-H1", "\(year)-H2"]
            case .quarter: (1...4).map { "\(year)-Q\($0)" }
            case .month: (1...12).map { "\(year)-\($0 < 10 ? "0" : "")\($0)" }
            }
        for period in periods {
            guard let window = AppraisalWindow(period) else { continue }
            let day: Day
            do throws(CalendarError) {
                day = try calendar.adding(workingDays: 5, to: Day(number: window.end.number - 1))
            } catch {
                throw EngineError(error, "the appraisal of \(period)")
            }
            queue.push(at: workingTime(on: day).seconds, .appraise(period: period))
        }
    }

    /// A random moment of the working hours (08:30 to 17:30) of `day`.
    mutating func workingTime(on day: Day) -> Instant {
        calendar.zone.instant(on: day, at: random.int(30_600...63_000))
    }

    /// `instant`, or the start of the next working hours when it falls outside them.
    mutating func withinWorkingHours(_ instant: Instant) throws(CalendarError) -> Instant {
        let day = calendar.zone.day(of: instant)
        let second = calendar.zone.secondOfDay(of: instant)
        if calendar.isWorkingDay(day), (30_600..<63_000).contains(second) { return instant }
        var next = day
        if !calendar.isWorkingDay(day) || second >= 63_000 { next = try calendar.adding(workingDays: 1, to: day) }
        return calendar.zone.instant(on: next, at: 30_600 + random.int(0...3_600))
    }

    mutating func delay(_ step: CompiledDemo.Step) throws(CalendarError) -> Instant {
        switch (step.low, step.high) {
        case (.workingDays(let low), .workingDays(let high)):
            let days = random.int(low...max(low, high))
            if days == 0 { return try withinWorkingHours(Instant(seconds: clock.seconds + random.int(0...7_200))) }
            return workingTime(on: try calendar.adding(workingDays: days, to: calendar.zone.day(of: clock)))
        default:
            // Between the two moments, then into working hours.
            let low = try calendar.adding(step.low, to: clock).seconds
            let high = max(low, try calendar.adding(step.high, to: clock).seconds)
            return try withinWorkingHours(Instant(seconds: random.int(low...high)))
        }
    }

    // MARK: The clock

    mutating func tick() throws(EngineError) {
        let day = calendar.zone.day(of: clock)
        if day != calendar.zone.day(of: lastTick) { try refreshAppointments() }
        lastTick = clock
        let report = try engine.tick(now: clock)
        summary.timersFired += report.timersFired
        summary.effectsPerformed += report.effectsPerformed
        summary.incidents += report.incidents.map(\.summary)
        var seen: Set<String> = []
        for id in report.moved where seen.insert(id).inserted {
            let snapshot = try engine.load(id)
            if known.insert(id).inserted { summary.opened[snapshot.workflow, default: 0] += 1 }
            // Moved on by a timer or a signal: plan afresh from the state it is in now.
            try plan(snapshot)
        }
    }

    /// Appointments made by cases (a selection's `appoint`) give roles: read them once a day.
    mutating func refreshAppointments() throws(EngineError) {
        let appointed = try engine.appointments()
        guard appointed != lastAppointed else { return }
        lastAppointed = appointed
        holders = [:]
        for index in people.indices {
            let appointments = appointed[people[index].id] ?? []
            people[index].roles = people[index].ownRoles.union(appointments.map(\.role))
            people[index].scopes = program.org.scopes(
                of: people[index].record, roles: people[index].roles, appointments: appointments)
            for role in people[index].roles.sorted() { holders[role, default: []].append(index) }
        }
        // Someone may now take a step nobody could take before.
        for id in live.sorted() where planned[id] == nil { try plan(try engine.load(id)) }
    }

    // MARK: Events

    mutating func handle(_ event: Planned) throws(EngineError) {
        switch event {
        case .open(let number, let place, let index): try open(number, place, index)
        case .act(let id, let transition, let version): try act(id, transition, version)
        case .appraise(let period): try appraise(period)
        }
    }

    mutating func open(_ number: Int, _ placeIndex: Int, _ index: Int) throws(EngineError) {
        let opening = demo.openings[number]
        let place = opening.places[placeIndex]
        guard let candidates = holders[opening.by], !candidates.isEmpty else {
            summary.refused["open \(opening.workflow): nobody holds the role \(opening.by)", default: 0] += 1
            return
        }
        // A random holder, else the next one whose role reaches where the case is placed. The
        // holder opens it in that role: an opening another of their roles would allow (every
        // branch secretary is an employee too) but `by` does not reach is not theirs to make.
        let first = random.int(0...(candidates.count - 1))
        let openers = program.workflow(opening.workflow)?.startedBy ?? []
        do {
            var opener = people[candidates[first]]
            var input: [String: Value] = [:]
            var reaches = false
            for offset in 0..<candidates.count {
                opener = people[candidates[(first + offset) % candidates.count]]
                let roots: [Value] = [
                    .string(place.node), .list(place.shifts.map(Value.string)), .number(Number(index)), .null,
                    .record(opener.record),
                ]
                input = [:]
                for (field, generator) in opening.fields {
                    input[field] = try value(
                        generator, roots, rollAt: 3, "field '\(field)' of a new \(opening.workflow) case")
                }
                var inRole = opener.actor
                if openers.contains(opening.by) { inRole.roles = [opening.by] }
                let probe = engine.interpreter.open(
                    opening.workflow, id: "probe", input: input, by: inRole, now: clock)
                if case .rejected(let rejection) = probe, rejection.code == .notPermitted { continue }
                reaches = true
                break
            }
            guard reaches else {
                summary.refused[
                    "open \(opening.workflow): no holder of \(opening.by) may open it where it is placed", default: 0] +=
                    1
                return
            }
            let snapshot = try engine.open(opening.workflow, input: input, by: opener.actor, now: clock)
            known.insert(snapshot.id)
            summary.opened[opening.workflow, default: 0] += 1
            try plan(snapshot)
        } catch {
            guard error.code == .rejected || error.code == .incident else { throw error }
            summary.refused[
                "open \(opening.workflow): \(error.rejection?.code.rawValue ?? error.message)", default: 0] += 1
        }
    }

    /// Plans the case's next step: one the demo lists for its state and someone may take now,
    /// by weight, after its delay. A case with none waits for its timers, a signal or an
    /// appointment. A newer plan supersedes an older one.
    mutating func plan(_ snapshot: CaseSnapshot) throws(EngineError) {
        planned[snapshot.id] = nil
        guard let workflow = program.workflow(snapshot.workflow), workflow.states[snapshot.state]?.final == false
        else {
            live.remove(snapshot.id)
            return
        }
        live.insert(snapshot.id)
        if (stepsTaken[snapshot.id] ?? 0) >= Self.stepsPerCase {
            if stalled.insert("\(snapshot.id) steps").inserted {
                summary.refused[
                    "\(snapshot.workflow): case \(snapshot.id) took \(Self.stepsPerCase) steps, so the demo takes no more (do its steps go round in a loop?)",
                    default: 0] += 1
            }
            return
        }
        let here = transitions[snapshot.workflow]?[snapshot.state] ?? [:]
        let excluded = failed[snapshot.id].flatMap { $0.version == snapshot.version ? $0.transitions : nil } ?? []
        var options: [CompiledDemo.Step] = []
        var reasons: [String] = []
        for step in (demo.steps[snapshot.workflow] ?? [:]).values.sorted(by: { $0.transition < $1.transition }) {
            guard let transition = here[step.transition], step.weight > 0, !excluded.contains(step.transition) else {
                continue
            }
            // Only steps someone could take now: the workflow's rules decide, not the demo (an
            // anonymous report has nobody to rate the answer).
            switch try attempt(snapshot, transition, step) {
            case .impossible(let reason): reasons.append("\(step.transition): \(reason)")
            default: options.append(step)
            }
        }
        if options.isEmpty, !reasons.isEmpty, stalled.insert("\(snapshot.id) \(snapshot.state)").inserted {
            // The demo has steps for this state, but none can be taken: say so once per case and state.
            summary.refused[
                "\(snapshot.workflow) in \(snapshot.state), no step possible (\(reasons.joined(separator: "; ")))",
                default: 0] += 1
        }
        let total = options.reduce(0) { $0 + $1.weight }
        guard total > 0 else { return }
        var pick = random.int(0...(total - 1))
        var chosen = options[0]
        for option in options {
            if pick < option.weight {
                chosen = option
                break
            }
            pick -= option.weight
        }
        let at: Instant
        do throws(CalendarError) {
            at = try delay(chosen)
        } catch {
            throw EngineError(error, "planning '\(chosen.transition)' of case \(snapshot.id)")
        }
        queue.push(
            at: max(at.seconds, clock.seconds),
            .act(caseID: snapshot.id, transition: chosen.transition, version: snapshot.version))
        planned[snapshot.id] = snapshot.version
    }

    /// The most steps the demo takes in one case.
    static let stepsPerCase = 500

    mutating func act(_ id: String, _ name: String, _ version: Int) throws(EngineError) {
        // A plan made for an earlier version of the case was superseded when it moved on.
        guard planned[id] == version else { return }
        planned[id] = nil
        let snapshot = try engine.load(id)
        guard snapshot.version == version, let transition = transitions[snapshot.workflow]?[snapshot.state]?[name],
            let step = demo.steps[snapshot.workflow]?[name]
        else {
            try plan(snapshot)
            return
        }
        switch try attempt(snapshot, transition, step) {
        case .possible(let actor, let input):
            let next = try engine.act(id, event: transition.event, input: input, by: actor, now: clock)
            summary.steps += 1
            stepsTaken[id, default: 0] += 1
            failed[id] = nil
            try plan(next)
        case .incident(let actor, let input, _):
            // Recorded on the case as a user's step would be; the case waits for someone to
            // retry it (gridflow incident retry).
            do { _ = try engine.act(id, event: transition.event, input: input, by: actor, now: clock) } catch {
                guard error.code == .incident else { throw error }
            }
            // Its message may name a field hidden from some viewer: the summary names the case.
            summary.incidents.append("case \(id), \(name): incident")
            live.insert(id)
        case .impossible(let reason):
            summary.refused["\(snapshot.workflow).\(name): \(reason)", default: 0] += 1
            var excluded = failed[id].flatMap { $0.version == snapshot.version ? $0.transitions : nil } ?? []
            excluded.insert(name)
            failed[id] = (snapshot.version, excluded)
            try plan(snapshot)
        }
    }

    enum Attempt {
        case possible(Actor, [String: Value])
        case incident(Actor, [String: Value], String)
        case impossible(String)
    }

    /// Finds someone who may take `transition` now and whose step the interpreter accepts: the
    /// person the transition names, then the holders of its roles in random order.
    mutating func attempt(_ snapshot: CaseSnapshot, _ transition: CompiledTransition, _ step: CompiledDemo.Step)
        throws(EngineError) -> Attempt
    {
        var candidates: [Int] = []
        if let slot = transition.personSlot, case .record(let person) = snapshot.fields.slots[slot],
            case .string(let personID)? = person["id"], let index = byID[personID]
        {
            candidates.append(index)
        }
        let interpreter = engine.interpreter
        // Where the case sits, once for all the holders asked about.
        let place = interpreter.place(of: snapshot)
        var holding: [Int] = []
        for role in transition.roles.sorted() {
            for index in holders[role] ?? [] {
                let actor = people[index].actor
                let probe = Event.act(event: transition.event, input: [:], by: actor)
                if interpreter.may(actor, fire: transition, on: snapshot, event: probe, at: place) {
                    holding.append(index)
                }
            }
        }
        random.shuffle(&holding)
        candidates += holding.prefix(200)
        let caseValue = Value.record(interpreter.withBuiltins(snapshot))
        let workflow = program.workflow(snapshot.workflow)
        let someoneHolds = transition.roles.contains { !(holders[$0] ?? []).isEmpty }
        var reason =
            !candidates.isEmpty
            ? ""
            : someoneHolds
                ? "no holder of \(transition.roles.sorted().joined(separator: " or ")) reaches the case's place"
                : "nobody holds \(transition.roles.sorted().joined(separator: " or "))"
        for index in candidates {
            let actor = people[index].actor
            let probe = Event.act(event: transition.event, input: [:], by: actor)
            guard interpreter.may(actor, fire: transition, on: snapshot, event: probe, at: place) else {
                if reason.isEmpty { reason = "not-permitted" }
                continue
            }
            var input: [String: Value] = [:]
            let roots: [Value] = [caseValue, .record(people[index].record), .null]
            do {
                for (field, generator) in step.input {
                    input[field] = try value(generator, roots, rollAt: 2, "input '\(field)'")
                }
            } catch {
                guard error.code == .rejected else { throw error }
                return .impossible(error.message)
            }
            // Input the demo does not give: the case's value when it has one (a reclassification
            // keeps the area), else, for text, the transition's name, so that the history reads.
            for field in transition.inputs where input[field] == nil {
                if let slot = snapshot.fields.layout.slot(of: field), snapshot.fields.slots[slot] != .null {
                    input[field] = snapshot.fields.slots[slot]
                } else if workflow?.fieldTypes[field]?.unwrapped == .string {
                    input[field] = .string("demo: \(transition.name)")
                }
            }
            // A transition that reads current directory records gets those of the case's people.
            let stepping =
                workflow?.directoryTransitions.contains(transition.name) == true
                ? Interpreter(program: program, directory: try engine.directoryRecords(naming: snapshot, actor: actor))
                : interpreter
            switch stepping.step(snapshot, .act(event: transition.event, input: input, by: actor), now: clock) {
            case .advanced(let taken):
                // The event may take another transition here (its guard holds where this one's
                // does not); the demo takes only the transitions it lists.
                guard taken.history.transition == transition.name else {
                    return .impossible(
                        "its event '\(transition.event)' takes '\(taken.history.transition ?? "?")' here, which the demo does not list"
                    )
                }
                return .possible(actor, input)
            case .rejected(let rejection): reason = rejection.code.rawValue
            case .incident(let incident): return .incident(actor, input, incident.message)
            }
        }
        return .impossible(reason)
    }

    mutating func appraise(_ period: String) throws(EngineError) {
        guard let appraise = demo.appraise, let appraisal = program.appraisals[appraise.appraisal],
            let window = AppraisalWindow(period)
        else { return }
        let appointed = try engine.appointedRoles()
        let packaged = Set(appraisal.packages.map(\.role))
        var imported = ImportedFacts()
        for person in people where !packaged.isDisjoint(with: person.roles.union(appointed[person.id] ?? [])) {
            let roots: [Value] = [.record(person.record), .null]
            for (fact, generator) in appraise.facts {
                let generated: Value
                do { generated = try value(generator, roots, rollAt: 1, "fact '\(fact)'") } catch {
                    guard error.code == .rejected else { throw error }
                    summary.refused["appraise \(period): \(error.message)", default: 0] += 1
                    continue
                }
                guard case .number(let number) = generated else {
                    summary.refused["appraise \(period): fact '\(fact)' is \(generated), not a number", default: 0] += 1
                    continue
                }
                if let problem = imported.set(person.id, fact, number, origin: "demo", for: appraisal) {
                    summary.refused["appraise \(period): \(problem)", default: 0] += 1
                }
            }
        }
        let outcome = try engine.appraise(appraisal, window: window, role: nil, imported: imported, now: clock)
        summary.appraisals.append((period, appraisal.name, outcome))
        let viewer =
            appraisal.audience.isEmpty
            ? people.first?.id
            : people.filter { !$0.roles.isDisjoint(with: appraisal.audience) }.map(\.id).min()
        summary.importedFacts.append((period, appraisal.name, imported, viewer))
        // Cases the grades opened (a formal talk) go on from now.
        for consequence in outcome.performed {
            guard let id = consequence.caseID, known.insert(id).inserted else { continue }
            let snapshot = try engine.load(id)
            summary.opened[snapshot.workflow, default: 0] += 1
            try plan(snapshot)
        }
    }

    // MARK: Values

    /// Evaluates a generated value; `roots` has a slot at `rollAt` for a fresh random number.
    mutating func value(_ generator: CompiledDemo.Generator, _ roots: [Value], rollAt: Int, _ what: String)
        throws(EngineError) -> Value
    {
        var roots = roots
        roots[rollAt] = random.roll()
        switch generator {
        case .expression(let code):
            return try evaluate(code, roots, what)
        case .pick(let choices):
            let total = choices.reduce(0) { $0 + $1.weight }
            var pick = random.int(0...(total - 1))
            for choice in choices {
                if pick < choice.weight { return choice.value }
                pick -= choice.weight
            }
            return choices[choices.count - 1].value
        case .person(let condition):
            var matching: [Int] = []
            for (index, person) in people.enumerated() {
                if try evaluate(condition, roots + [.record(person.record)], what) == .bool(true) {
                    matching.append(index)
                }
            }
            guard !matching.isEmpty else {
                summary.refused["\(what): no generated person fits", default: 0] += 1
                return .null
            }
            return .record(people[matching[random.int(0...(matching.count - 1))]].record)
        }
    }

    private func evaluate(_ code: CompiledExpression, _ roots: [Value], _ what: String) throws(EngineError) -> Value {
        do {
            return try code.evaluate(Frame(roots: roots, now: clock, calendar: calendar))
        } catch {
            throw EngineError(.rejected, "\(what): \(error.message)")
        }
    }
}

/// The demo's random numbers, from a seeded source: the same seed gives the same year on
/// every machine.
struct DemoRandom {
    private var source: SplitMix64

    init(seed: UInt64) { source = SplitMix64(state: seed) }

    mutating func next() -> UInt64 { source.next() }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        let width = UInt64(range.upperBound - range.lowerBound) &+ 1
        guard width != 0 else { return range.lowerBound &+ Int(truncatingIfNeeded: next()) }
        return range.lowerBound + Int(next() % width)
    }

    /// A random number in [0, 1) with four decimals.
    mutating func roll() -> Value { .number(Number(mantissa: Int128(int(0...9_999)), scale: 4)) }

    mutating func shuffle(_ items: inout [Int]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) { items.swapAt(i, int(0...i)) }
    }
}

/// Events by time, first in first out among equal times.
struct EventQueue {
    private var heap: [(time: Int, order: Int, event: DemoRunner.Planned)] = []
    private var order = 0

    var peek: (time: Int, event: DemoRunner.Planned)? { heap.first.map { ($0.time, $0.event) } }

    mutating func push(at time: Int, _ event: DemoRunner.Planned) {
        order += 1
        heap.append((time, order, event))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(child, parent) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> (time: Int, event: DemoRunner.Planned)? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let top = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, less(left, smallest) { smallest = left }
            if right < heap.count, less(right, smallest) { smallest = right }
            if smallest == parent { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return (top.time, top.event)
    }

    private func less(_ a: Int, _ b: Int) -> Bool { (heap[a].time, heap[a].order) < (heap[b].time, heap[b].order) }
}
