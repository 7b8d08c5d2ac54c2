import GridflowDefinitions
import GridflowDiagnostics
import GridflowExpressions

extension Engine {
    /// The actor for person `id`. A person of the unit's directory acts with the roles the
    /// directory gives them and those whose `held_by` holds for their record (or the subset
    /// `roles` names), with their record as `actor`; a role they do not hold is refused. Nobody
    /// else acts, also before the unit's people are imported: roles are the directory's to give,
    /// never what a client names. The engine's own id and role are refused: no person acts as it.
    public func actor(_ id: String, roles: Set<String>, now: Instant) throws(EngineError) -> Actor {
        if let problem = PersonID.problem(id) { throw EngineError(.rejected, problem) }
        for role in roles.sorted() {
            if let problem = PersonID.roleProblem(role) { throw EngineError(.rejected, problem) }
        }
        for role in roles where !program.roleNames.contains(role) {
            throw EngineError(
                .notFound,
                "unit '\(program.unit)' has no role '\(role)'"
                    + Suggestion.didYouMean(role, in: program.roleNames.subtracting([Actor.system.id])))
        }
        guard let stored = try storeCall({ () throws(StoreError) in try store.person(unit: program.unit, id: id) })
        else {
            let someone = try storeCall { () throws(StoreError) in try store.hasPeople(unit: program.unit) }
            throw EngineError(
                .notFound,
                "no person '\(id)' in the directory of \(program.unit)"
                    + (someone ? "" : " (it is empty)")
                    + "; import the unit's people with 'gridflow people import \(program.unit) FILE.json'")
        }
        return try actor(stored, roles: roles, now: now)
    }

    /// The actor for a person of the directory as stored, without reading the store again.
    /// `appointed` are the person's appointments by cases, when the caller has read them for
    /// many people at once (those that count: see `appointments(lastingAt:)`); otherwise their
    /// lasting appointments are read here. A scoped role is held at the node an
    /// appointment to it names, else at the ancestor of the person's `team` at the role's level.
    public func actor(
        _ stored: StoredPerson, roles: Set<String>, now: Instant, appointed: [StoredAppointment]? = nil
    )
        throws(EngineError) -> Actor
    {
        let id = stored.id
        let record = try directoryRecord(of: stored)
        var appointments = appointed ?? []
        if appointed == nil {
            appointments = try storeCall { () throws(StoreError) in
                try store.appointments(unit: program.unit, person: id)
            }.filter { $0.end == nil }
        }
        // A role named `system` in an old directory entry gives nothing: it is the engine's alone.
        let held = Set(stored.roles).union(try program.derivedRoles(of: record, now: now))
            .union(appointments.map(\.role))
            .subtracting([Unit.Role.system])
        let missing = roles.subtracting(held)
        guard missing.isEmpty else {
            throw EngineError(
                .rejected,
                "'\(id)' does not hold the role\(missing.count == 1 ? "" : "s") \(missing.sorted().joined(separator: ", ")) in \(program.unit); "
                    + (held.isEmpty ? "they hold none" : "they hold \(held.sorted().joined(separator: ", "))"))
        }
        let acting = roles.isEmpty ? held : roles
        return Actor(
            id: id, roles: acting, person: record,
            scopes: program.org.scopes(of: record, roles: acting, appointments: appointments))
    }

    /// The roles cases appointed people to (appointments not ended), by person id, for
    /// resolving many people at once.
    public func appointedRoles() throws(EngineError) -> [String: [String]] {
        try appointments().mapValues { $0.map(\.role) }
    }

    /// The appointments cases made, by person id, for resolving many people at once: those not
    /// ended, or with `lastingAt`, those not ended by then (an appraisal's period end).
    public func appointments(lastingAt instant: Instant? = nil) throws(EngineError) -> [String: [StoredAppointment]] {
        var byPerson: [String: [StoredAppointment]] = [:]
        for appointment in try storeCall({ () throws(StoreError) in
            try store.appointments(unit: program.unit, person: nil)
        }) where instant.map(appointment.lasts(at:)) ?? (appointment.end == nil) {
            byPerson[appointment.person, default: []].append(appointment)
        }
        return byPerson
    }

    /// The record of a directory entry as stored, or why it cannot be read.
    func directoryRecord(of stored: StoredPerson) throws(EngineError) -> Record {
        // Read in one pass where the entry is of the common shapes; else (and for what is
        // wrong with it) by the JSON reader and the binding, which give the same record.
        if case .record(let record)? = program.personDecoder?.decode(stored.recordJSON) {
            return Record(layout: program.types.personType.layout, slots: record.slots)
        }
        do {
            return try directoryRecord(JSONReader.read(stored.recordJSON), path: stored.id)
        } catch let error as EngineError {
            throw EngineError(
                .store, "the directory entry of '\(stored.id)' no longer fits the unit's person fields: \(error)")
        } catch {
            throw EngineError(.store, "the directory entry of '\(stored.id)' is not valid JSON: \(error)")
        }
    }

    /// Reads a person record as kept in the directory: checked when it was imported, so a field
    /// the definitions made required since may be missing (an expression reading it then stops
    /// with an error naming it).
    func directoryRecord(_ json: JSON, path: String) throws(EngineError) -> Record {
        // An entry imported before a field had its default takes the default now.
        var json = json
        if case .object(let object) = json { json = .object(program.withPersonDefaults(object)) }
        do {
            guard
                case .record(let record) = try DataBinding.value(
                    json, as: .record(program.storedPersonType), path: path)
            else { throw EngineError(.store, "\(path) must be an object") }
            return Record(layout: program.types.personType.layout, slots: record.slots)
        } catch let error as EngineError {
            throw error
        } catch {
            throw EngineError(.store, "\(error)")
        }
    }

    /// Reads a person record: the unit's person fields, required ones present, roles the unit declares.
    func person(_ json: JSON, path: String) throws(EngineError) -> Record {
        let value: Value
        do { value = try DataBinding.value(json, as: .record(program.types.personType), path: path) } catch {
            throw EngineError(.rejected, error.description)
        }
        guard case .record(let record) = value else { throw EngineError(.rejected, "\(path) must be an object") }
        if case .list(let roles)? = record["roles"] {
            for case .string(let role) in roles {
                if let problem = PersonID.roleProblem(role) {
                    throw EngineError(.rejected, "\(path).roles: \(problem)")
                }
            }
            for case .string(let role) in roles where !program.roleNames.contains(role) {
                throw EngineError(
                    .rejected,
                    "\(path).roles: unit '\(program.unit)' has no role '\(role)'"
                        + Suggestion.didYouMean(role, in: program.roleNames.subtracting([Actor.system.id])))
            }
        }
        return record
    }

    /// Checks a directory given as a JSON array of person objects (`PeopleChecker`) and stores it
    /// in one transaction, or stores nothing and says which entries and fields are wrong.
    /// - Returns: how many people were imported.
    @discardableResult
    public func importPeople(_ json: JSON, replacing: Bool) throws(EngineError) -> Int {
        switch try checkPeople(json, place: nil, replacing: replacing) {
        case .success(let checked):
            return try importPeople(checked, replacing: replacing)
        case .failure(let failure):
            throw EngineError(
                .rejected,
                failure.problems.map { $0.index < 0 ? $0.text : "person [\($0.index)]: \($0.text)" }.joined(
                    separator: "; "))
        }
    }

    /// Checks people against the unit; a person field may name someone of the file or, unless
    /// the directory is replaced, of the directory.
    public func checkPeople(_ json: JSON, place: JSONPlace?, replacing: Bool) throws(EngineError) -> Result<
        CheckedPeople, PeopleFailure
    > {
        let existing =
            replacing
            ? [] : try storeCall { () throws(StoreError) in try store.people(unit: program.unit).map(\.id) }
        return PeopleChecker(program: program, existing: Set(existing)).check(json, place: place)
    }

    /// Stores checked people in one transaction.
    /// - Returns: how many people were imported.
    @discardableResult
    public func importPeople(_ checked: CheckedPeople, replacing: Bool) throws(EngineError) -> Int {
        try storeCall { () throws(StoreError) in
            try store.importPeople(unit: program.unit, checked.people, replacing: replacing)
        }
        return checked.people.count
    }
}

extension Engine {
    /// Why `person` may not administer the unit now (the unit names no administrator role, or
    /// they do not hold it); `nil` when they may.
    public func administrationRefusal(of person: String, now: Instant) throws(EngineError) -> String? {
        guard let role = program.administratorRole else {
            return "unit '\(program.unit)' names no administrator role ('administrator: ROLE' in its unit.yaml)"
        }
        do {
            _ = try actor(person, roles: [role], now: now)
            return nil
        } catch {
            guard error.code == .rejected || error.code == .notFound else { throw error }
            return "'\(person)' does not hold \(program.unit)'s administrator role '\(role)'"
        }
    }
}
