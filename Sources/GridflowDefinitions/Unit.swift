import GridflowDiagnostics
import GridflowExpressions
import GridflowYAML

/// A unit of the group: its calendar, organisation, vocabulary, departments, roles and people.
public struct Unit: Sendable {
    public var name: Name
    public var title: String?
    public var file: String
    public var abstract: Bool
    public var extends: Name?
    public var timezone: Name?
    /// The language of the unit's pages (`locale: zh-CN`): the bulletin's fixed labels, dates
    /// and numbers follow it; inherited from the base unit.
    public var locale: Name?
    /// The role whose holders administer the unit through the daemon (`administrator: ROLE`):
    /// deploy, roll back, migrate, retry incidents; inherited from the base unit.
    public var administrator: Name?
    public var calendar: WorkingCalendar
    public var levels: [Name]
    public var shifts: [Name]
    public var tree: OrgNode?
    public var enums: [EnumDefinition]
    public var departments: [Department]
    public var roles: [Role]
    public var peopleFields: [Field]
    /// Where the daemon posts the unit's notifications (`webhooks:`), by name; inherited from
    /// the base unit (a unit's own webhook of the same name replaces the base's).
    public var webhooks: [Webhook] = []
    /// Ceiling on an expression's estimated cost, if the unit sets one.
    public var expressionCostCeiling: Int?
    /// List length assumed when estimating cost, if the unit sets one.
    public var assumedListLength: Int?

    /// A named vocabulary.
    public struct EnumDefinition: Sendable {
        public var name: Name
        public var values: [Name]
        /// Labels of the values (`titles:`), by value.
        public var titles: [String: String] = [:]
    }

    /// A department.
    public struct Department: Sendable {
        public var name: Name
        public var title: String?
        public var level: Name?
    }

    /// An HTTP endpoint the daemon posts notifications to (an enterprise messaging bot): signed
    /// with HMAC-SHA256 under a key read from an environment variable, retried with backoff.
    public struct Webhook: Sendable {
        public var name: Name
        /// An `http` or `https` URL, as written.
        public var url: Name?
        /// The environment variable holding the signing key (never the key itself: definitions
        /// are stored, diffed and shown).
        public var secretEnv: Name?
        /// Only notifications to these roles; empty: all of the unit's.
        public var roles: [Name]
        /// How many times a delivery is tried before it fails as an incident (default 6).
        public var attempts: Int?
        public var attemptsNode: Node?
        /// The wait before the second try, doubled before each next one (default 30s).
        public var backoff: Duration?
        public var backoffNode: Node?

        public static let defaultAttempts = 6
        public static let defaultBackoffSeconds = 30
    }

    /// A role and who may hold it.
    public struct Role: Sendable {
        public var name: Name
        public var title: String?
        public var scope: Name?
        public var department: Name?
        public var heldBy: Expression?
        public var eligibility: Name?
    }

    /// The names of every role, plus the engine's own `system`.
    public var roleNames: Set<String> { Set(roles.map(\.name.text)).union([Role.system]) }

    /// The org nodes at `level`, depth first.
    public func nodes(atLevel level: String) -> [OrgNode] {
        guard let tree else { return [] }
        let levels = tree.levels(self.levels.map(\.text))
        return tree.walk().map(\.node).filter { levels[$0.name.text] == level }
    }

    /// The enum named `name`.
    public func enumeration(_ name: String) -> EnumDefinition? { enums.first { $0.name.text == name } }
}

extension Unit.Role {
    /// The role the engine acts in: timers and effects.
    public static let system = "system"
}

/// Working days, holidays and make-up working days. In a unit that extends a base, the lists hold
/// the base's entries and then the unit's; the nodes keep where each entry is written.
public struct WorkingCalendar: Sendable {
    public var workingDays: [Weekday]?
    public var holidays: [Day]
    public var extraWorkingDays: [Day]
    public var holidayNodes: [Node]
    public var extraNodes: [Node]
    /// The base's holidays and make-up days this unit takes back (`remove_holidays`,
    /// `remove_extra_working_days`), as written.
    public var removedHolidayNodes: [Node] = []
    public var removedExtraNodes: [Node] = []
    /// Of those, the ones no base unit has: the validator reports them.
    public var unmatchedRemovals: [Node] = []
}

/// A node of the org tree: oilfield, plant, work area, team.
public struct OrgNode: Sendable {
    public var name: Name
    public var title: String?
    /// The level as written, if written.
    public var level: Name?
    public var shifts: [Name]
    public var children: [OrgNode]

    /// The org level of every node of the subtree, by node name: the level a node names, or
    /// the one below its parent's (the root's is the first of `levels`). A node deeper than the
    /// levels has none.
    public func levels(_ levels: [String]) -> [String: String] {
        var result: [String: String] = [:]
        func visit(_ node: OrgNode, parentLevel: Int) {
            var index = parentLevel + 1
            if let level = node.level, let named = levels.firstIndex(of: level.text) { index = named }
            if index < levels.count { result[node.name.text] = levels[index] }
            for child in node.children { visit(child, parentLevel: index) }
        }
        visit(self, parentLevel: -1)
        return result
    }

    /// Every node of the subtree, depth first, with its depth (the root has depth 0).
    public func walk() -> [(node: OrgNode, depth: Int)] {
        var result: [(node: OrgNode, depth: Int)] = []
        func visit(_ node: OrgNode, _ depth: Int) {
            result.append((node, depth))
            for child in node.children { visit(child, depth + 1) }
        }
        visit(self, 0)
        return result
    }
}

extension Unit {
    static func read(_ node: Node, file: String) -> Unit? {
        guard let name = node["name"]?.name else { return nil }
        let calendar = node["calendar"]
        return Unit(
            name: name, title: node["title"]?.text, file: file, abstract: node["abstract"]?.bool ?? false,
            extends: node["extends"]?.name, timezone: node["timezone"]?.name,
            locale: node["locale"]?.name, administrator: node["administrator"]?.name,
            calendar: WorkingCalendar(
                workingDays: calendar?["working_days"]?.sequence?.compactMap { $0.text.flatMap(Weekday.init) },
                holidays: calendar?["holidays"]?.sequence?.compactMap(\.date) ?? [],
                extraWorkingDays: calendar?["extra_working_days"]?.sequence?.compactMap(\.date) ?? [],
                holidayNodes: calendar?["holidays"]?.sequence ?? [],
                extraNodes: calendar?["extra_working_days"]?.sequence ?? [],
                removedHolidayNodes: calendar?["remove_holidays"]?.sequence ?? [],
                removedExtraNodes: calendar?["remove_extra_working_days"]?.sequence ?? [],
                // Without a base, nothing can be taken back.
                unmatchedRemovals: (calendar?["remove_holidays"]?.sequence ?? [])
                    + (calendar?["remove_extra_working_days"]?.sequence ?? [])),
            levels: node["org"]?["levels"]?.sequence?.compactMap { $0["name"]?.name } ?? [],
            shifts: node["org"]?["shifts"]?.sequence?.compactMap(\.name) ?? [],
            tree: node["org"]?["tree"].flatMap(OrgNode.read),
            enums: node["enums"]?.entries.map {
                EnumDefinition(
                    name: $0.name, values: $0.value["values"]?.sequence?.compactMap(\.name) ?? [],
                    titles: Dictionary(
                        ($0.value["titles"]?.entries ?? []).compactMap { entry in
                            entry.value.text.map { (entry.name.text, $0) }
                        }, uniquingKeysWith: { first, _ in first }))
            } ?? [],
            departments: node["departments"]?.entries.map {
                Department(name: $0.name, title: $0.value["title"]?.text, level: $0.value["level"]?.name)
            } ?? [],
            roles: node["roles"]?.entries.map {
                Role(
                    name: $0.name, title: $0.value["title"]?.text, scope: $0.value["scope"]?.name,
                    department: $0.value["department"]?.name, heldBy: $0.value["held_by"]?.expression,
                    eligibility: $0.value["eligibility"]?.name)
            } ?? [],
            peopleFields: Field.readAll(node["people"]?["fields"]),
            webhooks: node["webhooks"]?.entries.map {
                Webhook(
                    name: $0.name, url: $0.value["url"]?.name, secretEnv: $0.value["secret_env"]?.name,
                    roles: $0.value["roles"]?.sequence?.compactMap(\.name) ?? [],
                    attempts: $0.value["attempts"]?.text.flatMap { Int($0) }, attemptsNode: $0.value["attempts"],
                    backoff: $0.value["backoff"]?.duration, backoffNode: $0.value["backoff"])
            } ?? [],
            expressionCostCeiling: node["limits"]?["expression_cost"]?.text.flatMap { Int($0) },
            assumedListLength: node["limits"]?["list_length"]?.text.flatMap { Int($0) })
    }

    /// This unit with what it does not define taken from `base`.
    func inheriting(from base: Unit) -> Unit {
        func merge<T>(_ own: [T], _ inherited: [T], _ key: (T) -> String) -> [T] {
            let names = Set(own.map(key))
            return inherited.filter { !names.contains(key($0)) } + own
        }
        var merged = self
        merged.timezone = timezone ?? base.timezone
        merged.locale = locale ?? base.locale
        merged.administrator = administrator ?? base.administrator
        if calendar.workingDays == nil { merged.calendar.workingDays = base.calendar.workingDays }
        // The base's entries, less those this unit takes back, then the unit's own.
        let removedHolidays = Set(calendar.removedHolidayNodes.compactMap(\.date))
        let removedExtras = Set(calendar.removedExtraNodes.compactMap(\.date))
        merged.calendar.holidays = base.calendar.holidays.filter { !removedHolidays.contains($0) } + calendar.holidays
        merged.calendar.extraWorkingDays =
            base.calendar.extraWorkingDays.filter { !removedExtras.contains($0) } + calendar.extraWorkingDays
        // The base's entries keep their place in the base's file, for naming both sides of a conflict.
        merged.calendar.holidayNodes =
            base.calendar.holidayNodes.filter { $0.date.map { !removedHolidays.contains($0) } ?? true }
            + calendar.holidayNodes
        merged.calendar.extraNodes =
            base.calendar.extraNodes.filter { $0.date.map { !removedExtras.contains($0) } ?? true }
            + calendar.extraNodes
        merged.calendar.unmatchedRemovals =
            calendar.removedHolidayNodes.filter { node in
                node.date.map { !base.calendar.holidays.contains($0) } ?? false
            }
            + calendar.removedExtraNodes.filter { node in
                node.date.map { !base.calendar.extraWorkingDays.contains($0) } ?? false
            }
        merged.enums = merge(enums, base.enums) { $0.name.text }
        merged.departments = merge(departments, base.departments) { $0.name.text }
        merged.roles = merge(roles, base.roles) { $0.name.text }
        merged.peopleFields = merge(peopleFields, base.peopleFields) { $0.name.text }
        merged.webhooks = merge(webhooks, base.webhooks) { $0.name.text }
        merged.expressionCostCeiling = expressionCostCeiling ?? base.expressionCostCeiling
        merged.assumedListLength = assumedListLength ?? base.assumedListLength
        if levels.isEmpty { merged.levels = base.levels }
        if shifts.isEmpty { merged.shifts = base.shifts }
        return merged
    }
}

extension OrgNode {
    static func read(_ node: Node) -> OrgNode? {
        guard let name = node["name"]?.name else { return nil }
        return OrgNode(
            name: name, title: node["title"]?.text, level: node["level"]?.name,
            shifts: node["shifts"]?.sequence?.compactMap(\.name) ?? [],
            children: node["children"]?.sequence?.compactMap(read) ?? [])
    }
}
