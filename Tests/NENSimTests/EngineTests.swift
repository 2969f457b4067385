import Foundation
import Testing
@testable import NENSim

struct EngineTests {
    static func model(id: String = "test", median: Double = 12, shape: Double = 1, ppsMedian: Double = 20,
                      cuts: [Double] = [0.1, 0.3, 0.8], coupling: Double = 0.5, binaries: [Double] = [0.25]) -> ArmModel {
        ArmModel(id: id, name: id, pfs: Weibull(shape: shape, median: median), ppsRate: log(2) / ppsMedian,
                 responseCuts: zip(["cr", "orr", "dcr"], cuts).map { ResponseCut(category: $0, probability: $1) },
                 responseCoupling: coupling,
                 binaryOutcomes: binaries.enumerated().map { BinaryOutcome(kind: .adverseEvent, name: "ae\($0.offset)", probability: $0.element) })
    }

    @Test(arguments: [2, 3, 8])
    func resultsAreIdenticalForAnyThreadCount(threads: Int) {
        let arms = [Self.model(id: "a"), Self.model(id: "b", median: 20, shape: 0.8)]
        var one = SimulationRequest(arms: arms, patientsPerArm: 30_001, seed: 7, blockSize: 1000, threads: 1)
        var many = one
        many.threads = threads
        let r1 = Engine.run(one), r2 = Engine.run(many)
        #expect(r1.tallies == r2.tallies)
        #expect(r1.records?[1].osTime == r2.records?[1].osTime)
        one.recordLimit = 0
        many.recordLimit = 0
        #expect(Engine.run(one).tallies == r1.tallies) // keeping records does not change the draws
    }

    @Test func anArmsPatientsDoNotDependOnTheOtherArms() {
        let a = Self.model(id: "a")
        let alone = Engine.run(SimulationRequest(arms: [a], patientsPerArm: 5000, seed: 3))
        let beside = Engine.run(SimulationRequest(arms: [Self.model(id: "z"), a], patientsPerArm: 5000, seed: 3))
        #expect(alone.tallies[0] == beside.tallies[1])
        let otherSeed = Engine.run(SimulationRequest(arms: [a], patientsPerArm: 5000, seed: 4))
        #expect(alone.tallies[0] != otherSeed.tallies[0])
    }

    @Test func everyPatientIsCountedOnceAndOSIsNeverBeforePFS() throws {
        let r = Engine.run(SimulationRequest(arms: [Self.model()], patientsPerArm: 10_007, seed: 11, blockSize: 1024))
        let t = r.tallies[0]
        #expect(t.patients == 10_007)
        let pfsTotal: Int = t.pfs.events.reduce(0, +) + t.pfs.censored.reduce(0, +)
        let osTotal: Int = t.os.events.reduce(0, +) + t.os.censored.reduce(0, +)
        #expect(pfsTotal == 10_007)
        #expect(osTotal == 10_007)
        #expect(t.responseTiers.reduce(0, +) == 10_007)
        let rec = try #require(r.records?[0])
        #expect(zip(rec.pfsTime, rec.osTime).allSatisfy { $0 <= $1 })
        #expect(zip(rec.pfsEvent, rec.osEvent).allSatisfy { !$1 || $0 }) // death only after progression
    }

    /// Marginal checks at a fixed seed, each within 4 binomial standard errors.
    @Test(arguments: [0.0, 0.5, 1.0])
    func marginalsHoldWhateverTheCoupling(coupling: Double) throws {
        let m = Self.model(median: 12, shape: 0.85, ppsMedian: 18, coupling: coupling)
        let n = 200_000
        let r = Engine.run(SimulationRequest(arms: [m], patientsPerArm: n, seed: 99, recordLimit: n))
        let rec = try #require(r.records?[0])
        func within4SE(_ count: Int, _ p: Double) -> Bool {
            abs(Double(count) / Double(n) - p) <= 4 * (p * (1 - p) / Double(n)).squareRoot()
        }
        for t in [3.0, 12, 30] {
            #expect(within4SE(rec.pfsTime.filter { $0 > t }.count, m.pfs.survival(t)))
            #expect(within4SE(rec.osTime.filter { $0 > t }.count, m.osSurvival(at: t)))
        }
        let tiers = r.tallies[0].responseTiers
        #expect(within4SE(tiers[0], 0.1))
        #expect(within4SE(tiers[0] + tiers[1], 0.3))
        #expect(within4SE(tiers[0] + tiers[1] + tiers[2], 0.8))
        #expect(within4SE(r.tallies[0].binaryOutcomes[0], 0.25))
    }

    @Test func couplingMakesRespondersProgressLater() throws {
        let r = Engine.run(SimulationRequest(arms: [Self.model(coupling: 1)], patientsPerArm: 20_000, seed: 5))
        let rec = try #require(r.records?[0])
        func meanPFS(tier: Int) -> Double {
            let xs = zip(rec.pfsTime, rec.responseTier).filter { $0.1 == tier }.map(\.0)
            return xs.reduce(0, +) / Double(xs.count)
        }
        #expect(meanPFS(tier: 0) > meanPFS(tier: 2))
        #expect(meanPFS(tier: 2) > meanPFS(tier: 3))
    }

    @Test func designCensoringAppliesAccrualAndDropout() throws {
        let design = StudyDesign(horizon: 240, accrual: 24, followUp: 12, dropoutPerYear: 0.1)
        let r = Engine.run(SimulationRequest(arms: [Self.model(median: 30)], patientsPerArm: 20_000, seed: 1, design: design))
        let rec = try #require(r.records?[0])
        #expect(rec.osTime.allSatisfy { $0 <= 36 + 1e-9 })       // analysis at 24 + 12 months
        #expect(rec.pfsEvent.contains(false) && rec.pfsEvent.contains(true))
    }

    /// Censoring by design against its closed form. With event times far beyond the
    /// horizon (median 10¹² months) every patient is censored at its design censoring
    /// time c, so the records are c itself: entry uniform over the accrual A and analysis
    /// at A + F give c ~ Uniform(F, F + A); exponential dropout at rate λ gives
    /// P(c > t) = e^{−λt}; both together the product. At each t, the share with c > t is
    /// within 4 binomial SE of the closed form.
    @Test(arguments: [(24.0, 12.0, 0.0), (0, nil, 0.2), (24, 12, 0.3), (18, 0, 0.1)] as [(Double, Double?, Double)])
    func censoringFollowsEntryAndDropoutDistributions(accrual: Double, followUp: Double?, dropoutPerYear: Double) throws {
        let design = StudyDesign(horizon: 240, accrual: accrual, followUp: followUp, dropoutPerYear: dropoutPerYear)
        let n = 20_000
        let never = Self.model(median: 1e12, ppsMedian: 1e12)
        let r = Engine.run(SimulationRequest(arms: [never], patientsPerArm: n, seed: 21, design: design, recordLimit: n))
        let rec = try #require(r.records?[0])
        #expect(!rec.pfsEvent.contains(true) && !rec.osEvent.contains(true))
        #expect(rec.pfsTime == rec.osTime)
        #expect(r.tallies[0].pfs.censored.reduce(0, +) == n)
        let lambda = design.dropoutRate
        func survival(_ t: Double) -> Double {
            var s = exp(-lambda * t)
            if let f = followUp {
                if accrual > 0 { s *= min(max((f + accrual - t) / accrual, 0), 1) } else if t >= f { s = 0 }
            }
            return t >= 240 ? 0 : s
        }
        let end = followUp.map { $0 + accrual } ?? 60
        for t in stride(from: end / 10, to: end, by: end / 10) {
            let p = survival(t)
            let share = Double(rec.pfsTime.count { $0 > t }) / Double(n)
            let se = (p * (1 - p) / Double(n)).squareRoot()
            #expect(abs(share - p) <= 4 * se, "P(c > \(t)) = \(share), closed form \(p) ± \(se)")
        }
        if let f = followUp { #expect(rec.pfsTime.allSatisfy { $0 <= f + accrual }) }
    }

    @Test func invalidDesignsAreRejected() {
        #expect(throws: NensimFailure.self) { try StudyDesign(horizon: 0).validate() }
        #expect(throws: NensimFailure.self) { try StudyDesign(accrual: 12).validate() }
        #expect(throws: NensimFailure.self) { try StudyDesign(dropoutPerYear: 1).validate() }
    }
}
