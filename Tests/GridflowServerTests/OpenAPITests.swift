import Foundation
import GridflowServer
import Testing

/// The OpenAPI document is the API's contract: it names every route the daemon serves and no
/// other, each operation says who may call it and answers errors as problems, every reference
/// resolves, and docs/openapi.json is the document served.
@Suite struct OpenAPITests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func document() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
    }

    @Test func theDocumentInDocsIsTheOneServed() throws {
        let file = try String(
            contentsOf: Self.packageRoot.appendingPathComponent("docs/openapi.json"), encoding: .utf8)
        #expect(file == OpenAPIDocument.json + "\n", "docs/openapi.json differs from OpenAPIDocument.json")
    }

    @Test func everyRouteIsDocumentedAndEveryDocumentedOperationIsARoute() throws {
        let document = try document()
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var documented: Set<String> = []
        for (path, item) in paths {
            for (method, operation) in item {
                documented.insert(method.uppercased() + " " + path)
                let operation = try #require(operation as? [String: Any])
                let endpoint = try #require(
                    Endpoint.allCases.first { $0.path == path && $0.method.rawValue == method.uppercased() },
                    "\(method) \(path) is documented but not served")
                #expect(operation["operationId"] as? String == endpoint.rawValue)
                let responses = try #require(operation["responses"] as? [String: Any])
                // Who may call: public routes need no token, every other one answers 401.
                if endpoint.isPublic {
                    #expect((operation["security"] as? [Any])?.isEmpty == true, "\(endpoint) needs no token")
                } else {
                    #expect(operation["security"] == nil, "\(endpoint) takes the document's bearer security")
                    #expect(responses["401"] != nil, "\(endpoint) answers 401")
                }
                // Every error answer is a problem.
                for (code, answer) in responses where code.hasPrefix("4") || code.hasPrefix("5") {
                    let reference = (answer as? [String: Any])?["$ref"] as? String
                    #expect(reference == "#/components/responses/Problem", "\(endpoint) \(code)")
                }
            }
        }
        let served = Set(Endpoint.allCases.map { $0.method.rawValue + " " + $0.path })
        #expect(documented == served)
    }

    @Test func everyReferenceResolves() throws {
        let document = try document()
        var references: [String] = []
        func walk(_ value: Any) {
            if let object = value as? [String: Any] {
                if let reference = object["$ref"] as? String { references.append(reference) }
                object.values.forEach(walk)
            } else if let list = value as? [Any] {
                list.forEach(walk)
            }
        }
        walk(document)
        #expect(!references.isEmpty)
        for reference in references {
            var node: Any? = document
            for part in reference.dropFirst(2).split(separator: "/") {
                node = (node as? [String: Any])?[String(part)]
            }
            #expect(node != nil, "\(reference) does not resolve")
        }
    }
}
