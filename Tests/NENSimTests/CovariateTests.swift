import Foundation
import Testing
@testable import NENSim

struct CovariateTests {
    static let catalogue = try! EvidenceCatalogue.bundled()

    func model(_ id: String, population: String, _ set: [String] = []) throws -> ArmModel {
        try Calibrator(catalogue: Self.catalogue, overrides: ModelOverrides.parse(set),
                       population: PopulationSpec.parse(population)).model(for: id)
    }

    @Test func liverMetastasisHazardRatioComesFromThePopulationFigures() throws {
        let (beta, provenance) = try #require(CovariateEvidence.liverMetastases(Self.catalogue))
        // centres 0.335 (13–54 %) and 0.87 (75–99 %): β = log(log 0.335 / log 0.87)
        #expect(abs(beta - log(log(0.335) / log(0.87))) < 1e-12)
        #expect(provenance.figures.count == 2 && provenance.status == .source)
    }

    /// In the arm's own evidence population the re-calibrated baseline reproduces its figures.
    @Test func evidencePopulationKeepsTheFigures() throws {
        let m = try model("everolimus", population: "liver_metastases=0.92")
        #expect(m.covariates.count == 1)
        #expect(abs(m.pfsMedian - 11) < 1e-6)
        #expect(abs(m.pfsSurvival(at: 18) - 0.35) < 1e-6)
        let prrt = try model("prrt", population: "liver_metastases=0.45")
        #expect(abs(prrt.osMedian - (22.0 * 46).squareRoot()) < 1e-4)
    }

    @Test func anotherPopulationIsTransportedByTheHazardRatio() throws {
        let none = try model("everolimus", population: "liver_metastases=0")
        let all = try model("everolimus", population: "liver_metastases=1")
        #expect(none.pfsMedian > 11 && all.pfsMedian < 11)
        #expect(none.notes.contains { $0.contains("transported") })
        let weaker = try model("everolimus", population: "liver_metastases=0", ["everolimus.liver_metastases.log_hr=0.5"])
        #expect(weaker.pfsMedian < none.pfsMedian)
    }

    /// The engine draws covariates at their prevalence and the simulated marginal
    /// matches the mixture the model implies (4 SE at a fixed seed).
    @Test func simulatedMixtureMatchesTheModel() throws {
        let m = try model("everolimus", population: "liver_metastases=0.5")
        let n = 200_000
        let r = Engine.run(SimulationRequest(arms: [m], patientsPerArm: n, seed: 17, recordLimit: n))
        let rec = try #require(r.records?[0])
        for t in [6.0, 12, 24] {
            let p = m.pfsSurvival(at: t)
            let observed = Double(rec.pfsTime.filter { $0 > t }.count) / Double(n)
            #expect(abs(observed - p) <= 4 * (p * (1 - p) / Double(n)).squareRoot(), "PFS S(\(t))")
            let q = m.osSurvival(at: t)
            let observedOS = Double(rec.osTime.filter { $0 > t }.count) / Double(n)
            #expect(abs(observedOS - q) <= 4 * (q * (1 - q) / Double(n)).squareRoot(), "OS S(\(t))")
        }
    }

    @Test(arguments: ["liver_metastases=1.5", "site=mars", "grade=G4", "sstr=maybe", "ki67=200", "colour=blue", "liver_metastases"])
    func badPopulationsAreUsageErrors(text: String) {
        #expect(throws: NensimFailure.self) { try PopulationSpec.parse(text) }
    }

    @Test func runningOutsideTheEvidencePopulationIsNamed() throws {
        let spec = try PopulationSpec.parse("sstr=negative,grade=G3")
        let reasons = spec.mismatches(with: try Self.catalogue.arm("prrt"))
        #expect(reasons.contains { $0.contains("SSTR-positive") })
        #expect(reasons.contains { $0.contains("G3") })
    }
}
