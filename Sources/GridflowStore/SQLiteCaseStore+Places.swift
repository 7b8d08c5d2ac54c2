import GRDB
import GridflowExpressions
import GridflowRuntime

/// What an inbox reads of the store without counting or reading every case of the unit.
extension SQLiteCaseStore {
    /// Each distinct value is found by one seek in an index (`cases_by_version`,
    /// `cases_by_place`), the next after the one before: a handful of seeks however many cases
    /// the unit holds, where `GROUP BY` reads them all.
    public func casePlaces(unit: String) throws(StoreError) -> (
        versions: [String], places: [(workflow: String, state: String)]
    ) {
        try read { db in
            var versions: [String] = []
            while let next = try String.fetchOne(
                db.cachedStatement(
                    sql: versions.isEmpty
                        ? "SELECT definition_version FROM cases WHERE unit = ? ORDER BY definition_version LIMIT 1"
                        : """
                        SELECT definition_version FROM cases WHERE unit = ? AND definition_version > ?
                        ORDER BY definition_version LIMIT 1
                        """),
                arguments: versions.last.map { [unit, $0] } ?? [unit])
            {
                versions.append(next)
            }
            var places: [(workflow: String, state: String)] = []
            while let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: places.isEmpty
                        ? "SELECT workflow, state FROM cases WHERE unit = ? ORDER BY workflow, state LIMIT 1"
                        : """
                        SELECT workflow, state FROM cases WHERE unit = ? AND (workflow, state) > (?, ?)
                        ORDER BY workflow, state LIMIT 1
                        """),
                arguments: places.last.map { [unit, $0.workflow, $0.state] } ?? [unit])
            {
                places.append((row["workflow"], row["state"]))
            }
            return (versions, places)
        }
    }

    public func lastEntry(_ id: String, into state: String) throws(StoreError) -> Instant? {
        try read { db in
            try Int.fetchOne(
                db.cachedStatement(
                    sql: "SELECT at FROM steps WHERE case_id = ? AND to_state = ? ORDER BY version DESC LIMIT 1"),
                arguments: [id, state]
            ).map { Instant(seconds: $0) }
        }
    }
}
