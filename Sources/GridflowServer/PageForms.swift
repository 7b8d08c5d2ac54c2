import Foundation
import GridflowDefinitions
import GridflowExpressions
import GridflowRuntime

/// An `application/x-www-form-urlencoded` body: its pairs in order, a name may repeat.
struct FormBody: Sendable {
    var pairs: [(name: String, value: String)] = []

    init(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        for part in text.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ piece: Substring) -> String {
                let spaced = piece.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            pairs.append((decode(pieces[0]), pieces.count > 1 ? decode(pieces[1]) : ""))
        }
    }

    func all(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }
    func first(_ name: String) -> String? { pairs.first { $0.name == name }?.value }

    /// The values by name.
    var grouped: [String: [String]] {
        var out: [String: [String]] = [:]
        for pair in pairs { out[pair.name, default: []].append(pair.value) }
        return out
    }
}

/// A form field a page could not read, named.
struct FormProblem: Error, Sendable {
    var field: String
    var message: String
    /// The HTTP status the page answers with.
    var status = 400
}

/// The inputs of an event's form, generated from the types of the transition's `input:`
/// fields, and the form's values read back as the JSON the API takes.
enum PageForm {
    /// The form inputs of `fields`, filled with `prefill` (what was sent, when a page is shown
    /// again). An `attachment` or `list of attachment` field is a file input for photos
    /// (`multiple` for a list) with `photoHint` under it; the form is then sent as
    /// `multipart/form-data`, and a photo is sent again after a refusal (a file input keeps nothing).
    static func inputs(
        _ fields: [Field], formID: String, unit: GridflowDefinitions.Unit, labels: [String: String],
        prefill: [String: [String]], photoHint: String
    ) -> [[String: Any]] {
        fields.map { field in
            let name = field.name.text
            let given = prefill[name] ?? []
            var input: [String: Any] = [
                "name": name, "id": "\(formID)-\(name)", "label": field.title ?? name, "required": field.required,
                "isCheckbox": false, "isSelect": false, "isTextarea": false, "isInput": false, "multiple": false,
                "checked": false, "value": given.first ?? "", "hasHint": false, "hint": "", "hasStep": false,
                "step": "", "type": "text", "options": [[String: Any]](), "isFile": false,
            ]
            func hint(_ key: String) {
                input["hasHint"] = true
                input["hint"] = labels[key] ?? ""
            }
            func select(_ choices: [(value: String, title: String)], multiple: Bool) {
                input["isSelect"] = true
                input["multiple"] = multiple
                var options: [[String: Any]] = []
                if !multiple && !field.required {
                    options.append(["value": "", "title": "—", "selected": given.isEmpty])
                }
                for choice in choices {
                    options.append([
                        "value": choice.value, "title": choice.title, "selected": given.contains(choice.value),
                    ])
                }
                input["options"] = options
            }
            if CaseAttachment.holds(field.type) {
                input["isFile"] = true
                if case .list = field.type { input["multiple"] = true }
                input["hasHint"] = true
                input["hint"] = photoHint
                return input
            }
            switch field.type {
            case .bool:
                input["isCheckbox"] = true
                input["checked"] = given.contains("true")
            case .text:
                input["isTextarea"] = true
            case .integer:
                input["isInput"] = true
                input["type"] = "number"
                input["hasStep"] = true
                input["step"] = "1"
            case .decimal:
                input["isInput"] = true
                input["type"] = "number"
                input["hasStep"] = true
                input["step"] = "any"
            case .date:
                input["isInput"] = true
                input["type"] = "date"
            case .datetime:
                input["isInput"] = true
                input["type"] = "datetime-local"
            case .duration:
                input["isInput"] = true
                hint("durationHint")
            case .person:
                input["isInput"] = true
                hint("personHint")
            case .enumeration:
                select(choices(field.type, unit: unit), multiple: false)
            case .department, .orgNode:
                select(choices(field.type, unit: unit), multiple: false)
            case .list(let element):
                switch element {
                case .enumeration, .department, .orgNode: select(choices(element, unit: unit), multiple: true)
                case .map, .record, .list, .attachment, .invalid:
                    input["isTextarea"] = true
                    hint("jsonHint")
                default:
                    input["isTextarea"] = true
                    input["value"] = given.joined(separator: "\n")
                    hint("onePerLine")
                }
            case .map, .record:
                input["isTextarea"] = true
                hint("jsonHint")
            case .invalid:
                input["isInput"] = true
                hint("notSupported")
            case .attachment:
                break  // A file input, above.
            case .string:
                input["isInput"] = true
            }
            return input
        }
    }

    /// The values an enum, department or org node field may take, with their titles.
    static func choices(_ type: FieldType, unit: GridflowDefinitions.Unit) -> [(value: String, title: String)] {
        switch type {
        case .enumeration(let values, let named):
            if let named, let definition = unit.enumeration(named.text) {
                return definition.values.map { ($0.text, definition.titles[$0.text] ?? $0.text) }
            }
            return values.map { ($0.text, $0.text) }
        case .department:
            return unit.departments.map { ($0.name.text, $0.title ?? $0.name.text) }
        case .orgNode:
            return unit.tree?.walk().map { ($0.node.name.text, $0.node.title ?? $0.node.name.text) } ?? []
        default:
            return []
        }
    }

    /// The form's values of `fields` as the JSON object of fields the API takes: an empty input
    /// is left out (as a client leaves out a field it does not give), an unchecked box is false.
    static func json(_ form: FormBody, fields: [Field], zone: Zone) throws(FormProblem) -> JSONObject {
        let names = Set(fields.map(\.name.text))
        for pair in form.pairs where !pair.name.hasPrefix("_") && !names.contains(pair.name) {
            throw FormProblem(field: pair.name, message: "the form has no field '\(pair.name)'")
        }
        var object = JSONObject()
        for field in fields {
            let name = field.name.text
            if let value = try json(field.type, form.all(name), zone: zone, name: name) { object[name] = value }
        }
        return object
    }

    static func json(_ type: FieldType, _ values: [String], zone: Zone, name: String) throws(FormProblem) -> JSON? {
        if CaseAttachment.holds(type) {
            // Photos come as files (`PageSite.photos`), never as text.
            guard values.allSatisfy(\.isEmpty) else {
                throw FormProblem(
                    field: name, message: "\(name): a photo is sent as a file, with the form as multipart/form-data")
            }
            return nil
        }
        switch type {
        case .bool: return .bool(values.contains("true"))
        case .attachment, .invalid: return nil
        case .list(let element):
            switch element {
            case .enumeration, .department, .orgNode:
                let chosen = values.filter { !$0.isEmpty }
                return chosen.isEmpty ? nil : .array(chosen.map(JSON.string))
            case .map, .record, .list, .attachment, .invalid:
                return try parsed(values, name: name)
            default:
                let lines = (values.first ?? "").split(whereSeparator: \.isNewline).map {
                    $0.trimmingCharacters(in: .whitespaces)
                }.filter { !$0.isEmpty }
                guard !lines.isEmpty else { return nil }
                var items: [JSON] = []
                for (index, line) in lines.enumerated() {
                    if let item = try json(element, [line], zone: zone, name: "\(name)[\(index)]") {
                        items.append(item)
                    }
                }
                return .array(items)
            }
        case .map, .record: return try parsed(values, name: name)
        default:
            guard let raw = values.first else { return nil }
            let text = type.keyword == "text" ? raw : raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
            switch type {
            case .integer, .decimal:
                guard Number(text) != nil else {
                    throw FormProblem(field: name, message: "\(name): '\(text)' is not a number")
                }
                return .number(text)
            case .datetime:
                if Instant(text) != nil { return .string(text) }
                guard let instant = localInstant(text, zone: zone) else {
                    throw FormProblem(field: name, message: "\(name): '\(text)' is not a date and time")
                }
                return .string(zone.text(instant))
            case .person:
                return .string(text.hasPrefix("@") ? text : "@" + text)
            default:
                return .string(text)
            }
        }
    }

    /// `YYYY-MM-DDTHH:MM[:SS]` (what a `datetime-local` input sends) in the unit's zone.
    static func localInstant(_ text: String, zone: Zone) -> Instant? {
        let parts = text.split(separator: "T", maxSplits: 1)
        guard parts.count == 2, let day = Day(parts[0]) else { return nil }
        let clock = parts[1].split(separator: ":").map { Int($0) }
        guard (2...3).contains(clock.count), clock.allSatisfy({ $0 != nil }) else { return nil }
        let (hour, minute, second) = (clock[0]!, clock[1]!, clock.count == 3 ? clock[2]! : 0)
        guard (0..<24).contains(hour), (0..<60).contains(minute), (0..<60).contains(second) else { return nil }
        return zone.instant(on: day, at: hour * 3600 + minute * 60 + second)
    }

    private static func parsed(_ values: [String], name: String) throws(FormProblem) -> JSON? {
        guard let text = values.first, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return nil
        }
        do { return try JSONReader.read(text) } catch {
            throw FormProblem(field: name, message: "\(name): not valid JSON: \(error.message)")
        }
    }
}

/// Values as a page shows them: enum values by their titles, people by name and id, times in
/// the unit's zone.
enum PageValues {
    static func text(
        _ value: Value, type: FieldType?, unit: GridflowDefinitions.Unit, zone: Zone, labels: [String: String]
    ) -> String {
        switch value {
        case .null: return labels["none"] ?? "—"
        case .bool(let flag): return (flag ? labels["yes"] : labels["no"]) ?? "\(flag)"
        case .string(let text):
            switch type {
            case .enumeration?, .department?, .orgNode?:
                return PageForm.choices(type!, unit: unit).first { $0.value == text }?.title ?? text
            case .attachment?:
                // A stored photo by its number, not its reference's checksum.
                return CaseAttachment.parse(text).map { "#\($0.id)" } ?? text
            default: return text
            }
        case .datetime(let instant): return time(instant, zone: zone)
        case .list(let items):
            var element: FieldType?
            if case .list(let inner)? = type { element = inner }
            return items.map { text($0, type: element, unit: unit, zone: zone, labels: labels) }.joined(separator: ", ")
        case .record(let record):
            if case .string(let id)? = record["id"] {
                if case .string(let name)? = record["name"], name != id { return "\(name) (\(id))" }
                return id
            }
            return value.description
        default: return value.description
        }
    }

    /// A time as people read it: `2024-07-01 09:00` in the unit's zone.
    static func time(_ instant: Instant, zone: Zone) -> String {
        let text = zone.text(instant)
        guard text.count >= 16 else { return text }
        return String(text.prefix(16)).replacingOccurrences(of: "T", with: " ")
    }
}
