import Foundation
import SurvivalStats
import Testing
@testable import NENSim

struct TrialStrataTests {
    static func strata(_ values: [String], stratified: Bool = true) -> TrialStrata {
        try! TrialStrata.parse(values, stratifiedAnalysis: stratified)
    }

    @Test func strataParseIntoFactorsAndCells() throws {
        let s = try TrialStrata.parse(["grade=G1:0.4,g2:0.6:1.8,region=EU:0.5,US:0.5"])
        #expect(s.factors.map(\.key) == ["grade", "region"])
        #expect(s.factors[0].levels == [StratumLevel(name: "G1", prevalence: 0.4), StratumLevel(name: "G2", prevalence: 0.6, hazardRatio: 1.8)])
        #expect(s.factors[0].basis == "assumption" && s.factors[1].basis == "assumption")
        let cells = s.cells
        #expect(cells.map(\.label) == ["grade=G1,region=EU", "grade=G1,region=US", "grade=G2,region=EU", "grade=G2,region=US"])
        #expect(cells.map(\.hazardRatio) == [1, 1, 1.8, 1.8])
        #expect(abs(cells.map(\.prevalence).reduce(0, +) - 1) < 1e-12)
        // Repeated --strata give the same factors.
        #expect(try TrialStrata.parse(["grade=G1:0.4,G2:0.6:1.8", "region=EU:0.5,US:0.5"]) == s)
        let liver = try TrialStrata.parse(["liver_metastases=yes:0.3,no:0.7"])
        #expect(liver.covariatePrevalences == ["liver_metastases": 0.3])
    }

    static let invalid = [
        "grade=G1:0.4,G2:0.5", "grade=G1:0.4", "grade=G4:0.5,G1:0.5", "G1:0.5,G2:0.5", "grade=G1:0.5,G1:0.5",
        "grade=G1:0.5:0,G2:0.5", "liver_metastases=yes:0.3:2,no:0.7", "liver_metastases=maybe:0.3,no:0.7",
        "grade=G1:x,G2:0.5", "=G1:0.5,G2:0.5",
        "a=1:0.5,2:0.5,b=1:0.5,2:0.5,c=1:0.5,2:0.5,d=1:0.5,2:0.5,e=1:0.5,2:0.5,f=1:0.5,2:0.5,g=1:0.5,2:0.5",
        "a=1:0.25,2:0.25,3:0.25,4:0.25,b=1:0.25,2:0.25,3:0.25,4:0.25,c=1:0.25,2:0.25,3:0.25,4:0.25,d=1:0.5,2:0.5",
    ]

    @Test(arguments: invalid)
    func invalidStrataAreOneLineUsageErrors(text: String) {
        #expect {
            _ = try TrialStrata.parse([text])
        } throws: { TrialTests.isOneLineUsageError($0, naming: .strata) }
    }

    @Test func aStratifiedRecordTestIsRefusedUnlessTheAnalysisIsUnstratified() throws {
        var d = TrialDesign(patients: 100, test: .maxCombo)
        d.strata = Self.strata(["grade=G1:0.5,G2:0.5"])
        #expect {
            try d.validate()
        } throws: { TrialTests.isOneLineUsageError($0, naming: .test) }
        d.strata = Self.strata(["grade=G1:0.5,G2:0.5"], stratified: false)
        try d.validate()
    }

    /// The liver-metastasis factor takes the model's covariate: e^β for `yes`, 1 for
    /// `no`, with the covariate's basis.
    @Test func theLiverMetastasisFactorReadsTheModelsHazardRatio() throws {
        var m = TrialTests.exponential("c", median: 6)
        m.covariates = [CovariateEffect(name: "liver_metastases", logHazardRatio: 0.7, evidencePrevalence: 0.5, prevalence: 0.3)]
        m.parameters.append(ParameterProvenance(name: "liver_metastases.log_hr", value: 0.7, unit: "", status: .source, figures: [], rule: "r"))
        let s = try Self.strata(["liver_metastases=yes:0.3,no:0.7"]).resolved(with: m)
        #expect(s.factors[0].levels.map(\.hazardRatio) == [exp(0.7), 1])
        #expect(s.factors[0].basis == "source")
        #expect(throws: NensimFailure.self) { try Self.strata(["liver_metastases=yes:0.3,no:0.7"]).resolved(with: TrialTests.exponential("x", median: 6)) }
    }

    static func worker(_ design: TrialDesign, control: ArmModel = TrialTests.exponential("c", median: 6),
                       experimental: ArmModel = TrialTests.exponential("e", median: 9), seed: UInt64 = 3) -> ReplicateWorker {
        ReplicateWorker(request: TrialRequest(experimental: experimental, control: control, design: design, replicates: 1, seed: seed))
    }

    /// Within every stratum, allocations in entry order come in permuted blocks: the
    /// ratio holds exactly after each complete block of the stratum, and the running
    /// imbalance never exceeds a block's worth; the strata's shares are the stated ones
    /// within 4 SE.
    @Test(arguments: [AllocationRatio(experimental: 1, control: 1), AllocationRatio(experimental: 2, control: 1)])
    func randomisationIsBalancedWithinEveryStratum(ratio: AllocationRatio) {
        let n = 3000
        var d = TrialDesign(patients: n, ratio: ratio, accrual: 12, followUp: 6)
        d.strata = Self.strata(["grade=G1:0.2,G2:0.5,G3:0.3", "sstr=positive:0.8,negative:0.2"])
        var w = Self.worker(d)
        w.enrol(RandomStream(seed: 1, arm: TrialRequest.allocationStreamID, replicate: 0, block: 0))
        let b = ratio.blockSize, ne = ratio.experimentalPerBlock
        let cells = d.strata!.cells
        for c in cells.indices {
            let members = (0..<n).filter { Int(w.stratum[$0]) == c }
            var e = 0
            for (k, j) in members.enumerated() {
                e += Int(w.allocation[j])
                let seen = k + 1
                if seen % b == 0 { #expect(e == seen / b * ne, "stratum \(c) after \(seen): \(e) experimental") }
                #expect(abs(Double(e) - Double(seen) * Double(ne) / Double(b)) <= Double(b), "stratum \(c) drifts")
            }
            let p = cells[c].prevalence
            let share = Double(members.count) / Double(n)
            #expect(abs(share - p) <= 4 * (p * (1 - p) / Double(n)).squareRoot(), "stratum \(c): \(share) vs \(p)")
        }
        // An unstratified enrolment of the same stream balances over all patients only, not within strata.
        #expect(w.stratum.count == n)
    }

    /// A stratum's hazard ratio multiplies both hazards: exponential PFS (median 6) and
    /// PPS (median 24) means in the HR-2 stratum are half those of the HR-1 stratum,
    /// within 4 SE.
    @Test func aStratumsHazardRatioActsOnBothHazards() {
        var d = TrialDesign(patients: 8000, accrual: 12, followUp: 1000)
        d.strata = Self.strata(["risk=low:0.5,high:0.5:2"])
        var w = Self.worker(d)
        _ = w.simulate(replicate: 0)
        let counts = (0..<2).map { c in (0..<8000).filter { w.stratum[$0] == c && w.allocation[$0] == 0 }.count }
        let arm = w.arms.control
        for (c, h) in [(0, 1.0), (1, 2.0)] {
            let range = arm.offset[c]..<(arm.offset[c] + counts[c])
            for (values, median) in [(range.map { arm.pfs[$0] }, 6.0), (range.map { arm.pps[$0] }, 24.0)] {
                let mean = values.reduce(0, +) / Double(values.count)
                let truth = median / log(2) / h
                #expect(abs(mean - truth) <= 4 * truth / Double(values.count).squareRoot(), "stratum \(c): mean \(mean) vs \(truth)")
            }
        }
    }

    /// On simulated replicates the stratified analysis is `LogRank.test(strata:)` and
    /// `CoxPH.fit(strata:)` of the analysed records (R `survdiff` / `coxph` with
    /// `strata()`), for the log-rank, FH(1, 0) and Cox tests, under scans.
    @Test(arguments: [TrialTest.logRank, .flemingHarrington(rho: 1, gamma: 0), .cox])
    func stratifiedReplicatesEqualTheSurvivalStatsReference(test: TrialTest) throws {
        var d = TrialDesign(patients: 240, accrual: 12, followUp: 6, dropoutPerYear: 0.1, test: test, assessmentInterval: 2)
        d.strata = Self.strata(["grade=G1:0.3,G2:0.7:2.5", "region=EU:0.5,US:0.5:0.7"])
        var w = Self.worker(d)
        for r in 0..<5 {
            let o = w.simulate(replicate: r)
            let m = o.enrolled
            let time = Array(w.workspace.time[0..<m]), event = Array(w.workspace.event[0..<m])
            let group = w.workspace.group[0..<m].map(Int.init), stratum = w.workspace.stratum[0..<m].map(Int.init)
            let rho = test == .flemingHarrington(rho: 1, gamma: 0) ? 1.0 : 0
            let lr = try LogRank.test(time: time, event: event, group: group, strata: stratum, rho: rho)
            let s = o.statistics
            #expect(abs(s.z * s.z - lr.chiSquare) <= 1e-10 * max(1, lr.chiSquare))
            let cox = try CoxPH.fit(time: time, event: event, covariates: group.map(Double.init), columns: 1, strata: stratum, ties: .efron)
            #expect(abs(s.logHazardRatio - cox.coefficients[0]) <= 1e-10)
            #expect(abs(s.standardError - cox.standardErrors[0]) <= 1e-10)
            #expect(abs(o.hazardRatio - exp(cox.coefficients[0])) <= 1e-9)
            let z = test == .cox ? s.coxZ : s.z
            #expect(o.z == z)
            // The unstratified analysis of the same records differs.
            let plain = try CoxPH.fit(time: time, event: event, covariates: group.map(Double.init), columns: 1, ties: .efron)
            #expect(abs(plain.coefficients[0] - cox.coefficients[0]) > 1e-8)
        }
    }

    /// Stratified trials are identical for any thread count, sequential ones too.
    @Test func stratifiedTrialsAreIdenticalForAnyThreadCount() throws {
        var d = TrialDesign(patients: 150, accrual: 12, followUp: 6, dropoutPerYear: 0.05, targetEvents: 90, endpoint: .os)
        d.strata = Self.strata(["liver_metastases=yes:0.4,no:0.6", "grade=G1:0.5,G2:0.5:1.5"])
        d.strata!.factors[0].levels[0].hazardRatio = 1.9
        d.crossover = 0.5
        d.sequential = SequentialPlan(informationRates: [0.5, 1])
        try d.validate()
        let base = TrialRequest(experimental: EngineTests.model(id: "a", median: 10, shape: 0.9), control: EngineTests.model(id: "b", median: 6),
                                design: d, replicates: 61, seed: 5, threads: 1)
        let one = TrialTests.fingerprint(TrialSimulator.run(base))
        for t in [2, 5] {
            var r = base
            r.threads = t
            #expect(TrialTests.fingerprint(TrialSimulator.run(r)) == one)
        }
        var unstratified = base
        unstratified.design.strata!.stratifiedAnalysis = false
        #expect(TrialTests.fingerprint(TrialSimulator.run(unstratified)) != one)
    }

    /// Under the null a stratified trial holds its level: 4000 replicates of 120
    /// patients with strongly prognostic strata, the stratified log-rank's two-sided
    /// type I error within 4 SE of α = 0.05.
    @Test func stratifiedLogRankHoldsItsLevelUnderTheNull() {
        var d = TrialDesign(patients: 120, accrual: 12, followUp: 12, alpha: 0.05, null: true)
        d.strata = Self.strata(["risk=low:0.5,high:0.5:3"])
        let reps = 4000
        let request = TrialRequest(experimental: TrialTests.exponential("e", median: 6), control: TrialTests.exponential("c", median: 6),
                                   design: d, replicates: reps, seed: 11)
        let typeI = TrialSummary(TrialSimulator.run(request).replicates, alpha: 0.05).powerTwoSided.value!
        #expect(abs(typeI - 0.05) <= 4 * (0.05 * 0.95 / Double(reps)).squareRoot(), "type I error \(typeI)")
    }
}
