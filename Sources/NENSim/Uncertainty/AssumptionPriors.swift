import Foundation
import SurvivalStats

/// The uncertainty distributions of modelling assumptions under `--psa` (docs/MODEL.md,
/// "Uncertainty of assumptions"). Each is itself a labelled assumption: wide on purpose,
/// so that a PSA interval does not look narrower than the evidence allows.
public struct AssumptionPrior: Sendable, Equatable {
    /// The `--set` name, e.g. `pps.median`.
    public var parameter: String
    public var distribution: UncertaintyDistribution
    /// Why this distribution, in words (for docs and notes).
    public var rationale: String

    /// A log-normal whose 95 % interval is value ÷ factor … value × factor (median `value`).
    static func logNormal(_ parameter: String, _ value: Double, factor: Double, _ why: String) -> AssumptionPrior {
        AssumptionPrior(parameter: parameter,
                        distribution: UncertaintyDistribution(family: .logNormal, first: log(value), second: log(factor) / UncertaintyDistribution.z975),
                        rationale: why)
    }

    /// A normal with 95 % interval `value ± halfWidth`.
    static func normal(_ parameter: String, _ value: Double, halfWidth: Double, _ why: String) -> AssumptionPrior {
        AssumptionPrior(parameter: parameter,
                        distribution: UncertaintyDistribution(family: .normal, first: value, second: halfWidth / UncertaintyDistribution.z975),
                        rationale: why)
    }

    /// The prior of assumption `parameter` of an arm whose PFS (or PPS, for `pps.*`) is
    /// in `family`, or nil when nensim does not redraw it. `value` is the assumed value.
    public static func of(parameter: String, family: ParametricFamily, value: Double) -> AssumptionPrior? {
        switch parameter {
        case "pps.median":
            return logNormal(parameter, value, factor: 2.5, "×/÷ 2.5 (95 % interval 12–75 months) around the 30-month default: post-progression survival from about one to six years")
        case "response.coupling":
            return AssumptionPrior(parameter: parameter, distribution: UncertaintyDistribution(family: .beta, first: 1, second: 1),
                                   rationale: "uniform on [0, 1]: from independence to best responders progressing last; no figure speaks to it")
        case "pfs.death_share":
            return AssumptionPrior(parameter: parameter, distribution: UncertaintyDistribution(family: .beta, first: 1, second: 9),
                                   rationale: "beta(1, 9): mean 10 %, 95 % below 28 %; deaths without progression are a minority of PFS events in NET trials, but no bundled trial reports the share")
        case "pfs.shape", "pps.shape":
            switch family {
            case .weibull, .exponential:
                return logNormal(parameter, value, factor: 2, "Weibull shape 0.5–2 (95 %) around the exponential's 1: from a hazard falling steeply to one rising linearly")
            case .loglogistic:
                return logNormal(parameter, value, factor: 2, "log-logistic shape ×/÷ 2 (95 %) around 1/σ = 1.414")
            case .gompertz:
                return normal(parameter, value, halfWidth: 0.05, "Gompertz shape ±0.05 per month (95 %) around 0: the hazard ×/÷ 1.8 per year")
            default:
                return nil
            }
        case "pfs.sdlog", "pps.sdlog", "pfs.sigma", "pps.sigma":
            return logNormal(parameter, value, factor: 2, "σ ×/÷ 2 (95 %) around the exponential's spread of log T")
        case "pfs.q":
            return normal(parameter, value, halfWidth: 2, "Q within 1 ± 2 (95 %): covers the log-normal (Q = 0), the Weibull (Q = 1) and negative Q")
        default:
            return nil
        }
    }
}

/// One redrawn assumption of one arm under `--psa`.
public struct DrawnAssumption: Sendable, Equatable {
    public var arm: String
    public var prior: AssumptionPrior
    /// Key in `PSADraw.figures` and column of `psa.csv`: `assumption:ARM.PARAM`.
    public var key: String { "assumption:\(arm).\(prior.parameter)" }
}

extension PSA {
    /// The assumptions of the base-case `models` that `--psa` redraws: every parameter
    /// with status `assumption` that has an `AssumptionPrior` (and was not set with
    /// `--set`, which makes it an override), and, for an arm with PFS and OS modelled and
    /// no share of deaths without progression from a figure or `--set`, that share
    /// (default 0). Sorted by key.
    public static func assumptions(models: [ArmModel]) -> [DrawnAssumption] {
        var out: [DrawnAssumption] = []
        for m in models {
            let pfsFamily = m.pfsFamily.family
            let ppsFamily = m.ppsDistribution?.family ?? .exponential
            for p in m.parameters where p.status == .assumption {
                let family = p.name.hasPrefix("pps.") ? ppsFamily : pfsFamily
                if let prior = AssumptionPrior.of(parameter: p.name, family: family, value: p.value),
                   !out.contains(where: { $0.arm == m.id && $0.prior.parameter == p.name }) {
                    out.append(DrawnAssumption(arm: m.id, prior: prior))
                }
            }
            if m.notModelled.isEmpty, !m.parameters.contains(where: { $0.name == "pfs.death_share" }),
               let prior = AssumptionPrior.of(parameter: "pfs.death_share", family: pfsFamily, value: 0) {
                out.append(DrawnAssumption(arm: m.id, prior: prior))
            }
        }
        return out.sorted { $0.key < $1.key }
    }

    /// `overrides` with every assumption of `models` that `--psa` would redraw set to its
    /// base-case value, as `--set` would: a PSA on the figures' ranges alone.
    public static func fixingAssumptions(of models: [ArmModel], in overrides: ModelOverrides) -> ModelOverrides {
        var o = overrides
        for a in assumptions(models: models) {
            let model = models.first { $0.id == a.arm }!
            o.values[a.arm, default: [:]][a.prior.parameter] = model.parameters.first { $0.name == a.prior.parameter }?.value ?? 0
        }
        return o
    }

    /// The name of a `PSADraw.figures` key as a `psa.csv` column: `figure:ID` for a
    /// figure, the key itself for an assumption (`assumption:ARM.PARAM`) or a fitted
    /// parameter (`fit:ARM.NAME`) — never the same
    /// as a statistic's name (`ARM.pfs.median`), which has no colon.
    public static func column(_ key: String) -> String {
        key.hasPrefix("assumption:") || key.hasPrefix("fit:") ? key : "figure:\(key)"
    }

    /// The terminal lines naming what a PSA redrew (`keys`: figure ids and assumption keys).
    static func redrawnLines(_ keys: [String], none: String) -> [String] {
        let assumptions = keys.filter { $0.hasPrefix("assumption:") }
        let fits = keys.filter { $0.hasPrefix("fit:") }
        let figures = keys.filter { !$0.hasPrefix("assumption:") && !$0.hasPrefix("fit:") }
        guard !keys.isEmpty else { return ["redrawn figures: " + none] }
        var out = ["redrawn figures: " + (figures.isEmpty ? "none (no calibrating figure of these arms is a range)" : figures.joined(separator: ", "))]
        if !assumptions.isEmpty {
            out.append("redrawn assumptions (wide priors, docs/MODEL.md): " + assumptions.map { String($0.dropFirst("assumption:".count)) }.joined(separator: ", "))
        }
        if !fits.isEmpty {
            let arms = Set(fits.map { String($0.dropFirst("fit:".count).prefix { $0 != "." }) }).sorted()
            out.append("redrawn fitted parameters (normal with the fit's covariance): " + arms.joined(separator: ", "))
        }
        return out
    }
}
