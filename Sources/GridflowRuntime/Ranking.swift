import GridflowExpressions

/// A case's value under its workflow's `rank:`.
public struct CaseRank: Sendable {
    /// What `rank.by` gave; null when it gave none or could not be evaluated.
    public var value: Value
    /// Why it could not be evaluated, if it could not.
    public var problem: String?
}

extension Engine {
    /// The rank of `snapshot` when its workflow declares `rank:` and the case is open (not in a
    /// final state); `nil` otherwise. `rank.by` reads only fields everyone may see (the loader
    /// refuses others), so the value may be shown to any viewer.
    public func rank(of snapshot: CaseSnapshot, now: Instant) -> CaseRank? {
        guard let program = program(of: snapshot), let workflow = program.workflow(snapshot.workflow),
            let rank = workflow.rank,
            workflow.states[snapshot.state]?.final == false
        else { return nil }
        let frame = Frame(roots: [.record(snapshot.fields)], now: now, calendar: program.calendar)
        do {
            return CaseRank(value: try rank.code.evaluate(frame))
        } catch {
            return CaseRank(value: .null, problem: "its rank (\(rank.text)) cannot be evaluated: \(error.message)")
        }
    }
}

/// The order `rank:` gives.
public enum Ranking {
    /// `items` ordered by `value`: the greatest first when `descending`, else the least; a null
    /// value (none, or one that could not be evaluated) last either way; ties keep the order
    /// they came in.
    public static func order<Item>(_ items: [(item: Item, value: Value)], descending: Bool) -> [Item] {
        items.enumerated().sorted { lhs, rhs in
            let order = compare(lhs.element.value, rhs.element.value)
            if order == 0 { return lhs.offset < rhs.offset }
            switch (lhs.element.value, rhs.element.value) {
            case (.null, _): return false
            case (_, .null): return true
            default: return descending ? order > 0 : order < 0
            }
        }.map(\.element.item)
    }

    /// -1, 0 or 1 for two values of one rank (numbers, dates, datetimes or strings); null and
    /// values of different kinds compare equal to each other and after everything else.
    static func compare(_ x: Value, _ y: Value) -> Int {
        func sign<T: Comparable>(_ p: T, _ q: T) -> Int { p < q ? -1 : (p == q ? 0 : 1) }
        switch (x, y) {
        case (.number(let p), .number(let q)): return sign(p, q)
        case (.date(let p), .date(let q)): return sign(p, q)
        case (.datetime(let p), .datetime(let q)): return sign(p, q)
        case (.string(let p), .string(let q)): return sign(p, q)
        case (.null, .null): return 0
        case (.null, _): return 1
        case (_, .null): return -1
        default: return 0
        }
    }
}
