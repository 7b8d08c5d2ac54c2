/// A unit's org tree as expressions read it, compiled into the functions `level`, `parent`,
/// `ancestors`, `title` and `within`: the tree is definition data, so it is known when the
/// expressions compile and no evaluation looks anything up outside the closure.
public struct OrgTree: Sendable {
    /// One node: its label, the node above it and its level.
    public struct Node: Sendable, Hashable {
        /// The node's title, or its name when it has none.
        public let title: String
        /// The node above; `nil` at the root.
        public let parent: String?
        /// The level it sits at; `nil` only for a node deeper than the levels (which the
        /// validator refuses).
        public let level: String?

        public init(title: String, parent: String?, level: String?) {
            self.title = title
            self.parent = parent
            self.level = level
        }
    }

    /// The level names from the top down.
    public let levels: [String]
    /// The node names, depth first from the root.
    public let names: [String]
    let nodes: [String: Node]

    /// `nodes` by name in depth-first order from the root (a later duplicate is ignored; the
    /// validator refuses duplicates).
    public init(levels: [String], nodes: [(name: String, node: Node)]) {
        self.levels = levels
        var byName: [String: Node] = [:]
        var names: [String] = []
        for (name, node) in nodes where byName[name] == nil {
            byName[name] = node
            names.append(name)
        }
        self.names = names
        self.nodes = byName
    }

    /// The type of a node's name: an enum of every node.
    public var nodeType: ValueType { .enumeration(name: "org node", values: names) }
    /// The type of `level(node)`: an enum of the levels.
    public var levelType: ValueType { .enumeration(name: "org level", values: levels) }

    /// The node called `name`, if the tree has one.
    public func node(_ name: String) -> Node? { nodes[name] }

    /// The nodes above `name`, nearest first, up to the root; empty at the root.
    public func ancestors(of name: String) -> [String] {
        var chain: [String] = []
        var next = nodes[name]?.parent
        while let parent = next, chain.count < nodes.count {
            chain.append(parent)
            next = nodes[parent]?.parent
        }
        return chain
    }
}
