import Foundation

/// The package's root folder.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Every shipped definition file, as a path relative to the package root.
let shippedFiles: [String] = ["Workflows", "Rules"].flatMap { folder -> [String] in
    let base = packageRoot.appendingPathComponent(folder).path
    var files: [String] = []
    let enumerator = FileManager.default.enumerator(atPath: base)
    while let path = enumerator?.nextObject() as? String {
        if path.hasSuffix(".yaml") { files.append(folder + "/" + path) }
    }
    return files.sorted()
}

/// A small deterministic random generator, so a failing fuzz case can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
