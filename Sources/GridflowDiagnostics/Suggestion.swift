/// "Did you mean" suggestions by edit distance.
public enum Suggestion {
    /// Names longer than this (in characters) get no suggestion and are suggested for nothing:
    /// a typo is a short slip, and comparing long names would cost time for no help.
    public static let longestName = 64

    /// The candidate closest to `name`, if it is close enough to be a likely typo.
    ///
    /// A candidate qualifies when its edit distance is at most a third of the longer name
    /// (at least 1), or when one name is the other with a different case. Names longer than
    /// ``longestName`` are never compared, and a candidate whose length differs from the name's
    /// by more than the distance allowed is passed over without computing a distance, so a
    /// suggestion costs little however many or long the names are.
    public static func closest(to name: String, in candidates: some Sequence<String>) -> String? {
        guard name.utf8.count <= longestName * 4 else { return nil }
        let length = name.count
        guard length <= longestName else { return nil }
        let lowered = name.lowercased()
        let characters = Array(name)
        var best: (name: String, distance: Int)?
        for candidate in candidates where candidate != name && candidate.utf8.count <= longestName * 4 {
            let candidateLength = candidate.count
            guard candidateLength <= longestName else { continue }
            let limit = max(1, max(length, candidateLength) / 3)
            guard abs(length - candidateLength) <= limit else { continue }
            // A worse candidate than the best so far is of no use; ties go to the smaller name.
            let bound = best.map { min(limit, $0.distance) } ?? limit
            let distance: Int
            if candidate.lowercased() == lowered {
                distance = 0
            } else if let within = editDistance(characters, Array(candidate), atMost: bound) {
                distance = within
            } else {
                continue
            }
            if best == nil || distance < best!.distance || (distance == best!.distance && candidate < best!.name) {
                best = (candidate, distance)
            }
        }
        return best?.name
    }

    /// `"; did you mean 'x'?"` or the empty string.
    public static func didYouMean(_ name: String, in candidates: some Sequence<String>) -> String {
        guard let match = closest(to: name, in: candidates) else { return "" }
        return "; did you mean '\(match)'?"
    }

    /// Edit distance between two strings, counted in characters, where swapping two
    /// neighbouring characters costs 1 (optimal string alignment), so `rloe` is close to `role`.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        return editDistance(a, b, atMost: max(a.count, b.count))!
    }

    /// The optimal string alignment distance, or `nil` as soon as it is known to exceed `bound`.
    /// Keeps three rows, not the whole matrix, and stops when a whole row is past the bound (the
    /// smallest value of a row never decreases from one row to the next).
    static func editDistance(_ a: [Character], _ b: [Character], atMost bound: Int) -> Int? {
        if abs(a.count - b.count) > bound { return nil }
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var beforePrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            var rowMinimum = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = Swift.min(value, beforePrevious[j - 2] + 1)
                }
                current[j] = value
                rowMinimum = Swift.min(rowMinimum, value)
            }
            if rowMinimum > bound { return nil }
            swap(&beforePrevious, &previous)
            swap(&previous, &current)
        }
        let distance = previous[b.count]
        return distance <= bound ? distance : nil
    }
}
