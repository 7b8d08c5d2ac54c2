import ArgumentParser
import GridflowDefinitions
import GridflowDiagnostics
import GridflowExpressions
import GridflowRuntime
import GridflowStore

/// `gridflow token`: the bearer tokens `gridflow serve` authenticates with. A token speaks for
/// one person of one unit's directory; the store keeps only the SHA-256 of its secret.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Issue, list and revoke the API tokens the daemon authenticates with.",
        subcommands: [TokenIssue.self, TokenList.self, TokenRevoke.self])
}

/// What every token command takes: the store, the time, JSON.
struct TokenOptions: ParsableArguments {
    @Option(help: "The store: a SQLite file or a postgres:// URL (default: $GRIDFLOW_DB, else gridflow.sqlite).")
    var db: String?
    @Option(help: "The time to act at (ISO 8601 with offset); default: now.") var now: String?
    @Flag(help: "Print JSON for tools.") var json = false

    func validate() throws {
        if let now, Instant(now) == nil {
            throw ValidationError("--now must be a datetime such as 2024-07-01T09:00:00+08:00")
        }
    }

    /// The store as messages name it (a server's URL without its password).
    var storeName: String { StoreOptions.storeName(db) }

    var storeOptions: StoreOptions {
        get throws { try StoreOptions.parse((db.map { ["--db", $0] } ?? []) + (now.map { ["--now", $0] } ?? [])) }
    }

    /// The existing store; a token is never the first thing a store holds.
    func store() throws -> any CaseStore { try storeOptions.store() }

    func instant() throws -> Instant { try storeOptions.instant() }

    /// The unit's time zone, from its active deployment; UTC before the unit's first deployment
    /// (a directory may be imported before it).
    func zone(unit: String, store: any CaseStore) throws -> Zone {
        let deployment = try storeRun { () throws(StoreError) -> StoredDeployment? in
            guard let active = try store.activeDeployment(unit: unit) else { return nil }
            return try store.deployment(unit: unit, version: active)
        }
        guard let deployment else { return .utc }
        return try gridflow.run { () throws(EngineError) in try DeploymentCatalog.compile(deployment) }.calendar.zone
    }

    /// A token as tools read it: never its secret or its hash.
    static func fields(_ token: StoredToken, zone: Zone, now: Instant) -> [String: Value] {
        [
            "id": .string(token.id), "unit": .string(token.unit), "person": .string(token.person),
            "admin": .bool(token.admin), "label": token.label.map(Value.string) ?? .null,
            "created_at": .string(zone.text(token.createdAt)),
            "expires_at": token.expiresAt.map { .string(zone.text($0)) } ?? .null,
            "revoked_at": token.revokedAt.map { .string(zone.text($0)) } ?? .null,
            "status": .string(status(token, now: now)),
        ]
    }

    /// `active`, `expired` or `revoked` at `now`.
    static func status(_ token: StoredToken, now: Instant) -> String {
        if token.revokedAt != nil { return "revoked" }
        if let expires = token.expiresAt, now >= expires { return "expired" }
        return "active"
    }
}

struct TokenIssue: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Issue a token for a person of a unit's directory; it is printed once, alone on the last line.",
        discussion: """
            The store keeps only the SHA-256 of the token: it cannot be shown again. Keep it where the
            client reads it (a secret store, a file only its user reads) and revoke it when it leaks.
            """)

    @Option(help: "The unit whose directory the person is in.") var unit: String
    @Option(help: "The person's id in the unit's directory.") var person: String
    @Flag(help: "The token may administer the unit: deployments, rollback, migration.") var admin = false
    @Option(help: "How long it is valid: calendar time such as 90d, 12h or 2w; default: until revoked.")
    var expires: String?
    @Option(help: "A note on what the token is for, shown by 'token list'.") var label: String?
    @OptionGroup var options: TokenOptions

    func validate() throws {
        if let problem = PersonID.problem(person) { throw ValidationError("--person: \(problem)") }
        if let expires { _ = try Self.lifetime(expires) }
    }

    /// The seconds `--expires` gives: calendar time, longer than nothing.
    static func lifetime(_ text: String) throws -> Int {
        switch Span.parse(text) {
        case .failure(let problem): throw ValidationError("--expires '\(text)': \(problem)")
        case .success(.seconds(let seconds)) where seconds > 0: return seconds
        case .success(.seconds): throw ValidationError("--expires '\(text)': a token must be valid for some time")
        case .success:
            throw ValidationError(
                "--expires '\(text)': count calendar time (90d, 12h, 2w); working days depend on a calendar")
        }
    }

    func run() throws {
        let now = try options.instant()
        let expiresAt = try expires.map { text in
            guard let at = Instant.checked(now.seconds + (try Self.lifetime(text))) else {
                throw ValidationError("--expires '\(text)': it ends after the last date (9999-12-31)")
            }
            return at
        }
        let store = try options.store()
        // The person must be in the directory of that store: the daemon reads their roles there.
        let found = try storeRun { () throws(StoreError) -> StoredPerson? in
            guard try store.hasPeople(unit: unit) else { return nil }
            return try store.person(unit: unit, id: person)
        }
        guard let found else {
            let people = try storeRun { () throws(StoreError) in try store.people(unit: unit) }
            if people.isEmpty {
                throw CommandError(
                    message:
                        "no token was issued: unit '\(unit)' has no directory in \(options.storeName) (import its people with 'gridflow people import \(unit) FILE.json')",
                    status: 1)
            }
            throw CommandError(
                message:
                    "no token was issued: no person '\(person)' in the directory of \(unit) in \(options.storeName)"
                    + Suggestion.didYouMean(person, in: people.map(\.id)),
                status: 1)
        }
        // An administrator's token only for a holder of the unit's administrator role.
        if admin {
            let deployment = try storeRun { () throws(StoreError) -> StoredDeployment? in
                guard let active = try store.activeDeployment(unit: unit) else { return nil }
                return try store.deployment(unit: unit, version: active)
            }
            guard let deployment else {
                throw CommandError(
                    message:
                        "no token was issued: \(unit) is not deployed in \(options.storeName), and its administrator role is read from what is deployed ('gridflow deploy \(unit)')",
                    status: 1)
            }
            let program = try gridflow.run { () throws(EngineError) in try DeploymentCatalog.compile(deployment) }
            let engine = Engine(program: program, store: store)
            if let refusal = try gridflow.run({ () throws(EngineError) in
                try engine.administrationRefusal(of: found.id, now: now)
            }) {
                throw CommandError(message: "no token was issued: \(refusal)", status: 1)
            }
        }
        let label = label.flatMap { $0.isEmpty ? nil : $0 }
        var issued = TokenAuthority.issue(
            unit: unit, person: found.id, admin: admin, label: label, at: now, expiresAt: expiresAt)
        // A new id (40 random bits) is drawn again in the unlikely case it is taken.
        for attempt in 1...3 {
            do {
                try store.saveToken(issued.token)
                break
            } catch  where error.code == .conflict && attempt < 3 {
                issued = TokenAuthority.issue(
                    unit: unit, person: found.id, admin: admin, label: label, at: now, expiresAt: expiresAt)
            } catch {
                throw CommandError(message: error.message)
            }
        }
        let token = issued.token
        let zone = try options.zone(unit: unit, store: store)
        if options.json {
            var fields = TokenOptions.fields(token, zone: zone, now: now)
            fields["token"] = .string(issued.secret)
            FileHandleOutput.standardOutput(ValueJSON.encode(fields) + "\n")
            return
        }
        FileHandleOutput.standardOutput(
            "issued \(token.id) for \(token.person) of \(token.unit)\(token.admin ? ", administrator" : "")"
                + (token.expiresAt.map { ", expires \(zone.text($0))" } ?? ", until revoked") + "\n"
                + "the token is shown this once; the store keeps only its SHA-256:\n" + issued.secret + "\n")
    }
}

struct TokenList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List a unit's tokens: id, person, administrator, label, created, expires, revoked; never a secret.")

    @Option(help: "The unit.") var unit: String
    @OptionGroup var options: TokenOptions

    func run() throws {
        let now = try options.instant()
        let store = try options.store()
        let tokens = try storeRun { () throws(StoreError) in try store.tokens(unit: unit) }
        let zone = try options.zone(unit: unit, store: store)
        if options.json {
            let rows = tokens.map { ValueJSON.encode(TokenOptions.fields($0, zone: zone, now: now)) }
            FileHandleOutput.standardOutput("[" + rows.joined(separator: ",") + "]\n")
            return
        }
        for token in tokens {
            var line = "\(token.id)  \(token.person)  \(token.admin ? "admin" : "-")  "
            line += TokenOptions.status(token, now: now)
            line += "  created \(zone.text(token.createdAt))"
            line += "  expires " + (token.expiresAt.map(zone.text) ?? "never")
            if let revoked = token.revokedAt { line += "  revoked \(zone.text(revoked))" }
            if let label = token.label { line += "  \(ValueJSON.encode(Value.string(label)))" }
            FileHandleOutput.standardOutput(line + "\n")
        }
        FileHandleOutput.standardOutput("\(tokens.count) token\(tokens.count == 1 ? "" : "s") of \(unit)\n")
    }
}

struct TokenRevoke: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a token by its id: the daemon refuses it from then on.")

    @Argument(help: "The token's id (tok_…), as 'token list' shows it.") var id: String
    @OptionGroup var options: TokenOptions

    func validate() throws {
        // A secret pasted here is not repeated in the error.
        if id.hasPrefix(TokenAuthority.prefix) {
            throw ValidationError(
                "that is a token itself, not its id; revoke takes the id (\(TokenAuthority.idPrefix)…) 'gridflow token list --unit UNIT' shows"
            )
        }
    }

    func run() throws {
        let now = try options.instant()
        let store = try options.store()
        guard try storeRun({ () throws(StoreError) in try store.revokeToken(id: id, at: now) }) else {
            throw CommandError(message: "no token '\(id)' in \(options.storeName)", status: 1)
        }
        if options.json {
            FileHandleOutput.standardOutput(ValueJSON.encode(["id": .string(id), "revoked": .bool(true)]) + "\n")
            return
        }
        FileHandleOutput.standardOutput("revoked \(id)\n")
    }
}
