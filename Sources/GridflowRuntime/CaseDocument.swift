import GridflowExpressions

/// A case as JSON for a viewer, as `case show --json` prints it and the daemon answers it: the
/// fields the viewer may see, the hidden ones named with who may see them, the actions open to
/// the viewer, and with `full` the deployment, the history and the incidents as they may read them.
public enum CaseDocument {
    /// The document of `snapshot` seen through `view` (the engine's view of it for `viewer`).
    public static func json(engine: Engine, _ snapshot: CaseSnapshot, view: CaseView, viewer: Viewer, full: Bool)
        throws(EngineError) -> String
    {
        let fields = view.fields
        let hidden = view.hidden
        var actor: Actor?
        if case .person(let person) = viewer { actor = person }
        let actions = actor.map { engine.actions(snapshot, for: $0) } ?? []
        // Times as the unit's people read them, with the offset: still exact instants.
        let time = engine.program.calendar.zone
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
        guard full else { return ValueJSON.encode(object, time: time) }
        let deployment = try deployment(of: snapshot, store: engine.store)
        object["deployment"] = deployment.map { .number(Number($0.sequence)) } ?? .null
        object["deployment_active"] = deployment.map { .bool($0.active) } ?? .null
        var text = ValueJSON.encode(object, time: time)
        let stored: [StoredHistory]
        let incidents: [StoredIncident]
        do {
            // The view read the history when it had to hide who opened the case: not again.
            if let read = view.storedHistory { stored = read } else { stored = try engine.store.history(snapshot.id) }
            incidents = try engine.store.incidents(caseID: snapshot.id)
        } catch { throw EngineError(.store, error.message) }
        let workflow = engine.program.workflow(snapshot.workflow)
        let historyJSON = view.history(stored).map { item in
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
        return text
    }

    /// The deployment a case runs on, whether it is the active one, and the active one's number.
    public static func deployment(of snapshot: CaseSnapshot, store: any CaseStore) throws(EngineError) -> (
        sequence: Int, active: Bool, activeSequence: Int?
    )? {
        do {
            let standing = try store.standing(unit: snapshot.unit, version: snapshot.definitionVersion)
            guard let sequence = standing.sequence else { return nil }
            return (sequence, standing.activeVersion == snapshot.definitionVersion, standing.activeSequence)
        } catch { throw EngineError(.store, error.message) }
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
