import GridflowExpressions

extension EffectRequest {
    /// The effect's kind as written in YAML.
    public var kind: String {
        switch self {
        case .open: "open"
        case .notify: "notify"
        case .signal: "signal"
        case .record: "record"
        case .commend: "commend"
        case .appoint: "appoint"
        case .endAppointment: "end_appointment"
        }
    }

    /// The effect as JSON, `{"kind": …, …}`: how the outbox keeps it for `tick`, which reads it
    /// back (`Engine.perform`), and how appraisal consequences and deliveries record it.
    public var json: String {
        var fields: [String: Value] = ["kind": .string(kind)]
        switch self {
        case .open(let workflow, let values):
            let names = values.keys.sorted()
            fields["workflow"] = .string(workflow)
            fields["fields"] = .record(Record(layout: RecordLayout(names: names), slots: names.map { values[$0]! }))
        case .notify(let role, let message):
            fields["role"] = .string(role)
            fields["message"] = message.map(Value.string) ?? .null
        case .signal(let caseID, let event):
            fields["case"] = .string(caseID)
            fields["event"] = .string(event)
        case .record(let ledger, let value):
            fields["ledger"] = .string(ledger)
            fields["value"] = value
        case .commend(let list):
            fields["list"] = .string(list)
        case .appoint(let role, let person, let at, let shift):
            fields["role"] = .string(role)
            fields["person"] = person
            fields["at"] = at.map(Value.string) ?? .null
            fields["shift"] = shift.map(Value.string) ?? .null
        case .endAppointment(let role, let person, let at, let reason):
            fields["role"] = .string(role)
            fields["person"] = person
            fields["at"] = at.map(Value.string) ?? .null
            fields["reason"] = .string(reason)
        }
        return ValueJSON.encode(fields)
    }
}
