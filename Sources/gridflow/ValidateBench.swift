import ArgumentParser
import Foundation
import GridflowDefinitions
import GridflowDiagnostics

/// `gridflow bench validate`: definition files checked per second, on copies of the shipped units.
///
/// Every concrete unit of `ROOT/Workflows` (with its `Rules/` folder) is copied `--copies` times
/// under a new name into a temporary folder; abstract bases are copied once, under their own
/// names, and the copies keep extending them. Scenarios (`tests/`) are left out, as `gridflow
/// validate` leaves them out. The load is the one `gridflow validate --strict` runs, and it must
/// find nothing: a bench that validates broken copies measures nothing.
struct ValidateBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Definition files per second checked by `gridflow validate --strict`, on copies of the shipped units."
    )

    @Option(help: "Copies of each concrete unit (default: enough for at least 1,000 definition files).")
    var copies: Int?

    @Option(help: "The folder holding Workflows/ and Rules/ of the units to copy.")
    var root: String = "."

    @Flag(help: "Print the figures as JSON.")
    var json = false

    struct Figures: Encodable {
        var files: Int
        var units: Int
        var copies: Int
        var seconds: Double
        var filesPerSecond: Double
        var peakRSSBytes: Int
        var target: Double
    }

    /// One unit folder to copy: its name, whether it is an abstract base, and its definition files
    /// relative to the root (scenarios left out).
    struct ShippedUnit {
        var name: String
        var abstract: Bool
        var files: [String]
    }

    func run() throws {
        if let copies, copies <= 0 { throw ValidationError("--copies must be positive") }
        let units = try Self.shippedUnits(root: root)
        let bases = units.filter(\.abstract)
        let concrete = units.filter { !$0.abstract }
        guard !concrete.isEmpty else { throw CommandError(message: "no concrete unit under \(root)/Workflows") }
        let perCopy = concrete.map(\.files.count).reduce(0, +)
        let baseFiles = bases.map(\.files.count).reduce(0, +)
        let copies = self.copies ?? max(1, (1_000 - baseFiles + perCopy - 1) / perCopy)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gridflow-validate-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        for unit in bases { try Self.copy(unit, as: unit.name, from: root, to: folder.path) }
        for index in 1...copies {
            for unit in concrete { try Self.copy(unit, as: "\(unit.name)_copy\(index)", from: root, to: folder.path) }
        }

        let paths = ["Workflows", "Rules"].map { folder.appendingPathComponent($0).path }
        let clock = ContinuousClock()
        let start = clock.now
        let result = Loader().load(paths: paths)
        let errors = result.diagnostics.count(.error)
        let warnings = result.diagnostics.count(.warning)
        let seconds = (clock.now - start).inSeconds
        guard errors == 0, warnings == 0, result.missingPaths.isEmpty else {
            let shown = DiagnosticRenderer(sources: result.sources).render(Array(result.diagnostics.prefix(5)))
            throw CommandError(
                message: "the copies do not validate cleanly (\(errors) errors, \(warnings) warnings):\n" + shown)
        }
        let figures = Figures(
            files: result.files.count, units: bases.count + copies * concrete.count, copies: copies,
            seconds: seconds, filesPerSecond: Double(result.files.count) / max(seconds, 1e-9),
            peakRSSBytes: Self.peakResidentBytes(), target: 1_000)
        if json {
            FileHandleOutput.standardOutput(DiagnosticJSON.text(figures))
        } else {
            let verdict = figures.filesPerSecond >= figures.target ? "within" : "under"
            FileHandleOutput.standardOutput(
                String(
                    format:
                        "%d files (%d units) validated in %.3f s: %.0f files/s (target %.0f, %@), peak RSS %.1f MB\n",
                    figures.files, figures.units, figures.seconds, figures.filesPerSecond, figures.target,
                    verdict as NSString, Double(figures.peakRSSBytes) / 1_048_576))
        }
    }

    /// The unit folders of `root/Workflows`, with the files of each in `Workflows/` and `Rules/`.
    static func shippedUnits(root: String) throws -> [ShippedUnit] {
        let manager = FileManager.default
        let workflows = root + "/Workflows"
        guard let names = try? manager.contentsOfDirectory(atPath: workflows) else {
            throw CommandError(message: "no such folder: \(workflows)")
        }
        var units: [ShippedUnit] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let unitFile = "\(workflows)/\(name)/unit.yaml"
            guard manager.fileExists(atPath: unitFile) else { continue }
            guard case .unit(let unit) = Loader.parse(path: unitFile).definition else {
                throw CommandError(message: "\(unitFile) does not load; run gridflow validate")
            }
            var files: [String] = []
            for area in ["Workflows", "Rules"] {
                let entries = (try? manager.contentsOfDirectory(atPath: "\(root)/\(area)/\(name)")) ?? []
                for entry in entries.sorted() where entry.hasSuffix(".yaml") || entry.hasSuffix(".yml") {
                    files.append("\(area)/\(name)/\(entry)")
                }
            }
            units.append(ShippedUnit(name: name, abstract: unit.abstract, files: files))
        }
        return units
    }

    /// Copies a unit's files under the name `newName`: its `unit.yaml` says `name: NEW`, every other
    /// file `unit: NEW`.
    static func copy(_ unit: ShippedUnit, as newName: String, from root: String, to destination: String) throws {
        let manager = FileManager.default
        for file in unit.files {
            let parts = file.split(separator: "/").map(String.init)
            let target = "\(destination)/\(parts[0])/\(newName)/\(parts[2])"
            try manager.createDirectory(
                atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            var text = try String(contentsOfFile: "\(root)/\(file)", encoding: .utf8)
            if newName != unit.name {
                text = renamed(text, key: parts[2] == "unit.yaml" ? "name" : "unit", from: unit.name, to: newName)
            }
            try text.write(toFile: target, atomically: false, encoding: .utf8)
        }
    }

    /// `text` with its top-level `KEY: OLD` line saying `KEY: NEW`.
    static func renamed(_ text: String, key: String, from old: String, to new: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let prefix = "\(key): \(old)"
        for (index, line) in lines.enumerated() where line.hasPrefix(prefix) {
            let rest = line.dropFirst(prefix.count)
            if rest.isEmpty || rest.first == " " || rest.first == "#" {
                lines[index] = "\(key): \(new)" + rest
                break
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The process's peak resident set size, in bytes.
    static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }
}
