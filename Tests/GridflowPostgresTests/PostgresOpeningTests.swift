import Foundation
import Synchronization
import Testing

@testable import GridflowPostgres
@testable import GridflowRuntime

/// Opening a PostgreSQL store: URLs, migrations once, foreign and newer databases refused untouched.
@Suite(PostgresServer.available) struct PostgresOpeningTests {
    @Test func anEmptyDatabaseGetsTheSchemaOnceAndReopens() throws {
        try PostgresServer.withDatabase { location in
            let first = try PostgresCaseStore(location: location)
            #expect(first.created)
            first.close()
            let again = try PostgresCaseStore(location: location, opening: .existing)
            #expect(!again.created)
            #expect(try again.newCaseID(unit: "rt", workflow: "report") == "rt-report-1")
            again.close()
        }
    }

    @Test func severalProcessesOpeningAtOnceMigrateOnce() async throws {
        try PostgresServer.withDatabase { location in
            let created = Mutex(0)
            DispatchQueue.concurrentPerform(iterations: 6) { _ in
                if let store = try? PostgresCaseStore(location: location) {
                    if store.created { created.withLock { $0 += 1 } }
                    store.close()
                }
            }
            #expect(created.withLock { $0 } == 1)
        }
    }

    @Test func anEmptyDatabaseIsMissingWhenOnlyAnExistingStoreMayOpen() throws {
        _ = try PostgresServer.withDatabase { location in
            #expect {
                try PostgresCaseStore(location: location, opening: .existing)
            } throws: { error in
                (error as? StoreError)?.code == .missing
            }
        }
    }

    @Test func aForeignDatabaseIsRefusedUntouched() throws {
        try PostgresServer.withDatabase { location in
            try PostgresServer.run(location, "CREATE TABLE invoices (id INT PRIMARY KEY)")
            let error = #expect(throws: StoreError.self) { try PostgresCaseStore(location: location) }
            #expect(error?.code == .notAStore)
            #expect(error?.message.contains("invoices") == true)
            // Nothing of ours was created: opening again still sees a foreign database.
            #expect(throws: StoreError.self) { try PostgresCaseStore(location: location) }
        }
    }

    @Test func aStoreOfANewerGridflowIsRefused() throws {
        try PostgresServer.withDatabase { location in
            try PostgresCaseStore(location: location).close()
            try PostgresServer.run(location, "INSERT INTO gridflow_migrations (identifier) VALUES ('v99: the future')")
            let error = #expect(throws: StoreError.self) { try PostgresCaseStore(location: location) }
            #expect(error?.code == .newerSchema)
            #expect(error?.message.contains("v99: the future") == true)
        }
    }

    @Test(arguments: [
        ("mysql://x@y/z", "not a PostgreSQL URL"),
        ("postgres://host/db", "names no user"),
        ("postgres://u@h:0/db", "port 0"),
        ("postgres://u@h/db?sslmode=maybe", "sslmode=maybe"),
        ("postgres://u@h/db?pool_size=0", "pool_size=0"),
        ("postgres://u@h/db?colour=blue", "'colour' is unknown"),
    ])
    func badURLsAreRefusedNamingThePart(url: String, says: String) {
        let error = #expect(throws: StoreError.self) { try PostgresLocation(url: url) }
        #expect(error?.message.contains(says) == true, "\(error?.message ?? "")")
    }

    @Test func thePasswordIsNeverShown() throws {
        let location = try PostgresLocation(url: "postgres://ann:s3cret@db.example:6543/cases?sslmode=disable")
        #expect(location.description == "postgres://ann@db.example:6543/cases")
        #expect(location.password == "s3cret")
        // A refused connection names the server, not the password.
        let error = #expect(throws: StoreError.self) {
            try PostgresCaseStore(url: "postgres://ann:s3cret@127.0.0.1:1/cases?sslmode=disable")
        }
        #expect(error?.code == .cannotOpen)
        #expect(error.map { !"\($0.message) \($0.debugDescription)".contains("s3cret") } == true)
    }

    /// A server error's message names the state and what it means, never the server's words,
    /// which may quote a value the query carried.
    @Test func aServerErrorNeverQuotesAValue() throws {
        try PostgresServer.withDatabase { location in
            let store = try PostgresCaseStore(location: location)
            defer { store.close() }
            let error = #expect(throws: StoreError.self) {
                try store.withConnection { connection throws(StoreError) in
                    _ = try connection.query("SELECT \("private-words-123")::integer")
                }
            }
            #expect(error?.code == .database)
            #expect(error?.message.contains("22P02: invalid text representation") == true, "\(error?.message ?? "")")
            #expect(error?.message.contains("private-words") == false, "\(error?.message ?? "")")
            // The server's own words are kept for debugging.
            #expect(error?.debugDescription.contains("private-words") == true)
        }
    }

    /// A statement that would change a row twice is named for what it is, not "an error".
    @Test func aRowChangedTwiceByOneStatementIsNamed() throws {
        try PostgresServer.withDatabase { location in
            let store = try PostgresCaseStore(location: location)
            defer { store.close() }
            let error = #expect(throws: StoreError.self) {
                try store.withConnection { connection throws(StoreError) in
                    _ = try connection.execute(
                        """
                        INSERT INTO counters (name, value) SELECT name, 1 FROM unnest(\(["x", "x"])::text[]) AS c (name)
                        ON CONFLICT (name) DO UPDATE SET value = excluded.value
                        """)
                }
            }
            #expect(error?.message.contains("21000: cardinality violation") == true, "\(error?.message ?? "")")
        }
    }
}
