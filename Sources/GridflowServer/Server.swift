import Foundation
import GridflowExpressions
import GridflowRuntime
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Fires due timers and drains the outbox of every deployed unit, without cron: it sleeps until
/// the next timer is due (at most `poll`, so timers other processes add are seen), and a step
/// the API commits wakes it at once. A daemon started after downtime fires what fell due
/// meanwhile, each once (the store's exactly-once tick).
struct Scheduler: Service {
    let daemon: Daemon
    let logger: Logger
    var poll: Duration = .seconds(1)
    /// The least time from one round to the next: under load every commit wakes the scheduler,
    /// and a round per commit (five reads of the store at least) would cost about as much as the
    /// steps themselves. A timer a step adds fires at most this late.
    var spacing: Duration = .milliseconds(20)
    /// Rounds run on a thread of their own: a round commits synchronously (and waits for the
    /// disk), which must not hold one of the few threads (one per core) the requests run on.
    static let queue = DispatchQueue(label: "gridflow.scheduler")

    func run() async throws {
        // A store shared with other daemons says when they add timers or effects (PostgreSQL's
        // LISTEN/NOTIFY): a round then runs at once rather than at the next poll.
        let watch = daemon.store.watchForWork { [daemon] in daemon.wake.yield() }
        defer { watch?.cancel() }
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !daemon.isStopping {
                let started = ContinuousClock.now
                let next = await withCheckedContinuation { continuation in
                    Self.queue.async { continuation.resume(returning: tick()) }
                }
                let now = daemon.now()
                var wait = poll
                if let next { wait = min(poll, .seconds(max(0, next.seconds - now.seconds))) }
                // Sleep until then, or until a step wakes us, or the shutdown.
                await daemon.wake.wait(upTo: wait)
                let since = ContinuousClock.now - started
                if since < spacing, !daemon.isStopping { try? await Task.sleep(for: spacing - since) }
            }
        } onGracefulShutdown: {
            daemon.beginStopping()
            daemon.wake.yield()
        }
    }

    /// One round over the units; returns when the next timer is due.
    func tick() -> Instant? {
        var next: Instant?
        let units: [String]
        do { units = try daemon.units() } catch {
            logger.error("scheduler: \(error.message)")
            return nil
        }
        for unit in units {
            do {
                let engine = try daemon.engine(unit: unit)
                let started = ContinuousClock.now
                let report = try engine.tick(now: daemon.now(), claim: daemon.claim)
                DaemonMetrics.tick(unit: unit, report)
                logSteps(unit: unit, report, duration: ContinuousClock.now - started)
                if report.timersFired + report.effectsPerformed + report.incidents.count > 0 {
                    logger.info(
                        "tick",
                        metadata: [
                            "unit": .string(unit), "timers_fired": .stringConvertible(report.timersFired),
                            "effects_performed": .stringConvertible(report.effectsPerformed),
                            "incidents": .stringConvertible(report.incidents.count),
                        ])
                }
                if let due = try daemon.store.nextTimerDue(unit: unit), next.map({ due < $0 }) ?? true { next = due }
            } catch let error as EngineError {
                logger.error("scheduler", metadata: ["unit": .string(unit), "error": .string(error.message)])
            } catch {
                logger.error("scheduler", metadata: ["unit": .string(unit), "error": .string("\(error)")])
            }
        }
        return next
    }
}

extension Scheduler {
    /// Logs one line per step the round took: each case a timer moved or an effect opened or
    /// signalled (`advanced`, with the event its history records), and each incident (with its
    /// code). The duration is the round's: a round commits its steps one after the other.
    func logSteps(unit: String, _ report: TickReport, duration: Duration) {
        let round = milliseconds(duration)
        for (index, id) in report.moved.enumerated() {
            // The timers' cases come first, then the effects'.
            let by = index < report.timersFired ? "timer" : "effect"
            let history = (try? daemon.store.history(id)) ?? []
            let event = history.last(where: { $0.actor == Actor.system.id })?.event ?? history.last?.event
            var metadata: Logger.Metadata = [
                "by": .string(by), "unit": .string(unit), "case": .string(id), "outcome": "advanced",
                "duration_ms": .string(round),
            ]
            if let event { metadata["event"] = .string(event) }
            logger.info("step", metadata: metadata)
        }
        for incident in report.incidents {
            logger.info(
                "step",
                metadata: [
                    "by": .string(incident.place.hasPrefix("timer") ? "timer" : "effect"), "unit": .string(unit),
                    "case": .string(incident.caseID), "outcome": "incident", "code": .string(incident.code),
                    "duration_ms": .string(round),
                ])
        }
    }
}

/// A duration in milliseconds with two decimals, as the log lines give it.
func milliseconds(_ duration: Duration) -> String {
    // Hundredths of a millisecond, rounded half up; written without a formatter (two per request).
    let (seconds, attoseconds) = duration.components
    let hundredths = max(0, seconds * 100_000 + (attoseconds + 5_000_000_000_000) / 10_000_000_000_000)
    let fraction = hundredths % 100
    return "\(hundredths / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
}

/// Logs one line per request: its id, method, route, status and duration (never a body, a
/// query value or a field).
struct RequestLogMiddleware: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response)
        async throws -> Response
    {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        var metadata: Logger.Metadata = [
            "request_id": .string(context.id), "method": .string(request.method.rawValue),
            "route": .string(context.endpointPath ?? "unmatched"), "status": .stringConvertible(response.status.code),
            "duration_ms": .string(milliseconds(elapsed)),
        ]
        if let caller = context.caller {
            metadata["unit"] = .string(caller.unit)
            metadata["token"] = .string(caller.tokenID)
        }
        logger.info("request", metadata: metadata)
        DaemonMetrics.request(
            route: context.endpointPath ?? "unmatched", status: response.status.code, duration: elapsed)
        return response
    }
}

/// `gridflow serve`: the HTTP API, the scheduler and the outbox worker as one service group that
/// SIGTERM and SIGINT stop gracefully (no new work, in-flight requests finished).
public struct GridflowDaemon {
    public let daemon: Daemon
    public let host: String
    public let port: Int
    public let logger: Logger
    /// Called with the port once the server listens (port 0 picks a free one).
    public let onListening: @Sendable (Int) -> Void

    public init(daemon: Daemon, host: String, port: Int, logger: Logger, onListening: @escaping @Sendable (Int) -> Void)
    {
        self.daemon = daemon
        self.host = host
        self.port = port
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        let router = Router(context: APIContext.self)
        router.add(middleware: RequestLogMiddleware(logger: logger))
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: GateMiddleware(daemon: daemon))
        Routes(daemon: daemon, logger: logger).add(to: router)
        PageSite(daemon: daemon, logger: logger, publicURL: ProcessInfo.processInfo.environment["GRIDFLOW_PUBLIC_URL"])
            .add(to: router)
        let listening = onListening
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "gridflow"),
            onServerRunning: { channel in listening(channel.localAddress?.port ?? 0) },
            logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    app, Scheduler(daemon: daemon, logger: logger),
                    WebhookWorker(daemon: daemon, logger: logger, environment: ProcessInfo.processInfo.environment),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
