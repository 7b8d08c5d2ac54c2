import GridflowDefinitions
import GridflowExpressions

/// The unit's org tree as role scopes read it: each node's parent and level, and the level
/// each scoped role is held at.
public struct OrgIndex: Sendable {
    /// The root's name; `nil` when the unit has no org tree.
    public let root: String?
    /// The parent of every node but the root.
    let parents: [String: String]
    /// The org level of every node that has one.
    public let levels: [String: String]
    /// The `scope` level of each role that has one.
    public let roleScopes: [String: String]

    init(unit: Unit) {
        var parents: [String: String] = [:]
        func visit(_ node: OrgNode) {
            for child in node.children {
                parents[child.name.text] = node.name.text
                visit(child)
            }
        }
        if let tree = unit.tree { visit(tree) }
        root = unit.tree?.name.text
        self.parents = parents
        levels = unit.tree?.levels(unit.levels.map(\.text)) ?? [:]
        var roleScopes: [String: String] = [:]
        for role in unit.roles { if let scope = role.scope { roleScopes[role.name.text] = scope.text } }
        self.roleScopes = roleScopes
    }

    /// Whether `node` is a node of the tree.
    public func contains(_ node: String) -> Bool { node == root || parents[node] != nil }

    /// `node` and its ancestors up to the root, nearest first; empty for a name not in the tree.
    public func ancestry(_ node: String) -> [String] {
        guard contains(node) else { return [] }
        var chain = [node]
        while let parent = parents[chain[chain.count - 1]] { chain.append(parent) }
        return chain
    }

    /// Whether `node` is `top` or lies below it.
    public func isWithin(_ node: String, _ top: String) -> Bool { ancestry(node).contains(top) }

    /// The node at `level` among `node` and its ancestors.
    public func ancestor(of node: String, atLevel level: String) -> String? {
        ancestry(node).first { levels[$0] == level }
    }

    /// Where a person holds each scoped role of `roles`: the nodes appointments gave them for it,
    /// else the ancestor at the role's scope level of their own `team`. A role held nowhere
    /// (no team, a team not in the tree, no ancestor at the level) says why.
    public func scopes(of person: Record?, roles: Set<String>, appointments: [StoredAppointment]) -> Actor.Scopes {
        var scopes = Actor.Scopes()
        let team: String? = if case .string(let name)? = person?["team"] { name } else { nil }
        for role in roles.sorted() {
            guard let level = roleScopes[role] else { continue }
            let appointed = Set(appointments.filter { $0.role == role }.compactMap(\.node)).sorted()
            if !appointed.isEmpty {
                let known = appointed.filter(contains)
                if known.isEmpty {
                    scopes.nowhere[role] =
                        "appointed at \(appointed.joined(separator: ", ")), not a node of the org tree"
                } else {
                    scopes.nodes[role] = known
                }
                continue
            }
            guard root != nil else {
                scopes.nowhere[role] = "the unit has no org tree"
                continue
            }
            guard let team else {
                scopes.nowhere[role] = "no team in the directory and no appointment at a node"
                continue
            }
            guard contains(team) else {
                scopes.nowhere[role] = "their team '\(team)' is not a node of the org tree"
                continue
            }
            guard let node = ancestor(of: team, atLevel: level) else {
                scopes.nowhere[role] = "their team '\(team)' lies above the \(level) level"
                continue
            }
            scopes.nodes[role] = [node]
        }
        return scopes
    }
}

/// Where a case sits in the org tree, as its workflow's `place:` says.
enum CasePlace: Equatable {
    /// At this node (the root when the workflow has no place or it gives null).
    case at(String?)
    /// The place expression failed or named no node of the tree.
    case unknown(String)
}

extension Interpreter {
    /// The node `current` sits at: its workflow's `place:` evaluated over the case.
    func place(of current: CaseSnapshot) -> CasePlace {
        guard let workflow = program.workflow(current.workflow), let place = workflow.place else {
            return .at(program.org.root)
        }
        let frame = Frame(roots: [.record(current.fields)], now: current.updatedAt, calendar: program.calendar)
        do {
            switch try place.code.evaluate(frame) {
            case .null: return .at(program.org.root)
            case .string(let name) where program.org.contains(name): return .at(name)
            case .string(let name):
                return .unknown("its place '\(name)' (\(place.text)) is not a node of the org tree")
            case let other: return .unknown("its place (\(place.text)) is \(other), not an org node's name")
            }
        } catch {
            return .unknown("its place (\(place.text)) cannot be evaluated: \(error.message)")
        }
    }

    /// Whether `actor` may act in the scoped `role` on a case at `place`; `nil` when they may,
    /// else why not.
    func scopeRefusal(_ actor: Actor, role: String, at place: CasePlace) -> String? {
        guard let level = program.org.roleScopes[role], let scopes = actor.scopes else { return nil }
        if let why = scopes.nowhere[role] {
            return "'\(actor.id)' holds \(role) (scope: \(level)) nowhere: \(why)"
        }
        let nodes = scopes.nodes[role] ?? []
        switch place {
        case .unknown(let problem):
            return
                "\(role) (scope: \(level)) acts only within its holder's node, and the case's place is unknown: \(problem)"
        case .at(let node):
            let at = node ?? program.org.root ?? ""
            if nodes.contains(where: { program.org.isWithin(at, $0) }) { return nil }
            return
                "'\(actor.id)' holds \(role) (scope: \(level)) at \(nodes.isEmpty ? "no node" : nodes.joined(separator: ", ")), "
                + "and the case is at \(at)" + (node == nil ? " (the root: it has no place)" : "")
        }
    }
}
