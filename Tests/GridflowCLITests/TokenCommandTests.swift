import Foundation
import GridflowExpressions
import GridflowRuntime
import GridflowStore
import Testing

/// `gridflow token issue|list|revoke`, run as a user would, and the tokens it prints checked by
/// `TokenAuthority` against the same SQLite file, as the daemon will check them.
@Suite struct TokenCommandTests: Workspace {
    let directory: URL

    init() throws {
        directory = try Self.makeFolder("tokens")
        try importOilfieldPeople()
    }

    var storePath: String { directory.appendingPathComponent("gridflow.sqlite").path }

    /// Runs a token command in the folder (token commands take no `--root`).
    func token(_ arguments: [String]) throws -> Run {
        try gridflow(["token"] + arguments, in: directory)
    }

    func store() throws -> SQLiteCaseStore { try SQLiteCaseStore(path: storePath, opening: .existing) }

    /// The last line of what `issue` printed: the token, alone.
    func secret(_ run: Run) -> String {
        String(run.stdout.split(separator: "\n").last ?? "")
    }

    static let now = Instant("2026-03-02T09:00:00+08:00")!

    @Test func anIssuedTokenAuthenticatesUntilItIsRevoked() throws {
        // Deployed, the unit's time zone (Asia/Shanghai) is known: times are shown in it.
        let deploy = try gf(["deploy", "oilfield"])
        #expect(deploy.status == 0, "\(deploy.stderr)")
        let issued = try token([
            "issue", "--unit", "oilfield", "--person", "wang", "--label", "wang's phone", "--now",
            "2026-03-01T09:00:00+08:00",
        ])
        #expect(issued.status == 0, "\(issued.stderr)")
        let secret = secret(issued)
        #expect(TokenAuthority.isWellFormed(secret), "\(issued.stdout)")
        #expect(secret.hasPrefix("gf_") && secret.count == 67)
        // Only the last line is the token; the lines before say what it is, without it.
        let before = issued.stdout.split(separator: "\n").dropLast().joined(separator: "\n")
        #expect(before.contains("for wang of oilfield") && before.contains("until revoked"), "\(issued.stdout)")
        #expect(!before.contains(secret))

        let caller = try TokenAuthority.authenticate(presented: secret, now: Self.now, store: store()).get()
        #expect(caller.unit == "oilfield" && caller.person == "wang" && !caller.admin)
        #expect(caller.tokenID.hasPrefix("tok_") && caller.tokenID.count == 14)
        #expect(issued.stdout.hasPrefix("issued \(caller.tokenID) "))

        // An administrator's token only for a holder of the unit's administrator role.
        let notAdministrator = try token(["issue", "--unit", "oilfield", "--person", "zhang", "--admin"])
        #expect(notAdministrator.status == 1)
        #expect(
            notAdministrator.stderr.contains(
                "'zhang' does not hold oilfield's administrator role 'unit_administrator'"),
            "\(notAdministrator.stderr)")
        let admins = try write(
            "admins.json",
            #"[{"id": "zhang", "name": "张", "roles": ["plant_discipline_committee", "unit_administrator"], "#
                + Self.oilfieldPerson + "}]")
        #expect(try gf(["people", "import", "oilfield", admins]).status == 0)
        // An administrator's token, in JSON; each issue makes a new secret.
        let admin = try token(["issue", "--unit", "oilfield", "--person", "zhang", "--admin", "--json"])
        #expect(admin.status == 0, "\(admin.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(admin.stdout.utf8)) as? [String: Any])
        let adminSecret = try #require(object["token"] as? String)
        #expect(adminSecret != secret)
        #expect(object["person"] as? String == "zhang" && object["admin"] as? Bool == true)
        #expect(object["unit"] as? String == "oilfield" && object["expires_at"] is NSNull)
        let adminCaller = try TokenAuthority.authenticate(presented: adminSecret, now: Self.now, store: store()).get()
        #expect(adminCaller.admin && adminCaller.person == "zhang" && adminCaller.tokenID == object["id"] as? String)

        // The list shows both, in the unit's time zone, never a secret or its hash.
        let list = try token(["list", "--unit", "oilfield", "--now", "2026-03-02T09:00:00+08:00"])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(
            list.stdout.contains(
                "\(caller.tokenID)  wang  -  active  created 2026-03-01T09:00:00+08:00  expires never  \"wang's phone\"\n"
            ),
            "\(list.stdout)")
        #expect(list.stdout.contains("\(adminCaller.tokenID)  zhang  admin  active"))
        #expect(list.stdout.hasSuffix("2 tokens of oilfield\n"))
        let listJSON = try token(["list", "--unit", "oilfield", "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(listJSON.stdout.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["id"] as? String } == [caller.tokenID, adminCaller.tokenID])
        #expect(rows.allSatisfy { $0["token"] == nil && $0["status"] as? String == "active" })
        for shown in [list.stdout, listJSON.stdout] {
            for hidden in [secret, adminSecret, TokenAuthority.hash(secret), TokenAuthority.hash(adminSecret)] {
                #expect(!shown.contains(hidden))
            }
        }
        #expect(try token(["list", "--unit", "telecom"]).stdout == "0 tokens of telecom\n")

        // Revoked: refused from then on, the other token still works.
        let revoke = try token(["revoke", caller.tokenID, "--now", "2026-03-02T10:00:00+08:00"])
        #expect(revoke.status == 0 && revoke.stdout == "revoked \(caller.tokenID)\n", "\(revoke.stderr)")
        let refused = try TokenAuthority.authenticate(presented: secret, now: Self.now, store: store())
        #expect(refused == .failure(.revoked(id: caller.tokenID, at: Instant("2026-03-02T02:00:00Z")!)))
        if case .failure(let problem) = refused {
            #expect(problem.message == "token \(caller.tokenID) was revoked at 2026-03-02T02:00:00Z")
        }
        #expect(
            try TokenAuthority.authenticate(presented: adminSecret, now: Self.now, store: store())
                == .success(adminCaller))
        let after = try token(["list", "--unit", "oilfield"])
        #expect(after.stdout.contains("wang  -  revoked") && after.stdout.contains("revoked 2026-03-02T10:00:00+08:00"))
        // Revoking again keeps the first time; an unknown id and a pasted secret are refused.
        #expect(try token(["revoke", caller.tokenID]).status == 0)
        #expect(try token(["list", "--unit", "oilfield"]).stdout.contains("revoked 2026-03-02T10:00:00+08:00"))
        let unknown = try token(["revoke", "tok_0000000000"])
        #expect(unknown.status == 1 && unknown.stderr.contains("no token 'tok_0000000000'"), "\(unknown.stderr)")
        let pasted = try token(["revoke", adminSecret])
        #expect(pasted.status == 2 && pasted.stderr.contains("not its id"), "\(pasted.stderr)")
        #expect(!pasted.stderr.contains(adminSecret) && !pasted.stdout.contains(adminSecret))
    }

    @Test func aTokenExpiresAtItsTime() throws {
        let issued = try token([
            "issue", "--unit", "oilfield", "--person", "li", "--expires", "12h", "--now", "2026-03-01T09:00:00+08:00",
        ])
        #expect(issued.status == 0, "\(issued.stderr)")
        // Before a deployment the unit's time zone is not known: UTC.
        #expect(issued.stdout.contains(", expires 2026-03-01T13:00:00Z\n"), "\(issued.stdout)")
        let secret = secret(issued)
        let expiry = Instant("2026-03-01T21:00:00+08:00")!
        let justBefore = Instant(seconds: expiry.seconds - 1)
        let caller = try TokenAuthority.authenticate(presented: secret, now: justBefore, store: store()).get()
        #expect(caller.person == "li")
        for now in [expiry, Instant("2027-01-01T00:00:00Z")!] {
            let refused = try TokenAuthority.authenticate(presented: secret, now: now, store: store())
            #expect(refused == .failure(.expired(id: caller.tokenID, at: expiry)))
        }
        let list = try token(["list", "--unit", "oilfield", "--now", "2026-03-01T21:00:00+08:00", "--json"])
        #expect(list.stdout.contains(#""status":"expired""#), "\(list.stdout)")
        // Two weeks.
        let weeks = try token(["issue", "--unit", "oilfield", "--person", "li", "--expires", "2w", "--json"])
        #expect(weeks.status == 0 && weeks.stdout.contains(#""expires_at":"20"#), "\(weeks.stderr)")
    }

    @Test func malformedAndUnknownTokensAreRefusedWithoutRepeatingThem() throws {
        let store = try store()
        let unknown = "gf_" + String(repeating: "ab", count: 32)
        let cases: [(String, TokenProblem)] = [
            (unknown, .unknown),
            ("gf_" + String(repeating: "AB", count: 32), .malformed),
            ("gf_" + String(repeating: "ab", count: 31), .malformed),
            (unknown + "0", .malformed),
            ("hunter2-secret", .malformed),
            ("", .malformed),
        ]
        for (presented, expected) in cases {
            let result = try TokenAuthority.authenticate(presented: presented, now: Self.now, store: store)
            #expect(result == .failure(expected), "\(presented)")
            if case .failure(let problem) = result, !presented.isEmpty {
                #expect(!problem.message.contains(presented) && !problem.message.contains("hunter2"))
            }
        }
        #expect(TokenAuthority.bearer(fromAuthorization: "Bearer \(unknown)") == unknown)
        #expect(TokenAuthority.bearer(fromAuthorization: "  bearer   \(unknown) ") == unknown)
        #expect(TokenAuthority.bearer(fromAuthorization: "Basic dXNlcjpwYXNz") == nil)
        #expect(TokenAuthority.bearer(fromAuthorization: "Bearer ") == nil)
        #expect(TokenAuthority.bearer(fromAuthorization: "Bearer") == nil)
    }

    @Test func anUnknownPersonUnitOrDurationIssuesNothing() throws {
        let refusals: [([String], Int32, String)] = [
            (["--unit", "oilfield", "--person", "wangg"], 1, "no person 'wangg' in the directory of oilfield"),
            (["--unit", "telecom", "--person", "wang"], 1, "unit 'telecom' has no directory in gridflow.sqlite"),
            (["--unit", "oilfeld", "--person", "wang"], 1, "unit 'oilfeld' has no directory"),
            (["--unit", "oilfield", "--person", "wang", "--expires", "90x"], 2, "--expires '90x'"),
            (["--unit", "oilfield", "--person", "wang", "--expires", "5wd"], 2, "count calendar time"),
            (["--unit", "oilfield", "--person", "wang", "--expires", "0d"], 2, "valid for some time"),
            (["--unit", "oilfield", "--person", "wang", "--expires", "1y"], 2, "--expires '1y'"),
            (["--unit", "oilfield", "--person", "system"], 2, "--person: 'system' is the engine's own id"),
            (["--unit", "oilfield", "--person", "wang", "--db", "missing.sqlite"], 2, "no store at missing.sqlite"),
        ]
        for (arguments, status, message) in refusals {
            let run = try token(["issue"] + arguments)
            #expect(run.status == status, "\(arguments): \(run.stderr)")
            #expect(run.stderr.contains(message), "\(arguments): \(run.stderr)")
            #expect(run.stdout.isEmpty, "\(arguments): \(run.stdout)")
        }
        #expect(
            try gridflow(["token", "issue", "--unit", "oilfield", "--person", "wangg"], in: directory).stderr
                .contains("did you mean 'wang'?"))
        for unit in ["oilfield", "telecom", "oilfeld"] { #expect(try store().tokens(unit: unit).isEmpty) }
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("missing.sqlite").path))
    }

    /// The store holds each token's SHA-256 and never the token: not in the database, nor in
    /// its write-ahead log or shared memory, whatever has been checkpointed.
    @Test func theSecretIsNeverInTheStoresBytes() throws {
        var secrets: [String] = []
        for person in ["wang", "zhang", "li"] {
            let run = try token(["issue", "--unit", "oilfield", "--person", person, "--expires", "90d"])
            #expect(run.status == 0, "\(run.stderr)")
            secrets.append(secret(run))
        }
        let revoked = try token(["list", "--unit", "oilfield", "--json"])
        let ids = try #require(try JSONSerialization.jsonObject(with: Data(revoked.stdout.utf8)) as? [[String: Any]])
            .compactMap { $0["id"] as? String }
        #expect(ids.count == 3)
        #expect(try token(["revoke", ids[0]]).status == 0)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            $0.hasPrefix("gridflow.sqlite")
        }
        #expect(names.contains("gridflow.sqlite"))
        let bytes = try names.map { try Data(contentsOf: directory.appendingPathComponent($0)) }
        func stored(_ text: String) -> Bool { bytes.contains { $0.range(of: Data(text.utf8)) != nil } }
        for secret in secrets {
            // The hash is there (the files read are the store's), the secret and its random part not.
            #expect(stored(TokenAuthority.hash(secret)))
            #expect(!stored(secret))
            #expect(!stored(String(secret.dropFirst(3).prefix(16))))
        }
    }
}
