/// A failure a command reports in one line, with the exit status to leave with: 2 for bad
/// arguments or input files, 1 for a check that failed.
struct CommandError: Error {
    var message: String
    var status: Int32 = 2
}
