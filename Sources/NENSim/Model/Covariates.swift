import Foundation

/// A yes/no prognostic characteristic of a patient (e.g. liver metastases) whose log
/// hazard ratio acts on the PFS and post-progression hazards (docs/MODEL.md, "Covariates").
public struct CovariateEffect: Sendable, Codable, Equatable {
    public var name: String
    /// β: the hazard of a patient with the characteristic is e^β times the baseline's.
    public var logHazardRatio: Double
    /// Share of patients with it in the population the arm's figures come from.
    public var evidencePrevalence: Double
    /// Share of patients with it in the simulated population.
    public var prevalence: Double

    public init(name: String, logHazardRatio: Double, evidencePrevalence: Double, prevalence: Double) {
        self.name = name
        self.logHazardRatio = logHazardRatio
        self.evidencePrevalence = evidencePrevalence
        self.prevalence = prevalence
    }

    public var hazardRatio: Double { exp(logHazardRatio) }
}

/// The simulated population (`--population key=value,…`): characteristics that
/// change prognosis (covariates with a prevalence) and those that only decide whether
/// an arm's evidence applies (site, grade, SSTR, Ki-67, liver lesions).
public struct PopulationSpec: Sendable, Equatable, Codable, CustomStringConvertible {
    /// Prevalence of each covariate in the simulated population.
    public var prevalence: [String: Double] = [:]
    public var site: String?
    public var grade: String?
    public var sstr: String?
    public var ki67Percent: Double?
    public var liverLesions: Int?

    public init() {}

    public init(site: String? = nil, grade: String? = nil, ki67Percent: Double? = nil, sstr: String? = nil) {
        self.site = site
        self.grade = grade
        self.ki67Percent = ki67Percent
        self.sstr = sstr
    }

    public var description: String {
        var parts: [String] = []
        if let p = prevalence["liver_metastases"] { parts.append("liver metastases \(fmt(p * 100)) %") }
        if let site { parts.append("site \(site)") }
        if let grade { parts.append("grade \(grade)") }
        if let ki67Percent { parts.append("Ki-67 \(fmt(ki67Percent)) %") }
        if let sstr { parts.append("SSTR \(sstr)") }
        if let liverLesions { parts.append("\(liverLesions) liver lesions") }
        return parts.isEmpty ? "not stated" : parts.joined(separator: ", ")
    }

    public static let covariateNames = ["liver_metastases"]
    public static let keys = ["liver_metastases", "site", "grade", "sstr", "ki67", "liver_lesions"]

    public var isEmpty: Bool { self == PopulationSpec() }

    /// Parses `liver_metastases=0.3,site=midgut,grade=G2,sstr=positive,ki67=8,liver_lesions=3`.
    public static func parse(_ text: String) throws -> PopulationSpec {
        var spec = PopulationSpec()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pieces.count == 2, !pieces[0].isEmpty, !pieces[1].isEmpty else {
                throw NensimFailure.usage("\(.population) '\(user: part)': expected KEY=VALUE (keys: \(keys.joined(separator: ", ")))")
            }
            let key = pieces[0].lowercased(), value = pieces[1]
            switch key {
            case "liver_metastases":
                let p: Double?
                switch value.lowercased() {
                case "yes", "all": p = 1
                case "no", "none": p = 0
                default: p = Double(value)
                }
                guard let p, p >= 0, p <= 1 else {
                    throw NensimFailure.usage("\(.population) liver_metastases=\(value): a proportion in [0, 1], or yes/no")
                }
                spec.prevalence[key] = p
            case "site":
                let known = Population.knownSites
                guard known.contains(value.lowercased()) else {
                    let hint = closestMatch(to: value, in: known).map { " — did you mean '\($0)'?" } ?? " (known: \(known.joined(separator: ", ")))"
                    throw NensimFailure.usage("\(.population) site=\(value): unknown site\(hint)")
                }
                spec.site = value.lowercased()
            case "grade":
                guard Population.knownGrades.contains(value.uppercased()) else {
                    throw NensimFailure.usage("\(.population) grade=\(value): one of \(Population.knownGrades.joined(separator: ", "))")
                }
                spec.grade = value.uppercased()
            case "sstr":
                guard ["positive", "negative"].contains(value.lowercased()) else {
                    throw NensimFailure.usage("\(.population) sstr=\(value): positive or negative")
                }
                spec.sstr = value.lowercased()
            case "ki67":
                guard let k = Double(value.replacingOccurrences(of: "%", with: "")), k >= 0, k <= 100 else {
                    throw NensimFailure.usage("\(.population) ki67=\(value): a percentage in [0, 100]")
                }
                spec.ki67Percent = k
            case "liver_lesions":
                guard let n = Int(value), n >= 0, n <= 1000 else {
                    throw NensimFailure.usage("\(.population) liver_lesions=\(value): a whole number of lesions")
                }
                spec.liverLesions = n
            default:
                let hint = closestMatch(to: key, in: keys).map { " — did you mean '\($0)'?" } ?? ""
                throw NensimFailure.usage("\(.population): unknown key '\(user: key)'\(hint) (keys: \(keys.joined(separator: ", ")))")
            }
        }
        return spec
    }

    /// Why the arm's evidence does not cover this population, one sentence per reason
    /// (empty when it does).
    public func mismatches(with arm: ArmEvidence) -> [String] {
        var out: [String] = []
        let pop = arm.population
        if let site, !pop.sites.isEmpty, !pop.sites.contains(site) {
            out.append("\(arm.id) evidence comes from \(pop.sites.joined(separator: "/")) disease, not \(site)")
        }
        if let grade, !pop.grades.isEmpty, !pop.grades.contains(grade) {
            out.append("\(arm.id) evidence comes from \(pop.grades.joined(separator: "/")) tumours, not \(grade)")
        }
        if let sstr, let need = pop.sstr, need != "any", need != sstr {
            out.append("\(arm.id) evidence is for SSTR-\(need) disease, not SSTR-\(sstr)")
        }
        if let ki67Percent, let limit = pop.ki67MaxPercent, ki67Percent > limit {
            out.append("\(arm.id) evidence is for Ki-67 ≤ \(fmt(limit)) %, not \(fmt(ki67Percent)) %")
        }
        if let liverLesions, let limit = pop.maxLiverLesions, liverLesions > limit {
            out.append("\(arm.id) evidence is for at most \(limit) liver lesions, not \(liverLesions)")
        }
        if pop.requiresLiverMetastases == true, let p = prevalence["liver_metastases"], p < 1 {
            out.append("\(arm.id) treats liver metastases; \(fmt((1 - p) * 100)) % of the simulated patients have none")
        }
        return out
    }
}

/// Where covariate effects and prevalences come from.
public enum CovariateEvidence {
    /// The liver-metastasis log hazard ratio from the population figures: 5-year OS
    /// with liver metastases S₁ (13–54 %) and without S₀ (75–99 %) at their centres,
    /// under proportional hazards β = log(log S₁ / log S₀).
    public static func liverMetastases(_ catalogue: EvidenceCatalogue) -> (beta: Double, provenance: ParameterProvenance)? {
        let with = catalogue.populationFigures.first { $0.category == "liver_metastases" && $0.kind == .landmark }
        let without = catalogue.populationFigures.first { $0.category == "no_liver_metastases" && $0.kind == .landmark }
        guard let with, let without else { return nil }
        let s1 = Calibrator.centre(of: with), s0 = Calibrator.centre(of: without)
        guard s1 > 0, s1 < 1, s0 > 0, s0 < 1 else { return nil }
        let beta = log(log(s1) / log(s0))
        return (beta, ParameterProvenance(
            name: "liver_metastases.log_hr", value: beta, unit: "",
            status: with.status == .source && without.status == .source ? .source : .external,
            figures: [with.id, without.id],
            rule: "proportional hazards at 60 months: log(log S_with / log S_without) with S at the centres of the quoted ranges (\(fmt(s1)), \(fmt(s0))); assumption: the same hazard ratio acts on PFS and on post-progression survival"))
    }

    /// Prevalence of liver metastases in an arm's evidence population.
    public static func liverPrevalence(_ arm: ArmEvidence, catalogue: EvidenceCatalogue) -> (Double, ParameterProvenance) {
        if let f = arm.figures.first(where: { $0.endpoint == .population && $0.category == "liver_metastases" }) {
            let p = Calibrator.centre(of: f)
            return (p, ParameterProvenance(name: "liver_metastases.evidence_prevalence", value: p, unit: "proportion",
                                           status: f.status == .external ? .external : .source, figures: [f.id], rule: "as quoted"))
        }
        if arm.population.requiresLiverMetastases == true {
            return (1, ParameterProvenance(name: "liver_metastases.evidence_prevalence", value: 1, unit: "proportion",
                                           status: .source, figures: [], rule: "the arm treats liver metastases: every patient of its evidence has them"))
        }
        let general = catalogue.populationFigures.first { $0.category == "distant_metastases" }
        let p = general.map(Calibrator.centre(of:)) ?? 0.45
        return (p, ParameterProvenance(name: "liver_metastases.evidence_prevalence", value: p, unit: "proportion",
                                       status: .assumption, figures: general.map { [$0.id] } ?? [],
                                       rule: "no prevalence for this arm's evidence; assumed equal to the share metastatic at diagnosis (the liver is the first site)"))
    }
}

/// Survival of a two-group mixture under proportional hazards.
enum Mixture {
    /// Marginal PFS survival: Σ_g w_g S₀(t)^{HR_g}.
    static func pfsSurvival(_ t: Double, baseline: Weibull, groups: [(weight: Double, hr: Double)]) -> Double {
        let s0 = baseline.survival(t)
        var sum = 0.0
        for g in groups { sum += g.weight * pow(s0, g.hr) }
        return sum
    }

    /// Marginal OS survival with PFS hazard and PPS rate both multiplied by HR_g.
    static func osSurvival(_ t: Double, baseline: Weibull, ppsRate: Double, groups: [(weight: Double, hr: Double)]) -> Double {
        groups.reduce(0) { acc, g in
            let w = Weibull(shape: baseline.shape, scale: baseline.scale * pow(g.hr, -1 / baseline.shape))
            return acc + g.weight * OverallSurvival.survival(at: t, pfs: w, ppsRate: ppsRate * g.hr)
        }
    }

    /// The groups (weight, HR) of a population with these covariates at these prevalences
    /// (independent characteristics; 2^p groups).
    static func groups(_ effects: [CovariateEffect], evidence: Bool) -> [(weight: Double, hr: Double)] {
        var out: [(Double, Double)] = [(1, 1)]
        for e in effects {
            let p = evidence ? e.evidencePrevalence : e.prevalence
            out = out.flatMap { [($0.0 * (1 - p), $0.1), ($0.0 * p, $0.1 * e.hazardRatio)] }
        }
        return out.filter { $0.0 > 0 }
    }

    static func quantile(_ p: Double, _ survival: (Double) -> Double, start: Double) -> Double {
        var lo = 0.0, hi = max(start, 1e-6)
        while survival(hi) > 1 - p { hi *= 2; if hi > 1e7 { return .infinity } }
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if survival(mid) > 1 - p { lo = mid } else { hi = mid }
            if hi - lo < 1e-12 * hi { break }
        }
        return 0.5 * (lo + hi)
    }
}
