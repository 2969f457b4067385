import Foundation

// Predictive trials, `trial --assurance K` (docs/TRIAL.md, "Assurance").
//
// Power fixes the arms' parameters at their base case and asks how often a trial of that
// design is significant; `--psa K` redraws the parameters and reports, per draw, the
// operating characteristics of many trials (draw-level summaries). Assurance is the
// predictive probability of a significant result: each of K trials first draws the arms'
// parameters from their uncertainty (the PSA sampler, `PSA.sample`: range figures,
// assumption priors, fitted covariances), re-calibrates, and then simulates ONE trial with
// that draw. Its hazard ratio, medians and p-value are draws from the predictive
// distribution of what a real trial of this design would show.

/// Type-7 quantiles (median, 2.5 %, 97.5 %) of a statistic over trials, each with the
/// order-statistic MC SE of `MonteCarloEstimate.quantile`.
public struct PredictiveQuantiles: Sendable, Codable, Equatable {
    public var median: MonteCarloEstimate
    public var lower: MonteCarloEstimate
    public var upper: MonteCarloEstimate
    enum CodingKeys: String, CodingKey { case median, lower = "p2.5", upper = "p97.5" }

    /// - Precondition: none on order; NaN values are dropped, infinities kept (they sort to the ends).
    init(_ values: [Double]) {
        let xs = values.filter { !$0.isNaN }.sorted()
        median = .quantile(xs, 0.5)
        lower = .quantile(xs, 0.025)
        upper = .quantile(xs, 0.975)
    }
}

/// The distribution of a trial's results over replicates: the share significant in the
/// experimental arm's favour and the quantiles of the HR, the two-sided p-value and the
/// KM medians. Of the fixed-parameter replicates it describes power; of assurance
/// replicates, the predictive distribution.
public struct TrialOutcomeDistribution: Sendable, Codable, Equatable {
    public var replicates: Int
    /// P(significant, favouring the experimental arm): two-sided p < α with HR < 1 for a
    /// fixed design, an efficacy crossing in its favour with `--looks`
    /// (`TrialSummary.powerTwoSidedFavourable`).
    public var significant: MonteCarloEstimate
    /// P(significant in either direction) (`TrialSummary.powerTwoSided`).
    public var significantEitherDirection: MonteCarloEstimate
    public var hazardRatio: PredictiveQuantiles
    public var pTwoSided: PredictiveQuantiles
    /// KM medians per arm, over the replicates where they were reached, and the share reached.
    public var medianControl: PredictiveQuantiles
    public var medianControlReached: MonteCarloEstimate
    public var medianExperimental: PredictiveQuantiles
    public var medianExperimentalReached: MonteCarloEstimate

    /// - Parameter looks: the number of looks of a sequential design (nil: fixed).
    /// - Complexity: O(R log R).
    public init(_ outcomes: [ReplicateOutcome], alpha: Double, looks: Int?) {
        let s = TrialSummary(outcomes, alpha: alpha, looks: looks)
        replicates = outcomes.count
        significant = s.powerTwoSidedFavourable
        significantEitherDirection = s.powerTwoSided
        hazardRatio = PredictiveQuantiles(outcomes.map(\.hazardRatio))
        pTwoSided = PredictiveQuantiles(outcomes.map(\.pTwoSided))
        medianControl = PredictiveQuantiles(outcomes.map(\.statistics.medianControl))
        medianControlReached = s.medianControlReached
        medianExperimental = PredictiveQuantiles(outcomes.map(\.statistics.medianExperimental))
        medianExperimentalReached = s.medianExperimentalReached
    }
}

/// What a predictive trial's report keeps of its parameter draw: the drawn values and
/// the re-calibrated parameters, as numbers (what a shard file stores of it, so a merged
/// report is built from the very same values as the unsharded one).
public struct AssuranceDraw: Sendable, Equatable {
    /// k, the trial (and PSA draw) index.
    public var index: Int
    /// Contradictory draws redrawn before this one (0 … `PSA.maxRejections`).
    public var rejected: Int
    /// The drawn values in `AssuranceSpec.redrawn` order (NaN: not drawn).
    public var figures: [Double]
    /// The re-calibrated parameters in `AssuranceSpec.parameterColumns` order (NaN: the arm has none).
    public var parameters: [Double]

    init(index: Int, rejected: Int, figures: [Double], parameters: [Double]) {
        self.index = index
        self.rejected = rejected
        self.figures = figures
        self.parameters = parameters
    }

    init(_ d: PSADraw, spec: AssuranceSpec) {
        self.init(index: d.index, rejected: d.rejected, figures: spec.redrawn.map { d.figures[$0] ?? .nan },
                  parameters: spec.columns.map { d.parameter(arm: $0.arm, name: $0.name) ?? .nan })
    }
}

/// The shape of `trial --assurance K`'s results, fixed before any trial is simulated:
/// part of a trial shard's scenario, so shards of another K or other redrawn figures do
/// not mix.
public struct AssuranceSpec: Codable, Sendable, Equatable {
    /// K.
    public var trials: Int
    /// What the draws redraw: figure ids, `assumption:ARM.PARAM`, `fit:ARM.NAME` (sorted;
    /// every draw redraws the same, `PSA.sample`).
    public var redrawn: [String]
    /// The `assurance.csv` columns `ARM.PARAM` of the re-calibrated parameters
    /// (`PSADraw.parameterColumns` of the base arms), as (arm id, `--set` name).
    public var parameterArms: [String]
    public var parameterNames: [String]

    var columns: [(arm: String, name: String)] { Array(zip(parameterArms, parameterNames)).map { ($0, $1) } }

    init(trials: Int, redrawn: [String], roles: [ArmModel]) {
        self.trials = trials
        self.redrawn = redrawn
        let c = PSADraw.parameterColumns(roles)
        parameterArms = c.map(\.arm)
        parameterNames = c.map(\.name)
    }
}

/// K predictive trials: trial k's parameter draw (`PSA.sample` draw k) and its one
/// simulated outcome (replicate k's random numbers, the base case's replicate k).
public struct AssuranceResult: Sendable {
    public var spec: AssuranceSpec
    /// The parameter draws, draw k for trial k.
    public var draws: [AssuranceDraw]
    /// What the draws redrew: figure ids, `assumption:ARM.PARAM`, `fit:ARM.NAME` (sorted).
    public var redrawn: [String] { spec.redrawn }
    /// Trial k's outcome, k = 0 … K − 1.
    public var outcomes: [ReplicateOutcome]
    public var predictive: TrialOutcomeDistribution

    public var rejectedDraws: Int { draws.reduce(0) { $0 + $1.rejected } }

    /// The result of all K trials (in trial order), summarised as a `--looks` design when it has looks.
    /// - Precondition: draw k and outcome k for every k < `spec.trials`.
    public init(spec: AssuranceSpec, draws: [AssuranceDraw], outcomes: [ReplicateOutcome], design: TrialDesign) {
        precondition(draws.map(\.index) == Array(0..<spec.trials) && outcomes.map(\.replicate) == Array(0..<spec.trials),
                     "an assurance result holds every trial once, in order")
        self.spec = spec
        self.draws = draws
        self.outcomes = outcomes
        predictive = TrialOutcomeDistribution(outcomes, alpha: design.alpha, looks: design.sequential?.informationRates.count)
    }
}

/// A shard's share of `trial --assurance K` (`--shard i/k`): trials t with t mod k = i − 1.
public struct AssuranceShard: Sendable {
    public var spec: AssuranceSpec
    /// The shard's trials' draws and outcomes, in trial order.
    public var draws: [AssuranceDraw]
    public var outcomes: [ReplicateOutcome]
}

extension TrialSimulator {
    /// `trial --assurance K`: K parameter draws of the request's arms (`psaDraws`, the PSA
    /// sampler with the request's seed: draw k is `--psa`'s draw k), and trial k simulated
    /// once with draw k's arms from replicate k's streams (`ReplicateWorker.simulate`), so
    /// trial k differs from the base case's replicate k only by its parameters. Trials are
    /// dealt to workers by `BlockDriver.run` and written to their own slots: identical for
    /// any thread count.
    /// - Throws: `NensimFailure.usage` when K < 1; `.data` when the draws keep contradicting
    ///   each other (`PSA.sample`).
    /// - Complexity: O(K · (calibration + n log n)); memory O(threads · n + K).
    public static func assurance(_ request: TrialRequest, catalogue: EvidenceCatalogue, overrides: ModelOverrides = ModelOverrides(),
                                 K: Int, progress: (@Sendable (Int) -> Void)? = nil) throws -> AssuranceResult {
        let part = try assurance(request, catalogue: catalogue, overrides: overrides, K: K, shard: try ShardSpec(index: 1, count: 1),
                                 progress: progress)
        return AssuranceResult(spec: part.spec, draws: part.draws, outcomes: part.outcomes, design: request.design)
    }

    /// `trial --assurance K --shard i/k`: only the shard's trials are drawn and simulated,
    /// each exactly as in the unsharded run (its draw's streams and its replicate's are
    /// keyed by the trial index alone), so merging the shards gives the unsharded result.
    public static func assurance(_ request: TrialRequest, catalogue: EvidenceCatalogue, overrides: ModelOverrides = ModelOverrides(),
                                 K: Int, shard: ShardSpec, progress: (@Sendable (Int) -> Void)? = nil) throws -> AssuranceShard {
        let mine = Array(shard.workItems(total: K))
        let (draws, drawnKeys) = try psaDraws(request, catalogue: catalogue, overrides: overrides, K: K, only: mine)
        // Every draw redraws the same keys; a shard without trials asks draw 0 for them.
        let redrawn = !mine.isEmpty ? drawnKeys : try psaDraws(request, catalogue: catalogue, overrides: overrides, K: K, only: [0]).figures
        let spec = AssuranceSpec(trials: K, redrawn: redrawn,
                                 roles: request.design.null ? [request.control] : [request.experimental, request.control])
        let outcomes = simulate(request, draws: draws, progress: progress)
        return AssuranceShard(spec: spec, draws: draws.map { AssuranceDraw($0, spec: spec) }, outcomes: outcomes)
    }

    /// Each draw's trial simulated with the draw's arms (`TrialRequest.drawn`) as replicate `draw.index`.
    /// - Precondition: every index ≤ 2³² − 1 (replicate indices are 32-bit).
    static func simulate(_ request: TrialRequest, draws: [PSADraw], progress: (@Sendable (Int) -> Void)? = nil) -> [ReplicateOutcome] {
        let slots = WorkerSlots<ReplicateOutcome?>(count: draws.count, initial: nil) // trial k written once, by its worker
        let looks = request.sequentialLooks
        _ = BlockDriver.run(items: WorkItems.all(draws.count), threads: request.threads,
                            makeWorker: { _ in () }, progress: progress) { _, p, _ in
            // A worker per trial: its arms are the draw's (O(n) scratch, small beside the calibration).
            var worker = ReplicateWorker(request: request.drawn(draws[p]), looks: looks)
            slots.store(worker.simulate(replicate: draws[p].index), at: p)
            return 1
        }
        return slots.slots.map { $0! }
    }
}

extension AssuranceResult {
    /// The terminal lines: the predictive distribution beside the fixed-parameter one
    /// (`base`, the base case's replicates).
    func tableLines(base: TrialOutcomeDistribution, design: TrialDesign, experimental: String, control: String) -> [String] {
        var out = ["Assurance (predictive trials): \(outcomes.count) trials, each with its own parameter draw, against \(base.replicates) with the parameters fixed (power)"]
        out += PSA.redrawnLines(redrawn, none: "none (no calibrating figure of these arms is a range and no assumption is redrawn: assurance equals power)").map { "  " + $0 }
        var t = TextTable(header: ["statistic", "fixed parameters", "MC SE", "predictive", "MC SE"])
        func row(_ label: String, _ a: MonteCarloEstimate, _ b: MonteCarloEstimate, _ decimals: Int) {
            func f(_ x: Double?) -> String { x.map { fixed($0, decimals: decimals) } ?? "NA" }
            t.add([label, f(a.value), f(a.mcse), f(b.value), f(b.mcse)])
        }
        let p = predictive
        let favour = design.sequential == nil ? "p < \(fmt(design.alpha)), favouring \(experimental)" : "efficacy bound crossed for \(experimental)"
        row("significant (\(favour))", base.significant, p.significant, 4)
        row("significant, either direction", base.significantEitherDirection, p.significantEitherDirection, 4)
        for (label, q) in [("HR", \PredictiveQuantiles.median), ("HR 2.5 %", \.lower), ("HR 97.5 %", \.upper)] {
            row(label == "HR" ? "HR, median" : label, base.hazardRatio[keyPath: q], p.hazardRatio[keyPath: q], 3)
        }
        row("p two-sided, median", base.pTwoSided.median, p.pTwoSided.median, 4)
        for (arm, f, q) in [(control, base.medianControl, p.medianControl), (experimental, base.medianExperimental, p.medianExperimental)] {
            row("KM median \(arm), median", f.median, q.median, 2)
            row("KM median \(arm), 2.5 %", f.lower, q.lower, 2)
            row("KM median \(arm), 97.5 %", f.upper, q.upper, 2)
        }
        out.append(t.render(indent: "  "))
        if p.medianControlReached.value ?? 1 < 1 || p.medianExperimentalReached.value ?? 1 < 1 {
            out.append("  predictive medians over the trials that reached them: \(percent(p.medianControlReached)) % (control), \(percent(p.medianExperimentalReached)) % (experimental)")
        }
        if rejectedDraws > 0 { out.append("  \(rejectedDraws) draw(s) with contradictory figures were redrawn") }
        return out
    }

    private func percent(_ x: MonteCarloEstimate) -> String { fixed((x.value ?? 0) * 100, decimals: 1) }

    /// `trial.json` → `assurance`.
    struct JSON: Encodable {
        var trials: Int
        var redrawnFigures: [String]
        var rejectedDraws: Int
        var method: String
        var predictive: TrialOutcomeDistribution
        var fixedParameters: TrialOutcomeDistribution
        enum CodingKeys: String, CodingKey {
            case trials, method, predictive
            case redrawnFigures = "redrawn_figures", rejectedDraws = "rejected_draws", fixedParameters = "fixed_parameters"
        }
    }

    func json(base: TrialOutcomeDistribution) -> JSON {
        JSON(trials: outcomes.count, redrawnFigures: redrawn, rejectedDraws: rejectedDraws,
             method: "trial k draws the arms' parameters (PSA draw k: calibrating range figures, assumption priors, fitted covariances), re-calibrates, and is simulated once from replicate k's random numbers; fixed_parameters summarises the base case's replicates",
             predictive: predictive, fixedParameters: base)
    }

    /// `assurance.csv`: one row per trial — `trial`, `rejected`, the drawn values (`PSA.column`
    /// names), the re-calibrated parameters `ARM.PARAM` of the arms of `roles`, then the
    /// columns of `replicates.csv` after its `replicate` column (`replicatesCSV`, the same
    /// rows for these outcomes).
    func csv(replicatesCSV: String) -> String {
        let paramColumns = spec.columns
        var rows = replicatesCSV.split(separator: "\n", omittingEmptySubsequences: true).map { line in
            line.firstIndex(of: ",").map { String(line[line.index(after: $0)...]) } ?? ""
        }
        let header = (["trial", "rejected"] + redrawn.map(PSA.column) + paramColumns.map { "\($0.arm).\($0.name)" }).map(CSV.field).joined(separator: ",")
        var lines = [header + "," + rows.removeFirst()]
        for (d, tail) in zip(draws, rows) {
            // Numbers as in psa.csv and replicates.csv (`TrialReport.csvNumber`).
            let row = [String(d.index), String(d.rejected)] + (d.figures + d.parameters).map(TrialReport.csvNumber)
            lines.append(row.joined(separator: ",") + "," + tail)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
