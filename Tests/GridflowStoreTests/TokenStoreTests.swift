import Foundation
import GridflowExpressions
import GridflowRuntime
import GridflowStore
import Testing

/// The API tokens of the stores (SQLite's migration `v8: API tokens`) on a real file and database.
@Suite struct TokenStoreTests {
    let now = Instant("2026-03-02T09:00:00+08:00")!

    func token(_ id: String, unit: String = "rt", secret: String) -> StoredToken {
        StoredToken(
            id: id, secretHash: TokenAuthority.hash(secret), unit: unit, person: "wang", admin: id.hasSuffix("1"),
            label: id == "tok_0000000001" ? "ci" : nil, createdAt: now, expiresAt: Instant(seconds: now.seconds + 60))
    }

    @Test(arguments: StoreKind.allCases) func tokensAreSavedFoundByHashListedByUnitAndRevokedOnce(_ kind: StoreKind)
        throws
    {
        try kind.with { place in try tokensAreSavedFoundByHashListedByUnitAndRevokedOnce(place) }
    }

    func tokensAreSavedFoundByHashListedByUnitAndRevokedOnce(_ place: StorePlace) throws {
        let store = try place.open()
        let first = token("tok_0000000001", secret: "gf_one")
        let second = token("tok_0000000002", secret: "gf_two")
        try store.saveToken(first)
        try store.saveToken(second)
        try store.saveToken(token("tok_0000000003", unit: "other", secret: "gf_three"))
        #expect(try store.tokens(unit: "rt") == [first, second])
        #expect(try store.token(hash: TokenAuthority.hash("gf_two")) == second)
        #expect(try store.token(hash: TokenAuthority.hash("gf_four")) == nil)

        // A second token with the same id or the same secret is a conflict, and nothing changes.
        for duplicate in [token("tok_0000000001", secret: "gf_five"), token("tok_0000000009", secret: "gf_one")] {
            #expect(throws: StoreError.self) { try store.saveToken(duplicate) }
            do { try store.saveToken(duplicate) } catch { #expect(error.code == .conflict) }
        }
        #expect(try store.tokens(unit: "rt").count == 2)

        // Revoking keeps the first time; an unknown id is not revoked.
        #expect(try store.revokeToken(id: first.id, at: Instant(seconds: now.seconds + 5)))
        #expect(try store.revokeToken(id: first.id, at: Instant(seconds: now.seconds + 50)))
        #expect(try !store.revokeToken(id: "tok_ffffffffff", at: now))
        #expect(try store.token(hash: first.secretHash)?.revokedAt == Instant(seconds: now.seconds + 5))
        #expect(try store.token(hash: second.secretHash)?.revokedAt == nil)
    }
}
