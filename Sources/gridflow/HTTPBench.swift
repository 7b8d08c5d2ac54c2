import ArgumentParser
import Foundation
import GridflowExpressions
import GridflowRuntime
import GridflowStore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `gridflow bench http`: the telecom selection through the daemon's HTTP API — `gridflow serve`
/// run as a child process over a fresh store, driven by keep-alive connections with a token per
/// reviewer — beside the in-process rate of `bench workflow` in the same run.
struct HTTPBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http",
        abstract: "Durable events/s and p50/p99 latency through the daemon's HTTP API, beside the in-process rate.",
        discussion: """
            Starts 'gridflow serve' (this binary) on 127.0.0.1 over a fresh temporary store holding \
            the telecom unit, its reviewers and a token for each; --connections clients, each on a \
            keep-alive connection of its own, take their share of the cases through the seven-step \
            selection (an open and seven events per case, each answered only after its step \
            committed). Then 'bench workflow' runs the same cases in process, with as many tasks. \
            Build with -c release.
            """)

    @Option(help: "Cases per run.") var cases = 400
    @Option(help: "Keep-alive connections, each a client taking its share of the cases.") var connections = 64
    @Option(help: "The folder holding Workflows/ and Rules/.") var root: String = "."
    @Option(help: "Write the daemon's log (JSON lines) to this file (default: it is written to /dev/null).")
    var log: String?
    @Flag(help: "Measure only the HTTP rate, not the in-process one beside it.") var httpOnly = false
    @Flag(help: "Print the figures as JSON.") var json = false

    func validate() throws {
        guard cases > 0 else { throw ValidationError("--cases must be positive") }
        guard (1...512).contains(connections) else { throw ValidationError("--connections takes 1 to 512") }
    }

    func run() throws {
        let options = try StoreOptions.parse(["--root", root])
        var figures: [String: Value] = [:]
        let http = try measureHTTP(options)
        figures["http_events_per_second"] = .number(Number(Int(http.rate)))
        figures["http_p50_milliseconds"] = .number(Number(String(format: "%.2f", http.p50))!)
        figures["http_p99_milliseconds"] = .number(Number(String(format: "%.2f", http.p99))!)
        figures["http_events"] = .number(Number(http.events))
        figures["daemon_cpu_microseconds_per_event"] = .number(Number(Int(http.daemonCPU * 1e6 / Double(http.events))))
        figures["client_cpu_microseconds_per_event"] = .number(Number(Int(http.clientCPU * 1e6 / Double(http.events))))
        if !json {
            FileHandleOutput.standardOutput(
                String(
                    format:
                        "HTTP (gridflow serve, %d keep-alive connections): %d cases, %d durable events in %.2f s: %.0f events/s; latency p50 %.2f ms, p99 %.2f ms\n",
                    min(connections, cases), cases, http.events, http.elapsed, http.rate, http.p50, http.p99))
            FileHandleOutput.standardOutput(
                String(
                    format: "  CPU time: %.1f µs per event in the daemon, %.1f µs per event in the clients\n",
                    http.daemonCPU * 1e6 / Double(http.events), http.clientCPU * 1e6 / Double(http.events)))
        }
        if !httpOnly {
            let inProcess = try measureInProcess(options)
            let ratio = http.rate / inProcess.rate
            figures["in_process_events_per_second"] = .number(Number(Int(inProcess.rate)))
            figures["ratio"] = .number(Number(String(format: "%.2f", ratio))!)
            if !json {
                FileHandleOutput.standardOutput(
                    String(
                        format:
                            "in process (bench workflow, %d tasks, synchronous=FULL): %d events in %.2f s: %.0f events/s\n",
                        min(connections, cases), inProcess.events, inProcess.elapsed, inProcess.rate))
                FileHandleOutput.standardOutput(
                    String(format: "ratio HTTP / in process: %.2f (the goal: at least 0.50)\n", ratio))
            }
        }
        if json { FileHandleOutput.standardOutput(ValueJSON.encode(figures) + "\n") }
    }

    /// The reviewers of the seven steps (and the opener), each a person of the directory with
    /// the one role, and the candidate.
    static var reviewers: [String] { Array(Set(WorkflowBench.steps.map(\.role))).sorted() }

    /// The role the selection's last step notifies: a unit that runs has someone in it, so its
    /// notifications reach a person rather than each record an incident.
    static let notified = "discipline_secretary"

    /// A fresh store at `path` with telecom deployed and its bench people imported; the engine on it.
    static func prepare(path: String, options: StoreOptions) throws -> (SQLiteCaseStore, Engine) {
        var options = options
        options.db = path
        let store = try storeRun { () throws(StoreError) in try SQLiteCaseStore(path: path, durability: .full) }
        let engine = try options.engine(unit: "telecom", store: store)
        let people =
            [
                StoredPerson(
                    id: "bench", roles: [], recordJSON: ValueJSON.encode(WorkflowBench.candidate(engine.program)))
            ]
            + (reviewers + [Self.notified]).map { role in
                StoredPerson(
                    id: role, roles: [role],
                    recordJSON: ValueJSON.encode(WorkflowBench.candidate(engine.program, id: role, roles: [role])))
            }
        try storeRun { () throws(StoreError) in try store.importPeople(unit: "telecom", people, replacing: true) }
        return (store, engine)
    }

    /// What the client threads collect.
    final class Collected: Sendable {
        let latencies = Mutex<[Double]>([])
        let failures = Mutex<[String]>([])
    }

    struct Figures {
        var events: Int
        var elapsed: Double
        var rate: Double { Double(events) / elapsed }
        var p50 = 0.0
        var p99 = 0.0
        var daemonCPU = 0.0
        var clientCPU = 0.0
    }

    func measureHTTP(_ options: StoreOptions) throws -> Figures {
        let path = temporaryStorePath("http")
        defer { removeStoreFiles(path) }
        let tokens: [String: String]
        do {
            let (store, _) = try Self.prepare(path: path, options: options)
            var issued: [String: String] = [:]
            for person in Self.reviewers {
                let token = TokenAuthority.issue(
                    unit: "telecom", person: person, admin: false, label: "bench", at: Instant.current, expiresAt: nil)
                try storeRun { () throws(StoreError) in try store.saveToken(token.token) }
                issued[person] = token.secret
            }
            tokens = issued
        }
        let daemon = try ChildDaemon(store: path, log: log)
        defer { _ = try? daemon.stop() }
        // One case first, so that the daemon has compiled the unit before the clock starts.
        var discarded: [Double] = []
        try Self.selection(on: try BenchConnection(port: daemon.port), tokens: tokens, latencies: &discarded)

        let cpuBefore = WorkflowBench.processCPUSeconds()
        var figures = try Self.drive(
            ports: [daemon.port], cases: cases, clients: min(connections, cases), tokens: tokens, name: "bench http")
        let clientCPU = WorkflowBench.processCPUSeconds() - cpuBefore
        let daemonCPU = try daemon.stop()
        figures.daemonCPU = daemonCPU
        figures.clientCPU = clientCPU
        return figures
    }

    /// Takes `cases` cases through the selection over `clients` keep-alive connections, each a
    /// thread of its own, spread over the daemons at `ports`: the events, how long they took, and
    /// p50/p99 of their latency. A client's failure is thrown.
    static func drive(ports: [Int], cases: Int, clients: Int, tokens: [String: String], name: String) throws
        -> Figures
    {
        let collected = Collected()
        let clock = ContinuousClock()
        let began = clock.now
        let done = DispatchGroup()
        for client in 0..<clients {
            let share = cases / clients + (client < cases % clients ? 1 : 0)
            done.enter()
            let thread = Thread {
                var own: [Double] = []
                own.reserveCapacity(share * 8)
                do {
                    let connection = try BenchConnection(port: ports[client % ports.count])
                    for _ in 0..<share { try selection(on: connection, tokens: tokens, latencies: &own) }
                } catch { collected.failures.withLock { $0.append("\(error)") } }
                collected.latencies.withLock { $0 += own }
                done.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        done.wait()
        let elapsed = (clock.now - began).inSeconds
        if let failure = collected.failures.withLock({ $0.first }) {
            throw CommandError(message: "\(name): \(failure)")
        }
        let sorted = collected.latencies.withLock { $0 }.sorted()
        var figures = Figures(events: sorted.count, elapsed: elapsed)
        figures.p50 = sorted[sorted.count / 2] * 1000
        figures.p99 = sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))] * 1000
        return figures
    }

    /// The fields that open a bench case (`WorkflowBench.opening`), as a client sends them.
    static let openingJSON =
        #"{"position_role": "grid_supervisor", "candidate": "@bench", "team": "haicheng_central_grid", "selection_year": 2024}"#

    /// One case through the selection over `connection`: the opening (by the selecting unit) and
    /// the seven approvals, each by the token of the role that gives it. Appends each request's
    /// seconds to `latencies`.
    static func selection(on connection: BenchConnection, tokens: [String: String], latencies: inout [Double]) throws {
        let clock = ContinuousClock()
        var started = clock.now
        let open = try connection.post(
            "/v1/units/telecom/cases", token: tokens["selecting_unit"] ?? "",
            body: #"{"workflow": "selection", "fields": \#(openingJSON)}"#)
        guard open.status == 201, let id = (try? JSONReader.read(open.body))?["id"]?.string else {
            throw CommandError(
                message: "the opening was answered \(open.status): \(String(decoding: open.body, as: UTF8.self))")
        }
        latencies.append((clock.now - started).inSeconds)
        for (event, role, input) in WorkflowBench.steps {
            started = clock.now
            let answer = try connection.post(
                "/v1/cases/\(id)/events/\(event)", token: tokens[role] ?? "",
                body: "{\"fields\": " + ValueJSON.encode(input) + "}")
            guard answer.status == 200 else {
                throw CommandError(
                    message:
                        "\(event) by \(role) on \(id) was answered \(answer.status): \(String(decoding: answer.body, as: UTF8.self))"
                )
            }
            latencies.append((clock.now - started).inSeconds)
        }
    }

    func measureInProcess(_ options: StoreOptions) throws -> Figures {
        let path = temporaryStorePath("bench")
        defer { removeStoreFiles(path) }
        let (_, engine) = try Self.prepare(path: path, options: options)
        let bench = try WorkflowBench.parse([
            "--cases", "\(cases)", "--clients", "\(min(connections, cases))", "--root", root,
        ])
        let (elapsed, transitions) = try bench.drive(engine, count: cases)
        return Figures(events: transitions, elapsed: elapsed)
    }
}

/// `gridflow serve` (this binary) as a child process on a free port of 127.0.0.1.
final class ChildDaemon {
    let process = Process()
    let port: Int

    init(store: String, log: String?) throws {
        guard let binary = Bundle.main.executableURL else {
            throw CommandError(message: "bench http: cannot find this binary to start 'gridflow serve'")
        }
        process.executableURL = binary
        process.arguments = ["serve", "--db", store, "--listen", "127.0.0.1:0"]
        let output = Pipe()
        process.standardOutput = output
        if let log {
            guard FileManager.default.createFile(atPath: log, contents: nil),
                let handle = FileHandle(forWritingAtPath: log)
            else { throw CommandError(message: "bench http: cannot write \(log)") }
            process.standardError = handle
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        // The first line names the port: "gridflow serve: listening on http://127.0.0.1:PORT (…)".
        var line = ""
        let handle = output.fileHandleForReading
        while !line.contains("\n") {
            let data = handle.availableData
            guard !data.isEmpty else { break }
            line += String(decoding: data, as: UTF8.self)
        }
        guard let found = line.range(of: "http://127.0.0.1:"),
            let port = Int(line[found.upperBound...].prefix { $0.isNumber })
        else {
            if process.isRunning { process.terminate() }
            throw CommandError(message: "bench http: the daemon did not start: \(line)")
        }
        self.port = port
    }

    /// Stops the daemon gracefully (SIGTERM); returns the CPU seconds it used. A stop that is
    /// not a clean exit is an error.
    @discardableResult
    func stop() throws -> Double {
        guard process.isRunning else { return 0 }
        let before = Self.childrenCPUSeconds()
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw CommandError(message: "bench http: the daemon did not stop cleanly (\(process.terminationStatus))")
        }
        return Self.childrenCPUSeconds() - before
    }

    /// User and system CPU time of the waited-for children so far.
    static func childrenCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
            + Double(usage.ru_stime.tv_usec) / 1e6
    }
}

/// A keep-alive HTTP/1.1 connection over a plain blocking socket: one request at a time, each
/// answer read to the end of its `Content-Length`.
final class BenchConnection {
    let socket: Int32
    private var buffer: [UInt8] = []
    private var chunk = [UInt8](repeating: 0, count: 65536)

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "no socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(socket)
            throw Failure(description: "cannot connect to 127.0.0.1:\(port): errno \(errno)")
        }
        var one: Int32 = 1
        setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(socket) }

    /// POSTs `body` as JSON with the bearer `token`; the status and the body of the answer.
    func post(_ path: String, token: String, body: String) throws -> (status: Int, body: [UInt8]) {
        try exchange(
            Array(
                ("POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n"
                    + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)").utf8))
    }

    /// GETs `path` with the bearer `token`; the status and the body of the answer.
    func get(_ path: String, token: String) throws -> (status: Int, body: [UInt8]) {
        try exchange(Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n\r\n".utf8))
    }

    /// Sends one request and reads its answer to the end of its `Content-Length`.
    private func exchange(_ request: [UInt8]) throws -> (status: Int, body: [UInt8]) {
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "the daemon closed the connection (send)") }
            sent += n
        }
        var headEnd: Int?
        while true {
            if headEnd == nil { headEnd = Self.find(Array("\r\n\r\n".utf8), in: buffer) }
            if let end = headEnd {
                let head = String(decoding: buffer[..<end], as: UTF8.self)
                guard head.hasPrefix("HTTP/1.1 "), let status = Int(head.dropFirst(9).prefix(3)) else {
                    throw Failure(description: "not an HTTP answer: \(head.prefix(80))")
                }
                var length = 0
                for line in head.split(separator: "\r\n") {
                    let parts = line.split(separator: ":", maxSplits: 1)
                    if parts.count == 2, parts[0].lowercased() == "content-length" {
                        length = Int(parts[1].trimmingCharacters(in: .whitespaces)) ?? 0
                    }
                }
                let total = end + 4 + length
                if buffer.count >= total {
                    let body = Array(buffer[(end + 4)..<total])
                    buffer.removeFirst(total)
                    return (status, body)
                }
            }
            let n = recv(socket, &chunk, chunk.count, 0)
            guard n > 0 else { throw Failure(description: "the daemon closed the connection before answering") }
            buffer += chunk[..<n]
        }
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return start }
        }
        return nil
    }
}
