import Foundation
import Testing

/// `gridflow files upload|list|download|delete|move|history` over a store, on the telecom unit's
/// shared file spaces, run as an administrator would: each action checked against the space's
/// permissions, the content kept with its checksum, the trail recorded.
@Suite struct FileStoreCommandTests: Workspace {
    let directory: URL

    /// As in `FilesCommandTests`: li and chen team supervisors, wang a grid supervisor, zhou of
    /// the discipline committee office.
    init() throws {
        directory = try Self.makeFolder("file-store")
        func office(_ id: String, _ name: String, _ role: String) -> String {
            AppraiseCommandTests.person(id, name, [role], team: "beihai_branch")
                .replacingOccurrences(of: "\"roles\"", with: "\"department\": \"discipline_office\", \"roles\"")
        }
        let people = try write(
            "people.json",
            "["
                + [
                    AppraiseCommandTests.person("li", "李娜", ["team_supervisor"], team: "channel_team"),
                    AppraiseCommandTests.person("chen", "陈晨", ["team_supervisor"], team: "product_team"),
                    AppraiseCommandTests.person("wang", "王强", ["grid_supervisor"]),
                    office("zhou", "周敏", "discipline_committee_office"),
                ].joined(separator: ",\n") + "]")
        let imported = try gf(["people", "import", "telecom", people])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try gf(["deploy", "telecom"]).status == 0)
    }

    func files(_ arguments: [String], as person: String) throws -> Run {
        try gf(["files"] + arguments + ["--as", person])
    }

    /// The id of the file a `--json` upload printed.
    func uploaded(_ run: Run, sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        #expect(run.status == 0, "\(run.stderr)", sourceLocation: sourceLocation)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        return try #require(object["id"] as? Int)
    }

    @Test func membersUploadListDownloadAndOnlyTheOwnerDeletesOrMoves() throws {
        let text = "二季度履职材料\n第二行\n"
        let path = try write("总结.txt", text)
        let id = try uploaded(
            try files(["upload", "telecom", "team_supervisors", "duty_material", path, "--json"], as: "li"))
        // The office shares into every space; a PDF by its bytes.
        let pdf = try write("guide.pdf", "%PDF-1.4\n1 0 obj\n<<>>\nendobj\n")
        let shared = try uploaded(
            try files(
                ["upload", "telecom", "team_supervisors", "exam_review", pdf, "--name", "复习.pdf", "--json"],
                as: "zhou"))

        let list = try files(["list", "telecom", "team_supervisors"], as: "chen")
        #expect(list.status == 0, "\(list.stderr)")
        let lines = list.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("#\(id) duty_material/总结.txt (text/plain, \(text.utf8.count) bytes) by li at "))
        #expect(lines[1].hasPrefix("#\(shared) exam_review/复习.pdf (application/pdf, "))
        let folder = try files(["list", "telecom", "team_supervisors", "--folder", "exam_review", "--json"], as: "li")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(folder.stdout.utf8)) as? [String: Any])
        #expect((object["files"] as? [[String: Any]])?.map { $0["id"] as? Int } == [shared])

        // chen downloads li's file: the same bytes.
        let out = directory.appendingPathComponent("copy.txt").path
        let download = try files(["download", "telecom", "\(id)", "--output", out], as: "chen")
        #expect(download.status == 0, "\(download.stderr)")
        #expect(try String(contentsOfFile: out, encoding: .utf8) == text)
        #expect(download.stdout.contains("sha256 "))

        // A member of another group sees nothing of the space: denied, exit 1.
        let other = try files(["list", "telecom", "team_supervisors"], as: "wang")
        #expect(other.status == 1)
        #expect(other.stderr.contains("denied: wang may not view files in space team_supervisors"))
        #expect(try files(["download", "telecom", "\(id)", "--output", out], as: "wang").status == 1)
        #expect(
            try files(["upload", "telecom", "team_supervisors", "highlights", path], as: "wang").status == 1)

        // Only the owner moves or deletes: not chen, not the office.
        for person in ["chen", "zhou"] {
            let move = try files(["move", "telecom", "\(id)", "highlights"], as: person)
            #expect(move.status == 1)
            #expect(move.stderr.contains("only who uploaded the file may"), "\(move.stderr)")
            #expect(try files(["delete", "telecom", "\(id)"], as: person).status == 1)
        }
        let move = try files(["move", "telecom", "\(id)", "highlights"], as: "li")
        #expect(move.status == 0, "\(move.stderr)")
        #expect(move.stdout.hasPrefix("moved #\(id) highlights/总结.txt"))
        let delete = try files(["delete", "telecom", "\(id)"], as: "li")
        #expect(delete.status == 0, "\(delete.stderr)")
        #expect(delete.stdout.contains(", deleted by li at "))
        let gone = try files(["download", "telecom", "\(id)", "--output", out], as: "li")
        #expect(gone.status == 2)
        #expect(gone.stderr.contains("file #\(id) was deleted by li"))

        // The trail: who did what, when, from where to where, newest first.
        let history = try files(["history", "telecom", "team_supervisors"], as: "chen")
        #expect(history.status == 0, "\(history.stderr)")
        let trail = history.stdout.split(separator: "\n").map {
            $0.split(separator: " ").dropFirst().joined(separator: " ")
        }
        #expect(
            trail == [
                "li delete #\(id) 总结.txt from highlights", "li move #\(id) 总结.txt from duty_material to highlights",
                "zhou upload #\(shared) 复习.pdf to exam_review", "li upload #\(id) 总结.txt to duty_material",
            ])
    }

    @Test func typesSizesAndNamesAreChecked() throws {
        let text = try write("notes.txt", "hello\n")
        // Declared as a PDF, the bytes say text: refused, nothing stored.
        let mismatch = try files(
            ["upload", "telecom", "grid_supervisors", "highlights", text, "--type", "application/pdf"], as: "wang")
        #expect(mismatch.status == 2)
        #expect(mismatch.stderr.contains("the file is declared application/pdf but its bytes are text/plain"))
        let binary = directory.appendingPathComponent("tool.bin")
        try Data([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x00]).write(to: binary)
        let unknown = try files(["upload", "telecom", "grid_supervisors", "highlights", binary.path], as: "wang")
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("the file is none of the types the spaces take"))
        let tooLarge = try files(
            ["upload", "telecom", "grid_supervisors", "highlights", text, "--max-size", "5"], as: "wang")
        #expect(tooLarge.status == 2)
        #expect(tooLarge.stderr.contains("is 6 bytes; a file is at most 5 bytes"), "\(tooLarge.stderr)")
        let badName = try files(
            ["upload", "telecom", "grid_supervisors", "highlights", text, "--name", "../x.txt"], as: "wang")
        #expect(badName.status == 2)
        #expect(badName.stderr.contains("a file name is a name alone"))
        let noFolder = try files(["upload", "telecom", "grid_supervisors", "highlight", text], as: "wang")
        #expect(noFolder.status == 2)
        #expect(
            noFolder.stderr.contains("space 'grid_supervisors' has no folder 'highlight'; did you mean 'highlights'?"))
        let list = try files(["list", "telecom", "grid_supervisors"], as: "wang")
        #expect(list.stdout == "no files in grid_supervisors\n")
    }
}
