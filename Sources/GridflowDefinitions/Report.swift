import GridflowDiagnostics
import GridflowYAML

/// A periodic bulletin over the cases of one workflow opened in the period: measures (counts,
/// shares, sums, averages, medians, 90th percentiles) overall and broken down by groups.
public struct Report: Sendable {
    public var name: Name
    public var file: String
    public var title: String?
    public var workflow: Name?
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
