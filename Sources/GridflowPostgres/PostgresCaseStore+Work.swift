import GridflowRuntime
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// Hearing of other processes' work: triggers on `timers`, `outbox` and `webhook_deliveries`
/// notify `Schema.workChannel` when rows are added (PostgreSQL delivers it on commit, once per
/// transaction), and a connection of its own listens.
extension PostgresCaseStore {
    /// Listens on a connection of its own for as long as the task runs; a lost connection is
    /// opened again after a second (meanwhile the scheduler's own polling still finds the work).
    public func watchForWork(_ wake: @escaping @Sendable () -> Void) -> Task<Void, Never>? {
        let location = self.location
        return Task {
            var logger = Logger(label: "gridflow.postgres.listen")
            logger.logLevel = .critical
            while !Task.isCancelled {
                do {
                    let configuration = try location.configuration()
                    let connection = try await PostgresConnection.connect(
                        on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: 0,
                        logger: logger)
                    do {
                        try await connection.listen(on: Schema.workChannel) { notifications in
                            // Any work that arrived before the listening began is found by the
                            // scheduler's next round; wake it once now for it.
                            wake()
                            for try await _ in notifications { wake() }
                        }
                    } catch {}
                    try? await connection.close()
                } catch {}
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
