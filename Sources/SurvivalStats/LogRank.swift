import Foundation

/// Result of a k-sample test of the log-rank family (R: `survdiff`).
public struct LogRankResult: Sendable {
    /// Weighted observed events per group, Σ w(t)·d_g(t), summed over strata (`rowSums(fit$obs)`).
    public let observed: [Double]
    /// Weighted expected events per group, Σ w(t)·d(t)·n_g(t)/n(t), summed over strata.
    public let expected: [Double]
    /// k × k variance of observed − expected, row-major, summed over strata (`fit$var`).
    public let variance: [Double]
    /// (O − E)ᵀ V⁻ (O − E) on the groups with expected > 0, dropping the first of them.
    public let chiSquare: Double
    /// Number of groups with expected > 0, minus 1 (never below 0).
    public let degreesOfFreedom: Int
    /// P(χ²_df > chiSquare); 1 when there is nothing to test (df = 0).
    public let pValue: Double
}

/// Errors of the log-rank family.
public enum LogRankError: Error, Equatable, CustomStringConvertible {
    /// Fewer than two groups were given.
    case fewerThanTwoGroups(Int)
    /// Strata hold different numbers of groups, or record arrays differ in length.
    case shapeMismatch(String)
    /// The variance of O − E could not be inverted.
    case singularVariance(LinearAlgebraError)

    public var description: String {
        switch self {
        case let .fewerThanTwoGroups(k):
            return "log-rank test needs at least two groups, got \(k)"
        case let .shapeMismatch(what):
            return "log-rank test: \(what)"
        case let .singularVariance(e):
            return "log-rank test: variance of observed − expected is singular (\(e)); suspicion is a group with no one at risk at any event time"
        }
    }
}

/// The log-rank test and the Fleming–Harrington G(ρ, γ) family (R: `survdiff`).
///
/// At each distinct event time t within a stratum, with n at risk of whom n_g in group
/// g, and d events of which d_g in group g, and weight w = S(t−)^ρ·(1 − S(t−))^γ where
/// S(t−) is the left-continuous Kaplan–Meier curve of the pooled data of the stratum:
///   O_g += w·d_g,  E_g += w·d·n_g/n,
///   V_gh += w²·d·(n − d)/(n − 1) · n_g/n · (δ_gh − n_h/n)   (skipped when n = 1),
/// all summed over strata (`survdiff2.c`). ρ = 0, γ = 0 is the log-rank test; ρ = 1,
/// γ = 0 is R's Peto–Peto modification of the Gehan–Wilcoxon test; R's `survdiff` has
/// only ρ (γ = 0).
public enum LogRank {
    /// k-sample test as `survdiff(Surv(time, status) ~ group, rho = rho)`.
    /// - Parameters:
    ///   - groups: one count table per group (k ≥ 2); the time grids may differ and are
    ///     merged. An empty table is a group with no records.
    ///   - rho, gamma: Fleming–Harrington exponents (γ is not in R's `survdiff`).
    /// - Complexity: O(T·k + k³) with T distinct times over all groups.
    public static func test(_ groups: [SurvivalCounts], rho: Double = 0, gamma: Double = 0, timefix: Bool = true) throws -> LogRankResult {
        try test(strata: [groups], rho: rho, gamma: gamma, timefix: timefix)
    }

    /// Stratified test: `strata[s][g]` is group g's data in stratum s, as
    /// `survdiff(Surv(time, status) ~ group + strata(s), rho = rho)`. Every stratum lists
    /// the same k groups (an empty `SurvivalCounts` where a group is absent).
    ///
    /// With `timefix` (R's default) the tables' times are first fixed together
    /// (`SurvivalCounts.timeFixed(_:)`, R's `aeqSurv` over the whole data set).
    public static func test(strata: [[SurvivalCounts]], rho: Double = 0, gamma: Double = 0, timefix: Bool = true) throws -> LogRankResult {
        guard let k = strata.first?.count else { throw LogRankError.fewerThanTwoGroups(0) }
        guard k >= 2 else { throw LogRankError.fewerThanTwoGroups(k) }
        for (s, stratum) in strata.enumerated() where stratum.count != k {
            throw LogRankError.shapeMismatch("stratum \(s) has \(stratum.count) groups, stratum 0 has \(k)")
        }
        var strata = strata
        if timefix {
            let fixed = SurvivalCounts.timeFixed(strata.flatMap { $0 })
            strata = (0..<strata.count).map { s in Array(fixed[(s * k)..<((s + 1) * k)]) }
        }
        var observed = [Double](repeating: 0, count: k)
        var expected = [Double](repeating: 0, count: k)
        var variance = [Double](repeating: 0, count: k * k)
        var risk = [Double](repeating: 0, count: k)
        var cursor = [Int](repeating: 0, count: k)
        var deaths = [Double](repeating: 0, count: k)
        for stratum in strata {
            if k == 2 {
                twoGroups(stratum[0], stratum[1], rho: rho, gamma: gamma,
                          observed: &observed, expected: &expected, variance: &variance)
                continue
            }
            for g in 0..<k {
                risk[g] = stratum[g].total
                cursor[g] = 0
            }
            var km = 1.0
            while true {
                // Next distinct time over the groups.
                var t = Double.infinity
                for g in 0..<k where cursor[g] < stratum[g].time.count {
                    t = Swift.min(t, stratum[g].time[cursor[g]])
                }
                if t == .infinity { break }
                var n = 0.0, d = 0.0
                for g in 0..<k {
                    n += risk[g]
                    deaths[g] = 0
                    if cursor[g] < stratum[g].time.count && stratum[g].time[cursor[g]] == t {
                        deaths[g] = stratum[g].events[cursor[g]]
                    }
                    d += deaths[g]
                }
                if d > 0 {
                    var w = 1.0
                    if rho != 0 { w *= pow(km, rho) }
                    if gamma != 0 { w *= pow(1 - km, gamma) }
                    for g in 0..<k {
                        observed[g] += w * deaths[g]
                        expected[g] += w * d * risk[g] / n
                    }
                    if n > 1 {
                        let w2 = w * w
                        for j in 0..<k {
                            let tmp = w2 * d * risk[j] * (n - d) / (n * (n - 1))
                            variance[j * k + j] += tmp
                            for h in 0..<k { variance[j * k + h] -= tmp * risk[h] / n }
                        }
                    }
                    km = km * (n - d) / n
                }
                for g in 0..<k where cursor[g] < stratum[g].time.count && stratum[g].time[cursor[g]] == t {
                    risk[g] -= stratum[g].events[cursor[g]] + stratum[g].censored[cursor[g]]
                    cursor[g] += 1
                }
            }
        }
        return try result(observed: observed, expected: expected, variance: variance, k: k)
    }

    /// One stratum's sums for k = 2 groups: the loop of `test(strata:)` with the two
    /// groups' columns read through pointers and the sums kept in registers — the same
    /// operations in the same order, so the same results to the bit.
    static func twoGroups(_ a: SurvivalCounts, _ b: SurvivalCounts, rho: Double, gamma: Double,
                          observed: inout [Double], expected: inout [Double], variance: inout [Double]) {
        var o0 = observed[0], o1 = observed[1], e0 = expected[0], e1 = expected[1]
        var v00 = variance[0], v01 = variance[1], v10 = variance[2], v11 = variance[3]
        var r0 = a.total, r1 = b.total
        a.time.withUnsafeBufferPointer { ta in a.events.withUnsafeBufferPointer { da in a.censored.withUnsafeBufferPointer { ca in
        b.time.withUnsafeBufferPointer { tb in b.events.withUnsafeBufferPointer { db in b.censored.withUnsafeBufferPointer { cb in
            let na = ta.count, nb = tb.count
            var ia = 0, ib = 0
            var km = 1.0
            while ia < na || ib < nb {
                let inA: Bool, inB: Bool
                if ia < na && ib < nb {
                    let x = ta[ia], y = tb[ib]
                    inA = x <= y
                    inB = y <= x
                } else {
                    inA = ia < na
                    inB = !inA
                }
                let n = 0.0 + r0 + r1
                let d0 = inA ? da[ia] : 0, d1 = inB ? db[ib] : 0
                let d = 0.0 + d0 + d1
                if d > 0 {
                    var w = 1.0
                    if rho != 0 { w *= pow(km, rho) }
                    if gamma != 0 { w *= pow(1 - km, gamma) }
                    o0 += w * d0
                    e0 += w * d * r0 / n
                    o1 += w * d1
                    e1 += w * d * r1 / n
                    if n > 1 {
                        let w2 = w * w
                        let tmp0 = w2 * d * r0 * (n - d) / (n * (n - 1))
                        v00 += tmp0
                        v00 -= tmp0 * r0 / n
                        v01 -= tmp0 * r1 / n
                        let tmp1 = w2 * d * r1 * (n - d) / (n * (n - 1))
                        v11 += tmp1
                        v10 -= tmp1 * r0 / n
                        v11 -= tmp1 * r1 / n
                    }
                    km = km * (n - d) / n
                }
                if inA { r0 -= da[ia] + ca[ia]; ia += 1 }
                if inB { r1 -= db[ib] + cb[ib]; ib += 1 }
            }
        }}}}}}
        observed[0] = o0; observed[1] = o1; expected[0] = e0; expected[1] = e1
        variance[0] = v00; variance[1] = v01; variance[2] = v10; variance[3] = v11
    }

    /// Test from records: `group[j]` and (optionally) `strata[j]` are labels; groups
    /// are ordered by ascending label (as R's factor levels), so `observed[0]` belongs
    /// to the smallest label. Records with a NaN time are dropped.
    /// - Complexity: O(n log n).
    /// Times are fixed over all records together when `timefix` (R's `aeqSurv`).
    ///
    /// `weight` (R's `survdiff` has none): case weights > 0; every count of the test is
    /// a sum of weights, so integer weights give the test of the records repeated
    /// `weight[j]` times.
    public static func test(time: [Double], event: [Bool], group: [Int], strata: [Int]? = nil, rho: Double = 0, gamma: Double = 0,
                            timefix: Bool = true, weight: [Double]? = nil) throws -> LogRankResult {
        guard time.count == event.count, time.count == group.count, strata.map({ $0.count == time.count }) ?? true,
              weight.map({ $0.count == time.count }) ?? true else {
            throw LogRankError.shapeMismatch("time (\(time.count)), event (\(event.count)), group (\(group.count))\(strata.map { ", strata (\($0.count))" } ?? "")\(weight.map { ", weight (\($0.count))" } ?? "") differ in length")
        }
        let (groupLevels, groupCode) = denseCodes(group)
        if let weight {
            let (strataLevels, strataCode) = strata.map(denseCodes) ?? ([0], [Int32](repeating: 0, count: time.count))
            let k = groupLevels.count, ns = strataLevels.count
            var cellTime = [[Double]](repeating: [], count: k * ns), cellEvent = [[Bool]](repeating: [], count: k * ns)
            var cellWeight = [[Double]](repeating: [], count: k * ns)
            for j in time.indices where !time[j].isNaN {
                let cell = Int(strataCode[j]) * k + Int(groupCode[j])
                cellTime[cell].append(time[j]); cellEvent[cell].append(event[j]); cellWeight[cell].append(weight[j])
            }
            let tables = (0..<ns).map { s in
                (0..<k).map { g in SurvivalCounts(time: cellTime[s * k + g], event: cellEvent[s * k + g], weight: cellWeight[s * k + g], timefix: false) }
            }
            return try test(strata: tables, rho: rho, gamma: gamma, timefix: timefix)
        }
        if strata == nil && groupLevels.count <= 4 {
            // One stratum, few groups: each group's table straight from the records
            // (one read of all records per group instead of copying each group's records).
            let tables = (0..<groupLevels.count).map { g in
                SurvivalCounts(time: time, event: event, codes: groupCode, selecting: Int32(g), timefix: false)
            }
            return try test(strata: [tables], rho: rho, gamma: gamma, timefix: timefix)
        }
        let (strataLevels, strataCode) = strata.map(denseCodes) ?? ([0], [Int32](repeating: 0, count: time.count))
        let k = groupLevels.count, ns = strataLevels.count
        // Count the records of each (stratum, group) cell, then fill preallocated cells.
        var cellSize = [Int](repeating: 0, count: k * ns)
        for j in time.indices where !time[j].isNaN { cellSize[Int(strataCode[j]) * k + Int(groupCode[j])] += 1 }
        var cellTime = cellSize.map { [Double](unsafeUninitializedCapacity: $0) { _, c in c = 0 } }
        var cellEvent = cellSize.map { [Bool](unsafeUninitializedCapacity: $0) { _, c in c = 0 } }
        for j in time.indices where !time[j].isNaN {
            let cell = Int(strataCode[j]) * k + Int(groupCode[j])
            cellTime[cell].append(time[j])
            cellEvent[cell].append(event[j])
        }
        let tables = (0..<ns).map { s in
            (0..<k).map { g in SurvivalCounts(time: cellTime[s * k + g], event: cellEvent[s * k + g], timefix: false) }
        }
        return try test(strata: tables, rho: rho, gamma: gamma, timefix: timefix)
    }

    /// Sorted distinct labels and each record's index among them. Labels within a range
    /// of at most max(n, 4096) are coded through a table (O(n), no hashing), others
    /// through a dictionary.
    /// - Complexity: O(n + range) or O(n + L log L) for L distinct labels.
    static func denseCodes(_ labels: [Int]) -> (levels: [Int], codes: [Int32]) {
        guard let lo = labels.min(), let hi = labels.max() else { return ([], []) }
        let (range, overflow) = hi.subtractingReportingOverflow(lo)
        if !overflow, range < max(labels.count, 4096) {
            var slot = [Int32](repeating: -1, count: range + 1)
            for l in labels { slot[l - lo] = 0 }
            var levels: [Int] = []
            for v in 0...range where slot[v] == 0 {
                slot[v] = Int32(levels.count)
                levels.append(lo + v)
            }
            return (levels, labels.map { slot[$0 - lo] })
        }
        let levels = Array(Set(labels)).sorted()
        let index = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1, Int32($0)) })
        return (levels, labels.map { index[$0]! })
    }

    /// χ² from O, E, V as `survdiff`: keep groups with E > 0, drop the first kept one,
    /// solve V z = (O − E) (Cholesky; V is positive definite on the kept groups).
    static func result(observed: [Double], expected: [Double], variance: [Double], k: Int) throws -> LogRankResult {
        let kept = (0..<k).filter { expected[$0] > 0 }
        let df = Swift.max(kept.count - 1, 0)
        guard kept.count >= 2 else {
            return LogRankResult(observed: observed, expected: expected, variance: variance, chiSquare: 0, degreesOfFreedom: df, pValue: 1)
        }
        let idx = Array(kept.dropFirst())
        let r = idx.count
        let z = idx.map { observed[$0] - expected[$0] }
        var chi: Double
        if r == 1 {
            chi = z[0] / variance[idx[0] * k + idx[0]] * z[0]
        } else {
            var v = [Double](repeating: 0, count: r * r)
            for a in 0..<r { for b in 0..<r { v[a * r + b] = variance[idx[a] * k + idx[b]] } }
            let solved: [Double]
            do { solved = try LinearAlgebra.solveSPD(v, order: r, rhs: z) } catch let e as LinearAlgebraError {
                throw LogRankError.singularVariance(e)
            }
            chi = 0
            for a in 0..<r { chi += solved[a] * z[a] }
        }
        return LogRankResult(observed: observed, expected: expected, variance: variance, chiSquare: chi,
                             degreesOfFreedom: df, pValue: Distributions.chiSquaredSurvival(chi, df: Double(df)))
    }
}
