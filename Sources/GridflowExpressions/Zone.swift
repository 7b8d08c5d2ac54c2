import Foundation

/// A time zone's offsets from UTC at every instant, read once from the system's zone database.
///
/// A zone with summer time has a different offset in July than in January, so the local day of
/// an instant, and the instant of a local midnight, are computed with the offset in force at
/// that instant, never with today's. The transitions from 1900 to 2200 are kept in a table and
/// looked up by binary search; before the first and after the last the nearest offset holds.
public struct Zone: Sendable, Hashable, CustomStringConvertible {
    /// The zone's name, such as `Asia/Shanghai`, or `UTC±HH:MM` for a fixed offset.
    public let identifier: String
    /// Instants (seconds since 1970) at which the offset changes, ascending.
    let transitions: [Int]
    /// `offsets[i]` holds before `transitions[i]`; the last holds after the last transition.
    let offsets: [Int]

    /// UTC.
    public static let utc = Zone(fixedOffset: 0)

    /// A zone that is always `seconds` ahead of UTC.
    public init(fixedOffset seconds: Int) {
        let sign = seconds < 0 ? "-" : "+"
        let minutes = abs(seconds) / 60
        identifier =
            seconds == 0 ? "UTC" : "UTC\(sign)\(minutes / 600)\(minutes / 60 % 10):\(minutes % 60 / 10)\(minutes % 10)"
        transitions = []
        offsets = [seconds]
    }

    /// The zone of an IANA name (`Europe/Berlin`); `nil` when the system does not know it.
    public init?(identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        self.identifier = identifier
        var transitions: [Int] = []
        var offsets = [zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(Self.tableStart)))]
        var cursor = Date(timeIntervalSince1970: Double(Self.tableStart))
        while let next = zone.nextDaylightSavingTimeTransition(after: cursor),
            next.timeIntervalSince1970 < Double(Self.tableEnd), next > cursor
        {
            let offset = zone.secondsFromGMT(for: next)
            if offset != offsets[offsets.count - 1] {
                transitions.append(Int(next.timeIntervalSince1970.rounded()))
                offsets.append(offset)
            }
            cursor = next
        }
        self.transitions = transitions
        self.offsets = offsets
    }

    /// 1900-01-01 and 2200-01-01, the span of the transition table.
    static let tableStart = -2_208_988_800
    static let tableEnd = 7_258_118_400

    /// The offset from UTC, in seconds, in force at `instant`.
    @inline(__always)
    public func offset(at instant: Instant) -> Int {
        if transitions.isEmpty { return offsets[0] }
        var low = 0, high = transitions.count
        while low < high {
            let middle = (low + high) / 2
            if transitions[middle] <= instant.seconds { low = middle + 1 } else { high = middle }
        }
        return offsets[low]
    }

    /// The local calendar day `instant` falls on.
    public func day(of instant: Instant) -> Day { instant.day(offset: offset(at: instant)) }

    /// The local wall-clock second of the day (0 ..< 86,400) of `instant`.
    public func secondOfDay(of instant: Instant) -> Int {
        let local = instant.seconds + offset(at: instant)
        return local - day(of: instant).number * 86_400
    }

    /// The instant at which local clocks show `second` seconds after midnight on `day`.
    ///
    /// A wall time that happens twice (clocks going back) is the earlier instant; one that never
    /// happens (clocks going forward) is moved forward by the gap, as clocks are.
    public func instant(on day: Day, at second: Int = 0) -> Instant {
        let local = day.number * 86_400 + second
        if transitions.isEmpty { return Instant(seconds: local - offsets[0]) }
        let before = offset(at: Instant(seconds: local - 86_400))
        let after = offset(at: Instant(seconds: local + 86_400))
        var best: Int?
        for candidate in [before, after] where offset(at: Instant(seconds: local - candidate)) == candidate {
            best = min(best ?? Int.max, local - candidate)
        }
        return Instant(seconds: best ?? local - before)
    }

    /// An instant as people in the zone read it, with the zone's offset at that instant:
    /// `2024-07-01T17:30:00+08:00` (`Z` in UTC). Stored data stays in UTC; this is for output.
    public func text(_ instant: Instant) -> String { instant.description(offset: offset(at: instant)) }

    public var description: String { identifier }
}
