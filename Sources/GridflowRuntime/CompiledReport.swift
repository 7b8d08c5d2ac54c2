import GridflowDefinitions
import GridflowExpressions

/// A bulletin definition compiled.
public struct CompiledReport: Sendable {
    public let name: String
    public let title: String?
    public let workflow: String
    /// The workflow's title, when it has one.
    public let workflowTitle: String?
    /// The body that issues the bulletin (`issuer:`), when it names one.
    public let issuer: String?
    /// The roles the bulletin is for (`audience:`); empty when it states none.
    public let audience: [String]
    /// The restricted fields of the workflow it reads (`visible_to`, `visible_when`, opener).
    public let restrictedReads: [String]
    public let groups: [Group]
    public let measures: [Measure]

    public struct Group: Sendable {
        public let name: String
        public let title: String?
        let by: CompiledExpression
        /// What the key reads of `case`: where one of those fields is hidden from the viewer, the
        /// key is `‹hidden›`.
        let reads: RootReads
        /// The title of each key the unit names: an enum's value titles when the key is of an
        /// enum, else a state's, a department's or an org node's title.
        public let titles: [String: String]

        /// How a key is shown to people: its title, else the key as it is.
        public func title(of key: String) -> String { titles[key] ?? key }
    }

    /// Whether `viewer` may run the report: anyone when it states no audience (it reads no
    /// restricted field), else a person acting in one of its roles.
    public func admits(_ viewer: Viewer) -> Bool {
        viewer.belongs(to: audience)
    }

    public struct Measure: Sendable {
        public let name: String
        public let title: String?
        public let kind: Report.Kind
        let value: CompiledExpression?
        let filter: CompiledExpression?
    }

    init(_ report: Report, types: UnitTypes, definitions: UnitDefinitions) throws(Program.CompileError) {
        name = report.name.text
        title = report.title
        let workflowName = report.workflow?.text ?? ""
        workflow = workflowName
        guard let definition = definitions.workflows.first(where: { $0.name.text == workflowName }) else {
            throw Program.CompileError(description: "report \(report.name.text): no workflow '\(workflowName)'")
        }
        workflowTitle = definition.title
        issuer = report.issuer
        audience = report.audience.map(\.text)
        restrictedReads = Array(Set(report.restrictedReads(in: definition).map(\.field.name.text))).sorted()
        let roots = types.reportRoots(definition)
        let place = "report \(name)"
        var groups: [Group] = []
        for group in report.groups {
            guard let by = group.by else { continue }
            let compiled = try CompiledWorkflow.compile(by.text, types.environment(roots), nil, place)
            groups.append(
                Group(
                    name: group.name.text, title: group.title, by: compiled,
                    reads: Compiler.reads(of: by.text, root: "case") ?? RootReads(),
                    titles: Self.keyTitles(compiled.type, unit: types.unit, workflow: definition)))
        }
        self.groups = groups
        var measures: [Measure] = []
        for measure in report.measures {
            guard let kind = measure.kind else { continue }
            let expecting: ValueType = kind == .share ? .bool : .optional(.decimal)
            var value: CompiledExpression?
            if let expression = measure.value {
                value = try CompiledWorkflow.compile(expression.text, types.environment(roots), expecting, place)
            }
            var filter: CompiledExpression?
            if let expression = measure.filter {
                filter = try CompiledWorkflow.compile(expression.text, types.environment(roots), .bool, place)
            }
            measures.append(
                Measure(name: measure.name.text, title: measure.title, kind: kind, value: value, filter: filter))
        }
        self.measures = measures
    }
}

extension CompiledReport {
    /// The titles of the keys of a group whose key is of `type`: an enum's value titles, a
    /// department's or an org node's; for any other key, the titles of the workflow's states,
    /// then of the departments, then of the org nodes, the first that names the key.
    static func keyTitles(_ type: ValueType, unit: Unit, workflow: Workflow) -> [String: String] {
        var departments: [String: String] = [:]
        for department in unit.departments {
            if let title = department.title { departments[department.name.text] = title }
        }
        var nodes: [String: String] = [:]
        for (node, _) in unit.tree?.walk() ?? [] {
            if let title = node.title { nodes[node.name.text] = title }
        }
        if case .enumeration(let name, _) = type.unwrapped {
            switch name {
            case "department": return departments
            case "org node": return nodes
            default: return unit.enumeration(name)?.titles ?? [:]
            }
        }
        var states: [String: String] = [:]
        for state in workflow.states {
            if let title = state.title { states[state.name.text] = title }
        }
        return states.merging(departments) { first, _ in first }.merging(nodes) { first, _ in first }
    }
}

/// The figures of a bulletin for one period.
public struct ReportFigures: Sendable {
    /// One row: a key (or "all") and the value of each measure; `nil` when there is nothing to
    /// measure (no case, or a share of none).
    public struct Row: Sendable {
        public var key: String
        public var cases: Int
        public var values: [Number?]
    }

    public var report: CompiledReport
    public var period: String
    public var overall: Row
    /// Rows of each group, in key order.
    public var groups: [(group: CompiledReport.Group, rows: [Row])]
}

/// A measure's sum is 10^38 or more, beyond the 38 digits a number holds.
struct Overflow: Error {}

/// Accumulates a measure's inputs for one row.
struct MeasureAccumulator {
    var count = 0
    var hits = 0
    var values: [Number] = []

    mutating func add(_ kind: Report.Kind, _ value: Value?) {
        count += 1
        switch kind {
        case .count: break
        case .share: if value == .bool(true) { hits += 1 }
        default: if case .number(let number)? = value { values.append(number) }
        }
    }

    /// The measure's value, rounded once (a share, average or median to one place); a sum of
    /// 10^38 or more is an error, never a value left out.
    func result(_ kind: Report.Kind) throws(Overflow) -> Number? {
        func total(_ values: some Sequence<Number>) -> Number.Total {
            var total = Number.Total()
            for value in values { total.add(value) }
            return total
        }
        switch kind {
        case .count: return Number(count)
        case .share:
            guard count > 0 else { return nil }
            // At most 100: never beyond 38 digits.
            return Number.divide(Number(hits * 100), Number(count), places: 1)
        case .sum:
            guard let sum = total(values).sum else { throw Overflow() }
            return sum
        case .average:
            // Between the smallest and the largest value: never beyond 38 digits.
            return total(values).average(places: 1)
        case .median:
            guard !values.isEmpty else { return nil }
            let sorted = values.sorted()
            if sorted.count % 2 == 1 { return sorted[sorted.count / 2].rounded(1).trimmed() }
            return total(sorted[(sorted.count / 2 - 1)...(sorted.count / 2)]).average(places: 1)
        case .p90:
            // Nearest rank: the smallest value at least 90% of the values do not exceed.
            guard !values.isEmpty else { return nil }
            let sorted = values.sorted()
            let rank = (sorted.count * 9 + 9) / 10
            return sorted[max(rank, 1) - 1]
        }
    }
}

extension Engine {
    /// The figures of `report` for the cases opened in `window`, as `viewer` may see them: each
    /// case is read through `CaseView`, so a field hidden from the viewer in a case (a
    /// `visible_when` that does not hold, or a role that may not see it) reads as empty in
    /// measures, and a group key that reads it is `‹hidden›`. Running a report whose audience
    /// the viewer is not in is for the caller to refuse (`CompiledReport.admits`).
    public func figures(of report: CompiledReport, window: AppraisalWindow, now: Instant, viewer: Viewer)
        throws(EngineError) -> ReportFigures
    {
        guard let workflow = program.workflow(report.workflow) else {
            throw EngineError(.incident, "report \(report.name): no workflow '\(report.workflow)'")
        }
        let (from, to) = window.instants(in: program.calendar.zone)
        let cases = try storeCall { () throws(StoreError) in
            try store.cases(unit: program.unit, workflow: report.workflow, openedFrom: from, to: to)
        }
        let entries = try storeCall { () throws(StoreError) in
            try store.firstEntries(unit: program.unit, workflow: report.workflow, openedFrom: from, to: to)
        }
        let interpreter = self.interpreter
        var overall = [MeasureAccumulator](repeating: .init(), count: report.measures.count)
        var groups = [[String: [MeasureAccumulator]]](repeating: [:], count: report.groups.count)
        var counts = [[String: Int]](repeating: [:], count: report.groups.count)
        for stored in cases {
            let snapshot = try snapshot(stored, anyVersion: true)
            var entered: [Value: Value] = [:]
            for (state, at) in entries[stored.id] ?? [:] { entered[.string(state)] = .datetime(at) }
            let view = CaseView(snapshot, of: workflow, for: viewer, program: program, now: now)
            let hidden = Set(view.hidden.map(\.name))
            var record = interpreter.withBuiltins(snapshot)
            if !hidden.isEmpty {
                var slots = record.slots
                for name in hidden {
                    if let slot = record.layout.slot(of: name) { slots[slot] = .null }
                }
                record = Record(layout: record.layout, slots: slots)
            }
            let frame = Frame(roots: [.record(record), .map(entered)], now: now, calendar: program.calendar)
            var place = ""
            do throws(EvaluationError) {
                var values: [Value?] = []
                var included: [Bool] = []
                for measure in report.measures {
                    var keep = true
                    place = "'where' of measure '\(measure.name)'"
                    if let filter = measure.filter { keep = try filter.evaluate(frame) == .bool(true) }
                    place = "the value of measure '\(measure.name)'"
                    included.append(keep)
                    var value: Value?
                    if keep, let code = measure.value { value = try code.evaluate(frame) }
                    values.append(value)
                }
                for (index, measure) in report.measures.enumerated() where included[index] {
                    overall[index].add(measure.kind, values[index])
                }
                for (groupIndex, group) in report.groups.enumerated() {
                    let key: String
                    place = "the key of group '\(group.name)'"
                    if group.reads.whole ? !hidden.isEmpty : !group.reads.members.isDisjoint(with: hidden) {
                        key = CaseView.mark
                    } else {
                        switch try group.by.evaluate(frame) {
                        case .null: key = "—"
                        case .string(let text): key = text
                        case let other: key = other.description
                        }
                    }
                    counts[groupIndex][key, default: 0] += 1
                    var row =
                        groups[groupIndex][key]
                        ?? [MeasureAccumulator](repeating: .init(), count: report.measures.count)
                    for (index, measure) in report.measures.enumerated() where included[index] {
                        row[index].add(measure.kind, values[index])
                    }
                    groups[groupIndex][key] = row
                }
            } catch {
                throw EngineError(
                    .incident, "report \(report.name), \(place), on case \(stored.id): \(view.scrub(error.message))")
            }
        }
        func row(_ key: String, _ cases: Int, _ accumulators: [MeasureAccumulator]) throws(EngineError)
            -> ReportFigures.Row
        {
            var values: [Number?] = []
            for (measure, accumulator) in zip(report.measures, accumulators) {
                do { values.append(try accumulator.result(measure.kind)) } catch {
                    throw EngineError(
                        .incident,
                        "report \(report.name), measure \(measure.name), row \(key): the \(measure.kind.rawValue) is 10^38 or more"
                    )
                }
            }
            return .init(key: key, cases: cases, values: values)
        }
        var groupRows: [(group: CompiledReport.Group, rows: [ReportFigures.Row])] = []
        for (index, group) in report.groups.enumerated() {
            var rows: [ReportFigures.Row] = []
            for key in groups[index].keys.sorted() {
                rows.append(try row(key, counts[index][key]!, groups[index][key]!))
            }
            groupRows.append((group, rows))
        }
        return ReportFigures(
            report: report, period: window.description, overall: try row("all", cases.count, overall),
            groups: groupRows)
    }
}
