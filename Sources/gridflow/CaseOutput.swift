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
        let hidden = actor.roles.contains("system") ? [] : engine.hiddenFields(snapshot, from: actor)
        let actions = engine.actions(snapshot, for: actor)
        // History and incidents are read only for `show`, which prints them.
        let history = full ? (try? engine.store.history(snapshot.id)) ?? [] : []
        let incidents = full ? (try? engine.store.incidents(caseID: snapshot.id)) ?? [] : []
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
            var text = ValueJSON.encode(object)
            if full {
                let historyJSON = history.map {
                    "{\"sequence\":\($0.sequence),\"at\":" + ValueJSON.encode(Value.datetime($0.at)) + ",\"actor\":"
                        + ValueJSON.encode(Value.string($0.actor)) + ",\"event\":"
                        + ValueJSON.encode(Value.string($0.event))
                        + ",\"from\":" + ValueJSON.encode($0.from.map(Value.string) ?? .null) + ",\"to\":"
                        + ValueJSON.encode(Value.string($0.to)) + ",\"changes\":" + $0.changesJSON + "}"
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
            out += "  \(name): \(display(value))\n"
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
                out += "  \(entry.sequence)  \(entry.at)  \(entry.actor)  \(entry.event)  \(move)\n"
            }
            out += "incidents: " + (incidents.isEmpty ? "none" : "") + "\n"
            for incident in incidents {
                out += "  #\(incident.id) \(incident.code) on '\(incident.event)': \(incident.message)\n"
            }
        }
        FileHandleOutput.standardOutput(out)
    }

    static func display(_ value: Value) -> String {
        if case .record(let record) = value, let name = record["name"], case .string(let text) = name {
            if case .string(let id)? = record["id"] { return "\(text) (\(id))" }
            return text
        }
        return value.description
    }
}
