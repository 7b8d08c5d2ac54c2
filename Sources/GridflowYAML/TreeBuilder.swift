import GridflowDiagnostics

/// Builds the node tree from events, applying Gridflow's YAML rules.
struct TreeBuilder {
    var events: EventStream
    let reportDuplicateKeys: Bool
    private(set) var diagnostics: [Diagnostic] = []
    private var anchors: [String: (node: Node, size: Int)] = [:]
    private var expandedNodes = 0

    /// Stops composing: libyaml gave up, or a limit was passed.
    private struct Abort: Error {}

    init(events: EventStream, reportDuplicateKeys: Bool) {
        self.events = events
        self.reportDuplicateKeys = reportDuplicateKeys
    }

    mutating func document() -> Node? {
        do {
            _ = try next()  // stream start
            let first = try next()
            guard case .documentStart = first.kind else {
                diagnostics.append(
                    Diagnostic(
                        .error, "empty-file", "the file holds no YAML document", at: SourceSpan(start: first.start),
                        hint: "a definition starts with 'kind:' and 'schema:'"))
                return nil
            }
            let (root, _) = try node(try next(), depth: 0)
            _ = try next()  // document end
            let after = try next()
            if case .documentStart = after.kind {
                diagnostics.append(
                    Diagnostic(
                        .error, "multiple-documents", "a second YAML document starts here; a file holds one document",
                        at: SourceSpan(start: after.start, length: 3),
                        hint: "move each definition to a file of its own"))
            }
            return root
        } catch {
            return nil
        }
    }

    private mutating func next() throws(Abort) -> Event {
        do {
            return try events.next()
        } catch {
            var notes: [Diagnostic.Note] = []
            if let context = error.context, let mark = error.contextMark, mark != error.problemMark {
                notes.append(Diagnostic.Note(span: SourceSpan(start: mark), message: context))
            }
            diagnostics.append(
                Diagnostic(
                    .error, "yaml-syntax", error.problem, at: SourceSpan(start: error.problemMark),
                    hint: hint(forProblem: error.problem, at: error.problemMark), notes: notes))
            throw Abort()
        }
    }

    /// A hint for libyaml's most common problems.
    private func hint(forProblem problem: String, at mark: SourceLocation) -> String? {
        if problem.contains("cannot start any token") || problem.contains("tab") {
            return "YAML indents with spaces only; a tab or a stray character cannot start a value here"
        }
        if problem.contains("did not find expected ',' or ']'") { return "a '[' list is not closed with ']'" }
        if problem.contains("did not find expected ',' or '}'") { return "a '{' mapping is not closed with '}'" }
        if problem.contains("anchor") || problem.contains("alias") {
            return "anchors (&name) and aliases (*name) are letters, digits, '-' and '_'"
        }
        if problem.contains("mapping values are not allowed") {
            return "a value containing ': ' must be quoted"
        }
        if problem.contains("did not find expected key") || problem.contains("expected <block end>") {
            return "check the indentation of this line against the lines above"
        }
        return nil
    }

    /// Composes the node that `event` starts; returns it with its size in nodes.
    private mutating func node(_ event: Event, depth: Int) throws(Abort) -> (Node, Int) {
        if depth > Composer.maximumDepth {
            diagnostics.append(
                Diagnostic(
                    .error, "yaml-too-deep", "nesting deeper than \(Composer.maximumDepth) levels",
                    at: SourceSpan(start: event.start)))
            throw Abort()
        }
        switch event.kind {
        case .alias(let name):
            guard let anchored = anchors[name] else {
                diagnostics.append(
                    Diagnostic(
                        .error, "unknown-anchor",
                        "alias '*\(name)' names no anchor defined before it"
                            + Suggestion.didYouMean(name, in: anchors.keys),
                        at: SourceSpan(start: event.start, length: name.count + 1),
                        hint: "define the anchor with '&\(name)' on a node above this alias"))
                return (nullNode(event), 1)
            }
            expandedNodes += anchored.size
            if expandedNodes > Composer.maximumExpandedNodes {
                diagnostics.append(
                    Diagnostic(
                        .error, "yaml-too-large",
                        "aliases expand the document past \(Composer.maximumExpandedNodes) nodes",
                        at: SourceSpan(start: event.start)))
                throw Abort()
            }
            var copy = anchored.node
            copy.span = SourceSpan(start: event.start, length: name.count + 1)
            copy.end = event.end
            return (copy, anchored.size)

        case .scalar(let value, let style, let anchor, let tag, let plainImplicit):
            let resolved = resolve(value: value, style: style, tag: tag, plainImplicit: plainImplicit, at: event)
            let length = event.start.line == event.end.line ? event.end.column - event.start.column : 1
            let node = Node(
                .scalar(Scalar(value: value, style: style, resolved: resolved)),
                span: SourceSpan(start: event.start, length: max(length, 1)), end: event.end, tag: tag)
            remember(anchor, node, size: 1)
            return (node, 1)

        case .sequenceStart(let anchor, let tag):
            var items: [Node] = []
            var size = 1
            while true {
                let item = try next()
                if case .sequenceEnd = item.kind {
                    let node = Node(.sequence(items), span: SourceSpan(start: event.start), end: item.end, tag: tag)
                    checkCollectionTag(tag, at: event, expected: "tag:yaml.org,2002:seq")
                    remember(anchor, node, size: size)
                    return (node, size)
                }
                let (child, childSize) = try self.node(item, depth: depth + 1)
                items.append(child)
                size += childSize
            }

        case .mappingStart(let anchor, let tag):
            var pairs: [Mapping.Pair] = []
            var size = 1
            while true {
                let keyEvent = try next()
                if case .mappingEnd = keyEvent.kind {
                    let mapping = Mapping(pairs: pairs)
                    if reportDuplicateKeys { reportDuplicates(in: mapping) }
                    let node = Node(
                        .mapping(mapping), span: SourceSpan(start: event.start), end: keyEvent.end, tag: tag)
                    checkCollectionTag(tag, at: event, expected: "tag:yaml.org,2002:map")
                    remember(anchor, node, size: size)
                    return (node, size)
                }
                let (key, keySize) = try self.node(keyEvent, depth: depth + 1)
                if key.scalar == nil {
                    diagnostics.append(
                        Diagnostic(
                            .error, "complex-key", "a mapping key must be a plain value, not \(key.kindDescription)",
                            at: key.span))
                }
                let (value, valueSize) = try self.node(try next(), depth: depth + 1)
                pairs.append(Mapping.Pair(key: key, value: value))
                size += keySize + valueSize
            }

        default:
            diagnostics.append(
                Diagnostic(.error, "yaml-syntax", "unexpected YAML structure", at: SourceSpan(start: event.start)))
            throw Abort()
        }
    }

    private func nullNode(_ event: Event) -> Node {
        Node(
            .scalar(Scalar(value: "", style: .plain, resolved: .null)), span: SourceSpan(start: event.start),
            end: event.end, tag: Node.invalidTag)
    }

    private mutating func remember(_ anchor: String?, _ node: Node, size: Int) {
        guard let anchor else { return }
        anchors[anchor] = (node, size)
    }

    private mutating func reportDuplicates(in mapping: Mapping) {
        for (first, duplicate) in mapping.duplicates() {
            let name = duplicate.name ?? ""
            diagnostics.append(
                Diagnostic(
                    .error, "duplicate-key", "duplicate key '\(name)'",
                    at: SourceSpan(start: duplicate.key.location, length: name.count),
                    notes: [Diagnostic.Note(span: first.key.span, message: "'\(name)' first defined here")]))
        }
    }

    private mutating func checkCollectionTag(_ tag: String?, at event: Event, expected: String) {
        guard let tag, tag != expected, tag != "!" else { return }
        diagnostics.append(
            Diagnostic(
                .error, "unsupported-tag", "unsupported tag '\(Self.shortTag(tag))'",
                at: SourceSpan(start: event.start),
                hint: "Gridflow definitions use no YAML tags"))
    }

    private static func shortTag(_ tag: String) -> String {
        tag.hasPrefix("tag:yaml.org,2002:") ? "!!" + tag.dropFirst("tag:yaml.org,2002:".count) : tag
    }

    /// Applies the core schema to plain scalars and honours the standard scalar tags.
    private mutating func resolve(
        value: String, style: Scalar.Style, tag: String?, plainImplicit: Bool, at event: Event
    ) -> Scalar.Resolved {
        guard let tag, tag != "!" else {
            return style == .plain ? CoreSchema.resolve(plain: value) : .string
        }
        let core = CoreSchema.resolve(plain: value)
        switch tag {
        case "tag:yaml.org,2002:str": return .string
        case "tag:yaml.org,2002:null": if case .null = core { return core }
        case "tag:yaml.org,2002:bool": if case .bool = core { return core }
        case "tag:yaml.org,2002:int": if case .int = core { return core }
        case "tag:yaml.org,2002:float":
            if case .float = core { return core }
            if case .int = core { return .float(value) }
        default:
            diagnostics.append(
                Diagnostic(
                    .error, "unsupported-tag", "unsupported tag '\(Self.shortTag(tag))'",
                    at: SourceSpan(start: event.start), hint: "Gridflow definitions use no YAML tags"))
            return .string
        }
        diagnostics.append(
            Diagnostic(
                .error, "bad-tagged-value", "'\(value)' is not a valid \(Self.shortTag(tag)) value",
                at: SourceSpan(start: event.start)))
        return .string
    }
}
