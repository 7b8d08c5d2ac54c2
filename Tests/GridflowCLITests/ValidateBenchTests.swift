import Foundation
import Testing

/// `gridflow bench validate` validates copies of the shipped units (speed itself is never asserted).
@Suite struct ValidateBenchTests {
    /// The shipped definition files (scenarios left out), split into those of abstract bases,
    /// copied once, and those of concrete units, copied `--copies` times.
    static func shippedFiles() throws -> (bases: Int, concrete: Int, units: (bases: Int, concrete: Int)) {
        var bases = 0
        var concrete = 0
        var units = (bases: 0, concrete: 0)
        let folder = packageRoot.appendingPathComponent("Workflows")
        for unit in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            let unitFile = folder.appendingPathComponent(unit).appendingPathComponent("unit.yaml")
            guard let text = try? String(contentsOf: unitFile, encoding: .utf8) else { continue }
            let abstract = text.contains("\nabstract: true")
            let files = (yamlFiles(under: "Workflows/\(unit)") + yamlFiles(under: "Rules/\(unit)")).filter {
                !$0.hasPrefix("tests/")
            }.count
            if abstract {
                bases += files
                units.bases += 1
            } else {
                concrete += files
                units.concrete += 1
            }
        }
        return (bases, concrete, units)
    }

    @Test func validatesEveryFileOfTheCopiesAsJSON() throws {
        let run = try gridflow(["bench", "validate", "--copies", "2", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        let shipped = try Self.shippedFiles()
        #expect(shipped.concrete > 0)
        #expect(object?["files"] as? Int == shipped.bases + 2 * shipped.concrete, "\(run.stdout)")
        #expect(object?["units"] as? Int == shipped.units.bases + 2 * shipped.units.concrete, "\(run.stdout)")
        #expect(object?["copies"] as? Int == 2)
        #expect((object?["seconds"] as? Double ?? 0) > 0)
        #expect((object?["files_per_second"] as? Double ?? 0) > 0)
        #expect((object?["peak_rss_bytes"] as? Int ?? 0) > 0)
    }

    @Test func printsTheFilesItValidated() throws {
        let run = try gridflow(["bench", "validate", "--copies", "1"])
        #expect(run.status == 0, "\(run.stderr)")
        let shipped = try Self.shippedFiles()
        #expect(run.stdout.hasPrefix("\(shipped.bases + shipped.concrete) files ("), "\(run.stdout)")
        #expect(run.stdout.contains(" files/s (target 1000, "), "\(run.stdout)")
        #expect(run.stdout.contains("peak RSS "), "\(run.stdout)")
    }

    /// Copies that do not validate measure nothing: the bench refuses them and says why.
    @Test func refusesCopiesWithProblems() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gridflow-validate-bench-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let tour = root.appendingPathComponent("Workflows/tour")
        try FileManager.default.createDirectory(at: tour, withIntermediateDirectories: true)
        for name in ["unit.yaml", "report.yaml"] {
            try FileManager.default.copyItem(
                at: packageRoot.appendingPathComponent("Workflows/tour/\(name)"), to: tour.appendingPathComponent(name))
        }
        try "kind: Workflow\nschema: 1\nname: broken\nunit: tour\n".write(
            to: tour.appendingPathComponent("broken.yaml"), atomically: true, encoding: .utf8)
        let run = try gridflow(["bench", "validate", "--copies", "1", "--root", root.path])
        #expect(run.status != 0)
        #expect(run.stderr.contains("the copies do not validate cleanly"), "\(run.stderr)")
        #expect(run.stderr.contains("needs the key"), "\(run.stderr)")
    }
}
