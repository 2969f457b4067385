import Foundation

/// The sums over the m Efron terms of one tied time, in O(1) whatever m
/// (docs/STATISTICS-COX.md, "Efron ties in closed form").
///
/// Contract: `terms` m ≥ 1; `s0` ≥ 0, the risk-set sum without the tie's deaths; `d0` > 0,
/// the deaths' own sum (finite; otherwise every sum is NaN, as a diverging step's). The k-th term (k = 1…m) has the denominator
/// S₀⁽ᵏ⁾ = s0 + (k/m)·d0, and the four sums are
///
///     logDenominators   Σ_k log S₀⁽ᵏ⁾          (subtracted from ℓ)
///     inverse           Σ_k 1 / S₀⁽ᵏ⁾           (the risk-set coefficient; U and Σ ā āᵀ)
///     fraction          Σ_k (k/m) / S₀⁽ᵏ⁾       (the deaths' own coefficient)
///     inverseSquare     Σ_k 1 / S₀⁽ᵏ⁾²          (Σ ā āᵀ)
///
/// Method. With q = d0/m and a = m·s0/d0, S₀⁽ᵏ⁾ = q (a + k), so the sums are those of
/// log(a+k), 1/(a+k), k/(a+k) and 1/(a+k)² over k = 1…m: log-gamma, digamma and trigamma
/// differences. For a < 16 the first terms (at most 16) are added one by one until the
/// shifted base is at least 16; the rest come from the Euler–Maclaurin formula over
/// k = 0…m (exact sums of the Bernoulli series, seven terms, truncation below 10⁻¹⁸
/// relative at a ≥ 16). Every difference of powers a⁻ᵖ − (a+m)⁻ᵖ is built by the
/// recurrence Dₚ₊₁ = a⁻¹ Dₚ + (a+m)⁻ᵖ D₁ from D₁ = m / (a(a+m)), all terms positive, and
/// Σ k/(a+k) uses x − log(1+x) (x = m/a) by its series for small x, so no sum loses
/// digits to cancellation when a ≫ m — the case of a grid cell deep inside a large
/// risk set. Agreement with the term-by-term loop: within 1e-12 relative
/// (`EfronTieSumsTests`).
/// - Complexity: O(1): at most 16 direct terms and 15 recurrence steps.
struct EfronTieSums: Equatable {
    var logDenominators: Double
    var inverse: Double
    var fraction: Double
    var inverseSquare: Double

    /// The smallest base at which the Euler–Maclaurin series is used.
    static let asymptoticBase = 16.0

    init(logDenominators: Double, inverse: Double, fraction: Double, inverseSquare: Double) {
        self.logDenominators = logDenominators; self.inverse = inverse
        self.fraction = fraction; self.inverseSquare = inverseSquare
    }

    init(terms m: Int, s0: Double, d0: Double) {
        precondition(m >= 1, "Efron tie: need m ≥ 1 terms")
        let md = Double(m)
        guard s0.isFinite, d0.isFinite, s0 >= 0, d0 >= 0, s0 + d0 > 0 else {
            // A diverging step (the caller halves it) or an empty tie: no finite sums.
            self.init(logDenominators: .nan, inverse: .nan, fraction: .nan, inverseSquare: .nan)
            return
        }
        let q = d0 / md
        var a = md * s0 / d0
        if !(a <= 1e250) {
            // The deaths are below the last bit of the risk set: every S₀⁽ᵏ⁾ is s0.
            self.init(logDenominators: md * log(s0), inverse: md / s0, fraction: (md + 1) / 2 / s0, inverseSquare: md / (s0 * s0))
            return
        }
        // Σ over k of log(a+k), 1/(a+k), k/(a+k), 1/(a+k)²; `shift` counts the direct terms.
        var logSum = 0.0, h1 = 0.0, kSum = 0.0, h2 = 0.0
        var remaining = m, shift = 0
        while remaining > 0 && a < EfronTieSums.asymptoticBase {
            shift += 1
            let z = a + 1
            logSum += log(z); h1 += 1 / z; kSum += Double(shift) / z; h2 += 1 / (z * z)
            a = z; remaining -= 1
        }
        if remaining > 0 {
            // Terms shift+1 … m are (shift + j)/(a + j) over j = 1 … remaining.
            let tail = EfronTieSums.asymptotic(base: a, count: Double(remaining))
            logSum += tail.log; h1 += tail.h1; h2 += tail.h2
            kSum += tail.k + Double(shift) * tail.h1
        }
        self.init(logDenominators: md * log(q) + logSum, inverse: h1 / q, fraction: kSum / d0, inverseSquare: h2 / (q * q))
    }

    /// B₂ⱼ, j = 1…7.
    private static let bernoulli: [Double] = [1.0 / 6, -1.0 / 30, 1.0 / 42, -1.0 / 30, 5.0 / 66, -691.0 / 2730, 7.0 / 6]
    /// The series' constant factors, each the same IEEE expression as written in the
    /// series (so the same bits), computed once instead of per tie: B₂ⱼ/(2j(2j − 1)) (the
    /// log-gamma terms) and B₂ⱼ/(2j) (the digamma terms), j = 1…7.
    private static let logFactors: [Double] = (1...7).map { (j: Int) -> Double in
        let b: Double = bernoulli[j - 1], tj = Double(2 * j)
        return b / (tj * (tj - 1))
    }
    private static let digammaFactors: [Double] = (1...7).map { (j: Int) -> Double in
        let b: Double = bernoulli[j - 1], tj = Double(2 * j)
        return b / tj
    }

    /// Σ_{j=1}^{m} of log(a+j), 1/(a+j), j/(a+j), 1/(a+j)² for a ≥ 16 (Euler–Maclaurin over
    /// j = 0…m; see the type's method).
    private static func asymptotic(base a: Double, count m: Double) -> (log: Double, h1: Double, k: Double, h2: Double) {
        let u = 1 / a, v = 1 / (a + m), x = m / a
        // D[p] = a⁻ᵖ − (a+m)⁻ᵖ for p = 1…15, on the stack: this runs once per tied time
        // per Newton step (a heap array here was a fifth of a PSA draw's Cox fits).
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: 16) { d in
            d[0] = 0
            d[1] = m * u * v
            var vp = v
            for p in 1..<15 {
                d[p + 1] = u * d[p] + vp * d[1]
                vp *= v
            }
            let l1 = log1p(x)
            var logSum = m * log(a + m) + a * l1 - m + 0.5 * l1
            var h1 = l1 - 0.5 * d[1]
            var h2 = d[1] - 0.5 * d[2]
            var kCorrection = 0.0
            let logFactors = EfronTieSums.logFactors, digammaFactors = EfronTieSums.digammaFactors
            let bernoulli = EfronTieSums.bernoulli
            for j in 1...7 {
                let b = bernoulli[j - 1], digamma = digammaFactors[j - 1]
                logSum -= logFactors[j - 1] * d[2 * j - 1]
                h1 += digamma * d[2 * j]
                kCorrection += digamma * d[2 * j]
                h2 += b * d[2 * j + 1]
            }
            // Σ j/(a+j) = ∫₀ᵐ + (g(m) − g(0))/2 + Bernoulli terms, g(j) = j/(a+j).
            let k = a * xMinusLog1p(x) + m / (2 * (a + m)) - a * kCorrection
            return (logSum, h1, k, h2)
        }
    }

    /// x − log(1 + x) for x ≥ 0 without cancellation: its series Σ (−x)ⁿ/n (n ≥ 2) below
    /// x = 1/4, directly above (where the two differ by more than a tenth of x).
    static func xMinusLog1p(_ x: Double) -> Double {
        guard x < 0.25 else { return x - log1p(x) }
        var sum = 0.0, power = x * x, n = 2.0
        while true {
            let term = power / n
            sum += term
            if term <= 1e-17 * sum { break }
            power *= -x; n += 1
            let next = power / n
            sum += next
            if -next <= 1e-17 * sum { break }
            power *= -x; n += 1
        }
        return sum
    }
}
