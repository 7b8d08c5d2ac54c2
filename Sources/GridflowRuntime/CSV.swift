import Foundation

/// A CSV reader (RFC 4180): fields separated by commas, quoted with `"` (a quote inside doubled),
/// records ending in LF or CRLF, a UTF-8 byte order mark ignored. Every record keeps the line it
/// starts on, for messages. It works on the UTF-8 bytes: the separators are ASCII, so a field is
/// the bytes between them.
public enum CSV {
    /// A field without the spaces around it (`trimmingCharacters(in: .whitespaces)`), at no cost
    /// when it has none: a field that begins and ends with an ASCII byte other than a space or a
    /// tab is returned as it is (any other byte may begin a Unicode space, so Foundation trims).
    public static func trimmed(_ field: String) -> String {
        guard let first = field.utf8.first, let last = field.utf8.last else { return field }
        func plain(_ byte: UInt8) -> Bool { byte < 0x80 && byte != 0x20 && byte != 0x09 }
        if plain(first) && plain(last) { return field }
        return field.trimmingCharacters(in: .whitespaces)
    }

    public struct Record: Sendable, Equatable {
        public var line: Int
        public var fields: [String]
        /// The byte offset in the text where each field starts (its opening quote, if quoted).
        public var offsets: [Int] = []
    }

    /// The line and column (from 1, columns counting Unicode scalars) of byte offsets of a text,
    /// for messages that name a cell.
    public struct Locator: Sendable {
        private let bytes: [UInt8]
        private let lineStarts: [Int]

        /// A locator over `text`.
        public init(_ text: String) {
            bytes = Array(text.utf8)
            var starts = [0]
            for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") { starts.append(offset + 1) }
            lineStarts = starts
        }

        /// `line:column` of the byte at `offset`.
        public func place(_ offset: Int) -> String {
            var low = 0
            var high = lineStarts.count - 1
            while low < high {
                let middle = (low + high + 1) / 2
                if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
            }
            let start = lineStarts[low]
            // A byte order mark at the start of the file is not a column.
            let from = low == 0 && bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : start
            let column = bytes[min(from, offset)..<min(offset, bytes.count)].count { $0 & 0xC0 != 0x80 } + 1
            return "\(low + 1):\(column)"
        }
    }

    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "\(line): \(message)" }
    }

    /// The records of `text`; blank lines are skipped.
    public static func read(_ text: String) throws(Problem) -> [Record] {
        var records: [Record] = []
        try read(text) { records.append($0) }
        return records
    }

    /// Hands each record of `text` to `body` as it is read, in order (blank lines skipped), so
    /// that a large file is never held as records all at once; a problem ends the reading,
    /// after the records before it were handed over.
    public static func read(_ text: String, each body: (Record) -> Void) throws(Problem) {
        var text = text
        var problem: Problem?
        text.withUTF8 { bytes in
            do throws(Problem) { try read(bytes, each: body) } catch { problem = error }
        }
        if let problem { throw problem }
    }

    private static func read(_ bytes: UnsafeBufferPointer<UInt8>, each body: (Record) -> Void) throws(Problem) {
        var position = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var fields: [String] = []
        var offsets: [Int] = []
        var line = 1
        var recordLine = 1
        let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")

        func endRecord() {
            if !(fields.count == 1 && fields[0].isEmpty) {
                body(Record(line: recordLine, fields: fields, offsets: offsets))
            }
            // The arrays' storage is kept for the next record (unless `body` kept the record).
            fields.removeAll(keepingCapacity: true)
            offsets.removeAll(keepingCapacity: true)
        }

        while position < bytes.count {
            // One field.
            offsets.append(position)
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
                fields.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self))
            }
            // What ends it.
            guard position < bytes.count else { break }
            switch bytes[position] {
            case comma:
                position += 1
                if position == bytes.count {
                    offsets.append(position)
                    fields.append("")
                }
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
    }
}
