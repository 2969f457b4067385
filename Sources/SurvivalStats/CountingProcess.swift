import Foundation

// Counting-process data: records at risk on (start, stop] — delayed entry, and a
// subject's time-varying covariates split into several records — as R's
// `Surv(start, stop, event)` (docs/ANALYZE.md, `--start`).

extension TimeFix {
    /// R's `aeqSurv` on a counting-process `Surv`: the time fix over the start and stop
    /// times together (one pool of distinct values), each mapped to its chain's
    /// smallest time.
    ///
    /// Contract: `start` and `stop` have equal length n; values finite or NaN (NaN is
    /// kept); where both are present start < stop.
    /// - Returns: the fixed (start, stop) arrays (unchanged copies when nothing moves).
    /// - Throws: `CoxError.invalidInput` when the fix makes an interval empty (R:
    ///   "aeqSurv exception, an interval has effective length 0").
    /// - Complexity: O(n) (radix sort).
    public static func fixedIntervals(start: [Double], stop: [Double]) throws -> (start: [Double], stop: [Double]) {
        precondition(start.count == stop.count, "TimeFix.fixedIntervals: \(start.count) starts, \(stop.count) stops")
        let n = start.count
        guard let pooled = fixed(start + stop) else { return (start, stop) }
        let s = Array(pooled[0..<n]), t = Array(pooled[n...])
        for i in 0..<n where !s[i].isNaN && !t[i].isNaN && s[i] >= t[i] {
            throw CoxError.invalidInput("record \(i): the interval (\(start[i]), \(stop[i])] has effective length 0 after the time fix (R: \"aeqSurv exception, an interval has effective length 0\")")
        }
        return (s, t)
    }
}

extension SurvivalCounts {
    /// The table of (start, stop] records, as `survfit(Surv(start, stop, event) ~ 1)`
    /// counts them: one row per distinct stop time t (events and censorings there, as
    /// weighted sums), and the number at risk `atRisk[i]` = Σ w over the records with
    /// start < t_i ≤ stop (`riskSet`). A record whose start is at or after a time is
    /// not at risk there (entering at 3, it is first at risk just after 3).
    ///
    /// Contract: equal lengths; start < stop, both finite (NaN in either, or in the
    /// weight, drops the record); weights finite and > 0 (nil: 1 each). No time fix
    /// here: the caller fixes start and stop times together (`TimeFix.fixedIntervals`),
    /// over the whole data set as R does.
    /// - Complexity: O(n log n).
    public init(start: [Double], stop: [Double], event: [Bool], weight: [Double]? = nil) {
        precondition(start.count == stop.count && stop.count == event.count && (weight?.count ?? stop.count) == stop.count,
                     "SurvivalCounts: \(start.count) starts, \(stop.count) stops, \(event.count) events, \(weight?.count ?? stop.count) weights")
        let kept = stop.indices.filter { !start[$0].isNaN && !stop[$0].isNaN && !(weight?[$0].isNaN ?? false) }
        for j in kept {
            precondition(start[j].isFinite && stop[j].isFinite && start[j] < stop[j], "SurvivalCounts: record \(j): (\(start[j]), \(stop[j])]")
        }
        let w: (Int) -> Double = { weight?[$0] ?? 1 }
        let (order, sortedStop) = radixSortedOrder(kept.map { stop[$0] + 0.0 })
        var t: [Double] = [], d: [Double] = [], c: [Double] = [], leaving: [Double] = []
        for k in 0..<sortedStop.count {
            let j = kept[Int(order[k])]
            if t.last != sortedStop[k] { t.append(sortedStop[k]); d.append(0); c.append(0); leaving.append(0) }
            if event[j] { d[d.count - 1] += w(j) } else { c[c.count - 1] += w(j) }
        }
        // At risk at t_i: Σ w(stop ≥ t_i) − Σ w(start ≥ t_i), both accumulated from the end.
        let (startOrder, sortedStart) = radixSortedOrder(kept.map { start[$0] + 0.0 })
        var risk = [Double](repeating: 0, count: t.count)
        var stopSum = 0.0, startSum = 0.0
        var q = sortedStart.count
        for i in t.indices.reversed() {
            stopSum += d[i] + c[i]
            while q > 0 && sortedStart[q - 1] >= t[i] { q -= 1; startSum += w(kept[Int(startOrder[q])]) }
            risk[i] = stopSum - startSum
        }
        self.init(time: t, events: d, censored: c)
        self.riskSet = risk
    }
}
