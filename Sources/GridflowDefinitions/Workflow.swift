import GridflowDiagnostics
import GridflowYAML

/// A workflow: typed case fields and a state machine over them.
public struct Workflow: Sendable {
    public var name: Name
    public var unitName: Name?
    public var title: String?
    public var file: String
    public var startedBy: [Name]
    /// Where a case sits in the unit's org tree: an expression over `case` giving an org node's
    /// name, or null for the root. Scoped roles act only on cases at or below their node.
    public var place: Expression?
    /// How the workflow's open cases are ordered for a reviewer (`rank:`), best first.
    public var rank: Rank?
    public var fields: [Field]
    public var states: [State]
    public var transitions: [Transition]

    /// The state named `name`.
    public func state(_ name: String) -> State? { states.first { $0.name.text == name } }
    /// The field named `name`.
    public func field(_ name: String) -> Field? { fields.first { $0.name.text == name } }
    /// The initial state (the first, if several are marked).
    public var initialState: State? { states.first { $0.initial } }

    /// The text of every expression of the timers of state `name`.
    public func timerExpressionTexts(of name: String) -> [String] {
        state(name)?.timers.compactMap { if case .at(let at)? = $0.trigger { at.text } else { nil } } ?? []
    }

    /// The states a transition leaves from, with `*` expanded to every non-final state.
    public func sources(of transition: Transition) -> [String] {
        switch transition.from {
        case .any: states.filter { !$0.final }.map(\.name.text)
        case .states(let names): names.map(\.text)
        }
    }
}

extension Transition {
    /// The text of every expression of the transition: guard, sets, decisions and effects.
    public var expressionTexts: [String] {
        var texts: [String] = []
        if let guardExpression { texts.append(guardExpression.text) }
        texts += set.map(\.value.text)
        texts += decide.flatMap { $0.input.map(\.value.text) }
        for effect in effects {
            if let when = effect.when { texts.append(when.text) }
            switch effect.action {
            case .open(_, let with): texts += with.map(\.value.text)
            case .signal(let target, _): texts.append(target.text)
            case .record(_, let value): texts.append(value.text)
            case .appoint(_, let person, let at, let shift):
                texts += [person.text] + [at, shift].compactMap { $0?.text }
            case .endAppointment(_, let person, let at, let reason):
                texts += [person.text] + [at].compactMap { $0?.text }
                if case .expression(let reason) = reason { texts.append(reason.text) }
            case .notify, .commend: break
            }
        }
        return texts
    }
}

/// `rank: {by, order}`: the order in which a reviewer sees the workflow's open cases.
public struct Rank: Sendable {
    /// Over `case`: the value cases are ordered by (a number, date, datetime or string).
    public var by: Expression
    /// Greatest first (`descending`) or least first (`ascending`); `nil` when not written
    /// (the shape check reports it).
    public var descending: Bool?
}

/// A state of a workflow.
public struct State: Sendable {
    public var name: Name
    public var title: String?
    public var initial: Bool
    public var final: Bool
    public var task: HumanTask?
    public var timers: [Timer]
}

/// A human task: someone holding `role` has work to do while the case is in the state.
public struct HumanTask: Sendable {
    public var title: String?
    public var role: Name?
    /// A person field whose holder is assigned instead of a role.
    public var person: Name?
    public var due: Duration?
    public var span: SourceSpan
}

/// A timer started when a case enters a state; it sends `event` when it fires.
public struct Timer: Sendable {
    /// When the timer fires.
    public enum Trigger: Sendable {
        case after(Duration)
        case at(Expression)
    }

    public var name: Name?
    public var title: String?
    public var trigger: Trigger?
    public var event: Name?
    public var span: SourceSpan
}

/// A transition between states, fired by an event.
public struct Transition: Sendable {
    /// Where a transition may start.
    public enum Source: Sendable {
        /// `"*"`: every non-final state.
        case any
        case states([Name])
    }

    public var name: Name
    public var title: String?
    public var event: Name
    public var from: Source
    public var to: Name?
    public var roles: [Name]
    public var person: Name?
    public var guardExpression: Expression?
    public var input: [Name]
    public var set: [(field: Name, value: Expression)]
    public var decide: [Decision]
    public var effects: [Effect]
}

/// A rule set consulted by a transition, with its outputs stored in case fields.
public struct Decision: Sendable {
    public var rules: Name
    public var input: [(name: Name, value: Expression)]
    public var assign: [(field: Name, output: Name)]
}

/// Something a transition or an appraisal consequence makes happen beyond the case itself,
/// performed only when its condition (if any) holds.
public struct Effect: Sendable {
    /// What happens.
    public enum Action: Sendable {
        case open(workflow: Name, with: [(field: Name, value: Expression)])
        case notify(role: Name, message: String?)
        case signal(case: Expression, event: Name)
        case record(ledger: Name, value: Expression)
        case commend(list: Name)
        case appoint(role: Name, person: Expression, at: Expression?, shift: Expression?)
        /// Ends the person's appointments to `role` (only those at the node `at`, when given).
        case endAppointment(role: Name, person: Expression, at: Expression?, reason: EndReason)
    }

    /// Why an appointment ends: one of `EndReason.names` as written, or an expression giving one.
    public enum EndReason: Sendable {
        case named(Name)
        case expression(Expression)

        /// The reasons an appointment can end for.
        public static let names = ["removal", "term_end", "resignation"]
    }

    public var action: Action
    /// The condition; `nil` means always.
    public var when: Expression?
}

extension Workflow {
    static func read(_ node: Node, file: String) -> Workflow? {
        guard let name = node["name"]?.name else { return nil }
        return Workflow(
            name: name, unitName: node["unit"]?.name, title: node["title"]?.text, file: file,
            startedBy: node["started_by"]?.names ?? [], place: node["place"]?.expression,
            rank: node["rank"].flatMap { rank in
                rank["by"]?.expression.map {
                    Rank(
                        by: $0,
                        descending: rank["order"]?.text == "descending"
                            ? true : rank["order"]?.text == "ascending" ? false : nil)
                }
            },
            fields: Field.readAll(node["fields"]),
            states: node["states"]?.entries.map { State.read($0.name, $0.value) } ?? [],
            transitions: node["transitions"]?.entries.map { Transition.read($0.name, $0.value) } ?? [])
    }
}

extension State {
    static func read(_ name: Name, _ node: Node) -> State {
        let task = node["task"].map {
            HumanTask(
                title: $0["title"]?.text, role: $0["role"]?.name, person: $0["person"]?.name, due: $0["due"]?.duration,
                span: $0.span)
        }
        let timers = node["timers"]?.sequence?.map { timer in
            let trigger: Timer.Trigger? =
                if let after = timer["after"]?.duration { .after(after) } else {
                    timer["at"]?.expression.map(Timer.Trigger.at)
                }
            return Timer(
                name: timer["name"]?.name, title: timer["title"]?.text, trigger: trigger, event: timer["event"]?.name,
                span: timer.span)
        }
        return State(
            name: name, title: node["title"]?.text, initial: node["initial"]?.bool ?? false,
            final: node["final"]?.bool ?? false, task: task, timers: timers ?? [])
    }
}

extension Transition {
    static func read(_ name: Name, _ node: Node) -> Transition {
        let from: Source = node["from"]?.text == "*" ? .any : .states(node["from"]?.names ?? [])
        return Transition(
            name: name, title: node["title"]?.text, event: node["on"]?.name ?? name, from: from,
            to: node["to"]?.name, roles: node["role"]?.names ?? [], person: node["person"]?.name,
            guardExpression: node["guard"]?.expression, input: node["input"]?.sequence?.compactMap(\.name) ?? [],
            set: node["set"]?.entries.compactMap { entry in entry.value.expression.map { (entry.name, $0) } } ?? [],
            decide: node["decide"]?.sequence?.compactMap(Decision.read) ?? [],
            effects: node["effects"]?.sequence?.compactMap(Effect.read) ?? [])
    }
}

extension Decision {
    static func read(_ node: Node) -> Decision? {
        guard let rules = node["rules"]?.name else { return nil }
        return Decision(
            rules: rules,
            input: node["input"]?.entries.compactMap { entry in entry.value.expression.map { (entry.name, $0) } } ?? [],
            assign: node["assign"]?.entries.compactMap { entry in entry.value.name.map { (entry.name, $0) } } ?? [])
    }
}

extension Effect {
    static func read(_ node: Node) -> Effect? {
        action(node).map { Effect(action: $0, when: node["when"]?.expression) }
    }

    private static func action(_ node: Node) -> Action? {
        if let open = node["open"], let workflow = open["workflow"]?.name {
            let with = open["with"]?.entries.compactMap { entry in entry.value.expression.map { (entry.name, $0) } }
            return .open(workflow: workflow, with: with ?? [])
        }
        if let notify = node["notify"], let role = notify["role"]?.name {
            return .notify(role: role, message: notify["message"]?.text)
        }
        if let signal = node["signal"], let target = signal["case"]?.expression, let event = signal["event"]?.name {
            return .signal(case: target, event: event)
        }
        if let record = node["record"], let ledger = record["ledger"]?.name, let value = record["value"]?.expression {
            return .record(ledger: ledger, value: value)
        }
        if let commend = node["commend"], let list = commend["list"]?.name {
            return .commend(list: list)
        }
        if let appoint = node["appoint"], let role = appoint["role"]?.name, let person = appoint["person"]?.expression {
            return .appoint(
                role: role, person: person, at: appoint["at"]?.expression, shift: appoint["shift"]?.expression)
        }
        if let end = node["end_appointment"], let role = end["role"]?.name, let person = end["person"]?.expression,
            let reason = end["reason"]?.expression
        {
            // A bare word is the reason itself (checked to be one of `EndReason.names`); anything
            // else (`case.end_reason`) is an expression giving one.
            let word =
                !reason.text.isEmpty
                && reason.text.unicodeScalars.allSatisfy {
                    $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0)
                }
            return .endAppointment(
                role: role, person: person, at: end["at"]?.expression,
                reason: word ? .named(Name(reason.text, span: reason.span)) : .expression(reason))
        }
        return nil
    }
}
