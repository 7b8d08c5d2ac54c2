/// A CSV reader (RFC 4180): fields separated by commas, quoted with `"` (a quote inside doubled),
/// records ending in LF or CRLF, a UTF-8 byte order mark ignored. Every record keeps the line it
/// starts on, for messages. It works on the UTF-8 bytes: the separators are ASCII, so a field is
/// the bytes between them.
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
        let bytes = Array(text.utf8)
        var position = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var records: [Record] = []
        var fields: [String] = []
        var line = 1
        var recordLine = 1
        let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")

        func endRecord() {
            if !(fields.count == 1 && fields[0].isEmpty) {
                records.append(Record(line: recordLine, fields: fields))
            }
            fields = []
        }

        while position < bytes.count {
            // One field.
            if bytes[position] == quote {
                let quoteLine = line
                position += 1
                var field: [UInt8] = []
                while true {
                    guard position < bytes.count else {
                        throw Problem(line: quoteLine, message: "a quoted field is not closed")
                    }
                    let byte = bytes[position]
                    if byte == quote {
                        if position + 1 < bytes.count, bytes[position + 1] == quote {
                            field.append(quote)
                            position += 2
                            continue
                        }
                        position += 1
                        break
                    }
                    if byte == lf { line += 1 }
                    field.append(byte)
                    position += 1
                }
                fields.append(String(decoding: field, as: UTF8.self))
                if position < bytes.count, bytes[position] != comma, bytes[position] != cr, bytes[position] != lf {
                    throw Problem(line: line, message: "text after a closing quote; a quoted field ends at its quote")
                }
            } else {
                let start = position
                while position < bytes.count, bytes[position] != comma, bytes[position] != cr, bytes[position] != lf {
                    if bytes[position] == quote {
                        throw Problem(line: line, message: "a quote inside an unquoted field; quote the whole field")
                    }
                    position += 1
                }
                fields.append(String(decoding: bytes[start..<position], as: UTF8.self))
            }
            // What ends it.
            guard position < bytes.count else { break }
            switch bytes[position] {
            case comma:
                position += 1
                if position == bytes.count { fields.append("") }
            case cr:
                position += 1
                if position < bytes.count, bytes[position] == lf { position += 1 }
                endRecord()
                line += 1
                recordLine = line
            default:
                position += 1
                endRecord()
                line += 1
                recordLine = line
            }
        }
        if !fields.isEmpty { endRecord() }
        return records
    }
}
