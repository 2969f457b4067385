import Foundation
import Testing
@testable import SurvivalStats

@Suite struct DiscountingTests {
    /// ∫_0^H e^{−δt/12} dt = 12(1 − e^{−δH/12})/δ, and the same from the split integral.
    @Test func closedFormIntegralMatchesTheTextbookFormulaAndIsAdditive() {
        let d = Discounting(annualRate: 0.035)
        let delta = log(1.035)
        let h = 120.0
        let expected = 12 * (1 - exp(-delta * h / 12)) / delta
        #expect(abs(d.integral(fromMonth: 0, toMonth: h) - expected) <= 1e-12 * expected)
        let split = d.integral(fromMonth: 0, toMonth: 37.3) + d.integral(fromMonth: 37.3, toMonth: h)
        #expect(abs(split - expected) <= 1e-12 * expected)
        #expect(abs(d.factor(atMonth: 24) - 1 / (1.035 * 1.035)) <= 1e-15)
    }

    /// As r → 0 the integral tends to the interval's length with no cancellation: at
    /// r = 1e-12 it is within 1e-10 relative of b − a, and r = 0 gives b − a exactly.
    @Test func integralStaysAccurateAsTheRateVanishes() {
        #expect(Discounting(annualRate: 0).integral(fromMonth: 3, toMonth: 50) == 47)
        let tiny = Discounting(annualRate: 1e-12).integral(fromMonth: 3, toMonth: 50)
        #expect(abs(tiny - 47) <= 1e-10 * 47)
        // Against a long double-free series: 47·(1 − x/2 + x²/6) with x = δ·47/12 at r = 1e-6.
        let r = 1e-6, x = log1p(r) * 47 / 12
        let series = exp(-log1p(r) * 3 / 12) * 47 * (1 - x / 2 + x * x / 6)
        #expect(abs(Discounting(annualRate: r).integral(fromMonth: 3, toMonth: 50) - series) <= 1e-14 * 47)
        #expect(Discounting(annualRate: 0.05).integral(fromMonth: 10, toMonth: 10) == 0)
    }

    /// Σ_{y<Y} (1 + r)^(−y) against the direct sum, and Y at r = 0.
    @Test func annuityIsTheSumOfYearlyFactors() {
        let d = Discounting(annualRate: 0.035)
        let direct = (0..<10).reduce(0.0) { $0 + pow(1.035, -Double($1)) }
        #expect(abs(d.annuity(years: 10) - direct) <= 1e-13 * direct)
        #expect(Discounting(annualRate: 0).annuity(years: 7) == 7)
        #expect(d.annuity(years: 0) == 0)
    }
}

@Suite struct IncrementalAnalysisTests {
    /// Five strategies worked by hand (the textbook procedure: drop the strongly dominated,
    /// then the extendedly dominated, ICERs between neighbours on what is left):
    ///     A 10 000 / 1.0   B 15 000 / 1.2   C 20 000 / 1.1 (dominated by B)
    ///     D 30 000 / 1.5 (ICER vs B 50 000 > E's vs D 6 667: extendedly dominated)
    ///     E 32 000 / 1.8
    /// Frontier A → B (25 000 per QALY) → E (17 000/0.6 = 28 333.33 per QALY).
    @Test func fiveStrategiesGiveTheHandWorkedFrontier() {
        let costs = [10_000.0, 15_000, 20_000, 30_000, 32_000]
        let effects = [1.0, 1.2, 1.1, 1.5, 1.8]
        let rows = IncrementalAnalysis.analyse(costs: costs, effects: effects)
        #expect(rows.map(\.index) == [0, 2, 1, 3, 4])
        let byIndex = Dictionary(uniqueKeysWithValues: rows.map { ($0.index, $0) })
        #expect(byIndex[0]!.status == .frontier && byIndex[0]!.icer == nil)
        #expect(byIndex[1]!.status == .frontier && byIndex[1]!.comparator == 0)
        #expect(abs(byIndex[1]!.icer! - 25_000) < 1e-8)
        #expect(byIndex[2]!.status == .dominated(by: 1))
        #expect(byIndex[3]!.status == .extendedlyDominated(between: 1, and: 4))
        #expect(byIndex[4]!.comparator == 1)
        #expect(abs(byIndex[4]!.icer! - 17_000 / 0.6) < 1e-8)
    }

    /// Removing one extendedly dominated strategy can expose another: ICERs 10 000,
    /// 40 000, 30 000, 20 000 along four steps leave only the first and last.
    @Test func extendedDominanceCascades() {
        let costs = [0.0, 10_000, 50_000, 80_000, 100_000]
        let effects = [0.0, 1, 2, 3, 4]
        let rows = IncrementalAnalysis.analyse(costs: costs, effects: effects)
        let frontier = rows.filter { $0.status == .frontier }.map(\.index)
        #expect(frontier == [0, 1, 4])
        #expect(abs(rows.first { $0.index == 4 }!.icer! - 30_000) < 1e-8)
    }

    @Test(arguments: [
        (10.0, 1.0, IncrementalAnalysis.Quadrant.northEast, Optional(10.0)),
        (-10.0, 1.0, .dominant, nil),
        (10.0, -1.0, .dominated, nil),
        (-10.0, -2.0, .southWest, Optional(5.0)),
        (0.0, 0.0, .equal, nil),
    ])
    func quadrantsAreNamed(dc: Double, de: Double, quadrant: IncrementalAnalysis.Quadrant, icer: Double?) {
        let c = IncrementalAnalysis.compare(cost: 100 + dc, effect: 2 + de, referenceCost: 100, referenceEffect: 2)
        #expect(c.quadrant == quadrant)
        #expect(c.icer == icer)
    }
}

@Suite struct ValueOfInformationTests {
    /// Two strategies, four draws, worked by hand at λ = 10: NMB of A = 10·E − C:
    /// draws (A, B) = (0, 5), (10, 0), (0, 2), (6, 1): B wins draws 1 and 3 (P = 0.5);
    /// E[NMB] = (4, 2): A optimal; E[max] = (5 + 10 + 2 + 6)/4 = 5.75, EVPI = 1.75.
    @Test func ceacAndEVPIOfAHandWorkedMatrix() {
        let effect = [1.0, 1.5, 2, 1, 1, 1.2, 1, 1]
        let nmb = [0.0, 5, 10, 0, 0, 2, 6, 1]
        let cost = zip(effect, nmb).map { 10 * $0 - $1 }
        let m = DrawMatrix(draws: 4, strategies: 2, cost: cost, effect: effect)
        let p = ValueOfInformation.analyse(m, wtp: [10])[0]
        #expect(p.probabilityCostEffective == [0.5, 0.5])
        #expect(p.expectedNMB.map { ($0 * 1e9).rounded() / 1e9 } == [4, 2])
        #expect(p.optimal == 0)
        #expect(abs(p.evpi - 1.75) < 1e-12)
        #expect(p.evpiBiasBound == nil)
    }

    /// Every draw identical: no decision uncertainty, EVPI 0; the bias bound from
    /// variances (cost SE² 4 and 9, no effect noise) is √(4 + 9) per draw.
    @Test func evpiVanishesWithoutUncertaintyAndTheBoundAddsVariances() {
        let m = DrawMatrix(draws: 3, strategies: 2, cost: [1, 2, 1, 2, 1, 2], effect: [1, 1, 1, 1, 1, 1],
                           costVariance: [4, 9, 4, 9, 4, 9], effectVariance: [0, 0, 0, 0, 0, 0], covariance: [0, 0, 0, 0, 0, 0])
        let p = ValueOfInformation.analyse(m, wtp: [0, 1000])
        #expect(p.allSatisfy { $0.evpi == 0 && $0.optimal == 0 && $0.probabilityCostEffective == [1, 0] })
        #expect(abs(p[0].evpiBiasBound! - 13.0.squareRoot()) < 1e-12)
        let pop = ValueOfInformation.populationEVPI(perPatient: 2, patientsPerYear: 100, years: 2,
                                                     discounting: Discounting(annualRate: 0.035))
        #expect(abs(pop - 200 * (1 + 1 / 1.035)) < 1e-9)
    }
}
