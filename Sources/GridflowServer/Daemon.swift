import GridflowExpressions
import GridflowRuntime
import GridflowStore
import Synchronization

/// The daemon's state shared by the HTTP routes and the scheduler: the store, the engines of the
/// units' active deployments (one per unit and version, so their case caches are shared), and
/// whether a graceful shutdown has begun.
public final class Daemon: Sendable {
    public let store: any CaseStore
    let catalog: DeploymentCatalog
    private let engines = Mutex<[String: Engine]>([:])
    private let actors = Mutex<[String: (stamp: DirectoryStamp, day: Int, actor: Actor)]>([:])
    private let stopping = Atomic<Bool>(false)
    /// Wakes the scheduler early: a step may have added a timer or an effect.
    let wake = Wakeup()
    /// The clock; tests of the binary run it as is.
    let now: @Sendable () -> Instant

    /// The metrics `GET /metrics` exposes, when the process bootstrapped them.
    let metrics: DaemonMetrics?

    /// The largest file a shared file space takes, in bytes.
    let maxFileSize: Int

    /// How many photos a report takes and how large.
    let photoLimits: PhotoLimits

    /// The anonymous reports' rate per client address (`nil`: no limit).
    let reportLimiter: ReportRateLimiter?

    /// How the scheduler claims timers and effects: this process's name, and how long a claim
    /// holds before another daemon sharing the store takes the work over.
    let claim: Claim

    public init(
        store: any CaseStore, metrics: DaemonMetrics? = nil, maxFileSize: Int = FileContent.defaultMaxSize,
        claim: Claim = .thisProcess, photoLimits: PhotoLimits = PhotoLimits(),
        reportRate: ReportRate? = .default, now: @escaping @Sendable () -> Instant
    ) {
        self.photoLimits = photoLimits
        self.reportLimiter = reportRate.map(ReportRateLimiter.init)
        self.store = store
        self.claim = claim
        self.maxFileSize = maxFileSize
        self.metrics = metrics
        self.catalog = DeploymentCatalog(store: store)
        self.now = now
    }

    /// Whether a graceful shutdown has begun: new requests are answered 503.
    public var isStopping: Bool { stopping.load(ordering: .relaxed) }

    func beginStopping() { stopping.store(true, ordering: .relaxed) }

    /// The engine of `unit`'s active deployment; a new deployment is taken up at the next request.
    func engine(unit: String) throws(EngineError) -> Engine {
        let active: String?
        if let known = RequestFacts.current?.takeActiveDeployment(unit: unit) {
            active = known
        } else {
            do { active = try store.activeDeployment(unit: unit) } catch { throw EngineError(.store, error.message) }
        }
        guard let active else { throw EngineError(.notFound, "no unit '\(unit)' is deployed here") }
        if let engine = engines.withLock({ $0[unit] }), engine.program.version == active { return engine }
        guard let program = try catalog.program(unit: unit, version: active) else {
            throw EngineError(
                .store, "the store names version \(active) of \(unit) active, but holds no such deployment")
        }
        let engine = Engine(program: program, store: store, catalog: catalog)
        engines.withLock { $0[unit] = engine }
        return engine
    }

    /// A caller as the engine acts for them: their roles (listed, derived by `held_by`,
    /// appointed) and scopes. Kept per unit, definitions version, person and day while the
    /// person's directory stamp stays (an import, an appointment of theirs made or ended
    /// changes it; another person's appointment does not): no read of the person, their
    /// appointments and their record per request.
    func actor(_ engine: Engine, _ person: String, now: Instant) throws(EngineError) -> Actor {
        let stamp: DirectoryStamp
        if let known = RequestFacts.current?.takePersonStamp(unit: engine.program.unit, person: person) {
            stamp = known
        } else {
            do { stamp = try store.directoryStamp(unit: engine.program.unit, person: person) } catch {
                throw EngineError(.store, error.message)
            }
        }
        let key = engine.program.unit + "\u{0}" + engine.program.version + "\u{0}" + person
        let day = now.seconds / 86_400
        if let known = actors.withLock({ $0[key] }), known.stamp == stamp, known.day == day {
            return known.actor
        }
        let actor = try engine.actor(person, roles: [], now: now)
        actors.withLock { cache in
            if cache.count > 10_000 { cache.removeAll(keepingCapacity: true) }
            cache[key] = (stamp, day, actor)
        }
        return actor
    }

    /// The units with an active deployment.
    func units() throws(EngineError) -> [String] {
        do { return try store.deployedUnits() } catch { throw EngineError(.store, error.message) }
    }
}

/// A signal one task waits for, with a time limit: the scheduler sleeps on it until the next
/// timer is due, and a committed step signals it.
final class Wakeup: Sendable {
    private let state = Mutex<(pending: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    /// Wakes the waiter, or the next wait when none waits now.
    func yield() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns when signalled, or after `limit`.
    func wait(upTo limit: Duration) async {
        let timer = Task {
            do {
                try await Task.sleep(for: limit)
                self.yield()
            } catch {}
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if state.pending {
                    state.pending = false
                    return true
                }
                state.waiter = continuation
                return false
            }
            if now { continuation.resume() }
        }
        timer.cancel()
    }
}
