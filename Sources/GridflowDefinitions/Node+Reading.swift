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

    var date: Day? { text.flatMap { Day($0) } }

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
