import Foundation
import GridflowDiagnostics
import GridflowExpressions
import GridflowYAML

/// A literal value in a rule: a number (decimal), a string or a bool.
public struct Literal: Sendable, Hashable, CustomStringConvertible {
    public enum Value: Sendable, Hashable {
        case number(Number)
        case string(String)
        case bool(Bool)
    }

    public var value: Value
    public var span: SourceSpan

    public init(value: Value, span: SourceSpan) {
        self.value = value
        self.span = span
    }

    init?(_ node: Node) {
        guard let scalar = node.scalar else { return nil }
        switch scalar.resolved {
        case .null: return nil
        case .bool(let b): value = .bool(b)
        case .int, .float:
            guard let number = node.number else { return nil }
            value = .number(number)
        case .string: value = .string(scalar.value)
        }
        span = node.span
    }

    public var description: String {
        switch value {
        case .number(let n): "\(n)"
        case .string(let s): s
        case .bool(let b): "\(b)"
        }
    }
}

/// An input cell of a decision or routing table row.
public struct Cell: Sendable {
    /// What the cell accepts.
    public enum Test: Sendable {
        /// `-` or absent: any value.
        case any
        /// A literal or a list of literals: any of them.
        case oneOf([Literal])
        /// `">= 90"`, `"!= x"`.
        case compare(Comparison, Literal)
        /// `"[80..90)"`.
        case interval(low: Number, lowClosed: Bool, high: Number, highClosed: Bool)
        /// Anything else: an expression in which `?` stands for the input.
        case expression(Expression)
    }

    /// The comparison operators of a cell.
    public enum Comparison: String, Sendable, CaseIterable {
        case lessOrEqual = "<=", greaterOrEqual = ">=", notEqual = "!=", less = "<", greater = ">", equal = "="
    }

    public var test: Test
    public var span: SourceSpan

    /// A cell expression's text with each `?` (not `??`) written as `_`, the name its input is
    /// checked and evaluated under; `_` has the same width, so positions stay exact.
    public static func replacingPlaceholder(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var quote: Unicode.Scalar?
        for (i, c) in scalars.enumerated() {
            if let q = quote {
                if c == q { quote = nil }
                out.append(c)
                continue
            }
            if c == "\"" || c == "'" { quote = c }
            let doubled = (i + 1 < scalars.count && scalars[i + 1] == "?") || (i > 0 && scalars[i - 1] == "?")
            out.append(c == "?" && !doubled ? "_" : c)
        }
        return String(out)
    }

    static func readAll(_ node: Node?) -> [(input: Name, cell: Cell)] {
        node?.entries.map { ($0.name, Cell($0.value)) } ?? []
    }

    init(test: Test, span: SourceSpan) {
        self.test = test
        self.span = span
    }

    init(_ node: Node) {
        span = node.span
        if let items = node.sequence {
            test = .oneOf(items.compactMap(Literal.init))
            return
        }
        guard let scalar = node.scalar, let text = scalar.string else {
            test = Literal(node).map { .oneOf([$0]) } ?? .any
            return
        }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "-" {
            test = .any
            return
        }
        for op in Comparison.allCases where trimmed.hasPrefix(op.rawValue) {
            let operand = trimmed.dropFirst(op.rawValue.count).trimmingCharacters(in: .whitespaces)
            if !operand.isEmpty, !operand.contains("?") {
                test = .compare(op, Self.literal(operand, span: node.span))
                return
            }
        }
        if let interval = Self.interval(trimmed) {
            test = interval
            return
        }
        if trimmed.contains("?") {
            test = .expression(Expression(text: text, span: node.span, style: scalar.style))
            return
        }
        test = .oneOf([Literal(value: .string(text), span: node.span)])
    }

    private static func literal(_ text: String, span: SourceSpan) -> Literal {
        if let number = Number(text) { return Literal(value: .number(number), span: span) }
        if text == "true" || text == "false" { return Literal(value: .bool(text == "true"), span: span) }
        var unquoted = text
        if unquoted.count >= 2, let first = unquoted.first, first == unquoted.last, first == "\"" || first == "'" {
            unquoted = String(unquoted.dropFirst().dropLast())
        }
        return Literal(value: .string(unquoted), span: span)
    }

    private static func interval(_ text: String) -> Test? {
        guard let open = text.first, let close = text.last, "[(".contains(open), "])".contains(close),
            text.count >= 5
        else { return nil }
        let inner = text.dropFirst().dropLast()
        let bounds = inner.components(separatedBy: "..")
        guard bounds.count == 2 else { return nil }
        guard let low = Number(bounds[0].trimmingCharacters(in: .whitespaces)),
            let high = Number(bounds[1].trimmingCharacters(in: .whitespaces))
        else { return nil }
        return .interval(low: low, lowClosed: open == "[", high: high, highClosed: close == "]")
    }
}

/// The set of values a cell accepts, in a form two cells can be intersected in.
enum ValueSet {
    /// One numeric range; `nil` bounds are infinite.
    struct Range {
        var low: Number?
        var lowClosed: Bool
        var high: Number?
        var highClosed: Bool

        func overlaps(_ other: Range) -> Bool {
            func below(_ a: (Number?, Bool), _ b: (Number?, Bool)) -> Bool {
                // Is the high end `a` strictly below the low end `b`?
                guard let high = a.0, let low = b.0 else { return false }
                return high < low || (high == low && !(a.1 && b.1))
            }
            return !below((high, highClosed), (other.low, other.lowClosed))
                && !below((other.high, other.highClosed), (low, lowClosed))
        }
    }

    case all
    case numbers([Range])
    case values(Set<Literal.Value>)
    case allExcept(Set<Literal.Value>)
    /// An expression: cannot be compared before the expression language lands.
    case unknown

    init(_ test: Cell.Test) {
        switch test {
        case .any: self = .all
        case .expression: self = .unknown
        case .interval(let low, let lowClosed, let high, let highClosed):
            self = .numbers([Range(low: low, lowClosed: lowClosed, high: high, highClosed: highClosed)])
        case .oneOf(let literals):
            if !literals.isEmpty, literals.allSatisfy({ if case .number = $0.value { true } else { false } }) {
                self = .numbers(
                    literals.compactMap {
                        guard case .number(let n) = $0.value else { return nil }
                        return Range(low: n, lowClosed: true, high: n, highClosed: true)
                    })
            } else {
                self = .values(Set(literals.map(\.value)))
            }
        case .compare(let op, let literal):
            guard case .number(let n) = literal.value else {
                switch op {
                case .equal: self = .values([literal.value])
                case .notEqual: self = .allExcept([literal.value])
                default: self = .unknown
                }
                return
            }
            switch op {
            case .less: self = .numbers([Range(low: nil, lowClosed: false, high: n, highClosed: false)])
            case .lessOrEqual: self = .numbers([Range(low: nil, lowClosed: false, high: n, highClosed: true)])
            case .greater: self = .numbers([Range(low: n, lowClosed: false, high: nil, highClosed: false)])
            case .greaterOrEqual: self = .numbers([Range(low: n, lowClosed: true, high: nil, highClosed: false)])
            case .equal: self = .numbers([Range(low: n, lowClosed: true, high: n, highClosed: true)])
            case .notEqual:
                self = .numbers([
                    Range(low: nil, lowClosed: false, high: n, highClosed: false),
                    Range(low: n, lowClosed: false, high: nil, highClosed: false),
                ])
            }
        }
    }

    /// Whether some value is in both sets; `nil` when that cannot be decided.
    func intersects(_ other: ValueSet) -> Bool? {
        switch (self, other) {
        case (.unknown, _), (_, .unknown): return nil
        case (.all, _), (_, .all): return true
        case (.numbers(let a), .numbers(let b)): return a.contains { x in b.contains { x.overlaps($0) } }
        case (.values(let a), .values(let b)): return !a.isDisjoint(with: b)
        case (.values(let a), .allExcept(let b)), (.allExcept(let b), .values(let a)): return !a.subtracting(b).isEmpty
        case (.allExcept, .allExcept): return true
        case (.numbers(let ranges), .allExcept(let excluded)), (.allExcept(let excluded), .numbers(let ranges)):
            // Only a single excluded point can empty a point range.
            return ranges.contains { range in
                guard let low = range.low, low == range.high else { return true }
                return !excluded.contains(.number(low))
            }
        case (.numbers, .values), (.values, .numbers): return false
        }
    }
}
