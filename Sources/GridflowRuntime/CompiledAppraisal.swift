import Foundation
import GridflowDefinitions
import GridflowExpressions

/// An appraisal period: `2024` (year), `2024-H1`, `2024-Q3` or `2024-11`, as days
/// `[start, end)` of the unit's calendar.
public struct AppraisalWindow: Sendable, Hashable, CustomStringConvertible {
    public let kind: AppraisalPeriod
    public let start: Day
    public let end: Day
    public let description: String

    /// Parses a period; `nil` when the text is none of the four forms.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        // Digits only, so that one period has one spelling (it keys stored results).
        guard text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-" || $0 == "Q" || $0 == "H") }),
            let first = parts.first, first.count == 4, let year = Int(first), year >= 1900, year < 3000
        else {
            return nil
        }
        func day(_ month: Int) -> Day {
            month > 12 ? Day(year: year + 1, month: 1, day: 1)! : Day(year: year, month: month, day: 1)!
        }
        description = text
        switch parts.count {
        case 1:
            kind = .year
            (start, end) = (day(1), day(13))
        case 2:
            let second = parts[1]
            if second.count == 2, second.first == "Q", let q = Int(second.dropFirst()), (1...4).contains(q) {
                kind = .quarter
                (start, end) = (day(q * 3 - 2), day(q * 3 + 1))
            } else if second.count == 2, second.first == "H", let h = Int(second.dropFirst()), (1...2).contains(h) {
                kind = .halfYear
                (start, end) = (day(h * 6 - 5), day(h * 6 + 1))
            } else if second.count == 2, let m = Int(second), (1...12).contains(m) {
                kind = .month
                (start, end) = (day(m), day(m + 1))
            } else {
                return nil
            }
        default:
            return nil
        }
    }

    /// The instants `[from, to)` of the period: local midnights in `zone`.
    public func instants(in zone: Zone) -> (from: Instant, to: Instant) {
        (zone.instant(on: start), zone.instant(on: end))
    }
}

/// A unit's appraisal compiled: its facts, how the store facts are counted, and one package per role.
public struct CompiledAppraisal: Sendable {
    public let name: String
    public let period: AppraisalPeriod
    /// The roles the results are for (`audience:`); empty when it states none.
    public let audience: [String]
    /// The restricted fields its store facts read, each as `'FIELD' of WORKFLOW`, sorted.
    public let restrictedReads: [String]
    /// Every fact, as the record formulas read as `facts`.
    public let factsType: RecordType
    public let storeFacts: [StoreFact]
    /// Facts counted from the uploads into a folder of the unit's file spaces.
    public let fileFacts: [FileFact]
    public let importFacts: [ImportFact]
    /// Packages by role, in the order written.
    public let packages: [CompiledPackage]

    /// A fact counted from the cases of a workflow.
    public struct StoreFact: Sendable {
        public let name: String
        public let slot: Int
        public let workflow: String
        let person: CompiledExpression
        let filter: CompiledExpression?
        let sum: CompiledExpression?
        /// How the store can count the fact itself, when its `person`, `where` and `sum` allow.
        let query: CaseCountQuery?
        /// Its `where` as a condition the store can check, if it can.
        let condition: CaseCondition?
    }

    /// A fact counted from the files each person uploaded into `folder` in the period (and has
    /// not deleted).
    public struct FileFact: Sendable {
        public let name: String
        public let slot: Int
        public let folder: String
    }

    /// A fact imported from CSV.
    public struct ImportFact: Sendable {
        public let name: String
        public let slot: Int
        public let type: ValueType
        public let defaultValue: Number?
        /// The least and the greatest value a person may have (`min`, `max`).
        public let minimum: Number?
        public let maximum: Number?

        /// Why `value` cannot be this fact's, or `nil` when it can: a whole number for an
        /// integer fact, within its bounds. The reason follows the value: "is above …".
        public func problem(_ value: Number) -> String? {
            if type.unwrapped == .integer, !value.isInteger { return "is not a whole number" }
            if let minimum, value < minimum { return "is below the least value \(minimum) (min)" }
            if let maximum, value > maximum { return "is above the greatest value \(maximum) (max)" }
            return nil
        }
    }

    public func package(for role: String) -> CompiledPackage? { packages.first { $0.role == role } }

    /// Whether `viewer` may run the appraisal: anyone when it states no audience (its facts read
    /// no restricted field), else a person acting in one of its roles.
    public func admits(_ viewer: Viewer) -> Bool { viewer.belongs(to: audience) }

    init(_ appraisal: Appraisal, types: UnitTypes, workflows: [String: CompiledWorkflow], definitions: UnitDefinitions)
        throws(Program.CompileError)
    {
        name = appraisal.name.text
        period = appraisal.period ?? .year
        audience = appraisal.audience.map(\.text)
        restrictedReads = Set(
            appraisal.restrictedReads(in: definitions.workflows).map { "'\($0.field.name.text)' of \($0.workflow)" }
        ).sorted()
        factsType = types.factsType(appraisal)
        var storeFacts: [StoreFact] = []
        var fileFacts: [FileFact] = []
        var importFacts: [ImportFact] = []
        for (slot, fact) in appraisal.facts.enumerated() {
            let place = "appraisal \(name), fact \(fact.name.text)"
            if fact.source == "store", let folder = fact.from?.files?.text {
                fileFacts.append(FileFact(name: fact.name.text, slot: slot, folder: folder))
            } else if fact.source == "store" {
                guard let from = fact.from, let workflowName = from.workflow?.text, let person = from.person,
                    let workflow = definitions.workflows.first(where: { $0.name.text == workflowName })
                else { throw Program.CompileError(description: "\(place): no query") }
                let roots = types.factQueryRoots(workflow)
                storeFacts.append(
                    StoreFact(
                        name: fact.name.text, slot: slot, workflow: workflowName,
                        person: try CompiledWorkflow.compile(person.text, types.environment(roots), nil, place),
                        filter: try from.filter.map { (e) throws(Program.CompileError) in
                            try CompiledWorkflow.compile(e.text, types.environment(roots), .bool, place)
                        },
                        sum: try from.sum.map { (e) throws(Program.CompileError) in
                            try CompiledWorkflow.compile(e.text, types.environment(roots), .decimal, place)
                        },
                        query: CaseCountQuery.translate(
                            person: person.text, where: from.filter?.text, sum: from.sum?.text),
                        condition: from.filter.flatMap { CaseCountQuery.condition(ExpressionShape($0.text)) }))
            } else {
                importFacts.append(
                    ImportFact(
                        name: fact.name.text, slot: slot, type: factsType.fields[slot].type,
                        defaultValue: fact.defaultValue, minimum: fact.bounds.min?.value,
                        maximum: fact.bounds.max?.value))
            }
        }
        self.storeFacts = storeFacts
        self.fileFacts = fileFacts
        self.importFacts = importFacts
        var packages: [CompiledPackage] = []
        for package in appraisal.packages {
            packages.append(
                try CompiledPackage(
                    package, roots: types.appraisalRoots(appraisal),
                    consequenceRoots: types.consequenceRoots(appraisal, package: package), appraisal: name,
                    types: types,
                    rewards: package.rewards.flatMap { rewards in
                        definitions.decisionTables.first { $0.name.text == rewards.rules.text }
                    }))
        }
        self.packages = packages
    }
}

/// One role's package: weighted dimensions, bonus and deduction items, grade bands and consequences.
public struct CompiledPackage: Sendable {
    public let role: String
    public let title: String?
    public let dimensions: [Dimension]
    public let bonus: [Item]
    public let deductions: [Item]
    /// Caps over groups of items, in the order written.
    public let caps: [Cap]
    /// Veto items, in the order written.
    public let vetoes: [Veto]
    public let bands: [Band]
    /// Effects by grade.
    let consequences: [String: [CompiledEffect]]
    /// The decision table consulted once the grade is known, its inputs, and the layout of the
    /// `rewards` record its outputs make for the consequences.
    let rewards: (rules: String, inputs: [(name: String, code: CompiledExpression)], type: RecordType)?

    public struct Dimension: Sendable {
        public let name: String
        public let title: String?
        public let weight: Number
        public let formula: String
        /// The facts the formula reads, in the order it mentions them.
        public let reads: [String]
        let score: CompiledExpression
    }

    public struct Item: Sendable {
        public let name: String
        public let points: Number
        public let max: Number?
        public let formula: String
        let per: CompiledExpression
    }

    public struct Band: Sendable {
        public let grade: String
        public let min: Number?
    }

    /// A cap over bonus items (`bonus`) or deduction items.
    public struct Cap: Sendable {
        public let name: String
        public let title: String?
        public let items: [String]
        public let max: Number
        public let bonus: Bool
    }

    /// A veto item: when `when` holds, the grade is `grade`.
    public struct Veto: Sendable {
        public let name: String
        public let title: String?
        public let grade: String
        public let formula: String
        /// The facts the condition reads, in the order it mentions them.
        public let reads: [String]
        let when: CompiledExpression
    }

    public func hasConsequences(_ grade: String) -> Bool { !(consequences[grade] ?? []).isEmpty }

    /// The consequences of a grade, one phrase each ("open formal_talk", "commend quarterly_bulletin").
    public func consequenceSummary(_ grade: String) -> [String] {
        (consequences[grade] ?? []).map { effect in
            let phrase: String
            switch effect.action {
            case .open(let workflow, _): phrase = "open \(workflow)"
            case .notify(let role, _): phrase = "notify \(role)"
            case .signal(_, let event): phrase = "signal \(event)"
            case .record(let ledger, _): phrase = "record in \(ledger)"
            case .commend(let list): phrase = "commend in \(list)"
            case .appoint(let role, _, _, _): phrase = "appoint \(role)"
            case .endAppointment(let role, _, _, _): phrase = "end the appointment to \(role)"
            }
            return effect.when == nil ? phrase : phrase + " (when its condition holds)"
        }
    }

    init(
        _ package: Appraisal.Package, roots: UnitTypes.Roots, consequenceRoots: UnitTypes.Roots, appraisal: String,
        types: UnitTypes, rewards table: DecisionTable? = nil
    ) throws(Program.CompileError) {
        role = package.role.text
        title = package.title
        let place = "appraisal \(appraisal), package \(role)"
        func reads(_ text: String) -> [String] {
            var names: [String] = []
            var rest = Substring(text)
            while let range = rest.range(of: "facts.") {
                let name = rest[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "_" }
                if !name.isEmpty, !names.contains(String(name)) { names.append(String(name)) }
                rest = rest[range.upperBound...]
            }
            return names
        }
        var dimensions: [Dimension] = []
        for dimension in package.dimensions {
            guard let score = dimension.score else { continue }
            dimensions.append(
                Dimension(
                    name: dimension.name.text, title: dimension.title,
                    weight: dimension.weight ?? .zero,
                    formula: score.text, reads: reads(score.text),
                    score: try CompiledWorkflow.compile(score.text, types.environment(roots), .decimal, place)))
        }
        self.dimensions = dimensions
        func items(_ list: [Appraisal.PointItem]) throws(Program.CompileError) -> [Item] {
            var items: [Item] = []
            for item in list {
                // Without `per`, the item counts once.
                let per = item.per?.text ?? "1"
                items.append(
                    Item(
                        name: item.name.text,
                        points: item.points ?? Number(1),
                        max: item.max, formula: per,
                        per: try CompiledWorkflow.compile(per, types.environment(roots), .decimal, place)))
            }
            return items
        }
        bonus = try items(package.bonus)
        deductions = try items(package.deductions)
        let bonusNames = Set(bonus.map(\.name))
        caps = package.caps.map { cap in
            Cap(
                name: cap.name.text, title: cap.title, items: cap.items.map(\.text), max: cap.max ?? .zero,
                bonus: cap.items.contains { bonusNames.contains($0.text) })
        }
        var vetoes: [Veto] = []
        for veto in package.vetoes {
            guard let when = veto.when, let grade = veto.grade else { continue }
            vetoes.append(
                Veto(
                    name: veto.name.text, title: veto.title, grade: grade.text, formula: when.text,
                    reads: reads(when.text),
                    when: try CompiledWorkflow.compile(when.text, types.environment(roots), .bool, place)))
        }
        self.vetoes = vetoes
        bands = try package.grades.map { (band) throws(Program.CompileError) in
            Band(grade: band.grade.text, min: band.min)
        }
        if let table, let decision = package.rewards {
            var inputs: [(name: String, code: CompiledExpression)] = []
            for (name, value) in decision.input {
                inputs.append(
                    (
                        name.text,
                        try CompiledWorkflow.compile(
                            value.text, types.environment(consequenceRoots), nil, "\(place), rewards")
                    ))
            }
            rewards = (table.name.text, inputs, types.rewardsType(table))
        } else {
            rewards = nil
        }
        let effectRoots = consequenceRoots + (table.map { [("rewards", .record(types.rewardsType($0)))] } ?? [])
        var consequences: [String: [CompiledEffect]] = [:]
        for (grade, effects) in package.consequences {
            consequences[grade.text] = try effects.map { (effect) throws(Program.CompileError) in
                try CompiledEffect(
                    effect, environment: types.environment(effectRoots),
                    place: "\(place), consequences of \(grade.text)")
            }
        }
        self.consequences = consequences
    }

    /// Scores one person: each dimension's score times its weight, plus bonus points, minus
    /// deductions (each item `points × per`, capped at `max`; then each cap's items together at
    /// most the cap's `max`), rounded half away from zero to two places; the grade is the first
    /// band whose `min` the total reaches, unless a veto's condition holds (the first in the
    /// order written): then it is the veto's grade, whatever the total.
    public func score(person: Record, facts: Record) throws(EvaluationError) -> AppraisalScore {
        let frame = Frame(roots: [.record(facts), .record(person)])
        var result = AppraisalScore(role: role)
        result.dimensions.reserveCapacity(dimensions.count)
        result.bonus.reserveCapacity(bonus.count)
        result.deductions.reserveCapacity(deductions.count)
        result.caps.reserveCapacity(caps.count)
        var total = Number.zero
        for dimension in dimensions {
            guard case .number(let score) = try dimension.score.evaluate(frame) else {
                throw EvaluationError(
                    "type", "dimension \(dimension.name) gave no number", at: TextRange(offset: 0, length: 0))
            }
            let contribution = try multiply(score, dimension.weight)
            total = try add(total, contribution)
            result.dimensions.append(.init(name: dimension.name, score: score, contribution: contribution))
        }
        func points(_ item: Item) throws(EvaluationError) -> AppraisalScore.ItemResult {
            guard case .number(let count) = try item.per.evaluate(frame) else {
                throw EvaluationError("type", "item \(item.name) gave no number", at: TextRange(offset: 0, length: 0))
            }
            var value = try multiply(count, item.points)
            var capped = false
            if let max = item.max, value > max {
                value = max
                capped = true
            }
            return .init(name: item.name, count: count, points: value, capped: capped)
        }
        for item in bonus {
            let hit = try points(item)
            total = try add(total, hit.points)
            result.bonus.append(hit)
        }
        for item in deductions {
            let hit = try points(item)
            total = try add(total, -hit.points)
            result.deductions.append(hit)
        }
        for cap in caps {
            var sum = Number.zero
            for hit in cap.bonus ? result.bonus : result.deductions where cap.items.contains(hit.name) {
                sum = try add(sum, hit.points)
            }
            let cut = sum > cap.max ? try add(sum, -cap.max) : .zero
            // A bonus cut lowers the total; a deduction cut gives the points back.
            total = try add(total, cap.bonus ? -cut : cut)
            result.caps.append(.init(name: cap.name, sum: sum, points: try add(sum, -cut), cut: cut))
        }
        result.total = total.rounded(2).trimmed()
        for band in bands where band.min == nil || result.total >= band.min! {
            result.grade = band.grade
            result.bandMin = band.min
            break
        }
        for veto in vetoes {
            guard case .bool(let holds) = try veto.when.evaluate(frame) else {
                throw EvaluationError(
                    "type", "veto \(veto.name) gave no true or false", at: TextRange(offset: 0, length: 0))
            }
            if holds {
                result.veto = .init(name: veto.name, title: veto.title, bandGrade: result.grade)
                result.grade = veto.grade
                break
            }
        }
        return result
    }

    private func add(_ a: Number, _ b: Number) throws(EvaluationError) -> Number {
        guard let sum = Number.adding(a, b) else {
            throw EvaluationError("overflow", "the total overflows 38 digits", at: TextRange(offset: 0, length: 0))
        }
        return sum
    }

    private func multiply(_ a: Number, _ b: Number) throws(EvaluationError) -> Number {
        guard let product = Number.multiplying(a, b) else {
            throw EvaluationError("overflow", "a product overflows 38 digits", at: TextRange(offset: 0, length: 0))
        }
        return product
    }
}

/// What scoring gave for one person in one role.
public struct AppraisalScore: Sendable, Hashable {
    public var role: String
    public var dimensions: [DimensionResult] = []
    public var bonus: [ItemResult] = []
    public var deductions: [ItemResult] = []
    public var caps: [CapResult] = []
    public var total: Number = .zero
    /// The grade: the band's, or the veto's when one holds.
    public var grade: String = ""
    /// The minimum of the band the total reached.
    public var bandMin: Number?
    /// The veto that set the grade, if any.
    public var veto: VetoResult?

    /// A cap: the points of its items (each after its own `max`), what it let count, what it cut.
    public struct CapResult: Sendable, Hashable {
        public var name: String
        public var sum: Number
        public var points: Number
        public var cut: Number
    }

    /// A veto that held, and the grade the total's band would have given.
    public struct VetoResult: Sendable, Hashable {
        public var name: String
        public var title: String?
        public var bandGrade: String
    }

    public struct DimensionResult: Sendable, Hashable {
        public var name: String
        public var score: Number
        public var contribution: Number
    }

    public struct ItemResult: Sendable, Hashable {
        public var name: String
        public var count: Number
        public var points: Number
        public var capped: Bool
    }
}
