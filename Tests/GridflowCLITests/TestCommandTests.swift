import Foundation
import Testing

/// `gridflow test`: designers' scenarios, run as a user would.
@Suite struct TestCommandTests {
    static let root = "Tests/Fixtures/runtime"

    @Test func aPassingScenarioAndCoverage() throws {
        let run = try gridflow([
            "test", "\(Self.root)/Workflows/rt/tests/report_paths.yaml", "--root", Self.root, "--coverage",
        ])
        #expect(run.status == 0, "\(run.stdout)")
        #expect(
            run.stdout == """
                PASS report_paths (Tests/Fixtures/runtime/Workflows/rt/tests/report_paths.yaml)
                coverage rt: 5 of 9 transitions taken
                  not taken: rt/followup/finish
                  not taken: rt/report/accept_low
                  not taken: rt/report/divide
                  not taken: rt/report/overdue
                1 passed, 0 failed

                """)
    }

    @Test func aFailingExpectationNamesItsLine() throws {
        let run = try gridflow(["test", "\(Self.root)/Workflows/rt/tests/report_wrong.yaml", "--root", Self.root])
        #expect(run.status == 1)
        #expect(
            run.stdout == """
                FAIL report_wrong
                Tests/Fixtures/runtime/Workflows/rt/tests/report_wrong.yaml:12:21: error: expected state 'answering', but the case is in 'submitted'
                        expect: {state: answering}
                                        ^~~~~~~~~
                0 passed, 1 failed

                """)
    }

    /// Who sees a field is an expectation too: each wrong one is named at its field.
    @Test func aWrongExpectationOfWhoSeesAFieldNamesItsLine() throws {
        let run = try gridflow(["test", "\(Self.root)/Workflows/rt/tests/report_sees_wrong.yaml", "--root", Self.root])
        #expect(run.status == 1)
        #expect(
            run.stdout == """
                FAIL report_sees_wrong
                Tests/Fixtures/runtime/Workflows/rt/tests/report_sees_wrong.yaml:12:53: error: expected wang to see reporter, but it is hidden from them (visible to reviewer)
                        expect: {sees: {li: [reporter], wang: [summary, reporter]}, does_not_see: {li: [reporter, summary]}}
                                                                        ^~~~~~~~
                Tests/Fixtures/runtime/Workflows/rt/tests/report_sees_wrong.yaml:12:85: error: expected reporter to be hidden from li, but they see it
                        expect: {sees: {li: [reporter], wang: [summary, reporter]}, does_not_see: {li: [reporter, summary]}}
                                                                                                        ^~~~~~~~
                Tests/Fixtures/runtime/Workflows/rt/tests/report_sees_wrong.yaml:12:95: error: expected summary to be hidden from li, but they see it
                        expect: {sees: {li: [reporter], wang: [summary, reporter]}, does_not_see: {li: [reporter, summary]}}
                                                                                                                  ^~~~~~~
                0 passed, 1 failed

                """)
    }

    /// A refused step's expected state is checked on the stored case, not skipped.
    @Test func aRefusedStepStillHasItsStateChecked() throws {
        let run = try gridflow([
            "test", "\(Self.root)/Workflows/rt/tests/report_refused_wrong_state.yaml", "--root", Self.root,
        ])
        #expect(run.status == 1)
        #expect(
            run.stdout.contains(
                "report_refused_wrong_state.yaml:15:44: error: expected state 'answering', but the case is in 'submitted'"
            ), "\(run.stdout)")
    }

    @Test func shippedScenariosPassAndTakeEveryTransition() throws {
        // Each scenario's temporary store is removed when it is done.
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gridflow-tmp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: temporary) }
        let run = try gridflow(["test", "--coverage"], environment: ["TMPDIR": temporary.path])
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.path) == [])
        #expect(run.status == 0, "\(run.stdout)")
        #expect(!run.stdout.contains("not taken:"), "\(run.stdout)")
        #expect(run.stdout.contains("coverage oilfield: 48 of 48 transitions taken\n"))
        #expect(run.stdout.contains("coverage telecom: 61 of 61 transitions taken\n"))
        #expect(run.stdout.hasSuffix(" passed, 0 failed\n"))
    }

    @Test func missingPathsAreUsageErrors() throws {
        let run = try gridflow(["test", "nope.yaml"])
        #expect(run.status == 2)
    }
}
