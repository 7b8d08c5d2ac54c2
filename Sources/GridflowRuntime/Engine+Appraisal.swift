import GridflowDefinitions
import GridflowDiagnostics
import GridflowExpressions

/// Facts imported from CSV files for one appraisal: a value per person and fact, with the place
/// each came from.
public struct ImportedFacts: Sendable {
    /// Values by person id, then by fact slot.
    public private(set) var values: [String: [Int: Number]] = [:]
    private var origins: [String: [Int: String]] = [:]

    public init() {}

    /// Reads one CSV file: a header row with a `person` column and one column per imported
    /// fact, then a row per person. Every problem of the file is returned at once, each with
    /// `file:line` and the column; when there are any, nothing of the file is kept.
    public mutating func read(csv text: String, file: String, for appraisal: CompiledAppraisal) -> [String] {
        let records: [CSV.Record]
        do { records = try CSV.read(text) } catch { return ["\(file):\(error.line): \(error.message)"] }
        guard let header = records.first else { return ["\(file):1: the file is empty; it needs a header row"] }
        var problems: [String] = []
        var personColumn: Int?
        var columns: [(index: Int, fact: CompiledAppraisal.ImportFact)] = []
        let importNames = appraisal.importFacts.map(\.name)
        for (index, raw) in header.fields.enumerated() {
            let name = raw.trimmingCharacters(in: .whitespaces)
            if name == "person" {
                personColumn = index
            } else if let fact = appraisal.importFacts.first(where: { $0.name == name }) {
                if columns.contains(where: { $0.fact.name == name }) {
                    problems.append("\(file):\(header.line): column '\(name)' appears twice")
                }
                columns.append((index, fact))
            } else if appraisal.storeFacts.contains(where: { $0.name == name })
                || appraisal.fileFacts.contains(where: { $0.name == name })
            {
                problems.append(
                    "\(file):\(header.line): column '\(name)' is a fact counted from cases (source: store), not imported"
                )
            } else {
                problems.append(
                    "\(file):\(header.line): column '\(name)' is not an imported fact of \(appraisal.name)"
                        + Suggestion.didYouMean(name, in: importNames + ["person"])
                        + "; imported facts: " + importNames.joined(separator: ", "))
            }
        }
        guard let personColumn else {
            return problems + ["\(file):\(header.line): the header has no 'person' column (the person's id)"]
        }
        let locator = CSV.Locator(text)
        /// `file:line:column` of a cell.
        func cell(_ record: CSV.Record, _ index: Int) -> String {
            index < record.offsets.count ? "\(file):\(locator.place(record.offsets[index]))" : "\(file):\(record.line)"
        }
        var values = self.values
        var origins = self.origins
        for record in records.dropFirst() {
            guard record.fields.count == header.fields.count else {
                problems.append(
                    "\(file):\(record.line): \(record.fields.count) fields, but the header has \(header.fields.count)")
                continue
            }
            let person = record.fields[personColumn].trimmingCharacters(in: .whitespaces)
            guard !person.isEmpty else {
                problems.append("\(cell(record, personColumn)): column 'person' is empty")
                continue
            }
            if let problem = PersonID.problem(person) {
                problems.append("\(cell(record, personColumn)): column 'person': \(problem)")
                continue
            }
            for (index, fact) in columns {
                let text = record.fields[index].trimmingCharacters(in: .whitespaces)
                if text.isEmpty { continue }
                guard let number = Number(text) else {
                    let reason = Number.problem(parsing: text) ?? "is not a number"
                    problems.append("\(cell(record, index)): column '\(fact.name)': '\(text)' \(reason)")
                    continue
                }
                if let problem = fact.problem(number) {
                    problems.append("\(cell(record, index)): column '\(fact.name)': '\(text)' \(problem)")
                    continue
                }
                if let first = origins[person]?[fact.slot] {
                    problems.append(
                        "\(file):\(record.line): '\(person)' has '\(fact.name)' already, from \(first)")
                    continue
                }
                values[person, default: [:]][fact.slot] = number
                origins[person, default: [:]][fact.slot] = "\(file):\(record.line)"
            }
        }
        if problems.isEmpty {
            self.values = values
            self.origins = origins
        }
        return problems
    }

    /// Sets one imported value (from a scenario); returns the problem, if any.
    public mutating func set(
        _ person: String, _ fact: String, _ value: Number, origin: String, for appraisal: CompiledAppraisal
    )
        -> String?
    {
        guard let imported = appraisal.importFacts.first(where: { $0.name == fact }) else {
            return "'\(fact)' is not an imported fact of \(appraisal.name)"
                + Suggestion.didYouMean(fact, in: appraisal.importFacts.map(\.name))
        }
        if let problem = imported.problem(value) { return "'\(fact)' of \(person): \(value) \(problem)" }
        values[person, default: [:]][imported.slot] = value
        origins[person, default: [:]][imported.slot] = origin
        return nil
    }

    /// The people with imported values.
    public var people: Set<String> { Set(values.keys) }

    /// The values as a CSV file that `read(csv:file:for:)` reads back: a `person` column and one
    /// column per imported fact of `appraisal`, a row per person in id order (only `people`, when
    /// given); a fact a person has no value of is an empty cell.
    public func csv(for appraisal: CompiledAppraisal, of people: Set<String>? = nil) -> String {
        var out = (["person"] + appraisal.importFacts.map(\.name)).joined(separator: ",") + "\n"
        for person in values.keys.sorted() where people?.contains(person) ?? true {
            let row = appraisal.importFacts.map { fact in values[person]?[fact.slot].map { "\($0)" } ?? "" }
            out += ([person] + row).joined(separator: ",") + "\n"
        }
        return out
    }

    /// Where a person's value of a fact came from (`file:line`).
    public func origin(_ person: String, _ slot: Int) -> String? { origins[person]?[slot] }
}

/// What an appraisal run did.
public struct AppraisalOutcome: Sendable {
    public struct Entry: Sendable {
        public var person: String
        public var name: String
        public var facts: Record
        public var score: AppraisalScore
    }

    public var entries: [Entry] = []
    /// People who could not be scored, and why (a missing imported fact, a formula that failed).
    public var incomplete: [(person: String, role: String, reason: String)] = []
    /// Consequences performed by this run.
    public var performed: [StoredConsequence] = []
    /// Consequences skipped because an earlier run performed them.
    public var alreadyPerformed = 0
    /// Consequences that could not be performed (the case they open was refused).
    public var failed: [String] = []
    /// Seconds spent reading people, counting facts from cases, scoring and saving.
    public var seconds: (people: Double, facts: Double, scoring: Double, saving: Double) = (0, 0, 0, 0)
    /// Cases read to count facts.
    public var casesRead = 0
    /// People with imported facts who were not appraised: not in the directory, or holding no
    /// role of the appraisal's packages. (Facts counted from cases name anyone who, say,
    /// reported; those of people outside the packages are expected.)
    public var factsWithoutPerson: [String] = []
    /// Whether results were stored: not for a dry run, nor when someone could not be appraised.
    public var stored = false
}

extension Engine {
    /// Appraises the people of the unit's directory who hold a role of the appraisal's packages
    /// (only `role`, when given) for `window`: facts counted from the cases opened in the period
    /// plus `imported`, each person scored with their role's package, results stored per
    /// period and definition version (a re-run replaces them), and each grade's consequences
    /// performed exactly once per period, person and role, however often the period is re-run.
    public func appraise(
        _ appraisal: CompiledAppraisal, window: AppraisalWindow, role: String?, imported: ImportedFacts, now: Instant,
        dryRun: Bool = false, progress: (@Sendable (_ stage: String, _ done: Int, _ total: Int) -> Void)? = nil
    ) throws(EngineError) -> AppraisalOutcome {
        var outcome = AppraisalOutcome()
        let clock = ContinuousClock()
        func seconds(since start: ContinuousClock.Instant) -> Double {
            (clock.now - start).inSeconds
        }
        if let role, appraisal.package(for: role) == nil {
            throw EngineError(
                .notFound,
                "appraisal \(appraisal.name) has no package for role '\(role)'; packages: "
                    + appraisal.packages.map(\.role).joined(separator: ", "))
        }

        // Who is appraised, in which roles.
        var start = clock.now
        let stored = try storeCall { () throws(StoreError) in try store.people(unit: program.unit) }
        // An appointment counts for a period if it had not ended by the period's end: one ended
        // mid-period is not appraised for that period (nor after); one ended later still is.
        let (_, periodEnd) = window.instants(in: program.calendar.zone)
        let appointed = try appointments(lastingAt: min(periodEnd, now))
        var people: [(id: String, record: Record, roles: [String])] = []
        let packaged = Set(appraisal.packages.map(\.role)).intersection(
            role.map { [$0] } ?? Set(appraisal.packages.map(\.role)))
        for (index, person) in stored.enumerated() {
            let actor = try actor(person, roles: [], now: now, appointed: appointed[person.id] ?? [])
            let roles = appraisal.packages.map(\.role).filter { packaged.contains($0) && actor.roles.contains($0) }
            if !roles.isEmpty, let record = actor.person { people.append((person.id, record, roles)) }
            if index % 4096 == 0 { progress?("reading people", index, stored.count) }
        }
        outcome.seconds.people = seconds(since: start)

        // Facts counted from cases: one pass over each workflow's cases of the period.
        start = clock.now
        var counted: [String: [Int: Number]] = [:]
        let (from, to) = window.instants(in: program.calendar.zone)
        let interpreter = self.interpreter
        for workflowName in Set(appraisal.storeFacts.map(\.workflow)).sorted() {
            let facts = appraisal.storeFacts.filter { $0.workflow == workflowName }
            let cases = try storeCall { () throws(StoreError) in
                try store.cases(unit: program.unit, workflow: workflowName, openedFrom: from, to: to)
            }
            for (index, storedCase) in cases.enumerated() {
                if index % 4096 == 0 { progress?("counting facts from \(workflowName) cases", index, cases.count) }
                let snapshot = try snapshot(storedCase, anyVersion: true)
                let frame = Frame(
                    roots: [.record(interpreter.withBuiltins(snapshot))], now: now, calendar: program.calendar)
                for fact in facts {
                    do throws(EvaluationError) {
                        if let filter = fact.filter, try filter.evaluate(frame) != .bool(true) { continue }
                        var amount = Number(1)
                        if let sum = fact.sum {
                            guard case .number(let value) = try sum.evaluate(frame) else { continue }
                            amount = value
                        }
                        var ids: [String] = []
                        switch try fact.person.evaluate(frame) {
                        case .string(let id): ids = [id]
                        case .list(let items):
                            for case .string(let id) in items where !ids.contains(id) { ids.append(id) }
                        default: break
                        }
                        for id in ids {
                            guard let total = Number.adding(counted[id]?[fact.slot] ?? .zero, amount) else {
                                throw EvaluationError(
                                    "overflow", "the count overflows 38 digits", at: TextRange(offset: 0, length: 0))
                            }
                            counted[id, default: [:]][fact.slot] = total
                        }
                    } catch {
                        throw EngineError(
                            .incident,
                            "fact \(fact.name) cannot be counted on case \(storedCase.id): \(error.message)")
                    }
                }
            }
            outcome.casesRead += cases.count
        }
        // Facts counted from uploads: one query per folder.
        for fact in appraisal.fileFacts {
            let counts = try storeCall { () throws(StoreError) in
                try store.uploadCounts(unit: program.unit, folder: fact.folder, from: from, to: to)
            }
            for (id, count) in counts { counted[id, default: [:]][fact.slot] = Number(count) }
        }
        outcome.seconds.facts = seconds(since: start)

        // Scoring.
        start = clock.now
        let factCount = appraisal.factsType.fields.count
        let layout = appraisal.factsType.layout
        for (index, person) in people.enumerated() {
            if index % 8192 == 0 { progress?("scoring", index, people.count) }
            var slots = [Value](repeating: .number(.zero), count: factCount)
            var missing: [String] = []
            let importedValues = imported.values[person.id]
            for fact in appraisal.importFacts {
                if let value = importedValues?[fact.slot] ?? fact.defaultValue {
                    slots[fact.slot] = .number(value)
                } else {
                    missing.append(fact.name)
                }
            }
            if let values = counted[person.id] {
                for (slot, value) in values { slots[slot] = .number(value) }
            }
            if !missing.isEmpty {
                for role in person.roles {
                    outcome.incomplete.append(
                        (person.id, role, "no imported value for " + missing.joined(separator: ", ")))
                }
                continue
            }
            let facts = Record(layout: layout, slots: slots)
            for role in person.roles {
                guard let package = appraisal.package(for: role) else { continue }
                do {
                    let score = try package.score(person: person.record, facts: facts)
                    let name: String
                    if case .string(let text)? = person.record["name"] { name = text } else { name = person.id }
                    outcome.entries.append(.init(person: person.id, name: name, facts: facts, score: score))
                } catch {
                    outcome.incomplete.append((person.id, role, "a formula failed: \(error.message)"))
                }
            }
        }
        outcome.seconds.scoring = seconds(since: start)
        let appraised = Set(people.map(\.id))
        // Counted facts of others are no news (anyone may report); imported ones are a slip.
        outcome.factsWithoutPerson = imported.people.subtracting(appraised).sorted()

        // Results and consequences, in one transaction; a dry run (for explanations) stores
        // nothing, and neither does a run that could not appraise everyone: the period's earlier
        // results stay as they were rather than be replaced by a part of them.
        if dryRun || !outcome.incomplete.isEmpty { return outcome }
        start = clock.now
        let done = try storeCall { () throws(StoreError) in
            try store.appraisalConsequences(unit: program.unit, appraisal: appraisal.name, period: window.description)
        }
        let performed = Set(done.map(Self.key))
        var records: [String: Record] = [:]
        for person in people { records[person.id] = person.record }
        var results: [StoredAppraisal] = []
        var consequences: [(consequence: StoredConsequence, step: Step?)] = []
        results.reserveCapacity(outcome.entries.count)
        for entry in outcome.entries {
            results.append(
                StoredAppraisal(
                    person: entry.person, role: entry.score.role, definitionVersion: program.version,
                    total: entry.score.total.description, grade: entry.score.grade,
                    detailsJSON: Self.details(entry.score), at: now))
            guard let package = appraisal.package(for: entry.score.role),
                let effects = package.consequences[entry.score.grade]
            else { continue }
            let frame = Frame(
                roots: [
                    .record(entry.facts), .record(records[entry.person]!),
                    .number(entry.score.total), .string(entry.score.grade), .string(window.description),
                    entry.score.veto.map { .string($0.name) } ?? .null,
                ], now: now, calendar: program.calendar)
            // The package's rewards table decides for this grade before any consequence runs.
            if let rewards = package.rewards {
                switch decideRewards(rewards, frame) {
                case .success(let record): frame.roots.append(.record(record))
                case .failure(let message):
                    outcome.failed.append(
                        "\(entry.person) (\(entry.score.role), \(entry.score.grade)): rewards table '\(rewards.rules)': \(message)"
                    )
                    continue
                }
            }
            for (index, effect) in effects.enumerated() {
                let key = "\(entry.person)\u{0}\(entry.score.role)\u{0}\(entry.score.grade)\u{0}\(index)"
                if performed.contains(key) {
                    outcome.alreadyPerformed += 1
                    continue
                }
                let request: EffectRequest?
                do { request = try interpreter.perform(effect, frame) } catch {
                    outcome.failed.append(
                        "\(entry.person) (\(entry.score.role), \(entry.score.grade)): consequence \(index + 1) cannot be evaluated: \(error.message)"
                    )
                    continue
                }
                guard let request else { continue }
                var consequence = StoredConsequence(
                    person: entry.person, role: entry.score.role, grade: entry.score.grade, index: index,
                    kind: request.kind, detailsJSON: request.json, caseID: nil)
                // Ending an appointment the person does not hold is said, and not recorded as done.
                if case .endAppointment = request, let object = try? JSONReader.read(request.json),
                    let problem = try endProblem(object)
                {
                    outcome.failed.append(
                        "\(entry.person) (\(entry.score.role), \(entry.score.grade)): consequence \(index + 1): \(problem)"
                    )
                    continue
                }
                var step: Step?
                if case .open(let workflow, let fields) = request {
                    let id = try storeCall { () throws(StoreError) in
                        try store.newCaseID(unit: program.unit, workflow: workflow)
                    }
                    switch interpreter.open(workflow, id: id, input: fields, by: .system, now: now) {
                    case .advanced(let opened):
                        step = opened
                        consequence.caseID = id
                    case .rejected(let rejection):
                        outcome.failed.append(
                            "\(entry.person) (\(entry.score.role), \(entry.score.grade)): cannot open \(workflow): \(rejection.message)"
                        )
                        continue
                    case .incident(let incident):
                        outcome.failed.append(
                            "\(entry.person) (\(entry.score.role), \(entry.score.grade)): cannot open \(workflow): \(incident.message)"
                        )
                        continue
                    }
                }
                consequences.append((consequence, step))
            }
        }
        try storeCall { () throws(StoreError) in
            try store.saveAppraisal(
                unit: program.unit, appraisal: appraisal.name, period: window.description,
                roles: role.map { [$0] } ?? appraisal.packages.map(\.role), results: results,
                consequences: consequences, at: now)
        }
        outcome.stored = true
        // What the transaction performed (a concurrent run may have performed some first).
        let after = try storeCall { () throws(StoreError) in
            try store.appraisalConsequences(unit: program.unit, appraisal: appraisal.name, period: window.description)
        }
        var mine: [String: String] = [:]
        for (consequence, _) in consequences {
            mine[Self.key(consequence)] = consequence.caseID ?? ""
        }
        outcome.performed = after.filter { mine[Self.key($0)] == ($0.caseID ?? "") }
        outcome.seconds.saving = seconds(since: start)
        return outcome
    }

    static func key(_ consequence: StoredConsequence) -> String {
        "\(consequence.person)\u{0}\(consequence.role)\u{0}\(consequence.grade)\u{0}\(consequence.index)"
    }

    /// A score as JSON: dimensions, bonus and deduction items, caps, total, grade and the veto
    /// that set it (`vetoed_by`, null when the total did).
    static func details(_ score: AppraisalScore) -> String {
        func items(_ list: [AppraisalScore.ItemResult]) -> Value {
            .list(
                list.map {
                    .map([
                        .string("name"): .string($0.name), .string("count"): .number($0.count),
                        .string("points"): .number($0.points), .string("capped"): .bool($0.capped),
                    ])
                })
        }
        return ValueJSON.encode([
            "dimensions": .list(
                score.dimensions.map {
                    .map([
                        .string("name"): .string($0.name), .string("score"): .number($0.score),
                        .string("contribution"): .number($0.contribution),
                    ])
                }),
            "bonus": items(score.bonus), "deductions": items(score.deductions), "caps": caps(score.caps),
            "total": .number(score.total), "grade": .string(score.grade), "vetoed_by": vetoedBy(score.veto),
        ])
    }

    /// Caps as JSON: name, the items' points, what counted, what was cut.
    public static func caps(_ caps: [AppraisalScore.CapResult]) -> Value {
        .list(
            caps.map {
                .map([
                    .string("name"): .string($0.name), .string("sum"): .number($0.sum),
                    .string("points"): .number($0.points), .string("cut"): .number($0.cut),
                ])
            })
    }

    /// The veto that set a grade as JSON: name, title and the grade the total's band gave; null for none.
    public static func vetoedBy(_ veto: AppraisalScore.VetoResult?) -> Value {
        guard let veto else { return .null }
        return .map([
            .string("name"): .string(veto.name), .string("title"): veto.title.map(Value.string) ?? .null,
            .string("band_grade"): .string(veto.bandGrade),
        ])
    }
}

extension Engine {
    /// What a package's rewards table gives for one result: its outputs as the `rewards` record,
    /// or why it could not decide.
    func decideRewards(
        _ rewards: (rules: String, inputs: [(name: String, code: CompiledExpression)], type: RecordType), _ frame: Frame
    ) -> Result<Record, RewardsFailure> {
        var values: [String: Value] = [:]
        for (name, code) in rewards.inputs {
            do { values[name] = try code.evaluate(frame) } catch {
                return .failure(RewardsFailure("input '\(name)' cannot be evaluated: \(error.message)"))
            }
        }
        guard let rules = program.rules[rewards.rules] else {
            return .failure(RewardsFailure("no rule set '\(rewards.rules)'"))
        }
        switch rules.evaluate(values, now: frame.now, calendar: program.calendar) {
        case .success(let outputs):
            let layout = rewards.type.layout
            var slots = [Value](repeating: .null, count: rewards.type.fields.count)
            for field in rewards.type.fields {
                if let slot = layout.slot(of: field.name) { slots[slot] = outputs[field.name] ?? .null }
            }
            return .success(Record(layout: layout, slots: slots))
        case .failure(let incident): return .failure(RewardsFailure(incident.message))
        }
    }
}

/// Why a rewards table could not decide.
struct RewardsFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
