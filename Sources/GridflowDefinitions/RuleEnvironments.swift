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

    /// A package's consequences: the facts and person, the total, the grade, the period and
    /// `veto`, the name of the veto item that set the grade (null when the total did); with a
    /// `rewards` table, also `rewards`, its outputs for this grade.
    public func consequenceRoots(
        _ appraisal: Appraisal, package: Appraisal.Package, rewards: DecisionTable? = nil
    ) -> Roots {
        appraisalRoots(appraisal) + [
            ("score", .decimal),
            ("grade", .enumeration(name: "grade", values: package.grades.map(\.grade.text))), ("period", .string),
            ("veto", .optional(.string)),
        ] + (rewards.map { [("rewards", .record(rewardsType($0)))] } ?? [])
    }

    /// The outputs of a package's `rewards` table, as the consequences read them.
    public func rewardsType(_ table: DecisionTable) -> RecordType {
        RecordType(
            name: "rewards",
            fields: table.outputs.map { .init(name: $0.name.text, type: valueType($0.type, name: $0.name.text)) })
    }
}

/// The names a demo's generated values read.
extension UnitTypes {
    /// A person's fields: the org node, its shifts, the department (when the batch has
    /// departments), the person's number in the node, and a fresh random number in [0, 1).
    public var demoPeopleRoots: Roots {
        [
            ("node", valueType(.orgNode, name: "node")), ("shifts", .list(.string)), ("department", .optional(.string)),
            ("index", .integer),
            ("roll", .decimal),
        ]
    }

    /// A case's fields at opening: the node and shifts (when opened per node), the case's number,
    /// `roll` and who opens it.
    public var demoOpeningRoots: Roots {
        [
            ("node", valueType(.orgNode, name: "node")), ("shifts", .list(.string)), ("index", .integer),
            ("roll", .decimal), ("actor", .record(personType)),
        ]
    }

    /// A step's input: the case as it may be in any state, who acts, and `roll`.
    public func demoStepRoots(_ workflow: Workflow) -> Roots {
        [("case", .record(caseTypeInAnyState(workflow))), ("actor", .record(personType)), ("roll", .decimal)]
    }

    /// An imported fact: the appraised person and `roll`.
    public var demoFactRoots: Roots { [("person", .record(personType)), ("roll", .decimal)] }
}
