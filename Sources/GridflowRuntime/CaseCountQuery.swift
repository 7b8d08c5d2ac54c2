import GridflowDefinitions
import GridflowExpressions

/// A condition on a case's stored fields and columns that a store can check itself (in SQL),
/// translated from a fact's `where` by `CaseCountQuery.translate`. Every form gives true or
/// false, never "unknown": a missing field is null, and null equals only null.
public indirect enum CaseCondition: Sendable, Hashable {
    /// The two terms are equal (null equals null only).
    case equals(CaseTerm, CaseTerm)
    /// The term is one of the strings.
    case oneOf(CaseTerm, [String])
    /// The term is the boolean true.
    case isTrue(CaseTerm)
    /// The term is not null.
    case present(CaseTerm)
    case and([CaseCondition])
    case or([CaseCondition])
    case not(CaseCondition)
}

/// A value a `CaseCondition` reads.
public indirect enum CaseTerm: Sendable, Hashable {
    /// A field of the case's stored fields, by path (`["reporter", "id"]`); null when missing.
    case field([String])
    /// The case's state.
    case state
    /// The case's id.
    case id
    case string(String)
    case bool(Bool)
    /// The first term unless it is null, else the second (`??`).
    case coalesce(CaseTerm, CaseTerm)
}

/// How one fact counts the cases of a workflow, in terms a store can count itself: per
/// person named by `person` (a string field; cases where it is null count for nobody), the
/// cases where `condition` holds, each adding one or the size of a list field.
public struct CaseCountQuery: Sendable, Hashable {
    public enum Amount: Sendable, Hashable {
        /// Each case counts one.
        case one
        /// Each case adds the number of items of a list field (none when it is missing).
        case size([String])
    }

    public var person: CaseTerm
    public var condition: CaseCondition?
    public var amount: Amount

    public init(person: CaseTerm, condition: CaseCondition?, amount: Amount) {
        self.person = person
        self.condition = condition
        self.amount = amount
    }

    /// The query for a fact whose `person`, `where` and `sum` are the given texts, or `nil`
    /// when one of them is beyond the forms a store counts (then the fact is counted case by
    /// case in Swift, which is always right).
    ///
    /// The forms: `person` is a field (`case.supervisor.id`), a list of one (`[case.supervisor.id]`),
    /// or `CONDITION ? [FIELD] : []`; `where` is `and`, `or`, `not`, `==`/`!=` and `in [...]`
    /// between fields (`case.state`, `case.id` and stored fields) and string or boolean
    /// literals, `has(FIELD)`, `FIELD ?? LITERAL`, and a boolean field alone; `sum` is
    /// `size(FIELD)` or `size(FIELD ?? [])`.
    public static func translate(person: String, where filter: String?, sum: String?) -> CaseCountQuery? {
        var conditions: [CaseCondition] = []
        if let filter {
            guard let condition = condition(ExpressionShape(filter)) else { return nil }
            conditions.append(condition)
        }
        var personShape = ExpressionShape(person)
        if case .conditional(let test, let then, .list(let otherwise)) = personShape, otherwise.isEmpty {
            guard let condition = condition(test) else { return nil }
            conditions.append(condition)
            personShape = then
        }
        if case .list(let items) = personShape {
            guard items.count == 1 else { return nil }
            personShape = items[0]
        }
        guard let personTerm = term(personShape), case .field = personTerm else { return nil }
        var amount = Amount.one
        if let sum {
            switch ExpressionShape(sum) {
            case .call("size", let arguments) where arguments.count == 1:
                var list = arguments[0]
                if case .binary("??", let inner, .list(let items)) = list, items.isEmpty { list = inner }
                guard case .field(let path)? = term(list) else { return nil }
                amount = .size(path)
            default: return nil
            }
        }
        return CaseCountQuery(
            person: personTerm,
            condition: conditions.isEmpty ? nil : conditions.count == 1 ? conditions[0] : .and(conditions),
            amount: amount)
    }

    /// A field, `case.state`, `case.id`, a string or boolean literal, or `TERM ?? TERM`.
    static func term(_ shape: ExpressionShape) -> CaseTerm? {
        switch shape {
        case .string(let text): return .string(text)
        case .bool(let value): return .bool(value)
        case .path(let names):
            guard names.count >= 2, names[0] == "case", names.dropFirst().allSatisfy(isPlainName) else { return nil }
            if names.count == 2, names[1] == "state" { return .state }
            if names.count == 2, names[1] == "id" { return .id }
            // The other built-in fields are columns of their own, not stored fields.
            if UnitTypes.builtinCaseFields.contains(names[1]) { return nil }
            return .field(Array(names.dropFirst()))
        case .binary("??", let left, let right):
            guard let left = term(left), let right = term(right) else { return nil }
            return .coalesce(left, right)
        default: return nil
        }
    }

    static func condition(_ shape: ExpressionShape) -> CaseCondition? {
        switch shape {
        case .binary("and", let left, let right):
            guard let left = condition(left), let right = condition(right) else { return nil }
            return .and([left, right])
        case .binary("or", let left, let right):
            guard let left = condition(left), let right = condition(right) else { return nil }
            return .or([left, right])
        case .unary("not", let operand):
            return condition(operand).map(CaseCondition.not)
        case .binary("==", let left, let right):
            guard let left = term(left), let right = term(right) else { return nil }
            return .equals(left, right)
        case .binary("!=", let left, let right):
            guard let left = term(left), let right = term(right) else { return nil }
            return .not(.equals(left, right))
        case .binary("in", let left, .list(let items)):
            guard let left = term(left) else { return nil }
            var strings: [String] = []
            for item in items {
                guard case .string(let text) = item else { return nil }
                strings.append(text)
            }
            return .oneOf(left, strings)
        case .call("has", let arguments) where arguments.count == 1:
            guard let field = term(arguments[0]), case .field = field else { return nil }
            return .present(field)
        case .bool(let value):
            return .isTrue(.bool(value))
        case .path, .binary("??", _, _):
            return term(shape).map(CaseCondition.isTrue)
        default: return nil
        }
    }

    /// A name a JSON path can hold as it is.
    static func isPlainName(_ name: String) -> Bool {
        func letter(_ c: UInt8) -> Bool {
            (c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "z") || c == UInt8(ascii: "_")
        }
        func digit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
        guard let first = name.utf8.first, letter(first) else { return false }
        return name.utf8.allSatisfy { letter($0) || digit($0) }
    }
}

/// Where a page of cases ends: its last case's opening instant and row, for the next page.
public struct CaseCursor: Sendable, Hashable {
    public var openedAt: Int64
    public var row: Int64

    public init(openedAt: Int64, row: Int64) {
        self.openedAt = openedAt
        self.row = row
    }
}

/// What a store counted for some `CaseCountQuery`s: each person named once (a row), and per row
/// one whole sum per query side by side, so that a million people take tens of megabytes and a
/// case adds to its person's sums with one lookup of the person, whatever the number of queries.
public struct CaseCounts: Sendable {
    /// How many queries (sums a row).
    public let queries: Int
    /// Each person's row.
    private var rows: [String: Int32] = [:]
    /// The sums, a row of `queries` per person.
    private var sums: [Int64] = []

    /// The sums added up to more than 64 bits.
    public struct Overflow: Error {}

    public init(queries: Int) { self.queries = queries }

    /// How many people were counted (some of them, perhaps, with sums of 0).
    public var count: Int { rows.count }

    /// The row of a person counted, if any.
    public func row(of person: String) -> Int? { rows[person].map(Int.init) }

    /// The row of a person, added (with sums of 0) when new.
    public mutating func row(for person: String) -> Int {
        if let found = rows[person] { return Int(found) }
        let row = rows.count
        rows[person] = Int32(truncatingIfNeeded: row)
        sums.append(contentsOf: repeatElement(0, count: queries))
        return row
    }

    /// A row's sum for a query.
    public func sum(_ row: Int, _ query: Int) -> Int64 { sums[row * queries + query] }

    /// Adds `amount` to a row's sum for a query.
    public mutating func add(_ amount: Int64, _ row: Int, _ query: Int) throws(Overflow) {
        let (total, overflow) = sums[row * queries + query].addingReportingOverflow(amount)
        guard !overflow else { throw Overflow() }
        sums[row * queries + query] = total
    }

    /// Sets a row's sum for a query (as a store's own `SUM` gives it).
    public mutating func set(_ sum: Int64, _ row: Int, _ query: Int) { sums[row * queries + query] = sum }

    /// Adds `amount` to a person's sum for a query.
    public mutating func add(_ amount: Int64, _ person: String, _ query: Int) throws(Overflow) {
        try add(amount, row(for: person), query)
    }

    /// Adds another count of the same queries (over other cases) to this one.
    public mutating func add(_ other: CaseCounts) throws(Overflow) {
        precondition(other.queries == queries, "counts of different queries")
        if rows.isEmpty {
            self = other
            return
        }
        rows.reserveCapacity(rows.count + other.rows.count)
        for (person, otherRow) in other.rows {
            let row = row(for: person)
            let from = Int(otherRow) * queries
            for query in 0..<queries where other.sums[from + query] != 0 {
                try add(other.sums[from + query], row, query)
            }
        }
    }

    /// Per query, the sums by person (none of 0): for tests and comparisons.
    public var byPerson: [[String: Number]] {
        var result = [[String: Number]](repeating: [:], count: queries)
        for (person, row) in rows {
            for query in 0..<queries where sum(Int(row), query) != 0 {
                result[query][person] = Number(Int(sum(Int(row), query)))
            }
        }
        return result
    }
}
