import Foundation

/// The two-group event table behind weighted log-rank tests: one row per distinct event
/// time with the numbers at risk and events per group and the pooled Kaplan–Meier
/// survival just before it (docs/TRIAL.md, "Tests for non-proportional hazards").
public struct TwoGroupEventTable: Sendable {
    public var time: [Double] = []
    /// At risk and events: group 0 (control) and group 1 (experimental).
    public var atRisk0: [Double] = [], atRisk1: [Double] = []
    public var events0: [Double] = [], events1: [Double] = []
    /// Pooled Kaplan–Meier S(t−) at each row.
    public var survivalBefore: [Double] = []

    /// Builds the table.
    /// Contract: `time`, `event`, `group` have one entry per subject (same length n);
    /// times finite and ≥ 0, in any order; `group` 0 or 1. Ties are R's (`TimeFix`, the
    /// module's one tie policy): times within √ε are one time; censorings at an event
    /// time are at risk at it, as in `survival`.
    /// - Complexity: O(n log n).
    public init(time: [Double], event: [Bool], group: [UInt8]) {
        precondition(time.count == event.count && time.count == group.count, "time, event and group differ in length")
        let time = TimeFix.fixed(time) ?? time
        let n = time.count
        // Sort (time, code) with code = group | event << 1 packed beside the time.
        var keyed = [(Double, UInt8)](unsafeUninitializedCapacity: n) { buf, count in
            for j in 0..<n { buf[j] = (time[j], group[j] | (event[j] ? 2 : 0)) }
            count = n
        }
        keyed.sort { $0.0 < $1.0 }
        var r0 = Double(group.count { $0 == 0 }), r1 = Double(n) - r0
        var s = 1.0
        var i = 0
        while i < n {
            let t = keyed[i].0
            var d0 = 0.0, d1 = 0.0, c0 = 0.0, c1 = 0.0
            while i < n, keyed[i].0 == t {
                switch keyed[i].1 {
                case 3: d1 += 1
                case 1: c1 += 1
                case 2: d0 += 1
                default: c0 += 1
                }
                i += 1
            }
            if d0 + d1 > 0 {
                self.time.append(t)
                atRisk0.append(r0); atRisk1.append(r1); events0.append(d0); events1.append(d1)
                survivalBefore.append(s)
                s *= 1 - (d0 + d1) / (r0 + r1)
            }
            r0 -= d0 + c0
            r1 -= d1 + c1
        }
    }

    /// Σ w (O₁ − E₁) and the weighted hypergeometric covariances Σ wᵢ wⱼ v of several
    /// weight functions at once. `weights(k)` returns row k's weights (one per function).
    /// - Returns: U (per function) and V (row-major, m × m).
    public func scores(functions m: Int, _ weights: (Int) -> [Double]) -> (u: [Double], v: [Double]) {
        var u = [Double](repeating: 0, count: m), v = [Double](repeating: 0, count: m * m)
        for k in 0..<time.count {
            let n = atRisk0[k] + atRisk1[k], d = events0[k] + events1[k]
            let e1 = d * atRisk1[k] / n
            let var1 = n > 1 ? d * (n - d) * atRisk0[k] * atRisk1[k] / (n * n * (n - 1)) : 0
            let w = weights(k)
            for a in 0..<m {
                u[a] += w[a] * (events1[k] - e1)
                for b in 0..<m { v[a * m + b] += w[a] * w[b] * var1 }
            }
        }
        return (u, v)
    }
}

/// A one-degree-of-freedom weighted log-rank test, oriented so that z > 0 favours
/// group 1 (fewer events than expected): z = −U/√V.
public struct WeightedLogRankResult: Sendable, Equatable {
    public var u: Double
    public var variance: Double
    public var z: Double
    /// One-sided p in group 1's favour, 1 − Φ(z), and two-sided 2(1 − Φ(|z|)).
    public var pOneSided: Double
    public var pTwoSided: Double

    init(u: Double, variance: Double) {
        self.u = u
        self.variance = variance
        z = variance > 0 ? -u / variance.squareRoot() : 0
        pOneSided = Distributions.normalSurvival(z)
        pTwoSided = 2 * Distributions.normalSurvival(abs(z))
    }
}

/// The Fleming–Harrington G(ρ, γ) weighted log-rank test of two groups: weight
/// S(t−)^ρ (1 − S(t−))^γ with S the pooled Kaplan–Meier curve (0⁰ = 1). G(ρ, 0) is
/// `survdiff(rho = ρ)`: z² equals its χ² (NonProportionalTests).
public enum FlemingHarringtonTest {
    /// - Complexity: O(rows of the table).
    public static func test(_ table: TwoGroupEventTable, rho: Double, gamma: Double) -> WeightedLogRankResult {
        let (u, v) = table.scores(functions: 1) {
            let s = table.survivalBefore[$0]
            return [pow(s, rho) * pow(1 - s, gamma)]
        }
        return WeightedLogRankResult(u: u[0], variance: v[0])
    }
}

/// The modestly weighted log-rank test of Magirr & Burman (Statistics in Medicine 38
/// (2019) 4946–4961): weight 1 / max(S(t−), S(t*)) with S the pooled Kaplan–Meier
/// curve, so early times weigh 1 and weights rise until t*, then stay.
public enum ModestlyWeightedLogRank {
    /// - Parameter tStar: the time after which the weight stops rising (> 0).
    /// - Complexity: O(n log n).
    public static func test(_ table: TwoGroupEventTable, tStar: Double) -> WeightedLogRankResult {
        // S(t*) of the pooled KM: the survival after the last event time ≤ t*.
        var sStar = 1.0
        for k in 0..<table.time.count where table.time[k] <= tStar {
            let n = table.atRisk0[k] + table.atRisk1[k]
            sStar = table.survivalBefore[k] * (1 - (table.events0[k] + table.events1[k]) / n)
        }
        let (u, v) = table.scores(functions: 1) { [1 / max(table.survivalBefore[$0], sStar)] }
        return WeightedLogRankResult(u: u[0], variance: v[0])
    }
}
