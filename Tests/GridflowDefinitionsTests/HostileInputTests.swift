import Foundation
import GridflowDiagnostics
import GridflowYAML
import Testing

@testable import GridflowDefinitions

/// A folder of definition files written by a test, removed when the test is done.
struct TemporaryTree: ~Copyable {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("gridflow-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// Writes `text` (or `bytes`) at `path`, relative to the tree.
    func write(_ path: String, _ text: String) throws { try write(path, bytes: Array(text.utf8)) }

    func write(_ path: String, bytes: [UInt8]) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    /// Loads `paths` (relative to the tree) as `gridflow validate` does and renders what it reports,
    /// with the tree's folder left out of the paths.
    func validate(_ paths: [String]) -> (result: LoadResult, text: String) {
        let result = Loader().load(paths: paths.map { root.path + "/" + $0 })
        let text = DiagnosticRenderer(sources: result.sources).render(result.diagnostics)
        return (result, text.replacingOccurrences(of: root.path + "/", with: ""))
    }

    /// A minimal unit `NAME` with a role `clerk`, and whatever `extra` adds to its YAML.
    func writeUnit(_ name: String, extra: String = "") throws {
        try write(
            "Workflows/\(name)/unit.yaml",
            """
            kind: Unit
            schema: 1
            name: \(name)
            timezone: Asia/Shanghai
            calendar:
              working_days: [mon, tue, wed, thu, fri]
            org:
              levels: [{name: company}]
              tree: {name: \(name)}
            roles:
              clerk: {title: Clerk}

            """ + extra)
    }
}

/// Definitions written to mislead or to be slow: the validator reports the real cause, at the
/// real place, in time linear in the input.
@Suite struct HostileInputTests {
    /// A workflow of `count` states chained by transitions, the first initial and the last final.
    static func chain(_ count: Int, extraTransitions: String = "") -> String {
        var text = "kind: Workflow\nschema: 1\nname: big\nstarted_by: clerk\nstates:\n"
        for i in 0..<count {
            text += "  s\(i): \(i == 0 ? "{initial: true}" : i == count - 1 ? "{final: true}" : "{}")\n"
        }
        text += "transitions:\n"
        for i in 0..<(count - 1) { text += "  t\(i): {from: s\(i), to: s\(i + 1), role: clerk}\n" }
        return text + extraTransitions
    }

    @Test func twentyThousandStatesAreCheckedAndReported() throws {
        let tree = try TemporaryTree()
        try tree.writeUnit("b")
        // One transition to a misspelt state leaves the chain's tail unreachable from s12345 on.
        var text = Self.chain(20_000)
        text = text.replacingOccurrences(
            of: "  t12344: {from: s12344, to: s12345, role: clerk}\n",
            with: "  t12344: {from: s12344, to: s12345x, role: clerk}\n")
        try tree.write("Workflows/b/big.yaml", text)
        let (result, rendered) = tree.validate(["Workflows/b/big.yaml"])
        let errors = result.diagnostics.filter { $0.severity == .error }
        #expect(errors.map(\.message) == ["transition 't12344' names unknown state 's12345x'; did you mean 's12345'?"])
        #expect(
            errors.first?.hint
                == "states of workflow 'big': s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, … (20000 in all)")
        let unreachable = result.diagnostics.filter { $0.code == "unreachable-state" }
        #expect(unreachable.count == 20_000 - 12_345)
        #expect(unreachable.first?.message == "state 's12345' cannot be reached from the initial state 's0'")
        #expect(rendered.hasPrefix("Workflows/b/big.yaml:"))
    }

    @Test func aLongNameIsNotComparedForSuggestions() throws {
        let tree = try TemporaryTree()
        try tree.writeUnit("b")
        let long = "s" + String(repeating: "a", count: 100_000)
        try tree.write(
            "Workflows/b/long.yaml",
            """
            kind: Workflow
            schema: 1
            name: long
            started_by: clerk
            states:
              start: {initial: true}
              ? \(long)
              : {}
              done: {final: true}
            transitions:
              go: {from: start, to: \(long)x, role: clerk}
              end: {from: \(long), to: done, role: clerk}

            """)
        let (result, _) = tree.validate(["Workflows/b/long.yaml"])
        let unknown = try #require(result.diagnostics.first { $0.code == "unknown-state" })
        #expect(unknown.message == "transition 'go' names unknown state '\(long)x'")
    }

    @Test(arguments: [("0d", false), ("0wd", false), ("0h0m", false), ("0h30m", true), ("5wd", true), ("10d", true)])
    func theSchemaRefusesZeroWhereTheLoaderDoes(_ text: String, _ accepted: Bool) throws {
        let regex = try NSRegularExpression(pattern: JSONSchema.positiveDurationPattern)
        let range = NSRange(text.startIndex..., in: text)
        #expect((regex.firstMatch(in: text, range: range) != nil) == accepted)
        #expect(try !Duration.parse(text).get().amount.isZero == accepted)
    }

    @Test func scenariosRunOnlyFromTests() throws {
        let tree = try TemporaryTree()
        try tree.writeUnit("b")
        let scenario = "kind: Scenario\nschema: 1\nname: s\nworkflow: w\nsteps: []\n"
        try tree.write("Workflows/b/tests/fine.yaml", scenario)
        try tree.write("Rules/b/stray.yaml", scenario)
        try tree.write("Workflows/b/tests/wf.yaml", "kind: Coverage\nschema: 1\nname: c\nrole: clerk\nlevel: company\n")
        let (_, text) = tree.validate([
            "Workflows/b/tests/fine.yaml", "Rules/b/stray.yaml", "Workflows/b/tests/wf.yaml",
        ])
        #expect(
            text == """
                Rules/b/stray.yaml:1:1: error: a Scenario runs only from Workflows/b/tests/; here it would never be run
                    kind: Scenario
                    ^~~~
                  hint: move it to Workflows/b/tests/
                Workflows/b/tests/wf.yaml:1:1: error: tests/ holds scenarios, not a Coverage
                    kind: Coverage
                    ^~~~
                  hint: move it to Rules/b/

                """)
    }

    @Test func badBytesAreReportedWhereTheyAre() throws {
        let tree = try TemporaryTree()
        try tree.writeUnit("b")
        let head = Array("kind: Workflow\nschema: 1\nname: w\n".utf8)
        try tree.write("Workflows/b/latin1.yaml", bytes: head + Array("title: 基层 caf".utf8) + [0xE9, 0x0A])
        try tree.write("Workflows/b/nul.yaml", bytes: head + Array("title: \"a".utf8) + [0x00] + Array("b\"\n".utf8))
        try tree.write("Workflows/b/utf16.yaml", bytes: [0xFF, 0xFE] + Array("k".utf8) + [0x00])
        try tree.write("Workflows/b/cut.yaml", bytes: head + Array("title: 中".utf8) + [0xE6, 0x96])
        let (result, text) = tree.validate([
            "Workflows/b/latin1.yaml", "Workflows/b/nul.yaml", "Workflows/b/utf16.yaml", "Workflows/b/cut.yaml",
        ])
        #expect(
            text == """
                Workflows/b/cut.yaml:4:9: error: invalid UTF-8 (byte 0xE6 at offset 43)
                    title: 中\u{FFFD}
                             ^
                  hint: save definitions as UTF-8; this byte is from another encoding or a damaged file
                Workflows/b/latin1.yaml:4:14: error: invalid UTF-8 (byte 0xE9 at offset 50)
                    title: 基层 caf\u{FFFD}
                                   ^
                  hint: save definitions as UTF-8; this byte is from another encoding or a damaged file
                Workflows/b/nul.yaml:4:10: error: a NUL byte (0x00 at offset 42); definitions are text
                    title: "a\u{2400}b"
                             ^
                  hint: the file may be binary or saved as UTF-16; save definitions as UTF-8 text
                Workflows/b/utf16.yaml:1:1: error: invalid UTF-8 (byte 0xFF at offset 0)
                    \u{FFFD}\u{FFFD}k\u{2400}
                    ^
                  hint: the file starts with a UTF-16 byte-order mark; save definitions as UTF-8

                """)
        #expect(result.diagnostics.allSatisfy { $0.severity == .error })
    }

    @Test func utf8IsCheckedByTheStandard() {
        func bad(_ bytes: [UInt8]) -> Int? { SourceBytes.firstBadByte(in: bytes)?.offset }
        #expect(bad(Array("基层监督 ok\n".utf8)) == nil)
        #expect(bad([0x61, 0xC0, 0x80]) == 1)  // overlong NUL
        #expect(bad([0xED, 0xA0, 0x80]) == 0)  // a UTF-16 surrogate
        #expect(bad([0xF4, 0x90, 0x80, 0x80]) == 0)  // past U+10FFFF
        #expect(bad([0xF0, 0x9F, 0x98, 0x80]) == nil)  // an emoji
        #expect(bad([0x61, 0x80]) == 1)  // a stray continuation byte
        #expect(SourceBytes.firstBadByte(in: [0x61, 0x00])! == (1, true))
    }

    @Test func completenessSplitsTheSpaceInsteadOfWalkingIt() {
        // Ten inputs of ten values: 10^10 combinations, one row for each value of the first input but 3.
        let inputs = (0..<10).map { index in
            Completeness.Input(
                name: "i\(index)", values: (0..<10).map { .string("v\($0)") }, shown: (0..<10).map { "v\($0)" })
        }
        let all = Completeness.Values(0..<10)
        let rows = (0..<10).filter { $0 != 3 }.map { value in
            [Completeness.Values([value])] + Array(repeating: all, count: 9)
        }
        let completeness = Completeness(inputs: inputs)
        guard case .gaps(let count, let first) = completeness.check(rows, listing: 2) else {
            Issue.record("expected gaps")
            return
        }
        #expect(count == 1_000_000_000)
        #expect(
            first.map(completeness.describe) == [
                "{i0: v3, i1: v0, i2: v0, i3: v0, i4: v0, i5: v0, i6: v0, i7: v0, i8: v0, i9: v0}",
                "{i0: v3, i1: v0, i2: v0, i3: v0, i4: v0, i5: v0, i6: v0, i7: v0, i8: v0, i9: v1}",
            ])
        // A catch-all row closes every gap.
        #expect(
            {
                if case .complete = completeness.check(rows + [Array(repeating: all, count: 10)]) {
                    true
                } else {
                    false
                }
            }())
    }

    @Test func completenessListsGapsInOrderAcrossGroupsAndGivesUpWhenTooFragmented() {
        let inputs = (0..<3).map {
            Completeness.Input(name: "b\($0)", values: [.bool(true), .bool(false)], shown: ["true", "false"])
        }
        let completeness = Completeness(inputs: inputs)
        let both = Completeness.Values([0, 1])
        // Rows for b0 = true and for b2 = true; left: b0 = false and b2 = false, either b1. One row
        // matching only all-true leaves three groups, more than a limit of two.
        let rows = [[Completeness.Values([0]), both, both], [both, both, Completeness.Values([0])]]
        guard case .gaps(let count, let first) = completeness.check(rows) else {
            Issue.record("expected gaps")
            return
        }
        #expect(count == 2)
        #expect(
            first.map(completeness.describe) == [
                "{b0: false, b1: true, b2: false}", "{b0: false, b1: false, b2: false}",
            ])
        #expect(
            {
                if case .tooLarge = completeness.check([Array(repeating: Completeness.Values([0]), count: 3)], boxes: 2)
                {
                    true
                } else {
                    false
                }
            }())
        // An input without values (reported elsewhere) leaves nothing to match, and nothing to list.
        let empty = Completeness(inputs: [Completeness.Input(name: "e", values: [], shown: [])] + inputs)
        #expect({ if case .complete = empty.check([]) { true } else { false } }())
    }
}
