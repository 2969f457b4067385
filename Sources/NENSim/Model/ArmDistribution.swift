import Foundation
import SurvivalStats

/// An arm's time-to-event distribution in any family of docs/PARAMETRIC.md, in months:
/// the family and its parameters on the estimation scale — the linear predictor η (μ of
/// log T; log rate for the Gompertz) followed by the auxiliary parameters
/// (`ParametricFamily.auxiliaryNames`), exactly as `nensim fit` exports them. Used for
/// PFS or post-progression survival when the arm's family is not today's default
/// (Weibull PFS, exponential post-progression survival; docs/MODEL.md, "Families").
public struct ArmDistribution: Sendable, Codable, Equatable {
    public var family: ParametricFamily
    /// [η] + auxiliary parameters, in months.
    public var parameters: [Double]

    public init(family: ParametricFamily, parameters: [Double]) {
        precondition(parameters.count == 1 + family.auxiliaryNames.count, "\(family): \(1 + family.auxiliaryNames.count) parameters")
        self.family = family
        self.parameters = parameters
    }

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
        family.distribution(eta: parameters[0], auxiliary: Array(parameters.dropFirst()))
    }

    /// The parameters R's d/p/q functions take (`shape`, `scale`, `meanlog`, …), in months.
    public var natural: [(name: String, value: Double)] {
        family.naturalParameters(eta: parameters[0], auxiliary: Array(parameters.dropFirst()))
    }

    /// σ of a location–scale family (1 for the exponential), nil for the Gompertz.
    public var logTimeScale: Double? {
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
    public var summary: String {
        "\(family.rawValue)(" + natural.map { "\($0.name) \(fmt($0.value, 4))" }.joined(separator: ", ") + ")"
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
