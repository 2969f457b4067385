import Foundation

/// A distribution of a positive event time T, described by its survival function.
///
/// Conformers give the log survival function, the log density and the inverse of the
/// cumulative hazard; everything else (S, h, H, f, quantiles, restricted mean, bulk
/// sampling) follows here. Time is in whatever unit the parameters were fitted in.
/// Parameterisations, edge cases and the R functions each family equals:
/// docs/PARAMETRIC.md.
public protocol SurvivalDistribution: Sendable {
    /// log S(t) for t ≥ 0 (0 at t = 0), computed in log space so S near 0 and near 1
    /// keep their relative precision.
    func logSurvival(_ t: Double) -> Double
    /// log f(t) for t > 0.
    func logDensity(_ t: Double) -> Double
    /// The time t with H(t) = e, i.e. S(t) = exp(−e), for e ≥ 0; +∞ when S never falls
    /// that low (a cure fraction, a Gompertz with negative shape). This is the sampler:
    /// with E = −log V, V uniform on (0, 1), `time(cumulativeHazard: E)` is a draw of T.
    func time(cumulativeHazard e: Double) -> Double
    /// h(t); the default is exp(log f − log S).
    func hazard(_ t: Double) -> Double
}

extension SurvivalDistribution {
    /// S(t).
    public func survival(_ t: Double) -> Double { exp(logSurvival(t)) }
    /// H(t) = −log S(t).
    public func cumulativeHazard(_ t: Double) -> Double { -logSurvival(t) }
    /// f(t).
    public func density(_ t: Double) -> Double { exp(logDensity(t)) }
    public func hazard(_ t: Double) -> Double { exp(logDensity(t) - logSurvival(t)) }

    /// The time by which a share `p` of events has happened: F(t) = p, as R's
    /// `qweibull(p, …)`; the median is `quantile(0.5)`. +∞ for p at or past a cure level.
    public func quantile(_ p: Double) -> Double {
        if p.isNaN || p < 0 || p > 1 { return .nan }
        return time(cumulativeHazard: -log1p(-p))
    }

    /// The median event time, `quantile(0.5)`.
    public var median: Double { quantile(0.5) }

    /// Restricted mean ∫₀^τ S(t) dt, by adaptive Simpson quadrature on t = τu² (which
    /// smooths the √t-type behaviour of S near 0 for shapes below 1), absolute tolerance
    /// 1e-10 τ.
    public func restrictedMean(_ tau: Double) -> Double {
        guard tau > 0 else { return 0 }
        if tau.isInfinite { return .nan }
        // ∫₀^τ S(t) dt = ∫₀¹ S(τu²) 2τu du.
        let g: (Double) -> Double = { u in
            let t = tau * u * u
            return u == 0 ? 0 : exp(self.logSurvival(t)) * 2 * tau * u
        }
        return Quadrature.adaptiveSimpson(g, 0, 1, tolerance: 1e-10 * tau)
    }

    /// Replaces each value e of `values` (a cumulative hazard E = −log V, e ≥ 0) by the
    /// time with that cumulative hazard, in place: the bulk form of the inverse-S
    /// sampler, for an engine that draws E in blocks.
    /// - Contract: `values` holds n ≥ 0 finite values ≥ 0, any order; written in place,
    ///   element by element (no aliasing concerns); entries become +∞ where S never
    ///   reaches exp(−e).
    /// - Complexity: O(n).
    public func timesFromCumulativeHazards(_ values: UnsafeMutableBufferPointer<Double>) {
        for i in values.indices { values[i] = time(cumulativeHazard: values[i]) }
    }

    /// `timesFromCumulativeHazards` on an array.
    public func timesFromCumulativeHazards(_ values: inout [Double]) {
        values.withUnsafeMutableBufferPointer { timesFromCumulativeHazards($0) }
    }
}

/// Numerical integration used by the families.
enum Quadrature {
    /// Adaptive Simpson on [a, b] to absolute `tolerance` (Richardson-corrected), depth ≤ 50.
    static func adaptiveSimpson(_ f: (Double) -> Double, _ a: Double, _ b: Double, tolerance: Double) -> Double {
        let fa = f(a), fb = f(b), m = 0.5 * (a + b), fm = f(m)
        let whole = (b - a) / 6 * (fa + 4 * fm + fb)
        return step(f, a, b, fa, fm, fb, whole, tolerance, 50)
    }

    private static func step(_ f: (Double) -> Double, _ a: Double, _ b: Double, _ fa: Double, _ fm: Double, _ fb: Double,
                             _ whole: Double, _ tolerance: Double, _ depth: Int) -> Double {
        let m = 0.5 * (a + b)
        let lm = 0.5 * (a + m), rm = 0.5 * (m + b)
        let flm = f(lm), frm = f(rm)
        let left = (m - a) / 6 * (fa + 4 * flm + fm)
        let right = (b - m) / 6 * (fm + 4 * frm + fb)
        let delta = left + right - whole
        if depth <= 0 || abs(delta) <= 15 * tolerance { return left + right + delta / 15 }
        return step(f, a, m, fa, flm, fm, left, tolerance / 2, depth - 1)
            + step(f, m, b, fm, frm, fb, right, tolerance / 2, depth - 1)
    }
}

/// log(1 + eˣ) without overflow or loss of precision.
@inline(__always) func softplus(_ x: Double) -> Double {
    x > 35 ? x + exp(-x) : (x < -35 ? exp(x) : log1p(exp(x)))
}

/// log(eᵉ − 1) = log(expm1(e)) for e > 0, exact in both limits (e → 0: log e; large e: e).
@inline(__always) func logExpm1(_ e: Double) -> Double {
    e > 35 ? e + log1p(-exp(-e)) : log(expm1(e))
}
