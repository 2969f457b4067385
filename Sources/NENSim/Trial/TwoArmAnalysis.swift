import Foundation
import SurvivalStats

/// The statistics of one two-arm comparison (one trial replicate).
///
/// Group 0 is the control, group 1 the experimental arm; hazard ratios are experimental
/// versus control, and a negative `z` favours the experimental arm.
public struct TwoArmStatistics: Sendable, Equatable {
    /// Events (deaths, progressions) in the control and experimental arm.
    public var eventsControl: Int
    public var eventsExperimental: Int
    /// Weighted observed − expected events of the experimental arm, and the variance of
    /// that difference (hypergeometric, as `survdiff`), for the weights asked for.
    public var observedMinusExpected: Double
    public var variance: Double
    /// (O − E)/√V: the signed square root of the (weighted) log-rank χ².
    public var z: Double { variance > 0 ? observedMinusExpected / variance.squareRoot() : 0 }
    /// Cox log hazard ratio (Efron ties) and its standard error √(1/I(β̂)); ±∞ with an
    /// infinite standard error when an arm has no events (monotone likelihood).
    public var logHazardRatio: Double
    public var standardError: Double
    /// Whether Newton–Raphson met R's rule |1 − ℓ_old/ℓ_new| ≤ 1e-9 within 30 steps.
    public var coxConverged: Bool
    /// Kaplan–Meier medians (R's printed median: first time S < 0.5, the midpoint to the
    /// next drop where S is exactly 0.5); NaN when not reached.
    public var medianControl: Double
    public var medianExperimental: Double

    /// Wald z of the Cox coefficient.
    public var coxZ: Double { standardError.isFinite && standardError > 0 ? logHazardRatio / standardError : 0 }
}

/// Two-arm log-rank / Fleming–Harrington, Cox (one binary covariate, Efron ties) and
/// Kaplan–Meier medians from one sorted pass: the hot loop of `nensim trial`.
///
/// It computes what `LogRank.test`, `CoxPH.fit` and `KaplanMeier.fit(...).printedMedian`
/// compute (the tests check agreement to 1e-9), but on a table of distinct event times
/// built once in a reusable workspace, so a replicate of n patients costs one sort and
/// O(n) arithmetic with no allocation beyond the sort's.
///
/// Contract: fill `time[0..<count]`, `event[0..<count]` and `arm[0..<count]` (0 control,
/// 1 experimental), then call `analyze(count:rho:gamma:)`. Times are finite and ≥ 0;
/// times within 3 ulp are ties (see `key(time:code:)`; no `timefix` merging otherwise:
/// simulated times are continuous except scan times, exact multiples of the interval).
public final class TwoArmWorkspace {
    // Storage is raw buffers held in `let`s: the hot loops then pay no dynamic
    // exclusivity checks (class stored properties would be checked on every access).
    // The workspace is owned by one worker at a time.
    public let time: UnsafeMutableBufferPointer<Double>
    public let event: UnsafeMutableBufferPointer<Bool>
    public let arm: UnsafeMutableBufferPointer<UInt8>
    private let order: UnsafeMutableBufferPointer<UInt64>
    // Rows of distinct event times: at risk and deaths per arm.
    private let rowTime: UnsafeMutableBufferPointer<Double>
    private let rowRisk0: UnsafeMutableBufferPointer<Double>, rowRisk1: UnsafeMutableBufferPointer<Double>
    private let rowDeaths0: UnsafeMutableBufferPointer<Double>, rowDeaths1: UnsafeMutableBufferPointer<Double>

    /// Sort key of a record: the IEEE bit pattern of its time (order-preserving for
    /// times ≥ 0) with the two lowest mantissa bits replaced by arm | event << 1. Sorting
    /// plain integers is about twice as fast as sorting (time, code) pairs; the price is
    /// that times are truncated by at most 3 ulp (relative 7e-16), so times that close are
    /// tied — R's `timefix` ties times 10⁷ times further apart.
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
        arm = .allocate(capacity: c); arm.initialize(repeating: 0)
        order = .allocate(capacity: c); order.initialize(repeating: 0)
        rowTime = doubles(); rowRisk0 = doubles(); rowRisk1 = doubles(); rowDeaths0 = doubles(); rowDeaths1 = doubles()
    }

    deinit {
        time.deallocate(); event.deallocate(); arm.deallocate(); order.deallocate()
        rowTime.deallocate(); rowRisk0.deallocate(); rowRisk1.deallocate(); rowDeaths0.deallocate(); rowDeaths1.deallocate()
    }

    /// Analyses records `0..<count`.
    /// - Parameters: `rho`, `gamma`: Fleming–Harrington weights of the log-rank part (0, 0: log-rank).
    /// - Complexity: O(n log n) for the sort, then O(n + Σ d) per Newton step.
    public func analyze(count n: Int, rho: Double = 0, gamma: Double = 0) -> TwoArmStatistics {
        precondition(n <= time.count, "TwoArmWorkspace: count \(n) exceeds capacity \(time.count)")
        var total0 = 0.0, total1 = 0.0
        for i in 0..<n {
            precondition(time[i] >= 0, "TwoArmWorkspace: time[\(i)] = \(time[i]) is not a time ≥ 0")
            order[i] = Self.key(time: time[i], code: arm[i] | (event[i] ? 2 : 0))
            if arm[i] == 0 { total0 += 1 } else { total1 += 1 }
        }
        var part = UnsafeMutableBufferPointer(rebasing: order[0..<n])
        part.sort()
        // Distinct event times with the number at risk just before them.
        var rows = 0
        var risk0 = total0, risk1 = total1
        var e0 = 0, e1 = 0
        var i = 0
        while i < n {
            let tied = order[i] & ~3
            let t = Double(bitPattern: tied)
            var d0 = 0.0, d1 = 0.0, c0 = 0.0, c1 = 0.0
            while i < n && order[i] & ~3 == tied {
                switch order[i] & 3 {
                case 0: c0 += 1
                case 1: c1 += 1
                case 2: d0 += 1
                default: d1 += 1
                }
                i += 1
            }
            if d0 + d1 > 0 {
                rowTime[rows] = t; rowRisk0[rows] = risk0; rowRisk1[rows] = risk1
                rowDeaths0[rows] = d0; rowDeaths1[rows] = d1
                rows += 1
            }
            e0 += Int(d0); e1 += Int(d1)
            risk0 -= d0 + c0; risk1 -= d1 + c1
        }

        // Log-rank / Fleming–Harrington (survdiff2.c with weights from the pooled KM S(t−)),
        // and the Kaplan–Meier curve of each arm for its median.
        var oMinusE = 0.0, v = 0.0, pooled = 1.0
        var plainOMinusE = 0.0, plainV = 0.0
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
            plainOMinusE += oe
            plainV += vv
            pooled *= (nn - d) / nn
            if d0 > 0 { s0 *= (n0 - d0) / n0; median0.observe(time: rowTime[r], survival: s0) }
            if d1 > 0 { s1 *= (n1 - d1) / n1; median1.observe(time: rowTime[r], survival: s1) }
        }

        // Newton starts at the one-step (Peto) estimate (O − E)/V: a few steps fewer than from 0,
        // and the same maximum (the partial likelihood of one covariate is concave).
        let start = plainV > 0 ? max(-5, min(5, plainOMinusE / plainV)) : 0
        let cox = fitCox(rows: rows, events0: e0, events1: e1, start: start)
        return TwoArmStatistics(eventsControl: e0, eventsExperimental: e1, observedMinusExpected: oMinusE, variance: v,
                                logHazardRatio: cox.beta, standardError: cox.se, coxConverged: cox.converged,
                                medianControl: median0.median, medianExperimental: median1.median)
    }

    /// Efron log partial likelihood ℓ(β), score U and information I for x = 1 in the
    /// experimental arm. At a time with d deaths (d₁ experimental), risk sum
    /// S = n₀ + n₁e^β, death sum D = d₀ + d₁e^β, and for k = 0 … d−1, f = k/d:
    ///   ℓ += d₁β − Σ log(S − fD),  aₖ = (n₁e^β − f d₁e^β)/(S − fD),
    ///   U += d₁ − Σ aₖ,  I += Σ aₖ(1 − aₖ)   (x² = x for a binary covariate).
    @inline(__always)
    private func efron(_ beta: Double, rows: Int) -> (ll: Double, u: Double, info: Double) {
        let r = exp(beta)
        var ll = 0.0, u = 0.0, info = 0.0
        for j in 0..<rows {
            let n0 = rowRisk0[j], n1 = rowRisk1[j], d0 = rowDeaths0[j], d1 = rowDeaths1[j]
            let s1 = n1 * r, s = n0 + s1, dd1 = d1 * r, dd = d0 + dd1
            let d = d0 + d1
            ll += d1 * beta
            u += d1
            if d == 1 {
                let a = s1 / s
                ll -= log(s); u -= a; info += a * (1 - a)
            } else {
                let di = Int(d)
                for k in 0..<di {
                    let f = Double(k) / d
                    let den = s - f * dd
                    let a = (s1 - f * dd1) / den
                    ll -= log(den); u -= a; info += a * (1 - a)
                }
            }
        }
        return (ll, u, info)
    }

    /// Newton–Raphson with step halving and R's convergence rule (coxfit6.c), from `start`.
    private func fitCox(rows: Int, events0: Int, events1: Int, start: Double) -> (beta: Double, se: Double, converged: Bool) {
        if events1 == 0 && events0 == 0 { return (.nan, .nan, false) }
        // Monotone likelihood: an arm without events has β̂ = ∓∞ (R warns "coefficient may be infinite").
        if events1 == 0 { return (-.infinity, .infinity, false) }
        if events0 == 0 { return (.infinity, .infinity, false) }
        var beta = start
        var cur = efron(beta, rows: rows)
        guard cur.info > 0 else { return (.nan, .nan, false) }
        for _ in 0..<30 {
            var step = cur.u / cur.info
            var next = beta + step
            var new = efron(next, rows: rows)
            var halvings = 0
            while !(new.ll.isFinite && new.ll >= cur.ll - 1e-12 * abs(cur.ll)) && halvings < 30 {
                step /= 2
                next = beta + step
                new = efron(next, rows: rows)
                halvings += 1
            }
            let done = abs(1 - cur.ll / new.ll) <= 1e-9
            beta = next
            cur = new
            if done { return (beta, (1 / cur.info).squareRoot(), cur.info > 0) }
        }
        return (beta, cur.info > 0 ? (1 / cur.info).squareRoot() : .nan, false)
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
