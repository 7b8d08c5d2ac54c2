import Foundation
import GridflowExpressions
import GridflowStore
import Testing

@testable import GridflowPostgres
@testable import GridflowRuntime

/// The sign-in and receipt answers as text, so that the tests compare them across stores.
extension CaseStore {
    func redeem(hash: String, at now: Instant, session: String, sessionExpiresAt: Instant) throws(StoreError)
        -> String
    {
        "\(try redeemSignInCode(hash: hash, at: now, session: session, sessionExpiresAt: sessionExpiresAt))"
    }
    func session(hash: String, at now: Instant) throws(StoreError) -> String? {
        try webSession(hash: hash, at: now).map { "\($0.unit) \($0.person) \($0.expiresAt)" }
    }
    func receiptText(hash: String) throws(StoreError) -> String? {
        try receipt(hash: hash).map { "\($0.unit) \($0.caseID) \($0.createdAt)" }
    }
}

/// A SQLite store and a PostgreSQL store, both new, which the same calls are made on.
struct StorePair {
    let sqlite: SQLiteCaseStore
    let postgres: PostgresCaseStore
    var stores: [any CaseStore] { [sqlite, postgres] }

    /// Runs `body` with a new pair: a SQLite file of its own, an empty PostgreSQL database.
    static func with(_ body: (StorePair) throws -> Void) throws {
        try PostgresServer.withDatabase { location in
            let path = FileManager.default.temporaryDirectory.appendingPathComponent(
                "gridflow-pair-\(UUID().uuidString).sqlite"
            ).path
            defer {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            }
            let postgres = try PostgresCaseStore(location: location)
            defer { postgres.close() }
            try body(StorePair(sqlite: try SQLiteCaseStore(path: path), postgres: postgres))
        }
    }

    /// What a call came to: its value, or the code of the store error it threw.
    enum Answer<T: Equatable>: Equatable, CustomStringConvertible {
        case value(T)
        case failed(StoreError.Code)

        var value: T? {
            if case .value(let value) = self { return value }
            return nil
        }
        var description: String {
            switch self {
            case .value(let value): "\(value)"
            case .failed(let code): "error \(code)"
            }
        }
    }

    /// Makes the same call on both stores and expects the same answer; returns SQLite's.
    @discardableResult
    func same<T: Equatable>(
        sourceLocation: SourceLocation = #_sourceLocation, _ call: (any CaseStore) throws(StoreError) -> T
    ) -> Answer<T> {
        let answers = stores.map { store -> Answer<T> in
            do throws(StoreError) { return .value(try call(store)) } catch { return .failed(error.code) }
        }
        #expect(answers[0] == answers[1], "SQLite, then PostgreSQL", sourceLocation: sourceLocation)
        return answers[0]
    }

    /// `same` for a call that returns nothing: `true` when it did not throw.
    @discardableResult
    func same(
        sourceLocation: SourceLocation = #_sourceLocation, _ call: (any CaseStore) throws(StoreError) -> Void
    ) -> Answer<Bool> {
        same(sourceLocation: sourceLocation) { store throws(StoreError) -> Bool in
            try call(store)
            return true
        }
    }

    /// `same` for a call that returns nothing, expecting it to succeed.
    func done(
        sourceLocation: SourceLocation = #_sourceLocation, _ call: (any CaseStore) throws(StoreError) -> Void
    ) {
        let answer = same(sourceLocation: sourceLocation, call)
        #expect(answer == .value(true), "SQLite answered \(answer)", sourceLocation: sourceLocation)
    }

    /// `same`, expecting a value.
    @discardableResult
    func value<T: Equatable>(
        sourceLocation: SourceLocation = #_sourceLocation, _ call: (any CaseStore) throws(StoreError) -> T
    ) throws -> T {
        let answer = same(sourceLocation: sourceLocation, call)
        return try #require(answer.value, "SQLite answered \(answer)", sourceLocation: sourceLocation)
    }
}

/// Cases to hang notifications, incidents and receipts on: opened by a step committed as it is
/// (no workflow definitions needed), with effects in the outbox.
enum Fixture {
    static let now = Instant("2026-03-02T09:00:00+08:00")!
    static let layout = RecordLayout(names: ["title"])

    static func at(_ offset: Int) -> Instant { Instant(seconds: now.seconds + offset) }

    /// The step that opens case `id` of `unit` with `effects`.
    static func opening(_ id: String, unit: String = "rt", effects: [EffectRequest] = []) -> Step {
        let fields = Record(layout: layout, slots: [.string(id)])
        return Step(
            next: CaseSnapshot(
                id: id, unit: unit, workflow: "report", definitionVersion: "v1", state: "open", fields: fields,
                version: 0, openedAt: now, updatedAt: now, parent: nil),
            history: HistoryEntry(
                at: now, actor: "wang", event: "open", transition: nil, from: nil, to: "open",
                changes: [FieldChange(field: "title", old: .null, new: .string(id))]),
            startTimers: [], cancelTimers: false, effects: effects, incidents: [], snapshot: true)
    }
}
