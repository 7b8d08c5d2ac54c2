import GridflowExpressions
import GridflowRuntime
import PostgresNIO

/// What an appraisal reads and writes: the cases of a period (all, or by pages optionally
/// narrowed in SQL), when they first entered each state, facts counted in SQL, results and
/// consequences saved a batch at a time. The SQLite store's semantics; its JSON paths are
/// `jsonb` paths here.
extension PostgresCaseStore {
    public func cases(unit: String, workflow: String, openedFrom from: Instant, to: Instant) throws(StoreError)
        -> [StoredCase]
    {
        try withConnection { connection throws(StoreError) in
            let rows = try connection.query(
                """
                SELECT \(unescaped: Self.caseColumns) FROM cases
                WHERE unit = \(unit) AND workflow = \(workflow) AND opened_at >= \(from.seconds) AND opened_at < \(to.seconds)
                ORDER BY opened_at, id
                """)
            var cases: [StoredCase] = []
            for row in rows { cases.append(try Self.storedCase(row, connection)) }
            return cases
        }
    }

    public func firstEntries(unit: String, workflow: String, openedFrom from: Instant, to: Instant)
        throws(StoreError) -> [String: [String: Instant]]
    {
        try withConnection { connection throws(StoreError) in
            var entries: [String: [String: Instant]] = [:]
            let rows = try connection.rows(
                """
                SELECT steps.case_id, steps.to_state, MIN(steps.at) FROM steps
                JOIN cases ON cases.id = steps.case_id
                WHERE cases.unit = \(unit) AND cases.workflow = \(workflow) AND cases.opened_at >= \(from.seconds)
                  AND cases.opened_at < \(to.seconds)
                GROUP BY steps.case_id, steps.to_state
                """
            ) { row in try row.decode((String, String, Int).self) }
            for (caseID, state, first) in rows { entries[caseID, default: [:]][state] = Instant(seconds: first) }
            return entries
        }
    }

    public func cases(
        unit: String, workflow: String, openedFrom from: Instant, to: Instant, after cursor: CaseCursor?, limit: Int,
        where condition: CaseCondition?
    ) throws(StoreError) -> (cases: [StoredCase], next: CaseCursor?) {
        var binds = PostgresBindings()
        binds.append(unit)
        binds.append(workflow)
        binds.append(from.seconds)
        binds.append(to.seconds)
        var sql =
            "SELECT \(Self.caseColumns), seq FROM cases WHERE unit = $1 AND workflow = $2 AND opened_at >= $3 AND opened_at < $4"
        if let cursor {
            // (opened_at, seq) is the order of the index cases_by_opening and the row's number.
            binds.append(Int(cursor.openedAt))
            binds.append(Int(cursor.row))
            sql += " AND (opened_at, seq) > ($\(binds.count - 1), $\(binds.count))"
        }
        // The condition narrows the page to the cases whose stored fields are current and hold
        // it; a case whose snapshot lags behind its steps comes whatever its fields. The caller
        // evaluates its `where` on every case it gets all the same.
        // So are the cases jsonb cannot read (see `unreadable`); CASE, unlike OR, checks that first.
        if let condition {
            sql +=
                " AND CASE WHEN snapshot_version < version OR \(Self.unreadable) THEN TRUE ELSE "
                + Self.sql(condition, &binds) + " END"
        }
        binds.append(limit)
        sql += " ORDER BY opened_at, seq LIMIT $\(binds.count)"
        return try withConnection { connection throws(StoreError) in
            let rows = try connection.query(PostgresQuery(unsafeSQL: sql, binds: binds))
            var cases: [StoredCase] = []
            var last: CaseCursor?
            for row in rows {
                let stored = try Self.storedCase(row, connection)
                cases.append(stored)
                do {
                    last = CaseCursor(
                        openedAt: Int64(stored.openedAt.seconds),
                        row: Int64(try row.makeRandomAccess()["seq"].decode(Int.self)))
                } catch {
                    throw StoreError(.database, "case \(stored.id) of \(location) has no sequence number: \(error)")
                }
            }
            return (cases, cases.count == limit ? last : nil)
        }
    }

    public func countCases(
        unit: String, workflow: String, openedFrom from: Instant, to: Instant, _ queries: [CaseCountQuery]
    ) throws(StoreError) -> (counts: CaseCounts, uncounted: [StoredCase])? {
        try withConnection { connection throws(StoreError) in
            var results = CaseCounts(queries: queries.count)
            // One pass over the period's cases per person field: each query a column of sums.
            var groups: [CaseTerm: [Int]] = [:]
            var order: [CaseTerm] = []
            for (index, query) in queries.enumerated() {
                if groups[query.person] == nil { order.append(query.person) }
                groups[query.person, default: []].append(index)
            }
            for person in order {
                let members = groups[person]!
                var binds = PostgresBindings()
                binds.append(unit)
                binds.append(workflow)
                binds.append(from.seconds)
                binds.append(to.seconds)
                // A person field holding something other than an id counts for nobody.
                let id = Self.sql(person, &binds)
                var columns = ["CASE WHEN jsonb_typeof(\(id)) = 'string' THEN (\(id)) #>> '{}' END"]
                for index in members {
                    let query = queries[index]
                    var amount = "1"
                    if case .size(let path) = query.amount {
                        binds.append(path)
                        let list = "(fields::jsonb #> $\(binds.count)::text[])"
                        amount = "CASE WHEN jsonb_typeof(\(list)) = 'array' THEN jsonb_array_length(\(list)) ELSE 0 END"
                    }
                    if let condition = query.condition {
                        amount = "CASE WHEN \(Self.sql(condition, &binds)) THEN \(amount) ELSE 0 END"
                    }
                    columns.append("SUM(\(amount))::BIGINT")
                }
                let sql = """
                    SELECT \(columns.joined(separator: ", ")) FROM cases
                    WHERE unit = $1 AND workflow = $2 AND opened_at >= $3 AND opened_at < $4
                        AND snapshot_version = version AND NOT \(Self.unreadable)
                    GROUP BY 1
                    """
                let rows = try connection.rows(PostgresQuery(unsafeSQL: sql, binds: binds)) { row in
                    let columns = row.makeRandomAccess()
                    let id = try columns[0].decode(String?.self)
                    let amounts = try members.indices.map { column in try columns[column + 1].decode(Int.self) }
                    return (id, amounts)
                }
                for (id, amounts) in rows {
                    guard let id, amounts.contains(where: { $0 != 0 }) else { continue }
                    let row = results.row(for: id)
                    for (column, index) in members.enumerated() where amounts[column] != 0 {
                        results.set(Int64(amounts[column]), row, index)
                    }
                }
            }
            // The cases whose fields lag behind their steps: few (open ones between snapshots);
            // and those jsonb cannot read.
            let lagging = try connection.query(
                """
                SELECT \(unescaped: Self.caseColumns) FROM cases
                WHERE unit = \(unit) AND workflow = \(workflow) AND opened_at >= \(from.seconds) AND opened_at < \(to.seconds)
                    AND (snapshot_version < version OR \(unescaped: Self.unreadable))
                ORDER BY opened_at, seq
                """)
            var uncounted: [StoredCase] = []
            for row in lagging { uncounted.append(try Self.storedCase(row, connection)) }
            return (results, uncounted)
        }
    }

    /// Whether a case's fields hold `\u0000`, which PostgreSQL's JSON functions refuse to read
    /// (a text may hold any character; a string of the server may not hold NUL): such a case is
    /// never read with them, only returned for the caller to check in Swift. A string holding a
    /// backslash and `u0000` is taken for one too, which costs that check and nothing else.
    static let unreadable = "strpos(fields, '\\u0000') > 0"

    /// SQL that gives true or false (never NULL) for a condition.
    static func sql(_ condition: CaseCondition, _ binds: inout PostgresBindings) -> String {
        switch condition {
        case .equals(let left, let right):
            let a = sql(left, &binds)
            return "(\(a) IS NOT DISTINCT FROM \(sql(right, &binds)))"
        case .oneOf(let term, let strings):
            guard !strings.isEmpty else { return "FALSE" }
            let value = sql(term, &binds)
            var items: [String] = []
            for string in strings {
                binds.append(string)
                items.append("to_jsonb($\(binds.count)::text)")
            }
            return "COALESCE(\(value) IN (\(items.joined(separator: ", "))), FALSE)"
        case .isTrue(let term): return "(\(sql(term, &binds)) IS NOT DISTINCT FROM 'true'::jsonb)"
        case .present(let term): return "(\(sql(term, &binds)) IS NOT NULL)"
        case .and(let conditions):
            guard !conditions.isEmpty else { return "TRUE" }
            return "(" + conditions.map { sql($0, &binds) }.joined(separator: " AND ") + ")"
        case .or(let conditions):
            guard !conditions.isEmpty else { return "FALSE" }
            return "(" + conditions.map { sql($0, &binds) }.joined(separator: " OR ") + ")"
        case .not(let inner): return "(NOT \(sql(inner, &binds)))"
        }
    }

    /// SQL for a term's value as `jsonb`: NULL when missing or JSON null (as SQLite's
    /// `json_extract` gives), so `COALESCE` and `IS NOT NULL` read as they do there.
    static func sql(_ term: CaseTerm, _ binds: inout PostgresBindings) -> String {
        switch term {
        case .field(let path):
            binds.append(path)
            return "NULLIF(fields::jsonb #> $\(binds.count)::text[], 'null'::jsonb)"
        case .state: return "to_jsonb(state)"
        case .id: return "to_jsonb(id)"
        case .string(let text):
            binds.append(text)
            return "to_jsonb($\(binds.count)::text)"
        case .bool(let value): return value ? "'true'::jsonb" : "'false'::jsonb"
        case .coalesce(let left, let right):
            let a = sql(left, &binds)
            return "COALESCE(\(a), \(sql(right, &binds)))"
        }
    }

    public func appraisalResults(unit: String, appraisal: String, period: String) throws(StoreError)
        -> [StoredAppraisal]
    {
        try withConnection { connection throws(StoreError) in
            try connection.rows(
                """
                SELECT person, role, definition_version, total, grade, details, at FROM appraisals
                WHERE unit = \(unit) AND appraisal = \(appraisal) AND period = \(period) ORDER BY person, role
                """
            ) { row in
                let (person, role, definitionVersion, total, grade, details, at) = try row.decode(
                    (String, String, String, String, String, String, Int).self)
                return StoredAppraisal(
                    person: person, role: role, definitionVersion: definitionVersion, total: total, grade: grade,
                    detailsJSON: details, at: Instant(seconds: at))
            }
        }
    }

    public func appraisalConsequences(unit: String, appraisal: String, period: String) throws(StoreError)
        -> [StoredConsequence]
    {
        try withConnection { connection throws(StoreError) in
            try connection.rows(
                """
                SELECT person, role, grade, effect, kind, details, case_id FROM appraisal_consequences
                WHERE unit = \(unit) AND appraisal = \(appraisal) AND period = \(period)
                ORDER BY person, role, grade, effect
                """
            ) { row in
                let (person, role, grade, effect, kind, details, caseID) = try row.decode(
                    (String, String, String, Int, String, String, String?).self)
                return StoredConsequence(
                    person: person, role: role, grade: grade, index: effect, kind: kind, detailsJSON: details,
                    caseID: caseID)
            }
        }
    }

    public func saveAppraisalBatch(
        unit: String, appraisal: String, period: String, roles: [String], people: AppraisalBatchRange,
        results: [StoredAppraisal], consequences: [(consequence: StoredConsequence, step: Step?)], at: Instant
    ) throws(StoreError) {
        let steps = consequences.map { ($0.consequence, $0.step.map(EncodedStep.init)) }
        try write { connection throws(StoreError) in
            for role in roles {
                if let through = people.through {
                    try connection.execute(
                        """
                        DELETE FROM appraisals WHERE unit = \(unit) AND appraisal = \(appraisal) AND period = \(period)
                          AND role = \(role) AND person > \(people.after ?? "") AND person <= \(through)
                        """)
                } else {
                    try connection.execute(
                        """
                        DELETE FROM appraisals WHERE unit = \(unit) AND appraisal = \(appraisal) AND period = \(period)
                          AND role = \(role) AND person > \(people.after ?? "")
                        """)
                }
            }
            // A thousand results per statement (`unnest` of their columns); a person and role
            // given twice is stored as given last, as the SQLite store's `INSERT OR REPLACE` does.
            var last: [String: Int] = [:]
            for (index, result) in results.enumerated() { last[result.person + "\u{0}" + result.role] = index }
            let unique = results.indices.filter { last[results[$0].person + "\u{0}" + results[$0].role] == $0 }
            var start = 0
            while start < unique.count {
                let chunk = unique[start..<min(start + 1_000, unique.count)].map { results[$0] }
                start += chunk.count
                let persons = chunk.map(\.person)
                let roles = chunk.map(\.role)
                let versions = chunk.map(\.definitionVersion)
                let totals = chunk.map(\.total)
                let grades = chunk.map(\.grade)
                let details = chunk.map(\.detailsJSON)
                let ats = chunk.map { Int64($0.at.seconds) }
                try connection.execute(
                    """
                    INSERT INTO appraisals
                        (unit, appraisal, period, person, role, definition_version, total, grade, details, at)
                    SELECT \(unit), \(appraisal), \(period), person, role, version, total, grade, details, at
                    FROM unnest(\(persons)::text[], \(roles)::text[], \(versions)::text[], \(totals)::text[],
                                \(grades)::text[], \(details)::text[], \(ats)::bigint[])
                        AS result (person, role, version, total, grade, details, at)
                    ON CONFLICT (unit, appraisal, period, person, role) DO UPDATE SET
                        definition_version = excluded.definition_version, total = excluded.total,
                        grade = excluded.grade, details = excluded.details, at = excluded.at
                    """)
            }
            // Consequences a thousand per statement; those a run performed before (or a
            // concurrent one first) are left out, and the rest said back by the statement.
            var appointing = false
            var performed: [(consequence: StoredConsequence, step: EncodedStep)] = []
            var first = 0
            while first < steps.count {
                let chunk = steps[first..<min(first + 1_000, steps.count)]
                first += chunk.count
                let persons = chunk.map(\.0.person)
                let roles = chunk.map(\.0.role)
                let grades = chunk.map(\.0.grade)
                let effects = chunk.map { Int64($0.0.index) }
                let kinds = chunk.map(\.0.kind)
                let details = chunk.map(\.0.detailsJSON)
                let inserted = try connection.rows(
                    """
                    INSERT INTO appraisal_consequences
                        (unit, appraisal, period, person, role, grade, effect, kind, details, case_id, at)
                    SELECT \(unit), \(appraisal), \(period), person, role, grade, effect, kind, details, NULL,
                           \(at.seconds)
                    FROM unnest(\(persons)::text[], \(roles)::text[], \(grades)::text[], \(effects)::bigint[],
                                \(kinds)::text[], \(details)::text[])
                        AS consequence (person, role, grade, effect, kind, details)
                    ON CONFLICT DO NOTHING
                    RETURNING person, role, grade, effect
                    """
                ) { row in try row.decode((String, String, String, Int).self) }
                let keys = Set(inserted.map { "\($0.0)\u{0}\($0.1)\u{0}\($0.2)\u{0}\($0.3)" })
                var done: Set<String> = []
                for (consequence, step) in chunk {
                    let key =
                        "\(consequence.person)\u{0}\(consequence.role)\u{0}\(consequence.grade)\u{0}\(consequence.index)"
                    // Performed by an earlier or concurrent run (or listed twice): nothing more to do.
                    guard keys.contains(key), done.insert(key).inserted else { continue }
                    if ["appoint", "end_appointment"].contains(consequence.kind) { appointing = true }
                    if let step { performed.append((consequence, step)) }
                }
            }
            // The cases the consequences open, then each one's id on its consequence.
            try Self.openCases(performed.map(\.step), connection)
            first = 0
            while first < performed.count {
                let chunk = performed[first..<min(first + 1_000, performed.count)]
                first += chunk.count
                let persons = chunk.map(\.consequence.person)
                let roles = chunk.map(\.consequence.role)
                let grades = chunk.map(\.consequence.grade)
                let effects = chunk.map { Int64($0.consequence.index) }
                let cases = chunk.map(\.step.step.next.id)
                try connection.execute(
                    """
                    UPDATE appraisal_consequences AS c SET case_id = opened.case_id
                    FROM unnest(\(persons)::text[], \(roles)::text[], \(grades)::text[], \(effects)::bigint[],
                                \(cases)::text[]) AS opened (person, role, grade, effect, case_id)
                    WHERE c.unit = \(unit) AND c.appraisal = \(appraisal) AND c.period = \(period)
                      AND c.person = opened.person AND c.role = opened.role AND c.grade = opened.grade
                      AND c.effect = opened.effect
                    """)
            }
            // An appointment or its end changes who holds what: the directory's readers read again.
            if appointing { try Self.bumpDirectory(unit: unit, connection) }
        }
    }

    /// Writes the steps that open new cases, a thousand cases to a statement per table, as
    /// `commitStep(_:expectedVersion: nil, _:)` writes each: the case rows, their history
    /// entries, their timers and outbox entries (in the steps' order), and their incidents. An id
    /// taken already is a unique violation, and the caller's transaction fails.
    static func openCases(_ steps: [EncodedStep], _ connection: Connection) throws(StoreError) {
        var first = 0
        while first < steps.count {
            let chunk = steps[first..<min(first + 1_000, steps.count)]
            first += chunk.count
            let nexts = chunk.map(\.step.next)
            let histories = chunk.map(\.step.history)
            let ids = nexts.map(\.id)
            let fields = chunk.map { text($0.fieldsJSON ?? EncodedStep.fields(of: $0.step)) }
            let versions = nexts.map { Int64($0.version) }
            try connection.execute(
                """
                INSERT INTO cases (id, unit, workflow, definition_version, state, fields, snapshot_version, version,
                                   opened_at, updated_at, parent)
                SELECT id, unit, workflow, definition_version, state, fields, version, version, opened_at,
                       updated_at, CASE WHEN has_parent THEN parent END
                FROM unnest(\(ids)::text[], \(nexts.map(\.unit))::text[], \(nexts.map(\.workflow))::text[],
                            \(nexts.map(\.definitionVersion))::text[], \(nexts.map(\.state))::text[],
                            \(fields)::text[], \(versions)::bigint[],
                            \(nexts.map { Int64($0.openedAt.seconds) })::bigint[],
                            \(nexts.map { Int64($0.updatedAt.seconds) })::bigint[],
                            \(nexts.map { $0.parent ?? "" })::text[], \(nexts.map { $0.parent != nil })::bool[])
                    WITH ORDINALITY AS opened (id, unit, workflow, definition_version, state, fields, version,
                                               opened_at, updated_at, parent, has_parent, n)
                ORDER BY n
                """)
            try connection.execute(
                """
                INSERT INTO steps (case_id, version, at, actor, event, transition, from_state, to_state, changes,
                                   definition_version)
                SELECT case_id, version, at, actor, event, CASE WHEN has_transition THEN transition END,
                       CASE WHEN has_from THEN from_state END, to_state, changes, definition_version
                FROM unnest(\(ids)::text[], \(versions)::bigint[], \(histories.map { Int64($0.at.seconds) })::bigint[],
                            \(histories.map(\.actor))::text[], \(histories.map(\.event))::text[],
                            \(histories.map { $0.transition ?? "" })::text[],
                            \(histories.map { $0.transition != nil })::bool[],
                            \(histories.map { $0.from ?? "" })::text[], \(histories.map { $0.from != nil })::bool[],
                            \(histories.map(\.to))::text[], \(chunk.map { text($0.changesJSON) })::text[],
                            \(nexts.map(\.definitionVersion))::text[])
                    WITH ORDINALITY AS logged (case_id, version, at, actor, event, transition, has_transition,
                                               from_state, has_from, to_state, changes, definition_version, n)
                ORDER BY n
                """)
            // Timers and effects of all the chunk's cases, in the order the steps give them.
            var timerCases: [String] = []
            var timerNames: [String] = []
            var timerNamed: [Bool] = []
            var timerEvents: [String] = []
            var timerDues: [Int64] = []
            var effectCases: [String] = []
            var effects: [String] = []
            var effectTimes: [Int64] = []
            for encoded in chunk {
                let step = encoded.step
                for timer in step.startTimers {
                    timerCases.append(step.next.id)
                    timerNames.append(timer.name ?? "")
                    timerNamed.append(timer.name != nil)
                    timerEvents.append(timer.event)
                    timerDues.append(Int64(timer.due.seconds))
                }
                for effect in encoded.effectsJSON {
                    effectCases.append(step.next.id)
                    effects.append(effect)
                    effectTimes.append(Int64(step.history.at.seconds))
                }
            }
            if !timerCases.isEmpty {
                try connection.execute(
                    """
                    INSERT INTO timers (case_id, name, event, due)
                    SELECT case_id, CASE WHEN named THEN name END, event, due
                    FROM unnest(\(timerCases)::text[], \(timerNames)::text[], \(timerNamed)::bool[],
                                \(timerEvents)::text[], \(timerDues)::bigint[])
                        WITH ORDINALITY AS started (case_id, name, named, event, due, n)
                    ORDER BY n
                    """)
            }
            if !effectCases.isEmpty {
                try connection.execute(
                    """
                    INSERT INTO outbox (case_id, effect, created_at)
                    SELECT case_id, effect, created_at
                    FROM unnest(\(effectCases)::text[], \(effects)::text[], \(effectTimes)::bigint[])
                        WITH ORDINALITY AS queued (case_id, effect, created_at, n)
                    ORDER BY n
                    """)
            }
            for encoded in chunk {
                let step = encoded.step
                for incident in step.incidents {
                    try insert(
                        incident, caseID: step.next.id, event: step.history.event, inputJSON: "{}",
                        at: step.history.at, connection)
                }
            }
        }
    }
}
