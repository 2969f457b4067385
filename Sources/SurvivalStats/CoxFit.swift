/// How tied event times enter the Cox partial likelihood (R's `coxph(ties =)`).
public enum CoxTies: String, Sendable, CaseIterable, Codable {
    /// Every death at a tied time sees the full risk set (Breslow, 1974).
    case breslow
    /// The deaths at a tied time leave the risk set in equal fractions (Efron, 1977);
    /// R's default and the better approximation to the exact partial likelihood.
    case efron
}

/// Why a Cox fit failed. Every description says what went wrong and the likely cause.
public enum CoxError: Error, CustomStringConvertible, Sendable {
    /// Newton–Raphson used all `iterations` without the relative change of the
    /// log partial likelihood falling below the tolerance; `logLikelihood` is the best
    /// value reached.
    case notConverged(iterations: Int, logLikelihood: Double)
    /// The information matrix is singular or numerically so.
    case singular(cause: String)
    /// The arguments cannot describe a Cox model (sizes, infinite values, no events…).
    case invalidInput(String)

    public var description: String {
        switch self {
        case let .notConverged(iterations, logLikelihood):
            return "Cox fit did not converge in \(iterations) Newton–Raphson iterations (best log partial likelihood \(logLikelihood)); suspicion is a coefficient diverging to ±∞ (monotone likelihood, e.g. a group with no events) or too few iterations allowed"
        case let .singular(cause):
            return "information matrix is singular: \(cause)"
        case let .invalidInput(what):
            return "invalid input to the Cox fit: \(what)"
        }
    }
}

/// A fitted Cox proportional-hazards model, with the numbers R's `summary(coxph(...))`
/// prints. All per-coefficient arrays have one entry per covariate column.
public struct CoxFit: Sendable {
    /// β̂, on the scale of the covariates as given (not centred).
    public let coefficients: [Double]
    /// √diag(I(β̂)⁻¹), R's `se(coef)`.
    public let standardErrors: [Double]
    /// exp(β̂).
    public let hazardRatios: [Double]
    /// exp(β̂ ∓ z₁₋α/₂ · se), the Wald interval R's `summary` reports.
    public let lowerCI: [Double]
    public let upperCI: [Double]
    /// β̂ / se.
    public let zScores: [Double]
    /// Two-sided normal p-values 2·(1 − Φ(|z|)).
    public let pValues: [Double]
    /// I(β̂)⁻¹, p × p row-major (R's `fit$var`).
    public let variance: [Double]
    /// Log partial likelihood at the initial values (R's `loglik[1]`; at β = 0 unless
    /// `initial` was given).
    public let logLikelihoodNull: Double
    /// Log partial likelihood at β̂ (R's `loglik[2]`).
    public let logLikelihood: Double
    /// 2·(logLikelihood − logLikelihoodNull) on p df.
    public let likelihoodRatio: (statistic: Double, df: Int, pValue: Double)
    /// (β̂ − β₀)ᵀ I(β̂) (β̂ − β₀) on p df, β₀ the initial values.
    public let wald: (statistic: Double, df: Int, pValue: Double)
    /// U(β₀)ᵀ I(β₀)⁻¹ U(β₀) on p df: the score (log-rank for one binary covariate) test at the initial values.
    public let score: (statistic: Double, df: Int, pValue: Double)
    /// Newton–Raphson steps taken (R's `iter` for a converged fit).
    public let iterations: Int
    /// Records used (after dropping rows with missing values); for grouped data, patients.
    public let n: Int
    /// Number of events among them.
    public let events: Int
    /// Level of `lowerCI`/`upperCI`.
    public let confidenceLevel: Double
    /// Per coefficient, R's warning "Loglik converged before variable k; coefficient may
    /// be infinite": the likelihood is monotone in that direction (typically a group with
    /// no events, or perfect separation) and β̂ is only where the iteration stopped.
    public let possiblyInfinite: [Bool]
    /// Robust (sandwich) fit, as `coxph(…, cluster = id)` or `robust = TRUE`: then
    /// `variance`, `zScores`, `pValues`, the intervals and `wald` use the robust variance
    /// (R's `fit$var`), `standardErrors` stay the naive ones (R's `se(coef)`), and these
    /// hold the naive variance (`fit$naive.var`), the robust standard errors (`robust
    /// se`) and the robust score test (`fit$rscore`). nil otherwise.
    public var naiveVariance: [Double]? = nil
    public var robustStandardErrors: [Double]? = nil
    public var robustScore: (statistic: Double, df: Int, pValue: Double)? = nil
    /// Number of clusters of the robust variance.
    public var clusters: Int? = nil
}
