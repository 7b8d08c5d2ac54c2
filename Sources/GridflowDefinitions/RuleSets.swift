import Foundation
import GridflowDiagnostics
import GridflowExpressions
import GridflowYAML

/// A decision table: rows of input cells and output values, combined by a hit policy.
public struct DecisionTable: Sendable {
    public var name: Name
    public var file: String
    public var hit: HitPolicy?
    public var hitSpan: SourceSpan?
    public var inputs: [Field]
    public var outputs: [Field]
    public var rows: [Row]

    /// One row of a decision table.
    public struct Row: Sendable {
        public var when: [(input: Name, cell: Cell)]
        public var then: [(output: Name, value: Literal)]
        /// Outputs the row names whose value could not be read (the shape checker said why).
        public var unreadOutputs: Set<String> = []
        public var span: SourceSpan
    }
}

/// A routing table: which department answers a case, and by when.
public struct RoutingTable: Sendable {
    public var name: Name
    public var file: String
    public var hit: HitPolicy?
    public var inputs: [Field]
    public var routes: [Route]

    /// One route.
    public struct Route: Sendable {
        public var when: [(input: Name, cell: Cell)]
        public var department: Name?
        public var deadline: Duration?
        public var role: Name?
        public var span: SourceSpan
    }
}

/// Who may be selected for a role: exclusions, requirements and preferences, each with a reason.
public struct Eligibility: Sendable {
    public var name: Name
    public var file: String
    public var role: Name?
    public var inputs: [Field]
    public var exclude: [Rule]
    public var require: [Rule]
    public var prefer: [Rule]

    /// One eligibility rule.
    public struct Rule: Sendable {
        public var name: Name
        public var when: Expression?
        public var reason: String?
        public var points: Number?
    }
}

/// An appraisal: per role, weighted dimensions, bonus and deduction items, grade bands and consequences.
public struct Appraisal: Sendable {
    public var name: Name
    public var file: String
    public var period: AppraisalPeriod?
    /// The roles the results are for (`audience:`): an appraisal whose store facts read a
    /// restricted field of their workflow must state it, and only people acting in one of these
    /// roles may run it.
    public var audience: [Name] = []
    public var facts: [Field]
    public var packages: [Package]

    /// The package for one role.
    public struct Package: Sendable {
        public var role: Name
        public var title: String?
        public var dimensions: [Dimension]
        public var bonus: [PointItem]
        public var deductions: [PointItem]
        /// Caps over groups of bonus or deduction items, in the order written.
        public var caps: [Cap] = []
        /// Veto items, in the order written: the first whose condition holds sets the grade.
        public var vetoes: [Veto] = []
        public var grades: [Band]
        public var consequences: [(grade: Name, effects: [Effect])]
        public var dimensionsSpan: SourceSpan?
        /// A decision table consulted once the grade is known (`rewards: {rules, input}`); its
        /// outputs are read by the consequences as `rewards.OUTPUT`.
        public var rewards: Decision? = nil
    }

    /// A weighted dimension.
    public struct Dimension: Sendable {
        public var name: Name
        public var title: String?
        public var weight: Number?
        public var score: Expression?
    }

    /// A bonus or deduction item.
    public struct PointItem: Sendable {
        public var name: Name
        public var points: Number?
        public var per: Expression?
        public var max: Number?
    }

    /// A cap over a group of bonus (or of deduction) items: their points together at most `max`.
    public struct Cap: Sendable {
        public var name: Name
        public var title: String?
        public var items: [Name]
        public var max: Number?
        public var maxSpan: SourceSpan?
    }

    /// A veto item (一票否决): when `when` holds, the grade is `grade` whatever the total.
    public struct Veto: Sendable {
        public var name: Name
        public var title: String?
        public var when: Expression?
        public var grade: Name?
    }

    /// A grade band: totals at or above `min` get `grade`.
    public struct Band: Sendable {
        public var grade: Name
        public var min: Number?
        public var minSpan: SourceSpan?
    }
}

/// The rule that every org node at a level (and each of its shifts) has a holder of a role.
public struct Coverage: Sendable {
    public var name: Name
    public var file: String
    public var role: Name?
    public var level: Name?
    public var perShift: Bool
}

/// Shared file spaces: one space per role group, who shares into all of them, who maintains their
/// folders, and who may do what.
public struct FileSpace: Sendable {
    /// One space: the group of the holders of its `members` role.
    public struct Space: Sendable {
        public var name: Name
        public var title: String?
        public var members: Name?
    }

    public var name: Name
    public var file: String
    public var spaces: [Space]
    /// The role that shares material into every space (the word `sharer`).
    public var sharedBy: Name?
    /// The role that maintains the folders of every space (the word `maintainer`).
    public var maintainedBy: Name?
    public var folders: [Folder]

    /// A folder of every space: its name (the key files are filed under) and the title people
    /// read, in the unit's language.
    public struct Folder: Sendable {
        public var name: Name
        public var title: String?
        /// Where the title is written.
        public var titleSpan: SourceSpan?

        public init(name: Name, title: String? = nil, titleSpan: SourceSpan? = nil) {
            self.name = name
            self.title = title
            self.titleSpan = titleSpan
        }
    }
    public var permissions: [(action: FileAction, permission: Permission)]
}

extension DecisionTable {
    static func read(_ node: Node, file: String) -> DecisionTable? {
        guard let name = node["name"]?.name else { return nil }
        return DecisionTable(
            name: name, file: file, hit: node["hit"]?.text.flatMap(HitPolicy.init), hitSpan: node["hit"]?.span,
            inputs: Field.readAll(node["inputs"]), outputs: Field.readAll(node["outputs"]),
            rows: node["rules"]?.sequence?.map { row in
                let entries = row["then"]?.entries ?? []
                return Row(
                    when: Cell.readAll(row["when"]),
                    then: entries.compactMap { entry in Literal(entry.value).map { (entry.name, $0) } },
                    unreadOutputs: Set(
                        entries.filter { $0.value.scalar?.resolved != .null && Literal($0.value) == nil }.map(
                            \.name.text)),
                    span: row.span)
            } ?? [])
    }
}

extension RoutingTable {
    static func read(_ node: Node, file: String) -> RoutingTable? {
        guard let name = node["name"]?.name else { return nil }
        return RoutingTable(
            name: name, file: file, hit: node["hit"]?.text.flatMap(HitPolicy.init),
            inputs: Field.readAll(node["inputs"]),
            routes: node["routes"]?.sequence?.map { route in
                Route(
                    when: Cell.readAll(route["when"]), department: route["department"]?.name,
                    deadline: route["deadline"]?.duration, role: route["role"]?.name, span: route.span)
            } ?? [])
    }
}

extension Eligibility {
    static func read(_ node: Node, file: String) -> Eligibility? {
        guard let name = node["name"]?.name else { return nil }
        func rules(_ key: String) -> [Rule] {
            node[key]?.sequence?.compactMap { rule in
                rule["name"]?.name.map {
                    Rule(
                        name: $0, when: rule["when"]?.expression, reason: rule["reason"]?.text,
                        points: rule["points"]?.number)
                }
            } ?? []
        }
        return Eligibility(
            name: name, file: file, role: node["role"]?.name, inputs: Field.readAll(node["inputs"]),
            exclude: rules("exclude"), require: rules("require"), prefer: rules("prefer"))
    }
}

extension Appraisal {
    static func read(_ node: Node, file: String) -> Appraisal? {
        guard let name = node["name"]?.name else { return nil }
        func items(_ node: Node?) -> [PointItem] {
            node?.sequence?.compactMap { item in
                item["name"]?.name.map {
                    PointItem(
                        name: $0, points: item["points"]?.number, per: item["per"]?.expression,
                        max: item["max"]?.number)
                }
            } ?? []
        }
        return Appraisal(
            name: name, file: file, period: node["period"]?.text.flatMap(AppraisalPeriod.init),
            audience: node["audience"]?.names ?? [], facts: Field.readAll(node["facts"]),
            packages: node["packages"]?.entries.map { entry in
                let package = entry.value
                return Package(
                    role: entry.name, title: package["title"]?.text,
                    dimensions: package["dimensions"]?.sequence?.compactMap { dimension in
                        dimension["name"]?.name.map {
                            Dimension(
                                name: $0, title: dimension["title"]?.text, weight: dimension["weight"]?.number,
                                score: dimension["score"]?.expression)
                        }
                    } ?? [],
                    bonus: items(package["bonus"]), deductions: items(package["deductions"]),
                    caps: package["caps"]?.sequence?.compactMap { cap in
                        cap["name"]?.name.map {
                            Cap(
                                name: $0, title: cap["title"]?.text, items: cap["items"]?.names ?? [],
                                max: cap["max"]?.number, maxSpan: cap["max"]?.span)
                        }
                    } ?? [],
                    vetoes: package["vetoes"]?.sequence?.compactMap { veto in
                        veto["name"]?.name.map {
                            Veto(
                                name: $0, title: veto["title"]?.text, when: veto["when"]?.expression,
                                grade: veto["grade"]?.name)
                        }
                    } ?? [],
                    grades: package["grades"]?.sequence?.compactMap { band in
                        band["grade"]?.name.map {
                            Band(grade: $0, min: band["min"]?.number, minSpan: band["min"]?.span)
                        }
                    } ?? [],
                    consequences: package["consequences"]?.entries.map { consequence in
                        (consequence.name, consequence.value.sequence?.compactMap(Effect.read) ?? [])
                    } ?? [],
                    dimensionsSpan: package.keySpan("dimensions"),
                    rewards: package["rewards"].flatMap(Decision.read))
            } ?? [])
    }
}

extension Coverage {
    static func read(_ node: Node, file: String) -> Coverage? {
        guard let name = node["name"]?.name else { return nil }
        return Coverage(
            name: name, file: file, role: node["role"]?.name, level: node["level"]?.name,
            perShift: node["per_shift"]?.bool ?? false)
    }
}

extension FileSpace {
    static func read(_ node: Node, file: String) -> FileSpace? {
        guard let name = node["name"]?.name else { return nil }
        let permissions: [(action: FileAction, permission: Permission)] = FileAction.allCases.compactMap { action in
            guard let value = node["permissions"]?[action.rawValue] else { return nil }
            // A single word only: anything else was refused by the shape.
            if let word = value.name, let known = Permission.Word(rawValue: word.text) {
                return (action, Permission(entries: [(.word(known), word)], isList: false))
            }
            if let list = value.sequence {
                return (
                    action, Permission(entries: list.compactMap(\.name).map { (Self.who($0.text), $0) }, isList: true)
                )
            }
            return nil
        }
        return FileSpace(
            name: name, file: file,
            spaces: node["spaces"]?.sequence?.compactMap { space in
                space["name"]?.name.map {
                    Space(name: $0, title: space["title"]?.text, members: space["members"]?.name)
                }
            } ?? [],
            sharedBy: node["shared_by"]?.name, maintainedBy: node["maintained_by"]?.name,
            folders: node["folders"]?.sequence?.compactMap(Folder.read) ?? [], permissions: permissions)
    }

    /// A word, or else a role.
    static func who(_ text: String) -> Permission.Who {
        Permission.Word(rawValue: text).map(Permission.Who.word) ?? .role(text)
    }
}

extension FileSpace.Folder {
    /// A folder: `{name, title}`, or its name alone (the short form, without a title).
    static func read(_ node: Node) -> FileSpace.Folder? {
        if let name = node.name { return FileSpace.Folder(name: name) }
        guard let name = node["name"]?.name else { return nil }
        return FileSpace.Folder(name: name, title: node["title"]?.text, titleSpan: node["title"]?.span)
    }
}
