import GridflowDefinitions

/// A unit's shared file spaces compiled for deciding who may do what in them.
public struct CompiledFileSpace: Sendable {
    /// One space: the group of the holders of its `members` role.
    public struct Space: Sendable, Hashable {
        public let name: String
        public let title: String?
        public let members: String
    }

    public let name: String
    public let spaces: [Space]
    /// The role that shares into every space, if any.
    public let sharer: String?
    /// The role that maintains the folders of every space, if any.
    public let maintainer: String?
    /// The folders' names, in the order written: the keys files are filed under.
    public let folders: [String]
    /// The folders' titles (in the unit's language), by name; a folder without one has none here.
    public let folderTitles: [String: String]
    /// Who may do each action, in the order written.
    public let permissions: [FileAction: [Permission.Who]]

    init(_ space: FileSpace) {
        name = space.name.text
        spaces = space.spaces.map { Space(name: $0.name.text, title: $0.title, members: $0.members?.text ?? "") }
        sharer = space.sharedBy?.text
        maintainer = space.maintainedBy?.text
        folders = space.folders.map(\.name.text)
        folderTitles = Dictionary(
            space.folders.compactMap { folder in folder.title.map { (folder.name.text, $0) } },
            uniquingKeysWith: { first, _ in first })
        permissions = Dictionary(space.permissions.map { ($0.action, $0.permission.who) }) { first, _ in first }
    }

    /// The title people read for the folder `name`: its title, else its name.
    public func title(ofFolder name: String) -> String { folderTitles[name] ?? name }

    /// The space named `name`.
    public func space(_ name: String) -> Space? { spaces.first { $0.name == name } }
}

/// Whether a person may do an action in a file space, and why: a pure decision over the space's
/// definition, the person's roles (from the directory and the appointments of cases) and who
/// uploaded the file.
public enum FileAccess {
    public struct Decision: Sendable, Hashable {
        public var allowed: Bool
        /// One sentence: who may, and what the person holds.
        public var reason: String
    }

    /// Whether `actor` may do `action` in `space` of `fileSpace`, on a file uploaded by `owner`
    /// (`nil` when not given). Every action but `view` needs `view` too: no one acts on what
    /// they may not see.
    public static func decide(
        _ fileSpace: CompiledFileSpace, space: CompiledFileSpace.Space, actor: Actor, action: FileAction,
        owner: String?
    ) -> Decision {
        let head = "\(actor.id) may not \(verb(action)) in space \(space.name)"
        if action != .view {
            let view = fileSpace.permissions[.view] ?? [.word(.nobody)]
            if !view.contains(where: { grants($0, fileSpace, space: space, actor: actor, owner: owner) != nil }) {
                return Decision(
                    allowed: false,
                    reason: head + ", as they may not view it: "
                        + refusal(view, fileSpace, space: space, actor: actor, owner: owner))
            }
        }
        let who = fileSpace.permissions[action] ?? [.word(.nobody)]
        for entry in who {
            if let because = grants(entry, fileSpace, space: space, actor: actor, owner: owner) {
                return Decision(
                    allowed: true, reason: "\(actor.id) may \(verb(action)) in space \(space.name): \(because)")
            }
        }
        return Decision(
            allowed: false, reason: head + ": " + refusal(who, fileSpace, space: space, actor: actor, owner: owner))
    }

    /// Why `entry` lets the actor, or `nil` when it does not.
    static func grants(
        _ entry: Permission.Who, _ fileSpace: CompiledFileSpace, space: CompiledFileSpace.Space, actor: Actor,
        owner: String?
    ) -> String? {
        switch entry {
        case .word(.everyone): return "everyone of the unit may"
        case .word(.nobody): return nil
        case .word(.members):
            return actor.roles.contains(space.members) ? "they hold \(space.members), the space's members" : nil
        case .word(.sharer):
            guard let sharer = fileSpace.sharer, actor.roles.contains(sharer) else { return nil }
            return "they hold \(sharer), which shares into every space"
        case .word(.maintainer):
            guard let maintainer = fileSpace.maintainer, actor.roles.contains(maintainer) else { return nil }
            return "they hold \(maintainer), which maintains the folders"
        case .word(.owner):
            return owner == actor.id ? "they uploaded the file" : nil
        case .role(let role):
            return actor.roles.contains(role) ? "they hold \(role)" : nil
        }
    }

    /// Who may, and what the actor is, for a refusal.
    static func refusal(
        _ who: [Permission.Who], _ fileSpace: CompiledFileSpace, space: CompiledFileSpace.Space, actor: Actor,
        owner: String?
    ) -> String {
        if who.contains(.word(.nobody)) { return "nobody may" }
        let may = who.map { entry -> String in
            switch entry {
            case .word(.members): "holders of \(space.members) (the space's members)"
            case .word(.sharer): "holders of \(fileSpace.sharer ?? "?") (who share into every space)"
            case .word(.maintainer): "holders of \(fileSpace.maintainer ?? "?") (who maintain the folders)"
            case .word(.owner): "who uploaded the file"
            case .word(let word): word.rawValue
            case .role(let role): "holders of \(role)"
            }
        }
        let roles = actor.roles.subtracting([Actor.system.id]).sorted()
        var facts = [roles.isEmpty ? "they hold no role" : "they hold \(roles.joined(separator: ", "))"]
        if who.contains(.word(.owner)) {
            facts.append(owner.map { "the file is \($0)'s" } ?? "no owner of the file was given")
        }
        return "only " + list(may) + " may; " + facts.joined(separator: " and ")
    }

    /// The action as a verb phrase.
    static func verb(_ action: FileAction) -> String {
        switch action {
        case .view: "view files"
        case .download: "download files"
        case .upload: "upload files"
        case .delete: "delete this file"
        case .move: "move this file"
        case .manageFolders: "create, rename or remove folders"
        }
    }

    /// `a`, `a or b`, `a, b or c`.
    static func list(_ items: [String]) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " or " + items.last!
    }
}
