import Foundation
import SurvivalStats

// Calibration of PFS and post-progression survival in any family of docs/PARAMETRIC.md
// to survival anchors (medians, landmarks, "N months longer than Y"): docs/MODEL.md,
// "Families". The default Weibull PFS keeps `WeibullFitter`, the default exponential
// post-progression survival `PostProgressionFitter`, so runs of existing evidence do not change.

/// The calibration of one distribution in a family to its anchors, with the residuals.
public struct FamilyFit: Sendable, Codable {
    public var distribution: ArmDistribution
    public var anchors: [SurvivalAnchor]
    /// Residuals on `residualScale`, one per anchor: the anchor's transformed survival
    /// minus the fitted curve's.
    public var residuals: [Double]
    public var fittedSurvival: [Double]
    /// The scale the fit is linear on (and the residuals are on): `cloglog` (Weibull,
    /// exponential, Gompertz), `logit` (log-logistic), `probit` (log-normal), `gengamma z`.
    public var residualScale: String
    /// How the parameter besides the location was decided: "fitted" (≥ 2 anchors at
    /// distinct times), "set" (an override), or "assumption" (one anchor; the value in `extraValue`).
    public var extraRule: String
    public var maxAbsResidual: Double { residuals.map(abs).max() ?? 0 }
}

/// Per-family assumptions for the parameter one figure cannot fix (docs/MODEL.md, "Families").
public enum FamilyAssumption {
    /// σ of log T when one figure fixes only the location: the spread of log T of an
    /// exponential (SD π/√6) — σ = 1 for the Weibull (k = 1), σ = π/√6 for the log-normal,
    /// σ = 1/√2 for the log-logistic (a logistic has SD σπ/√3), σ = 1 and Q = 1 for the
    /// generalized gamma (the exponential itself); the Gompertz shape a = 0 (exponential).
    public static func logTimeScale(_ family: ParametricFamily) -> Double {
        switch family {
        case .lognormal: return Double.pi / 6.0.squareRoot()
        case .loglogistic: return 0.5.squareRoot()
        default: return 1
        }
    }
    public static let gengammaQ = 1.0
    public static let gompertzShape = 0.0

    /// The `--set` name of a family's shape parameter (natural scale), as `pfs.<name>`.
    public static func shapeName(_ family: ParametricFamily) -> String? {
        switch family {
        case .exponential: return nil
        case .weibull, .loglogistic, .gompertz: return "shape"
        case .lognormal: return "sdlog"
        case .gengamma: return "sigma"
        }
    }

    /// σ from a natural shape value set on the command line.
    static func sigma(_ family: ParametricFamily, shape v: Double) -> Double {
        switch family {
        case .weibull, .loglogistic: return 1 / v
        default: return v
        }
    }

    public static func rationale(_ family: ParametricFamily, endpoint: String) -> String {
        switch family {
        case .gompertz: return "one \(endpoint) figure fixes only the rate; Gompertz shape 0 assumed (the exponential: a constant hazard)"
        case .gengamma: return "one \(endpoint) figure fixes only the location; generalized gamma σ = 1, Q = 1 assumed (the exponential)"
        case .exponential: return "the exponential has one parameter"
        default:
            let name = shapeName(family)!, s = logTimeScale(family)
            let v = family == .lognormal ? s : 1 / s
            return "one \(endpoint) figure fixes only the location; \(family.rawValue) \(name) \(fmt(v, 4)) assumed (the spread of log T of an exponential, SD π/√6)"
        }
    }
}

public enum FamilyFitter {
    /// The standard quantile z(S) of a location–scale family: log T = μ + σ z at S(T) = S.
    static func z(_ family: ParametricFamily, survival s: Double, q: Double) -> Double {
        let standard = ArmDistribution.locationScale(family == .exponential ? .weibull : family, location: 0, scale: 1, q: q).distribution
        return log(standard.time(cumulativeHazard: -log(s)))
    }

    static func scaleName(_ family: ParametricFamily) -> String {
        switch family {
        case .weibull, .exponential, .gompertz: return "cloglog"
        case .loglogistic: return "logit"
        case .lognormal: return "probit"
        case .gengamma: return "gengamma z"
        }
    }

    /// Fits `family` to the anchors (docs/MODEL.md, "Families"). Location–scale families:
    /// z(S_i) = (log t_i − μ)/σ by least squares of z on log t (≥ 2 distinct times; the
    /// Weibull's cloglog regression), or μ alone with σ = `shape`'s σ or the assumption.
    /// The generalized gamma takes Q from `q` (or the assumption), and with ≥ 3 distinct
    /// times fits Q too (golden-section search on the profile). The Gompertz: log H_i =
    /// log b + log((e^{a t_i} − 1)/a), b in closed form for each a, a by golden-section
    /// search (≥ 2 distinct times), else a = `shape` or 0.
    public static func fit(_ family: ParametricFamily, anchors: [SurvivalAnchor], shape: Double? = nil, q: Double? = nil,
                           endpoint: String = "PFS") throws -> FamilyFit {
        guard !anchors.isEmpty else { throw WeibullFitError.noAnchors }
        for a in anchors {
            guard a.time > 0, a.time.isFinite else { throw WeibullFitError.invalidAnchor("\(a.source): anchor time must be positive (got \(a.time))") }
            guard a.survival > 0, a.survival < 1 else {
                throw WeibullFitError.invalidAnchor("\(a.source): anchor survival must lie strictly between 0 and 1 (got \(a.survival))")
            }
        }
        let distinct = Set(anchors.map(\.time)).count
        if family == .gompertz { return try gompertz(anchors, shape: shape, distinct: distinct) }
        let x = anchors.map { log($0.time) }
        func solve(q: Double) throws -> (ArmDistribution, [Double], String) {
            let y = anchors.map { z(family, survival: $0.survival, q: q) }
            var sigma: Double, mu: Double, rule: String
            if family == .exponential || shape != nil || distinct < 2 {
                sigma = family == .exponential ? 1 : (shape.map { FamilyAssumption.sigma(family, shape: $0) } ?? FamilyAssumption.logTimeScale(family))
                mu = zip(x, y).map { $0 - sigma * $1 }.reduce(0, +) / Double(x.count)
                rule = family == .exponential ? "none" : (shape != nil ? "set" : "assumption")
            } else {
                var a = [Double]()
                for xi in x { a.append(xi); a.append(1) }
                let (solution, _) = try LinearAlgebra.leastSquares(a, rows: x.count, columns: 2, rhs: y)
                guard solution[0] > 0, solution[0].isFinite else {
                    throw WeibullFitError.degenerate("the anchors imply survival that rises with time in the \(family.rawValue) family; they cannot all hold")
                }
                sigma = 1 / solution[0]
                mu = -solution[1] * sigma
                rule = "fitted"
            }
            let d = ArmDistribution.locationScale(family, location: mu, scale: sigma, q: q)
            let residuals = zip(x, y).map { $1 - ($0 - mu) / sigma }
            return (d, residuals, rule)
        }
        var qValue = q ?? FamilyAssumption.gengammaQ
        var qRule = q != nil ? "set" : "assumption"
        if family == .gengamma, q == nil, distinct >= 3 {
            qValue = goldenSectionMinimum(lo: -3, hi: 3, tolerance: 1e-9) { qq in
                (try? solve(q: qq))?.1.reduce(0) { $0 + $1 * $1 } ?? .infinity
            }
            qRule = "fitted"
        }
        let (d, residuals, rule) = try solve(q: qValue)
        return FamilyFit(distribution: d, anchors: anchors, residuals: residuals, fittedSurvival: anchors.map { d.survival($0.time) },
                         residualScale: scaleName(family), extraRule: family == .gengamma ? "\(rule); Q \(qRule)" : rule)
    }

    static func gompertz(_ anchors: [SurvivalAnchor], shape: Double?, distinct: Int) throws -> FamilyFit {
        let h = anchors.map { log(-log($0.survival)) }
        func phi(_ a: Double, _ t: Double) -> Double { a == 0 ? t : expm1(a * t) / a }
        func logRate(_ a: Double) -> Double { zip(anchors, h).map { $1 - log(phi(a, $0.time)) }.reduce(0, +) / Double(h.count) }
        func loss(_ a: Double) -> Double {
            let lb = logRate(a)
            return zip(anchors, h).reduce(0) { acc, p in let r = p.1 - lb - log(phi(a, p.0.time)); return acc + r * r }
        }
        let a: Double, rule: String
        if let shape { a = shape; rule = "set" }
        else if distinct >= 2 {
            let tMax = anchors.map(\.time).max()!
            a = goldenSectionMinimum(lo: -30 / tMax, hi: 30 / tMax, tolerance: 1e-12 / tMax, loss)
            rule = "fitted"
        } else { a = FamilyAssumption.gompertzShape; rule = "assumption" }
        let lb = logRate(a)
        let d = ArmDistribution.gompertz(shape: a, rate: exp(lb))
        let residuals = zip(anchors, h).map { $1 - lb - log(phi(a, $0.time)) }
        return FamilyFit(distribution: d, anchors: anchors, residuals: residuals, fittedSurvival: anchors.map { d.survival($0.time) },
                         residualScale: "cloglog", extraRule: rule)
    }
}

/// OS = PFS + post-progression survival in any families, with a share d of PFS events
/// deaths without progression: S_OS(t) = S_PFS(t) + (1 − d) ∫₀ᵗ f_PFS(u) S_PPS(t − u) du,
/// integrated with u = t s² and 96-point Gauss–Legendre in s (as `OverallSurvival`).
public enum FamilyOverallSurvival {
    public static func survival(at t: Double, pfs: any SurvivalDistribution, pps: any SurvivalDistribution, deathShare d: Double) -> Double {
        if t <= 0 { return 1 }
        let (nodes, weights) = GaussLegendre.rule
        var integral = 0.0
        for i in 0..<nodes.count {
            let s = nodes[i]
            let u = t * s * s
            let f = u > 0 ? pfs.density(u) : 0
            if f.isFinite { integral += term(weights[i] * f, pps.survival(t - u), t, s) }
        }
        return combined(pfs.survival(t), d, integral)
    }

    /// A node's term of the integral, w f_PFS(u) · S_PPS(t − u) · 2 t s, multiplied in
    /// this order (`survival(at:…)` and `PreparedTime` alike, so the same bits).
    @inline(__always) static func term(_ weightedDensity: Double, _ ppsSurvival: Double, _ t: Double, _ s: Double) -> Double {
        weightedDensity * ppsSurvival * 2 * t * s
    }

    @inline(__always) static func combined(_ pfsSurvival: Double, _ d: Double, _ integral: Double) -> Double {
        max(0, min(1, pfsSurvival + (1 - d) * integral))
    }

    /// One time's OS with the PFS parts evaluated once — S_PFS(t), and per node with a
    /// finite density w f_PFS(u) and t − u — for the fit's many post-progression
    /// distributions: `survival(at:pfs:pps:deathShare:)`'s value, bit for bit.
    struct PreparedTime {
        let t: Double
        let pfsSurvival: Double
        let weightedDensity: [Double], remaining: [Double], node: [Double]

        init(_ t: Double, pfs: any SurvivalDistribution) {
            self.t = t
            pfsSurvival = t <= 0 ? 1 : pfs.survival(t)
            var wf: [Double] = [], rest: [Double] = [], ss: [Double] = []
            if t > 0 {
                let (nodes, weights) = GaussLegendre.rule
                for i in 0..<nodes.count {
                    let s = nodes[i]
                    let u = t * s * s
                    let f = u > 0 ? pfs.density(u) : 0
                    if f.isFinite { wf.append(weights[i] * f); rest.append(t - u); ss.append(s) }
                }
            }
            weightedDensity = wf; remaining = rest; node = ss
        }

        func survival(pps: any SurvivalDistribution, deathShare d: Double) -> Double {
            if t <= 0 { return 1 }
            var integral = 0.0
            for k in weightedDensity.indices { integral += term(weightedDensity[k], pps.survival(remaining[k]), t, node[k]) }
            return combined(pfsSurvival, d, integral)
        }
    }

    static func survival(at t: Double, model: ArmModel) -> Double {
        survival(at: t, pfs: model.pfsFamily.distribution, pps: model.ppsFamily.distribution, deathShare: model.deathShare)
    }

    /// Fits the post-progression distribution's location (η) so that OS meets the anchors
    /// (least squares on the cloglog scale; a root with one anchor), with its shape fixed
    /// (`shape`, or the family's assumption); with ≥ 2 anchors at distinct times and no
    /// shape set, the shape too (profile, golden-section search on log σ or on a).
    public static func fitPPS(_ family: ParametricFamily, anchors: [SurvivalAnchor], pfs: any SurvivalDistribution, deathShare d: Double,
                              shape: Double?, cure: Double? = nil) throws -> FamilyFit {
        for a in anchors where a.survival <= pfs.survival(a.time) + 1e-12 {
            throw PostProgressionFitter.Failure.infeasible("\(a.source): OS S(\(fmt(a.time))) = \(fmt(a.survival)) is not above PFS S(\(fmt(a.time))) = \(fmt(pfs.survival(a.time))); OS cannot be shorter than PFS")
        }
        func cloglog(_ s: Double) -> Double { log(-log(max(min(s, 1 - 1e-16), 1e-300))) }
        func make(_ eta: Double, _ extra: Double) -> ArmDistribution {
            switch family {
            case .exponential: return ArmDistribution(family: .exponential, parameters: [eta], cureFraction: cure)
            case .gompertz: return ArmDistribution(family: .gompertz, parameters: [eta, extra], cureFraction: cure)
            case .gengamma: return ArmDistribution(family: .gengamma, parameters: [eta, extra, FamilyAssumption.gengammaQ], cureFraction: cure)
            default: return ArmDistribution(family: family, parameters: [eta, extra], cureFraction: cure)
            }
        }
        // The anchors' PFS parts once: each step of the searches below changes only the
        // post-progression distribution.
        let prepared = anchors.map { PreparedTime($0.time, pfs: pfs) }
        func loss(_ eta: Double, _ extra: Double) -> Double {
            let pps = make(eta, extra).distribution
            var acc = 0.0
            for (k, a) in anchors.enumerated() {
                let r = cloglog(a.survival) - cloglog(prepared[k].survival(pps: pps, deathShare: d)); acc = acc + r * r
            }
            return acc
        }
        // Longer post-progression survival raises S_OS: each residual is monotone in η.
        let etaLo = family == .gompertz ? -12.0 : -6.0, etaHi = family == .gompertz ? 6.0 : 12.0
        func bestEta(_ extra: Double) -> Double { goldenSectionMinimum(lo: etaLo, hi: etaHi, tolerance: 1e-10) { loss($0, extra) } }
        let defaultExtra: Double = family == .gompertz ? FamilyAssumption.gompertzShape : log(FamilyAssumption.logTimeScale(family))
        var extra = shape.map { family == .gompertz ? $0 : log(FamilyAssumption.sigma(family, shape: $0)) } ?? defaultExtra
        var rule = family == .exponential ? "none" : (shape != nil ? "set" : "assumption")
        if family != .exponential, shape == nil, Set(anchors.map(\.time)).count >= 2 {
            let (lo, hi) = family == .gompertz ? (-1.0, 1.0) : (log(0.05), log(20.0))
            extra = goldenSectionMinimum(lo: lo, hi: hi, tolerance: 1e-8, maxIterations: 80) { loss(bestEta($0), $0) }
            rule = "fitted"
        }
        let dist = make(bestEta(extra), extra)
        let fitted = prepared.map { $0.survival(pps: dist.distribution, deathShare: d) }
        return FamilyFit(distribution: dist, anchors: anchors, residuals: zip(anchors, fitted).map { cloglog($0.survival) - cloglog($1) },
                         fittedSurvival: fitted, residualScale: "cloglog", extraRule: rule)
    }
}

extension ArmModel {
    /// Post-progression survival as a family (the exponential `ppsRate` when no other is set).
    public var ppsFamily: ArmDistribution {
        ppsDistribution ?? ArmDistribution(family: .exponential, parameters: [-log(ppsRate)])
    }
}

extension Calibrator {
    /// The named natural parameters of a distribution as provenance entries `ENDPOINT.NAME`
    /// (`pfs.shape`, `pps.sdlog`, …) with the location's status and the shape's.
    static func naturalProvenance(_ d: ArmDistribution, endpoint: String, locationStatus: ParameterStatus, shapeStatus: ParameterStatus,
                                  figures: [String], shapeRule: String) -> [ParameterProvenance] {
        let shapeName = FamilyAssumption.shapeName(d.family)
        return d.natural.map { p in
            let isShape = p.name == shapeName || p.name == "Q"
            let unit = ["scale", "rate"].contains(p.name) ? (p.name == "rate" ? "per month" : "months") : (p.name == "meanlog" || p.name == "mu" ? "log months" : (d.family == .gompertz && p.name == "shape" ? "per month" : ""))
            return ParameterProvenance(name: "\(endpoint).\(p.name.lowercased())", value: p.value, unit: unit, status: isShape ? shapeStatus : locationStatus,
                                       figures: isShape && shapeStatus == .assumption ? [] : figures,
                                       rule: isShape ? shapeRule : "\(d.family.rawValue) location")
        }
    }

    /// PFS in a family other than the Weibull and exponential (docs/MODEL.md, "Families"):
    /// an arm whose `fit` is of this family takes the fitted parameters (exact); otherwise
    /// the family is fitted to the anchors (or to `pfs.median` set on the command line),
    /// its shape set with `--set ARM.pfs.shape|sdlog|sigma` or, from one figure, assumed.
    func calibrateOtherPFS(_ arm: ArmEvidence, family: ParametricFamily, anchors: [SurvivalAnchor], figures: [Figure],
                           params: inout [ParameterProvenance], notes: inout [String]) throws -> (ArmDistribution, FamilyFit?) {
        let shapeName = FamilyAssumption.shapeName(family)
        let shapeSet = shapeName.flatMap { overrides.value(arm.id, "pfs.\($0)") }
        let qSet = overrides.value(arm.id, "pfs.q")
        let medianSet = overrides.value(arm.id, "pfs.median")
        let locationStatus = medianSet != nil ? ParameterStatus.override : status(of: figures)
        if let fit = arm.fit, fit.dist == family.rawValue, medianSet == nil, shapeSet == nil, qSet == nil {
            return fittedPFS(fit, status: locationStatus, figures: figures, params: &params)
        }
        var used = anchors
        if let m = medianSet { used = [SurvivalAnchor(time: m, survival: 0.5, source: ("\(.override) \(arm.id).pfs.median" as Phrase).description)] }
        guard !used.isEmpty else {
            throw NensimFailure.data("arm '\(arm.id)' has no PFS figure in the evidence; supply one with \(.override) \(arm.id).pfs.median=MONTHS")
        }
        let ff: FamilyFit
        do { ff = try FamilyFitter.fit(family, anchors: used, shape: shapeSet, q: qSet) }
        catch let e as WeibullFitError { throw NensimFailure.data("arm '\(arm.id)': PFS figures cannot be fitted by a \(family.rawValue): \(e.description)") }
        let d = ff.distribution
        params.append(ParameterProvenance(name: "pfs.median", value: d.median, unit: "months", status: locationStatus, figures: medianSet != nil ? [] : figures.map(\.id),
                                          rule: medianSet != nil ? "set on the command line" : "\(family.rawValue) fitted on the \(ff.residualScale) scale to "
                                            + used.map { "S(\(fmt($0.time)))=\(fmt($0.survival)) [\($0.source)]" }.joined(separator: ", ") + " (shape \(ff.extraRule))"))
        let shapeStatus: ParameterStatus = ff.extraRule.hasPrefix("fitted") ? locationStatus : (ff.extraRule.hasPrefix("set") || qSet != nil ? .override : .assumption)
        let shapeRule = ff.extraRule.hasPrefix("fitted") ? "fitted" : (shapeStatus == .override ? "set on the command line"
            : FamilyAssumption.rationale(family, endpoint: "PFS") + ("; override with \(.override) \(arm.id).pfs.\(shapeName ?? "shape")=VALUE" as Phrase).description)
        params += Self.naturalProvenance(d, endpoint: "pfs", locationStatus: locationStatus, shapeStatus: shapeStatus,
                                         figures: figures.map(\.id), shapeRule: shapeRule)
        if ff.maxAbsResidual > 1e-6 {
            notes.append("PFS figures of \(arm.id) do not all fit one \(family.rawValue): largest \(ff.residualScale) residual \(fmt(ff.maxAbsResidual, 3))")
        }
        return (d, ff)
    }

    /// PFS exactly as the arm's `fit` (a family, a piecewise exponential or a mixture cure
    /// exported by `nensim fit`), with its provenance: the median, and each natural
    /// parameter (`pfs.shape`, `pfs.rate1`, `pfs.cure`, …) read off the fit.
    func fittedPFS(_ fit: FittedDistribution, status: ParameterStatus, figures: [Figure],
                   params: inout [ParameterProvenance]) -> (ArmDistribution, FamilyFit?) {
        let d = fit.law()
        let source = "\(fit.dist) fitted by maximum likelihood to \(fit.data)\(fit.group.map { " group \($0)" } ?? "") (n = \(fit.n), \(fit.events) events)"
        params.append(ParameterProvenance(name: "pfs.median", value: d.median, unit: "months", status: status, figures: figures.map(\.id),
                                          rule: "the median of the \(source)"))
        if let p = d.piecewise {
            params += Self.piecewiseProvenance(p, endpoint: "pfs", status: status, figures: figures.map(\.id), rule: "fitted: \(source)")
        } else {
            params += Self.naturalProvenance(d.uncured, endpoint: "pfs", locationStatus: status, shapeStatus: status,
                                             figures: figures.map(\.id), shapeRule: "fitted: \(source)")
        }
        if let pi = d.cureFraction {
            params.append(ParameterProvenance(name: "pfs.cure", value: pi, unit: "proportion", status: status, figures: figures.map(\.id),
                                              rule: "cure fraction fitted: \(source)"))
        }
        return (d, nil)
    }

    /// The PFS overrides that replace a fitted law (the rest, such as `pfs.death_share`,
    /// act beside it).
    static let pfsLawKeys = ["pfs.median", "pfs.shape", "pfs.sdlog", "pfs.sigma", "pfs.q", "pfs.cure"]

    /// The fit of an arm whose `fit` is a piecewise exponential or a mixture cure, when no
    /// PFS override (family, law, median, shape, cure) replaces it; nil otherwise.
    func fittedLawPFS(_ arm: ArmEvidence) -> FittedDistribution? {
        guard let fit = arm.fit, let model = fit.model else { return nil }
        if case .family = model { return nil }
        guard overrides.family(arm.id, "pfs") == nil, !overrides.law(arm.id, "pfs", evidence: LawOptions()).isSet,
              !Self.pfsLawKeys.contains(where: { overrides.value(arm.id, $0) != nil }), overrides.list(arm.id, "pfs.cuts") == nil,
              overrides.list(arm.id, "pfs.rates") == nil else { return nil }
        return fit
    }

    /// Post-progression survival when OS is not the closed form of a Weibull PFS plus an
    /// exponential post-progression time: a PFS or post-progression family of its own, or
    /// deaths without progression. Calibrated by `FamilyOverallSurvival.fitPPS` to the OS
    /// anchors (or `os.median` set), to `pps.median` set, or to the assumed median.
    /// Returns the exponential's rate (or a placeholder) and the distribution when it is not exponential.
    ///
    /// `law`: a given piecewise exponential (cut points and rates; OS figures are then not
    /// used), or a cure fraction π over `family`, fitted with π fixed (docs/MODEL.md, "Families").
    func calibrateGeneralPPS(_ arm: ArmEvidence, family: ParametricFamily, law: LawOptions = LawOptions(), pfs: any SurvivalDistribution, deathShare: Double,
                             osAnchors: [SurvivalAnchor], osFigures: [Figure],
                             params: inout [ParameterProvenance], notes: inout [String]) throws -> (rate: Double, distribution: ArmDistribution?, fit: FamilyFit?) {
        let cure = law.cure
        if law.piecewise {
            guard let cuts = law.cuts, let rates = law.rates, let pw = PiecewiseExponentialDistribution(cuts: cuts, rates: rates) else {
                throw NensimFailure.data(("arm '\(arm.id)': a piecewise-exponential post-progression survival needs its cut points and rates (dist pps_cuts and pps_rates, or \(.override) \(arm.id).pps.cuts=… and \(arm.id).pps.rates=…); it is not calibrated to OS figures" as Phrase).description)
            }
            let d = ArmDistribution(piecewise: pw, cureFraction: cure)
            let st = lawStatus(arm, endpoint: "pps", pieces: true)
            params.append(ParameterProvenance(name: "pps.median", value: d.median, unit: "months", status: st.status, figures: [],
                                              rule: "the median of the piecewise exponential given (\(st.rule))"))
            params += Self.piecewiseProvenance(pw, endpoint: "pps", status: st.status, figures: [], rule: st.rule)
            cureProvenance(arm, endpoint: "pps", cure: cure, law: law, params: &params)
            if !osAnchors.isEmpty {
                notes.append("the OS figures of \(arm.id) do not calibrate its given piecewise-exponential post-progression survival")
            }
            return (log(2) / d.uncured.median, d, nil)
        }
        func uncured(_ a: [SurvivalAnchor]) throws -> [SurvivalAnchor] { try Self.uncuredAnchors(a, cure: cure, arm: arm.id, endpoint: "post-progression") }
        let shapeName = FamilyAssumption.shapeName(family)
        let shapeSet = shapeName.flatMap { overrides.value(arm.id, "pps.\($0)") }
        var fit: FamilyFit? = nil
        let d: ArmDistribution
        let status: ParameterStatus, rule: String, figures: [String]
        if let pm = overrides.value(arm.id, "pps.median") {
            d = try FamilyFitter.fit(family, anchors: uncured([SurvivalAnchor(time: pm, survival: 0.5, source: ("\(.override) \(arm.id).pps.median" as Phrase).description)]), shape: shapeSet).distribution.cured(cure)
            status = .override; rule = "set on the command line"; figures = []
        } else if let om = overrides.value(arm.id, "os.median") {
            do { fit = try FamilyOverallSurvival.fitPPS(family, anchors: [SurvivalAnchor(time: om, survival: 0.5, source: ("\(.override) \(arm.id).os.median" as Phrase).description)], pfs: pfs, deathShare: deathShare, shape: shapeSet, cure: cure) }
            catch let e as PostProgressionFitter.Failure { throw NensimFailure.data("arm '\(arm.id)': \(e.description)") }
            d = fit!.distribution
            status = .override; rule = "root of S_OS(\(fmt(om))) = 0.5 for the OS median set on the command line"; figures = []
        } else if !osAnchors.isEmpty {
            do { fit = try FamilyOverallSurvival.fitPPS(family, anchors: osAnchors, pfs: pfs, deathShare: deathShare, shape: shapeSet, cure: cure) }
            catch let e as PostProgressionFitter.Failure { throw NensimFailure.data("arm '\(arm.id)': \(e.description)") }
            d = fit!.distribution
            status = self.status(of: osFigures); figures = osFigures.map(\.id)
            rule = "\(family.rawValue) post-progression survival fitted so that OS = PFS + PPS\(deathShare > 0 ? " (a share \(fmt(deathShare)) of PFS events deaths)" : "") meets "
                + osAnchors.map(\.source).joined(separator: ", ") + " (least squares on the cloglog scale)"
            if fit!.maxAbsResidual > 1e-4 {
                notes.append("OS figures of \(arm.id) conflict: no single post-progression survival meets them all (largest cloglog residual \(fmt(fit!.maxAbsResidual, 3)))")
            }
        } else {
            d = try FamilyFitter.fit(family, anchors: uncured([SurvivalAnchor(time: ModelAssumption.ppsMedianMonths, survival: 0.5, source: "assumption")]), shape: shapeSet).distribution.cured(cure)
            status = .assumption; rule = ModelAssumption.ppsMedianRationale; figures = []
            notes.append(("assumption: \(arm.id) has no OS figure; post-progression survival median \(fmt(ModelAssumption.ppsMedianMonths)) months (\(.override) \(arm.id).pps.median=…)" as Phrase).description)
        }
        params.append(ParameterProvenance(name: "pps.median", value: d.median, unit: "months", status: status, figures: figures, rule: rule))
        cureProvenance(arm, endpoint: "pps", cure: cure, law: law, params: &params)
        if cure != nil {
            if family != .exponential {
                let shapeStatus: ParameterStatus = shapeSet != nil ? .override : (fit?.extraRule == "fitted" ? status : .assumption)
                let shapeRule = shapeSet != nil ? "set on the command line" : (fit?.extraRule == "fitted" ? "fitted to the OS figures"
                    : FamilyAssumption.rationale(family, endpoint: "post-progression"))
                params += Self.naturalProvenance(d.uncured, endpoint: "pps", locationStatus: status, shapeStatus: shapeStatus, figures: figures, shapeRule: shapeRule)
            }
            return (log(2) / d.uncured.median, d, fit)
        }
        if family != .exponential {
            let shapeStatus: ParameterStatus = shapeSet != nil ? .override : (fit?.extraRule == "fitted" ? status : .assumption)
            let shapeRule = shapeSet != nil ? "set on the command line" : (fit?.extraRule == "fitted" ? "fitted to the OS figures"
                : FamilyAssumption.rationale(family, endpoint: "post-progression") + ("; override with \(.override) \(arm.id).pps.\(shapeName ?? "shape")=VALUE" as Phrase).description)
            params += Self.naturalProvenance(d, endpoint: "pps", locationStatus: status, shapeStatus: shapeStatus, figures: figures, shapeRule: shapeRule)
            return (log(2) / d.median, d, fit)
        }
        return (exp(-d.parameters[0]), nil, fit)
    }

    /// The share of PFS events that are deaths without progression: `--set
    /// ARM.pfs.death_share`, else the arm's figure `pfs` / `proportion` / category
    /// `death_without_progression`, else nil (every PFS event a progression; docs/MODEL.md,
    /// "Death without progression").
    func deathShare(_ arm: ArmEvidence, params: inout [ParameterProvenance]) -> Double? {
        if let v = overrides.value(arm.id, "pfs.death_share") {
            params.append(ParameterProvenance(name: "pfs.death_share", value: v, unit: "proportion", status: .override, figures: [], rule: "set on the command line"))
            return v
        }
        if let f = arm.calibratingFigures.first(where: { $0.endpoint == .pfs && $0.kind == .proportion && $0.category == Figure.deathWithoutProgression }) {
            let v = Self.centre(of: f)
            params.append(ParameterProvenance(name: "pfs.death_share", value: v, unit: "proportion", status: status(of: [f]), figures: [f.id],
                                              rule: "share of PFS events that were deaths without progression, \(f.value != nil ? "as quoted" : "centre of the quoted range")"))
            return v
        }
        return nil
    }
}

// ---- Piecewise exponential and mixture cure (docs/MODEL.md, "Families") ----------------

public enum PiecewiseFitter {
    /// The piecewise exponential through every anchor: cut points at the anchors' distinct
    /// times but the last, each interval's rate the rise of the cumulative hazard −log S
    /// over it, the last interval's rate continued beyond the last anchor (an assumption,
    /// labelled by the caller). One anchor: the exponential. Anchors at one time must agree;
    /// survival must not rise with time.
    public static func fit(_ anchors: [SurvivalAnchor]) throws -> PiecewiseExponentialDistribution {
        guard !anchors.isEmpty else { throw WeibullFitError.noAnchors }
        for a in anchors {
            guard a.time > 0, a.time.isFinite else { throw WeibullFitError.invalidAnchor("\(a.source): anchor time must be positive (got \(a.time))") }
            guard a.survival > 0, a.survival < 1 else {
                throw WeibullFitError.invalidAnchor("\(a.source): anchor survival must lie strictly between 0 and 1 (got \(a.survival))")
            }
        }
        var byTime: [(t: Double, h: Double, source: String)] = []
        for a in anchors.sorted(by: { $0.time < $1.time }) {
            let h = -log(a.survival)
            if let last = byTime.last, last.t == a.time {
                guard abs(last.h - h) <= 1e-12 * max(1, h) else {
                    throw WeibullFitError.degenerate("\(last.source) and \(a.source) give different survival at \(fmt(a.time)) months")
                }
                continue
            }
            if let last = byTime.last, h < last.h {
                throw WeibullFitError.degenerate("\(a.source): survival \(fmt(a.survival)) at \(fmt(a.time)) months is above the \(fmt(exp(-last.h))) at \(fmt(last.t)) months (\(last.source)); survival cannot rise")
            }
            byTime.append((a.time, h, a.source))
        }
        var rates: [Double] = [], start = 0.0, h0 = 0.0
        for p in byTime { rates.append((p.h - h0) / (p.t - start)); start = p.t; h0 = p.h }
        if rates.last! <= 0 {
            throw WeibullFitError.degenerate("the last two anchors have the same survival: no hazard to continue past \(fmt(start)) months (a plateau is a cure fraction)")
        }
        return PiecewiseExponentialDistribution(cuts: byTime.dropLast().map(\.t), rates: rates)!
    }
}

extension Calibrator {
    /// Anchors of S = π + (1 − π)S₀ as anchors of the uncured law S₀ = (S − π)/(1 − π);
    /// each S must be above π.
    static func uncuredAnchors(_ anchors: [SurvivalAnchor], cure: Double?, arm: String, endpoint: String) throws -> [SurvivalAnchor] {
        guard let pi = cure, pi > 0 else { return anchors }
        return try anchors.map { a in
            guard a.survival > pi else {
                throw NensimFailure.data("arm '\(arm)': \(a.source): \(endpoint) S(\(fmt(a.time))) = \(fmt(a.survival)) is not above the cure fraction \(fmt(pi)); the uncured patients' survival would not be positive")
            }
            return SurvivalAnchor(time: a.time, survival: (a.survival - pi) / (1 - pi), source: a.source)
        }
    }

    /// Where the endpoint's given pieces (or cure fraction) came from: set on the command
    /// line, or stated in the evidence's `dist` (no figure: an assumption of whoever wrote it).
    func lawStatus(_ arm: ArmEvidence, endpoint: String, pieces: Bool) -> (status: ParameterStatus, rule: String) {
        let set = pieces ? overrides.list(arm.id, "\(endpoint).rates") != nil : overrides.value(arm.id, "\(endpoint).cure") != nil
        if set { return (.override, "set on the command line") }
        let field = pieces ? "\(endpoint)_cuts, \(endpoint)_rates" : "\(endpoint)_cure"
        return (.assumption, "stated in the evidence's dist (\(field)), with no figure behind it: a modelling assumption")
    }

    func cureProvenance(_ arm: ArmEvidence, endpoint: String, cure: Double?, law: LawOptions, params: inout [ParameterProvenance]) {
        guard let pi = cure else { return }
        let st = lawStatus(arm, endpoint: endpoint, pieces: false)
        params.append(ParameterProvenance(name: "\(endpoint).cure", value: pi, unit: "proportion", status: st.status, figures: [],
                                          rule: "cure fraction: a share that never has the event (\(st.rule))"))
    }

    static func piecewiseProvenance(_ p: PiecewiseExponentialDistribution, endpoint: String, status: ParameterStatus, figures: [String],
                                    rule: String) -> [ParameterProvenance] {
        p.cuts.enumerated().map { ParameterProvenance(name: "\(endpoint).cut\($0.offset + 1)", value: $0.element, unit: "months", status: status, figures: figures, rule: rule) }
            + p.rates.enumerated().map { ParameterProvenance(name: "\(endpoint).rate\($0.offset + 1)", value: $0.element, unit: "per month", status: status, figures: figures, rule: rule) }
    }

    /// PFS as a piecewise exponential (given cut points and rates, else through the
    /// anchors: `PiecewiseFitter`) or as a mixture cure over `family` or the piecewise
    /// exponential, π fixed (given) and the uncured law fitted to the anchors made
    /// uncured (`uncuredAnchors`); docs/MODEL.md, "Families".
    func calibrateLawPFS(_ arm: ArmEvidence, family: ParametricFamily, law: LawOptions, anchors: [SurvivalAnchor], figures: [Figure],
                         params: inout [ParameterProvenance], notes: inout [String]) throws -> (ArmDistribution, FamilyFit?) {
        let medianSet = overrides.value(arm.id, "pfs.median")
        var used = anchors
        if let m = medianSet { used = [SurvivalAnchor(time: m, survival: 0.5, source: ("\(.override) \(arm.id).pfs.median" as Phrase).description)] }
        let locationStatus = medianSet != nil ? ParameterStatus.override : status(of: figures)
        let figureIDs = medianSet != nil ? [] : figures.map(\.id)
        let cure = law.cure
        let d: ArmDistribution
        var fit: FamilyFit? = nil
        if law.piecewise, let cuts = law.cuts, let rates = law.rates {
            guard let pw = PiecewiseExponentialDistribution(cuts: cuts, rates: rates), pw.rates.last! > 0 else {
                throw NensimFailure.data("arm '\(arm.id)': PFS pieces: \(LawOptions.problem(cuts: cuts, rates: rates) ?? "invalid")")
            }
            d = ArmDistribution(piecewise: pw, cureFraction: cure)
            let st = lawStatus(arm, endpoint: "pfs", pieces: true)
            params.append(ParameterProvenance(name: "pfs.median", value: d.median, unit: "months", status: st.status, figures: [],
                                              rule: "the median of the piecewise exponential given (\(st.rule))"))
            params += Self.piecewiseProvenance(pw, endpoint: "pfs", status: st.status, figures: [], rule: st.rule)
            if !used.isEmpty {
                let worst = used.map { abs(d.survival($0.time) - $0.survival) }.max()!
                notes.append("PFS of \(arm.id) is the piecewise exponential given; its figures do not calibrate it (largest difference in S at a figure's time \(fmt(worst, 3)))")
            }
        } else {
            guard !used.isEmpty else {
                throw NensimFailure.data("arm '\(arm.id)' has no PFS figure in the evidence; supply one with \(.override) \(arm.id).pfs.median=MONTHS")
            }
            let uncured = try Self.uncuredAnchors(used, cure: cure, arm: arm.id, endpoint: "PFS")
            let source = used.map { "S(\(fmt($0.time)))=\(fmt($0.survival)) [\($0.source)]" }.joined(separator: ", ")
            let what = cure.map { " for the uncured share 1 − \(fmt($0)), each S made (S − π)/(1 − π)," } ?? ""
            if law.piecewise {
                let pw: PiecewiseExponentialDistribution
                do { pw = try PiecewiseFitter.fit(uncured) }
                catch let e as WeibullFitError { throw NensimFailure.data("arm '\(arm.id)': PFS figures cannot be fitted by a piecewise exponential: \(e.description)") }
                d = ArmDistribution(piecewise: pw, cureFraction: cure)
                params.append(ParameterProvenance(name: "pfs.median", value: d.median, unit: "months", status: locationStatus, figures: figureIDs,
                                                  rule: medianSet != nil ? "set on the command line" : "piecewise exponential\(what) through \(source)"))
                params += Self.piecewiseProvenance(pw, endpoint: "pfs", status: locationStatus, figures: figureIDs,
                                                   rule: "cut at the figures' times; each rate the rise of −log S over its interval")
                params.append(ParameterProvenance(name: "pfs.tail_rate", value: pw.rates.last!, unit: "per month", status: .assumption, figures: [],
                                                  rule: "the hazard after the last figure's time (\(fmt(pw.cuts.last ?? 0)) months) continues the last interval's (assumption)"))
            } else {
                let shapeName = FamilyAssumption.shapeName(family)
                let shapeSet = shapeName.flatMap { overrides.value(arm.id, "pfs.\($0)") }
                let ff: FamilyFit
                do { ff = try FamilyFitter.fit(family, anchors: uncured, shape: shapeSet, q: overrides.value(arm.id, "pfs.q")) }
                catch let e as WeibullFitError { throw NensimFailure.data("arm '\(arm.id)': PFS figures cannot be fitted by a \(family.rawValue) under the cure fraction: \(e.description)") }
                d = ff.distribution.cured(cure)
                fit = FamilyFit(distribution: d, anchors: used, residuals: ff.residuals, fittedSurvival: used.map { d.survival($0.time) },
                                residualScale: ff.residualScale, extraRule: ff.extraRule)
                params.append(ParameterProvenance(name: "pfs.median", value: d.median, unit: "months", status: locationStatus, figures: figureIDs,
                                                  rule: medianSet != nil ? "set on the command line" : "\(family.rawValue) fitted on the \(ff.residualScale) scale\(what) to \(source) (shape \(ff.extraRule))"))
                let shapeStatus: ParameterStatus = ff.extraRule.hasPrefix("fitted") ? locationStatus : (ff.extraRule.hasPrefix("set") ? .override : .assumption)
                let shapeRule = ff.extraRule.hasPrefix("fitted") ? "fitted" : (shapeStatus == .override ? "set on the command line" : FamilyAssumption.rationale(family, endpoint: "PFS"))
                params += Self.naturalProvenance(d.uncured, endpoint: "pfs", locationStatus: locationStatus, shapeStatus: shapeStatus, figures: figureIDs, shapeRule: shapeRule)
                if ff.maxAbsResidual > 1e-6 {
                    notes.append("PFS figures of \(arm.id) do not all fit one \(family.rawValue) under the cure fraction: largest \(ff.residualScale) residual \(fmt(ff.maxAbsResidual, 3))")
                }
            }
        }
        cureProvenance(arm, endpoint: "pfs", cure: cure, law: law, params: &params)
        if let pi = cure, pi >= 0.5 {
            notes.append("cure fraction \(fmt(pi)) of \(arm.id): PFS never falls to 50 %, so its median is infinite")
        }
        return (d, fit)
    }
}

/// The family choices of one arm's calibration, handed to `Calibrator.finish`: PFS in
/// another family (with its fit), post-progression survival in another family, deaths
/// without progression. All nil: today's Weibull / exponential model.
struct FamilyChoice {
    var pfs: (ArmDistribution, FamilyFit?)? = nil
    var pps: (rate: Double, distribution: ArmDistribution?, fit: FamilyFit?)? = nil
    var deathShare: Double? = nil
}
