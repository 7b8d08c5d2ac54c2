/// The ids people have in a unit's directory, wherever one comes in: `people import`, `--as`,
/// a scenario's or a demo's people, the `person` column of imported appraisal facts.
///
/// An id is 1 to 64 characters: a letter or digit (ASCII), then letters, digits, `.`, `_` and
/// `-`. The engine's own id, `system`, is reserved in any case of its letters, so no person can
/// act as the engine or be mistaken for it in a case's history.
public enum PersonID {
    /// The longest id.
    public static let maximumLength = 64

    /// Ids no person may have: the engine's own.
    public static let reserved: Set<String> = [Unit.Role.system]

    /// The character set, as the messages and the documentation say it.
    public static let pattern = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}"

    /// Why `id` cannot be a person's id, or `nil` when it can.
    public static func problem(_ id: String) -> String? {
        if reserved.contains(id.lowercased()) {
            return "'\(shown(id))' is the engine's own id (timers, signals, effects); no person can have it"
        }
        guard let first = id.unicodeScalars.first else { return "a person's id cannot be empty" }
        let valid =
            id.unicodeScalars.count <= maximumLength && isAlphanumeric(first)
            && id.unicodeScalars.allSatisfy { isAlphanumeric($0) || $0 == "." || $0 == "_" || $0 == "-" }
        guard valid else {
            return "'\(shown(id))' is not a person's id: 1 to \(maximumLength) letters (A-Z, a-z), digits, "
                + "'.', '_' or '-', starting with a letter or digit"
        }
        return nil
    }

    /// Why `role` cannot be given to a person, or `nil` when it can (whether the unit declares
    /// it is checked apart).
    public static func roleProblem(_ role: String) -> String? {
        role == Unit.Role.system
            ? "'system' is the engine's own role (timers, signals, effects); no person can hold it" : nil
    }

    private static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9": true
        default: false
        }
    }

    /// The id as a message shows it: control characters escaped, cut after 40 characters.
    static func shown(_ id: String) -> String {
        var text = ""
        for scalar in id.unicodeScalars.prefix(40) {
            text += scalar.properties.generalCategory == .control ? scalar.escaped(asASCII: true) : String(scalar)
        }
        return id.unicodeScalars.count > 40 ? text + "…" : text
    }
}
