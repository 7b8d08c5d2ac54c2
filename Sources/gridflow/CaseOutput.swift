import Foundation
import GridflowExpressions
import GridflowRuntime
import GridflowStore

/// How cases are printed.
enum CaseOutput {
    /// The engine for a stored case: on the deployment the case runs on (people act on it in
    /// the roles that deployment declares).
    static func engine(
        for caseID: String, store: SQLiteCaseStore, options: StoreOptions, use: DeploymentUse = .running
    ) throws -> Engine {
        let stored = try storeRun { () throws(StoreError) in try store.load(caseID) }
        guard let stored else { throw CommandError(message: "no case '\(caseID)' in \(options.db)") }
        let engine = try options.engine(unit: stored.unit, store: store, use: use)
        return try run { () throws(EngineError) in try engine.on(version: stored.definitionVersion) }
    }

    /// Prints a case as `viewer` may see it: through `CaseView`, the one way case data goes out.
    static func print(
        engine: Engine, _ snapshot: CaseSnapshot, viewer: Viewer, now: Instant, json: Bool, full: Bool = false
    ) throws {
        guard let view = engine.view(snapshot, for: viewer, now: now) else {
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
        let history = full ? view.history((try? engine.store.history(snapshot.id)) ?? []) : []
        let incidents = full ? (try? engine.store.incidents(caseID: snapshot.id)) ?? [] : []
        // Times as the unit's people read them, with the offset: still exact instants.
        let time = engine.program.calendar.zone
        // `show` names the deployment the case runs on.
        let deployment = full ? try Self.deployment(of: snapshot, store: engine.store) : nil
        if json {
            var object: [String: Value] = [
                "id": .string(snapshot.id), "unit": .string(snapshot.unit), "workflow": .string(snapshot.workflow),
                "state": .string(snapshot.state), "version": .number(Number(snapshot.version)),
                "definition_version": .string(snapshot.definitionVersion),
                "viewer": viewer.personID.map(Value.string) ?? .null,
                "actions": .list(actions.map(Value.string)),
                "hidden": .list(hidden.map { Value.string($0.name) }),
                "hidden_from_viewer": .list(
                    hidden.map { field in
                        .record(
                            Record(
                                layout: RecordLayout(names: ["field", "visible_to", "reason"]),
                                slots: [
                                    .string(field.name), .list(field.roles.map(Value.string)),
                                    field.reason.map(Value.string) ?? .null,
                                ]))
                    }),
            ]
            if !view.problems.isEmpty { object["problems"] = .list(view.problems.map(Value.string)) }
            let names = fields.map(\.name)
            object["fields"] = .record(Record(layout: RecordLayout(names: names), slots: fields.map(\.value)))
            if full {
                object["deployment"] = deployment.map { .number(Number($0.sequence)) } ?? .null
                object["deployment_active"] = deployment.map { .bool($0.active) } ?? .null
            }
            var text = ValueJSON.encode(object, time: time)
            if full {
                let workflow = engine.program.workflow(snapshot.workflow)
                let historyJSON = history.map { item in
                    let entry = item.entry
                    return "{\"sequence\":\(entry.sequence),\"at\":"
                        + ValueJSON.encode(Value.datetime(entry.at), time: time)
                        + ",\"actor\":" + ValueJSON.encode(item.actor.map(Value.string) ?? .null)
                        + (item.actorHidden.map { ",\"actor_hidden\":" + ValueJSON.encode(Value.string($0.name)) } ?? "")
                        + ",\"event\":" + ValueJSON.encode(Value.string(entry.event))
                        + ",\"from\":" + ValueJSON.encode(entry.from.map(Value.string) ?? .null) + ",\"to\":"
                        + ValueJSON.encode(Value.string(entry.to)) + ",\"changes\":"
                        + changes(entry.changesJSON, of: workflow, time: time) + "}"
                }
                let incidentJSON = incidents.map {
                    let seen = view.incident($0)
                    return ValueJSON.encode([
                        "id": .number(Number($0.id)), "code": .string($0.code), "message": .string(seen.message),
                        "transition": $0.transition.map(Value.string) ?? .null, "event": .string($0.event),
                    ])
                }
                text.removeLast()
                text +=
                    ",\"history\":[" + historyJSON.joined(separator: ",") + "],\"incidents\":["
                    + incidentJSON.joined(separator: ",") + "]}"
            }
            FileHandleOutput.standardOutput(text + "\n")
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

    /// The deployment a case runs on, whether it is the active one, and the active one's number.
    static func deployment(of snapshot: CaseSnapshot, store: any CaseStore) throws -> (
        sequence: Int, active: Bool, activeSequence: Int?
    )? {
        try storeRun { () throws(StoreError) in
            guard let deployment = try store.deployment(unit: snapshot.unit, version: snapshot.definitionVersion)
            else { return nil }
            let active = try store.activeDeployment(unit: snapshot.unit)
            let activeSequence = try active.flatMap { version throws(StoreError) in
                try store.deployment(unit: snapshot.unit, version: version)
            }?.sequence
            return (deployment.sequence, active == snapshot.definitionVersion, activeSequence)
        }
    }

    /// A field's value for people: a person as name (id), datetimes in the unit's time zone.
    static func display(_ value: Value, time: Zone) -> String {
        if case .record(let record) = value, let name = record["name"], case .string(let text) = name {
            if case .string(let id)? = record["id"] { return "\(text) (\(id))" }
            return text
        }
        return value.description(in: time)
    }

    /// A history entry's changes as JSON (those of fields hidden from the viewer already left out
    /// by `CaseView.history`), values read with their field's type so that datetimes are written
    /// in the unit's time zone.
    static func changes(_ json: String, of workflow: CompiledWorkflow?, time: Zone) -> String {
        guard case .array(let items)? = try? JSONReader.read(json) else { return "[]" }
        var out = "["
        for item in items {
            guard let field = item["field"]?.string else { continue }
            func value(_ key: String) -> String {
                let raw = item[key] ?? .null
                if let type = workflow?.fieldTypes[field],
                    let typed = try? DataBinding.value(raw, as: type, path: field)
                {
                    return ValueJSON.encode(typed, time: time)
                }
                return raw.text
            }
            if out.count > 1 { out += "," }
            out +=
                "{\"field\":" + ValueJSON.encode(Value.string(field)) + ",\"old\":" + value("old") + ",\"new\":"
                + value("new") + "}"
        }
        return out + "]"
    }

}
