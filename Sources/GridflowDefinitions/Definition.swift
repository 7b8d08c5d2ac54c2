import GridflowDiagnostics
import GridflowYAML

/// One definition read from a file.
public enum Definition: Sendable {
    case unit(Unit)
    case workflow(Workflow)
    case decisionTable(DecisionTable)
    case routingTable(RoutingTable)
    case eligibility(Eligibility)
    case appraisal(Appraisal)
    case coverage(Coverage)
    case fileSpace(FileSpace)
    case report(Report)
    case demo(Demo)

    /// The definition's name.
    public var name: Name {
        switch self {
        case .unit(let d): d.name
        case .workflow(let d): d.name
        case .decisionTable(let d): d.name
        case .routingTable(let d): d.name
        case .eligibility(let d): d.name
        case .appraisal(let d): d.name
        case .coverage(let d): d.name
        case .fileSpace(let d): d.name
        case .report(let d): d.name
        case .demo(let d): d.name
        }
    }

    static func read(_ kind: DefinitionKind, _ node: Node, file: String) -> Definition? {
        switch kind {
        case .unit: Unit.read(node, file: file).map(Definition.unit)
        case .workflow: Workflow.read(node, file: file).map(Definition.workflow)
        case .decisionTable: DecisionTable.read(node, file: file).map(Definition.decisionTable)
        case .routingTable: RoutingTable.read(node, file: file).map(Definition.routingTable)
        case .eligibility: Eligibility.read(node, file: file).map(Definition.eligibility)
        case .appraisal: Appraisal.read(node, file: file).map(Definition.appraisal)
        case .coverage: Coverage.read(node, file: file).map(Definition.coverage)
        case .fileSpace: FileSpace.read(node, file: file).map(Definition.fileSpace)
        case .report: Report.read(node, file: file).map(Definition.report)
        case .demo: Demo.read(node, file: file).map(Definition.demo)
        case .scenario: nil  // read by the scenario runner, not part of a unit's definitions
        }
    }
}

/// A parsed definition file: its text, node tree, kind and definition, with the problems found.
public struct DefinitionFile: Sendable {
    public var path: String
    public var source: SourceFile
    public var root: Node?
    public var kind: DefinitionKind?
    public var definition: Definition?
    public var diagnostics: [Diagnostic]

    /// The file's first error in source order, if it has one: why it did not load as written.
    var firstError: Diagnostic? {
        diagnostics.filter { $0.severity == .error }.min(by: Diagnostic.sourceOrder)
    }

    /// Where `key` of the top-level mapping is written, or the file's start.
    func span(ofKey key: String) -> SourceSpan {
        root?.keySpan(key) ?? root?.span ?? SourceSpan(start: SourceLocation(file: path, line: 1, column: 1))
    }
}

/// Everything one unit defines, with the unit's inherited parts merged in.
public struct UnitDefinitions: Sendable {
    public var unit: Unit
    public var workflows: [Workflow] = []
    public var decisionTables: [DecisionTable] = []
    public var routingTables: [RoutingTable] = []
    public var eligibilities: [Eligibility] = []
    public var appraisals: [Appraisal] = []
    public var coverages: [Coverage] = []
    public var fileSpaces: [FileSpace] = []
    public var reports: [Report] = []
    public var demos: [Demo] = []

    /// The workflow named `name`.
    public func workflow(_ name: String) -> Workflow? { workflows.first { $0.name.text == name } }

    /// Names of every rule set, which share one namespace.
    public var ruleSetNames: [String] {
        decisionTables.map(\.name.text) + routingTables.map(\.name.text) + eligibilities.map(\.name.text)
            + appraisals.map(\.name.text) + coverages.map(\.name.text) + fileSpaces.map(\.name.text)
            + reports.map(\.name.text)
    }

    mutating func add(_ definition: Definition) {
        switch definition {
        case .unit: break
        case .workflow(let d): workflows.append(d)
        case .decisionTable(let d): decisionTables.append(d)
        case .routingTable(let d): routingTables.append(d)
        case .eligibility(let d): eligibilities.append(d)
        case .appraisal(let d): appraisals.append(d)
        case .coverage(let d): coverages.append(d)
        case .fileSpace(let d): fileSpaces.append(d)
        case .report(let d): reports.append(d)
        case .demo(let d): demos.append(d)
        }
    }
}
