import GridflowExpressions
import GridflowRuntime
import PostgresNIO

/// The report form's receipts: one row per receipt with the SHA-256 of its code, never the code.
extension PostgresCaseStore {
    /// Stores a receipt: the code with hash `hash` follows case `caseID` of `unit`.
    public func saveReceipt(hash: String, unit: String, caseID: String, at now: Instant) throws(StoreError) {
        try write { connection throws(StoreError) in
            let saved = try connection.execute(
                """
                INSERT INTO report_receipts (code_sha256, unit, case_id, created_at)
                VALUES (\(hash), \(unit), \(caseID), \(now.seconds))
                ON CONFLICT DO NOTHING
                """)
            guard saved == 1 else {
                throw StoreError(.conflict, "\(location): a receipt with the same code exists already")
            }
        }
    }

    /// The receipt whose code has hash `hash`, if there is one.
    public func receipt(hash: String) throws(StoreError) -> ReportReceipt? {
        try withConnection { connection throws(StoreError) in
            try connection.rows(
                "SELECT unit, case_id, created_at FROM report_receipts WHERE code_sha256 = \(hash)"
            ) { row in
                let (unit, caseID, createdAt) = try row.decode((String, String, Int).self)
                return ReportReceipt(unit: unit, caseID: caseID, createdAt: Instant(seconds: createdAt))
            }.first
        }
    }
}
