import GridflowDiagnostics
import GridflowYAML

/// What changed between two sets of a unit's definitions, in the terms a process designer uses:
/// definitions added and removed; in a changed one, its states, transitions, fields, roles (any
/// named entry) added, removed or changed, and which of their settings changed from what to what.
public struct DefinitionDiff: Sendable {
    /// One change, at a place such as `workflow report` › `state escalated`.
    public struct Change: Sendable, Hashable {
        public enum Kind: String, Sendable { case added, removed, changed }
        public var kind: Kind
        /// From the definition down: `["workflow report", "transition answer", "from"]`.
        public var place: [String]
        /// For a changed setting: what it was and what it is, written as flow YAML.
        public var old: String?
        public var new: String?
    }

    public var changes: [Change]

    /// Compares the definition files `old` and `new` (path → text).
    public init(old: [String: String], new: [String: String]) {
        let before = Self.definitions(old)
        let after = Self.definitions(new)
        var changes: [Change] = []
        for key in Set(before.keys).union(after.keys).sorted(by: Self.order) {
            switch (before[key], after[key]) {
            case (nil, .some): changes.append(Change(kind: .added, place: [key]))
            case (.some, nil): changes.append(Change(kind: .removed, place: [key]))
            case (let a?, let b?): changes += Self.compare(a, b, at: [key], depth: 0)
            default: break
            }
        }
        self.changes = changes
    }

    /// The definitions of a set of files by what a designer calls them (`workflow report`,
    /// `rule set routing`, `unit oilfield`).
    static func definitions(_ files: [String: String]) -> [String: Node] {
        var found: [String: Node] = [:]
        for (path, text) in files {
            let composition = Composer.compose(SourceFile(path: path, text: text), reportDuplicateKeys: false)
            guard let root = composition.root, let kind = root["kind"]?.scalar?.value,
                let name = root["name"]?.scalar?.value
            else { continue }
            found[Self.family(kind) + " " + name] = root
        }
        return found
    }

    static func family(_ kind: String) -> String {
        switch kind {
        case "Unit": "unit"
        case "Workflow": "workflow"
        default: "rule set"
        }
    }

    /// Units first, then workflows, then rule sets, each by name.
    static func order(_ a: String, _ b: String) -> Bool {
        func rank(_ key: String) -> Int { key.hasPrefix("unit ") ? 0 : key.hasPrefix("workflow ") ? 1 : 2 }
        return (rank(a), a) < (rank(b), b)
    }

    /// Keys whose mapping holds named entries, and what one entry is called.
    static let entries: [String: String] = [
        "states": "state", "transitions": "transition", "fields": "field", "roles": "role",
        "departments": "department", "people": "person field", "timers": "timer", "dimensions": "dimension",
        "grades": "grade", "levels": "level", "tables": "table", "rules": "rule", "facts": "fact",
        "requirements": "requirement", "preferences": "preference", "routes": "route", "sections": "section",
        "decisions": "decision", "inputs": "input", "outputs": "output", "folders": "folder",
    ]

    /// The changes between two nodes at `place`.
    static func compare(_ a: Node, _ b: Node, at place: [String], depth: Int) -> [Change] {
        guard DefinitionVersion.canonical(a) != DefinitionVersion.canonical(b) else { return [] }
        guard let left = a.mapping, let right = b.mapping, depth < 3 else {
            return [Change(kind: .changed, place: place, old: flow(a), new: flow(b))]
        }
        var changes: [Change] = []
        let keys = left.pairs.compactMap(\.name) + right.pairs.compactMap(\.name).filter { left[$0] == nil }
        for key in keys {
            // `states:`, `transitions:` and the like hold entries by name.
            if let noun = entries[key], left[key].map({ $0.mapping != nil }) ?? true,
                right[key].map({ $0.mapping != nil }) ?? true
            {
                let old = left[key]?.mapping
                let new = right[key]?.mapping
                let names =
                    (old?.pairs.compactMap(\.name) ?? [])
                    + (new?.pairs.compactMap(\.name) ?? []).filter { old?[$0] == nil }
                for name in names {
                    let here = place + ["\(noun) \(name)"]
                    switch (old?[name], new?[name]) {
                    case (nil, let added?): changes.append(Change(kind: .added, place: here, new: flow(added)))
                    case (let removed?, nil): changes.append(Change(kind: .removed, place: here, old: flow(removed)))
                    case (let x?, let y?): changes += compare(x, y, at: here, depth: depth + 1)
                    default: break
                    }
                }
                continue
            }
            switch (left[key], right[key]) {
            case (nil, let added?): changes.append(Change(kind: .added, place: place + [key], new: flow(added)))
            case (let removed?, nil): changes.append(Change(kind: .removed, place: place + [key], old: flow(removed)))
            case (let x?, let y?):
                if DefinitionVersion.canonical(x) != DefinitionVersion.canonical(y) {
                    changes.append(Change(kind: .changed, place: place + [key], old: flow(x), new: flow(y)))
                }
            default: break
            }
        }
        return changes
    }

    /// A node as one line of flow YAML, shortened past `limit` characters.
    public static func flow(_ node: Node, limit: Int = 120) -> String {
        let text = written(node)
        guard text.count > limit else { return text }
        return String(text.prefix(limit - 1)) + "…"
    }

    static func written(_ node: Node) -> String {
        switch node.content {
        case .scalar(let scalar):
            if case .string = scalar.resolved,
                scalar.value.isEmpty || scalar.value.contains(where: { ",:[]{}#\n\"".contains($0) })
            {
                return DefinitionVersion.quoted(scalar.value)
            }
            return scalar.value
        case .sequence(let items): return "[" + items.map(written).joined(separator: ", ") + "]"
        case .mapping(let mapping):
            return "{" + mapping.pairs.map { written($0.key) + ": " + written($0.value) }.joined(separator: ", ") + "}"
        }
    }

    /// The changes as lines: `+` added, `-` removed, `~` changed, one place per line.
    public var text: String {
        changes.map { change in
            let mark = change.kind == .added ? "+" : change.kind == .removed ? "-" : "~"
            var line = "\(mark) " + change.place.joined(separator: " › ")
            switch change.kind {
            case .added: if change.place.count > 1, let new = change.new { line += ": \(new)" }
            case .removed: if change.place.count > 1, let old = change.old { line += " (was \(old))" }
            case .changed: line += ": \(change.old ?? "") → \(change.new ?? "")"
            }
            return line + "\n"
        }.joined()
    }
}
