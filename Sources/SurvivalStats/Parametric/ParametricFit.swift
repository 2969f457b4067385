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
    /// A piecewise-exponential piece without events (its rate's maximum is 0, log rate −∞)
    /// or without anyone at risk; `lower` and `upper` bound it (upper +∞ for the last).
    case emptyPiece(index: Int, lower: Double, upper: Double, events: Double, exposure: Double)
    /// A mixture cure whose cure fraction runs to 0 or 1 (logit ±∞): the data show no
    /// plateau (0), or nearly nobody has the event (1).
    case cureAtBoundary(family: ParametricFamily, logitFraction: Double)
    /// A failure of the base family's fit inside a mixture cure fit.
    indirect case inCureModel(family: ParametricFamily, ParametricFitError)

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
        case let .emptyPiece(index, lower, upper, events, exposure):
            let range = "[\(String(format: "%g", lower)), \(upper.isFinite ? String(format: "%g", upper) : "∞"))"
            return exposure <= 0
                ? "pwexp: nobody is at risk in piece \(index + 1) \(range), so its rate cannot be estimated; drop the cut points past the last follow-up time"
                : "pwexp: piece \(index + 1) \(range) has \(String(format: "%g", events)) events, so its rate's maximum is 0 (log rate −∞); merge it with a neighbour (fewer or other cut points)"
        case let .cureAtBoundary(family, c):
            return c < 0
                ? "cure-\(family.rawValue): the cure fraction goes to 0 (logit \(String(format: "%.3g", c))): the data show no plateau; fit the \(family.rawValue) without a cure"
                : "cure-\(family.rawValue): the cure fraction goes to 1 (logit \(String(format: "%.3g", c))): nearly nobody has the event in a way this family can describe; try another base family"
        case let .inCureModel(family, inner):
            return "cure-\(family.rawValue) (mixture cure): \(inner.description)"
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
    /// Workers of each pass over the records; the result has the same bits for any
    /// number (fixed chunks summed in a fixed order).
    public var threads: Int
    public init(maxIterations: Int = 100, tolerance: Double = 1e-16, threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.threads = max(1, threads)
    }
}

/// A maximum-likelihood fit of one survival family to right-censored data.
///
/// Parameters θ = (β, auxiliary): β the coefficients of the linear predictor
/// (`(Intercept)` first, then the covariates in the order given), then the family's
/// `auxiliaryNames`. Covariance is the inverse observed information at θ̂.
public struct ParametricFit: Sendable {
    /// The family; for a piecewise exponential `.exponential`, for a mixture cure its base.
    public let family: ParametricFamily
    /// What was fitted: the family, a piecewise exponential or a mixture cure (`SurvivalModel`).
    public let model: SurvivalModel
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
        distribution(estimates, covariates: x)
    }

    func distribution(_ theta: [Double], covariates x: [Double]) -> any SurvivalDistribution {
        if model != .family(family) { return model.distribution(theta) }
        return Self.distribution(family, theta, covariateCount: covariateCount, covariates: x)
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
            grad[j] = (g(distribution(up, covariates: x)) - g(distribution(down, covariates: x))) / (2 * h)
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
    /// - Derivatives: analytic gradient and Hessian for every family; the generalized
    ///   gamma's derivatives in Q are central differences of the analytic ones in the
    ///   other parameters (docs/PARAMETRIC.md).
    /// - Steps: a Newton step solved by Cholesky (LAPACK); if the information is not
    ///   positive definite, a multiple of its diagonal is added (Levenberg); the step is
    ///   halved while the log-likelihood falls or is not finite.
    /// - Complexity: O(m p²) per Newton step, m the rows of `ParametricData` (records,
    ///   or distinct (time, event) pairs without covariates); one pass over them per step.
    /// - Throws: `ParametricFitError`.
    public static func fit(_ family: ParametricFamily, time: [Double], event: [Bool], covariates: [Double] = [],
                           covariateNames: [String] = [], options: ParametricFitOptions = .init(),
                           start: [Double]? = nil) throws -> ParametricFit {
        let data = try ParametricData(time: time, event: event, covariates: covariates, covariateCount: covariateNames.count)
        return try fit(family, data: data, covariateNames: covariateNames, options: options, start: start)
    }

    /// Fits `family` to records prepared once (`ParametricData`), as `fit(_:time:event:…)`;
    /// several families fitted to the same records share the preparation.
    /// - Precondition: `covariateNames.count == data.covariateCount`.
    public static func fit(_ family: ParametricFamily, data: ParametricData, covariateNames: [String] = [],
                           options: ParametricFitOptions = .init(), start: [Double]? = nil) throws -> ParametricFit {
        precondition(covariateNames.count == data.covariateCount, "ParametricFit.fit: \(covariateNames.count) names for \(data.covariateCount) covariates")
        let problem = try ParametricProblem(family: family, data: data, threads: options.threads)
        var theta: [Double]
        if let start { theta = start } else if family == .gengamma {
            // Start from the Weibull (Q = 1), a member of the family.
            let w = try fit(.weibull, data: data, covariateNames: covariateNames, options: options)
            theta = w.estimates + [1]
        } else {
            theta = problem.startingValues()
        }
        let names = ["(Intercept)"] + covariateNames + family.auxiliaryNames
        let result = try problem.maximise(from: theta, names: names, options: options)
        return ParametricFit(family: family, model: .family(family), parameterNames: names, estimates: result.theta, covariance: result.covariance,
                             logLikelihood: result.logLik, n: problem.n, events: problem.events, iterations: result.iterations,
                             covariateCount: covariateNames.count)
    }
}

/// The records of one fit, prepared once and shared by every family fitted to them
/// (docs/PARAMETRIC.md, "Speed"): validated, split into events then censored records,
/// and — without covariates, when there are ties enough (`worthCollapsing`) — identical
/// (time, event) records collapsed into one row with a weight (exact: the
/// log-likelihood is the weighted sum, the maximum the same).
public struct ParametricData: Sendable {
    /// Records given.
    public let n: Int
    /// Events among them.
    public let events: Int
    /// Number of covariates p (each row of `x` holds 1 + p values).
    public let covariateCount: Int
    /// Rows after collapsing; rows `0 ..< eventRows` are events, the rest censored.
    let rows: Int
    let eventRows: Int
    let time: [Double]
    /// log t per row (−∞ at t = 0: the log-time families refuse such data).
    let logTime: [Double]
    /// Number of records per row.
    let weight: [Double]
    /// Row-major rows × (1 + p) design with a leading column of ones (empty when p = 0).
    let x: [Double]
    /// Index (in the records given) of the first record with time 0.
    let firstZeroTime: Int?
    /// Σ w·t over all rows, and Σ w·log t over the event rows (the time-scale Jacobian).
    let totalTime: Double
    let eventLogTime: Double

    /// - Contract: `time` and `event` have n > 0 entries; times finite and ≥ 0;
    ///   `covariates` is row-major n × p (record i's values at i·p ..< (i+1)·p), finite;
    ///   any record order. Rows keep the records' order within events and within
    ///   censorings, or, collapsed (p = 0 and `worthCollapsing`), are in increasing time.
    /// - Complexity: O(n·p); collapsing adds one radix sort of the times (`SurvivalCounts`).
    /// - Throws: `ParametricFitError.invalidData`.
    public init(time: [Double], event: [Bool], covariates: [Double] = [], covariateCount p: Int = 0) throws {
        let n = time.count
        guard n > 0 else { throw ParametricFitError.invalidData("no records to fit") }
        guard event.count == n else { throw ParametricFitError.invalidData("\(n) times but \(event.count) event indicators") }
        guard covariates.count == n * p else {
            throw ParametricFitError.invalidData("covariates hold \(covariates.count) values; \(n) records × \(p) covariates need \(n * p)")
        }
        var firstZero: Int? = nil
        for i in 0..<n {
            guard time[i].isFinite, time[i] >= 0 else { throw ParametricFitError.invalidData("record \(i + 1): time \(time[i]) is not a finite number ≥ 0") }
            if time[i] == 0 && firstZero == nil { firstZero = i }
        }
        if let bad = covariates.firstIndex(where: { !$0.isFinite }) {
            throw ParametricFitError.invalidData("record \(bad / max(p, 1) + 1): covariate \(bad % max(p, 1) + 1) is not finite")
        }
        self.n = n
        self.covariateCount = p
        self.firstZeroTime = firstZero
        var t: [Double] = [], w: [Double] = []
        var x: [Double] = []
        var eventRows = 0
        if p == 0 && Self.worthCollapsing(time, event) {
            // Distinct times in increasing order with their event and censoring counts:
            // an event row per time with events, then a censored row per time with censorings.
            let counts = SurvivalCounts(time: time, event: event, timefix: false)
            let m = counts.time.count
            t.reserveCapacity(m); w.reserveCapacity(m)
            for j in 0..<m where counts.events[j] > 0 { t.append(counts.time[j]); w.append(counts.events[j]) }
            eventRows = t.count
            for j in 0..<m where counts.censored[j] > 0 { t.append(counts.time[j]); w.append(counts.censored[j]) }
        } else {
            let k = p + 1
            t.reserveCapacity(n)
            if p > 0 { x.reserveCapacity(n * k) }
            for pass in [true, false] {
                for i in 0..<n where event[i] == pass {
                    t.append(time[i])
                    if p > 0 {
                        x.append(1)
                        x.append(contentsOf: covariates[(i * p)..<((i + 1) * p)])
                    }
                }
                if pass { eventRows = t.count }
            }
            w = [Double](repeating: 1, count: n)
        }
        self.rows = t.count
        self.eventRows = eventRows
        self.events = event.reduce(0) { $0 + ($1 ? 1 : 0) }
        self.time = t
        self.weight = w
        self.x = x
        self.logTime = t.map { log($0) }
        var total = 0.0, eventLog = 0.0
        for j in 0..<t.count { total += w[j] * t[j] }
        for j in 0..<eventRows { eventLog += w[j] * logTime[j] }
        self.totalTime = total
        self.eventLogTime = eventLog
    }
}

extension ParametricData {
    /// Records looked at to decide whether to collapse.
    static let collapseSample = 4096

    /// Whether collapsing identical records pays for its sort: always for at most
    /// `collapseSample` records, otherwise when at most 3/4 of the first
    /// `collapseSample` (time, event) pairs are distinct (times in days, rounded
    /// times), not for continuous times, where nearly every record is its own row.
    static func worthCollapsing(_ time: [Double], _ event: [Bool]) -> Bool {
        let n = time.count, m = collapseSample
        if n <= m { return true }
        var events = Set<UInt64>(minimumCapacity: m), censored = Set<UInt64>(minimumCapacity: m)
        for i in 0..<m {
            let key = (time[i] + 0.0).bitPattern // −0 as +0
            if event[i] { events.insert(key) } else { censored.insert(key) }
        }
        return 4 * (events.count + censored.count) <= 3 * m
    }
}

/// One family's log-likelihood with its derivatives over prepared records.
///
/// Every evaluation is one pass over the rows in fixed chunks of `chunkSize` rows, each
/// chunk summed on its own (in parallel over `threads` workers) and the chunk sums added
/// in chunk order, so the result has the same bits for any number of threads.
struct ParametricProblem {
    let family: ParametricFamily
    let data: ParametricData
    /// Columns of X (intercept + covariates).
    let k: Int
    let threads: Int
    var n: Int { data.n }
    var events: Int { data.events }
    var dimension: Int { k + family.auxiliaryNames.count + (cure ? 1 : 0) }

    /// Rows per chunk of a pass: the unit of the fixed-order reduction.
    static let chunkSize = 8192

    /// Whether the log-likelihood is the mixture cure's over `family` (one more
    /// parameter, logit π, last; no covariates): `CureLikelihood.swift`.
    let cure: Bool

    init(family: ParametricFamily, data: ParametricData, threads: Int = 1, cure: Bool = false) throws {
        if family.needsPositiveTimes, let i = data.firstZeroTime { throw ParametricFitError.zeroTime(family: family, index: i) }
        guard data.events > 0 else { throw ParametricFitError.noEvents(family: family) }
        precondition(!cure || (data.covariateCount == 0 && family != .gengamma), "a mixture cure without covariates, over a family with analytic derivatives")
        self.family = family
        self.data = data
        self.k = data.covariateCount + 1
        self.threads = max(1, threads)
        self.cure = cure
    }

    init(family: ParametricFamily, time: [Double], event: [Bool], covariates: [Double], p: Int, threads: Int = 1) throws {
        try self.init(family: family, data: ParametricData(time: time, event: event, covariates: covariates, covariateCount: p), threads: threads)
    }

    /// Starting values: the exponential MLE for the intercept (log of total time over
    /// events, as a log-time location or, Gompertz, minus it as a log rate), other
    /// coefficients 0, log σ = 0, Gompertz shape 0; the log-normal and log-logistic
    /// start at the mean and standard deviation of the event times' logs (σ·√3/π for
    /// the logistic), nearer their maximum, so fewer Newton steps follow.
    func startingValues() -> [Double] {
        let logMean = log(data.totalTime / Double(events))
        var theta = [Double](repeating: 0, count: dimension)
        theta[0] = family == .gompertz ? -logMean : logMean
        if (family == .lognormal || family == .loglogistic) && data.eventRows > 0 {
            var sw = 0.0, sy = 0.0
            for j in 0..<data.eventRows { sw += data.weight[j]; sy += data.weight[j] * data.logTime[j] }
            let mean = sy / sw
            var ss = 0.0
            for j in 0..<data.eventRows { let d = data.logTime[j] - mean; ss += data.weight[j] * d * d }
            let sd = (ss / sw).squareRoot()
            if mean.isFinite && sd.isFinite && sd > 0 {
                // Censored records lie beyond the event times: the location starts a little later.
                theta[0] = mean + 0.5 * sd * Double(n - events) / Double(n)
                theta[k] = log(family == .loglogistic ? sd * 3.0.squareRoot() / Double.pi : sd)
            }
        }
        return theta
    }

    /// Log-likelihood alone.
    func logLikelihood(_ theta: [Double]) -> Double {
        evaluate(theta, derivatives: false).logLik
    }

    /// Log-likelihood, gradient and information (−Hessian, row-major P × P): one pass
    /// (the generalized gamma: three, see `generalizedGamma`).
    func evaluate(_ theta: [Double], derivatives: Bool = true) -> (logLik: Double, gradient: [Double], information: [Double]) {
        let sums: [Double]
        if cure { return assemble(reduce(width: 1 + dimension * (dimension + 1)) { lo, hi, out in cureChunk(theta, lo, hi, out) }, theta, derivatives: derivatives) }
        switch family {
        case .exponential, .weibull: sums = locationScaleSums(ExtremeValueError(), theta)
        case .lognormal: sums = locationScaleSums(NormalError(), theta)
        case .loglogistic: sums = locationScaleSums(LogisticError(), theta)
        case .gompertz: sums = reduce(width: 1 + dimension * (dimension + 1)) { lo, hi, out in gompertzChunk(theta, lo, hi, out) }
        case .gengamma: return generalizedGamma(theta, derivatives: derivatives)
        }
        return assemble(sums, theta, derivatives: derivatives)
    }

    /// The pass's sums as (log L, gradient, information), with the time-scale Jacobian of
    /// the events added for the log-time families.
    func assemble(_ sums: [Double], _ theta: [Double], derivatives: Bool) -> (logLik: Double, gradient: [Double], information: [Double]) {
        let P = dimension
        var ll = sums[0]
        if family != .gompertz {
            // −log σ − log t per event.
            ll -= Double(events) * (family == .exponential ? 0 : theta[k]) + data.eventLogTime
        }
        if !derivatives { return (ll, [], []) }
        var g = Array(sums[1...P])
        if family != .exponential && family != .gompertz { g[k] -= Double(events) }
        var info = [Double](repeating: 0, count: P * P)
        for i in 0..<P { for j in 0...i { let h = sums[1 + P + i * P + j]; info[i * P + j] = -h; info[j * P + i] = -h } }
        return (ll, g, info)
    }

    func locationScaleSums<W: LocationScaleError>(_ error: W, _ theta: [Double]) -> [Double] {
        reduce(width: 1 + dimension * (dimension + 1)) { lo, hi, out in chunk(error, theta, lo, hi, out) }
    }

    /// The generalized gamma: log L and its β and log σ derivatives analytic at Q
    /// (`GeneralizedGammaError`), the Q derivatives by central differences of that pass
    /// at Q ± h, h = 10⁻⁴·max(1, |Q|) — ∂l/∂Q and ∂²l/∂Q² from log L, ∂²l/∂Q∂(β, log σ)
    /// from the analytic gradient: three passes, as the derivative of the incomplete
    /// gamma in its shape has no closed form (docs/PARAMETRIC.md).
    func generalizedGamma(_ theta: [Double], derivatives: Bool) -> (logLik: Double, gradient: [Double], information: [Double]) {
        let P = dimension, qi = k + 1, q = theta[qi]
        func at(_ q: Double) -> (logLik: Double, gradient: [Double], information: [Double]) {
            var t = theta
            t[qi] = q
            return assemble(locationScaleSums(GeneralizedGammaError(q: q), t), t, derivatives: derivatives)
        }
        var center = at(q)
        if !derivatives { return center }
        let h = 1e-4 * max(1, abs(q))
        let up = at(q + h), down = at(q - h)
        center.gradient[qi] = (up.logLik - down.logLik) / (2 * h)
        for j in 0..<qi {
            let cross = -(up.gradient[j] - down.gradient[j]) / (2 * h)
            center.information[qi * P + j] = cross; center.information[j * P + qi] = cross
        }
        center.information[qi * P + qi] = -(up.logLik - 2 * center.logLik + down.logLik) / (h * h)
        return center
    }

    /// Runs `body(lo, hi, out)` on each chunk of rows [lo, hi) — `out` its `width`
    /// zeroed sums — over `threads` workers, and adds the chunk sums in chunk order.
    func reduce(width: Int, _ body: @Sendable (Int, Int, UnsafeMutablePointer<Double>) -> Void) -> [Double] {
        let m = data.rows, size = Self.chunkSize
        let chunks = max(1, (m + size - 1) / size)
        let partial = ChunkSlots(count: chunks * width)
        let workers = min(threads, chunks)
        if workers == 1 {
            for c in 0..<chunks { body(c * size, min(m, (c + 1) * size), partial.base + c * width) }
        } else {
            if k > 1 { LinearAlgebra.setBLASThreads(1) } // the workers call dgemv: keep OpenBLAS single-threaded inside them
            // Worker w takes chunks w, w + workers, …; each chunk writes only its own slot.
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var c = w
                while c < chunks {
                    body(c * size, min(m, (c + 1) * size), partial.base + c * width)
                    c += workers
                }
            }
        }
        var total = [Double](repeating: 0, count: width)
        for c in 0..<chunks { for j in 0..<width { total[j] += partial.base[c * width + j] } }
        return total
    }

    /// Location–scale sums over rows [lo, hi): w·(l without the Jacobian, ∂l/∂θ, ∂²l/∂θ²
    /// lower triangle) into `out` (1 + P + P² values). Event rows use log f_W, censored
    /// rows log S_W; the event count in ∂l/∂a is added by `evaluate`.
    @inline(__always)
    func chunk<W: LocationScaleError>(_ error: W, _ theta: [Double], _ lo: Int, _ hi: Int, _ out: UnsafeMutablePointer<Double>) {
        let P = dimension, k = self.k
        let hasAux = family != .exponential
        let a = hasAux ? theta[k] : 0, sigma = exp(a), inv = 1 / sigma
        let split = min(max(data.eventRows, lo), hi)
        data.logTime.withUnsafeBufferPointer { yp in
        data.weight.withUnsafeBufferPointer { wp in
            if k == 1 {
                let eta = theta[0]
                // Σ w·g, Σ w·g′, Σ w·z g′, Σ w·g″, Σ w·z g″, Σ w·z² g″ over both parts.
                var s0 = 0.0, s1 = 0.0, sz1 = 0.0, s2 = 0.0, sz2 = 0.0, szz2 = 0.0
                for i in lo..<split {
                    let z = (yp[i] - eta) * inv, (g, g1, g2) = error.logDensity(z), w = wp[i]
                    s0 += w * g; s1 += w * g1; sz1 += w * z * g1; s2 += w * g2; sz2 += w * z * g2; szz2 += w * z * z * g2
                }
                for i in split..<hi {
                    let z = (yp[i] - eta) * inv, (g, g1, g2) = error.logSurvival(z), w = wp[i]
                    s0 += w * g; s1 += w * g1; sz1 += w * z * g1; s2 += w * g2; sz2 += w * z * g2; szz2 += w * z * z * g2
                }
                out[0] = s0
                out[1] = -s1 * inv
                out[1 + P] = s2 * inv * inv
                if hasAux {
                    out[2] = -sz1
                    out[1 + P + P] = (sz2 + s1) * inv
                    out[1 + P + P + 1] = sz1 + szz2
                }
                return
            }
            // With covariates: η per row through BLAS on this chunk's rows.
            var eta = [Double](repeating: 0, count: hi - lo)
            let beta = Array(theta[0..<k])
            data.x.withUnsafeBufferPointer { xp in
                eta.withUnsafeMutableBufferPointer { ep in
                    LinearAlgebra.multiply(xp.baseAddress! + lo * k, rows: hi - lo, columns: k, vector: beta, into: ep.baseAddress!)
                }
                let g = out + 1, h = out + 1 + P
                for i in lo..<hi {
                    let r = locationScaleTerms(error, logTime: yp[i], event: i < split, eta: eta[i - lo], scale: sigma)
                    let w = wp[i]
                    out[0] += w * r.l
                    let row = xp.baseAddress! + i * k
                    for j in 0..<k {
                        g[j] += w * row[j] * r.gEta
                        let v = w * row[j] * r.hEtaEta
                        for l in 0...j { h[j * P + l] += v * row[l] }
                        if hasAux { h[k * P + j] += w * row[j] * r.hEtaA }
                    }
                    if hasAux { g[k] += w * r.gA; h[k * P + k] += w * r.hAA }
                }
            }
        }}
    }

    /// Gompertz sums over rows [lo, hi) (proportional hazards on log rate).
    @inline(__always)
    func gompertzChunk(_ theta: [Double], _ lo: Int, _ hi: Int, _ out: UnsafeMutablePointer<Double>) {
        let P = dimension, k = self.k, a = theta[k]
        let split = min(max(data.eventRows, lo), hi)
        let g = out + 1, h = out + 1 + P
        data.time.withUnsafeBufferPointer { tp in
        data.weight.withUnsafeBufferPointer { wp in
        data.x.withUnsafeBufferPointer { xp in
            for i in lo..<hi {
                var eta = theta[0]
                if k > 1 { let row = xp.baseAddress! + i * k; for j in 1..<k { eta += theta[j] * row[j] } }
                let r = gompertzTerms(time: tp[i], event: i < split, eta: eta, shape: a)
                let w = wp[i]
                out[0] += w * r.l
                for j in 0..<k {
                    let xj = k == 1 ? 1 : xp[i * k + j]
                    g[j] += w * xj * r.gEta
                    let v = w * xj * r.hEtaEta
                    for l in 0...j { h[j * P + l] += v * (k == 1 ? 1 : xp[i * k + l]) }
                    h[k * P + j] += w * xj * r.hEtaA
                }
                g[k] += w * r.gA
                h[k * P + k] += w * r.hAA
            }
        }}}
    }
}

/// Zeroed sums of a pass, one slot of `width` doubles per chunk. Invariant: each chunk's
/// slot is written by one worker only, and read after `concurrentPerform` has returned.
final class ChunkSlots: @unchecked Sendable {
    let base: UnsafeMutablePointer<Double>
    let count: Int
    init(count: Int) {
        self.count = count
        base = .allocate(capacity: count)
        base.initialize(repeating: 0, count: count)
    }
    deinit { base.deallocate() }
}

extension ParametricProblem {
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

    /// Newton–Raphson with Levenberg damping and step halving: one pass over the
    /// records per trial point (log-likelihood and derivatives together). Stops when
    /// the Newton decrement gᵀI⁻¹g of the next step is below the tolerance, taking that
    /// step without another pass.
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
        while true {
            let step = dampedNewtonStep(info, g, P)
            let decrement = zip(step, g).reduce(0) { $0 + $1.0 * $1.1 }
            if abs(decrement) <= tolerance * max(1, abs(ll)) {
                // The last step is taken without a pass: it moves log L by decrement/2,
                // below its rounding, and leaves the gradient at ~0 (Newton's quadratic
                // convergence); log L and the information stay those of the last pass.
                theta = zip(theta, step).map { $0 + $1 }
                converged = true
                break
            }
            if iterations == options.maxIterations { break }
            iterations += 1
            var accepted = false
            var scale = 1.0
            for _ in 0..<40 {
                let trial = zip(theta, step).map { $0 + scale * $1 }
                // The generalized gamma's Q derivatives cost two more passes: they wait
                // until the point is accepted.
                let next = evaluate(trial, derivatives: family != .gengamma)
                if next.logLik.isFinite && next.logLik >= ll - 1e-12 * max(1, abs(ll)) {
                    lastStep = step.map { $0 * scale }
                    theta = trial
                    (ll, g, info) = family == .gengamma ? evaluate(trial) : next
                    accepted = true
                    break
                }
                scale /= 2
            }
            if !accepted { break }
            if let wild = divergedParameter(theta, names) { throw wild }
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
            if cure && j == dimension - 1 {
                if !theta[j].isFinite || abs(theta[j]) > CureLikelihood.logitLimit { return .cureAtBoundary(family: family, logitFraction: theta[j]) }
                continue
            }
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
