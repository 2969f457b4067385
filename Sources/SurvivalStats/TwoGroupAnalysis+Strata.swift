import Foundation

/// The stratified two-group analysis of a trial replicate: stratified log-rank /
/// Fleming–Harrington (R `survdiff(... ~ group + strata(s))`), stratified Cox (Efron
/// ties, R `coxph(... ~ group + strata(s))`) and the arms' unstratified Kaplan–Meier
/// medians, from one sorted pass (docs/TRIAL.md, "Stratification").
extension TwoGroupWorkspace {
    /// Most strata a stratified analysis takes: the stratum rides in the sort key's low
    /// mantissa bits (`strataBits`), at most 6 of them.
    public static let maxStrata = 64

    /// Bits of the sort key holding the stratum: ⌈log₂ strata⌉.
    static func strataBits(_ strata: Int) -> Int {
        var bits = 0
        while (1 << bits) < strata { bits += 1 }
        return bits
    }

    /// Analyses records `0..<count` stratified by `stratum[0..<count]`.
    ///
    /// Contract: as `analyze(count:rho:gamma:)`, and `stratum[i] < strata ≤ maxStrata`.
    /// With `strata` ≤ 1 this is `analyze(count:rho:gamma:)` (the stratum is ignored).
    /// The time fix is R's, over all records together (as `survdiff` and `coxph` apply
    /// `aeqSurv` before splitting by stratum). Each stratum has its own risk sets, and
    /// its own pooled Kaplan–Meier S(t−) for the Fleming–Harrington weights (as
    /// `survdiff2.c`); the Cox partial likelihood is the sum of the strata's. The medians
    /// are each arm's Kaplan–Meier median over all strata (not stratified). The sort key
    /// holds the time with its 2 + ⌈log₂ strata⌉ lowest mantissa bits replaced by the
    /// record's (stratum, group, event), so times are truncated by at most
    /// 2^(2 + ⌈log₂ strata⌉) − 1 ulp (255 ulp, relative 6e-14, for 64 strata) before
    /// the time fix.
    /// - Complexity: O(n log n) for the sort, then O(n + strata · distinct times) for
    ///   the rows and O(Σ d) per Newton step.
    public func analyze(count n: Int, rho: Double = 0, gamma: Double = 0, strata: Int) -> TwoGroupStatistics {
        guard strata > 1 else { return analyze(count: n, rho: rho, gamma: gamma) }
        precondition(strata <= Self.maxStrata, "TwoGroupWorkspace: \(strata) strata, at most \(Self.maxStrata)")
        precondition(n <= time.count, "TwoGroupWorkspace: count \(n) exceeds capacity \(time.count)")
        let mask: UInt64 = (1 << UInt64(2 + Self.strataBits(strata))) - 1
        for i in 0..<n {
            precondition(time[i] >= 0, "TwoGroupWorkspace: time[\(i)] = \(time[i]) is not a time ≥ 0")
            precondition(Int(stratum[i]) < strata, "TwoGroupWorkspace: stratum[\(i)] = \(stratum[i]) is not below \(strata)")
            order[i] = (time[i].bitPattern & ~mask) | UInt64(stratum[i]) << 2 | UInt64(group[i] | (event[i] ? 2 : 0))
        }
        sortKeys(count: n)
        var built = buildStratifiedRows(count: n, strata: strata, mask: mask, meanAbs: nil)
        if built == nil {
            built = buildStratifiedRows(count: n, strata: strata, mask: mask, meanAbs: Self.meanDistinctTime(order, count: n, mask: mask))
        }
        let (rows, e0, e1, median0, median1) = built!

        // Stratified log-rank / Fleming–Harrington: each row's stratum's pooled KM S(t−).
        let pooled = cells.baseAddress!
        for s in 0..<strata { pooled[s] = 1 }
        var oMinusE = 0.0, v = 0.0
        for r in 0..<rows {
            let s = Int(rowStratum[r])
            let n0 = rowRisk0[r], n1 = rowRisk1[r], d0 = rowDeaths0[r], d1 = rowDeaths1[r]
            let nn = n0 + n1, d = d0 + d1
            var w = 1.0
            if rho != 0 { w *= pow(pooled[s], rho) }
            if gamma != 0 { w *= pow(1 - pooled[s], gamma) }
            let oe = d1 - d * n1 / nn
            let vv = nn > 1 ? d * (nn - d) / (nn - 1) * (n1 / nn) * (n0 / nn) : 0
            oMinusE += w * oe
            v += w * w * vv
            pooled[s] *= (nn - d) / nn
        }
        let cox = fitCox(rows: rows, events0: e0, events1: e1)
        return TwoGroupStatistics(eventsControl: e0, eventsExperimental: e1, observedMinusExpected: oMinusE, variance: v,
                                  logHazardRatio: cox.beta, standardError: cox.se, coxConverged: cox.converged,
                                  medianControl: median0, medianExperimental: median1)
    }

    /// The rows of a stratified analysis from the sorted keys `order[0..<n]`: one per
    /// (distinct fixed event time, stratum with deaths then), in ascending time, with
    /// that stratum's numbers at risk just before and deaths per group; the time fix as
    /// `buildRows` (over all strata together). Each arm's Kaplan–Meier curve over all
    /// strata is followed along the same walk for its median. `cells` holds, per
    /// stratum s, at 8s: risk₀, risk₁, d₀, d₁, c₀, c₁ and whether s is in the pending
    /// list. Returns nil when a gap cannot be decided without the mean (as `buildRows`).
    private func buildStratifiedRows(count n: Int, strata: Int, mask: UInt64, meanAbs: Double?)
        -> (rows: Int, events0: Int, events1: Int, median0: Double, median1: Double)? {
        guard n > 0 else { return (0, 0, 0, .nan, .nan) }
        let c = cells.baseAddress!
        for k in 0..<(8 * strata) { c[k] = 0 }
        let stratumMask = UInt64((1 << Self.strataBits(strata)) - 1)
        var total0 = 0.0, total1 = 0.0
        for i in 0..<n {
            let s = Int((order[i] >> 2) & stratumMask)
            if order[i] & 1 == 0 { c[8 * s] += 1; total0 += 1 } else { c[8 * s + 1] += 1; total1 += 1 }
        }
        let tol = TimeFix.tolerance
        let maxAbs = Double(bitPattern: order[n - 1] & ~mask)
        // Strata with records at the current cut, in the order first seen (≤ strata).
        var pending = [Int](repeating: 0, count: strata)
        var pendingCount = 0
        var rows = 0, e0 = 0, e1 = 0
        var risk0 = total0, risk1 = total1
        var km0 = 1.0, km1 = 1.0
        var median0 = MedianTracker(), median1 = MedianTracker()
        var cut = Double(bitPattern: order[0] & ~mask), last = cut
        func close() {
            var d0 = 0.0, d1 = 0.0
            for p in 0..<pendingCount {
                let s = pending[p], b = 8 * s
                let sd0 = c[b + 2], sd1 = c[b + 3]
                if sd0 + sd1 > 0 {
                    rowTime[rows] = cut; rowStratum[rows] = UInt8(s)
                    rowRisk0[rows] = c[b]; rowRisk1[rows] = c[b + 1]
                    rowDeaths0[rows] = sd0; rowDeaths1[rows] = sd1
                    rows += 1
                }
                d0 += sd0; d1 += sd1
                c[b] -= sd0 + c[b + 4]; c[b + 1] -= sd1 + c[b + 5]
                c[b + 2] = 0; c[b + 3] = 0; c[b + 4] = 0; c[b + 5] = 0; c[b + 6] = 0
            }
            pendingCount = 0
            // Each arm's Kaplan–Meier curve over all strata (for its median).
            if d0 > 0 { km0 *= (risk0 - d0) / risk0; median0.observe(time: cut, survival: km0) }
            if d1 > 0 { km1 *= (risk1 - d1) / risk1; median1.observe(time: cut, survival: km1) }
            e0 += Int(d0); e1 += Int(d1)
        }
        var removed0 = 0.0, removed1 = 0.0
        for i in 0..<n {
            let key = order[i]
            let t = Double(bitPattern: key & ~mask)
            if t != last {
                let dy = t - last
                guard let tied = TimeFix.ties(dy, meanAbs: meanAbs, tolerance: tol, maxAbs: maxAbs) else { return nil }
                if !tied {
                    close()
                    risk0 = total0 - removed0; risk1 = total1 - removed1
                    cut = t
                }
                last = t
            }
            let s = Int((key >> 2) & stratumMask), b = 8 * s
            if c[b + 6] == 0 { c[b + 6] = 1; pending[pendingCount] = s; pendingCount += 1 }
            switch key & 3 {
            case 0: c[b + 4] += 1; removed0 += 1
            case 1: c[b + 5] += 1; removed1 += 1
            case 2: c[b + 2] += 1; removed0 += 1
            default: c[b + 3] += 1; removed1 += 1
            }
        }
        close()
        return (rows, e0, e1, median0.median, median1.median)
    }
}
