import Foundation
import Testing

/// `gridflow deploy` and `gridflow deployments` on a copy of the shipped units, as an
/// administrator runs them.
@Suite struct DeployCommandTests: Workspace {
    let directory: URL

    init() throws {
        directory = try Self.makeFolder("deploy")
    }

    func edit(_ root: URL, _ file: String, _ change: (String) -> String) throws {
        let url = root.appendingPathComponent(file)
        let text = try String(contentsOf: url, encoding: .utf8)
        let changed = change(text)
        #expect(changed != text, "\(file) unchanged")
        try changed.write(to: url, atomically: true, encoding: .utf8)
    }

    func deploy(_ root: URL, _ extra: [String] = []) throws -> [String: Any] {
        let run = try gridflow(["deploy", "oilfield", "--root", root.path, "--json"] + extra, in: directory)
        #expect(run.status == 0, "\(run.stderr)")
        return try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] ?? [:]
    }

    @Test func aDeploymentIsStoredOnceAndOnlyAChangeOfMeaningMakesANewOne() throws {
        let root = try copyOfUnit("oilfield")
        let first = try deploy(root, ["--message", "first rules", "--as", "admin-1"])
        #expect(first["outcome"] as? String == "deployed")
        #expect(first["sequence"] as? Int == 1)
        #expect(first["deployed_by"] as? String == "admin-1")
        let version = try #require(first["version"] as? String)
        #expect(version.count == 16)

        // A comment, another key order, other quoting, a scenario and the demo: nothing new.
        try edit(root, "Rules/oilfield/routing.yaml") { "# reviewed by the discipline office\n" + $0 }
        try edit(root, "Workflows/oilfield/demo.yaml") { $0 + "\n# more comments\n" }
        try edit(root, "Workflows/oilfield/tests/issue_rectified.yaml") {
            $0.replacingOccurrences(of: "title:", with: "title: ")
        }
        let again = try deploy(root)
        #expect(again["outcome"] as? String == "unchanged")
        #expect(again["version"] as? String == version)
        #expect(again["sequence"] as? Int == 1)
        let text = try gridflow(["deploy", "oilfield", "--root", root.path], in: directory)
        #expect(
            text.stdout
                == "oilfield version \(version) is deployed already (deployment 1) and active; nothing changed\n")

        // A change of meaning is a new deployment, which new cases open on.
        try edit(root, "Workflows/oilfield/unit.yaml") {
            $0.replacingOccurrences(of: "title: 江汉油田\n", with: "title: 江汉油田分公司\n")
        }
        let second = try deploy(root, ["--message", "new title"])
        #expect(second["outcome"] as? String == "deployed")
        #expect(second["sequence"] as? Int == 2)
        #expect(second["version"] as? String != version)

        let list = try gridflow(["deployments", "oilfield", "--json"], in: directory)
        #expect(list.status == 0, "\(list.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any]
        let rows = try #require(object?["deployments"] as? [[String: Any]])
        #expect(rows.map { $0["sequence"] as? Int } == [1, 2])
        #expect(rows.map { $0["active"] as? Bool } == [false, true])
        #expect(rows.map { $0["message"] as? String } == ["first rules", "new title"])
        #expect(object?["active"] as? String == second["version"] as? String)
        let lines = try gridflow(["deployments", "oilfield"], in: directory).stdout
        #expect(lines.hasPrefix("  1  \(version)  "), "\(lines)")
        #expect(lines.contains("* 2  "), "\(lines)")

        // Deploying the first content again makes it active again, as it was stored.
        try edit(root, "Workflows/oilfield/unit.yaml") {
            $0.replacingOccurrences(of: "title: 江汉油田分公司\n", with: "title: 江汉油田\n")
        }
        let back = try deploy(root)
        #expect(back["outcome"] as? String == "reactivated")
        #expect(back["version"] as? String == version)
        #expect(back["message"] as? String == "first rules")
    }

    @Test func anInvalidUnitIsNeverDeployed() throws {
        let root = try copyOfUnit("oilfield")
        try edit(root, "Workflows/oilfield/issue.yaml") {
            $0.replacingOccurrences(of: "to: answered", with: "to: answred")
        }
        let run = try gridflow(["deploy", "oilfield", "--root", root.path], in: directory)
        #expect(run.status == 1)
        #expect(run.stderr.contains("Workflows/oilfield/issue.yaml:"), "\(run.stderr)")
        #expect(run.stderr.contains("did you mean 'answered'?"), "\(run.stderr)")
        #expect(run.stderr.contains("nothing was deployed"), "\(run.stderr)")
        #expect(run.stdout.isEmpty)
        // No store was created for it.
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("gridflow.sqlite").path))
        let bad = try gridflow(["deploy", "oilfield", "--root", root.path, "--as", "Not An Id"], in: directory)
        #expect(bad.status == 2, "\(bad.stderr)")
        let none = try gridflow(["deployments", "oilfield"], in: directory)
        #expect(none.status != 0, "no store: \(none.stdout)")
    }
}
