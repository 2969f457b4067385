import Foundation

/// Something a calibration produced that a clinician should not read unwarned: a
/// post-progression median implausibly short, a population transport far beyond the
/// arm's figures, a figure an override made impossible to honour, a population key that
/// changes nothing (docs/MODEL.md, "Plausibility guards"). Each is a warning; the
/// command line turns them into errors under its strict mode.
public struct ModelFinding: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// The post-progression median is below the floor (absolute, or relative to the PFS median).
        case shortPostProgression = "short_post_progression"
        /// A covariate transport moved a median beyond the stated multiple of the arm's own.
        case transportedMedian = "transported_median"
        /// An override made a figure of the arm impossible to honour; another parameter gave way.
        case figureNotHonoured = "figure_not_honoured"
        /// Population keys that do not change the model (and, when `outsideEvidence`, that
        /// the arm's evidence does not cover).
        case populationIgnored = "population_ignored"
    }

    public var kind: Kind
    public var arm: String
    /// The parameter concerned (its `--set` name), or the population keys.
    public var parameter: String
    public var value: Double?
    /// One line: the parameter, the value and why it is implausible (no flag spellings).
    public var message: String
    /// Parameters whose setting would resolve it (their `--set` names, for the command line to spell).
    public var remedyParameters: [String]
    /// For population findings: whether the arm's evidence does not cover the population
    /// (refused under strict mode); an ignored key the evidence covers is only reported.
    public var outsideEvidence: Bool

    public init(kind: Kind, arm: String, parameter: String, value: Double? = nil, message: String,
                remedyParameters: [String] = [], outsideEvidence: Bool = true) {
        self.kind = kind; self.arm = arm; self.parameter = parameter; self.value = value; self.message = message
        self.remedyParameters = remedyParameters; self.outsideEvidence = outsideEvidence
    }

    /// Whether strict mode refuses a run with this finding.
    public var refusedWhenStrict: Bool { kind != .populationIgnored || outsideEvidence }
}

/// The stated thresholds of the plausibility guards (docs/MODEL.md, "Plausibility guards").
public enum PlausibilityRule {
    /// A post-progression median below this many months is implausibly short.
    public static let minimumPostProgressionMonths = 3.0
    /// … and so is one below this fraction of the arm's PFS median. In the final OS
    /// analyses of the catalogue's trials, OS − PFS is 20–33 months against PFS medians of
    /// 11–28 months (RADIANT-3, the sunitinib trial, NETTER-1); a quarter of the PFS
    /// median is far below every one of them.
    public static let minimumPostProgressionFraction = 0.25
    /// A transported median more than this multiple of the arm's median in its evidence
    /// population (or less than its inverse) is beyond what the arm's figures can speak for.
    public static let maximumTransportMultiple = 2.0
}

extension Calibrator {
    /// The plausibility findings of a calibrated model (PFS and PPS medians of the
    /// simulated population, the transport against the evidence population, the
    /// population keys that change nothing).
    ///
    /// - Parameter evidenceModel: the same arm calibrated in its evidence population
    ///   (no covariates), when the population was transported.
    func plausibility(of model: ArmModel, arm: ArmEvidence, evidenceModel: ArmModel?) -> [ModelFinding] {
        var out: [ModelFinding] = []
        if model.models("os"), model.models("pfs") {
            let ppsMedian = log(2) / model.ppsRate
            let pfsMedian = model.pfs.median
            // A cure fraction of ½ or more leaves PFS without a median: the floor is then the months alone.
            let floor = max(PlausibilityRule.minimumPostProgressionMonths, pfsMedian.isFinite ? PlausibilityRule.minimumPostProgressionFraction * pfsMedian : 0)
            if ppsMedian < floor {
                let pps = model.parameters.first { $0.name == "pps.median" }
                let why: String
                switch pps?.status {
                case .override?: why = "set on the command line"
                case .assumption?: why = "the assumed default"
                default: why = "implied by the OS figures \(pps?.figures.joined(separator: ", ") ?? "") with PFS median \(fmt(pfsMedian)) months\(overrides.value(arm.id, "pfs.median") != nil ? " (set on the command line)" : "")"
                }
                let days = ppsMedian * daysPerMonth
                let shown = ppsMedian < 1 ? "\(fmt(ppsMedian, 3)) months (\(fmt(days, 2)) days)" : "\(fmt(ppsMedian, 3)) months"
                out.append(ModelFinding(
                    kind: .shortPostProgression, arm: arm.id, parameter: "pps.median", value: ppsMedian,
                    message: "\(arm.id) pps.median = \(shown), \(why), is below the plausibility floor of \(fmt(floor, 3)) months (the larger of \(fmt(PlausibilityRule.minimumPostProgressionMonths)) months and \(fmt(PlausibilityRule.minimumPostProgressionFraction * 100)) % of the PFS median \(fmt(pfsMedian, 3)))",
                    remedyParameters: ["pps.median", "os.median", "pfs.median"]))
            }
        }
        if let evidenceModel, !model.covariates.isEmpty {
            for endpoint in ["pfs", "os"] where model.models(endpoint) {
                let now = endpoint == "pfs" ? model.pfsMedian : model.osMedian
                let base = endpoint == "pfs" ? evidenceModel.pfsMedian : evidenceModel.osMedian
                guard base > 0, now.isFinite else { continue }
                let ratio = now / base
                let m = PlausibilityRule.maximumTransportMultiple
                if ratio > m || ratio < 1 / m {
                    out.append(ModelFinding(
                        kind: .transportedMedian, arm: arm.id, parameter: "\(endpoint).median", value: now,
                        message: "\(arm.id) \(endpoint.uppercased()) median \(fmt(now, 4)) months in the simulated population is \(fmt(ratio, 3))× its median \(fmt(base, 4)) months in the arm's evidence population, beyond the stated multiple \(fmt(m)) (or 1/\(fmt(m))) that its figures can speak for",
                        remedyParameters: ["liver_metastases.log_hr"]))
                }
            }
        }
        let ignored = population.ignoredKeys
        let reasons = population.mismatches(with: arm)
        if !ignored.isEmpty || !reasons.isEmpty {
            var line = "\(arm.id): population "
            if !ignored.isEmpty {
                line += "\(ignored.joined(separator: ", ")) ignored (nensim models no effect of \(ignored.count == 1 ? "it" : "them"); the arm's figures are used as they are)"
                line += reasons.isEmpty ? "; the arm's evidence covers it" : "; outside the arm's evidence: " + reasons.joined(separator: "; ")
            } else {
                line += "outside the arm's evidence: " + reasons.joined(separator: "; ")
            }
            out.append(ModelFinding(kind: .populationIgnored, arm: arm.id, parameter: ignored.isEmpty ? "population" : ignored.joined(separator: ","),
                                    message: line, outsideEvidence: !reasons.isEmpty))
        }
        return out
    }
}

extension PopulationSpec {
    /// The keys given that change nothing in the model (everything but covariate prevalences).
    public var ignoredKeys: [String] {
        var keys: [String] = []
        if site != nil { keys.append("site=\(site!)") }
        if grade != nil { keys.append("grade=\(grade!)") }
        if sstr != nil { keys.append("sstr=\(sstr!)") }
        if let ki67Percent { keys.append("ki67=\(fmt(ki67Percent))") }
        if let liverLesions { keys.append("liver_lesions=\(liverLesions)") }
        return keys
    }
}
