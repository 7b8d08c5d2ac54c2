import GridflowExpressions

/// The documents of an appraisal run and of a bulletin, as `gridflow appraise --json` and
/// `gridflow report --format json` print them and the daemon answers them.
extension AppraisalOutcome {
    /// The results (person, role, total, grade, veto), the consequences performed, how many an
    /// earlier run performed, who was not appraised and why, and the consequences that failed.
    /// One result as `document` lists it.
    public static func resultDocument(_ entry: Entry) -> Value {
        .map([
            .string("person"): .string(entry.person), .string("role"): .string(entry.score.role),
            .string("total"): .number(entry.score.total), .string("grade"): .string(entry.score.grade),
            .string("vetoed_by"): entry.score.veto.map { .string($0.name) } ?? .null,
        ])
    }

    public func document(appraisal: CompiledAppraisal, window: AppraisalWindow) -> [String: Value] {
        let results: [Value] = entries.map(Self.resultDocument)
        let consequences: [Value] = performed.map {
            .map([
                .string("person"): .string($0.person), .string("role"): .string($0.role),
                .string("grade"): .string($0.grade), .string("kind"): .string($0.kind),
                .string("case"): $0.caseID.map(Value.string) ?? .null,
                .string("details"): .string($0.detailsJSON),
            ])
        }
        let notAppraised: [Value] = incomplete.map {
            .map([
                .string("person"): .string($0.person), .string("role"): .string($0.role),
                .string("reason"): .string($0.reason),
            ])
        }
        return [
            "appraisal": .string(appraisal.name), "period": .string(window.description), "results": .list(results),
            "consequences": .list(consequences), "already_performed": .number(Number(alreadyPerformed)),
            "not_appraised": .list(notAppraised), "failed": .list(failed.map(Value.string)),
        ]
    }
}

extension ReportFigures {
    /// The bulletin's figures: overall and per group, each row with its key, its case count and
    /// each measure by name (`null` where a measure has no value).
    public func document(unit: String) -> [String: Value] {
        func row(_ row: Row) -> Value {
            var entries: [Value: Value] = [
                .string("key"): .string(row.key), .string("cases"): .number(Number(row.cases)),
            ]
            for (measure, value) in zip(report.measures, row.values) {
                entries[.string(measure.name)] = value.map(Value.number) ?? .null
            }
            return .map(entries)
        }
        var byGroup: [Value: Value] = [:]
        for (group, rows) in groups { byGroup[.string(group.name)] = .list(rows.map(row)) }
        return [
            "report": .string(report.name), "unit": .string(unit), "period": .string(period),
            "workflow": .string(report.workflow), "overall": row(overall), "groups": .map(byGroup),
        ]
    }
}
