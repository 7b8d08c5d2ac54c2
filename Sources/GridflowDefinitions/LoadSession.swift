import Foundation
import GridflowDiagnostics
import GridflowYAML

/// The state of one load: files read so far (each read once), units assembled, problems found.
struct LoadSession: Sendable {
    let fileSystem: DefinitionFileSystem

    init(fileSystem: DefinitionFileSystem) {
        self.fileSystem = fileSystem
    }
    private(set) var files: [String: DefinitionFile] = [:]
    private(set) var diagnostics: [Diagnostic] = []
    private(set) var units: [String: UnitDefinitions] = [:]
    private var places: [FilePlace] = []
    private var knownPlaces = Set<FilePlace>()
    private var requested = Set<String>()
    private var requestOrder: [String] = []

    /// Reads a requested file and remembers its unit for validation.
    mutating func request(_ path: String) {
        guard requested.insert(path).inserted else { return }
        requestOrder.append(path)
        let file = read(path)
        diagnostics += file.diagnostics
        guard let place = FilePlace(path) else {
            diagnostics.append(
                Diagnostic(
                    .error, "no-unit", "cannot tell which unit this file belongs to",
                    at: SourceSpan(start: SourceLocation(file: path, line: 1, column: 1)),
                    hint: "definitions live in Workflows/UNIT/ (the unit and its workflows) or Rules/UNIT/ (rule sets)")
            )
            return
        }
        if knownPlaces.insert(place).inserted { places.append(place) }
        // `gridflow test` runs the scenarios of Workflows/UNIT/tests/ and no others: one elsewhere
        // would be checked here and never run, a test that seems to pass.
        if file.kind == .scenario, !(place.inTests && place.area == "Workflows") {
            diagnostics.append(
                Diagnostic(
                    .error, "misplaced-file",
                    "a Scenario runs only from Workflows/\(place.unit)/tests/; here it would never be run",
                    at: file.span(ofKey: "kind"), hint: "move it to Workflows/\(place.unit)/tests/"))
        }
        if let kind = file.kind, kind != .scenario, place.inTests {
            diagnostics.append(
                Diagnostic(
                    .error, "misplaced-file", "tests/ holds scenarios, not a \(kind.rawValue)",
                    at: file.span(ofKey: "kind"),
                    hint:
                        "move it to \(kind == .unit || kind == .workflow || kind == .demo ? "Workflows" : "Rules")/\(place.unit)/"
                ))
        }
        if let kind = file.kind, kind != .scenario, !place.inTests {
            let belongs = [.unit, .workflow, .demo].contains(kind) ? "Workflows" : "Rules"
            if belongs != place.area {
                diagnostics.append(
                    Diagnostic(
                        .error, "misplaced-file",
                        "a \(kind.rawValue) belongs in \(belongs)/\(place.unit)/, not \(place.area)/\(place.unit)/",
                        at: file.span(ofKey: "kind")))
            }
            if kind == .unit, (path as NSString).lastPathComponent != "unit.yaml" {
                diagnostics.append(
                    Diagnostic(
                        .error, "misplaced-file", "a Unit is defined in a file named unit.yaml",
                        at: file.span(ofKey: "kind")))
            }
            if kind != .unit, (path as NSString).lastPathComponent == "unit.yaml" {
                diagnostics.append(
                    Diagnostic(
                        .error, "misplaced-file", "unit.yaml holds the unit, not a \(kind.rawValue)",
                        at: file.span(ofKey: "kind")))
            }
        }
    }

    private mutating func read(_ path: String) -> DefinitionFile {
        if let file = files[path] { return file }
        let file = Loader.parse(path: path, in: fileSystem)
        files[path] = file
        return file
    }

    /// Reads the files of `paths` not read yet, on every core: each file's reading is its own.
    mutating func preload(_ paths: [String]) {
        var seen = Set(files.keys)
        let missing = paths.filter { seen.insert($0).inserted }
        let fileSystem = self.fileSystem
        for file in concurrentMap(missing, { Loader.parse(path: $0, in: fileSystem) }) { files[file.path] = file }
    }

    /// Assembles and validates the unit of every requested file.
    ///
    /// Units are validated side by side, each on its own copy of the session; their problems,
    /// units and files are then taken in the order of the units, as one after the other would.
    mutating func validateUnits() {
        var listings: [FilePlace: [String]] = [:]
        for place in places { listings[place] = unitFiles(place) }
        preload(places.flatMap { [$0.unitFile] + listings[$0]! })
        guard places.count > 1 else {
            for place in places { validate(place, paths: listings[place]!) }
            return
        }
        let (session, lists) = (self, listings)
        let outcomes = concurrentMap(places) { place in
            var worker = session
            worker.diagnostics = []
            worker.units = [:]
            worker.validate(place, paths: lists[place]!)
            return worker
        }
        for worker in outcomes {
            diagnostics += worker.diagnostics
            units.merge(worker.units) { _, new in new }
            for (path, file) in worker.files where files[path] == nil { files[path] = file }
        }
    }

    /// The definition files of a unit: those in its folders, then those asked for elsewhere.
    private func unitFiles(_ place: FilePlace) -> [String] {
        var paths: [String] = []
        for folder in place.folders {
            for name in fileSystem.contents(of: folder).sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml")
            {
                let path = folder + "/" + name
                if fileSystem.exists(path), !fileSystem.isFolder(path) { paths.append(path) }
            }
        }
        var listed = Set(paths)
        for path in requestOrder where FilePlace(path) == place && listed.insert(path).inserted { paths.append(path) }
        return paths
    }

    private mutating func validate(_ place: FilePlace, paths: [String]) {

        let unitFile = read(place.unitFile)
        let unitCause = unitFile.firstError
        guard case .unit(var unit) = unitFile.definition, fileSystem.exists(place.unitFile) else {
            for path in paths where requested.contains(path) && path != place.unitFile {
                let problem = Diagnostic(
                    .error, "unit-unavailable",
                    fileSystem.exists(place.unitFile)
                        ? "unit '\(place.unit)' cannot be read; fix \(place.unitFile) first"
                        : "unit '\(place.unit)' has no \(place.unitFile)",
                    at: read(path).span(ofKey: "kind"),
                    hint: "every unit folder has a unit.yaml defining its roles, departments and org")
                diagnostics.append(unitCause.map(problem.following) ?? problem)
            }
            return
        }
        var problems: [Diagnostic] = []
        if unit.name.text != place.unit {
            problems.append(
                Diagnostic(
                    .error, "name-mismatch", "unit '\(unit.name.text)' is in folder '\(place.unit)'",
                    at: unit.name.span,
                    hint: "a unit's name equals its folder's name"))
        }
        var unloadedBase: (name: String, cause: Diagnostic)?
        if let base = unit.extends {
            unit = inherit(unit, base: base, place: place, problems: &problems, unloaded: &unloadedBase)
        }
        if !requested.contains(place.unitFile), let unitCause {
            for path in paths where requested.contains(path) {
                diagnostics.append(
                    Diagnostic(
                        .error, "unit-unavailable", "unit '\(place.unit)' has errors; fix \(place.unitFile) first",
                        at: read(path).span(ofKey: "kind")
                    ).following(unitCause))
            }
        }

        var definitions = UnitDefinitions(unit: unit)
        var owners: [String: (kind: String, name: Name)] = [:]
        var readable: [DefinitionFile] = []
        // Definitions whose files did not load, by what a reference would call them: a reference
        // to one follows from the file's error and is not reported as a name that is unknown.
        var unloaded: [String: Diagnostic] = [:]
        for path in paths where path != place.unitFile {
            let file = read(path)
            if file.definition == nil, file.kind != .scenario, file.kind != .unit, let cause = file.firstError {
                let inWorkflows = FilePlace(path)?.area == "Workflows"
                let family =
                    file.kind.map { $0 == .workflow ? "workflow" : "rule set" }
                    ?? (inWorkflows ? "workflow" : "rule set")
                for name in Self.names(file) where unloaded[family + " " + name] == nil {
                    unloaded[family + " " + name] = cause
                }
            }
            guard let definition = file.definition, let kind = file.kind, kind != .unit else { continue }
            let family = kind == .workflow ? "workflow" : "rule set"
            let key = family + " " + definition.name.text
            if let first = owners[key] {
                problems.append(
                    Diagnostic(
                        .error, "duplicate-name",
                        "duplicate \(family) '\(definition.name.text)' in unit '\(place.unit)'",
                        at: definition.name.span,
                        notes: [
                            Diagnostic.Note(
                                span: first.name.span, message: "'\(definition.name.text)' first defined here")
                        ]))
                continue
            }
            owners[key] = (family, definition.name)
            if let declared = file.root?["unit"]?.name, declared.text != place.unit {
                problems.append(
                    Diagnostic(
                        .error, "name-mismatch",
                        "this file says unit '\(declared.text)' but is in folder '\(place.unit)'",
                        at: declared.span))
            }
            definitions.add(definition)
            readable.append(file)
        }

        var validator = Validator(unit: definitions)
        validator.unloaded = unloaded.filter { key, _ in !owners.keys.contains(key) }
        validator.unloadedBase = unloadedBase
        validator.checkUnit(unitFile)
        for file in readable { validator.check(file) }
        problems += validator.diagnostics
        diagnostics += problems
        units[place.unit] = definitions
    }

    /// The names a file that did not load may define: its `name:` as far as it was read, the
    /// value of a `name:` line at the start of a line of its text, and the file's own name.
    static func names(_ file: DefinitionFile) -> Set<String> {
        var names: Set<String> = []
        if let name = file.root?["name"]?.scalar?.string { names.insert(name) }
        for line in file.source.lines where line.hasPrefix("name:") {
            let value = line.dropFirst(5).prefix { $0 != "#" }.trimmingCharacters(in: .whitespaces)
            if Identifier.isValid(value) { names.insert(value) }
        }
        let stem = ((file.path as NSString).lastPathComponent as NSString).deletingPathExtension
        if Identifier.isValid(stem) { names.insert(stem) }
        return names
    }

    /// Merges the abstract unit `base` (and its own bases) into `unit`.
    /// A base whose file did not load is left out, and named with its file's first error in `unloaded`.
    private mutating func inherit(
        _ unit: Unit, base: Name, place: FilePlace, problems: inout [Diagnostic],
        unloaded: inout (name: String, cause: Diagnostic)?
    ) -> Unit {
        var chain: [String] = [unit.name.text]
        var bases: [Unit] = []
        var next: Name? = base
        while let name = next {
            guard !chain.contains(name.text) else {
                problems.append(
                    Diagnostic(
                        .error, "extends-cycle",
                        "unit '\(name.text)' extends itself through '\(chain.joined(separator: "' → '"))'",
                        at: name.span))
                break
            }
            chain.append(name.text)
            let path = "\(place.root)Workflows/\(name.text)/unit.yaml"
            if fileSystem.exists(path), read(path).definition == nil,
                let cause = read(path).firstError
            {
                problems.append(
                    Diagnostic(
                        .error, "unloaded-unit", "base unit '\(name.text)' did not load; fix \(path) first",
                        at: name.span
                    ).following(cause))
                unloaded = (name.text, cause)
                break
            }
            guard fileSystem.exists(path), case .unit(let found) = read(path).definition else {
                let siblings = fileSystem.contents(of: "\(place.root)Workflows")
                problems.append(
                    Diagnostic(
                        .error, "unknown-unit",
                        "unit '\(name.text)' does not exist" + Suggestion.didYouMean(name.text, in: siblings),
                        at: name.span, hint: "a base unit is defined in Workflows/NAME/unit.yaml with 'abstract: true'")
                )
                break
            }
            if !found.abstract, bases.isEmpty {
                // A concrete unit is validated, run and reported on as itself; a second unit built
                // on it would silently change when it changes.
                problems.append(
                    Diagnostic(
                        .error, "extends-concrete",
                        "unit '\(name.text)' is not abstract; a unit extends only an abstract base",
                        at: name.span,
                        hint: "mark unit '\(name.text)' 'abstract: true' in \(path), or extend a group-level base"))
            }
            bases.append(found)
            next = found.extends
        }
        var merged = unit
        for base in bases { merged = merged.inheriting(from: base) }
        return merged
    }
}
