import Foundation
import GridflowDefinitions

extension GraphRenderer {
    /// A workflow's graph for tools: its states as nodes, its transitions as edges (one per
    /// source state), snake_case keys.
    struct Document: Encodable {
        var workflow: String
        var title: String?
        var initial: String?
        var nodes: [Node]
        var edges: [Link]
    }

    /// A state.
    struct Node: Encodable {
        var name: String
        var title: String?
        var initial: Bool
        var final: Bool
        var task: Task?
    }

    /// A state's human task.
    struct Task: Encodable {
        var title: String?
        var role: String?
        var person: String?
        var due: String?
    }

    /// A transition from one state, or a timer's event.
    struct Link: Encodable {
        var from: String
        var to: String
        var event: String
        var roles: [String]
        var person: String?
        var guardExpression: String?
        /// When a timer fires it (`after 5wd`), or `nil` for an event someone sends.
        var timer: String?

        enum CodingKeys: String, CodingKey {
            case from, to, event, roles, person, timer
            case guardExpression = "guard"
        }
    }

    func json(_ workflow: Workflow) -> String {
        var links: [Link] = []
        for transition in workflow.transitions {
            guard let target = transition.to?.text, workflow.state(target) != nil else { continue }
            let guardText = transition.guardExpression.map {
                $0.text.split(whereSeparator: \.isNewline).joined(separator: " ")
            }
            for source in workflow.sources(of: transition) where workflow.state(source) != nil {
                let timers = workflow.state(source)?.timers.filter { $0.event?.text == transition.event.text } ?? []
                links.append(
                    Link(
                        from: source, to: target, event: transition.event.text, roles: transition.roles.map(\.text),
                        person: transition.person?.text, guardExpression: guardText,
                        timer: timers.isEmpty ? nil : timers.map(Self.describe).joined(separator: ", ")))
            }
        }
        let document = Document(
            workflow: workflow.name.text, title: workflow.title, initial: workflow.initialState?.name.text,
            nodes: workflow.states.map { state in
                Node(
                    name: state.name.text, title: state.title, initial: state.initial, final: state.final,
                    task: state.task.map {
                        Task(title: $0.title, role: $0.role?.text, person: $0.person?.text, due: $0.due?.text)
                    })
            },
            edges: links)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Every field is a string, a Boolean or an array of them: encoding cannot fail.
        return String(decoding: (try? encoder.encode(document)) ?? Data("{}".utf8), as: UTF8.self) + "\n"
    }
}
