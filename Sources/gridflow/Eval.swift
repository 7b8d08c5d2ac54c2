import ArgumentParser
import Foundation
import GridflowDefinitions
import GridflowDiagnostics
import GridflowExpressions

/// `gridflow eval`: try an expression before putting it in a definition.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate an expression and print its value and type, or the problem with a caret.",
        discussion: """
            The data file is a JSON object whose keys are the names the expression reads, e.g.
            {"case": {"score": 72.5}, "reports": [...]}. Dates (YYYY-MM-DD) and datetimes with an
            offset are recognised in strings. Exits 1 when the expression has a problem or fails.
            """
    )

    /// The expression: every argument that is not one of the options, so that one starting
    /// with `-` (`gridflow eval -1`, `gridflow eval '-x + 1' --data d.json`) is not read as an option.
    @Argument(
        parsing: .allUnrecognized,
        help: ArgumentHelp("The expression (it may start with '-').", valueName: "expression"))
    var arguments: [String] = []

    /// The arguments that make the expression: all but a `--` that ends the options.
    var words: [String] {
        guard let end = arguments.firstIndex(of: "--") else { return arguments }
        var words = arguments
        words.remove(at: end)
        return words
    }

    /// The expression, as one argument.
    var expression: String { words.first ?? "" }

    func validate() throws {
        if words.count > 1, let option = words.first(where: { $0.hasPrefix("--") && $0.count > 2 }) {
            throw ValidationError("unknown option '\(option)'")
        }
        guard words.count == 1 else {
            throw ValidationError(
                words.isEmpty
                    ? "give the expression to evaluate"
                    : "give the expression as one argument (quote it), not \(words.count): "
                        + words.map { "'\($0)'" }.joined(separator: " "))
        }
    }

    @Option(help: "A JSON file with the values the expression reads.")
    var data: String?

    @Option(help: "The time now() returns (ISO 8601 with offset); default: the current time.")
    var now: String?

    @Flag(help: "Show the value of every sub-expression.")
    var explain = false

    @Option(help: "Use this unit's working calendar, time zone and org tree (from Workflows/UNIT/unit.yaml).")
    var unit: String?

    @Flag(help: "Print JSON: the value, its type and, with --explain, every sub-expression's value.")
    var json = false

    func run() throws {
        var environment = Environment(roots: [])
        var roots: [Value] = []
        if let data {
            guard let contents = FileManager.default.contents(atPath: data) else {
                throw CommandError(message: "cannot read the data file \(data)")
            }
            do {
                (environment, roots) = try DataBinding.bind(json: contents)
            } catch {
                throw CommandError(message: "\(data):\(error.description.first?.isNumber == true ? "" : " ")\(error)")
            }
        }
        var instant = Instant(seconds: Int(Date().timeIntervalSince1970))
        if let now {
            guard let parsed = Instant(now) else {
                throw ValidationError("--now must be a datetime such as 2024-07-01T09:00:00+08:00")
            }
            instant = parsed
        }
        var calendar = WorkCalendar()
        var time: Zone?
        if let unit {
            let result = Loader().load(paths: ["Workflows/\(unit)/unit.yaml"])
            guard let definitions = result.units[unit], !result.diagnostics.hasErrors else {
                throw CommandError(
                    message: result.missingPaths.isEmpty
                        ? "unit '\(unit)' has errors; run 'gridflow validate Workflows/\(unit)'"
                        : "no unit '\(unit)': Workflows/\(unit)/unit.yaml does not exist")
            }
            calendar = definitions.unit.workCalendar
            time = calendar.zone
            environment.org = UnitTypes(unit: definitions.unit).org
        }
        let source = SourceFile(path: "<expression>", text: expression)
        let renderer = DiagnosticRenderer(sources: [source])
        let compiled: CompiledExpression
        do {
            compiled = try Compiler.compile(expression, in: environment, tracing: explain)
        } catch {
            FileHandleOutput.standardError(
                renderer.render(Self.diagnostic(error.code, error.message, error.range, hint: error.hint)))
            throw ExitCode(1)
        }
        let frame = Frame(roots: roots, now: instant, calendar: calendar, tracing: explain)
        do {
            let value = try compiled.evaluate(frame)
            let scalars = Array(expression.unicodeScalars)
            let trace = (frame.trace ?? []).map { range, value in (TextRange.excerpt(of: scalars, range), value) }
            if json {
                var object: [String: Value] = ["value": value, "type": .string("\(compiled.type)")]
                if explain {
                    object["trace"] = .list(
                        trace.map { .map([.string("expression"): .string($0.0), .string("value"): $0.1]) })
                    object["untraced"] = .number(Number(frame.untraced))
                }
                FileHandleOutput.standardOutput(ValueJSON.encode(object, time: time) + "\n")
                return
            }
            for (text, value) in trace {
                FileHandleOutput.standardOutput("  \(text) = \(value.summary(in: time))\n")
            }
            if frame.untraced > 0 {
                FileHandleOutput.standardOutput("  … \(frame.untraced) more values, not traced\n")
            }
            FileHandleOutput.standardOutput("\(value.description(in: time)) : \(compiled.type)\n")
        } catch {
            FileHandleOutput.standardError(
                renderer.render(Self.diagnostic(error.code, error.message, error.range, hint: nil)))
            throw ExitCode(1)
        }
    }

    static func diagnostic(_ code: String, _ message: String, _ range: TextRange, hint: String?) -> Diagnostic {
        Diagnostic(
            .error, Diagnostic.Code(rawValue: code), message,
            at: SourceSpan(
                start: SourceLocation(file: "<expression>", line: 1, column: range.offset + 1), length: range.length),
            hint: hint)
    }
}
