import Foundation

@testable import GridflowExpressions

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A case-like environment with enums, optional fields, lists, maps and records.
enum Fixture {
    static let area = ValueType.enumeration(
        name: "area",
        values: ["discipline_style", "democratic_management", "production_business", "vital_interests", "off_duty"])
    static let grade = ValueType.enumeration(name: "grade", values: ["excellent", "good", "qualified", "unqualified"])
    static let role = ValueType.enumeration(
        name: "role", values: ["grid_supervisor", "team_supervisor", "branch_discipline_member"])
    static let person = RecordType(
        name: "person",
        fields: [
            .init(name: "name", type: .string), .init(name: "party_member", type: .bool),
            .init(name: "performance", type: .map(key: .integer, value: grade)),
        ])
    static let report = RecordType(
        name: "report", fields: [.init(name: "area", type: area), .init(name: "days_open", type: .integer)])
    static let caseType = RecordType(
        name: "case",
        fields: [
            .init(name: "score", type: .decimal), .init(name: "count", type: .integer), .init(name: "role", type: role),
            .init(name: "area", type: area), .init(name: "title", type: .string), .init(name: "opened", type: .date),
            .init(name: "deadline", type: .optional(.datetime)),
            .init(name: "reporter", type: .optional(.record(person))),
            .init(name: "bonus", type: .optional(.decimal)), .init(name: "reports", type: .list(.record(report))),
            .init(name: "wait", type: .duration),
        ])
    static let environment = Environment(
        roots: [("case", .record(caseType)), ("person", .record(person))], assumedListLength: 100, costCeiling: 50_000)

    static func reports(_ n: Int) -> Value {
        .list(
            (0..<n).map { i in
                .record(
                    Record(
                        layout: report.layout,
                        slots: [.string(i % 3 == 0 ? "off_duty" : "discipline_style"), .number(Number(i))]))
            })
    }

    static func caseValue(reporter: Value = .null, bonus: Value = .null, reports: Int = 3) -> Value {
        .record(
            Record(
                layout: caseType.layout,
                slots: [
                    .number(Number("72.5")!), .number(Number(4)), .string("grid_supervisor"), .string("off_duty"),
                    .string("井场巡查"),
                    .date(Day("2024-07-01")!), .null, reporter, bonus, Self.reports(reports),
                    .duration(.workingDays(3)),
                ]))
    }

    static let personValue = Value.record(
        Record(
            layout: person.layout,
            slots: [
                .string("王"), .bool(true),
                .map([
                    .number(Number(2021)): .string("good"), .number(Number(2022)): .string("excellent"),
                    .number(Number(2023)): .string("good"),
                ]),
            ]))

    static func frame(reporter: Value = .null, bonus: Value = .null, reports: Int = 3, tracing: Bool = false) -> Frame {
        var calendar = WorkCalendar(zone: Zone(identifier: "Asia/Shanghai")!)
        calendar.holidays = [Day("2024-10-01")!, Day("2024-10-02")!, Day("2024-10-03")!]
        calendar.extraWorkingDays = [Day("2024-09-29")!]
        return Frame(
            roots: [caseValue(reporter: reporter, bonus: bonus, reports: reports), personValue],
            now: Instant("2024-07-01T09:00:00+08:00")!, calendar: calendar, tracing: tracing)
    }

    static func evaluate(_ text: String, frame: Frame = frame()) throws -> Value {
        let compiled = try Compiler.compile(text, in: environment)
        return try compiled.evaluate(frame)
    }
}

/// Inputs for the fuzz tests: on even rounds a string of random pieces, on odd ones a seed
/// with a few pieces inserted, removed or replaced.
enum FuzzInput {
    static func text(round: Int, seeds: [String], pieces: [String], using generator: inout SplitMix64) -> String {
        if round % 2 == 0 {
            var text = ""
            for _ in 0..<Int.random(in: 1...12, using: &generator) {
                text += pieces.randomElement(using: &generator)!
            }
            return text
        }
        var chars = Array(seeds.randomElement(using: &generator)!)
        for _ in 0..<Int.random(in: 1...3, using: &generator) {
            let index = Int.random(in: 0..<chars.count, using: &generator)
            let piece = Array(pieces.randomElement(using: &generator)!)
            switch Int.random(in: 0..<3, using: &generator) {
            case 0: chars.insert(contentsOf: piece, at: index)
            case 1: chars.remove(at: index)
            default: chars.replaceSubrange(index...index, with: piece)
            }
        }
        return String(chars)
    }
}
