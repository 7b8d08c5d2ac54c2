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

/// A store fact counted from the uploads into a folder (`from: {files: FOLDER}`): each person's
/// files uploaded into it in the period and not deleted.
@Suite struct FileFactTests: Workspace {
    let directory: URL

    init() throws {
        directory = try Self.makeFolder("file-facts")
    }

    @Test func anAppraisalCountsTheUploadsIntoAFolderInThePeriod() throws {
        let root = try copyOfTelecom()
        try """
        kind: Appraisal
        schema: 1
        unit: telecom
        name: uploads
        period: quarter
        facts:
          duty_uploads: {type: integer, source: store, from: {files: duty_material}}
        packages:
          team_supervisor:
            dimensions:
              - {name: uploads, weight: 1, score: 'min(100, facts.duty_uploads * 50)'}
            grades:
              - {grade: pass, min: 60}
              - {grade: fail}

        """.write(to: root.appendingPathComponent("Rules/telecom/uploads.yaml"), atomically: true, encoding: .utf8)
        func run(_ arguments: [String]) throws -> Run {
            try gridflow(arguments + ["--root", root.path], in: directory)
        }
        let people = try write(
            "people.json",
            "[" + AppraiseCommandTests.person("li", "李娜", ["team_supervisor"], team: "channel_team") + ", "
                + AppraiseCommandTests.person("chen", "陈晨", ["team_supervisor"], team: "product_team") + "]")
        #expect(try run(["people", "import", "telecom", people]).status == 0)
        let file = try write("summary.txt", "履职材料\n")
        func upload(_ person: String, _ folder: String, at now: String) throws -> Int {
            let upload = try run([
                "files", "upload", "telecom", "team_supervisors", folder, file, "--as", person, "--now", now, "--json",
            ])
            #expect(upload.status == 0, "\(upload.stderr)")
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(upload.stdout.utf8)) as? [String: Any])
            return try #require(object["id"] as? Int)
        }
        // li: two in the quarter (one later moved away: it still counts), one the quarter
        // before, one into another folder; chen: one, deleted.
        let moved = try upload("li", "duty_material", at: "2024-07-05T09:00:00+08:00")
        _ = try upload("li", "duty_material", at: "2024-09-30T23:59:00+08:00")
        _ = try upload("li", "duty_material", at: "2024-06-30T23:59:00+08:00")
        _ = try upload("li", "highlights", at: "2024-08-01T09:00:00+08:00")
        #expect(try run(["files", "move", "telecom", "\(moved)", "exam_review", "--as", "li"]).status == 0)
        let deleted = try upload("chen", "duty_material", at: "2024-08-01T09:00:00+08:00")
        #expect(try run(["files", "delete", "telecom", "\(deleted)", "--as", "chen"]).status == 0)

        let appraise = [
            "appraise", "telecom", "--appraisal", "uploads", "--period", "2024-Q3", "--now",
            "2024-10-08T09:00:00+08:00",
        ]
        let li = try run(appraise + ["--explain", "li"])
        #expect(li.status == 0, "\(li.stderr)")
        #expect(
            li.stdout.contains("  duty_uploads = 2  (counted from the files uploaded into duty_material)\n"),
            "\(li.stdout)")
        let chen = try run(appraise + ["--explain", "chen"])
        #expect(
            chen.stdout.contains("  duty_uploads = 0  (counted from the files uploaded into duty_material)\n"),
            "\(chen.stdout)")

        // A folder no file space has is a validator error with a suggestion; 'files' takes no 'person'.
        let rules = root.appendingPathComponent("Rules/telecom/uploads.yaml")
        let text = try String(contentsOf: rules, encoding: .utf8)
        try text.replacingOccurrences(of: "{files: duty_material}", with: "{files: duty_materials}")
            .write(to: rules, atomically: true, encoding: .utf8)
        let validate = ["validate", root.path + "/Workflows/telecom", root.path + "/Rules/telecom"]
        let unknown = try gridflow(validate, in: directory)
        #expect(unknown.status != 0)
        #expect(
            unknown.stdout.contains(
                "the query of fact 'duty_uploads' names unknown folder 'duty_materials'; did you mean 'duty_material'?"),
            "\(unknown.stdout)\(unknown.stderr)")
        let json = try gridflow(validate + ["--json"], in: directory)
        let diagnostics = try #require(
            (try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["diagnostics"]
                as? [[String: Any]])
        #expect(diagnostics.map { $0["code"] as? String } == ["unknown-folder"])
        try text.replacingOccurrences(of: "{files: duty_material}", with: "{files: duty_material, person: '[case.x]'}")
            .write(to: rules, atomically: true, encoding: .utf8)
        let both = try gridflow(validate, in: directory)
        #expect(both.status != 0)
        #expect(both.stdout.contains("takes only one of 'files', 'person'"), "\(both.stdout)\(both.stderr)")
        // A query of cases still says whom a case counts for.
        try text.replacingOccurrences(of: "{files: duty_material}", with: "{workflow: duty_feedback}")
            .write(to: rules, atomically: true, encoding: .utf8)
        let whom = try gridflow(validate, in: directory)
        #expect(whom.status != 0)
        #expect(
            whom.stdout.contains("the query of fact 'duty_uploads' does not say whom a case counts for"),
            "\(whom.stdout)\(whom.stderr)")
    }
}
