import GridflowDefinitions
import GridflowExpressions
import GridflowRuntime
import HTTPTypes
import Hummingbird

/// Incidents for every caller (as they may read them), and what a unit's administrators do:
/// retry incidents, list deployments, roll back, migrate open cases.
extension Routes {
    /// The caller, who must hold an administrator's token of the unit the route names (when it
    /// names one): another unit is not found, a person's token is forbidden.
    func administrator(_ context: APIContext) throws -> Caller {
        let caller = try context.requireCaller()
        if let unit = context.parameters.get("unit"), unit != caller.unit {
            throw Problem.notFound("no unit '\(unit)' is deployed here")
        }
        guard caller.admin else {
            throw Problem(
                .forbidden, "forbidden", "Only the unit's administrators",
                "this needs an administrator's token of \(caller.unit) ('gridflow token issue --admin')")
        }
        // The token says administrator; the unit's definitions and directory must still agree.
        if let refusal = try daemon.engine(unit: caller.unit).administrationRefusal(
            of: caller.person, now: daemon.now())
        {
            throw Problem(.forbidden, "forbidden", "Only the unit's administrators", refusal)
        }
        return caller
    }

    /// `GET /v1/tasks`: the caller's inbox — the open tasks their roles, scope and person fields
    /// give them, overdue first, then by due date; no field of a case.
    func tasks(_ context: APIContext) throws -> Reply {
        let caller = try context.requireCaller()
        let engine = try daemon.engine(unit: caller.unit)
        let now = daemon.now()
        let actor = try daemon.actor(engine, caller.person, now: now)
        let items = try engine.tasks(for: actor, now: now)
        let zone = engine.program.calendar.zone
        return Reply(
            text: "{\"person\":" + ValueJSON.encode(Value.string(caller.person)) + ",\"tasks\":["
                + items.map { $0.json(time: zone) }.joined(separator: ",") + "]}")
    }

    /// `GET /v1/incidents?case=`: the open incidents of the caller's unit, each as the caller may
    /// read its case (who sent the event and any value hidden from them are masked).
    func incidents(_ request: Request, _ context: APIContext) throws -> Reply {
        let caller = try context.requireCaller()
        let only = request.uri.queryParameters.get("case")
        let engine = try daemon.engine(unit: caller.unit)
        let now = daemon.now()
        let actor = try daemon.actor(engine, caller.person, now: now)
        let all: [StoredIncident]
        do { all = try daemon.store.incidents(caseID: only) } catch {
            throw Problem.engine(EngineError(.store, error.message))
        }
        var items: [Value] = []
        for incident in all {
            let stored: StoredCase?
            do { stored = try daemon.store.load(incident.caseID) } catch {
                throw Problem.engine(EngineError(.store, error.message))
            }
            guard let stored, stored.unit == caller.unit else { continue }
            let snapshot = try engine.snapshot(stored)
            guard let view = try engine.on(snapshot).view(snapshot, for: .person(actor), now: now) else { continue }
            let seen = view.incident(incident)
            items.append(
                .map([
                    .string("id"): .number(Number(incident.id)), .string("case_id"): .string(incident.caseID),
                    .string("code"): .string(incident.code), .string("message"): .string(seen.message),
                    .string("event"): .string(incident.event),
                    .string("transition"): incident.transition.map(Value.string) ?? .null,
                    .string("actor"): .string(seen.actor ?? seen.actorHidden?.mark ?? CaseView.mark),
                    .string("at"): .datetime(incident.at),
                ]))
        }
        return Reply(text: ValueJSON.encode(["incidents": .list(items)], time: engine.program.calendar.zone))
    }

    /// `POST /v1/incidents/{id}/retry`: applies the incident's event again (after a fix); on
    /// success the step commits and the incident is resolved, together.
    func retry(_ context: APIContext, _ caller: Caller) throws -> Reply {
        guard let id = Int(try context.parameters.require("id")) else { throw Problem.notFound("no such incident") }
        let incident: StoredIncident?
        do { incident = try daemon.store.incident(id) } catch {
            throw Problem.engine(EngineError(.store, error.message))
        }
        guard let incident, let stored = try? daemon.store.load(incident.caseID), stored.unit == caller.unit else {
            throw Problem.notFound("no incident #\(id)")
        }
        let engine = try daemon.engine(unit: caller.unit)
        let now = daemon.now()
        let actor = try daemon.actor(engine, caller.person, now: now)
        let current = try engine.snapshot(stored)
        let next: CaseSnapshot
        do { next = try engine.retry(id, now: now) } catch {
            throw Problem.engine(error, view: try engine.on(current).view(current, for: .person(actor), now: now))
        }
        daemon.wake.yield()
        return try document(engine, next, actor: actor, full: false)
    }

    /// `GET /v1/units/{unit}/deployments`: the unit's deployments, the active one marked.
    func deployments(_ context: APIContext) throws -> Reply {
        let caller = try administrator(context)
        let engine = try daemon.engine(unit: caller.unit)
        do {
            let all = try daemon.store.deployments(unit: caller.unit)
            let active = try daemon.store.activeDeployment(unit: caller.unit)
            let list = all.map { deployment -> Value in
                .map([
                    .string("sequence"): .number(Number(deployment.sequence)),
                    .string("version"): .string(deployment.version),
                    .string("active"): .bool(deployment.version == active),
                    .string("deployed_by"): .string(deployment.deployedBy),
                    .string("deployed_at"): .datetime(deployment.deployedAt),
                    .string("message"): deployment.message.map(Value.string) ?? .null,
                ])
            }
            return Reply(
                text: ValueJSON.encode(
                    ["unit": .string(caller.unit), "deployments": .list(list)], time: engine.program.calendar.zone))
        } catch { throw Problem.engine(EngineError(.store, error.message)) }
    }

    /// `POST /v1/units/{unit}/deployments` `{"files": {PATH: TEXT}, "message"}`: validates the
    /// unit's definition files (paths from `Workflows/` or `Rules/` on, with the base unit's) and
    /// stores them as a deployment that becomes active, as `gridflow deploy` does: 201 with the
    /// deployment, 200 when the content is deployed already, 422 listing every problem (file,
    /// line, column, code, message, hint) when the unit is not valid — then nothing is deployed.
    func deploy(_ bytes: [UInt8], _ context: APIContext, _ caller: Caller) throws -> Reply {
        let body = try object(bytes)
        for key in body.keys where key != "files" && key != "message" {
            throw Problem.badRequest(
                "unknown member '\(key)'; the body is {\"files\": {…}, \"message\": …}", field: key)
        }
        guard case .object(let object)? = body["files"], !object.isEmpty else {
            throw Problem.badRequest("files takes the unit's definition files by path", field: "files")
        }
        var files: [String: String] = [:]
        for (path, text) in object.entries {
            guard case .string(let text) = text else {
                throw Problem.badRequest("files.\(path) takes the file's text", field: "files.\(path)")
            }
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == "Workflows" || parts[0] == "Rules", !parts.contains(".."),
                path.hasSuffix(".yaml") || path.hasSuffix(".yml")
            else {
                throw Problem.badRequest(
                    "files.\(path): a path is Workflows/UNIT/FILE.yaml or Rules/UNIT/FILE.yaml", field: "files.\(path)")
            }
            files[path] = text
        }
        var message: String?
        switch body["message"] {
        case nil, .null?: message = nil
        case .string(let text)? where !text.contains(where: \.isNewline) && text.count <= 500: message = text
        default: throw Problem.badRequest("message takes one line of at most 500 characters", field: "message")
        }
        let unit = caller.unit
        let folders = ["Workflows/\(unit)", "Rules/\(unit)"].filter { folder in
            files.keys.contains { $0.hasPrefix(folder + "/") }
        }
        let result = Loader(fileSystem: .memory(files)).load(paths: folders)
        let errors = result.diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty, let definitions = result.units[unit] else {
            var problem = Problem(
                .unprocessableContent, "invalid-definitions", "The definitions are not valid",
                "\(unit) has \(max(errors.count, 1)) error\(errors.count == 1 ? "" : "s"); nothing was deployed")
            problem.extra["diagnostics"] = .list(
                (errors.isEmpty
                    ? [Value.string("no unit '\(unit)' in the files (Workflows/\(unit)/unit.yaml)")]
                    : errors.map { diagnostic in
                        .map([
                            .string("file"): diagnostic.location.map { .string($0.file) } ?? .null,
                            .string("line"): diagnostic.location.map { .number(Number($0.line)) } ?? .null,
                            .string("column"): diagnostic.location.map { .number(Number($0.column)) } ?? .null,
                            .string("code"): .string(diagnostic.code.rawValue),
                            .string("message"): .string(diagnostic.message),
                            .string("hint"): diagnostic.hint.map(Value.string) ?? .null,
                        ])
                    }))
            throw problem
        }
        let version = DefinitionVersion.of(result.sources)
        do { _ = try Program(definitions: definitions, version: version) } catch {
            throw Problem(.unprocessableContent, "invalid-definitions", "The definitions are not valid", "\(error)")
        }
        let deployable = DefinitionVersion.deployable(result.sources).map {
            StoredDeployment.File(path: DefinitionVersion.relative($0.path), text: $0.text)
        }.sorted { $0.path < $1.path }
        let created: Bool
        let stored: StoredDeployment?
        let wasActive: String?
        do {
            wasActive = try daemon.store.activeDeployment(unit: unit)
            created = try daemon.store.deploy(
                StoredDeployment(
                    unit: unit, version: version, sequence: 0, files: deployable, deployedBy: caller.person,
                    deployedAt: daemon.now(), message: message),
                adopting: [])
            stored = try daemon.store.deployment(unit: unit, version: version)
        } catch { throw Problem.engine(EngineError(.store, error.message)) }
        guard let stored else { throw Problem.engine(EngineError(.store, "the deployment was not stored")) }
        return Reply(
            text: ValueJSON.encode([
                "unit": .string(unit), "version": .string(version), "sequence": .number(Number(stored.sequence)),
                "outcome": .string(created ? "deployed" : wasActive == version ? "unchanged" : "reactivated"),
                "files": .number(Number(deployable.count)),
            ]),
            status: created ? 201 : 200)
    }

    /// The deployment `reference` names: its number, or its version (or the start of one).
    func deployment(_ reference: JSON?, of unit: String, field: String) throws -> StoredDeployment {
        let all: [StoredDeployment]
        do { all = try daemon.store.deployments(unit: unit) } catch {
            throw Problem.engine(EngineError(.store, error.message))
        }
        var found: [StoredDeployment] = []
        switch reference {
        case .number(let number)?: found = all.filter { "\($0.sequence)" == number }
        case .string(let text)? where text.count >= 4: found = all.filter { $0.version.hasPrefix(text) }
        default:
            throw Problem.badRequest("\(field) takes a deployment's number or its version", field: field)
        }
        guard found.count == 1 else {
            throw Problem(
                .unprocessableContent, "unknown-deployment", "No such deployment",
                "\(unit) has no deployment \(reference.map { $0.text } ?? "") (or it names several)")
        }
        return found[0]
    }

    /// `POST /v1/units/{unit}/rollback` `{"to": N or VERSION}`: makes an earlier deployment the one
    /// new cases open on.
    func rollback(_ bytes: [UInt8], _ context: APIContext, _ caller: Caller) throws -> Reply {
        let body = try object(bytes)
        for key in body.keys where key != "to" {
            throw Problem.badRequest("unknown member '\(key)'; the body is {\"to\": DEPLOYMENT}", field: key)
        }
        let target = try deployment(body["to"], of: caller.unit, field: "to")
        do { try daemon.store.activate(unit: caller.unit, version: target.version) } catch {
            throw Problem.engine(EngineError(.store, error.message))
        }
        return Reply(
            text: ValueJSON.encode([
                "unit": .string(caller.unit), "active": .number(Number(target.sequence)),
                "version": .string(target.version),
            ]))
    }

    /// `POST /v1/units/{unit}/migrations` `{"to", "from": […], "map_state": {OLD: NEW},
    /// "set": {FIELD: EXPR}, "drop": [FIELD], "dry_run"}`: as `gridflow migrate` — every open case
    /// checked, all moved in one transaction or none (422 listing each case that cannot move).
    func migrate(_ bytes: [UInt8], _ context: APIContext, _ caller: Caller) throws -> Reply {
        let body = try object(bytes)
        let known: Set<String> = ["to", "from", "map_state", "set", "drop", "dry_run"]
        for key in body.keys where !known.contains(key) {
            throw Problem.badRequest(
                "unknown member '\(key)'; members: \(known.sorted().joined(separator: ", "))", field: key)
        }
        let unit = caller.unit
        let targetVersion =
            body["to"] == nil
            ? try daemon.engine(unit: unit).program.version
            : try deployment(body["to"], of: unit, field: "to").version
        var sources: Set<String> = []
        if case .array(let items)? = body["from"] {
            for item in items { sources.insert(try deployment(item, of: unit, field: "from").version) }
        } else if body["from"] != nil {
            throw Problem.badRequest("from takes a list of deployments", field: "from")
        }
        func strings(_ name: String) throws -> [String: String] {
            guard let value = body[name] else { return [:] }
            guard case .object(let object) = value else {
                throw Problem.badRequest("\(name) takes an object", field: name)
            }
            var out: [String: String] = [:]
            for (key, item) in object.entries {
                guard case .string(let text) = item else {
                    throw Problem.badRequest("\(name).\(key) takes a string", field: "\(name).\(key)")
                }
                out[key] = text
            }
            return out
        }
        var rules = MigrationRules(states: try strings("map_state"), sets: try strings("set"))
        if case .array(let items)? = body["drop"] {
            for item in items {
                guard case .string(let field) = item else {
                    throw Problem.badRequest("drop takes field names", field: "drop")
                }
                rules.drops.insert(field)
            }
        }
        var dryRun = false
        if let flag = body["dry_run"] {
            guard case .bool(let value) = flag else {
                throw Problem.badRequest("dry_run takes true or false", field: "dry_run")
            }
            dryRun = value
        }
        guard let program = try daemon.catalog.program(unit: unit, version: targetVersion) else {
            throw Problem.notFound("no deployment \(targetVersion) of \(unit)")
        }
        let engine = Engine(program: program, store: daemon.store, catalog: daemon.catalog)
        let now = daemon.now()
        // The administrator's expressions read only what they may see of each case.
        let viewer = try daemon.actor(engine, caller.person, now: now)
        let moves = try engine.planMigration(
            try engine.casesToMigrate(from: sources), rules: rules, by: caller.person, now: now, viewer: viewer)
        let refused = moves.filter { !$0.problems.isEmpty }
        let rows = moves.map { move -> Value in
            .map([
                .string("case"): .string(move.caseID), .string("workflow"): .string(move.workflow),
                .string("from_version"): .string(move.fromVersion), .string("from_state"): .string(move.fromState),
                .string("to_state"): move.toState.map(Value.string) ?? .null,
                .string("problems"): .list(move.problems.map(Value.string)),
            ])
        }
        guard refused.isEmpty else {
            var problem = Problem(
                .unprocessableContent, "cannot-migrate", "Some cases cannot move",
                "\(refused.count) of \(moves.count) open cases cannot move; nothing was migrated")
            problem.extra["cases"] = .list(rows)
            throw problem
        }
        if !dryRun, !moves.isEmpty {
            do { try engine.migrate(moves) } catch { throw Problem.engine(error) }
            daemon.wake.yield()
        }
        return Reply(
            text: ValueJSON.encode([
                "unit": .string(unit), "to_version": .string(targetVersion), "dry_run": .bool(dryRun),
                "migrated": .bool(!dryRun && !moves.isEmpty), "cases": .list(rows),
            ]))
    }
}
