import Foundation
import SurvivalStats

/// Named modelling assumptions with their default values. Each is overridable per arm
/// with `--set ARM.NAME=VALUE` and is labelled `assumption` wherever it is used.
public enum ModelAssumption {
    /// Median post-progression survival (months) for an arm whose evidence has no OS figure.
    public static let ppsMedianMonths = 30.0
    public static var ppsMedianRationale: String { ("no OS figure in the evidence for this arm; post-progression survival assumed exponential with a 30-month median (assumption: the order of OS − PFS in well-differentiated NET trials); override with \(.override) ARM.pps.median=MONTHS" as Phrase).description }
    /// Weight of the Fréchet-mixture copula between best response and PFS.
    public static let responseCoupling = 0.5
    public static var responseCouplingRationale: String { ("response and PFS coupled by a Fréchet mixture copula (weight 0.5: half of patients have their PFS rank tied to their response rank, the rest independent); marginals stay exact; override with \(.override) ARM.response.coupling=W in [0,1]" as Phrase).description }
}

/// User overrides `ARM.PARAM=VALUE` from `--set`.
public struct ModelOverrides: Sendable, Equatable {
    /// arm id → parameter name → value.
    public var values: [String: [String: Double]] = [:]
    /// arm id → `pfs` or `pps` → family, from `ARM.pfs.dist=FAMILY` (docs/MODEL.md, "Families").
    public var families: [String: [String: ParametricFamily]] = [:]
    /// arm id → the endpoints set to the piecewise exponential (`ARM.pfs.dist=pwexp`).
    public var piecewise: [String: Set<String>] = [:]
    /// arm id → `pfs.cuts` / `pfs.rates` / `pps.cuts` / `pps.rates` → the numbers given.
    public var lists: [String: [String: [Double]]] = [:]

    public init() {}

    /// Parameters an override may name (besides `ae.NAME` and binary response names).
    public static let knownParameters = ["pfs.median", "pfs.shape", "os.median", "pps.median",
                                         "cr", "orr", "dcr", "response.coupling", "liver_metastases.log_hr",
                                         "pfs.dist", "pps.dist", "pfs.sdlog", "pfs.sigma", "pfs.q",
                                         "pps.shape", "pps.sdlog", "pps.sigma", "pfs.death_share",
                                         "pfs.cure", "pps.cure", "pfs.cuts", "pfs.rates", "pps.cuts", "pps.rates"]

    /// Parses `ARM.PARAM=VALUE` assignments; the arm and parameter are checked later
    /// against the catalogue, the number here.
    public static func parse(_ assignments: [String]) throws -> ModelOverrides {
        var o = ModelOverrides()
        for text in assignments {
            guard let eq = text.firstIndex(of: "=") else {
                throw NensimFailure.usage("\(.override) '\(user: text)': expected ARM.PARAM=VALUE, e.g. prrt.pfs.median=30")
            }
            let key = String(text[..<eq]).trimmingCharacters(in: .whitespaces)
            let valueText = String(text[text.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
            guard let dot = key.firstIndex(of: "."), dot != key.startIndex, key.index(after: dot) != key.endIndex else {
                throw NensimFailure.usage("\(.override) '\(user: text)': expected ARM.PARAM=VALUE, e.g. prrt.pfs.median=30")
            }
            if key.lowercased().hasSuffix(".pfs.dist") || key.lowercased().hasSuffix(".pps.dist") {
                let arm = String(key[..<dot]).lowercased()
                let endpoint = String(key.lowercased().dropLast(5).split(separator: ".").last!)
                if valueText.lowercased() == "pwexp" {
                    o.families[arm, default: [:]][endpoint] = .exponential
                    o.piecewise[arm, default: []].insert(endpoint)
                    o.values[arm] = o.values[arm] ?? [:]
                    continue
                }
                o.piecewise[arm]?.remove(endpoint)
                guard let family = ParametricFamily(rawValue: valueText.lowercased()) else {
                    let names = ParametricFamily.allCases.map(\.rawValue) + ["pwexp"]
                    let hint = closestMatch(to: valueText.lowercased(), in: names).map { " — did you mean '\($0)'?" } ?? ""
                    throw NensimFailure.usage("\(.override) '\(user: text)': '\(user: valueText)' is not a family\(hint) (known: \(names.joined(separator: ", ")))")
                }
                o.families[arm, default: [:]][endpoint] = family
                o.values[arm] = o.values[arm] ?? [:] // so that the arm is checked against the catalogue like any other
                continue
            }
            let lowerKey = key.lowercased()
            if ["pfs.cuts", "pfs.rates", "pps.cuts", "pps.rates"].contains(where: { lowerKey.hasSuffix(".\($0)") }) {
                // A list: `ARM.pfs.cuts=6,12`, `ARM.pfs.rates=0.05,0.08,0.1` (docs/MODEL.md, "Families").
                let parts = valueText.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                let numbers = parts.compactMap { Double($0) }.filter(\.isFinite)
                guard numbers.count == parts.count, !numbers.isEmpty else {
                    throw NensimFailure.usage("\(.override) '\(user: text)': expected finite numbers separated by commas, e.g. \(key)=6,12")
                }
                let arm = String(key[..<dot]).lowercased()
                o.lists[arm, default: [:]][String(lowerKey[lowerKey.index(after: dot)...])] = numbers
                o.values[arm] = o.values[arm] ?? [:]
                continue
            }
            guard let value = Double(valueText), value.isFinite else {
                throw NensimFailure.usage("\(.override) '\(user: text)': '\(user: valueText)' is not a finite number")
            }
            let arm = String(key[..<dot]).lowercased()
            let param = String(key[key.index(after: dot)...]).lowercased()
            // Every dotted part named: `prrt.ae.=0.5` would make an adverse event called "ae.".
            guard !param.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) else {
                throw NensimFailure.usage("\(.override) '\(user: text)': '\(user: param)' has an empty part; expected ARM.PARAM=VALUE, e.g. prrt.ae.nausea=0.3")
            }
            o.values[arm, default: [:]][param] = value
        }
        return o
    }

    public func value(_ arm: String, _ param: String) -> Double? { values[arm]?[param] }
    public func family(_ arm: String, _ endpoint: String) -> ParametricFamily? { families[arm]?[endpoint] }
    public func list(_ arm: String, _ param: String) -> [Double]? { lists[arm]?[param] }

    /// The endpoint's piecewise exponential and cure choices: the evidence's, with the
    /// ones set here on top (a family set here other than `pwexp` ends a piecewise law).
    func law(_ arm: String, _ endpoint: String, evidence: LawOptions) -> LawOptions {
        var law = evidence
        if piecewise[arm]?.contains(endpoint) == true { law.piecewise = true }
        else if families[arm]?[endpoint] != nil { law.piecewise = false; law.cuts = nil; law.rates = nil }
        if let c = list(arm, "\(endpoint).cuts") { law.cuts = c }
        if let r = list(arm, "\(endpoint).rates") { law.rates = r }
        if let pi = value(arm, "\(endpoint).cure") { law.cure = pi == 0 ? nil : pi }
        return law
    }
}

/// Turns the evidence catalogue into calibrated arm models (docs/MODEL.md).
public struct Calibrator {
    public let catalogue: EvidenceCatalogue
    public let overrides: ModelOverrides
    /// The simulated population; its covariates (e.g. liver metastases) make patients
    /// heterogeneous, with the baseline re-calibrated to the arm's evidence population.
    public let population: PopulationSpec

    public init(catalogue: EvidenceCatalogue, overrides: ModelOverrides = ModelOverrides(), population: PopulationSpec = PopulationSpec()) {
        self.catalogue = catalogue
        self.overrides = overrides
        self.population = population
    }

    /// The centre of a figure: its value, or for a range the centre of the uncertainty
    /// distribution whose 95 % interval is the range — the geometric mean for times
    /// (log-normal), the midpoint for proportions (beta, approximately symmetric).
    public static func centre(of f: Figure) -> Double {
        if let v = f.value { return inMonths(v, unit: f.unit) }
        let lo = f.low, hi = f.high
        if isTime(f.unit) {
            let l = inMonths(lo, unit: f.unit), h = inMonths(hi, unit: f.unit)
            return l > 0 ? (l * h).squareRoot() : h / 2
        }
        return (lo + hi) / 2
    }

    static func isTime(_ unit: String) -> Bool { ["months", "years", "days"].contains(unit) }

    static func inMonths(_ v: Double, unit: String) -> Double {
        switch unit {
        case "years": return v * 12
        case "days": return v / daysPerMonth
        default: return v
        }
    }

    static func describe(_ f: Figure) -> String {
        if let v = f.value { return fmt(v) }
        return "\(fmt(f.low))–\(fmt(f.high))"
    }

    /// Calibrates the named arm (and, for "N months longer than Y", arm Y first).
    public func model(for armID: String) throws -> ArmModel {
        var visiting: Set<String> = []
        return try model(for: armID, visiting: &visiting)
    }

    func status(of figures: [Figure]) -> ParameterStatus {
        if figures.contains(where: { $0.status == .assumption }) { return .assumption }
        if figures.contains(where: { $0.status == .external }) { return .external }
        // Figures read off a fit to the user's data are the user's evidence.
        if figures.contains(where: { $0.status == .fitted }) { return .override }
        return .source
    }

    private func checkOverrideNames(arm: ArmEvidence) throws {
        guard let set = overrides.values[arm.id] else { return }
        for endpoint in ["pfs", "pps"] {
            let law = overrides.law(arm.id, endpoint, evidence: arm.dist?.law(endpoint) ?? LawOptions())
            let c = overrides.list(arm.id, "\(endpoint).cuts"), r = overrides.list(arm.id, "\(endpoint).rates")
            guard c != nil || r != nil else { continue }
            guard law.piecewise else {
                throw NensimFailure.usage("\(.override) \(arm.id).\(endpoint).\(c != nil ? "cuts" : "rates"): cut points and rates need \(arm.id).\(endpoint).dist=pwexp")
            }
            guard let cuts = law.cuts, let rates = law.rates else {
                throw NensimFailure.usage("\(.override) \(arm.id).\(endpoint).\(c == nil ? "cuts" : "rates"): a given piecewise exponential needs both \(endpoint).cuts and \(endpoint).rates")
            }
            if let problem = LawOptions.problem(cuts: cuts, rates: rates) {
                throw NensimFailure.data("\(.override) \(arm.id).\(endpoint).rates: \(problem)")
            }
        }
        let binaryNames = Set(arm.figures.filter { $0.endpoint == .response || $0.endpoint == .adverseEvent }
            .compactMap(\.category))
        for (param, value) in set {
            let ok = ModelOverrides.knownParameters.contains(param) || param.hasPrefix("ae.") || binaryNames.contains(param)
                || ["symptomatic", "symptomatic_marked", "biochemical", "clinical"].contains(param)
            guard ok else {
                let all = ModelOverrides.knownParameters + ["ae.NAME", "symptomatic", "biochemical"]
                let hint = closestMatch(to: param, in: all).map { " — did you mean '\($0)'?" } ?? " (known: \(all.joined(separator: ", ")))"
                throw NensimFailure.usage("\(.override) \(arm.id).\(user: param): unknown parameter\(hint)")
            }
            switch param {
            case "pfs.shape" where (overrides.family(arm.id, "pfs") ?? arm.pfsFamily) == .gompertz:
                guard abs(value) <= 10 else { throw NensimFailure.data("\(.override) \(arm.id).\(param)=\(fmt(value)): a Gompertz shape per month within ±10") }
            case "pfs.median", "os.median", "pps.median", "pfs.shape":
                guard value > 0 else { throw NensimFailure.data("\(.override) \(arm.id).\(param)=\(fmt(value)): must be a positive number of months") }
                if param != "pfs.shape", value > 1200 {
                    throw NensimFailure.data("\(.override) \(arm.id).\(param)=\(fmt(value)): more than 100 years is not a plausible time in months")
                }
            case "pfs.sdlog", "pfs.sigma", "pps.shape", "pps.sdlog", "pps.sigma":
                guard value > 0 else { throw NensimFailure.data("\(.override) \(arm.id).\(param)=\(fmt(value)): must be positive") }
            case "pfs.q":
                guard abs(value) <= 10 else { throw NensimFailure.data("\(.override) \(arm.id).\(param)=\(fmt(value)): Q within ±10") }
            case "pfs.cure", "pps.cure":
                guard (0..<1).contains(value) else { throw NensimFailure.data("\(.override) \(arm.id).\(param)=\(fmt(value)): a cure fraction in [0, 1)") }
            case "pfs.death_share":
                guard (0..<1).contains(value) else { throw NensimFailure.data("\(.override) \(arm.id).\(param)=\(fmt(value)): a share in [0, 1)") }
            case "liver_metastases.log_hr":
                guard abs(value) <= 10 else { throw NensimFailure.data("\(.override) \(arm.id).\(param)=\(fmt(value)): a log hazard ratio within ±10") }
            case "response.coupling":
                guard (0...1).contains(value) else { throw NensimFailure.data("\(.override) \(arm.id).\(param)=\(fmt(value)): must lie in [0, 1]") }
            default:
                guard (0...1).contains(value) else { throw NensimFailure.data("\(.override) \(arm.id).\(param)=\(fmt(value)): a proportion must lie in [0, 1]") }
            }
        }
    }

    private func model(for armID: String, visiting: inout Set<String>) throws -> ArmModel {
        let arm = try catalogue.arm(armID)
        guard !visiting.contains(arm.id) else {
            throw NensimFailure.data("arm '\(arm.id)': its PFS figures refer back to itself through 'reference'")
        }
        visiting.insert(arm.id)
        defer { visiting.remove(arm.id) }
        try checkOverrideNames(arm: arm)

        let used = arm.figures.filter(\.calibrates)
        var params: [ParameterProvenance] = []
        var notes: [String] = []

        // PFS anchors.
        var pfsAnchors: [SurvivalAnchor] = []
        var pfsFigures: [Figure] = []
        for f in used where [.pfs, .ttp, .dfs].contains(f.endpoint) {
            if let scanned = try ScanCalibration.anchor(f, centre: Self.centre(of: f), arm: arm.id) {
                // Observed at scans: the latent time's anchor (ScanCalibration.swift).
                pfsAnchors.append(scanned.anchor); pfsFigures.append(f); notes.append(scanned.note)
                continue
            }
            switch f.kind {
            case .median:
                pfsAnchors.append(SurvivalAnchor(time: Self.centre(of: f), survival: 0.5, source: f.id)); pfsFigures.append(f)
            case .landmark:
                guard let t = f.time else { continue }
                pfsAnchors.append(SurvivalAnchor(time: t, survival: Self.centre(of: f), source: f.id)); pfsFigures.append(f)
            case .medianDifference:
                guard let ref = f.reference else { continue }
                // The reference's median in its own evidence population (no covariates).
                let refModel = try Calibrator(catalogue: catalogue, overrides: overrides).model(for: ref, visiting: &visiting)
                guard refModel.models("pfs") else {
                    throw NensimFailure.data("arm '\(arm.id)': \(f.id) adds to the PFS median of '\(ref)', which has no PFS figure")
                }
                let m = refModel.pfsMedian + Self.centre(of: f)
                pfsAnchors.append(SurvivalAnchor(time: m, survival: 0.5, source: "\(f.id) (\(ref) median \(fmt(refModel.pfsMedian)) + \(Self.describe(f)))"))
                pfsFigures.append(f)
            default:
                continue
            }
        }
        // PFS family (docs/MODEL.md, "Families"): the Weibull below, exponential when its
        // shape is fixed at 1; any other family by `calibrateOtherPFS` (an arm without PFS
        // figures is a partial model, below).
        let pfsFamily = overrides.family(arm.id, "pfs") ?? arm.pfsFamily
        // A piecewise exponential or a cure (any family): `calibrateLawPFS`.
        let pfsLaw = overrides.law(arm.id, "pfs", evidence: arm.dist?.law("pfs") ?? LawOptions())
        let givenPieces = pfsLaw.piecewise && pfsLaw.rates != nil
        // A fitted piecewise exponential or mixture cure: exactly as fitted (`fittedPFS`).
        let fittedLaw = fittedLawPFS(arm)
        let otherPFS = fittedLaw != nil ? fittedPFS(fittedLaw!, status: status(of: pfsFigures), figures: pfsFigures, params: &params)
            : (pfsFamily == .weibull || pfsFamily == .exponential) && !pfsLaw.isSet
            || (pfsAnchors.isEmpty && overrides.value(arm.id, "pfs.median") == nil && !givenPieces) ? nil
            : try pfsLaw.isSet ? calibrateLawPFS(arm, family: pfsFamily, law: pfsLaw, anchors: pfsAnchors, figures: pfsFigures, params: &params, notes: &notes)
            : calibrateOtherPFS(arm, family: pfsFamily, anchors: pfsAnchors, figures: pfsFigures, params: &params, notes: &notes)
        var pfs: Weibull
        var pfsFit: WeibullFit?
        var lateFindings: [ModelFinding] = []
        let shapeOverride = overrides.value(arm.id, "pfs.shape") ?? (pfsFamily == .exponential ? 1 : nil)
        if let other = otherPFS {
            pfs = Weibull(shape: 1, median: other.0.median) // not simulated: the kernel draws `pfsDistribution`
        } else if let m = overrides.value(arm.id, "pfs.median") {
            var shape = shapeOverride ?? 1
            if shapeOverride == nil, !pfsAnchors.isEmpty, let evidenceFit = try? WeibullFitter.fit(pfsAnchors) {
                shape = evidenceFit.distribution.shape
            }
            pfs = Weibull(shape: shape, median: m)
            pfsFit = try? WeibullFitter.fit([SurvivalAnchor(time: m, survival: 0.5, source: ("\(.override) \(arm.id).pfs.median" as Phrase).description)], fixedShape: shape)
            params.append(ParameterProvenance(name: "pfs.median", value: m, unit: "months", status: .override, figures: [],
                                              rule: "set on the command line"))
        } else if pfsAnchors.isEmpty {
            // Partial evidence: the arm runs what its evidence supports (docs/MODEL.md,
            // "Arms with partial evidence").
            return try partialModel(arm: arm, used: used)
        } else {
            do {
                pfsFit = try WeibullFitter.fit(pfsAnchors, fixedShape: shapeOverride)
            } catch let e as WeibullFitError {
                throw NensimFailure.data("arm '\(arm.id)': PFS figures cannot be fitted: \(e.description)")
            }
            pfs = pfsFit!.distribution
            let rule = "Weibull fitted on the cloglog scale to " + pfsAnchors.map { "S(\(fmt($0.time)))=\(fmt($0.survival)) [\($0.source)]" }.joined(separator: ", ")
                + " (\(pfsFit!.shapeRule))"
            params.append(ParameterProvenance(name: "pfs.median", value: pfs.median, unit: "months", status: status(of: pfsFigures),
                                              figures: pfsFigures.map(\.id), rule: rule))
            if pfsFit!.maxAbsResidual > 1e-6 {
                notes.append("PFS figures of \(arm.id) do not all fit one Weibull: largest cloglog residual \(fmt(pfsFit!.maxAbsResidual, 3))")
            }
        }
        if otherPFS == nil {
            params.append(ParameterProvenance(name: "pfs.shape", value: pfs.shape, unit: "", status: shapeOverride != nil ? .override : (pfsFit?.shapeRule == "fitted" ? status(of: pfsFigures) : .assumption),
                                              figures: pfsFit?.shapeRule == "fitted" ? pfsFigures.map(\.id) : [],
                                              rule: shapeOverride != nil ? "set on the command line" : (pfsFit?.shapeRule == "fitted" ? "fitted" : "exponential: one anchor fixes only the scale (assumption k = 1)")))
            params.append(ParameterProvenance(name: "pfs.scale", value: pfs.scale, unit: "months", status: params.first { $0.name == "pfs.median" }!.status,
                                              figures: pfsFigures.map(\.id), rule: "λ = median / (log 2)^(1/k)"))
        }
        if pfsFamily == .exponential, overrides.value(arm.id, "pfs.shape") == nil, let k = params.firstIndex(where: { $0.name == "pfs.shape" }) {
            params[k].status = overrides.family(arm.id, "pfs") != nil ? .override : status(of: pfsFigures)
            params[k].figures = []
            params[k].rule = "the exponential family (shape 1)"
        }

        // OS through post-progression survival.
        let (osAnchors, osFigures) = Self.osAnchors(used)
        var ppsRate: Double
        var osFit: PostProgressionFit?
        // Post-progression family and deaths without progression (docs/MODEL.md): the
        // exponential below when OS is the closed form, `calibrateGeneralPPS` otherwise.
        let ppsFamily = overrides.family(arm.id, "pps") ?? arm.ppsFamily
        let ppsLaw = overrides.law(arm.id, "pps", evidence: arm.dist?.law("pps") ?? LawOptions())
        let deathShare = self.deathShare(arm, params: &params)
        var otherPPS: (rate: Double, distribution: ArmDistribution?, fit: FamilyFit?)?
        if otherPFS != nil || ppsFamily != .exponential || deathShare != nil || ppsLaw.isSet {
            let pfsDistribution = otherPFS?.0.distribution ?? WeibullDistribution(shape: pfs.shape, timeScale: pfs.scale)
            otherPPS = try calibrateGeneralPPS(arm, family: ppsFamily, law: ppsLaw, pfs: pfsDistribution, deathShare: deathShare ?? 0,
                                               osAnchors: osAnchors, osFigures: osFigures, params: &params, notes: &notes)
            ppsRate = otherPPS!.rate
        } else if let pm = overrides.value(arm.id, "pps.median") {
            ppsRate = log(2) / pm
            params.append(ParameterProvenance(name: "pps.median", value: pm, unit: "months", status: .override, figures: [], rule: "set on the command line"))
        } else if let om = overrides.value(arm.id, "os.median") {
            do {
                osFit = try PostProgressionFitter.fit(anchors: [SurvivalAnchor(time: om, survival: 0.5, source: ("\(.override) \(arm.id).os.median" as Phrase).description)], pfs: pfs)
                ppsRate = osFit!.rate
                params.append(ParameterProvenance(name: "pps.median", value: log(2) / ppsRate, unit: "months", status: .override, figures: [],
                                                  rule: "root of S_OS(\(fmt(om))) = 0.5 for the OS median set on the command line"))
            } catch let e as PostProgressionFitter.Failure {
                // The OS median set is not above what the PFS allows. When the PFS comes from
                // figures, they give way: the evidence's post-progression survival is kept
                // and the PFS scale solved so that the OS median is the one set.
                guard overrides.value(arm.id, "pfs.median") == nil, !pfsFigures.isEmpty else {
                    throw NensimFailure.data("arm '\(arm.id)': \(e.description)")
                }
                let evidencePPS = try evidencePostProgression(arm: arm, pfs: pfs, osAnchors: osAnchors)
                ppsRate = evidencePPS.rate
                let solved = Self.pfsScale(forOSMedian: om, shape: pfs.shape, ppsRate: ppsRate)
                let oldMedian = pfs.median
                pfs = Weibull(shape: pfs.shape, scale: solved)
                pfsFit = nil
                if let i = params.firstIndex(where: { $0.name == "pfs.median" }) {
                    params[i] = ParameterProvenance(name: "pfs.median", value: pfs.median, unit: "months", status: .override, figures: [],
                                                    rule: "solved so that the OS median set on the command line (\(fmt(om))) holds with the evidence's post-progression median \(fmt(log(2) / ppsRate, 4)); the PFS figures \(pfsFigures.map(\.id).joined(separator: ", ")) (median \(fmt(oldMedian, 4))) are not honoured")
                }
                if let i = params.firstIndex(where: { $0.name == "pfs.scale" }) {
                    params[i].value = pfs.scale; params[i].status = .override; params[i].figures = []
                }
                params.append(ParameterProvenance(name: "pps.median", value: log(2) / ppsRate, unit: "months", status: evidencePPS.status,
                                                  figures: evidencePPS.figures, rule: "kept from the evidence calibration: \(evidencePPS.rule)"))
                lateFindings.append(ModelFinding(
                    kind: .figureNotHonoured, arm: arm.id, parameter: "pfs.median", value: pfs.median,
                    message: "\(arm.id) os.median = \(fmt(om)) cannot hold with the PFS figures \(pfsFigures.map(\.id).joined(separator: ", ")) (PFS median \(fmt(oldMedian, 4)); OS is never shorter than PFS): the PFS median gives way to \(fmt(pfs.median, 4)) months, keeping the evidence's post-progression median \(fmt(log(2) / ppsRate, 4)) months",
                    remedyParameters: ["pfs.median", "pps.median"]))
            }
        } else if !osAnchors.isEmpty {
            do {
                osFit = try PostProgressionFitter.fit(anchors: osAnchors, pfs: pfs)
            } catch let e as PostProgressionFitter.Failure {
                // A PFS median set on the command line that the OS figures cannot follow:
                // the OS figures give way, and the post-progression survival of the evidence
                // calibration is kept (OS = the PFS set + that PPS).
                guard overrides.value(arm.id, "pfs.median") != nil else {
                    throw NensimFailure.data("arm '\(arm.id)': \(e.description)")
                }
                let evidencePPS = try evidencePostProgression(arm: arm, pfs: nil, osAnchors: osAnchors)
                ppsRate = evidencePPS.rate
                params.append(ParameterProvenance(name: "pps.median", value: log(2) / ppsRate, unit: "months", status: evidencePPS.status,
                                                  figures: evidencePPS.figures, rule: "kept from the evidence calibration: \(evidencePPS.rule)"))
                let osIDs = osFigures.map(\.id).joined(separator: ", ")
                let osText = osFigures.map { "\($0.id) \(Self.describe($0))" }.joined(separator: ", ")
                notes.append("the OS figures \(osIDs) are not honoured: they cannot hold with the PFS median set (\(fmt(pfs.median)))")
                lateFindings.append(ModelFinding(
                    kind: .figureNotHonoured, arm: arm.id, parameter: "os.median", value: nil,
                    message: "\(arm.id) pfs.median = \(fmt(pfs.median)) cannot hold with the OS figures \(osText) (OS is never shorter than PFS): the OS figures give way and OS = PFS + the evidence's post-progression survival (median \(fmt(log(2) / ppsRate, 4)) months)",
                    remedyParameters: ["os.median", "pps.median"]))
                return try finish(arm: arm, pfs: pfs, ppsRate: ppsRate, params: params, pfsFit: pfsFit, osFit: nil, notes: notes,
                                  used: used, shapeOverride: shapeOverride, lateFindings: lateFindings,
                                  families: FamilyChoice(pfs: otherPFS, pps: otherPPS, deathShare: deathShare))
            }
            ppsRate = osFit!.rate
            params.append(ParameterProvenance(name: "pps.median", value: log(2) / ppsRate, unit: "months", status: status(of: osFigures),
                                              figures: osFigures.map(\.id),
                                              rule: osAnchors.count == 1 ? "root finding so that OS = PFS + PPS meets \(osAnchors[0].source)"
                                                  : "least squares on the cloglog scale over \(osAnchors.count) OS anchors"))
            if osFit!.maxAbsResidual > 1e-4 {
                notes.append("OS figures of \(arm.id) conflict: no single post-progression survival meets them all (largest cloglog residual \(fmt(osFit!.maxAbsResidual, 3)))")
            }
        } else {
            ppsRate = log(2) / ModelAssumption.ppsMedianMonths
            params.append(ParameterProvenance(name: "pps.median", value: ModelAssumption.ppsMedianMonths, unit: "months", status: .assumption,
                                              figures: [], rule: ModelAssumption.ppsMedianRationale))
            notes.append(("assumption: \(arm.id) has no OS figure; post-progression survival median \(fmt(ModelAssumption.ppsMedianMonths)) months (\(.override) \(arm.id).pps.median=…)" as Phrase).description)
        }

        return try finish(arm: arm, pfs: pfs, ppsRate: ppsRate, params: params, pfsFit: pfsFit, osFit: osFit, notes: notes,
                          used: used, shapeOverride: shapeOverride, lateFindings: lateFindings,
                          families: FamilyChoice(pfs: otherPFS, pps: otherPPS, deathShare: deathShare))
    }

    /// Responses, binary outcomes, covariates, basis and plausibility: the part of a
    /// calibration that follows the survival distributions.
    func finish(arm: ArmEvidence, pfs: Weibull, ppsRate: Double, params: [ParameterProvenance], pfsFit: WeibullFit?,
                osFit: PostProgressionFit?, notes: [String], used: [Figure], shapeOverride: Double?,
                lateFindings: [ModelFinding], notModelled: [String] = [], families: FamilyChoice = FamilyChoice()) throws -> ArmModel {
        var params = params
        // Best response.
        var known: [String: (Double, [Figure])] = [:]
        for f in used where f.endpoint == .response {
            guard let c = f.category, ["cr", "pr", "sd", "pd", "orr", "dcr"].contains(c) else { continue }
            known[c] = (Self.centre(of: f), [f])
        }
        var cuts: [ResponseCut] = []
        func add(_ name: String, _ p: Double?, _ figs: [Figure], rule: String) {
            guard let p else { return }
            let o = overrides.value(arm.id, name)
            let value = o ?? p
            cuts.append(ResponseCut(category: name, probability: value))
            params.append(ParameterProvenance(name: name, value: value, unit: "proportion", status: o != nil ? .override : status(of: figs),
                                              figures: o != nil ? [] : figs.map(\.id), rule: o != nil ? "set on the command line" : rule))
        }
        let cr = known["cr"]
        let orr: (Double, [Figure])? = known["orr"] ?? {
            if let c = known["cr"], let p = known["pr"] { return (c.0 + p.0, c.1 + p.1) }
            return nil
        }()
        let dcr: (Double, [Figure])? = known["dcr"] ?? {
            if let o = orr, let s = known["sd"] { return (o.0 + s.0, o.1 + s.1) }
            if let d = known["pd"] { return (1 - d.0, d.1) }
            return nil
        }()
        add("cr", overrides.value(arm.id, "cr") ?? cr?.0, cr?.1 ?? [], rule: "complete response")
        add("orr", overrides.value(arm.id, "orr") ?? orr?.0, orr?.1 ?? [], rule: known["orr"] != nil ? "objective response rate" : "CR + PR")
        add("dcr", overrides.value(arm.id, "dcr") ?? dcr?.0, dcr?.1 ?? [], rule: known["dcr"] != nil ? "disease control rate" : (known["sd"] != nil ? "CR + PR + SD" : "1 − PD"))
        for i in 1..<max(cuts.count, 1) where cuts[i].probability < cuts[i - 1].probability - 1e-12 {
            throw NensimFailure.data("arm '\(arm.id)': response figures are not nested: \(cuts[i - 1].category) \(fmt(cuts[i - 1].probability)) > \(cuts[i].category) \(fmt(cuts[i].probability))")
        }
        if let last = cuts.last, last.probability > 1 + 1e-12 {
            throw NensimFailure.data("arm '\(arm.id)': response proportions add up to \(fmt(last.probability)), more than 1")
        }
        let coupling = overrides.value(arm.id, "response.coupling") ?? ModelAssumption.responseCoupling
        if !cuts.isEmpty {
            params.append(ParameterProvenance(name: "response.coupling", value: coupling, unit: "",
                                              status: overrides.value(arm.id, "response.coupling") != nil ? .override : .assumption,
                                              figures: [], rule: ModelAssumption.responseCouplingRationale))
        }

        // Other responses and adverse events.
        var binaries: [BinaryOutcome] = []
        for f in used where f.endpoint == .response || f.endpoint == .adverseEvent {
            guard let c = f.category else { continue }
            if f.endpoint == .response && ["cr", "pr", "sd", "pd", "orr", "dcr"].contains(c) { continue }
            let key = f.endpoint == .adverseEvent ? "ae.\(c)" : c
            let o = overrides.value(arm.id, key)
            let p = o ?? Self.centre(of: f)
            binaries.append(BinaryOutcome(kind: f.endpoint == .adverseEvent ? .adverseEvent : .response, name: c, probability: p))
            params.append(ParameterProvenance(name: key, value: p, unit: "proportion", status: o != nil ? .override : status(of: [f]),
                                              figures: o != nil ? [] : [f.id], rule: o != nil ? "set on the command line" : (f.value != nil ? "as quoted" : "centre of the quoted range")))
        }
        // Overrides that add outcomes the evidence lacks.
        for (param, value) in (overrides.values[arm.id] ?? [:]).sorted(by: { $0.key < $1.key }) {
            if param.hasPrefix("ae."), !binaries.contains(where: { "ae.\($0.name)" == param }) {
                binaries.append(BinaryOutcome(kind: .adverseEvent, name: String(param.dropFirst(3)), probability: value))
                params.append(ParameterProvenance(name: param, value: value, unit: "proportion", status: .override, figures: [], rule: "set on the command line"))
            } else if ["symptomatic", "symptomatic_marked", "biochemical", "clinical"].contains(param), !binaries.contains(where: { $0.name == param }) {
                binaries.append(BinaryOutcome(kind: .response, name: param, probability: value))
                params.append(ParameterProvenance(name: param, value: value, unit: "proportion", status: .override, figures: [], rule: "set on the command line"))
            }
        }

        var model = ArmModel(id: arm.id, name: arm.name, pfs: pfs, ppsRate: ppsRate, responseCuts: cuts, responseCoupling: coupling,
                             binaryOutcomes: binaries, parameters: params, pfsFit: pfsFit, osFit: osFit, notes: notes)
        model.notModelled = notModelled
        model.pfsDistribution = families.pfs?.0
        model.pfsFamilyFit = families.pfs?.1
        model.ppsDistribution = families.pps?.distribution
        model.ppsFamilyFit = families.pps?.fit
        model.pfsDeathShare = families.deathShare
        if population.prevalence["liver_metastases"] != nil, !model.hasDefaultFamilies {
            throw NensimFailure.data("arm '\(arm.id)': the liver-metastasis covariate re-calibrates a Weibull PFS with exponential post-progression survival and no deaths without progression only; drop \(.population) liver_metastases for this arm")
        }
        var evidenceModel: ArmModel?
        if let target = population.prevalence["liver_metastases"], notModelled.isEmpty {
            evidenceModel = model
            try addLiverMetastases(to: &model, arm: arm, prevalence: target,
                                   pfsAnchors: pfsFit?.anchors ?? [], osAnchors: osFit?.anchors ?? [],
                                   shapeFitted: pfsFit?.shapeRule == "fitted" && shapeOverride == nil)
        }
        model.bases = bases(of: model)
        model.findings = lateFindings + plausibility(of: model, arm: arm, evidenceModel: evidenceModel)
        return model
    }
}

extension Calibrator {
    /// Adds the liver-metastasis covariate and re-calibrates the baseline (patients
    /// without liver metastases) so that the arm's figures still hold in its evidence
    /// population: PFS by least squares on the cloglog scale of the mixture
    /// Σ w_g S₀(t)^{HR_g} (shape and scale when the evidence fixed the shape, the scale
    /// alone otherwise); PPS so the OS figures (or the assumed PPS median) hold for the
    /// mixture.
    func addLiverMetastases(to model: inout ArmModel, arm: ArmEvidence, prevalence: Double,
                            pfsAnchors: [SurvivalAnchor], osAnchors: [SurvivalAnchor], shapeFitted: Bool) throws {
        guard let (beta0, betaProvenance) = CovariateEvidence.liverMetastases(catalogue) else {
            throw NensimFailure.data("\(.population) liver_metastases: the evidence has no liver-metastasis prognosis figures (population.os.landmark60_liver_metastases)")
        }
        let beta = overrides.value(arm.id, "liver_metastases.log_hr") ?? beta0
        let (evidencePrevalence, prevalenceProvenance) = CovariateEvidence.liverPrevalence(arm, catalogue: catalogue)
        let effect = CovariateEffect(name: "liver_metastases", logHazardRatio: beta, evidencePrevalence: evidencePrevalence,
                                     prevalence: prevalence)
        let groups = Mixture.groups([effect], evidence: true)
        func cloglog(_ s: Double) -> Double { log(-log(min(max(s, 1e-300), 1 - 1e-16))) }

        // PFS baseline.
        let marginal = model.pfs
        func pfsLoss(_ k: Double, _ lambda: Double) -> Double {
            let w = Weibull(shape: k, scale: lambda)
            return pfsAnchors.reduce(0) { acc, a in
                let r = cloglog(Mixture.pfsSurvival(a.time, baseline: w, groups: groups)) - cloglog(a.survival)
                return acc + r * r
            }
        }
        var k = marginal.shape
        var logLambda = log(marginal.scale)
        func minimiseScale(_ k: Double) -> Double {
            goldenSectionMinimum(lo: logLambda - 10, hi: logLambda + 10, tolerance: 1e-13) { pfsLoss(k, exp($0)) }
        }
        if pfsAnchors.isEmpty {
            // --set pfs.median: keep the marginal median in the evidence population.
            let m = marginal.median
            logLambda = log(marginal.scale)
            var lo = logLambda - 10, hi = logLambda + 10
            for _ in 0..<200 {
                let mid = 0.5 * (lo + hi)
                let s = Mixture.pfsSurvival(m, baseline: Weibull(shape: k, scale: exp(mid)), groups: groups)
                if s < 0.5 { lo = mid } else { hi = mid }
            }
            logLambda = 0.5 * (lo + hi)
        } else if shapeFitted {
            // Profile: the best scale for each shape, golden search over log shape.
            k = exp(goldenSectionMinimum(lo: log(k) - 2, hi: log(k) + 2, tolerance: 1e-10, maxIterations: 120) { lk in
                pfsLoss(exp(lk), exp(minimiseScale(exp(lk))))
            })
            logLambda = minimiseScale(k)
        } else {
            logLambda = minimiseScale(k)
        }
        let baseline = Weibull(shape: k, scale: exp(logLambda))

        // PPS baseline rate.
        var mu = model.ppsRate
        func osLoss(_ logMu: Double) -> Double {
            osAnchors.reduce(0) { acc, a in
                let r = cloglog(Mixture.osSurvival(a.time, baseline: baseline, ppsRate: exp(logMu), groups: groups)) - cloglog(a.survival)
                return acc + r * r
            }
        }
        if !osAnchors.isEmpty {
            mu = exp(goldenSectionMinimum(lo: log(1e-6), hi: log(1e3), osLoss))
        } else {
            // Keep the marginal PPS median of the evidence population: Σ w_g e^{−μ HR_g m} = ½.
            let m = log(2) / model.ppsRate
            var lo = log(1e-8), hi = log(1e3)
            for _ in 0..<200 {
                let mid = 0.5 * (lo + hi)
                let rate: Double = exp(mid)
                var s = 0.0
                for g in groups { s += g.weight * exp(-rate * g.hr * m) }
                if s > 0.5 { lo = mid } else { hi = mid }
            }
            mu = exp(0.5 * (lo + hi))
        }

        model.pfs = baseline
        model.ppsRate = mu
        model.covariates = [effect]
        model.parameters.append(betaProvenance.with(value: beta, overridden: overrides.value(arm.id, "liver_metastases.log_hr") != nil))
        model.parameters.append(prevalenceProvenance)
        model.parameters.append(ParameterProvenance(name: "liver_metastases.prevalence", value: prevalence, unit: "proportion",
                                                    status: .override, figures: [], rule: ("\(.population) liver_metastases" as Phrase).description))
        model.parameters.append(ParameterProvenance(name: "baseline.pfs.median", value: baseline.median, unit: "months", status: .assumption,
                                                    figures: pfsAnchors.map(\.source),
                                                    rule: "patients without liver metastases; re-calibrated so the arm's figures hold in its evidence population (\(fmt(evidencePrevalence * 100)) % with liver metastases)"))
        model.parameters.append(ParameterProvenance(name: "baseline.pps.median", value: log(2) / mu, unit: "months", status: .assumption,
                                                    figures: osAnchors.map(\.source), rule: "patients without liver metastases, re-calibrated as the PFS baseline"))
        if abs(prevalence - evidencePrevalence) > 1e-9 {
            model.notes.append("population: \(fmt(prevalence * 100)) % with liver metastases, against \(fmt(evidencePrevalence * 100)) % in \(arm.id)'s evidence; its figures are transported by the liver-metastasis hazard ratio \(fmt(exp(beta), 3))")
        }
    }
}

extension ParameterProvenance {
    func with(value: Double, overridden: Bool) -> ParameterProvenance {
        var p = self
        p.value = value
        if overridden { p.status = .override; p.figures = []; p.rule = "set on the command line" }
        return p
    }
}

extension Calibrator {
    /// The post-progression survival of the arm's evidence calibration: the arm
    /// calibrated without the survival overrides (PFS median and shape, OS and PPS
    /// medians) in its evidence population.
    func evidencePostProgression(arm: ArmEvidence, pfs: Weibull?, osAnchors: [SurvivalAnchor])
        throws -> (rate: Double, status: ParameterStatus, figures: [String], rule: String) {
        var plain = overrides
        for name in ["pfs.median", "pfs.shape", "os.median", "pps.median"] { plain.values[arm.id]?[name] = nil }
        let model = try Calibrator(catalogue: catalogue, overrides: plain).model(for: arm.id)
        let p = model.parameters.first { $0.name == "pps.median" }
        return (model.ppsRate, p?.status ?? .assumption, p?.figures ?? [],
                "post-progression median \(fmt(log(2) / model.ppsRate, 4)) months as calibrated from the evidence (\(p?.rule ?? "default"))")
    }

    /// The Weibull scale λ (shape k fixed) at which OS = PFS + Exp(μ) has median `osMedian`.
    ///
    /// S_OS at the median falls as λ shrinks, so bisection on log λ over a wide bracket.
    static func pfsScale(forOSMedian osMedian: Double, shape: Double, ppsRate: Double) -> Double {
        var lo = log(osMedian) - 30, hi = log(osMedian) + 5
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            let s = OverallSurvival.survival(at: osMedian, pfs: Weibull(shape: shape, scale: exp(mid)), ppsRate: ppsRate)
            if s < 0.5 { lo = mid } else { hi = mid }
        }
        return exp(0.5 * (lo + hi))
    }

    /// The OS medians and landmarks among `used` as survival anchors, with their figures
    /// (in the evidence's order).
    static func osAnchors(_ used: [Figure]) -> (anchors: [SurvivalAnchor], figures: [Figure]) {
        var anchors: [SurvivalAnchor] = []
        var figures: [Figure] = []
        for f in used where f.endpoint == .os {
            switch f.kind {
            case .median: anchors.append(SurvivalAnchor(time: centre(of: f), survival: 0.5, source: f.id)); figures.append(f)
            case .landmark:
                if let t = f.time { anchors.append(SurvivalAnchor(time: t, survival: centre(of: f), source: f.id)); figures.append(f) }
            default: continue
            }
        }
        return (anchors, figures)
    }

    /// An arm whose evidence has no PFS figure (docs/MODEL.md, "Arms with partial
    /// evidence"): with OS figures, OS is a Weibull fitted to them and PFS is not
    /// modelled (simulated as OS itself, post-progression survival ~0, and not reported);
    /// with neither, only the responses and adverse events are modelled.
    func partialModel(arm: ArmEvidence, used: [Figure]) throws -> ArmModel {
        let (osAnchors, osFigures) = Self.osAnchors(used)
        // A post-progression rate so high that OS = PFS to well under a second.
        let instantaneous = 1e9
        var params: [ParameterProvenance] = []
        var notes: [String] = []
        let shapeOverride = overrides.value(arm.id, "pfs.shape")
        if let om = overrides.value(arm.id, "os.median") {
            let os = Weibull(shape: 1, median: om)
            params.append(ParameterProvenance(name: "os.median", value: om, unit: "months", status: .override, figures: [], rule: "set on the command line; exponential OS"))
            notes.append("\(arm.id) has no PFS figure: PFS is not modelled (OS from the median set)")
            return try finish(arm: arm, pfs: os, ppsRate: instantaneous, params: params, pfsFit: nil, osFit: nil, notes: notes,
                              used: used, shapeOverride: shapeOverride, lateFindings: [], notModelled: ["pfs"])
        }
        if !osAnchors.isEmpty {
            let fit: WeibullFit
            do { fit = try WeibullFitter.fit(osAnchors) } catch let e as WeibullFitError {
                throw NensimFailure.data("arm '\(arm.id)': OS figures cannot be fitted: \(e.description)")
            }
            let os = fit.distribution
            params.append(ParameterProvenance(name: "os.median", value: os.median, unit: "months", status: status(of: osFigures),
                                              figures: osFigures.map(\.id),
                                              rule: "Weibull OS fitted on the cloglog scale to " + osAnchors.map { "S(\(fmt($0.time)))=\(fmt($0.survival)) [\($0.source)]" }.joined(separator: ", ") + " (\(fit.shapeRule)); no PFS figure, so PFS is not modelled"))
            params.append(ParameterProvenance(name: "os.shape", value: os.shape, unit: "", status: fit.shapeRule == "fitted" ? status(of: osFigures) : .assumption,
                                              figures: fit.shapeRule == "fitted" ? osFigures.map(\.id) : [], rule: fit.shapeRule))
            if fit.maxAbsResidual > 1e-4 {
                notes.append("OS figures of \(arm.id) conflict: no single Weibull meets them all (largest cloglog residual \(fmt(fit.maxAbsResidual, 3)))")
            }
            notes.append("\(arm.id) has no PFS figure: PFS is not modelled and not reported; OS is fitted to its OS figures directly")
            return try finish(arm: arm, pfs: os, ppsRate: instantaneous, params: params, pfsFit: nil, osFit: nil, notes: notes,
                              used: used, shapeOverride: shapeOverride, lateFindings: [], notModelled: ["pfs"])
        }
        notes.append("\(arm.id) has no PFS or OS figure: only its responses and adverse events are modelled")
        return try finish(arm: arm, pfs: Weibull(shape: 1, median: 1), ppsRate: instantaneous, params: params, pfsFit: nil, osFit: nil,
                          notes: notes, used: used, shapeOverride: shapeOverride, lateFindings: [], notModelled: ["pfs", "os"])
    }
}
