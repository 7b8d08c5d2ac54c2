import GridflowDiagnostics

/// A file's bytes checked before they reach libyaml: UTF-8 throughout, and no NUL byte.
///
/// libyaml reports either problem at the start of the file (or not at all), so the bytes are
/// checked here and the first bad one is reported at its own line, column and byte offset.
public enum SourceBytes {
    /// The text of `bytes` as a source file, and the problem with its bytes if there is one.
    ///
    /// When the bytes are not clean, the text is still made for quoting the offending line: an
    /// invalid sequence reads as U+FFFD and a NUL as U+2400 (␀), each one column wide, so the
    /// caret falls under it.
    public static func decode(_ bytes: [UInt8], path: String) -> (source: SourceFile, problem: Diagnostic?) {
        guard let bad = firstBadByte(in: bytes) else {
            return (SourceFile(path: path, text: String(decoding: bytes, as: UTF8.self)), nil)
        }
        var text = String.UnicodeScalarView()
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            text.append(scalar == "\u{0}" ? "\u{2400}" : scalar)
        }
        let source = SourceFile(path: path, text: String(text))
        let location = self.location(of: bad.offset, in: bytes, file: path)
        let byte = "0x" + String(bytes[bad.offset], radix: 16, uppercase: true).leftPadded(to: 2)
        let diagnostic: Diagnostic
        if bad.isNUL {
            diagnostic = Diagnostic(
                .error, "nul-byte", "a NUL byte (0x00 at offset \(bad.offset)); definitions are text",
                at: SourceSpan(start: location),
                hint: "the file may be binary or saved as UTF-16; save definitions as UTF-8 text")
        } else {
            let utf16 =
                bad.offset == 0 && bytes.count >= 2
                && ((bytes[0], bytes[1]) == (0xFF, 0xFE) || (bytes[0], bytes[1]) == (0xFE, 0xFF))
            diagnostic = Diagnostic(
                .error, "not-utf8", "invalid UTF-8 (byte \(byte) at offset \(bad.offset))",
                at: SourceSpan(start: location),
                hint: utf16
                    ? "the file starts with a UTF-16 byte-order mark; save definitions as UTF-8"
                    : "save definitions as UTF-8; this byte is from another encoding or a damaged file")
        }
        return (source, diagnostic)
    }

    /// The offset of the first byte that does not belong in UTF-8 text, and whether it is a NUL.
    public static func firstBadByte(in bytes: [UInt8]) -> (offset: Int, isNUL: Bool)? {
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead == 0 { return (index, true) }
            if lead < 0x80 {
                index += 1
                continue
            }
            // The length of the sequence and the range its second byte must be in (RFC 3629: no
            // overlong forms, no surrogates, nothing past U+10FFFF).
            let length: Int
            var second: ClosedRange<UInt8> = 0x80...0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; second = 0xA0...0xBF
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; second = 0x80...0x9F
            case 0xF0: length = 4; second = 0x90...0xBF
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; second = 0x80...0x8F
            default: return (index, false)
            }
            guard index + 1 < count, second.contains(bytes[index + 1]) else { return (index, false) }
            for next in 2..<length {
                guard index + next < count, (0x80...0xBF).contains(bytes[index + next]) else { return (index, false) }
            }
            index += length
        }
        return nil
    }

    /// The line and column (in Unicode scalars, as libyaml counts) of the byte at `offset`,
    /// whose line before it is valid UTF-8.
    static func location(of offset: Int, in bytes: [UInt8], file: String) -> SourceLocation {
        var line = 1
        var lineStart = 0
        for index in 0..<offset where bytes[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        // Every byte of UTF-8 but its continuation bytes (10xxxxxx) starts a scalar.
        let scalars = bytes[lineStart..<offset].reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
        return SourceLocation(file: file, line: line, column: scalars + 1)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
