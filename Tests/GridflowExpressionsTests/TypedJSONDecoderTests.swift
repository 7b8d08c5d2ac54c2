import Foundation
import Testing

@testable import GridflowExpressions

/// The one-pass reader of typed JSON (directory records): what it reads is what the JSON
/// reader and the binding give; what it does not read, it leaves to them.
@Suite struct TypedJSONDecoderTests {
    static let inner = RecordType(
        name: "inner", fields: [.init(name: "id", type: .string), .init(name: "score", type: .integer.optional)])
    static let type = RecordType(
        name: "person",
        fields: [
            .init(name: "id", type: .string), .init(name: "name", type: .string.optional),
            .init(name: "roles", type: .list(.string).optional), .init(name: "flag", type: .bool.optional),
            .init(name: "level", type: .enumeration(name: "level", values: ["a", "b"]).optional),
            .init(name: "count", type: .integer.optional), .init(name: "amount", type: .decimal.optional),
            .init(name: "born", type: .date.optional), .init(name: "seen", type: .datetime.optional),
            .init(name: "notice", type: .duration.optional),
            .init(name: "performance", type: .map(key: .string, value: .string).optional),
            .init(name: "years", type: .map(key: .integer, value: .decimal).optional),
            .init(name: "boss", type: .record(inner).optional), .init(name: "team", type: .list(.record(inner))),
            .init(name: "span", type: .period.optional), .init(name: "twice", type: .optional(.optional(.string))),
        ])

    /// The reference: the JSON reader, then the binding (defaults added to the JSON first, as
    /// the directory does).
    static func reference(_ text: String, defaults: [(String, JSON)] = []) -> Value? {
        guard var json = try? JSONReader.read(text) else { return nil }
        if case .object(var object) = json {
            for (field, value) in defaults where object[field] == nil { object[field] = value }
            json = .object(object)
        }
        return try? DataBinding.value(json, as: .record(type), path: "p")
    }

    static let valid = [
        #"{"id": "p1", "team": []}"#,
        #" {"id":"p2","name":"网格 员","roles":["a","b"],"flag":true,"level":"b","count":-12,"amount":0.10,"team":[{"id":"x"}]} "#,
        #"{"id": "p3", "born": "2024-02-29", "seen": "2024-07-01T09:00:00+08:00", "notice": "1d12h", "team": []}"#,
        #"{"id": "p4", "performance": {"2023": "good", "2024": "fair"}, "years": {"1": 2.5, "-3": 0}, "team": []}"#,
        #"{"id": "p5", "boss": {"id": "b", "score": 90}, "team": [{"id": "t", "score": null}], "name": null}"#,
        #"{"id": "p6", "count": 1e3, "amount": -2.5E-2, "team": [], "flag": false, "boss": null}"#,
        #"{"team": [], "id": ""}"#,
    ]

    @Test func readsTheCommonShapesAsTheBindingDoes() throws {
        let decoder = TypedJSONDecoder(.record(Self.type))
        for text in Self.valid {
            let value = decoder.decode(text)
            #expect(value != nil, "not read: \(text)")
            #expect(value == Self.reference(text), "\(text)")
        }
    }

    @Test func leavesTheRestToTheGeneralPath() throws {
        let decoder = TypedJSONDecoder(.record(Self.type))
        let refused = [
            #"{"id": "p\"1", "team": []}"#,  // an escape: read by the general path
            #"{"id": "p1", "team": [], "other": 1}"#, #"{"id": "p1", "id": "p2", "team": []}"#,
            #"{"id": "p1"}"#, #"{"id": 1, "team": []}"#, #"{"id": "p1", "team": [], "count": 1.5}"#,
            #"{"id": "p1", "team": [], "count": 01}"#, #"{"id": "p1", "team": [], "count": 1e400}"#,
            #"{"id": "p1", "team": [], "born": "2024-02-30"}"#, #"{"id": "p1", "team": [],}"#,
            #"{"id": "p1", "team": []} x"#, #"{"id": "p1", "team": [], "years": {"1": 1, "01": 2}}"#,
            #"{"id": "p1", "team": [], "years": {"x": 1}}"#, #"{"id": "p1", "team": [], "span": "1y"}"#,
            #"{"id": "p1", "team": [], "twice": "x"}"#, #"{"id": "p1", "team": [null]}"#, "", "null",
            "{\"id\": \"a\u{1}\", \"team\": []}",
        ]
        for text in refused { #expect(decoder.decode(text) == nil, "\(text)") }
        // Invalid UTF-8 in a string.
        let bytes: [UInt8] = Array(#"{"id": ""#.utf8) + [0xFF] + Array(#"", "team": []}"#.utf8)
        #expect(
            decoder.decode(String(decoding: bytes, as: UTF8.self))
                == Self.reference(String(decoding: bytes, as: UTF8.self)))
    }

    @Test func appliesDefaultsToAbsentKeysOnly() throws {
        let decoder = TypedJSONDecoder(record: Self.type, defaults: ["flag": .bool(true), "count": .number(Number(7))])
        let defaults: [(String, JSON)] = [("flag", .bool(true)), ("count", .number("7"))]
        for text in Self.valid + [#"{"id": "p", "team": [], "flag": null}"#] {
            let value = decoder.decode(text)
            #expect(value != nil, "not read: \(text)")
            #expect(value == Self.reference(text, defaults: defaults), "\(text)")
        }
    }

    /// Texts a byte or two away from valid ones: whatever the decoder reads, the reference
    /// reads the same.
    @Test func agreesWithTheReferenceOnDamagedTexts() throws {
        let decoder = TypedJSONDecoder(.record(Self.type))
        var random = SplitMix64(state: 18)
        let alphabet = Array(#"{}[]",:0123456789.-eE tfnula"#.utf8) + [0xE7, 0xBD, 0x91]
        var read = 0
        for _ in 0..<4_000 {
            var bytes = Array(Self.valid[Int(random.next() % UInt64(Self.valid.count))].utf8)
            for _ in 0...(random.next() % 2) {
                let at = Int(random.next() % UInt64(bytes.count))
                let byte = alphabet[Int(random.next() % UInt64(alphabet.count))]
                switch random.next() % 3 {
                case 0: bytes[at] = byte
                case 1: bytes.insert(byte, at: at)
                default: bytes.remove(at: at)
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            guard let value = decoder.decode(text) else { continue }
            read += 1
            #expect(value == Self.reference(text), "\(text)")
        }
        #expect(read > 100)
    }
}
