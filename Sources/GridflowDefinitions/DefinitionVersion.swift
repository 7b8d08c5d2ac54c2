import Foundation
import GridflowDiagnostics

/// The content hash that names a version of a unit's definitions: cases record it when they
/// open and keep running on it.
public enum DefinitionVersion {
    /// A 64-bit FNV-1a hash, in hex, of the files' paths (from `Workflows/` or `Rules/` on, so
    /// where the tree sits does not matter) and texts, in path order.
    public static func of(_ sources: [SourceFile]) -> String {
        func relative(_ path: String) -> String {
            for marker in ["Workflows/", "Rules/"] {
                if let range = path.range(of: marker, options: .backwards) { return String(path[range.lowerBound...]) }
            }
            return path
        }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for (path, source) in sources.map({ (relative($0.path), $0) }).sorted(by: { $0.0 < $1.0 }) {
            for byte in path.utf8 + [0] + source.text.utf8 + [0] {
                hash ^= UInt64(byte)
                hash = hash &* 0x100_0000_01b3
            }
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
