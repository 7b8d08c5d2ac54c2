import Foundation
import Testing

/// Every command's `--json` prints JSON, with snake_case keys.
@Suite struct JSONOutputTests: Workspace {
    let directory: URL

    init() throws {
        directory = try Self.makeFolder("json")
    }

    func object(_ run: Run, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        #expect(run.status == 0, "\(run.stderr)", sourceLocation: sourceLocation)
        return try #require(
            try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any],
            sourceLocation: sourceLocation)
    }

    func array(_ run: Run, sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
        #expect(run.status == 0, "\(run.stderr)", sourceLocation: sourceLocation)
        return try #require(
            try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]],
            sourceLocation: sourceLocation)
    }

    /// Every key of a JSON document, at any depth, except those of field values named by definitions.
    func keys(_ value: Any) -> Set<String> {
        if let object = value as? [String: Any] {
            return object.reduce(into: Set(object.keys)) { keys, entry in keys.formUnion(self.keys(entry.value)) }
        }
        if let items = value as? [Any] { return items.reduce(into: []) { $0.formUnion(keys($1)) } }
        return []
    }

    func expectSnakeCase(_ value: Any, sourceLocation: SourceLocation = #_sourceLocation) {
        let camel = keys(value).filter { $0.contains(where: \.isUppercase) }
        #expect(camel.isEmpty, "camelCase keys: \(camel.sorted())", sourceLocation: sourceLocation)
    }

    @Test func definitionCommands() throws {
        let graph = try object(try gf(["graph", "oilfield/issue", "--json"]))
        #expect(graph["workflow"] as? String == "issue")
        #expect(graph["initial"] as? String == "submitted")
        let nodes = try #require(graph["nodes"] as? [[String: Any]])
        #expect(nodes.first { $0["name"] as? String == "submitted" }?["initial"] as? Bool == true)
        let edges = try #require(graph["edges"] as? [[String: Any]])
        let classify = try #require(edges.first { $0["event"] as? String == "classify" })
        #expect(classify["from"] as? String == "submitted" && classify["to"] as? String == "awaiting_claim")
        #expect(edges.contains { $0["timer"] as? String == "after 3wd" })
        expectSnakeCase(graph)

        let eval = try object(try gridflow(["eval", "-1 + 2", "--json", "--explain"]))
        #expect(eval["value"] as? Int == 1)
        #expect(eval["type"] as? String == "integer")
        let trace = try #require(eval["trace"] as? [[String: Any]])
        #expect(trace.map { $0["expression"] as? String } == ["1", "-1", "2", "-1 + 2"])

        let tests = try object(
            try gf([
                "test", packageRoot.appendingPathComponent("Workflows/oilfield/tests").path, "--json", "--coverage",
            ]))
        #expect((tests["failed"] as? Int) == 0)
        #expect(((tests["scenarios"] as? [[String: Any]])?.count ?? 0) == tests["passed"] as? Int)
        #expect((tests["coverage"] as? [[String: Any]])?.first?["not_taken"] as? [String] == [])
        expectSnakeCase(tests)

        let validate = try object(try gridflow(["validate", "--json"]))
        #expect(validate["errors"] as? Int == 0)

        let schema = try object(try gridflow(["schema", "--check", "--json"]))
        #expect(schema["out_of_date"] as? [String] == [])
        #expect(((schema["checked"] as? [String])?.count ?? 0) > 5)
    }

    @Test func storeCommands() throws {
        let person =
            #"{"id": "wang", "name": "王", "roles": [], "party_member": true, "branch_committee_member": false, "leadership_member": false, "key_post": "none", "party_rep": false, "worker_rep": true, "union_rep": false, "frontline_familiar": true, "performance": {}}"#
        let imported = try object(
            try gf(["people", "import", "oilfield", try write("people.json", "[\(person)]"), "--json"]))
        #expect(imported["imported"] as? Int == 1 && imported["replaced"] as? Bool == false)
        let people = try array(try gf(["people", "list", "oilfield", "--json"]))
        #expect(people.first?["id"] as? String == "wang")
        #expect(people.first?["roles"] as? [String] == ["employee"])
        #expect((people.first?["record"] as? [String: Any])?["name"] as? String == "王")

        #expect(
            try gf([
                "case", "open", "oilfield/issue", "--set", "team=opp_area_1_station_1", "--as", "wang", "--set",
                "channel=qr_code", "--set", "description=x",
                "--now", "2024-07-01T09:00:00+08:00",
            ]).status == 0)
        let tick = try object(try gf(["tick", "--now", "2024-07-01T09:00:00+08:00", "--json"]))
        #expect(tick["timers_fired"] as? Int == 0 && tick["effects_performed"] as? Int == 0)
        #expect((tick["incidents"] as? [Any])?.isEmpty == true)
        let incidents = try object(try gf(["incident", "list", "--json"]))
        #expect((incidents["incidents"] as? [Any])?.isEmpty == true && incidents["next_cursor"] is NSNull)
        let shown = try object(try gf(["case", "show", "oilfield-issue-1", "--json"]))
        expectSnakeCase(shown.filter { $0.key != "fields" })
        let listed = try object(try gf(["case", "list", "--json"]))
        #expect((listed["cases"] as? [Any])?.count == 1)
        expectSnakeCase(listed)
    }
}
