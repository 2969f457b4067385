import Foundation
import Testing
@testable import SurvivalStats

struct TwoGroupStrataTests {
    /// Random two-group data in `strata` strata whose hazards differ (stratum s has its
    /// event times scaled by 1 + s/2), with the near ties of `TwoGroupAnalysisTests.data`.
    static func data(n: Int, seed: UInt64, strata: Int, times: TwoGroupAnalysisTests.Times)
        -> (time: [Double], event: [Bool], group: [UInt8], stratum: [UInt8]) {
        let d = TwoGroupAnalysisTests.data(n: n, seed: seed, times: times)
        var rng = SplitMix64(seed: seed &+ 1000)
        var stratum = [UInt8](), time = d.time
        for i in 0..<n {
            let s = UInt8(Int.random(in: 0..<strata, using: &rng))
            stratum.append(s)
            if times == .continuous { time[i] *= 1 + Double(s) / 2 }
        }
        return (time, d.event, d.group, stratum)
    }

    static func analyze(_ d: (time: [Double], event: [Bool], group: [UInt8], stratum: [UInt8]), strata: Int, rho: Double)
        -> TwoGroupStatistics {
        let ws = TwoGroupWorkspace(capacity: d.time.count + 3)
        for i in d.time.indices {
            ws.time[i] = d.time[i]; ws.event[i] = d.event[i]; ws.group[i] = d.group[i]; ws.stratum[i] = d.stratum[i]
        }
        return ws.analyze(count: d.time.count, rho: rho, strata: strata)
    }

    /// The stratified one-pass analysis equals `LogRank.test(strata:)` (R `survdiff` with
    /// `strata()`), `CoxPH.fit(strata:)` (R `coxph` with `strata()`) and each arm's
    /// Kaplan–Meier median over all strata, on exact ties, near ties and continuous
    /// times, for 2, 3, 6 and 64 strata.
    @Test(arguments: [(UInt64(11), 2, TwoGroupAnalysisTests.Times.continuous), (12, 3, .wholeMonths),
                      (13, 6, .daysOverMonthLength), (14, 64, .continuous), (15, 4, .wholeMonths)])
    func stratifiedOnePassAgreesWithTheRecordEstimators(seed: UInt64, strata: Int, times: TwoGroupAnalysisTests.Times) throws {
        let d = Self.data(n: 300, seed: seed, strata: strata, times: times)
        let group = d.group.map(Int.init), stratum = d.stratum.map(Int.init)
        for rho in [0.0, 1.0] {
            let s = Self.analyze(d, strata: strata, rho: rho)
            let lr = try LogRank.test(time: d.time, event: d.event, group: group, strata: stratum, rho: rho)
            #expect(abs(s.z * s.z - lr.chiSquare) <= 1e-11 * max(1, lr.chiSquare), "χ² \(s.z * s.z) vs \(lr.chiSquare)")
            #expect(abs(s.observedMinusExpected - (lr.observed[1] - lr.expected[1])) <= 1e-11 * max(1, abs(s.observedMinusExpected)))
            let cox = try CoxPH.fit(time: d.time, event: d.event, covariates: d.group.map(Double.init), columns: 1,
                                    strata: stratum, ties: .efron)
            #expect(abs(s.logHazardRatio - cox.coefficients[0]) <= 1e-11)
            #expect(abs(s.standardError - cox.standardErrors[0]) <= 1e-11)
            #expect(s.coxConverged)
            // The unstratified analysis differs (the strata's hazards differ), so the test above can fail.
            let plain = TwoGroupAnalysisTests.analyze((d.time, d.event, d.group), rho: rho)
            if times == .continuous { #expect(abs(plain.logHazardRatio - s.logHazardRatio) > 1e-6) }
            for (g, median) in [(0, s.medianControl), (1, s.medianExperimental)] {
                let expected = g == 0 ? plain.medianControl : plain.medianExperimental
                // Keys truncate times by ≤ 255 ulp with 64 strata (≤ 3 ulp unstratified).
                #expect(abs(median - expected) <= 1e-13 * expected || (median.isNaN && expected.isNaN), "group \(g): \(median) vs \(expected)")
            }
            #expect(s.eventsControl + s.eventsExperimental == d.event.count { $0 })
        }
    }

    /// One stratum is the unstratified analysis, bit for bit.
    @Test func oneStratumIsTheUnstratifiedAnalysis() {
        let d = Self.data(n: 120, seed: 21, strata: 1, times: .daysOverMonthLength)
        #expect(Self.analyze(d, strata: 1, rho: 0) == TwoGroupAnalysisTests.analyze((d.time, d.event, d.group), rho: 0))
    }

    /// A stratum in which one arm has every event still gives a finite stratified HR
    /// when the other strata hold events of both arms, as `coxph` does.
    @Test func aStratumWithEventsInOneArmOnlyIsAnalysed() throws {
        let time = [1.0, 2, 3, 4, 5, 6, 7, 8, 2.5, 3.5], event = [true, true, true, true, true, false, true, true, true, true]
        let group: [UInt8] = [0, 1, 0, 1, 0, 1, 1, 0, 1, 1], stratum: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1]
        let s = Self.analyze((time, event, group, stratum), strata: 2, rho: 0)
        let cox = try CoxPH.fit(time: time, event: event, covariates: group.map(Double.init), columns: 1,
                                strata: stratum.map(Int.init), ties: .efron)
        #expect(abs(s.logHazardRatio - cox.coefficients[0]) <= 1e-12)
        #expect(abs(s.standardError - cox.standardErrors[0]) <= 1e-12)
    }
}
