import Foundation
import Testing

/// `gridflow case`, run as a user would, on a real SQLite file.
@Suite struct CaseCommandTests: Workspace {
    let directory: URL

    init() throws {
        directory = try Self.makeFolder("case")
    }

    func json(_ run: Run) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }

    @Test func openActAndShowAnIssue() throws {
        try importOilfieldPeople()
        let opened = try gf([
            "case", "open", "oilfield/issue", "--set", "team=opp_area_1_station_1", "--as", "wang", "--role",
            "employee", "--set", "channel=qr_code",
            "--set", "description=井场夜班补贴未发放", "--now", "2024-07-01T09:00:00+08:00", "--json",
        ])
        #expect(opened.status == 0, "\(opened.stderr)")
        let id = try #require(try json(opened)["id"] as? String)
        #expect(id == "oilfield-issue-1")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("gridflow.sqlite").path))

        let classified = try gf([
            "case", "act", id, "classify", "--as", "zhang", "--role", "plant_discipline_committee", "--set",
            "area=vital_interests", "--set", "report_type=problem", "--now", "2024-07-01T10:00:00+08:00", "--json",
        ])
        #expect(classified.status == 0, "\(classified.stderr)")
        let fields = try #require(try json(classified)["fields"] as? [String: Any])
        #expect(fields["area"] as? String == "vital_interests")
        #expect(fields["department"] as? String != nil)
        #expect(try json(classified)["state"] as? String == "awaiting_claim")

        let shown = try gf(["case", "show", id, "--json"])
        let history = try #require(try json(shown)["history"] as? [[String: Any]])
        #expect(history.map { $0["event"] as? String } == ["open", "classify"])
        #expect(history.last?["actor"] as? String == "zhang")

        let text = try gf(["case", "show", id])
        #expect(text.stdout.hasPrefix("case oilfield-issue-1 (oilfield/issue) · state awaiting_claim · version 1\n"))
        let list = try gf(["case", "list", "--unit", "oilfield"])
        #expect(list.stdout.hasSuffix("1 case\n"))
    }

    /// `case verify` rebuilds each case from its step log; a log that no longer adds up to the
    /// case is named, by field, without the value, and the command fails.
    @Test func verifyRebuildsCasesFromTheirStepLogs() throws {
        try importOilfieldPeople()
        let opened = try gf([
            "case", "open", "oilfield/issue", "--set", "team=opp_area_1_station_1", "--as", "wang", "--role",
            "employee", "--set", "channel=qr_code", "--set", "description=井场夜班补贴未发放",
            "--now", "2024-07-01T09:00:00+08:00", "--json",
        ])
        let id = try #require(try json(opened)["id"] as? String)
        let classified = try gf([
            "case", "act", id, "classify", "--as", "zhang", "--role", "plant_discipline_committee", "--set",
            "area=vital_interests", "--set", "report_type=problem", "--now", "2024-07-01T10:00:00+08:00",
        ])
        #expect(classified.status == 0, "\(classified.stderr)")
        let good = try gf(["case", "verify"])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout == "1 case rebuilt from its step log: it agrees with the store\n")

        // The opening step's description is altered in the log, behind the snapshot the case
        // was written with: the case no longer rebuilds from its log.
        let store = directory.appendingPathComponent("gridflow.sqlite").path
        let altered = try Self.sqlite(
            store, "UPDATE steps SET changes = replace(changes, '井场夜班补贴未发放', '改过') WHERE version = 0")
        #expect(altered == 1)
        let bad = try gf(["case", "verify"])
        #expect(bad.status == 1)
        #expect(
            bad.stdout.contains("case \(id): rebuilt from its step log, it differs in description\n"), "\(bad.stdout)")
        #expect(!bad.stdout.contains("改过") && !bad.stdout.contains("井场"))
        #expect(bad.stdout.hasSuffix("1 case rebuilt from its step log: 1 differs\n"))

        // A step missing from the log is named too.
        _ = try Self.sqlite(store, "DELETE FROM steps WHERE version = 1")
        let gap = try gf(["case", "verify", "--json"])
        #expect(gap.status == 1)
        #expect(gap.stdout.contains("its step log has versions [0], not 0 to 1"), "\(gap.stdout)")
    }

    /// Runs one SQL statement on a store file with Python's sqlite3 (as an outside tool would)
    /// and returns how many rows it changed.
    static func sqlite(_ path: String, _ sql: String) throws -> Int {
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); n=c.execute(sys.argv[2]).rowcount; c.commit(); print(n)",
            path, sql,
        ]
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    @Test func refusalsLeaveTheStoreUnchanged() throws {
        try importOilfieldPeople()
        let opened = try gf([
            "case", "open", "oilfield/issue", "--set", "team=opp_area_1_station_1", "--as", "wang", "--role",
            "employee", "--set", "channel=qr_code",
            "--set", "description=x", "--json",
        ])
        let id = try #require(try json(opened)["id"] as? String)
        let denied = try gf([
            "case", "act", id, "classify", "--as", "wang", "--role", "employee", "--set", "area=off_duty",
        ])
        #expect(denied.status == 1)
        #expect(denied.stderr.hasPrefix("gridflow: error: rejected: 'wang' may not fire 'classify'"))
        let unknown = try gf(["case", "act", id, "fly", "--as", "wang", "--role", "employee"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no transition handles 'fly' in state 'submitted'"))
        let wrongType = try gf([
            "case", "act", id, "classify", "--as", "zhang", "--role", "plant_discipline_committee", "--set",
            "area=nowhere",
            "--set", "report_type=problem",
        ])
        #expect(wrongType.status == 1)
        #expect(wrongType.stderr.contains("'nowhere' is not a value of area"))
        let undeclared = try gf(["case", "act", id, "classify", "--as", "z", "--role", "x", "--set", "color=red"])
        #expect(undeclared.status == 2)
        let shown = try json(try gf(["case", "show", id, "--json"]))
        #expect(shown["version"] as? Int == 0)
        #expect((shown["history"] as? [Any])?.count == 1)
        let missing = try gf(["case", "show", "oilfield-issue-99"])
        #expect(missing.status == 2)
        #expect(missing.stderr == "gridflow: error: no case 'oilfield-issue-99' in gridflow.sqlite\n")
    }

    @Test func badDataFilesNameTheirPlaceAndOpenNothing() throws {
        let broken = directory.appendingPathComponent("broken.json")
        try "{\n  \"channel\": \"qr_code\",\n  \"description\": 井场\n}".write(
            to: broken, atomically: true, encoding: .utf8)
        let run = try gf([
            "case", "open", "oilfield/issue", "--set", "team=opp_area_1_station_1", "--as", "w", "--role", "employee",
            "--data", broken.path,
        ])
        #expect(run.status == 2)
        #expect(run.stderr.contains("broken.json:3:18: not valid JSON: expected a JSON value, found byte 0xe4"))
        let typed = directory.appendingPathComponent("typed.json")
        try #"{"channel": "qr_code", "description": 12}"#.write(to: typed, atomically: true, encoding: .utf8)
        let wrong = try gf([
            "case", "open", "oilfield/issue", "--set", "team=opp_area_1_station_1", "--as", "w", "--role", "employee",
            "--data", typed.path,
        ])
        #expect(wrong.status == 2)
        #expect(wrong.stderr == "gridflow: error: field 'description': description must be string, not a number\n")
        // Refused before the store was needed: none was created.
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("gridflow.sqlite").path))
    }

    @Test func incidentCommands() throws {
        try importOilfieldPeople()
        let opened = try gf([
            "case", "open", "oilfield/issue", "--set", "team=opp_area_1_station_1", "--as", "wang", "--role",
            "employee", "--set", "channel=qr_code",
            "--set", "description=x",
        ])
        // Nothing on standard error but the deployment the first case makes.
        #expect(opened.status == 0 && opened.stderr.hasPrefix("deployed oilfield version "), "\(opened.stderr)")
        #expect(opened.stderr.split(separator: "\n").count == 1, "\(opened.stderr)")
        let list = try gf(["incident", "list"])
        #expect(list.status == 0)
        #expect(list.stdout == "0 open incidents\n")
        let retry = try gf(["incident", "retry", "5"])
        #expect(retry.status == 2)
        #expect(retry.stderr == "gridflow: error: no incident #5 in gridflow.sqlite\n")
        let tick = try gf(["tick", "--now", "2024-07-01T09:00:00+08:00"])
        #expect(tick.stdout == "fired 0 timers, performed 0 effects\n", "\(tick.stderr)")
    }

    @Test func aForeignFileIsRefusedAndLeftAlone() throws {
        let foreign = directory.appendingPathComponent("notes.db")
        try "not a database".write(to: foreign, atomically: true, encoding: .utf8)
        let run = try gf(["case", "list", "--db", foreign.path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("is not a Gridflow store"))
        #expect(try String(contentsOf: foreign, encoding: .utf8) == "not a database")
    }

    /// The store keeps UTC; people read times in their unit's zone (Asia/Shanghai), with the offset.
    @Test func timesAreShownInTheUnitsTimeZone() throws {
        try importOilfieldPeople()
        let opened = try gf(
            [
                "case", "open", "oilfield/issue", "--set", "team=opp_area_1_station_1", "--as", "wang", "--role",
                "employee", "--set", "channel=qr_code",
                "--set", "description=x", "--now", "2024-07-01T09:30:00Z",
            ])
        #expect(opened.status == 0, "\(opened.stderr)")
        let shown = try gf(["case", "show", "oilfield-issue-1"])
        // The opener is the reporter, whose identity no one named may see.
        #expect(
            shown.stdout.contains("\n  0  2024-07-01T17:30:00+08:00  ‹hidden: reporter›  open  → submitted\n"),
            "\(shown.stdout)")
        let history = try #require(
            try json(try gf(["case", "show", "oilfield-issue-1", "--json"]))["history"] as? [[String: Any]])
        #expect(history.first?["at"] as? String == "2024-07-01T17:30:00+08:00")
        let list = try gf(["case", "list"])
        #expect(list.stdout == "oilfield-issue-1  oilfield/issue  submitted  v0  2024-07-01T17:30:00+08:00\n1 case\n")
        let page = try json(try gf(["case", "list", "--json"]))
        #expect((page["cases"] as? [[String: Any]])?.first?["opened_at"] as? String == "2024-07-01T17:30:00+08:00")
        #expect(page["next_cursor"] is NSNull)
    }

    @Test func restrictedFieldsAreShownOnlyToTheirRoles() throws {
        // People are the directory's: the reporter is named by id.
        let people = directory.appendingPathComponent("people.json")
        try #"""
        [{"id": "wang", "name": "王", "roles": ["employee"]}, {"id": "li", "name": "李", "roles": ["employee"]},
         {"id": "he", "name": "何", "roles": ["discipline_office_staff"], "department": "discipline_office"}]
        """#.write(to: people, atomically: true, encoding: .utf8)
        #expect(try gf(["people", "import", "oilfield", people.path]).status == 0)
        let reporter = #"{"id": "wang"}"#
        let data = directory.appendingPathComponent("report.json")
        try #"{"channel": "online_form", "description": "x", "reporter": \#(reporter)}"#.write(
            to: data, atomically: true, encoding: .utf8)
        let opened = try gf([
            "case", "open", "oilfield/issue", "--set", "team=opp_area_1_station_1", "--as", "wang", "--role",
            "employee", "--data", data.path, "--json",
        ])
        #expect(opened.status == 0, "\(opened.stderr)")
        let id = try #require(try json(opened)["id"] as? String)
        let asEmployee = try json(try gf(["case", "show", id, "--as", "li", "--role", "employee", "--json"]))
        #expect((asEmployee["fields"] as? [String: Any])?.keys.contains("reporter") == false)
        #expect(asEmployee["hidden"] as? [String] == ["reporter"])
        let text = try gf(["case", "show", id, "--as", "li", "--role", "employee"])
        #expect(
            text.stdout.contains(
                "  reporter: hidden from li (visible to discipline_office_staff, oilfield_discipline_committee, plant_discipline_committee)\n"
            ))
        // Nor do the changes in its history: the reporter was set when the case opened.
        let history = try #require(asEmployee["history"] as? [[String: Any]])
        let changed = (history.first?["changes"] as? [[String: Any]])?.compactMap { $0["field"] as? String }
        #expect(changed == ["channel", "description", "team"])
        let asOffice = try json(
            try gf(["case", "show", id, "--as", "he", "--role", "discipline_office_staff", "--json"]))
        #expect((asOffice["fields"] as? [String: Any])?["reporter"] != nil)
    }
}

/// Several `gridflow` processes fire the same event on one case at the same moment.
@Suite struct ConcurrentActTests {
    @Test func exactlyOneOfManyConcurrentActorsWins() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gridflow-race-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let imported = try gridflow(
            ["people", "import", "oilfield", CaseCommandTests.oilfieldPeople, "--root", packageRoot.path], in: directory
        )
        #expect(imported.status == 0, "\(imported.stderr)")
        let opened = try gridflow(
            [
                "case", "open", "oilfield/issue", "--set", "team=opp_area_1_station_1", "--as", "wang", "--role",
                "employee", "--set", "channel=qr_code",
                "--set", "description=x", "--root", packageRoot.path,
            ], in: directory)
        #expect(opened.status == 0, "\(opened.stderr)")
        // Six processes classify the same case at once.
        var processes: [(Process, Pipe)] = []
        for index in 0..<6 {
            let process = Process()
            process.executableURL = gridflowBinary
            process.arguments = [
                "case", "act", "oilfield-issue-1", "classify", "--as", "c\(index)", "--role",
                "plant_discipline_committee",
                "--set", "area=off_duty", "--set", "report_type=problem", "--root", packageRoot.path,
            ]
            process.currentDirectoryURL = directory
            let errors = Pipe()
            process.standardOutput = FileHandle.nullDevice
            process.standardError = errors
            processes.append((process, errors))
        }
        for (process, _) in processes { try process.run() }
        var statuses: [Int32] = []
        var messages: [String] = []
        for (process, errors) in processes {
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            statuses.append(process.terminationStatus)
            messages.append(text)
        }
        #expect(statuses.filter { $0 == 0 }.count == 1, "\(statuses) \(messages)")
        // The others lost cleanly: a conflict, or a refusal in the state the winner left.
        for (status, message) in zip(statuses, messages) where status != 0 {
            #expect(status == 1, "\(message)")
            #expect(
                message.contains("changed meanwhile") || message.contains("no transition handles 'classify'"),
                "\(message)")
        }
        let shown = try gridflow(
            ["case", "show", "oilfield-issue-1", "--json", "--root", packageRoot.path], in: directory)
        let object = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any]
        let history = object?["history"] as? [[String: Any]] ?? []
        #expect(history.map { $0["event"] as? String } == ["open", "classify"])
        #expect(object?["version"] as? Int == 1)
    }
}
