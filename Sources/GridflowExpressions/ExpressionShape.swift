/// The shape of an expression's text, for tools that translate simple expressions into another
/// language (the store's SQL, when an appraisal's fact counts cases). Only what such a tool
/// needs: literals, member paths, lists, calls and operators; anything else is `other`.
public indirect enum ExpressionShape: Sendable, Hashable {
    case string(String)
    case bool(Bool)
    case null
    /// A name and the members read from it: `case.reporter.id` is `["case", "reporter", "id"]`.
    case path([String])
    case list([ExpressionShape])
    /// A function call by name.
    case call(String, [ExpressionShape])
    /// `not`, `-`.
    case unary(String, ExpressionShape)
    /// `and`, `or`, `==`, `!=`, `<`, `in`, `??`, `+`, …
    case binary(String, ExpressionShape, ExpressionShape)
    /// `condition ? then : else`.
    case conditional(ExpressionShape, ExpressionShape, ExpressionShape)
    /// Any other form (numbers, dates, indexing, lambdas): no translator takes it.
    case other

    /// The shape of `text`; `other` when it does not parse. (Parentheses leave no trace.)
    public init(_ text: String) {
        guard let syntax = try? Parser.parse(text) else {
            self = .other
            return
        }
        self.init(syntax)
    }

    init(_ syntax: Syntax) {
        switch syntax {
        case .literal(.string(let text), _): self = .string(text)
        case .literal(.bool(let value), _): self = .bool(value)
        case .literal: self = .other
        case .null: self = .null
        case .name(let name, _): self = .path([name])
        case .member(let base, let name, _):
            if case .path(let names) = ExpressionShape(base) { self = .path(names + [name]) } else { self = .other }
        case .list(let items, _): self = .list(items.map(ExpressionShape.init))
        case .call(let name, _, let arguments, _): self = .call(name, arguments.map(ExpressionShape.init))
        case .unary(let op, let operand, _): self = .unary(op, ExpressionShape(operand))
        case .binary(let op, let left, let right, _): self = .binary(op, ExpressionShape(left), ExpressionShape(right))
        case .conditional(let condition, let then, let otherwise, _):
            self = .conditional(ExpressionShape(condition), ExpressionShape(then), ExpressionShape(otherwise))
        case .parenthesized(let inner, _): self.init(inner)
        case .index, .lambda: self = .other
        }
    }
}
