/// The valid range of every number the library takes from outside (flags, shard files),
/// in one place: the command line enforces them in `validate()` and says the range, and
/// the shard reader checks a file's numbers against them before any arithmetic
/// (docs/RELIABILITY.md). Each bound keeps memory and time bounded and integer
/// arithmetic free of overflow.
public enum Limits {
    /// Patients per arm of a run.
    public static let patientsPerArm = 1...1_000_000_000_000
    /// Arms in one run.
    public static let arms = 1...64
    /// Patients per block (the engine's unit of work).
    public static let blockSize = 1...(1 << 24)
    /// Worker threads.
    public static let threads = 1...256
    /// PSA draws.
    public static let psaDraws = 1...100_000
    /// Width of a tally cell, days.
    public static let gridDays = 0.01...366.0
    /// Tally cells per arm (horizon / grid width): 4·10⁶ cells are 128 MB per arm and worker.
    public static let maxCells = 4_000_000
    /// Follow-up horizon, accrual and follow-up, months.
    public static let months = 0.0...1200.0
    /// Fleming–Harrington ρ and γ (weights S^ρ (1 − S)^γ; beyond 10 they vanish in double precision).
    public static let flemingHarrington = 0.0...10.0
    /// Replicates of a simulated trial.
    public static let replicates = 1...100_000_000
    /// Patients of one simulated trial.
    public static let trialPatients = 2...10_000_000
    /// Levels of an analysis' group column: the log-rank variance and the Cox information
    /// are (levels − 1)² matrices updated at every event time, so the comparison's cost grows
    /// with the square of the levels (2000 levels of 20 000 records ran for minutes); a
    /// column with more levels is most likely an identifier, not a group.
    public static let groupLevels = 500
    /// Individual-record limit (`exact limit`): records cost 26 bytes a patient.
    public static let recordLimit = 0...100_000_000

    /// Tally cells per arm for a horizon and a cell width (both in months), nil when
    /// the count is not a finite number within `maxCells`.
    public static func cells(horizon: Double, gridWidth: Double) -> Int? {
        guard horizon.isFinite, gridWidth.isFinite, horizon > 0, gridWidth > 0 else { return nil }
        let c = (horizon / gridWidth).rounded(.up)
        guard c.isFinite, c <= Double(maxCells) else { return nil }
        return Int(c)
    }
}

extension TallyScenario {
    /// The first field out of its valid range (`Limits`), in words, or nil: a tally
    /// file's scenario is checked with this before any arithmetic uses it.
    public var outOfRangeField: String? {
        if !Limits.arms.contains(arms.count) { return "number of arms (\(arms.count))" }
        if !Limits.patientsPerArm.contains(patientsPerArm) { return "n (\(patientsPerArm))" }
        if !Limits.blockSize.contains(blockSize) { return "block size (\(blockSize))" }
        if !Limits.recordLimit.contains(recordLimit) { return "exact limit (\(recordLimit))" }
        if (try? design.validate()) == nil { return "design" }
        if !(gridWidth.isFinite && Limits.gridDays.contains(gridWidth * daysPerMonth)) { return "grid width" }
        if Limits.cells(horizon: design.horizon, gridWidth: gridWidth) == nil { return "number of cells (horizon / grid width)" }
        if let psa, !Limits.psaDraws.contains(psa) { return "number of PSA draws (\(psa))" }
        if let tau, !(tau.isFinite && tau > 0) { return "tau" }
        if landmarkTimes.contains(where: { !($0.isFinite && $0 >= 0) }) || landmarkTimes.count > 1000 { return "landmarks" }
        if let e = economics, let field = e.outOfRangeField(runHorizon: design.horizon) { return field }
        return nil
    }
}

/// A decoding error in words — which key is missing or has the wrong type, and where —
/// instead of Swift's dump of the error value.
public func describe(decoding error: Error) -> String {
    func path(_ keys: [CodingKey]) -> String {
        keys.isEmpty ? "the top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
    guard let e = error as? DecodingError else { return Phrase.echo(String(describing: error)) }
    switch e {
    case .keyNotFound(let key, let c): return "missing key '\(Phrase.echo(key.stringValue))' in \(path(c.codingPath))"
    case .typeMismatch(_, let c): return "wrong type at \(path(c.codingPath))"
    case .valueNotFound(_, let c): return "missing value at \(path(c.codingPath))"
    case .dataCorrupted(let c): return c.codingPath.isEmpty ? "not valid JSON" : "invalid value at \(path(c.codingPath))"
    @unknown default: return "unreadable"
    }
}
