import GridflowExpressions

/// Who acts: a person's id, the roles they hold, and their attributes for expressions.
public struct Actor: Sendable, Hashable {
    public var id: String
    public var roles: Set<String>
    /// The person record expressions read as `actor`; `nil` for the engine.
    public var person: Record?
    /// Whether this is the engine itself (`Actor.system`), which opens cases `started_by: system`.
    /// No actor made from a person's id and roles is: a person holding a role named `system`
    /// still takes no transition whose role is `system`.
    public let isEngine: Bool
    /// Where the actor holds each of their roles that has a `scope`. `nil` for an actor not read
    /// from a directory (the engine, or anyone while a unit has no people yet), whose roles reach
    /// the whole unit as they are taken on their word.
    public var scopes: Scopes?
    /// Whether this is the anonymous reporter of a case: whoever holds the receipt of a case
    /// opened with its opener field (`opener: true`) left empty. They act on that one case only
    /// (the caller checks the receipt) and take only the transitions taken as the opener's
    /// person (`person: reporter`) while that field is empty; they hold no role and no record.
    public let isAnonymousOpener: Bool

    /// Where a person holds their scoped roles.
    public struct Scopes: Sendable, Hashable {
        /// The org nodes each scoped role is held at: the holder acts there and below.
        public var nodes: [String: [String]]
        /// Scoped roles held nowhere, with why (no team, a team not in the tree).
        public var nowhere: [String: String]

        public init(nodes: [String: [String]] = [:], nowhere: [String: String] = [:]) {
            self.nodes = nodes
            self.nowhere = nowhere
        }
    }

    /// A person acting with `roles`, holding scoped ones where `scopes` says.
    public init(id: String, roles: Set<String>, person: Record? = nil, scopes: Scopes? = nil) {
        self.id = id
        self.roles = roles
        self.person = person
        self.scopes = scopes
        isEngine = false
        isAnonymousOpener = false
    }

    private init(engine id: String) {
        self.id = id
        roles = [id]
        person = nil
        scopes = nil
        isEngine = true
        isAnonymousOpener = false
    }

    private init(anonymous id: String) {
        self.id = id
        roles = []
        person = nil
        scopes = nil
        isEngine = false
        isAnonymousOpener = true
    }

    /// The anonymous reporter, acting by a case's receipt (see `isAnonymousOpener`).
    public static let anonymousOpener = Actor(anonymous: "anonymous")

    /// The engine itself: timers, signals and effects. Only the engine's own paths (`tick`,
    /// signals, the outbox, appraisal consequences) act as it.
    public static let system = Actor(engine: "system")
}

/// What happens to a case.
public enum Event: Sendable {
    /// Open a new case with its first field values.
    case open(input: [String: Value], by: Actor)
    /// An actor fires an event, supplying input fields.
    case act(event: String, input: [String: Value], by: Actor)
    /// A due timer fires its event.
    case timer(event: String)
    /// Another case sends an event.
    case signal(event: String, from: String)

    /// The event's name as history records it.
    public var name: String {
        switch self {
        case .open: "open"
        case .act(let event, _, _), .timer(let event), .signal(let event, _): event
        }
    }

    public var actor: Actor {
        switch self {
        case .open(_, let actor), .act(_, _, let actor): actor
        case .timer, .signal: .system
        }
    }
}

/// A case as the interpreter sees it: where it is, its fields, and which definition it runs on.
public struct CaseSnapshot: Sendable, Hashable {
    public var id: String
    public var unit: String
    public var workflow: String
    /// The content hash of the definitions the case started on; it keeps running on them.
    public var definitionVersion: String
    public var state: String
    /// The case record, laid out by the workflow's case type (declared fields, then built-ins).
    public var fields: Record
    /// Incremented by every step; a store commits a step only on the version it was computed from.
    public var version: Int
    public var openedAt: Instant
    public var updatedAt: Instant
    public var parent: String?

    public init(
        id: String, unit: String, workflow: String, definitionVersion: String, state: String, fields: Record,
        version: Int, openedAt: Instant, updatedAt: Instant, parent: String?
    ) {
        self.id = id
        self.unit = unit
        self.workflow = workflow
        self.definitionVersion = definitionVersion
        self.state = state
        self.fields = fields
        self.version = version
        self.openedAt = openedAt
        self.updatedAt = updatedAt
        self.parent = parent
    }

    /// A field's value by name.
    public subscript(field: String) -> Value? { fields[field] }
}

/// One entry of a case's append-only history.
public struct HistoryEntry: Sendable, Hashable {
    public var at: Instant
    public var actor: String
    public var event: String
    public var transition: String?
    public var from: String?
    public var to: String
    /// Fields whose value changed: name, old value, new value.
    public var changes: [FieldChange]
}

/// A field's change in one step.
public struct FieldChange: Sendable, Hashable {
    public var field: String
    public var old: Value
    public var new: Value
}

/// Work a step asks the engine to do after it commits, exactly once, through the outbox.
public enum EffectRequest: Sendable, Hashable {
    case open(workflow: String, fields: [String: Value])
    case notify(role: String, message: String?)
    case signal(caseID: String, event: String)
    case record(ledger: String, value: Value)
    case commend(list: String)
    case appoint(role: String, person: Value, at: String?, shift: String?)
    /// Ends the appointments of `person` (a person record or id) to `role`, only at `at` when
    /// given; `reason` is one of `Effect.EndReason.names`.
    case endAppointment(role: String, person: Value, at: String?, reason: String)
}

/// A timer to start: it sends `event` to the case at `due`.
public struct TimerRequest: Sendable, Hashable {
    public var name: String?
    public var event: String
    public var due: Instant

    public init(name: String?, event: String, due: Instant) {
        self.name = name
        self.event = event
        self.due = due
    }
}
