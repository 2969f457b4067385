import CKernels
import Foundation
import SurvivalStats
import Testing
@testable import NENSim

/// The piecewise exponential and the mixture cure as arm laws: the kernel's inverse, the
/// calibration and the simulation (docs/MODEL.md, "Families"; docs/RANDOM.md,
/// "Event-time families").
struct CureAndPiecewiseTests {
    static let pieces = PiecewiseExponentialDistribution(cuts: [6, 12, 24], rates: [0.05, 0.09, 0.02, 0.06])!

    /// Laws with a piecewise exponential or a cure, each in a different base.
    static let laws: [ArmDistribution] = [
        ArmDistribution(piecewise: pieces),
        ArmDistribution(piecewise: PiecewiseExponentialDistribution(cuts: [3, 9], rates: [0.1, 0, 0.07])!), // a zero-rate piece
        ArmDistribution(piecewise: pieces, cureFraction: 0.15),
        ArmDistribution.locationScale(.weibull, location: log(14), scale: 1 / 1.3).cured(0.25),
        ArmDistribution.locationScale(.loglogistic, location: log(12), scale: 0.6).cured(0.1),
        ArmDistribution.locationScale(.lognormal, location: log(12), scale: 1.1).cured(0.3),
        ArmDistribution(family: .exponential, parameters: [log(10)], cureFraction: 0.4),
        ArmDistribution(family: .gengamma, parameters: [log(12), log(0.9), 0.6], cureFraction: 0.2),
    ]

    static func exponentials(_ n: Int) -> [Double] {
        FamilyEngineTests.words(n, seed: 9).map { nensim_neglog_word($0) } + [1.1641532182693481e-10, 1e-6, 0.31, log(2.0), 5, 22.87, 40]
    }

    @Test("the kernel's inverse of a piecewise exponential and of a cure equals SurvivalStats' quantile to 1e-12")
    func kernelInverseEqualsTheQuantile() {
        let es = Self.exponentials(20_000)
        for d in Self.laws {
            let kernel = FamilyKernel(d), reference = d.distribution
            for e in es {
                // SurvivalStats' quantile at p = 1 − S, S = e^−E (`quantile` is this inverse).
                let t = kernel.time(fromExponential: e), r = reference.time(cumulativeHazard: e)
                if r.isInfinite { #expect(t == r, "\(d.summary) E=\(e): \(t) vs \(r)"); continue }
                // SurvivalStats' gengamma inverse gives 0 far in the lower tail (FamilyEngineTests).
                if r == 0 && d.family == .gengamma { continue }
                // The gengamma table interpolates (2e-9, docs/RANDOM.md); every other base is
                // exact to 1e-12, but near a cure's plateau (S₀ = (S − π)/(1 − π) → 0) the
                // subtraction S − π loses digits in both alike: 1e-14 / S₀ relative.
                let s0 = d.cureFraction.map { (exp(-e) - $0) / (1 - $0) } ?? 1
                let tolerance = (d.family == .gengamma ? 2e-9 : 1e-12) * max(1, 1e-2 / s0)
                #expect(abs(t - r) <= tolerance * r, "\(d.summary) E=\(e): \(t) vs \(r)")
            }
        }
    }

    @Test("the piecewise exponential's kernel gives SurvivalStats' bits; a cured patient's time is +∞")
    func piecewiseBitsAndCuredTimes() {
        let d = ArmDistribution(piecewise: Self.pieces)
        let kernel = FamilyKernel(d)
        for e in Self.exponentials(5_000) {
            #expect(kernel.time(fromExponential: e).bitPattern == Self.pieces.time(cumulativeHazard: e).bitPattern, "E=\(e)")
        }
        // S = e^−E ≤ π: cured.
        let cured = FamilyKernel(d.cured(0.2))
        #expect(cured.time(fromExponential: -log(0.2) + 1e-9) == .infinity)
        #expect(cured.time(fromExponential: -log(0.2) - 1e-6).isFinite)
    }

    @Test("the array and scalar forms of the piecewise exponential and of a cure give the same bits")
    func arrayAndScalarFormsAgree() {
        // more than one 512-patient chunk of the cure's flags
        FamilyEngineTests.expectArrayAndScalarFormsAgree(Self.laws, on: Self.exponentials(1_537))
    }

    /// Pinned bits (computed once from this code; any compiler, machine or code change
    /// that moves one shows here).
    @Test func piecewiseAndCureGiveThePinnedBits() {
        let es = [1.1641532182693481e-10, 0.0123, 0.69314718055994529, 1.7, 22.87]
        var pw = [Double](repeating: 0, count: es.count), cure = pw
        let p = FamilyKernel(ArmDistribution(piecewise: Self.pieces))
        let c = FamilyKernel(ArmDistribution.locationScale(.loglogistic, location: log(12), scale: 0.6).cured(0.1))
        for (i, e) in es.enumerated() { pw[i] = p.time(fromExponential: e); cure[i] = c.time(fromExponential: e) }
        #expect(pw.map(\.bitPattern) == Self.pinnedPiecewise, "\(pw.map { String($0.bitPattern, radix: 16) })")
        #expect(cure.map(\.bitPattern) == Self.pinnedCure, "\(cure.map { String($0.bitPattern, radix: 16) })")
        #expect(nensim_cure_exponential1(0.1, 0.69314718055994529).bitPattern == Self.pinnedCureE0, "\(String(nensim_cure_exponential1(0.1, 0.69314718055994529).bitPattern, radix: 16))")
    }
    static let pinnedPiecewise: [UInt64] = [0x3e24000000000000, 0x3fcf7ced916872b0, 0x4024bc92149f8bca, 0x40412aaaaaaaaaaa, 0x407832aaaaaaaaab]
    static let pinnedCure: [UInt64] = [0x3eed5e299094be58, 0x3fed5b0b2c8317e6, 0x402b7034a20b682c, 0x4047b8971d574742, 0x7ff0000000000000]
    static let pinnedCureE0: UInt64 = 0x3fe9f323ecbf984c

    static func model(pfs: ArmDistribution, pps: ArmDistribution? = nil) -> ArmModel {
        var m = ArmModel(id: "f", name: "f", pfs: Weibull(shape: 1, median: 12), ppsRate: log(2) / 20)
        m.pfsDistribution = pfs
        m.ppsDistribution = pps
        return m
    }

    @Test("every law simulates its own S(6), S(12), S(24) and S(200) within 4 MC SE")
    func everyLawSimulatesItsDistribution() throws {
        let n = 40_000
        var request = SimulationRequest(arms: Self.laws.enumerated().map { i, d in var m = Self.model(pfs: d); m.id = "l\(i)"; return m },
                                        patientsPerArm: n, seed: 19, recordLimit: n)
        request.design = StudyDesign(horizon: 1000)
        let r = Engine.run(request)
        for (i, d) in Self.laws.enumerated() {
            let rec = try #require(r.records?[i])
            for t in [6.0, 12, 24, 200] {
                let s = d.survival(t), se = (s * (1 - s) / Double(n)).squareRoot()
                #expect(abs(FamilyEngineTests.survival(rec.pfsTime, at: t) - s) <= 4 * se, "\(d.summary) S(\(t)) vs \(s) ± \(se)")
            }
        }
    }

    static func arm(_ set: [String], dist: ArmFamilies? = nil) throws -> ArmModel {
        var catalogue = FamilyCalibrationTests.catalogue(pfs: nil)
        if let dist { catalogue.arms[0].dist = dist }
        return try FamilyCalibrationTests.model(catalogue, set)
    }

    static func checkMedianAndLandmark(_ m: ArmModel, n: Int = 40_000, seed: UInt64) throws -> PatientRecords {
        let d = m.pfsFamily
        #expect(abs(d.median - 10) < 1e-9 && abs(d.survival(12) - 0.42) < 1e-9, "\(d.summary)")
        let rec = try FamilyCalibrationTests.records(m, n: n, seed: seed)
        FamilyCalibrationTests.expectMedian10AndS12(rec.pfsTime, of: d, label: d.summary)
        return rec
    }

    @Test("a piecewise exponential from a median and a 12-month landmark: both reproduced within 4 MC SE, the tail rate a labelled assumption")
    func piecewiseFromTheFigures() throws {
        let m = try Self.arm(["trial.pfs.dist=pwexp"])
        let p = try #require(m.pfsFamily.piecewise)
        #expect(p.cuts == [10])
        #expect(abs(p.rates[0] - log(2) / 10) < 1e-14 && abs(p.rates[1] - (log(0.5) - log(0.42)) / 2) < 1e-14)
        let rec = try Self.checkMedianAndLandmark(m, seed: 51)
        // Past the last figure the closed form of the continued hazard.
        let s24 = m.pfsFamily.survival(24), se = (s24 * (1 - s24) / 40_000).squareRoot()
        #expect(abs(FamilyEngineTests.survival(rec.pfsTime, at: 24) - s24) <= 4 * se)
        #expect(m.parameters.first { $0.name == "pfs.tail_rate" }?.status == .assumption)
        #expect(m.parameters.first { $0.name == "pfs.rate1" }?.figures == ["trial.pfs.median", "trial.pfs.s12"])
        #expect(abs(m.osMedian - 30) < 1e-3, "OS median \(m.osMedian)")
    }

    @Test("a cure arm from a median, a 12-month landmark and a stated cure fraction: both reproduced within 4 MC SE, the plateau at π",
          arguments: [ParametricFamily.weibull, .loglogistic, .lognormal])
    func cureFromTheFigures(family: ParametricFamily) throws {
        let m = try Self.arm(["trial.pfs.dist=\(family.rawValue)", "trial.pfs.cure=0.2"])
        #expect(m.pfsFamily.family == family && m.pfsFamily.cureFraction == 0.2)
        let rec = try Self.checkMedianAndLandmark(m, seed: 61)
        // Cured patients never progress: censored at the 1200-month horizon.
        let s = m.pfsFamily.survival(1100), n = 40_000.0, se = (s * (1 - s) / n).squareRoot()
        #expect(s > 0.2 - 1e-12 && s < 0.2001)
        #expect(abs(FamilyEngineTests.survival(rec.pfsTime, at: 1100) - s) <= 4 * se)
        #expect(rec.pfsEvent.filter { !$0 }.count > 7_000)
        #expect(m.parameters.first { $0.name == "pfs.cure" }?.status == .override)
        #expect(abs(m.osMedian - 30) < 1e-3, "OS median \(m.osMedian)")
    }

    @Test("given cut points and rates are the law; figures do not calibrate it")
    func givenPieces() throws {
        let m = try Self.arm(["trial.pfs.dist=pwexp", "trial.pfs.cuts=6,12", "trial.pfs.rates=0.05,0.08,0.1"])
        #expect(m.pfsFamily.piecewise == PiecewiseExponentialDistribution(cuts: [6, 12], rates: [0.05, 0.08, 0.1]))
        #expect(m.parameters.first { $0.name == "pfs.rate2" }?.status == .override)
        #expect(m.notes.contains { $0.contains("do not calibrate it") })
        // In the evidence: an assumption (no figure behind it).
        var dist = ArmFamilies(pfs: .exponential)
        dist.pfsLaw = LawOptions(piecewise: true, cuts: [6, 12], rates: [0.05, 0.08, 0.1], cure: 0.1)
        let e = try Self.arm([], dist: dist)
        #expect(e.pfsFamily.cureFraction == 0.1)
        #expect(e.parameters.first { $0.name == "pfs.rate2" }?.status == .assumption)
        #expect(e.parameters.first { $0.name == "pfs.cure" }?.status == .assumption)
        #expect(abs(e.pfsFamily.survival(12) - (0.1 + 0.9 * exp(-(0.05 * 6 + 0.08 * 6)))) < 1e-15)
    }

    @Test("post-progression survival under a cure fraction still meets the OS figure")
    func postProgressionCure() throws {
        let m = try Self.arm(["trial.pps.cure=0.1", "trial.pps.dist=weibull"])
        #expect(m.ppsDistribution?.cureFraction == 0.1)
        #expect(abs(m.osMedian - 30) < 1e-3, "OS median \(m.osMedian)")
        let n = 40_000
        let rec = try FamilyCalibrationTests.records(m, n: n, seed: 71)
        #expect(abs(FamilyEngineTests.survival(rec.osTime, at: 30) - 0.5) <= 4 * (0.25 / Double(n)).squareRoot())
    }

    @Test("bad pieces and cure fractions: one line each, a data or usage error")
    func badInputIsRefused() throws {
        func failure(_ set: [String]) -> NensimFailure? {
            do { _ = try Self.arm(set); return nil } catch let f as NensimFailure { return f } catch { return nil }
        }
        let cases: [([String], String, NensimFailure.Kind)] = [
            (["trial.pfs.dist=pwexp", "trial.pfs.cuts=12,6", "trial.pfs.rates=0.1,0.1,0.1"], "must increase strictly", .data),
            (["trial.pfs.dist=pwexp", "trial.pfs.cuts=6", "trial.pfs.rates=-0.1,0.1"], "rate -0.1", .data),
            (["trial.pfs.dist=pwexp", "trial.pfs.cuts=6", "trial.pfs.rates=0.1"], "need 2 rates", .data),
            (["trial.pfs.dist=pwexp", "trial.pfs.cuts=6"], "needs both", .usage),
            (["trial.pfs.cuts=6", "trial.pfs.rates=0.1,0.1"], "need trial.pfs.dist=pwexp", .usage),
            (["trial.pfs.cure=1"], "a cure fraction in [0, 1)", .data),
            (["trial.pfs.cure=-0.1"], "a cure fraction in [0, 1)", .data),
            (["trial.pfs.cure=0.45"], "is not above the cure fraction", .data), // S(12) = 0.42 ≤ π
            (["trial.pfs.cuts=6,x"], "finite numbers separated by commas", .usage),
        ]
        for (set, text, kind) in cases {
            let f = try #require(failure(set), "\(set)")
            #expect(f.description.contains(text) && !f.description.contains("\n"), "\(set): \(f.description)")
            #expect(f.kind == kind, "\(set): \(f.kind)")
        }
    }

    @Test("the evidence's dist: pwexp, cuts, rates and cure are read strictly, one line each")
    func evidenceDistIsStrict() throws {
        func parse(_ dist: [String: Any]) throws -> EvidenceCatalogue {
            var document = validDocument()
            var arms = document["arms"] as! [[String: Any]]
            arms[0]["dist"] = dist
            document["arms"] = arms
            return try EvidenceCatalogue.parse(JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]), fileName: "test.json")
        }
        let ok = try parse(["pfs": "pwexp", "pfs_cuts": [6, 12], "pfs_rates": [0.05, 0.08, 0.1], "pfs_cure": 0.2, "pps_cure": 0.1])
        #expect(ok.arms[0].dist?.law("pfs") == LawOptions(piecewise: true, cuts: [6, 12], rates: [0.05, 0.08, 0.1], cure: 0.2))
        #expect(ok.arms[0].dist?.law("pps").cure == 0.1)
        let bad: [([String: Any], String)] = [
            (["pfs": "pwexp", "pfs_cuts": [12, 6], "pfs_rates": [0.1, 0.1, 0.1]], "test.json: $.arms[0].dist.pfs_rates: cut points must increase strictly (12 then 6)"),
            (["pfs": "pwexp", "pfs_cuts": [6], "pfs_rates": [0.1, -1]], "test.json: $.arms[0].dist.pfs_rates: rate -1 is not a finite rate ≥ 0 per month"),
            (["pfs": "pwexp", "pfs_cuts": [6]], "test.json: $.arms[0].dist.pfs_rates: a given piecewise exponential needs both pfs_cuts and pfs_rates"),
            (["pfs": "weibull", "pfs_cuts": [6], "pfs_rates": [0.1, 0.1]], "test.json: $.arms[0].dist.pfs_cuts: cut points and rates need pfs \"pwexp\""),
            (["pfs_cure": 1], "test.json: $.arms[0].dist.pfs_cure: a cure fraction in [0, 1); got 1"),
            (["pfs_cure": "0.2"], "test.json: $.arms[0].dist.pfs_cure: expected a number, found a string"),
        ]
        for (dist, message) in bad {
            do { _ = try parse(dist); Issue.record("accepted \(dist)") }
            catch let f as NensimFailure { #expect(f == NensimFailure.data(message), "\(f.description)") }
        }
    }

    @Test("piecewise and cure arms: the same tallies for any thread count")
    func sameTalliesForAnyThreadCount() {
        let arms = Self.laws.enumerated().map { i, d in
            var m = Self.model(pfs: d, pps: ArmDistribution(piecewise: Self.pieces, cureFraction: 0.05)); m.id = "l\(i)"; return m
        }
        let one = SimulationRequest(arms: arms, patientsPerArm: 9_001, seed: 3, blockSize: 1000, threads: 1)
        var many = one
        many.threads = 3
        #expect(Engine.run(one).tallies == Engine.run(many).tallies)
    }
}
