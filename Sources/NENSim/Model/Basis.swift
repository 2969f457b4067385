import Foundation

/// What a simulated statistic rests on (docs/MODEL.md, "Basis of a statistic").
///
/// Each arm × endpoint has one basis, computed from the provenance of the parameters
/// its distribution depends on: PFS on `pfs.median`/`pfs.scale` (and the covariate
/// parameters when the population is transported), OS on those and `pps.median`.
/// Model structure (a Weibull PFS, exponential with one anchor; OS = PFS + an
/// exponential post-progression survival) is common to every arm, stated in MODEL.md,
/// and not counted.
public enum Basis: String, Sendable, Codable, CaseIterable, Comparable {
    /// Every parameter comes from figures quoted in the source review.
    case source
    /// Every parameter comes from published trials named in the catalogue.
    case external
    /// Every parameter comes from a model fitted to individual or reconstructed data.
    case fitted
    /// Every parameter was given by the user (a `--set` value or their evidence file).
    case override
    /// Evidence of more than one of the kinds above (e.g. source PFS, external OS).
    case mixed
    /// At least one parameter is a modelling assumption (e.g. the default
    /// post-progression median of an arm without an OS figure).
    case assumption
    /// The arm's evidence does not support this endpoint: nothing is reported for it.
    case notModelled = "not_modelled"

    /// Whether the statistic rests on evidence (or the user's own values) only.
    public var isEvidence: Bool { self != .assumption && self != .notModelled }

    /// The order in which bases weaken a comparison: evidence kinds first, then assumption, then not modelled.
    private var rank: Int {
        switch self {
        case .source, .external, .fitted, .override: return 0
        case .mixed: return 1
        case .assumption: return 2
        case .notModelled: return 3
        }
    }

    public static func < (a: Basis, b: Basis) -> Bool { a.rank < b.rank || (a.rank == b.rank && a.rawValue < b.rawValue) }

    /// The basis of a set of parameter statuses (an empty set is `notModelled`).
    public static func of(_ statuses: [ParameterStatus]) -> Basis {
        guard !statuses.isEmpty else { return .notModelled }
        if statuses.contains(.assumption) { return .assumption }
        let kinds = Set(statuses.map { status -> Basis in
            switch status {
            case .source: return .source
            case .external: return .external
            case .override: return .override
            case .assumption: return .assumption
            }
        })
        return kinds.count == 1 ? kinds.first! : .mixed
    }

    /// The basis of a comparison of two statistics: the weaker of the two sides, and
    /// `mixed` when both are evidence of different kinds.
    public static func comparison(_ a: Basis, _ b: Basis) -> Basis {
        if a == b { return a }
        let weaker = max(a, b)
        return weaker.isEvidence ? .mixed : weaker
    }
}

/// The basis of one arm × endpoint, with what it rests on and what would change it.
public struct EndpointBasis: Sendable, Codable, Equatable {
    /// `pfs` or `os`.
    public var endpoint: String
    public var basis: Basis
    /// The parameters the endpoint's distribution depends on (their `--set` names).
    public var parameters: [String]
    /// Those of `parameters` that are modelling assumptions.
    public var assumptions: [String]
    /// The evidence figures behind the parameters, in order of first use.
    public var figures: [String]
    /// The publications of the external figures among them.
    public var citations: [String]
    /// When the endpoint's figures come from more than one study set (different
    /// citations, or the source and a trial), in words: the implied post-progression
    /// survival is then a combination, not one trial's patients.
    public var studySets: String?
    /// The parameters that, set by the user, would replace the assumptions (empty when
    /// the basis is evidence).
    public var remedyParameters: [String]
    /// The evidence that would replace the assumptions, in words.
    public var remedyEvidence: String?

    public init(endpoint: String, basis: Basis, parameters: [String], assumptions: [String], figures: [String],
                citations: [String], studySets: String? = nil, remedyParameters: [String] = [], remedyEvidence: String? = nil) {
        self.endpoint = endpoint; self.basis = basis; self.parameters = parameters; self.assumptions = assumptions
        self.figures = figures; self.citations = citations; self.studySets = studySets
        self.remedyParameters = remedyParameters; self.remedyEvidence = remedyEvidence
    }
}

extension ArmModel {
    /// The basis of `endpoint` (`pfs` or `os`); `notModelled` when calibration recorded none.
    public func basis(of endpoint: String) -> EndpointBasis {
        bases.first { $0.endpoint == endpoint }
            ?? EndpointBasis(endpoint: endpoint, basis: .notModelled, parameters: [], assumptions: [], figures: [], citations: [])
    }

    /// Whether the arm's evidence supports `endpoint` (`pfs` or `os`).
    public func models(_ endpoint: String) -> Bool { !notModelled.contains(endpoint) }
}

extension Calibrator {
    /// The parameters each endpoint depends on (besides the covariate parameters).
    static let basisParameters: [String: [String]] = [
        "pfs": ["pfs.median", "pfs.scale"],
        "os": ["pfs.median", "pfs.scale", "pps.median", "os.median"],
    ]
    /// Covariate parameters that enter both endpoints when the population is transported.
    static let covariateBasisParameters = ["liver_metastases.log_hr", "liver_metastases.evidence_prevalence"]

    /// The basis of each endpoint of a calibrated model (docs/MODEL.md, "Basis of a statistic").
    func bases(of model: ArmModel) -> [EndpointBasis] {
        ["pfs", "os"].map { endpoint -> EndpointBasis in
            if !model.models(endpoint) {
                return EndpointBasis(endpoint: endpoint, basis: .notModelled, parameters: [], assumptions: [], figures: [], citations: [],
                                     remedyParameters: endpoint == "pfs" ? ["pfs.median"] : ["os.median"],
                                     remedyEvidence: "a \(endpoint.uppercased()) median or landmark figure for \(model.id)")
            }
            var names = Self.basisParameters[endpoint] ?? []
            if !model.covariates.isEmpty { names += Self.covariateBasisParameters }
            let used = names.compactMap { n in model.parameters.first { $0.name == n } }
            var figures: [String] = []
            for id in used.flatMap(\.figures) where !figures.contains(id) { figures.append(id) }
            let catalogueFigures = figures.compactMap { catalogue.figure(id: $0) }
            var citations: [String] = []
            for c in catalogueFigures.compactMap(\.citation) where !citations.contains(c) { citations.append(c) }
            let assumptions = used.filter { $0.status == .assumption }.map(\.name)
            var remedy: [String] = []
            var remedyEvidence: String?
            if assumptions.contains("pps.median") {
                remedy += ["os.median", "pps.median"]
                remedyEvidence = "an OS median or landmark figure for \(model.id)"
            }
            if assumptions.contains("liver_metastases.evidence_prevalence") {
                remedyEvidence = (remedyEvidence.map { $0 + "; " } ?? "") + "a liver-metastasis share (population figure) for \(model.id)'s evidence"
            }
            // Study sets: each distinct citation is one. The review's own figures carry no
            // trial name, so they do not count as a set of their own (docs/MODEL.md).
            let sets = Set(catalogueFigures.compactMap(\.citation))
            var studySets: String?
            if endpoint == "os", sets.count > 1 {
                studySets = "\(model.id): PFS and OS figures come from \(sets.count) different trials; the post-progression survival (OS − PFS) is implied by combining them, not observed in one trial"
            }
            return EndpointBasis(endpoint: endpoint, basis: Basis.of(used.map(\.status)), parameters: used.map(\.name),
                                 assumptions: assumptions, figures: figures, citations: citations, studySets: studySets,
                                 remedyParameters: remedy, remedyEvidence: remedyEvidence)
        }
    }
}
