import GridflowDiagnostics
import GridflowExpressions
import GridflowYAML

/// A periodic bulletin over the cases of one workflow opened in the period: measures (counts,
/// shares, sums, averages, medians, 90th percentiles) overall and broken down by groups.
public struct Report: Sendable {
    public var name: Name
    public var file: String
    public var title: String?
    public var workflow: Name?
    /// The body that issues the bulletin (`issuer:`), shown on its page.
    public var issuer: String?
    /// The roles the bulletin is for (`audience:`): a report that reads a restricted field of its
    /// workflow must state it, and only people acting in one of these roles may run it.
    public var audience: [Name] = []
    public var groups: [Group]
    public var measures: [Measure]

    /// A breakdown: cases are grouped by the value of `by`.
    public struct Group: Sendable {
        public var name: Name
        public var title: String?
        public var by: Expression?
    }

    /// One figure of the bulletin.
    public struct Measure: Sendable {
        public var name: Name
        public var title: String?
        public var kind: Kind?
        public var kindSpan: SourceSpan?
        /// For `share`: the condition whose share is given; for the others except `count`: the number.
        public var value: Expression?
        /// Only the cases where this holds are considered.
        public var filter: Expression?
        public var span: SourceSpan
    }

    public enum Kind: String, Sendable, CaseIterable {
        case count, share, sum, average, median, p90
    }
}

extension Report {
    static func read(_ node: Node, file: String) -> Report? {
        guard let name = node["name"]?.name else { return nil }
        return Report(
            name: name, file: file, title: node["title"]?.text, workflow: node["workflow"]?.name,
            issuer: node["issuer"]?.text,
            audience: node["audience"]?.names ?? [],
            groups: node["groups"]?.sequence?.compactMap { group in
                group["name"]?.name.map { Group(name: $0, title: group["title"]?.text, by: group["by"]?.expression) }
            } ?? [],
            measures: node["measures"]?.sequence?.compactMap { measure in
                measure["name"]?.name.map {
                    Measure(
                        name: $0, title: measure["title"]?.text, kind: measure["kind"]?.text.flatMap(Kind.init),
                        kindSpan: measure["kind"]?.span, value: measure["value"]?.expression,
                        filter: measure["where"]?.expression, span: measure.span)
                }
            } ?? [])
    }
}

extension Workflow {
    /// The fields whose value is not everyone's: those with `visible_to` or `visible_when`, and
    /// the opener, who names the person who opened a case.
    public var restrictedFields: [Field] {
        fields.filter { !$0.visibleTo.isEmpty || $0.visibleWhen != nil || $0.opener }
    }
}

/// An expression of a report or an appraisal that reads a restricted field of a workflow.
public struct RestrictedRead: Sendable {
    /// The workflow whose field is read.
    public var workflow: String
    /// The field read.
    public var field: Field
    /// Where: `the key of group 'by_reporter'`, `'where' of measure 'mine'`, `'person' of fact …`.
    public var what: String
    /// The expression that reads it.
    public var expression: Expression

    /// Every restricted field of `workflow` that each expression (over `case`) reads: a field
    /// it names, or any when it reads `case` whole or by index, in the order given.
    static func find(_ places: [(what: String, expression: Expression)], in workflow: Workflow) -> [RestrictedRead] {
        let restricted = workflow.restrictedFields
        guard !restricted.isEmpty else { return [] }
        var result: [RestrictedRead] = []
        for (what, expression) in places {
            // Text that does not parse is reported where it is checked; it reads nothing here.
            guard let reads = Compiler.reads(of: expression.text, root: "case") else { continue }
            for field in restricted where reads.reads(field.name.text) {
                result.append(
                    RestrictedRead(workflow: workflow.name.text, field: field, what: what, expression: expression))
            }
        }
        return result
    }
}

extension Report {
    /// Every place the report reads a restricted field of `workflow` (a field it names, or any
    /// when it reads `case` whole or by index), in the order written.
    public func restrictedReads(in workflow: Workflow) -> [RestrictedRead] {
        var places: [(what: String, expression: Expression)] = []
        for group in groups {
            if let by = group.by { places.append(("the key of group '\(group.name.text)'", by)) }
        }
        for measure in measures {
            if let filter = measure.filter { places.append(("'where' of measure '\(measure.name.text)'", filter)) }
            if let value = measure.value { places.append(("the value of measure '\(measure.name.text)'", value)) }
        }
        return RestrictedRead.find(places, in: workflow)
    }
}

extension Appraisal {
    /// Every place a store fact's query (`person`, `where`, `sum`) reads a restricted field of
    /// its workflow, in the order written; a fact whose workflow is none of `workflows` reads none.
    public func restrictedReads(in workflows: [Workflow]) -> [RestrictedRead] {
        var result: [RestrictedRead] = []
        for fact in facts where fact.source == "store" {
            guard let from = fact.from, let name = from.workflow?.text,
                let workflow = workflows.first(where: { $0.name.text == name })
            else { continue }
            let what = "fact '\(fact.name.text)'"
            let places: [(what: String, expression: Expression)] = [
                ("'person' of \(what)", from.person), ("'where' of \(what)", from.filter),
                ("'sum' of \(what)", from.sum),
            ].compactMap { place, expression in expression.map { (place, $0) } }
            result += RestrictedRead.find(places, in: workflow)
        }
        return result
    }
}
