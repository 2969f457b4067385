import CKernels
import Foundation
import SurvivalStats
import Testing
@testable import NENSim

/// The engine simulates every family of docs/PARAMETRIC.md through the one kernel
/// (docs/RANDOM.md, "Event-time families"; docs/MODEL.md, "Families").
struct FamilyEngineTests {
    /// One distribution of each family with a median near 12 months, in months.
    static let distributions: [ArmDistribution] = [
        ArmDistribution(family: .exponential, parameters: [log(12 / log(2.0))]),
        .locationScale(.weibull, location: log(14), scale: 1 / 1.3),
        .locationScale(.loglogistic, location: log(12), scale: 0.6),
        .locationScale(.lognormal, location: log(12), scale: 1.1),
        .gompertz(shape: 0.05, rate: 0.03),
        .gompertz(shape: -0.08, rate: 0.09),               // a plateau: exp(b/a) ≈ 32 % never progress
        ArmDistribution(family: .gengamma, parameters: [log(12), log(0.9), 0.6]),
        ArmDistribution(family: .gengamma, parameters: [log(12), log(0.9), -0.4]),
    ]

    static func words(_ n: Int, seed: UInt64 = 5) -> [UInt32] {
        var stream = RandomStream(seed: seed, arm: 0, replicate: 0, block: 0)
        return (0..<n).map { _ in UInt32(truncatingIfNeeded: stream.next()) }
    }

    @Test("the C kernels of the log-logistic, log-normal and Gompertz equal SurvivalStats' inverse to 1e-12")
    func kernelsEqualTheSurvivalStatsInverse() {
        let es = Self.words(20_000).map { nensim_neglog_word($0) } + [1e-10, 1e-6, 0.5, log(2.0), 22.9, 40, 300]
        for d in Self.distributions where [.loglogistic, .lognormal, .gompertz].contains(d.family) {
            let kernel = FamilyKernel(d), reference = d.distribution
            for e in es {
                let t = kernel.time(fromExponential: e), r = reference.time(cumulativeHazard: e)
                if r.isInfinite { #expect(t == r, "\(d.summary) E=\(e)"); continue }
                #expect(abs(t - r) <= 1e-12 * r, "\(d.summary) E=\(e): \(t) vs \(r)")
            }
        }
    }

    /// Generalized gammas from near the log-normal limit to strong skew, both signs of Q.
    static let generalizedGammas: [(mu: Double, sigma: Double, q: Double)] = [
        (log(12), 0.9, 0.6), (log(12), 0.9, -0.4), (log(12), 0.9, 1), (log(8), 0.5, 2), (log(8), 1.4, -2),
        (log(20), 0.7, 3.5), (log(20), 0.7, 0.05), (log(20), 0.7, -0.01), (log(5), 1.2, 0.002),
    ]

    /// R's inverse (Tests/Fixtures/R/make_gengamma_inverse_fixtures.R, base R's qgamma
    /// on the log scale): mu, sigma, q, e, log T.
    static func rInverse() throws -> [(mu: Double, sigma: Double, q: Double, e: Double, logT: Double)] {
        let url = CSVIngestTests.fixtures.appendingPathComponent("R/out-gengamma/inverse.csv")
        return try String(contentsOf: url, encoding: .utf8).split(whereSeparator: \.isNewline).dropFirst().map { line in
            let v = line.split(separator: ",").map { Double($0)! }
            return (v[0], v[1], v[2], v[3], v[4])
        }
    }

    @Test("the generalized gamma's exact inverse equals R's to 1e-12 in log T, and its table equals it to 2e-9 in T")
    func generalizedGammaInverseEqualsR() throws {
        let rows = try Self.rInverse()
        #expect(rows.count == 81)
        var tables: [Double: GeneralizedGammaTable] = [:]
        for r in rows {
            let y = nensim_gengamma_log_time1(r.mu, r.sigma, r.q, r.e)
            #expect(abs(y - r.logT) <= 1e-12 * max(1, abs(r.logT)), "Q \(r.q) E=\(r.e): \(y) vs R \(r.logT)")
            let table = tables[r.q] ?? GeneralizedGammaTable(location: r.mu, scale: r.sigma, q: r.q)
            tables[r.q] = table
            #expect(abs(log(table.time(r.e)) - r.logT) <= 2e-9, "table Q \(r.q) E=\(r.e)")
        }
    }

    @Test("the generalized gamma's table equals SurvivalStats' inverse to 1e-9 on 1000 draws")
    func generalizedGammaTableEqualsTheInverse() {
        let es = Self.words(1_000).map { nensim_neglog_word($0) }
        for (mu, sigma, q) in Self.generalizedGammas {
            let table = GeneralizedGammaTable(location: mu, scale: sigma, q: q)
            let reference = GeneralizedGammaDistribution(location: mu, scale: sigma, q: q)
            for e in es {
                let t = table.time(e), r = reference.time(cumulativeHazard: e)
                // SurvivalStats' inverse gives 0 or ∞ far in the tails (its gamma quantile
                // of a probability that rounds to 0 or 1); R's values cover those (above).
                guard r > 0 && r.isFinite else { continue }
                #expect(abs(t - r) <= 1e-9 * r, "Q \(q) E=\(e): \(t) vs \(r)")
            }
        }
    }

    /// Pinned bits of the generalized gamma (table and exact inverse): any compiler,
    /// machine or code change that moves one shows here (values computed once, and equal
    /// from gcc and clang builds of the kernels). The Q = 0.05 row (shape 400) was
    /// re-pinned (gcc and clang agree) when Temme's expansion replaced the series there
    /// (moves of ≤ 50 ulp in T; docs/PARAMETRIC.md).
    @Test func generalizedGammaGivesThePinnedBits() {
        let es = [1.1641532182693481e-10, 0.0123, 0.69314718055994529, 1.7, 22.87, 250]
        let cases: [(Double, Double, Double, [UInt64])] = [
            (2.4849066497880004, 0.9, 0.6, [0x3efab116b2d6a18b, 0x3fe4615266edc250, 0x4023e90a7a93cf09, 0x4035cdae5c26e60a, 0x40787ed52c327661, 0x40c52636947d18e3]),
            (2.0794415416798357, 1.4, -2, [0x3fd867e096b16122, 0x3ffb4ca74dd216df, 0x403b21f9c2f52468, 0x407d1cf13810ade2, 0x45d4d77243dbcb41, 0x7f0d945df4f8ec8e]),
            (2.995732273553991, 0.7, 0.05, [0x3fc759b530ebd28a, 0x400fbfaa79e20579, 0x4033c49910825bac, 0x40428aa8d80a4d18, 0x4094e98895bc0b43, 0x4162c90fa504631c]),
        ]
        for (mu, sigma, q, bits) in cases {
            let table = GeneralizedGammaTable(location: mu, scale: sigma, q: q)
            for (e, b) in zip(es, bits) {
                #expect(table.time(e).bitPattern == b, "Q \(q) E=\(e): \(String(table.time(e).bitPattern, radix: 16))")
                var xs = [Double](repeating: e, count: 37)
                table.times(&xs, count: xs.count)
                #expect(xs.allSatisfy { $0.bitPattern == b }, "Q \(q) array E=\(e)")
            }
        }
    }

    @Test("the array and scalar forms of every family give the same bits")
    func arrayAndScalarFormsAgree() {
        Self.expectArrayAndScalarFormsAgree(Self.distributions, on: Self.words(1001).map { nensim_neglog_word($0) })
    }

    /// Each law's bulk inverse over `es` gives the bits of its one-patient inverse.
    static func expectArrayAndScalarFormsAgree(_ laws: [ArmDistribution], on es: [Double]) {
        for d in laws {
            let kernel = FamilyKernel(d)
            var xs = es
            xs.withUnsafeMutableBufferPointer { kernel.times(fromExponentials: $0.baseAddress!, count: $0.count) }
            #expect(xs.count == es.count && zip(xs, es).allSatisfy { $0.bitPattern == kernel.time(fromExponential: $1).bitPattern }, "\(d.summary)")
        }
    }

    /// Pinned bits of the kernels (computed once; any compiler, machine or code change that
    /// moves one shows here). The values agree with R (qnorm, expm1, log1p) to 1 ulp.
    @Test func familyKernelsGiveThePinnedBits() {
        let es = [1.1641532182693481e-10, 0.0123, 0.69314718055994529, 1.7, 22.87]
        let cases: [(Int32, Double, Double, [UInt64])] = [
            (Int32(NENSIM_FAMILY_LOGLOGISTIC), 0.6, 14.5, [0x3ef0a7f7e21be074, 0x3ff0a2ae93d796cd, 0x402d000000000000, 0x4041d04a550a6a47, 0x416930073a7828cb]),
            (Int32(NENSIM_FAMILY_LOGNORMAL), 1.3, 9.75, [0x3f65173cc4a59bc0, 0x3fe0be570399d3af, 0x4023800000000000, 0x403fa07dbf3a1711, 0x40e203e9c611155a]),
            (Int32(NENSIM_FAMILY_GOMPERTZ), 0.05, 0.04, [0x3e28fffffff83000, 0x3fd387be025097a1, 0x4028f6104611de9b, 0x4036c9e74dbcb460, 0x4050efcf7ebfe572]),
        ]
        for (tag, p0, p1, bits) in cases {
            for (e, b) in zip(es, bits) {
                #expect(nensim_family_time1(tag, p0, p1, e).bitPattern == b, "family \(tag) E=\(e)")
                var xs = [Double](repeating: e, count: 37)
                nensim_family_times(tag, p0, p1, &xs, xs.count)
                #expect(xs.allSatisfy { $0.bitPattern == b }, "family \(tag) array E=\(e)")
            }
        }
        #expect(nensim_family_time1(Int32(NENSIM_FAMILY_GOMPERTZ), -0.1, 0.05, 0.6) == .infinity) // past the plateau
    }

    static func model(pfs: ArmDistribution, pps: ArmDistribution? = nil, deathShare: Double? = nil) -> ArmModel {
        var m = ArmModel(id: "f", name: "f", pfs: Weibull(shape: 1, median: 12), ppsRate: log(2) / 20)
        m.pfsDistribution = pfs.family == .weibull ? nil : pfs
        if pfs.family == .weibull { m.pfs = Weibull(shape: 1 / exp(pfs.parameters[1]), scale: exp(pfs.parameters[0])) }
        m.ppsDistribution = pps
        m.pfsDeathShare = deathShare
        return m
    }

    /// The empirical survival of `times` at t and its binomial SE.
    static func survival(_ times: [Double], at t: Double) -> Double { Double(times.filter { $0 > t }.count) / Double(times.count) }

    @Test("every family: simulated S(6), S(12), S(24) equal the distribution's within 4 MC SE; OS ≥ PFS for every patient")
    func everyFamilySimulatesItsDistribution() throws {
        let n = 40_000
        var request = SimulationRequest(arms: Self.distributions.enumerated().map { i, d in var m = Self.model(pfs: d); m.id = "f\(i)"; return m },
                                        patientsPerArm: n, seed: 17, recordLimit: n)
        request.design = StudyDesign(horizon: 1000)
        let r = Engine.run(request)
        for (i, d) in Self.distributions.enumerated() {
            let rec = try #require(r.records?[i])
            #expect(zip(rec.pfsTime, rec.osTime).allSatisfy { $0 <= $1 }, "\(d.summary)")
            for t in [6.0, 12, 24] {
                let s = d.survival(t), se = (s * (1 - s) / Double(n)).squareRoot()
                let sim = Self.survival(rec.pfsTime, at: t)
                #expect(abs(sim - s) <= 4 * se, "\(d.summary) S(\(t)) \(sim) vs \(s) ± \(se)")
            }
        }
    }

    @Test("any family: the same tallies for any thread count")
    func familiesAreIdenticalForAnyThreadCount() {
        let arms = Self.distributions.enumerated().map { i, d in var m = Self.model(pfs: d, pps: .locationScale(.lognormal, location: log(15), scale: 0.9)); m.id = "f\(i)"; return m }
        let one = SimulationRequest(arms: arms, patientsPerArm: 9_001, seed: 3, blockSize: 1000, threads: 1)
        var many = one
        many.threads = 3
        #expect(Engine.run(one).tallies == Engine.run(many).tallies)
    }

    @Test("deaths without progression: the share of PFS events that are deaths, and OS = PFS for those patients")
    func deathsWithoutProgressionTakeTheirShare() throws {
        let n = 40_000, share = 0.3
        let m = Self.model(pfs: .locationScale(.loglogistic, location: log(10), scale: 0.7), deathShare: share)
        var request = SimulationRequest(arms: [m], patientsPerArm: n, seed: 23, recordLimit: n)
        request.design = StudyDesign(horizon: 10_000)
        let rec = try #require(Engine.run(request).records?[0])
        let deaths = zip(rec.pfsTime, rec.osTime).filter { $0 == $1 }.count
        let se = (share * (1 - share) / Double(n)).squareRoot()
        #expect(abs(Double(deaths) / Double(n) - share) <= 4 * se, "\(deaths) of \(n)")
        // The kernel's own flags agree with the times.
        let kernel = PatientKernel(model: m, censoring: CensoringStage(design: StudyDesign(horizon: 10_000)), streamID: 1)
        let scratch = KernelScratch(capacity: 4096, layouts: [kernel.layout])
        var tiers = [Int](repeating: 0, count: 1), binaries = [Int]()
        tiers.withUnsafeMutableBufferPointer { t in binaries.withUnsafeMutableBufferPointer { b in
            kernel.draw(count: 4096, stream: RandomStream(seed: 1, arm: 1, replicate: 0, block: 0), scratch: scratch, tiers: t, binaries: b)
        } }
        for i in 0..<4096 { #expect((scratch.progressed[i] == 0) == (scratch.pps[i] == 0)) }
        // The OS curve of the model is the simulated one.
        for t in [12.0, 36] {
            let s = m.osSurvival(at: t), sse = (s * (1 - s) / Double(n)).squareRoot()
            #expect(abs(Self.survival(rec.osTime, at: t) - s) <= 4 * sse, "OS S(\(t))")
        }
    }

    @Test("a model without families or deaths keeps today's layout and kernel")
    func defaultModelKeepsTheWeibullPath() {
        let m = EngineTests.model()
        let kernel = PatientKernel(model: m, censoring: CensoringStage(design: StudyDesign()), streamID: 1)
        #expect(kernel.pfs is WeibullFamily)
        #expect(kernel.postProgression is ExponentialFamily)
        #expect(!kernel.layout.death)
        #expect(m.hasDefaultFamilies)
    }
}
