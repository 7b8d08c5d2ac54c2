import Foundation
import GridflowTestSupport
import Testing

/// The package's root folder, found from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The built `gridflow` binary, beside the test bundle (or `GRIDFLOW_BIN`).
let gridflowBinary: URL = {
    if let path = ProcessInfo.processInfo.environment["GRIDFLOW_BIN"] { return URL(fileURLWithPath: path) }
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
        "gridflow")
    if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
    return packageRoot.appendingPathComponent(".build/debug/gridflow")
}()

/// What a run of the binary printed and how it exited.
struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `gridflow` with `arguments` in `directory`, as a user would from a shell.
func gridflow(_ arguments: [String], in directory: URL = packageRoot, environment: [String: String] = [:]) throws
    -> Run
{
    let process = Process()
    process.executableURL = gridflowBinary
    process.arguments = arguments
    process.currentDirectoryURL = directory
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    return try runToEnd(process)
}

/// Runs a configured process to its end and returns what it printed.
func runToEnd(_ process: Process) throws -> Run {
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes before waiting so a large output cannot block the child.
    let group = DispatchGroup()
    nonisolated(unsafe) var errData = Data()
    group.enter()
    DispatchQueue.global().async {
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return Run(
        status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
}

/// Compares `actual` with the golden file at `path` (relative to the package root); with
/// `GRIDFLOW_UPDATE_GOLDEN=1` writes it instead.
func expectGolden(_ actual: String, _ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let url = packageRoot.appendingPathComponent(path)
    if ProcessInfo.processInfo.environment["GRIDFLOW_UPDATE_GOLDEN"] == "1" {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try actual.write(to: url, atomically: true, encoding: .utf8)
        return
    }
    let expected = try? String(contentsOf: url, encoding: .utf8)
    #expect(
        expected != nil, "missing golden file \(path); run with GRIDFLOW_UPDATE_GOLDEN=1",
        sourceLocation: sourceLocation)
    #expect(actual == expected, "output differs from \(path)", sourceLocation: sourceLocation)
}

/// Every `*.yaml` under a folder of the package, relative to that folder, sorted.
func yamlFiles(under folder: String) -> [String] {
    let base = packageRoot.appendingPathComponent(folder).path
    let enumerator = FileManager.default.enumerator(atPath: base)
    var files: [String] = []
    while let path = enumerator?.nextObject() as? String {
        if path.hasSuffix(".yaml") { files.append(path) }
    }
    return files.sorted()
}

/// A suite that runs `gridflow` as a user would, in a fresh folder of its own, on the shipped
/// definitions.
protocol Workspace {
    var directory: URL { get }
}

extension Workspace {
    /// A new empty folder under the temporary directory, removed when the tests are done.
    static func makeFolder(_ prefix: String) throws -> URL {
        let url = TemporaryFiles.path("gridflow-\(prefix)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs `gridflow` in the folder with the package's definitions.
    func gf(_ arguments: [String]) throws -> Run {
        try gridflow(arguments + ["--root", packageRoot.path], in: directory)
    }

    /// Writes a file into the folder and returns its path.
    func write(_ name: String, _ text: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// A copy of a shipped unit and its group base in the folder `name` of the workspace, with
    /// its scenarios and demo, for a test to edit.
    func copyOfUnit(_ unit: String, in name: String = "root") throws -> URL {
        let root = directory.appendingPathComponent(name)
        for folder in ["Workflows/group", "Workflows/\(unit)", "Rules/\(unit)"] {
            let target = root.appendingPathComponent(folder)
            try FileManager.default.createDirectory(
                at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: packageRoot.appendingPathComponent(folder), to: target)
        }
        return root
    }

    /// A copy of the tour unit (it extends no base) in the folder `root` of the workspace, and its
    /// directory — wang an employee, li of the discipline office — written as `people.json`:
    /// returns the copy's root and the directory's path.
    static func copyOfTour(in directory: URL) throws -> (root: URL, people: String) {
        let root = directory.appendingPathComponent("root")
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("Workflows"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: packageRoot.appendingPathComponent("Workflows/tour"),
            to: root.appendingPathComponent("Workflows/tour"))
        let people = directory.appendingPathComponent("people.json")
        try
            #"[{"id": "wang", "name": "王", "roles": ["employee"]}, {"id": "li", "name": "李", "roles": ["discipline_staff"]}]"#
            .write(to: people, atomically: true, encoding: .utf8)
        return (root, people.path)
    }

    /// A copy of the telecom unit and its group base in the folder, for a test to add an
    /// appraisal to; without the demo and the scenarios, which appraise without naming which of
    /// two appraisals.
    func copyOfTelecom() throws -> URL {
        let root = try copyOfUnit("telecom")
        try FileManager.default.removeItem(at: root.appendingPathComponent("Workflows/telecom/demo.yaml"))
        try FileManager.default.removeItem(at: root.appendingPathComponent("Workflows/telecom/tests"))
        return root
    }

    /// The oilfield directory of the command-line tests: wang reports, zhang (and c0…c5, zhao of
    /// another station) classify, li handles for hr, he works in the discipline office; all of
    /// the oil production plant.
    static var oilfieldPeople: String {
        packageRoot.appendingPathComponent("Tests/Fixtures/people/oilfield.json").path
    }

    /// Imports `oilfieldPeople` into the folder's store (`--db` and more in `extra`), which
    /// creates the store if it is new: nobody acts without a directory.
    func importOilfieldPeople(_ extra: [String] = []) throws {
        let run = try gf(["people", "import", "oilfield", Self.oilfieldPeople] + extra)
        #expect(run.status == 0, "\(run.stderr)")
    }

    /// The oilfield person fields every directory entry of the privacy tests has.
    static var oilfieldPerson: String {
        #""party_member": true, "branch_committee_member": false, "leadership_member": false, "key_post": "none", "party_rep": false, "worker_rep": true, "union_rep": false, "frontline_familiar": true, "performance": {}, "team": "opp_area_1_station_1""#
    }

    /// Writes an oilfield directory — whistle-7Q (举报人甲乙) an employee, zhang of the plant's
    /// discipline committee, li a finance handler — and a real-name report by whistle-7Q.
    func writeWhistleblowerFiles() throws -> (people: String, report: String) {
        let people = try write(
            "people.json",
            "["
                + [
                    ("whistle-7Q", "举报人甲乙", "employee", "production"),
                    ("zhang", "张", "plant_discipline_committee", "discipline_committee"),
                    ("li", "李", "department_handler", "finance"),
                ].map {
                    #"{"id": "\#($0.0)", "name": "\#($0.1)", "roles": ["\#($0.2)"], "department": "\#($0.3)", "#
                        + Self.oilfieldPerson + "}"
                }
                .joined(separator: ", ") + "]")
        let report = try write(
            "report.json",
            #"{"channel": "qr_code", "description": "x", "team": "opp_area_1_station_1", "reporter": {"id": "whistle-7Q"}}"#
        )
        return (people, report)
    }
}

/// One HTTP exchange over a socket of its own on loopback: sends `request` (which should say
/// `Connection: close`) and returns everything the server wrote until it closed.
func loopbackExchange(port: Int, _ request: String) throws -> String {
    String(decoding: try loopbackExchange(port: port, bytes: Array(request.utf8)), as: UTF8.self)
}

/// `loopbackExchange` with the request's bytes as they are. With `earlyAnswer`, a server that
/// stops reading (answering 413 before the body is in) ends the sending, not the exchange.
func loopbackExchange(port: Int, bytes: [UInt8], earlyAnswer: Bool = false) throws -> [UInt8] {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { throw POSIXError(.EIO) }
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    var sent = 0
    while sent < bytes.count {
        let n = bytes[sent...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard n > 0 else {
            if earlyAnswer { break }
            throw POSIXError(.EPIPE)
        }
        sent += n
    }
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = recv(socket, &buffer, buffer.count, 0)
        guard n > 0 else { break }
        received += buffer[..<n]
    }
    return received
}
