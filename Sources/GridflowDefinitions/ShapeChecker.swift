import GridflowDiagnostics
import GridflowExpressions
import GridflowYAML

/// Checks a node tree against a `Shape`: unknown keys (with did-you-mean), missing required
/// keys, values of the wrong type, duplicate keys and names, and the form of names,
/// durations and dates. Every problem is collected; checking never stops early.
struct ShapeChecker {
    private(set) var diagnostics: [Diagnostic] = []
    private var context = Context()

    /// Where the value's key is written and how to name the value in messages, when known.
    struct Context {
        var keySpan: SourceSpan?
        var label: String?
    }

    mutating func check(_ node: Node, against shape: Shape, key: String, context: Context = Context()) {
        self.context = context
        if node.isInvalid { return }
        switch shape {
        case .text:
            if node.scalar?.string == nil, !isPlainNumber(node) { mismatch(node, shape, key) }
        case .identifier:
            guard let text = string(node, shape, key) else { return }
            if !Identifier.isValid(text) {
                diagnostics.append(
                    Diagnostic(
                        .error, "invalid-name", "'\(text)' is not a valid name", at: node.span,
                        hint: "names start with a lower-case letter, then lower-case letters, digits and '_'"))
            }
        case .expression:
            guard let text = string(node, shape, key) else { return }
            if text.allSatisfy(\.isWhitespace) {
                diagnostics.append(
                    Diagnostic(
                        .error, "empty-expression", "'\(key)' is an empty expression", at: node.span,
                        hint: "write a condition or formula, e.g. case.area == \"off_duty\""))
            }
        case .duration, .positiveDuration, .calendarDuration:
            guard let text = scalarText(node, shape, key) else { return }
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            let months: Bool
            let positive: String?
            switch shape {
            case .calendarDuration(let why): (months, positive) = (true, why)
            case .positiveDuration(let why): (months, positive) = (false, why)
            default: (months, positive) = (false, nil)
            }
            if trimmed.hasPrefix("-"), case .success = Duration.parse(String(trimmed.dropFirst()), months: months) {
                diagnostics.append(
                    Diagnostic(
                        .error, "invalid-duration", "'\(key)' is \(trimmed); a duration cannot be negative",
                        at: node.span, hint: "durations count forward from when they start; write e.g. 3d"))
                return
            }
            switch Duration.parse(text, months: months) {
            case .failure(let problem):
                diagnostics.append(
                    Diagnostic(
                        .error, "invalid-duration", "'\(text)' is not a duration: \(problem)", at: node.span,
                        hint: months
                            ? "write e.g. 30m, 36h, 3d, 2w, 1d12h, 5wd for working days, or 1y, 6mo, 1y6mo for calendar months"
                            : "write e.g. 30m, 36h, 3d, 2w, 1d12h, or 5wd for working days"))
            case .success(let duration):
                guard let why = positive, duration.amount.isZero else { return }
                diagnostics.append(
                    Diagnostic(
                        .error, "zero-duration", "'\(key)' is \(duration.text); it must be longer than zero",
                        at: node.span, hint: why))
            }
        case .date:
            guard let text = scalarText(node, shape, key) else { return }
            if Day.fromDate(text) == nil {
                diagnostics.append(
                    Diagnostic(
                        .error, "invalid-date", "'\(text)' is not a date", at: node.span,
                        hint: "write dates as YYYY-MM-DD, e.g. 2024-10-01"))
            }
        case .integer:
            if case .int = node.scalar?.resolved {} else { mismatch(node, shape, key) }
        case .number:
            if !isPlainNumber(node) { mismatch(node, shape, key) } else { checkNumberDomain(node, key) }
        case .bool:
            guard case .bool = node.scalar?.resolved else {
                let hint =
                    ["yes", "no", "on", "off", "y", "n"].contains(node.scalar?.value.lowercased() ?? "")
                    ? "in YAML 1.2 '\(node.scalar!.value)' is a string; write true or false" : nil
                mismatch(node, shape, key, hint: hint)
                return
            }
        case .keyword(let words):
            guard let text = scalarText(node, shape, key) else { return }
            if !words.contains(text) {
                diagnostics.append(
                    Diagnostic(
                        .error, "invalid-value",
                        "'\(key)' cannot be '\(text)'" + Suggestion.didYouMean(text, in: words), at: node.span,
                        hint: "expected " + shape.summary))
            }
        case .scalar:
            if node.scalar == nil { mismatch(node, shape, key) } else { checkNumberDomain(node, key) }
        case .list(let item):
            guard let items = node.sequence else { return mismatch(node, shape, key) }
            for element in items { check(element, against: item, key: key) }
        case .map(let entity, let value):
            guard let mapping = node.mapping else { return mismatch(node, shape, key) }
            reportDuplicates(mapping, entity: entity)
            for pair in mapping.pairs {
                guard let name = pair.name else { continue }
                if entity != Shape.literalEntity, !Identifier.isValid(name) {
                    diagnostics.append(
                        Diagnostic(
                            .error, "invalid-name", "'\(name)' is not a valid \(entity) name",
                            at: SourceSpan(start: pair.key.location, length: name.count),
                            hint: "names start with a lower-case letter, then lower-case letters, digits and '_'"))
                }
                check(
                    pair.value, against: value, key: name,
                    context: Context(
                        keySpan: SourceSpan(start: pair.key.location, length: name.count), label: "\(entity) '\(name)'")
                )
            }
        case .object(let object):
            check(node, against: object, key: key, context: context)
        case .ref:
            check(node, against: shape.resolved, key: key, context: context)
        case .either(let alternatives):
            checkEither(node, alternatives, whole: shape, key: key)
        case .any:
            if let mapping = node.mapping {
                reportDuplicates(mapping, entity: nil)
                for pair in mapping.pairs { check(pair.value, against: .any, key: pair.name ?? key) }
            } else if let items = node.sequence {
                for item in items { check(item, against: .any, key: key) }
            }
        }
    }

    mutating func check(_ node: Node, against object: ObjectShape, key: String, context: Context = Context()) {
        self.context = context
        guard let mapping = node.mapping else { return mismatch(node, .object(object), key) }
        let label = context.label ?? object.title
        let anchor = context.keySpan ?? SourceSpan(start: node.location)
        reportDuplicates(mapping, entity: nil)
        var present = Set<String>()
        for pair in mapping.pairs {
            guard let name = pair.name else { continue }
            present.insert(name)
            guard let declared = object.key(name) else {
                let names = object.keys.map(\.name)
                diagnostics.append(
                    Diagnostic(
                        .error, "unknown-key",
                        "unknown key '\(name)' in \(object.title)" + Suggestion.didYouMean(name, in: names),
                        at: SourceSpan(start: pair.key.location, length: name.count),
                        hint: "keys allowed here: " + names.joined(separator: ", ")))
                continue
            }
            check(
                pair.value, against: declared.shape, key: name,
                context: Context(keySpan: SourceSpan(start: pair.key.location, length: name.count), label: nil))
        }
        for declared in object.keys where declared.required && !present.contains(declared.name) {
            diagnostics.append(
                Diagnostic(
                    .error, "missing-key", "\(label) needs the key '\(declared.name)'", at: anchor,
                    hint: "add '\(declared.name):' (\(Self.sentence(declared.doc)))"))
        }
        for group in object.exclusive {
            let given = group.filter(present.contains)
            if given.count > 1, let second = mapping.pair(given[1]) {
                diagnostics.append(
                    Diagnostic(
                        .error, "conflicting-keys",
                        "\(object.title) takes only one of " + group.map { "'\($0)'" }.joined(separator: ", ")
                            + "; found '\(given[0])' and '\(given[1])'",
                        at: SourceSpan(start: second.key.location, length: given[1].count)))
            }
        }
        for group in object.oneRequired where !group.contains(where: present.contains) {
            diagnostics.append(
                Diagnostic(
                    .error, "missing-key",
                    "\(label) needs one of " + group.map { "'\($0)'" }.joined(separator: ", "), at: anchor))
        }
    }

    private mutating func checkEither(_ node: Node, _ alternatives: [Shape], whole: Shape, key: String) {
        var fitting: [(Shape, [Diagnostic])] = []
        let context = self.context
        defer { self.context = context }
        for alternative in alternatives {
            // An alternative of another kind of YAML value fails at once and is never the one
            // reported: skip it rather than check it and build its message.
            if Self.certainlyMisfits(node, alternative) { continue }
            var trial = ShapeChecker()
            trial.check(node, against: alternative, key: key, context: context)
            if trial.diagnostics.isEmpty { return }
            if Self.kindFits(node, alternative) { fitting.append((alternative, trial.diagnostics)) }
        }
        if let best = fitting.last, fitting.count >= 1 {
            // Report against the most specific alternative the node's kind fits (mappings and lists
            // come last in every `either`, and scalars prefer the last scalar alternative).
            diagnostics += best.1
        } else {
            mismatch(node, whole, key)
        }
    }

    /// Whether checking `node` against `shape` certainly reports a mismatch of kinds (a scalar
    /// where a collection is wanted or the other way round), and `kindFits` is false.
    private static func certainlyMisfits(_ node: Node, _ shape: Shape) -> Bool {
        guard !node.isInvalid else { return false }
        switch shape.resolved {
        case .list: return node.sequence == nil
        case .map, .object: return node.mapping == nil
        case .either, .any, .ref: return false
        case .text, .identifier, .expression, .duration, .positiveDuration, .calendarDuration, .date, .integer,
            .number, .bool, .keyword, .scalar:
            return node.scalar == nil
        }
    }

    /// Whether the node is the kind of YAML value (scalar, list, mapping) the shape takes.
    private static func kindFits(_ node: Node, _ shape: Shape) -> Bool {
        switch shape.resolved {
        case .list: node.sequence != nil
        case .map, .object: node.mapping != nil
        case .either(let shapes): shapes.contains { kindFits(node, $0) }
        default: node.scalar != nil
        }
    }

    /// A number is read exactly or not at all, never rounded on its way in: one that needs more
    /// than 38 significant digits, is 10^38 or more or has more than 76 places is an error.
    private mutating func checkNumberDomain(_ node: Node, _ key: String) {
        guard case .float(let text) = node.scalar?.resolved, Double(text)?.isFinite == true,
            let problem = Number.problem(parsing: text)
        else { return }
        diagnostics.append(
            Diagnostic(
                .error, "number-range", "'\(key)' is \(text), which \(problem)", at: node.span,
                hint: "a number holds 38 significant digits, is below 10^38 and has at most 76 places"))
    }

    private func isPlainNumber(_ node: Node) -> Bool {
        switch node.scalar?.resolved {
        case .int: return true
        case .float(let text): return Double(text)?.isFinite == true
        default: return false
        }
    }

    private mutating func string(_ node: Node, _ shape: Shape, _ key: String) -> String? {
        guard let text = node.scalar?.string else {
            mismatch(node, shape, key)
            return nil
        }
        return text
    }

    /// The text of any scalar (a duration `3` or a date may resolve to a number).
    private mutating func scalarText(_ node: Node, _ shape: Shape, _ key: String) -> String? {
        guard let scalar = node.scalar, scalar.resolved != .null else {
            mismatch(node, shape, key)
            return nil
        }
        return scalar.value
    }

    private mutating func mismatch(_ node: Node, _ shape: Shape, _ key: String, hint: String? = nil) {
        // A collection's own position is its first item; point at its key instead.
        let span = node.scalar == nil ? (context.keySpan ?? node.span) : node.span
        diagnostics.append(
            Diagnostic(
                .error, "wrong-type", "'\(key)' must be \(shape.summary), not \(node.kindDescription)",
                at: span, hint: hint))
    }

    /// A key's doc as a lower-case phrase without the final period.
    static func sentence(_ doc: String) -> String {
        var text = doc.hasSuffix(".") ? String(doc.dropLast()) : doc
        if let first = text.first, text.dropFirst().first?.isLowercase ?? true {
            text = first.lowercased() + text.dropFirst()
        }
        return text
    }

    private mutating func reportDuplicates(_ mapping: Mapping, entity: String?) {
        for (first, duplicate) in mapping.duplicates() {
            let name = duplicate.name ?? ""
            let what = entity.map { "duplicate \($0) '\(name)'" } ?? "duplicate key '\(name)'"
            diagnostics.append(
                Diagnostic(
                    .error, entity == nil ? "duplicate-key" : "duplicate-name", what,
                    at: SourceSpan(start: duplicate.key.location, length: name.count),
                    notes: [Diagnostic.Note(span: first.key.span, message: "'\(name)' first defined here")]))
        }
    }
}

/// The form of names in definitions.
public enum Identifier {
    /// A lower-case ASCII letter, then lower-case letters, digits and `_`.
    public static func isValid(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }
}
