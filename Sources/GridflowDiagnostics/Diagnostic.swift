/// One problem found in a definition or an input, printed like a compiler does.
public struct Diagnostic: Sendable, Hashable {
    /// How serious a diagnostic is: errors stop a definition from loading, warnings do not.
    public enum Severity: String, Sendable, Hashable, Comparable {
        case error
        case warning
        case note

        private var rank: Int {
            switch self {
            case .error: 0
            case .warning: 1
            case .note: 2
            }
        }

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
    }

    /// A stable, machine-readable name for the kind of problem, e.g. `unknown-state`.
    ///
    /// A struct rather than an enum so that later stages can add codes of their own.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible,
        ExpressibleByStringLiteral
    {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { self.rawValue = value }
        public var description: String { rawValue }
    }

    /// A secondary location attached to a diagnostic, such as "first defined here".
    public struct Note: Sendable, Hashable {
        public var span: SourceSpan
        public var message: String
        public init(span: SourceSpan, message: String) {
            self.span = span
            self.message = message
        }
    }

    public var severity: Severity
    public var code: Code
    public var message: String
    /// Where the problem is; `nil` only for problems with no file (e.g. a missing directory).
    public var span: SourceSpan?
    /// What the user can do about it.
    public var hint: String?
    public var notes: [Note]
    /// Whether the diagnostic is in a file that could not be loaded as written (its bytes, YAML,
    /// kind or shape are wrong). Such diagnostics come first in source order: other problems may
    /// follow from them.
    public var inUnloadedFile = false
    /// Whether this problem follows from another one, which its last note points at (e.g. a
    /// reference to a workflow whose file did not load). Fixing that one usually clears this one.
    public var isFollowOn = false

    /// Creates a diagnostic.
    public init(
        _ severity: Severity, _ code: Code, _ message: String, at span: SourceSpan?,
        hint: String? = nil, notes: [Note] = []
    ) {
        self.severity = severity
        self.code = code
        self.message = message
        self.span = span
        self.hint = hint
        self.notes = notes
    }

    /// The location the diagnostic points at.
    public var location: SourceLocation? { span?.start }

    /// This diagnostic marked as following from `cause`, with a note that points at the cause and
    /// quotes its message.
    public func following(_ cause: Diagnostic) -> Diagnostic {
        var marked = self
        marked.isFollowOn = true
        if let span = cause.span {
            marked.notes.append(Note(span: span, message: "this follows from the error here: \(cause.message)"))
        }
        return marked
    }

    /// Orders diagnostics by file, line and column; diagnostics with no location come first, then
    /// those in files that could not be loaded (the likely causes of others), then the rest.
    public static func sourceOrder(_ lhs: Diagnostic, _ rhs: Diagnostic) -> Bool {
        switch (lhs.location, rhs.location) {
        case (nil, nil): return lhs.message < rhs.message
        case (nil, _): return true
        case (_, nil): return false
        case (let l?, let r?):
            if lhs.inUnloadedFile != rhs.inUnloadedFile { return lhs.inUnloadedFile }
            if l != r { return l < r }
            if lhs.severity != rhs.severity { return lhs.severity < rhs.severity }
            return lhs.message < rhs.message
        }
    }
}

extension Array where Element == Diagnostic {
    /// True when any diagnostic is an error.
    public var hasErrors: Bool { contains { $0.severity == .error } }
    /// The number of diagnostics of one severity.
    public func count(_ severity: Diagnostic.Severity) -> Int { filter { $0.severity == severity }.count }
    /// The errors that follow from other errors.
    public var followOnErrors: Int { filter { $0.severity == .error && $0.isFollowOn }.count }
}
