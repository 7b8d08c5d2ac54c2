import Foundation

/// A span of time in a definition: calendar time (`3d`, `36h`, `1d12h`) or working days (`5wd`),
/// which the runtime counts with the unit's calendar.
public struct Duration: Sendable, Hashable, CustomStringConvertible {
    /// What the duration counts.
    public enum Amount: Sendable, Hashable {
        /// Seconds of calendar time.
        case seconds(Int)
        /// Working days by the unit's calendar.
        case workingDays(Int)
    }

    public var amount: Amount
    /// The text as written, e.g. `5wd`.
    public var text: String

    public var description: String { text }

    /// Parses a duration, or says what is wrong with it.
    public static func parse(_ text: String) -> Result<Duration, Problem> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return .failure(Problem("it is empty")) }
        if trimmed.contains("wd") {
            let digits = trimmed.dropLast(2)
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let days = Int(digits) else {
                return .failure(Problem("working days are a whole number followed by 'wd' and combine with nothing"))
            }
            return .success(Duration(amount: .workingDays(days), text: trimmed))
        }
        let units: [Character: Int] = ["w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1]
        let order: [Character] = ["w", "d", "h", "m", "s"]
        var total = 0
        var number = ""
        var lastUnit = -1
        for char in trimmed {
            if char.isASCII && char.isNumber {
                number.append(char)
                continue
            }
            guard let seconds = units[char], let position = order.firstIndex(of: char) else {
                return .failure(Problem("'\(char)' is not a unit (w, d, h, m, s, or wd for working days)"))
            }
            guard let value = Int(number) else { return .failure(Problem("'\(char)' has no number before it")) }
            guard position > lastUnit else {
                return .failure(Problem("units must go from largest to smallest, once each"))
            }
            let (product, overflow) = value.multipliedReportingOverflow(by: seconds)
            guard !overflow, total <= Int.max - product else { return .failure(Problem("it is too long")) }
            total += product
            lastUnit = position
            number = ""
        }
        guard number.isEmpty else { return .failure(Problem("the number '\(number)' has no unit")) }
        return .success(Duration(amount: .seconds(total), text: trimmed))
    }

    /// Why a duration could not be read.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }
}
