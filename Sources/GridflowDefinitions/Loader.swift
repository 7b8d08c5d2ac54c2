import Foundation
import GridflowDiagnostics
import GridflowYAML

/// What a load produced: the units it could read and every problem in the files asked for.
public struct LoadResult: Sendable {
    /// Problems in the requested files, in source order.
    public var diagnostics: [Diagnostic]
    /// The text of every file read, for quoting lines in diagnostics.
    public var sources: [SourceFile]
    /// The units of the requested files, keyed by unit name.
    public var units: [String: UnitDefinitions]
    /// The definition files that were asked for, in order.
    public var files: [String]
    /// Paths given that do not exist.
    public var missingPaths: [String]
}

/// Reads definition files and checks them in one pass.
///
/// A file's unit is given by its path: `ROOT/Workflows/UNIT/FILE.yaml` or
/// `ROOT/Rules/UNIT/FILE.yaml`, with the unit itself in `ROOT/Workflows/UNIT/unit.yaml`.
/// To check references, the loader also reads the other files of the unit (and the unit it
/// extends), but reports problems only in the files it was asked for.
public struct Loader {
    /// Where the files are read.
    public var fileSystem: DefinitionFileSystem

    public init(fileSystem: DefinitionFileSystem = .disk) {
        self.fileSystem = fileSystem
    }

    /// Loads the files named by `paths` (files, or folders searched for `*.yaml` and `*.yml`).
    public func load(paths: [String]) -> LoadResult {
        var missing: [String] = []
        var requested: [String] = []
        var seen = Set<String>()
        for path in paths {
            guard let files = Self.definitionFiles(at: path, in: fileSystem) else {
                missing.append(path)
                continue
            }
            for file in files where seen.insert(file).inserted { requested.append(file) }
        }
        var session = LoadSession(fileSystem: fileSystem)
        session.preload(requested)
        for file in requested { session.request(file) }
        session.validateUnits()
        let wanted = Set(requested)
        // Files that did not load as written come first: other problems may follow from theirs.
        let unloaded = Set(session.files.values.filter { $0.diagnostics.hasErrors }.map(\.path))
        let diagnostics = session.diagnostics.filter { diagnostic in
            diagnostic.location.map { wanted.contains($0.file) } ?? true
        }.map { diagnostic in
            var marked = diagnostic
            marked.inUnloadedFile = diagnostic.location.map { unloaded.contains($0.file) } ?? false
            return marked
        }
        return LoadResult(
            diagnostics: diagnostics.sorted(by: Diagnostic.sourceOrder), sources: session.files.values.map(\.source),
            units: session.units, files: requested, missingPaths: missing)
    }

    /// The definition files under `path`, sorted; `nil` when nothing is there.
    static func definitionFiles(at path: String, in fileSystem: DefinitionFileSystem = .disk) -> [String]? {
        guard fileSystem.exists(path) else { return nil }
        guard fileSystem.isFolder(path) else { return [path] }
        // Hidden folders, and `tests/` folders of scenarios, which `gridflow test` reads.
        let skipped = { (name: String) in name.hasPrefix(".") || name == "tests" }
        return fileSystem.walk(path, skip: skipped).filter { relative in
            !relative.split(separator: "/").contains { skipped(String($0)) }
                && (relative.hasSuffix(".yaml") || relative.hasSuffix(".yml"))
        }.map { DefinitionFileSystem.joined(path, $0) }.sorted()
    }

    /// Parses one file: YAML, kind, schema version, shape, and the typed definition.
    public static func parse(path: String, in fileSystem: DefinitionFileSystem = .disk) -> DefinitionFile {
        let start = SourceLocation(file: path, line: 1, column: 1)
        guard let data = fileSystem.data(path) else {
            return DefinitionFile(
                path: path, source: SourceFile(path: path, text: ""), root: nil, kind: nil, definition: nil,
                diagnostics: [
                    Diagnostic(.error, "unreadable-file", "cannot read the file", at: SourceSpan(start: start))
                ])
        }
        // Bad bytes are reported where they are; libyaml would put them at the file's start.
        let (source, problem) = SourceBytes.decode(Array(data), path: path)
        if let problem {
            return DefinitionFile(
                path: path, source: source, root: nil, kind: nil, definition: nil, diagnostics: [problem])
        }
        return parse(source)
    }

    /// Parses one file's text.
    public static func parse(_ source: SourceFile) -> DefinitionFile {
        let composition = Composer.compose(source, reportDuplicateKeys: false)
        var file = DefinitionFile(
            path: source.path, source: source, root: composition.root, kind: nil, definition: nil,
            diagnostics: composition.diagnostics)
        guard let root = composition.root else { return file }
        guard root.mapping != nil else {
            file.diagnostics.append(
                Diagnostic(
                    .error, "wrong-type", "a definition must be a mapping, not \(root.kindDescription)", at: root.span,
                    hint: "start the file with 'kind:' and 'schema: 1'"))
            return file
        }
        let kinds = DefinitionKind.allCases.map(\.rawValue)
        guard let kindNode = root["kind"] else {
            file.diagnostics.append(
                Diagnostic(
                    .error, "missing-key", "the definition needs the key 'kind'", at: root.span,
                    hint: "one of " + kinds.joined(separator: ", ")))
            return file
        }
        guard let kindText = kindNode.scalar?.string, let kind = DefinitionKind(rawValue: kindText) else {
            let text = kindNode.text ?? ""
            file.diagnostics.append(
                Diagnostic(
                    .error, "unknown-kind", "unknown kind '\(text)'" + Suggestion.didYouMean(text, in: kinds),
                    at: kindNode.span, hint: "one of " + kinds.joined(separator: ", ")))
            return file
        }
        file.kind = kind
        if case .int(let version) = root["schema"]?.scalar?.resolved, !SchemaVersion.supported.contains(version) {
            file.diagnostics.append(
                Diagnostic(
                    .error, "unsupported-schema",
                    "schema version \(version) is not supported; this build reads "
                        + SchemaVersion.supported.map(String.init).joined(separator: ", "),
                    at: root["schema"]!.span))
            return file
        }
        var checker = ShapeChecker()
        checker.check(root, against: Shapes.shape(of: kind), key: kind.rawValue)
        file.diagnostics += checker.diagnostics
        file.definition = Definition.read(kind, root, file: source.path)
        return file
    }
}

/// Where a file sits: the folder holding `Workflows/` and `Rules/`, which of the two, and the unit.
struct FilePlace: Hashable {
    var root: String
    var area: String
    var unit: String
    /// Whether the file sits in the unit's `tests/` folder, where scenarios live.
    var inTests: Bool

    init?(_ path: String) {
        let all = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard all.count >= 3 else { return nil }
        // Scenarios sit one folder deeper: Workflows/UNIT/tests/FILE.
        inTests = all.count >= 4 && all[all.count - 2] == "tests"
        let components = inTests ? Array(all.dropLast(2)) + [all.last!] : all
        let area = components[components.count - 3]
        guard area == "Workflows" || area == "Rules" else { return nil }
        self.area = area
        unit = components[components.count - 2]
        root = components.dropLast(3).map { $0 + "/" }.joined()
    }

    /// Two files are in the same place when they belong to the same unit of the same tree.
    static func == (lhs: FilePlace, rhs: FilePlace) -> Bool { lhs.root == rhs.root && lhs.unit == rhs.unit }

    func hash(into hasher: inout Hasher) {
        hasher.combine(root)
        hasher.combine(unit)
    }

    var unitFile: String { "\(root)Workflows/\(unit)/unit.yaml" }
    var folders: [String] { ["\(root)Workflows/\(unit)", "\(root)Rules/\(unit)"] }
}

/// `transform` applied to every element, on every core, the results in the elements' order.
func concurrentMap<Element: Sendable, Result: Sendable>(
    _ elements: [Element], _ transform: @Sendable (Element) -> Result
) -> [Result] {
    guard elements.count > 1 else { return elements.map(transform) }
    let results = ResultSlots<Result>(count: elements.count)
    DispatchQueue.concurrentPerform(iterations: elements.count) { index in
        results.store(transform(elements[index]), at: index)
    }
    return results.values()
}

/// One slot per result, each written by one thread only, read when all are done.
private final class ResultSlots<Value>: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<Value?>

    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    deinit {
        slots.deinitialize()
        slots.deallocate()
    }

    func store(_ value: Value, at index: Int) { slots[index] = value }

    func values() -> [Value] { slots.map { $0! } }
}
