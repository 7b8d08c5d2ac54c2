import Foundation
import GridflowDefinitions
import GridflowExpressions
import GridflowRuntime
import GridflowStore
import Testing

/// Deployments on a real SQLite file and PostgreSQL database: immutable, one active per unit, cases recorded before
/// deployments taken over by the first deployment of the same files.
@Suite struct DeploymentStoreTests {
    let now = Instant("2024-09-30T09:00:00+08:00")!

    func deployment(_ version: String, message: String? = nil) -> StoredDeployment {
        StoredDeployment(
            unit: "rt", version: version, sequence: 0,
            files: [.init(path: "Workflows/rt/unit.yaml", text: "kind: Unit # \(version)\n")], deployedBy: "admin",
            deployedAt: now, message: message)
    }

    @Test(arguments: StoreKind.allCases) func deploymentsAreImmutableAndOneIsActive(_ kind: StoreKind) throws {
        try kind.with { place in try deploymentsAreImmutableAndOneIsActive(place) }
    }

    func deploymentsAreImmutableAndOneIsActive(_ place: StorePlace) throws {
        let store = try place.open()
        #expect(try store.activeDeployment(unit: "rt") == nil)
        #expect(try store.deploy(deployment("aaaa", message: "first"), adopting: []))
        #expect(try store.deploy(deployment("bbbb"), adopting: []))
        // The same version again is not stored twice, and keeps what was first recorded.
        #expect(try !store.deploy(deployment("aaaa", message: "again"), adopting: []))
        let all = try store.deployments(unit: "rt")
        #expect(all.map(\.version) == ["aaaa", "bbbb"])
        #expect(all.map(\.sequence) == [1, 2])
        #expect(all[0].message == "first")
        #expect(all[0].files == deployment("aaaa").files)
        // Deploying it again made it the active one.
        #expect(try store.activeDeployment(unit: "rt") == "aaaa")
        try store.activate(unit: "rt", version: "bbbb")
        #expect(try store.activeDeployment(unit: "rt") == "bbbb")
        #expect(throws: StoreError.self) { try store.activate(unit: "rt", version: "cccc") }
        #expect(try store.activeDeployment(unit: "rt") == "bbbb")
        #expect(try store.deployments(unit: "other").isEmpty)
        // The store reopens with them.
        let reopened = try place.open()
        #expect(try reopened.deployments(unit: "rt").count == 2)
        #expect(try reopened.deployment(unit: "rt", version: "aaaa")?.deployedBy == "admin")
    }

    @Test(arguments: StoreKind.allCases) func theFirstDeploymentTakesOverCasesRecordedBeforeDeployments(
        _ kind: StoreKind
    ) throws {
        try kind.with { place in try theFirstDeploymentTakesOverCasesRecordedBeforeDeployments(place) }
    }

    func theFirstDeploymentTakesOverCasesRecordedBeforeDeployments(_ place: StorePlace) throws {
        let store = try place.seeded()
        let fixtures = SQLiteCaseStoreTests.fixtures
        let result = Loader().load(paths: [fixtures + "/Workflows/rt", fixtures + "/Rules/rt"])
        let legacy = try Program(definitions: try #require(result.units["rt"]), version: "legacy00legacy00")
        let engine = Engine(program: legacy, store: store)
        let opened = try engine.open(
            "report", input: ["reporter": SQLiteCaseStoreTests.wang, "summary": .string("x")],
            by: Actor(id: "wang", roles: ["employee"]), now: now)
        #expect(try store.caseCounts(unit: "rt").map(\.version) == ["legacy00legacy00"])
        #expect(try store.deploy(deployment("aaaa"), adopting: ["legacy00legacy00"]))
        #expect(try store.caseCounts(unit: "rt").map(\.version) == ["aaaa"])
        #expect(try store.load(opened.id)?.definitionVersion == "aaaa")
    }
}
