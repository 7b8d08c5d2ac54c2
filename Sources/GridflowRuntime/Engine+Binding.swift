import GridflowDefinitions
import GridflowDiagnostics
import GridflowExpressions

/// People named in input are the directory's: a client names a person by id and the engine
/// takes the record from the directory, so nobody can name someone who does not exist or hand
/// in a record with roles or attributes the directory does not give.
extension Engine {
    /// Field values of `workflow` as a client sends them in JSON. A person is given by id, as
    /// `{"id": "wang"}` or `"@wang"`, and becomes the directory's record of that person; an
    /// unknown id, an object with anything beside `id`, a field the workflow does not declare
    /// and a value of the wrong type are refused, naming the field.
    public func input(_ object: JSONObject, for workflow: String) throws(EngineError) -> [String: Value] {
        guard let compiled = program.workflow(workflow) else {
            throw EngineError(.notFound, "unit '\(program.unit)' has no workflow '\(workflow)'")
        }
        var directory = DirectoryReader(engine: self)
        var values: [String: Value] = [:]
        for (name, json) in object.entries {
            guard let type = compiled.fieldTypes[name] else {
                throw EngineError(
                    .rejected,
                    "\(workflow) has no field '\(name)'"
                        + Suggestion.didYouMean(name, in: Set(compiled.fieldTypes.keys))
                        + "; fields: " + compiled.fieldTypes.keys.sorted().joined(separator: ", "))
            }
            let resolved = try directory.resolve(json, as: type, path: name)
            do { values[name] = try DataBinding.value(resolved, as: type, path: name) } catch {
                throw EngineError(.rejected, "field '\(name)': \(error)")
            }
        }
        return values
    }

    /// The input with every person in it replaced by the directory's record of that person;
    /// a person the directory does not hold, or a record that differs from the directory's in
    /// any field it gives, is refused. The engine's own paths (effects, consequences) name
    /// people from stored cases and are not checked here.
    func boundPeople(_ input: [String: Value]) throws(EngineError) -> [String: Value] {
        var directory = DirectoryReader(engine: self)
        var bound: [String: Value] = [:]
        for (name, value) in input.sorted(by: { $0.key < $1.key }) {
            bound[name] = try directory.bind(value, path: name)
        }
        return bound
    }

    /// The current directory records of the people `snapshot` names and of `actor`, by id, for
    /// `current(person)`; empty when no transition that handles `event` calls it. A person no
    /// longer in the directory is left out (`current` then stops with an error naming them).
    func directoryRecords(for snapshot: CaseSnapshot, event: Event) throws(EngineError) -> [String: Record] {
        guard program.workflow(snapshot.workflow)?.readsDirectory(in: snapshot.state, on: event.name) == true else {
            return [:]
        }
        return try directoryRecords(naming: snapshot, actor: event.actor)
    }

    /// The current directory records of the people `snapshot` names and of `actor`, by id.
    func directoryRecords(naming snapshot: CaseSnapshot, actor: Actor) throws(EngineError) -> [String: Record] {
        var ids: Set<String> = actor.isEngine ? [] : [actor.id]
        for value in snapshot.fields.slots { collectPeople(value, into: &ids) }
        var reader = DirectoryReader(engine: self)
        var records: [String: Record] = [:]
        for id in ids.sorted() {
            if let record = try reader.record(id) { records[id] = record }
        }
        return records
    }

    private func collectPeople(_ value: Value, into ids: inout Set<String>) {
        switch value {
        case .record(let record):
            if record.layout == program.types.personType.layout, case .string(let id)? = record["id"] {
                ids.insert(id)
            } else {
                for slot in record.slots { collectPeople(slot, into: &ids) }
            }
        case .list(let items): for item in items { collectPeople(item, into: &ids) }
        case .map(let entries): for (_, item) in entries { collectPeople(item, into: &ids) }
        default: break
        }
    }
}

/// Reads people from the unit's directory, each once.
struct DirectoryReader {
    let engine: Engine
    private var stored: [String: StoredPerson?] = [:]

    init(engine: Engine) {
        self.engine = engine
    }

    private var program: Program { engine.program }

    mutating func person(_ id: String) throws(EngineError) -> StoredPerson? {
        if let known = stored[id] { return known }
        let found = try engine.storeCall { () throws(StoreError) in
            try engine.store.person(unit: program.unit, id: id)
        }
        stored[id] = found
        return found
    }

    /// The directory's record of `id`, or `nil` when the directory has no such person.
    mutating func record(_ id: String) throws(EngineError) -> Record? {
        try person(id).map { (stored) throws(EngineError) in try engine.directoryRecord(of: stored) }
    }

    private mutating func known(_ id: String, path: String) throws(EngineError) -> StoredPerson {
        if let problem = PersonID.problem(id) { throw EngineError(.rejected, "\(path): \(problem)") }
        guard let person = try person(id) else {
            throw EngineError(
                .rejected, "\(path): no person '\(id)' in the directory of \(program.unit)")
        }
        return person
    }

    /// `json` with each person in it, given by id, replaced by the directory's record.
    mutating func resolve(_ json: JSON, as type: ValueType, path: String) throws(EngineError) -> JSON {
        switch type.unwrapped {
        case .record(let record) where record == program.types.personType:
            let id: String
            switch json {
            case .null: return json
            case .string(let text) where text.hasPrefix("@"): id = String(text.dropFirst())
            case .object(let object):
                guard case .string(let given)? = object["id"] else {
                    throw EngineError(.rejected, "\(path): a person is given by id, as {\"id\": \"ID\"} or \"@ID\"")
                }
                if let other = object.keys.first(where: { $0 != "id" }) {
                    throw EngineError(
                        .rejected,
                        "\(path): a person is given by id alone, not with '\(other)'; the record comes from the directory"
                    )
                }
                id = given
            default:
                throw EngineError(
                    .rejected, "\(path): a person is given by id, as {\"id\": \"ID\"} or \"@ID\", not \(json.kind)")
            }
            let person = try known(id, path: path)
            do { return try JSONReader.read(person.recordJSON) } catch {
                throw EngineError(.store, "the directory entry of '\(id)' is not valid JSON: \(error)")
            }
        case .list(let element):
            guard case .array(let items) = json else { return json }
            var resolved: [JSON] = []
            for (index, item) in items.enumerated() {
                resolved.append(try resolve(item, as: element, path: "\(path)[\(index)]"))
            }
            return .array(resolved)
        case .map(_, let value):
            guard case .object(let object) = json else { return json }
            var resolved = JSONObject()
            for (key, item) in object.entries { resolved[key] = try resolve(item, as: value, path: "\(path).\(key)") }
            return .object(resolved)
        case .record(let record):
            guard case .object(let object) = json else { return json }
            var resolved = JSONObject()
            for (key, item) in object.entries {
                guard let field = record.field(key) else {
                    resolved[key] = item
                    continue
                }
                resolved[key] = try resolve(item, as: field.type, path: "\(path).\(key)")
            }
            return .object(resolved)
        default:
            return json
        }
    }

    /// `value` with each person record in it replaced by the directory's, which it must agree with.
    mutating func bind(_ value: Value, path: String) throws(EngineError) -> Value {
        switch value {
        case .record(let record) where record.layout == program.types.personType.layout:
            guard case .string(let id)? = record["id"] else {
                throw EngineError(.rejected, "\(path): a person is given by id, and this record has none")
            }
            let directory = try engine.directoryRecord(of: known(id, path: path))
            for (slot, given) in record.slots.enumerated() where given != .null && given != directory.slots[slot] {
                throw EngineError(
                    .rejected,
                    "\(path): the record given for '\(id)' is not the directory's (its '\(record.layout.names[slot])' differs); "
                        + "give a person by id, and the engine takes the record from the directory")
            }
            return .record(directory)
        case .record(let record):
            var slots = record.slots
            for index in slots.indices {
                slots[index] = try bind(slots[index], path: "\(path).\(record.layout.names[index])")
            }
            return .record(Record(layout: record.layout, slots: slots))
        case .list(let items):
            var bound: [Value] = []
            for (index, item) in items.enumerated() { bound.append(try bind(item, path: "\(path)[\(index)]")) }
            return .list(bound)
        case .map(let entries):
            var bound = entries
            for (key, item) in entries { bound[key] = try bind(item, path: "\(path).\(key)") }
            return .map(bound)
        default:
            return value
        }
    }
}
