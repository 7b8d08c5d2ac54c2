import Foundation

/// Where the loader reads definition files: the disk (a working tree), or files held in memory
/// (a deployment read from a store), laid out the same way: `Workflows/UNIT/…`, `Rules/UNIT/…`.
public struct DefinitionFileSystem: Sendable {
    enum Storage: Sendable {
        case disk
        /// Text by path, and every folder that holds a file (at any depth).
        case memory(files: [String: String], folders: Set<String>)
    }

    let storage: Storage

    /// The files on disk.
    public static let disk = DefinitionFileSystem(storage: .disk)

    /// Files held in memory, by path (such as `Workflows/oilfield/unit.yaml`).
    public static func memory(_ files: [String: String]) -> DefinitionFileSystem {
        var folders: Set<String> = []
        for path in files.keys {
            var parts = path.split(separator: "/", omittingEmptySubsequences: false).dropLast()
            while !parts.isEmpty {
                folders.insert(parts.joined(separator: "/"))
                parts = parts.dropLast()
            }
        }
        return DefinitionFileSystem(storage: .memory(files: files, folders: folders))
    }

    /// Whether a file or folder is at `path`.
    func exists(_ path: String) -> Bool {
        switch storage {
        case .disk: FileManager.default.fileExists(atPath: path)
        case .memory(let files, let folders): files[path] != nil || folders.contains(Self.trimmed(path))
        }
    }

    /// Whether `path` is a folder.
    func isFolder(_ path: String) -> Bool {
        switch storage {
        case .disk:
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
        case .memory(_, let folders):
            return folders.contains(Self.trimmed(path))
        }
    }

    /// The names of what a folder holds directly; empty when it is not a folder.
    func contents(of folder: String) -> [String] {
        switch storage {
        case .disk:
            return (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        case .memory(let files, let folders):
            let prefix = Self.trimmed(folder) + "/"
            var names: Set<String> = []
            for path in Array(files.keys) + Array(folders) where path.hasPrefix(prefix) {
                let rest = path.dropFirst(prefix.count)
                if let name = rest.split(separator: "/").first { names.insert(String(name)) }
            }
            return names.sorted()
        }
    }

    /// Every path under `folder`, relative to it, folders before what they hold; a path whose
    /// last component `skip` accepts is listed but not descended into.
    func walk(_ folder: String, skip: (String) -> Bool) -> [String] {
        var found: [String] = []
        func visit(_ relative: String) {
            let full = relative.isEmpty ? folder : Self.joined(folder, relative)
            for name in contents(of: full).sorted() {
                let path = relative.isEmpty ? name : relative + "/" + name
                found.append(path)
                if !skip(name), isFolder(Self.joined(folder, path)) { visit(path) }
            }
        }
        visit("")
        return found
    }

    /// The bytes of the file at `path`, or nil.
    func data(_ path: String) -> [UInt8]? {
        switch storage {
        case .disk: FileManager.default.contents(atPath: path).map { Array($0) }
        case .memory(let files, _): files[path].map { Array($0.utf8) }
        }
    }

    static func joined(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    static func trimmed(_ path: String) -> String {
        var path = path
        while path.hasSuffix("/") { path.removeLast() }
        if path.hasPrefix("./") { path.removeFirst(2) }
        return path
    }
}
