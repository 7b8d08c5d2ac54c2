import GridflowExpressions
import GridflowRuntime
import Testing

@testable import GridflowServer

/// What a request read with its token is used once, for its own unit: a later call in the same
/// request (after it deployed or imported) reads the store again.
struct RequestFactsTests {
    static func token(unit: String) -> StoredToken {
        StoredToken(
            id: "tok_0000000001", secretHash: String(repeating: "0", count: 64), unit: unit, person: "wang",
            admin: false, label: nil, createdAt: Instant(seconds: 0), expiresAt: nil)
    }

    @Test func eachFactIsTakenOnceAndOnlyForTheTokensUnit() {
        let stamp = DirectoryStamp(people: 3, appointments: 17)
        let facts = RequestFacts(TokenFacts(token: Self.token(unit: "rt"), activeDeployment: "v1", personStamp: stamp))
        #expect(facts.takeActiveDeployment(unit: "other") == nil)
        #expect(facts.takePersonStamp(unit: "other", person: "wang") == nil)
        #expect(facts.takePersonStamp(unit: "rt", person: "li") == nil)
        #expect(facts.takeActiveDeployment(unit: "rt") == .some("v1"))
        #expect(facts.takeActiveDeployment(unit: "rt") == nil)
        #expect(facts.takePersonStamp(unit: "rt", person: "wang") == stamp)
        #expect(facts.takePersonStamp(unit: "rt", person: "wang") == nil)
    }

    @Test func aCaseReadAheadIsTakenOnceAndOnlyByItsID() {
        let stored = StoredCase(
            id: "rt-report-1", unit: "rt", workflow: "report", definitionVersion: "v1", state: "open",
            fieldsJSON: "{}", version: 2, openedAt: Instant(seconds: 0), updatedAt: Instant(seconds: 5), parent: nil)
        let facts = RequestFacts(
            TokenFacts(
                token: Self.token(unit: "rt"), activeDeployment: "v1",
                personStamp: DirectoryStamp(people: 0, appointments: 0),
                readAhead: ReadAhead(id: "rt-report-1", stored: stored)))
        #expect(facts.takeCase(id: "rt-report-2") == nil)
        #expect(facts.takeCase(id: "rt-report-1") == .some(stored))
        #expect(facts.takeCase(id: "rt-report-1") == nil)
        // A case the store did not hold is a fact too: known missing (`.some(nil)`).
        let missing = RequestFacts(
            TokenFacts(
                token: Self.token(unit: "rt"), activeDeployment: "v1",
                personStamp: DirectoryStamp(people: 0, appointments: 0), readAhead: ReadAhead(id: "x", stored: nil)))
        #expect(missing.takeCase(id: "x") == .some(nil))
    }

    @Test func theCaseOfAPathIsTheOneAfterCases() {
        #expect(GateMiddleware.caseID(in: "/v1/cases/rt-report-1") == "rt-report-1")
        #expect(GateMiddleware.caseID(in: "/v1/cases/rt-report-1/events/approve") == "rt-report-1")
        for path in ["/v1/cases", "/v1/cases/", "/v1/tasks", "/cases/x/y", "/v2/cases/x", "v1/cases/x"] {
            #expect(GateMiddleware.caseID(in: path) == nil, "\(path)")
        }
    }

    @Test func aUnitWithNoDeploymentIsAFactToo() {
        let facts = RequestFacts(
            TokenFacts(
                token: Self.token(unit: "rt"), activeDeployment: nil,
                personStamp: DirectoryStamp(people: 0, appointments: 0)))
        // Known to have none (`.some(nil)`), not unknown (`nil`): the request need not read it.
        #expect(facts.takeActiveDeployment(unit: "rt") == .some(nil))
        #expect(facts.takeActiveDeployment(unit: "rt") == nil)
    }
}
