import Foundation

/// The families `ParametricFit` fits by maximum likelihood. Covariates act on one
/// parameter through a linear predictor η = Xβ (X with a leading column of ones):
/// on the location μ of log T for the accelerated-failure-time families (as survreg
/// and flexsurv), on log rate for the Gompertz (proportional hazards, as flexsurv).
/// docs/PARAMETRIC.md lists each family's parameters and their R equivalents.
public enum ParametricFamily: String, CaseIterable, Sendable, Codable {
    case exponential, weibull, gompertz, lognormal, loglogistic, gengamma

    /// The four families R's `survreg` has, with the same parameters.
    public static let survregFamilies: [ParametricFamily] = [.exponential, .weibull, .lognormal, .loglogistic]

    /// Name of the parameter the linear predictor is on.
    public var linearPredictorName: String {
        self == .gompertz ? "log(rate)" : "mu"
    }

    /// The parameters besides the linear predictor, on the scale they are estimated.
    public var auxiliaryNames: [String] {
        switch self {
        case .exponential: return []
        case .weibull, .lognormal, .loglogistic: return ["log(scale)"]
        case .gompertz: return ["shape"]
        case .gengamma: return ["log(scale)", "Q"]
        }
    }

    /// Accelerated failure time (covariates on log-time location) or proportional hazards.
    public var isAcceleratedFailureTime: Bool { self != .gompertz }

    /// Whether time 0 has zero density (log-time families): such families need t > 0.
    public var needsPositiveTimes: Bool { isAcceleratedFailureTime }

    /// The distribution for a linear predictor value η and auxiliary parameters `aux`
    /// (on the estimation scale, in `auxiliaryNames` order).
    public func distribution(eta: Double, auxiliary aux: [Double]) -> any SurvivalDistribution {
        switch self {
        case .exponential: return ExponentialDistribution(location: eta)
        case .weibull: return WeibullDistribution(location: eta, scale: exp(aux[0]))
        case .lognormal: return LogNormalDistribution(location: eta, scale: exp(aux[0]))
        case .loglogistic: return LogLogisticDistribution(location: eta, scale: exp(aux[0]))
        case .gompertz: return GompertzDistribution(shape: aux[0], rate: exp(eta))
        case .gengamma: return GeneralizedGammaDistribution(location: eta, scale: exp(aux[0]), q: aux[1])
        }
    }

    /// The named natural parameters of a distribution of this family (as R's d/p/q
    /// functions take them), for reports and evidence files.
    public func naturalParameters(eta: Double, auxiliary aux: [Double]) -> [(name: String, value: Double)] {
        switch self {
        case .exponential: return [("rate", exp(-eta))]
        case .weibull: return [("shape", exp(-aux[0])), ("scale", exp(eta))]
        case .lognormal: return [("meanlog", eta), ("sdlog", exp(aux[0]))]
        case .loglogistic: return [("shape", exp(-aux[0])), ("scale", exp(eta))]
        case .gompertz: return [("shape", aux[0]), ("rate", exp(eta))]
        case .gengamma: return [("mu", eta), ("sigma", exp(aux[0])), ("Q", aux[1])]
        }
    }
}

/// One record's log-likelihood and its derivatives with respect to the linear predictor
/// η and up to one auxiliary parameter a (k = 0: η only).
struct RecordTerms {
    var l = 0.0, gEta = 0.0, gA = 0.0, hEtaEta = 0.0, hEtaA = 0.0, hAA = 0.0
}

/// The standardised error distribution W of a location–scale family (log T = η + σW):
/// log density and log survival of W with their first and second derivatives in z.
protocol LocationScaleError: Sendable {
    /// (g, g′, g″) of log f_W at z.
    func logDensity(_ z: Double) -> (Double, Double, Double)
    /// (g, g′, g″) of log S_W at z.
    func logSurvival(_ z: Double) -> (Double, Double, Double)
}

/// Minimum extreme value: log f = z − eᶻ, log S = −eᶻ (Weibull, exponential).
struct ExtremeValueError: LocationScaleError {
    @inline(__always) func logDensity(_ z: Double) -> (Double, Double, Double) { let e = exp(z); return (z - e, 1 - e, -e) }
    @inline(__always) func logSurvival(_ z: Double) -> (Double, Double, Double) { let e = exp(z); return (-e, -e, -e) }
}

/// Standard logistic: log f = z − 2 log(1 + eᶻ), log S = −log(1 + eᶻ) (log-logistic).
/// One exp and one log1p per call: e = e^{−|z|}, p = 1/(1 + e^{−z}) from e, and
/// log(1 + eᶻ) = max(z, 0) + log1p(e), which neither overflows nor cancels.
struct LogisticError: LocationScaleError {
    @inline(__always) func parts(_ z: Double) -> (softplus: Double, p: Double) {
        let e = exp(-abs(z))
        let p = z >= 0 ? 1 / (1 + e) : e / (1 + e)
        return (max(z, 0) + log1p(e), p)
    }
    @inline(__always) func logDensity(_ z: Double) -> (Double, Double, Double) {
        let (sp, p) = parts(z)
        return (z - 2 * sp, 1 - 2 * p, -2 * p * (1 - p))
    }
    @inline(__always) func logSurvival(_ z: Double) -> (Double, Double, Double) {
        let (sp, p) = parts(z)
        return (-sp, -p, -p * (1 - p))
    }
}

/// Standard normal: log f = −z²/2 − ½ log 2π, log S = log(1 − Φ(z)) with derivative −m(z),
/// m the inverse Mills ratio, and m′ = m(m − z) (log-normal).
struct NormalError: LocationScaleError {
    static let halfLog2Pi = 0.5 * log(2 * Double.pi)
    @inline(__always) func logDensity(_ z: Double) -> (Double, Double, Double) { (-0.5 * z * z - Self.halfLog2Pi, -z, -1) }
    @inline(__always) func logSurvival(_ z: Double) -> (Double, Double, Double) {
        let ls = Distributions.logNormalSurvival(z)
        let m = exp(-0.5 * z * z - Self.halfLog2Pi - ls)
        return (ls, -m, -m * (m - z))
    }
}

/// The generalized gamma's W for a fixed Q (`GeneralizedGammaDistribution`, γ = Q⁻², y = Qz):
/// log f_W = −½ log 2π − R(γ) − γ(eʸ − 1 − y), g′ = −expm1(y)/Q, g″ = −eʸ; log S_W from the
/// log-space incomplete gamma, g′ = −f_W/S_W = −exp(log f_W − log S_W), g″ = g′(log f_W′ − g′).
/// Below `GeneralizedGammaDistribution.lognormalThreshold` in |Q| it is the normal, as the
/// distribution is.
struct GeneralizedGammaError: LocationScaleError {
    let q: Double, gamma: Double, constant: Double
    let isNormal: Bool
    init(q: Double) {
        self.q = q
        gamma = 1 / (q * q)
        isNormal = abs(q) < GeneralizedGammaDistribution.lognormalThreshold
        constant = isNormal ? 0 : -NormalError.halfLog2Pi - Distributions.stirlingRemainder(1 / (q * q))
    }
    /// eʸ − 1 − y from expm1(y) (the series where it would cancel).
    @inline(__always) func excess(_ y: Double, _ m: Double) -> Double { abs(y) >= 0.5 ? m - y : expm1MinusX(y) }
    @inline(__always) func logDensity(_ z: Double) -> (Double, Double, Double) {
        if isNormal { return NormalError().logDensity(z) }
        let y = q * z, m = expm1(y)
        return (constant - gamma * excess(y, m), -m / q, -(m + 1))
    }
    @inline(__always) func logSurvival(_ z: Double) -> (Double, Double, Double) {
        if isNormal { return NormalError().logSurvival(z) }
        let y = q * z, m = expm1(y)
        let (logP, logQ) = Distributions.logRegularizedGamma(gamma, gamma * (m + 1))
        let ls = q > 0 ? logQ : logP
        let g1 = -exp(constant - gamma * excess(y, m) - ls)
        return (ls, g1, g1 * (-m / q - g1))
    }
}

/// Location–scale record terms with η = μ, a = log σ.
/// With z = (log t − η)/σ and g = log f_W (event) or log S_W (censored):
/// ∂l/∂η = −g′/σ, ∂l/∂a = −z g′ − d, ∂²l/∂η² = g″/σ², ∂²l/∂η∂a = (z g″ + g′)/σ,
/// ∂²l/∂a² = z g′ + z² g″. Without the time-scale Jacobian of an event (−log σ − log t
/// in l, −1 in ∂l/∂a), which `ParametricProblem.evaluate` adds once for all events.
@inline(__always)
func locationScaleTerms<W: LocationScaleError>(_ error: W, logTime y: Double, event: Bool, eta: Double, scale sigma: Double) -> RecordTerms {
    let z = (y - eta) / sigma
    let (g, g1, g2) = event ? error.logDensity(z) : error.logSurvival(z)
    var r = RecordTerms()
    r.l = g
    r.gEta = -g1 / sigma
    r.gA = -z * g1
    r.hEtaEta = g2 / (sigma * sigma)
    r.hEtaA = (z * g2 + g1) / sigma
    r.hAA = z * g1 + z * z * g2
    return r
}

/// Gompertz record terms with η = log b, a = shape: l = d(η + a t) − e^η φ(a, t),
/// φ = (e^{at} − 1)/a, and φ_a, φ_aa its a-derivatives (series near a t = 0).
@inline(__always)
func gompertzTerms(time t: Double, event: Bool, eta: Double, shape a: Double) -> RecordTerms {
    let (phi, phiA, phiAA) = gompertzPhi(a: a, t: t)
    let r0 = exp(eta)
    var r = RecordTerms()
    let d = event ? 1.0 : 0.0
    r.l = d * (eta + a * t) - r0 * phi
    r.gEta = d - r0 * phi
    r.gA = d * t - r0 * phiA
    r.hEtaEta = -r0 * phi
    r.hEtaA = -r0 * phiA
    r.hAA = -r0 * phiAA
    return r
}

/// φ(a, t) = (e^{at} − 1)/a and its first two derivatives in a. For |a t| < 0.5 the power
/// series Σ aᵏ t^{k+1}/(k+1)! (and its derivatives) avoids the cancellation of the closed
/// forms φ_a = (t e^{at} − φ)/a, φ_aa = (t² e^{at} − 2 φ_a)/a.
@inline(__always)
func gompertzPhi(a: Double, t: Double) -> (Double, Double, Double) {
    let x = a * t
    if abs(x) < 0.5 {
        // φ = t Σ c_k xᵏ, φ_a = t² Σ k c_k x^{k−1}, φ_aa = t³ Σ k(k−1) c_k x^{k−2}, c_k = 1/(k+1)!
        var p0 = 1 + 0.5 * x, p1 = 0.5, p2 = 0.0
        var c = 0.5
        var xkm2 = 1.0 // x^{k−2}
        for k in 2..<40 {
            c /= Double(k + 1)
            let kd = Double(k)
            p2 += kd * (kd - 1) * c * xkm2
            p1 += kd * c * xkm2 * x
            p0 += c * xkm2 * x * x
            xkm2 *= x
            if c * abs(xkm2) < 1e-20 { break }
        }
        return (t * p0, t * t * p1, t * t * t * p2)
    }
    let m = expm1(x), e = m + 1 // |x| ≥ 0.5: e from expm1 loses nothing
    let phi = m / a
    let phiA = (t * e - phi) / a
    let phiAA = (t * t * e - 2 * phiA) / a
    return (phi, phiA, phiAA)
}
