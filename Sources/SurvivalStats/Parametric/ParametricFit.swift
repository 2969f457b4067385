import Foundation

/// Why a parametric fit failed. Messages say what went wrong and what to try, in words
/// of the statistics (no command-line spellings).
public enum ParametricFitError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Inputs of the wrong size or out of range (a negative or non-finite time).
    case invalidData(String)
    /// No event in the data: no family can be fitted.
    case noEvents(family: ParametricFamily)
    /// Time 0 in a family of log T (density 0 at t = 0).
    case zeroTime(family: ParametricFamily, index: Int)
    /// Newton did not converge; `parameter` is the one that moved most (or left its
    /// plausible range), with its last value.
    case notConverged(family: ParametricFamily, iterations: Int, parameter: String, value: Double, advice: String)
    /// The information matrix at the maximum is not positive definite.
    case singularInformation(family: ParametricFamily, parameter: String)

    public var description: String {
        switch self {
        case let .invalidData(what): return what
        case let .noEvents(family): return "\(family.rawValue): the data have no events, so no survival family can be fitted"
        case let .zeroTime(family, index):
            return "\(family.rawValue): record \(index + 1) has time 0, where a distribution of log time has no density; drop such records or give them a small positive time"
        case let .notConverged(family, iterations, parameter, value, advice):
            return "\(family.rawValue) did not converge in \(iterations) Newton iterations: \(parameter) went to \(String(format: "%.6g", value)); \(advice)"
        case let .singularInformation(family, parameter):
            return "\(family.rawValue): the information matrix is singular at the maximum (\(parameter) is not identified); suspicion is a covariate with no variation or collinear covariates"
        }
    }
}

/// Convergence settings of `ParametricFit.fit`.
public struct ParametricFitOptions: Sendable {
    /// Newton iterations at most.
    public var maxIterations: Int
    /// Stop when the Newton decrement gᵀI⁻¹g (twice the predicted gain in log-likelihood)
    /// falls below this, relative to max(1, |log L|).
    public var tolerance: Double
    public init(maxIterations: Int = 100, tolerance: Double = 1e-16) {
        self.maxIterations = maxIterations
        self.tolerance = tolerance
    }
}

/// A maximum-likelihood fit of one survival family to right-censored data.
///
/// Parameters θ = (β, auxiliary): β the coefficients of the linear predictor
/// (`(Intercept)` first, then the covariates in the order given), then the family's
/// `auxiliaryNames`. Covariance is the inverse observed information at θ̂.
public struct ParametricFit: Sendable {
    public let family: ParametricFamily
    public let parameterNames: [String]
    public let estimates: [Double]
    /// Row-major P × P, P = `estimates.count`.
    public let covariance: [Double]
    /// Log-likelihood on the time scale (survreg's `loglik`, flexsurv's `loglik`).
    public let logLikelihood: Double
    public let n: Int
    public let events: Int
    public let iterations: Int
    /// Number of covariates (β has covariateCount + 1 entries).
    public let covariateCount: Int

    public var parameterCount: Int { estimates.count }
    public var aic: Double { -2 * logLikelihood + 2 * Double(parameterCount) }
    public var bic: Double { -2 * logLikelihood + log(Double(n)) * Double(parameterCount) }
    public var standardErrors: [Double] { (0..<parameterCount).map { covariance[$0 * parameterCount + $0].squareRoot() } }

    /// The fitted distribution for a record with covariate values `x` (length
    /// `covariateCount`; empty for a fit without covariates).
    public func distribution(covariates x: [Double] = []) -> any SurvivalDistribution {
        Self.distribution(family, estimates, covariateCount: covariateCount, covariates: x)
    }

    static func distribution(_ family: ParametricFamily, _ theta: [Double], covariateCount p: Int, covariates x: [Double]) -> any SurvivalDistribution {
        var eta = theta[0]
        for j in 0..<min(p, x.count) { eta += theta[1 + j] * x[j] }
        return family.distribution(eta: eta, auxiliary: Array(theta[(p + 1)...]))
    }

    /// A functional g(θ) of the fitted distribution (median, RMST, S(t)) with its
    /// delta-method standard error √(∇gᵀ Σ ∇g), ∇g by central differences
    /// (step 1e-5·max(1, |θⱼ|)).
    public func deltaMethod(covariates x: [Double] = [], _ g: (any SurvivalDistribution) -> Double) -> (value: Double, standardError: Double) {
        let value = g(distribution(covariates: x))
        let P = parameterCount
        var grad = [Double](repeating: 0, count: P)
        for j in 0..<P {
            let h = 1e-5 * max(1, abs(estimates[j]))
            var up = estimates, down = estimates
            up[j] += h; down[j] -= h
            grad[j] = (g(Self.distribution(family, up, covariateCount: covariateCount, covariates: x))
                - g(Self.distribution(family, down, covariateCount: covariateCount, covariates: x))) / (2 * h)
        }
        var v = 0.0
        for i in 0..<P { for j in 0..<P { v += grad[i] * covariance[i * P + j] * grad[j] } }
        return (value, v.squareRoot())
    }

    /// Fits `family` by Newton–Raphson on the log-likelihood with right censoring.
    ///
    /// - Contract: `time` and `event` have n > 0 entries; times finite and ≥ 0 (> 0 for
    ///   the log-time families); `covariates` is row-major n × p (record i's values at
    ///   i·p ..< (i+1)·p), p = `covariateNames.count`, finite; any record order.
    /// - Derivatives: analytic gradient and Hessian for every family but the generalized
    ///   gamma, whose gradient and Hessian are central differences of its analytic
    ///   log-likelihood (docs/PARAMETRIC.md).
    /// - Steps: a Newton step solved by Cholesky (LAPACK); if the information is not
    ///   positive definite, a multiple of its diagonal is added (Levenberg); the step is
    ///   halved while the log-likelihood falls or is not finite.
    /// - Complexity: O(n p² ) per iteration (X·β through BLAS `dgemv`).
    /// - Throws: `ParametricFitError`.
    public static func fit(_ family: ParametricFamily, time: [Double], event: [Bool], covariates: [Double] = [],
                           covariateNames: [String] = [], options: ParametricFitOptions = .init(),
                           start: [Double]? = nil) throws -> ParametricFit {
        let problem = try ParametricProblem(family: family, time: time, event: event, covariates: covariates, p: covariateNames.count)
        var theta: [Double]
        if let start { theta = start } else if family == .gengamma {
            // Start from the Weibull (Q = 1), a member of the family.
            let w = try fit(.weibull, time: time, event: event, covariates: covariates, covariateNames: covariateNames, options: options)
            theta = w.estimates + [1]
        } else {
            theta = problem.startingValues()
        }
        let names = ["(Intercept)"] + covariateNames + family.auxiliaryNames
        let result = try problem.maximise(from: theta, names: names, options: options)
        return ParametricFit(family: family, parameterNames: names, estimates: result.theta, covariance: result.covariance,
                             logLikelihood: result.logLik, n: problem.n, events: problem.events, iterations: result.iterations,
                             covariateCount: covariateNames.count)
    }
}

/// The data of one fit and its log-likelihood with derivatives.
struct ParametricProblem {
    let family: ParametricFamily
    let n: Int
    /// Columns of X (intercept + covariates).
    let k: Int
    /// Row-major n × k design with a leading column of ones (empty when k = 1).
    let x: [Double]
    let time: [Double]
    let logTime: [Double]
    let event: [Bool]
    let events: Int
    var dimension: Int { k + family.auxiliaryNames.count }

    init(family: ParametricFamily, time: [Double], event: [Bool], covariates: [Double], p: Int) throws {
        let n = time.count
        guard n > 0 else { throw ParametricFitError.invalidData("no records to fit") }
        guard event.count == n else { throw ParametricFitError.invalidData("\(n) times but \(event.count) event indicators") }
        guard covariates.count == n * p else {
            throw ParametricFitError.invalidData("covariates hold \(covariates.count) values; \(n) records × \(p) covariates need \(n * p)")
        }
        for i in 0..<n {
            guard time[i].isFinite, time[i] >= 0 else { throw ParametricFitError.invalidData("record \(i + 1): time \(time[i]) is not a finite number ≥ 0") }
            if family.needsPositiveTimes && time[i] == 0 { throw ParametricFitError.zeroTime(family: family, index: i) }
        }
        if let bad = covariates.firstIndex(where: { !$0.isFinite }) {
            throw ParametricFitError.invalidData("record \(bad / max(p, 1) + 1): covariate \(bad % max(p, 1) + 1) is not finite")
        }
        let d = event.reduce(0) { $0 + ($1 ? 1 : 0) }
        guard d > 0 else { throw ParametricFitError.noEvents(family: family) }
        self.family = family
        self.n = n
        self.k = p + 1
        if p > 0 {
            var x = [Double](repeating: 1, count: n * (p + 1))
            for i in 0..<n { for j in 0..<p { x[i * (p + 1) + 1 + j] = covariates[i * p + j] } }
            self.x = x
        } else { self.x = [] }
        self.time = time
        self.logTime = family.needsPositiveTimes ? time.map { log($0) } : []
        self.event = event
        self.events = d
    }

    /// Exponential MLE for the intercept (log of total time over events, as a rate or a
    /// log-time location), other coefficients 0, log σ = 0, Gompertz shape 0.
    func startingValues() -> [Double] {
        let total = time.reduce(0, +)
        let logMean = log(total / Double(events))
        var theta = [Double](repeating: 0, count: dimension)
        theta[0] = family == .gompertz ? -logMean : logMean
        return theta
    }

    /// Linear predictor η = Xβ (BLAS dgemv), or the intercept alone.
    func linearPredictor(_ theta: [Double]) -> [Double] {
        if k == 1 { return [Double](repeating: theta[0], count: n) }
        var eta = [Double](repeating: 0, count: n)
        let beta = Array(theta[0..<k])
        x.withUnsafeBufferPointer { xp in
            beta.withUnsafeBufferPointer { bp in
                eta.withUnsafeMutableBufferPointer { ep in
                    LinearAlgebra.multiply(xp.baseAddress!, rows: n, columns: k, vector: bp.baseAddress!, into: ep.baseAddress!)
                }
            }
        }
        return eta
    }

    /// Log-likelihood alone.
    func logLikelihood(_ theta: [Double]) -> Double {
        if family == .gengamma {
            let eta = linearPredictor(theta)
            let sigma = exp(theta[k]), q = theta[k + 1]
            var ll = 0.0
            for i in 0..<n {
                let dist = GeneralizedGammaDistribution(location: eta[i], scale: sigma, q: q)
                ll += event[i] ? dist.logDensity(time[i]) : dist.logSurvival(time[i])
            }
            return ll
        }
        return evaluate(theta, derivatives: false).logLik
    }

    /// Log-likelihood, gradient and information (−Hessian, row-major P × P).
    func evaluate(_ theta: [Double], derivatives: Bool = true) -> (logLik: Double, gradient: [Double], information: [Double]) {
        let P = dimension
        if family == .gengamma {
            let ll = logLikelihood(theta)
            if !derivatives { return (ll, [], []) }
            return numericalDerivatives(theta, ll)
        }
        let eta = linearPredictor(theta)
        let hasAux = family != .exponential
        let a = hasAux ? theta[k] : 0
        var ll = 0.0
        var g = [Double](repeating: 0, count: P)
        var h = [Double](repeating: 0, count: P * P) // Hessian, filled lower then mirrored
        var gA = 0.0, hAA = 0.0
        var row = [Double](repeating: 1, count: k)
        for i in 0..<n {
            let r: RecordTerms
            switch family {
            case .exponential, .weibull: r = locationScaleTerms(ExtremeValueError.self, logTime: logTime[i], event: event[i], eta: eta[i], logScale: a)
            case .lognormal: r = locationScaleTerms(NormalError.self, logTime: logTime[i], event: event[i], eta: eta[i], logScale: a)
            case .loglogistic: r = locationScaleTerms(LogisticError.self, logTime: logTime[i], event: event[i], eta: eta[i], logScale: a)
            case .gompertz: r = gompertzTerms(time: time[i], event: event[i], eta: eta[i], shape: a)
            case .gengamma: fatalError("handled above")
            }
            ll += r.l
            if !derivatives { continue }
            if k == 1 {
                g[0] += r.gEta
                h[0] += r.hEtaEta
                if hasAux { h[1 * P + 0] += r.hEtaA }
            } else {
                for j in 1..<k { row[j] = x[i * k + j] }
                for j in 0..<k {
                    g[j] += row[j] * r.gEta
                    let w = row[j] * r.hEtaEta
                    for l in 0...j { h[j * P + l] += w * row[l] }
                    if hasAux { h[k * P + j] += row[j] * r.hEtaA }
                }
            }
            gA += r.gA
            hAA += r.hAA
        }
        if !derivatives { return (ll, [], []) }
        if hasAux { g[k] = gA; h[k * P + k] = hAA }
        var info = [Double](repeating: 0, count: P * P)
        for i in 0..<P { for j in 0...i { info[i * P + j] = -h[i * P + j]; info[j * P + i] = -h[i * P + j] } }
        return (ll, g, info)
    }

    /// Gradient and information by central differences of the log-likelihood, with
    /// steps `hessianSteps` (default 1e-4·max(1, |θⱼ|)) for the Hessian and a hundredth
    /// of them for the gradient.
    func numericalDerivatives(_ theta: [Double], _ ll: Double, hessianSteps: [Double]? = nil) -> (logLik: Double, gradient: [Double], information: [Double]) {
        let P = dimension
        let steps = hessianSteps ?? theta.map { 1e-4 * max(1, abs($0)) }
        var g = [Double](repeating: 0, count: P)
        for j in 0..<P {
            let s = steps[j] / 100
            var u = theta, d = theta
            u[j] += s; d[j] -= s
            g[j] = (logLikelihood(u) - logLikelihood(d)) / (2 * s)
        }
        var info = [Double](repeating: 0, count: P * P)
        for i in 0..<P {
            for j in 0...i {
                var h: Double
                if i == j {
                    var u = theta, d = theta
                    u[i] += steps[i]; d[i] -= steps[i]
                    h = (logLikelihood(u) - 2 * ll + logLikelihood(d)) / (steps[i] * steps[i])
                } else {
                    var pp = theta, pm = theta, mp = theta, mm = theta
                    pp[i] += steps[i]; pp[j] += steps[j]
                    pm[i] += steps[i]; pm[j] -= steps[j]
                    mp[i] -= steps[i]; mp[j] += steps[j]
                    mm[i] -= steps[i]; mm[j] -= steps[j]
                    h = (logLikelihood(pp) - logLikelihood(pm) - logLikelihood(mp) + logLikelihood(mm)) / (4 * steps[i] * steps[j])
                }
                info[i * P + j] = -h; info[j * P + i] = -h
            }
        }
        return (ll, g, info)
    }

    /// Newton–Raphson with Levenberg damping and step halving.
    func maximise(from start: [Double], names: [String], options: ParametricFitOptions) throws -> (theta: [Double], covariance: [Double], logLik: Double, iterations: Int) {
        let P = dimension
        var theta = start
        var (ll, g, info) = evaluate(theta)
        if !ll.isFinite {
            throw ParametricFitError.notConverged(family: family, iterations: 0, parameter: names[0], value: theta[0],
                                                  advice: "the log-likelihood is not finite at the starting values; check the times")
        }
        let tolerance = family == .gengamma ? max(options.tolerance, 1e-10) : options.tolerance
        var iterations = 0
        var converged = false
        var lastStep = [Double](repeating: 0, count: P)
        while iterations < options.maxIterations {
            iterations += 1
            let step = dampedNewtonStep(info, g, P)
            let decrement = zip(step, g).reduce(0) { $0 + $1.0 * $1.1 }
            var accepted = false
            var scale = 1.0
            for _ in 0..<40 {
                let trial = zip(theta, step).map { $0 + scale * $1 }
                let lt = logLikelihood(trial)
                if lt.isFinite && lt >= ll - 1e-12 * max(1, abs(ll)) {
                    lastStep = step.map { $0 * scale }
                    theta = trial
                    accepted = true
                    break
                }
                scale /= 2
            }
            if !accepted { break }
            (ll, g, info) = evaluate(theta)
            if let wild = divergedParameter(theta, names) { throw wild }
            if abs(decrement) <= tolerance * max(1, abs(ll)) { converged = true; break }
        }
        if !converged {
            var j = 0, largest = -1.0
            for i in 0..<P {
                let moved = abs(lastStep[i]) / max(1, abs(theta[i]))
                if moved > largest { largest = moved; j = i }
            }
            throw ParametricFitError.notConverged(family: family, iterations: iterations, parameter: names[j], value: theta[j],
                                                  advice: "the data may not support this family (try a simpler family, fewer covariates, or check for a covariate that separates events from censorings)")
        }
        let covariance: [Double]
        do { covariance = try LinearAlgebra.inverseSPD(info, order: P) } catch {
            var failed = 0
            if case let LinearAlgebraError.notPositiveDefinite(_, at) = error { failed = at - 1 }
            throw ParametricFitError.singularInformation(family: family, parameter: names[min(max(failed, 0), P - 1)])
        }
        return (theta, covariance, ll, iterations)
    }

    /// A parameter far outside any plausible range: the maximum is at infinity.
    func divergedParameter(_ theta: [Double], _ names: [String]) -> ParametricFitError? {
        for j in theta.indices {
            let limit: Double = j >= k && names[j] == "log(scale)" ? 25 : 1e6
            if !theta[j].isFinite || abs(theta[j]) > limit {
                let advice: String
                switch names[j] {
                case "log(scale)": advice = theta[j] < 0 ? "the scale of log time is collapsing to 0 (the times may be nearly identical); try another family" : "the scale of log time is growing without bound; try another family"
                case "Q": advice = "the shape Q is running off; the generalized gamma is not identified by these data — use a two-parameter family"
                case "shape": advice = "the Gompertz shape is running off (the hazard changes faster than the data can show); try the Weibull or a family with a cure fraction"
                default: advice = "the coefficient is running off to infinity (a covariate may separate events from censorings); drop it or try another family"
                }
                return .notConverged(family: family, iterations: 0, parameter: names[j], value: theta[j], advice: advice)
            }
        }
        return nil
    }

    /// Solves I δ = g; adds μ·diag(I) (μ = 1e-8, ×10 …) until I is positive definite.
    func dampedNewtonStep(_ info: [Double], _ g: [Double], _ P: Int) -> [Double] {
        if let s = try? LinearAlgebra.solveSPD(info, order: P, rhs: g) { return s }
        var mu = 1e-8
        while mu < 1e12 {
            var m = info
            for i in 0..<P { m[i * P + i] += mu * max(abs(info[i * P + i]), 1) }
            if let s = try? LinearAlgebra.solveSPD(m, order: P, rhs: g) { return s }
            mu *= 10
        }
        // Gradient ascent, scaled.
        let norm = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return g.map { $0 / max(norm, 1) }
    }
}
