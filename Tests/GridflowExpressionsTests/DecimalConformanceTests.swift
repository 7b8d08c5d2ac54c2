import Foundation
import Testing

@testable import GridflowExpressions

/// Numbers against Python's decimal at the documented context (38 digits, half away from zero, at
/// most 76 places): the vectors in Tests/Fixtures/decimal, written by its generate.py.
///
/// A result matches when its text (`description`, which drops trailing zeros) is the expected text
/// and it equals `Number(expected)` with the same hash; Python's trailing zeros (its "ideal
/// exponent") are not part of a value, so they are not compared.
@Suite struct DecimalConformanceTests {
    /// One line of a vector file.
    struct Case {
        let line: Int
        let source: String
        let operation: String
        let operands: [String]
        let expected: String
    }

    static let folder = packageRoot.appendingPathComponent("Tests/Fixtures/decimal")

    static func cases(_ file: String) throws -> [Case] {
        let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
        var cases: [Case] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count >= 4 else {
                Issue.record("\(file):\(index + 1): a case has a source, an operation, operands and a result")
                continue
            }
            cases.append(
                Case(
                    line: index + 1, source: fields[0], operation: fields[1],
                    operands: Array(fields[2..<fields.count - 1]),
                    expected: fields[fields.count - 1]))
        }
        return cases
    }

    /// What Number gives for a case, as the vector writes it.
    static func result(_ c: Case) -> Result<String, Mismatch> {
        if c.operation == "parse" {
            switch Number.parse(c.operands[0]) {
            case .success(let number): return .success(number.description)
            case .failure(let failure): return .success("\(failure)")
            }
        }
        var values: [Number] = []
        for text in c.operation == "round" ? [c.operands[0]] : c.operands
        where !["sum", "avg"].contains(c.operation) {
            guard let value = Number(text) else { return .failure(Mismatch("the operand \(text) is refused")) }
            values.append(value)
        }
        let answer: Number?
        switch c.operation {
        case "add": answer = Number.adding(values[0], values[1])
        case "subtract": answer = Number.subtracting(values[0], values[1])
        case "multiply": answer = Number.multiplying(values[0], values[1])
        case "divide":
            if values[1] == .zero { return .success("division-by-zero") }
            answer = Number.divide(values[0], values[1])
        case "remainder":
            guard let remainder = Number.remainder(values[0], values[1]) else { return .success("division-by-zero") }
            answer = remainder
        case "compare":
            let (a, b) = (values[0], values[1])
            let less = a < b, equal = a == b, greater = b < a
            guard [less, equal, greater].filter({ $0 }).count == 1 else {
                return .failure(Mismatch("<, == and > disagree: \(less) \(equal) \(greater)"))
            }
            if equal, a.hashValue != b.hashValue { return .failure(Mismatch("equal with different hashes")) }
            return .success(less ? "-1" : (equal ? "0" : "1"))
        case "round":
            guard let places = Int(c.operands[1]) else { return .failure(Mismatch("places \(c.operands[1])")) }
            answer = values[0].rounded(places)
        case "floor": answer = values[0].floor()
        case "ceil": answer = values[0].ceiling()
        case "sum", "avg":
            var total = Number.Total()
            for text in c.operands[0].split(separator: ",") {
                guard let value = Number(text) else { return .failure(Mismatch("the operand \(text) is refused")) }
                total.add(value)
            }
            answer = c.operation == "sum" ? total.sum : total.average()
        default:
            return .failure(Mismatch("unknown operation \(c.operation)"))
        }
        guard let answer else { return .success("overflow") }
        return .success(answer.description)
    }

    /// Why a case failed.
    struct Mismatch: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// The same case through the expression language, when its operands are literals it reads.
    static func evaluated(_ c: Case) -> String? {
        let symbols = ["add": "+", "subtract": "-", "multiply": "*", "divide": "/", "remainder": "%"]
        guard let symbol = symbols[c.operation], c.operands.allSatisfy(isLiteral) else { return nil }
        let text = c.operands.map { "(\($0))" }.joined(separator: " \(symbol) ")
        do {
            guard case .number(let number) = try Fixture.evaluate(text) else { return "not a number" }
            return number.description
        } catch let error as EvaluationError {
            return error.code
        } catch {
            return "\(error)"
        }
    }

    /// Whether text is a number literal of the language (`12`, `0.5`; no exponent, no bare point)
    /// after an optional minus.
    static func isLiteral(_ text: String) -> Bool {
        let unsigned = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        let parts = unsigned.split(separator: ".", omittingEmptySubsequences: false)
        return (1...2).contains(parts.count)
            && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
    }

    @Test(arguments: ["dectest.vectors", "random.vectors"])
    func agreesWithPythonDecimal(_ file: String) throws {
        let cases = try Self.cases(file)
        // A missing or emptied file fails here rather than passing with nothing checked.
        #expect(cases.count >= 1000, "\(file) has \(cases.count) cases")
        var failures = 0
        var evaluated = 0
        for c in cases {
            var problem: String?
            switch Self.result(c) {
            case .failure(let mismatch): problem = mismatch.description
            case .success(let got) where got != c.expected: problem = "got \(got)"
            case .success(let got):
                if let number = Number(got), c.operation != "compare", c.operation != "parse" {
                    if number != Number(c.expected) || number.hashValue != Number(c.expected)?.hashValue {
                        problem = "\(got) does not equal \(c.expected) as a number"
                    }
                }
            }
            if problem == nil, let language = Self.evaluated(c) {
                evaluated += 1
                if language != c.expected { problem = "the expression gives \(language)" }
            }
            if let problem {
                failures += 1
                if failures <= 40 {
                    Issue.record(
                        "\(file):\(c.line) \(c.source) \(c.operation) \(c.operands.joined(separator: " ")): expected \(c.expected), \(problem)"
                    )
                }
            }
        }
        #expect(failures == 0, "\(failures) of \(cases.count) cases in \(file) differ from Python")
        #expect(evaluated > 0, "no case of \(file) went through the expression language")
    }
}
