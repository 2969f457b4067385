import CKernels
/// Quantiles and restricted means of a Kaplan–Meier curve, following R's `survival`
/// (`quantile.survfit` → `doquant` → `findq`, and `survmean`).
extension KaplanMeierEstimate {
    /// R's tolerance for "S equals p": `sqrt(.Machine$double.eps)`.
    static let quantileTolerance = 1.4901161193847656e-08

    /// The p-quantile with confidence limits, as `quantile(fit, probs = p)`.
    ///
    /// The estimate is the smallest time at which 1 − S(t) ≥ p; where the curve is flat
    /// at exactly 1 − p (within 1.5e-8) it is the midpoint of that flat stretch — to the
    /// next drop, or to the last time if the curve ends flat there. The limits apply
    /// the same rule to the lower and upper confidence curves. Time 0 is the origin
    /// (R's default `start.time`; times are assumed ≥ 0). `nil` = not reached.
    ///
    /// R decides "never reached" for all requested probabilities at once (its
    /// `max(y) < min(p)` shortcut); here it is decided per probability, which differs
    /// only when the curve ends within 1.5e-8 below p.
    /// - Precondition: 0 ≤ p ≤ 1.
    /// - Complexity: O(m).
    public func quantile(_ p: Double) -> QuantileEstimate { quantiles([p])[0] }

    /// `quantile(p)` for each p of `probabilities`, each curve read once for all of them
    /// (the same results as one call per p; docs/PERFORMANCE.md, "Whole-process timings").
    /// - Precondition: every p in [0, 1].
    /// - Complexity: O(m · probabilities.count), two passes over each of the three curves.
    public func quantiles(_ probabilities: [Double]) -> [QuantileEstimate] {
        for p in probabilities { precondition(p >= 0 && p <= 1, "quantile: probability must be in [0, 1], is \(p)") }
        let estimate = Self.findQuantiles(time: time, curve: survival, probabilities)
        let lo = Self.findQuantiles(time: time, curve: lower, probabilities)
        let hi = Self.findQuantiles(time: time, curve: upper, probabilities)
        return probabilities.indices.map {
            QuantileEstimate(probability: probabilities[$0], estimate: estimate[$0], lower: lo[$0], upper: hi[$0])
        }
    }

    /// The p-quantile's estimate alone, `quantile(p).estimate` (the same search, so the same bits) without the
    /// two searches of the confidence curves: what a point summary needs (a PSA draw).
    /// - Precondition: 0 ≤ p ≤ 1.
    /// - Complexity: O(m).
    public func quantileEstimate(_ p: Double) -> Double? {
        precondition(p >= 0 && p <= 1, "quantile: probability must be in [0, 1], is \(p)")
        return Self.findQuantile(time: time, curve: survival, p: p)
    }

    /// `survival:::findq(c(0, time), c(0, 1 - curve), p, tol)` for one p.
    /// `curve` may hold NaN (R's NA), which `approx` ignores.
    static func findQuantile(time: [Double], curve: [Double], p: Double) -> Double? {
        findQuantiles(time: time, curve: curve, [p])[0]
    }

    /// `findQuantile` for each p of `probabilities`, in one pass over the curve.
    ///
    /// R's knots (x = c(0, time), y = c(0, 1 − curve) without repeated y) are visited
    /// as they are found, in one pass, and only what the two `approx` searches of each p
    /// keep is held — no copy of the curve (docs/PERFORMANCE.md, "analyze's memory").
    /// The knots do not depend on p, so each p's searches see the same visits as a pass
    /// of their own.
    /// - Complexity: O(m) for the check, then O(probabilities.count · log m) for a curve
    ///   that never rises and has no NaN (a binary search, the same result); otherwise
    ///   O(m · probabilities.count) time, O(probabilities.count) memory unless the curve
    ///   rises somewhere (then a set of the values seen, as `duplicated()`).
    /// `binarySearch`: false makes a monotone curve take the pass too (a test compares the two).
    static func findQuantiles(time: [Double], curve: [Double], _ probabilities: [Double], binarySearch: Bool = true) -> [Double?] {
        let tol = quantileTolerance
        // approx(y ± tol, 1:n, p, method = "constant", f = 1, rule = 1) keeps the first
        // smallest knot ≥ p, and is NA outside [min knot, max knot].
        struct Search {
            let shift: Double
            var bestX: Double? = nil, bestKnot = Double.infinity
            @inline(__always) mutating func visit(_ x: Double, _ knot: Double, _ p: Double) {
                if knot >= p && knot < bestKnot { bestKnot = knot; bestX = x }
            }
        }
        let np = probabilities.count
        var above = [Search](repeating: Search(shift: tol), count: np)
        var below = [Search](repeating: Search(shift: -tol), count: np)
        // The knots' extremes are those of the visited y, shifted (rounding is monotone,
        // so min(y) + shift is min(y + shift)), the same for every p.
        var minY = Double.infinity, maxVisitedY = -Double.infinity
        var lastY = 0.0, maxY = 0.0
        // A repeat of a non-decreasing sequence can only repeat the latest value; a set
        // is needed only for a confidence curve that rises somewhere.
        var monotone = true, latest = 0.0, hasNaN = false
        for v in curve {
            if v.isNaN { hasNaN = true; continue }
            let y = 1 - v
            if y < latest { monotone = false; break }
            latest = y
        }
        if binarySearch && monotone && !hasNaN {
            // y non-decreasing from 0, no NaN: the knots are (0, 0) and the first time of
            // each new y; the first knot with y + shift ≥ p is the smallest such (rounding
            // is monotone) and the first of its value, so a binary search over the curve
            // finds what the pass below would keep. Extremes: min 0, max and last the last y.
            let lastValue = curve.isEmpty ? 0 : 1 - curve[curve.count - 1]
            minY = 0; maxVisitedY = Swift.max(0, lastValue); maxY = maxVisitedY; lastY = lastValue
            for k in 0..<np {
                for shift in [tol, -tol] {
                    let p = probabilities[k]
                    var x: Double? = nil
                    if 0 + shift >= p {
                        x = 0
                    } else {
                        var lo = 0, hi = curve.count   // the first i with (1 − curve[i]) + shift ≥ p
                        while lo < hi {
                            let mid = (lo + hi) / 2
                            if (1 - curve[mid]) + shift >= p { hi = mid } else { lo = mid + 1 }
                        }
                        if lo < curve.count { x = time[lo] }
                    }
                    if shift > 0 { above[k].bestX = x } else { below[k].bestX = x }
                }
            }
        } else {
            var seen = monotone ? Set<Double>() : Set<Double>([0])
            var seenNaN = false
            latest = 0
            probabilities.withUnsafeBufferPointer { ps in
            above.withUnsafeMutableBufferPointer { above in
            below.withUnsafeMutableBufferPointer { below in
                @inline(__always) func visit(_ x: Double, _ y: Double) {
                    lastY = y
                    guard !y.isNaN else { return }
                    minY = Swift.min(minY, y); maxVisitedY = Swift.max(maxVisitedY, y)
                    let ka = y + tol, kb = y - tol
                    for k in 0..<np {
                        let p = ps[k]
                        above[k].visit(x, ka, p); below[k].visit(x, kb, p)
                    }
                }
                visit(0, 0)
                for i in time.indices {
                    let y = 1 - curve[i]
                    if y.isNaN {
                        if seenNaN { continue }
                        seenNaN = true
                    } else {
                        maxY = Swift.max(maxY, y)
                        if monotone {
                            if y == latest { continue }  // also −0 == 0
                            latest = y
                        } else {
                            let key = y == 0 ? 0 : y  // −0 and 0 are duplicates
                            if seen.contains(key) { continue }
                            seen.insert(key)
                        }
                    }
                    visit(time[i], y)
                }
            }}}
        }
        let xmax = time.last ?? 0
        return probabilities.indices.map { k -> Double? in
            let p = probabilities[k]
            if maxY < p { return nil }
            // approx is NA outside [min knot, max knot] of each shifted set.
            func result(_ s: Search) -> Double? { p >= minY + s.shift && p <= maxVisitedY + s.shift ? s.bestX : nil }
            let x1 = result(above[k]), x2 = result(below[k])
            var q: Double? = nil
            if let a = x1, let b = x2 { q = (a + b) / 2 }
            if p == 0 { q = 0 }
            if !lastY.isNaN, Swift.abs(p - lastY) < tol {
                q = x1.map { ($0 + xmax) / 2 }
            }
            return q
        }
    }

    /// The median as `print(fit)` and `summary(fit)$table` show it (`survmean`'s
    /// `minmin`): the first time at which the curve is below 0.5 + 1.5e-8, or, if the
    /// curve there equals 0.5 (within 1.5e-8), the midpoint between that time and the
    /// first time the curve falls further. The limits apply the same rule to the lower
    /// and upper confidence curves. It equals `median` unless a confidence curve rises
    /// (possible for `log`, `logit`, `plain` upper limits after a large drop in the
    /// number at risk), where `quantile` (R's `approx` on the sorted curve) and this rule
    /// pick different times.
    /// - Complexity: O(m).
    public var printedMedian: QuantileEstimate {
        QuantileEstimate(probability: 0.5,
                         estimate: Self.firstBelowHalf(time: time, curve: survival),
                         lower: Self.firstBelowHalf(time: time, curve: lower),
                         upper: Self.firstBelowHalf(time: time, curve: upper))
    }

    /// `minmin(curve, time)` of `survival:::survmean`.
    static func firstBelowHalf(time: [Double], curve: [Double]) -> Double? {
        let tol = quantileTolerance
        guard let first = curve.indices.first(where: { !curve[$0].isNaN && curve[$0] < 0.5 + tol }) else { return nil }
        let y1 = curve[first]
        if Swift.abs(y1 - 0.5) < tol,
           let next = curve.indices.first(where: { $0 > first && !curve[$0].isNaN && curve[$0] < 0.5 + tol && curve[$0] < y1 }) {
            return (time[first] + time[next]) / 2
        }
        return time[first]
    }

    /// Restricted mean survival time ∫₀^τ S(t) dt and its standard error, as
    /// `print(fit, rmean = tau)` / `summary(fit, rmean = tau)$table` (`survmean`):
    /// the area is a sum of rectangles under the step function from time 0; beyond the
    /// last time the last value of S is carried forward to τ (so an RMST past the end of
    /// follow-up assumes no further events). The variance is
    /// Σ_{tᵢ ≤ τ} dᵢ/(nᵢ(nᵢ − dᵢ)) · (∫_{tᵢ}^τ S)², with the term 0 where nᵢ = dᵢ.
    /// - Precondition: τ ≥ 0 (R refuses τ below the first time of a curve without
    ///   `start.time`; here τ in [0, first time) gives τ with se 0).
    /// - Complexity: O(m).
    public func restrictedMean(tau: Double) -> RestrictedMean {
        precondition(tau >= 0, "restrictedMean: tau must be ≥ 0, is \(tau)")
        let kept = upperBound(time, tau)
        // Rectangles: r₀ = (t₀ − 0)·1, rⱼ = (tⱼ − tⱼ₋₁)·S(tⱼ₋₁), last = (τ − t_last)·S(t_last),
        // each computed where it is added (no array of them: docs/PERFORMANCE.md,
        // "analyze's memory"); the area their sum, the variance Σ_j h_j (r_{j+1} + … +
        // r_kept)² accumulated from the end — in C (`nensim_km_restricted_mean`).
        var mean = 0.0, variance = 0.0
        time.withUnsafeBufferPointer { t in survival.withUnsafeBufferPointer { s in
        nRisk.withUnsafeBufferPointer { n in nEvent.withUnsafeBufferPointer { d in
            nensim_km_restricted_mean(t.baseAddress, s.baseAddress, n.baseAddress, d.baseAddress, Int64(kept), tau, &mean, &variance)
        }}}}
        return RestrictedMean(tau: tau, estimate: mean, standardError: variance.squareRoot())
    }
}

/// Comparisons of restricted means.
public enum RMST {
    /// Difference `a − b` of two restricted means from independent samples, with
    /// se = √(se_a² + se_b²) and the normal-theory interval at `confidenceLevel`.
    /// - Precondition: both to the same τ.
    public static func difference(_ a: RestrictedMean, _ b: RestrictedMean, confidenceLevel: Double = 0.95)
        -> (estimate: Double, se: Double, lower: Double, upper: Double) {
        precondition(a.tau == b.tau, "RMST.difference: restricted means to different tau (\(a.tau), \(b.tau))")
        let est = a.estimate - b.estimate
        let se = (a.standardError * a.standardError + b.standardError * b.standardError).squareRoot()
        let z = Distributions.normalQuantile(1 - (1 - confidenceLevel) / 2)
        return (est, se, est - z * se, est + z * se)
    }
}
