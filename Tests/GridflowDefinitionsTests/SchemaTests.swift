import Foundation
import GridflowDiagnostics
import GridflowYAML
import Testing

@testable import GridflowDefinitions

/// The JSON Schemas in `schemas/`: current, passed by every shipped file, and in agreement with
/// the loader about which keys and values are accepted.
@Suite struct SchemaTests {
    static func committedSchema(_ kind: DefinitionKind) throws -> [String: Any] {
        let data = try Data(contentsOf: packageRoot.appendingPathComponent("schemas/\(kind.schemaFile)"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test(arguments: DefinitionKind.allCases)
    func committedSchemaIsWhatTheLoaderGenerates(_ kind: DefinitionKind) throws {
        let committed = try String(
            contentsOf: packageRoot.appendingPathComponent("schemas/\(kind.schemaFile)"), encoding: .utf8)
        #expect(committed == JSONSchema.document(for: kind), "run 'gridflow schema' to regenerate schemas/")
    }

    @Test(arguments: shippedFiles)
    func shippedFilePassesItsSchema(_ path: String) throws {
        let file = Loader.parse(path: packageRoot.appendingPathComponent(path).path)
        let kind = try #require(file.kind)
        let root = try #require(file.root)
        let problems = SchemaValidator(root: try Self.committedSchema(kind)).validate(jsonValue(root))
        #expect(problems.isEmpty, "\(problems)")
        let firstLine = file.source.lines.first.map(String.init) ?? ""
        let up = String(repeating: "../", count: path.split(separator: "/").count - 1)
        #expect(firstLine == "# yaml-language-server: $schema=\(up)schemas/\(kind.schemaFile)")
    }

    /// Removes each key, adds an unknown key, and swaps values for values of other types, all
    /// through every shipped file: the loader and the schema must accept or reject each
    /// variant alike.
    @Test(arguments: shippedFiles)
    func loaderAndSchemaAgree(_ path: String) throws {
        let file = Loader.parse(path: packageRoot.appendingPathComponent(path).path)
        let kind = try #require(file.kind)
        let root = try #require(file.root)
        let validator = SchemaValidator(root: try Self.committedSchema(kind))
        var generator = SeededGenerator(state: UInt64(path.utf8.reduce(0) { $0 &* 31 &+ Int($1) }.magnitude))
        var variants = Mutator.variants(of: root)
        variants.shuffle(using: &generator)
        var checked = 0
        for (description, variant) in variants.prefix(300) {
            var checker = ShapeChecker()
            checker.check(variant, against: Shapes.shape(of: kind), key: kind.rawValue)
            let loaderRejects = !checker.diagnostics.isEmpty
            let schemaRejects = !validator.validate(jsonValue(variant)).isEmpty
            #expect(
                loaderRejects == schemaRejects,
                "\(path): \(description): loader \(loaderRejects ? "rejects" : "accepts"), schema \(schemaRejects ? "rejects" : "accepts")"
            )
            checked += 1
        }
        #expect(checked > 20)
    }
}

/// Makes variants of a node tree, each with one change.
enum Mutator {
    static let span = SourceSpan(start: SourceLocation(file: "m", line: 1, column: 1))

    static func scalar(_ value: String, _ resolved: Scalar.Resolved) -> Node {
        Node(.scalar(Scalar(value: value, style: .plain, resolved: resolved)), span: span, end: span.start)
    }

    static func variants(of node: Node, path: String = "$") -> [(String, Node)] {
        var result: [(String, Node)] = []
        switch node.content {
        case .mapping(let mapping):
            var added = mapping
            added.pairs.append(Mapping.Pair(key: scalar("zz_unknown", .string), value: scalar("x", .string)))
            result.append(("\(path): add key zz_unknown", Node(.mapping(added), span: node.span, end: node.end)))
            for index in mapping.pairs.indices {
                var removed = mapping
                let key = removed.pairs.remove(at: index).name ?? "?"
                result.append(("\(path): remove \(key)", Node(.mapping(removed), span: node.span, end: node.end)))
                for (description, child) in variants(of: mapping.pairs[index].value, path: "\(path).\(key)") {
                    var changed = mapping
                    changed.pairs[index].value = child
                    result.append((description, Node(.mapping(changed), span: node.span, end: node.end)))
                }
            }
        case .sequence(let items):
            for index in items.indices {
                for (description, child) in variants(of: items[index], path: "\(path)[\(index)]") {
                    var changed = items
                    changed[index] = child
                    result.append((description, Node(.sequence(changed), span: node.span, end: node.end)))
                }
            }
        case .scalar:
            let replacements: [(String, Node)] = [
                ("a list", Node(.sequence([scalar("x", .string)]), span: span, end: span.start)),
                ("a mapping", Node(.mapping(Mapping(pairs: [])), span: span, end: span.start)),
                ("true", scalar("true", .bool(true))),
                ("7", scalar("7", .int(7))),
                ("Bad Name", scalar("Bad Name", .string)),
            ]
            for (what, replacement) in replacements {
                result.append(("\(path): replace with \(what)", replacement))
            }
        }
        return result
    }
}
