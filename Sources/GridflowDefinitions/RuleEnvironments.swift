import GridflowExpressions

/// The names the expressions of rule sets read. The validator checks each expression with
/// these, and the runtime compiles it with the same ones.
extension UnitTypes {
    public typealias Roots = [(name: String, type: ValueType)]

    /// A store fact's `from:` query: the case, as it may be in any state.
    public func factQueryRoots(_ workflow: Workflow) -> Roots {
        [("case", .record(caseTypeInAnyState(workflow)))]
    }

    /// A report's groups and measures: the case in any state, and `entered`, when the case
    /// first entered each state.
    public func reportRoots(_ workflow: Workflow) -> Roots {
        [("case", .record(caseTypeInAnyState(workflow))), ("entered", .map(key: .string, value: .datetime))]
    }

    /// The `facts` record of an appraisal: every fact has a value for every person appraised.
    public func factsType(_ appraisal: Appraisal) -> RecordType {
        RecordType(
            name: "facts",
            fields: appraisal.facts.map { .init(name: $0.name.text, type: valueType($0.type, name: $0.name.text)) })
    }

    /// Dimension scores and bonus and deduction `per`: the facts and the person.
    public func appraisalRoots(_ appraisal: Appraisal) -> Roots {
        [("facts", .record(factsType(appraisal))), ("person", .record(personType))]
    }

    /// A package's consequences: the facts and person, the total, the grade and the period.
    public func consequenceRoots(_ appraisal: Appraisal, package: Appraisal.Package) -> Roots {
        appraisalRoots(appraisal) + [
            ("score", .decimal),
            ("grade", .enumeration(name: "grade", values: package.grades.map(\.grade.text))), ("period", .string),
        ]
    }
}
