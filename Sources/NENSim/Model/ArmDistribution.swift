import Foundation
import SurvivalStats

/// An arm's time-to-event distribution in any family of docs/PARAMETRIC.md, in months:
/// the family and its parameters on the estimation scale — the linear predictor η (μ of
/// log T; log rate for the Gompertz) followed by the auxiliary parameters
/// (`ParametricFamily.auxiliaryNames`), exactly as `nensim fit` exports them. Used for
/// PFS or post-progression survival when the arm's family is not today's default
/// (Weibull PFS, exponential post-progression survival; docs/MODEL.md, "Families").
///
/// Two laws wrap or replace the family (docs/MODEL.md, "Families"): a piecewise
/// exponential (`piecewise`; `family` is then the exponential of its last interval) and a
/// mixture cure over either (`cureFraction` π: S = π + (1 − π)·S₀, a cured patient never
/// has the event).
public struct ArmDistribution: Sendable, Codable, Equatable {
    public var family: ParametricFamily
    /// [η] + auxiliary parameters, in months.
    public var parameters: [Double]
    /// The piecewise-exponential law (cut points in months, rates per month), or nil.
    public var piecewise: PiecewiseExponentialDistribution?
    /// The cured share π in [0, 1) of a mixture cure, or nil (no cure).
    public var cureFraction: Double?

    public init(family: ParametricFamily, parameters: [Double], cureFraction: Double? = nil) {
        precondition(parameters.count == 1 + family.auxiliaryNames.count, "\(family): \(1 + family.auxiliaryNames.count) parameters")
        precondition(cureFraction.map { (0..<1).contains($0) } ?? true, "cure fraction in [0, 1)")
        self.family = family
        self.parameters = parameters
        self.cureFraction = cureFraction
    }

    /// The piecewise exponential with these pieces (last rate > 0), optionally under a cure.
    public init(piecewise p: PiecewiseExponentialDistribution, cureFraction: Double? = nil) {
        precondition(p.rates.last! > 0, "the last piece's rate must be positive")
        self.init(family: .exponential, parameters: [-log(p.rates.last!)], cureFraction: cureFraction)
        piecewise = p
    }

    /// The same law with a cure fraction π (nil or 0: none).
    public func cured(_ pi: Double?) -> ArmDistribution {
        var d = self
        d.cureFraction = pi == 0 ? nil : pi
        return d
    }

    /// The law without its cure fraction (the uncured patients' law S₀).
    public var uncured: ArmDistribution { cured(nil) }

    /// `pwexp` for a piecewise exponential, else the family's name (what `dist` names).
    public var lawName: String { piecewise != nil ? "pwexp" : family.rawValue }

    /// A location–scale family (log T = μ + σW) from μ and σ; the generalized gamma also takes Q.
    public static func locationScale(_ family: ParametricFamily, location mu: Double, scale sigma: Double, q: Double = 1) -> ArmDistribution {
        switch family {
        case .exponential: return ArmDistribution(family: .exponential, parameters: [mu])
        case .gengamma: return ArmDistribution(family: .gengamma, parameters: [mu, log(sigma), q])
        case .gompertz: preconditionFailure("the Gompertz is not a location–scale family")
        default: return ArmDistribution(family: family, parameters: [mu, log(sigma)])
        }
    }

    /// The Gompertz with shape a and rate b.
    public static func gompertz(shape a: Double, rate b: Double) -> ArmDistribution {
        ArmDistribution(family: .gompertz, parameters: [log(b), a])
    }

    public var distribution: any SurvivalDistribution {
        let base: any SurvivalDistribution = piecewise ?? family.distribution(eta: parameters[0], auxiliary: Array(parameters.dropFirst()))
        guard let pi = cureFraction, pi > 0 else { return base }
        return MixtureCureDistribution(base: base, cureFraction: pi)
    }

    /// The parameters R's d/p/q functions take (`shape`, `scale`, `meanlog`, …), in months;
    /// a piecewise exponential's `cut1`, …, `rate1`, … (flexsurv's `ppexp`), then `cure` (π).
    public var natural: [(name: String, value: Double)] {
        var out: [(name: String, value: Double)]
        if let p = piecewise {
            out = p.cuts.enumerated().map { ("cut\($0.offset + 1)", $0.element) } + p.rates.enumerated().map { ("rate\($0.offset + 1)", $0.element) }
        } else {
            out = family.naturalParameters(eta: parameters[0], auxiliary: Array(parameters.dropFirst()))
        }
        if let pi = cureFraction { out.append(("cure", pi)) }
        return out
    }

    /// σ of a location–scale family (1 for the exponential), nil for the Gompertz and the piecewise exponential.
    public var logTimeScale: Double? {
        if piecewise != nil { return nil }
        switch family {
        case .exponential: return 1
        case .gompertz: return nil
        default: return exp(parameters[1])
        }
    }

    public func survival(_ t: Double) -> Double { t <= 0 ? 1 : distribution.survival(t) }
    public func density(_ t: Double) -> Double { t <= 0 ? 0 : distribution.density(t) }
    public var median: Double { distribution.median }
    public func quantile(_ p: Double) -> Double { distribution.quantile(p) }

    /// One line for reports: `loglogistic(shape 1.52, scale 10.3)`.
    /// With a cure: `cure 0.2 × weibull(shape 1.3, scale 14)`.
    public var summary: String {
        let base = uncured.natural
        let text = "\(lawName)(" + base.map { "\($0.name) \(fmt($0.value, 4))" }.joined(separator: ", ") + ")"
        return cureFraction.map { "cure \(fmt($0, 4)) × " + text } ?? text
    }
}

extension ArmModel {
    /// The PFS distribution as a family (the Weibull `pfs` when no other family is set).
    public var pfsFamily: ArmDistribution {
        pfsDistribution ?? ArmDistribution(family: .weibull, parameters: [log(pfs.scale), -log(pfs.shape)])
    }

    /// Whether PFS, post-progression survival and the progression share are today's
    /// default (a Weibull, an exponential, every PFS event a progression), whose closed
    /// forms `OverallSurvival` and `Mixture` compute.
    public var hasDefaultFamilies: Bool { pfsDistribution == nil && ppsDistribution == nil && deathShare == 0 }
}
