import GridflowDefinitions

/// Draws a workflow's state machine as Mermaid (renders on Git forges) or Graphviz DOT.
///
/// Both forms show the same model: the initial state, every transition labelled with its event,
/// the roles or person who may fire it and its guard, timers as dashed edges (with a clock in
/// Mermaid), and final states marked. DOT draws a transition with several sources once: they
/// join in a point, from which one labelled edge leads to the target; its labels name a CJK
/// font stack, so Chinese titles render on a fresh Linux machine with fonts-noto-cjk.
public struct GraphRenderer: Sendable {
    /// The output formats.
    public enum Format: String, Sendable, CaseIterable {
        /// Mermaid, which renders on Git forges.
        case mermaid
        /// Graphviz DOT.
        case dot
        /// JSON for tools: states as nodes, transitions as edges.
        case json
    }

    public init() {}

    /// Renders `workflow` in `format`, ending with a newline.
    public func render(_ workflow: Workflow, format: Format) -> String {
        switch format {
        case .mermaid: mermaid(workflow)
        case .dot: dot(workflow)
        case .json: json(workflow)
        }
    }

    /// One edge of the diagram.
    struct Edge {
        var from: String
        var to: String
        var label: String
        var timer: Bool
    }

    /// A transition's label: its event, who takes it, and its guard in brackets.
    static func label(of transition: Transition, guardOnItsOwnLine: Bool) -> String {
        var label = transition.event.text
        let actors = transition.roles.map(\.text) + (transition.person.map { ["person: \($0.text)"] } ?? [])
        if !actors.isEmpty { label += " (" + actors.joined(separator: ", ") + ")" }
        if let guardExpression = transition.guardExpression {
            label +=
                (guardOnItsOwnLine ? "\n[" : " [")
                + guardExpression.text.split(whereSeparator: \.isNewline).joined(separator: " ") + "]"
        }
        return label
    }

    func edges(_ workflow: Workflow) -> [Edge] {
        var edges: [Edge] = []
        for transition in workflow.transitions {
            guard let target = transition.to?.text, workflow.state(target) != nil else { continue }
            let label = Self.label(of: transition, guardOnItsOwnLine: false)
            for source in workflow.sources(of: transition) where workflow.state(source) != nil {
                let timers = workflow.state(source)?.timers.filter { $0.event?.text == transition.event.text } ?? []
                if timers.isEmpty {
                    edges.append(Edge(from: source, to: target, label: label, timer: false))
                } else {
                    let when = timers.map(Self.describe).joined(separator: ", ")
                    edges.append(Edge(from: source, to: target, label: "⏱ \(when): \(label)", timer: true))
                }
            }
        }
        return edges
    }

    static func describe(_ timer: Timer) -> String {
        switch timer.trigger {
        case .after(let duration)?: "after \(duration.text)"
        case .at(let expression)?: "at \(expression.text)"
        case nil: "timer"
        }
    }

    /// The text shown in a state's box: its name, title and task.
    func stateLabel(_ state: State, lineBreak: String) -> [String] {
        var lines = [state.name.text]
        if let title = state.title { lines.append(title) }
        if let task = state.task {
            var text = "task: " + (task.title ?? "")
            var details: [String] = []
            if let role = task.role { details.append(role.text) }
            if let person = task.person { details.append("person: \(person.text)") }
            if let due = task.due { details.append("due \(due.text)") }
            if !details.isEmpty { text += " (" + details.joined(separator: ", ") + ")" }
            lines.append(text)
        }
        return lines
    }

    // MARK: Mermaid

    private func mermaid(_ workflow: Workflow) -> String {
        var out = "---\ntitle: \(Self.mermaidText(workflow.title ?? workflow.name.text))\n---\nflowchart TD\n"
        out += "    classDef final stroke-width:3px\n"
        out += "    start_((\" \")) --> \(Self.id(workflow.initialState?.name.text ?? ""))\n"
        for state in workflow.states {
            let label = stateLabel(state, lineBreak: "<br/>").map(Self.mermaidText).joined(separator: "<br/>")
            if state.final {
                out += "    \(Self.id(state.name.text))([\"\(label)\"]):::final\n"
            } else {
                out += "    \(Self.id(state.name.text))[\"\(label)\"]\n"
            }
        }
        for edge in edges(workflow) {
            let label = Self.mermaidText(edge.label)
            let arrow = edge.timer ? "-. \"\(label)\" .->" : "-- \"\(label)\" -->"
            out += "    \(Self.id(edge.from)) \(arrow) \(Self.id(edge.to))\n"
        }
        return out
    }

    /// Mermaid node ids: state names are identifiers already; a suffix avoids Mermaid's keywords (`end`).
    static func id(_ name: String) -> String { name + "_" }

    /// Escapes text for a quoted Mermaid label with entity codes.
    static func mermaidText(_ text: String) -> String {
        var out = ""
        for char in text {
            switch char {
            case "\"": out += "#quot;"
            case "<": out += "#lt;"
            case ">": out += "#gt;"
            case "#": out += "#35;"
            case ";": out += "#59;"
            case "\n": out += " "
            default: out.append(char)
            }
        }
        return out
    }

    // MARK: DOT

    /// The fonts of DOT labels: CJK faces found on Linux (Noto, Source Han, WenQuanYi), macOS and
    /// Windows, then the generic face; Graphviz hands the list to Pango or writes it into SVG.
    public static let fontStack =
        "Noto Sans CJK SC,Source Han Sans SC,WenQuanYi Micro Hei,PingFang SC,Microsoft YaHei,sans-serif"

    private func dot(_ workflow: Workflow) -> String {
        var out = "digraph \(Self.dotString(workflow.name.text)) {\n"
        out += "    label=\(Self.dotString(workflow.title ?? workflow.name.text));\n"
        out += "    labelloc=t;\n    rankdir=TB;\n"
        out += "    fontname=\(Self.dotString(Self.fontStack));\n"
        out += "    node [shape=box, style=rounded, fontname=\(Self.dotString(Self.fontStack))];\n"
        out += "    edge [fontname=\(Self.dotString(Self.fontStack)), fontsize=10];\n"
        out += "    start_ [shape=point, width=0.2, label=\"\"];\n"
        for state in workflow.states {
            let label = stateLabel(state, lineBreak: "\n").joined(separator: "\n")
            let shape = state.final ? ", shape=doublecircle, style=\"\"" : ""
            out += "    \(Self.dotString(state.name.text)) [label=\(Self.dotString(label))\(shape)];\n"
        }
        if let initial = workflow.initialState {
            out += "    start_ -> \(Self.dotString(initial.name.text));\n"
        }
        var junctions = 0
        for transition in workflow.transitions {
            guard let target = transition.to?.text, workflow.state(target) != nil else { continue }
            // The guard on a line of its own keeps the label narrow.
            let label = Self.label(of: transition, guardOnItsOwnLine: true)
            var untimed: [String] = []
            for source in workflow.sources(of: transition) where workflow.state(source) != nil {
                let timers = workflow.state(source)?.timers.filter { $0.event?.text == transition.event.text } ?? []
                if timers.isEmpty {
                    untimed.append(source)
                } else {
                    // Dashed and orange say "timer": no clock sign, which CJK faces lack.
                    let when = timers.map(Self.describe).joined(separator: ", ")
                    out +=
                        "    \(Self.dotString(source)) -> \(Self.dotString(target)) [label=\(Self.dotString("\(when): \(label)")), style=dashed, color=\"#b05000\", fontcolor=\"#b05000\"];\n"
                }
            }
            if untimed.count == 1 {
                out +=
                    "    \(Self.dotString(untimed[0])) -> \(Self.dotString(target)) [label=\(Self.dotString(label))];\n"
            } else if untimed.count > 1 {
                junctions += 1
                let junction = Self.dotString("\(transition.event.text)_\(junctions)_")
                out += "    \(junction) [shape=point, width=0.08, label=\"\"];\n"
                for source in untimed {
                    out += "    \(Self.dotString(source)) -> \(junction) [arrowhead=none];\n"
                }
                out += "    \(junction) -> \(Self.dotString(target)) [label=\(Self.dotString(label))];\n"
            }
        }
        out += "}\n"
        return out
    }

    /// A DOT quoted string.
    static func dotString(_ text: String) -> String {
        var out = "\""
        for char in text {
            switch char {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.append(char)
            }
        }
        return out + "\""
    }
}
