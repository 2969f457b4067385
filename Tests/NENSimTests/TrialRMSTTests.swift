import Foundation
import SurvivalStats
import Testing
@testable import NENSim

struct TrialRMSTTests {
    @Test func rmstTestParsesAndRoundTrips() throws {
        let t = try TrialTest.parse("rmst:24")
        #expect(t == .rmst(tau: 24) && t.description == "rmst:24")
        let data = try JSONEncoder().encode(t)
        #expect(try JSONDecoder().decode(TrialTest.self, from: data) == t)
        for bad in ["rmst:", "rmst:0", "rmst:-3", "rmst:x", "rmst:5000"] {
            #expect { _ = try TrialTest.parse(bad) } throws: { TrialTests.isOneLineUsageError($0, naming: .test) }
        }
    }

    @Test func rmstWithLooksIsRefused() {
        let d = TrialDesign(patients: 100, targetEvents: 60, test: .rmst(tau: 12), sequential: SequentialPlan(informationRates: [0.5, 1]))
        #expect { try d.validate() } throws: { TrialTests.isOneLineUsageError($0, naming: .test) }
    }

    /// A replicate's RMST decision is `RMST.test` of its analysed records (z oriented
    /// negative when the experimental arm lives longer).
    @Test func aReplicatesRMSTDecisionIsTheRecordsTest() {
        let d = TrialDesign(patients: 200, accrual: 12, followUp: 12, dropoutPerYear: 0.1, test: .rmst(tau: 12))
        var w = ReplicateWorker(request: TrialRequest(experimental: TrialTests.exponential("e", median: 9),
                                                      control: TrialTests.exponential("c", median: 6), design: d, replicates: 1))
        for r in 0..<3 {
            let o = w.simulate(replicate: r)
            let m = o.enrolled
            let ref = RMST.test(time: Array(w.workspace.time[0..<m]), event: Array(w.workspace.event[0..<m]),
                                group: Array(w.workspace.group[0..<m]), tau: 12)
            #expect(o.z == -ref.z && o.pOneSided == ref.pOneSided && o.pTwoSided == ref.pTwoSided)
        }
    }

    /// Under the null the RMST test holds its two-sided level 0.05 within 4 SE
    /// (3000 replicates of 120 patients, τ = 12 months within every patient's follow-up).
    @Test func rmstTestHoldsItsLevelUnderTheNull() {
        let reps = 3000
        let d = TrialDesign(patients: 120, accrual: 12, followUp: 12, test: .rmst(tau: 12), null: true)
        let request = TrialRequest(experimental: TrialTests.exponential("e", median: 6), control: TrialTests.exponential("c", median: 6),
                                   design: d, replicates: reps, seed: 13)
        let typeI = TrialSummary(TrialSimulator.run(request).replicates, alpha: 0.05).powerTwoSided.value!
        #expect(abs(typeI - 0.05) <= 4 * (0.05 * 0.95 / Double(reps)).squareRoot(), "type I error \(typeI)")
    }
}
