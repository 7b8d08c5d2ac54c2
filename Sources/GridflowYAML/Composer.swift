import CYAML
import GridflowDiagnostics

/// The result of composing one YAML file: its single document, if it could be read, and
/// every problem found on the way.
public struct Composition: Sendable {
    /// The document's root node; `nil` when the file is empty or libyaml stopped on an error.
    public var root: Node?
    /// Problems found while reading the file.
    public var diagnostics: [Diagnostic]
}

/// Turns libyaml's event stream into a `Node` tree in which every node knows its file, line
/// and column.
///
/// The rules of Gridflow's YAML: plain scalars resolve by the YAML 1.2 core schema; duplicate
/// keys are an error; one document per file; aliases must name an anchor defined before them.
public enum Composer {
    /// Deepest nesting accepted, so hostile input cannot exhaust the stack.
    public static let maximumDepth = 128
    /// Most nodes a document may expand to through aliases ("billion laughs" guard).
    public static let maximumExpandedNodes = 1_000_000

    /// Composes the single document in `source`.
    /// - Parameters:
    ///   - source: the file's text and path.
    ///   - reportDuplicateKeys: report repeated mapping keys here; a caller that reports them
    ///     with more context (e.g. "duplicate state") passes `false` and uses `Mapping.duplicates()`.
    public static func compose(_ source: SourceFile, reportDuplicateKeys: Bool = true) -> Composition {
        let reader = EventReader(source: source)
        var diagnostics: [Diagnostic] = []
        let root = reader.withParser { events -> Node? in
            var builder = TreeBuilder(events: events, reportDuplicateKeys: reportDuplicateKeys)
            let root = builder.document()
            diagnostics = builder.diagnostics
            return root
        }
        return Composition(root: root, diagnostics: diagnostics)
    }
}

/// One libyaml event, copied out of C memory.
struct Event {
    enum Kind {
        case streamStart, streamEnd, documentStart, documentEnd
        case alias(anchor: String)
        case scalar(value: String, style: Scalar.Style, anchor: String?, tag: String?, plainImplicit: Bool)
        case sequenceStart(anchor: String?, tag: String?)
        case sequenceEnd
        case mappingStart(anchor: String?, tag: String?)
        case mappingEnd
    }

    var kind: Kind
    var start: SourceLocation
    var end: SourceLocation
}

/// A libyaml parsing error with its marks.
struct ParseError: Error {
    var problem: String
    var problemMark: SourceLocation
    var context: String?
    var contextMark: SourceLocation?
}

/// Pulls events from libyaml.
struct EventReader {
    let source: SourceFile

    func withParser<T>(_ body: (inout EventStream) -> T) -> T {
        let bytes = Array(source.text.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            var stream = EventStream(file: source.path)
            yaml_parser_set_input_string(stream.parser, buffer.baseAddress, buffer.count)
            defer { stream.close() }
            return body(&stream)
        }
    }
}

/// The live libyaml parser; reads one event at a time.
struct EventStream {
    let parser: UnsafeMutablePointer<yaml_parser_t>
    let file: String

    init(file: String) {
        self.file = file
        parser = .allocate(capacity: 1)
        parser.initialize(to: yaml_parser_t())
        yaml_parser_initialize(parser)
    }

    func close() {
        yaml_parser_delete(parser)
        parser.deinitialize(count: 1)
        parser.deallocate()
    }

    private func location(_ mark: yaml_mark_t) -> SourceLocation {
        SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?, length: Int? = nil) -> String? {
        guard let pointer else { return nil }
        let count = length ?? strlen(UnsafeRawPointer(pointer).assumingMemoryBound(to: CChar.self))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    mutating func next() throws(ParseError) -> Event {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else {
            let p = parser.pointee
            let problem = p.problem.map { String(cString: $0) } ?? "invalid YAML"
            let context = p.context.map { String(cString: $0) }
            throw ParseError(
                problem: problem, problemMark: location(p.problem_mark),
                context: context, contextMark: context == nil ? nil : location(p.context_mark))
        }
        defer { yaml_event_delete(&event) }
        let start = location(event.start_mark)
        let end = location(event.end_mark)
        let kind: Event.Kind
        switch event.type {
        case YAML_STREAM_START_EVENT: kind = .streamStart
        case YAML_STREAM_END_EVENT: kind = .streamEnd
        case YAML_DOCUMENT_START_EVENT: kind = .documentStart
        case YAML_DOCUMENT_END_EVENT: kind = .documentEnd
        case YAML_ALIAS_EVENT:
            kind = .alias(anchor: Self.string(event.data.alias.anchor) ?? "")
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            let style: Scalar.Style
            switch s.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
            case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
            case YAML_LITERAL_SCALAR_STYLE: style = .literal
            case YAML_FOLDED_SCALAR_STYLE: style = .folded
            default: style = .plain
            }
            kind = .scalar(
                value: Self.string(s.value, length: Int(s.length)) ?? "", style: style,
                anchor: Self.string(s.anchor), tag: Self.string(s.tag), plainImplicit: s.plain_implicit != 0)
        case YAML_SEQUENCE_START_EVENT:
            let s = event.data.sequence_start
            kind = .sequenceStart(anchor: Self.string(s.anchor), tag: Self.string(s.tag))
        case YAML_SEQUENCE_END_EVENT: kind = .sequenceEnd
        case YAML_MAPPING_START_EVENT:
            let m = event.data.mapping_start
            kind = .mappingStart(anchor: Self.string(m.anchor), tag: Self.string(m.tag))
        case YAML_MAPPING_END_EVENT: kind = .mappingEnd
        default:
            throw ParseError(problem: "unexpected YAML event", problemMark: start)
        }
        return Event(kind: kind, start: start, end: end)
    }
}
