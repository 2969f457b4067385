import Foundation
import SurvivalStats
import Testing
@testable import NENSim

@Suite struct SequentialTrialTests {
    static func request(null: Bool, replicates: Int, plan: SequentialPlan, alpha: Double, patients: Int = 60,
                        events: Int = 48, threads: Int = 2) -> TrialRequest {
        let design = TrialDesign(patients: patients, accrual: 12, followUp: nil, targetEvents: events, alpha: alpha,
                                 null: null, sequential: plan)
        return TrialRequest(experimental: TrialTests.exponential("e", median: 12), control: TrialTests.exponential("c", median: 6),
                            design: design, replicates: replicates, seed: 11, threads: threads)
    }

    /// Under the null, a three-look one-sided O'Brien–Fleming design (α = 0.025): the
    /// simulated type I error lies in the 99 % binomial interval of α, and the stopping
    /// share at each look is within 4 MC SE of the design's exit probability
    /// (`GroupSequentialDesign`, equal to rpact's `getGroupSequentialProbabilities` to 1e-6).
    /// 25 000 replicates of 40 patients keep the debug run short; the 10⁵-replicate run
    /// in release is in docs/TRIAL.md.
    @Test func nullThreeLookOBFSpendsAlphaAsDesigned() throws {
        let replicates = 25_000
        let plan = SequentialPlan(informationRates: [0.5, 0.75, 1], sides: 1, spending: .obrienFleming)
        let request = Self.request(null: true, replicates: replicates, plan: plan, alpha: 0.025, patients: 40, events: 32)
        try request.validate()
        let result = TrialSimulator.run(request)
        let summary = TrialSummary(result.replicates, alpha: 0.025, looks: 3)
        let seq = try #require(summary.sequential)
        let rate = try #require(seq.rejection.value)
        let halfWidth = 2.5758 * (0.025 * 0.975 / Double(replicates)).squareRoot()
        #expect(abs(rate - 0.025) <= halfWidth, "type I error \(rate) outside 0.025 ± \(halfWidth)")
        let design = try plan.boundaries(alpha: 0.025)
        let exits = design.exitProbabilities(drift: 0)
        for k in 0..<3 {
            let p = exits[k].efficacy, se = (p * (1 - p) / Double(replicates)).squareRoot()
            let sim = try #require(seq.looks[k].stopUpper.value)
            #expect(abs(sim - p) <= 4 * se, "look \(k + 1): simulated \(sim), design \(p) ± \(se)")
        }
        #expect(result.replicates.allSatisfy { $0.look >= 1 && $0.look <= 3 })
        #expect(result.replicates.allSatisfy { $0.decision == .upper || $0.look == 3 })
    }

    /// Each look analyses the data at its event count: a replicate that stops at look k
    /// has exactly round(t_k · D) events (no calendar cap here).
    @Test func looksHappenAtTheirEventCounts() throws {
        let plan = SequentialPlan(informationRates: [0.5, 0.75, 1], sides: 1, spending: .pocock,
                                  futilitySpending: .obrienFleming, beta: 0.2)
        let request = Self.request(null: false, replicates: 400, plan: plan, alpha: 0.025)
        try request.validate()
        let result = TrialSimulator.run(request)
        let counts = plan.eventCounts(target: 48)
        #expect(counts == [24, 36, 48])
        for r in result.replicates { #expect(r.events == counts[r.look - 1]) }
        let decisions = Set(result.replicates.map(\.decision))
        #expect(decisions.contains(.upper))
        #expect(!decisions.contains(.fixed) && !decisions.contains(.lower))
        #expect(result.replicates.allSatisfy { $0.decision != .futility || $0.look < 3 })
    }

    @Test func sequentialResultsAreIdenticalForAnyThreadCount() {
        let plan = SequentialPlan(informationRates: [0.4, 1], sides: 2, spending: .hwangShihDeCani(gamma: -4))
        let one = TrialTests.fingerprint(TrialSimulator.run(Self.request(null: false, replicates: 60, plan: plan, alpha: 0.05, threads: 1)))
        let three = TrialTests.fingerprint(TrialSimulator.run(Self.request(null: false, replicates: 60, plan: plan, alpha: 0.05, threads: 3)))
        #expect(one == three)
    }

    @Test func badPlansAreRefusedWithOneLine() throws {
        #expect(throws: NensimFailure.self) { try SequentialPlan.parseLooks("0.5,0.4,1") }
        #expect(throws: NensimFailure.self) { try SequentialPlan.parseLooks("0.5,0.9") }
        #expect(throws: NensimFailure.self) { try SequentialPlan.parseSpending("kim") }
        #expect(try SequentialPlan.parseSpending("hsd:-4") == .hwangShihDeCani(gamma: -4))
        let tooFew = SequentialPlan(informationRates: [0.5, 0.51, 1])
        #expect(throws: NensimFailure.self) { try tooFew.validate(targetEvents: 10) }
        #expect(throws: NensimFailure.self) { try SequentialPlan(informationRates: [0.5, 1]).validate(targetEvents: nil) }
    }
}

@Suite struct AllocationRatioTests {
    /// A large ratio such as 205:97 is accepted; its blocks are one pattern long and
    /// every complete block holds exactly 205 experimental and 97 control patients.
    @Test func largeRatiosAllocateExactlyPerBlock() throws {
        let ratio = try AllocationRatio.parse("205:97")
        #expect(ratio.blockSize == 302 && ratio.experimentalPerBlock == 205)
        #expect(try AllocationRatio.parse("2:1").blockSize == 6)
        let design = TrialDesign(patients: 604, ratio: ratio, accrual: 12, followUp: 6)
        let request = TrialRequest(experimental: TrialTests.exponential("e", median: 12), control: TrialTests.exponential("c", median: 6),
                                   design: design, replicates: 2, seed: 1, threads: 1)
        let result = TrialSimulator.run(request)
        for r in result.replicates { #expect(r.enrolledExperimental + r.enrolledControl <= 604) }
        var worker = ReplicateWorker(request: request)
        var stream = RandomStream(seed: 1, arm: TrialRequest.allocationStreamID, replicate: 0, block: 0)
        worker.enrol(&stream)
        #expect(worker.allocation[0..<302].reduce(0) { $0 + Int($1) } == 205)
        #expect(worker.allocation[302..<604].reduce(0) { $0 + Int($1) } == 205)
        #expect(throws: NensimFailure.self) { try AllocationRatio.parse("100001:1") }
    }
}

@Suite struct RecordTestTrialTests {
    /// MaxCombo and Magirr–Burman in `trial`: the replicate's p-values are those of the
    /// SurvivalStats tests on the replicate's analysis data, and under the null the
    /// one-sided MaxCombo rejection rate at 0.025 is within 4 MC SE of 0.025.
    @Test(arguments: [TrialTest.maxCombo, .modestlyWeighted(tStar: 6)])
    func recordTestsHoldTheirLevelUnderTheNull(_ test: TrialTest) throws {
        let replicates = 2000
        let design = TrialDesign(patients: 80, accrual: 12, followUp: 12, test: test, alpha: 0.05, null: true)
        let request = TrialRequest(experimental: TrialTests.exponential("e", median: 12), control: TrialTests.exponential("c", median: 6),
                                   design: design, replicates: replicates, seed: 5, threads: 2)
        let out = TrialSimulator.run(request).replicates
        let rate = Double(out.count { $0.pOneSided < 0.025 }) / Double(replicates)
        let se = (0.025 * 0.975 / Double(replicates)).squareRoot()
        #expect(abs(rate - 0.025) <= 4 * se, "\(test): \(rate)")
        #expect(out.allSatisfy { $0.pOneSided >= 0 && $0.pOneSided <= 1 && $0.pTwoSided <= 1 })
        #expect(try TrialTest.parse(test.description) == test)
    }
}
