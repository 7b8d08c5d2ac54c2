import Foundation
import GridflowDiagnostics
import GridflowExpressions
import GridflowYAML

/// Lenient readers used after the shape check: a value of the wrong shape reads as `nil`
/// (the checker has already reported it), so decoding never stops early.
extension Node {
    var text: String? {
        guard let scalar, scalar.resolved != .null else { return nil }
        return scalar.value
    }

    var name: Name? {
        guard let value = scalar?.string else { return nil }
        return Name(value, span: span)
    }

    /// One name or a list of names.
    var names: [Name] {
        if let one = name { return [one] }
        return sequence?.compactMap(\.name) ?? []
    }

    var expression: Expression? {
        guard let scalar, let value = scalar.string else { return nil }
        return Expression(text: value, span: span, style: scalar.style)
    }

    var bool: Bool? {
        if case .bool(let value) = scalar?.resolved { return value }
        return nil
    }

    /// The scalar as an exact number; `nil` when it is not a number or lies outside the domain
    /// of numbers (the shape checker reports that, with the reason).
    var number: Number? {
        switch scalar?.resolved {
        case .int(let value): return Number(value)
        case .float(let text): return Number(text)
        default: return nil
        }
    }

    var duration: Duration? {
        // Years and months are refused by the shape check where they are not allowed.
        guard let text, case .success(let duration) = Duration.parse(text, months: true) else { return nil }
        return duration
    }

    var date: Day? { text.flatMap(Day.fromDate) }

    /// The pairs of a mapping as names and values; repeated keys keep their first value.
    var entries: [(name: Name, value: Node)] {
        guard let mapping else { return [] }
        var seen = Set<String>()
        var result: [(name: Name, value: Node)] = []
        for pair in mapping.pairs {
            guard let key = pair.name, seen.insert(key).inserted else { continue }
            result.append((Name(key, span: SourceSpan(start: pair.key.location, length: key.count)), pair.value))
        }
        return result
    }

    /// Where a key of this mapping is written, for pointing at the key itself.
    func keySpan(_ key: String) -> SourceSpan? {
        mapping?.pair(key).map { SourceSpan(start: $0.key.location, length: key.count) }
    }
}

extension Day {
    /// `Day(text)` for a `YYYY-MM-DD` of ASCII digits, read from its bytes (the generic parse,
    /// called for every date of every unit, cost more than the rest of a calendar's check).
    static func fromDate(_ text: String) -> Day? {
        var fields = (0, 0, 0)
        var count = 0
        for byte in text.utf8 {
            count += 1
            switch count {
            case 5, 8: guard byte == UInt8(ascii: "-") else { return Day(text) }
            case 1...4, 6...7, 9...10:
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return Day(text) }
                let digit = Int(byte - UInt8(ascii: "0"))
                if count <= 4 {
                    fields.0 = fields.0 * 10 + digit
                } else if count <= 7 {
                    fields.1 = fields.1 * 10 + digit
                } else {
                    fields.2 = fields.2 * 10 + digit
                }
            default: return Day(text)
            }
        }
        guard count == 10 else { return Day(text) }
        return Day(year: fields.0, month: fields.1, day: fields.2)
    }
}
