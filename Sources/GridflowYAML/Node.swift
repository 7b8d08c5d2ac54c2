import GridflowDiagnostics

/// A YAML node with the exact place it was written.
///
/// An alias node is a copy of the anchored node whose own span is where the alias stands,
/// so a diagnostic about a value reached through `*name` points at the alias.
public struct Node: Sendable {
    /// What the node holds.
    public enum Content: Sendable {
        case scalar(Scalar)
        case mapping(Mapping)
        case sequence([Node])
    }

    /// What the node holds.
    public var content: Content
    /// Where the node starts and, for a scalar on one line, how wide it is.
    public var span: SourceSpan
    /// Where the node ends (exclusive), as libyaml reported it.
    public var end: SourceLocation
    /// The explicit tag, if one was written (`!!str`), in its full form.
    public var tag: String?

    /// Creates a node.
    public init(_ content: Content, span: SourceSpan, end: SourceLocation, tag: String? = nil) {
        self.content = content
        self.span = span
        self.end = end
        self.tag = tag
    }

    /// The tag of a node standing in for one that could not be composed (an alias to an
    /// unknown anchor): it was reported already, so later checks pass over it.
    public static let invalidTag = "tag:gridflow,2024:invalid"

    /// Whether the node stands in for one that could not be composed.
    public var isInvalid: Bool { tag == Self.invalidTag }

    /// The node's start.
    public var location: SourceLocation { span.start }

    /// The scalar, if this node is one.
    public var scalar: Scalar? {
        if case .scalar(let s) = content { return s }
        return nil
    }

    /// The mapping, if this node is one.
    public var mapping: Mapping? {
        if case .mapping(let m) = content { return m }
        return nil
    }

    /// The items, if this node is a sequence.
    public var sequence: [Node]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    /// The value of a key in a mapping node (the first, if the key is duplicated).
    public subscript(key: String) -> Node? {
        mapping?[key]
    }

    /// A short name for the node's kind, for messages: "a string", "a mapping", "a list".
    public var kindDescription: String {
        switch content {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .scalar(let s): s.kindDescription
        }
    }
}

/// A scalar: its text, how it was written, and what it resolves to under the YAML 1.2 core schema.
public struct Scalar: Sendable, Hashable {
    /// How the scalar was written.
    public enum Style: String, Sendable, Hashable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    /// The value a scalar resolves to. Quoted and block scalars are always strings.
    public enum Resolved: Sendable, Hashable {
        case null
        case bool(Bool)
        case int(Int)
        /// A float, kept as written so decimals lose nothing (`0.1` stays `0.1`).
        case float(String)
        case string
    }

    /// The scalar's text after YAML processing (quotes removed, escapes applied).
    public var value: String
    public var style: Style
    public var resolved: Resolved

    /// Creates a scalar.
    public init(value: String, style: Style, resolved: Resolved) {
        self.value = value
        self.style = style
        self.resolved = resolved
    }

    /// The text, if the scalar is a string (quoted, block, or a plain scalar that is not a number, bool or null).
    public var string: String? {
        if case .string = resolved { return value }
        return nil
    }

    /// A short name for the scalar's kind, for messages.
    public var kindDescription: String {
        switch resolved {
        case .null: "null"
        case .bool: "a boolean"
        case .int: "an integer"
        case .float: "a number"
        case .string: "a string"
        }
    }
}

/// A mapping with its pairs in source order. Duplicate keys are kept so the loader can
/// report them with context; `Composer` reports them by default.
public struct Mapping: Sendable {
    /// One `key: value` pair.
    public struct Pair: Sendable {
        public var key: Node
        public var value: Node
        public init(key: Node, value: Node) {
            self.key = key
            self.value = value
        }

        /// The key's text when the key is a scalar.
        public var name: String? { key.scalar?.value }
    }

    public var pairs: [Pair]

    public init(pairs: [Pair]) { self.pairs = pairs }

    /// The value of the first pair whose key is `key`.
    public subscript(key: String) -> Node? {
        pairs.first { $0.name == key }?.value
    }

    /// The pair for `key`, including the key's own node (for pointing at the key).
    public func pair(_ key: String) -> Pair? {
        pairs.first { $0.name == key }
    }

    /// Pairs whose key repeats an earlier key, each with the first occurrence.
    public func duplicates() -> [(first: Pair, duplicate: Pair)] {
        // Most mappings are small and have no duplicate: comparing names costs less than hashing
        // them and copying each pair into a dictionary.
        if pairs.count <= 16 {
            var result: [(first: Pair, duplicate: Pair)] = []
            for index in pairs.indices {
                guard let name = pairs[index].name,
                    let first = pairs[..<index].firstIndex(where: { $0.name == name })
                else { continue }
                result.append((pairs[first], pairs[index]))
            }
            return result
        }
        var seen: [String: Pair] = [:]
        var result: [(first: Pair, duplicate: Pair)] = []
        for pair in pairs {
            guard let name = pair.name else { continue }
            if let first = seen[name] {
                result.append((first, pair))
            } else {
                seen[name] = pair
            }
        }
        return result
    }
}
