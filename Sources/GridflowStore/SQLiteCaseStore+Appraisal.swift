import GRDB
import GridflowExpressions
import GridflowRuntime

/// What an appraisal reads and writes in batches: the directory by pages, the cases of a
/// period by pages (optionally narrowed in SQL), facts counted in SQL, results saved a batch at
/// a time.
///
/// Cases are read only as `StoredCase` values (`Self.storedCase(row)`) or counted here, so the
/// SQL that knows the shape of the `cases` table stays in this file and `SQLiteCaseStore.swift`.
extension SQLiteCaseStore {
    public func peopleCount(unit: String) throws(StoreError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM people WHERE unit = ?", arguments: [unit]) ?? 0
        }
    }

    public func people(unit: String, after cursor: String?, limit: Int) throws(StoreError) -> [StoredPerson] {
        try read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM people WHERE unit = ? AND id > ? ORDER BY id LIMIT ?"),
                arguments: [unit, cursor ?? "", limit]
            ).map(Self.storedPerson)
        }
    }

    public func cases(
        unit: String, workflow: String, openedFrom from: Instant, to: Instant, after cursor: CaseCursor?, limit: Int,
        where condition: CaseCondition?
    ) throws(StoreError) -> (cases: [StoredCase], next: CaseCursor?) {
        try read { db in
            var arguments: [(any DatabaseValueConvertible)?] = [unit, workflow, from.seconds, to.seconds]
            var sql =
                "SELECT rowid AS gridflow_row, * FROM cases WHERE unit = ? AND workflow = ? AND opened_at >= ? AND opened_at < ?"
            if let cursor {
                // (opened_at, rowid) is the order of the index cases_by_opening: no sorting.
                sql += " AND (opened_at, rowid) > (?, ?)"
                arguments += [cursor.openedAt, cursor.row]
            }
            // The condition narrows the page to the cases whose stored fields are current and
            // hold it; a case whose snapshot lags behind its steps comes whatever its fields.
            // The caller evaluates its `where` on every case it gets all the same.
            if let condition {
                sql += " AND (snapshot_version < version OR " + Self.sql(condition, &arguments) + ")"
            }
            sql += " ORDER BY opened_at, rowid LIMIT ?"
            arguments.append(limit)
            var cases: [StoredCase] = []
            var last: CaseCursor?
            let rows = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(arguments))
            while let row = try rows.next() {
                cases.append(try Self.storedCase(row, db))
                last = CaseCursor(openedAt: row["opened_at"], row: row["gridflow_row"])
            }
            return (cases, cases.count == limit ? last : nil)
        }
    }

    public func countCases(
        unit: String, workflow: String, openedFrom from: Instant, to: Instant, _ queries: [CaseCountQuery]
    ) throws(StoreError) -> (counts: [[String: Number]], uncounted: [StoredCase])? {
        try read { db in
            var results = [[String: Number]](repeating: [:], count: queries.count)
            // One pass over the period's cases per person field: each query a column of sums.
            var groups: [CaseTerm: [Int]] = [:]
            var order: [CaseTerm] = []
            for (index, query) in queries.enumerated() {
                if groups[query.person] == nil { order.append(query.person) }
                groups[query.person, default: []].append(index)
            }
            for person in order {
                let members = groups[person]!
                var arguments: [(any DatabaseValueConvertible)?] = []
                var columns = [Self.sql(person, &arguments) + " AS person"]
                for index in members {
                    let query = queries[index]
                    var amount = "1"
                    if case .size(let path) = query.amount {
                        amount = "COALESCE(json_array_length(fields, ?), 0)"
                        arguments.append(Self.jsonPath(path))
                    }
                    if let condition = query.condition {
                        let test = Self.sql(condition, &arguments)
                        amount = "CASE WHEN \(test) THEN \(amount) ELSE 0 END"
                    }
                    columns.append("SUM(\(amount))")
                }
                arguments += [unit, workflow, from.seconds, to.seconds]
                let sql = """
                    SELECT \(columns.joined(separator: ", ")) FROM cases
                    WHERE unit = ? AND workflow = ? AND opened_at >= ? AND opened_at < ?
                        AND snapshot_version = version
                    GROUP BY 1 HAVING person IS NOT NULL
                    """
                let rows = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(arguments))
                while let row = try rows.next() {
                    // A person field holding something other than an id counts for nobody.
                    guard let id = row[0] as String? else { continue }
                    for (column, index) in members.enumerated() {
                        let amount: Int64 = row[column + 1]
                        if amount != 0 { results[index][id] = Number(Int(amount)) }
                    }
                }
            }
            // The cases whose fields lag behind their steps: few (open ones between snapshots).
            let uncounted = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM cases WHERE unit = ? AND workflow = ? AND opened_at >= ? AND opened_at < ?
                        AND snapshot_version < version
                    """, arguments: [unit, workflow, from.seconds, to.seconds]
            ).map { row in try Self.storedCase(row, db) }
            return (results, uncounted)
        }
    }

    /// `$.a.b` for a field path (its names are plain: `CaseCountQuery` checked them).
    static func jsonPath(_ path: [String]) -> String { "$." + path.joined(separator: ".") }

    /// SQL that gives 1 or 0 (never NULL) for a condition.
    static func sql(_ condition: CaseCondition, _ arguments: inout [(any DatabaseValueConvertible)?]) -> String {
        switch condition {
        case .equals(let left, let right):
            let a = sql(left, &arguments)
            return "(\(a) IS \(sql(right, &arguments)))"
        case .oneOf(let term, let strings):
            let value = sql(term, &arguments)
            for string in strings { arguments.append(string) }
            return "COALESCE(\(value) IN (\(strings.map { _ in "?" }.joined(separator: ", "))), 0)"
        case .isTrue(let term): return "(\(sql(term, &arguments)) IS 1)"
        case .present(let term): return "(\(sql(term, &arguments)) IS NOT NULL)"
        case .and(let conditions): return "(" + conditions.map { sql($0, &arguments) }.joined(separator: " AND ") + ")"
        case .or(let conditions): return "(" + conditions.map { sql($0, &arguments) }.joined(separator: " OR ") + ")"
        case .not(let inner): return "(NOT \(sql(inner, &arguments)))"
        }
    }

    /// SQL for a term's value: text, 1 or 0 for booleans, NULL when missing.
    static func sql(_ term: CaseTerm, _ arguments: inout [(any DatabaseValueConvertible)?]) -> String {
        switch term {
        case .field(let path):
            arguments.append(jsonPath(path))
            return "json_extract(fields, ?)"
        case .state: return "state"
        case .id: return "id"
        case .string(let text):
            arguments.append(text)
            return "?"
        case .bool(let value): return value ? "1" : "0"
        case .coalesce(let left, let right):
            let a = sql(left, &arguments)
            return "COALESCE(\(a), \(sql(right, &arguments)))"
        }
    }

    public func saveAppraisalBatch(
        unit: String, appraisal: String, period: String, roles: [String], people: AppraisalBatchRange,
        results: [StoredAppraisal], consequences: [(consequence: StoredConsequence, step: Step?)], at: Instant
    ) throws(StoreError) {
        try write { db in
            for role in roles {
                try db.execute(
                    sql: """
                        DELETE FROM appraisals WHERE unit = ? AND appraisal = ? AND period = ? AND role = ?
                          AND person > ? AND (? IS NULL OR person <= ?)
                        """,
                    arguments: [unit, appraisal, period, role, people.after ?? "", people.through, people.through])
            }
            let insert = try db.cachedStatement(
                sql: """
                    INSERT OR REPLACE INTO appraisals
                        (unit, appraisal, period, person, role, definition_version, total, grade, details, at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for result in results {
                try insert.execute(arguments: [
                    unit, appraisal, period, result.person, result.role, result.definitionVersion, result.total,
                    result.grade, result.detailsJSON, result.at.seconds,
                ])
            }
            for (consequence, step) in consequences {
                try Self.run(
                    db,
                    sql: """
                        INSERT INTO appraisal_consequences
                            (unit, appraisal, period, person, role, grade, effect, kind, details, case_id, at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                        """,
                    arguments: [
                        unit, appraisal, period, consequence.person, consequence.role, consequence.grade,
                        consequence.index, consequence.kind, consequence.detailsJSON, nil, at.seconds,
                    ])
                // Performed by an earlier or concurrent run: nothing more to do.
                guard db.changesCount == 1, let step else { continue }
                try self.commitStep(step, expectedVersion: nil, db)
                try Self.run(
                    db,
                    sql: """
                        UPDATE appraisal_consequences SET case_id = ?
                        WHERE unit = ? AND appraisal = ? AND period = ? AND person = ? AND role = ? AND grade = ?
                          AND effect = ?
                        """,
                    arguments: [
                        step.next.id, unit, appraisal, period, consequence.person, consequence.role,
                        consequence.grade, consequence.index,
                    ])
            }
        }
    }
}
