import Foundation
import SurvivalStats

/// A survival distribution fitted to patient data (`nensim fit --export-evidence`), as an
/// arm of an evidence file carries it: the family, its parameters on the estimation scale
/// with their covariance, the natural parameters, and the data it came from
/// (docs/EVIDENCE-SCHEMA.md § Fitted arms). Times are in months.
public struct FittedDistribution: Codable, Sendable, Equatable {
    /// The endpoint the distribution describes (`pfs`).
    public var endpoint: String
    /// `exponential`, `weibull`, `gompertz`, `lognormal`, `loglogistic` or `gengamma`.
    public var dist: String
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
        case endpoint, dist, parameters, covariance, natural, data, group, n, events
        case logLik = "log_lik"
    }

    public init(endpoint: String, dist: String, parameters: [NamedValue], covariance: [[Double]], natural: [NamedValue],
                data: String, group: String?, n: Int, events: Int, logLik: Double) {
        self.endpoint = endpoint; self.dist = dist; self.parameters = parameters; self.covariance = covariance
        self.natural = natural; self.data = data; self.group = group; self.n = n; self.events = events; self.logLik = logLik
    }

    public static let families = ["exponential", "weibull", "gompertz", "lognormal", "loglogistic", "gengamma"]
}

extension EvidenceParser {
    static let fitKeys = ["endpoint", "dist", "parameters", "covariance", "natural", "data", "group", "n", "events", "log_lik"]

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
        let family = ParametricFamily(rawValue: dist)!
        let expected = [family.linearPredictorName] + family.auxiliaryNames
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
        return FittedDistribution(endpoint: endpoint, dist: dist, parameters: parameters, covariance: covariance,
                                  natural: try named("natural"), data: try object.string("data")!,
                                  group: try object.string("group", required: false), n: n, events: events,
                                  logLik: try object.number("log_lik")!)
    }
}

/// The families of an arm's PFS and post-progression survival (`dist` of an evidence arm).
public struct ArmFamilies: Codable, Sendable, Equatable {
    public var pfs: ParametricFamily?
    public var pps: ParametricFamily?
    public init(pfs: ParametricFamily? = nil, pps: ParametricFamily? = nil) { self.pfs = pfs; self.pps = pps }
}

extension EvidenceParser {
    /// Reads an arm's `dist` object: `{"pfs": FAMILY, "pps": FAMILY}`, each optional, each
    /// one of `ParametricFamily`. An arm with `fit` whose `dist.pfs` names another family
    /// is refused (its figures were read off the fit).
    func parseDist(_ object: JSONObject, fit: FittedDistribution?) throws -> ArmFamilies {
        try object.rejectUnknownKeys(["pfs", "pps"])
        let names = ParametricFamily.allCases.map(\.rawValue)
        func family(_ key: String) throws -> ParametricFamily? {
            guard let text = try object.string(key, required: false) else { return nil }
            try checkMember(text, of: names, at: "\(object.path).\(key)", what: "family")
            return ParametricFamily(rawValue: text)!
        }
        let result = ArmFamilies(pfs: try family("pfs"), pps: try family("pps"))
        return result
    }
}
