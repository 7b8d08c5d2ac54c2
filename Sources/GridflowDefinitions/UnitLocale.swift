/// A unit's language (`locale: zh-CN` in unit.yaml): a BCP 47 tag of a language, optionally a
/// script and a region (`en`, `zh-CN`, `zh-Hans-CN`). The bulletin's fixed labels come from the
/// built-in table of its language; a language without one falls back to English.
public struct UnitLocale: Sendable, Hashable, CustomStringConvertible {
    /// The tag as written.
    public let description: String
    /// The language subtag, lowercased (`zh`).
    public let language: String

    /// Parses a tag: a language of 2 or 3 letters, then optionally a script of 4 letters and a
    /// region of 2 letters or 3 digits, joined by `-`; `nil` for anything else.
    public init?(_ tag: String) {
        let parts = tag.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        func letters(_ text: String, _ counts: ClosedRange<Int>) -> Bool {
            counts.contains(text.count) && text.allSatisfy { $0.isASCII && $0.isLetter }
        }
        guard let first = parts.first, letters(first, 2...3), parts.count <= 3 else { return nil }
        var rest = parts.dropFirst()
        if let script = rest.first, letters(script, 4...4) { rest = rest.dropFirst() }
        if let region = rest.first {
            guard letters(region, 2...2) || (region.count == 3 && region.allSatisfy { $0.isASCII && $0.isNumber })
            else { return nil }
            rest = rest.dropFirst()
        }
        guard rest.isEmpty else { return nil }
        description = tag
        language = first.lowercased()
    }

    /// English, the fallback.
    public static let english = UnitLocale("en")!

    /// The languages with a built-in table of labels.
    public static let languages = ["en", "zh"]

    /// Whether the language has a built-in table (else the labels are English).
    public var hasLabels: Bool { Self.languages.contains(language) }

    /// The bulletin's fixed labels in this language, English when it has none.
    public var labels: BulletinLabels { language == "zh" ? .chinese : .english }
}

/// The fixed words of a bulletin page in one language.
public struct BulletinLabels: Sendable {
    public let issuedBy: String
    public let issuedOn: String
    public let period: String
    public let overview: String
    public let byMonth: String
    public let rates: String
    /// The overall table's two columns in Markdown.
    public let measure: String
    public let value: String
    /// What follows a label before its value (`: `, `：`).
    public let colon: String
    /// `{count} {workflow} cases opened in {period}.`
    public let opened: @Sendable (_ count: Int, _ workflow: String, _ period: String) -> String
    /// `Issued by Gridflow from the report definition {name}; figures as of {date}.`
    public let footer: @Sendable (_ report: String, _ date: String) -> String
    /// A date as people of the language write it.
    public let date: @Sendable (_ year: Int, _ month: Int, _ day: Int) -> String
    /// A month's short label in a chart (`7月`, `Jul`).
    public let month: @Sendable (_ month: Int) -> String
    /// A period (`2024`, `2024-H1`, `2024-Q3`, `2024-11`) in words.
    public let periodName: @Sendable (_ year: Int, _ kind: AppraisalPeriod, _ index: Int) -> String

    static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December",
    ]

    public static let english = BulletinLabels(
        issuedBy: "Issued by", issuedOn: "Date of issue", period: "Period", overview: "Overview",
        byMonth: "By month", rates: "Rates", measure: "Measure", value: "Value", colon: ": ",
        opened: { count, workflow, period in
            "\(count) \(workflow) case\(count == 1 ? "" : "s") opened in \(period)."
        },
        footer: { report, date in "Issued with Gridflow from the report definition “\(report)”; figures as of \(date)."
        },
        date: { year, month, day in "\(day) \(monthNames[month - 1]) \(year)" },
        month: { String(monthNames[$0 - 1].prefix(3)) },
        periodName: { year, kind, index in
            switch kind {
            case .year: "\(year)"
            case .halfYear: "H\(index) \(year)"
            case .quarter: "Q\(index) \(year)"
            case .month: "\(monthNames[index - 1]) \(year)"
            }
        })

    public static let chinese = BulletinLabels(
        issuedBy: "发布单位", issuedOn: "发布日期", period: "统计期间", overview: "总体情况",
        byMonth: "按月趋势", rates: "比率", measure: "指标", value: "数值", colon: "：",
        opened: { count, workflow, period in "\(period)共受理\(workflow)\(count)件。" },
        footer: { report, date in "本通报依据“\(report)”通报定义由 Gridflow 生成，数据截至\(date)。" },
        date: { year, month, day in "\(year)年\(month)月\(day)日" },
        month: { "\($0)月" },
        periodName: { year, kind, index in
            switch kind {
            case .year: "\(year)年"
            case .halfYear: "\(year)年\(index == 1 ? "上" : "下")半年"
            case .quarter: "\(year)年第\(["一", "二", "三", "四"][index - 1])季度"
            case .month: "\(year)年\(index)月"
            }
        })
}
