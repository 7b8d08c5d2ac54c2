import Foundation
import GridflowFuzzing

/// The small unit's folder, made on the first input (libFuzzer runs many inputs in one process,
/// and calls no top-level code of this file: it brings its own `main`).
enum Shared {
    static let tree: FuzzHarness.Tree = {
        guard let tree = try? FuzzHarness.Tree() else { fatalError("cannot make the fuzz unit's folder") }
        // Removed when libFuzzer ends the process with exit(), not left in the temporary directory.
        atexit { Shared.tree.remove() }
        return tree
    }()
}

/// libFuzzer's entry: one input written as a definition file of a small unit, which is then
/// loaded, validated and its diagnostics rendered.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDefinitions(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzHarness.definitions(UnsafeRawBufferPointer(start: data, count: size), in: Shared.tree)
    return 0
}
