import Foundation
import Testing
@testable import SurvivalStats

extension SplitMix64 {
    mutating func exponential(mean: Double) -> Double { -mean * log(1 - Double.random(in: 0..<1, using: &self)) }
}

struct TwoGroupAnalysisTests {
    enum Times { case continuous, wholeMonths, daysOverMonthLength }

    /// Random two-group data. `.wholeMonths` rounds times up to whole months (many exact
    /// ties); `.daysOverMonthLength` draws whole days and writes each time as
    /// days / 30.4375, for half the records computed as (days − 1)/30.4375 + 1/30.4375,
    /// so equal days give times a few ulp apart (near ties that R's time fix merges).
    static func data(n: Int, seed: UInt64, times: Times) -> (time: [Double], event: [Bool], group: [UInt8]) {
        var rng = SplitMix64(seed: seed)
        var t = [Double](), e = [Bool](), g = [UInt8]()
        for i in 0..<n {
            let group: UInt8 = i % 3 == 0 ? 1 : 0
            var x = rng.exponential(mean: group == 1 ? 14 : 8)
            var c = rng.exponential(mean: 20)
            switch times {
            case .continuous: break
            case .wholeMonths: x = x.rounded(.up); c = c.rounded(.up)
            case .daysOverMonthLength:
                let dx = (x * 30.4375 / 7).rounded(.up) * 7, dc = (c * 30.4375 / 7).rounded(.up) * 7
                let month = 30.4375
                x = i % 2 == 0 ? dx / month : (dx - 1) / month + 1 / month
                c = i % 2 == 0 ? dc / month : (dc - 1) / month + 1 / month
            }
            t.append(min(x, c)); e.append(x <= c); g.append(group)
        }
        return (t, e, g)
    }

    static func analyze(_ d: (time: [Double], event: [Bool], group: [UInt8]), rho: Double) -> TwoGroupStatistics {
        let ws = TwoGroupWorkspace(capacity: d.time.count + 5)
        for i in d.time.indices { ws.time[i] = d.time[i]; ws.event[i] = d.event[i]; ws.group[i] = d.group[i] }
        return ws.analyze(count: d.time.count, rho: rho)
    }

    /// From 256 records the keys are radix sorted (`sortKeys`): the same sequence as
    /// `sort()` on continuous, tied and near-tied times, and the analysis still equals the
    /// record estimators' log-rank and Cox fit to 1e-12.
    @Test(arguments: [255, 256, 257, 2000, 4099])
    func radixSortedKeysAreTheSortedKeys(n: Int) throws {
        for times in [Times.continuous, .wholeMonths, .daysOverMonthLength] {
            let d = Self.data(n: n, seed: UInt64(n), times: times)
            let ws = TwoGroupWorkspace(capacity: n)
            for i in 0..<n { ws.order[i] = TwoGroupWorkspace.key(time: d.time[i], code: d.group[i] | (d.event[i] ? 2 : 0)) }
            let expected = Array(ws.order[0..<n]).sorted()
            ws.sortKeys(count: n)
            let same = Array(ws.order[0..<n]) == expected // (a Bool: no dump of n keys on failure)
            #expect(same, "\(times)")
            let s = Self.analyze(d, rho: 0)
            let lr = try LogRank.test(time: d.time, event: d.event, group: d.group.map(Int.init))
            #expect(abs(s.z * s.z - lr.chiSquare) <= 1e-12 * max(1, lr.chiSquare), "\(times)")
            let cox = try CoxPH.fit(time: d.time, event: d.event, covariates: d.group.map(Double.init), columns: 1, ties: .efron)
            #expect(abs(s.logHazardRatio - cox.coefficients[0]) <= 1e-12, "\(times)")
            #expect(abs(s.standardError - cox.standardErrors[0]) <= 1e-12, "\(times)")
        }
    }

    /// A gap above √ε but below √ε · max|t| is decided only by the mean of the distinct
    /// times (the rows' second walk): 1 and 1 + 5e-8 tie (5e-8 / mean|t| < √ε) as in R,
    /// and the analysis still equals the record estimators, whose time fix merges them.
    @Test func gapsOnlyTheMeanDecidesAreTiedAsTheRecordEstimatorsTieThem() throws {
        var d = Self.data(n: 400, seed: 11, times: .continuous)
        for i in 0..<6 { d.time[i] = i % 2 == 0 ? 1 : 1 + 5e-8; d.event[i] = true; d.group[i] = UInt8(i % 2) }
        d.time[6] = 400; d.event[6] = false  // max|t| large enough that max alone cannot decide
        let s = Self.analyze(d, rho: 0)
        let lr = try LogRank.test(time: d.time, event: d.event, group: d.group.map(Int.init))
        #expect(abs(s.z * s.z - lr.chiSquare) <= 1e-12 * max(1, lr.chiSquare))
        let cox = try CoxPH.fit(time: d.time, event: d.event, covariates: d.group.map(Double.init), columns: 1, ties: .efron)
        #expect(abs(s.logHazardRatio - cox.coefficients[0]) <= 1e-12)
        #expect(abs(s.standardError - cox.standardErrors[0]) <= 1e-12)
        // Untied, the six deaths would be six rows of one death each: the fit moves.
        var apart = d
        for i in 0..<6 where i % 2 == 1 { apart.time[i] = 1 + 1e-3 }
        #expect(abs(Self.analyze(apart, rho: 0).logHazardRatio - s.logHazardRatio) > 1e-9)
    }

    /// Above 2¹⁶ keys every radix pass runs; below, the lowest and the top three passes
    /// and an insertion pass, which falls back to every pass when the times are packed
    /// within a relative 2⁻¹⁹ (more moves than keys): the sorted sequence each way, with
    /// exact ties (whole months) and without.
    @Test func sortKeysIsTheSortedSequenceOnEveryPath() {
        var rng = SplitMix64(seed: 17)
        for (n, spread) in [(1 << 16 + 1, 100.0), (1 << 16, 100.0), (5000, 1e-7), (5000, 1e-3)] {
            for wholeMonths in [false, true] {
                let ws = TwoGroupWorkspace(capacity: n)
                for i in 0..<n {
                    var t = 1 + spread * Double.random(in: 0..<1, using: &rng)
                    if wholeMonths { t = t.rounded(.up) }
                    ws.order[i] = TwoGroupWorkspace.key(time: t, code: UInt8(truncatingIfNeeded: rng.next() & 3))
                }
                let expected = Array(ws.order[0..<n]).sorted()
                ws.sortKeys(count: n)
                let same = Array(ws.order[0..<n]) == expected
                #expect(same, "n \(n), spread \(spread), whole months \(wholeMonths)")
            }
        }
    }

    /// The one-pass analysis equals `LogRank.test`, `CoxPH.fit` (Efron) and
    /// `KaplanMeier.fit(...).printedMedian` on the same records to 1e-12 — exact ties,
    /// near ties merged by R's time fix, and continuous times alike.
    @Test(arguments: [(UInt64(3), Times.continuous), (4, .wholeMonths), (5, .wholeMonths), (6, .daysOverMonthLength),
                      (7, .daysOverMonthLength), (8, .continuous)])
    func onePassAgreesWithTheRecordEstimators(seed: UInt64, times: Times) throws {
        let d = Self.data(n: 150, seed: seed, times: times)
        let group = d.group.map(Int.init)
        for rho in [0.0, 1.0] {
            let s = Self.analyze(d, rho: rho)
            let lr = try LogRank.test(time: d.time, event: d.event, group: group, rho: rho)
            #expect(abs(s.z * s.z - lr.chiSquare) <= 1e-12 * max(1, lr.chiSquare))
            #expect(abs(s.observedMinusExpected - (lr.observed[1] - lr.expected[1])) <= 1e-12 * max(1, abs(s.observedMinusExpected)))
            let cox = try CoxPH.fit(time: d.time, event: d.event, covariates: d.group.map(Double.init), columns: 1, ties: .efron)
            #expect(abs(s.logHazardRatio - cox.coefficients[0]) <= 1e-12)
            #expect(abs(s.standardError - cox.standardErrors[0]) <= 1e-12)
            #expect(s.coxConverged)
            let tables = SurvivalCounts.timeFixed([0, 1].map { g in
                let idx = d.group.indices.filter { d.group[$0] == g }
                return SurvivalCounts(time: idx.map { d.time[$0] }, event: idx.map { d.event[$0] }, timefix: false)
            })
            for (g, median) in [(0, s.medianControl), (1, s.medianExperimental)] {
                let expected = KaplanMeier.fit(tables[g]).printedMedian.estimate ?? .nan
                // Sort keys truncate times by ≤ 3 ulp (TwoGroupWorkspace.key).
                #expect(abs(median - expected) <= 1e-15 * expected || (median.isNaN && expected.isNaN), "group \(g): \(median) vs \(expected)")
            }
            #expect(s.eventsControl + s.eventsExperimental == d.event.count { $0 })
        }
    }

    /// The near-tied data really have times that only the time fix merges (so the test
    /// above checks the fix, not exact ties).
    @Test func daysOverMonthLengthDataHoldNearTies() {
        let d = Self.data(n: 150, seed: 6, times: .daysOverMonthLength)
        let exact = Set(d.time).count
        let fixed = Set(TimeFix.fixed(d.time) ?? d.time).count
        #expect(fixed < exact)
    }

    @Test func aGroupWithoutEventsGivesAnInfiniteEstimateNotACrash() {
        let ws = TwoGroupWorkspace(capacity: 4)
        for (i, (t, e, g)) in [(1.0, true, UInt8(0)), (2, true, 0), (3, false, 1), (4, false, 1)].enumerated() {
            ws.time[i] = t; ws.event[i] = e; ws.group[i] = g
        }
        let s = ws.analyze(count: 4)
        #expect(s.logHazardRatio == -.infinity && !s.coxConverged)
    }
}

struct TimeFixTests {
    /// R (survival 3.x): `aeqSurv(Surv(c(1, 1 + 1e-9, 2, 3, 3 + 4e-8), rep(1, 5)))` keeps
    /// 1, 2, 3 and 3 + 4e-8 (the gap 4e-8 exceeds √ε and √ε · mean|y| ≈ 3e-8) and makes
    /// 1 + 1e-9 into 1; the chain 5, 5 + 1e-8, 5 + 2e-8, 5 + 3e-8 becomes 5.
    @Test func nearTiesMergeIntoTheSmallestTimeOfTheirChain() {
        let t = [1, 1 + 1e-9, 2, 3, 3 + 4e-8]
        #expect(TimeFix.fixed(t) == [1, 1, 2, 3, 3 + 4e-8])
        let chain = [5, 5 + 1e-8, 5 + 2e-8, 5 + 3e-8, 9]
        #expect(TimeFix.fixed(chain) == [5, 5, 5, 5, 9])
        #expect(TimeFix.fixed([1, 2, 3]) == nil)
    }

    @Test func aSingleTableIsFixedAsItsRecords() {
        let t = [1, 1 + 1e-9, 2, 2, 3], e = [true, false, true, true, false]
        let table = SurvivalCounts(time: t, event: e)
        #expect(table.time == [1, 2, 3])
        #expect(table.events == [1, 2, 0] && table.censored == [1, 0, 1])
        let raw = SurvivalCounts(time: t, event: e, timefix: false)
        #expect(raw.time.count == 4)
        #expect(SurvivalCounts.timeFixed([raw]) == [table])
    }

    /// Pooled: a near tie across two groups moves the later group's time onto the
    /// earlier one, as R fixes the whole data set before splitting it.
    @Test func tablesOfOneDataSetAreFixedTogether() {
        let a = SurvivalCounts(time: [1, 2], event: [true, true], timefix: false)
        let b = SurvivalCounts(time: [1 + 1e-10, 3], event: [true, false], timefix: false)
        let fixed = SurvivalCounts.timeFixed([a, b])
        #expect(fixed[0] == a)
        #expect(fixed[1].time == [1, 3])
    }

    /// Three and five tables (the merge of k ≤ 4 and the sorted pooled copy): each fixed
    /// table is its group's records with R's fix applied to all records together.
    @Test(arguments: [3, 5])
    func severalTablesAreFixedAsTheirPooledRecords(groups k: Int) {
        var state: UInt64 = 99
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 11 }
        var time: [Double] = [], event: [Bool] = [], group: [Int] = []
        for i in 0..<3000 {
            let day = Double(1 + next() % 400)
            var t = day / 30.4375
            if next() % 3 == 0 { t = day * (1 / 30.4375) }
            if next() % 7 == 0 { t = t.nextUp }
            time.append(t); event.append(next() % 4 != 0); group.append(i % k)
        }
        let fixedTimes = TimeFix.fixed(time) ?? time
        let tables = SurvivalCounts.timeFixed((0..<k).map { g in
            let rows = time.indices.filter { group[$0] == g }
            return SurvivalCounts(time: rows.map { time[$0] }, event: rows.map { event[$0] }, timefix: false)
        })
        for g in 0..<k {
            let rows = time.indices.filter { group[$0] == g }
            let expected = SurvivalCounts(time: rows.map { fixedTimes[$0] }, event: rows.map { event[$0] }, timefix: false)
            #expect(tables[g] == expected, "group \(g) of \(k)")
        }
        #expect(TimeFix.fixed(time) != nil)   // some times did move
    }

    /// Gaps that only the mean |y| can decide (tol < dy ≤ 2·tol·max|y|, here around
    /// 1e4 with a mean near 5e3 or near 1e4): the pooled tables are fixed exactly as
    /// their records are, on either side of the rule.
    @Test(arguments: [false, true])
    func gapsOnlyTheMeanDecidesAreFixedAsTheRecords(largeMean: Bool) {
        let base = largeMean ? [9_000.0, 9_500] : [1.0, 2]
        let near: Double = 1e4 + 1.2e-4   // dy/1e4 = 1.2e-8 < tol < dy/6.7e3
        let later: Double = 1e4 + 1, latest: Double = later + 1.6e-4
        let times: [Double] = base + [1e4, near, later, latest]
        let group = [0, 1, 0, 1, 1, 0]
        let event = [true, false, true, true, false, true]
        let pooled = SurvivalCounts(time: times, event: event)
        let tables = SurvivalCounts.timeFixed([0, 1].map { g in
            SurvivalCounts(time: times.indices.filter { group[$0] == g }.map { times[$0] },
                           event: times.indices.filter { group[$0] == g }.map { event[$0] }, timefix: false)
        })
        #expect(Set(tables[0].time + tables[1].time) == Set(pooled.time))
        let events: Double = tables[0].events.reduce(0, +) + tables[1].events.reduce(0, +)
        #expect(events == pooled.events.reduce(0, +))
        // With the larger mean, 1e4 and `near` tie; with the smaller, they do not.
        #expect(pooled.time.contains(near) == !largeMean)
        for g in 0..<2 {
            let records = times.indices.filter { group[$0] == g }
            let fixed = TimeFix.fixed(times) ?? times
            let alone = SurvivalCounts(time: records.map { fixed[$0] }, event: records.map { event[$0] }, timefix: false)
            #expect(tables[g] == alone, "group \(g)")
        }
    }
}
