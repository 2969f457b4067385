import Foundation
import Testing
@testable import NENSim

struct RunPSATests {
    /// R: quantile(c(3, 1, 4, 1.5, 9, 2.6), c(0.025, 0.5, 0.975)) (type 7).
    @Test func percentilesAreRsTypeSeven() {
        let sorted = [3, 1, 4, 1.5, 9, 2.6].sorted()
        #expect(abs(RunPSA.quantile(sorted, 0.025) - 1.0625) < 1e-12)
        #expect(abs(RunPSA.quantile(sorted, 0.5) - 2.8) < 1e-12)
        #expect(abs(RunPSA.quantile(sorted, 0.975) - 8.375) < 1e-12)
    }

    /// Ranges spread the statistics they drive; a figure given as a point does not.
    @Test func onlyRangedFiguresSpread() throws {
        let catalogue = try EvidenceCatalogue.bundled()
        let calibrator = Calibrator(catalogue: catalogue)
        let models = try ["prrt", "everolimus"].map { try calibrator.model(for: $0) }
        let request = SimulationRequest(arms: models, patientsPerArm: 5000, seed: 3, recordLimit: 0)
        let base = try Reporter.report(Engine.run(request), reference: "prrt")
        // Assumptions fixed at their base values (docs/MODEL.md, "Uncertainty of assumptions"):
        // only the figures' ranges move the draws.
        let draws = try PSA.sample(catalogue: catalogue, overrides: PSA.fixingAssumptions(of: models, in: ModelOverrides()),
                                   arms: ["prrt", "everolimus"], K: 12, seed: 3)
        let r = try RunPSA.run(base: base, draws: draws, request: request, reference: "prrt", tau: nil).psa
        let byName = Dictionary(uniqueKeysWithValues: r.statistics.map { ($0.name, $0) })
        let prrt = try #require(byName["prrt.pfs.median"])
        #expect(prrt.upper - prrt.lower > 3)
        let evero = try #require(byName["everolimus.pfs.median"])
        #expect(evero.upper == evero.lower)
        #expect(r.rows.count == 12 && r.columns.count == r.rows[0].count)
        #expect(r.redrawnFigures.contains("prrt.pfs.median"))
    }

    /// A draw's point-estimate report (`ReportDetail.pointEstimates`, what the PSA runs)
    /// gives the full report's statistics: the same names in the same order and the same
    /// bits, in tally mode and with exact records, with and without costs.
    @Test(arguments: [0, 20_000])
    func pointEstimatesEqualTheFullReportsStatisticsBitForBit(recordLimit: Int) throws {
        let catalogue = try EvidenceCatalogue.bundled()
        let draws = try PSA.sample(catalogue: catalogue, arms: ["prrt", "everolimus", "ssa"], K: 3, seed: 11)
        for d in draws {
            var request = SimulationRequest(arms: d.arms, patientsPerArm: 3000, seed: 11, threads: 1, recordLimit: recordLimit)
            request.design.horizon = 90
            let result = Engine.run(request)
            #expect((result.records != nil) == (recordLimit > 0))
            for (reference, tau) in [("prrt", nil), ("ssa", 30.0)] as [(String, Double?)] {
                let full = RunPSA.statistics(try Reporter.report(result, reference: reference, tau: tau))
                let point = RunPSA.statistics(try Reporter.report(result, reference: reference, tau: tau, detail: .pointEstimates))
                #expect(point.map(\.0) == full.map(\.0))
                #expect(point.map(\.1.bitPattern) == full.map(\.1.bitPattern), "draw \(d.index), reference \(reference)")
                #expect(full.contains { $0.0.hasSuffix(".hr") } && full.allSatisfy { !$0.1.isNaN })
            }
        }
    }

    /// The PSA's rows and economic tallies do not depend on the thread count (draws run
    /// concurrently, each in its own slot), and each draw's row is the full report's.
    @Test func drawsGiveTheSameRowsForAnyThreadCount() throws {
        let catalogue = try EvidenceCatalogue.bundled()
        let calibrator = Calibrator(catalogue: catalogue)
        let models = try ["prrt", "everolimus"].map { try calibrator.model(for: $0) }
        var request = SimulationRequest(arms: models, patientsPerArm: 2000, seed: 5, recordLimit: 0)
        request.economics = try AccrualKernelTests.example()
        let base = try Reporter.report(Engine.run(request), reference: "prrt")
        let draws = try PSA.sample(catalogue: catalogue, arms: ["prrt", "everolimus"], K: 7, seed: 5)
        var runs: [(psa: RunPSAResult, economics: [[EconomicTally]])] = []
        for threads in [1, 2, 3] {
            request.threads = threads
            runs.append(try RunPSA.run(base: base, draws: draws, request: request, reference: "prrt", tau: nil))
        }
        for r in runs.dropFirst() {
            #expect(r.psa.rows.map { $0.map(\.bitPattern) } == runs[0].psa.rows.map { $0.map(\.bitPattern) })
            #expect(r.economics == runs[0].economics)
        }
        #expect(runs[0].economics.count == 7 && runs[0].economics.allSatisfy { $0.count == 2 && $0[0] != EconomicTally() })
        // Draw 4 one after another through the full report: the same row.
        var one = request
        one.arms = draws[4].arms
        let full = Dictionary(RunPSA.statistics(try Reporter.report(Engine.run(one), reference: "prrt")), uniquingKeysWith: { a, _ in a })
        let names = RunPSA.statistics(base).map(\.0)
        let row = runs[0].psa.rows[4].suffix(names.count)
        #expect(Array(row).map(\.bitPattern) == names.map { full[$0]!.bitPattern })
    }
}
