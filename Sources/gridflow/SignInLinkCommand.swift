import ArgumentParser
import Foundation
import GridflowDefinitions
import GridflowDiagnostics
import GridflowExpressions
import GridflowRuntime
import GridflowServer
import GridflowStore

/// `gridflow signin-link`: a one-time link that signs a person of a unit's directory in to the
/// daemon's pages. The store keeps only the SHA-256 of its code.
struct SignInLinkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signin-link",
        abstract:
            "Issue a one-time link that signs a person in to the daemon's pages; it is printed alone on the last line.",
        discussion: """
            The link is BASE/signin?code=CODE, BASE being --base-url or the environment variable \
            GRIDFLOW_PUBLIC_URL. Opening it signs the person in once (a session cookie for 12 hours); \
            the store keeps only the SHA-256 of the code, so it cannot be shown again.
            """)

    @Option(help: "The unit whose directory the person is in.") var unit: String
    @Option(help: "The person's id in the unit's directory.") var person: String
    @Option(help: "How long the link may be used: calendar time such as 1d, 12h or 30m.") var expires = "1d"
    @Option(name: .customLong("base-url"), help: "The daemon's public URL; default: $GRIDFLOW_PUBLIC_URL.")
    var baseURL: String?
    @OptionGroup var options: TokenOptions

    func validate() throws {
        if let problem = PersonID.problem(person) { throw ValidationError("--person: \(problem)") }
        _ = try TokenIssue.lifetime(expires)
    }

    func run() throws {
        let base = try QRCommand.base(baseURL, environment: ProcessInfo.processInfo.environment)
        let now = try options.instant()
        let seconds = try TokenIssue.lifetime(expires)
        guard Instant.checked(now.seconds + seconds) != nil else {
            throw ValidationError("--expires '\(expires)': it ends after the last date (9999-12-31)")
        }
        let store = try options.store()
        let found = try storeRun { () throws(StoreError) -> StoredPerson? in
            guard try store.hasPeople(unit: unit) else { return nil }
            return try store.person(unit: unit, id: person)
        }
        guard let found else {
            let people = try storeRun { () throws(StoreError) in try store.people(unit: unit) }
            if people.isEmpty {
                throw CommandError(
                    message:
                        "no link was issued: unit '\(unit)' has no directory in \(options.storeName) (import its people with 'gridflow people import \(unit) FILE.json')",
                    status: 1)
            }
            throw CommandError(
                message: "no link was issued: no person '\(person)' in the directory of \(unit) in \(options.storeName)"
                    + Suggestion.didYouMean(person, in: people.map(\.id)),
                status: 1)
        }
        let code = try storeRun { () throws(StoreError) in
            try WebSignIn.issue(unit: unit, person: found.id, at: now, seconds: seconds, store: store)
        }
        let zone = try options.zone(unit: unit, store: store)
        let url = WebSignIn.url(base: base, code: code)
        let expiresAt = Instant(seconds: now.seconds + seconds)
        if options.json {
            let fields: [String: Value] = [
                "unit": .string(unit), "person": .string(found.id), "url": .string(url),
                "expires_at": .string(zone.text(expiresAt)),
            ]
            FileHandleOutput.standardOutput(ValueJSON.encode(fields) + "\n")
            return
        }
        FileHandleOutput.standardOutput(
            "sign-in link for \(found.id) of \(unit), usable once until \(zone.text(expiresAt)); the store keeps only its SHA-256:\n"
                + url + "\n")
    }
}
