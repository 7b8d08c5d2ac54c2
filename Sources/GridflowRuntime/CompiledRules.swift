import GridflowDefinitions
import GridflowExpressions

/// A rule set compiled for evaluation by a transition's `decide`.
enum CompiledRules: Sendable {
    case table(CompiledTable)
    case eligibility(CompiledEligibility)

    /// The outputs for these inputs, or an incident when the rules cannot decide.
    func evaluate(_ inputs: [String: Value], now: Instant, calendar: WorkCalendar) -> Result<[String: Value], Incident>
    {
        switch self {
        case .table(let table): table.evaluate(inputs, now: now, calendar: calendar)
        case .eligibility(let rules): rules.evaluate(inputs, now: now, calendar: calendar)
        }
    }
}

/// One input cell, ready to test a value.
struct CompiledCell: Sendable {
    enum Test: Sendable {
        case any
        case oneOf([Value])
        case compare(Cell.Comparison, Value)
        case interval(low: Number, lowClosed: Bool, high: Number, highClosed: Bool)
        case expression(CompiledExpression)
    }

    let input: String
    let test: Test

    init(input: String, cell: Cell, type: ValueType, types: UnitTypes) throws(Program.CompileError) {
        self.input = input
        switch cell.test {
        case .any: test = .any
        case .oneOf(let literals):
            test = .oneOf(
                try literals.map { (literal) throws(Program.CompileError) in try Self.value(literal, for: input) })
        case .compare(let op, let literal): test = .compare(op, try Self.value(literal, for: input))
        case .interval(let low, let lowClosed, let high, let highClosed):
            test = .interval(
                low: low, lowClosed: lowClosed, high: high, highClosed: highClosed)
        case .expression(let expression):
            let text = Cell.replacingPlaceholder(expression.text)
            test = .expression(
                try CompiledWorkflow.compile(text, types.environment([("_", type)]), .bool, "a cell for '\(input)'"))
        }
    }

    /// The value of a literal in a cell or an output for `name`.
    static func value(_ literal: Literal, for name: String) throws(Program.CompileError) -> Value {
        switch literal.value {
        case .number(let n): .number(n)
        case .string(let s): .string(s)
        case .bool(let b): .bool(b)
        }
    }

    func matches(_ value: Value, now: Instant, calendar: WorkCalendar) throws(EvaluationError) -> Bool {
        switch test {
        case .any: return true
        case .oneOf(let values): return values.contains(value)
        case .compare(let op, let operand):
            if op == .equal { return value == operand }
            if op == .notEqual { return value != operand }
            let order: Int
            switch (value, operand) {
            case (.number(let a), .number(let b)): order = a < b ? -1 : (a == b ? 0 : 1)
            case (.string(let a), .string(let b)): order = a < b ? -1 : (a == b ? 0 : 1)
            default: return false
            }
            switch op {
            case .less: return order < 0
            case .lessOrEqual: return order <= 0
            case .greater: return order > 0
            default: return order >= 0
            }
        case .interval(let low, let lowClosed, let high, let highClosed):
            guard case .number(let n) = value else { return false }
            let aboveLow = lowClosed ? !(n < low) : low < n
            let belowHigh = highClosed ? !(high < n) : n < high
            return aboveLow && belowHigh
        case .expression(let code):
            return try code.evaluate(Frame(roots: [value], now: now, calendar: calendar)) == .bool(true)
        }
    }
}

/// A decision or routing table: rows of cells with their outputs, and a hit policy.
struct CompiledTable: Sendable {
    struct Row: Sendable {
        let cells: [CompiledCell]
        let outputs: [String: Value]
    }

    let name: String
    let hit: HitPolicy
    let inputs: [String]
    let outputNames: [String]
    let rows: [Row]

    init(_ table: DecisionTable, types: UnitTypes) throws(Program.CompileError) {
        name = table.name.text
        hit = table.hit ?? .first
        inputs = table.inputs.map(\.name.text)
        outputNames = table.outputs.map(\.name.text)
        var rows: [Row] = []
        for row in table.rows {
            let cells = try Self.cells(row.when, inputs: table.inputs, types: types)
            var outputs: [String: Value] = [:]
            for (output, literal) in row.then {
                outputs[output.text] = try CompiledCell.value(literal, for: output.text)
            }
            rows.append(Row(cells: cells, outputs: outputs))
        }
        self.rows = rows
    }

    init(_ table: RoutingTable, types: UnitTypes) throws(Program.CompileError) {
        name = table.name.text
        hit = table.hit ?? .first
        inputs = table.inputs.map(\.name.text)
        outputNames = ["department", "deadline", "role"]
        var rows: [Row] = []
        for route in table.routes {
            let cells = try Self.cells(route.when, inputs: table.inputs, types: types)
            var outputs: [String: Value] = [:]
            if let department = route.department { outputs["department"] = .string(department.text) }
            if let deadline = route.deadline { outputs["deadline"] = .duration(deadline.amount) }
            outputs["role"] = route.role.map { .string($0.text) } ?? .null
            rows.append(Row(cells: cells, outputs: outputs))
        }
        self.rows = rows
    }

    static func cells(_ when: [(input: Name, cell: Cell)], inputs: [Field], types: UnitTypes)
        throws(Program.CompileError) -> [CompiledCell]
    {
        var cells: [CompiledCell] = []
        for (input, cell) in when {
            guard let field = inputs.first(where: { $0.name.text == input.text }) else { continue }
            cells.append(
                try CompiledCell(
                    input: input.text, cell: cell, type: types.valueType(field.type, name: input.text), types: types))
        }
        return cells
    }

    func evaluate(_ values: [String: Value], now: Instant, calendar: WorkCalendar) -> Result<[String: Value], Incident>
    {
        var matched: [Row] = []
        do {
            for row in rows {
                var hit = true
                for cell in row.cells
                where !(try cell.matches(values[cell.input] ?? .null, now: now, calendar: calendar)) {
                    hit = false
                    break
                }
                if hit {
                    matched.append(row)
                    if self.hit == .first || self.hit == .priority { break }
                }
            }
        } catch {
            return .failure(
                Incident(code: error.code, message: "a cell of '\(name)' failed: \(error.message)", transition: nil))
        }
        // The inputs by name only: a value read from a field hidden from some viewer must not
        // travel in a message that every viewer of the incident reads.
        let shown = "its inputs " + inputs.joined(separator: ", ")
        guard let first = matched.first else {
            return .failure(
                Incident(code: "no-rule-matched", message: "no row of '\(name)' matches \(shown)", transition: nil))
        }
        switch hit {
        case .first, .priority:
            return .success(first.outputs)
        case .unique, .any:
            if matched.count > 1, hit == .unique || Set(matched.map(\.outputs)).count > 1 {
                return .failure(
                    Incident(
                        code: "several-rules-matched",
                        message: "\(matched.count) rows of '\(name)' match \(shown) under hit policy '\(hit.rawValue)'",
                        transition: nil))
            }
            return .success(first.outputs)
        case .collect:
            var outputs: [String: Value] = [:]
            for name in outputNames { outputs[name] = .list(matched.map { $0.outputs[name] ?? .null }) }
            return .success(outputs)
        case .collectSum, .collectMin, .collectMax, .collectCount:
            var outputs: [String: Value] = [:]
            for name in outputNames {
                let numbers = matched.compactMap { row -> Number? in
                    if case .number(let n)? = row.outputs[name] { return n }
                    return nil
                }
                switch hit {
                case .collectSum:
                    var total = Number.Total()
                    for number in numbers { total.add(number) }
                    guard let sum = total.sum else {
                        return .failure(
                            Incident(
                                code: "overflow",
                                message:
                                    "the sum of '\(name)' over \(matched.count) rows of '\(self.name)' is 10^38 or more",
                                transition: nil))
                    }
                    outputs[name] = .number(sum)
                case .collectMin: outputs[name] = numbers.min().map(Value.number) ?? .null
                case .collectMax: outputs[name] = numbers.max().map(Value.number) ?? .null
                default: outputs[name] = .number(Number(matched.count))
                }
            }
            return .success(outputs)
        }
    }
}

/// Eligibility rules: exclusions, requirements and preferences, each with its reason.
struct CompiledEligibility: Sendable {
    struct Rule: Sendable {
        let name: String
        let reason: String
        let points: Number
        let code: CompiledExpression
        let text: String
    }

    let name: String
    let inputType: RecordType
    let exclude: [Rule]
    let require: [Rule]
    let prefer: [Rule]

    init(_ eligibility: Eligibility, types: UnitTypes) throws(Program.CompileError) {
        name = eligibility.name.text
        inputType = RecordType(
            name: "input",
            fields: eligibility.inputs.map {
                .init(name: $0.name.text, type: types.valueType($0.type, name: $0.name.text))
            })
        let roots: [(name: String, type: ValueType)] = [
            ("person", .record(types.personType)), ("input", .record(inputType)),
        ]
        func compile(_ rules: [Eligibility.Rule]) throws(Program.CompileError) -> [Rule] {
            var result: [Rule] = []
            for rule in rules {
                guard let when = rule.when else { continue }
                result.append(
                    Rule(
                        name: rule.name.text, reason: rule.reason ?? rule.name.text,
                        points: rule.points ?? Number(1),
                        code: try CompiledWorkflow.compile(
                            when.text, types.environment(roots), .bool, "rule '\(rule.name.text)'"),
                        text: when.text))
            }
            return result
        }
        exclude = try compile(eligibility.exclude)
        require = try compile(eligibility.require)
        prefer = try compile(eligibility.prefer)
    }

    /// `eligible`, `reasons` (every rule that excluded, failed or preferred, with its reason) and `points`.
    func evaluate(_ values: [String: Value], now: Instant, calendar: WorkCalendar) -> Result<[String: Value], Incident>
    {
        let input = Value.record(
            Record(layout: inputType.layout, slots: inputType.fields.map { values[$0.name] ?? .null }))
        let frame = Frame(roots: [values["person"] ?? .null, input], now: now, calendar: calendar)
        var eligible = true
        var reasons: [Value] = []
        var points = Number.zero
        do {
            for rule in exclude where try rule.code.evaluate(frame) == .bool(true) {
                eligible = false
                reasons.append(.string("excluded (\(rule.name)): \(rule.reason)"))
            }
            for rule in require where try rule.code.evaluate(frame) != .bool(true) {
                eligible = false
                reasons.append(.string("not met (\(rule.name)): \(rule.reason)"))
            }
            for rule in prefer where try rule.code.evaluate(frame) == .bool(true) {
                guard let sum = Number.adding(points, rule.points) else {
                    return .failure(
                        Incident(
                            code: "overflow",
                            message: "the points of '\(name)' are 10^38 or more after rule '\(rule.name)'",
                            transition: nil))
                }
                points = sum
                reasons.append(.string("preferred (\(rule.name)): \(rule.reason)"))
            }
        } catch {
            return .failure(
                Incident(code: error.code, message: "a rule of '\(name)' failed: \(error.message)", transition: nil))
        }
        let outputs: [String: Value] = [
            "eligible": .bool(eligible), "reasons": .list(reasons), "points": .number(points),
        ]
        return .success(outputs)
    }
}
