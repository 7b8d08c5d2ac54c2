import Dispatch
import GridflowDefinitions
import GridflowDiagnostics
import GridflowExpressions
import Synchronization

/// Facts imported from CSV files for one appraisal: a value per person and fact, with the place
/// each came from. Kept compact (a row per person, a column per fact, the place as a file
/// number and line), so that a million people's facts take tens of megabytes.
public struct ImportedFacts: Sendable {
    /// Each person's row.
    private var rows: [String: Int] = [:]
    /// Per fact slot (the index), the value of each row (`nil`: none).
    private var columns: [[Number?]] = []
    /// Per fact slot, where each row's value came from: `file << 32 | line` (`line` 0: the
    /// file's entry is the whole place, as `set` gives it).
    private var places: [[Int64]] = []
    private var files: [String] = []

    public init() {}

    /// The value of a person's fact, if imported.
    public func value(_ person: String, _ slot: Int) -> Number? {
        guard let row = rows[person], slot < columns.count, row < columns[slot].count else { return nil }
        return columns[slot][row]
    }

    /// The value of a fact in a row (`row(of:)`), if imported.
    func value(row: Int, _ slot: Int) -> Number? {
        guard slot < columns.count, row < columns[slot].count else { return nil }
        return columns[slot][row]
    }

    /// Whether the person has any imported value.
    public func has(_ person: String) -> Bool { rows[person] != nil }

    /// The row of a person with imported values, for `markable` bookkeeping (`0..<count`).
    func row(of person: String) -> Int? { rows[person] }

    /// How many people have imported values.
    public var count: Int { rows.count }

    /// Room for `more` people's values of `slots` without growing (a file's rows).
    private mutating func reserve(_ more: Int, slots: [Int]) {
        rows.reserveCapacity(rows.count + more)
        for slot in slots {
            grow(to: slot)
            columns[slot].reserveCapacity(rows.count + more)
            places[slot].reserveCapacity(rows.count + more)
        }
    }

    private mutating func grow(to slot: Int) {
        while columns.count <= slot {
            columns.append([])
            places.append([])
        }
    }

    private mutating func store(_ person: String, _ slot: Int, _ value: Number, place: Int64) {
        let row: Int
        if let found = rows[person] {
            row = found
        } else {
            row = rows.count
            rows[person] = row
        }
        grow(to: slot)
        if columns[slot].count <= row {
            columns[slot].append(contentsOf: repeatElement(nil, count: row + 1 - columns[slot].count))
            places[slot].append(contentsOf: repeatElement(-1, count: row + 1 - places[slot].count))
        }
        columns[slot][row] = value
        places[slot][row] = place
    }

    private mutating func file(_ name: String) -> Int64 {
        if let index = files.lastIndex(of: name) { return Int64(index) }
        files.append(name)
        return Int64(files.count - 1)
    }

    /// Reads one CSV file: a header row with a `person` column and one column per imported
    /// fact, then a row per person. Every problem of the file is returned at once, each with
    /// `file:line` and the column; when there are any, nothing of the file is kept.
    public mutating func read(csv text: String, file: String, for appraisal: CompiledAppraisal) -> [String] {
        // A file with problems adds nothing: what it added is undone at the end.
        let before = self
        var problems: [String] = []
        var reader = CSVReading(file: file, text: text, appraisal: appraisal)
        do throws(CSV.Problem) {
            try CSV.read(text) { record in reader.take(record, into: &self, problems: &problems) }
        } catch {
            self = before
            return ["\(file):\(error.line): \(error.message)"]
        }
        if !reader.sawHeader { problems.append("\(file):1: the file is empty; it needs a header row") }
        if !problems.isEmpty { self = before }
        return problems
    }

    /// What `read(csv:file:for:)` keeps while the records of a file come: the header's
    /// columns, then each row's values.
    private struct CSVReading {
        let file: String
        let text: String
        let appraisal: CompiledAppraisal
        var sawHeader = false
        var headerCount = 0
        var personColumn: Int?
        var columns: [(index: Int, fact: CompiledAppraisal.ImportFact)] = []
        var fileBits: Int64 = 0
        /// Made when a problem first names a cell.
        var locator: CSV.Locator?

        init(file: String, text: String, appraisal: CompiledAppraisal) {
            self.file = file
            self.text = text
            self.appraisal = appraisal
        }

        /// `file:line:column` of a cell.
        mutating func cell(_ record: CSV.Record, _ index: Int) -> String {
            guard index < record.offsets.count else { return "\(file):\(record.line)" }
            if locator == nil { locator = CSV.Locator(text) }
            return "\(file):\(locator!.place(record.offsets[index]))"
        }

        mutating func take(_ record: CSV.Record, into facts: inout ImportedFacts, problems: inout [String]) {
            guard sawHeader else {
                header(record, into: &facts, problems: &problems)
                return
            }
            guard let personColumn else { return }
            guard record.fields.count == headerCount else {
                problems.append(
                    "\(file):\(record.line): \(record.fields.count) fields, but the header has \(headerCount)")
                return
            }
            let person = CSV.trimmed(record.fields[personColumn])
            guard !person.isEmpty else {
                problems.append("\(cell(record, personColumn)): column 'person' is empty")
                return
            }
            if let problem = PersonID.problem(person) {
                problems.append("\(cell(record, personColumn)): column 'person': \(problem)")
                return
            }
            for (index, fact) in columns {
                let text = CSV.trimmed(record.fields[index])
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
                if let first = facts.origin(person, fact.slot) {
                    problems.append("\(file):\(record.line): '\(person)' has '\(fact.name)' already, from \(first)")
                    continue
                }
                facts.store(person, fact.slot, number, place: fileBits | Int64(record.line))
            }
        }

        mutating func header(_ header: CSV.Record, into facts: inout ImportedFacts, problems: inout [String]) {
            sawHeader = true
            headerCount = header.fields.count
            let importNames = appraisal.importFacts.map(\.name)
            for (index, raw) in header.fields.enumerated() {
                let name = CSV.trimmed(raw)
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
            guard personColumn != nil else {
                problems.append("\(file):\(header.line): the header has no 'person' column (the person's id)")
                return
            }
            fileBits = facts.file(file) << 32
            // Room for a value per line of the file, so the columns do not grow row by row.
            var lines = 0
            for byte in text.utf8 where byte == UInt8(ascii: "\n") { lines += 1 }
            facts.reserve(lines, slots: columns.map(\.fact.slot))
        }
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
        store(person, imported.slot, value, place: file(origin) << 32)
        return nil
    }

    /// The people with imported values.
    public var people: Set<String> { Set(rows.keys) }

    /// The people with imported values whose row (`row(of:)`) `holds` holds for, in id order.
    func people(where holds: (Int) -> Bool) -> [String] {
        rows.compactMap { holds($0.value) ? $0.key : nil }.sorted()
    }

    /// The values as a CSV file that `read(csv:file:for:)` reads back: a `person` column and one
    /// column per imported fact of `appraisal`, a row per person in id order (only `people`, when
    /// given); a fact a person has no value of is an empty cell.
    public func csv(for appraisal: CompiledAppraisal, of people: Set<String>? = nil) -> String {
        var out = (["person"] + appraisal.importFacts.map(\.name)).joined(separator: ",") + "\n"
        for person in rows.keys.sorted() where people?.contains(person) ?? true {
            let row = appraisal.importFacts.map { fact in value(person, fact.slot).map { "\($0)" } ?? "" }
            out += ([person] + row).joined(separator: ",") + "\n"
        }
        return out
    }

    /// Where a person's value of a fact came from (`file:line`).
    public func origin(_ person: String, _ slot: Int) -> String? {
        guard let row = rows[person], slot < places.count, row < places[slot].count, places[slot][row] >= 0 else {
            return nil
        }
        let place = places[slot][row]
        let file = files[Int(place >> 32)]
        let line = place & 0xFFFF_FFFF
        return line == 0 ? file : "\(file):\(line)"
    }
}

/// What an appraisal run did.
public struct AppraisalOutcome: Sendable {
    public struct Entry: Sendable {
        public var person: String
        public var name: String
        public var facts: Record
        public var score: AppraisalScore
    }

    /// The results, in person id order (each person's roles in the packages' order); empty when
    /// the run was asked not to keep them (`keepEntries: false`, for runs of any size).
    public var entries: [Entry] = []
    /// How many results the run made, kept or not.
    public var results = 0
    /// How many results got each grade.
    public var grades: [String: Int] = [:]
    /// People who could not be scored, and why (a missing imported fact, a formula that failed).
    public var incomplete: [(person: String, role: String, reason: String)] = []
    /// Consequences performed by this run.
    public var performed: [StoredConsequence] = []
    /// Consequences skipped because an earlier run performed them.
    public var alreadyPerformed = 0
    /// Consequences that could not be performed (the case they open was refused).
    public var failed: [String] = []
    /// Seconds spent reading people (on the thread that reads them a batch ahead, while the
    /// others go on), counting facts from cases, scoring and saving.
    public var seconds: (people: Double, facts: Double, scoring: Double, saving: Double) = (0, 0, 0, 0)
    /// Cases read one by one to count facts (facts the store counts itself read none).
    public var casesRead = 0
    /// Facts the store counted itself (`where` pushed down into its query).
    public var factsCountedInStore = 0
    /// People with imported facts who were not appraised: not in the directory, or holding no
    /// role of the appraisal's packages. (Facts counted from cases name anyone who, say,
    /// reported; those of people outside the packages are expected.)
    public var factsWithoutPerson: [String] = []
    /// Whether all results were stored: not for a dry run, nor when someone could not be appraised.
    public var stored = false
    /// How many people's results were stored: all of them when `stored`; when someone could not
    /// be appraised, those of the batches saved before (the rest keep the period's earlier results).
    public var storedPeople = 0
}

/// Counted facts by person: what stores counted as they gave it (`CaseCounts`, a row of sums
/// per person), and the rest (cases counted here, uploads) by an index per person and a column
/// per fact slot, whole numbers kept as such (8 bytes a person and fact), so that a million
/// people take tens of megabytes.
struct CountedFacts {
    /// Per workflow, the store's counts and the fact slot of each of its queries.
    private var stored: [(counts: CaseCounts, slots: [Int])] = []
    private var index: [String: Int] = [:]
    private var integers: [Int: [Int64]] = [:]
    private var numbers: [Int: [Number]] = [:]

    /// Adds what a store counted: query `n`'s sums are the fact of `slots[n]`.
    mutating func add(_ counts: CaseCounts, slots: [Int]) {
        if counts.count > 0 { stored.append((counts, slots)) }
    }

    mutating func add(_ person: String, _ slot: Int, _ amount: Number) throws(EvaluationError) {
        let row: Int
        if let found = index[person] {
            row = found
        } else {
            row = index.count
            index[person] = row
        }
        if numbers[slot] == nil, let whole = amount.int {
            var column = integers.removeValue(forKey: slot) ?? []
            if column.count <= row { column.append(contentsOf: repeatElement(0, count: row + 1 - column.count)) }
            let (sum, overflow) = column[row].addingReportingOverflow(Int64(whole))
            if !overflow {
                column[row] = sum
                integers[slot] = column
                return
            }
            integers[slot] = column
        }
        // A fraction, or a sum beyond 64 bits: the column becomes decimal.
        var column = numbers.removeValue(forKey: slot) ?? integers[slot].map { $0.map { Number(Int($0)) } } ?? []
        integers[slot] = nil
        if column.count <= row { column.append(contentsOf: repeatElement(.zero, count: row + 1 - column.count)) }
        guard let total = Number.adding(column[row], amount) else {
            numbers[slot] = column
            throw EvaluationError("overflow", "the count overflows 38 digits", at: TextRange(offset: 0, length: 0))
        }
        column[row] = total
        numbers[slot] = column
    }

    /// Sets `slots` to the person's counted values (those counted; the rest stay as they are).
    func fill(_ person: String, into slots: inout [Value]) throws(EvaluationError) {
        for (counts, factSlots) in stored {
            guard let row = counts.row(of: person) else { continue }
            for (query, slot) in factSlots.enumerated() {
                let sum = counts.sum(row, query)
                if sum != 0 { slots[slot] = .number(Number(Int(sum))) }
            }
        }
        guard let row = index[person] else { return }
        // Added to the store's sums of the same fact (the cases it left to be counted here).
        func add(_ amount: Number, _ slot: Int) throws(EvaluationError) {
            guard case .number(let before) = slots[slot], before != .zero else {
                slots[slot] = .number(amount)
                return
            }
            guard let total = Number.adding(before, amount) else {
                throw EvaluationError("overflow", "the count overflows 38 digits", at: TextRange(offset: 0, length: 0))
            }
            slots[slot] = .number(total)
        }
        for (slot, column) in integers where row < column.count { try add(Number(Int(column[row])), slot) }
        for (slot, column) in numbers where row < column.count { try add(column[row], slot) }
    }
}

extension Engine {
    /// Appraises the people of the unit's directory who hold a role of the appraisal's packages
    /// (only `role`, when given) for `window`: facts counted from the cases opened in the period
    /// plus `imported`, each person scored with their role's package, results stored per
    /// period and definition version (a re-run replaces them), and each grade's consequences
    /// performed exactly once per period, person and role, however often the period is re-run.
    ///
    /// Facts are counted first: by the store itself where a fact's `person`, `where` and `sum`
    /// are simple enough (`CaseCountQuery`), else case by case a page at a time. Then people
    /// are read, scored and stored `batchSize` at a time in id order, each batch with its
    /// consequences in one transaction (see docs/administering.md); `onEntries` gets each
    /// batch's results, and the outcome keeps them only with `keepEntries`.
    public func appraise(
        _ appraisal: CompiledAppraisal, window: AppraisalWindow, role: String?, imported: ImportedFacts, now: Instant,
        dryRun: Bool = false, keepEntries: Bool = true, batchSize: Int = 10_000,
        onEntries: (([AppraisalOutcome.Entry]) -> Void)? = nil,
        progress: (@Sendable (_ stage: String, _ done: Int, _ total: Int) -> Void)? = nil
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
        let batchSize = max(batchSize, 1)

        // People are read a batch ahead, on a thread of their own, while the caller counts facts
        // and scores the batch before (`PeopleBatch.Reading`). An appointment counts for a period
        // if it had not ended by the period's end: one ended mid-period is not appraised for
        // that period (nor after); one ended later still is.
        let (_, periodEnd) = window.instants(in: program.calendar.zone)
        let reading = PeopleBatch.Reading(
            engine: self, appointed: try appointments(lastingAt: min(periodEnd, now)),
            packageRoles: appraisal.packages.map(\.role).filter { role == nil || $0 == role }, now: now,
            batchSize: batchSize)
        var ahead = Ahead { () throws(EngineError) in try reading.batch(after: nil) }
        // Whatever happens, the run returns only once the batch it asked for is read.
        defer { _ = try? ahead.take() }

        // Facts counted from cases: per workflow, what the store can count in one query each,
        // and the rest in one pass over the workflow's cases of the period, a page at a time.
        var start = clock.now
        var counted = CountedFacts()
        let (from, to) = window.instants(in: program.calendar.zone)
        let interpreter = self.interpreter
        for workflowName in Set(appraisal.storeFacts.map(\.workflow)).sorted() {
            var facts = appraisal.storeFacts.filter { $0.workflow == workflowName }
            let pushed = facts.compactMap { fact in fact.query.map { (fact, $0) } }
            if !pushed.isEmpty {
                progress?("counting facts from \(workflowName) cases in the store", 0, pushed.count)
                let counts = try storeCall { () throws(StoreError) in
                    try store.countCases(
                        unit: program.unit, workflow: workflowName, openedFrom: from, to: to, pushed.map(\.1))
                }
                if let (counts, uncounted) = counts {
                    counted.add(counts, slots: pushed.map(\.0.slot))
                    // The cases whose stored fields lag behind their steps, counted here.
                    let pushedFacts = pushed.map(\.0)
                    for storedCase in uncounted {
                        try countFacts(storedCase, pushedFacts, into: &counted, interpreter: interpreter, now: now)
                    }
                    outcome.casesRead += uncounted.count
                    outcome.factsCountedInStore += pushed.count
                    facts.removeAll { $0.query != nil }
                }
            }
            if facts.isEmpty { continue }
            // The store may skip the cases no fact's `where` holds for, when every fact has one
            // it can check; each fact's own `where` is evaluated below all the same.
            let conditions = facts.map { $0.query != nil ? $0.query?.condition : $0.condition }
            var narrowing: CaseCondition?
            if conditions.allSatisfy({ $0 != nil }) { narrowing = .or(conditions.map { $0! }) }
            var cursor: CaseCursor?
            repeat {
                let page = try storeCall { () throws(StoreError) in
                    try store.cases(
                        unit: program.unit, workflow: workflowName, openedFrom: from, to: to, after: cursor,
                        limit: batchSize, where: narrowing)
                }
                cursor = page.next
                for storedCase in page.cases {
                    try countFacts(storedCase, facts, into: &counted, interpreter: interpreter, now: now)
                }
                outcome.casesRead += page.cases.count
                progress?("counting facts from \(workflowName) cases", outcome.casesRead, 0)
            } while cursor != nil
        }
        // Facts counted from uploads: one query per folder.
        for fact in appraisal.fileFacts {
            let counts = try storeCall { () throws(StoreError) in
                try store.uploadCounts(unit: program.unit, folder: fact.folder, from: from, to: to)
            }
            for (id, count) in counts {
                do throws(EvaluationError) { try counted.add(id, fact.slot, Number(count)) } catch {
                    throw EngineError(.incident, "fact \(fact.name) cannot be counted: \(error.message)")
                }
            }
        }
        outcome.seconds.facts = seconds(since: start)

        // People, a batch at a time: who is appraised in which roles, their scores, their
        // results and consequences stored.
        let roles = reading.packageRoles
        let total = try storeCall { () throws(StoreError) in try store.peopleCount(unit: program.unit) }
        var storing = !dryRun
        var performed: Set<String> = []
        if storing {
            let done = try storeCall { () throws(StoreError) in
                try store.appraisalConsequences(
                    unit: program.unit, appraisal: appraisal.name, period: window.description)
            }
            performed = Set(done.map(Self.key))
        }
        var mine: [String: String] = [:]
        // Batches are written by a thread of their own, one at a time and in order; whatever
        // happens, the run returns only once the last is written.
        let writer = AppraisalWriter()
        defer { writer.drain() }
        var importedAppraised = [Bool](repeating: false, count: imported.count)
        var cursor: String?
        var read = 0
        while true {
            let batch = try ahead.take()
            let people = batch.people
            // The next batch is read while this one is scored.
            if let last = batch.last {
                ahead = Ahead { () throws(EngineError) in try reading.batch(after: last) }
            }
            read += batch.count
            outcome.seconds.people += batch.seconds

            start = clock.now
            let incompleteBefore = outcome.incomplete.count
            var entries: [AppraisalOutcome.Entry] = []
            entries.reserveCapacity(people.count)
            for person in people {
                let row = imported.row(of: person.id)
                if let row { importedAppraised[row] = true }
                try scorePerson(
                    person, appraisal, imported: imported, row: row, counted: counted, into: &entries,
                    outcome: &outcome)
            }
            outcome.results += entries.count
            for entry in entries { outcome.grades[entry.score.grade, default: 0] += 1 }
            outcome.seconds.scoring += seconds(since: start)

            // A dry run (for explanations) stores nothing. A batch with someone who could not be
            // appraised is not stored, nor any after it: those people keep the period's earlier
            // results rather than have them replaced by a part of the new ones.
            if outcome.incomplete.count > incompleteBefore { storing = false }
            let last = batch.last
            if storing {
                start = clock.now
                try saveBatch(
                    entries, people: people, appraisal: appraisal, window: window, roles: roles,
                    range: AppraisalBatchRange(after: cursor, through: last), performed: performed,
                    mine: &mine, outcome: &outcome, now: now, writer: writer)
                outcome.storedPeople += batch.count
                outcome.seconds.saving += seconds(since: start)
            }
            onEntries?(entries)
            if keepEntries { outcome.entries += entries }
            progress?("appraising people", read, total)
            guard let last else { break }
            cursor = last
        }
        start = clock.now
        try writer.finish()
        outcome.seconds.saving += seconds(since: start)
        outcome.stored = storing
        // Counted facts of others are no news (anyone may report); imported ones are a slip.
        outcome.factsWithoutPerson = imported.people(where: { !importedAppraised[$0] })
        if !mine.isEmpty {
            // What the transactions performed (a concurrent run may have performed some first).
            start = clock.now
            let after = try storeCall { () throws(StoreError) in
                try store.appraisalConsequences(
                    unit: program.unit, appraisal: appraisal.name, period: window.description)
            }
            outcome.performed = after.filter { mine[Self.key($0)] == ($0.caseID ?? "") }
            outcome.seconds.saving += seconds(since: start)
        }
        return outcome
    }

    /// Adds one case's store facts to `counted`.
    private func countFacts(
        _ storedCase: StoredCase, _ facts: [CompiledAppraisal.StoreFact], into counted: inout CountedFacts,
        interpreter: Interpreter, now: Instant
    ) throws(EngineError) {
        let snapshot = try snapshot(storedCase, anyVersion: true)
        let frame = Frame(roots: [.record(interpreter.withBuiltins(snapshot))], now: now, calendar: program.calendar)
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
                for id in ids { try counted.add(id, fact.slot, amount) }
            } catch {
                throw EngineError(
                    .incident, "fact \(fact.name) cannot be counted on case \(storedCase.id): \(error.message)")
            }
        }
    }

    /// One person's results, one per role, added to `entries` (`row`: the person's imported row,
    /// if any); those who cannot be scored go to `outcome.incomplete`.
    private func scorePerson(
        _ person: (id: String, record: Record, roles: [String]), _ appraisal: CompiledAppraisal,
        imported: ImportedFacts, row: Int?, counted: CountedFacts, into entries: inout [AppraisalOutcome.Entry],
        outcome: inout AppraisalOutcome
    ) throws(EngineError) {
        var slots = [Value](repeating: .number(.zero), count: appraisal.factsType.fields.count)
        var missing: [String] = []
        for fact in appraisal.importFacts {
            if let value = row.flatMap({ imported.value(row: $0, fact.slot) }) ?? fact.defaultValue {
                slots[fact.slot] = .number(value)
            } else {
                missing.append(fact.name)
            }
        }
        do throws(EvaluationError) { try counted.fill(person.id, into: &slots) } catch {
            throw EngineError(.incident, "the facts counted from cases cannot be added up: \(error.message)")
        }
        if !missing.isEmpty {
            for role in person.roles {
                outcome.incomplete.append((person.id, role, "no imported value for " + missing.joined(separator: ", ")))
            }
            return
        }
        let facts = Record(layout: appraisal.factsType.layout, slots: slots)
        for role in person.roles {
            guard let package = appraisal.package(for: role) else { continue }
            do {
                let score = try package.score(person: person.record, facts: facts)
                let name: String
                if case .string(let text)? = person.record["name"] { name = text } else { name = person.id }
                entries.append(.init(person: person.id, name: name, facts: facts, score: score))
            } catch {
                outcome.incomplete.append((person.id, role, "a formula failed: \(error.message)"))
            }
        }
    }

    /// Stores one batch's results and performs their consequences, in one transaction.
    private func saveBatch(
        _ entries: [AppraisalOutcome.Entry], people: [(id: String, record: Record, roles: [String])],
        appraisal: CompiledAppraisal, window: AppraisalWindow, roles: [String], range: AppraisalBatchRange,
        performed: Set<String>, mine: inout [String: String], outcome: inout AppraisalOutcome, now: Instant,
        writer: AppraisalWriter
    ) throws(EngineError) {
        // The people's records by id, made when a consequence first needs one.
        var records: [String: Record] = [:]
        var results: [StoredAppraisal] = []
        var consequences: [(consequence: StoredConsequence, step: Step?)] = []
        results.reserveCapacity(entries.count)
        for entry in entries {
            // The details are written by the writer's thread (`AppraisalWriter.save`).
            results.append(
                StoredAppraisal(
                    person: entry.person, role: entry.score.role, definitionVersion: program.version,
                    total: entry.score.total.description, grade: entry.score.grade, detailsJSON: "", at: now))
            guard let package = appraisal.package(for: entry.score.role),
                let effects = package.consequences[entry.score.grade]
            else { continue }
            if records.isEmpty {
                records.reserveCapacity(people.count)
                for person in people { records[person.id] = person.record }
            }
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
        // Written while the next batch is read and scored; a failure is thrown by the next
        // batch's hand-over or by the end of the run.
        try writer.save(
            store, unit: program.unit, appraisal: appraisal.name, period: window.description, roles: roles,
            people: range, results: results, scores: entries.map(\.score), consequences: consequences, at: now)
        for (consequence, _) in consequences { mine[Self.key(consequence)] = consequence.caseID ?? "" }
    }

    static func key(_ consequence: StoredConsequence) -> String {
        "\(consequence.person)\u{0}\(consequence.role)\u{0}\(consequence.grade)\u{0}\(consequence.index)"
    }

    /// A score as JSON: dimensions, bonus and deduction items, caps, total, grade and the veto
    /// that set it (`vetoed_by`, null when the total did). Written byte by byte, as
    /// `ValueJSON.encode(detailsValue(score))` writes it (keys sorted), for every result a run stores.
    static func details(_ score: AppraisalScore) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(128 + 96 * (score.dimensions.count + score.bonus.count + score.deductions.count))
        func number(_ value: Number) { ValueJSON.write(.number(value), to: &out) }
        func string(_ text: String) { ValueJSON.write(string: text, to: &out) }
        // The keys and punctuation from static text: no String to take apart each time.
        func literal(_ text: StaticString) {
            out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
        }
        func items(_ list: [AppraisalScore.ItemResult]) {
            out.append(UInt8(ascii: "["))
            for (index, item) in list.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                literal(#"{"capped":"#)
                literal(item.capped ? "true" : "false")
                literal(#","count":"#)
                number(item.count)
                literal(#","name":"#)
                string(item.name)
                literal(#","points":"#)
                number(item.points)
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "]"))
        }
        literal(#"{"bonus":"#)
        items(score.bonus)
        literal(#","caps":["#)
        for (index, cap) in score.caps.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            literal(#"{"cut":"#)
            number(cap.cut)
            literal(#","name":"#)
            string(cap.name)
            literal(#","points":"#)
            number(cap.points)
            literal(#","sum":"#)
            number(cap.sum)
            out.append(UInt8(ascii: "}"))
        }
        literal(#"],"deductions":"#)
        items(score.deductions)
        literal(#","dimensions":["#)
        for (index, dimension) in score.dimensions.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            literal(#"{"contribution":"#)
            number(dimension.contribution)
            literal(#","name":"#)
            string(dimension.name)
            literal(#","score":"#)
            number(dimension.score)
            out.append(UInt8(ascii: "}"))
        }
        literal(#"],"grade":"#)
        string(score.grade)
        literal(#","total":"#)
        number(score.total)
        literal(#","vetoed_by":"#)
        if let veto = score.veto {
            literal(#"{"band_grade":"#)
            string(veto.bandGrade)
            literal(#","name":"#)
            string(veto.name)
            literal(#","title":"#)
            if let title = veto.title { string(title) } else { literal("null") }
            out.append(UInt8(ascii: "}"))
        } else {
            literal("null")
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// The details of a score as a value: what `details(_:)` writes (its reference, for tests).
    static func detailsValue(_ score: AppraisalScore) -> Value {
        func items(_ list: [AppraisalScore.ItemResult]) -> Value {
            .list(
                list.map {
                    .map([
                        .string("name"): .string($0.name), .string("count"): .number($0.count),
                        .string("points"): .number($0.points), .string("capped"): .bool($0.capped),
                    ])
                })
        }
        return .map([
            .string("dimensions"): .list(
                score.dimensions.map {
                    .map([
                        .string("name"): .string($0.name), .string("score"): .number($0.score),
                        .string("contribution"): .number($0.contribution),
                    ])
                }),
            .string("bonus"): items(score.bonus), .string("deductions"): items(score.deductions),
            .string("caps"): caps(score.caps), .string("total"): .number(score.total),
            .string("grade"): .string(score.grade), .string("vetoed_by"): vetoedBy(score.veto),
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

/// One page of the directory as an appraisal reads it: the people who hold a role it appraises,
/// each with their record and those roles.
struct PeopleBatch: Sendable {
    var people: [(id: String, record: Record, roles: [String])] = []
    /// How many people the page held (appraised or not).
    var count = 0
    /// The page's last id when it was full (another page may follow); `nil` for the last page.
    var last: String?
    /// The time its reading took (on the thread that read it).
    var seconds = 0.0

    /// What reading a batch needs, fixed for a run.
    struct Reading: Sendable {
        let engine: Engine
        /// Each person's appointments that last for the period.
        let appointed: [String: [StoredAppointment]]
        /// The roles appraised (in the packages' order).
        let packageRoles: [String]
        let now: Instant
        let batchSize: Int

        /// The batch of people after `cursor` (in id order), with the roles
        /// `actor(_:roles:now:appointed:)` gives them (the directory's, those whose `held_by`
        /// holds, those appointed; never `system`) among the appraised ones, without the scopes
        /// an appraisal does not read.
        func batch(after cursor: String?) throws(EngineError) -> PeopleBatch {
            let clock = ContinuousClock()
            let start = clock.now
            let page = try engine.storeCall { () throws(StoreError) in
                try engine.store.people(unit: engine.program.unit, after: cursor, limit: batchSize)
            }
            var batch = PeopleBatch()
            batch.people.reserveCapacity(page.count)
            for person in page {
                let record = try engine.directoryRecord(of: person)
                let derived = try engine.program.derivedRoles(of: record, now: now)
                let appointments = appointed[person.id] ?? []
                let roles = packageRoles.filter { role in
                    role != Unit.Role.system
                        && (person.roles.contains(role) || derived.contains(role)
                            || appointments.contains { $0.role == role })
                }
                if !roles.isEmpty { batch.people.append((person.id, record, roles)) }
            }
            batch.count = page.count
            batch.last = page.count == batchSize ? page.last?.id : nil
            batch.seconds = (clock.now - start).inSeconds
            return batch
        }
    }
}

/// One piece of work done on a thread of its own while the caller goes on; `take()` waits
/// for its result.
final class Ahead<Value: Sendable>: Sendable {
    private let result = Mutex<Result<Value, EngineError>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    init(_ work: @escaping @Sendable () throws(EngineError) -> Value) {
        DispatchQueue.global().async { [self] in
            let outcome: Result<Value, EngineError>
            do throws(EngineError) { outcome = .success(try work()) } catch { outcome = .failure(error) }
            result.withLock { $0 = outcome }
            done.signal()
        }
    }

    /// The work's result, once it is done.
    func take() throws(EngineError) -> Value {
        done.wait()
        done.signal()
        return try result.withLock { $0! }.get()
    }
}

/// Writes an appraisal's batches on a thread of its own, in the order given, at most one at a
/// time: the caller scores the next batch meanwhile, and waits for the last write before handing
/// over another, so that no more than one batch waits in memory.
final class AppraisalWriter: Sendable {
    private let queue = DispatchQueue(label: "gridflow.appraisal-writer")
    private let group = DispatchGroup()
    private let failure = Mutex<EngineError?>(nil)

    /// Hands `CaseStore.saveAppraisalBatch` over once the last write is done; throws the last
    /// one's error, if any (then nothing more is written). Each result's details are written
    /// here from its score (`scores[n]` is `results[n]`'s), off the caller's thread.
    func save(
        _ store: any CaseStore, unit: String, appraisal: String, period: String, roles: [String],
        people: AppraisalBatchRange, results: [StoredAppraisal], scores: [AppraisalScore],
        consequences: [(consequence: StoredConsequence, step: Step?)], at: Instant
    ) throws(EngineError) {
        try finish()
        let work: @Sendable () -> Void = { [self] in
            var results = results
            for index in results.indices { results[index].detailsJSON = Engine.details(scores[index]) }
            let failed = Self.save(
                store, unit: unit, appraisal: appraisal, period: period, roles: roles, people: people,
                results: results, consequences: consequences, at: at)
            if let failed { failure.withLock { $0 = failed } }
        }
        queue.async(group: group, execute: work)
    }

    /// Saves one batch; the error, if any, as the engine's.
    private static func save(
        _ store: any CaseStore, unit: String, appraisal: String, period: String, roles: [String],
        people: AppraisalBatchRange, results: [StoredAppraisal],
        consequences: [(consequence: StoredConsequence, step: Step?)], at: Instant
    ) -> EngineError? {
        do {
            try store.saveAppraisalBatch(
                unit: unit, appraisal: appraisal, period: period, roles: roles, people: people, results: results,
                consequences: consequences, at: at)
            return nil
        } catch {
            return EngineError(error.code == .conflict ? .conflict : .store, error.message)
        }
    }

    /// Waits for the writes handed over; throws the error of the one that failed.
    func finish() throws(EngineError) {
        group.wait()
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// Waits for the writes handed over, whatever they gave (a run that fails on its own).
    func drain() { group.wait() }
}

/// Why a rewards table could not decide.
struct RewardsFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
