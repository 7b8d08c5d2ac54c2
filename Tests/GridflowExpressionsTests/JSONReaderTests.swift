import Foundation
import Testing

@testable import GridflowExpressions

/// The strict JSON reader behind `--data`, stored case fields, incident inputs and outbox entries.
@Suite struct JSONReaderTests {
    @Test func readsEveryKindOfValue() throws {
        let json = try JSONReader.read(
            #" { "b": true, "n": null, "i": -12, "d": 0.10, "e": 2.5E-2, "s": "a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00", "l": [1, [], {}], "o": {"x": "网格"} } "#
        )
        guard case .object(let object) = json else {
            Issue.record("not an object: \(json)")
            return
        }
        #expect(object.keys == ["b", "n", "i", "d", "e", "s", "l", "o"])
        #expect(object["b"] == .bool(true))
        #expect(object["n"] == .null)
        #expect(object["i"] == .number("-12"))
        #expect(object["d"] == .number("0.10"))
        #expect(object["e"] == .number("2.5E-2"))
        #expect(object["s"] == .string("a\"\\/\u{8}\u{C}\n\r\té😀"))
        #expect(object["l"] == .array([.number("1"), .array([]), .object(JSONObject())]))
        #expect(object["o"]?["x"] == .string("网格"))
    }

    @Test func keepsDecimalsExact() throws {
        let json = try JSONReader.read(#"{"amount": 12345678901234567890.123456789012345678}"#)
        let type = ValueType.record(RecordType(name: "r", fields: [.init(name: "amount", type: .decimal)]))
        guard case .record(let record) = try DataBinding.value(json, as: type, path: "r") else {
            Issue.record("not a record")
            return
        }
        #expect(record["amount"] == .number(Number("12345678901234567890.123456789012345678")!))
        // JSONSerialization would have gone through a Double and lost digits.
        #expect(ValueJSON.encode(record["amount"]!) == "12345678901234567890.123456789012345678")
    }

    /// A value that does not fit its type is named by its path, however deep.
    @Test(arguments: [
        (#"{"items": [{"n": 1}, {"n": 1.5}]}"#, "r.items[1].n must be a whole number, not 1.5"),
        (#"{"items": [{"n": null}]}"#, "r.items[0].n is null"),
        (#"{"items": [], "scores": {"2023": "x"}}"#, "r.scores.2023 must be integer, not a string"),
        (#"{"items": [{"m": 1}]}"#, "r.items[0] has no field 'm'; fields: n"),
        (#"{"scores": {}}"#, "r.items is missing"),
    ])
    func bindingNamesThePathOfAValueThatDoesNotFit(json: String, message: String) throws {
        let item = RecordType(name: "item", fields: [.init(name: "n", type: .integer)])
        let type = ValueType.record(
            RecordType(
                name: "r",
                fields: [
                    .init(name: "items", type: .list(.record(item))),
                    .init(name: "scores", type: .optional(.map(key: .string, value: .integer))),
                ]))
        let parsed = try JSONReader.read(json)
        let problem = #expect(throws: DataBinding.Problem.self) { try DataBinding.value(parsed, as: type, path: "r") }
        #expect(problem?.description == message)
    }

    /// Every mistake has its line and column (columns count characters, as in YAML diagnostics).
    @Test(arguments: [
        ("", "1:1: the JSON text ends where a value should be"),
        ("{\"a\": ", "1:7: the JSON text ends where a value should be"),
        ("{\"a\": 1,}", "1:9: expected a key in double quotes, found '}'"),
        ("[1, 2,]", "1:7: expected a JSON value, found ']'"),
        ("{\"a\": 1 \"b\": 2}", "1:9: expected ',' or '}' in the object, found '\"'"),
        ("{\"a\": 1, \"a\": 2}", "1:10: duplicate key 'a'"),
        ("{\n  \"网格\": tru}", "2:9: expected 'true'"),
        ("[07]", "1:2: a JSON number does not start with 0 (write 7, not 07)"),
        ("[1.]", "1:4: a number needs digits after '.'"),
        ("[1e]", "1:4: a number needs digits in its exponent"),
        ("[-]", "1:3: a number needs digits after '-'"),
        ("\"abc", "1:1: the string is not closed; '\"' is missing"),
        ("\"a\tb\"", "1:3: a control character in a string must be escaped (\\n, \\t, \\u00XX)"),
        ("\"\\x\"", "1:2: unknown escape '\\x' in a string"),
        ("\"\\u12\"", "1:6: a \\u escape takes four hexadecimal digits"),
        ("\"\\ud83d\"", "1:2: a high surrogate \\u escape must be followed by a low one"),
        ("{} {}", "1:4: unexpected text after the JSON value"),
        ("// note\n{}", "1:1: expected a JSON value, found '/'"),
        ("NaN", "1:1: expected a JSON value, found 'N'"),
    ])
    func reportsWhereAndWhat(text: String, expected: String) {
        #expect(throws: JSONError.self) { try JSONReader.read(text) }
        do {
            _ = try JSONReader.read(text)
        } catch {
            #expect(error.description == expected)
        }
    }

    /// Keys are checked for repeats one by one in small objects and through a set in large
    /// ones: a repeat is found either way, early or late.
    @Test(arguments: [3, 15, 16, 17, 40])
    func findsARepeatedKeyInObjectsOfAnySize(keys: Int) throws {
        let entries = (0..<keys).map { "\"k\($0)\": \($0)" }
        let object = try JSONReader.read("{" + entries.joined(separator: ", ") + "}")
        guard case .object(let read) = object else {
            Issue.record("not an object")
            return
        }
        #expect(read.keys.count == keys)
        for repeated in [0, keys - 1] {
            let text = "{" + (entries + ["\"k\(repeated)\": 0"]).joined(separator: ", ") + "}"
            #expect(throws: JSONError.self) { try JSONReader.read(text) }
            do { _ = try JSONReader.read(text) } catch {
                #expect(error.description.hasSuffix("duplicate key 'k\(repeated)'"))
            }
        }
    }

    @Test func refusesInvalidUTF8AndDeepNesting() {
        #expect(throws: JSONError.self) { try JSONReader.read([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONError.self) { try JSONReader.read(String(repeating: "[", count: 600)) }
        #expect((try? JSONReader.read(String(repeating: "[", count: 500) + String(repeating: "]", count: 500))) != nil)
    }

    /// Whatever Foundation writes, the reader reads back to the same structure.
    @Test func agreesWithFoundationOnRandomDocuments() throws {
        var generator = SystemRandomNumberGenerator()
        func random(_ depth: Int) -> Any {
            switch Int.random(in: 0..<(depth > 3 ? 4 : 6), using: &generator) {
            case 0: return NSNull()
            case 1: return Bool.random()
            case 2: return Int.random(in: -1_000_000...1_000_000)
            case 3:
                let scalars = (0..<Int.random(in: 0..<8)).map { _ in
                    ["a", "\"", "\\", "\n", "网", "😀", "\u{1}", "/"].randomElement()!
                }
                return scalars.joined()
            case 4: return (0..<Int.random(in: 0..<4)).map { _ in random(depth + 1) }
            default:
                var object: [String: Any] = [:]
                for index in 0..<Int.random(in: 0..<4) { object["k\(index)"] = random(depth + 1) }
                return object
            }
        }
        func same(_ any: Any, _ json: JSON) -> Bool {
            switch (any, json) {
            case (is NSNull, .null): return true
            case (let b as Bool, .bool(let c)): return b == c
            case (let i as Int, .number(let text)): return String(i) == text
            case (let s as String, .string(let t)): return s == t
            case (let items as [Any], .array(let values)):
                return items.count == values.count && zip(items, values).allSatisfy(same)
            case (let object as [String: Any], .object(let values)):
                return object.count == values.keys.count
                    && object.allSatisfy { key, value in values[key].map { same(value, $0) } ?? false }
            default: return false
            }
        }
        for _ in 0..<2_000 {
            let document: [Any] = [random(0)]
            let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted])
            let json = try JSONReader.read(data)
            #expect(same(document, json), "\(String(decoding: data, as: UTF8.self))")
        }
    }
}
