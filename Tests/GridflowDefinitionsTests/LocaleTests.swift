import Foundation
import GridflowDiagnostics
import Testing

@testable import GridflowDefinitions

/// A unit's `locale:`: a BCP 47 tag, checked where it is written, inherited from the base unit.
@Suite struct LocaleTests {
    @Test func tagsParse() {
        for tag in ["en", "zh-CN", "zh-Hans-CN", "es-419", "fr"] { #expect(UnitLocale(tag) != nil, "\(tag)") }
        for tag in ["", "zh_CN", "chinese", "zh-", "zh-CN-x", "z", "zh-Hans-CN-1"] {
            #expect(UnitLocale(tag) == nil, "\(tag)")
        }
        #expect(UnitLocale("zh-CN")?.labels.overview == "总体情况")
        #expect(UnitLocale("fr")?.labels.overview == "Overview", "English when the language has no table")
        #expect(BulletinLabels.chinese.periodName(2024, .quarter, 3) == "2024年第三季度")
        #expect(BulletinLabels.english.periodName(2024, .halfYear, 1) == "H1 2024")
        #expect(BulletinLabels.chinese.date(2024, 10, 1) == "2024年10月1日")
    }

    @Test func aBadTagIsAnErrorAtItsPlaceAndAnUnknownLanguageAWarning() throws {
        let tree = try TemporaryTree()
        try tree.writeUnit("b", extra: "locale: zh_CN\n")
        let (result, text) = tree.validate(["Workflows/b"])
        let error = try #require(result.diagnostics.first { $0.code == "invalid-locale" }, "\(text)")
        #expect(error.severity == .error)
        #expect(text.contains("Workflows/b/unit.yaml:12:9"), "\(text)")
        #expect(text.contains("'zh_CN' is not a locale tag"), "\(text)")
        #expect(text.contains("e.g. zh-CN or en"), "\(text)")
        try tree.writeUnit("b", extra: "locale: fr\n")
        let (french, frenchText) = tree.validate(["Workflows/b"])
        #expect(french.diagnostics.map(\.code) == ["unknown-locale"], "\(frenchText)")
        #expect(french.diagnostics.first?.severity == .warning)
    }

    @Test func aUnitInheritsItsBaseLocale() throws {
        let tree = try TemporaryTree()
        try tree.write(
            "Workflows/base/unit.yaml",
            "kind: Unit\nschema: 1\nname: base\nabstract: true\ntimezone: Asia/Shanghai\nlocale: zh-CN\n"
                + "calendar:\n  working_days: [mon, tue, wed, thu, fri]\n")
        try tree.writeUnit("b", extra: "extends: base\n")
        let (result, text) = tree.validate(["Workflows/base", "Workflows/b"])
        #expect(!result.diagnostics.hasErrors, "\(text)")
        let unit = try #require(result.units["b"]?.unit)
        #expect(unit.locale?.text == "zh-CN")
    }
}
