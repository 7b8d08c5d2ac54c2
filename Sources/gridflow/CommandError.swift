import ArgumentParser
import GridflowDiagnostics

/// A failure a command reports in one line, with the exit status to leave with: 2 for bad
/// arguments or input files, 1 for a check that failed.
struct CommandError: Error {
    var message: String
    var status: Int32 = 2
}

/// The definition of a kind that `name` (an option's value) names, or the unit's only one:
/// an unknown name, none at all, and several without a name are each a clear error.
func chosen<Definition>(
    _ name: String?, from all: [String: Definition], kind: String, option: String, unit: String,
    noneHint: String = ""
) throws -> Definition {
    if let name {
        guard let found = all[name] else {
            throw CommandError(
                message: "unit '\(unit)' has no \(kind) '\(name)'" + Suggestion.didYouMean(name, in: all.keys))
        }
        return found
    }
    switch all.count {
    case 0: throw CommandError(message: "unit '\(unit)' has no \(kind)" + noneHint)
    case 1: return all.values.first!
    default:
        throw ValidationError(
            "unit '\(unit)' has several \(kind)s; name one with --\(option): "
                + all.keys.sorted().joined(separator: ", "))
    }
}
