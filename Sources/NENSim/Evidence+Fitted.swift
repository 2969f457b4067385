import Foundation
import SurvivalStats

/// A survival distribution fitted to patient data (`nensim fit --export-evidence`), as an
/// arm of an evidence file carries it: the family, its parameters on the estimation scale
/// with their covariance, the natural parameters, and the data it came from
/// (docs/EVIDENCE-SCHEMA.md § Fitted arms). Times are in months.
public struct FittedDistribution: Codable, Sendable, Equatable {
    /// The endpoint the distribution describes (`pfs`).
    public var endpoint: String
    /// `exponential`, `weibull`, `gompertz`, `lognormal`, `loglogistic`, `gengamma`,
    /// `pwexp` (with `cuts`) or `cure-FAMILY` (`SurvivalModel.name`).
    public var dist: String
    /// A piecewise exponential's cut points in months (nil for the other models).
    public var cuts: [Double]? = nil
    /// Estimation-scale parameters (names as docs/PARAMETRIC.md), in months.
    public var parameters: [NamedValue]
    /// Covariance of `parameters`, row-major rows.
    public var covariance: [[Double]]
    /// The parameters R's d/p/q functions take, in months.
    public var natural: [NamedValue]
    /// Provenance: the data file, its group (if any), records used and events.
    public var data: String
    public var group: String?
    public var n: Int
    public var events: Int
    public var logLik: Double

    public struct NamedValue: Codable, Sendable, Equatable {
        public var name: String
        public var value: Double
        public init(name: String, value: Double) { self.name = name; self.value = value }
    }

    enum CodingKeys: String, CodingKey {
        case endpoint, dist, cuts, parameters, covariance, natural, data, group, n, events
        case logLik = "log_lik"
    }

    /// The model `dist` names (nil for an unknown one; the parser refuses those).
    public var model: SurvivalModel? { SurvivalModel.named(dist, cuts: cuts) }

    /// The arm law at estimation-scale parameters `theta` (default: the fitted ones): a
    /// family, the piecewise exponential with rates e^θ, or the base family under the cure
    /// fraction π = logistic(θ_last). The one reading of a fit as a law, for calibration
    /// and for PSA's redrawn parameters.
    /// - Precondition: `model` is not nil and `theta` has its parameter count.
    public func law(_ theta: [Double]? = nil) -> ArmDistribution {
        let t = theta ?? parameters.map(\.value)
        switch model! {
        case let .family(f): return ArmDistribution(family: f, parameters: t)
        case let .piecewise(cuts): return ArmDistribution(piecewise: PiecewiseExponentialDistribution(cuts: cuts, rates: t.map { exp($0) })!)
        case let .cure(f): return ArmDistribution(family: f, parameters: Array(t.dropLast()), cureFraction: SurvivalModel.cureFraction(logit: t.last!))
        }
    }

    public init(endpoint: String, dist: String, parameters: [NamedValue], covariance: [[Double]], natural: [NamedValue],
                data: String, group: String?, n: Int, events: Int, logLik: Double) {
        self.endpoint = endpoint; self.dist = dist; self.parameters = parameters; self.covariance = covariance
        self.natural = natural; self.data = data; self.group = group; self.n = n; self.events = events; self.logLik = logLik
    }

    /// The `dist` values a fit may have.
    public static let families = ParametricFamily.allCases.map(\.rawValue) + ["pwexp"] + SurvivalModel.cureFamilies.map { "cure-\($0.rawValue)" }
}

extension EvidenceParser {
    static let fitKeys = ["endpoint", "dist", "cuts", "parameters", "covariance", "natural", "data", "group", "n", "events", "log_lik"]

    /// Reads an arm's `fit` object. A family the engine cannot simulate yet is refused
    /// here, in one line, so no command runs a silently different distribution.
    func parseFit(_ object: JSONObject, arm: String) throws -> FittedDistribution {
        try object.rejectUnknownKeys(Self.fitKeys)
        let endpoint = try object.string("endpoint")!
        try checkMember(endpoint, of: ["pfs"], at: object.path + ".endpoint", what: "fitted endpoint")
        let dist = try object.string("dist")!
        try checkMember(dist, of: FittedDistribution.families, at: object.path + ".dist", what: "family")
        func named(_ key: String) throws -> [FittedDistribution.NamedValue] {
            try (object.array(key) ?? []).enumerated().map { j, item in
                let o = try JSONObject(item, path: "\(object.path).\(key)[\(j)]", parser: self)
                try o.rejectUnknownKeys(["name", "value"])
                return FittedDistribution.NamedValue(name: try o.string("name")!, value: try o.number("value")!)
            }
        }
        let parameters = try named("parameters")
        let cuts = try object.numberArray("cuts", required: false)
        if dist == "pwexp" {
            guard let cuts, !cuts.isEmpty else { throw failure(object.path + ".cuts", "a pwexp fit needs its cut points (months)") }
            if let problem = LawOptions.problem(cuts: cuts, rates: [Double](repeating: 1, count: cuts.count + 1)) { throw failure(object.path + ".cuts", problem) }
        } else if cuts != nil {
            throw failure(object.path + ".cuts", "cut points belong to a pwexp fit only")
        }
        let model = SurvivalModel.named(dist, cuts: cuts)!
        let expected = model.parameterNames
        guard parameters.count == expected.count, parameters.allSatisfy({ $0.value.isFinite }) else {
            throw failure(object.path + ".parameters", "a \(dist) has \(expected.count) finite parameters (\(expected.joined(separator: ", "))); got \(parameters.count)")
        }
        let rows = try object.array("covariance") ?? []
        var covariance: [[Double]] = []
        for (j, row) in rows.enumerated() {
            guard let values = row as? [Any], values.count == parameters.count,
                  let numbers = values.map({ ($0 as? NSNumber)?.doubleValue }) as? [Double] else {
                throw failure("\(object.path).covariance[\(j)]", "a row of \(parameters.count) numbers expected")
            }
            covariance.append(numbers)
        }
        guard covariance.count == parameters.count else {
            throw failure(object.path + ".covariance", "\(parameters.count) rows expected, one per parameter")
        }
        let n = try object.integer("n")!, events = try object.integer("events")!
        guard n > 0, events >= 0, events <= n else { throw failure(object.path + ".events", "events \(events) must be between 0 and n = \(n)") }
        var fit = FittedDistribution(endpoint: endpoint, dist: dist, parameters: parameters, covariance: covariance,
                                     natural: try named("natural"), data: try object.string("data")!,
                                     group: try object.string("group", required: false), n: n, events: events,
                                     logLik: try object.number("log_lik")!)
        fit.cuts = cuts
        return fit
    }
}

/// The families of an arm's PFS and post-progression survival (`dist` of an evidence arm).
public struct ArmFamilies: Codable, Sendable, Equatable {
    public var pfs: ParametricFamily?
    public var pps: ParametricFamily?
    /// The piecewise exponential and mixture cure choices of PFS (`pfs: "pwexp"`,
    /// `pfs_cuts`, `pfs_rates`, `pfs_cure`) and of post-progression survival.
    /// (Optional so that files written before these fields decode.)
    public var pfsLaw: LawOptions?
    public var ppsLaw: LawOptions?
    public init(pfs: ParametricFamily? = nil, pps: ParametricFamily? = nil) { self.pfs = pfs; self.pps = pps }

    public func law(_ endpoint: String) -> LawOptions { (endpoint == "pps" ? ppsLaw : pfsLaw) ?? LawOptions() }
}

/// A piecewise exponential or mixture cure of one endpoint (docs/MODEL.md, "Families").
public struct LawOptions: Codable, Sendable, Equatable {
    /// The law is the piecewise exponential (`"pwexp"`).
    public var piecewise = false
    /// Given cut points (months) and rates (per month, one more than the cuts), or nil:
    /// cut at the anchors' times.
    public var cuts: [Double]?
    public var rates: [Double]?
    /// The cure fraction π in [0, 1), or nil (no cure).
    public var cure: Double?
    public init(piecewise: Bool = false, cuts: [Double]? = nil, rates: [Double]? = nil, cure: Double? = nil) {
        self.piecewise = piecewise; self.cuts = cuts; self.rates = rates; self.cure = cure
    }
    /// Whether the law is other than the family alone.
    public var isSet: Bool { piecewise || cure != nil }

    /// The problem with given pieces, in one phrase, or nil: cuts strictly increasing,
    /// positive and finite; rates finite, ≥ 0, one more than the cuts, the last > 0.
    public static func problem(cuts: [Double], rates: [Double]) -> String? {
        if let c = cuts.first(where: { !($0 > 0 && $0.isFinite) }) { return "cut point \(fmt(c)) is not a positive number of months" }
        if let i = cuts.indices.dropLast().first(where: { cuts[$0] >= cuts[$0 + 1] }) {
            return "cut points must increase strictly (\(fmt(cuts[i])) then \(fmt(cuts[i + 1])))"
        }
        guard rates.count == cuts.count + 1 else {
            return "\(cuts.count) cut point\(cuts.count == 1 ? "" : "s") need \(cuts.count + 1) rates (one per interval); got \(rates.count)"
        }
        if let r = rates.first(where: { !($0 >= 0 && $0.isFinite) }) { return "rate \(fmt(r)) is not a finite rate ≥ 0 per month" }
        if rates.last! <= 0 { return "the last interval's rate must be positive (a plateau is a cure fraction)" }
        return nil
    }
}

extension EvidenceParser {
    /// Reads an arm's `dist` object: `{"pfs": FAMILY, "pps": FAMILY}`, each optional, each
    /// one of `ParametricFamily` or `pwexp`, with `pfs_cuts` / `pfs_rates` (a given
    /// piecewise exponential) and `pfs_cure` (a cure fraction), likewise for `pps`. An arm
    /// with `fit` whose `dist.pfs` names another family is refused (its figures were read off the fit).
    func parseDist(_ object: JSONObject, fit: FittedDistribution?) throws -> ArmFamilies {
        try object.rejectUnknownKeys(["pfs", "pps", "pfs_cuts", "pfs_rates", "pfs_cure", "pps_cuts", "pps_rates", "pps_cure"])
        let names = ParametricFamily.allCases.map(\.rawValue) + ["pwexp"]
        var result = ArmFamilies()
        for endpoint in ["pfs", "pps"] {
            var law = LawOptions()
            var family: ParametricFamily? = nil
            if let text = try object.string(endpoint, required: false) {
                try checkMember(text, of: names, at: "\(object.path).\(endpoint)", what: "family")
                if text == "pwexp" { law.piecewise = true; family = .exponential } else { family = ParametricFamily(rawValue: text)! }
            }
            let cuts = try object.numberArray("\(endpoint)_cuts", required: false)
            let rates = try object.numberArray("\(endpoint)_rates", required: false)
            if cuts != nil || rates != nil {
                guard law.piecewise else {
                    throw failure("\(object.path).\(endpoint)_\(cuts != nil ? "cuts" : "rates")", "cut points and rates need \(endpoint) \"pwexp\"")
                }
                guard let c = cuts, let r = rates else {
                    throw failure("\(object.path).\(endpoint)_\(cuts == nil ? "cuts" : "rates")", "a given piecewise exponential needs both \(endpoint)_cuts and \(endpoint)_rates")
                }
                if let problem = LawOptions.problem(cuts: c, rates: r) { throw failure("\(object.path).\(endpoint)_rates", problem) }
                law.cuts = c; law.rates = r
            }
            if let pi = try object.number("\(endpoint)_cure", required: false) {
                guard (0..<1).contains(pi) else { throw failure("\(object.path).\(endpoint)_cure", "a cure fraction in [0, 1); got \(fmt(pi))") }
                law.cure = pi
            }
            let stored = law == LawOptions() ? nil : law
            if endpoint == "pfs" { result.pfs = family; result.pfsLaw = stored } else { result.pps = family; result.ppsLaw = stored }
        }
        return result
    }
}
