import CKernels
import Foundation
import SurvivalStats
import Testing
@testable import NENSim

/// The per-patient accrual kernel (docs/ECONOMICS.md, "Per-patient accrual"): the
/// vectorised block form gives the one-patient bits, both agree with the closed forms
/// evaluated with the platform's libm to rounding, the sums are exact, and a pathway's
/// lines are accrued by the same code (a one-line pathway equals its arm, bit for bit).
struct AccrualKernelTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func example() throws -> EconomicInputs {
        try EconomicInputs.load(path: repository.appendingPathComponent("data/economics-example.json").path)
    }

    static func model(_ id: String) throws -> ArmModel {
        try Calibrator(catalogue: try EvidenceCatalogue.bundled()).model(for: id)
    }

    /// Configurations covering every branch of the kernel: the example's arms (monthly drug,
    /// cycles, adverse events), a capped drug, different rates, no discounting, and rates
    /// and a horizon with k·H > 1 (the exp branch of g).
    static let configurations: [(arm: String, costRate: Double, outcomeRate: Double, horizon: Double, maxMonths: Double?)] = [
        ("everolimus", 0.035, 0.035, 240, nil),
        ("everolimus", 0.06, 0.015, 240, 18),
        ("prrt", 0.035, 0.035, 240, nil),
        ("tace", 0.035, 0.0, 120, nil),
        ("rfa", 0.0, 0.0, 240, nil),
        ("sunitinib", 0.6, 0.4, 1200, 30),
    ]

    static func accrual(_ c: (arm: String, costRate: Double, outcomeRate: Double, horizon: Double, maxMonths: Double?)) throws -> CostAccrual {
        var inputs = try example()
        inputs.costDiscountRate = c.costRate
        inputs.outcomeDiscountRate = c.outcomeRate
        if let m = c.maxMonths, case .monthly(let cost, _)? = inputs.arms[c.arm]?.drug { inputs.arms[c.arm]!.drug = .monthly(cost: cost, maxMonths: m) }
        return CostAccrual(inputs: inputs, model: try model(c.arm), horizon: c.horizon)
    }

    /// PFS and post-progression times over the range the engine makes, with exact zeros
    /// (death without progression), times beyond the horizon and cycle months hit exactly.
    static func times(_ n: Int) -> (pfs: [Double], pps: [Double]) {
        var g = FuzzTests.SplitMix(state: 42)
        func unit() -> Double { (Double(g.next() >> 11) + 0.5) / 0x1p53 }
        var pfs: [Double] = [], pps: [Double] = []
        for i in 0..<n {
            pfs.append(i % 97 == 0 ? 1.8398 : -30 * Foundation.log(unit()))
            pps.append(i % 13 == 0 ? 0 : -40 * Foundation.log(unit()))
        }
        pfs[1] = 0; pps[2] = 5_000
        return (pfs, pps)
    }

    @Test(arguments: configurations.indices)
    func blockKernelGivesTheOnePatientBitsForEveryPatient(index: Int) throws {
        let a = try Self.accrual(Self.configurations[index])
        let n = 2_050
        let (pfs, pps) = Self.times(n)
        var values = [Double](repeating: .nan, count: 6 * n)
        nensim_accrue_arm_values(a.kernel.constants, pfs, pps, n, &values)
        for i in 0..<n {
            let one = a.accrue(progression: pfs[i], end: pfs[i] + pps[i], death: pfs[i] + pps[i])
            for q in 0..<6 where one[q].bitPattern != values[q * n + i].bitPattern {
                Issue.record("patient \(i) quantity \(q): block \(values[q * n + i]) vs one patient \(one[q])")
                return
            }
        }
    }

    /// The formulas of docs/ECONOMICS.md with `Discounting` (the platform's exp and expm1).
    static func reference(_ a: CostAccrual, pfs: Double, os: Double) -> [Double] {
        let h = a.horizon, tP = min(pfs, h), tD = min(os, h)
        let c = a.costs, o = a.outcomes
        var cost = a.startCost + a.pfCost * c.integral(fromMonth: 0, toMonth: tP) + a.pdCost * c.integral(fromMonth: tP, toMonth: tD)
        var costU = a.startCost + a.pfCost * tP + a.pdCost * (tD - tP)
        let tT = min(tP, a.drugMax)
        cost += a.drugPerMonth * c.integral(fromMonth: 0, toMonth: tT); costU += a.drugPerMonth * tT
        for m in a.cycleMonths where m < pfs && m < h { cost += a.cycleCost * c.factor(atMonth: m); costU += a.cycleCost }
        if os < h { cost += a.terminalCost * c.factor(atMonth: os); costU += a.terminalCost }
        var q = (a.pfUtility * o.integral(fromMonth: 0, toMonth: tP) + a.pdUtility * o.integral(fromMonth: tP, toMonth: tD)) / 12
        var qU = (a.pfUtility * tP + a.pdUtility * (tD - tP)) / 12
        for d in a.disutilities {
            let end = min(d.months, tD)
            q -= d.weight * o.integral(fromMonth: 0, toMonth: end) / 12; qU -= d.weight * end / 12
        }
        return [cost, costU, q, qU, o.integral(fromMonth: 0, toMonth: tD) / 12, tD / 12]
    }

    /// A cured patient (mixture cure: PFS +∞, so OS +∞) accrues finite costs, QALYs and
    /// life-years over the horizon: exactly those of a patient progression-free and alive
    /// past the horizon, in the block kernel and the one-patient form.
    @Test(arguments: configurations.indices)
    func aCuredPatientAccruesFiniteValuesOverTheHorizon(index: Int) throws {
        let c = Self.configurations[index]
        let a = try Self.accrual(c)
        let pfs: [Double] = [.infinity, .infinity, 4 * c.horizon], pps: [Double] = [0, 12, 0]
        var values = [Double](repeating: .nan, count: 6 * 3)
        nensim_accrue_arm_values(a.kernel.constants, pfs, pps, 3, &values)
        for q in 0..<6 {
            #expect(values[q * 3].isFinite && values[q * 3 + 1].isFinite, "quantity \(q): \(values[q * 3]), \(values[q * 3 + 1])")
            #expect(values[q * 3] == values[q * 3 + 2] && values[q * 3 + 1] == values[q * 3 + 2], "quantity \(q): cured \(values[q * 3]) vs past the horizon \(values[q * 3 + 2])")
        }
        #expect(values[4 * 3] > 0, "life-years of a cured patient are positive")
        let one = a.accrue(progression: .infinity, end: .infinity, death: .infinity)
        #expect(one.allSatisfy(\.isFinite) && (0..<6).allSatisfy { one[$0] == values[$0 * 3] }, "\(one)")
    }

    @Test(arguments: configurations.indices)
    func kernelAgreesWithTheLibmClosedFormsToRounding(index: Int) throws {
        let a = try Self.accrual(Self.configurations[index])
        let (pfs, pps) = Self.times(3_000)
        var worst = 0.0
        for i in pfs.indices {
            let k = a.accrue(progression: pfs[i], end: pfs[i] + pps[i], death: pfs[i] + pps[i])
            let r = Self.reference(a, pfs: pfs[i], os: pfs[i] + pps[i])
            // Relative to the quantity's scale (a cost of 10⁵ is summed from terms of that size).
            for q in 0..<6 { worst = max(worst, abs(k[q] - r[q]) / max(abs(r[q]), q < 2 ? 1_000 : 1)) }
        }
        #expect(worst < 1e-13, "largest relative difference \(worst)")
    }

    /// Σq is exact and Σq² exact while a pass's squares stay below 2⁵³; ties round to even.
    @Test func sumsAreExactIntegersOfTheFixedPointValues() {
        let n = 1_500
        var values = [Double](repeating: 0, count: 6 * n)
        var expected = [Int64](repeating: 0, count: 6), squares = [Int64](repeating: 0, count: 6), cross: Int64 = 0
        for i in 0..<n {
            for q in 0..<6 {
                var k = Int64((i * 7 + q * 13) % 1_000) - 300
                values[q * n + i] = Double(k) / 0x1p20
                if q == 5 && i == 0 {
                    // A tie, −235.5 units: to even, −236.
                    values[q * n + i] = (Double(k) - 0.5) / 0x1p20
                    k = -236
                }
                expected[q] += k; squares[q] += k * k
            }
            cross += (Int64((i * 7) % 1_000) - 300) * (Int64((i * 7 + 26) % 1_000) - 300)
        }
        var tally = EconomicTally()
        values.withUnsafeBufferPointer { tally.add(values: $0.baseAddress!, count: n) }
        #expect(tally.patients == n)
        for q in 0..<6 {
            #expect(tally.sums[q] == ExactSum(high: expected[q] < 0 ? -1 : 0, low: UInt64(bitPattern: expected[q])), "Σq of \(q)")
            #expect(tally.squares[q] == ExactSum(high: 0, low: UInt64(squares[q])), "Σq² of \(q)")
        }
        #expect(tally.costQALYProducts == ExactSum(high: cross < 0 ? -1 : 0, low: UInt64(bitPattern: cross)))
    }

    /// The engine's economic sums for a fixed seed, pinned: only the CKernels arithmetic
    /// (fdlibm exp, the Taylor series of g, IEEE operations with contraction off) enters
    /// them, so every machine and every vector width gives these bits.
    @Test func economicSumsOfAFixedRunArePinned() throws {
        var request = SimulationRequest(arms: [try Self.model("prrt"), try Self.model("everolimus")], patientsPerArm: 5_000, seed: 1,
                                        blockSize: 1_000, threads: 2, recordLimit: 0)
        request.economics = try Self.example()
        let t = Engine.run(request).tallies.map { $0.economics! }
        // Per arm: Σq of the six quantities, then Σq² of cost and of QALYs and Σ q_cost·q_QALY (low words).
        let pinned = t.map { e in
            AccruedQuantity.allCases.map { e.sums[$0.rawValue].low } + [e.squares[0].low, e.squares[2].low, e.costQALYProducts.low]
        }
        #expect(pinned == Self.pinnedSums, "\(pinned)")
        #expect(t.allSatisfy { $0.sums.allSatisfy { $0.high == 0 } && $0.patients == 5_000 })
    }

    static let pinnedSums: [[UInt64]] = [
        [453_368_390_459_545, 467_288_966_194_955, 12_478_808_315, 13_813_300_837, 16_624_431_647, 18_408_502_195,
         11_643_835_677_962_928_128, 51_683_555_316_075_895, 4_323_165_185_175_044_096],
        [438_196_554_123_448, 482_055_472_289_355, 14_321_911_226, 16_071_429_881, 21_449_862_079, 24_187_484_409,
         5_821_488_112_471_113_728, 60_090_200_060_932_262, 10_312_211_594_197_499_904],
    ]

    /// A one-line pathway draws its arm's patients (docs/PATHWAYS.md) and accrues them with
    /// the one accrual code: its economic tally equals the arm's, bit for bit.
    @Test func aOneLinePathwayAccruesExactlyAsItsArm() throws {
        for id in ["prrt", "tace", "everolimus"] {
            let model = try Self.model(id)
            var sim = SimulationRequest(arms: [model], patientsPerArm: 9_001, seed: 3, blockSize: 1_000, threads: 2, recordLimit: 0)
            sim.economics = try Self.example()
            let single = Engine.run(sim).tallies[0].economics!
            let p = Pathway(lines: [PathwayLine(line: 1, model: model, evidenceLine: 2, laterLineHazardRatio: 1.25)])
            let path = PathwayEngine.run(PathwayRequest(pathways: [p], simulation: sim)).tallies[0].economics!
            #expect(path.total == single, "\(id)")
            #expect(path.lines == [single], "\(id)")
        }
    }

    /// Each line's sums add up to the pathway's total (each value rounded to 2⁻²⁰ on its
    /// own: within half a unit per line and patient), line 2 is costed only for the
    /// patients who reach it, and the tallies do not depend on the thread count.
    @Test func pathwayLinesAddUpToTheTotalForAnyThreadCount() throws {
        let models = try ["ssa", "prrt", "everolimus"].map(Self.model)
        var sim = SimulationRequest(arms: [], patientsPerArm: 6_000, seed: 11, blockSize: 700, threads: 1, recordLimit: 0)
        sim.economics = try Self.example()
        let p = PathwayTests.pathway(models)
        let one = PathwayEngine.run(PathwayRequest(pathways: [p], simulation: sim)).tallies[0]
        sim.threads = 3
        let three = PathwayEngine.run(PathwayRequest(pathways: [p], simulation: sim)).tallies[0]
        #expect(one == three)
        let e = try #require(one.economics)
        #expect(e.lines.count == 3 && e.total.patients == 6_000)
        for q in AccruedQuantity.allCases {
            let lines = e.lines.map { $0.sums[q.rawValue].doubleValue }.reduce(0, +)
            #expect(abs(lines - e.total.sums[q.rawValue].doubleValue) <= 3 * 6_000, "\(q.name)")
        }
        // Life-years: every line's share is positive, and later lines, reached by fewer, hold less.
        let ly = e.lines.map { $0.mean(.lifeYearsUndiscounted) }
        #expect(ly.allSatisfy { $0 > 0 } && ly[2] < ly[0], "\(ly)")
        // Undiscounted life-years of the total are the mean OS (capped at the horizon) in years.
        #expect(e.total.mean(.lifeYearsUndiscounted) > 0 && e.total.mean(.lifeYearsUndiscounted) <= sim.design.horizon / 12)
    }
}
