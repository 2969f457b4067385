import Figures
import Foundation

/// The operating characteristics of one parameter set under PSA.
public struct TrialPSADraw: Sendable {
    public var draw: PSADraw
    public var summary: TrialSummary
}

/// What `nensim trial` reports: the base case, optionally a PSA, and the outputs built
/// from them (terminal table, `trial.json`, `replicates.csv`, `psa.csv`).
public struct TrialReport: Sendable {
    public var result: TrialResult
    public var summary: TrialSummary
    public var psa: [TrialPSADraw]?
    /// What the PSA redrew: range figures (ids) and assumptions (`assumption:ARM.PARAM`), empty without PSA.
    public var psaFigures: [String]
    public var commandLine: [String]
    /// The boundaries of a group-sequential design, computed once.
    let looks: SequentialLooks?
    /// `--assurance K`: the predictive trials (Assurance.swift), nil without.
    public var assurance: AssuranceResult?
    /// Figure files of `trial.svg` (`figure()`) to write: `trial.<format>`; empty: none.
    public var figureFormats: [FigureFormat] = [.svg]
    /// Resolution of `trial.png`.
    public var figureDPI: Double = 150

    public init(result: TrialResult, psa: [TrialPSADraw]? = nil, psaFigures: [String] = [], commandLine: [String] = []) {
        self.result = result
        self.summary = TrialSummary(result.replicates, alpha: result.request.design.alpha,
                                    looks: result.request.design.sequential?.informationRates.count)
        self.looks = result.request.sequentialLooks
        self.psa = psa
        self.psaFigures = psaFigures
        self.commandLine = commandLine
    }

    var request: TrialRequest { result.request }
    /// The base case's replicates as a distribution (beside the assurance's).
    var outcomeDistribution: TrialOutcomeDistribution {
        TrialOutcomeDistribution(result.replicates, alpha: design.alpha, looks: design.sequential?.informationRates.count)
    }
    var design: TrialDesign { request.design }

    /// The statistics reported per PSA draw: name, and how to read it from a summary.
    static let psaStatistics: [(name: String, label: String, value: @Sendable (TrialSummary) -> Double?)] = [
        ("power_two_sided", "power, two-sided", { $0.powerTwoSided.value }),
        ("power_one_sided", "power, one-sided (HR < 1)", { $0.powerOneSided.value }),
        ("ci_excludes_one", "P(CI excludes 1)", { $0.ciExcludesOne.value }),
        ("hr_median", "HR, median estimate", { $0.hazardRatioMedian.value }),
        ("hr_p2.5", "HR, 2.5 % of estimates", { $0.hazardRatioLower.value }),
        ("hr_p97.5", "HR, 97.5 % of estimates", { $0.hazardRatioUpper.value }),
        ("events_mean", "events at analysis", { $0.events.value }),
        ("analysis_time_mean", "analysis time, months", { $0.analysisTime.value }),
        ("median_control_mean", "KM median, control", { $0.medianControl.value }),
        ("median_experimental_mean", "KM median, experimental", { $0.medianExperimental.value }),
    ]

    /// Percentile (type 7) of the finite values; nil when there are none.
    static func percentile(_ values: [Double?], _ p: Double) -> Double? {
        let xs = values.compactMap { $0 }.filter(\.isFinite).sorted()
        return MonteCarloEstimate.quantile(xs, p).value
    }

    // MARK: Terminal

    public func renderTable() -> String {
        let s = summary
        let e = request.experimental.id, c = request.control.id
        var out: [String] = []
        let versus = design.null ? "\(c) against itself (\(Parameter.null): type I error)" : "\(e) (experimental) vs \(c) (control)"
        out.append("nensim \(NENSimInfo.version) trial: \(versus); \(request.replicates) replicates, seed \(request.seed)")
        out.append("design: \(design.summary)")
        if let plan = design.sequential {
            out.append("endpoint \(design.endpoint.rawValue.uppercased()); decision by the \(design.test.title) at each look, \(plan.sides)-sided α = \(fmt(design.alpha)); HR experimental/control by Cox (Efron ties) with \(fmt((1 - 2 * design.alpha / Double(plan.sides)) * 100)) % Wald CI")
        } else {
            out.append("endpoint \(design.endpoint.rawValue.uppercased()); decision by the \(design.test.title), two-sided α = \(fmt(design.alpha)); HR experimental/control by Cox (Efron ties) with \(fmt((1 - design.alpha) * 100)) % Wald CI")
        }
        out.append("")
        if let table = sequentialTable() {
            out.append(table)
            out.append("")
        }
        var t = TextTable(header: ["operating characteristic", "estimate", "MC SE"])
        func row(_ label: String, _ x: MonteCarloEstimate, _ decimals: Int = 4) {
            t.add([label, x.value.map { fixed($0, decimals: decimals) } ?? "NA", x.mcse.map { fixed($0, decimals: decimals) } ?? "NA"])
        }
        let a = fmt(design.alpha)
        if let plan = design.sequential {
            row(design.null ? "type I error (any bound crossed)" : "power (any efficacy bound crossed)", s.powerTwoSided)
            if plan.sides == 2 { row("  … favouring \(design.null ? "the second sample" : e)", s.powerTwoSidedFavourable) }
            if let seq = s.sequential { row("stopped before the last look", seq.stopEarly) }
        } else {
            row(design.null ? "type I error, two-sided (p < \(a))" : "power, two-sided (p < \(a))", s.powerTwoSided)
            row("  … and favouring \(design.null ? "the second sample" : e)", s.powerTwoSidedFavourable)
            row("power, one-sided (p < \(a), HR < 1)", s.powerOneSided)
        }
        row("P(CI excludes 1)", s.ciExcludesOne)
        row("P(CI entirely below 1)", s.ciBelowOne)
        row("HR estimate, median", s.hazardRatioMedian, 3)
        row("HR estimate, 2.5 %", s.hazardRatioLower, 3)
        row("HR estimate, 97.5 %", s.hazardRatioUpper, 3)
        let atStop = design.sequential == nil ? "" : " at the stopping look"
        row("events at analysis\(atStop) (mean)", s.events, 1)
        row("analysis time\(atStop), months (mean)", s.analysisTime, 2)
        row("patients enrolled by then (mean)", s.enrolled, 1)
        row("KM median \(c), months (mean where reached)", s.medianControl, 2)
        row("KM median \(design.null ? c + " (2nd sample)" : e), months (mean where reached)", s.medianExperimental, 2)
        out.append(t.render(indent: "  "))
        if s.medianControlReached.value ?? 1 < 1 || s.medianExperimentalReached.value ?? 1 < 1 {
            out.append("  medians reached in \(fixed((s.medianControlReached.value ?? 0) * 100, decimals: 1)) % (control) and \(fixed((s.medianExperimentalReached.value ?? 0) * 100, decimals: 1)) % (experimental) of replicates")
        }
        if s.coxNotConverged > 0 {
            out.append("  \(s.coxNotConverged) replicate(s) with an arm without events: Cox HR 0 or ∞ (monotone likelihood), CI (0, ∞)")
        }
        if let psa {
            out.append("")
            out.append("Probabilistic sensitivity analysis: \(psa.count) parameter draws, \(request.replicates) replicates each (same random numbers in every draw)")
            out.append(contentsOf: PSA.redrawnLines(psaFigures, none: "none (no calibrating figure of these arms is a range and no assumption is redrawn: every draw equals the base case)").map { "  " + $0 })
            var p = TextTable(header: ["statistic", "base case", "PSA median", "2.5 %", "97.5 %"])
            for stat in Self.psaStatistics {
                let values = psa.map { stat.value($0.summary) }
                func f(_ x: Double?) -> String { x.map { fixed($0, decimals: stat.name.hasPrefix("power") || stat.name == "ci_excludes_one" ? 4 : 3) } ?? "NA" }
                p.add([stat.label, f(stat.value(s)), f(Self.percentile(values, 0.5)), f(Self.percentile(values, 0.025)), f(Self.percentile(values, 0.975))])
            }
            out.append(p.render(indent: "  "))
            let rejected = psa.reduce(0) { $0 + $1.draw.rejected }
            if rejected > 0 { out.append("  \(rejected) draw(s) with contradictory figures were redrawn") }
            out.append("  covariates are not in the model yet: no linear predictors across draws (no BLAS product)")
        }
        if let assurance {
            out.append("")
            out.append(contentsOf: assurance.tableLines(base: outcomeDistribution, design: design, experimental: e, control: c))
        }
        let notes = Array(Set(request.control.notes + (design.null ? [] : request.experimental.notes))).sorted()
        if !notes.isEmpty {
            out.append("")
            out.append("Notes")
            for n in notes { out.append("  \(n)") }
        }
        return out.joined(separator: "\n")
    }

    // MARK: CSV

    static func csvNumber(_ x: Double) -> String {
        if x.isNaN { return "NA" }
        if x == .infinity { return "Inf" }
        if x == -.infinity { return "-Inf" }
        return "\(x)"
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// One row per replicate; a sequential design adds `look` and `decision` (the look
    /// it stopped at and why; the other columns are that look's analysis).
    public func replicatesCSV() -> String {
        let sequential = design.sequential != nil
        var lines = ["replicate,analysis_time,enrolled_control,enrolled_experimental,events_control,events_experimental,hr,hr_lower,hr_upper,log_hr,se_log_hr,cox_converged,z,p_two_sided,p_one_sided,logrank_o_minus_e,logrank_variance,median_control,median_experimental" + (sequential ? ",look,decision" : "")]
        lines.reserveCapacity(result.replicates.count + 1)
        let n = Self.csvNumber
        for r in result.replicates {
            let s = r.statistics
            lines.append([String(r.replicate), n(r.analysisTime), String(r.enrolledControl), String(r.enrolledExperimental),
                          String(s.eventsControl), String(s.eventsExperimental), n(r.hazardRatio), n(r.lower), n(r.upper),
                          n(s.logHazardRatio), n(s.standardError), s.coxConverged ? "true" : "false", n(r.z), n(r.pTwoSided),
                          n(r.pOneSided), n(s.observedMinusExpected), n(s.variance), n(s.medianControl), n(s.medianExperimental)]
                .joined(separator: ",") + (sequential ? ",\(r.look),\(r.decision.rawValue)" : ""))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One row per PSA draw: drawn figures, the re-calibrated parameters, main statistics.
    public func psaCSV() -> String? {
        guard let psa else { return nil }
        let roles = design.null ? [request.control] : [request.experimental, request.control]
        let paramColumns = PSADraw.parameterColumns(roles)
        // Unique by construction: figures and assumptions have a colon, parameters none (`PSA.column`).
        var header = ["draw", "rejected"] + psaFigures.map(PSA.column) + paramColumns.map { "\($0.arm).\($0.name)" }
        header += Self.psaStatistics.map(\.name)
        var lines = [header.map(Self.csvField).joined(separator: ",")]
        for d in psa {
            var row = [String(d.draw.index), String(d.draw.rejected)]
            row += psaFigures.map { d.draw.figures[$0].map(Self.csvNumber) ?? "NA" }
            row += paramColumns.map { d.draw.parameter(arm: $0.arm, name: $0.name).map(Self.csvNumber) ?? "NA" }
            row += Self.psaStatistics.map { $0.value(d.summary).map(Self.csvNumber) ?? "NA" }
            lines.append(row.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: JSON

    struct JSONArm: Encodable {
        var role: String
        var id: String
        var name: String
        var streamID: UInt32
        var parameters: [ParameterProvenance]
        var notes: [String]
        enum CodingKeys: String, CodingKey { case role, id, name, parameters, notes; case streamID = "stream_id" }
    }

    struct JSONStatistic: Encodable {
        var name: String
        var baseCase: Double?
        var psaMedian: Double?
        var psaLower: Double?
        var psaUpper: Double?
        enum CodingKeys: String, CodingKey {
            case name
            case baseCase = "base_case", psaMedian = "psa_median", psaLower = "psa_p2.5", psaUpper = "psa_p97.5"
        }
    }

    struct JSONPSA: Encodable {
        var draws: Int
        var replicatesPerDraw: Int
        var redrawnFigures: [String]
        var rejectedDraws: Int
        var method: String
        var statistics: [JSONStatistic]
        enum CodingKeys: String, CodingKey {
            case draws, method, statistics
            case replicatesPerDraw = "replicates_per_draw", redrawnFigures = "redrawn_figures", rejectedDraws = "rejected_draws"
        }
    }

    struct JSONDocument: Encodable {
        var nensimVersion: String
        var commandLine: [String]
        var seed: UInt64
        var replicates: Int
        var design: TrialDesign
        var designSummary: String
        var confidenceLevel: Double
        var randomisation: String
        var streams: String
        var arms: [JSONArm]
        var summary: TrialSummary
        var psa: JSONPSA?
        var boundaries: [BoundaryRow]?
        var assurance: AssuranceResult.JSON?
        enum CodingKeys: String, CodingKey {
            case seed, replicates, design, arms, summary, psa, randomisation, streams, boundaries, assurance
            case nensimVersion = "nensim_version", commandLine = "command_line", designSummary = "design_summary"
            case confidenceLevel = "confidence_level"
        }
    }

    /// `trial.json`: everything except the per-replicate rows (those are in `replicates.csv`).
    public func json() throws -> Data {
        let ids = request.slotStreamIDs
        var arms = [JSONArm(role: "control", id: request.control.id, name: request.control.name, streamID: ids.control,
                            parameters: request.control.parameters, notes: request.control.notes)]
        let e = request.experimentalModel
        arms.insert(JSONArm(role: design.null ? "experimental (the control model, \(Parameter.null))" : "experimental", id: e.id, name: e.name,
                            streamID: ids.experimental, parameters: e.parameters, notes: e.notes), at: 0)
        var psaJSON: JSONPSA?
        if let psa {
            psaJSON = JSONPSA(draws: psa.count, replicatesPerDraw: request.replicates, redrawnFigures: psaFigures,
                              rejectedDraws: psa.reduce(0) { $0 + $1.draw.rejected },
                              method: "each calibrating range figure redrawn (log-normal for times, beta for proportions, the range as the 95 % interval), arms re-calibrated; every draw uses the base case's random numbers; covariates are not in the model yet, so no linear predictors across draws",
                              statistics: Self.psaStatistics.map { stat in
                                  let values = psa.map { stat.value($0.summary) }
                                  return JSONStatistic(name: stat.name, baseCase: stat.value(summary).flatMap { $0.isFinite ? $0 : nil },
                                                       psaMedian: Self.percentile(values, 0.5), psaLower: Self.percentile(values, 0.025),
                                                       psaUpper: Self.percentile(values, 0.975))
                              })
        }
        let doc = JSONDocument(nensimVersion: NENSimInfo.version, commandLine: commandLine, seed: request.seed, replicates: request.replicates,
                               design: design, designSummary: design.summary, confidenceLevel: 1 - design.alpha,
                               randomisation: "permuted blocks of \(design.ratio.blockSize) (\(design.ratio.experimental + design.ratio.control > 100 ? "the sum" : "twice the sum") of the ratio), entry times the order statistics of uniforms over the accrual period",
                               streams: "replicate r: entry and allocation from (seed, stream_id(\"trial/allocation\"), r, block 0); each arm's patients in allocation order from (seed, arm stream_id, r, block 0)",
                               arms: arms, summary: summary, psa: psaJSON, boundaries: boundaryRows(),
                               assurance: assurance?.json(base: outcomeDistribution))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try encoder.encode(doc)
    }

    // MARK: Files

    /// Writes trial.json, replicates.csv (and psa.csv, boundaries.csv, assurance.csv, trial.svg) into `folder` (made by
    /// `RunFolder.create(at:force:shape: .files)` before the simulation) and commits it.
    /// `beforeCommit` runs once the files are complete (printing the table: a failed
    /// stdout then leaves no folder). Returns the files written.
    /// - Throws: `NensimFailure.io` / `.cannotCreate` from the writer; nothing is left.
    public func write(to folder: RunFolder, beforeCommit: () throws -> Void = {}) throws -> [URL] {
        try folder.write("trial.json") { try $0.write(try json()) }
        try folder.write("replicates.csv", contents: replicatesCSV())
        if let psa = psaCSV() { try folder.write("psa.csv", contents: psa) }
        if let boundaries = boundariesCSV() { try folder.write("boundaries.csv", contents: boundaries) }
        if let assurance {
            try folder.write("assurance.csv", contents: assurance.csv(replicatesCSV: TrialReport(result: TrialResult(request: request, replicates: assurance.outcomes)).replicatesCSV()))
        }
        try writeFigures(figureFormats, stem: "trial", dpi: figureDPI, to: folder) { figure().drawing() }
        try beforeCommit()
        try folder.commit()
        return folder.files.map { folder.destination.appendingPathComponent($0) }
    }
}
