import GridflowDiagnostics

/// `level`, `parent`, `ancestors`, `ancestor_at`, `title` and `within`: the unit's org tree,
/// compiled in.
extension Compiler {
    mutating func orgFunction(_ name: String, _ nameRange: TextRange, _ arguments: [Syntax], _ range: TextRange)
        throws(ExpressionProblem) -> Typed
    {
        guard let tree = environment.org else {
            throw fail(
                "no-org", "\(name)() reads the unit's org tree, and no unit's tree is known here", nameRange,
                hint: "declare the unit's 'org.tree'; 'gridflow eval' reads one with --unit UNIT")
        }
        // `ancestor_at`'s second argument is a level, every other argument a node.
        let nodes = try (name == "ancestor_at" ? [arguments[0]] : arguments).map {
            (syntax) throws(ExpressionProblem) -> Typed in try orgNode(syntax, of: name, in: tree)
        }
        let node = nodes[0].code
        let lookup: @Sendable (Frame) throws(EvaluationError) -> (name: String, node: OrgTree.Node) = {
            frame throws(EvaluationError) in try Self.orgNode(try node(frame), in: tree, at: range)
        }
        let cost = nodes.reduce(1) { $0 + $1.cost }
        switch name {
        case "level":
            return Typed(
                type: tree.levelType,
                code: { frame throws(EvaluationError) in
                    let found = try lookup(frame)
                    guard let level = found.node.level else {
                        throw EvaluationError("org-node", "org node '\(found.name)' has no level", at: range)
                    }
                    return .string(level)
                }, cost: cost, range: range)
        case "parent":
            return Typed(
                type: tree.nodeType.optional,
                code: { frame throws(EvaluationError) in
                    try lookup(frame).node.parent.map(Value.string) ?? .null
                }, cost: cost, range: range)
        case "title":
            return Typed(
                type: .string, code: { frame throws(EvaluationError) in .string(try lookup(frame).node.title) },
                cost: cost, range: range)
        case "ancestors":
            return Typed(
                type: .list(tree.nodeType),
                code: { frame throws(EvaluationError) in
                    .list(tree.ancestors(of: try lookup(frame).name).map(Value.string))
                }, cost: cost + tree.levels.count, range: range)
        case "ancestor_at":
            let level = try orgLevel(arguments[1], in: tree).code
            return Typed(
                type: tree.nodeType.optional,
                code: { frame throws(EvaluationError) in
                    let found = try lookup(frame)
                    guard case .string(let wanted) = try level(frame) else {
                        throw EvaluationError("null", "null org level", at: range)
                    }
                    guard tree.levels.contains(wanted) else {
                        throw EvaluationError("org-level", "'\(wanted)' is not a level of the org tree", at: range)
                    }
                    if found.node.level == wanted { return .string(found.name) }
                    return tree.ancestors(of: found.name).first { tree.node($0)?.level == wanted }.map(Value.string)
                        ?? .null
                }, cost: cost + tree.levels.count, range: range)
        default:  // within
            let top = nodes[1].code
            return Typed(
                type: .bool,
                code: { frame throws(EvaluationError) in
                    let below = try lookup(frame).name
                    let above = try Self.orgNode(try top(frame), in: tree, at: range).name
                    return .bool(below == above || tree.ancestors(of: below).contains(above))
                }, cost: cost + tree.levels.count, range: range)
        }
    }

    /// Checks an argument that names an org node: an `org_node` value or a string; a string
    /// written out must name a node of the tree.
    private mutating func orgNode(_ syntax: Syntax, of function: String, in tree: OrgTree)
        throws(ExpressionProblem) -> Typed
    {
        let value = try check(syntax)
        if value.type.isOptional { throw nullFailure(value) }
        guard value.type == .string || fits(value.type, tree.nodeType) else {
            throw fail(
                "type", "\(function)() takes an org node or a node's name (a string), not \(value.type)", value.range)
        }
        var written = syntax
        while case .parenthesized(let inner, _) = written { written = inner }
        if case .literal(.string(let text), let literalRange) = written, tree.node(text) == nil {
            let shown = tree.names.prefix(20).joined(separator: ", ")
            throw fail(
                "org-node", "'\(text)' is not a node of the org tree" + Suggestion.didYouMean(text, in: tree.names),
                literalRange,
                hint: "nodes: " + shown + (tree.names.count > 20 ? ", … (\(tree.names.count) in all)" : ""))
        }
        return value
    }

    /// Checks an argument that names an org level: an `org level` value (`level(node)`) or a
    /// string; a string written out must be one of the levels.
    private mutating func orgLevel(_ syntax: Syntax, in tree: OrgTree) throws(ExpressionProblem) -> Typed {
        let value = try check(syntax)
        if value.type.isOptional { throw nullFailure(value) }
        guard value.type == .string || fits(value.type, tree.levelType) else {
            throw fail(
                "type", "ancestor_at() takes an org level (a string) as its second argument, not \(value.type)",
                value.range)
        }
        var written = syntax
        while case .parenthesized(let inner, _) = written { written = inner }
        try checkEnumLiteral(Typed(type: tree.levelType, code: value.code, cost: 0, range: value.range), written)
        return value
    }

    /// The node a value names; a name the tree does not have is an error, never a null.
    static func orgNode(_ value: Value, in tree: OrgTree, at range: TextRange) throws(EvaluationError)
        -> (name: String, node: OrgTree.Node)
    {
        guard case .string(let name) = value else { throw EvaluationError("null", "null org node", at: range) }
        guard let node = tree.node(name) else {
            throw EvaluationError("org-node", "'\(name)' is not a node of the org tree", at: range)
        }
        return (name, node)
    }
}
