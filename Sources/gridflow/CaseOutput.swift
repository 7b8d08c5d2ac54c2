import Foundation
import GridflowExpressions
import GridflowRuntime
import GridflowStore

/// How cases are printed.
enum CaseOutput {
    /// The engine for the unit a stored case belongs to.
    static func engine(for caseID: String, store: SQLiteCaseStore, options: StoreOptions) throws -> Engine {
        let stored = try storeRun { () throws(StoreError) in try store.load(caseID) }
        guard let stored else { throw CommandError(message: "no case '\(caseID)' in \(options.db)") }
        return try options.engine(unit: stored.unit, store: store)
    }

    static func print(engine: Engine, _ snapshot: CaseSnapshot, actor: Actor, json: Bool, full: Bool = false) {
        let fields = engine.visibleFields(snapshot, to: actor)
        let hidden = engine.hiddenFields(snapshot, from: actor)
        let actions = engine.actions(snapshot, for: actor)
        // History and incidents are read only for `show`, which prints them.
        let history = full ? (try? engine.store.history(snapshot.id)) ?? [] : []
        let incidents = full ? (try? engine.store.incidents(caseID: snapshot.id)) ?? [] : []
        // Times as the unit's people read them, with the offset: still exact instants.
        let time = engine.program.calendar.zone
        if json {
            var object: [String: Value] = [
                "id": .string(snapshot.id), "unit": .string(snapshot.unit), "workflow": .string(snapshot.workflow),
                "state": .string(snapshot.state), "version": .number(Number(snapshot.version)),
                "definition_version": .string(snapshot.definitionVersion),
                "actions": .list(actions.map(Value.string)),
                "hidden": .list(hidden.map { Value.string($0.name) }),
            ]
            let names = fields.map(\.name)
            object["fields"] = .record(Record(layout: RecordLayout(names: names), slots: fields.map(\.value)))
            var text = ValueJSON.encode(object, time: time)
            if full {
                let workflow = engine.program.workflow(snapshot.workflow)
                let hiddenNames = Set(hidden.map(\.name))
                let historyJSON = history.map {
                    "{\"sequence\":\($0.sequence),\"at\":" + ValueJSON.encode(Value.datetime($0.at), time: time)
                        + ",\"actor\":" + ValueJSON.encode(Value.string($0.actor)) + ",\"event\":"
                        + ValueJSON.encode(Value.string($0.event))
                        + ",\"from\":" + ValueJSON.encode($0.from.map(Value.string) ?? .null) + ",\"to\":"
                        + ValueJSON.encode(Value.string($0.to)) + ",\"changes\":"
                        + changes($0.changesJSON, of: workflow, hiding: hiddenNames, time: time) + "}"
                }
                let incidentJSON = incidents.map {
                    ValueJSON.encode([
                        "id": .number(Number($0.id)), "code": .string($0.code), "message": .string($0.message),
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
        out += "fields:\n"
        for (name, value) in fields where value != .null {
            out += "  \(name): \(display(value, time: time))\n"
        }
        let empty = fields.filter { $0.value == .null }.count
        if full, empty > 0 { out += "  (\(empty) more field\(empty == 1 ? "" : "s") empty)\n" }
        for (name, roles) in hidden {
            out += "  \(name): hidden from \(actor.id) (visible to \(roles.joined(separator: ", ")))\n"
        }
        out += "actions for \(actor.id): " + (actions.isEmpty ? "none" : actions.joined(separator: ", ")) + "\n"
        if full {
            out += "history:\n"
            for entry in history {
                let move = entry.from.map { "\($0) → \(entry.to)" } ?? "→ \(entry.to)"
                out += "  \(entry.sequence)  \(time.text(entry.at))  \(entry.actor)  \(entry.event)  \(move)\n"
            }
            out += "incidents: " + (incidents.isEmpty ? "none" : "") + "\n"
            for incident in incidents {
                out += "  #\(incident.id) \(incident.code) on '\(incident.event)': \(incident.message)\n"
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

    /// A history entry's changes as JSON for the viewer: changes of fields hidden from them are
    /// left out, as their values are, and values are read with their field's type so that
    /// datetimes are written in the unit's time zone.
    static func changes(_ json: String, of workflow: CompiledWorkflow?, hiding hidden: Set<String>, time: Zone)
        -> String
    {
        guard case .array(let items)? = try? JSONReader.read(json) else { return hidden.isEmpty ? json : "[]" }
        var out = "["
        for item in items {
            guard let field = item["field"]?.string, !hidden.contains(field) else { continue }
            func value(_ key: String) -> String {
                let raw = item[key] ?? .null
                if let type = workflow?.fieldTypes[field],
                    let typed = try? DataBinding.value(raw, as: type, path: field)
                {
                    return ValueJSON.encode(typed, time: time)
                }
                return jsonText(raw)
            }
            if out.count > 1 { out += "," }
            out +=
                "{\"field\":" + ValueJSON.encode(Value.string(field)) + ",\"old\":" + value("old") + ",\"new\":"
                + value("new") + "}"
        }
        return out + "]"
    }

    /// JSON as read, written back.
    static func jsonText(_ json: JSON) -> String {
        switch json {
        case .null: "null"
        case .bool(let value): value ? "true" : "false"
        case .number(let text): text
        case .string(let text): ValueJSON.encode(Value.string(text))
        case .array(let items): "[" + items.map(jsonText).joined(separator: ",") + "]"
        case .object(let object):
            "{"
                + object.entries.map { ValueJSON.encode(Value.string($0.0)) + ":" + jsonText($0.1) }.joined(
                    separator: ",")
                + "}"
        }
    }
}
