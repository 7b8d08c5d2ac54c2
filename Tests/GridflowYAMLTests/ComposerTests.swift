import GridflowDiagnostics
import Testing

@testable import GridflowYAML

/// The composer: positions, the YAML 1.2 core schema, and Gridflow's YAML rules.
@Suite struct ComposerTests {
    func compose(_ text: String) -> Composition {
        Composer.compose(SourceFile(path: "t.yaml", text: text))
    }

    func messages(_ text: String) -> [String] {
        compose(text).diagnostics.map { "\($0.location!.line):\($0.location!.column) \($0.code): \($0.message)" }
    }

    @Test func everyNodeKnowsItsLineAndColumn() throws {
        let root = try #require(
            compose("kind: Workflow\nstates:\n  open:\n    initial: true\n  done: {final: true}\n").root)
        #expect(root["kind"]?.location == SourceLocation(file: "t.yaml", line: 1, column: 7))
        let states = try #require(root["states"]?.mapping)
        #expect(states.pairs[0].key.location.line == 3)
        #expect(states.pairs[0].key.location.column == 3)
        #expect(root["states"]?["open"]?["initial"]?.location == SourceLocation(file: "t.yaml", line: 4, column: 14))
        #expect(root["states"]?["done"]?["final"]?.location == SourceLocation(file: "t.yaml", line: 5, column: 17))
        #expect(root["kind"]?.span.length == "Workflow".count)
    }

    @Test func columnsCountCharactersNotBytes() throws {
        let root = try #require(compose("title: 基层监督\nname: x\nnote: \"监督\" \n").root)
        #expect(root["name"]?.location.column == 7)
        let line1 = try #require(compose("a: [监督, 网格, x]\n").root?["a"]?.sequence)
        #expect(line1[2].location.column == 13)
    }

    @Test(arguments: ["no", "yes", "on", "off", "y", "n", "No", "YES", "2024-07-01", "1.2.3", "0x", "08:30"])
    func yaml11WordsAndDatesStayStrings(_ word: String) throws {
        let scalar = try #require(compose("v: \(word)\n").root?["v"]?.scalar)
        #expect(scalar.resolved == .string)
        #expect(scalar.value == word)
    }

    @Test func coreSchemaResolvesPlainScalars() throws {
        let root = try #require(
            compose(
                "a: true\nb: False\nc: ~\nd: null\ne: 42\nf: -7\ng: 0o17\nh: 0x1F\ni: 0.1\nj: 1e3\nk: .inf\nl:\nm: '42'\n"
            ).root)
        #expect(root["a"]?.scalar?.resolved == .bool(true))
        #expect(root["b"]?.scalar?.resolved == .bool(false))
        #expect(root["c"]?.scalar?.resolved == .null)
        #expect(root["d"]?.scalar?.resolved == .null)
        #expect(root["e"]?.scalar?.resolved == .int(42))
        #expect(root["f"]?.scalar?.resolved == .int(-7))
        #expect(root["g"]?.scalar?.resolved == .int(15))
        #expect(root["h"]?.scalar?.resolved == .int(31))
        #expect(root["i"]?.scalar?.resolved == .float("0.1"))
        #expect(root["j"]?.scalar?.resolved == .float("1e3"))
        #expect(root["k"]?.scalar?.resolved == .float(".inf"))
        #expect(root["l"]?.scalar?.resolved == .null)
        #expect(root["m"]?.scalar?.resolved == .string)
    }

    @Test func duplicateKeysAreErrors() {
        #expect(messages("a: 1\nb: 2\na: 3\n") == ["3:1 duplicate-key: duplicate key 'a'"])
        let diagnostic = compose("a: 1\na: 3\n").diagnostics[0]
        #expect(diagnostic.notes.first?.span.start.line == 1)
    }

    @Test func duplicateKeysCanBeLeftToTheCaller() throws {
        let composition = Composer.compose(SourceFile(path: "t.yaml", text: "a: 1\na: 2\n"), reportDuplicateKeys: false)
        #expect(composition.diagnostics.isEmpty)
        #expect(composition.root?.mapping?.duplicates().count == 1)
    }

    @Test func oneDocumentPerFile() {
        #expect(
            messages("a: 1\n---\nb: 2\n") == [
                "2:1 multiple-documents: a second YAML document starts here; a file holds one document"
            ])
    }

    @Test func emptyFileIsReported() {
        #expect(messages("# only a comment\n").map { $0.hasSuffix("the file holds no YAML document") } == [true])
    }

    @Test func aliasReportsWhereTheAliasStands() throws {
        let root = try #require(compose("base: &b {x: 1}\nother: *b\n").root)
        #expect(root["other"]?.location == SourceLocation(file: "t.yaml", line: 2, column: 8))
        #expect(root["other"]?["x"]?.scalar?.resolved == .int(1))
    }

    @Test func unknownAnchorIsReported() {
        #expect(messages("a: *nope\n") == ["1:4 unknown-anchor: alias '*nope' names no anchor defined before it"])
    }

    @Test func tabsGiveLibyamlsProblemWithItsPosition() {
        let diagnostics = compose("a:\n\tb: 1\n").diagnostics
        #expect(diagnostics.count == 1)
        #expect(diagnostics[0].location?.line == 2)
        #expect(diagnostics[0].location?.column == 1)
        #expect(diagnostics[0].code == "yaml-syntax")
        #expect(diagnostics[0].message == "found character that cannot start any token")
        #expect(diagnostics[0].hint?.contains("spaces") == true)
    }

    @Test func unclosedBracketsAreReported() {
        let list = compose("a: [1, 2\nb: 3\n").diagnostics
        #expect(list.map(\.message) == ["did not find expected ',' or ']'"])
        #expect(list[0].notes.first?.message == "while parsing a flow sequence")
        #expect(list[0].notes.first?.span.start.column == 4)
        #expect(compose("a: {x: 1\n").diagnostics.map(\.message) == ["did not find expected ',' or '}'"])
    }

    @Test func badAnchorIsReported() {
        let diagnostics = compose("a: & x\n").diagnostics
        #expect(diagnostics.map(\.message) == ["did not find expected alphabetic or numeric character"])
        #expect(diagnostics[0].location?.column == 5)
    }

    @Test func tagsOtherThanTheCoreOnesAreRejected() {
        #expect(messages("a: !!binary abc\n") == ["1:4 unsupported-tag: unsupported tag '!!binary'"])
        #expect(messages("a: !!int abc\n") == ["1:4 bad-tagged-value: 'abc' is not a valid !!int value"])
        #expect(compose("a: !!str 42\n").root?["a"]?.scalar?.resolved == .string)
    }

    @Test func deepNestingIsRefused() {
        let deep = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        let diagnostics = compose(deep).diagnostics
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.code == "yaml-too-deep" || diagnostics.first?.code == "yaml-syntax")
    }

    @Test func aliasBombsAreRefused() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 {
            text += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        #expect(compose(text).diagnostics.map(\.code) == ["yaml-too-large"])
    }

    @Test func blockScalarsKeepTheirStyle() throws {
        let root = try #require(compose("a: |\n  x > 1\n  and y\nb: >\n  folded\n  text\nc: 'q'\nd: \"e\\n\"\n").root)
        #expect(root["a"]?.scalar?.style == .literal)
        #expect(root["a"]?.scalar?.value == "x > 1\nand y\n")
        #expect(root["b"]?.scalar?.style == .folded)
        #expect(root["c"]?.scalar?.style == .singleQuoted)
        #expect(root["d"]?.scalar?.value == "e\n")
    }
}
