import CKernels
/// R's time fix — `aeqSurv`, the `timefix = TRUE` default of `survfit`, `survdiff` and
/// `coxph` — the one tie policy of this module (docs/STATISTICS.md, "Tied times").
///
/// Over the distinct finite times y₁ < … < y_m of one data set (all groups and strata
/// together, as R applies it to the whole `Surv` object), a gap dy = y_{k+1} − y_k with
/// dy ≤ tol or dy / mean|y| ≤ tol (tol = √ε ≈ 1.49e-8, the mean over the m distinct
/// times, summed in ascending order) ties y_{k+1} to y_k, and a chain of such gaps maps
/// every time in it to its smallest time. Times such as days / 30.4375 computed along
/// different paths, which differ in the last bits, are then one time, as in R.
/// Every record-level entry point applies it (`SurvivalCounts.init(time:event:)`,
/// `LogRank.test(time:event:group:)`, `CoxPH.fit`, `TwoGroupWorkspace`); tables built
/// elsewhere are pooled with `SurvivalCounts.timeFixed(_:)`.
public enum TimeFix {
    /// R's `sqrt(.Machine$double.eps)`.
    public static let tolerance = Double.ulpOfOne.squareRoot()

    /// Whether the gap `dy` (> 0) between neighbouring distinct times ties them, given
    /// the mean absolute distinct time.
    @inline(__always) static func ties(_ dy: Double, meanAbs: Double) -> Bool {
        dy <= tolerance || dy / meanAbs <= tolerance
    }

    /// Which of `count` candidate gaps — pairs (time, the distinct time before it) in
    /// `candidates`, ascending, from a walk over `distinct` distinct times whose |y|
    /// summed ascending are `sumAbs` — tie, in order: `ties(_:meanAbs:)` with their mean.
    static func tiedCandidates(_ candidates: [Double], count: Int, sumAbs: Double, distinct: Int) -> [Int] {
        guard distinct > 1, count > 0 else { return [] }
        let meanAbs = sumAbs / Double(distinct)
        return (0..<count).filter { ties(candidates[2 * $0] - candidates[2 * $0 + 1], meanAbs: meanAbs) }
    }

    /// The same decision in a one-pass scan that does not know the mean yet: with
    /// `meanAbs` known, `ties(_:meanAbs:)`; otherwise tied when dy ≤ `tolerance`, not tied
    /// when dy/`maxAbs` > `tolerance` (then dy/meanAbs is larger still), and nil when only
    /// the mean can decide (the caller falls back to the two-pass fix).
    @inline(__always) static func ties(_ dy: Double, meanAbs: Double?, tolerance tol: Double, maxAbs: Double) -> Bool? {
        if let meanAbs { return ties(dy, meanAbs: meanAbs) }
        if dy <= tol { return true }
        if dy / maxAbs > tol { return false }
        return nil
    }

    /// The fixed time of every entry of a sorted array of record times (duplicates
    /// allowed).
    ///
    /// Contract: `t[0..<n]` is sorted, ascending (`descending` false) or descending,
    /// finite; `fixed[0..<n]` receives, at each index, the time that entry maps to. The
    /// two may be the same memory (each entry is read before it is written).
    /// - Returns: whether any time moved.
    /// - Complexity: O(n), two passes.
    @discardableResult
    static func fix(sorted t: UnsafeBufferPointer<Double>, descending: Bool,
                    into fixed: UnsafeMutableBufferPointer<Double>) -> Bool {
        let n = t.count
        precondition(fixed.count >= n, "TimeFix.fix: output shorter than input")
        guard n > 0 else { return false }
        @inline(__always) func at(_ k: Int) -> Int { descending ? n - 1 - k : k }
        var sumAbs = 0.0, distinct = 0
        var previous = Double.nan
        for k in 0..<n {
            let v = t[at(k)]
            if v != previous { previous = v; sumAbs += abs(v); distinct += 1 }
        }
        let meanAbs = sumAbs / Double(distinct)
        var moved = false
        var cut = t[at(0)], last = cut
        for k in 0..<n {
            let i = at(k)
            let v = t[i]
            if v != last {
                if !ties(v - last, meanAbs: meanAbs) { cut = v } else { moved = true }
                last = v
            }
            fixed[i] = cut
        }
        return moved
    }

    /// Record times with the fix applied (NaN kept as NaN, in place), or nil when no
    /// time moves (the common case: then nothing is copied).
    /// - Precondition: no time is ±∞.
    /// - Complexity: O(n) (radix sort).
    public static func fixed(_ time: [Double]) -> [Double]? {
        let valid = time.filter { !$0.isNaN }
        guard valid.count > 1 else { return nil }
        let (order, sorted) = radixSortedOrder(valid)
        var cut = [Double](repeating: 0, count: sorted.count)
        let moved = sorted.withUnsafeBufferPointer { s in
            cut.withUnsafeMutableBufferPointer { c in fix(sorted: s, descending: false, into: c) }
        }
        guard moved else { return nil }
        var fixedValid = [Double](repeating: 0, count: valid.count)
        for k in 0..<order.count { fixedValid[Int(order[k])] = cut[k] }
        var out = time
        var j = 0
        for i in out.indices where !out[i].isNaN { out[i] = fixedValid[j]; j += 1 }
        return out
    }
}

extension SurvivalCounts {
    /// The tables with R's time fix applied over all their times together (groups and
    /// strata of one data set): rows whose times tie are merged into the row of the
    /// smallest time. Tables are returned unchanged when no time moves.
    ///
    /// The pooled distinct times are walked (a merge of the tables' times for k ≤ 4
    /// tables) to find the times that move — usually few — and each table is then
    /// compacted in place, one at a time: no pooled or per-time copy of the tables is
    /// held (docs/PERFORMANCE.md, "analyze's memory"). Passing tables no one else holds
    /// (`consuming`) lets the compaction reuse their storage.
    ///
    /// Contract: each table meets the `SurvivalCounts` contract; `entered` is kept.
    /// - Complexity: O(T · k) for k ≤ 4 tables (merges), O(T log T) otherwise; T the
    ///   number of rows over all tables.
    public static func timeFixed(_ tables: consuming [SurvivalCounts]) -> [SurvivalCounts] {
        // The moves found first (the tables only read), then the tables compacted: no
        // other reference to their arrays is held then, so they are compacted in place.
        let moved = movedTimes(tables)
        return compacted(consume tables, moving: moved)
    }

    /// The times that move under R's time fix over all the tables' times, ascending,
    /// each with the time it moves to (`TimeFix.fix`'s rule over the pooled distinct
    /// times; `CoxDesign(levelTables:values:fixingTimes: true)` finds them in its own merge).
    /// - Complexity: one walk over the pooled distinct times (a merge for k ≤ 4 tables).
    static func movedTimes(_ tables: [SurvivalCounts]) -> [(time: Double, to: Double)] {
        movedTimes(of: tables.map(\.time))
    }

    /// `movedTimes(_:)` of tables with these times (each strictly increasing).
    static func movedTimes(of times: [[Double]]) -> [(time: Double, to: Double)] {
        // One walk over the pooled distinct times in ascending order (a merge of the
        // tables' times for k ≤ 4 tables, else a sorted copy) sums |y| for the mean and
        // keeps the gaps that could tie whatever the mean: dy ≤ tol·max(1, max|y|) (the
        // mean of the distinct |y| is at most the largest; the margin covers the
        // rounding of a sum of < 2³² terms). Usually a handful. They are then decided
        // with the mean, in order, each tied time moving to its chain's smallest time:
        // `TimeFix.fix`'s rule, with the same sum and the same divisions, so the same moves.
        let bound = nearTieBound(times)
        // Up to four tables merged in the walk (`nensim_pooled_gaps`, CKernels), more from a sorted copy.
        var pooled = times
        if times.count > 4 {
            var all = times.flatMap { $0 }.sorted()
            var w = 0
            for v in all where w == 0 || all[w - 1] != v { all[w] = v; w += 1 }
            all.removeLast(all.count - w)
            pooled = [all]
        }
        var sumAbs = 0.0, distinct: Int64 = 0
        var candidates = [Double](repeating: 0, count: 2 * 16)
        while true {
            let capacity = candidates.count / 2
            let found = Int(withPointers(pooled) { pointers in
                pooled.map { Int64($0.count) }.withUnsafeBufferPointer { counts in
                    candidates.withUnsafeMutableBufferPointer { c in
                        nensim_pooled_gaps(pointers.baseAddress, counts.baseAddress, Int64(pooled.count), bound,
                                           &sumAbs, &distinct, c.baseAddress, Int64(capacity))
                    }
                }
            })
            if found <= capacity { candidates.removeLast(2 * (capacity - found)); break }
            candidates = [Double](repeating: 0, count: 2 * found)
        }
        // The candidate gaps decided with the mean, in ascending order: each tied time
        // with its chain's smallest time (the previous time's own, if it moved).
        var out: [(time: Double, to: Double)] = []
        for g in TimeFix.tiedCandidates(candidates, count: candidates.count / 2, sumAbs: sumAbs, distinct: Int(distinct)) {
            let v = candidates[2 * g], last = candidates[2 * g + 1]
            let to = out.last.map { $0.time == last ? $0.to : last } ?? last
            out.append((v, to))
        }
        return out
    }

    /// The gap between neighbouring distinct times of tables with these times (each
    /// strictly increasing) up to which the time fix may tie them, whatever the mean:
    /// tol · max(1, max |y|) with a margin (the mean of the distinct |y| is at most the
    /// largest; the margin covers the rounding of a sum of < 2³² terms). No gap this
    /// small: no time moves.
    static func nearTieBound(_ times: [[Double]]) -> Double {
        var maxAbs = 0.0
        for t in times where !t.isEmpty { maxAbs = Swift.max(maxAbs, abs(t[0]), abs(t[t.count - 1])) }
        return TimeFix.tolerance * Swift.max(1, maxAbs) * (1 + 1e-6)
    }

    /// `body` with a pointer to each array's elements (valid only inside it).
    private static func withPointers<R>(_ arrays: [[Double]], _ body: (UnsafeBufferPointer<UnsafePointer<Double>?>) -> R) -> R {
        func go(_ g: Int, _ acc: inout [UnsafePointer<Double>?]) -> R {
            if g == arrays.count { return acc.withUnsafeBufferPointer(body) }
            return arrays[g].withUnsafeBufferPointer { p in acc.append(p.baseAddress); return go(g + 1, &acc) }
        }
        var acc: [UnsafePointer<Double>?] = []
        return go(0, &acc)
    }

    /// The tables with each time of `moved` (ascending) moved to its `to` and the rows
    /// that then share a time merged, each table compacted in place (`compactRows`).
    private static func compacted(_ tables: consuming [SurvivalCounts], moving moved: [(time: Double, to: Double)]) -> [SurvivalCounts] {
        var tables = tables
        guard !moved.isEmpty else { return tables }
        for g in tables.indices {
            // The table's arrays held once, so that they are compacted in place.
            var time = tables[g].time, events = tables[g].events, censored = tables[g].censored
            let entered = tables[g].entered
            tables[g] = .empty
            compactRows(&time, &events, &censored, moving: moved)
            tables[g] = SurvivalCounts(time: time, events: events, censored: censored, entered: entered)
        }
        return tables
    }

    /// A table's rows (times strictly increasing) with each time of `moved` (ascending)
    /// moved to its `to` and the rows that then share a time merged, compacted in place;
    /// the rows before the first time that moves are left as they are.
    static func compactRows(_ time: inout [Double], _ events: inout [Double], _ censored: inout [Double],
                            moving moved: [(time: Double, to: Double)]) {
        guard !moved.isEmpty else { return }
        let m = time.count
        var lo = 0, hi = m
        while lo < hi { let mid = (lo + hi) / 2; if time[mid] < moved[0].time { lo = mid + 1 } else { hi = mid } }
        var w = lo
        time.withUnsafeMutableBufferPointer { t in
        events.withUnsafeMutableBufferPointer { e in
        censored.withUnsafeMutableBufferPointer { c in
            var k = 0
            for i in lo..<m {
                let ti = t[i]
                while k < moved.count && moved[k].time < ti { k += 1 }
                let to = k < moved.count && moved[k].time == ti ? moved[k].to : ti
                if w > 0 && t[w - 1] == to {
                    e[w - 1] += e[i]
                    c[w - 1] += c[i]
                } else {
                    t[w] = to; e[w] = e[i]; c[w] = c[i]
                    w += 1
                }
            }
        }}}
        time.removeLast(m - w); events.removeLast(m - w); censored.removeLast(m - w)
    }
}
