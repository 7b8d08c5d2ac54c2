import Foundation
import GRDB
import Testing

/// How commands open the store named by `--db`: a read command never creates one, a write
/// command says when it does, and every failure names the file and its real cause and leaves
/// the folder as it was.
@Suite struct StoreCommandTests: Workspace {
    let directory: URL

    init() throws {
        directory = try Self.makeFolder("store")
    }

    /// The names in the folder (or a folder in it), sorted.
    func files(_ folder: String = "") throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent(folder).path).sorted()
    }

    static let openIssue = [
        "case", "open", "oilfield/issue", "--set", "team=opp_area_1_station_1", "--as", "wang", "--role", "employee",
        "--set", "channel=qr_code", "--set",
        "description=x",
    ]

    /// The write command that creates a store: nobody acts before the unit's people are imported.
    static let importPeople = ["people", "import", "oilfield", oilfieldPeople]

    static let readCommands: [[String]] = [
        ["case", "list"], ["case", "show", "oilfield-issue-1"],
        ["case", "act", "oilfield-issue-1", "claim", "--as", "li"],
        ["report", "oilfield", "--report", "supervision_bulletin", "--period", "2024-Q3"], ["incident", "list"],
        ["incident", "retry", "1"],
        ["people", "list", "oilfield"], ["coverage", "oilfield"], ["appraise", "telecom", "--period", "2024-Q3"],
        ["tick"],
    ]

    @Test func aReadCommandOnAMissingStoreFailsAndCreatesNothing() throws {
        // Opening a case needs the directory, so it too needs a store that exists.
        for command in Self.readCommands + [Self.openIssue] {
            let run = try gf(command + ["--db", "typo.sqlite"])
            #expect(run.status == 2, "\(command)")
            #expect(
                run.stderr
                    == "gridflow: error: no store at typo.sqlite (create one by importing the unit's people with 'gridflow people import UNIT FILE.json', or name an existing one with --db)\n",
                "\(command)")
            #expect(run.stdout == "", "\(command)")
        }
        #expect(try files() == [])
    }

    @Test func writeCommandsSayWhenTheyCreateAStore() throws {
        let first = try gf(Self.importPeople + ["--db", "cases.sqlite"])
        #expect(first.status == 0)
        #expect(first.stderr == "created store cases.sqlite\n")
        for round in 0..<2 {
            let opened = try gf(Self.openIssue + ["--db", "cases.sqlite"])
            #expect(opened.status == 0)
            // The first case deploys the unit's definitions into the store, and says so.
            if round == 0 {
                #expect(opened.stderr.hasPrefix("deployed oilfield version "), "\(opened.stderr)")
                #expect(opened.stderr.hasSuffix(" as deployment 1: cases.sqlite had no deployment of it\n"))
            } else {
                #expect(opened.stderr == "")
            }
        }
        let people = try write("people.json", "[]")
        let imported = try gf(["people", "import", "oilfield", people, "--db", "people.sqlite"])
        #expect(imported.stderr == "created store people.sqlite\n")
        #expect(try files() == ["cases.sqlite", "people.json", "people.sqlite"])
        let listed = try gf(["case", "list", "--db", "cases.sqlite"])
        #expect(listed.stdout.hasSuffix("2 cases\n"))
    }

    @Test func aTextFileAndAForeignDatabaseAreRefusedAndLeftAlone() throws {
        _ = try write("notes.txt", "a shopping list\n")
        let queue = try DatabaseQueue(path: directory.appendingPathComponent("other.db").path)
        try queue.writeWithoutTransaction { db in
            _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "CREATE TABLE notes (x)")
        }
        try queue.close()
        let before = try Data(contentsOf: directory.appendingPathComponent("other.db"))
        for command in Self.readCommands + [Self.openIssue] {
            let text = try gf(command + ["--db", "notes.txt"])
            #expect(text.status == 2)
            #expect(text.stderr == "gridflow: error: notes.txt is not a Gridflow store (not an SQLite database)\n")
            let foreign = try gf(command + ["--db", "other.db"])
            #expect(foreign.status == 2)
            #expect(
                foreign.stderr
                    == "gridflow: error: other.db is an SQLite database of another application, not a Gridflow store\n")
        }
        #expect(
            try String(contentsOf: directory.appendingPathComponent("notes.txt"), encoding: .utf8)
                == "a shopping list\n")
        #expect(try Data(contentsOf: directory.appendingPathComponent("other.db")) == before)
        #expect(try files() == ["notes.txt", "other.db"])
        let nowhere = try gf(Self.importPeople + ["--db", "nowhere/cases.sqlite"])
        #expect(
            nowhere.stderr == "gridflow: error: cannot create nowhere/cases.sqlite: the folder nowhere does not exist\n"
        )
    }

    /// Another process holds the store locked (in exclusive locking mode, as SQLite is during a
    /// recovery or a change of journal mode) while read commands check it: they wait for it, and
    /// never call the store foreign.
    @Test func aStoreLockedByAnotherProcessIsWaitedFor() throws {
        #expect(try gf(Self.importPeople).status == 0)
        #expect(try gf(Self.openIssue).status == 0)
        let holder = try DatabaseQueue(path: directory.appendingPathComponent("gridflow.sqlite").path)
        let locked = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        Thread {
            try? holder.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA locking_mode = EXCLUSIVE")
                try db.execute(sql: "BEGIN EXCLUSIVE")
                try db.execute(sql: "UPDATE gridflow_meta SET value = value")
                locked.signal()
                release.wait()
                try db.execute(sql: "COMMIT")
                try db.execute(sql: "PRAGMA locking_mode = NORMAL")
                _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM gridflow_meta")
            }
        }.start()
        locked.wait()
        DispatchQueue.global().asyncAfter(deadline: .now() + 1.5) { release.signal() }
        let started = Date()
        let list = try gf(["case", "list"])
        #expect(Date().timeIntervalSince(started) >= 1, "the lock was held while it ran")
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.hasSuffix("1 case\n"))
        try holder.close()
    }

    /// Processes create a store and read it at once, several rounds: one of them creates it, the
    /// others open it, and no reader takes a store being created for a foreign file.
    @Test func racingProcessesNeverMistakeAStoreForAForeignFile() throws {
        for round in 0..<3 {
            let db = "race-\(round).sqlite"
            var processes: [(Process, Pipe, Bool)] = []
            for index in 0..<8 {
                let process = Process()
                process.executableURL = gridflowBinary
                let writes = index % 2 == 0
                process.arguments =
                    (writes ? Self.importPeople : ["case", "list"]) + ["--db", db, "--root", packageRoot.path]
                process.currentDirectoryURL = directory
                let errors = Pipe()
                process.standardOutput = FileHandle.nullDevice
                process.standardError = errors
                processes.append((process, errors, writes))
            }
            for (process, _, _) in processes { try process.run() }
            var created = 0
            for (process, errors, writes) in processes {
                let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                #expect(!text.contains("not a Gridflow store") && !text.contains("not an SQLite"), "\(text)")
                if writes {
                    #expect(process.terminationStatus == 0, "\(text)")
                    if text == "created store \(db)\n" { created += 1 } else { #expect(text == "", "\(text)") }
                } else {
                    // Before the store exists a reader finds none; after, it reads it.
                    #expect(process.terminationStatus == 0 || text.hasPrefix("gridflow: error: no store at"), "\(text)")
                }
            }
            #expect(created == 1)
            #expect(try gf(["people", "list", "oilfield", "--db", db]).stdout.hasSuffix("11 people\n"))
        }
        let left = try files()
        #expect(left == ["race-0.sqlite", "race-1.sqlite", "race-2.sqlite"], "\(left)")
    }

    /// Whether `chattr +i` works here: an immutable file or folder may not be written even by
    /// root, who runs these tests and whom permission bits do not stop.
    static let immutableFilesWork: Bool = {
        let probe = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gridflow-chattr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: probe.path, contents: Data())
        defer { try? FileManager.default.removeItem(at: probe) }
        guard (try? chattr("+i", probe.path)) == true else { return false }
        _ = try? chattr("-i", probe.path)
        return true
    }()

    @discardableResult
    static func chattr(_ flag: String, _ path: String) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["chattr", flag, path]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    @Test(.enabled(if: immutableFilesWork, "needs chattr +i (ext2/3/4 and the right to use it)"))
    func aReadOnlyFileOrFolderIsNamedAndLeftAsItWas() throws {
        #expect(try gf(Self.importPeople + ["--db", "kept.sqlite"]).status == 0)
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("locked"), withIntermediateDirectories: false)
        #expect(try gf(Self.importPeople + ["--db", "locked/kept.sqlite"]).status == 0)
        let file = directory.appendingPathComponent("kept.sqlite").path
        let folder = directory.appendingPathComponent("locked").path
        try Self.chattr("+i", file)
        try Self.chattr("+i", folder)
        defer {
            _ = try? Self.chattr("-i", file)
            _ = try? Self.chattr("-i", folder)
        }
        for command in [["case", "list"], Self.openIssue] {
            let run = try gf(command + ["--db", "kept.sqlite"])
            #expect(run.status == 2)
            #expect(run.stderr == "gridflow: error: kept.sqlite is read-only: the file may not be written\n")
            let inFolder = try gf(command + ["--db", "locked/kept.sqlite"])
            #expect(inFolder.status == 2)
            #expect(
                inFolder.stderr
                    == "gridflow: error: locked/kept.sqlite is read-only: its folder locked is read-only, and SQLite creates kept.sqlite-wal and kept.sqlite-shm there\n"
            )
        }
        let new = try gf(Self.importPeople + ["--db", "locked/new.sqlite"])
        #expect(new.stderr == "gridflow: error: cannot create locked/new.sqlite: its folder locked is read-only\n")
        #expect(try files() == ["kept.sqlite", "locked"])
        #expect(try files("locked") == ["kept.sqlite"])
    }

    /// Runs `script` with `sh` in a mount namespace of its own (so a mount made there goes when
    /// it ends); `nil` when that is not allowed here.
    func inMountNamespace(_ script: String) throws -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["unshare", "-m", "sh", "-c", script, "sh", gridflowBinary.path, packageRoot.path]
        process.currentDirectoryURL = directory
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return process.terminationStatus == 0 ? text : nil
    }

    /// A store on a full disk (a 1 MB tmpfs, filled): reading and writing an existing store and
    /// creating a new one each say the disk is full and leave no file behind.
    @Test func aFullDiskIsNamedAndLeavesNoFilesBehind() throws {
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("disk"), withIntermediateDirectories: false)
        let body = """
            mount -t tmpfs -o size=1m tmpfs disk 2>/dev/null || { echo "no tmpfs"; exit 0; }
            cd disk
            gf=$1; root=$2
            run() {
                label=$1; shift
                message=$("$gf" "$@" --root "$root" 2>&1 >/dev/null); status=$?
                echo "$label: $message (exit $status)"
                echo "  files: $(ls -A | tr '\\n' ' ')"
            }
            run create \(Self.importPeople.joined(separator: " ")) --db s.sqlite
            dd if=/dev/zero of=filler bs=4k 2>/dev/null
            run list case list --db s.sqlite
            run open \(Self.openIssue.joined(separator: " ")) --db s.sqlite
            run new \(Self.importPeople.joined(separator: " ")) --db n.sqlite
            """
        let transcript = try #require(try inMountNamespace(body), "unshare -m is not allowed here")
        guard transcript != "no tmpfs\n" else {
            // No mounting here: the mapping of SQLITE_FULL is tested in StoreOpeningTests.
            return
        }
        #expect(
            transcript == """
                create: created store s.sqlite (exit 0)
                  files: s.sqlite 
                list: gridflow: error: s.sqlite cannot be written: the disk is full (exit 2)
                  files: filler s.sqlite 
                open: gridflow: error: s.sqlite cannot be written: the disk is full (exit 2)
                  files: filler s.sqlite 
                new: gridflow: error: cannot create n.sqlite: the disk is full (exit 2)
                  files: filler s.sqlite 

                """)
    }
}
