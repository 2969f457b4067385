import CKernels
import Foundation

/// The statistics of one two-group comparison (one trial replicate).
///
/// Group 0 is the reference ("control"), group 1 the comparison ("experimental");
/// hazard ratios are group 1 versus group 0, and a negative `z` favours group 1.
public struct TwoGroupStatistics: Sendable, Equatable {
    /// Events (deaths, progressions) in group 0 and group 1.
    public var eventsControl: Int
    public var eventsExperimental: Int
    /// Weighted observed − expected events of group 1, and the variance of that
    /// difference (hypergeometric, as `survdiff`), for the weights asked for.
    public var observedMinusExpected: Double
    public var variance: Double
    /// (O − E)/√V: the signed square root of the (weighted) log-rank χ².
    public var z: Double { variance > 0 ? observedMinusExpected / variance.squareRoot() : 0 }
    /// Cox log hazard ratio (Efron ties) and its standard error √(1/I(β̂)); ±∞ with an
    /// infinite standard error when a group has no events (monotone likelihood).
    public var logHazardRatio: Double
    public var standardError: Double
    /// Whether Newton–Raphson met R's rule |1 − ℓ_old/ℓ_new| ≤ 1e-9 within 20 steps.
    public var coxConverged: Bool
    /// Kaplan–Meier medians (R's printed median: first time S < 0.5, the midpoint to the
    /// next drop where S is exactly 0.5); NaN when not reached.
    public var medianControl: Double
    public var medianExperimental: Double

    /// Wald z of the Cox coefficient.
    public var coxZ: Double { standardError.isFinite && standardError > 0 ? logHazardRatio / standardError : 0 }

    public init(eventsControl: Int, eventsExperimental: Int, observedMinusExpected: Double, variance: Double,
                logHazardRatio: Double, standardError: Double, coxConverged: Bool,
                medianControl: Double, medianExperimental: Double) {
        self.eventsControl = eventsControl; self.eventsExperimental = eventsExperimental
        self.observedMinusExpected = observedMinusExpected; self.variance = variance
        self.logHazardRatio = logHazardRatio; self.standardError = standardError; self.coxConverged = coxConverged
        self.medianControl = medianControl; self.medianExperimental = medianExperimental
    }
}

/// Two-group log-rank / Fleming–Harrington, Cox (one binary covariate, Efron ties) and
/// Kaplan–Meier medians from one sorted pass: the hot loop of a replicated trial.
///
/// It computes what `LogRank.test(time:event:group:)`, `CoxPH.fit` (the group as one
/// 0/1 covariate) and `KaplanMeier.fit(...).printedMedian` compute on the same records —
/// the same time fix (R's `aeqSurv`, `TimeFix`), the same Newton–Raphson path from
/// β = 0 with R's step halving and convergence rule — but on a table of distinct event
/// times built once in a reusable workspace, so a replicate of n records costs one radix
/// sort and O(n) arithmetic with no allocation. The tests check agreement
/// to 1e-12 on near-tied times.
///
/// Contract: fill `time[0..<count]`, `event[0..<count]` and `group[0..<count]` (0 or 1),
/// then call `analyze(count:rho:gamma:)`. Times are finite and ≥ 0. The sort key holds a
/// time with its two lowest mantissa bits replaced by the record's (group, event) code
/// (`key(time:code:)`), so times are truncated by at most 3 ulp (relative 7e-16) before
/// the time fix: medians are reported up to 3 ulp below the record's time, and only a
/// gap within 3 ulp of the √ε threshold can be decided otherwise than on exact times.
/// Differences from `CoxPH.fit`: a group without events gives β̂ = ∓∞ directly (R
/// iterates to a large finite value and warns).
public final class TwoGroupWorkspace {
    // Storage is raw buffers held in `let`s: the hot loops then pay no dynamic
    // exclusivity checks (class stored properties would be checked on every access).
    // The workspace is owned by one worker at a time.
    public let time: UnsafeMutableBufferPointer<Double>
    public let event: UnsafeMutableBufferPointer<Bool>
    public let group: UnsafeMutableBufferPointer<UInt8>
    /// Stratum of each record, 0 ..< strata: read only by `analyze(count:rho:gamma:strata:)`
    /// with more than one stratum.
    public let stratum: UnsafeMutableBufferPointer<UInt8>
    let order: UnsafeMutableBufferPointer<UInt64>
    /// The radix sort's other buffer and its digit histogram (`sortKeys(count:)`).
    let orderScratch: UnsafeMutableBufferPointer<UInt64>
    let digitCounts: UnsafeMutableBufferPointer<UInt32>
    /// The stratum of each row (stratified analyses only).
    let rowStratum: UnsafeMutableBufferPointer<UInt8>
    /// Per-stratum running sums of the stratified walk: 8 doubles per stratum.
    let cells: UnsafeMutableBufferPointer<Double>
    // Rows of distinct (fixed) event times: at risk and deaths per group.
    let rowTime: UnsafeMutableBufferPointer<Double>
    let rowRisk0: UnsafeMutableBufferPointer<Double>, rowRisk1: UnsafeMutableBufferPointer<Double>
    let rowDeaths0: UnsafeMutableBufferPointer<Double>, rowDeaths1: UnsafeMutableBufferPointer<Double>
    /// One Newton step's Efron terms, one per death in row order (`efron(_:rows:)`): the
    /// numerators, denominators, their quotients and the denominators' logs.
    let efronNumerator, efronDenominator, efronShare, efronLog: UnsafeMutableBufferPointer<Double>

    /// Sort key of a record: the IEEE bit pattern of its time (order-preserving for
    /// times ≥ 0) with the two lowest mantissa bits replaced by group | event << 1.
    /// Sorting plain integers is about twice as fast as sorting (time, code) pairs.
    @inline(__always) static func key(time: Double, code: UInt8) -> UInt64 { (time.bitPattern & ~3) | UInt64(code) }

    public init(capacity: Int) {
        let c = max(capacity, 1)
        func doubles() -> UnsafeMutableBufferPointer<Double> {
            let b = UnsafeMutableBufferPointer<Double>.allocate(capacity: c)
            b.initialize(repeating: 0)
            return b
        }
        time = doubles()
        event = .allocate(capacity: c); event.initialize(repeating: false)
        group = .allocate(capacity: c); group.initialize(repeating: 0)
        order = .allocate(capacity: c); order.initialize(repeating: 0)
        orderScratch = .allocate(capacity: c); orderScratch.initialize(repeating: 0)
        digitCounts = .allocate(capacity: radixDigitRadix * radixDigitPasses); digitCounts.initialize(repeating: 0)
        stratum = .allocate(capacity: c); stratum.initialize(repeating: 0)
        rowStratum = .allocate(capacity: c); rowStratum.initialize(repeating: 0)
        cells = .allocate(capacity: 8 * Self.maxStrata); cells.initialize(repeating: 0)
        rowTime = doubles(); rowRisk0 = doubles(); rowRisk1 = doubles(); rowDeaths0 = doubles(); rowDeaths1 = doubles()
        efronNumerator = doubles(); efronDenominator = doubles(); efronShare = doubles(); efronLog = doubles()
    }

    deinit {
        time.deallocate(); event.deallocate(); group.deallocate(); order.deallocate()
        orderScratch.deallocate(); digitCounts.deallocate()
        stratum.deallocate(); rowStratum.deallocate(); cells.deallocate()
        rowTime.deallocate(); rowRisk0.deallocate(); rowRisk1.deallocate(); rowDeaths0.deallocate(); rowDeaths1.deallocate()
        efronNumerator.deallocate(); efronDenominator.deallocate(); efronShare.deallocate(); efronLog.deallocate()
    }

    /// Analyses records `0..<count`.
    /// - Parameters: `rho`, `gamma`: Fleming–Harrington weights of the log-rank part (0, 0: log-rank).
    /// - Complexity: O(n) for the sort, then O(n + Σ d) per Newton step.
    public func analyze(count n: Int, rho: Double = 0, gamma: Double = 0) -> TwoGroupStatistics {
        precondition(n <= time.count, "TwoGroupWorkspace: count \(n) exceeds capacity \(time.count)")
        var total1 = 0.0
        for i in 0..<n {
            precondition(time[i] >= 0, "TwoGroupWorkspace: time[\(i)] = \(time[i]) is not a time ≥ 0")
            order[i] = Self.key(time: time[i], code: group[i] | (event[i] ? 2 : 0))
            total1 += Double(group[i])  // 0 or 1: a count without a branch
        }
        let total0 = Double(n) - total1
        sortKeys(count: n)
        // Rows of distinct fixed event times; decided first with max|t| in place of the
        // mean (a gap above tol·max|t| never ties), repeated with the mean only if a gap
        // needs it.
        var built = buildRows(count: n, total0: total0, total1: total1, meanAbs: nil)
        if built == nil {
            built = buildRows(count: n, total0: total0, total1: total1, meanAbs: Self.meanDistinctTime(order, count: n, mask: 3))
        }
        let (rows, e0, e1) = built!

        // Log-rank / Fleming–Harrington (survdiff2.c with weights from the pooled KM S(t−)),
        // and the Kaplan–Meier curve of each group for its median.
        var oMinusE = 0.0, v = 0.0, pooled = 1.0
        var s0 = 1.0, s1 = 1.0
        var median0 = MedianTracker(), median1 = MedianTracker()
        for r in 0..<rows {
            let n0 = rowRisk0[r], n1 = rowRisk1[r], d0 = rowDeaths0[r], d1 = rowDeaths1[r]
            let nn = n0 + n1, d = d0 + d1
            var w = 1.0
            if rho != 0 { w *= pow(pooled, rho) }
            if gamma != 0 { w *= pow(1 - pooled, gamma) }
            let oe = d1 - d * n1 / nn
            let vv = nn > 1 ? d * (nn - d) / (nn - 1) * (n1 / nn) * (n0 / nn) : 0
            oMinusE += w * oe
            v += w * w * vv
            pooled *= (nn - d) / nn
            // Each group's curve drops where it has deaths: the factor chosen by a select,
            // 1 elsewhere (exact), and a median tracker shown an unchanged S sees nothing new.
            s0 *= d0 > 0 ? (n0 - d0) / n0 : 1
            s1 *= d1 > 0 ? (n1 - d1) / n1 : 1
            median0.observe(time: rowTime[r], survival: s0)
            median1.observe(time: rowTime[r], survival: s1)
        }

        let cox = fitCox(rows: rows, events0: e0, events1: e1)
        return TwoGroupStatistics(eventsControl: e0, eventsExperimental: e1, observedMinusExpected: oMinusE, variance: v,
                                  logHazardRatio: cox.beta, standardError: cox.se, coxConverged: cox.converged,
                                  medianControl: median0.median, medianExperimental: median1.median)
    }

    /// Sorts `order[0..<n]` ascending (`sortRadixKeys` with the lowest digit's pass: the
    /// record's code, so a scan schedule's tied times need no insertion).
    /// - Complexity: O(n) time, no allocation.
    func sortKeys(count n: Int) {
        sortRadixKeys(UnsafeMutableBufferPointer(rebasing: order[0..<n]), scratch: UnsafeMutableBufferPointer(rebasing: orderScratch[0..<n]),
                      counts: digitCounts, lowDigit: true)
    }

    /// The rows (distinct fixed times with deaths: number at risk just before, deaths
    /// per group) from the sorted keys `order[0..<n]`, with R's time fix (`TimeFix`):
    /// walking ascending, a gap that ties starts no new row. With `meanAbs` nil the
    /// decision uses max|t| ≥ mean|t| (dy/max > tol means dy/mean > tol); a gap that
    /// this cannot decide returns nil. Returns the row count and the events per group.
    private func buildRows(count n: Int, total0: Double, total1: Double, meanAbs: Double?)
        -> (rows: Int, events0: Int, events1: Int)? {
        guard n > 0 else { return (0, 0, 0) }
        // The walk in C (`nensim_two_group_rows`): the row kept or not without a branch on
        // its deaths, the same sums and decisions as TimeFix.ties(_:meanAbs:tolerance:maxAbs:).
        var e0: Int64 = 0, e1: Int64 = 0
        let rows = nensim_two_group_rows(order.baseAddress, Int64(n), total0, total1, TimeFix.tolerance, meanAbs ?? .nan,
                                         rowTime.baseAddress, rowRisk0.baseAddress, rowRisk1.baseAddress,
                                         rowDeaths0.baseAddress, rowDeaths1.baseAddress, &e0, &e1)
        guard rows >= 0 else { return nil }
        return (Int(rows), Int(e0), Int(e1))
    }

    /// Efron log partial likelihood ℓ(β), score U and information I for x = 1 in group
    /// 1. At a time with d deaths (d₁ in group 1), risk sum S = n₀ + n₁e^β, death sum
    /// D = d₀ + d₁e^β, and for k = 0 … d−1, f = k/d:
    ///   ℓ += d₁β − Σ log(S − fD),  aₖ = (n₁e^β − f d₁e^β)/(S − fD),
    ///   U += d₁ − Σ aₖ,  I += Σ aₖ(1 − aₖ)   (x² = x for a binary covariate).
    /// In C (`nensim_two_group_efron`): the quotients and the logs (the kernels' log: the
    /// same bits on every machine, within about 1 ulp of libm's) vectorised, one per death,
    /// then the sums in row order. ℓ only decides convergence and step halving
    /// (`fitCox`): β̂ and its standard error come from U and I.
    @inline(__always)
    private func efron(_ beta: Double, rows: Int) -> (ll: Double, u: Double, info: Double) {
        var ll = 0.0, u = 0.0, info = 0.0
        nensim_two_group_efron(Int64(rows), rowRisk0.baseAddress, rowRisk1.baseAddress, rowDeaths0.baseAddress,
                               rowDeaths1.baseAddress, beta, exp(beta), efronNumerator.baseAddress, efronDenominator.baseAddress,
                               efronShare.baseAddress, efronLog.baseAddress, &ll, &u, &info)
        return (ll, u, info)
    }

    /// Newton–Raphson from β = 0 as `CoxPH.fit` (R's `coxfit6.c`): at most 20 steps;
    /// converged when |1 − ℓ_best/ℓ_new| ≤ 1e-9; a step that lowers ℓ (or is not
    /// finite) is pulled back towards the last accepted β, more each time. The
    /// partial likelihood is invariant to R's centring and scaling of the covariate,
    /// so the iterates are R's up to rounding.
    func fitCox(rows: Int, events0: Int, events1: Int) -> (beta: Double, se: Double, converged: Bool) {
        if events1 == 0 && events0 == 0 { return (.nan, .nan, false) }
        // Monotone likelihood: a group without events has β̂ = ∓∞ (R warns "coefficient may be infinite").
        if events1 == 0 { return (-.infinity, .infinity, false) }
        if events0 == 0 { return (.infinity, .infinity, false) }
        var beta = 0.0
        let first = efron(beta, rows: rows)
        guard first.info > 0 else { return (.nan, .nan, false) }
        var best = first.ll
        var newBeta = beta + first.u / first.info
        var halving = 0.0
        for _ in 0..<20 {
            let new = efron(newBeta, rows: rows)
            let finite = new.ll.isFinite && new.u.isFinite && new.info.isFinite
            if finite && abs(1 - best / new.ll) <= 1e-9 {
                return (newBeta, (1 / new.info).squareRoot(), new.info > 0)
            }
            if !finite || new.ll < best {
                halving += 1
                newBeta = (newBeta + halving * beta) / (halving + 1)
            } else {
                halving = 0
                best = new.ll
                beta = newBeta
                newBeta = beta + new.u / new.info
            }
        }
        let last = efron(beta, rows: rows)
        return (beta, last.info > 0 ? (1 / last.info).squareRoot() : .nan, false)
    }
}

/// R's printed median (`survmean`'s `minmin`) followed online along a KM curve that is
/// observed only where it drops.
struct MedianTracker {
    static let tolerance = 1.4901161193847656e-08
    var first = Double.nan
    var firstSurvival = 1.0
    var median = Double.nan
    var settled = false

    @inline(__always)
    mutating func observe(time: Double, survival: Double) {
        if settled { return }
        if first.isNaN {
            guard survival < 0.5 + Self.tolerance else { return }
            first = time
            firstSurvival = survival
            median = time
            settled = abs(survival - 0.5) >= Self.tolerance
        } else if survival < firstSurvival {
            median = (first + time) / 2
            settled = true
        }
    }
}

extension TwoGroupWorkspace {
    /// The mean of the distinct times among sorted keys `order[0..<count]` (a time's bits
    /// with the `mask` bits cleared; sorted ascending), for the time fix's relative test.
    static func meanDistinctTime(_ order: UnsafeMutableBufferPointer<UInt64>, count n: Int, mask: UInt64) -> Double {
        var sumAbs = 0.0, distinct = 0
        var previous = UInt64.max
        for i in 0..<n where order[i] & ~mask != previous {
            previous = order[i] & ~mask
            sumAbs += Double(bitPattern: previous); distinct += 1
        }
        return sumAbs / Double(distinct)
    }
}
