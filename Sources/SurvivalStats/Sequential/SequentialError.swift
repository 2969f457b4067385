/// Why a group-sequential design cannot be computed.
public enum SequentialError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Information fractions must rise strictly within (0, 1] and end at 1.
    case informationRates([Double])
    /// Sidedness other than 1 or 2.
    case sides(Int)
    /// An error probability (α or β) outside (0, 1), or α + β ≥ 1.
    case probability(name: String, value: Double)
    /// Futility bounds from β spending exist only for one-sided designs here.
    case futilityNeedsOneSided
    /// A root search found no sign change (the requested design does not exist).
    case noSolution(String)

    public var description: String {
        switch self {
        case let .informationRates(t):
            return "information fractions \(t.map { "\($0)" }.joined(separator: ",")) must rise strictly in (0, 1] and end at 1"
        case let .sides(s): return "a test has 1 or 2 sides, not \(s)"
        case let .probability(name, v): return "\(name) = \(v) must lie in (0, 1) (and α + β < 1)"
        case .futilityNeedsOneSided: return "futility bounds from β spending are computed for one-sided designs only"
        case let .noSolution(what): return "no solution: \(what)"
        }
    }
}
