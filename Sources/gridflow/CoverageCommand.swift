import ArgumentParser
import Foundation
import GridflowExpressions
import GridflowRuntime

/// `gridflow coverage`: org nodes and shifts without a holder of the role a coverage rule names.
struct CoverageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coverage",
        abstract:
            "List every org node (and shift) a coverage rule says must have a holder and has none; exit 1 on gaps.")

    @Argument(help: "The unit.") var unit: String
    @Flag(help: "List covered places too, with their holders.") var all = false
    @OptionGroup var options: StoreOptions

    func run() throws {
        // A unit without coverage rules has nothing to cover, store or none.
        let existing = try options.storeIfPresent()
        let program = try existing.map { try options.deployedProgram(unit: unit, store: $0, use: .reading, tree: nil) }
        let definitions = try program ?? options.program(unit: unit)
        guard !definitions.coverages.isEmpty else {
            FileHandleOutput.standardOutput("\(unit) has no coverage rules\n")
            return
        }
        let store = try existing ?? options.store()
        let engine = try options.engine(unit: unit, store: store, use: .reading)
        let now = try options.instant()
        var gaps = 0
        var reports: [Value] = []
        var text = ""
        for rule in engine.program.coverages {
            let report = try gridflow.run { () throws(EngineError) in try engine.coverage(rule, now: now) }
            gaps += report.gaps.count
            let what = rule.perShift ? "every shift of every \(rule.level)" : "every \(rule.level)"
            text +=
                "coverage \(rule.name) of \(unit): \(what) needs a \(rule.role); \(report.places.count - report.gaps.count) of \(report.places.count) covered\n"
            for place in report.places where all || place.holders.isEmpty {
                let name = place.node.name + (place.node.title.map { " (\($0))" } ?? "")
                let shift = place.shift.map { ", shift \($0)" } ?? ""
                let holders =
                    place.holders.isEmpty
                    ? "no \(rule.role)"
                    : place.holders.map { $0.person + ($0.source == "directory" ? "" : " (appointed by \($0.source))") }
                        .joined(separator: ", ")
                text += "  \(place.holders.isEmpty ? "gap" : "ok ")  \(name)\(shift): \(holders)\n"
            }
            for holder in report.unplaced {
                let place = holder.node.map { "at '\($0)'" } ?? "with no team"
                let shift = rule.perShift ? (holder.shift.map { ", shift '\($0)'" } ?? ", with no shift") : ""
                text +=
                    "  note  \(holder.person) holds \(rule.role) \(place)\(shift), which covers no place of this rule\n"
            }
            reports.append(
                .map([
                    .string("rule"): .string(rule.name), .string("role"): .string(rule.role),
                    .string("places"): .number(Number(report.places.count)),
                    .string("unplaced"): .list(report.unplaced.map { .string($0.person) }),
                    .string("gaps"): .list(
                        report.gaps.map { gap in
                            .map([
                                .string("node"): .string(gap.node.name),
                                .string("shift"): gap.shift.map(Value.string) ?? .null,
                            ])
                        }),
                ]))
        }
        FileHandleOutput.standardOutput(options.json ? ValueJSON.encode(Value.list(reports)) + "\n" : text)
        if gaps > 0 {
            throw CommandError(message: "\(gaps) gap\(gaps == 1 ? "" : "s") in coverage", status: 1)
        }
    }
}
