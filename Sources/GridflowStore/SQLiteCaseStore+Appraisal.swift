import Dispatch
import GRDB
import GRDBSQLite
import GridflowExpressions
import GridflowRuntime
import Synchronization

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
            // Stepped with SQLite's own calls: a run reads every person of the directory.
            let statement = try db.cachedStatement(
                sql: "SELECT id, roles, record FROM people WHERE unit = ? AND id > ? ORDER BY id LIMIT ?")
            try statement.setArguments([unit, cursor ?? "", limit])
            let handle = statement.sqliteStatement
            defer { sqlite3_reset(handle) }
            func text(_ column: Int32) -> String {
                guard let bytes = sqlite3_column_text(handle, column) else { return "" }
                return String(
                    decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, column))),
                    as: UTF8.self)
            }
            var people: [StoredPerson] = []
            people.reserveCapacity(max(0, min(limit, 100_000)))
            while try statement.nextRow(db) {
                let id = text(0)
                let rolesJSON = text(1)
                people.append(
                    StoredPerson(
                        id: id, roles: try Self.plainRoles(rolesJSON) ?? Self.roles(rolesJSON, of: "person \(id)"),
                        recordJSON: text(2)))
            }
            return people
        }
    }

    /// The roles of a list as `importPeople` writes it (`["a","b"]`, names without escapes or
    /// spaces), read without a JSON parser; `nil` for any other text (`roles(_:of:)` reads it).
    static func plainRoles(_ json: String) -> [String]? {
        var json = json
        return json.withUTF8 { bytes -> [String]? in
            guard bytes.count >= 2, bytes.first == UInt8(ascii: "["), bytes.last == UInt8(ascii: "]") else {
                return nil
            }
            var roles: [String] = []
            var index = 1
            let end = bytes.count - 1
            if index == end { return roles }
            while true {
                guard index < end, bytes[index] == UInt8(ascii: "\"") else { return nil }
                let start = index + 1
                var close = start
                while close < end, bytes[close] != UInt8(ascii: "\"") {
                    // Escapes and control characters are the JSON parser's to read.
                    if bytes[close] == UInt8(ascii: "\\") || bytes[close] < 0x20 || bytes[close] >= 0x80 { return nil }
                    close += 1
                }
                guard close < end else { return nil }
                roles.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<close]), as: UTF8.self))
                index = close + 1
                if index == end { return roles }
                guard bytes[index] == UInt8(ascii: ",") else { return nil }
                index += 1
            }
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

    /// From how many cases of one period on `countCases` counts on two threads at once
    /// (20,000 unless a test asks for fewer).
    @_spi(Bench) public var countingInPartsFrom: Int {
        get { countInParts.withLock { $0 } }
        set { countInParts.withLock { $0 = newValue } }
    }

    /// In how many parts `countCases` counts a period's cases (1 or 2), for tests.
    @_spi(Bench) public func countingParts(unit: String, workflow: String, openedFrom from: Instant, to: Instant)
        throws(StoreError) -> Int
    {
        let window = CaseWindow(unit: unit, workflow: workflow, from: from.seconds, to: to.seconds)
        return try read { db in try Self.middleCase(of: window, atLeast: countingInPartsFrom, db) } == nil ? 1 : 2
    }

    public func countCases(
        unit: String, workflow: String, openedFrom from: Instant, to: Instant, _ queries: [CaseCountQuery]
    ) throws(StoreError) -> (counts: CaseCounts, uncounted: [StoredCase])? {
        // A large period is counted in two halves of its cases, each in a read transaction of
        // its own on its own reader connection, at once: the scan is the run's largest single
        // cost and needs nothing from the other half. Each case lies in one half, so it is
        // counted once, at its state in that half's snapshot.
        let window = CaseWindow(unit: unit, workflow: workflow, from: from.seconds, to: to.seconds)
        let middle = try read { db in try Self.middleCase(of: window, atLeast: countingInPartsFrom, db) }
        guard let middle else {
            return try read { db in try Self.countCases(window, queries, below: nil, from: nil, db) }
        }
        let parts = Mutex<[Result<(CaseCounts, [StoredCase]), StoreError>?]>([nil, nil])
        DispatchQueue.concurrentPerform(iterations: 2) { part in
            let result: Result<(CaseCounts, [StoredCase]), StoreError>
            do throws(StoreError) {
                result = .success(
                    try read { db in
                        try Self.countCases(
                            window, queries, below: part == 0 ? middle : nil, from: part == 1 ? middle : nil, db)
                    })
            } catch {
                result = .failure(error)
            }
            parts.withLock { $0[part] = result }
        }
        var (counts, uncounted) = try parts.withLock { $0[0]! }.get()
        let (second, more) = try parts.withLock { $0[1]! }.get()
        do throws(CaseCounts.Overflow) { try counts.add(second) } catch {
            throw StoreError(.database, "integer overflow")
        }
        return (counts, uncounted + more)
    }

    /// The cases of one workflow opened in a period (`opened_at` in seconds, `to` excluded).
    struct CaseWindow {
        let unit: String
        let workflow: String
        let from: Int
        let to: Int
    }

    /// Where the middle of a window's cases lies in the order of `cases_by_opening`
    /// (`opened_at`, then `rowid`), when it holds at least `least` cases; `nil` otherwise.
    /// Read from the index alone.
    static func middleCase(of window: CaseWindow, atLeast least: Int, _ db: Database) throws -> CaseCursor? {
        let arguments: StatementArguments = [window.unit, window.workflow, window.from, window.to]
        let count =
            try Int.fetchOne(
                db,
                sql: "SELECT COUNT(*) FROM cases WHERE unit = ? AND workflow = ? AND opened_at >= ? AND opened_at < ?",
                arguments: arguments) ?? 0
        guard count >= least else { return nil }
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT opened_at, rowid AS gridflow_row FROM cases
                    WHERE unit = ? AND workflow = ? AND opened_at >= ? AND opened_at < ?
                    ORDER BY opened_at, rowid LIMIT 1 OFFSET ?
                    """, arguments: arguments + [count / 2])
        else { return nil }
        return CaseCursor(openedAt: row["opened_at"], row: row["gridflow_row"])
    }

    /// The statements that read the cases of `window` (those before `below`, and those from
    /// `from` on, in the order of `cases_by_opening`, when given): the cases whose fields are
    /// current (`id`, `state`, `fields`), and those whose fields lag behind their steps (whole
    /// rows), both bound.
    static func windowStatements(_ window: CaseWindow, below: CaseCursor?, from: CaseCursor?, _ db: Database) throws
        -> (current: Statement, lagging: Statement)
    {
        var bounds = ""
        var arguments: StatementArguments = [window.unit, window.workflow, window.from, window.to]
        if let below {
            bounds += " AND (opened_at, rowid) < (?, ?)"
            arguments += [below.openedAt, below.row]
        }
        if let from {
            bounds += " AND (opened_at, rowid) >= (?, ?)"
            arguments += [from.openedAt, from.row]
        }
        let filter = "WHERE unit = ? AND workflow = ? AND opened_at >= ? AND opened_at < ?\(bounds)"
        let current = try db.makeStatement(
            sql: "SELECT id, state, fields FROM cases \(filter) AND snapshot_version = version")
        try current.setArguments(arguments)
        let lagging = try db.makeStatement(sql: "SELECT * FROM cases \(filter) AND snapshot_version < version")
        try lagging.setArguments(arguments)
        return (current, lagging)
    }

    /// Counts the cases of `window` (those before `below`, and those from `from` on, in the
    /// order of `cases_by_opening`, when given) in one pass: each case's fields scanned in
    /// Swift for what the queries read (`CaseCounter`): SQLite's JSON functions parsed each
    /// case's whole text, at many times the cost. A case the scan leaves undecided is the
    /// caller's, as are those whose fields lag behind their steps.
    static func countCases(
        _ window: CaseWindow, _ queries: [CaseCountQuery], below: CaseCursor?, from: CaseCursor?, _ db: Database
    ) throws -> (CaseCounts, [StoredCase]) {
        var counter = CaseCounter(queries)
        let (statement, lagging) = try windowStatements(window, below: below, from: from, db)
        let handle = statement.sqliteStatement
        func bytes(_ column: Int32) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(
                start: sqlite3_column_text(handle, column), count: Int(sqlite3_column_bytes(handle, column)))
        }
        var undecided: [String] = []
        while try statement.nextRow(db) {
            // The text first: `sqlite3_column_bytes` after `sqlite3_column_text` is its length.
            let id = bytes(0)
            let state = bytes(1)
            let fields = bytes(2)
            do throws(CaseCounter.Overflow) {
                if try !counter.count(fields: fields, state: state, id: id) {
                    undecided.append(String(decoding: id, as: UTF8.self))
                }
            } catch {
                // As SQLite's SUM says it.
                throw DatabaseError(resultCode: .SQLITE_ERROR, message: "integer overflow")
            }
        }
        // The cases whose fields lag behind their steps: few (open ones between snapshots).
        var uncounted = try Row.fetchAll(lagging).map { row in try storedCase(row, db) }
        for id in undecided {
            if let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM cases WHERE id = ?"), arguments: [id])
            {
                uncounted.append(try storedCase(row, db))
            }
        }
        return (counter.takeCounts(), uncounted)
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

    /// Results written by one statement of `saveAppraisalBatch` (the rest one at a time).
    static let appraisalRows = 64
    static let appraisalInserts = [1, appraisalRows].map { rows in
        "INSERT OR REPLACE INTO appraisals (unit, appraisal, period, person, role, definition_version, total, grade, details, at) VALUES "
            + repeatElement("(?1, ?2, ?3, ?, ?, ?, ?, ?, ?, ?)", count: rows).joined(separator: ", ")
    }

    /// The insert of `rows` results (1 or `appraisalRows`): the unit, appraisal and period are
    /// parameters 1 to 3, then 7 parameters a row.
    static func appraisalInsert(rows: Int) -> String { appraisalInserts[rows == 1 ? 0 : 1] }

    public func saveAppraisalBatch(
        unit: String, appraisal: String, period: String, roles: [String], people: AppraisalBatchRange,
        results: [StoredAppraisal], consequences: [(consequence: StoredConsequence, step: Step?)], at: Instant
    ) throws(StoreError) {
        try write { db in
            try Self.writeResults(
                results, unit: unit, appraisal: appraisal, period: period, roles: roles, people: people,
                into: "appraisals", db)
            var appointing = false
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
                guard db.changesCount == 1 else { continue }
                if ["appoint", "end_appointment"].contains(consequence.kind) { appointing = true }
                guard let step else { continue }
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
            // An appointment or its end changes who holds what: the directory's readers read again.
            if appointing { try Self.bumpDirectory(unit: unit, db) }
        }
    }
}

extension SQLiteCaseStore {
    /// What SQLite alone takes for the store's part of an appraisal run, on this store: the
    /// floor under `countCases` and `saveAppraisalBatch`.
    @_spi(Bench) public struct AppraisalFloor: Sendable {
        /// The cases of the period read (id, state and fields, each one's text fetched).
        public var cases = 0
        /// Reading them with `countCases`'s statements, in two halves at once when it would.
        public var readSeconds = 0.0
        /// The result rows written again.
        public var rows = 0
        /// Writing them into a table shaped as `appraisals` with `saveAppraisalBatch`'s
        /// statements, 10,000 to a transaction (the consequences left out).
        public var writeSeconds = 0.0
    }

    /// Measures `AppraisalFloor` for the cases of a workflow opened in a period and the stored
    /// results of an appraisal's period, after a checkpoint (as the run starts after one): the
    /// cases are read by the statements `countCases` runs, but nothing is counted; the results,
    /// read into memory first, are written into a scratch table of the same shape (dropped
    /// afterwards) by the statements `saveAppraisalBatch` runs, nothing else done per row.
    @_spi(Bench) public func appraisalFloor(
        unit: String, workflow: String, openedFrom from: Instant, to: Instant, appraisal: String, period: String
    ) throws(StoreError) -> AppraisalFloor {
        try checkpoint()
        var floor = AppraisalFloor()
        let clock = ContinuousClock()
        let window = CaseWindow(unit: unit, workflow: workflow, from: from.seconds, to: to.seconds)
        var start = clock.now
        let middle = try read { db in try Self.middleCase(of: window, atLeast: countingInPartsFrom, db) }
        let parts = middle == nil ? 1 : 2
        let read = Mutex<[Result<Int, StoreError>]>([])
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let result: Result<Int, StoreError>
            do throws(StoreError) {
                result = .success(
                    try self.read { db in
                        try Self.touchCases(
                            window, below: part == 0 ? middle : nil, from: part == 1 ? middle : nil, db)
                    })
            } catch {
                result = .failure(error)
            }
            read.withLock { $0.append(result) }
        }
        floor.readSeconds = (clock.now - start).inSeconds
        for result in read.withLock({ $0 }) { floor.cases += try result.get() }

        // The results as the writer's thread has them: values, not rows to convert.
        let results = try self.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT person, role, definition_version, total, grade, details, at
                    FROM appraisals WHERE unit = ? AND appraisal = ? AND period = ? ORDER BY person, role
                    """, arguments: [unit, appraisal, period]
            ).map { row in
                StoredAppraisal(
                    person: row[0], role: row[1], definitionVersion: row[2], total: row[3], grade: row[4],
                    detailsJSON: row[5], at: Instant(seconds: row[6]))
            }
        }
        let roles = Array(Set(results.map(\.role))).sorted()
        let scratch = "gridflow_floor_appraisals"
        try write { db in
            guard
                let shape = try String.fetchOne(
                    db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'appraisals'"),
                shape.hasPrefix("CREATE TABLE appraisals ")
            else { throw StoreError(.database, "the store has no table appraisals to measure against") }
            try db.execute(sql: "DROP TABLE IF EXISTS \(scratch)")
            try db.execute(sql: "CREATE TABLE \(scratch) " + shape.dropFirst("CREATE TABLE appraisals ".count))
        }
        start = clock.now
        var written: Result<Void, StoreError> = .success(())
        var cursor: String?
        var first = 0
        while first < results.count {
            let chunk = Array(results[first..<min(first + 10_000, results.count)])
            first += chunk.count
            do throws(StoreError) {
                try write { db in
                    try Self.writeResults(
                        chunk, unit: unit, appraisal: appraisal, period: period, roles: roles,
                        people: AppraisalBatchRange(
                            after: cursor, through: first < results.count ? chunk.last?.person : nil),
                        into: scratch, db)
                }
                cursor = chunk.last?.person
            } catch {
                written = .failure(error)
                break
            }
        }
        floor.writeSeconds = (clock.now - start).inSeconds
        floor.rows = results.count
        // The scratch table goes whether the writing worked or not; the first failure is said.
        try write { db in try db.execute(sql: "DROP TABLE IF EXISTS \(scratch)") }
        try written.get()
        return floor
    }

    /// What `saveAppraisalBatch` writes of the results, into `table` (`appraisals`, or a table of
    /// its shape): the batch's id range deleted per role, then the results many to a statement,
    /// bound with SQLite's own calls (a run stores a row per person).
    static func writeResults(
        _ results: [StoredAppraisal], unit: String, appraisal: String, period: String, roles: [String],
        people: AppraisalBatchRange, into table: String, _ db: Database
    ) throws {
        for role in roles {
            try db.execute(
                sql: """
                    DELETE FROM \(table) WHERE unit = ? AND appraisal = ? AND period = ? AND role = ?
                      AND person > ? AND (? IS NULL OR person <= ?)
                    """,
                arguments: [unit, appraisal, period, role, people.after ?? "", people.through, people.through])
        }
        let inserts = [1, appraisalRows].map { rows in
            table == "appraisals"
                ? appraisalInsert(rows: rows)
                : appraisalInsert(rows: rows).replacingOccurrences(of: "INTO appraisals ", with: "INTO \(table) ")
        }
        var first = 0
        while first < results.count {
            let count = results.count - first >= appraisalRows ? appraisalRows : 1
            let insert = try RawStatement(db, sql: inserts[count == 1 ? 0 : 1])
            insert.bind(1, unit)
            insert.bind(2, appraisal)
            insert.bind(3, period)
            var index: Int32 = 4
            for result in results[first..<first + count] {
                insert.bind(index, result.person)
                insert.bind(index + 1, result.role)
                insert.bind(index + 2, result.definitionVersion)
                insert.bind(index + 3, result.total)
                insert.bind(index + 4, result.grade)
                insert.bind(index + 5, result.detailsJSON)
                insert.bind(index + 6, result.at.seconds)
                index += 7
            }
            try insert.execute()
            first += count
        }
    }

    /// Reads the cases of `window` (within the bounds given) with `countCases`'s statements,
    /// each one's text fetched and nothing more done with it; how many there were.
    static func touchCases(_ window: CaseWindow, below: CaseCursor?, from: CaseCursor?, _ db: Database) throws -> Int {
        let (statement, lagging) = try windowStatements(window, below: below, from: from, db)
        let handle = statement.sqliteStatement
        var count = 0
        while try statement.nextRow(db) {
            // As `countCases` takes them: the text, then its length.
            for column in Int32(0)..<3 {
                _ = sqlite3_column_text(handle, column)
                _ = sqlite3_column_bytes(handle, column)
            }
            count += 1
        }
        // The cases whose fields lag behind their steps, as `countCases` reads them.
        count += try Row.fetchAll(lagging).count
        return count
    }
}
