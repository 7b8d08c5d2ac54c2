/// A CSV reader (RFC 4180): fields separated by commas, quoted with `"` (a quote inside doubled),
/// records ending in LF or CRLF, a UTF-8 byte order mark ignored. Every record keeps the line it
/// starts on, for messages.
public enum CSV {
    public struct Record: Sendable, Equatable {
        public var line: Int
        public var fields: [String]
    }

    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "\(line): \(message)" }
    }

    /// The records of `text`; blank lines are skipped.
    public static func read(_ text: String) throws(Problem) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var line = 1
        var recordLine = 1
        var quoted = false
        var quoteLine = 0
        var atFieldStart = true
        var afterQuote = false
        var scalars = text.unicodeScalars[...]
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }
        var iterator = scalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let scalar = pending {
                pending = nil
                return scalar
            }
            return iterator.next()
        }
        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty) {
                records.append(Record(line: recordLine, fields: fields))
            }
            fields = []
            field = ""
            atFieldStart = true
            afterQuote = false
        }
        while let scalar = next() {
            if quoted {
                if scalar == "\"" {
                    if let following = next() {
                        if following == "\"" {
                            field.unicodeScalars.append("\"")
                            continue
                        }
                        pending = following
                    }
                    quoted = false
                    afterQuote = true
                } else {
                    if scalar == "\n" { line += 1 }
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case ",":
                fields.append(field)
                field = ""
                atFieldStart = true
                afterQuote = false
            case "\r":
                if let following = next(), following != "\n" { pending = following }
                endRecord()
                line += 1
                recordLine = line
            case "\n":
                endRecord()
                line += 1
                recordLine = line
            case "\"" where atFieldStart:
                quoted = true
                quoteLine = line
                atFieldStart = false
            default:
                if afterQuote {
                    throw Problem(line: line, message: "text after a closing quote; a quoted field ends at its quote")
                }
                if scalar == "\"" {
                    throw Problem(line: line, message: "a quote inside an unquoted field; quote the whole field")
                }
                field.unicodeScalars.append(scalar)
                atFieldStart = false
            }
        }
        if quoted { throw Problem(line: quoteLine, message: "a quoted field is not closed") }
        if !field.isEmpty || !fields.isEmpty || afterQuote { endRecord() }
        return records
    }
}
