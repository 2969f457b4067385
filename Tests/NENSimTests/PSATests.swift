import Foundation
import SurvivalStats
import Testing
@testable import NENSim

struct PSATests {
    /// The beta's 2.5 and 97.5 % quantiles are the range (to 1e-9), for two-sided ranges
    /// of the catalogue and a narrow one.
    @Test(arguments: [(0.35, 0.74), (0.4, 0.83), (0.65, 0.75), (0.28, 0.9), (0.35, 0.4), (0.001, 0.01)])
    func betaMatchesTheRangeAsA95PercentInterval(low: Double, high: Double) throws {
        let (a, b) = try UncertaintyDistribution.betaParameters(low: low, high: high)
        #expect(abs(Distributions.betaQuantile(0.025, a: a, b: b) - low) < 1e-9)
        #expect(abs(Distributions.betaQuantile(0.975, a: a, b: b) - high) < 1e-9)
    }

    /// One-sided ranges: "< 10 %" has mean 0.05 (the base case) and 97.5 % quantile 0.10;
    /// "53–100 %" has mean 0.765 and 2.5 % quantile 0.53.
    @Test func oneSidedRangesKeepTheBaseCaseAsTheMean() throws {
        let (a, b) = try UncertaintyDistribution.betaParameters(low: 0, high: 0.1)
        #expect(abs(a / (a + b) - 0.05) < 1e-12)
        #expect(abs(Distributions.betaQuantile(0.975, a: a, b: b) - 0.1) < 1e-9)
        let (c, d) = try UncertaintyDistribution.betaParameters(low: 0.53, high: 1)
        #expect(abs(c / (c + d) - 0.765) < 1e-12)
        #expect(abs(Distributions.betaQuantile(0.025, a: c, b: d) - 0.53) < 1e-9)
        #expect(try UncertaintyDistribution.betaParameters(low: 0, high: 1) == (1, 1))
        #expect(throws: NensimFailure.self) { try UncertaintyDistribution.betaParameters(low: 0.5, high: 0.4) }
    }

    @Test func timesAreLogNormalWithTheRangeAs95PercentInterval() throws {
        let prrt = try EvidenceCatalogue.bundled().figure(id: "prrt.pfs.median")!
        let u = try #require(try UncertaintyDistribution.of(prrt))
        #expect(u.family == .logNormal)
        #expect(abs(u.quantile(0.025) - 17) < 1e-9 && abs(u.quantile(0.975) - 40) < 1e-9)
        #expect(abs(u.quantile(0.5) - Calibrator.centre(of: prrt)) < 1e-9)
    }

    /// Draws follow the distributions (median and 95 % interval of 1000 draws of TACE's
    /// ORR, 35–74 %), are reproducible, and do not depend on the order of the arms.
    @Test func drawsAreReproducibleAndFollowTheRanges() throws {
        let catalogue = try EvidenceCatalogue.bundled()
        let k = 1000
        let draws = try PSA.sample(catalogue: catalogue, arms: ["tace", "sunitinib"], K: k, seed: 9)
        #expect(draws.allSatisfy { $0.rejected == 0 })
        let orr = draws.map { $0.figures["tace.response.orr"]! }.sorted()
        let u = try #require(try UncertaintyDistribution.of(catalogue.figure(id: "tace.response.orr")!))
        // The share of draws below the distribution's p-quantile is binomial(k, p) when the
        // draws follow it: within 4 SE, √(p(1 − p)/k), of p (at p = 0.025, 0.5, 0.975).
        #expect(abs(u.quantile(0.025) - 0.35) < 1e-6 && abs(u.quantile(0.975) - 0.74) < 1e-6)
        for p in [0.025, 0.5, 0.975] {
            let share = Double(orr.count { $0 < u.quantile(p) }) / Double(k)
            #expect(abs(share - p) <= 4 * (p * (1 - p) / Double(k)).squareRoot(), "share below the \(p)-quantile: \(share)")
        }
        #expect(draws.allSatisfy { abs($0.arms[0].responseCuts.first { $0.category == "orr" }!.probability - $0.figures["tace.response.orr"]!) < 1e-15 })
        let again = try PSA.draws(catalogue: catalogue, arms: ["sunitinib", "tace"], K: 5, seed: 9)
        for i in 0..<5 {
            #expect(again[i][1].responseCuts == draws[i].arms[0].responseCuts)
            #expect(again[i][0].responseCuts == draws[i].arms[1].responseCuts)
        }
        let otherSeed = try PSA.draws(catalogue: catalogue, arms: ["tace"], K: 1, seed: 10)
        #expect(otherSeed[0][0].responseCuts != draws[0].arms[0].responseCuts)
    }

    /// PRRT's PFS median (17–40) and OS median (22–46 months) are drawn independently;
    /// pairs with the OS median below the PFS median cannot be calibrated (OS ≥ PFS) and
    /// are redrawn, so every accepted draw has OS median > PFS median. About a quarter
    /// of the pairs are rejected (319 of 1319 for seed 9), which pulls the PFS draws down:
    /// their median is 24.8, not √(17·40) = 26.1 months.
    @Test func contradictoryDrawsAreRedrawnAndCounted() throws {
        let draws = try PSA.sample(catalogue: try EvidenceCatalogue.bundled(), arms: ["prrt"], K: 200, seed: 9)
        #expect(draws.allSatisfy { $0.figures["prrt.os.median"]! > $0.figures["prrt.pfs.median"]! })
        let rejected = draws.reduce(0) { $0 + $1.rejected }
        #expect(rejected > 20 && rejected < 150)
        #expect(draws.allSatisfy { abs($0.arms[0].pfs.median - $0.figures["prrt.pfs.median"]!) < 1e-9 })
    }

    /// A median difference pulls in its reference arm's figures; overrides still win.
    @Test func referencesAndOverridesAreRespected() throws {
        let catalogue = try EvidenceCatalogue.bundled()
        let ids = try PSA.rangeFigures(catalogue: catalogue, arms: ["sunitinib", "placebo"]).map(\.id)
        #expect(ids == ["sunitinib.response.orr"])
        var o = ModelOverrides()
        o.values["prrt"] = ["pfs.median": 30]
        let draws = try PSA.draws(catalogue: catalogue, overrides: o, arms: ["prrt"], K: 3, seed: 1)
        #expect(draws.allSatisfy { abs($0[0].pfs.median - 30) < 1e-9 })
    }

    /// Every assumption of an arm is redrawn from its prior unless set: the coupling of
    /// PRRT (0.5, an assumption) follows the uniform — the share of 400 draws below u is
    /// within 4 SE of u — and the PFS shape (one PFS figure: k = 1 assumed) the
    /// log-normal 0.5–2; the median still meets the drawn figure. Set with --set, the
    /// coupling is neither listed nor redrawn.
    @Test func assumptionsAreRedrawnFromTheirPriorsUnlessSet() throws {
        let catalogue = try EvidenceCatalogue.bundled()
        let base = try Calibrator(catalogue: catalogue).model(for: "prrt")
        let keys = PSA.assumptions(models: [base]).map(\.key)
        #expect(keys.contains("assumption:prrt.response.coupling") && keys.contains("assumption:prrt.pfs.shape"))
        #expect(keys.contains("assumption:prrt.pfs.death_share"))
        let k = 400
        let draws = try PSA.sample(catalogue: catalogue, arms: ["prrt"], K: k, seed: 5)
        let coupling = draws.map { $0.figures["assumption:prrt.response.coupling"]! }
        #expect(zip(draws, coupling).allSatisfy { abs($0.arms[0].responseCoupling - $1) < 1e-15 })
        let shape = try #require(AssumptionPrior.of(parameter: "pfs.shape", family: .weibull, value: 1))
        #expect(abs(shape.distribution.quantile(0.025) - 0.5) < 1e-12 && abs(shape.distribution.quantile(0.975) - 2) < 1e-12)
        let shapes = draws.map { $0.arms[0].pfs.shape }
        for u in [0.1, 0.5, 0.9] {
            let se = (u * (1 - u) / Double(k)).squareRoot()
            #expect(abs(Double(coupling.count { $0 < u }) / Double(k) - u) <= 4 * se)
            #expect(abs(Double(shapes.count { $0 < shape.distribution.quantile(u) }) / Double(k) - u) <= 4 * se)
        }
        #expect(draws.allSatisfy { abs($0.arms[0].pfs.median - $0.figures["prrt.pfs.median"]!) < 1e-9 })
        var o = ModelOverrides()
        o.values["prrt"] = ["response.coupling": 0.2]
        let set = try PSA.sample(catalogue: catalogue, overrides: o, arms: ["prrt"], K: 3, seed: 5)
        #expect(set.allSatisfy { $0.figures["assumption:prrt.response.coupling"] == nil && $0.arms[0].responseCoupling == 0.2 })
    }

    /// Each prior is the documented one: the 95 % intervals of docs/MODEL.md.
    @Test func assumptionPriorsHaveTheDocumentedIntervals() throws {
        let pps = try #require(AssumptionPrior.of(parameter: "pps.median", family: .exponential, value: 30))
        #expect(abs(pps.distribution.quantile(0.025) - 12) < 1e-9 && abs(pps.distribution.quantile(0.975) - 75) < 1e-9)
        let death = try #require(AssumptionPrior.of(parameter: "pfs.death_share", family: .weibull, value: 0))
        #expect(abs(death.distribution.quantile(0.95) - (1 - pow(0.05, 1.0 / 9))) < 1e-9)
        let gompertz = try #require(AssumptionPrior.of(parameter: "pfs.shape", family: .gompertz, value: 0))
        #expect(abs(gompertz.distribution.quantile(0.975) - 0.05) < 1e-12 && abs(gompertz.distribution.quantile(0.025) + 0.05) < 1e-12)
        #expect(AssumptionPrior.of(parameter: "pfs.median", family: .weibull, value: 10) == nil)
    }

    /// Fitted parameters: 10⁴ draws of a Weibull fitted to lung (its exported θ̂ and Σ,
    /// months) have sample mean within 4 SE (√(Σᵢᵢ/K)) of θ̂ and sample covariance within
    /// 4 SE (√((ΣᵢᵢΣⱼⱼ + Σᵢⱼ²)/K), the normal's) of Σ; a non-positive-definite Σ is refused.
    @Test func fittedParametersAreDrawnFromTheirCovariance() throws {
        let sigma = [[0.0034970559120499215, -8.903364536750126e-05], [-8.903364536750126e-05, 0.003897543150597135]]
        let fit = FittedDistribution(endpoint: "pfs", dist: "weibull",
                                     parameters: [.init(name: "(Intercept)", value: 2.61922850938404), .init(name: "log(scale)", value: -0.27523505744503607)],
                                     covariance: sigma, natural: [], data: "lung.csv", group: nil, n: 228, events: 165, logLik: -1153.85)
        let d = try FittedParameterDraw(arm: "fitted", fit: fit)
        let k = 10_000
        let draws = (0..<k).map { i -> [Double] in
            var stream = RandomStream(seed: 11, arm: streamID(ofArm: d.streamKey), replicate: UInt32(i), block: PSA.streamBlock)
            return d.draw(&stream)
        }
        let mean = (0..<2).map { j in draws.reduce(0) { $0 + $1[j] } / Double(k) }
        for j in 0..<2 { #expect(abs(mean[j] - fit.parameters[j].value) <= 4 * (sigma[j][j] / Double(k)).squareRoot()) }
        for i in 0..<2 {
            for j in 0..<2 {
                let s = draws.reduce(0) { $0 + ($1[i] - mean[i]) * ($1[j] - mean[j]) } / Double(k - 1)
                let se = ((sigma[i][i] * sigma[j][j] + sigma[i][j] * sigma[i][j]) / Double(k)).squareRoot()
                #expect(abs(s - sigma[i][j]) <= 4 * se, "covariance [\(i)][\(j)] \(s) vs \(sigma[i][j]) ± \(se)")
            }
        }
        var bad = fit
        bad.covariance = [[1, 2], [2, 1]]
        #expect(throws: NensimFailure.self) { try FittedParameterDraw(arm: "fitted", fit: bad) }
    }

    @Test func trialPSAUsesCommonRandomNumbers() throws {
        let catalogue = try EvidenceCatalogue.bundled()
        let cal = Calibrator(catalogue: catalogue)
        let request = TrialRequest(experimental: try cal.model(for: "prrt"), control: try cal.model(for: "everolimus"),
                                   design: TrialDesign(patients: 80, accrual: 12, followUp: 12), replicates: 50, seed: 3, threads: 2)
        let (draws, figures) = try TrialSimulator.psa(request, catalogue: catalogue, K: 8)
        #expect(figures.contains("prrt.pfs.median"))
        #expect(draws.count == 8)
        let hrs = Set(draws.map { $0.summary.hazardRatioMedian.value! })
        #expect(hrs.count > 1) // PRRT's PFS median varies between draws
        // Sunitinib vs placebo: the only range is the ORR, which does not move PFS.
        let flat = TrialRequest(experimental: try cal.model(for: "sunitinib"), control: try cal.model(for: "placebo"),
                                design: TrialDesign(patients: 80), replicates: 30, seed: 3)
        let base = TrialSummary(TrialSimulator.run(flat).replicates, alpha: 0.05)
        // With every assumption fixed at its base value (as --set does), every draw is the base case.
        let fixed = PSA.fixingAssumptions(of: [flat.experimental, flat.control], in: ModelOverrides())
        let (same, _) = try TrialSimulator.psa(flat, catalogue: catalogue, overrides: fixed, K: 3)
        #expect(same.allSatisfy { $0.summary == base })
        // Left free, the assumptions move the operating characteristics.
        let (free, keys) = try TrialSimulator.psa(flat, catalogue: catalogue, K: 3)
        #expect(keys.contains("assumption:sunitinib.response.coupling"))
        #expect(free.contains { $0.summary != base })
    }
}
