import ArgumentParser
import Foundation
import GridflowExpressions
import GridflowRuntime
import GridflowServer
import GridflowStore
import Logging
import Synchronization

/// `gridflow serve`: the engine daemon over a store.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the engine daemon: the HTTP API, timers and the outbox, over a store.",
        discussion: """
            Serves the store's deployed units (deploy them first with 'gridflow deploy'): the HTTP \
            API (docs/daemon.md) for callers with a token ('gridflow token issue'), due timers fired \
            on time and effects performed as they come, each once. SIGTERM or SIGINT stops it \
            gracefully: no new work, requests in flight finished; the exit is 0. Logs are JSON \
            lines on standard error; standard output says where it listens. The options default to \
            the environment variables GRIDFLOW_DB, GRIDFLOW_LISTEN, GRIDFLOW_MAX_FILE_SIZE, \
            GRIDFLOW_MAX_PHOTO_SIZE, GRIDFLOW_MAX_PHOTOS, GRIDFLOW_REPORT_RATE and \
            GRIDFLOW_CLAIM_SECONDS.
            """)

    @Option(
        help: "The store: a SQLite file or a postgres:// URL (default: $GRIDFLOW_DB, else gridflow.sqlite).")
    var db: String?
    @Option(help: "HOST:PORT to listen on (default: $GRIDFLOW_LISTEN, else 127.0.0.1:8080; port 0 picks a free one).")
    var listen: String?
    @Option(
        help: """
            The largest file the shared file spaces take: bytes, or KB or MB (default: \
            $GRIDFLOW_MAX_FILE_SIZE, else 20MB).
            """)
    var maxFileSize: String?
    @Option(
        help: """
            The largest photo a report form takes: bytes, or KB or MB (default: \
            $GRIDFLOW_MAX_PHOTO_SIZE, else 10MB).
            """)
    var maxPhotoSize: String?
    @Option(help: "The most photos one report takes (default: $GRIDFLOW_MAX_PHOTOS, else 5).")
    var maxPhotos: Int?
    @Option(
        help: """
            How many reports the public form takes from one client address: N/min, N/hour, or off \
            (default: $GRIDFLOW_REPORT_RATE, else 10/min); more get 429.
            """)
    var reportRate: String?
    @Option(
        help: """
            Seconds a claim on a timer or effect holds: daemons sharing a store take over the work \
            of one that died once its claims run out (default: $GRIDFLOW_CLAIM_SECONDS, else 60).
            """)
    var claimSeconds: Int?

    static func claimSeconds(_ text: String, from origin: String) throws -> Int {
        guard let seconds = Int(text), (1...86_400).contains(seconds) else {
            throw ValidationError("\(origin) takes a number of seconds from 1 to 86400, not '\(text)'")
        }
        return seconds
    }

    static func fileSize(_ text: String, from origin: String) throws -> Int {
        guard let size = FileContent.parseSize(text) else {
            throw ValidationError(
                "\(origin) takes a size such as 20MB, 512KB or 1000 (bytes, at most 1024MB), not '\(text)'")
        }
        return size
    }

    static func photoCount(_ text: String, from origin: String) throws -> Int {
        guard let count = Int(text), (1...100).contains(count) else {
            throw ValidationError("\(origin) takes a number of photos from 1 to 100, not '\(text)'")
        }
        return count
    }

    static func reportRate(_ text: String, from origin: String) throws -> ReportRate? {
        guard let rate = ReportRate.parse(text) else {
            throw ValidationError("\(origin) takes a rate such as 10/min or 100/hour, or off, not '\(text)'")
        }
        return rate
    }

    static func address(_ text: String) throws -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port), colon != text.startIndex
        else { throw ValidationError("--listen takes HOST:PORT, such as 127.0.0.1:8080, not '\(text)'") }
        return (String(text[..<colon]), port)
    }

    func validate() throws {
        if let listen { _ = try Self.address(listen) }
        if let maxFileSize { _ = try Self.fileSize(maxFileSize, from: "--max-file-size") }
        if let maxPhotoSize { _ = try Self.fileSize(maxPhotoSize, from: "--max-photo-size") }
        if let maxPhotos { _ = try Self.photoCount(String(maxPhotos), from: "--max-photos") }
        if let reportRate { _ = try Self.reportRate(reportRate, from: "--report-rate") }
        if let claimSeconds { _ = try Self.claimSeconds(String(claimSeconds), from: "--claim-seconds") }
    }

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let (host, port) = try Self.address(listen ?? environment["GRIDFLOW_LISTEN"] ?? "127.0.0.1:8080")
        let store = try StoreOptions.parse(db.map { ["--db", $0] } ?? []).store()
        let units = try storeRun { () throws(StoreError) in try store.deployedUnits() }
        let logger = Logger(label: "gridflow") { JSONLogHandler(label: $0) }
        let maxSize =
            try maxFileSize.map { try Self.fileSize($0, from: "--max-file-size") }
            ?? environment["GRIDFLOW_MAX_FILE_SIZE"].map { try Self.fileSize($0, from: "GRIDFLOW_MAX_FILE_SIZE") }
            ?? FileContent.defaultMaxSize
        let photos = PhotoLimits(
            maxSize: try maxPhotoSize.map { try Self.fileSize($0, from: "--max-photo-size") }
                ?? environment["GRIDFLOW_MAX_PHOTO_SIZE"].map {
                    try Self.fileSize($0, from: "GRIDFLOW_MAX_PHOTO_SIZE")
                } ?? PhotoLimits.defaultMaxSize,
            maxCount: try maxPhotos.map { try Self.photoCount(String($0), from: "--max-photos") }
                ?? environment["GRIDFLOW_MAX_PHOTOS"].map { try Self.photoCount($0, from: "GRIDFLOW_MAX_PHOTOS") }
                ?? PhotoLimits.defaultMaxCount)
        let rate =
            try reportRate.map { try Self.reportRate($0, from: "--report-rate") }
            ?? environment["GRIDFLOW_REPORT_RATE"].map { try Self.reportRate($0, from: "GRIDFLOW_REPORT_RATE") }
            ?? ReportRate.default
        let lease =
            try claimSeconds
            ?? environment["GRIDFLOW_CLAIM_SECONDS"].map { try Self.claimSeconds($0, from: "GRIDFLOW_CLAIM_SECONDS") }
            ?? Claim.thisProcess.seconds
        let daemon = Daemon(
            store: store, metrics: DaemonMetrics.bootstrap(), maxFileSize: maxSize,
            claim: Claim(claimant: Claim.thisProcess.claimant, seconds: lease), photoLimits: photos, reportRate: rate,
            now: { Instant.current })
        let server = GridflowDaemon(
            daemon: daemon, host: host, port: port, logger: logger,
            onListening: { bound in
                FileHandleOutput.standardOutput(
                    "gridflow serve: listening on http://\(host):\(bound) (\(units.count) deployed unit\(units.count == 1 ? "" : "s"): \(units.joined(separator: ", ")))\n"
                )
            })
        // The command line is synchronous: the service group runs in a task, this thread waits.
        let done = DispatchSemaphore(value: 0)
        let failure = Mutex<(any Error)?>(nil)
        Task {
            do { try await server.run() } catch { failure.withLock { $0 = error } }
            done.signal()
        }
        done.wait()
        if let error = failure.withLock({ $0 }) { throw CommandError(message: "serve: \(error)", status: 1) }
        FileHandleOutput.standardOutput("gridflow serve: stopped\n")
    }
}
