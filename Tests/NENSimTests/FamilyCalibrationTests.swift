import Foundation
import SurvivalStats
import Testing
@testable import NENSim

/// Arms from summary figures in any family (docs/MODEL.md, "Families").
struct FamilyCalibrationTests {
    static func figure(_ id: String, _ endpoint: Endpoint, _ kind: FigureKind, _ value: Double, time: Double? = nil, category: String? = nil) -> Figure {
        Figure(id: "trial.\(id)", endpoint: endpoint, kind: kind, value: value, unit: kind == .median ? "months" : "proportion", time: time,
               category: category, section: "test", quote: "", gloss: id, status: .external, citation: "test", calibrates: true, use: "test")
    }

    /// An arm with PFS median 10 and S(12) = 0.42, OS median 30, in the given families.
    static func catalogue(pfs: ParametricFamily?, pps: ParametricFamily? = nil, pfsFigures: [Figure]? = nil, extra: [Figure] = []) -> EvidenceCatalogue {
        var arm = ArmEvidence(id: "trial", name: "trial", armClass: "control",
                              figures: (pfsFigures ?? [figure("pfs.median", .pfs, .median, 10), figure("pfs.s12", .pfs, .landmark, 0.42, time: 12)])
                                  + [figure("os.median", .os, .median, 30)] + extra)
        arm.dist = ArmFamilies(pfs: pfs, pps: pps)
        return EvidenceCatalogue(arms: [arm])
    }

    static func model(_ catalogue: EvidenceCatalogue, _ set: [String] = []) throws -> ArmModel {
        try Calibrator(catalogue: catalogue, overrides: ModelOverrides.parse(set)).model(for: "trial")
    }

    /// The simulated `times` reproduce the calibration's median 10 and S(12) = 0.42 within
    /// 4 MC SE (the median's SE from `d`'s density at 10, the landmark's binomial).
    static func expectMedian10AndS12(_ times: [Double], of d: ArmDistribution, label: String) {
        let n = times.count, sorted = times.sorted()
        let median = 0.5 * (sorted[n / 2 - 1] + sorted[n / 2])
        let medianSE = (0.25 / Double(n)).squareRoot() / d.density(10)
        #expect(abs(median - 10) <= 4 * medianSE, "\(label) median \(median) ± \(medianSE)")
        let s12 = FamilyEngineTests.survival(times, at: 12), se = (0.42 * 0.58 / Double(n)).squareRoot()
        #expect(abs(s12 - 0.42) <= 4 * se, "\(label) S(12) \(s12) ± \(se)")
    }

    static func records(_ m: ArmModel, n: Int, seed: UInt64) throws -> PatientRecords {
        var request = SimulationRequest(arms: [m], patientsPerArm: n, seed: seed, recordLimit: n)
        request.design = StudyDesign(horizon: 1200)
        return try #require(Engine.run(request).records?[0])
    }

    @Test("a median and a 12-month landmark in each two-parameter family: both reproduced within 4 MC SE",
          arguments: [ParametricFamily.weibull, .loglogistic, .lognormal, .gompertz, .gengamma])
    func medianAndLandmarkReproduced(family: ParametricFamily) throws {
        let m = try Self.model(Self.catalogue(pfs: family))
        let d = m.pfsFamily
        #expect(d.family == family)
        #expect(abs(d.median - 10) < 1e-6 && abs(d.survival(12) - 0.42) < 1e-6, "\(d.summary)")
        let n = 40_000
        let rec = try Self.records(m, n: n, seed: 31)
        Self.expectMedian10AndS12(rec.pfsTime, of: d, label: "\(family)")
        // The OS figure holds through the post-progression fit in the new family's OS.
        #expect(abs(m.osMedian - 30) < 1e-3, "OS median \(m.osMedian)")
        // Residuals: two figures, two parameters: none.
        if family != .weibull { #expect(try #require(m.pfsFamilyFit).maxAbsResidual < 1e-8) }
    }

    @Test("one figure: the family's shape is a labelled assumption, overridable with --set")
    func oneFigureShapeIsAnAssumption() throws {
        let one = [Self.figure("pfs.median", .pfs, .median, 10)]
        let m = try Self.model(Self.catalogue(pfs: .lognormal, pfsFigures: one))
        let sdlog = try #require(m.parameters.first { $0.name == "pfs.sdlog" })
        #expect(sdlog.status == .assumption && abs(sdlog.value - Double.pi / 6.0.squareRoot()) < 1e-12)
        #expect(sdlog.rule.contains("trial.pfs.sdlog=VALUE"))
        #expect(abs(m.pfsMedian - 10) < 1e-9)
        let set = try Self.model(Self.catalogue(pfs: .lognormal, pfsFigures: one), ["trial.pfs.sdlog=0.5"])
        #expect(set.parameters.first { $0.name == "pfs.sdlog" }?.status == .override)
        #expect(abs(set.pfsFamily.parameters[1] - log(0.5)) < 1e-12 && abs(set.pfsMedian - 10) < 1e-9)
    }

    @Test("--set ARM.pfs.dist chooses the family over the evidence's; unknown families are refused")
    func setChoosesTheFamily() throws {
        let m = try Self.model(Self.catalogue(pfs: nil), ["trial.pfs.dist=loglogistic"])
        #expect(m.pfsFamily.family == .loglogistic)
        #expect(throws: NensimFailure.self) { try ModelOverrides.parse(["trial.pfs.dist=loglogistc"]) }
        let weibull = try Self.model(Self.catalogue(pfs: nil))
        #expect(weibull.pfsDistribution == nil && weibull.hasDefaultFamilies)
    }

    @Test("post-progression survival in another family meets the OS figures")
    func postProgressionFamilyMeetsOS() throws {
        let os = [Self.figure("os.s24", .os, .landmark, 0.7, time: 24)]
        let m = try Self.model(Self.catalogue(pfs: nil, pps: .weibull, extra: os))
        #expect(m.ppsDistribution?.family == .weibull)
        #expect(abs(m.osMedian - 30) < 1e-3 && abs(m.osSurvival(at: 24) - 0.7) < 1e-3)
        #expect(m.parameters.first { $0.name == "pps.shape" }?.rule == "fitted to the OS figures")
    }

    @Test("a death-without-progression figure is used, PFS stays and OS still meets its figure")
    func deathShareFromTheEvidence() throws {
        let share = [Self.figure("pfs.deaths", .pfs, .proportion, 0.2, category: "death_without_progression")]
        let m = try Self.model(Self.catalogue(pfs: nil, extra: share))
        #expect(m.deathShare == 0.2)
        #expect(m.parameters.first { $0.name == "pfs.death_share" }?.figures == ["trial.pfs.deaths"])
        #expect(abs(m.pfsMedian - 10) < 1e-9 && abs(m.osMedian - 30) < 1e-3)
        let n = 40_000
        let rec = try Self.records(m, n: n, seed: 41)
        let s = FamilyEngineTests.survival(rec.osTime, at: 30)
        #expect(abs(s - 0.5) <= 4 * (0.25 / Double(n)).squareRoot(), "OS S(30) \(s)")
    }
}
