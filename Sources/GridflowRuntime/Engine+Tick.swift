import Foundation
import GridflowExpressions

/// What one `tick` did.
/// An incident a tick recorded on a case: where, its code, and its message.
public struct TickIncident: Sendable, Hashable {
    public var caseID: String
    /// `timer 'NAME'` or `effect`.
    public var place: String
    public var code: String
    /// The message as the engine sees it: it may name a field hidden from some viewer, so only
    /// the engine's own view (scenarios) prints it; commands print `summary` and point to
    /// `gridflow incident list --as`.
    public var message: String

    /// `case ID, PLACE: CODE`, which names no case data.
    public var summary: String { "case \(caseID), \(place): \(code)" }
}

public struct TickReport: Sendable {
    public var timersFired = 0
    public var effectsPerformed = 0
    /// Incidents recorded along the way.
    public var incidents: [TickIncident] = []
    /// The cases timers moved, effects opened and signals moved, in order.
    public var moved: [String] = []
}

extension Engine {
    /// Fires the unit's timers due at `now` (never earlier) and performs its pending effects,
    /// each exactly once. A timer or a signal steps its case on the definitions the case runs on;
    /// a case an effect opens opens on this engine's (the unit's active deployment).
    ///
    /// Each timer and effect is claimed first (`claim`): processes ticking the same store take
    /// different ones, and one a process claimed and did not finish is taken over once its claim
    /// has run out.
    public func tick(now: Instant, limit: Int = 10_000, claim: Claim = .thisProcess) throws(EngineError) -> TickReport {
        var report = TickReport()
        let timers = try storeCall { () throws(StoreError) in
            try store.claimDueTimers(unit: program.unit, at: now, limit: limit, claim: claim)
        }
        // The steps of timers are committed together, in as few transactions as their cases
        // allow: a timer of a case with a step waiting here has those written first, so that
        // it steps the case as they left it.
        var steps: [StepCommit] = []
        var stepping: Set<String> = []
        do throws(EngineError) {
            try fire(timers, now: now, &steps, &stepping, &report)
        } catch {
            // The timers before the one that failed keep their steps, as when each was committed alone.
            do throws(EngineError) { try commit(&steps, &stepping, &report) } catch let commitError {
                throw EngineError(
                    error.code,
                    error.message + "; the steps of the timers fired before it were not committed either: "
                        + commitError.message)
            }
            throw error
        }
        try commit(&steps, &stepping, &report)
        // Who holds which role, read once for the notifications of this tick.
        let audience = Audience()
        // Effects can open or signal cases whose own steps add effects: drain until none are left.
        var rounds = 0
        while rounds < 100 {
            rounds += 1
            let effects = try storeCall { () throws(StoreError) in
                try store.claimPendingEffects(unit: program.unit, at: now, limit: limit, claim: claim)
            }
            if effects.isEmpty { break }
            // The round's effects are performed in order and their completions written
            // together, in as few transactions as order allows: an effect that reads what an
            // earlier one may have written (a notification its audience and case, a signal its
            // case, the end of an appointment the appointments) first has those written.
            var pending: [EffectCompletion] = []
            // Whether a pending completion writes what such an effect reads: a step (of a case
            // opened or signalled) or a change of who holds which role. Notifications, ledger
            // entries and commendations change neither, so a run of notifications is written
            // in one transaction.
            var pendingWrites = false
            for effect in effects {
                guard let object = try? JSONReader.read(effect.json), let kind = object["kind"]?.string else {
                    throw EngineError(.store, "outbox entry #\(effect.id) is not readable")
                }
                if pendingWrites, Self.effectsThatRead.contains(kind) {
                    try complete(&pending, &report)
                    pendingWrites = false
                }
                let completion = try perform(effect, object, kind, now: now, report: &report, audience: audience)
                if completion.step != nil || Self.effectsThatChangeRoles.contains(kind) { pendingWrites = true }
                pending.append(completion)
            }
            try complete(&pending, &report)
        }
        return report
    }

    /// Steps the cases of `timers`, gathering the steps in `steps` (those waiting are written
    /// first when a second timer of their case comes); a timer its case refuses leaves an incident.
    private func fire(
        _ timers: [StoredTimer], now: Instant, _ steps: inout [StepCommit], _ stepping: inout Set<String>,
        _ report: inout TickReport
    ) throws(EngineError) {
        for timer in timers {
            if stepping.contains(timer.caseID) { try commit(&steps, &stepping, &report) }
            let current = try load(timer.caseID)
            // A case's timer fires on the definitions the case runs on.
            let engine = try on(current)
            switch engine.interpreter.step(current, .timer(event: timer.event), now: now) {
            case .advanced(let step):
                steps.append(StepCommit(step, expectedVersion: current.version))
                stepping.insert(timer.caseID)
            case .rejected(let rejection):
                try fail(
                    timer,
                    Incident(code: "timer-" + rejection.code.rawValue, message: rejection.message, transition: nil),
                    now, &report)
            case .incident(let incident):
                try fail(timer, incident, now, &report)
            }
        }
    }

    /// Commits the steps of timers fired, in one transaction. A case that moved on meanwhile
    /// (a request stepped it) fails the tick, as one step committed alone does; the steps
    /// before and after it are committed all the same.
    private func commit(_ steps: inout [StepCommit], _ stepping: inout Set<String>, _ report: inout TickReport)
        throws(EngineError)
    {
        if steps.isEmpty { return }
        let committing = steps
        steps.removeAll()
        stepping.removeAll()
        let conflicts = try storeCall { () throws(StoreError) in try store.commit(committing) }
        for (index, commit) in committing.enumerated() where conflicts[index] == nil {
            report.timersFired += 1
            report.moved.append(commit.step.next.id)
        }
        if let conflict = conflicts.compactMap({ $0 }).first { throw EngineError(.conflict, conflict.message) }
    }

    /// The kinds of effect whose performing reads the store: the case, its audience or the appointments.
    static let effectsThatRead: Set<String> = ["notify", "signal", "end_appointment"]
    /// The kinds of effect whose completion changes who holds which role (besides those that
    /// step a case, which change the case).
    static let effectsThatChangeRoles: Set<String> = ["appoint", "end_appointment"]

    /// Writes the completions of effects performed, in one transaction. One done meanwhile by
    /// another process (or whose case moved on) is left alone: exactly once means nothing more
    /// to do here.
    private func complete(_ pending: inout [EffectCompletion], _ report: inout TickReport) throws(EngineError) {
        if pending.isEmpty { return }
        let completions = pending
        let conflicts = try storeCall { () throws(StoreError) in try store.complete(completions) }
        for (index, completion) in pending.enumerated() where conflicts[index] == nil {
            report.effectsPerformed += 1
            if let incident = completion.delivery?.incident {
                report.incidents.append(
                    TickIncident(
                        caseID: completion.effect.caseID, place: "effect", code: incident.code,
                        message: incident.message))
            }
            if let step = completion.step { report.moved.append(step.next.id) }
        }
        pending.removeAll()
    }

    private func fail(_ timer: StoredTimer, _ incident: Incident, _ now: Instant, _ report: inout TickReport)
        throws(EngineError)
    {
        try storeCall { () throws(StoreError) in
            try store.record(incident, caseID: timer.caseID, event: timer.event, input: [:], actor: .system, at: now)
            try store.deleteTimer(timer.id)
        }
        report.incidents.append(
            TickIncident(
                caseID: timer.caseID, place: "timer '\(timer.name ?? timer.event)'", code: incident.code,
                message: incident.message))
    }

    /// Performs one effect: what its completion writes (with the incident it leaves, if any, on
    /// its delivery).
    private func perform(
        _ effect: StoredEffect, _ object: JSON, _ kind: String, now: Instant, report: inout TickReport,
        audience: Audience
    ) throws(EngineError) -> EffectCompletion {
        var step: Step?
        var expectedVersion: Int?
        var delivery: Delivery?
        // What went wrong, recorded on the case together with the effect's completion.
        var incident: Incident?
        switch kind {
        case "open":
            let name = object["workflow"]?.string ?? ""
            guard let workflow = program.workflow(name) else {
                delivery = Delivery(kind: "failed-open", caseID: effect.caseID, detailsJSON: effect.json)
                report.incidents.append(
                    TickIncident(
                        caseID: effect.caseID, place: "effect", code: "failed-open",
                        message: "no workflow '\(name)' to open"))
                break
            }
            let fields: [String: Value]
            do {
                fields = try fieldValues(
                    object["fields"] ?? .object(JSONObject()), of: workflow, what: "the fields to open \(name) with")
            } catch {
                delivery = Delivery(
                    kind: "failed-open", caseID: effect.caseID,
                    detailsJSON: ValueJSON.encode(["reason": .string(error.message)]))
                incident = Incident(code: "open-rejected", message: error.message, transition: nil)
                break
            }
            let id = try storeCall { () throws(StoreError) in try store.newCaseID(unit: program.unit, workflow: name) }
            switch interpreter.open(name, id: id, input: fields, by: .system, now: now, parent: effect.caseID) {
            case .advanced(let opened): step = opened
            case .rejected(let rejection):
                delivery = Delivery(
                    kind: "failed-open", caseID: effect.caseID,
                    detailsJSON: ValueJSON.encode(["reason": .string(rejection.message)]))
                incident = Incident(code: "open-rejected", message: rejection.message, transition: nil)
            case .incident(let raised):
                delivery = Delivery(
                    kind: "failed-open", caseID: effect.caseID,
                    detailsJSON: ValueJSON.encode(["reason": .string(raised.message)]))
                incident = Incident(code: raised.code, message: raised.message, transition: nil)
            }
        case "signal":
            let target = object["case"]?.string ?? ""
            let event = object["event"]?.string ?? ""
            let found: CaseSnapshot?
            do throws(EngineError) { found = try load(target) } catch {
                // A case that is not here is said below; one that cannot be read is said as such.
                guard error.code == .notFound else {
                    delivery = Delivery(kind: "undelivered-signal", caseID: effect.caseID, detailsJSON: effect.json)
                    incident = Incident(
                        code: "signal-unreadable", message: "signal '\(event)' to \(target): \(error.message)",
                        transition: nil)
                    break
                }
                found = nil
            }
            if let current = found {
                let engine: Engine
                do throws(EngineError) { engine = try on(current) } catch {
                    delivery = Delivery(kind: "undelivered-signal", caseID: effect.caseID, detailsJSON: effect.json)
                    incident = Incident(
                        code: "signal-unreadable", message: "signal '\(event)' to \(target): \(error.message)",
                        transition: nil)
                    break
                }
                switch engine.interpreter.step(current, .signal(event: event, from: effect.caseID), now: now) {
                case .advanced(let signalled):
                    step = signalled
                    expectedVersion = current.version
                case .rejected(let rejection):
                    delivery = Delivery(kind: "undelivered-signal", caseID: effect.caseID, detailsJSON: effect.json)
                    incident = Incident(
                        code: "signal-rejected", message: "signal '\(event)' to \(target): \(rejection.message)",
                        transition: nil)
                case .incident(let raised):
                    delivery = Delivery(kind: "undelivered-signal", caseID: effect.caseID, detailsJSON: effect.json)
                    incident = Incident(code: raised.code, message: raised.message, transition: nil)
                }
            } else {
                delivery = Delivery(kind: "undelivered-signal", caseID: effect.caseID, detailsJSON: effect.json)
                incident = Incident(
                    code: "signal-no-case", message: "signal '\(event)' to a case that is not here: '\(target)'",
                    transition: nil)
            }
        case "end_appointment":
            if let problem = try endProblem(object) {
                delivery = Delivery(kind: "failed-end-appointment", caseID: effect.caseID, detailsJSON: effect.json)
                incident = Incident(code: "end-appointment-none", message: problem, transition: nil)
            } else {
                delivery = Delivery(kind: kind, caseID: effect.caseID, detailsJSON: effect.json)
            }
        case "notify":
            // One notification, for the role's holders whose scope reaches the case: who they are
            // is read when they read their inbox. A role nobody holds is said, not dropped.
            let role = object["role"]?.string ?? ""
            var notification = Delivery(kind: kind, caseID: effect.caseID, detailsJSON: effect.json)
            notification.notice = try notice(
                role: role, message: object["message"]?.string, for: effect.caseID, at: effect.createdAt)
            if let notice = notification.notice, try !audience.reached(notice, by: self, now: now) {
                incident = Incident(
                    code: "notify-nobody",
                    message: "nobody holds \(role) where case \(effect.caseID) is: its notification reaches no one",
                    transition: nil)
            }
            delivery = notification
        default:
            // record, commend, appoint: left for people and later stages to read.
            delivery = Delivery(kind: kind, caseID: effect.caseID, detailsJSON: effect.json)
        }
        // Performed at the tick's time: an appointment and its end count from then. A
        // notification is dated by the step that asked for it.
        delivery?.at = kind == "notify" ? effect.createdAt : now
        if let incident {
            if delivery == nil {
                delivery = Delivery(kind: "failed-\(kind)", caseID: effect.caseID, detailsJSON: effect.json)
            }
            delivery?.incident = incident
            delivery?.incidentAt = now
        }
        return EffectCompletion(effect, step: step, expectedVersion: expectedVersion, delivery: delivery)
    }

    /// The notification of a `notify` effect of case `caseID` to `role`: placed where the case is
    /// (as the deployment it runs on places it), carried by the unit's webhooks for the role.
    func notice(role: String, message: String?, for caseID: String, at: Instant) throws(EngineError) -> Notice {
        let snapshot = try load(caseID)
        let interpreter = try on(snapshot).interpreter
        var place: String?
        var problem: String?
        switch interpreter.place(of: snapshot) {
        case .at(let node): place = node
        case .unknown(let why): problem = why
        }
        return Notice(
            unit: program.unit, workflow: snapshot.workflow, role: role, place: place, placeProblem: problem,
            message: message ?? "Case \(caseID) needs your attention", at: at,
            webhooks: program.webhooks.filter { $0.carries(role) }.map(\.name))
    }

    /// Why an `end_appointment` (as JSON) ends nothing: the person has no lasting appointment to
    /// the role (at its node, when it names one); `nil` when it ends one or more.
    func endProblem(_ object: JSON) throws(EngineError) -> String? {
        let role = object["role"]?.string ?? ""
        guard let person = object["person"]?["id"]?.string ?? object["person"]?.string else {
            return "no person to end the appointment to \(role) of"
        }
        let node = object["at"]?.string
        let lasting = try storeCall { () throws(StoreError) in
            try store.appointments(unit: program.unit, person: person)
        }.filter { $0.end == nil && $0.role == role && (node == nil || $0.node == node) }
        guard lasting.isEmpty else { return nil }
        return "'\(person)' holds no appointment to \(role)\(node.map { " at \($0)" } ?? "") to end"
            + " (a role the directory gives is the directory's to take away)"
    }

    func storeCall<T>(_ body: () throws(StoreError) -> T) throws(EngineError) -> T {
        do {
            return try body()
        } catch {
            throw EngineError(error.code == .conflict ? .conflict : .store, error.message)
        }
    }
}

/// Who holds a notification's role where its case is: asked only when a notification is
/// performed, person by person until one is found. The candidates of a role (the people the
/// directory lists with it and those appointed to it) are read from the store once per
/// directory revision, narrowed to that role there; what was resolved is kept in the engine's
/// cache while the directory and its appointments stay as they are.
final class Audience {
    private var memo: HolderMemo?

    /// Whether someone holds `notice`'s role where its case is placed.
    func reached(_ notice: Notice, by engine: Engine, now: Instant) throws(EngineError) -> Bool {
        if memo == nil {
            let revision = try engine.storeCall { () throws(StoreError) in
                try engine.store.directoryRevision(unit: engine.program.unit)
            }
            if let kept = engine.cache.holders.withLock({ $0 }), kept.revision == revision {
                memo = kept
            } else {
                memo = HolderMemo(revision: revision)
            }
        }
        guard var memo else { return false }
        defer {
            self.memo = memo
            engine.cache.holders.withLock { $0 = memo }
        }
        let role = notice.role
        let place: CasePlace = notice.placeProblem.map(CasePlace.unknown) ?? .at(notice.place)
        // Only a `held_by` may read the date: another role's holders hold while the directory does.
        let derived = engine.program.heldBy.contains { $0.role == role }
        let candidates = try memo.candidates(of: role, derived: derived, engine: engine)
        let prefix = engine.program.version + "\u{0}" + role + "\u{0}" + (derived ? "\(now.seconds / 86_400)" : "")
        for person in candidates.people {
            let appointed = candidates.appointed[person.id] ?? []
            let key = prefix + "\u{0}" + person.id
            let actor: Actor?
            if let known = memo.actors[key] {
                actor = known
            } else {
                // Someone whose entry no longer reads, or who does not hold it after all, is no holder.
                actor = try? engine.actor(person, roles: [role], now: now, appointed: appointed)
                memo.actors[key] = .some(actor)
            }
            if let actor, engine.interpreter.scopeRefusal(actor, role: role, at: place) == nil { return true }
        }
        return false
    }
}

extension HolderMemo {
    /// The people who may hold `role`, with their lasting appointments to it: everyone for a
    /// `held_by` role (the directory decides), else those the directory lists with it and those
    /// appointed to it.
    mutating func candidates(of role: String, derived: Bool, engine: Engine) throws(EngineError) -> RoleCandidates {
        if let known = candidates[role] { return known }
        let unit = engine.program.unit
        let appointments = try engine.storeCall { () throws(StoreError) in
            try engine.store.appointments(unit: unit, role: role)
        }
        var appointed: [String: [StoredAppointment]] = [:]
        for appointment in appointments where appointment.end == nil {
            appointed[appointment.person, default: []].append(appointment)
        }
        var people: [StoredPerson]
        if derived {
            people = try everyone(engine)
        } else {
            people = try engine.storeCall { () throws(StoreError) in try engine.store.people(unit: unit, holding: role)
            }
            let listed = Set(people.map(\.id))
            let others = Set(appointed.keys).subtracting(listed)
            if !others.isEmpty {
                people += try everyone(engine).filter { others.contains($0.id) }
                people.sort { $0.id < $1.id }
            }
        }
        let found = RoleCandidates(people: people, appointed: appointed)
        candidates[role] = found
        return found
    }

    /// The whole directory, read at most once per revision.
    private mutating func everyone(_ engine: Engine) throws(EngineError) -> [StoredPerson] {
        if let directory { return directory }
        let read = try engine.storeCall { () throws(StoreError) in try engine.store.people(unit: engine.program.unit) }
        directory = read
        return read
    }
}
