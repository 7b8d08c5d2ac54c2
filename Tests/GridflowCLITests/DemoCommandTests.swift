import Foundation
import Testing

/// `gridflow demo`: the oilfield's year through the real engine, as the README's main job runs it.
@Suite struct DemoCommandTests: Workspace {
    let directory: URL

    init() throws {
        directory = try Self.makeFolder("demo")
    }

    /// The value of a measure in the bulletin's overall table.
    func figure(_ title: String, in text: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix("| \(title) |") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            return cells.count >= 2 ? Int(cells[1]) : nil
        }
        return nil
    }

    /// What a run printed as JSON, once it succeeded.
    func json(_ run: Run) throws -> Any {
        #expect(run.status == 0, "\(run.stderr)")
        return try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
    }

    /// Each person's team in the directory of `unit` in the store `db`.
    func teamsOfPeople(_ unit: String, db: String) throws -> [String: String] {
        let people = try #require(
            try json(gf(["people", "list", unit, "--db", db, "--json"])) as? [[String: Any]])
        var teams: [String: String] = [:]
        for person in people {
            if let id = person["id"] as? String, let team = (person["record"] as? [String: Any])?["team"] as? String {
                teams[id] = team
            }
        }
        return teams
    }

    /// Every case of the year's store, rebuilt from its step log alone, is the case as stored.
    func expectEveryCaseRebuildsFromItsStepLog(_ db: String) throws {
        let verify = try gf(["case", "verify", "--db", db, "--json"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let checked = try #require(try json(verify) as? [String: Any])
        #expect((checked["checked"] as? Int ?? 0) > 300, "\(checked)")
        #expect((checked["differing"] as? [Any])?.isEmpty == true, "\(checked)")
    }

    @Test func theOilfieldYearLandsNearTheSeed() throws {
        let run = try gf(["demo", "oilfield"])
        #expect(run.status == 0, "\(run.stderr)")
        // Piped, so no progress line: only the new store is announced.
        #expect(run.stderr == "created store demo-oilfield.sqlite\n")
        let out = run.stdout
        #expect(out.contains("store demo-oilfield.sqlite"))
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("demo-oilfield.sqlite").path))
        // DOMAIN A: 375 opinions filed, 210 problems rectified, 36 rules, 78 procedures (the
        // inspections' findings and the collection rounds' clues among the opinions).
        let opinions = try #require(figure("提报监督意见", in: out))
        #expect((355...395).contains(opinions), "opinions \(opinions)")
        #expect(figure("已答复", in: out) == opinions, "every report gets an answer")
        let rectified = try #require(figure("推动整改问题", in: out))
        #expect((185...235).contains(rectified), "rectified \(rectified)")
        let rules = try #require(figure("推动健全制度", in: out))
        #expect((24...48).contains(rules), "rules improved \(rules)")
        let procedures = try #require(figure("推动规范流程", in: out))
        #expect((60...96).contains(procedures), "procedures standardised \(procedures)")
        // Every case settles; selections appointed grid members who were appraised.
        #expect(!out.contains("still open when the clock stopped"), "\(out)")
        #expect(!out.contains("incidents"), "\(out)")
        #expect(out.contains("appraisal grid_member_appraisal 2024: "))
        try expectEveryCaseRebuildsFromItsStepLog("demo-oilfield.sqlite")
        // DOMAIN A: 6 unannounced inspection rounds, all carried out with grid members.
        #expect(figure("组织明察暗访", in: out) == 6)
        #expect(figure("已完成检查", in: out) == 6)
        #expect(try #require(figure("参与网格员人次", in: out)) >= 6)
        // DOMAIN A: 27 collection rounds merged into a list of 12 items and 16 proposals.
        #expect(figure("开展问题征集", in: out) == 27)
        let items = try #require(figure("形成问题清单", in: out))
        #expect((6...18).contains(items), "problem items \(items)")
        let proposals = try #require(figure("提出整改建议", in: out))
        #expect((10...22).contains(proposals), "proposals \(proposals)")
        #expect(try #require(figure("归并线索", in: out)) >= items, "an item merges one clue or more")
        // DOMAIN A: one special project proposed from a problem list, carried to completion and
        // counted with its outcome: 130,000 records cleaned up, 877 kept, a paperless system.
        // (The demo's seed proposes two; each reports the seed's figures.)
        let projects = try #require(figure("提请党委专项工作", in: out))
        #expect((1...2).contains(projects), "special projects \(projects)")
        #expect(figure("验收完成", in: out) == projects, "every project runs to completion and is counted")
        #expect(figure("清理资料条数", in: out) == 130_000 * projects)
        #expect(figure("保留资料项数", in: out) == 877 * projects)
        #expect(figure("搭建信息系统", in: out) == projects)
        // Coverage of every team and shift: reached, or the gap is the demo's finding.
        let coverage = try #require(
            out.split(separator: "\n").first { $0.hasPrefix("coverage grid_member_coverage: ") })
        #expect(coverage.hasSuffix(" of 26 places have a grid_member"), "\(coverage)")
        let covered = try #require(Int(coverage.split(separator: " ")[2]))
        #expect((24...26).contains(covered), "\(coverage)")

        // The store is an ordinary one: the same bulletin comes from `report`, and the cases
        // carry their history.
        // (As of the demo's last moment, the bulletin's date of issue.)
        let clock = try #require(out.split(separator: "\n").first { $0.contains("; clock from ") })
        let end = String(try #require(clock.split(separator: " ").last))
        let report = try gf([
            "report", "oilfield", "--report", "supervision_bulletin", "--period", "2024", "--db",
            "demo-oilfield.sqlite",
            "--now", end,
        ])
        #expect(report.status == 0)
        #expect(out.hasSuffix(report.stdout))
        // The facts the demo imported are left beside the store, and the command the summary
        // prints scores the period again from it: the same people, consequences not repeated.
        let facts = try String(
            contentsOf: directory.appendingPathComponent("demo-oilfield-facts-2024.csv"), encoding: .utf8)
        #expect(facts.hasPrefix("person,periodic_checks_total,periodic_checks_passed,training_sessions,duty_lapses\n"))
        let hint = try #require(
            out.split(separator: "\n").first { $0.contains("score again from the store with: gridflow appraise") })
        let command = hint.components(separatedBy: "with: gridflow ")[1].split(separator: " ").map(String.init)
        #expect(command.contains("--facts") && command.contains("--as"), "\(command)")
        let appraised = try #require(
            out.split(separator: "\n").first { $0.hasPrefix("  appraisal grid_member_appraisal 2024: ") }
        ).split(separator: " ")[3]
        let rescored = try gf(command)
        #expect(rescored.status == 0, "\(rescored.stderr)")
        #expect(rescored.stdout.hasPrefix("appraisal grid_member_appraisal of oilfield, 2024: \(appraised) results\n"))
        #expect(
            rescored.stdout.contains("consequences performed by an earlier run, not repeated"), "\(rescored.stdout)")
        let without = try gf(Array(command.prefix { $0 != "--facts" }) + ["--as", command.last!])
        #expect(without.status != 0, "without the facts the period cannot be scored")

        let list = try gf([
            "case", "list", "--workflow", "selection", "--state", "appointed", "--db", "demo-oilfield.sqlite",
        ])
        #expect(list.status == 0)
        #expect(list.stdout.split(separator: "\n").count >= 20)

        try authorityFollowsTheOrganisation(db: "demo-oilfield.sqlite")

        // Run again: refused without --replace, the store untouched; replaced with it.
        let before = try Data(contentsOf: directory.appendingPathComponent("demo-oilfield.sqlite"))
        let again = try gf(["demo", "oilfield", "--scale", "0.1"])
        #expect(again.status != 0)
        #expect(again.stderr.contains("exists; pass --replace"))
        #expect(try Data(contentsOf: directory.appendingPathComponent("demo-oilfield.sqlite")) == before)
        let replaced = try gf(["demo", "oilfield", "--scale", "0.1", "--replace", "--format", "csv"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(replaced.stderr.contains("scale 0.1"), "the summary goes to standard error")
        #expect(replaced.stdout.contains("\ngroup,key,reports,"), "\(replaced.stdout.prefix(200))")
    }

    /// DOMAIN B's year: "67 problems reported, 67 resolved, 100 % satisfaction"; the 20 people
    /// reviewed are the year's 20 appointments, ten of them team supervisors in the four
    /// departments with concentrated power and resources; and every opening, recommendation and
    /// Party-branch deliberation is the position's own department's (before, a channel_team
    /// candidate could be recommended by another department's head). The counts are the demo's
    /// openings, so they are exact; the share satisfied is of the ratings given.
    @Test func theTelecomYearReproducesTheSource() throws {
        let run = try gf(["demo", "telecom"])
        #expect(run.status == 0, "\(run.stderr)")
        let out = run.stdout
        #expect(figure("反映问题", in: out) == 67)
        #expect(figure("已答复", in: out) == 67, "every report gets an answer")
        #expect(figure("已解决", in: out) == 67)
        #expect(figure("解释说明", in: out) == 0)
        #expect(out.contains("| 满意率 | 100% |\n"), "\(out)")
        #expect(!out.contains("incidents"), "\(out)")
        #expect(!out.contains(" selection: "), "every selection settles: \(out)")

        let db = "demo-telecom.sqlite"
        try expectEveryCaseRebuildsFromItsStepLog(db)
        let teams = try teamsOfPeople("telecom", db: db)
        let selections = try #require(
            (try json(gf(["case", "list", "--workflow", "selection", "--db", db, "--json"])) as? [String: Any])?[
                "cases"]
                as? [[String: Any]])
        #expect(selections.count == 20)
        var positions: [(role: String, team: String, state: String)] = []
        var steps: [(team: String, step: String, actor: String)] = []
        for selection in selections {
            let id = try #require(selection["id"] as? String)
            let shown = try #require(try json(gf(["case", "show", id, "--db", db, "--json"])) as? [String: Any])
            let fields = try #require(shown["fields"] as? [String: Any])
            let team = try #require(fields["team"] as? String)
            positions.append(
                (try #require(fields["position_role"] as? String), team, try #require(shown["state"] as? String)))
            for entry in try #require(shown["history"] as? [[String: Any]]) {
                let from = entry["from"] as? String ?? "open"
                if ["open", "step_1_recommendation", "step_2_branch_deliberation"].contains(from),
                    let actor = entry["actor"] as? String
                {
                    steps.append((team, from, actor))
                }
            }
        }
        #expect(positions.allSatisfy { $0.state == "appointed" }, "\(positions)")
        let teamSupervisors = positions.filter { $0.role == "team_supervisor" }.map(\.team)
        #expect(teamSupervisors.count == 10, "\(teamSupervisors)")
        #expect(positions.filter { $0.role == "grid_supervisor" }.count == 4)
        #expect(positions.filter { $0.role == "branch_discipline_member" }.count == 6)

        // The department or county sub-branch of every node named, from the org tree.
        let names = Array(Set(steps.map(\.team) + teamSupervisors + teams.values)).sorted()
        let list = "[" + names.map { "'\($0)'" }.joined(separator: ", ") + "]"
        let eval = try gridflow(
            ["eval", "--unit", "telecom", "--json", "map(\(list), t -> ancestor_at(t, 'department') ?? t)"],
            in: packageRoot)
        let departments = try #require((try json(eval) as? [String: Any])?["value"] as? [String])
        let department = Dictionary(uniqueKeysWithValues: zip(names, departments))
        #expect(
            Set(teamSupervisors.compactMap { department[$0] }) == [
                "marketing_dept", "government_enterprise_dept", "engineering_construction_dept", "network_dept",
            ])
        #expect(steps.count == 60, "an opening, a recommendation and a deliberation for each of 20")
        for step in steps {
            let actorTeam = try #require(teams[step.actor], "\(step.actor) has a team")
            #expect(department[actorTeam] == department[step.team], "\(step.actor) at \(step.step) for \(step.team)")
        }
    }

    /// Every grid-member selection of the year is opened and submitted by the branch secretary of
    /// the candidate's work area and decided by the discipline committee of its plant: before
    /// scopes, 91 of 146 approvals were another plant's, and 44 of 52 nominations another work
    /// area's branch (acting as an employee).
    func authorityFollowsTheOrganisation(db: String) throws {
        let teams = try teamsOfPeople("oilfield", db: db)
        let selections = try #require(
            (try json(gf(["case", "list", "--workflow", "selection", "--db", db, "--json"])) as? [String: Any])?[
                "cases"]
                as? [[String: Any]])
        var steps: [(team: String, event: String, actor: String)] = []
        for selection in selections {
            let id = try #require(selection["id"] as? String)
            let shown = try #require(try json(gf(["case", "show", id, "--db", db, "--json"])) as? [String: Any])
            let team = try #require((shown["fields"] as? [String: Any])?["team"] as? String)
            for entry in try #require(shown["history"] as? [[String: Any]]) {
                if let event = entry["event"] as? String, let actor = entry["actor"] as? String, actor != "system" {
                    steps.append((team, event, actor))
                }
            }
        }
        // The work area and plant of every node named, from the org tree.
        let names = Array(Set(steps.map(\.team) + teams.values)).sorted()
        let list = "[" + names.map { "'\($0)'" }.joined(separator: ", ") + "]"
        let eval = try gridflow(
            [
                "eval", "--unit", "oilfield", "--json",
                "map(\(list), t -> [ancestor_at(t, 'work_area') ?? t, ancestor_at(t, 'plant') ?? t])",
            ], in: packageRoot)
        let pairs = try #require((try json(eval) as? [String: Any])?["value"] as? [[String]])
        var workArea: [String: String] = [:]
        var plant: [String: String] = [:]
        for (name, pair) in zip(names, pairs) {
            workArea[name] = pair[0]
            plant[name] = pair[1]
        }
        var counted: [String: Int] = [:]
        for step in steps {
            let actorTeam = try #require(teams[step.actor], "\(step.actor) has a team")
            switch step.event {
            case "open", "assess", "submit", "drop_not_eligible", "withdraw":
                #expect(workArea[actorTeam] == workArea[step.team], "\(step.actor) \(step.event) at \(step.team)")
            case "approve", "reject":
                #expect(plant[actorTeam] == plant[step.team], "\(step.actor) \(step.event) at \(step.team)")
            default: continue
            }
            counted[step.event, default: 0] += 1
        }
        #expect(counted["open"] == selections.count)
        #expect((counted["approve"] ?? 0) >= 20, "\(counted)")
    }

    @Test func theSameSeedGivesTheSameYear() throws {
        let first = try gf(["demo", "oilfield", "--scale", "0.1", "--db", "a.sqlite", "--format", "csv"])
        let second = try gf(["demo", "oilfield", "--scale", "0.1", "--db", "b.sqlite", "--format", "csv"])
        #expect(first.status == 0 && second.status == 0, "\(first.stderr) \(second.stderr)")
        #expect(!first.stdout.isEmpty)
        #expect(first.stdout == second.stdout)
    }

    /// A year that fails on the way (a person field that cannot be evaluated) leaves the store
    /// it was to replace as it was, and no half-built file behind.
    @Test func aFailedYearKeepsThePreviousStore() throws {
        let root = directory.appendingPathComponent("root")
        for folder in ["Workflows/group", "Workflows/oilfield", "Rules/oilfield"] {
            try FileManager.default.createDirectory(
                at: root.appendingPathComponent(folder).deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                at: packageRoot.appendingPathComponent(folder), to: root.appendingPathComponent(folder))
        }
        let first = try gridflow(["demo", "oilfield", "--scale", "0.05", "--root", root.path], in: directory)
        #expect(first.status == 0, "\(first.stderr)")
        func cases() throws -> String {
            let list = try gridflow(
                ["case", "list", "--db", "demo-oilfield.sqlite", "--root", root.path, "--json"], in: directory)
            #expect(list.status == 0, "\(list.stderr)")
            return list.stdout
        }
        let before = try cases()
        #expect(before.contains("oilfield-issue-"))
        let demo = root.appendingPathComponent("Workflows/oilfield/demo.yaml")
        let text = try String(contentsOf: demo, encoding: .utf8)
        try text.replacingOccurrences(
            of: "shift: shifts[index % size(shifts)]\n  # Grid", with: "shift: shifts[index + 7]\n  # Grid"
        )
        .write(to: demo, atomically: true, encoding: .utf8)
        #expect(try String(contentsOf: demo, encoding: .utf8) != text)
        let failed = try gridflow(["demo", "oilfield", "--replace", "--root", root.path], in: directory)
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("person field 'shift'"), "\(failed.stderr)")
        #expect(try cases() == before)
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            $0.contains("building")
        }
        #expect(left.isEmpty, "\(left)")
    }

    @Test func badRequestsChangeNothing() throws {
        let foreign = try write("foreign.sqlite", "not a database at all, but someone's notes\n")
        let run = try gf(["demo", "oilfield", "--db", foreign, "--replace"])
        #expect(run.status != 0)
        #expect(try String(contentsOfFile: foreign, encoding: .utf8) == "not a database at all, but someone's notes\n")
        let scale = try gf(["demo", "oilfield", "--scale", "0"])
        #expect(scale.status == 2, "\(scale.stderr)")
        #expect(scale.stderr.contains("--scale"))
        let unit = try gf(["demo", "nowhere"])
        #expect(unit.status != 0)
        #expect(unit.stderr.contains("no unit 'nowhere'"))
        let named = try gf(["demo", "oilfield", "--demo", "yaer"])
        #expect(named.status != 0)
        #expect(named.stderr.contains("did you mean 'year'"), "\(named.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("demo-oilfield.sqlite").path))
    }
}
