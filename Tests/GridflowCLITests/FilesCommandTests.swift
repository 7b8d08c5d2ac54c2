import Foundation
import Testing

/// `gridflow files may` on the telecom unit's shared file spaces, run as a user would: one space
/// per role group, the discipline office sharing into every space, its administrator keeping the
/// folders, and a file deleted or moved by its owner alone.
@Suite struct FilesCommandTests: Workspace {
    let directory: URL

    /// li and chen are team supervisors, wang a grid supervisor, sun holds no supervisor role,
    /// zhou is of the discipline committee office and ma its administrator.
    init() throws {
        directory = try Self.makeFolder("files")
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
                    AppraiseCommandTests.person("sun", "孙平", []),
                    office("zhou", "周敏", "discipline_committee_office"),
                    office("ma", "马丽", "discipline_office_administrator"),
                ].joined(separator: ",\n") + "]")
        let imported = try gf(["people", "import", "telecom", people])
        #expect(imported.status == 0, "\(imported.stderr)")
    }

    /// `files may telecom SPACE ACTION --as PERSON …`, expected to be allowed or denied; the
    /// line printed starts so.
    func may(_ space: String, _ action: String, _ person: String, owner: String? = nil) throws -> Run {
        try gf(["files", "may", "telecom", space, action, "--as", person] + (owner.map { ["--owner", $0] } ?? []))
    }

    func expectAllowed(
        _ space: String, _ action: String, _ person: String, owner: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let run = try may(space, action, person, owner: owner)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)", sourceLocation: sourceLocation)
        #expect(run.stdout.hasPrefix("allowed: \(person) may "), "\(run.stdout)", sourceLocation: sourceLocation)
    }

    func expectDenied(
        _ space: String, _ action: String, _ person: String, owner: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> String {
        let run = try may(space, action, person, owner: owner)
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)", sourceLocation: sourceLocation)
        #expect(run.stdout.hasPrefix("denied: \(person) may not "), "\(run.stdout)", sourceLocation: sourceLocation)
        return run.stdout
    }

    @Test func aMemberViewsAndUploadsInTheirOwnGroupsSpaceOnly() throws {
        for action in ["view", "download", "upload"] {
            try expectAllowed("team_supervisors", action, "li")
            try expectAllowed("grid_supervisors", action, "wang")
        }
        let allowed = try may("team_supervisors", "upload", "li")
        #expect(
            allowed.stdout
                == "allowed: li may upload files in space team_supervisors: they hold team_supervisor, the space's members\n"
        )
        // Another group's member, and someone of no group, see nothing of the space.
        let denied = try expectDenied("team_supervisors", "view", "wang")
        #expect(
            denied
                == "denied: wang may not view files in space team_supervisors: only holders of team_supervisor (the space's members), holders of discipline_committee_office (who share into every space) or holders of discipline_office_administrator (who maintain the folders) may; they hold employee, grid_supervisor\n"
        )
        _ = try expectDenied("grid_supervisors", "download", "li")
        let upload = try expectDenied("branch_discipline_members", "upload", "sun")
        #expect(upload.contains(", as they may not view it: only holders of branch_discipline_member"))
    }

    @Test func theDisciplineOfficeSharesIntoEverySpace() throws {
        for space in ["branch_discipline_members", "team_supervisors", "grid_supervisors"] {
            try expectAllowed(space, "view", "zhou")
            try expectAllowed(space, "upload", "zhou")
            // The administrator sees every space but shares into none: the office does.
            try expectAllowed(space, "view", "ma")
            _ = try expectDenied(space, "upload", "ma")
        }
        let run = try may("grid_supervisors", "upload", "zhou")
        #expect(run.stdout.contains("they hold discipline_committee_office, which shares into every space"))
    }

    @Test func onlyTheAdministratorManagesFolders() throws {
        for space in ["branch_discipline_members", "team_supervisors", "grid_supervisors"] {
            try expectAllowed(space, "manage_folders", "ma")
        }
        for person in ["li", "zhou"] {
            let denied = try expectDenied("team_supervisors", "manage_folders", person)
            #expect(denied.contains("only holders of discipline_office_administrator (who maintain the folders) may"))
        }
    }

    @Test func membersDeleteAndMoveTheirOwnFilesOnly() throws {
        for action in ["delete", "move"] {
            try expectAllowed("team_supervisors", action, "li", owner: "li")
            let other = try expectDenied("team_supervisors", action, "li", owner: "chen")
            #expect(
                other.hasSuffix(
                    "only who uploaded the file may; they hold employee, team_supervisor and the file is chen's\n"))
            // Not even the office deletes a supervisor's file.
            _ = try expectDenied("team_supervisors", action, "zhou", owner: "li")
        }
        // A file of theirs left in another group's space is out of their reach.
        _ = try expectDenied("grid_supervisors", "delete", "li", owner: "li")
    }

    @Test func theJSONCarriesTheDecision() throws {
        let run = try gf([
            "files", "may", "telecom", "grid_supervisors", "move", "--as", "wang", "--owner", "li", "--json",
        ])
        #expect(run.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["allowed"] as? Bool == false)
        #expect(object["space"] as? String == "grid_supervisors")
        #expect(object["file_space"] as? String == "supervisor_shared_files")
        #expect(object["action"] as? String == "move")
        #expect(object["person"] as? String == "wang")
        #expect(object["owner"] as? String == "li")
        #expect((object["reason"] as? String)?.contains("the file is li's") == true)
    }

    @Test func usageErrorsExitTwo() throws {
        let unknownSpace = try may("team_supervisor", "view", "li")
        #expect(unknownSpace.status == 2)
        #expect(
            unknownSpace.stderr.contains(
                "unit 'telecom' has no space 'team_supervisor'; did you mean 'team_supervisors'?"))
        let unknownAction = try may("team_supervisors", "remove", "li")
        #expect(unknownAction.status == 2)
        #expect(
            unknownAction.stderr.contains("ACTION must be one of view, download, upload, delete, move, manage_folders"))
        let noOwner = try may("team_supervisors", "delete", "li")
        #expect(noOwner.status == 2)
        #expect(noOwner.stderr.contains("name who uploaded the file with --owner"))
        let ownerOfUpload = try may("team_supervisors", "upload", "li", owner: "li")
        #expect(ownerOfUpload.status == 2)
        let nobody = try may("team_supervisors", "view", "nobody")
        #expect(nobody.status == 2)
        #expect(nobody.stderr.contains("no person 'nobody' in the directory of telecom"))
    }
}
