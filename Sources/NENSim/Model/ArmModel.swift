import Foundation

/// Where a model parameter comes from. Every simulated figure traces to one of these.
public enum ParameterStatus: String, Sendable, Codable, CaseIterable {
    /// Derived from figures quoted in the source review.
    case source
    /// Derived from a published trial named in the catalogue (labelled external).
    case external
    /// A modelling assumption, named and overridable with `--set`.
    case assumption
    /// Set by the user on the command line (`--set`) or in their evidence file.
    case override
}

/// One calibrated parameter with its provenance.
public struct ParameterProvenance: Sendable, Codable, Equatable {
    /// The `--set` name, e.g. `pfs.median`.
    public var name: String
    public var value: Double
    public var unit: String
    public var status: ParameterStatus
    /// Figure ids the value was derived from.
    public var figures: [String]
    /// How the value was obtained, in words.
    public var rule: String

    public init(name: String, value: Double, unit: String, status: ParameterStatus, figures: [String], rule: String) {
        self.name = name
        self.value = value
        self.unit = unit
        self.status = status
        self.figures = figures
        self.rule = rule
    }
}

/// A cut point of the best-response scale: P(response at least this good).
public struct ResponseCut: Sendable, Codable, Equatable {
    /// `cr`, `orr` (CR+PR) or `dcr` (CR+PR+SD).
    public var category: String
    /// Cumulative probability, from the best response down.
    public var probability: Double

    public init(category: String, probability: Double) {
        self.category = category
        self.probability = probability
    }
}

/// A yes/no outcome drawn per patient: a kind of response (symptomatic, biochemical …)
/// or an adverse event.
public struct BinaryOutcome: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable { case response, adverseEvent = "adverse_event" }
    public var kind: Kind
    /// Category, e.g. `symptomatic` or `post_embolisation_syndrome`.
    public var name: String
    public var probability: Double

    public init(kind: Kind, name: String, probability: Double) {
        self.kind = kind
        self.name = name
        self.probability = probability
    }
}

/// The calibrated model of one treatment arm (docs/MODEL.md).
public struct ArmModel: Sendable, Codable {
    public var id: String
    public var name: String
    /// Progression-free survival, months.
    public var pfs: Weibull
    /// Post-progression survival: exponential with this rate per month.
    public var ppsRate: Double
    /// Cumulative best-response cut points, best first (cr ≤ orr ≤ dcr).
    public var responseCuts: [ResponseCut]
    /// Fréchet-mixture copula weight between the response draw and the PFS draw:
    /// 0 is independence, 1 is comonotone (best responders progress last).
    public var responseCoupling: Double
    public var binaryOutcomes: [BinaryOutcome]
    /// Every parameter with where it came from.
    public var parameters: [ParameterProvenance]
    /// Calibration diagnostics: the anchors and residuals of the PFS and OS fits.
    public var pfsFit: WeibullFit?
    public var osFit: PostProgressionFit?
    /// Notes for outputs (conflicts, assumptions in use, population caveats).
    public var notes: [String]
    /// Prognostic covariates; when present `pfs` and `ppsRate` describe the baseline
    /// (patients without any of them).
    public var covariates: [CovariateEffect] = []
    /// Endpoints (`pfs`, `os`) the arm's evidence does not support: simulated only as
    /// placeholders and reported as not modelled (docs/MODEL.md, "Arms with partial evidence").
    public var notModelled: [String] = []
    /// The basis of each endpoint (source, external, …, assumption), from the parameters' provenance.
    public var bases: [EndpointBasis] = []
    /// Plausibility findings of the calibration (docs/MODEL.md, "Plausibility guards").
    public var findings: [ModelFinding] = []

    public init(id: String, name: String, pfs: Weibull, ppsRate: Double, responseCuts: [ResponseCut] = [],
                responseCoupling: Double = 0, binaryOutcomes: [BinaryOutcome] = [],
                parameters: [ParameterProvenance] = [], pfsFit: WeibullFit? = nil, osFit: PostProgressionFit? = nil,
                notes: [String] = []) {
        self.id = id
        self.name = name
        self.pfs = pfs
        self.ppsRate = ppsRate
        self.responseCuts = responseCuts
        self.responseCoupling = responseCoupling
        self.binaryOutcomes = binaryOutcomes
        self.parameters = parameters
        self.pfsFit = pfsFit
        self.osFit = osFit
        self.notes = notes
    }

    /// Number of best-response tiers (cuts + 1); tier 0 is the best.
    public var responseTierCount: Int { responseCuts.count + 1 }

    /// The PFS survival of the simulated population at t (a mixture when covariates vary).
    public func pfsSurvival(at t: Double) -> Double {
        covariates.isEmpty ? pfs.survival(t) : Mixture.pfsSurvival(t, baseline: pfs, groups: Mixture.groups(covariates, evidence: false))
    }

    /// The OS survival of the simulated population at t.
    public func osSurvival(at t: Double) -> Double {
        // An arm without PFS evidence simulates OS as its Weibull with PPS ~0.
        if notModelled.contains("pfs") { return pfs.survival(t) }
        return covariates.isEmpty ? OverallSurvival.survival(at: t, pfs: pfs, ppsRate: ppsRate)
            : Mixture.osSurvival(t, baseline: pfs, ppsRate: ppsRate, groups: Mixture.groups(covariates, evidence: false))
    }

    /// Median PFS of the simulated population.
    public var pfsMedian: Double {
        covariates.isEmpty ? pfs.median : Mixture.quantile(0.5, { self.pfsSurvival(at: $0) }, start: pfs.median)
    }

    /// Median OS of the simulated population.
    public var osMedian: Double {
        if notModelled.contains("pfs") { return pfs.median }
        return covariates.isEmpty ? OverallSurvival.quantile(0.5, pfs: pfs, ppsRate: ppsRate)
            : Mixture.quantile(0.5, { self.osSurvival(at: $0) }, start: pfs.median)
    }
}
