/// The declared shape of a definition's YAML: which keys each mapping accepts, which are
/// required and what each value must be.
///
/// One description serves three purposes, so they cannot drift apart: the loader checks every
/// file against it (unknown keys, missing keys, wrong types), `gridflow schema` writes the
/// JSON Schemas in `schemas/` from it, and the reference docs list the same keys.
public indirect enum Shape: Sendable {
    /// Free text.
    case text
    /// A name: a lower-case letter, then lower-case letters, digits and `_`.
    case identifier
    /// An expression, kept as text with its position.
    case expression
    /// A duration: `3d`, `36h`, `1d12h`, or working days `5wd`.
    case duration
    /// A duration longer than zero, where zero makes no sense; `why` says so in the hint.
    case positiveDuration(why: String)
    /// A duration or a period of calendar years and months (`1y`, `6mo`, `1y6mo`), which the
    /// engine counts with the unit's calendar; longer than zero when `why` is given.
    case calendarDuration(why: String?)
    /// A date `YYYY-MM-DD`.
    case date
    case integer
    /// A number, integer or decimal.
    case number
    case bool
    /// One of the given words.
    case keyword([String])
    /// Any scalar: a literal in a decision table.
    case scalar
    /// A list of values of one shape.
    case list(Shape)
    /// A mapping from names to values of one shape; `entity` names what the keys are
    /// ("state", "field") for duplicate-name messages.
    case map(entity: String, Shape)
    /// A mapping with declared keys.
    case object(ObjectShape)
    /// A reference to a named object shape (for recursion: fields of records, org children).
    case ref(String)
    /// The entity of a map whose keys are literal values, not names (a demo's `pick`).
    public static let literalEntity = "literal value"

    /// The first alternative that fits.
    case either([Shape])
    /// Any YAML value (data in a scenario).
    case any

    /// How the shape is named in messages: "a name", "a list of names".
    public var summary: String {
        switch self {
        case .text: "text"
        case .identifier: "a name"
        case .expression: "an expression"
        case .duration: "a duration (e.g. 3d, 36h or 5wd)"
        case .positiveDuration: "a duration longer than zero (e.g. 3d, 36h or 5wd)"
        case .calendarDuration(nil): "a duration or period (e.g. 3d, 36h, 5wd or 1mo)"
        case .calendarDuration: "a duration or period longer than zero (e.g. 3d, 36h, 5wd or 1mo)"
        case .date: "a date (YYYY-MM-DD)"
        case .integer: "an integer"
        case .number: "a number"
        case .bool: "true or false"
        case .keyword(let words): "one of " + words.map { "'\($0)'" }.joined(separator: ", ")
        case .scalar: "a value"
        case .list(let item): "a list of \(item.pluralSummary)"
        case .map(let entity, _): "a mapping of \(entity) names"
        case .object(let object): object.title
        case .ref(let name): Shapes.definition(name)?.title ?? "a mapping"
        case .either(let shapes): shapes.map(\.summary).joined(separator: " or ")
        case .any: "a value"
        }
    }

    var pluralSummary: String {
        switch self {
        case .identifier: "names"
        case .expression: "expressions"
        case .text: "texts"
        case .date: "dates"
        case .number: "numbers"
        case .object(let object): object.plural
        case .ref(let name): Shapes.definition(name)?.plural ?? "mappings"
        default: "values (\(summary))"
        }
    }

    /// The shape with references resolved.
    var resolved: Shape {
        if case .ref(let name) = self, let object = Shapes.definition(name) { return .object(object) }
        return self
    }
}

/// A mapping with declared keys.
public struct ObjectShape: Sendable {
    /// One accepted key.
    public struct Key: Sendable {
        public var name: String
        public var shape: Shape
        public var required: Bool
        public var doc: String
    }

    /// What the mapping is, for messages ("a transition").
    public var title: String
    /// The plural, for messages ("transitions").
    public var plural: String
    /// The accepted keys in documentation order.
    public var keys: [Key]
    /// Groups of keys of which at most one may be given (e.g. `after` / `at`).
    public var exclusive: [[String]]
    /// Groups of keys of which exactly one must be given.
    public var oneRequired: [[String]]

    public init(
        _ title: String, plural: String, exclusive: [[String]] = [], oneRequired: [[String]] = [],
        _ keys: [Key]
    ) {
        self.title = title
        self.plural = plural
        self.keys = keys
        self.exclusive = exclusive
        self.oneRequired = oneRequired
    }

    /// The key named `name`, if accepted.
    public func key(_ name: String) -> Key? { keys.first { $0.name == name } }
}

/// Declares an optional key.
func key(_ name: String, _ shape: Shape, _ doc: String) -> ObjectShape.Key {
    ObjectShape.Key(name: name, shape: shape, required: false, doc: doc)
}

/// Declares a required key.
func required(_ name: String, _ shape: Shape, _ doc: String) -> ObjectShape.Key {
    ObjectShape.Key(name: name, shape: shape, required: true, doc: doc)
}
