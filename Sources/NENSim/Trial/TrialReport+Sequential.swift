import Foundation
import SurvivalStats

/// One look of a group-sequential design in `boundaries.csv` and `trial.json`
/// (docs/TRIAL.md, "Outputs"): the bounds, what the design predicts and what the
/// simulation found.
struct BoundaryRow: Encodable, Equatable {
    var look: Int
    var informationFraction: Double
    var events: Int
    /// Efficacy bound on the z scale (positive favours the experimental arm).
    var efficacyZ: Double
    /// Non-binding futility bound (one-sided designs with β spending), else nil.
    var futilityZ: Double?
    /// The hazard ratio at the efficacy bound, exp(−b_k / √(d_k p (1 − p))).
    var efficacyHR: Double
    var futilityHR: Double?
    /// One-sided nominal p-value of the bound, 1 − Φ(b_k).
    var nominalP: Double
    var alphaSpent: Double
    /// Design exit probabilities at this look (recursive integration): under H0 with
    /// the futility bounds ignored (how α is spent) and honoured; under the design's
    /// drift δ (power 1 − β) with them honoured. `lower`: futility, or −b_k when
    /// two-sided.
    var h0Upper: Double
    var h0UpperHonouringFutility: Double
    var h0Lower: Double
    var h1Upper: Double
    var h1Lower: Double
    /// Simulated: share of replicates stopping here, by decision, with MC SE.
    var stopUpper: MonteCarloEstimate
    var stopLower: MonteCarloEstimate
    var stopFutility: MonteCarloEstimate
    var noRejection: MonteCarloEstimate

    static let csvHeader = "look,information_fraction,events,efficacy_z,futility_z,efficacy_hr,futility_hr,nominal_p_one_sided,alpha_spent,design_h0_upper,design_h0_upper_honouring_futility,design_h0_lower,design_h1_upper,design_h1_lower,sim_stop_upper,sim_stop_upper_mcse,sim_stop_lower,sim_stop_lower_mcse,sim_stop_futility,sim_stop_futility_mcse,sim_no_rejection,sim_no_rejection_mcse"
}

extension TrialReport {
    /// The rows of `boundaries.csv` (nil for a fixed design).
    func boundaryRows() -> [BoundaryRow]? {
        guard let looks, let seq = summary.sequential else { return nil }
        let g = looks.boundaries
        let h0 = g.exitProbabilities(drift: 0, honouringFutility: false)
        let h0f = g.exitProbabilities(drift: 0, honouringFutility: true)
        let h1 = g.exitProbabilities(drift: g.drift, honouringFutility: true)
        let spent = g.alphaSpent
        let p = design.ratio.experimentalFraction
        return (0..<g.looks).map { k in
            let info = (Double(looks.events[k]) * p * (1 - p)).squareRoot()
            let futility = g.futility.map { $0[k] }
            return BoundaryRow(look: k + 1, informationFraction: g.informationRates[k], events: looks.events[k],
                               efficacyZ: g.efficacy[k], futilityZ: futility, efficacyHR: exp(-g.efficacy[k] / info),
                               futilityHR: futility.map { exp(-$0 / info) },
                               nominalP: Distributions.normalSurvival(g.efficacy[k]), alphaSpent: spent[k],
                               h0Upper: h0[k].efficacy, h0UpperHonouringFutility: h0f[k].efficacy, h0Lower: h0f[k].lower,
                               h1Upper: h1[k].efficacy, h1Lower: h1[k].lower,
                               stopUpper: seq.looks[k].stopUpper, stopLower: seq.looks[k].stopLower,
                               stopFutility: seq.looks[k].stopFutility, noRejection: seq.looks[k].noRejection)
        }
    }

    /// `boundaries.csv`: one row per look (columns in docs/TRIAL.md), nil for a fixed design.
    public func boundariesCSV() -> String? {
        guard let rows = boundaryRows() else { return nil }
        let n = Self.csvNumber
        func opt(_ x: Double?) -> String { x.map(n) ?? "NA" }
        func mc(_ x: MonteCarloEstimate) -> String { "\(opt(x.value)),\(opt(x.mcse))" }
        var lines = [BoundaryRow.csvHeader]
        for r in rows {
            lines.append([String(r.look), n(r.informationFraction), String(r.events), n(r.efficacyZ), opt(r.futilityZ),
                          n(r.efficacyHR), opt(r.futilityHR), n(r.nominalP), n(r.alphaSpent), n(r.h0Upper),
                          n(r.h0UpperHonouringFutility), n(r.h0Lower), n(r.h1Upper), n(r.h1Lower),
                          mc(r.stopUpper), mc(r.stopLower), mc(r.stopFutility), mc(r.noRejection)].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The terminal table of the looks, nil for a fixed design.
    func sequentialTable() -> String? {
        guard let rows = boundaryRows(), let looks else { return nil }
        let twoSided = looks.plan.sides == 2
        let h = design.null ? "design H0" : "design H1 (δ = \(fixed(looks.boundaries.drift, decimals: 3)))"
        var t = TextTable(header: ["look", "events", "efficacy z", "HR at bound", twoSided ? "" : "futility z",
                                   "stop upper", "± MC SE", twoSided ? "stop lower" : "stop futility", "± MC SE", "\(h) upper", "lower"])
        func f(_ x: Double?, _ d: Int = 4) -> String { x.map { fixed($0, decimals: d) } ?? "—" }
        for r in rows {
            let lower = twoSided ? r.stopLower : r.stopFutility
            let dUpper = design.null ? r.h0UpperHonouringFutility : r.h1Upper
            let dLower = design.null ? r.h0Lower : r.h1Lower
            t.add([String(r.look), String(r.events), f(r.efficacyZ, 3), f(r.efficacyHR, 3), twoSided ? "" : f(r.futilityZ, 3),
                   f(r.stopUpper.value), f(r.stopUpper.mcse), f(lower.value), f(lower.mcse), f(dUpper), f(dLower)])
        }
        return "Group-sequential looks (\(looks.plan.summary); z > 0 favours the experimental arm)\n" + t.render(indent: "  ")
    }
}
