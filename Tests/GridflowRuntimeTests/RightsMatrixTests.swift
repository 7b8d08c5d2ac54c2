import Foundation
import GridflowDefinitions
import GridflowExpressions
import Testing

@testable import GridflowRuntime

/// Who may fire what, for every shipped unit: every transition a person may take, in every
/// state it leaves from, × every role of the unit, held in scope of the case's place, out of it,
/// on a case with no place, with the case's department and with another. What is expected is
/// read from the parsed definitions — the transition's roles, the roles' `scope` levels, the
/// org tree, the workflow's `place:` and the guard's text — never from the interpreter's code.
/// Units and workflows are discovered, so a new unit gets its matrix without new test code.
@Suite struct RightsMatrixTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let loaded: LoadResult = Loader().load(paths: [
        root.appendingPathComponent("Workflows").path, root.appendingPathComponent("Rules").path,
    ])

    /// Every concrete shipped unit.
    static let units: [String] = loaded.units.keys.sorted().filter { loaded.units[$0]?.unit.abstract == false }

    static let now = Instant("2024-07-01T09:00:00+08:00")!

    /// The org tree as the test reads it: parents and levels, from the unit's definition.
    struct Tree {
        var parent: [String: String] = [:]
        var level: [String: String] = [:]
        var order: [String] = []

        init(_ unit: GridflowDefinitions.Unit) {
            func visit(_ node: OrgNode, depth: Int, parent: String?) {
                let name = node.name.text
                order.append(name)
                self.parent[name] = parent
                // The level a node names, else the one at its depth.
                if let named = node.level?.text {
                    level[name] = named
                } else if depth < unit.levels.count {
                    level[name] = unit.levels[depth].text
                }
                for child in node.children { visit(child, depth: depth + 1, parent: name) }
            }
            if let tree = unit.tree { visit(tree, depth: 0, parent: nil) }
        }

        var root: String? { order.first }

        func chain(_ node: String) -> [String] {
            var chain = [node]
            while let up = parent[chain[chain.count - 1]] { chain.append(up) }
            return chain
        }

        /// A deepest node: every level above it has an ancestor of it.
        var leaf: String? { order.max { chain($0).count < chain($1).count } }
    }

    @Test func theShippedUnitsLoad() {
        #expect(!Self.units.isEmpty)
        #expect(!Self.loaded.diagnostics.hasErrors, "\(Self.loaded.diagnostics)")
    }

    /// A person record with the fields scopes and guards read.
    static func person(_ program: Program, id: String, roles: Set<String>, team: String?, department: String?)
        -> Record
    {
        let layout = program.types.personType.layout
        var slots = [Value](repeating: .null, count: layout.names.count)
        func put(_ name: String, _ value: Value) { if let slot = layout.slot(of: name) { slots[slot] = value } }
        put("id", .string(id))
        put("name", .string(id))
        put("roles", .list(roles.sorted().map(Value.string)))
        if let team { put("team", .string(team)) }
        if let department { put("department", .string(department)) }
        // The unit's required person fields, so the record conforms where a case field holds it.
        for (slot, field) in program.types.personType.fields.enumerated()
        where slots[slot] == .null && !field.type.isOptional {
            if case .record = field.type.unwrapped { continue }
            slots[slot] = sample(field.type, program)
        }
        return Record(layout: layout, slots: slots)
    }

    /// A value of `type` for a required input.
    static func sample(_ type: ValueType, _ program: Program) -> Value {
        switch type.unwrapped {
        case .bool: .bool(true)
        case .integer, .decimal: .number(Number(1))
        case .string: .string("x")
        case .enumeration(_, let values): values.first.map(Value.string) ?? .null
        case .date: .date(Day("2024-07-01")!)
        case .datetime: .datetime(now)
        case .duration, .period: .null
        case .list: .list([])
        case .map: .map([:])
        case .record:
            .record(person(program, id: "someone", roles: [], team: nil, department: nil))
        case .optional, .null: .null
        }
    }

    /// The case's fields with its place (when `place` is `case.FIELD` or `case.FIELD.SUB` of a
    /// person) set to `node` and its department to `department`.
    static func fields(
        _ workflow: CompiledWorkflow, _ place: String?, node: Value, department: String?, program: Program
    ) throws -> Record {
        let layout = workflow.caseType.layout
        var slots = [Value](repeating: .null, count: layout.names.count)
        if let place {
            let path = place.split(separator: ".").map(String.init)
            try #require(path.first == "case" && (2...3).contains(path.count), "place '\(place)' is not case.FIELD")
            let slot = try #require(layout.slot(of: path[1]), "place '\(place)' reads no field")
            if path.count == 2 {
                slots[slot] = node
            } else {
                try #require(path[2] == "team", "place '\(place)': only a person's team is read")
                let record = person(program, id: "placed", roles: [], team: nil, department: nil)
                var personSlots = record.slots
                if let team = record.layout.slot(of: "team") { personSlots[team] = node }
                slots[slot] = .record(Record(layout: record.layout, slots: personSlots))
            }
        }
        if let department, let slot = layout.slot(of: "department") { slots[slot] = .string(department) }
        return Record(layout: layout, slots: slots)
    }

    /// The department condition of a guard: `nil` when the guard does not compare the actor's
    /// department with the case's; else the roles a `"ROLE" in actor.roles or …` alternative
    /// exempts. A guard reading anything else is left to the scenarios.
    static func departmentRule(_ guardText: String?) -> (exempt: Set<String>, pure: Bool)? {
        guard let guardText, guardText.contains("actor.department == case.department") else { return nil }
        var exempt: Set<String> = []
        var pure = true
        for part in guardText.components(separatedBy: " or ") {
            let term = part.trimmingCharacters(in: .whitespaces)
            if term == "actor.department == case.department" { continue }
            if term.hasPrefix("\""), term.hasSuffix("\" in actor.roles") {
                exempt.insert(String(term.dropFirst().prefix { $0 != "\"" }))
            } else {
                pure = false
            }
        }
        return (exempt, pure)
    }

    @Test(arguments: units)
    func everyTransitionByEveryRole(_ unitName: String) throws {
        let definitions = try #require(Self.loaded.units[unitName])
        let unit = definitions.unit
        let program = try Program(definitions: definitions, version: "rights")
        let interpreter = Interpreter(program: program)
        let tree = Tree(unit)
        let root = try #require(tree.root, "\(unitName) has no org tree")
        let leaf = try #require(tree.leaf)
        let scopeOf = Dictionary(unit.roles.compactMap { role in role.scope.map { (role.name.text, $0.text) } }) {
            first, _ in first
        }
        let roles = unit.roles.map(\.name.text).filter { $0 != Unit.Role.system }.sorted()
        let departments = unit.departments.map(\.name.text)
        try #require(departments.count >= 2, "\(unitName): two departments to tell apart")
        let (caseDepartment, otherDepartment) = (departments[0], departments[1])

        // Where a role is held in scope of a case at `leaf`, and out of it: the leaf's ancestor
        // at the role's level, and another node at that level off the leaf's chain.
        func inScope(_ role: String) -> String? {
            scopeOf[role].flatMap { l in tree.chain(leaf).first { tree.level[$0] == l } }
        }
        func outOfScope(_ role: String) -> String? {
            guard let level = scopeOf[role] else { return nil }
            return tree.order.first { tree.level[$0] == level && !tree.chain(leaf).contains($0) }
        }

        // The directory's reading of a team gives the same nodes (Engine.actor, scenarios, demo).
        for role in roles where scopeOf[role] != nil {
            let record = Self.person(program, id: "p", roles: [role], team: leaf, department: nil)
            let scopes = program.org.scopes(of: record, roles: [role], appointments: [])
            #expect(
                scopes.nodes[role] == inScope(role).map { [$0] }, "\(unitName): \(role) held by a person of \(leaf)")
        }

        var checked = 0
        var departmentChecked = 0
        for definition in definitions.workflows.sorted(by: { $0.name.text < $1.name.text }) {
            let workflow = try #require(program.workflow(definition.name.text))
            let place = definition.place?.text
            // A case always has a required field, so only an optional place may be missing.
            let placeField = place?.split(separator: ".").dropFirst().first.map(String.init)
            let placeRequired = definition.fields.first { $0.name.text == placeField }?.required == true
            // A place matters to roles with a scope; a unit without them (the tour) may have none.
            if place == nil && !scopeOf.isEmpty { Issue.record("\(unitName)/\(definition.name.text) has no place:") }
            for transition in definition.transitions {
                let named = Set(transition.roles.map(\.text)).subtracting([Unit.Role.system])
                // The engine's alone: timers and signals, which no person fires.
                if named.isEmpty && transition.person == nil { continue }
                let rule = Self.departmentRule(transition.guardExpression?.text)
                for state in definition.sources(of: transition) {
                    let compiled = try #require(
                        workflow.transitions(from: state, on: transition.event.text).first {
                            $0.name == transition.name.text
                        })
                    func snapshot(_ node: Value, department: String?) throws -> CaseSnapshot {
                        CaseSnapshot(
                            id: "c-1", unit: unitName, workflow: workflow.name, definitionVersion: "rights",
                            state: state,
                            fields: try Self.fields(
                                workflow, place, node: node, department: department, program: program),
                            version: 1, openedAt: Self.now, updatedAt: Self.now, parent: nil)
                    }
                    let placed = try snapshot(.string(leaf), department: caseDepartment)
                    let unplaced = try snapshot(.null, department: caseDepartment)
                    let nowhere = try snapshot(.string("no_such_node"), department: caseDepartment)
                    for role in roles {
                        let level = scopeOf[role]
                        let holds = named.contains(role)
                        let what = "\(unitName)/\(definition.name.text).\(transition.name.text) in \(state) by \(role)"
                        func actor(at node: String?, department: String?) -> Actor {
                            var scopes = Actor.Scopes()
                            if level != nil {
                                if let node { scopes.nodes[role] = [node] } else { scopes.nowhere[role] = "test" }
                            }
                            return Actor(
                                id: "p-\(role)", roles: [role],
                                person: Self.person(
                                    program, id: "p-\(role)", roles: [role], team: node, department: department),
                                scopes: scopes)
                        }
                        func may(_ actor: Actor, _ current: CaseSnapshot) -> Bool {
                            interpreter.may(
                                actor, fire: compiled, on: current,
                                event: .act(event: transition.event.text, input: [:], by: actor))
                        }
                        // (a) In scope of the case's place (or unscoped): exactly the transition's roles.
                        let held = inScope(role) ?? root
                        #expect(may(actor(at: held, department: nil), placed) == holds, "\(what), held at \(held)")
                        // (b) Out of scope: another node at the role's level.
                        if let away = outOfScope(role) {
                            #expect(!may(actor(at: away, department: nil), placed), "\(what), held at \(away)")
                        }
                        // Held nowhere (no team in the tree): refused when scoped.
                        if level != nil {
                            #expect(!may(actor(at: nil, department: nil), placed), "\(what), held nowhere")
                        }
                        // No place: the case sits at the root, for the root's holders and unscoped roles.
                        if place != nil, !placeRequired {
                            let atRoot = level == nil || level == tree.level[root]
                            #expect(
                                may(actor(at: held, department: nil), unplaced) == (holds && atRoot),
                                "\(what), no place")
                        }
                        // A place that is no node refuses every scoped role (never a silent pass).
                        if place != nil {
                            #expect(
                                may(actor(at: held, department: nil), nowhere) == (holds && level == nil),
                                "\(what), unknown place")
                        }
                        checked += 1

                        // (c, d) The routed department, where the guard reads it.
                        guard holds, let rule, rule.pure else { continue }
                        var input: [String: Value] = [:]
                        for field in compiled.inputFields where !field.optional {
                            if let type = field.type { input[field.name] = Self.sample(type, program) }
                        }
                        for department in [caseDepartment, otherDepartment] {
                            let acting = actor(at: held, department: department)
                            let outcome = interpreter.step(
                                placed, .act(event: transition.event.text, input: input, by: acting), now: Self.now)
                            let expected = department == caseDepartment || rule.exempt.contains(role)
                            switch outcome {
                            case .advanced(let step):
                                #expect(expected, "\(what) of department \(department) on a case of \(caseDepartment)")
                                #expect(step.history.transition == transition.name.text, "\(what)")
                            case .rejected(let rejection):
                                #expect(
                                    !expected && rejection.code == Rejection.Code.guardFalse,
                                    "\(what), \(department): \(rejection.message)")
                            case .incident(let incident):
                                Issue.record(Comment(rawValue: "\(what), \(department): incident \(incident.message)"))
                            }
                            departmentChecked += 1
                        }
                    }
                }
            }
        }
        #expect(checked > 0)
        // Opening: `started_by` roles, where they reach the case's place, like every step.
        for definition in definitions.workflows.sorted(by: { $0.name.text < $1.name.text }) {
            let workflow = try #require(program.workflow(definition.name.text))
            guard let place = definition.place?.text else { continue }
            let openers = Set(definition.startedBy.map(\.text)).subtracting([Unit.Role.system])
            let path = place.split(separator: ".").map(String.init)
            var input: [String: Value] = [:]
            // The opener's field is whoever opens the case: the engine fills it (a sample would be
            // someone else, which the opener may not name).
            for name in workflow.requiredAtOpen where name != workflow.openerField {
                if let type = workflow.fieldTypes[name] { input[name] = Self.sample(type, program) }
            }
            if path.count == 2 {
                input[path[1]] = .string(leaf)
            } else if path.count == 3 {
                let record = Self.person(program, id: "placed", roles: [], team: leaf, department: nil)
                input[path[1]] = .record(record)
            }
            for role in roles {
                let what = "\(unitName)/\(definition.name.text) opened by \(role)"
                func opens(at node: String) -> Rejection.Code? {
                    var scopes = Actor.Scopes()
                    if scopeOf[role] != nil { scopes.nodes[role] = [node] }
                    let actor = Actor(
                        id: "p-\(role)", roles: [role],
                        person: Self.person(program, id: "p-\(role)", roles: [role], team: node, department: nil),
                        scopes: scopes)
                    switch interpreter.open(workflow.name, id: "c-1", input: input, by: actor, now: Self.now) {
                    case .advanced: return nil
                    case .rejected(let rejection):
                        if rejection.code != .notPermitted {
                            Issue.record(Comment(rawValue: "\(what): \(rejection.message)"))
                        }
                        return rejection.code
                    case .incident(let incident):
                        Issue.record(Comment(rawValue: "\(what): incident \(incident.message)"))
                        return nil
                    }
                }
                let held = inScope(role) ?? root
                #expect((opens(at: held) == nil) == openers.contains(role), "\(what), held at \(held)")
                if let away = outOfScope(role) {
                    #expect(opens(at: away) == Rejection.Code.notPermitted, "\(what), held at \(away)")
                }
                checked += 1
            }
        }
        // Units that route to departments have department guards to check.
        if definitions.routingTables.isEmpty == false { #expect(departmentChecked > 0, "\(unitName)") }
    }
}
