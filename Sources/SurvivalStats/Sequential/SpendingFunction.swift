import Foundation

/// A Lan–DeMets spending function: the share of a total error probability spent by
/// information fraction t ∈ (0, 1], with the conventions of rpact
/// (`getDesignGroupSequential`, docs/TRIAL.md "Group-sequential designs").
public enum SpendingFunction: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// O'Brien–Fleming-like: α(t) = 2s (1 − Φ(z₁₋α/(2s) / √t)) for an s-sided α.
    case obrienFleming
    /// Pocock-like: α(t) = α log(1 + (e − 1) t).
    case pocock
    /// Hwang–Shih–DeCani: α(t) = α (1 − e^(−γt)) / (1 − e^(−γ)); γ = 0 is linear.
    case hwangShihDeCani(gamma: Double)

    /// The probability spent by information fraction `t` out of `total`, for a test of
    /// `sides` sides (1 or 2; only the O'Brien–Fleming form depends on it). Exact at
    /// t = 1 up to rounding; 0 at t = 0.
    public func spent(_ total: Double, at t: Double, sides: Int = 1) -> Double {
        guard t > 0 else { return 0 }
        switch self {
        case .obrienFleming:
            let s = Double(sides)
            let z = Distributions.normalQuantile(1 - total / (2 * s))
            return 2 * s * Distributions.normalSurvival(z / t.squareRoot())
        case .pocock:
            return total * log(1 + (exp(1) - 1) * t)
        case let .hwangShihDeCani(gamma):
            if gamma == 0 { return total * t }
            return total * (-expm1(-gamma * t)) / (-expm1(-gamma))
        }
    }

    /// `obf`, `pocock`, `hsd:GAMMA`.
    public var description: String {
        switch self {
        case .obrienFleming: return "obf"
        case .pocock: return "pocock"
        case let .hwangShihDeCani(gamma): return "hsd:\(gamma.formatted(.number.precision(.significantDigits(1...6))))"
        }
    }
}
