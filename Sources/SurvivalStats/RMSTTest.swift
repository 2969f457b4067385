import Foundation

/// The two-group test of restricted mean survival times (docs/TRIAL.md, "RMST test").
extension RMST {
    /// The difference of restricted means to τ, group 1 − group 0, of records
    /// `time[i]`, `event[i]`, `group[i]` (0 or 1): each group's Kaplan–Meier RMST and
    /// its standard error as R's `print(survfit(Surv(time, event) ~ group), rmean = τ)`
    /// gives them (`survmean`; `KaplanMeierEstimate.restrictedMean(tau:)`), the times
    /// first fixed together (R's `aeqSurv` over the whole data set), se of the
    /// difference √(se₀² + se₁²), z = difference / se and its normal p-values.
    ///
    /// Contract: the three arrays have one entry per record, the same length; times
    /// finite and ≥ 0; τ > 0. A group without records has RMST 0 with se 0.
    /// - Returns: `z` > 0 when group 1 lives longer; `pOneSided` = 1 − Φ(z) (group 1
    ///   better), `pTwoSided` = 2(1 − Φ(|z|)); with se 0, z = 0 and both p are 1.
    /// - Complexity: O(n log n).
    public static func test(time: [Double], event: [Bool], group: [UInt8], tau: Double)
        -> (difference: Double, standardError: Double, z: Double, pOneSided: Double, pTwoSided: Double) {
        precondition(time.count == event.count && time.count == group.count, "RMST.test: arrays of different lengths")
        precondition(tau > 0, "RMST.test: tau must be positive, is \(tau)")
        let fixed = TimeFix.fixed(time) ?? time
        var means: [RestrictedMean] = []
        for g: UInt8 in [0, 1] {
            let idx = group.indices.filter { group[$0] == g }
            guard !idx.isEmpty else { means.append(RestrictedMean(tau: tau, estimate: 0, standardError: 0)); continue }
            let counts = SurvivalCounts(time: idx.map { fixed[$0] }, event: idx.map { event[$0] }, timefix: false)
            means.append(KaplanMeier.fit(counts).restrictedMean(tau: tau))
        }
        let d = difference(means[1], means[0])
        guard d.se > 0, d.se.isFinite else { return (d.estimate, d.se, 0, 1, 1) }
        let z = d.estimate / d.se
        return (d.estimate, d.se, z, Distributions.normalCDF(-z), 2 * Distributions.normalCDF(-abs(z)))
    }
}
