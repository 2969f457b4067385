import Foundation
import SurvivalStats
import Testing
@testable import NENSim

struct TrialTests {
    static func exponential(_ id: String, median: Double, ppsMedian: Double = 24) -> ArmModel {
        ArmModel(id: id, name: id, pfs: .exponential(median: median), ppsRate: log(2) / ppsMedian)
    }

    /// 61 replicates of `design` (a Weibull arm against an exponential one) give the same
    /// fingerprint on 1, 2 and 5 threads.
    static func expectSameForAnyThreadCount(_ design: TrialDesign) {
        let base = TrialRequest(experimental: EngineTests.model(id: "a", median: 10, shape: 0.9), control: EngineTests.model(id: "b", median: 6),
                                design: design, replicates: 61, seed: 5, threads: 1)
        let one = fingerprint(TrialSimulator.run(base))
        for t in [2, 5] {
            var r = base
            r.threads = t
            #expect(fingerprint(TrialSimulator.run(r)) == one)
        }
    }

    static func fingerprint(_ r: TrialResult) -> [String] { r.replicates.map { "\($0)" } }

    @Test func resultsAreIdenticalForAnyThreadCount() {
        let design = TrialDesign(patients: 120, ratio: AllocationRatio(experimental: 2, control: 1), accrual: 12, followUp: 6,
                                 dropoutPerYear: 0.1, targetEvents: 70, assessmentInterval: 2)
        let base = TrialRequest(experimental: EngineTests.model(id: "a", median: 10, shape: 0.9), control: EngineTests.model(id: "b", median: 6),
                                design: design, replicates: 101, seed: 5, threads: 1)
        let one = Self.fingerprint(TrialSimulator.run(base))
        for t in [2, 3, 8] {
            var r = base
            r.threads = t
            #expect(Self.fingerprint(TrialSimulator.run(r)) == one)
        }
        var other = base
        other.seed = 6
        #expect(Self.fingerprint(TrialSimulator.run(other)) != one)
    }

    /// The permuted blocks' integer pick is the floating-point formula it replaced,
    /// ⌊uniform32(w) · count⌋, for the extreme words and random ones, from 2 labels to
    /// the largest block (200 000).
    @Test func blockPickIsTheFloorOfTheUniformTimesTheLabels() {
        var stream = RandomStream(seed: 4, arm: 0, replicate: 0, block: 0)
        var words: [UInt32] = [0, 1, 2, 0x7fff_ffff, 0x8000_0000, UInt32.max - 1, UInt32.max]
        for _ in 0..<2000 { words.append(stream.nextWords().0) }
        for count in [2, 3, 4, 5, 6, 7, 12, 200, 1001, 65_537, 199_999, 200_000] {
            let same = words.allSatisfy { w in
                ReplicateWorker.pick(w, among: count) == min(Int(RandomStream.uniform32(w) * Double(count)), count - 1)
            }
            #expect(same, "count \(count)")
        }
    }

    @Test func blockedRandomisationBalancesEveryBlock() {
        let design = TrialDesign(patients: 600, ratio: AllocationRatio(experimental: 2, control: 1), accrual: 12, followUp: 1000)
        var w = ReplicateWorker(request: TrialRequest(experimental: Self.exponential("a", median: 5), control: Self.exponential("b", median: 5),
                                                      design: design, replicates: 1))
        w.enrol(RandomStream(seed: 1, arm: 9, replicate: 0, block: 0))
        for b in 0..<(600 / 6) {
            #expect(w.allocation[(6 * b)..<(6 * b + 6)].count { $0 == 1 } == 4)
        }
        let entry = Array(w.entry)
        #expect(entry == entry.sorted() && entry.last! < 12 && entry.first! > 0)
    }

    /// Type I error under `--null` over 10 000 replicates of 100 patients (exponential
    /// control, median 6 months; accrual 12, follow-up 12): within the binomial 99 %
    /// interval around α = 0.05, 0.05 ± 2.576·√(0.05·0.95/10 000) = [0.0444, 0.0556].
    /// Measured (seed 2024): log-rank 0.0512, Cox Wald 0.0497 (MC SE 0.0022).
    @Test(arguments: [TrialTest.logRank, .cox])
    func typeOneErrorUnderTheNullIsAlpha(test: TrialTest) {
        let alpha = 0.05, reps = 10_000
        let design = TrialDesign(patients: 100, accrual: 12, followUp: 12, test: test, alpha: alpha, null: true)
        let request = TrialRequest(experimental: Self.exponential("exp", median: 3), control: Self.exponential("ctl", median: 6),
                                   design: design, replicates: reps, seed: 2024)
        let summary = TrialSummary(TrialSimulator.run(request).replicates, alpha: alpha)
        let half = Distributions.normalQuantile(0.995) * (alpha * (1 - alpha) / Double(reps)).squareRoot()
        let typeI = summary.powerTwoSided.value!
        #expect(abs(typeI - alpha) <= half, "type I error \(typeI) outside \(alpha) ± \(half)")
        // Both arms are the same model on independent streams, so the HR estimate's median is 1.
        let hr = summary.hazardRatioMedian
        #expect(abs(hr.value! - 1) <= 4 * hr.mcse!, "HR median \(hr.value!) ± \(hr.mcse!)")
    }

    /// Two exponential arms, HR 0.5 (medians 12 vs 6 months), 1:1, 240 patients accrued
    /// over 12 months, event-driven at 100 events, log-rank at two-sided α = 0.05.
    /// - Schoenfeld: Φ(√(100·¼)·log 2 − 1.95996) = Φ(1.5058) = 0.9339.
    /// - Simulated here (4000 replicates, seed 11): 0.9235 ± 0.0042 (MC SE), 2.5 SE below.
    ///   With 40 000 replicates (seeds 11, 12): 0.9276 ± 0.0013. The formula is about
    ///   0.006 optimistic, a known property of its asymptotics: under HR 0.5 the control
    ///   arm's risk set empties faster, so the log-rank information Σ n₀n₁/n² averages
    ///   24.5, not d/4 = 25; Φ(√24.5·log 2 − 1.96) = 0.9294 agrees with the simulation.
    /// The bounds: 4 MC SE around Schoenfeld, 3 MC SE around the information-corrected value.
    @Test func powerMatchesSchoenfeld() {
        let reps = 4000
        let design = TrialDesign(patients: 240, accrual: 12, followUp: nil, targetEvents: 100)
        let request = TrialRequest(experimental: Self.exponential("exp", median: 12), control: Self.exponential("ctl", median: 6),
                                   design: design, replicates: reps, seed: 11)
        let outcomes = TrialSimulator.run(request).replicates
        let summary = TrialSummary(outcomes, alpha: 0.05)
        let expected = schoenfeldPower(events: 100, allocation: 0.5, hazardRatio: 0.5, alpha: 0.05)
        #expect(abs(expected - 0.9339) < 5e-5)
        let power = summary.powerTwoSided
        #expect(summary.events.value == 100 && summary.events.mcse == 0)
        #expect(abs(power.value! - expected) <= 4 * power.mcse!, "simulated \(power.value!) ± \(power.mcse!), Schoenfeld \(expected)")
        let information = outcomes.map(\.statistics.variance).reduce(0, +) / Double(reps)
        #expect(information > 24 && information < 25)
        let corrected = Distributions.normalCDF(information.squareRoot() * log(2) - Distributions.normalQuantile(0.975))
        #expect(abs(power.value! - corrected) <= 3 * power.mcse!, "simulated \(power.value!), corrected \(corrected)")
        let hr = summary.hazardRatioMedian
        #expect(abs(hr.value! - 0.5) <= 4 * hr.mcse!, "HR median \(hr.value!) ± \(hr.mcse!)")
    }

    /// With scans every 3 months (and death long after progression), every PFS time in
    /// the analysis — event or censoring — is a whole number of scan intervals, and the
    /// median moves later (by about half an interval).
    @Test func assessmentScheduleMovesProgressionOntoScans() {
        let scan = 3.0
        var design = TrialDesign(patients: 400, accrual: 6, followUp: 12, dropoutPerYear: 0.2, assessmentInterval: scan)
        let arms = (Self.exponential("a", median: 9, ppsMedian: 10_000), Self.exponential("b", median: 9, ppsMedian: 10_000))
        var w = ReplicateWorker(request: TrialRequest(experimental: arms.0, control: arms.1, design: design, replicates: 1, seed: 3))
        let out = w.simulate(replicate: 0)
        var events = 0
        for i in 0..<out.enrolled {
            let k = w.workspace.time[i] / scan
            #expect(k == k.rounded(), "time \(w.workspace.time[i]) is not on a scan")
            if w.workspace.event[i] { events += 1; #expect(k >= 1) }
        }
        #expect(events == out.events && events > 100)
        design.assessmentInterval = nil
        var plain = ReplicateWorker(request: TrialRequest(experimental: arms.0, control: arms.1, design: design, replicates: 1, seed: 3))
        let unscanned = plain.simulate(replicate: 0)
        #expect(out.statistics.medianControl > unscanned.statistics.medianControl)
        #expect(out.statistics.medianControl - unscanned.statistics.medianControl < 2 * scan)
        // OS does not move.
        design.endpoint = .os
        var os1 = ReplicateWorker(request: TrialRequest(experimental: arms.0, control: arms.1, design: design, replicates: 1, seed: 3))
        design.assessmentInterval = scan
        var os2 = ReplicateWorker(request: TrialRequest(experimental: arms.0, control: arms.1, design: design, replicates: 1, seed: 3))
        #expect("\(os1.simulate(replicate: 0))" == "\(os2.simulate(replicate: 0))")
    }

    @Test func eventDrivenAnalysisStopsAtTheTargetOrTheCap() {
        let arms = (Self.exponential("a", median: 12), Self.exponential("b", median: 6))
        let capped = TrialDesign(patients: 200, accrual: 12, followUp: 0.5, targetEvents: 190)
        let r = TrialSimulator.run(TrialRequest(experimental: arms.0, control: arms.1, design: capped, replicates: 20))
        #expect(r.replicates.allSatisfy { $0.analysisTime == 12.5 && $0.events < 190 })
        let early = TrialDesign(patients: 200, accrual: 24, followUp: 12, targetEvents: 20)
        let e = TrialSimulator.run(TrialRequest(experimental: arms.0, control: arms.1, design: early, replicates: 20))
        #expect(e.replicates.allSatisfy { $0.events == 20 && $0.analysisTime < 24 && $0.enrolled < 200 })
    }

    static let invalidDesigns: [(TrialDesign, Parameter)] = [
        (TrialDesign(patients: 100, ratio: AllocationRatio(experimental: 0, control: 1)), .ratio),
        (TrialDesign(patients: 100, accrual: -1), .accrual),
        (TrialDesign(patients: 100, targetEvents: 101), .targetEvents),
        (TrialDesign(patients: 100, followUp: nil), .targetEvents),
        (TrialDesign(patients: 100, dropoutPerYear: 1), .dropout),
        (TrialDesign(patients: 100, alpha: 0), .alpha),
        (TrialDesign(patients: 1), .patients),
    ]

    /// A design error as the CLI shows it: a usage error (exit 64) naming `flag`, in one line.
    static func isOneLineUsageError(_ error: any Error, naming flag: Parameter) -> Bool {
        guard let f = error as? NensimFailure else { return false }
        return f.status == .usage && f.parameters.contains(flag) && !f.message.description.contains("\n")
    }

    @Test(arguments: invalidDesigns)
    func invalidDesignsAreUsageErrors(design: TrialDesign, flag: Parameter) {
        #expect {
            try design.validate()
        } throws: { Self.isOneLineUsageError($0, naming: flag) }
    }

    @Test(arguments: [("12w", 12 * 7 / 30.4375), ("3m", 3.0), ("90d", 90 / 30.4375), ("2.5", 2.5), ("1y", 12.0)])
    func assessmentIntervalsParse(text: String, months: Double) throws {
        #expect(abs(try AssessmentInterval.parse(text) - months) < 1e-12)
    }

    @Test(arguments: ["", "0w", "-3m", "12x", "w", "1e9m"])
    func badAssessmentIntervalsAreRejected(text: String) {
        #expect(throws: NensimFailure.self) { try AssessmentInterval.parse(text) }
    }

    @Test func testsAndRatiosParse() throws {
        #expect(try TrialTest.parse("fh:1,0") == .flemingHarrington(rho: 1, gamma: 0))
        #expect(try TrialTest.parse("FH:0,1") == .flemingHarrington(rho: 0, gamma: 1))
        #expect(try TrialTest.parse("logrank") == .logRank)
        #expect(throws: NensimFailure.self) { try TrialTest.parse("fh:a") }
        #expect(throws: NensimFailure.self) { try TrialTest.parse("wilcoxon") }
        #expect(try AllocationRatio.parse("2:1") == AllocationRatio(experimental: 2, control: 1))
        #expect(throws: NensimFailure.self) { try AllocationRatio.parse("0:1") }
        #expect(throws: NensimFailure.self) { try AllocationRatio.parse("1:1:1") }
    }

    @Test func quantileMonteCarloErrorShrinksWithReplicates() {
        let xs = (1...1000).map { Double($0) }
        let q = MonteCarloEstimate.quantile(xs, 0.5)
        #expect(q.value == 500.5)
        #expect(q.mcse! > 10 && q.mcse! < 20) // √(1000/4) ≈ 15.8 ranks
    }
}
