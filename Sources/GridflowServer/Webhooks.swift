import Foundation
import GridflowExpressions
import GridflowRuntime
import Logging
import Metrics
import ServiceLifecycle

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Posts notifications to the units' webhooks: each delivery due is tried, a failed one again
/// after its backoff, and one that fails every attempt becomes a `webhook-failed` incident of
/// its case. A delivery is settled in the store only from the attempt it was tried on, so it
/// is recorded once even when it is posted more than once (a daemon killed between the post
/// and the record posts it again: delivered at least once; receivers deduplicate by the
/// `Gridflow-Delivery` header).
struct WebhookWorker: Service {
    let daemon: Daemon
    let logger: Logger
    /// The daemon's environment, where each webhook's `secret_env` is read.
    let environment: [String: String]
    var poll: Duration = .seconds(1)
    var timeout: TimeInterval = 10

    func run() async throws {
        // Stops between deliveries once the group shuts down (a delivery under way finishes, or
        // is tried again by the next daemon: at least once).
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await round()
            try? await Task.sleep(for: poll)
        }
    }

    /// Tries every delivery due now, oldest first.
    func round() async {
        // Claimed, so that the workers of daemons sharing the store post each delivery once; a
        // few at a time, so that they are tried (each within its timeout) before the claim runs out.
        let batch = max(1, min(50, daemon.claim.seconds / (Int(timeout) + 1)))
        while !Task.isShuttingDownGracefully {
            let due: [WebhookDelivery]
            do {
                due = try daemon.store.claimDueWebhookDeliveries(at: daemon.now(), limit: batch, claim: daemon.claim)
            } catch {
                logger.error("webhooks", metadata: ["error": .string(error.message)])
                return
            }
            for delivery in due where !Task.isShuttingDownGracefully {
                await attempt(delivery)
            }
            if due.count < batch { return }
        }
    }

    private func attempt(_ delivery: WebhookDelivery) async {
        let unit = delivery.notice.unit
        let attempt = delivery.attempts + 1
        var failure: String?
        var webhook: Webhook?
        do {
            webhook = try daemon.engine(unit: unit).program.webhooks.first { $0.name == delivery.webhook }
        } catch {
            failure = "the unit's definitions cannot be read: \(error.message)"
        }
        if failure == nil {
            if let webhook {
                failure = await post(delivery, to: webhook, attempt: attempt)
            } else {
                failure = "the active deployment of \(unit) has no webhook '\(delivery.webhook)'"
            }
        }
        let now = daemon.now()
        let outcome: String
        var retryAt: Instant?
        var incident: Incident?
        if let failure {
            if let webhook, attempt < webhook.attempts {
                retryAt = Instant(seconds: now.seconds + webhook.wait(after: attempt))
                outcome = "retry"
            } else {
                outcome = "failed"
                incident = Incident(
                    code: "webhook-failed",
                    message:
                        "webhook '\(delivery.webhook)': notification #\(delivery.notificationID) not delivered after \(attempt) attempt\(attempt == 1 ? "" : "s"): \(failure)",
                    transition: nil)
            }
        } else {
            outcome = "delivered"
        }
        do {
            let recorded = try daemon.store.recordWebhookAttempt(
                delivery, at: now, error: failure, retryAt: retryAt, incident: incident)
            Counter(label: "gridflow_webhook_attempts_total", dimensions: [("unit", unit), ("outcome", outcome)])
                .increment()
            logger.log(
                level: failure == nil ? .info : .warning, "webhook",
                metadata: [
                    "unit": .string(unit), "case": .string(delivery.caseID), "webhook": .string(delivery.webhook),
                    "notification": .stringConvertible(delivery.notificationID),
                    "attempt": .stringConvertible(attempt),
                    "outcome": .string(recorded ? outcome : "settled-elsewhere"),
                    "error": .string(failure ?? ""),
                ])
        } catch {
            logger.error("webhooks", metadata: ["error": .string(error.message)])
        }
    }

    /// Posts the delivery's body, signed; `nil` on a 2xx answer, else what went wrong (never the
    /// key, never the answer's body).
    private func post(_ delivery: WebhookDelivery, to webhook: Webhook, attempt: Int) async -> String? {
        guard let url = URL(string: webhook.url) else { return "'\(webhook.url)' is not a URL" }
        guard let key = environment[webhook.secretEnv], !key.isEmpty else {
            return "the daemon's environment has no \(webhook.secretEnv) (the webhook's secret_env)"
        }
        let body = Array(WebhookBody.json(delivery, attempt: attempt).utf8)
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("gridflow", forHTTPHeaderField: "User-Agent")
        request.setValue("\(delivery.notificationID)-\(delivery.webhook)", forHTTPHeaderField: "Gridflow-Delivery")
        request.setValue(
            Webhook.signature(body: body, timestamp: daemon.now().seconds, key: Array(key.utf8)),
            forHTTPHeaderField: "Gridflow-Signature")
        return await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
            URLSession.shared.dataTask(with: request) { _, response, error in
                if let error {
                    continuation.resume(returning: "\(url.host ?? webhook.url): \(error.localizedDescription)")
                } else if let status = (response as? HTTPURLResponse)?.statusCode, !(200..<300).contains(status) {
                    continuation.resume(returning: "HTTP \(status)")
                } else {
                    continuation.resume(returning: nil)
                }
            }.resume()
        }
    }
}

/// The JSON a webhook receives (docs/daemon.md): the notification as its addressees read it —
/// the case's id and workflow, the role, the definition's fixed message and when — and no value
/// of any field.
enum WebhookBody {
    static func json(_ delivery: WebhookDelivery, attempt: Int) -> String {
        ValueJSON.encode([
            "type": .string("notification"), "id": .number(Number(delivery.notificationID)),
            "unit": .string(delivery.notice.unit), "case_id": .string(delivery.caseID),
            "workflow": .string(delivery.notice.workflow), "role": .string(delivery.notice.role),
            "message": .string(delivery.notice.message), "at": .datetime(delivery.notice.at),
            "webhook": .string(delivery.webhook), "attempt": .number(Number(attempt)),
        ])
    }
}
