import GridflowDefinitions

/// Draws a workflow's states and transitions as an SVG drawing for a web page, with one state
/// marked as the current one: a small layered layout of its own (no Graphviz at request time).
///
/// States are placed in rows by their distance from the initial state (breadth first; a state
/// no transition reaches comes last), ordered within a row by where their predecessors are.
/// A transition down the rows is a straight arrow; one back up, or within a row, bends out to
/// the right. Every text is escaped for XML.
public struct WorkflowSVG: Sendable {
    public init() {}

    /// The layout of one state.
    struct Box {
        var name: String
        var lines: [String]
        var rank: Int
        var x = 0.0
        var y = 0.0
        var width = 0.0
        var final: Bool
    }

    static let fontSize = 13.0
    static let lineHeight = 17.0
    static let padding = 12.0
    static let rowGap = 64.0
    static let columnGap = 28.0
    static let margin = 16.0

    /// The drawing of `workflow` with `current` (a state's name, or `nil`) marked; `title` is
    /// the drawing's accessible name, `currentLabel` the word beside the current state.
    public func render(_ workflow: Workflow, current: String?, title: String, currentLabel: String = "current")
        -> String
    {
        let states = workflow.states
        guard !states.isEmpty else {
            return "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"1\" height=\"1\"><title>"
                + Self.escape(title) + "</title></svg>"
        }
        // Edges, one per pair of states, their events joined.
        var pairs: [(from: String, to: String, labels: [String], timer: Bool)] = []
        for transition in workflow.transitions {
            guard let target = transition.to?.text, workflow.state(target) != nil else { continue }
            let label = transition.title ?? transition.event.text
            for source in workflow.sources(of: transition) where workflow.state(source) != nil {
                let timed = workflow.state(source)?.timers.contains { $0.event?.text == transition.event.text } ?? false
                if let index = pairs.firstIndex(where: { $0.from == source && $0.to == target }) {
                    if !pairs[index].labels.contains(label) { pairs[index].labels.append(label) }
                    pairs[index].timer = pairs[index].timer && timed
                } else {
                    pairs.append((source, target, [label], timed))
                }
            }
        }
        // Rows: breadth first from the initial state.
        var rank: [String: Int] = [:]
        let start = workflow.initialState?.name.text ?? states[0].name.text
        rank[start] = 0
        var queue = [start]
        while !queue.isEmpty {
            let next = queue.removeFirst()
            for pair in pairs where pair.from == next && rank[pair.to] == nil {
                rank[pair.to] = rank[next]! + 1
                queue.append(pair.to)
            }
        }
        let reached = rank.values.max() ?? 0
        var boxes: [Box] = states.map { state in
            let name = state.name.text
            var lines = [state.title ?? name]
            if state.title != nil, state.title != name { lines.append(name) }
            return Box(name: name, lines: lines, rank: rank[name] ?? reached + 1, final: state.final)
        }
        for index in boxes.indices {
            let widest = boxes[index].lines.map(Self.textWidth).max() ?? 0
            boxes[index].width = max(72, widest + 2 * Self.padding)
        }
        let height = Double(max(1, boxes.map(\.lines.count).max() ?? 1)) * Self.lineHeight + Self.padding
        let ranks = (boxes.map(\.rank).max() ?? 0) + 1
        // Order within a row: by the mean position of the row above's predecessors (barycentre).
        var rows: [[Int]] = Array(repeating: [], count: ranks)
        for (index, box) in boxes.enumerated() { rows[box.rank].append(index) }
        var position: [String: Double] = [:]
        for (row, members) in rows.enumerated() {
            var ordered = members
            if row > 0 {
                func centre(_ index: Int) -> Double {
                    let above = pairs.filter { $0.to == boxes[index].name }.compactMap { position[$0.from] }
                    return above.isEmpty ? Double(index) : above.reduce(0, +) / Double(above.count)
                }
                ordered = members.enumerated().sorted { a, b in
                    let (x, y) = (centre(a.element), centre(b.element))
                    return x != y ? x < y : a.offset < b.offset
                }.map(\.element)
            }
            rows[row] = ordered
            for (slot, index) in ordered.enumerated() { position[boxes[index].name] = Double(slot) }
        }
        let rowWidths = rows.map { members in
            members.map { boxes[$0].width }.reduce(0, +) + Double(max(0, members.count - 1)) * Self.columnGap
        }
        // Room on the right for the arrows that bend back.
        let bends = pairs.contains { (rank[$0.to] ?? ranks) <= (rank[$0.from] ?? ranks) }
        let content = rowWidths.max() ?? 0
        let width = content + 2 * Self.margin + (bends ? 120 : 0)
        for (row, members) in rows.enumerated() {
            var x = Self.margin + (content - rowWidths[row]) / 2
            for index in members {
                boxes[index].x = x
                boxes[index].y = Self.margin + Double(row) * (height + Self.rowGap)
                x += boxes[index].width + Self.columnGap
            }
        }
        let total = Self.margin * 2 + Double(ranks) * height + Double(ranks - 1) * Self.rowGap
        var byName: [String: Box] = [:]
        for box in boxes { byName[box.name] = box }

        var out =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"workflow-diagram\" role=\"img\" aria-labelledby=\"diagram-title\" "
            + "width=\"\(Self.number(width))\" height=\"\(Self.number(total))\" viewBox=\"0 0 \(Self.number(width)) \(Self.number(total))\" "
            + "font-family=\"\(Self.escape(GraphRenderer.fontStack))\" font-size=\"\(Self.number(Self.fontSize))\">\n"
        out += "<title id=\"diagram-title\">" + Self.escape(title) + "</title>\n"
        out +=
            "<defs><marker id=\"gf-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">"
            + "<path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#333\"/></marker></defs>\n"
        var labels = ""
        for pair in pairs {
            guard let from = byName[pair.from], let to = byName[pair.to] else { continue }
            let dash = pair.timer ? " stroke-dasharray=\"5 4\"" : ""
            let text = pair.labels.joined(separator: ", ")
            let labelX: Double
            let labelY: Double
            if from.name == to.name {
                let x = from.x + from.width
                let y = from.y + height / 2
                out +=
                    "<path d=\"M \(Self.number(x)) \(Self.number(y - 8)) C \(Self.number(x + 40)) \(Self.number(y - 30)) \(Self.number(x + 40)) \(Self.number(y + 30)) \(Self.number(x)) \(Self.number(y + 8))\" fill=\"none\" stroke=\"#333\"\(dash) marker-end=\"url(#gf-arrow)\"/>\n"
                (labelX, labelY) = (x + 44, y + 4)
            } else if to.rank > from.rank {
                let (x1, y1) = (from.x + from.width / 2, from.y + height)
                let (x2, y2) = (to.x + to.width / 2, to.y)
                out +=
                    "<line x1=\"\(Self.number(x1))\" y1=\"\(Self.number(y1))\" x2=\"\(Self.number(x2))\" y2=\"\(Self.number(y2))\" stroke=\"#333\"\(dash) marker-end=\"url(#gf-arrow)\"/>\n"
                (labelX, labelY) = ((x1 + x2) / 2 + 6, (y1 + y2) / 2 + 4)
            } else {
                // Back up (or along the row): out of the right side, round and into the right side.
                let (x1, y1) = (from.x + from.width, from.y + height / 2)
                let (x2, y2) = (to.x + to.width, to.y + height / 2)
                let bend = max(x1, x2) + 60
                out +=
                    "<path d=\"M \(Self.number(x1)) \(Self.number(y1)) C \(Self.number(bend)) \(Self.number(y1)) \(Self.number(bend)) \(Self.number(y2)) \(Self.number(x2)) \(Self.number(y2))\" fill=\"none\" stroke=\"#333\"\(dash) marker-end=\"url(#gf-arrow)\"/>\n"
                (labelX, labelY) = (bend - 10, (y1 + y2) / 2 + 4)
            }
            labels +=
                "<text x=\"\(Self.number(labelX))\" y=\"\(Self.number(labelY))\" font-size=\"11\" fill=\"#222\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">"
                + Self.escape(text) + "</text>\n"
        }
        for box in boxes {
            let isCurrent = box.name == current
            let fill = isCurrent ? "#fde68a" : "#fff"
            let stroke = isCurrent ? "#7c2d12" : "#333"
            let strokeWidth = isCurrent ? "3" : "1.2"
            out +=
                "<g class=\"state\(isCurrent ? " current" : "")\" data-state=\"\(Self.escape(box.name))\">"
                + "<rect x=\"\(Self.number(box.x))\" y=\"\(Self.number(box.y))\" width=\"\(Self.number(box.width))\" height=\"\(Self.number(height))\" rx=\"8\" fill=\"\(fill)\" stroke=\"\(stroke)\" stroke-width=\"\(strokeWidth)\"/>"
            if box.final {
                out +=
                    "<rect x=\"\(Self.number(box.x + 3))\" y=\"\(Self.number(box.y + 3))\" width=\"\(Self.number(box.width - 6))\" height=\"\(Self.number(height - 6))\" rx=\"6\" fill=\"none\" stroke=\"\(stroke)\"/>"
            }
            for (line, text) in box.lines.enumerated() {
                let y = box.y + Self.padding / 2 + Self.lineHeight * Double(line) + Self.fontSize
                let weight = line == 0 ? " font-weight=\"bold\"" : " fill=\"#444\""
                out +=
                    "<text x=\"\(Self.number(box.x + box.width / 2))\" y=\"\(Self.number(y))\" text-anchor=\"middle\"\(weight)>"
                    + Self.escape(text) + "</text>"
            }
            if isCurrent {
                out += "<title>" + Self.escape(box.lines[0] + " (" + currentLabel + ")") + "</title>"
            }
            out += "</g>\n"
        }
        return out + labels + "</svg>\n"
    }

    /// How wide `text` is drawn, about: a CJK character is a square, others about 0.6 of one.
    static func textWidth(_ text: String) -> Double {
        text.unicodeScalars.reduce(0) { sum, scalar in
            sum + (scalar.value >= 0x2E80 ? fontSize : fontSize * 0.62)
        }
    }

    /// A coordinate with at most one decimal.
    static func number(_ value: Double) -> String {
        let tenths = (value * 10).rounded()
        return tenths.truncatingRemainder(dividingBy: 10) == 0
            ? String(Int(tenths / 10)) : String(Double(tenths) / 10)
    }

    /// Text escaped for XML content and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for char in text {
            switch char {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(char)
            }
        }
        return out
    }
}
