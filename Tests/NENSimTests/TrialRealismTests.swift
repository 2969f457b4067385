import Foundation
import SurvivalStats
import Testing
@testable import NENSim

/// Piecewise accrual, changing scan schedules, per-arm dropout and crossover
/// (docs/TRIAL.md, "One replicate").
struct TrialRealismTests {
    static let pieces = [AccrualPiece(months: 6, rate: 5), AccrualPiece(months: 18, rate: 15)]

    @Test func piecewiseAccrualParsesAndEndsWhereTheRatesReachN() throws {
        #expect(try AccrualRates.parse("6:5,18:15") == Self.pieces)
        // 6 · 5 + 18 · 15 = 300 patients by 24 months; past it the last rate continues.
        #expect(abs(AccrualRates.duration(patients: 300, Self.pieces) - 24) < 1e-12)
        #expect(abs(AccrualRates.duration(patients: 400, Self.pieces) - (24 + 100.0 / 15)) < 1e-12)
        #expect(abs(AccrualRates.duration(patients: 20, Self.pieces) - 4) < 1e-12)
        // (5 · 6²/2 + 15 · (24² − 6²)/2) / 300 = 13.8.
        #expect(abs(AccrualRates.meanEntry(patients: 300, Self.pieces) - 13.8) < 1e-12)
        for bad in ["6:0", "6:5,", "a:b", "6", "-1:5", "6:5:1"] {
            #expect(throws: NensimFailure.self) { try AccrualRates.parse(bad) }
        }
    }

    /// The simulated entry times of 300 patients average to the known 13.8 months
    /// (within 4 SE over replicates) and the last entry lies before 24 months.
    @Test func piecewiseEntryTimesAverageToTheKnownMean() {
        let design = TrialDesign(patients: 300, followUp: 12).withAccrualRates(Self.pieces)
        #expect(abs(design.accrual - 24) < 1e-12)
        let arm = TrialTests.exponential("a", median: 12)
        var w = ReplicateWorker(request: TrialRequest(experimental: arm, control: arm, design: design, replicates: 1))
        var means: [Double] = []
        var early = 0
        for r in 0..<400 {
            w.enrol(RandomStream(seed: 9, arm: TrialRequest.allocationStreamID, replicate: UInt32(r), block: 0))
            means.append(w.entry.reduce(0, +) / 300)
            #expect(w.entry.last! <= 24 && zip(w.entry, w.entry.dropFirst()).allSatisfy { $0 <= $1 })
            early += w.entry.filter { $0 < 6 }.count
        }
        let m = means.reduce(0, +) / Double(means.count)
        let sd = sqrt(means.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(means.count - 1))
        #expect(abs(m - 13.8) <= 4 * sd / sqrt(Double(means.count)), "mean entry \(m)")
        // 30 of 300 expected in the first 6 months: share 0.1, binomial SE over 120 000 entries.
        let share = Double(early) / 120_000
        #expect(abs(share - 0.1) <= 4 * sqrt(0.1 * 0.9 / 120_000), "share \(share)")
    }

    @Test func scanSchedulesChangeInterval() throws {
        let w = 7 / 30.4375
        let s = try AssessmentSchedule.parse("8w*6,12w")
        #expect(s == [ScanPhase(interval: 8 * w, count: 6), ScanPhase(interval: 12 * w)])
        #expect(abs(AssessmentSchedule.scan(atOrAfter: 1 * w, s) - 8 * w) < 1e-12)
        #expect(abs(AssessmentSchedule.scan(atOrAfter: 41 * w, s) - 48 * w) < 1e-12)
        #expect(abs(AssessmentSchedule.scan(atOrAfter: 49 * w, s) - 60 * w) < 1e-12)
        #expect(abs(AssessmentSchedule.scan(atOrAfter: 61 * w, s) - 72 * w) < 1e-12)
        #expect(AssessmentSchedule.scan(atOrBefore: 7 * w, s) == 0)
        #expect(abs(AssessmentSchedule.scan(atOrBefore: 50 * w, s) - 48 * w) < 1e-12)
        #expect(abs(AssessmentSchedule.scan(atOrBefore: 71 * w, s) - 60 * w) < 1e-12)
        for bad in ["8w*6", "8w,12w", "8w*0,12w", "8w*x,12w", "*6,12w"] {
            #expect(throws: NensimFailure.self) { try AssessmentSchedule.parse(bad) }
        }
    }

    /// Under 8w*6,12w every PFS time in the analysis sits on a scan of the schedule.
    @Test func progressionIsSeenOnTheChangingSchedule() throws {
        let w = 7 / 30.4375
        var scans: [Double] = []
        for k in 1...6 { scans.append(Double(k) * 8 * w) }
        for k in 1...200 { scans.append(48 * w + Double(k) * 12 * w) }
        var design = TrialDesign(patients: 300, accrual: 6, followUp: 24, dropoutPerYear: 0.2, assessmentInterval: 8 * w)
        design.assessmentSchedule = try AssessmentSchedule.parse("8w*6,12w")
        try design.validate()
        let arm = TrialTests.exponential("a", median: 9, ppsMedian: 10_000)
        var worker = ReplicateWorker(request: TrialRequest(experimental: arm, control: arm, design: design, replicates: 1, seed: 4))
        let out = worker.simulate(replicate: 0)
        var late = 0
        for i in 0..<out.enrolled {
            let t = worker.workspace.time[i]
            #expect(t == 0 || scans.contains { abs($0 - t) < 1e-9 }, "time \(t) not on the schedule")
            if t > 48 * w { late += 1 }
        }
        #expect(late > 20)
    }

    @Test func dropoutParsesPerArm() throws {
        #expect(try ArmDropout.parse("0.05", experimental: "sunitinib", control: "placebo") == (0.05, 0.05))
        #expect(try ArmDropout.parse("sunitinib=0.1,placebo=0.05", experimental: "sunitinib", control: "placebo") == (0.1, 0.05))
        #expect(try ArmDropout.parse("placebo=0.05", experimental: "sunitinib", control: "placebo") == (0, 0.05))
        for bad in ["prrt=0.1", "sunitinib=0.1,sunitinib=0.2", "sunitinib:0.1", "x"] {
            #expect(throws: NensimFailure.self) { try ArmDropout.parse(bad, experimental: "sunitinib", control: "placebo") }
        }
    }

    /// Dropout 40 % a year in the experimental arm only: its dropout times are
    /// exponential with mean 12 / −log(0.6) months (within 4 SE); the control's never come.
    @Test func dropoutActsPerArm() {
        var design = TrialDesign(patients: 2000, accrual: 12, followUp: 12, dropoutPerYear: 0)
        design.experimentalDropoutPerYear = 0.4
        let arm = TrialTests.exponential("a", median: 12)
        var w = ReplicateWorker(request: TrialRequest(experimental: arm, control: TrialTests.exponential("b", median: 12), design: design, replicates: 1))
        _ = w.simulate(replicate: 0)
        let n1 = w.allocation.filter { $0 == 1 }.count
        let times = (0..<n1).map { w.arms.experimental.dropout[$0] }
        let mean = times.reduce(0, +) / Double(n1), truth = 12 / -log(0.6)
        #expect(abs(mean - truth) <= 4 * truth / sqrt(Double(n1)), "mean dropout \(mean), truth \(truth)")
        #expect((0..<(2000 - n1)).allSatisfy { w.arms.control.dropout[$0] == .infinity })
        // Under --null the experimental slot is the control arm, with its dropout.
        design.null = true
        #expect(design.experimentalDropoutRate == 0)
    }

    /// Crossover 0.85: about 85 % of control patients who progress (within 4 SE) get the
    /// experimental arm's post-progression survival — for exponential laws exactly the
    /// control's PPS times λ_c/λ_e (the same unit exponential).
    @Test func crossoverSwitchesControlPatientsToTheExperimentalPostProgressionLaw() throws {
        var design = TrialDesign(patients: 2000, accrual: 12, followUp: 1000, endpoint: .os)
        design.crossover = 0.85
        try design.validate()
        let e = TrialTests.exponential("e", median: 12, ppsMedian: 40), c = TrialTests.exponential("c", median: 6, ppsMedian: 10)
        var w = ReplicateWorker(request: TrialRequest(experimental: e, control: c, design: design, replicates: 1, seed: 2))
        _ = w.simulate(replicate: 0)
        var k = 0, crossed = 0, controls = 0
        for j in 0..<2000 where w.allocation[j] == 0 {
            let pfs = w.arms.control.pfs[k], pps = w.arms.control.pps[k], x = w.arms.control.crossedPPS![k]
            #expect(abs(x - pps * 4) <= 1e-9 * max(1, x))
            let os = w.eventTime[j]
            if abs(os - (pfs + x)) < 1e-9 * max(1, os) { crossed += 1 } else { #expect(abs(os - (pfs + pps)) < 1e-9 * max(1, os)) }
            controls += 1
            k += 1
        }
        let share = Double(crossed) / Double(controls)
        #expect(abs(share - 0.85) <= 4 * sqrt(0.85 * 0.15 / Double(controls)), "crossed \(share)")
        // Nothing crosses under --null.
        design.null = true
        #expect(!design.crossesOver)
    }

    /// The new options keep the result identical for any thread count.
    @Test func realisticDesignsAreIdenticalForAnyThreadCount() throws {
        var design = TrialDesign(patients: 150, followUp: 6, dropoutPerYear: 0.05, targetEvents: 90, endpoint: .os,
                                 assessmentInterval: 8 * 7 / 30.4375).withAccrualRates(Self.pieces)
        design.assessmentSchedule = try AssessmentSchedule.parse("8w*6,12w")
        design.experimentalDropoutPerYear = 0.15
        design.crossover = 0.5
        try design.validate()
        TrialTests.expectSameForAnyThreadCount(design)
    }

    static let invalid: [(TrialDesign, Parameter)] = {
        var a = TrialDesign(patients: 100); a.crossover = 1.5
        var b = TrialDesign(patients: 100); b.experimentalDropoutPerYear = 1
        var c = TrialDesign(patients: 100); c.assessmentSchedule = [ScanPhase(interval: 1, count: 2)]
        let d = TrialDesign(patients: 100).withAccrualRates([AccrualPiece(months: 0, rate: 1)])
        return [(a, .crossover), (b, .dropout), (c, .assessment), (d, .accrual)]
    }()

    @Test(arguments: invalid)
    func invalidRealisticDesignsAreUsageErrors(design: TrialDesign, flag: Parameter) {
        #expect {
            try design.validate()
        } throws: { TrialTests.isOneLineUsageError($0, naming: flag) }
    }

    /// Schoenfeld's patients under piecewise accrual solve n = D / P(event | n): the
    /// design of ⌈n⌉ patients gives back the same P(event).
    @Test func schoenfeldPatientsUnderPiecewiseAccrualAreAFixedPoint() {
        let e = TrialTests.exponential("e", median: 12), c = TrialTests.exponential("c", median: 6)
        let template = TrialDesign(patients: 2, followUp: 6, alpha: 0.05).withAccrualRates(Self.pieces)
        let s = SchoenfeldSampleSize(experimental: e, control: c, design: template, sides: 2, power: 0.9, drift: nil)
        #expect(abs(s.patients * s.eventProbability - s.events) < 1e-9 * s.events)
        var d = template
        d.patients = Int(s.patients.rounded(.up))
        let again = SchoenfeldSampleSize(experimental: e, control: c, design: d, sides: 2, power: 0.9, drift: nil)
        #expect(abs(again.eventProbability - s.eventProbability) < 2e-3)
    }
}
