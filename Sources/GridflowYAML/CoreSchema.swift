/// Resolution of plain scalars by the YAML 1.2 core schema.
///
/// Unlike YAML 1.1, `yes`, `no`, `on`, `off`, `y` and `n` are strings, and dates such as
/// `2024-07-01` stay strings for the definitions layer to read.
enum CoreSchema {
    static func resolve(plain text: String) -> Scalar.Resolved {
        // Every null, Boolean and number starts with one of these bytes (most plain scalars, names
        // and prose, do not, and need no more look).
        if let first = text.utf8.first, !Self.mayStartNonString[Int(first)] { return .string }
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
            ".nan", ".NaN", ".NAN":
            return .float(text)
        default: break
        }
        // Numbers start with a sign, a digit or a point.
        if let first = text.utf8.first, !Self.mayStartNumber[Int(first)] { return .string }
        if let int = integer(text) { return .int(int) }
        if isFloat(text) { return .float(text) }
        return .string
    }

    /// The first bytes of "~", null, true, false, .inf, .nan, and signed or unsigned numbers.
    private static let mayStartNonString: [Bool] = (0..<256).map { byte in
        Array("~nNtTfF.+-0123456789".utf8).contains(UInt8(byte))
    }

    /// The first bytes of signed or unsigned numbers.
    private static let mayStartNumber: [Bool] = (0..<256).map { byte in
        Array(".+-0123456789".utf8).contains(UInt8(byte))
    }

    /// `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`; `nil` when not an integer or out of range.
    static func integer(_ text: String) -> Int? {
        if text.hasPrefix("0o") { return Int(text.dropFirst(2), radix: 8) }
        if text.hasPrefix("0x") { return Int(text.dropFirst(2), radix: 16) }
        var digits = Substring(text)
        if digits.first == "-" || digits.first == "+" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text.hasPrefix("+") ? String(text.dropFirst()) : text)
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
    static func isFloat(_ text: String) -> Bool {
        var chars = Substring(text)
        if chars.first == "-" || chars.first == "+" { chars = chars.dropFirst() }
        let isDigit: (Character) -> Bool = { $0.isASCII && $0.isNumber }
        let intPart = chars.prefix(while: isDigit)
        chars = chars.dropFirst(intPart.count)
        var fracPart: Substring = ""
        if chars.first == "." {
            chars = chars.dropFirst()
            fracPart = chars.prefix(while: isDigit)
            chars = chars.dropFirst(fracPart.count)
            if intPart.isEmpty && fracPart.isEmpty { return false }
        } else if intPart.isEmpty {
            return false
        }
        if let e = chars.first, e == "e" || e == "E" {
            chars = chars.dropFirst()
            if chars.first == "-" || chars.first == "+" { chars = chars.dropFirst() }
            let exp = chars.prefix(while: isDigit)
            if exp.isEmpty { return false }
            chars = chars.dropFirst(exp.count)
        }
        return chars.isEmpty
    }
}
