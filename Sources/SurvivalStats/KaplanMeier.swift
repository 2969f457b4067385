import CKernels
import Foundation

/// Transformation on which a pointwise confidence interval for S(t) is built, as
/// `survfit(conf.type = …)` in R's `survival` (R's default is `log`).
public enum ConfidenceType: String, Sendable, CaseIterable, Codable {
    /// S ± z·se(S), clipped to [0, 1].
    case plain
    /// exp(log S ± z·se(log S)), upper clipped at 1 (R's default).
    case log
    /// exp(−exp(log(−log S) ± z·se(log S)/log S)).
    case logLog = "log-log"
    /// logit S ± z·se(log S)/(1 − S).
    case logit
    /// arcsin √S ± z·se(log S)·√(S/(1 − S))/2, kept within [0, π/2].
    case arcsin
}

/// S(t) at one time with its standard error and pointwise interval — one row of R's
/// `summary(fit, times = t, extend = TRUE)`.
public struct LandmarkEstimate: Sendable, Equatable {
    /// The requested time.
    public let time: Double
    /// Number at risk at `time` (at the first curve time ≥ `time`; 0 beyond the last time).
    public let nRisk: Double
    /// S(t), the right-continuous step function (1 before the first time).
    public let survival: Double
    /// Standard error of S(t): S·√(Greenwood sum), what `summary()` prints as `std.err`.
    public let standardError: Double
    /// Pointwise confidence limits (1, 1 before the first time, as `survfit0` pads the curve).
    public let lower: Double
    public let upper: Double
    /// Nelson–Aalen cumulative hazard at `time`.
    public let cumulativeHazard: Double
}

/// A quantile of the survival distribution with its confidence limits, as
/// `quantile(fit, probs = p)`; `nil` where the curve (or the confidence curve) never
/// falls far enough.
public struct QuantileEstimate: Sendable, Equatable {
    /// The probability p: the time at which 1 − S(t) reaches p (p = 0.5 is the median).
    public let probability: Double
    public let estimate: Double?
    /// Reached on the lower confidence curve (the earlier time).
    public let lower: Double?
    /// Reached on the upper confidence curve (the later time).
    public let upper: Double?
}

/// Restricted mean survival time to `tau` with its standard error, as
/// `print(fit, rmean = tau)` (`survival:::survmean`).
public struct RestrictedMean: Sendable, Equatable {
    public let tau: Double
    /// ∫₀^τ S(t) dt.
    public let estimate: Double
    public let standardError: Double

    /// Normal-theory interval estimate ± z·se at `level`.
    public func confidenceInterval(level: Double = 0.95) -> (lower: Double, upper: Double) {
        let z = Distributions.normalQuantile(1 - (1 - level) / 2)
        return (estimate - z * standardError, estimate + z * standardError)
    }
}

/// A Kaplan–Meier curve with Greenwood variance, pointwise confidence limits and the
/// Nelson–Aalen cumulative hazard; the arrays are the columns of R's `survfit` object
/// for one curve (one row per distinct event or censoring time).
public struct KaplanMeierEstimate: Sendable {
    /// Distinct times (events or censorings), increasing.
    public let time: [Double]
    /// Number at risk just before each time.
    public let nRisk: [Double]
    public let nEvent: [Double]
    public let nCensor: [Double]
    /// S(t) just after each time.
    public let survival: [Double]
    /// R's `fit$std.err`: the standard error of log S(t), √Σ d/(n(n−d)) (Greenwood);
    /// +∞ once S reaches 0. See `standardErrorOfSurvival` for se(S).
    public let stdErr: [Double]
    /// Pointwise confidence limits (`fit$lower`, `fit$upper`); NaN where R gives NA.
    public let lower: [Double]
    public let upper: [Double]
    public let confidenceType: ConfidenceType
    public let confidenceLevel: Double
    /// Number at risk at the start (R's `n.risk[1]`, or `entered`).
    public let initialRisk: Double
    /// The Nelson–Aalen columns when given to the initialiser; nil for a fitted curve,
    /// whose columns are summed from `nEvent` and `nRisk` when asked for (16 bytes a row
    /// fewer held; docs/PERFORMANCE.md, "analyze's memory").
    private let givenHazard: (cumulativeHazard: [Double], stdErr: [Double])?

    /// Nelson–Aalen cumulative hazard Σ d/n (`fit$cumhaz`).
    /// - Complexity: O(m) per access (summed, not stored, for a fitted curve).
    public var cumulativeHazard: [Double] { givenHazard?.cumulativeHazard ?? nelsonAalenSums(through: time.count - 1).cumulativeHazard }
    /// The standard error of `cumulativeHazard`, √Σ d/n² (`fit$std.chaz`).
    /// - Complexity: O(m) per access.
    public var cumulativeHazardStdErr: [Double] { givenHazard?.stdErr ?? nelsonAalenSums(through: time.count - 1).stdErr }

    init(time: [Double], nRisk: [Double], nEvent: [Double], nCensor: [Double], survival: [Double], stdErr: [Double],
         lower: [Double], upper: [Double], cumulativeHazard: [Double]? = nil, cumulativeHazardStdErr: [Double]? = nil,
         confidenceType: ConfidenceType, confidenceLevel: Double, initialRisk: Double) {
        self.time = time; self.nRisk = nRisk; self.nEvent = nEvent; self.nCensor = nCensor
        self.survival = survival; self.stdErr = stdErr; self.lower = lower; self.upper = upper
        self.confidenceType = confidenceType; self.confidenceLevel = confidenceLevel; self.initialRisk = initialRisk
        if let cumulativeHazard, let cumulativeHazardStdErr {
            givenHazard = (cumulativeHazard, cumulativeHazardStdErr)
        } else {
            givenHazard = nil
        }
    }

    /// The Nelson–Aalen sums over rows 0 … `last` (−1: none) in `KaplanMeier.fit`'s
    /// order of additions (the same bits as summing them during the fit).
    private func nelsonAalenSums(through last: Int) -> (cumulativeHazard: [Double], stdErr: [Double]) {
        let m = last + 1
        var chaz = [Double](repeating: 0, count: m), sechaz = [Double](repeating: 0, count: m)
        var nelson = 0.0, v2 = 0.0
        for i in 0..<m {
            let d = nEvent[i], n = nRisk[i]
            if d > 0 {
                nelson += d / n
                v2 += d / (n * n)
            }
            chaz[i] = nelson
            sechaz[i] = v2.squareRoot()
        }
        return (chaz, sechaz)
    }

    /// `cumulativeHazard[i]` without making the whole column.
    /// - Complexity: O(i).
    private func cumulativeHazard(at i: Int) -> Double {
        if let givenHazard { return givenHazard.cumulativeHazard[i] }
        var nelson = 0.0
        for k in 0...i {
            let d = nEvent[k], n = nRisk[k]
            if d > 0 { nelson += d / n }
        }
        return nelson
    }

    /// se(S(t)) = S·`stdErr`, what `summary(fit)` prints as `std.err` (NaN where S = 0).
    public var standardErrorOfSurvival: [Double] {
        zip(survival, stdErr).map { $0 * $1 }
    }

    /// `fit$cumhaz` and `fit$std.chaz`.
    public var nelsonAalen: (time: [Double], cumulativeHazard: [Double], stdErr: [Double]) {
        (time, cumulativeHazard, cumulativeHazardStdErr)
    }

    /// The median survival time with confidence limits (`quantile(fit, 0.5)`).
    public var median: QuantileEstimate { quantile(0.5) }

    /// S(t) at time `t` as `summary(fit, times = t, extend = TRUE)`: the step function
    /// is right-continuous (an event at `t` is included); before the first time S = 1
    /// with se 0 and limits 1; after the last time the last row is carried forward with
    /// n.risk 0.
    /// - Complexity: O(log m), and O(m) for the cumulative hazard of a fitted curve.
    public func survival(at t: Double) -> LandmarkEstimate {
        // index1 = number of curve times ≤ t (findInterval); index2 = number < t.
        let atOrBefore = upperBound(time, t)
        let before = lowerBound(time, t)
        let nRiskAt = before < nRisk.count ? nRisk[before] : 0
        guard atOrBefore > 0 else {
            return LandmarkEstimate(time: t, nRisk: nRiskAt, survival: 1, standardError: 0, lower: 1, upper: 1, cumulativeHazard: 0)
        }
        let i = atOrBefore - 1
        return LandmarkEstimate(time: t, nRisk: nRiskAt, survival: survival[i], standardError: survival[i] * stdErr[i],
                                lower: lower[i], upper: upper[i], cumulativeHazard: cumulativeHazard(at: i))
    }
}

/// Kaplan–Meier estimation (R: `survfit(Surv(time, status) ~ 1, conf.type = …)`).
public enum KaplanMeier {
    /// Fits the Kaplan–Meier curve to counts.
    ///
    /// At each row i with nᵢ at risk and dᵢ > 0 events:
    /// S ← S·(nᵢ − dᵢ)/nᵢ, Greenwood V ← V + dᵢ/(nᵢ(nᵢ − dᵢ)), Nelson–Aalen
    /// H ← H + dᵢ/nᵢ with variance Σ dᵢ/nᵢ²  (`survfitkm.c`, type 1). Confidence limits
    /// as `survival:::survfit_confint` with `logse = TRUE`.
    /// - Parameters:
    ///   - data: counts meeting the `SurvivalCounts` contract.
    ///   - confidenceLevel: in (0, 1).
    ///   - limits: false skips the pointwise limits (`lower` and `upper` are then NaN, and
    ///     so are the limits of `survival(at:)` and `quantile`): for callers that read only
    ///     point estimates (survival, quantile estimates, restricted means), which are the
    ///     same bits either way.
    /// - Complexity: O(m) in the number of distinct times.
    public static func fit(_ data: SurvivalCounts, confidenceType: ConfidenceType = .log, confidenceLevel: Double = 0.95,
                           limits: Bool = true) -> KaplanMeierEstimate {
        precondition(confidenceLevel > 0 && confidenceLevel < 1, "KaplanMeier.fit: confidenceLevel must be in (0, 1), is \(confidenceLevel)")
        let m = data.time.count
        let nRisk = data.atRisk
        // S and se in C (`nensim_km_curve`: the divisions vectorised, the same bits).
        var se = [Double](unsafeUninitializedCapacity: m) { _, c in c = m }
        let surv = [Double](unsafeUninitializedCapacity: m) { sp, filled in
            data.events.withUnsafeBufferPointer { events in nRisk.withUnsafeBufferPointer { risk in
            se.withUnsafeMutableBufferPointer { sep in
                nensim_km_curve(events.baseAddress, risk.baseAddress, Int64(m), sp.baseAddress, sep.baseAddress)
            }}}
            filled = m
        }
        let z = Distributions.normalQuantile(1 - (1 - confidenceLevel) / 2)
        var lower = [Double](repeating: limits ? 0 : .nan, count: m)
        var upper = [Double](repeating: limits ? 0 : .nan, count: m)
        for i in 0..<m where limits {
            // A row without events repeats S and se, hence the limits (saves exp/log).
            if i > 0 && surv[i] == surv[i - 1] && se[i] == se[i - 1] {
                (lower[i], upper[i]) = (lower[i - 1], upper[i - 1])
            } else {
                (lower[i], upper[i]) = confidenceLimits(surv[i], se[i], z: z, type: confidenceType)
            }
        }
        let estimate = KaplanMeierEstimate(
            time: data.time, nRisk: nRisk, nEvent: data.events, nCensor: data.censored,
            survival: surv, stdErr: se, lower: lower, upper: upper,
            confidenceType: confidenceType, confidenceLevel: confidenceLevel,
            initialRisk: data.total)
        #if DEBUG || SURVIVALSTATS_INVARIANTS || NENSIM_INVARIANTS
        let violations = estimate.invariantViolations(delayedEntry: data.riskSet != nil)
        precondition(violations.isEmpty, "KaplanMeier.fit: \(violations.joined(separator: "; "))")
        #endif
        return estimate
    }

    /// Fits the Kaplan–Meier curve to records (`event[j]` true = event at `time[j]`,
    /// false = censored). Records with a NaN time are dropped; see
    /// `SurvivalCounts.init(time:event:timefix:)` for tie handling (R's time fix by default).
    /// - Complexity: O(n log n) in the number of records.
    public static func fit(time: [Double], event: [Bool], confidenceType: ConfidenceType = .log, confidenceLevel: Double = 0.95,
                           timefix: Bool = true) -> KaplanMeierEstimate {
        fit(SurvivalCounts(time: time, event: event, timefix: timefix), confidenceType: confidenceType, confidenceLevel: confidenceLevel)
    }

    /// Pointwise limits for S = `p` with se(log S) = `se`, as `survfit_confint(p, se,
    /// logse = TRUE, conf.type, conf.int, selow = se)`; IEEE arithmetic reproduces R's
    /// NA/NaN where S is 0 (or 1 for logit/arcsin) or se is infinite.
    static func confidenceLimits(_ p: Double, _ se: Double, z: Double, type: ConfidenceType) -> (Double, Double) {
        // survfitKM passes selow = std.err, so R's scale is 1 where se = 0 and se/se otherwise.
        let scale = se == 0 ? 1 : se / se
        switch type {
        case .plain:
            let se2 = se * p * z
            return (rMax(p - se2 * scale, 0), rMin(p + se2, 1))
        case .log:
            guard p != 0 else { return (.nan, .nan) }
            let se2 = z * se
            return (Foundation.exp(Foundation.log(p) - se2 * scale), rMin(Foundation.exp(Foundation.log(p) + se2), 1))
        case .logLog:
            guard p != 0 && p != 1 else { return (.nan, .nan) }
            let se2 = z * se / Foundation.log(p)
            let ll = Foundation.log(-Foundation.log(p))
            return (Foundation.exp(-Foundation.exp(ll - se2 * scale)), Foundation.exp(-Foundation.exp(ll + se2)))
        case .logit:
            guard p != 0 else { return (.nan, .nan) }
            let se2 = z * se * (1 + p / (1 - p))
            let lo = Foundation.log(p / (1 - p))
            return (1 - 1 / (1 + Foundation.exp(lo - se2 * scale)), 1 - 1 / (1 + Foundation.exp(lo + se2)))
        case .arcsin:
            guard p != 0 else { return (.nan, .nan) }
            let se2 = 0.5 * z * se * (p / (1 - p)).squareRoot()
            let a = Foundation.asin(p.squareRoot())
            let lo = Foundation.sin(rMax(0, a - se2 * scale)), hi = Foundation.sin(rMin(Double.pi / 2, a + se2))
            return (lo * lo, hi * hi)
        }
    }
}

// R's pmax/pmin propagate NaN; Swift.max/min do not.
@inline(__always) func rMax(_ a: Double, _ b: Double) -> Double { a.isNaN || b.isNaN ? .nan : Swift.max(a, b) }
@inline(__always) func rMin(_ a: Double, _ b: Double) -> Double { a.isNaN || b.isNaN ? .nan : Swift.min(a, b) }

/// Number of elements of the increasing array `a` that are < `x`.
func lowerBound(_ a: [Double], _ x: Double) -> Int {
    var lo = 0, hi = a.count
    while lo < hi {
        let mid = (lo + hi) / 2
        if a[mid] < x { lo = mid + 1 } else { hi = mid }
    }
    return lo
}

/// Number of elements of the increasing array `a` that are ≤ `x`.
func upperBound(_ a: [Double], _ x: Double) -> Int {
    var lo = 0, hi = a.count
    while lo < hi {
        let mid = (lo + hi) / 2
        if a[mid] <= x { lo = mid + 1 } else { hi = mid }
    }
    return lo
}

extension KaplanMeierEstimate {
    /// Internal consistency of a fitted curve: survival in [0, 1] and never rising, the
    /// number at risk never growing, the cumulative hazard never falling. Checked after
    /// every fit in debug builds (and with `-D SURVIVALSTATS_INVARIANTS`); empty when all hold.
    /// With `delayedEntry` (counting-process data) the number at risk may grow.
    func invariantViolations(delayedEntry: Bool = false) -> [String] {
        var out: [String] = []
        let cumulativeHazard = self.cumulativeHazard
        for i in time.indices {
            if !(survival[i] >= 0 && survival[i] <= 1) { out.append("survival[\(i)] = \(survival[i]) outside [0, 1]") }
            if i > 0 {
                if !(time[i] > time[i - 1]) { out.append("time[\(i)] not increasing") }
                if survival[i] > survival[i - 1] { out.append("survival rises at row \(i)") }
                if !delayedEntry && nRisk[i] > nRisk[i - 1] { out.append("n.risk grows at row \(i)") }
                if cumulativeHazard[i] < cumulativeHazard[i - 1] { out.append("cumulative hazard falls at row \(i)") }
            }
            if nRisk[i] < nEvent[i] + nCensor[i] - 1e-9 * Swift.max(1, nRisk[i]) { out.append("n.risk[\(i)] smaller than the records leaving there") }
        }
        return out
    }
}
