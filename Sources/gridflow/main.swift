import ArgumentParser
import Foundation

/// Runs the command line. Usage errors exit with 2, as compilers and most Unix tools do.
let command: ParsableCommand
do {
    command = try Gridflow.parseAsRoot()
} catch {
    if Gridflow.exitCode(for: error) == .validationFailure {
        FileHandleOutput.standardError(Gridflow.fullMessage(for: error) + "\n")
        exit(2)
    }
    Gridflow.exit(withError: error)
}
do {
    var running = command
    try running.run()
} catch let error as CommandError {
    FileHandleOutput.standardError("gridflow: error: \(error.message)\n")
    exit(error.status)
} catch let error as ValidationError {
    // Thrown by a command's `run()`: ArgumentParser would show the root's usage, so the
    // command's own is shown here, as for the errors it finds while parsing.
    FileHandleOutput.standardError(Gridflow.usageError(error.message, in: type(of: command)))
    exit(2)
} catch {
    Gridflow.exit(withError: error)
}
