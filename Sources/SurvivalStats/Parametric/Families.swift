import Foundation

// The survival families. Each is a value type with the parameterisation of the R
// function it equals (docs/PARAMETRIC.md gives the formulas and the edge handling).

/// Exponential with rate λ: S(t) = exp(−λt). R: `pexp(t, rate)`; survreg's
/// `dist = "exponential"` has intercept μ = −log λ.
public struct ExponentialDistribution: SurvivalDistribution, Equatable, Codable {
    public var rate: Double
    public init(rate: Double) { self.rate = rate }
    /// From survreg's location μ (log-time intercept): λ = exp(−μ).
    public init(location mu: Double) { rate = exp(-mu) }

    public func logSurvival(_ t: Double) -> Double { -rate * t }
    public func logDensity(_ t: Double) -> Double { log(rate) - rate * t }
    public func hazard(_ t: Double) -> Double { rate }
    public func time(cumulativeHazard e: Double) -> Double { e / rate }
    public func restrictedMean(_ tau: Double) -> Double { tau <= 0 ? 0 : -expm1(-rate * tau) / rate }
}

/// Weibull as survreg's location–scale model: log T = μ + σW, W the minimum extreme-value
/// distribution, so S(t) = exp(−exp((log t − μ)/σ)). R's `pweibull(t, shape, scale)` has
/// shape = 1/σ and scale = exp(μ).
public struct WeibullDistribution: SurvivalDistribution, Equatable, Codable {
    /// μ, the location of log T.
    public var location: Double
    /// σ > 0, the scale of log T (survreg's `scale`).
    public var scale: Double
    public init(location: Double, scale: Double) { self.location = location; self.scale = scale }
    /// From R's `dweibull` parameters: shape k, scale λ (σ = 1/k, μ = log λ).
    public init(shape: Double, timeScale: Double) { location = log(timeScale); scale = 1 / shape }
    /// The shape k = 1/σ.
    public var shape: Double { 1 / scale }
    /// The time scale λ = exp(μ): S(λ) = e⁻¹.
    public var timeScale: Double { exp(location) }

    @inline(__always) func z(_ t: Double) -> Double { (log(t) - location) / scale }
    public func logSurvival(_ t: Double) -> Double { t <= 0 ? 0 : -exp(z(t)) }
    public func logDensity(_ t: Double) -> Double { let z = z(t); return z - exp(z) - log(scale) - log(t) }
    public func hazard(_ t: Double) -> Double { exp(z(t)) / (scale * t) }
    /// t = exp(μ + σ log e), i.e. λ e^{1/k}.
    public func time(cumulativeHazard e: Double) -> Double { exp(location + scale * log(e)) }
}

/// Log-normal: log T ~ N(μ, σ²), S(t) = 1 − Φ((log t − μ)/σ). R: `plnorm(t, meanlog = μ,
/// sdlog = σ)`; survreg's `dist = "lognormal"`.
public struct LogNormalDistribution: SurvivalDistribution, Equatable, Codable {
    public var location: Double
    public var scale: Double
    public init(location: Double, scale: Double) { self.location = location; self.scale = scale }

    @inline(__always) func z(_ t: Double) -> Double { (log(t) - location) / scale }
    public func logSurvival(_ t: Double) -> Double { t <= 0 ? 0 : Distributions.logNormalSurvival(z(t)) }
    public func logDensity(_ t: Double) -> Double {
        let z = z(t); return -0.5 * z * z - 0.5 * log(2 * Double.pi) - log(scale) - log(t)
    }
    public func hazard(_ t: Double) -> Double { Distributions.normalHazard(z(t)) / (scale * t) }
    public func time(cumulativeHazard e: Double) -> Double {
        // S = exp(−e); the quantile is taken on the smaller tail.
        let z = e < log(2.0) ? Distributions.normalQuantile(-expm1(-e)) : -Distributions.normalQuantile(exp(-e))
        return exp(location + scale * z)
    }
}

/// Log-logistic: log T = μ + σW, W standard logistic, S(t) = 1/(1 + exp((log t − μ)/σ)).
/// R: survreg's `dist = "loglogistic"`; flexsurv's `llogis(shape = 1/σ, scale = exp(μ))`.
public struct LogLogisticDistribution: SurvivalDistribution, Equatable, Codable {
    public var location: Double
    public var scale: Double
    public init(location: Double, scale: Double) { self.location = location; self.scale = scale }

    @inline(__always) func z(_ t: Double) -> Double { (log(t) - location) / scale }
    public func logSurvival(_ t: Double) -> Double { t <= 0 ? 0 : -softplus(z(t)) }
    public func logDensity(_ t: Double) -> Double { let z = z(t); return z - 2 * softplus(z) - log(scale) - log(t) }
    public func hazard(_ t: Double) -> Double { 1 / ((1 + exp(-z(t))) * scale * t) }
    /// e^z = 1/S − 1 = expm1(e).
    public func time(cumulativeHazard e: Double) -> Double { exp(location + scale * logExpm1(e)) }
}

/// Gompertz as flexsurv's `gompertz`: h(t) = b·exp(a t), shape a (any sign), rate b > 0;
/// S(t) = exp(−(b/a)(e^{at} − 1)). a = 0 is the exponential; a < 0 leaves a share
/// exp(b/a) that never has the event.
public struct GompertzDistribution: SurvivalDistribution, Equatable, Codable {
    public var shape: Double
    public var rate: Double
    public init(shape: Double, rate: Double) { self.shape = shape; self.rate = rate }

    /// (e^{at} − 1)/a, → t as a → 0 (expm1 keeps it exact).
    @inline(__always) func phi(_ t: Double) -> Double { shape == 0 ? t : expm1(shape * t) / shape }
    public func logSurvival(_ t: Double) -> Double { t <= 0 ? 0 : -rate * phi(t) }
    public func logDensity(_ t: Double) -> Double { log(rate) + shape * t - rate * phi(t) }
    public func hazard(_ t: Double) -> Double { rate * exp(shape * t) }
    public func time(cumulativeHazard e: Double) -> Double {
        if shape == 0 { return e / rate }
        let x = shape * e / rate
        return x <= -1 ? .infinity : log1p(x) / shape
    }
}

/// Generalized gamma in Prentice's (1974) parameterisation, as flexsurv's `gengamma`:
/// w = (log t − μ)/σ, γ = 1/Q², u = γ·exp(Q w); for Q > 0, S = 1 − P(γ, u), for Q < 0,
/// S = P(γ, u) (P the regularised lower incomplete gamma). Q = 0 is the log-normal;
/// Q = 1 the Weibull; Q = σ the gamma with shape 1/σ² and rate exp(−μ)/σ².
///
/// For |Q| < `lognormalThreshold` the log-normal limit is used (flexsurv does so at
/// Q = 0 only): there the incomplete gamma of shape 1/Q² > 10⁸ loses precision and the
/// difference from the limit is O(Q) (docs/PARAMETRIC.md).
public struct GeneralizedGammaDistribution: SurvivalDistribution, Equatable, Codable {
    public var location: Double
    public var scale: Double
    public var q: Double
    public static let lognormalThreshold = 1e-4
    public init(location: Double, scale: Double, q: Double) { self.location = location; self.scale = scale; self.q = q }

    var isLogNormal: Bool { abs(q) < Self.lognormalThreshold }
    var lognormal: LogNormalDistribution { LogNormalDistribution(location: location, scale: scale) }

    public func logSurvival(_ t: Double) -> Double {
        if t <= 0 { return 0 }
        if isLogNormal { return lognormal.logSurvival(t) }
        let w = (log(t) - location) / scale
        let g = 1 / (q * q)
        let u = g * exp(q * w)
        let (logP, logQ) = Distributions.logRegularizedGamma(g, u)
        return q > 0 ? logQ : logP
    }

    /// log f = −log(σt) − ½ log 2π − R(γ) − γ(e^{Qw} − 1 − Qw), the flexsurv density
    /// rewritten with Stirling's remainder R so that no large terms cancel as Q → 0.
    public func logDensity(_ t: Double) -> Double {
        if isLogNormal { return lognormal.logDensity(t) }
        let w = (log(t) - location) / scale
        let y = q * w
        return -log(scale * t) - 0.5 * log(2 * Double.pi) - Distributions.stirlingRemainder(1 / (q * q))
            - expm1MinusX(y) / (q * q)
    }

    public func time(cumulativeHazard e: Double) -> Double {
        if isLogNormal { return lognormal.time(cumulativeHazard: e) }
        let g = 1 / (q * q)
        let u = q > 0 ? Distributions.gammaQuantile(-expm1(-e), shape: g) : Distributions.gammaQuantile(exp(-e), shape: g)
        if u == 0 { return q > 0 ? 0 : .infinity }
        if u.isInfinite { return q > 0 ? .infinity : 0 }
        // Newton on log S(t) = −e in log t refines the gamma quantile, which loses
        // precision when its probability is near 1.
        var logT = location + scale * log(u / g) / q
        for _ in 0..<4 {
            let t = exp(logT)
            let residual = logSurvival(t) + e
            let slope = exp(logDensity(t) - logSurvival(t)) * t // −d log S / d log t
            guard residual.isFinite, slope.isFinite, slope > 0 else { break }
            let stepLog = residual / slope
            logT += stepLog
            if abs(stepLog) < 1e-15 { break }
        }
        return exp(logT)
    }
}

/// eʸ − 1 − y without cancellation (series for |y| < 0.5).
@inline(__always) func expm1MinusX(_ y: Double) -> Double {
    if abs(y) >= 0.5 { return expm1(y) - y }
    var term = y * y / 2, sum = term, k = 2.0
    while abs(term) > 1e-17 * abs(sum) {
        k += 1; term *= y / k; sum += term
    }
    return sum
}

/// Piecewise-constant hazard: rate `rates[j]` on [cuts[j−1], cuts[j]) with cuts[−1] = 0
/// and cuts[k] = ∞. R: `flexsurv::ppexp(t, rate, t = c(0, cuts))`.
public struct PiecewiseExponentialDistribution: SurvivalDistribution, Equatable, Codable {
    /// Cut points, strictly increasing, all > 0.
    public let cuts: [Double]
    /// Hazard on each interval, ≥ 0; `cuts.count + 1` of them.
    public let rates: [Double]

    /// - Precondition: `cuts` strictly increasing and > 0; `rates.count == cuts.count + 1`,
    ///   rates finite and ≥ 0. Returns nil otherwise.
    public init?(cuts: [Double], rates: [Double]) {
        guard rates.count == cuts.count + 1, rates.allSatisfy({ $0 >= 0 && $0.isFinite }),
              cuts.allSatisfy({ $0 > 0 && $0.isFinite }), zip(cuts, cuts.dropFirst()).allSatisfy({ $0 < $1 }) else { return nil }
        self.cuts = cuts; self.rates = rates
    }

    func interval(_ t: Double) -> Int {
        var lo = 0, hi = cuts.count
        while lo < hi { let m = (lo + hi) / 2; if cuts[m] <= t { lo = m + 1 } else { hi = m } }
        return lo
    }

    public func logSurvival(_ t: Double) -> Double {
        if t <= 0 { return 0 }
        var h = 0.0, start = 0.0
        for j in 0..<rates.count {
            let end = j < cuts.count ? cuts[j] : .infinity
            if t <= end { return -(h + rates[j] * (t - start)) }
            h += rates[j] * (end - start); start = end
        }
        return -h
    }
    public func hazard(_ t: Double) -> Double { rates[interval(t)] }
    public func logDensity(_ t: Double) -> Double { log(hazard(t)) + logSurvival(t) }
    public func time(cumulativeHazard e: Double) -> Double {
        var h = 0.0, start = 0.0
        for j in 0..<rates.count {
            let end = j < cuts.count ? cuts[j] : .infinity
            let piece = rates[j] * (end - start)
            if h + piece >= e { return rates[j] == 0 ? start : start + (e - h) / rates[j] }
            h += piece; start = end
        }
        return .infinity
    }
    /// Exact: the sum of each interval's ∫ S.
    public func restrictedMean(_ tau: Double) -> Double {
        var total = 0.0, h = 0.0, start = 0.0
        for j in 0..<rates.count where start < tau {
            let end = min(j < cuts.count ? cuts[j] : .infinity, tau)
            let s0 = exp(-h), len = end - start
            total += rates[j] == 0 ? s0 * len : s0 * -expm1(-rates[j] * len) / rates[j]
            h += rates[j] * len; start = end
        }
        return total
    }
}

/// Mixture cure: a share π never has the event, the rest follow `base`:
/// S(t) = π + (1 − π)·S₀(t). R: flexsurvcure's `mixture = TRUE`.
public struct MixtureCureDistribution: SurvivalDistribution {
    public let base: any SurvivalDistribution
    /// π in [0, 1).
    public let cureFraction: Double
    public init(base: any SurvivalDistribution, cureFraction: Double) { self.base = base; self.cureFraction = cureFraction }

    /// log(π + (1 − π) S₀) = log S₀ + log1p(−(1−π)… ) taken on the larger term.
    public func logSurvival(_ t: Double) -> Double {
        let ls0 = base.logSurvival(t)
        if cureFraction == 0 { return ls0 }
        let a = log(cureFraction), b = log1p(-cureFraction) + ls0
        let m = max(a, b)
        return m + log1p(exp(min(a, b) - m))
    }
    public func logDensity(_ t: Double) -> Double { log1p(-cureFraction) + base.logDensity(t) }
    public func time(cumulativeHazard e: Double) -> Double {
        // S = exp(−e) = π + (1 − π) S₀ → 1 − S₀ = (1 − S)/(1 − π).
        let f = -expm1(-e) / (1 - cureFraction)
        if f >= 1 { return .infinity }
        return base.time(cumulativeHazard: -log1p(-f))
    }
}
