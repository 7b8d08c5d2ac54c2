import Foundation
import Synchronization

/// Files and folders the tests of every target make under the temporary directory, removed when
/// the test process exits: a suite's folder outlives its `init`, and a suite that is a struct has
/// no `deinit` to remove it in.
public enum TemporaryFiles {
    private static let made = Mutex<[String]>([])
    /// The removal at exit, registered on first use.
    private static let removal: Void = { atexit { TemporaryFiles.removeAll() } }()

    /// A new name `PREFIX-UUID` (then `suffix`) under the temporary directory, removed at exit.
    public static func path(_ prefix: String, suffix: String = "") -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "\(prefix)-\(UUID().uuidString)\(suffix)")
        _ = removal
        made.withLock { $0.append(url.path) }
        return url
    }

    /// Removes what was made, and a SQLite file's journal, write-ahead log and shared memory.
    public static func removeAll() {
        for path in made.withLock({ $0 }) {
            for suffix in ["", "-journal", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
                do { try FileManager.default.removeItem(atPath: path + suffix) } catch {
                    FileHandle.standardError.write(Data("cannot remove \(path + suffix): \(error)\n".utf8))
                }
            }
        }
    }
}
