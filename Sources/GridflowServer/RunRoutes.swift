import GridflowDefinitions
import GridflowExpressions
import GridflowRuntime
import HTTPTypes
import Hummingbird

/// Appraisal runs (a unit's administrators) and bulletins (anyone of the unit its audience
/// admits), as `gridflow appraise --json` and `gridflow report --format json` give them.
extension Routes {
    /// `POST /v1/units/{unit}/appraisals` `{"appraisal", "period", "role", "facts", "dry_run"}`:
    /// scores the unit's people for the period (imported facts from `facts`, CSV texts as
    /// `--facts` files), stores the results and performs each grade's consequences once (not for
    /// a dry run); the caller must also be in the appraisal's audience.
    func appraise(_ bytes: [UInt8], _ caller: Caller) throws -> Reply {
        let body = try object(bytes)
        let known: Set<String> = ["appraisal", "period", "role", "facts", "dry_run"]
        for key in body.keys where !known.contains(key) {
            throw Problem.badRequest(
                "unknown member '\(key)'; members: \(known.sorted().joined(separator: ", "))", field: key)
        }
        let engine = try daemon.engine(unit: caller.unit)
        let all = engine.program.appraisals
        let names = all.keys.sorted().joined(separator: ", ")
        let appraisal: CompiledAppraisal
        switch body["appraisal"] {
        case .string(let name)?:
            guard let found = all[name] else {
                throw Problem(
                    .unprocessableContent, "unknown-appraisal", "No such appraisal",
                    "unit '\(caller.unit)' has no appraisal '\(name)'"
                        + (all.isEmpty ? "" : "; appraisals: \(names)"), field: "appraisal")
            }
            appraisal = found
        case nil, .null?:
            guard all.count == 1, let only = all.values.first else {
                throw Problem(
                    .unprocessableContent, "unknown-appraisal", "No such appraisal",
                    all.isEmpty
                        ? "unit '\(caller.unit)' has no appraisal"
                        : "unit '\(caller.unit)' has several appraisals; name one: \(names)", field: "appraisal")
            }
            appraisal = only
        default: throw Problem.badRequest("appraisal takes an appraisal's name", field: "appraisal")
        }
        guard case .string(let period)? = body["period"], let window = AppraisalWindow(period) else {
            throw Problem.badRequest("period takes \(AppraisalPeriod.forms)", field: "period")
        }
        guard window.kind == appraisal.period else {
            throw Problem(
                .unprocessableContent, "wrong-period", "The appraisal runs per another period",
                "appraisal \(appraisal.name) runs per \(appraisal.period.rawValue.replacingOccurrences(of: "_", with: " ")); give a period such as \(appraisal.period.example)",
                field: "period")
        }
        var role: String?
        switch body["role"] {
        case nil, .null?: role = nil
        case .string(let name)? where appraisal.package(for: name) != nil: role = name
        case .string(let name)?:
            throw Problem(
                .unprocessableContent, "unknown-package", "No such package",
                "appraisal \(appraisal.name) has no package for role '\(name)'; packages: "
                    + appraisal.packages.map(\.role).joined(separator: ", "), field: "role")
        default: throw Problem.badRequest("role takes the role of one of the appraisal's packages", field: "role")
        }
        var dryRun = false
        switch body["dry_run"] {
        case nil, .null?: dryRun = false
        case .bool(let value)?: dryRun = value
        default: throw Problem.badRequest("dry_run takes true or false", field: "dry_run")
        }
        let now = daemon.now()
        // An appraisal whose facts read a restricted field is for its audience alone.
        let viewer = Viewer.person(try daemon.actor(engine, caller.person, now: now))
        guard appraisal.admits(viewer) else {
            throw Self.notInAudience(
                "appraisal \(appraisal.name)", audience: appraisal.audience, reads: appraisal.restrictedReads,
                person: caller.person)
        }
        var imported = ImportedFacts()
        switch body["facts"] {
        case nil, .null?: break
        case .array(let texts)?:
            var problems: [String] = []
            for (index, text) in texts.enumerated() {
                guard case .string(let csv) = text else {
                    throw Problem.badRequest("facts takes CSV texts", field: "facts[\(index)]")
                }
                problems += imported.read(csv: csv, file: "facts[\(index)]", for: appraisal)
            }
            guard problems.isEmpty else {
                var problem = Problem(
                    .unprocessableContent, "invalid-facts", "The facts are not valid",
                    "\(problems.count) problem\(problems.count == 1 ? "" : "s") in the facts; nothing was appraised",
                    field: "facts")
                problem.extra["problems"] = .list(problems.map(Value.string))
                throw problem
            }
        default: throw Problem.badRequest("facts takes a list of CSV texts", field: "facts")
        }
        let outcome: AppraisalOutcome
        do {
            outcome = try engine.appraise(
                appraisal, window: window, role: role, imported: imported, now: now, dryRun: dryRun)
        } catch { throw Problem.engine(error) }
        // A consequence may have opened cases, whose timers the scheduler must see.
        if !outcome.performed.isEmpty { daemon.wake.yield() }
        var document = outcome.document(appraisal: appraisal, window: window)
        document["unit"] = .string(caller.unit)
        document["dry_run"] = .bool(dryRun)
        document["stored"] = .bool(outcome.stored)
        return Reply(text: ValueJSON.encode(document))
    }

    /// `GET /v1/units/{unit}/reports/{report}?period=`: the bulletin's figures for the period as
    /// the caller may see them (a group key read from a field hidden from them is masked).
    func report(_ request: Request, _ context: APIContext) throws -> Reply {
        let caller = try context.requireCaller()
        let unit = try context.parameters.require("unit")
        guard unit == caller.unit else { throw Problem.notFound("no unit '\(unit)' is deployed here") }
        guard let period = request.uri.queryParameters.get("period"), let window = AppraisalWindow(String(period))
        else {
            throw Problem.badRequest("period takes \(AppraisalPeriod.forms)", field: "period")
        }
        let name = try context.parameters.require("report")
        let engine = try daemon.engine(unit: unit)
        let reports = engine.program.reports
        guard let report = reports[name] else {
            throw Problem.notFound(
                "unit '\(unit)' has no report '\(name)'"
                    + (reports.isEmpty ? "" : "; reports: " + reports.keys.sorted().joined(separator: ", ")))
        }
        let now = daemon.now()
        let viewer = Viewer.person(try daemon.actor(engine, caller.person, now: now))
        guard report.admits(viewer) else {
            throw Self.notInAudience(
                "report \(report.name)", audience: report.audience, reads: report.restrictedReads.map { "'\($0)'" },
                person: caller.person)
        }
        let figures: ReportFigures
        do { figures = try engine.figures(of: report, window: window, now: now, viewer: viewer) } catch {
            throw Problem.engine(error)
        }
        return Reply(text: ValueJSON.encode(figures.document(unit: unit)))
    }

    /// 403: `what` is for `audience` only, because it reads `reads`.
    static func notInAudience(_ what: String, audience: [String], reads: [String], person: String) -> Problem {
        let read = reads.isEmpty ? "" : " (it reads \(reads.joined(separator: ", ")))"
        return Problem(
            .forbidden, "not-in-audience", "Not for the caller",
            "\(what) is for \(audience.joined(separator: ", ")) only\(read): \(person) does not act in one of those roles"
        )
    }
}
