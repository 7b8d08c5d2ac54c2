import GridflowDefinitions
import GridflowExpressions

/// A coverage rule with the org nodes it covers: every node at its level, and with `per_shift`
/// every shift each node works, must have a holder of its role.
public struct CompiledCoverage: Sendable {
    public let name: String
    public let role: String
    public let level: String
    public let perShift: Bool
    public let nodes: [Node]

    public struct Node: Sendable, Hashable {
        public let name: String
        public let title: String?
        public let shifts: [String]
    }

    init(_ coverage: Coverage, unit: Unit) {
        name = coverage.name.text
        role = coverage.role?.text ?? ""
        level = coverage.level?.text ?? ""
        perShift = coverage.perShift
        nodes = unit.nodes(atLevel: level).map {
            Node(name: $0.name.text, title: $0.title, shifts: $0.shifts.map(\.text))
        }
    }
}

/// Someone holding a role at a node: from the directory (the person's `team` and `shift`) or
/// appointed by a case (`appoint` effects performed by `tick`, not ended since).
public struct Holder: Sendable, Hashable {
    public var person: String
    public var node: String?
    public var shift: String?
    /// `directory` or the id of the case that appointed the person.
    public var source: String
}

/// What a coverage rule found.
public struct CoverageReport: Sendable {
    public struct Place: Sendable {
        public var node: CompiledCoverage.Node
        /// The shift, with `per_shift`; `nil` for the node as a whole.
        public var shift: String?
        public var holders: [Holder]
    }

    public var rule: CompiledCoverage
    public var places: [Place]
    /// Holders of the role who cover nothing: no node, a node that is not one the rule covers,
    /// or (with `per_shift`) no shift or one their node does not work.
    public var unplaced: [Holder] = []
    public var gaps: [Place] { places.filter(\.holders.isEmpty) }
}

extension Engine {
    /// Everyone holding `role`: people of the directory who hold it (listed or by `held_by`)
    /// at their `team` and `shift`, and people appointed to it by cases.
    public func holders(of role: String, now: Instant) throws(EngineError) -> [Holder] {
        var holders: [Holder] = []
        let people = try storeCall { () throws(StoreError) in try store.people(unit: program.unit) }
        var shifts: [String: String] = [:]
        let appointed = try appointments()
        for stored in people {
            let actor = try actor(stored, roles: [], now: now, appointed: appointed[stored.id] ?? [])
            let record = actor.person
            if case .string(let shift)? = record?["shift"] { shifts[stored.id] = shift }
            // Appointed holders are listed below, at the node of their appointment.
            guard actor.roles.contains(role), !(appointed[stored.id] ?? []).contains(where: { $0.role == role }) else {
                continue
            }
            var node: String?
            if case .string(let team)? = record?["team"] { node = team }
            holders.append(Holder(person: stored.id, node: node, shift: shifts[stored.id], source: "directory"))
        }
        // Ended appointments cover nothing.
        for appointment in appointed.values.joined().sorted(by: { $0.at < $1.at }) where appointment.role == role {
            holders.append(
                Holder(
                    person: appointment.person, node: appointment.node,
                    shift: appointment.shift ?? shifts[appointment.person], source: appointment.caseID))
        }
        return holders
    }

    /// Every node (and shift) the rule covers, with its holders; those with none are the gaps.
    public func coverage(_ rule: CompiledCoverage, now: Instant) throws(EngineError) -> CoverageReport {
        let holders = try holders(of: rule.role, now: now)
        var places: [CoverageReport.Place] = []
        for node in rule.nodes {
            let here = holders.filter { $0.node == node.name }
            if rule.perShift {
                for shift in node.shifts {
                    places.append(.init(node: node, shift: shift, holders: here.filter { $0.shift == shift }))
                }
            } else {
                places.append(.init(node: node, shift: nil, holders: here))
            }
        }
        var report = CoverageReport(rule: rule, places: places)
        let covering = Set(places.flatMap { $0.holders })
        report.unplaced = holders.filter { !covering.contains($0) }
        return report
    }
}
