import Figures
import Foundation
import SurvivalStats

extension TrialReport {
    /// `trial.svg` (docs/TRIAL.md, "Outputs of sequential trials and designs";
    /// docs/FIGURES.md, "Boundary plot"): the bounds on the z scale (> 0 favours the
    /// experimental arm) at each look, the simulated z of the replicates stopping there,
    /// and the share of replicates stopping at each look with ±1.96 MC SE beside the
    /// design's exit probabilities. A fixed design is one look at information 1 with the
    /// two-sided critical values ±z₁₋α/₂ and the rejection rate each way.
    public func figure() -> BoundaryPlot {
        let e = request.experimental.id, c = request.control.id
        let versus = design.null ? "\(c) against itself (type I error)" : "\(e) vs \(c)"
        var subtitle = ["\(design.test.title); endpoint \(design.endpoint.rawValue.uppercased())"]
        let events = design.targetEvents.map { ", \($0) target events" } ?? ""
        let run = "n = \(design.patients)\(events); \(request.replicates) replicates, seed \(request.seed)"
        let reps = result.replicates
        func share(_ k: Int) -> MonteCarloEstimate { .proportion(k, of: max(1, reps.count)) }
        if let rows = boundaryRows(), let looks {
            let plan = looks.plan
            var spending = "\(plan.sides)-sided α = \(fmt(design.alpha)), Lan–DeMets spending \(plan.spending)"
            if let f = plan.futilitySpending { spending += "; non-binding futility, β = \(fmt(plan.beta)) spent by \(f)" }
            subtitle += [spending, run]
            let plotLooks = rows.map { row in
                BoundaryPlot.Look(fraction: row.informationFraction, label: "\(row.events) events",
                                  statistics: reps.filter { $0.look == row.look }.map { -$0.z })
            }
            var bounds = [BoundaryPlot.Bound(label: "efficacy bound", z: rows.map(\.efficacyZ), colour: 0)]
            if plan.sides == 2 { bounds.append(.init(label: "lower bound (−efficacy)", z: rows.map { -$0.efficacyZ }, dashed: true, colour: 0)) }
            if rows.contains(where: { $0.futilityZ != nil }) { bounds.append(.init(label: "futility bound (non-binding)", z: rows.map(\.futilityZ), colour: 1)) }
            let h0 = design.null
            var rates = [BoundaryPlot.Rate(label: plan.sides == 2 ? "stopped, upper bound (favouring \(h0 ? "the 2nd sample" : e))" : "stopped for efficacy",
                                           value: rows.map(\.stopUpper.value), mcse: rows.map(\.stopUpper.mcse),
                                           expected: rows.map { h0 ? $0.h0UpperHonouringFutility : $0.h1Upper }, colour: 0)]
            if plan.sides == 2 {
                rates.append(.init(label: "stopped, lower bound", value: rows.map(\.stopLower.value), mcse: rows.map(\.stopLower.mcse),
                                   expected: rows.map { h0 ? $0.h0Lower : $0.h1Lower }, colour: 5))
            } else if rows.contains(where: { $0.futilityZ != nil }) {
                rates.append(.init(label: "stopped for futility", value: rows.map(\.stopFutility.value), mcse: rows.map(\.stopFutility.mcse),
                                   expected: rows.map { h0 ? $0.h0Lower : $0.h1Lower }, colour: 1))
            }
            let drift = fixed(looks.boundaries.drift, decimals: 3)
            let designLabel = h0 ? "design, under H0" : "design, under its drift δ = \(drift) (power \(fmt(1 - plan.beta)))"
            let rejected = summary.powerTwoSided
            return BoundaryPlot(
                title: "\(versus): group-sequential boundaries and simulated stopping",
                subtitle: subtitle, zLabel: "z (> 0 favours \(h0 ? "the 2nd sample" : e))",
                rateLabel: "replicates stopping", expectedLabel: designLabel, looks: plotLooks, bounds: bounds, rates: rates,
                footnotes: ["Top: bounds on the z scale at each look's information fraction (its event count below); grey: histogram of the simulated z at the look where each replicate stopped (bins of a tenth of a tick). Bottom: share of all \(reps.count) replicates stopping at each look (%, bars ±1.96 MC SE); black: the design's exit probability by recursive integration\(h0 ? "" : ", at the drift that gives the design its power, not the simulated arms' effect"). Any bound crossed: \(percent(rejected)). Columns in boundaries.csv.",
                            "nensim \(NENSimInfo.version)"])
        }
        let crit = Distributions.normalQuantile(1 - design.alpha / 2)
        let favourable = reps.filter { $0.pTwoSided < design.alpha && -$0.z > 0 }.count
        let other = reps.filter { $0.pTwoSided < design.alpha }.count - favourable
        subtitle += ["fixed design: one analysis, two-sided α = \(fmt(design.alpha))", run]
        let meanEvents = summary.events.value.map { fixed($0, decimals: 1) } ?? "NA"
        let up = share(favourable), down = share(other)
        var plot = BoundaryPlot(
            title: "\(versus): z statistic at the analysis and rejection rate",
            subtitle: subtitle, zLabel: "z (> 0 favours \(design.null ? "the 2nd sample" : e))", rateLabel: "replicates rejecting H0",
            looks: [.init(fraction: 1, label: "\(meanEvents) events (mean)", statistics: reps.map { -$0.z })],
            bounds: [.init(label: "critical value z₁₋α/₂", z: [crit], colour: 0), .init(label: "−z₁₋α/₂", z: [-crit], dashed: true, colour: 0)],
            rates: [.init(label: "rejected, favouring \(design.null ? "the 2nd sample" : e)", value: [up.value], mcse: [up.mcse], colour: 0),
                    .init(label: "rejected, favouring \(c)", value: [down.value], mcse: [down.mcse], colour: 5)],
            footnotes: ["Top: grey histogram of the simulated z of every replicate (bins of a tenth of a tick) against the two-sided critical values; a replicate rejects when its two-sided p < α. Bottom: share of the \(reps.count) replicates rejecting each way (%, bars ±1.96 MC SE). Columns in replicates.csv.",
                        "nensim \(NENSimInfo.version)"])
        plot.histogramLabel = "simulated z of every replicate"
        return plot
    }

    private func percent(_ x: MonteCarloEstimate) -> String {
        guard let v = x.value else { return "NA" }
        return fixed(v * 100, decimals: 1) + " %" + (x.mcse.map { " (MC SE " + fixed($0 * 100, decimals: 1) + ")" } ?? "")
    }
}

/// Renders a report's figure once and writes it as `<stem>.<format>` for each format
/// through the run folder's writer (temporary name, renamed; nothing left on failure).
/// - Throws: `NensimFailure.io` when Cairo cannot render, or the writer's failures.
func writeFigures(_ formats: [FigureFormat], stem: String, dpi: Double, to folder: RunFolder, _ drawing: () -> Drawing) throws {
    guard !formats.isEmpty else { return }
    let d = drawing()
    for format in formats {
        let name = "\(stem).\(format.fileExtension)"
        let data: Data
        do { data = try d.render(as: format, dpi: dpi) } catch {
            throw NensimFailure.io(oneLine("\(name): \(error)"))
        }
        try folder.write(name, contents: data)
    }
}
