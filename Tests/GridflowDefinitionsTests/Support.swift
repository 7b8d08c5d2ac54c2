import Foundation
import GridflowExpressions

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
typealias SeededGenerator = SplitMix64
