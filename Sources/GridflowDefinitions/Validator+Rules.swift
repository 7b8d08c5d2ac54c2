import Foundation
import GridflowDiagnostics
import GridflowExpressions
import GridflowYAML

extension Validator {
    mutating func check(_ table: DecisionTable, _ file: DefinitionFile) {
        let place = "decision table '\(table.name.text)'"
        for field in table.inputs + table.outputs { checkField(field, in: place) }
        for (index, row) in table.rows.enumerated() {
            checkCells(row.when, inputs: table.inputs, row: index + 1)
            for (output, value) in row.then {
                guard resolve(output, among: table.outputs.map(\.name.text), as: "output", in: "row \(index + 1)"),
                    let field = table.outputs.first(where: { $0.name.text == output.text })
                else { continue }
                checkLiteral(value, field: field)
            }
            for output in table.outputs
            where !row.then.contains(where: { $0.output.text == output.name.text })
                && !row.unreadOutputs.contains(output.name.text)
            {
                error(
                    "missing-output", "row \(index + 1) of \(place) gives no value for output '\(output.name.text)'",
                    at: row.span)
            }
        }
        checkCompleteness(
            table.rows.map { ($0.when, $0.span) }, inputs: table.inputs, hit: table.hit,
            what: (place, "row"), code: "decision-gap", at: file.span(ofKey: "rules"))
        guard let hit = table.hit else { return }
        if hit == .unique || hit == .any {
            checkOverlaps(table.rows.map { ($0.when, $0.span) }, inputs: table.inputs, policy: hit, place: place) {
                a, b in
                hit == .any
                    && table.rows[a].then.map { "\($0.output.text)=\($0.value.value)" }.sorted()
                        == table.rows[b].then.map { "\($0.output.text)=\($0.value.value)" }.sorted()
            }
        }
    }

    mutating func check(_ table: RoutingTable, _ file: DefinitionFile) {
        let place = "routing table '\(table.name.text)'"
        for field in table.inputs { checkField(field, in: place) }
        let departments = unit.departments.map(\.name.text)
        for (index, route) in table.routes.enumerated() {
            checkCells(route.when, inputs: table.inputs, row: index + 1)
            if let department = route.department {
                resolve(
                    department, among: departments, as: "department", in: "route \(index + 1)",
                    hint: "departments are declared under 'departments:' in \(unit.file)")
            }
            if let role = route.role { checkRole(role, in: "route \(index + 1)") }
        }
        if table.hit == .unique {
            checkOverlaps(table.routes.map { ($0.when, $0.span) }, inputs: table.inputs, policy: .unique, place: place)
            { _, _ in false }
        }
        // Gaps: every combination of enum and bool input values must be routed somewhere.
        checkCompleteness(
            table.routes.map { ($0.when, $0.span) }, inputs: table.inputs, hit: table.hit,
            what: (place, "route"), code: "routing-gap", at: file.span(ofKey: "routes"))
    }

    private mutating func checkCells(_ cells: [(input: Name, cell: Cell)], inputs: [Field], row: Int) {
        for (input, cell) in cells {
            guard resolve(input, among: inputs.map(\.name.text), as: "input", in: "row \(row)"),
                let field = inputs.first(where: { $0.name.text == input.text })
            else { continue }
            switch cell.test {
            case .oneOf(let literals): for literal in literals { checkLiteral(literal, field: field) }
            case .compare(let op, let literal):
                if op == .equal || op == .notEqual {
                    checkLiteral(literal, field: field)
                } else {
                    checkNumeric(field, cell)
                }
            case .interval: checkNumeric(field, cell)
            case .expression(let expression):
                // `?` stands for the input: checked as a variable of the input's type. `_` has the
                // same width, so positions inside the cell stay exact.
                var placeholder = expression
                placeholder.text = Cell.replacingPlaceholder(expression.text)
                checkExpression(
                    placeholder, roots: [("_", valueType(field.type, name: field.name.text))], expecting: .bool,
                    what: "the cell for input '\(input.text)' in row \(row)")
            case .any: break
            }
        }
    }

    private mutating func checkNumeric(_ field: Field, _ cell: Cell) {
        switch field.type {
        case .decimal, .integer, .date, .datetime, .duration, .invalid: break
        default:
            error(
                "type-mismatch",
                "input '\(field.name.text)' is \(field.type.keyword); a range or comparison needs a number",
                at: cell.span)
        }
    }

    /// Checks a literal against a field's type: enum values, numbers, bools.
    private mutating func checkLiteral(_ literal: Literal, field: Field) {
        if let values = enumValues(field.type) {
            guard case .string(let text) = literal.value, values.contains(text) else {
                error(
                    "invalid-value",
                    "'\(literal)' is not a value of '\(field.name.text)'"
                        + Suggestion.didYouMean(literal.description, in: values),
                    at: literal.span, hint: "values: " + values.joined(separator: ", "))
                return
            }
            return
        }
        let fits: Bool
        switch (field.type, literal.value) {
        case (.decimal, .number), (.bool, .bool), (.string, .string), (.text, .string), (.date, .string),
            (.datetime, .string), (.duration, .string), (.invalid, _), (.person, .string):
            fits = true
        case (.integer, .number(let n)):
            fits = n.isInteger
        default: fits = false
        }
        if !fits {
            error(
                "type-mismatch", "'\(literal)' does not fit '\(field.name.text)', which is \(field.type.keyword)",
                at: literal.span)
        }
    }

    /// Reports pairs of rows that can match the same input (for `unique`, or `any` with different outputs).
    private mutating func checkOverlaps(
        _ rows: [(cells: [(input: Name, cell: Cell)], span: SourceSpan)], inputs: [Field], policy: HitPolicy,
        place: String,
        sameOutputs: (Int, Int) -> Bool
    ) {
        let sets: [[String: ValueSet]] = rows.map { row in
            Dictionary(row.cells.map { ($0.input.text, ValueSet($0.cell.test)) }, uniquingKeysWith: { a, _ in a })
        }
        for b in rows.indices {
            for a in 0..<b {
                var overlap: Bool? = true
                for input in inputs {
                    let x = sets[a][input.name.text] ?? .all
                    let y = sets[b][input.name.text] ?? .all
                    guard let meets = x.intersects(y) else { overlap = nil; break }
                    if !meets { overlap = false; break }
                }
                guard overlap == true, !sameOutputs(a, b) else { continue }
                error(
                    "overlapping-rows",
                    "rows \(a + 1) and \(b + 1) of \(place) can match the same input under hit policy '\(policy.rawValue)'",
                    at: rows[b].span, hint: "narrow one row's cells, or use hit policy 'first' if the order decides",
                    notes: [Diagnostic.Note(span: rows[a].span, message: "row \(a + 1) is here")])
            }
        }
    }

    mutating func check(_ eligibility: Eligibility) {
        let place = "eligibility rule set '\(eligibility.name.text)'"
        if let role = eligibility.role { checkRole(role, in: place) }
        for field in eligibility.inputs { checkField(field, in: place) }
        let rules = eligibility.exclude + eligibility.require + eligibility.prefer
        checkUnique(rules.map(\.name), what: "eligibility rule")
        let inputs = RecordType(
            name: "input",
            fields: eligibility.inputs.map { .init(name: $0.name.text, type: valueType($0.type, name: $0.name.text)) })
        let roots: [(name: String, type: ValueType)] = [("person", .record(personType)), ("input", .record(inputs))]
        for rule in rules {
            guard let when = rule.when else { continue }
            checkExpression(when, roots: roots, expecting: .bool, what: "rule '\(rule.name.text)'")
        }
    }

    mutating func check(_ appraisal: Appraisal) {
        let place = "appraisal '\(appraisal.name.text)'"
        for fact in appraisal.facts {
            checkField(fact, in: place)
            checkFact(fact)
        }
        checkAudience(appraisal)
        // Every fact has a value for every person: store facts count from zero, and an imported
        // fact missing for a person leaves that person unappraised, said by name.
        let formulaRoots = types.appraisalRoots(appraisal)
        for package in appraisal.packages {
            let pplace = "package '\(package.role.text)'"
            checkRole(package.role, in: place)
            checkUnique(package.dimensions.map(\.name), what: "dimension")
            checkUnique(package.bonus.map(\.name) + package.deductions.map(\.name), what: "bonus or deduction item")
            let weights = package.dimensions.compactMap(\.weight)
            if weights.count == package.dimensions.count, !weights.isEmpty {
                // Each weight is below 10^38 and there are few: their exact sum, or a total that
                // no longer fits, which is not 1 either.
                let sum = weights.reduce(Number?.some(.zero)) { total, weight in
                    total.flatMap { Number.adding($0, weight) }
                }
                if sum != Number(1), let span = package.dimensionsSpan {
                    error(
                        "weights-sum",
                        "the weights of \(pplace) add up to \(sum.map(\.description) ?? "10^38 or more"), not 1",
                        at: span,
                        hint: "weights are shares of the total: "
                            + package.dimensions.map { "\($0.name.text) \($0.weight ?? .zero)" }.joined(
                                separator: " + "))
                }
            }
            for dimension in package.dimensions {
                guard let score = dimension.score else { continue }
                checkExpression(
                    score, roots: formulaRoots, expecting: .decimal,
                    what: "the score of dimension '\(dimension.name.text)' in \(pplace)")
            }
            for item in package.bonus + package.deductions {
                guard let per = item.per else { continue }
                checkExpression(
                    per, roots: formulaRoots, expecting: .decimal,
                    what: "'per' of item '\(item.name.text)' in \(pplace)")
            }
            checkCaps(package, in: pplace)
            checkUnique(package.grades.map(\.grade), what: "grade")
            var previous: Number?
            for (index, band) in package.grades.enumerated() {
                let last = index == package.grades.count - 1
                if let min = band.min {
                    if let previous, min >= previous {
                        error(
                            "band-order",
                            "grade band '\(band.grade.text)' starts at \(min), not below the band above it (\(previous))",
                            at: band.minSpan ?? band.grade.span, hint: "list grade bands from the highest down")
                    }
                    previous = min
                    if last {
                        error(
                            "band-gap",
                            "the last grade band '\(band.grade.text)' has a 'min'; totals below \(min) would get no grade",
                            at: band.minSpan ?? band.grade.span, hint: "leave out 'min' on the lowest band")
                    }
                } else if !last {
                    error(
                        "band-order", "grade band '\(band.grade.text)' has no 'min' but is not the last band",
                        at: band.grade.span)
                }
            }
            let grades = package.grades.map(\.grade.text)
            checkUnique(package.vetoes.map(\.name), what: "veto")
            for veto in package.vetoes {
                let what = "veto '\(veto.name.text)' in \(pplace)"
                if let when = veto.when {
                    checkExpression(when, roots: formulaRoots, expecting: .bool, what: "the condition of \(what)")
                }
                if let grade = veto.grade {
                    resolve(
                        grade, among: grades, as: "grade", in: what,
                        hint: "a veto gives one of the package's grade bands: " + grades.joined(separator: ", "))
                }
            }
            var rewardsTable: DecisionTable?
            if let rewards = package.rewards {
                let tables = definitions.decisionTables.map(\.name.text)
                if let table = definitions.decisionTables.first(where: { $0.name.text == rewards.rules.text }) {
                    rewardsTable = table
                    check(
                        rewards, fields: [], roots: types.consequenceRoots(appraisal, package: package),
                        in: "'rewards' of \(pplace)")
                } else {
                    _ = resolve(
                        rewards.rules, among: tables, as: "decision table", in: "'rewards' of \(pplace)",
                        hint: "rewards name a decision table (kind: DecisionTable) of Rules/\(unit.name.text)/")
                }
            }
            let consequenceRoots = types.consequenceRoots(appraisal, package: package, rewards: rewardsTable)
            for (grade, effects) in package.consequences {
                resolve(grade, among: grades, as: "grade", in: "the consequences of \(pplace)")
                checkEffects(effects, in: "the consequences of \(pplace)", roots: consequenceRoots)
                for effect in effects {
                    if case .signal(let target, _) = effect.action {
                        error(
                            "consequence-signal",
                            "a consequence of \(pplace) cannot signal a case: an appraisal is not a case",
                            at: target.span, hint: "open a case instead, and let its workflow signal")
                    }
                }
            }
        }
    }

    /// Each cap names bonus items only or deduction items only, each in no other cap, with a
    /// `max` above 0.
    mutating func checkCaps(_ package: Appraisal.Package, in pplace: String) {
        checkUnique(package.caps.map(\.name), what: "cap")
        let bonus = package.bonus.map(\.name.text)
        let deductions = package.deductions.map(\.name.text)
        var capped: [String: Name] = [:]
        for cap in package.caps {
            let what = "cap '\(cap.name.text)' in \(pplace)"
            if let max = cap.max, max <= .zero {
                error(
                    "cap-max", "\(what) has 'max' \(max); a cap is above 0", at: cap.maxSpan ?? cap.name.span,
                    hint: "points are counted positive for bonus and deduction items alike")
            }
            var kinds: Set<String> = []
            for item in cap.items {
                if bonus.contains(item.text) {
                    kinds.insert("bonus")
                } else if deductions.contains(item.text) {
                    kinds.insert("deduction")
                } else {
                    resolve(
                        item, among: bonus + deductions, as: "bonus or deduction item", in: what,
                        hint: "a cap names items of the package's 'bonus' or 'deductions'")
                    continue
                }
                if let first = capped[item.text] {
                    error(
                        "cap-overlap", "item '\(item.text)' is in \(what) and in another cap", at: item.span,
                        hint: "caps do not nest: put the item in one cap",
                        notes: [Diagnostic.Note(span: first.span, message: "'\(item.text)' first capped here")])
                } else {
                    capped[item.text] = item
                }
            }
            if kinds.count > 1, let first = cap.items.first {
                error(
                    "cap-mixed", "\(what) names both bonus and deduction items", at: first.span,
                    hint: "cap the bonus items and the deduction items separately")
            }
        }
    }

    /// A fact is counted from cases (`store`, with `from`) or imported (`import`, optionally
    /// with a `default`); its type is a number.
    mutating func checkFact(_ fact: Field) {
        let what = "fact '\(fact.name.text)'"
        switch fact.type {
        case .integer, .decimal, .invalid: break
        default:
            error(
                "fact-type", "\(what) is a \(fact.type.keyword); facts are numbers (integer or decimal)", at: fact.span)
        }
        checkBounds(fact, what: what)
        if fact.source == "store" {
            if fact.defaultValue != nil {
                error(
                    "fact-default", "\(what) is counted from cases; 'default' is for imported facts", at: fact.span,
                    hint: "a fact counted from cases is 0 for a person with no matching case")
            }
            guard let from = fact.from else {
                error(
                    "fact-without-query", "\(what) comes from the store but does not say how it is counted",
                    at: fact.sourceSpan ?? fact.span,
                    hint: "add from: {workflow: W, person: case.FIELD.id, where: …}, or make it source: import")
                return
            }
            if let folder = from.files {
                // Uploads into a folder of the unit's file spaces, counted for who uploaded them.
                let folders = Set(definitions.fileSpaces.flatMap { $0.folders.map(\.name.text) })
                _ = resolve(
                    folder, among: folders.sorted(), as: "folder", in: "the query of \(what)",
                    hint: folders.isEmpty
                        ? "the unit declares no FileSpace; 'files' counts uploads into one's folders" : nil)
                return
            }
            if from.workflow != nil, from.person == nil {
                error(
                    "fact-query-person", "the query of \(what) does not say whom a case counts for", at: from.span,
                    hint:
                        "add person: an expression over case giving the id, or list of ids, such as '[case.supervisor.id]'"
                )
            }
            guard let workflowName = from.workflow,
                resolve(
                    workflowName, among: definitions.workflows.map(\.name.text), as: "workflow",
                    in: "the query of \(what)"),
                let workflow = definitions.workflows.first(where: { $0.name.text == workflowName.text })
            else { return }
            let roots = types.factQueryRoots(workflow)
            if let person = from.person {
                _ = checkExpression(
                    person, roots: roots, allowed: [.string, .list(.string)],
                    what: "'person' of \(what) (the id, or list of ids, a case counts for)")
            }
            if let filter = from.filter {
                _ = checkExpression(filter, roots: roots, expecting: .bool, what: "'where' of \(what)")
            }
            if let sum = from.sum {
                _ = checkExpression(sum, roots: roots, expecting: .decimal, what: "'sum' of \(what)")
            }
        } else if let from = fact.from {
            error(
                "fact-query-import", "\(what) is imported; 'from' is for facts counted from cases", at: from.span,
                hint: "write source: store to count it from cases")
        }
    }

    /// `min` and `max` of an imported number: whole for an integer fact, the least not above the
    /// greatest, the default between them.
    mutating func checkBounds(_ fact: Field, what: String) {
        let bounds = [("min", fact.bounds.min), ("max", fact.bounds.max)].compactMap { key, bound in
            bound.map { (key, $0) }
        }
        guard !bounds.isEmpty else { return }
        if fact.source == "store" {
            error(
                "fact-bounds", "\(what) is counted from cases; 'min' and 'max' are for imported facts",
                at: bounds[0].1.span, hint: "the engine counts a store fact; bounds check what is imported")
            return
        }
        switch fact.type {
        case .integer:
            for (key, bound) in bounds where !Self.isWhole(bound.value) {
                error(
                    "fact-bounds", "'\(key)' of \(what) is \(bound.text); an integer fact takes whole bounds",
                    at: bound.span)
            }
        case .decimal: break
        default:
            error(
                "fact-bounds", "'min' and 'max' are for numbers; \(what) is a \(fact.type.keyword)",
                at: bounds[0].1.span)
            return
        }
        if let low = fact.bounds.min, let high = fact.bounds.max, low.value > high.value {
            error(
                "fact-bounds", "\(what) has 'min' \(low.text) above its 'max' \(high.text)", at: low.span,
                hint: "the least value comes first: min ≤ max")
        }
        if let value = fact.defaultValue {
            if let low = fact.bounds.min, value < low.value {
                error("fact-bounds", "the default of \(what), \(value), is below its 'min' \(low.text)", at: low.span)
            }
            if let high = fact.bounds.max, value > high.value {
                error("fact-bounds", "the default of \(what), \(value), is above its 'max' \(high.text)", at: high.span)
            }
        }
    }

    static func isWhole(_ value: Number) -> Bool { value.isInteger }

    mutating func check(_ coverage: Coverage) {
        let place = "coverage rule '\(coverage.name.text)'"
        if let role = coverage.role { checkRole(role, in: place) }
        if let level = coverage.level { resolve(level, among: unit.levels.map(\.text), as: "org level", in: place) }
        if coverage.perShift, unit.shifts.isEmpty {
            warning(
                "no-shifts", "\(place) checks every shift, but unit '\(unit.name.text)' declares no shifts",
                at: coverage.name.span)
        }
    }

    mutating func check(_ space: FileSpace) {
        let place = "file space '\(space.name.text)'"
        if space.spaces.isEmpty {
            error(
                "no-spaces", "\(place) has no spaces", at: space.name.span,
                hint: "list one space per role group under 'spaces:', each with a name and its 'members' role")
        }
        checkUnique(space.spaces.map(\.name), what: "space")
        // A space is named on the command line by its name alone: unique among the unit's file spaces.
        for other in definitions.fileSpaces where other.name.text < space.name.text {
            for mine in space.spaces {
                guard let theirs = other.spaces.first(where: { $0.name.text == mine.name.text }) else { continue }
                error(
                    "duplicate-name",
                    "space '\(mine.name.text)' is declared by file spaces '\(other.name.text)' and '\(space.name.text)'",
                    at: mine.name.span, hint: "a space is named by its name alone; rename one of them",
                    notes: [Diagnostic.Note(span: theirs.name.span, message: "'\(mine.name.text)' first declared here")]
                )
            }
        }
        var groups: [String: Name] = [:]
        for group in space.spaces {
            guard let members = group.members else { continue }
            checkRole(members, in: "space '\(group.name.text)' of \(place)")
            if let first = groups[members.text] {
                error(
                    "duplicate-space-role",
                    "spaces '\(first.text)' and '\(group.name.text)' of \(place) are both for the holders of '\(members.text)'",
                    at: members.span, hint: "each role group has one space; give this space another role or remove it",
                    notes: [Diagnostic.Note(span: first.span, message: "'\(first.text)' is for them already")])
            } else {
                groups[members.text] = group.name
            }
        }
        if let role = space.sharedBy { checkRole(role, in: "'shared_by' of \(place)") }
        if let role = space.maintainedBy { checkRole(role, in: "'maintained_by' of \(place)") }
        checkUnique(space.folders.map(\.name), what: "folder")
        checkFolderTitles(space, place: place)
        var named: Set<Permission.Word> = []
        for (action, permission) in space.permissions {
            let what = "permission '\(action.rawValue)' of \(place)"
            for (who, name) in permission.entries {
                switch who {
                case .role(let role):
                    if roleNames.contains(role) || unloadedBase != nil {
                        checkRole(name, in: what)
                    } else {
                        error(
                            "unknown-audience",
                            "\(what) names '\(role)', neither a word nor a role of the unit"
                                + Suggestion.didYouMean(role, in: Permission.Word.allCases.map(\.rawValue) + roleNames),
                            at: name.span,
                            hint:
                                "the words are \(Permission.Word.allCases.map(\.rawValue).joined(separator: ", ")); roles are declared under 'roles:' in \(unit.file)"
                        )
                    }
                case .word(let word):
                    named.insert(word)
                    checkAudience(word, name: name, action: action, permission: permission, space: space, what: what)
                }
            }
        }
        if let role = space.sharedBy, !named.contains(.sharer) {
            warning(
                "unused-file-role", "\(place) is shared by '\(role.text)', but no permission names 'sharer'",
                at: role.span,
                hint: "let the sharer do something, e.g. upload: [members, sharer], or remove 'shared_by'")
        }
        if let role = space.maintainedBy, !named.contains(.maintainer) {
            warning(
                "unused-file-role", "\(place) is maintained by '\(role.text)', but no permission names 'maintainer'",
                at: role.span,
                hint:
                    "let the maintainer manage the folders, e.g. manage_folders: [maintainer], or remove 'maintained_by'"
            )
        }
    }

    /// The folders' titles: people tell folders apart by them, so none is blank and no two are
    /// the same.
    private mutating func checkFolderTitles(_ space: FileSpace, place: String) {
        var seen: [String: FileSpace.Folder] = [:]
        for folder in space.folders {
            guard let title = folder.title, let span = folder.titleSpan else { continue }
            let trimmed = title.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else {
                error(
                    "empty-title", "folder '\(folder.name.text)' of \(place) has an empty title", at: span,
                    hint:
                        "write the title people read, in the unit's language, or leave 'title' out to show the name '\(folder.name.text)'"
                )
                continue
            }
            if let first = seen[trimmed] {
                error(
                    "duplicate-title",
                    "folders '\(first.name.text)' and '\(folder.name.text)' of \(place) have the same title '\(trimmed)'",
                    at: span, hint: "people tell the folders apart by their titles: give each folder its own",
                    notes: [
                        Diagnostic.Note(
                            span: first.titleSpan ?? first.name.span, message: "'\(trimmed)' first used here")
                    ])
            } else {
                seen[trimmed] = folder
            }
        }
    }

    /// One word of a file space's permission: one that stands alone is alone, `sharer` and
    /// `maintainer` need their role, and a new file or a folder has no owner.
    private mutating func checkAudience(
        _ word: Permission.Word, name: Name, action: FileAction, permission: Permission, space: FileSpace,
        what: String
    ) {
        switch word {
        case .everyone, .nobody:
            if permission.isList {
                error(
                    "file-audience", "\(what) lists '\(word.rawValue)', which stands alone", at: name.span,
                    hint: "write \(action.rawValue): \(word.rawValue), without a list")
            }
        case .sharer where space.sharedBy == nil:
            error(
                "file-audience", "\(what) names 'sharer', but the file space has no 'shared_by'", at: name.span,
                hint: "add shared_by: ROLE (the role that shares into every space), or leave 'sharer' out")
        case .maintainer where space.maintainedBy == nil:
            error(
                "file-audience", "\(what) names 'maintainer', but the file space has no 'maintained_by'",
                at: name.span,
                hint: "add maintained_by: ROLE (the role that maintains the folders), or leave 'maintainer' out")
        case .owner where !action.hasOwner:
            error(
                "file-audience",
                "\(what) names 'owner', but \(action == .upload ? "an upload makes a new file" : "folders have no owner")",
                at: name.span, hint: "'owner' is who uploaded the file: for view, download, delete and move")
        default:
            break
        }
    }
}

extension Validator {
    mutating func check(_ report: Report) {
        checkUnique(report.groups.map(\.name), what: "group")
        checkUnique(report.measures.map(\.name), what: "measure")
        guard let workflowName = report.workflow,
            resolve(
                workflowName, among: definitions.workflows.map(\.name.text), as: "workflow",
                in: "report '\(report.name.text)'"),
            let workflow = definitions.workflows.first(where: { $0.name.text == workflowName.text })
        else { return }
        let roots = types.reportRoots(workflow)
        checkAudience(report, workflow)
        for group in report.groups {
            guard let by = group.by else { continue }
            if let type = checkExpression(by, roots: roots, what: "the key of group '\(group.name.text)'") {
                switch type.unwrapped {
                case .string, .enumeration, .bool, .integer, .date: break
                default:
                    error(
                        "type",
                        "the key of group '\(group.name.text)' is \(type); group by text, an enum, a bool, a whole number or a date",
                        at: by.span)
                }
            }
        }
        for measure in report.measures {
            let what = "measure '\(measure.name.text)'"
            if let filter = measure.filter {
                _ = checkExpression(filter, roots: roots, expecting: .bool, what: "'where' of \(what)")
            }
            guard let kind = measure.kind else { continue }
            switch kind {
            case .count:
                if let value = measure.value {
                    error(
                        "measure-value", "\(what) counts cases and takes no 'value'", at: value.span,
                        hint: "write the condition as 'where', or use kind: share")
                }
            case .share:
                guard let value = measure.value else {
                    error("measure-value", "\(what) is a share and needs a 'value': the condition", at: measure.span)
                    continue
                }
                _ = checkExpression(value, roots: roots, expecting: .bool, what: "the value of \(what)")
            case .sum, .average, .median, .p90:
                guard let value = measure.value else {
                    error(
                        "measure-value", "\(what) is a \(kind.rawValue) and needs a 'value': the number",
                        at: measure.span)
                    continue
                }
                // A case without the number (null) is left out of the figure.
                _ = checkExpression(value, roots: roots, expecting: .optional(.decimal), what: "the value of \(what)")
            }
        }
    }
}

extension Validator {
    /// A report that reads a restricted field states an audience, every role of which may see it.
    /// A `visible_when` field is read only where it holds (elsewhere it reads as empty and a group
    /// keyed by it is `‹hidden›`), so its audience too must be among its `visible_to`.
    mutating func checkAudience(_ report: Report, _ workflow: Workflow) {
        checkAudience(
            report.audience, of: "report", named: report.name.text, forWhom: "the roles the bulletin is for",
            reads: report.restrictedReads(in: workflow))
    }

    /// An appraisal whose store facts read a restricted field of their workflow (the reporter, to
    /// count reports by who made them) states an audience, every role of which may see it: its
    /// results and explanations say, per person, what was read.
    mutating func checkAudience(_ appraisal: Appraisal) {
        checkAudience(
            appraisal.audience, of: "appraisal", named: appraisal.name.text,
            forWhom: "the roles its results are for", reads: appraisal.restrictedReads(in: definitions.workflows))
    }

    /// The audience of a `kind` (report, appraisal) `name` that makes `reads`: stated when there
    /// are any, each role a role of people, and each among the `visible_to` of every field read
    /// (an opener without `visible_to` is any role's). Errors are `KIND-audience`.
    mutating func checkAudience(
        _ audience: [Name], of kind: String, named name: String, forWhom: String, reads: [RestrictedRead]
    ) {
        let code = Diagnostic.Code(rawValue: "\(kind)-audience")
        let article = "aeiou".contains(kind.first ?? "r") ? "an" : "a"
        let place = "the audience of \(kind) '\(name)'"
        for role in audience { checkPersonRole(role, in: place) }
        var reported: Set<String> = []
        for read in reads {
            let field = read.field
            let fieldName = field.name.text
            let roles = field.visibleTo.map(\.text)
            var restriction =
                roles.isEmpty ? "names who opened the case" : "is visible to \(roles.joined(separator: ", ")) only"
            if let condition = field.visibleWhen { restriction += ", where \(condition.text) holds" }
            if audience.isEmpty {
                guard reported.insert(read.what + "\u{0}" + read.workflow + "\u{0}" + fieldName).inserted else {
                    continue
                }
                error(
                    code,
                    "\(read.what) reads field '\(fieldName)' of \(read.workflow), which \(restriction); \(article) \(kind) that reads it states its 'audience:'",
                    at: read.expression.span,
                    hint: roles.isEmpty
                        ? "add 'audience: [ROLES]', \(forWhom)"
                        : "add 'audience: [ROLES]' with roles among \(roles.joined(separator: ", ")), or do not read the field"
                )
                continue
            }
            guard !roles.isEmpty else { continue }
            for role in audience where !roles.contains(role.text) && roleNames.contains(role.text) {
                guard reported.insert(role.text + "\u{0}" + read.workflow + "\u{0}" + fieldName).inserted else {
                    continue
                }
                error(
                    code,
                    "role '\(role.text)' of \(place) may not see field '\(fieldName)' of \(read.workflow), which \(read.what) reads: it \(restriction)",
                    at: role.span,
                    hint: "keep the audience to roles among \(roles.joined(separator: ", ")), or do not read the field")
            }
        }
    }
}
