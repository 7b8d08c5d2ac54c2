import GridflowDefinitions
import GridflowDiagnostics
import GridflowExpressions

/// A problem of a people file: where the value is (its byte offset, when the file's places are
/// known), the JSON path inside the person (`performance["2023"]`, `roles[1]`), and what is wrong.
public struct PeopleProblem: Error, Sendable, Equatable {
    /// The byte offset of the value in the file, or `nil` for people not read from a file.
    public var offset: Int?
    /// The entry of the array the problem is in.
    public var index: Int
    /// The path inside the entry; empty for the entry itself.
    public var path: String
    public var message: String

    /// The problem with its path: `performance["2023"]: 'superb' is not one of …`.
    public var text: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// People checked against the unit's definitions and ready to store: only `PeopleChecker` makes them.
public struct CheckedPeople: Sendable {
    public let people: [StoredPerson]
}

/// Checks a people file (a JSON array of person objects) against the unit: every entry's id (the
/// documented set, not reserved, not repeated), name, roles (declared, not `system`) and every
/// person field by its type — enums inside maps, lists and records too, departments, org nodes,
/// people named by id, and the `team`, `shift` and `department` fields coverage and roles read —
/// collecting every problem rather than stopping at the first.
public struct PeopleChecker {
    let program: Program
    let unit: Unit
    /// Ids of people the directory keeps, which person fields may name.
    let existing: Set<String>

    /// A checker for `program`'s unit; `existing` are the ids of people already in the directory
    /// that stay there (none when the directory is replaced).
    public init(program: Program, existing: Set<String>) {
        self.program = program
        unit = program.types.unit
        self.existing = existing
    }

    /// What the file holds, or every problem found in it.
    public func check(_ json: JSON, place: JSONPlace?) -> Result<CheckedPeople, PeopleFailure> {
        var problems: [PeopleProblem] = []
        guard case .array(let items) = json else {
            return .failure(
                PeopleFailure(problems: [
                    PeopleProblem(
                        offset: place?.offset, index: -1, path: "",
                        message: "the people file must be a JSON array of person objects, not \(json.kind)")
                ]))
        }
        // Ids first, so a person field may name someone further down the file.
        var ids: [String: Int] = [:]
        for case .object(let object) in items {
            if case .string(let id)? = object["id"], ids[id] == nil { ids[id] = ids.count }
        }
        let known = existing.union(ids.keys)
        var seen: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            var context = Context(index: index, problems: [], known: known, checker: self)
            let itemPlace = place?.children[index]
            context.entry(item, place: itemPlace, seen: &seen)
            problems += context.problems
        }
        guard problems.isEmpty else { return .failure(PeopleFailure(problems: problems)) }
        var people: [StoredPerson] = []
        var unread: [PeopleProblem] = []
        for (index, item) in items.enumerated() {
            // The checks above and the record's reader are two readers of one format: should they
            // ever disagree, the entry is refused with the reader's words, never a crash.
            switch stored(item, index: index) {
            case .success(let person): people.append(person)
            case .failure(let problem): unread.append(problem)
            }
        }
        guard unread.isEmpty else { return .failure(PeopleFailure(problems: unread)) }
        return .success(CheckedPeople(people: people))
    }

    /// An entry as the directory keeps it, once it has been checked.
    private func stored(_ item: JSON, index: Int) -> Result<StoredPerson, PeopleProblem> {
        guard case .object(var fields) = item, case .string(let id)? = fields["id"] else {
            return .failure(PeopleProblem(offset: nil, index: index, path: "", message: "not an object with an id"))
        }
        if fields["roles"] == nil { fields["roles"] = .array([]) }
        fields = program.withPersonDefaults(fields)
        var roles: [String] = []
        if case .array(let values)? = fields["roles"] {
            for case .string(let role) in values { roles.append(role) }
        }
        let record: Value
        do {
            record = try DataBinding.value(.object(fields), as: .record(program.types.personType), path: id)
        } catch {
            return .failure(PeopleProblem(offset: nil, index: index, path: "", message: "\(error)"))
        }
        return .success(StoredPerson(id: id, roles: roles, recordJSON: ValueJSON.encode(record)))
    }

    /// The walk over one entry, collecting its problems.
    struct Context {
        let index: Int
        var problems: [PeopleProblem]
        let known: Set<String>
        let checker: PeopleChecker

        mutating func add(_ place: JSONPlace?, _ path: String, _ message: String) {
            problems.append(PeopleProblem(offset: place?.offset, index: index, path: path, message: message))
        }

        mutating func entry(_ item: JSON, place: JSONPlace?, seen: inout [String: Int]) {
            guard case .object(let object) = item else {
                add(place, "", "a person is a JSON object, not \(item.kind)")
                return
            }
            let unit = checker.unit
            func member(_ key: String) -> (JSON, JSONPlace?)? {
                guard let position = object.keys.firstIndex(of: key) else { return nil }
                return (object.values[position], place?.children[position])
            }
            // The id.
            if let (id, idPlace) = member("id") {
                if case .string(let text) = id {
                    if let problem = PersonID.problem(text) {
                        add(idPlace, "id", problem)
                    } else if let first = seen[text] {
                        add(idPlace, "id", "'\(text)' is the id of person [\(first)] already")
                    } else {
                        seen[text] = index
                    }
                } else {
                    add(idPlace, "id", "must be a string, not \(id.kind)")
                }
            } else {
                add(place, "id", "missing; every person has an id")
            }
            // The name.
            if let (name, namePlace) = member("name") {
                if case .string = name {} else { add(namePlace, "name", "must be a string, not \(name.kind)") }
            } else {
                add(place, "name", "missing; every person has a name")
            }
            // The roles.
            if let (roles, rolesPlace) = member("roles") {
                if case .array(let items) = roles {
                    for (position, role) in items.enumerated() {
                        let rolePlace = rolesPlace?.children[position]
                        let path = "roles[\(position)]"
                        guard case .string(let name) = role else {
                            add(rolePlace, path, "must be a role's name, not \(role.kind)")
                            continue
                        }
                        if let problem = PersonID.roleProblem(name) {
                            add(rolePlace, path, problem)
                        } else if !unit.roles.contains(where: { $0.name.text == name }) {
                            let names = unit.roles.map(\.name.text)
                            add(
                                rolePlace, path,
                                "unit '\(unit.name.text)' has no role '\(name)'"
                                    + Suggestion.didYouMean(name, in: names))
                        }
                    }
                } else {
                    add(rolesPlace, "roles", "must be a list of role names, not \(roles.kind)")
                }
            }
            // The person fields.
            let fields = unit.peopleFields.filter { !["id", "name", "roles"].contains($0.name.text) }
            for (key, value) in object.entries where !["id", "name", "roles"].contains(key) {
                let valuePlace = member(key)?.1
                guard let field = fields.first(where: { $0.name.text == key }) else {
                    let names = fields.map(\.name.text)
                    add(
                        valuePlace, key,
                        "not a person field of \(unit.name.text)" + Suggestion.didYouMean(key, in: names)
                            + "; fields: " + names.joined(separator: ", "))
                    continue
                }
                if case .null = value {
                    if field.required { add(valuePlace, key, "is null; it is required") }
                    continue
                }
                check(value, field.type, place: valuePlace, path: key, topLevel: key)
            }
            // A field left out takes its default, if the unit gives one.
            let defaulted = Set(checker.program.personDefaults.map(\.field))
            let missing = fields.filter {
                $0.required && object[$0.name.text] == nil && !defaulted.contains($0.name.text)
            }.map(\.name.text)
            if !missing.isEmpty {
                add(
                    place, "",
                    "missing the required field\(missing.count == 1 ? "" : "s") " + missing.joined(separator: ", "))
            }
        }

        /// Checks a value against a field type; `topLevel` is the person field's name for the
        /// values of fields coverage and roles read by name (`team`, `shift`, `department`).
        mutating func check(_ json: JSON, _ type: FieldType, place: JSONPlace?, path: String, topLevel: String?) {
            let unit = checker.unit
            func text(_ what: String) -> String? {
                guard case .string(let value) = json else {
                    add(place, path, "must be \(what), not \(json.kind)")
                    return nil
                }
                return value
            }
            /// A name of the unit: one of `values` (listed in the message when `listed`).
            func oneOf(_ value: String, _ values: [String], _ what: String, listed: Bool = true) {
                guard !values.contains(value) else { return }
                add(
                    place, path,
                    "'\(value)' is not \(what)" + (listed ? " (" + values.joined(separator: ", ") + ")" : "")
                        + Suggestion.didYouMean(value, in: values))
            }
            switch type {
            case .string, .text, .attachment:
                guard let value = text("text") else { return }
                // The fields coverage and the units' roles read by name hold names of the unit.
                switch topLevel {
                case "team":
                    oneOf(
                        value, unit.tree?.walk().map(\.node.name.text) ?? [], "an org node of \(unit.name.text)",
                        listed: false)
                case "shift" where !unit.shifts.isEmpty:
                    oneOf(value, unit.shifts.map(\.text), "a shift of \(unit.name.text)")
                case "department":
                    oneOf(value, unit.departments.map(\.name.text), "a department of \(unit.name.text)")
                default: break
                }
            case .integer, .decimal:
                guard case .number(let digits) = json else {
                    add(place, path, "must be a number, not \(json.kind)")
                    return
                }
                guard let number = Number(digits) else {
                    add(place, path, "\(digits) is beyond the 38 digits a number may have")
                    return
                }
                if case .integer = type, !number.isInteger { add(place, path, "must be a whole number, not \(digits)") }
            case .bool:
                if case .bool = json {} else { add(place, path, "must be true or false, not \(json.kind)") }
            case .date:
                if let value = text("a date (YYYY-MM-DD)"), Day(value) == nil {
                    add(place, path, "must be a date (YYYY-MM-DD), not '\(value)'")
                }
            case .datetime:
                if let value = text("a date and time with its offset"), Instant(value) == nil {
                    add(
                        place, path,
                        "must be a date and time with its offset (2024-07-01T09:00:00+08:00), not '\(value)'")
                }
            case .duration:
                if let value = text("a duration"), Span(value) == nil {
                    add(place, path, "must be a duration (5d, 3wd, 1d12h), not '\(value)'")
                }
            case .person:
                guard let value = text("a person's id") else { return }
                if let problem = PersonID.problem(value) {
                    add(place, path, problem)
                } else if !known.contains(value) {
                    add(place, path, "no person '\(value)' in the file or the directory of \(unit.name.text)")
                }
            case .department:
                if let value = text("a department") {
                    oneOf(value, unit.departments.map(\.name.text), "a department of \(unit.name.text)")
                }
            case .orgNode:
                if let value = text("an org node") {
                    oneOf(
                        value, unit.tree?.walk().map(\.node.name.text) ?? [], "an org node of \(unit.name.text)",
                        listed: false)
                }
            case .enumeration(let values, let named):
                guard let value = text("one of its values") else { return }
                let allowed =
                    named.map { unit.enumeration($0.text)?.values.map(\.text) ?? [] } ?? values.map(\.text)
                guard !allowed.contains(value) else { return }
                add(
                    place, path,
                    "'\(value)' is not one of " + allowed.joined(separator: ", ")
                        + Suggestion.didYouMean(value, in: allowed))
            case .list(let element):
                guard case .array(let items) = json else {
                    add(place, path, "must be a list, not \(json.kind)")
                    return
                }
                for (position, item) in items.enumerated() {
                    let itemPath = "\(path)[\(position)]"
                    let itemPlace = place?.children[position]
                    if case .null = item {
                        add(itemPlace, itemPath, "is null")
                        continue
                    }
                    check(item, element, place: itemPlace, path: itemPath, topLevel: nil)
                }
            case .map(let key, let element):
                guard case .object(let object) = json else {
                    add(place, path, "must be an object, not \(json.kind)")
                    return
                }
                for (position, (name, item)) in object.entries.enumerated() {
                    let itemPath = "\(path)[\(ValueJSON.encode(Value.string(name)))]"
                    let itemPlace = place?.children[position]
                    if key == .integer, Number(name)?.isInteger != true {
                        add(itemPlace, itemPath, "the key '\(name)' is not a whole number")
                        continue
                    }
                    if case .null = item {
                        add(itemPlace, itemPath, "is null")
                        continue
                    }
                    check(item, element, place: itemPlace, path: itemPath, topLevel: nil)
                }
            case .record(let fields):
                guard case .object(let object) = json else {
                    add(place, path, "must be an object, not \(json.kind)")
                    return
                }
                for (position, (name, item)) in object.entries.enumerated() {
                    let itemPath = "\(path).\(name)"
                    let itemPlace = place?.children[position]
                    guard let field = fields.first(where: { $0.name.text == name }) else {
                        add(
                            itemPlace, itemPath,
                            "not a field of \(path); fields: " + fields.map(\.name.text).joined(separator: ", "))
                        continue
                    }
                    if case .null = item {
                        if field.required { add(itemPlace, itemPath, "is null; it is required") }
                        continue
                    }
                    check(item, field.type, place: itemPlace, path: itemPath, topLevel: nil)
                }
                for field in fields where field.required && object[field.name.text] == nil {
                    add(place, "\(path).\(field.name.text)", "missing; it is required")
                }
            case .invalid:
                break
            }
        }
    }
}

/// Every problem of a people file; nothing of it is stored.
public struct PeopleFailure: Error, Sendable {
    public var problems: [PeopleProblem]
}
