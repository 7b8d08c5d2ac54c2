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
            // The next place is the next state of the same workflow, else the first of the next
            // workflow: two seeks (a row value `(workflow, state) > (?, ?)` is not one: SQLite
            // then reads every case of the workflow).
            var places: [(workflow: String, state: String)] = []
            func next(_ sql: String, _ arguments: StatementArguments) throws -> (workflow: String, state: String)? {
                try Row.fetchOne(db.cachedStatement(sql: sql), arguments: arguments).map {
                    ($0["workflow"], $0["state"])
                }
            }
            var found = try next(
                "SELECT workflow, state FROM cases WHERE unit = ? ORDER BY workflow, state LIMIT 1", [unit])
            while let place = found {
                places.append(place)
                found =
                    try next(
                        """
                        SELECT workflow, state FROM cases WHERE unit = ? AND workflow = ? AND state > ?
                        ORDER BY state LIMIT 1
                        """, [unit, place.workflow, place.state])
                    ?? next(
                        """
                        SELECT workflow, state FROM cases WHERE unit = ? AND workflow > ?
                        ORDER BY workflow, state LIMIT 1
                        """, [unit, place.workflow])
            }
            return (versions, places)
        }
    }
}
