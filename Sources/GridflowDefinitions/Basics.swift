import GridflowDiagnostics
import GridflowYAML

/// The kinds of definition file.
public enum DefinitionKind: String, Sendable, CaseIterable {
    case unit = "Unit"
    case workflow = "Workflow"
    case decisionTable = "DecisionTable"
    case routingTable = "RoutingTable"
    case eligibility = "Eligibility"
    case appraisal = "Appraisal"
    case coverage = "Coverage"
    case fileSpace = "FileSpace"
    case report = "Report"
    case demo = "Demo"
    case scenario = "Scenario"

    /// The file name of the kind's JSON Schema in `schemas/`.
    public var schemaFile: String {
        switch self {
        case .unit: "unit.schema.json"
        case .workflow: "workflow.schema.json"
        case .decisionTable: "decision-table.schema.json"
        case .routingTable: "routing-table.schema.json"
        case .eligibility: "eligibility.schema.json"
        case .appraisal: "appraisal.schema.json"
        case .coverage: "coverage.schema.json"
        case .fileSpace: "file-space.schema.json"
        case .report: "report.schema.json"
        case .demo: "demo.schema.json"
        case .scenario: "scenario.schema.json"
        }
    }
}

/// The definitions schema versions this build reads.
public enum SchemaVersion {
    public static let supported = [1]
}

/// A name as written, with where it was written: a definition's own name or a reference to one.
public struct Name: Sendable, Hashable, CustomStringConvertible {
    public var text: String
    public var span: SourceSpan

    public init(_ text: String, span: SourceSpan) {
        self.text = text
        self.span = span
    }

    public var description: String { text }
}

/// An expression kept as written, with its exact place, for the expression compiler to check.
public struct Expression: Sendable, Hashable {
    /// The scalar's text after YAML processing.
    public var text: String
    /// Where the scalar starts in the file (for a quoted scalar, the opening quote).
    public var span: SourceSpan
    /// How the scalar was written, so positions inside it can be mapped back to the file.
    public var style: Scalar.Style

    public init(text: String, span: SourceSpan, style: Scalar.Style) {
        self.text = text
        self.span = span
        self.style = style
    }
}

/// Days of the week as written in calendars.
public enum Weekday: String, Sendable, CaseIterable {
    case mon, tue, wed, thu, fri, sat, sun
}

/// How a decision table combines the rows that match.
public enum HitPolicy: String, Sendable, CaseIterable {
    case first, unique, any, priority, collect
    case collectSum = "collect_sum"
    case collectMin = "collect_min"
    case collectMax = "collect_max"
    case collectCount = "collect_count"
}

/// The period an appraisal covers.
public enum AppraisalPeriod: String, Sendable, CaseIterable {
    case month, quarter
    case halfYear = "half_year"
    case year

    /// How a period is written, for help and messages.
    public static let forms = "2024, 2024-H1, 2024-Q3 or 2024-11"

    /// A period of this kind, as written.
    public var example: String {
        switch self {
        case .month: "2024-11"
        case .quarter: "2024-Q3"
        case .halfYear: "2024-H1"
        case .year: "2024"
        }
    }
}

/// What can be done in a shared file space: to a file, or (`manageFolders`) to its folders.
public enum FileAction: String, Sendable, CaseIterable {
    case view, download, upload, delete, move
    /// Create, rename and remove folders.
    case manageFolders = "manage_folders"

    /// Whether the action concerns a file that exists, so that its owner can be named.
    public var hasOwner: Bool { ![.upload, .manageFolders].contains(self) }
}

/// Who may do an action in a file space: a word, or a list of words and roles (anyone listed may).
public struct Permission: Sendable {
    /// Who, named by a word.
    public enum Word: String, Sendable, CaseIterable {
        /// Everyone in the unit's directory; only alone.
        case everyone
        /// No one; only alone.
        case nobody
        /// Holders of the space's `members` role.
        case members
        /// Holders of the file space's `shared_by` role, in every space.
        case sharer
        /// Holders of the file space's `maintained_by` role, in every space.
        case maintainer
        /// Who uploaded the file.
        case owner
    }

    /// One entry: a word or a role.
    public enum Who: Sendable, Hashable {
        case word(Word)
        case role(String)
    }

    /// The entries with where each is written.
    public var entries: [(who: Who, name: Name)]
    /// Whether it was written as a list.
    public var isList: Bool

    public init(entries: [(who: Who, name: Name)], isList: Bool) {
        self.entries = entries
        self.isList = isList
    }

    public var who: [Who] { entries.map(\.who) }
}
