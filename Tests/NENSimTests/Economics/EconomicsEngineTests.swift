import Foundation
import Testing
import SurvivalStats
@testable import NENSim

/// Known answers for the economic accrual (docs/ECONOMICS.md): exponential PFS (rate λ)
/// and exponential post-progression time (rate μ), constant costs and utilities, horizon
/// H, discount k = ln(1 + r)/12 per month. With A(a) = (1 − e^{−(a+k)H})/(a + k):
///     E ∫_0^{min(PFS,H)} e^{−kt} dt = A(λ)
///     E ∫_PFS^{min(OS,H)} e^{−kt} dt = λ/(λ − μ) · (A(μ) − A(λ))
///     E[e^{−k·OS}; OS < H] = 1 − S_OS(H) e^{−kH} − k ∫_0^H S_OS e^{−kt} dt
///     E[Σ cycles paid] = Σ_j c e^{−k t_j} e^{−λ t_j}
struct EconomicsEngineTests {
    static let lambda: Double = Foundation.log(2.0) / 12, mu: Double = Foundation.log(2.0) / 18, horizon = 240.0

    static func value(_ v: Double) -> EconomicValue { EconomicValue(v, status: .assumption) }

    static func inputs(cycles: Bool) -> EconomicInputs {
        let drug: DrugSchedule = cycles ? .cycles(cost: value(10_000), atMonths: [0, 2, 4, 6]) : .monthly(cost: value(3_000), maxMonths: nil)
        let arm = ArmEconomics(arm: "x", drug: drug, startCost: value(500), progressionFree: nil, progressed: nil, adverseEvents: [])
        return EconomicInputs(currency: "GBP", priceYear: 2024, costDiscountRate: 0.035, outcomeDiscountRate: 0.015, horizonMonths: nil,
                              progressionFree: StateValues(costPerMonth: value(1_000), utility: value(0.8)),
                              progressed: StateValues(costPerMonth: value(2_000), utility: value(0.6)),
                              terminalCare: value(5_000), arms: ["x": arm], file: nil)
    }

    static func model() -> ArmModel {
        ArmModel(id: "x", name: "x", pfs: Weibull(shape: 1, median: 12), ppsRate: mu)
    }

    /// The closed forms above: (discounted cost, discounted QALYs, discounted life-years).
    static func closedForm(cycles: Bool) -> (cost: Double, qaly: Double, ly: Double) {
        let l: Double = lambda, m: Double = mu, h: Double = horizon
        func a(_ rate: Double, _ k: Double) -> Double { (1 - exp(-(rate + k) * h)) / (rate + k) }
        let kc: Double = Foundation.log(1.035) / 12, ko: Double = Foundation.log(1.015) / 12
        let mix: Double = l / (l - m)
        let pfC = a(l, kc), pdC = mix * (a(m, kc) - a(l, kc))
        let pfO = a(l, ko), pdO = mix * (a(m, ko) - a(l, ko))
        let sOS: Double = exp(-l * h) + mix * (exp(-m * h) - exp(-l * h))
        let terminal: Double = 1 - sOS * exp(-kc * h) - kc * (pfC + pdC)
        var cost: Double = 500 + 1_000 * pfC
        cost += 2_000 * pdC + 5_000 * terminal
        if cycles {
            for t in [0.0, 2, 4, 6] { cost += 10_000 * exp(-(kc + l) * t) }
        } else {
            cost += 3_000 * pfC
        }
        return (cost, (0.8 * pfO + 0.6 * pdO) / 12, (pfO + pdO) / 12)
    }

    @Test(arguments: [false, true])
    func individualLevelMeansAgreeWithTheClosedFormWithinFourSE(cycles: Bool) {
        var request = SimulationRequest(arms: [Self.model()], patientsPerArm: 40_000, seed: 3, blockSize: 4096, threads: 2, recordLimit: 0)
        request.economics = Self.inputs(cycles: cycles)
        let tally = Engine.run(request).tallies[0].economics!
        let truth = Self.closedForm(cycles: cycles)
        #expect(tally.patients == 40_000)
        for (q, t) in [(AccruedQuantity.costs, truth.cost), (.qalys, truth.qaly), (.lifeYears, truth.ly)] {
            #expect(abs(tally.mean(q) - t) <= 4 * tally.standardError(q), "\(q.name): \(tally.mean(q)) vs \(t) ± \(tally.standardError(q))")
        }
    }

    @Test(arguments: [false, true])
    func partitionedSurvivalEqualsTheClosedFormToOneInAMillion(cycles: Bool) {
        let accrual = CostAccrual(inputs: Self.inputs(cycles: cycles), model: Self.model(), horizon: Self.horizon)
        let l = Self.lambda, m = Self.mu
        // The exponential-convolution OS curve in closed form (the model's own is numerical).
        let ps = PartitionedSurvivalModel.evaluate(accrual, pfs: { exp(-l * $0) },
                                                   os: { exp(-l * $0) + l / (l - m) * (exp(-m * $0) - exp(-l * $0)) })
        let truth = Self.closedForm(cycles: cycles)
        #expect(abs(ps.values[AccruedQuantity.costs.rawValue] - truth.cost) <= 1e-6 * truth.cost)
        #expect(abs(ps.values[AccruedQuantity.qalys.rawValue] - truth.qaly) <= 1e-6 * truth.qaly)
        #expect(abs(ps.values[AccruedQuantity.lifeYears.rawValue] - truth.ly) <= 1e-6 * truth.ly)
        #expect(!ps.crossed)
        // And through the arm model's own OS curve (numerical convolution), to its accuracy.
        let own = PartitionedSurvivalModel.evaluate(accrual, model: Self.model())
        #expect(abs(own.values[AccruedQuantity.costs.rawValue] - truth.cost) <= 1e-6 * truth.cost)
    }

    /// Curves that cross (an OS curve below PFS late on): the progressed state is capped
    /// at 0 and the crossing reported.
    @Test func crossingCurvesAreCappedAndReported() {
        let accrual = CostAccrual(inputs: Self.inputs(cycles: false), model: Self.model(), horizon: Self.horizon)
        let ps = PartitionedSurvivalModel.evaluate(accrual, pfs: { exp(-$0 / 20) }, os: { $0 < 24 ? exp(-$0 / 30) : exp(-$0 / 10) })
        #expect(ps.crossed && ps.largestCrossing > 0)
        #expect(ps.values.allSatisfy { $0.isFinite })
    }

    /// Economic tallies are integer sums: any thread count and a merge of two halves give
    /// the same bits.
    @Test func economicTalliesAreIdenticalForAnyThreadCountAndMergeExactly() throws {
        var request = SimulationRequest(arms: [Self.model()], patientsPerArm: 20_001, seed: 9, blockSize: 1000, threads: 1, recordLimit: 0)
        request.economics = Self.inputs(cycles: true)
        let one = Engine.run(request).tallies[0].economics!
        request.threads = 3
        #expect(Engine.run(request).tallies[0].economics! == one)
        let a = Engine.run(request, shard: try ShardSpec(index: 1, count: 2)).tallies[0].economics!
        var b = Engine.run(request, shard: try ShardSpec(index: 2, count: 2)).tallies[0].economics!
        b.add(a)
        #expect(b == one)
    }

    @Test func exactSumAddsSignedValuesAndProductsWithoutLoss() {
        var s = ExactSum()
        s.add(Int64.max); s.add(Int64.max); s.add(-5)
        #expect(s.doubleValue == 2 * Double(Int64.max) - 5)
        var p = ExactSum()
        p.addProduct(Int64(1) << 62, 8); p.addProduct(-3, 4)
        // 2⁶⁵ − 12: high word 1, low word 2⁶⁴ − 12.
        #expect(p.high == 1 && p.low == UInt64.max - 11)
    }
}
