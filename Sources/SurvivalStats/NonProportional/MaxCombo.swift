import Foundation

/// The MaxCombo test: the largest of the Fleming–Harrington G(0,0), G(0,1), G(1,0) and
/// G(1,1) weighted log-rank z statistics (weights S(t−)^ρ (1 − S(t−))^γ, pooled KM),
/// each oriented so that z > 0 favours group 1, with its one-sided p-value from their
/// joint normal law (docs/TRIAL.md, "Tests for non-proportional hazards").
public struct MaxComboResult: Sendable, Equatable {
    /// z of G(0,0), G(0,1), G(1,0), G(1,1), in that order (0 where a variance is 0).
    public var z: [Double]
    /// Their correlation matrix, row-major 4 × 4; rank 3, since the G(0,0) weight is the
    /// sum of the G(0,1) and G(1,0) weights.
    public var correlation: [Double]
    public var zMax: Double
    /// P(max Zⱼ ≥ zMax) under H0: one-sided, in group 1's favour.
    public var pOneSided: Double
    /// Standard deviations of the four scores.
    public var scoreSD: [Double]

    /// The one-sided p-value the other way (group 0's favour): P(max(−Zⱼ) ≥ max(−zⱼ)).
    public var pOneSidedReversed: Double {
        min(1, max(0, 1 - MaxCombo.probabilityAllBelow(z.map { -$0 }.max()!, correlation: correlation, sd: scoreSD)))
    }

    /// The two-sided p-value min(1, 2 min(p, p′)) over both directions (Bonferroni,
    /// conservative). When every zⱼ ≥ 0, max(−zⱼ) ≤ 0 and p′ ≥ P(−Z₀₀ ≥ 0) = ½, so p′
    /// cannot be the smaller for p < 0.49 (the margin covers the integral's 1e-10): then
    /// 2p, the same value, without p′'s integral (docs/PERFORMANCE-TRIAL.md).
    public var pTwoSided: Double {
        if pOneSided < 0.49, z.allSatisfy({ $0 >= 0 }) { return min(1, 2 * pOneSided) }
        return min(1, 2 * min(pOneSided, pOneSidedReversed))
    }
}

public enum MaxCombo {
    /// The (ρ, γ) pairs, in result order.
    public static let weights: [(rho: Double, gamma: Double)] = [(0, 0), (0, 1), (1, 0), (1, 1)]

    /// - Complexity: O(n log n) for the table, then O(1): the p-value is one 1-D
    ///   Gauss–Legendre integral of bivariate normal probabilities.
    public static func test(_ table: TwoGroupEventTable) -> MaxComboResult {
        // The four weights 1, 1 − S, S, S(1 − S) per row, summed without per-row arrays.
        var u = [Double](repeating: 0, count: 4), v = [Double](repeating: 0, count: 16)
        for k in 0..<table.time.count {
            let n = table.atRisk0[k] + table.atRisk1[k], d = table.events0[k] + table.events1[k]
            let o = table.events1[k] - d * table.atRisk1[k] / n
            let h = n > 1 ? d * (n - d) * table.atRisk0[k] * table.atRisk1[k] / (n * n * (n - 1)) : 0
            let s = table.survivalBefore[k]
            let w = (1.0, 1 - s, s, s * (1 - s))
            u[0] += w.0 * o; u[1] += w.1 * o; u[2] += w.2 * o; u[3] += w.3 * o
            let x = (w.0 * h, w.1 * h, w.2 * h, w.3 * h)
            v[0] += w.0 * x.0; v[1] += w.0 * x.1; v[2] += w.0 * x.2; v[3] += w.0 * x.3
            v[5] += w.1 * x.1; v[6] += w.1 * x.2; v[7] += w.1 * x.3
            v[10] += w.2 * x.2; v[11] += w.2 * x.3
            v[15] += w.3 * x.3
        }
        for a in 0..<4 { for b in 0..<a { v[a * 4 + b] = v[b * 4 + a] } }
        let sd = (0..<4).map { v[$0 * 4 + $0].squareRoot() }
        let z = (0..<4).map { sd[$0] > 0 ? -u[$0] / sd[$0] : 0 }
        var r = [Double](repeating: 0, count: 16)
        for a in 0..<4 { for b in 0..<4 { r[a * 4 + b] = sd[a] > 0 && sd[b] > 0 ? v[a * 4 + b] / (sd[a] * sd[b]) : (a == b ? 1 : 0) } }
        let zMax = z.max()!
        let p = 1 - probabilityAllBelow(zMax, correlation: r, sd: sd)
        return MaxComboResult(z: z, correlation: r, zMax: zMax, pOneSided: min(1, max(0, p)), scoreSD: sd)
    }

    /// P(Zⱼ ≤ c for all four) for the MaxCombo statistics, by the exact reduction
    /// Z₀₀ = (σ₀₁ Z₀₁ + σ₁₀ Z₁₀)/σ₀₀ (σ the standard deviations of the scores):
    ///
    ///     P = ∫_{−∞}^{c} φ(a) Φ₂(w_max(a), k(a); ρ′) da,
    ///
    /// a = Z₀₁, Z₁₀ = r a + √(1 − r²) W, Z₁₁ | (a, W) normal, w_max(a) from Z₁₀ ≤ c and the
    /// Z₀₀ constraint, Φ₂ the bivariate normal CDF (`bivariateNormalCDF`). The integrand
    /// has one kink, where the two constraints on W cross; the integral is split there
    /// and each piece done by 64-point Gauss–Legendre after mapping (−∞, ·] to a finite
    /// range (a ≥ −12: the neglected mass is below Φ(−12) ≈ 2e-33). Accuracy about 1e-10
    /// (checked against a direct integration of the singular four-dimensional normal,
    /// R's `mvtnorm::pmvnorm`, in the tests). Degenerate cases (a zero variance, |r| = 1)
    /// fall back to the statistics that remain.
    static func probabilityAllBelow(_ c: Double, correlation r: [Double], sd: [Double]) -> Double {
        func rho(_ a: Int, _ b: Int) -> Double { r[a * 4 + b] }
        // Degenerate: without Z01 or Z10, Z00 equals the other one; two statistics remain.
        if sd[1] == 0 || sd[2] == 0 {
            let other = sd[1] == 0 ? 2 : 1
            if sd[other] == 0 { return sd[3] > 0 ? Distributions.normalCDF(c) * (sd[0] > 0 ? 1 : 1) : 1 }
            return Distributions.bivariateNormalCDF(c, c, rho(other, 3))
        }
        let rab = rho(1, 2)
        let q = max(0, 1 - rab * rab).squareRoot()
        // Z11 = α a + β b + s V (regression on a = Z01, b = Z10).
        let det = 1 - rab * rab
        let r1c = rho(1, 3), r2c = rho(2, 3)
        var alpha = 0.0, beta = 0.0, s2 = 1.0
        if det > 1e-14 {
            alpha = (r1c - rab * r2c) / det
            beta = (r2c - rab * r1c) / det
            s2 = max(0, 1 - (alpha * r1c + beta * r2c))
        } else {
            alpha = r1c
            s2 = max(0, 1 - r1c * r1c)
        }
        let s = s2.squareRoot()
        let sigma01 = sd[1], sigma10 = sd[2], sigma00 = sd[0]
        let scale = (beta * beta * q * q + s * s).squareRoot()
        let rhoPrime = scale > 0 ? beta * q / scale : 0
        let phi2 = BivariateNormal(correlation: rhoPrime) // one correlation for all 128 nodes
        func integrand(_ a: Double) -> Double {
            let bmax = min(c, (sigma00 * c - sigma01 * a) / sigma10)
            let mean = (alpha + beta * rab) * a
            if q < 1e-12 {
                guard rab * a <= bmax else { return 0 }
                let cc = c - mean - beta * 0
                return Distributions.normalPDF(a) * (s > 0 ? Distributions.normalCDF(cc / s) : (cc >= 0 ? 1 : 0))
            }
            let wmax = (bmax - rab * a) / q
            let k = c - mean
            let inner: Double
            if scale > 0 {
                inner = phi2.cdf(wmax, k / scale)
            } else {
                inner = k >= 0 ? Distributions.normalCDF(wmax) : 0
            }
            return Distributions.normalPDF(a) * inner
        }
        let lower = -12.0
        guard c > lower else { return 0 }
        var cuts = [lower]
        let kink = (sigma00 - sigma10) * c / sigma01
        if kink > lower, kink < c { cuts.append(kink) }
        cuts.append(c)
        var total = 0.0
        for i in 0..<(cuts.count - 1) { total += GaussLegendre.integrate(cuts[i], cuts[i + 1], integrand) }
        return total
    }
}

/// 64-point Gauss–Legendre quadrature (nodes by Newton's method on P₆₄, computed once).
enum GaussLegendre {
    static let rule: (x: [Double], w: [Double]) = {
        let n = 64
        var x = [Double](repeating: 0, count: n), w = x
        for i in 0..<n {
            var z = cos(Double.pi * (Double(i) + 0.75) / (Double(n) + 0.5))
            var dp = 0.0
            for _ in 0..<100 {
                var p1 = 1.0, p2 = 0.0
                for j in 1...n {
                    let p3 = p2
                    p2 = p1
                    p1 = ((2 * Double(j) - 1) * z * p2 - (Double(j) - 1) * p3) / Double(j)
                }
                dp = Double(n) * (z * p1 - p2) / (z * z - 1)
                let dz = p1 / dp
                z -= dz
                if abs(dz) < 1e-15 { break }
            }
            x[i] = z
            w[i] = 2 / ((1 - z * z) * dp * dp)
        }
        return (x, w)
    }()

    static func integrate(_ a: Double, _ b: Double, _ f: (Double) -> Double) -> Double {
        let m = 0.5 * (b - a), c = 0.5 * (b + a)
        var s = 0.0
        for i in 0..<rule.x.count { s += rule.w[i] * f(c + m * rule.x[i]) }
        return s * m
    }
}
