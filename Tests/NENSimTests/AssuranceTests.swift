import Foundation
import SurvivalStats
import Testing
@testable import NENSim

/// `trial --assurance K` (docs/TRIAL.md, "Assurance"): known answers of the predictive trials.
@Suite struct AssuranceTests {
    /// Two arms made from the bundled placebo arm, PFS only: `control` with its median 5
    /// months (a point), `wide` with its PFS median drawn from the range 2.5–10 months
    /// (log-normal, median 5, σ = log 2 / z₀.₉₇₅): a prior on the true HR centred on 1.
    static func centredCatalogue(low: Double = 2.5, high: Double = 10) throws -> EvidenceCatalogue {
        var catalogue = try EvidenceCatalogue.bundled()
        let placebo = try catalogue.arm("placebo")
        func arm(_ id: String, range: [Double]?) -> ArmEvidence {
            var a = placebo
            a.id = id
            a.aliases = []
            a.figures = placebo.figures.filter { $0.endpoint == .pfs && $0.kind == .median }.map { f in
                var g = f
                g.id = "\(id).pfs.median"
                if let range { g.value = nil; g.range = range }
                return g
            }
            return a
        }
        catalogue.arms += [arm("control", range: nil), arm("wide", range: [low, high])]
        return catalogue
    }

    /// Exponential PFS in both arms, every other assumption fixed (as `--set` does), so that
    /// only the wide arm's PFS median is redrawn.
    static func centredRequest(_ catalogue: EvidenceCatalogue, threads: Int = 2) throws
        -> (request: TrialRequest, overrides: ModelOverrides) {
        var overrides = ModelOverrides()
        for id in ["wide", "control"] { overrides.values[id, default: [:]]["pfs.shape"] = 1 }
        let base = Calibrator(catalogue: catalogue, overrides: overrides)
        let models = try ["wide", "control"].map { try base.model(for: $0) }
        overrides = PSA.fixingAssumptions(of: models, in: overrides)
        let cal = Calibrator(catalogue: catalogue, overrides: overrides)
        // Event-driven at 100 events of 200 patients, no calendar cap: every trial has d = 100.
        let design = TrialDesign(patients: 200, accrual: 12, followUp: nil, targetEvents: 100)
        return (TrialRequest(experimental: try cal.model(for: "wide"), control: try cal.model(for: "control"), design: design,
                             replicates: 400, seed: 11, threads: threads), overrides)
    }

    /// A prior whose true HR is centred on 1: with log HR ~ N(0, σ²) and the log-rank z ≈
    /// N(log HR · √(d/4), 1) given the HR (Schoenfeld, 1:1), z ~ N(0, 1 + σ²d/4) over the
    /// prior, so P(two-sided p < α favouring the experimental arm) = Φ(−z₁₋α/₂ / √(1 + σ²d/4)):
    /// 0.1673 for σ = log 2 / 1.96 and d = 100 (α/2 = 0.025 when σ = 0).
    @Test func assuranceOfAPriorCentredOnHROneIsTheNormalMixture() throws {
        let catalogue = try Self.centredCatalogue()
        let (request, overrides) = try Self.centredRequest(catalogue)
        let k = 2000
        let result = try TrialSimulator.assurance(request, catalogue: catalogue, overrides: overrides, K: k)
        #expect(result.redrawn == ["wide.pfs.median"])
        #expect(result.outcomes.allSatisfy { $0.events == 100 })
        let sigma = log(2) / Distributions.normalQuantile(0.975)
        let expected = Distributions.normalCDF(-Distributions.normalQuantile(0.975) / (1 + sigma * sigma * 100 / 4).squareRoot())
        let a = try #require(result.predictive.significant.value)
        let se = (expected * (1 - expected) / Double(k)).squareRoot()
        #expect(abs(a - expected) < 4 * se, "assurance \(a), expected \(expected) ± \(se)")
        // Power with the parameters fixed at the base case (HR 1) is the type I error's favourable half.
        let base = TrialOutcomeDistribution(TrialSimulator.run(request).replicates, alpha: 0.05, looks: nil)
        let b = try #require(base.significant.value)
        #expect(abs(b - 0.025) < 4 * (0.025 * 0.975 / 400).squareRoot())
        // The predictive HR interval is wider than the fixed-parameter one (log scale), beyond their MC SEs.
        func width(_ q: PredictiveQuantiles) -> (Double, Double) {
            (log(q.upper.value!) - log(q.lower.value!), q.upper.mcse! / q.upper.value! + q.lower.mcse! / q.lower.value!)
        }
        let (wp, sp) = width(result.predictive.hazardRatio), (wf, sf) = width(base.hazardRatio)
        #expect(wp - wf > 4 * (sp * sp + sf * sf).squareRoot(), "predictive \(wp) ± \(sp), fixed \(wf) ± \(sf)")
        // Predictive log-HR spread: √(σ² + 4/d) on the log scale, its 95 % interval ±1.96 of it.
        let predicted = 2 * Distributions.normalQuantile(0.975) * (sigma * sigma + 4.0 / 100).squareRoot()
        #expect(abs(wp - predicted) < 4 * sp, "width \(wp) against \(predicted)")
    }

    /// A degenerate prior (every redrawn quantity a point): each predictive trial is the base
    /// case's replicate with the same index, so assurance is power, exactly.
    @Test func aDegeneratePriorGivesThePowerTrialByTrial() throws {
        let catalogue = try Self.centredCatalogue(low: 10, high: 10)
        let (request, overrides) = try Self.centredRequest(catalogue)
        let result = try TrialSimulator.assurance(request, catalogue: catalogue, overrides: overrides, K: 60)
        var fixed = request
        fixed.replicates = 60
        #expect(result.outcomes.map { "\($0)" } == TrialSimulator.run(fixed).replicates.map { "\($0)" }) // NaN medians print alike
        #expect(result.predictive == TrialOutcomeDistribution(result.outcomes, alpha: 0.05, looks: nil))
        #expect(result.predictive.significant.value! > 0.5) // HR 5/10: the trials have power
    }

    /// The same trials for any thread count, and the drawn parameters in assurance.csv.
    @Test func predictiveTrialsDoNotDependOnTheThreadCount() throws {
        let catalogue = try Self.centredCatalogue()
        let runs = try [1, 3].map { t -> AssuranceResult in
            let (request, overrides) = try Self.centredRequest(catalogue, threads: t)
            return try TrialSimulator.assurance(request, catalogue: catalogue, overrides: overrides, K: 40)
        }
        #expect(runs[0].outcomes.map { "\($0)" } == runs[1].outcomes.map { "\($0)" }) // NaN medians print alike
        #expect(runs[0].predictive == runs[1].predictive)
        let hrs = Set(runs[0].outcomes.map(\.hazardRatio))
        #expect(hrs.count == 40)
        // assurance.csv: one row per trial, the drawn median and the re-calibrated parameters, then replicates.csv's columns.
        let (request, _) = try Self.centredRequest(catalogue)
        var report = TrialReport(result: TrialSimulator.run(request))
        report.assurance = runs[0]
        let csv = try #require(String(data: try withScratchFolder { folder in
            _ = try report.write(to: folder)
            return try Data(contentsOf: folder.destination.appendingPathComponent("assurance.csv"))
        }, encoding: .utf8))
        let lines = csv.split(separator: "\n")
        #expect(lines.count == 41)
        let header = lines[0].split(separator: ",").map(String.init)
        #expect(header.prefix(3) == ["trial", "rejected", "figure:wide.pfs.median"])
        #expect(header.contains("wide.pfs.median") && header.contains("hr") && header.contains("p_two_sided") && !header.contains("replicate"))
        let first = lines[1].split(separator: ",").map(String.init)
        #expect(Double(first[2]) == runs[0].draws[0].figures[runs[0].redrawn.firstIndex(of: "wide.pfs.median")!])
        #expect(Double(first[header.firstIndex(of: "hr")!]) == runs[0].outcomes[0].hazardRatio)
    }

    func withScratchFolder<T>(_ body: (RunFolder) throws -> T) throws -> T {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("assurance-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = try RunFolder.create(at: dir.path, force: false, shape: .files)
        defer { folder.abandon() }
        return try body(folder)
    }
}
