import Foundation
import Testing
@testable import SurvivalStats

/// `CoxPH.fitTwoGroups(tables:…)` (the level form's blocks from the groups' time-fixed
/// tables) against `CoxPH.fit(time:…)` on the records the tables were made from: the
/// same fit, bit for bit, whatever the ties, near-ties, censoring pattern and order.
@Suite struct CoxTwoGroupTablesTests {
    /// Every number of the two fits, compared with `==` (NaN equal to NaN).
    static func expectSameBits(_ a: CoxFit, _ b: CoxFit, _ label: String) {
        func same(_ x: [Double], _ y: [Double]) -> Bool {
            x.count == y.count && zip(x, y).allSatisfy { $0.bitPattern == $1.bitPattern }
        }
        #expect(same(a.coefficients, b.coefficients), "\(label): β \(a.coefficients) vs \(b.coefficients)")
        #expect(same(a.standardErrors, b.standardErrors), "\(label): se \(a.standardErrors) vs \(b.standardErrors)")
        #expect(same(a.variance, b.variance), "\(label): variance")
        #expect(same([a.logLikelihoodNull, a.logLikelihood, a.likelihoodRatio.statistic, a.wald.statistic, a.score.statistic],
                     [b.logLikelihoodNull, b.logLikelihood, b.likelihoodRatio.statistic, b.wald.statistic, b.score.statistic]),
                "\(label): log-likelihoods and tests")
        #expect(a.iterations == b.iterations && a.n == b.n && a.events == b.events, "\(label): iterations, n, events")
        #expect(a.possiblyInfinite == b.possiblyInfinite, "\(label): possibly infinite")
    }

    /// Both fits of records (time, event, group ∈ {0, 1}); on the way, the tables' fit
    /// with the time fix done inside it (`fixingTimes`, in the pooled rows' merge) is
    /// checked to be the fit of the tables fixed first (`timeFixed`), bit for bit.
    static func bothFits(time: [Double], event: [Bool], group: [Int], ties: CoxTies) throws -> (records: CoxFit, tables: CoxFit) {
        let records = try CoxPH.fit(time: time, event: event, covariates: group.map(Double.init), columns: 1, ties: ties)
        let codes = group.map(UInt8.init)
        let unfixed = (0..<2).map {
            SurvivalCounts(time: time, event: event, codes: codes, selecting: UInt8($0), timefix: false)
        }
        let tables = SurvivalCounts.timeFixed(unfixed)
        let fromTables = try CoxPH.fitTwoGroups(tables: tables, firstRecordGroup: group[0], ties: ties)
        let fixingInside = try CoxPH.fitTwoGroups(tables: unfixed, firstRecordGroup: group[0], ties: ties, fixingTimes: true)
        expectSameBits(fromTables, fixingInside, "time fix inside fitTwoGroups, \(ties)")
        return (records, fromTables)
    }

    @Test(arguments: [CoxTies.efron, .breslow])
    func lungBySexGivesTheRecordFitsBits(ties: CoxTies) throws {
        let t = try FixtureTable.load("data/lung.csv")
        let time = t.numbers("time"), event = t.numbers("status").map { $0 == 2 }, sex = t.numbers("sex").map { Int($0) - 1 }
        let (a, b) = try Self.bothFits(time: time, event: event, group: sex, ties: ties)
        #expect(sex[0] == 0)
        Self.expectSameBits(a, b, "lung ~ sex, \(ties)")
        // The other order of first appearance (the first record moved to the end).
        let (c, d) = try Self.bothFits(time: Array(time.dropFirst()) + [time[0]], event: Array(event.dropFirst()) + [event[0]],
                                       group: Array(sex.dropFirst()) + [sex[0]], ties: ties)
        Self.expectSameBits(c, d, "lung ~ sex rotated, \(ties)")
    }

    /// Days over 30.4375 with rounding noise (near-ties the time fix merges), heavy ties,
    /// censored-only times before the first death and after the last, group 1 first.
    @Test(arguments: [CoxTies.efron, .breslow])
    func nearTiedMonthsGiveTheRecordFitsBits(ties: CoxTies) throws {
        var rng = SplitMix64(seed: 41)
        for trial in 0..<6 {
            let n = 500 + 700 * trial
            var time: [Double] = [], event: [Bool] = [], group: [Int] = []
            for i in 0..<n {
                let g = i == 0 ? 1 : Int(rng.next() % 2)
                let day = Double(1 + rng.next() % UInt64(trial % 2 == 0 ? 60 : 900))
                // Near-ties: the same day computed two ways, or nudged by a few ulp.
                var t = day / 30.4375
                switch rng.next() % 4 {
                case 0: t = day * (1 / 30.4375)
                case 1: t = t.nextUp.nextUp
                default: break
                }
                time.append(t); group.append(g)
                event.append(rng.next() % 3 != 0)
            }
            // Censored records before the first event time and after the last.
            time += [0.001, 0.002, 1e3, 1e3 + 1e-9]; event += [false, false, false, false]; group += [0, 1, 1, 0]
            let (a, b) = try Self.bothFits(time: time, event: event, group: group, ties: ties)
            Self.expectSameBits(a, b, "trial \(trial), \(ties)")
        }
    }

    /// The run report's comparison (`fitTwoGroups` on the arms' tables) against the
    /// grouped fit with the counts as case weights (`fitGroups`, its fallback above 2³²
    /// records): the same model, so the same numbers to rounding — on heavy grid ties
    /// (a tally) and on continuous times with a horizon's censoring pile-up (records).
    @Test(arguments: [CoxTies.efron, .breslow])
    func twoGroupFitIsTheGroupedFit(ties: CoxTies) throws {
        var rng = SplitMix64(seed: 7)
        for grid in [true, false] {
            var tables: [SurvivalCounts] = []
            for g in 0..<2 {
                var time: [Double] = [], event: [Bool] = []
                for _ in 0..<(grid ? 20_000 : 3_000) {
                    let u = (Double(rng.next() >> 11) + 0.5) * 0x1p-53
                    var t = -log(u) * (g == 0 ? 10 : 14)
                    if grid { t = (t * 2).rounded(.up) / 2 }
                    let horizon = 36.0
                    time.append(min(t, horizon)); event.append(t < horizon && rng.next() % 5 != 0)
                }
                tables.append(SurvivalCounts(time: time, event: event, timefix: false))
            }
            let fixed = SurvivalCounts.timeFixed(tables)
            let a = try CoxPH.fitTwoGroups(tables: fixed, firstRecordGroup: 0, ties: ties)
            let b = try CoxPH.fitGroups(times: fixed.map(\.time), events: fixed.map(\.events), censored: fixed.map(\.censored), ties: ties)
            let label = "\(grid ? "grid" : "continuous"), \(ties)"
            #expect(a.n == b.n && a.events == b.events, "\(label): n, events")
            #expect(isClose(a.coefficients[0], b.coefficients[0], rel: 1e-12), "\(label): β \(a.coefficients) vs \(b.coefficients)")
            #expect(isClose(a.standardErrors[0], b.standardErrors[0], rel: 1e-12), "\(label): se")
            #expect(isClose(a.logLikelihood, b.logLikelihood, rel: 1e-12), "\(label): log-likelihood")
            #expect(isClose(a.score.statistic, b.score.statistic, rel: 1e-10), "\(label): score test")
            #expect(abs(a.coefficients[0]) > 0.1, "\(label): the arms differ (β \(a.coefficients[0]))")
        }
    }

    @Test func refusesTablesItCannotFit() throws {
        let one = SurvivalCounts(time: [1, 2], events: [1, 0], censored: [0, 1])
        #expect(throws: CoxError.self) { try CoxPH.fitTwoGroups(tables: [one], firstRecordGroup: 0) }
        #expect(throws: CoxError.self) { try CoxPH.fitTwoGroups(tables: [one, one], firstRecordGroup: 2) }
        #expect(throws: CoxError.self) { try CoxPH.fitTwoGroups(tables: [one, .empty], firstRecordGroup: 0) }
        let weighted = SurvivalCounts(time: [1, 2], events: [0.5, 0], censored: [0, 1])
        #expect(throws: CoxError.self) { try CoxPH.fitTwoGroups(tables: [one, weighted], firstRecordGroup: 0) }
        let entered = SurvivalCounts(time: [1, 2], events: [1, 0], censored: [0, 1], entered: 5)
        #expect(throws: CoxError.self) { try CoxPH.fitTwoGroups(tables: [one, entered], firstRecordGroup: 0) }
    }
}
