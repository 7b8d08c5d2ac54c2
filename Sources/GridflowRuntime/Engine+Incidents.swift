import GridflowExpressions

extension Engine {
    /// Applies the event an incident came from again (after the definitions or the data were
    /// fixed). On success the step commits and the incident is resolved in one transaction; on
    /// failure the incident stays open and the reason is returned as an error.
    public func retry(_ incidentID: Int, now: Instant) throws(EngineError) -> CaseSnapshot {
        guard let stored = try storeCall({ () throws(StoreError) in try store.incident(incidentID) }) else {
            throw EngineError(.notFound, "no incident #\(incidentID)")
        }
        guard !stored.resolved else { throw EngineError(.notFound, "incident #\(incidentID) is resolved already") }
        if stored.event == "webhook" {
            // A webhook delivery that failed for good: queued again, for the daemon to try anew.
            guard let input = try? JSONReader.read(stored.inputJSON),
                case .number(let text)? = input["notification"], let notification = Int(text),
                let webhook = input["webhook"]?.string
            else { throw EngineError(.store, "incident #\(incidentID) names no webhook delivery") }
            let queued = try storeCall { () throws(StoreError) in
                try store.requeueWebhookDelivery(
                    notification: notification, webhook: webhook, at: now, resolving: incidentID)
            }
            guard queued else {
                throw EngineError(.notFound, "incident #\(incidentID): its webhook delivery is not failed (any more)")
            }
            return try load(stored.caseID)
        }
        guard stored.event != "effect" else {
            throw EngineError(
                .rejected, "incident #\(incidentID) came from an effect, which 'tick' performs; it cannot be retried")
        }
        let current = try load(stored.caseID)
        // The step is taken on the definitions the case runs on.
        let engine = try on(current)
        guard let workflow = engine.program.workflow(current.workflow) else {
            throw EngineError(.notFound, "no workflow")
        }
        let json: JSON
        do { json = try JSONReader.read(stored.inputJSON) } catch {
            throw EngineError(.store, "incident #\(incidentID)'s input is not valid JSON (\(error))")
        }
        let input = try engine.fieldValues(json, of: workflow, what: "incident #\(incidentID)'s input")
        let event: Event =
            stored.actor.id == Actor.system.id
            ? .timer(event: stored.event) : .act(event: stored.event, input: input, by: stored.actor)
        switch engine.interpreter.step(current, event, now: now) {
        case .advanced(let step):
            try storeCall { () throws(StoreError) in
                try store.commit(step, expectedVersion: current.version, resolving: incidentID)
            }
            return step.next
        case .rejected(let rejection):
            throw EngineError(rejection)
        case .incident(let incident):
            throw EngineError(.incident, "incident #\(incidentID) happens again: \(incident.message)")
        }
    }
}
