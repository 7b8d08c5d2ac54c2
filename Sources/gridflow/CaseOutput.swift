import Foundation
import GridflowExpressions
import GridflowRuntime
import GridflowStore

/// How cases are printed.
enum CaseOutput {
    /// The engine for a stored case: on the deployment the case runs on (people act on it in
    /// the roles that deployment declares).
    static func engine(
        for caseID: String, store: any CaseStore, options: StoreOptions, use: DeploymentUse = .running
    ) throws -> Engine {
        let stored = try storeRun { () throws(StoreError) in try store.load(caseID) }
        guard let stored else { throw CommandError(message: "no case '\(caseID)' in \(options.storeName)") }
        let engine = try options.engine(unit: stored.unit, store: store, use: use)
        return try run { () throws(EngineError) in try engine.on(version: stored.definitionVersion) }
    }

    /// Prints a case as `viewer` may see it: through `CaseView`, the one way case data goes out.
    static func print(
        engine: Engine, _ snapshot: CaseSnapshot, viewer: Viewer, now: Instant, json: Bool, full: Bool = false
    ) throws {
        let view = try gridflow.run { () throws(EngineError) in try engine.view(snapshot, for: viewer, now: now) }
        guard let view else {
            // Never an empty answer: the case is here, its workflow is not loaded.
            throw CommandError(
                message: "case \(snapshot.id): unit \(snapshot.unit) has no workflow '\(snapshot.workflow)'", status: 2)
        }
        let fields = view.fields
        let hidden = view.hidden
        var actor: Actor?
        if case .person(let person) = viewer { actor = person }
        let actions = actor.map { engine.actions(snapshot, for: $0) } ?? []
        // History and incidents are read only for `show`, which prints them.
        // The view read the history when it had to hide who opened the case: not again.
        let history =
            full
            ? view.history(
                try view.storedHistory ?? storeRun { () throws(StoreError) in try engine.store.history(snapshot.id) })
            : []
        let incidents =
            full ? try storeRun { () throws(StoreError) in try engine.store.incidents(caseID: snapshot.id) } : []
        // Times as the unit's people read them, with the offset: still exact instants.
        let time = engine.program.calendar.zone
        // `show` names the deployment the case runs on.
        let deployment =
            full
            ? try gridflow.run { () throws(EngineError) in
                try CaseDocument.deployment(of: snapshot, store: engine.store)
            }
            : nil
        if json {
            FileHandleOutput.standardOutput(
                try gridflow.run { () throws(EngineError) in
                    try CaseDocument.json(engine: engine, snapshot, view: view, viewer: viewer, full: full)
                } + "\n")
            return
        }
        var out =
            "case \(snapshot.id) (\(snapshot.unit)/\(snapshot.workflow)) · state \(snapshot.state) · version \(snapshot.version)\n"
        if full {
            if let deployment {
                out +=
                    "runs on deployment \(deployment.sequence) (definitions version \(snapshot.definitionVersion))"
                    + (deployment.active
                        ? ", the active one\n"
                        : "; new cases open on deployment \(deployment.activeSequence.map(String.init) ?? "?")\n")
            } else {
                out +=
                    "runs on definitions version \(snapshot.definitionVersion), which is not deployed in this store\n"
            }
        }
        if case .anyone = viewer, full {
            out += "viewing without --as: restricted fields are hidden; name a viewer with --as ID\n"
        }
        out += "fields:\n"
        for (name, value) in fields where value != .null {
            out += "  \(name): \(display(value, time: time))\n"
        }
        let empty = fields.filter { $0.value == .null }.count
        if full, empty > 0 { out += "  (\(empty) more field\(empty == 1 ? "" : "s") empty)\n" }
        let who = viewer.personID ?? "anyone"
        for field in hidden {
            out += "  \(field.name): hidden from \(who) (\(field.visibleTo))\n"
        }
        for problem in view.problems { out += "  problem: \(problem)\n" }
        if let actor {
            out += "actions for \(actor.id): " + (actions.isEmpty ? "none" : actions.joined(separator: ", ")) + "\n"
        }
        if full {
            out += "history:\n"
            for item in history {
                let entry = item.entry
                let move = entry.from.map { "\($0) → \(entry.to)" } ?? "→ \(entry.to)"
                let by = item.actor ?? item.actorHidden.map(\.mark) ?? CaseView.mark
                out += "  \(entry.sequence)  \(time.text(entry.at))  \(by)  \(entry.event)  \(move)\n"
            }
            out += "incidents: " + (incidents.isEmpty ? "none" : "") + "\n"
            for incident in incidents {
                out += "  #\(incident.id) \(incident.code) on '\(incident.event)': \(view.incident(incident).message)\n"
            }
        }
        FileHandleOutput.standardOutput(out)
    }

    /// A field's value for people: a person as name (id), datetimes in the unit's time zone.
    static func display(_ value: Value, time: Zone) -> String {
        if case .record(let record) = value, let name = record["name"], case .string(let text) = name {
            if case .string(let id)? = record["id"] { return "\(text) (\(id))" }
            return text
        }
        return value.description(in: time)
    }
}
