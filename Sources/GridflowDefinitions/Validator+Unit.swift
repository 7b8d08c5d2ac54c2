import Foundation
import GridflowDiagnostics
import GridflowExpressions
import GridflowYAML

extension Validator {
    /// Checks the unit: time zone, calendar, org tree, departments, roles and people.
    mutating func checkUnit(_ file: DefinitionFile) {
        guard case .unit(let own) = file.definition else { return }
        source = file.source
        let unit = self.unit  // with inherited parts
        if let zone = own.timezone, TimeZone(identifier: zone.text) == nil {
            let known = TimeZone.knownTimeZoneIdentifiers
            error(
                "unknown-timezone", "unknown time zone '\(zone.text)'" + Suggestion.didYouMean(zone.text, in: known),
                at: zone.span, hint: "use an IANA name such as Asia/Shanghai")
        }
        if let locale = own.locale {
            if let parsed = UnitLocale(locale.text) {
                if !parsed.hasLabels {
                    warning(
                        "unknown-locale",
                        "no built-in labels for the language '\(parsed.language)' of locale '\(locale.text)': the bulletin's fixed labels are in English",
                        at: locale.span,
                        hint: "the built-in languages are " + UnitLocale.languages.joined(separator: ", "))
                }
            } else {
                error(
                    "invalid-locale", "'\(locale.text)' is not a locale tag", at: locale.span,
                    hint: "write a BCP 47 tag: a language, then optionally a script and a region, e.g. zh-CN or en")
            }
        }
        if let administrator = own.administrator, !unit.roleNames.contains(administrator.text) {
            error(
                "unknown-role",
                "administrator names unknown role '\(administrator.text)'"
                    + Suggestion.didYouMean(administrator.text, in: unit.roleNames),
                at: administrator.span, hint: "name a role declared under roles: (here or in the base unit)")
        }
        // Without its base, a unit may lack what it would inherit; that follows from the base's error.
        if !own.abstract, unloadedBase == nil {
            if unit.timezone == nil {
                error(
                    "missing-key", "unit '\(own.name.text)' needs a 'timezone' (or a base unit that has one)",
                    at: own.name.span)
            }
            if unit.calendar.workingDays == nil {
                error(
                    "missing-key",
                    "unit '\(own.name.text)' needs 'calendar.working_days' (or a base unit that has them)",
                    at: own.name.span)
            }
        }
        if !own.abstract {
            if own.tree == nil {
                error(
                    "missing-key", "unit '\(own.name.text)' needs an org tree ('org.tree')",
                    at: file.span(ofKey: "org"),
                    hint: "only an abstract unit may leave out the org tree")
            }
        }
        checkCalendar(own)
        checkUnique(own.levels, what: "org level")
        checkUnique(own.shifts, what: "shift")
        if let tree = own.tree { checkTree(tree, unit: unit) }

        let levels = unit.levels.map(\.text)
        for department in own.departments {
            if let level = department.level {
                resolve(level, among: levels, as: "org level", in: "department '\(department.name.text)'")
            }
        }
        let departments = unit.departments.map(\.name.text)
        let eligibilities = definitions.eligibilities.map(\.name.text)
        for role in own.roles {
            if let scope = role.scope { resolve(scope, among: levels, as: "org level", in: "role '\(role.name.text)'") }
            if let department = role.department {
                resolve(department, among: departments, as: "department", in: "role '\(role.name.text)'")
            }
            if let eligibility = role.eligibility, !own.abstract {
                resolve(
                    eligibility, among: eligibilities, as: "rule set", in: "role '\(role.name.text)'",
                    hint: "Eligibility rule sets live in Rules/\(own.name.text)/")
            }
            if let heldBy = role.heldBy {
                checkExpression(
                    heldBy, roots: [("person", .record(personType))], expecting: .bool,
                    what: "who may hold role '\(role.name.text)'")
            }
            if role.name.text == Unit.Role.system {
                error("reserved-name", "'system' is the engine's own role and cannot be declared", at: role.name.span)
            }
        }
        for webhook in own.webhooks { checkWebhook(webhook, unit: unit) }
        for enumeration in own.enums {
            checkUnique(enumeration.values, what: "value of enum '\(enumeration.name.text)'")
        }
        for field in own.peopleFields {
            checkField(field, in: "people")
            // A default stands for a value left out, so it must be one the field takes.
            if let node = field.defaultNode {
                do {
                    _ = try DataBinding.value(
                        node.plainValue, as: types.valueType(field, personDepth: 1), path: field.name.text)
                } catch {
                    self.error(
                        "type", "the default of person field '\(field.name.text)' does not fit it: \(error)",
                        at: node.span, hint: "give a value of the field's type (\(field.type.keyword))")
                }
            }
        }
    }

    /// Checks a webhook: an absolute http(s) URL with a host, an environment variable's name,
    /// known roles, a sane number of attempts, and a backoff in calendar time.
    private mutating func checkWebhook(_ webhook: Unit.Webhook, unit: Unit) {
        let name = webhook.name.text
        if let url = webhook.url {
            let parsed = URLComponents(string: url.text)
            if parsed?.scheme.map({ ["http", "https"].contains($0.lowercased()) }) != true
                || (parsed?.host ?? "").isEmpty
            {
                error(
                    "webhook-url", "webhook '\(name)': '\(url.text)' is not an http or https URL", at: url.span,
                    hint: "write an absolute URL such as https://bots.example.com/hooks/discipline")
            } else if parsed?.user != nil || parsed?.password != nil {
                error(
                    "webhook-url", "webhook '\(name)': the URL carries a user or password", at: url.span,
                    hint:
                        "definitions are stored and shown: keep credentials out of them (the signing key is read from secret_env)"
                )
            }
        }
        if let variable = webhook.secretEnv,
            variable.text.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) == nil
        {
            error(
                "webhook-secret",
                "webhook '\(name)': secret_env '\(variable.text)' is not an environment variable's name",
                at: variable.span,
                hint: "name the variable that holds the key, e.g. GRIDFLOW_WEBHOOK_SECRET; never write the key here")
        }
        for role in webhook.roles {
            resolve(
                role, among: unit.roleNames.subtracting([Unit.Role.system]).sorted(), as: "role",
                in: "webhook '\(name)'")
        }
        if let attempts = webhook.attempts, !(1...20).contains(attempts), let node = webhook.attemptsNode {
            error(
                "webhook-attempts", "webhook '\(name)': \(attempts) attempts is out of range", at: node.span,
                hint: "give 1 to 20")
        }
        if let backoff = webhook.backoff, let node = webhook.backoffNode {
            if case .workingDays = backoff.amount {
                error(
                    "webhook-backoff", "webhook '\(name)': a backoff counts calendar time, not working days",
                    at: node.span, hint: "write seconds, minutes or hours, e.g. 30s or 5m")
            } else if case .months = backoff.amount {
                error(
                    "webhook-backoff", "webhook '\(name)': a backoff of months or years is no retry", at: node.span,
                    hint: "write seconds, minutes or hours, e.g. 30s or 5m")
            }
        }
    }

    /// Checks the unit's own calendar entries, and each against those it inherits: a day is a
    /// holiday or a make-up working day, never both (the make-up day would silently win).
    private mutating func checkCalendar(_ unit: Unit) {
        // What a unit takes back must be the base's, and not given again here.
        for node in self.unit.calendar.unmatchedRemovals where node.location.file == unit.file {
            guard let date = node.date else { continue }
            let holiday = unit.calendar.removedHolidayNodes.contains { $0.span == node.span }
            error(
                "calendar-removal",
                unit.extends == nil
                    ? "\(date) cannot be taken back: unit '\(unit.name.text)' extends no base unit"
                    : "\(date) is not \(holiday ? "a holiday" : "an extra working day") of base unit '\(unit.extends!.text)', so there is nothing to take back",
                at: node.span,
                hint: holiday
                    ? "remove_holidays lists holidays the base declares; a day that is not one is a working day already"
                    : "remove_extra_working_days lists make-up days the base declares")
        }
        for (removed, own, what) in [
            (unit.calendar.removedHolidayNodes, unit.calendar.holidayNodes, "a holiday"),
            (unit.calendar.removedExtraNodes, unit.calendar.extraNodes, "an extra working day"),
        ] {
            for node in removed {
                guard let date = node.date, let again = own.first(where: { $0.date == date }) else { continue }
                error(
                    "calendar-conflict", "\(date) is taken back and listed again as \(what)", at: again.span,
                    hint: "keep one of the two",
                    notes: [Diagnostic.Note(span: node.span, message: "\(date) is taken back here")])
            }
        }
        let working = Set((self.unit.calendar.workingDays ?? []).map(\.rawValue))
        var holidays: [Day: Node] = [:]
        for node in unit.calendar.holidayNodes {
            guard let date = node.date else { continue }
            if holidays[date] != nil {
                warning("duplicate-date", "holiday \(date) is listed twice", at: node.span)
            } else {
                holidays[date] = node
            }
        }
        // The inherited entries: those of the merged calendar written in another file.
        func inherited(_ nodes: [Node]) -> [Day: Node] {
            var days: [Day: Node] = [:]
            for node in nodes where node.location.file != unit.file {
                if let date = node.date, days[date] == nil { days[date] = node }
            }
            return days
        }
        let baseHolidays = inherited(self.unit.calendar.holidayNodes)
        let baseExtras = inherited(self.unit.calendar.extraNodes)
        let hint = "a day is either a holiday or an extra working day; remove one of the two"
        for node in unit.calendar.holidayNodes {
            guard let date = node.date, let other = baseExtras[date] else { continue }
            error(
                "calendar-conflict",
                "\(date) is a holiday here but an extra working day of base unit '\(Self.unitName(of: other))'",
                at: node.span, hint: hint + " (the base's applies to every unit that extends it)",
                notes: [Diagnostic.Note(span: other.span, message: "\(date) is an extra working day here")])
        }
        for node in unit.calendar.extraNodes {
            guard let date = node.date else { continue }
            let day = Weekday.allCases[date.weekday - 1].rawValue
            if let holiday = holidays[date] {
                error(
                    "calendar-conflict", "\(date) is both a holiday and an extra working day", at: node.span,
                    hint: hint, notes: [Diagnostic.Note(span: holiday.span, message: "\(date) is a holiday here")])
            } else if let other = baseHolidays[date] {
                error(
                    "calendar-conflict",
                    "\(date) is an extra working day here but a holiday of base unit '\(Self.unitName(of: other))'",
                    at: node.span, hint: hint + " (the base's applies to every unit that extends it)",
                    notes: [Diagnostic.Note(span: other.span, message: "\(date) is a holiday here")])
            } else if working.contains(day) {
                warning("redundant-working-day", "\(date) is a \(day), already a working day", at: node.span)
            }
        }
    }

    /// The unit whose `unit.yaml` holds `node`: the name of the file's folder.
    private static func unitName(of node: Node) -> String {
        let parts = node.location.file.split(separator: "/")
        return parts.count >= 2 ? String(parts[parts.count - 2]) : node.location.file
    }

    private mutating func checkTree(_ tree: OrgNode, unit: Unit) {
        let levels = unit.levels.map(\.text)
        let shifts = unit.shifts.map(\.text)
        checkUnique(tree.walk().map(\.node.name), what: "org node")
        func visit(_ node: OrgNode, parentLevel: Int) {
            var levelIndex = parentLevel + 1
            if let level = node.level {
                if let index = levels.firstIndex(of: level.text) {
                    if index <= parentLevel {
                        error(
                            "level-order",
                            "org node '\(node.name.text)' is at level '\(level.text)', not below its parent's level '\(levels[parentLevel])'",
                            at: level.span, hint: "levels go from the top down: " + levels.joined(separator: " → "))
                    }
                    levelIndex = index
                } else {
                    resolve(level, among: levels, as: "org level", in: "org node '\(node.name.text)'")
                }
            } else if levelIndex >= levels.count {
                error(
                    "no-level",
                    "org node '\(node.name.text)' is deeper than the \(levels.count) levels of 'org.levels'",
                    at: node.name.span, hint: "add a level or give the node a 'level'")
            }
            for shift in node.shifts {
                resolve(
                    shift, among: shifts, as: "shift", in: "org node '\(node.name.text)'",
                    hint: "shifts are declared in 'org.shifts'")
            }
            for child in node.children { visit(child, parentLevel: levelIndex) }
        }
        visit(tree, parentLevel: -1)
    }
}
