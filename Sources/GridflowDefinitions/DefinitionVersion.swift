import Foundation
import GridflowDiagnostics
import GridflowYAML

/// The content version that names a deployment of a unit's definitions: cases record it when
/// they open and keep running on it.
///
/// It is a hash of the definitions' meaning, not their bytes: each file is composed and its
/// tree written in a canonical form (mapping keys sorted, scalars by what they resolve to), so
/// comments, key order, quoting and layout do not make a new version. Scenarios and demos are
/// not part of a deployment.
public enum DefinitionVersion {
    /// The version of the definitions in `sources` (their deployable files).
    public static func of(_ sources: [SourceFile]) -> String {
        var hash = FNV()
        for (path, source) in sources.map({ (relative($0.path), $0) }).sorted(by: { $0.0 < $1.0 }) {
            // Each file is composed once: to tell whether it is deployable, and to hash its tree.
            guard !path.contains("/tests/") else { continue }
            let composition = Composer.compose(source, reportDuplicateKeys: false)
            guard isDeployable(composition.root) else { continue }
            hash.add(path)
            if let root = composition.root, !composition.diagnostics.contains(where: { $0.severity == .error }) {
                hash.add(canonical(root))
            } else {
                // A file that does not compose is hashed as written (it cannot be deployed anyway).
                hash.add("bytes:" + source.text)
            }
        }
        return hash.hex
    }

    /// The version stores recorded before deployments: a hash of every byte of the unit's files,
    /// demos included. A store's cases of this version are taken over by the first deployment of
    /// the same files.
    public static func bytes(_ sources: [SourceFile]) -> String {
        var hash = FNV()
        for (path, source) in sources.map({ (relative($0.path), $0) }).sorted(by: { $0.0 < $1.0 }) {
            hash.add(path)
            hash.add(source.text)
        }
        return hash.hex
    }

    /// The files a deployment holds: every definition but scenarios (in `tests/`) and demos.
    public static func deployable(_ sources: [SourceFile]) -> [SourceFile] {
        sources.filter { source in
            let path = relative(source.path)
            guard !path.contains("/tests/") else { return false }
            return isDeployable(Composer.compose(source, reportDuplicateKeys: false).root)
        }
    }

    /// Whether a file's tree is part of a deployment: not a scenario or a demo.
    static func isDeployable(_ root: Node?) -> Bool {
        let kind = root?["kind"]?.scalar?.string
        return kind != DefinitionKind.demo.rawValue && kind != DefinitionKind.scenario.rawValue
    }

    /// A definition file's path from `Workflows/` or `Rules/` on, so where the tree sits does not
    /// matter.
    public static func relative(_ path: String) -> String {
        for marker in ["Workflows/", "Rules/"] {
            if let range = path.range(of: marker, options: .backwards) { return String(path[range.lowerBound...]) }
        }
        return path
    }

    /// The canonical text of a node: what it means, whatever its layout.
    public static func canonical(_ node: Node) -> String {
        let tag = node.tag.map { "!<\($0)>" } ?? ""
        switch node.content {
        case .scalar(let scalar):
            switch scalar.resolved {
            case .null: return tag + "~"
            case .bool(let value): return tag + (value ? "true" : "false")
            case .int(let value): return tag + "i\(value)"
            case .float(let text): return tag + "f\(text)"
            case .string: return tag + quoted(scalar.value)
            }
        case .sequence(let items):
            return tag + "[" + items.map(canonical).joined(separator: ",") + "]"
        case .mapping(let mapping):
            let pairs = mapping.pairs.map { canonical($0.key) + ":" + canonical($0.value) }.sorted()
            return tag + "{" + pairs.joined(separator: ",") + "}"
        }
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// 64-bit FNV-1a over texts, each ended by a zero byte.
    struct FNV {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        mutating func add(_ text: String) {
            for byte in text.utf8 + [0] {
                value ^= UInt64(byte)
                value = value &* 0x100_0000_01b3
            }
        }
        var hex: String {
            let hex = String(value, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }
    }
}
