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
        let r = try RunPSA.run(base: base, draws: draws, request: request, reference: "prrt", tau: nil)
        let byName = Dictionary(uniqueKeysWithValues: r.statistics.map { ($0.name, $0) })
        let prrt = try #require(byName["prrt.pfs.median"])
        #expect(prrt.upper - prrt.lower > 3)
        let evero = try #require(byName["everolimus.pfs.median"])
        #expect(evero.upper == evero.lower)
        #expect(r.rows.count == 12 && r.columns.count == r.rows[0].count)
        #expect(r.redrawnFigures.contains("prrt.pfs.median"))
    }
}
