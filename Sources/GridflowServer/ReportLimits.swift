import Foundation
import GridflowRuntime
import Synchronization

/// How many photos a report takes and how large each may be (`serve --max-photos`,
/// `--max-photo-size`).
public struct PhotoLimits: Sendable {
    /// The largest photo, in bytes: 10 MB unless said.
    public var maxSize: Int
    /// The most photos one report carries, over all its attachment fields: 5 unless said.
    public var maxCount: Int

    public static let defaultMaxSize = 10 * 1024 * 1024
    public static let defaultMaxCount = 5

    public init(maxSize: Int = Self.defaultMaxSize, maxCount: Int = Self.defaultMaxCount) {
        self.maxSize = maxSize
        self.maxCount = maxCount
    }

    /// The largest body a report form with photos may send: every photo at its largest, and the
    /// form's fields.
    var maxBody: Int { maxSize * maxCount + 256 * 1024 }
}

/// How many anonymous reports one client address may send (`serve --report-rate N/min`): a
/// token bucket of `count` reports, refilled at `count` per `seconds`.
public struct ReportRate: Sendable, Equatable {
    public var count: Int
    public var seconds: Int

    /// Ten a minute unless said.
    public static let `default` = ReportRate(count: 10, seconds: 60)

    public init(count: Int, seconds: Int) {
        self.count = count
        self.seconds = seconds
    }

    /// `N/min`, `N/hour` or `N` (a minute); `off` (or `0`): no limit (`.some(nil)`); `nil` for
    /// anything else.
    public static func parse(_ text: String) -> ReportRate?? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == "off" || trimmed == "0" { return .some(nil) }
        let parts = trimmed.split(separator: "/", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let count = Int(parts[0]), count > 0, count <= 1_000_000 else { return nil }
        guard parts.count == 2 else { return ReportRate(count: count, seconds: 60) }
        switch parts[1] {
        case "s", "sec", "second": return ReportRate(count: count, seconds: 1)
        case "m", "min", "minute": return ReportRate(count: count, seconds: 60)
        case "h", "hour": return ReportRate(count: count, seconds: 3600)
        default: return nil
        }
    }

    public var description: String { "\(count)/" + (seconds == 1 ? "s" : seconds == 60 ? "min" : "hour") }
}

/// The token buckets of anonymous reports, one per client address, held in memory only: an
/// address is never logged nor stored, and a bucket that is full again is forgotten.
final class ReportRateLimiter: Sendable {
    let rate: ReportRate
    private let buckets = Mutex<[String: (tokens: Double, at: ContinuousClock.Instant)]>([:])

    init(_ rate: ReportRate) { self.rate = rate }

    /// Takes one report from `address`'s bucket: `nil` when it may send, else the whole seconds
    /// until it may again.
    func take(_ address: String, now: ContinuousClock.Instant = .now) -> Int? {
        let perSecond = Double(rate.count) / Double(rate.seconds)
        return buckets.withLock { buckets -> Int? in
            if buckets.count > 10_000 {
                // Forget the addresses whose buckets are full again.
                buckets = buckets.filter { _, bucket in
                    bucket.tokens + Self.seconds(now - bucket.at) * perSecond < Double(rate.count)
                }
            }
            var bucket = buckets[address] ?? (Double(rate.count), now)
            bucket.tokens = min(Double(rate.count), bucket.tokens + Self.seconds(now - bucket.at) * perSecond)
            bucket.at = now
            guard bucket.tokens >= 1 else {
                buckets[address] = bucket
                return max(1, Int(((1 - bucket.tokens) / perSecond).rounded(.up)))
            }
            bucket.tokens -= 1
            buckets[address] = bucket
            return nil
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

extension Daemon {
    /// Takes an anonymous report from the request's address: `nil` when it may be sent, else the
    /// seconds until it may.
    func reportRateExceeded(_ context: APIContext) -> Int? {
        reportLimiter?.take(context.clientAddress ?? "")
    }
}
