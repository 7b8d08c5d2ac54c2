import GRDB
import GridflowExpressions
import GridflowRuntime

/// The report form's receipts (migration `v14: report receipts`): one row per receipt with the
/// SHA-256 of its code, never the code.
extension SQLiteCaseStore {
    /// Stores a receipt: the code with hash `hash` follows case `caseID` of `unit`.
    public func saveReceipt(hash: String, unit: String, caseID: String, at now: Instant) throws(StoreError) {
        try write { db in
            do {
                try Self.run(
                    db,
                    sql: "INSERT INTO report_receipts (code_sha256, unit, case_id, created_at) VALUES (?, ?, ?, ?)",
                    arguments: [hash, unit, caseID, now.seconds])
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw StoreError(.conflict, "\(path): a receipt with the same code exists already")
            }
        }
    }

    /// The receipt whose code has hash `hash`, if there is one.
    public func receipt(hash: String) throws(StoreError) -> ReportReceipt? {
        try read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM report_receipts WHERE code_sha256 = ?", arguments: [hash])
            else { return nil }
            return ReportReceipt(
                unit: row["unit"], caseID: row["case_id"], createdAt: Instant(seconds: row["created_at"]))
        }
    }
}
