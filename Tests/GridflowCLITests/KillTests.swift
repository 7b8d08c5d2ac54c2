import Foundation
import GridflowExpressions
import GridflowRuntime
import GridflowStore
import Testing

/// A `gridflow` process killed with SIGKILL in the middle of many steps: every acknowledged step
/// is in the store, none twice, and no effect is lost or doubled.
@Suite struct KillTests {
    @Test func killedMidRunTheStoreKeepsEveryAcknowledgedStepOnce() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gridflow-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("store.sqlite").path

        let process = Process()
        process.executableURL = gridflowBinary
        process.arguments = [
            "bench", "workflow", "--cases", "100000", "--durability", "full", "--db", db, "--ack", "--root",
            packageRoot.path,
        ]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()

        // Read acknowledgements until well into the run, then kill without warning.
        var acked: [(String, Int)] = []
        var buffer = Data()
        let handle = out.fileHandleForReading
        while acked.count < 300 {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                let parts = line.split(separator: " ")
                if parts.count == 3, parts[0] == "ack", let version = Int(parts[2]) {
                    acked.append((String(parts[1]), version))
                }
            }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(acked.count >= 300)

        let store = try SQLiteCaseStore(path: db)
        let cases = try store.list(unit: "telecom", workflow: "selection", state: nil)
        let versions = Dictionary(uniqueKeysWithValues: cases.map { ($0.id, $0.version) })
        // Every acknowledged step is there.
        for (id, version) in acked {
            #expect((versions[id] ?? -1) >= version, "acknowledged \(id) v\(version) is missing")
        }
        // Each case's history is 0…version with no step twice.
        for stored in cases {
            let history = try store.history(stored.id)
            #expect(history.map(\.sequence) == Array(0...stored.version), "\(stored.id)")
        }
        // Effects: the seventh step asks for them; a completed case has exactly the same number as
        // every other completed case, an unfinished one none.
        let effects = Dictionary(grouping: try store.pendingEffects(unit: "telecom", limit: 1_000_000), by: \.caseID)
        let completed = cases.filter { $0.version == 7 }
        #expect(!completed.isEmpty)
        let perCase = Set(completed.map { effects[$0.id]?.count ?? 0 })
        #expect(perCase.count == 1 && perCase.first! > 0, "\(perCase)")
        for stored in cases where stored.version < 7 {
            #expect(effects[stored.id] == nil, "\(stored.id) at v\(stored.version) has effects")
        }
    }
}
