import GridflowDefinitions
import GridflowExpressions

/// An effect with its expressions compiled.
struct CompiledEffect: Sendable {
    enum Action: Sendable {
        case open(workflow: String, fields: [(name: String, code: CompiledExpression)])
        case notify(role: String, message: String?)
        case signal(caseID: CompiledExpression, event: String)
        case record(ledger: String, value: CompiledExpression)
        case commend(list: String)
        case appoint(role: String, person: CompiledExpression, at: CompiledExpression?, shift: CompiledExpression?)
        /// `reason` is a reason as written or an expression giving one.
        case endAppointment(
            role: String, person: CompiledExpression, at: CompiledExpression?, reason: EndReason)
    }

    enum EndReason: Sendable {
        case named(String)
        case expression(CompiledExpression)
    }

    let action: Action
    let when: CompiledExpression?

    init(_ effect: Effect, environment: Environment, place: String) throws(Program.CompileError) {
        func compile(_ expression: Expression, _ expecting: ValueType? = nil) throws(Program.CompileError)
            -> CompiledExpression
        {
            try CompiledWorkflow.compile(expression.text, environment, expecting, place)
        }
        when = try effect.when.map { (e) throws(Program.CompileError) in try compile(e, .bool) }
        switch effect.action {
        case .open(let workflow, let with):
            var fields: [(name: String, code: CompiledExpression)] = []
            for (field, value) in with { fields.append((field.text, try compile(value))) }
            action = .open(workflow: workflow.text, fields: fields)
        case .notify(let role, let message):
            action = .notify(role: role.text, message: message)
        case .signal(let target, let event):
            action = .signal(caseID: try compile(target, .string), event: event.text)
        case .record(let ledger, let value):
            action = .record(ledger: ledger.text, value: try compile(value))
        case .commend(let list):
            action = .commend(list: list.text)
        case .appoint(let role, let person, let at, let shift):
            action = .appoint(
                role: role.text, person: try compile(person),
                at: try at.map { (e) throws(Program.CompileError) in try compile(e, .string) },
                shift: try shift.map { (e) throws(Program.CompileError) in try compile(e, .optional(.string)) })
        case .endAppointment(let role, let person, let at, let reason):
            let compiledReason: EndReason
            switch reason {
            case .named(let name): compiledReason = .named(name.text)
            case .expression(let expression): compiledReason = .expression(try compile(expression, .string))
            }
            action = .endAppointment(
                role: role.text, person: try compile(person),
                at: try at.map { (e) throws(Program.CompileError) in try compile(e, .string) }, reason: compiledReason)
        }
    }
}
