import Foundation
import GridflowExpressions
import Logging
import Testing

@testable import GridflowServer

/// The daemon's log lines: one JSON object per entry, as the dictionary of values and the
/// ISO 8601 formatter wrote them before.
struct JSONLogHandlerTests {
    @Test(arguments: [0, 59, 951_782_400, 1_719_968_400, 1_733_057_999, 4_102_444_800])
    func timestampsAreWhatTheISO8601FormatterWrites(_ seconds: Int) {
        #expect(
            JSONLogHandler.timestamp(seconds) == Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(.iso8601))
    }

    @Test func aLineHoldsTheEntryAndItsMetadataInKeyOrderTheEntrysWinning() throws {
        var handler = JSONLogHandler(label: "gridflow.serve")
        handler[metadataKey: "request"] = "r-1"
        handler[metadataKey: "route"] = "GET /v1/cases"
        let event = LogEvent(
            level: .info, message: "answered \"ok\"", metadata: ["route": "POST /v1/cases", "status": "201"],
            source: "x", file: #fileID, function: #function, line: #line)
        let text = String(decoding: handler.line(event, at: "2024-10-08T01:00:00Z"), as: UTF8.self)
        let expected: [String: Value] = [
            "at": .string("2024-10-08T01:00:00Z"), "level": .string("info"), "logger": .string("gridflow.serve"),
            "message": .string("answered \"ok\""), "request": .string("r-1"), "route": .string("POST /v1/cases"),
            "status": .string("201"),
        ]
        #expect(text == ValueJSON.encode(expected) + "\n")
    }
}
