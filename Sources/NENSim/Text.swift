import Foundation

// The one home of the small text helpers every part of NENSim uses (and the command
// line, through `public`): number formatting for messages, one-line text, "did you
// mean" suggestions. The time unit `daysPerMonth` lives with the design
// (Engine/Design.swift).

/// `x` with `digits` significant digits for messages and notes: "NA" for NaN, "Inf",
/// no trailing zeros.
public func fmt(_ x: Double, _ digits: Int = 4) -> String {
    if x.isNaN { return "NA" }
    if x.isInfinite { return x > 0 ? "Inf" : "-Inf" }
    var s = String(format: "%.\(digits)g", x)
    if s.contains("e") { return s }
    if s.contains(".") { while s.hasSuffix("0") { s.removeLast() }; if s.hasSuffix(".") { s.removeLast() } }
    return s
}

/// `text` with line breaks replaced, so a message stays one line.
public func oneLine(_ text: String) -> String {
    text.replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " ")
        .replacingOccurrences(of: "\r", with: " ")
}

/// Levenshtein distance, for "did you mean …?" suggestions.
public func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var prev = Array(0...y.count)
    var cur = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
        cur[0] = i
        for j in 1...y.count {
            cur[j] = Swift.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
        }
        swap(&prev, &cur)
    }
    return prev[y.count]
}

/// The closest candidate to `word` (edit distance ≤ max(2, word.count/3)), if any.
public func closestMatch(to word: String, in candidates: [String]) -> String? {
    let limit = Swift.max(2, word.count / 3)
    var best: (name: String, distance: Int)?
    for candidate in candidates.sorted() {
        let d = editDistance(word.lowercased(), candidate.lowercased())
        if d <= limit, d < (best?.distance ?? Int.max) { best = (candidate, d) }
    }
    return best?.name
}
