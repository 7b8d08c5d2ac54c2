import Foundation
import Testing

/// Cases of several deployments of a unit running side by side in one store, as a designer and
/// an administrator meet them: the binary on a copy of the tour unit.
@Suite struct SideBySideTests: Workspace {
    let directory: URL
    let root: URL

    init() throws {
        directory = try Self.makeFolder("sidebyside")
        let copy = try Self.copyOfTour(in: directory)
        root = copy.root
        let people = copy.people
        let run = try tour(["people", "import", "tour", people])
        #expect(run.status == 0, "\(run.stderr)")
        // The directory is not definitions: importing it deploys nothing.
        #expect(run.stderr == "created store gridflow.sqlite\n")
    }

    /// Runs the binary on the copy's working tree and the folder's store.
    func tour(_ arguments: [String]) throws -> Run {
        try gridflow(arguments + ["--root", root.path], in: directory)
    }

    /// Runs an administrator's command, which reads only the store.
    func admin(_ arguments: [String]) throws -> Run {
        try gridflow(arguments, in: directory)
    }

    func json(_ run: Run) throws -> [String: Any] {
        #expect(run.status == 0, "\(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }

    func edit(_ file: String, _ change: (String) -> String) throws {
        let url = root.appendingPathComponent(file)
        let text = try String(contentsOf: url, encoding: .utf8)
        let changed = change(text)
        #expect(changed != text, "\(file) unchanged")
        try changed.write(to: url, atomically: true, encoding: .utf8)
    }

    func open(_ summary: String, at now: String, _ extra: [String] = []) throws -> String {
        let opened = try json(
            try tour(
                [
                    "case", "open", "tour/report", "--as", "wang", "--set", "reporter=@wang", "--set",
                    "summary=\(summary)", "--now", now, "--json",
                ] + extra))
        return try #require(opened["id"] as? String)
    }

    func state(_ id: String) throws -> (state: String, deployment: Int?) {
        let shown = try json(try tour(["case", "show", id, "--as", "li", "--json"]))
        return (shown["state"] as? String ?? "?", shown["deployment"] as? Int)
    }

    /// Version 2 renames a state, adds a required field and shortens the timer.
    func editToVersion2() throws {
        try edit("Workflows/tour/report.yaml") { text in
            text.replacingOccurrences(of: "escalated", with: "late")
                .replacingOccurrences(of: "5wd", with: "2wd")
                .replacingOccurrences(
                    of: "  summary: {type: text, required: true}\n",
                    with: "  summary: {type: text, required: true}\n  category: {type: text, required: true}\n")
        }
        // The scenario follows the workflow (`gridflow test` runs on the working tree).
        try edit("Workflows/tour/tests/report_overdue_then_answered.yaml") { text in
            text.replacingOccurrences(of: "escalated", with: "late")
        }
    }

    @Test func oldCasesKeepTheirDeploymentNewOnesOpenOnTheActiveOne() throws {
        // Version 1: one case waiting with its timer, one escalated (its effect performed), one answered.
        let waiting = try open("the allowance is late", at: "2024-07-01T09:00:00+08:00")
        let escalated = try open("the canteen closed early", at: "2024-06-20T09:00:00+08:00")
        let answered = try open("a broken lamp", at: "2024-06-20T09:00:00+08:00")
        #expect(try tour(["tick", "--now", "2024-07-01T10:00:00+08:00"]).status == 0)
        let done = try tour([
            "case", "act", answered, "answer", "--as", "li", "--set", "answer=Fixed.", "--now",
            "2024-07-01T10:30:00+08:00",
        ])
        #expect(done.status == 0, "\(done.stderr)")
        #expect(try state(waiting) == ("submitted", 1))
        #expect(try state(escalated) == ("escalated", 1))
        #expect(try state(answered) == ("answered", 1))

        // An edit of meaning: running against it is an error that says to deploy.
        try editToVersion2()
        let refused = try tour([
            "case", "open", "tour/report", "--as", "wang", "--set", "reporter=@wang", "--set", "summary=x", "--set",
            "category=pay", "--now", "2024-07-01T11:00:00+08:00",
        ])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("not the active deployment"), "\(refused.stderr)")
        #expect(refused.stderr.contains("gridflow deploy tour"), "\(refused.stderr)")
        #expect(try tour(["case", "list", "--unit", "tour"]).stdout.hasSuffix("3 cases\n"))
        let ticked = try tour(["tick", "--now", "2024-07-01T11:00:00+08:00"])
        #expect(ticked.status == 1, "tick on a tree that is not deployed: \(ticked.stdout)")

        // Deployed, new cases open on version 2 (with its required field); old ones stay on 1.
        let deployed = try json(try tour(["deploy", "tour", "--message", "category; two days", "--json"]))
        #expect(deployed["sequence"] as? Int == 2)
        // What changed, as a designer reads it.
        let diff = try admin(["deployments", "diff", "tour", "1", "2"])
        #expect(diff.status == 0, "\(diff.stderr)")
        for line in [
            "+ workflow report › field category: {type: text, required: true}",
            "~ workflow report › state submitted › timers: [{after: 5wd, event: overdue}] → [{after: 2wd, event: overdue}]",
            "- workflow report › state escalated (was {title: Escalated})",
            "+ workflow report › state late: {title: Escalated}",
            "~ workflow report › transition answer › from: [submitted, escalated] → [submitted, late]",
            "~ workflow report › transition overdue › to: escalated → late",
        ] {
            #expect(diff.stdout.contains(line + "\n"), "\(diff.stdout)")
        }
        let same = try admin([
            "deployments", "diff", "tour", "2", String((deployed["version"] as? String ?? "").prefix(6)),
        ])
        #expect(same.stdout.hasSuffix("no change in the definitions\n"), "\(same.stdout)")
        let unknown = try admin(["deployments", "diff", "tour", "1", "7"])
        #expect(unknown.status != 0 && unknown.stderr.contains("tour has no deployment 7"), "\(unknown.stderr)")
        let missing = try tour([
            "case", "open", "tour/report", "--as", "wang", "--set", "reporter=@wang", "--set", "summary=x", "--now",
            "2024-07-01T11:00:00+08:00",
        ])
        #expect(missing.status != 0, "version 2 requires a category: \(missing.stdout)")
        let fresh = try open(
            "the shuttle bus is late", at: "2024-07-01T11:00:00+08:00", ["--set", "category=transport"])
        #expect(try state(fresh) == ("submitted", 2))
        #expect(try state(waiting) == ("submitted", 1))
        let shown = try tour(["case", "show", waiting, "--as", "li"])
        #expect(shown.stdout.contains("runs on deployment 1 (definitions version "), "\(shown.stdout)")
        #expect(shown.stdout.contains("new cases open on deployment 2"), "\(shown.stdout)")

        // Wednesday: the new case's two working days are over, the old one's five are not.
        let wednesday = try json(try tour(["tick", "--now", "2024-07-03T12:00:00+08:00", "--json"]))
        #expect(wednesday["timers_fired"] as? Int == 1)
        #expect(try state(fresh) == ("late", 2))
        #expect(try state(waiting) == ("submitted", 1))
        // The next Monday the old case's timer fires on version 1, into its own state.
        let monday = try json(try tour(["tick", "--now", "2024-07-08T12:00:00+08:00", "--json"]))
        #expect(monday["timers_fired"] as? Int == 1)
        #expect(try state(waiting) == ("escalated", 1))
        // Steps of version 1 still work on its cases, and of version 2 on its.
        for id in [waiting, escalated, fresh] {
            let answer = try tour([
                "case", "act", id, "answer", "--as", "li", "--set", "answer=Done.", "--now",
                "2024-07-08T13:00:00+08:00",
                "--json",
            ])
            #expect(try json(answer)["state"] as? String == "answered")
        }
        let list = try json(try admin(["deployments", "tour", "--json"]))
        let rows = try #require(list["deployments"] as? [[String: Any]])
        #expect(rows.map { $0["cases"] as? Int } == [3, 1])
        #expect(rows.map { $0["open_cases"] as? Int } == [0, 0])
    }

    @Test func aRollbackMakesAnEarlierDeploymentTheOneNewCasesOpenOn() throws {
        let original = try String(
            contentsOf: root.appendingPathComponent("Workflows/tour/report.yaml"), encoding: .utf8)
        let old = try open("the allowance is late", at: "2024-07-01T09:00:00+08:00")
        try editToVersion2()
        let newer = try open("the bus", at: "2024-07-01T10:00:00+08:00", ["--set", "category=transport", "--deploy"])
        let back = try json(try admin(["rollback", "tour", "--to", "1", "--json"]))
        #expect(back["outcome"] as? String == "rolled-back")
        #expect(back["sequence"] as? Int == 1)
        #expect(try admin(["deployments", "tour"]).stdout.hasPrefix("* 1  "))
        // Cases keep theirs.
        #expect(try state(old) == ("submitted", 1))
        #expect(try state(newer) == ("submitted", 2))
        // The designer's tree (version 2) is no longer what new cases open on: said, not run.
        let refused = try tour([
            "case", "open", "tour/report", "--as", "wang", "--set", "reporter=@wang", "--set", "summary=x", "--set",
            "category=pay",
        ])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("deployment 2) are not the active deployment"), "\(refused.stderr)")
        // With the tree as deployment 1 has it, new cases open on deployment 1.
        try original.write(
            to: root.appendingPathComponent("Workflows/tour/report.yaml"), atomically: true, encoding: .utf8)
        let third = try open("a lamp", at: "2024-07-01T11:00:00+08:00")
        #expect(try state(third) == ("submitted", 1))
        let again = try json(try admin(["rollback", "tour", "--to", "1", "--json"]))
        #expect(again["outcome"] as? String == "unchanged")
        let bad = try admin(["rollback", "tour", "--to", "zzzz"])
        #expect(bad.status != 0 && bad.stderr.contains("tour has no deployment 'zzzz'"), "\(bad.stderr)")
    }

    @Test func aCommentIsNoNewDeploymentAndDeployFlagDeploysInOneStep() throws {
        // The first case deploys the working tree, and says so.
        let opening = try tour([
            "case", "open", "tour/report", "--as", "wang", "--set", "reporter=@wang", "--set", "summary=late", "--now",
            "2024-07-01T09:00:00+08:00", "--json",
        ])
        #expect(opening.stderr.hasPrefix("deployed tour version "), "\(opening.stderr)")
        #expect(opening.stderr.hasSuffix(" as deployment 1: gridflow.sqlite had no deployment of it\n"))
        let first = try #require(try json(opening)["id"] as? String)
        // A comment changes nothing: the case commands go on without a deployment.
        try edit("Workflows/tour/report.yaml") { "# reviewed\n" + $0 }
        let second = try open("again", at: "2024-07-01T10:00:00+08:00")
        #expect(try state(second) == ("submitted", 1))
        // With --deploy, the edited tree is deployed first and the case opens on it.
        try editToVersion2()
        let third = try open("a third", at: "2024-07-01T11:00:00+08:00", ["--set", "category=pay", "--deploy"])
        #expect(try state(third) == ("submitted", 2))
        #expect(try state(first) == ("submitted", 1))
        let text = try admin(["deployments", "tour"]).stdout
        #expect(text.contains("* 2  "), "\(text)")
        #expect(text.contains("deployed with --deploy"), "\(text)")
    }

    @Test func anAdministratorsStoreRunsWithoutAWorkingTree() throws {
        let id = try open("the allowance is late", at: "2024-07-01T09:00:00+08:00")
        try FileManager.default.removeItem(at: root)
        // The store holds what it runs on: no working tree is needed.
        let shown = try tour(["case", "show", id, "--as", "li", "--json"])
        #expect(try json(shown)["deployment"] as? Int == 1)
        let ticked = try json(try tour(["tick", "--now", "2024-07-08T12:00:00+08:00", "--json"]))
        #expect(ticked["timers_fired"] as? Int == 1)
        #expect(try state(id) == ("escalated", 1))
    }
}
