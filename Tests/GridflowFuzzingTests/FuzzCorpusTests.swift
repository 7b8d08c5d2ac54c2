import Foundation
import GridflowFuzzing
import Testing

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The libFuzzer targets' inputs, replayed through the same harness in the ordinary test build,
/// and a short fuzzing run of the real libFuzzer binaries.
@Suite struct FuzzCorpusTests {
    /// Every file of a corpus folder (seeds, or inputs that once crashed a fuzzer).
    static func inputs(_ folder: String) -> [URL] {
        let url = packageRoot.appendingPathComponent("Fuzz/\(folder)")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { url.appendingPathComponent($0) }
    }

    @Test func expressionSeedsAndRegressionsRunClean() throws {
        let seeds = Self.inputs("Corpus/expressions")
        #expect(seeds.count > 200)
        for file in seeds + Self.inputs("Regressions/expressions") {
            let data = try Data(contentsOf: file)
            data.withUnsafeBytes { FuzzHarness.expression($0) }
        }
    }

    @Test func definitionSeedsAndRegressionsRunClean() throws {
        let seeds = Self.inputs("Corpus/definitions")
        #expect(seeds.count > 50)
        let tree = try FuzzHarness.Tree()
        defer { tree.remove() }
        for file in seeds + Self.inputs("Regressions/definitions") {
            let data = try Data(contentsOf: file)
            data.withUnsafeBytes { FuzzHarness.definitions($0, in: tree) }
        }
    }

    /// Builds the libFuzzer targets with AddressSanitizer and runs each for a budget of inputs
    /// (`GRIDFLOW_FUZZ_RUNS`, 2,000 by default here); a crash, a leak of the process or a hang
    /// fails the run and leaves the input in Fuzz/Regressions/ for the tests above.
    @Test(.timeLimit(.minutes(20))) func shortFuzzRunFindsNothing() throws {
        let process = Process()
        process.executableURL = packageRoot.appendingPathComponent("Fuzz/run")
        var environment = ProcessInfo.processInfo.environment
        environment["GRIDFLOW_FUZZ_RUNS"] = environment["GRIDFLOW_FUZZ_RUNS"] ?? "2000"
        process.environment = environment
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("gridflow-fuzz-\(getpid()).log")
        #expect(FileManager.default.createFile(atPath: log.path, contents: nil))
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try handle.close()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        let lines = output.split(separator: "\n").filter { !$0.contains("ld.gold: warning") }
        #expect(process.terminationStatus == 0, "\(lines.suffix(40).joined(separator: "\n"))")
        // Both targets ran their budget with coverage instrumentation.
        #expect(lines.filter { $0.contains("DONE") && $0.contains("cov:") }.count == 2, "\(lines.suffix(40))")
    }
}
