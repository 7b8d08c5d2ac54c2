import GridflowDefinitions
import GridflowExpressions

/// Who reads case data. Every output of a case is made for one viewer, through `CaseView`.
public enum Viewer: Sendable, Hashable {
    /// The engine's own view: every field. The engine's paths use it; the command line never
    /// prints with it.
    case engine
    /// A person, who sees what their roles may.
    case person(Actor)
    /// No one named (the command line without `--as`): no roles, so every restricted field is
    /// hidden.
    case anyone

    /// The roles the viewer reads with.
    var roles: Set<String> {
        switch self {
        case .engine, .anyone: []
        case .person(let actor): actor.roles
        }
    }

    /// Whether the viewer sees everything.
    var isEngine: Bool {
        switch self {
        case .engine: true
        case .person(let actor): actor.isEngine
        case .anyone: false
        }
    }

    /// Whether the viewer may run what is for `audience` (a report's or an appraisal's roles):
    /// anyone when it is empty, else the engine or a person acting in one of its roles.
    public func belongs(to audience: [String]) -> Bool {
        audience.isEmpty || isEngine || !roles.isDisjoint(with: audience)
    }

    /// The viewer's person id, if a person.
    public var personID: String? {
        if case .person(let actor) = self, !actor.isEngine { return actor.id }
        return nil
    }
}

/// A field a viewer may not see, and who may.
public struct HiddenField: Sendable, Hashable {
    /// The field's name.
    public var name: String
    /// The roles that may see it in this case; empty when nobody may.
    public var roles: [String]
    /// Why nobody may (`visible_when` does not hold, or could not be evaluated); `nil` otherwise.
    public var reason: String?

    /// `‹hidden: NAME›`, what output shows in the place of a hidden value or actor.
    public var mark: String { "‹hidden: \(name)›" }

    /// `visible to a, b` or `visible to nobody (REASON)`.
    public var visibleTo: String {
        roles.isEmpty
            ? "visible to nobody" + (reason.map { " (\($0))" } ?? "")
            : "visible to " + roles.joined(separator: ", ")
    }
}

/// One entry of a case's history as a viewer may read it.
public struct HistoryView: Sendable {
    /// The entry as stored, with `changesJSON` keeping only the changes of fields the viewer sees.
    public var entry: StoredHistory
    /// The actor, or `nil` when who acted is as restricted as a field hidden from the viewer.
    public var actor: String?
    /// The hidden field the actor's identity follows, when hidden.
    public var actorHidden: HiddenField?
}

/// The one way case data leaves the engine: a case seen by one viewer. Fields hidden from the
/// viewer are marked with the roles that may see them, never silently dropped; history, guard
/// traces, incidents and messages are read through it, so a hidden value reaches no output.
public struct CaseView: Sendable {
    /// What every hidden value is shown as.
    public static let mark = "‹hidden›"

    public let workflow: CompiledWorkflow
    public let snapshot: CaseSnapshot
    public let viewer: Viewer
    /// The fields the viewer sees, in declaration order.
    public let fields: [(name: String, value: Value)]
    /// The restricted fields the viewer may not see, in declaration order.
    public let hidden: [HiddenField]
    /// `visible_when` conditions that could not be evaluated (their fields are hidden from
    /// everyone): the output says so.
    public let problems: [String]
    /// Texts of hidden values (ids, names, strings), longest first, to strip from messages.
    let secrets: [String]
    /// The case's history as `Engine.view` read it to find who opened the case (when the opener
    /// field is hidden from the viewer), so that output showing the history need not read it
    /// again; `nil` when it was not read.
    public internal(set) var storedHistory: [StoredHistory]?

    /// The case `snapshot` of `workflow` as `viewer` may see it; `now` is the time conditions read.
    /// `openedBy` is the id and name of who opened the case: where the opener field is hidden they
    /// are hidden values too, also when the field is empty (an anonymous report names no one, but
    /// its opener is known).
    public init(
        _ snapshot: CaseSnapshot, of workflow: CompiledWorkflow, for viewer: Viewer, program: Program, now: Instant,
        openedBy: [String] = []
    ) {
        self.init(snapshot, of: workflow, for: viewer, program: program, now: now, openedBy: { openedBy })
    }

    /// As the public init, with `openedBy` asked for the opener's id and name only when the
    /// opener field is hidden from the viewer; what it throws, the view throws (no view without
    /// them).
    init<Failure: Error>(
        _ snapshot: CaseSnapshot, of workflow: CompiledWorkflow, for viewer: Viewer, program: Program, now: Instant,
        openedBy: () throws(Failure) -> [String]
    ) throws(Failure) {
        self.workflow = workflow
        self.snapshot = snapshot
        self.viewer = viewer
        var fields: [(name: String, value: Value)] = []
        var hidden: [HiddenField] = []
        var problems: [String] = []
        var secrets: Set<String> = []
        var own: Set<String> = []
        if case .person(let actor) = viewer {
            own.insert(actor.id)
            if case .string(let name)? = actor.person?["name"] { own.insert(name) }
        }
        for field in workflow.caseType.fields where workflow.fieldTypes[field.name] != nil {
            let value = snapshot[field.name] ?? .null
            var allowed = workflow.visibility[field.name]
            var reason: String?
            if let condition = workflow.visibleWhen[field.name] {
                let frame = Frame(roots: [.record(snapshot.fields)], now: now, calendar: program.calendar)
                do {
                    if try condition.code.evaluate(frame) != .bool(true) {
                        allowed = []
                        reason = "visible_when \(condition.text) does not hold"
                    }
                } catch {
                    allowed = []
                    reason = "visible_when \(condition.text) cannot be evaluated"
                    problems.append(
                        "field '\(field.name)': visible_when \(condition.text) cannot be evaluated: \(error.message); the field is hidden"
                    )
                }
            }
            if viewer.isEngine || allowed.map({ !$0.isDisjoint(with: viewer.roles) }) ?? true {
                fields.append((field.name, value))
            } else {
                hidden.append(HiddenField(name: field.name, roles: (allowed ?? []).sorted(), reason: reason))
                Self.collect(value, into: &secrets)
            }
        }
        if let opener = workflow.openerField, hidden.contains(where: { $0.name == opener }) {
            secrets.formUnion(try openedBy().filter { !$0.isEmpty && $0 != Actor.system.id })
        }
        self.fields = fields
        self.hidden = hidden
        self.problems = problems
        self.secrets = secrets.subtracting(own).sorted { ($0.count, $0) > ($1.count, $1) }
    }

    /// The value of field `name` as the viewer may see it; `nil` when it is hidden from them.
    public func value(of name: String) -> Value? { fields.first { $0.name == name }?.value }

    /// The value of field `name` as text for the viewer: `‹hidden›` when it is hidden from them.
    public func text(of name: String) -> String { value(of: name).map(\.description) ?? Self.mark }

    /// The hidden field named `name`, if it is hidden from the viewer.
    public func hiddenField(_ name: String) -> HiddenField? { hidden.first { $0.name == name } }

    /// History as the viewer may read it: changes of hidden fields left out, and the actor of
    /// the `open` step (the opener field) or of a step taken as the person of a hidden field
    /// marked hidden.
    public func history(_ entries: [StoredHistory]) -> [HistoryView] {
        entries.map { entry in
            var field: String?
            if entry.event == "open", entry.transition == nil, entry.from == nil {
                field = workflow.openerField
            } else if let transition = entry.transition {
                field = workflow.personFields[transition]
            } else {
                // A step without a transition name: any `person:` field its event may go by.
                field = workflow.personFieldsByEvent[entry.event]?.first { hiddenField($0) != nil }
            }
            // The opener acting later by a role is still the opener: their id is hidden too.
            let actorHidden =
                field.flatMap(hiddenField)
                ?? (secrets.contains(entry.actor) ? workflow.openerField.flatMap(hiddenField) : nil)
            var visible = entry
            visible.changesJSON = changes(entry.changesJSON)
            return HistoryView(entry: visible, actor: actorHidden == nil ? entry.actor : nil, actorHidden: actorHidden)
        }
    }

    /// A guard's trace as the viewer may read it: a sub-expression that reads a hidden field is
    /// shown as `‹hidden›`, a case record has its hidden fields masked, and no hidden value's
    /// text is left in a value.
    public func trace(_ trace: [(text: String, value: Value)]) -> [(text: String, value: String)] {
        trace.map { text, value in
            if reads(text) { return (text, Self.mark) }
            return (text, scrub(masked(value).summary(in: nil)))
        }
    }

    /// Who sent an incident's event, or `nil` when it was sent as the person of a hidden field;
    /// and its message without hidden values.
    public func incident(_ incident: StoredIncident) -> (actor: String?, actorHidden: HiddenField?, message: String) {
        let fields =
            incident.transition.flatMap { workflow.personFields[$0].map { [$0] } }
            ?? workflow.personFieldsByEvent[incident.event].map(Array.init) ?? []
        let actorHidden =
            fields.sorted().lazy.compactMap(hiddenField).first
            ?? (secrets.contains(incident.actor.id) ? workflow.openerField.flatMap(hiddenField) : nil)
        return (actorHidden == nil ? incident.actor.id : nil, actorHidden, scrub(incident.message))
    }

    /// `text` with the text of every hidden value replaced by `‹hidden›`.
    public func scrub(_ text: String) -> String {
        var out = text
        for secret in secrets where out.contains(secret) {
            out = out.replacingOccurrences(of: secret, with: Self.mark)
        }
        return out
    }

    /// A value with the hidden fields of any case record in it masked.
    public func masked(_ value: Value) -> Value {
        switch value {
        case .record(let record):
            if record.layout == snapshot.fields.layout {
                var slots = record.slots
                for field in hidden {
                    if let slot = record.layout.slot(of: field.name) { slots[slot] = .string(Self.mark) }
                }
                return .record(Record(layout: record.layout, slots: slots.map(masked)))
            }
            return .record(Record(layout: record.layout, slots: record.slots.map(masked)))
        case .list(let items): return .list(items.map(masked))
        default: return value
        }
    }

    /// Whether an expression's text reads a field hidden from the viewer (`case.FIELD`), or
    /// indexes `case` (which might).
    func reads(_ text: String) -> Bool {
        guard !hidden.isEmpty else { return false }
        let names = Set(hidden.map(\.name))
        let scalars = Array(text.unicodeScalars)
        func isWord(_ scalar: Unicode.Scalar) -> Bool {
            scalar == "_" || scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
        }
        var index = 0
        while index < scalars.count {
            guard isWord(scalars[index]) else {
                index += 1
                continue
            }
            let start = index
            while index < scalars.count, isWord(scalars[index]) { index += 1 }
            let word = String(String.UnicodeScalarView(scalars[start..<index]))
            let preceded = start > 0 && scalars[start - 1] == "."
            guard word == "case", !preceded else { continue }
            var next = index
            while next < scalars.count, scalars[next].properties.isWhitespace { next += 1 }
            guard next < scalars.count else { continue }
            if scalars[next] == "[" { return true }
            guard scalars[next] == "." else { continue }
            next += 1
            while next < scalars.count, scalars[next].properties.isWhitespace { next += 1 }
            let nameStart = next
            while next < scalars.count, isWord(scalars[next]) { next += 1 }
            if names.contains(String(String.UnicodeScalarView(scalars[nameStart..<next]))) { return true }
        }
        return false
    }

    /// A history entry's changes (`[{"field", "old", "new"}]`) without those of hidden fields.
    func changes(_ json: String) -> String {
        guard !hidden.isEmpty else { return json }
        guard case .array(let items)? = try? JSONReader.read(json) else { return "[]" }
        let kept = items.filter { item in
            guard let name = item["field"]?.string else { return false }
            return hiddenField(name) == nil
        }
        return "[" + kept.map(\.text).joined(separator: ",") + "]"
    }

    /// The texts that would give a hidden value away: a string, and a person's (any record's)
    /// `id` and `name`; other values of a record (a person's enum attributes) are not names.
    private static func collect(_ value: Value, into secrets: inout Set<String>) {
        switch value {
        case .string(let text) where !text.isEmpty: secrets.insert(text)
        case .record(let record):
            let named = ["id", "name"].compactMap { record[$0] }
            if named.isEmpty {
                for slot in record.slots { collect(slot, into: &secrets) }
            } else {
                for item in named { collect(item, into: &secrets) }
            }
        case .list(let items): for item in items { collect(item, into: &secrets) }
        case .map(let entries): for (_, item) in entries { collect(item, into: &secrets) }
        default: break
        }
    }
}

extension Engine {
    /// `snapshot` as `viewer` may see it; `nil` when its workflow is not loaded. Where the
    /// workflow's opener field is hidden from the viewer, who opened the case is hidden too: when
    /// the case's history or the opener's directory entry cannot be read, it throws (`.store`)
    /// rather than give a view that could show them.
    public func view(_ snapshot: CaseSnapshot, for viewer: Viewer, now: Instant) throws(EngineError) -> CaseView? {
        guard let program = program(of: snapshot), let workflow = program.workflow(snapshot.workflow) else {
            return nil
        }
        var read: [StoredHistory]?
        var view = try CaseView(
            snapshot, of: workflow, for: viewer, program: program, now: now,
            openedBy: { () throws(EngineError) in
                let entries: [StoredHistory]
                do throws(StoreError) { entries = try store.history(snapshot.id) } catch {
                    throw EngineError(
                        .store,
                        "case \(snapshot.id): its history cannot be read to hide who opened it: \(error.message)")
                }
                read = entries
                return try openedBy(snapshot, history: entries)
            })
        view.storedHistory = read
        return view
    }

    /// The id and directory name of who took a case's `open` step, from its `history`: the id
    /// alone when they are not in the directory (or it names no one), and an error when their
    /// entry cannot be read. Its messages name neither (they are what is hidden).
    func openedBy(_ snapshot: CaseSnapshot, history: [StoredHistory]) throws(EngineError) -> [String] {
        guard let open = history.first(where: { $0.event == "open" && $0.transition == nil && $0.from == nil })
        else { return [] }
        var names = [open.actor]
        let person: StoredPerson?
        do { person = try store.person(unit: snapshot.unit, id: open.actor) } catch {
            throw EngineError(
                .store,
                "case \(snapshot.id): the directory entry of who opened it cannot be read to hide them: \(error.message)"
            )
        }
        guard let person else { return names }
        let record: JSON
        do { record = try JSONReader.read(person.recordJSON) } catch {
            throw EngineError(
                .store,
                "case \(snapshot.id): the directory entry of who opened it is not valid JSON: it cannot be read to hide them"
            )
        }
        if let name = record["name"]?.string { names.append(name) }
        return names
    }
}
