import Foundation

/// Continuous-time discounting at an annual rate r, time in months (docs/ECONOMICS.md,
/// "Discounting"): the weight of time t is (1 + r)^(−t/12) = e^{−δt/12}, δ = ln(1 + r).
///
/// Integrals are closed forms, written so that they stay accurate as δ → 0 (r = 0 gives
/// the undiscounted length exactly): ∫_a^b e^{−δt/12} dt = e^{−δa/12} · (b − a) · g(δ(b − a)/12)
/// with g(x) = (1 − e^{−x})/x = −expm1(−x)/x, g(0) = 1.
public struct Discounting: Sendable, Equatable {
    /// The annual rate r (0 ≤ r < 1).
    public let annualRate: Double
    /// δ = ln(1 + r), per year.
    public let delta: Double
    /// δ/12, per month.
    let perMonth: Double

    /// - Precondition: 0 ≤ r < 1 (callers validate their inputs first).
    public init(annualRate r: Double) {
        precondition(r >= 0 && r < 1 && r.isFinite, "discount rate outside [0, 1)")
        annualRate = r
        delta = log1p(r)
        perMonth = delta / 12
    }

    /// e^{−δt/12}: the weight of a one-off amount at month t.
    @inline(__always) public func factor(atMonth t: Double) -> Double {
        perMonth == 0 ? 1 : exp(-perMonth * t)
    }

    /// g(x) = (1 − e^{−x})/x, to full double accuracy for every x ≥ 0 (1 at x = 0).
    @inline(__always) static func g(_ x: Double) -> Double {
        x == 0 ? 1 : -expm1(-x) / x
    }

    /// ∫_a^b e^{−δt/12} dt in months, 0 when b ≤ a.
    @inline(__always) public func integral(fromMonth a: Double, toMonth b: Double) -> Double {
        guard b > a else { return 0 }
        let length = b - a
        if perMonth == 0 { return length }
        return exp(-perMonth * a) * length * Discounting.g(perMonth * length)
    }

    /// The same integral in years (months / 12): life-years and QALYs.
    @inline(__always) public func years(fromMonth a: Double, toMonth b: Double) -> Double {
        integral(fromMonth: a, toMonth: b) / 12
    }

    /// Σ_{y=0}^{Y−1} (1 + r)^(−y): the present value of one unit a year for `years` years,
    /// each paid at the start of its year (a population of yearly cohorts, docs/ECONOMICS.md).
    public func annuity(years: Int) -> Double {
        precondition(years >= 0)
        if annualRate == 0 { return Double(years) }
        // (1 − v^Y)/(1 − v), v = 1/(1 + r): written with expm1 for small r.
        let v = -delta
        return expm1(v * Double(years)) / expm1(v)
    }
}
