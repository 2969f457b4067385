import Foundation

/// Gauss–Legendre nodes and weights on [0, 1], computed once (Newton on P_n).
enum GaussLegendre {
    static let order = 96
    static let rule: (nodes: [Double], weights: [Double]) = {
        let n = order
        var x = [Double](repeating: 0, count: n), w = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var z = cos(Double.pi * (Double(i) + 0.75) / (Double(n) + 0.5))
            var pp = 0.0
            for _ in 0..<100 {
                var p1 = 1.0, p2 = 0.0
                for j in 0..<n {
                    let p3 = p2
                    p2 = p1
                    p1 = ((2 * Double(j) + 1) * z * p2 - Double(j) * p3) / Double(j + 1)
                }
                pp = Double(n) * (z * p1 - p2) / (z * z - 1)
                let z1 = z
                z = z1 - p1 / pp
                if abs(z - z1) < 1e-15 { break }
            }
            x[i] = 0.5 * (1 - z)
            w[i] = 1 / ((1 - z * z) * pp * pp)   // = (2/((1−z²)P'²)) / 2 on [0, 1]
        }
        return (x, w)
    }()
}

/// OS = PFS + PPS with PFS ~ Weibull and PPS ~ exponential(rate μ), independent.
public enum OverallSurvival {
    /// S_OS(t) = S_PFS(t) + ∫₀ᵗ f_PFS(u) e^{−μ(t−u)} du
    ///         = 1 − ∫₀ᵗ μ F(u) e^{−μ(t−u)} du      (by parts; F = 1 − S_PFS),
    /// integrated with u = t s² and 96-point Gauss–Legendre in s (smooth even where
    /// the Weibull density is unbounded at 0). Relative accuracy ~1e-10 for the
    /// parameters nensim meets.
    public static func survival(at t: Double, pfs: Weibull, ppsRate mu: Double) -> Double {
        if t <= 0 { return 1 }
        if mu == 0 { return 1 }
        let (nodes, weights) = GaussLegendre.rule
        var integral = 0.0
        for i in 0..<nodes.count {
            let s = nodes[i]
            let u = t * s * s
            let F = -expm1(-pow(u / pfs.scale, pfs.shape))
            integral += weights[i] * mu * F * exp(-mu * (t - u)) * 2 * t * s
        }
        return max(0, min(1, 1 - integral))
    }

    /// The OS time at which S_OS = 1 − p (bisection on the monotone S_OS).
    public static func quantile(_ p: Double, pfs: Weibull, ppsRate mu: Double) -> Double {
        var lo = 0.0, hi = max(pfs.quantile(p), 1.0)
        while survival(at: hi, pfs: pfs, ppsRate: mu) > 1 - p { hi *= 2; if hi > 1e7 { return .infinity } }
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if survival(at: mid, pfs: pfs, ppsRate: mu) > 1 - p { lo = mid } else { hi = mid }
            if hi - lo < 1e-12 * hi { break }
        }
        return 0.5 * (lo + hi)
    }
}

/// The post-progression-survival rate fitted to OS anchors.
public struct PostProgressionFit: Sendable, Codable {
    /// PPS exponential rate μ per month.
    public var rate: Double
    public var median: Double { log(2) / rate }
    public var anchors: [SurvivalAnchor]
    /// cloglog residuals log(−log S_i) − log(−log S_OS(t_i)).
    public var residuals: [Double]
    public var fittedSurvival: [Double]
    public var maxAbsResidual: Double { residuals.map(abs).max() ?? 0 }
}

public enum PostProgressionFitter {
    public enum Failure: Error, CustomStringConvertible, Equatable {
        case infeasible(String)
        public var description: String { switch self { case let .infeasible(s): return s } }
    }

    /// Finds μ minimising Σ (cloglog S_i − cloglog S_OS(t_i; μ))² over the OS anchors
    /// (a root when there is one anchor). Each anchor needs S_i > S_PFS(t_i): OS can
    /// never be shorter than PFS.
    public static func fit(anchors: [SurvivalAnchor], pfs: Weibull) throws -> PostProgressionFit {
        precondition(!anchors.isEmpty)
        for a in anchors where a.survival <= pfs.survival(a.time) + 1e-12 {
            throw Failure.infeasible("\(a.source): OS S(\(fmt(a.time))) = \(fmt(a.survival)) is not above PFS S(\(fmt(a.time))) = \(fmt(pfs.survival(a.time))); OS cannot be shorter than PFS")
        }
        func cloglog(_ s: Double) -> Double { log(-log(max(min(s, 1 - 1e-300), 1e-300))) }
        func loss(_ logMu: Double) -> Double {
            let mu = exp(logMu)
            return anchors.reduce(0) { acc, a in
                let r = cloglog(a.survival) - cloglog(OverallSurvival.survival(at: a.time, pfs: pfs, ppsRate: mu))
                return acc + r * r
            }
        }
        // S_OS decreases in μ, so each residual is monotone: the loss is unimodal in log μ.
        let mu = exp(goldenSectionMinimum(lo: log(1e-6), hi: log(1e3), loss))
        let fitted = anchors.map { OverallSurvival.survival(at: $0.time, pfs: pfs, ppsRate: mu) }
        let residuals = zip(anchors, fitted).map { cloglog($0.survival) - cloglog($1) }
        return PostProgressionFit(rate: mu, anchors: anchors, residuals: residuals, fittedSurvival: fitted)
    }
}

/// The minimiser of a unimodal `f` on [lo, hi] by golden-section search, to `tolerance`.
func goldenSectionMinimum(lo: Double, hi: Double, tolerance: Double = 1e-12, maxIterations: Int = 200,
                          _ f: (Double) -> Double) -> Double {
    var lo = lo, hi = hi
    let g = (5.0.squareRoot() - 1) / 2
    var c = hi - g * (hi - lo), d = lo + g * (hi - lo)
    var fc = f(c), fd = f(d)
    for _ in 0..<maxIterations where hi - lo > tolerance {
        if fc < fd { hi = d; d = c; fd = fc; c = hi - g * (hi - lo); fc = f(c) }
        else { lo = c; c = d; fc = fd; d = lo + g * (hi - lo); fd = f(d) }
    }
    return 0.5 * (lo + hi)
}
