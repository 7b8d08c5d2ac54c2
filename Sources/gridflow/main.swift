import ArgumentParser
import Foundation

/// Runs the command line. Usage errors exit with 2, as compilers and most Unix tools do.
do {
    var command = try Gridflow.parseAsRoot()
    try command.run()
} catch let error as CommandError {
    FileHandle.standardError.write(Data("gridflow: error: \(error.message)\n".utf8))
    exit(error.status)
} catch {
    let code = Gridflow.exitCode(for: error)
    if code == .validationFailure {
        FileHandle.standardError.write(Data((Gridflow.fullMessage(for: error) + "\n").utf8))
        exit(2)
    }
    Gridflow.exit(withError: error)
}
