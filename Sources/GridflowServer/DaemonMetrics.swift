import CoreMetrics
import GridflowRuntime
import Metrics
import Prometheus

/// The daemon's metrics, recorded through swift-metrics and exposed by a Prometheus registry at
/// `GET /metrics`. Labels are route templates, statuses, units and outcomes: never an id, a
/// person or a field.
public struct DaemonMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    /// Bootstraps the process's metrics system with a Prometheus registry (once per process).
    public static func bootstrap() -> DaemonMetrics {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return DaemonMetrics(registry: registry)
    }

    static func request(route: String, status: Int, duration: Duration) {
        Counter(label: "gridflow_http_requests_total", dimensions: [("route", route), ("status", "\(status)")])
            .increment()
        Metrics.Timer(label: "gridflow_http_request_duration_seconds", dimensions: [("route", route)])
            .recordInterval(duration)
    }

    /// A step asked through the API: `committed`, `rejected` or `incident`; a committed one with
    /// how long computing and committing it took.
    static func step(unit: String, outcome: String, duration: Duration? = nil) {
        Counter(label: "gridflow_steps_total", dimensions: [("unit", unit), ("outcome", outcome)]).increment()
        if let duration {
            Metrics.Timer(label: "gridflow_commit_duration_seconds", dimensions: [("unit", unit)])
                .recordInterval(duration)
        }
    }

    /// What a scheduler round did for a unit.
    static func tick(unit: String, _ report: TickReport) {
        if report.timersFired > 0 {
            Counter(label: "gridflow_timers_fired_total", dimensions: [("unit", unit)]).increment(
                by: report.timersFired)
        }
        if report.effectsPerformed > 0 {
            Counter(label: "gridflow_effects_performed_total", dimensions: [("unit", unit)]).increment(
                by: report.effectsPerformed)
        }
        if !report.incidents.isEmpty {
            Counter(label: "gridflow_incidents_total", dimensions: [("unit", unit)]).increment(
                by: report.incidents.count)
        }
    }

    /// The Prometheus text of every metric, with the gauges read from the store now: open cases
    /// and pending effects per deployed unit.
    func text(daemon: Daemon) -> String {
        if let units = try? daemon.units() {
            for unit in units {
                if let open = try? daemon.openCases(unit: unit) {
                    Gauge(label: "gridflow_open_cases", dimensions: [("unit", unit)]).record(open)
                }
                if let pending = try? daemon.store.pendingEffects(unit: unit, limit: 1_000_000).count {
                    Gauge(label: "gridflow_outbox_depth", dimensions: [("unit", unit)]).record(pending)
                }
            }
        }
        return registry.emitToString()
    }
}

extension Metrics.Timer {
    func recordInterval(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

extension Daemon {
    /// The cases of `unit` not in a final state of the deployment they run on.
    func openCases(unit: String) throws -> Int {
        var finals: [String: [String: Set<String>]] = [:]
        var open = 0
        for count in try store.caseCounts(unit: unit) {
            if finals[count.version] == nil {
                finals[count.version] = try catalog.program(unit: unit, version: count.version)?.finalStates ?? [:]
            }
            if !(finals[count.version]?[count.workflow]?.contains(count.state) ?? false) { open += count.count }
        }
        return open
    }
}
