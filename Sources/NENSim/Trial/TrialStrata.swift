import Foundation

/// One level of a stratification factor: its share of the randomised patients and the
/// hazard ratio its patients have, on both the PFS and the post-progression hazard,
/// against the arm's model as calibrated (docs/TRIAL.md, "Stratification").
public struct StratumLevel: Sendable, Codable, Equatable {
    public var name: String
    public var prevalence: Double
    public var hazardRatio: Double

    public init(name: String, prevalence: Double, hazardRatio: Double = 1) {
        self.name = name
        self.prevalence = prevalence
        self.hazardRatio = hazardRatio
    }
}

/// A stratification factor (`grade=G1:0.4,G2:0.6`): a patient characteristic with the
/// shares of its levels, named as `--population` names it.
public struct StratificationFactor: Sendable, Codable, Equatable {
    public var key: String
    public var levels: [StratumLevel]
    /// Where the levels' hazard ratios come from: `assumption` (stated with the levels,
    /// or 1 when none is stated), or the basis of the model covariate they are read
    /// from (`source`, `external`: liver metastases).
    public var basis: String
    /// How the hazard ratios were obtained, in words.
    public var rule: String

    public init(key: String, levels: [StratumLevel], basis: String, rule: String) {
        self.key = key
        self.levels = levels
        self.basis = basis
        self.rule = rule
    }

    /// Whether the hazard ratios come from the model's covariate of this name (and the
    /// arms are calibrated with it at the factor's prevalence).
    public var isModelCovariate: Bool { PopulationSpec.covariateNames.contains(key) }
}

/// One stratum: a combination of one level of every factor.
public struct StratumCell: Sendable, Equatable {
    /// `grade=G1,liver_metastases=yes`.
    public var label: String
    /// The product of the levels' shares (the factors are independent).
    public var prevalence: Double
    /// The product of the levels' hazard ratios.
    public var hazardRatio: Double
}

/// Stratified randomisation (`--strata`): patients fall into strata, the cells of the
/// factors' levels, at the product of the levels' shares; each stratum is randomised by
/// its own permuted blocks (docs/TRIAL.md, "Stratification"), and the analysis is the
/// stratified log-rank / Fleming–Harrington and Cox unless `stratifiedAnalysis` is off.
public struct TrialStrata: Sendable, Codable, Equatable {
    public var factors: [StratificationFactor]
    /// Analyse with the strata (stratified log-rank and Cox), or ignore them.
    public var stratifiedAnalysis: Bool

    public init(factors: [StratificationFactor], stratifiedAnalysis: Bool = true) {
        self.factors = factors
        self.stratifiedAnalysis = stratifiedAnalysis
    }

    /// Most factors, levels per factor and strata in all (the analysis carries the
    /// stratum in 6 bits of its sort key: SurvivalStats `TwoGroupWorkspace.maxStrata`).
    public static let maxFactors = 6
    public static let maxLevels = 16
    public static let maxCells = 64
    /// Stated hazard ratios of a level.
    public static let hazardRatios = 0.01...100.0

    /// The strata, in the order of the factors' levels with the last factor varying fastest.
    public var cells: [StratumCell] {
        var out = [StratumCell(label: "", prevalence: 1, hazardRatio: 1)]
        for f in factors {
            out = out.flatMap { c in
                f.levels.map { l in
                    StratumCell(label: c.label.isEmpty ? "\(f.key)=\(l.name)" : "\(c.label),\(f.key)=\(l.name)",
                                prevalence: c.prevalence * l.prevalence, hazardRatio: c.hazardRatio * l.hazardRatio)
                }
            }
        }
        return out
    }

    /// The factors that are model covariates (liver metastases), with the share of the
    /// level that has it: the prevalence the arms are calibrated at.
    public var covariatePrevalences: [String: Double] {
        var out: [String: Double] = [:]
        for f in factors where f.isModelCovariate {
            out[f.key] = f.levels.first { $0.name == "yes" }?.prevalence ?? 0
        }
        return out
    }

    /// Parses the values of `--strata` (repeatable): each is one or more factors
    /// `KEY=LEVEL:SHARE[:HR],LEVEL:SHARE[:HR],…` — a part with `=` starts a factor, the
    /// parts after it are its further levels — e.g. `grade=G1:0.4,G2:0.6:1.8` or
    /// `liver_metastases=yes:0.3,no:0.7,region=EU:0.5,US:0.5`.
    public static func parse(_ values: [String], stratifiedAnalysis: Bool = true) throws -> TrialStrata {
        var factors: [StratificationFactor] = []
        for text in values {
            var current: (key: String, levels: [StratumLevel], stated: Bool)?
            func finish() throws {
                guard let c = current else { return }
                factors.append(try makeFactor(key: c.key, levels: c.levels, stated: c.stated, text: text))
            }
            for part in text.split(separator: ",", omittingEmptySubsequences: false) {
                var levelText = Substring(part)
                if let eq = part.firstIndex(of: "=") {
                    try finish()
                    let key = part[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
                    guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                        throw NensimFailure.usage("\(.strata) '\(user: text)': expected KEY=LEVEL:SHARE[:HR],LEVEL:SHARE[:HR],… (e.g. grade=G1:0.4,G2:0.6)")
                    }
                    current = (key, [], false)
                    levelText = part[part.index(after: eq)...]
                }
                guard current != nil else {
                    throw NensimFailure.usage("\(.strata) '\(user: text)': a factor starts with KEY= (e.g. grade=G1:0.4,G2:0.6)")
                }
                let f = levelText.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                guard (2...3).contains(f.count), !f[0].isEmpty,
                      f[0].allSatisfy({ $0.isLetter || $0.isNumber || "_-+.<>%".contains($0) }),
                      let share = Double(f[1]), share.isFinite, share > 0, share <= 1 else {
                    throw NensimFailure.usage("\(.strata) '\(user: text)': each level is LEVEL:SHARE[:HR] with SHARE in (0, 1] (e.g. G2:0.6 or G2:0.6:1.8)")
                }
                var hr = 1.0
                if f.count == 3 {
                    guard let h = Double(f[2]), hazardRatios.contains(h) else {
                        throw NensimFailure.usage("\(.strata) '\(user: text)': the hazard ratio of level \(user: f[0]) must lie in [0.01, 100]")
                    }
                    hr = h
                    current!.stated = true
                }
                current!.levels.append(StratumLevel(name: f[0], prevalence: share, hazardRatio: hr))
            }
            try finish()
        }
        let strata = TrialStrata(factors: factors, stratifiedAnalysis: stratifiedAnalysis)
        try strata.validate()
        return strata
    }

    private static func makeFactor(key: String, levels: [StratumLevel], stated: Bool, text: String) throws -> StratificationFactor {
        var levels = levels
        switch key {
        case "liver_metastases":
            guard !stated else {
                throw NensimFailure.usage("\(.strata) liver_metastases: its hazard ratio is the model's liver-metastasis covariate; give LEVEL:SHARE without an HR")
            }
            for i in levels.indices { levels[i].name = levels[i].name.lowercased() }
            guard levels.allSatisfy({ ["yes", "no"].contains($0.name) }) else {
                throw NensimFailure.usage("\(.strata) liver_metastases: the levels are yes and no (e.g. liver_metastases=yes:0.3,no:0.7)")
            }
        case "grade":
            for i in levels.indices { levels[i].name = levels[i].name.uppercased() }
            guard levels.allSatisfy({ Population.knownGrades.contains($0.name) }) else {
                throw NensimFailure.usage("\(.strata) grade: levels among \(Population.knownGrades.joined(separator: ", "))")
            }
        case "sstr":
            for i in levels.indices { levels[i].name = levels[i].name.lowercased() }
            guard levels.allSatisfy({ ["positive", "negative"].contains($0.name) }) else {
                throw NensimFailure.usage("\(.strata) sstr: the levels are positive and negative")
            }
        case "site":
            for i in levels.indices { levels[i].name = levels[i].name.lowercased() }
            for l in levels where !Population.knownSites.contains(l.name) {
                throw NensimFailure.usage("\(.strata) site=\(user: l.name): unknown site (known: \(Population.knownSites.joined(separator: ", ")))")
            }
        default: break
        }
        let rule = key == "liver_metastases"
            ? "the model's liver-metastasis covariate (read when the arms are calibrated)"
            : (stated ? "hazard ratios as stated in \(Parameter.strata), on the PFS and post-progression hazards against each arm's calibrated model"
                      : "no prognostic effect stated: hazard ratio 1 in every level")
        return StratificationFactor(key: key, levels: levels, basis: key == "liver_metastases" ? "source" : "assumption", rule: rule)
    }

    /// Checks the factors: distinct keys and levels, shares adding to 1, the limits.
    public func validate() throws {
        guard !factors.isEmpty else { throw NensimFailure.usage("\(.strata): give at least one factor, e.g. grade=G1:0.4,G2:0.6") }
        guard factors.count <= Self.maxFactors else { throw NensimFailure.usage("\(.strata): at most \(Self.maxFactors) factors") }
        var keys = Set<String>()
        for f in factors {
            guard keys.insert(f.key).inserted else { throw NensimFailure.usage("\(.strata): factor \(user: f.key) is given twice") }
            guard (2...Self.maxLevels).contains(f.levels.count) else {
                throw NensimFailure.usage("\(.strata) \(user: f.key): a factor needs 2 to \(Self.maxLevels) levels")
            }
            guard Set(f.levels.map(\.name)).count == f.levels.count else {
                throw NensimFailure.usage("\(.strata) \(user: f.key): a level is given twice")
            }
            let total = f.levels.reduce(0) { $0 + $1.prevalence }
            guard abs(total - 1) <= 1e-6 else {
                throw NensimFailure.usage("\(.strata) \(user: f.key): the levels' shares add to \(fmt(total)), not 1")
            }
            guard f.levels.allSatisfy({ $0.prevalence > 0 && $0.prevalence <= 1 && Self.hazardRatios.contains($0.hazardRatio) }) else {
                throw NensimFailure.usage("\(.strata) \(user: f.key): shares in (0, 1] and hazard ratios in [0.01, 100]")
            }
        }
        let count = factors.reduce(1) { $0 * $1.levels.count }
        guard count <= Self.maxCells else {
            throw NensimFailure.usage("\(.strata): \(count) strata; at most \(Self.maxCells) (the product of the factors' levels)")
        }
    }

    /// The factors with the liver-metastasis hazard ratio read from a calibrated arm
    /// model's covariate (e^β for `yes`, 1 for `no`), with its basis and rule.
    public func resolved(with model: ArmModel) throws -> TrialStrata {
        var out = self
        for i in out.factors.indices where out.factors[i].isModelCovariate {
            let key = out.factors[i].key
            guard let effect = model.covariates.first(where: { $0.name == key }) else {
                throw NensimFailure.data("\(.strata) \(key): arm '\(model.id)' has no \(key) covariate to stratify by")
            }
            let provenance = model.parameters.first { $0.name == "\(key).log_hr" }
            for j in out.factors[i].levels.indices {
                out.factors[i].levels[j].hazardRatio = out.factors[i].levels[j].name == "yes" ? effect.hazardRatio : 1
            }
            out.factors[i].basis = provenance?.status.rawValue ?? "source"
            out.factors[i].rule = "the model's \(key) covariate: hazard ratio \(fmt(effect.hazardRatio, 4)) (\(provenance?.rule ?? "log HR \(fmt(effect.logHazardRatio, 4))")), on the PFS and post-progression hazards; the arms are re-calibrated so their figures hold in their evidence populations"
        }
        return out
    }

    /// One line for outputs.
    public var summary: String {
        let f = factors.map { f in
            "\(f.key) " + f.levels.map { l in
                "\(l.name) \(fmt(l.prevalence * 100)) %" + (l.hazardRatio == 1 ? "" : " (HR \(fmt(l.hazardRatio, 3)))")
            }.joined(separator: ", ")
        }.joined(separator: "; ")
        return "stratified permuted blocks within \(cells.count) strata (\(f)); " +
            (stratifiedAnalysis ? "stratified log-rank and Cox" : "unstratified analysis (\(Parameter.unstratifiedAnalysis))")
    }
}
