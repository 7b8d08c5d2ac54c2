import GridflowExpressions
import GridflowRuntime
import PostgresNIO

// MARK: The directory

/// A unit's people, and the revision that changes with them and with appointments (a counter
/// `directory:UNIT`, bumped in the transaction that changes them, as in the SQLite store).
extension PostgresCaseStore {
    static let personColumns = "id, roles, record"

    public func person(unit: String, id: String) throws(StoreError) -> StoredPerson? {
        try withConnection { connection throws(StoreError) in
            try connection.rows(
                "SELECT \(unescaped: Self.personColumns) FROM people WHERE unit = \(unit) AND id = \(id)"
            ) { row in try Self.storedPerson(row) }.first
        }
    }

    public func hasPeople(unit: String) throws(StoreError) -> Bool {
        try withConnection { connection throws(StoreError) in
            try connection.rows("SELECT EXISTS (SELECT 1 FROM people WHERE unit = \(unit))") { row in
                try row.decode(Bool.self)
            }.first ?? false
        }
    }

    public func people(unit: String) throws(StoreError) -> [StoredPerson] {
        try withConnection { connection throws(StoreError) in
            try connection.rows(
                "SELECT \(unescaped: Self.personColumns) FROM people WHERE unit = \(unit) ORDER BY id"
            ) { row in try Self.storedPerson(row) }
        }
    }

    public func directoryRevision(unit: String) throws(StoreError) -> Int {
        try withConnection { connection throws(StoreError) in
            try connection.rows("SELECT value FROM counters WHERE name = \("directory:" + unit)") { row in
                try row.decode(Int.self)
            }.first ?? 0
        }
    }

    public func directoryStamp(unit: String, person: String) throws(StoreError) -> DirectoryStamp {
        try withConnection { connection throws(StoreError) in
            try connection.rows(
                """
                SELECT COALESCE((SELECT value FROM counters WHERE name = \("people:" + unit)), 0),
                       COALESCE((SELECT MAX(id) FROM deliveries WHERE person = \(person)), 0)
                """
            ) { row in
                let (people, appointments) = try row.decode((Int, Int).self)
                return DirectoryStamp(people: people, appointments: appointments)
            }.first ?? DirectoryStamp(people: 0, appointments: 0)
        }
    }

    /// An import (or an appraisal's appointment) changes both the unit's directory revision and
    /// its people counter.
    static func bumpDirectory(unit: String, _ connection: Connection) throws(StoreError) {
        for name in ["directory:" + unit, "people:" + unit] {
            try connection.execute(
                """
                INSERT INTO counters (name, value) VALUES (\(name), 1)
                ON CONFLICT (name) DO UPDATE SET value = counters.value + 1
                """)
        }
    }

    /// People go in by a thousand per statement (`unnest` of three arrays); a person listed twice
    /// is stored as listed last, as the SQLite store's row-by-row upsert leaves them.
    public func importPeople(unit: String, _ people: [StoredPerson], replacing: Bool) throws(StoreError) {
        var last: [String: Int] = [:]
        for (index, person) in people.enumerated() { last[person.id] = index }
        let unique = people.indices.filter { last[people[$0].id] == $0 }.map { people[$0] }
        try write { connection throws(StoreError) in
            try Self.bumpDirectory(unit: unit, connection)
            if replacing { try connection.execute("DELETE FROM people WHERE unit = \(unit)") }
            var start = 0
            while start < unique.count {
                let chunk = unique[start..<min(start + 1_000, unique.count)]
                start += chunk.count
                let ids = chunk.map(\.id)
                let roles = chunk.map { ValueJSON.encode(Value.list($0.roles.map(Value.string))) }
                let records = chunk.map(\.recordJSON)
                try connection.execute(
                    """
                    INSERT INTO people (unit, id, roles, record)
                    SELECT \(unit), id, roles, record FROM unnest(\(ids)::text[], \(roles)::text[], \(records)::text[])
                        AS person (id, roles, record)
                    ON CONFLICT (unit, id) DO UPDATE SET roles = excluded.roles, record = excluded.record
                    """)
            }
        }
    }

    /// A person row (`personColumns`).
    static func storedPerson(_ row: PostgresRow) throws -> StoredPerson {
        let (id, roles, record) = try row.decode((String, String, String).self)
        return StoredPerson(id: id, roles: try Self.roles(roles, of: "person \(id)"), recordJSON: record)
    }

    /// A stored list of role names; anything else is an error, never an empty list.
    static func roles(_ json: String, of what: String) throws(StoreError) -> [String] {
        guard case .array(let items)? = try? JSONReader.read(json) else {
            throw StoreError(.database, "the roles of \(what) cannot be read: \(json)")
        }
        var roles: [String] = []
        for item in items {
            guard let role = item.string else {
                throw StoreError(.database, "the roles of \(what) cannot be read: \(json)")
            }
            roles.append(role)
        }
        return roles
    }

    public func peopleCount(unit: String) throws(StoreError) -> Int {
        try withConnection { connection throws(StoreError) in
            try connection.rows("SELECT COUNT(*) FROM people WHERE unit = \(unit)") { row in
                try row.decode(Int.self)
            }.first ?? 0
        }
    }

    public func people(unit: String, after cursor: String?, limit: Int) throws(StoreError) -> [StoredPerson] {
        try withConnection { connection throws(StoreError) in
            try connection.rows(
                """
                SELECT \(unescaped: Self.personColumns) FROM people WHERE unit = \(unit) AND id > \(cursor ?? "")
                ORDER BY id LIMIT \(limit)
                """
            ) { row in try Self.storedPerson(row) }
        }
    }
}

// MARK: Appointments

extension PostgresCaseStore {
    /// Appointments made by cases (`appoint` deliveries, found by their `person` column, which
    /// `complete` fills) and by appraisal consequences, oldest first, with the ends applied in
    /// the order they were recorded: the SQLite store's reading, entry for entry.
    public func appointments(unit: String, person: String?) throws(StoreError) -> [StoredAppointment] {
        try appointments(unit: unit, person: person, role: nil)
    }

    /// Narrowed in SQL to the role's entries, and those whose role is not a string (which the
    /// reading then names as unreadable).
    public func appointments(unit: String, role: String) throws(StoreError) -> [StoredAppointment] {
        try appointments(unit: unit, person: nil, role: role)
    }

    public func people(unit: String, holding role: String) throws(StoreError) -> [StoredPerson] {
        try withConnection { connection throws(StoreError) in
            try connection.rows(
                """
                SELECT \(unescaped: Self.personColumns) FROM people
                WHERE unit = \(unit) AND roles::jsonb @> jsonb_build_array(\(role)::text)
                ORDER BY id
                """
            ) { row in try Self.storedPerson(row) }
        }
    }

    private func appointments(unit: String, person: String?, role: String?) throws(StoreError)
        -> [StoredAppointment]
    {
        try withConnection { connection throws(StoreError) in
            // Appointments and ends, each with when it was recorded and its order among those of that instant.
            var records: [AppointmentRecord] = []
            var binds = PostgresBindings()
            binds.append(unit)
            var byPerson = "deliveries.person IS NOT NULL"
            var consequenceFilter = ""
            if let person {
                binds.append(person)
                byPerson = "deliveries.person = $2"
                consequenceFilter = " AND person = $2"
            }
            if let role {
                binds.append(role)
                let ofRole = { (details: String) in
                    " AND (jsonb_typeof(\(details)::jsonb -> 'role') IS DISTINCT FROM 'string'"
                        + " OR \(details)::jsonb ->> 'role' = $\(binds.count))"
                }
                byPerson += ofRole("deliveries.details")
                consequenceFilter += ofRole("details")
            }
            let deliveries = try connection.rows(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT deliveries.case_id, deliveries.kind, deliveries.details, deliveries.at, deliveries.id
                        FROM deliveries JOIN cases ON cases.id = deliveries.case_id
                        WHERE \(byPerson) AND cases.unit = $1 AND deliveries.kind IN ('appoint', 'end_appointment')
                        ORDER BY deliveries.id
                        """, binds: binds)
            ) { row in try row.decode((String, String, String, Int, Int).self) }
            for (caseID, kind, details, at, id) in deliveries {
                records.append(
                    AppointmentRecord(
                        at: Instant(seconds: at), order: id, kind: kind, detailsJSON: details, source: caseID))
            }
            let consequences = try connection.rows(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT appraisal, period, kind, details, at FROM appraisal_consequences
                        WHERE unit = $1 AND kind IN ('appoint', 'end_appointment')\(consequenceFilter)
                        ORDER BY at, person
                        """, binds: binds)
            ) { row in try row.decode((String, String, String, String, Int).self) }
            for (appraisal, period, kind, details, at) in consequences {
                records.append(
                    AppointmentRecord(
                        at: Instant(seconds: at), order: Int.max, kind: kind, detailsJSON: details,
                        source: "appraisal \(appraisal) \(period)"))
            }
            return try StoredAppointment.assemble(records)
        }
    }
}
