/// Exit statuses of nensim, from BSD `sysexits.h`.
public enum ExitStatus: Int32, Sendable, Codable {
    /// A flag or argument is wrong (EX_USAGE).
    case usage = 64
    /// An input file or figure is malformed or inconsistent (EX_DATAERR).
    case data = 65
    /// An input file does not exist or cannot be read (EX_NOINPUT).
    case noInput = 66
    /// An internal invariant failed (EX_SOFTWARE).
    case software = 70
    /// An output folder or file cannot be created (EX_CANTCREAT).
    case cannotCreate = 73
    /// Reading or writing failed part-way (EX_IOERR).
    case io = 74
}

/// An error that the command line reports as one line on stderr with a distinct exit
/// status. Every error that reaches the user should be one of these.
public struct NensimFailure: Error, CustomStringConvertible, Equatable, Sendable {
    public var status: ExitStatus
    public var message: String

    public init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    public static func usage(_ message: String) -> NensimFailure { .init(.usage, message) }
    public static func data(_ message: String) -> NensimFailure { .init(.data, message) }
    public static func noInput(_ message: String) -> NensimFailure { .init(.noInput, message) }
    public static func cannotCreate(_ message: String) -> NensimFailure { .init(.cannotCreate, message) }
    public static func io(_ message: String) -> NensimFailure { .init(.io, message) }

    public var description: String { message }
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
