import Foundation

/// What `ParametricFit` fits: one of the families, a piecewise exponential with given cut
/// points, or a mixture cure over a family (docs/PARAMETRIC.md, "Piecewise exponential
/// and mixture cure fits"). Neither of the last two takes covariates.
public enum SurvivalModel: Hashable, Sendable {
    case family(ParametricFamily)
    /// Piecewise-constant hazard with these cut points (strictly increasing, > 0).
    case piecewise(cuts: [Double])
    /// S = π + (1 − π) S₀, S₀ of the family.
    case cure(ParametricFamily)

    /// The families a mixture cure is fitted over: every family with analytic derivatives
    /// (not the generalized gamma, whose Q derivatives are numerical).
    public static let cureFamilies: [ParametricFamily] = [.exponential, .weibull, .gompertz, .lognormal, .loglogistic]

    /// π = 1/(1 + e^{−c}) from its logit c, without overflow.
    public static func cureFraction(logit c: Double) -> Double { CureLikelihood.fraction(c) }

    /// `weibull`, `pwexp`, `cure-weibull`: the names of `--dist` and of fit.json's `dist`.
    public var name: String {
        switch self {
        case let .family(f): return f.rawValue
        case .piecewise: return "pwexp"
        case let .cure(f): return "cure-\(f.rawValue)"
        }
    }

    /// The model a name stands for; `pwexp` needs `cuts`. Nil for an unknown name, a cure
    /// over a family not in `cureFamilies`, or `pwexp` without cut points.
    public static func named(_ name: String, cuts: [Double]? = nil) -> SurvivalModel? {
        if let f = ParametricFamily(rawValue: name) { return .family(f) }
        if name == "pwexp" { return cuts.map { .piecewise(cuts: $0) } }
        if name.hasPrefix("cure-"), let f = ParametricFamily(rawValue: String(name.dropFirst(5))), cureFamilies.contains(f) { return .cure(f) }
        return nil
    }

    /// The family the model is built on (the exponential for the piecewise exponential).
    public var baseFamily: ParametricFamily {
        switch self {
        case let .family(f), let .cure(f): return f
        case .piecewise: return .exponential
        }
    }

    /// Estimation-scale parameter names without covariates: the family's; `log(rate1)`, …
    /// for the pieces; the base family's then `logit(cure)` for a cure.
    public var parameterNames: [String] {
        switch self {
        case let .family(f): return ["(Intercept)"] + f.auxiliaryNames
        case let .piecewise(cuts): return (1...(cuts.count + 1)).map { "log(rate\($0))" }
        case let .cure(f): return ["(Intercept)"] + f.auxiliaryNames + ["logit(cure)"]
        }
    }

    /// The distribution at estimation-scale parameters θ (`parameterNames` order).
    public func distribution(_ theta: [Double]) -> any SurvivalDistribution {
        switch self {
        case let .family(f): return f.distribution(eta: theta[0], auxiliary: Array(theta.dropFirst()))
        case let .piecewise(cuts): return PiecewiseExponentialDistribution(cuts: cuts, rates: theta.map { exp($0) })!
        case let .cure(f):
            return MixtureCureDistribution(base: f.distribution(eta: theta[0], auxiliary: Array(theta.dropFirst().dropLast())),
                                           cureFraction: CureLikelihood.fraction(theta.last!))
        }
    }

    /// R's d/p/q parameters: the family's; `cut1`, …, `rate1`, … (flexsurv's `ppexp`);
    /// the base family's then `cure` (π).
    public func naturalParameters(_ theta: [Double]) -> [(name: String, value: Double)] {
        switch self {
        case let .family(f): return f.naturalParameters(eta: theta[0], auxiliary: Array(theta.dropFirst()))
        case let .piecewise(cuts):
            return cuts.enumerated().map { ("cut\($0.offset + 1)", $0.element) } + theta.enumerated().map { ("rate\($0.offset + 1)", exp($0.element)) }
        case let .cure(f):
            return f.naturalParameters(eta: theta[0], auxiliary: Array(theta.dropFirst().dropLast())) + [("cure", CureLikelihood.fraction(theta.last!))]
        }
    }

    /// θ and cut points for times multiplied by `factor` (data unit → months): a location
    /// μ gains log(factor), a log rate loses it, a Gompertz shape is divided by it; scales,
    /// Q and logit π are unit-free. Covariances of location-type parameters are unchanged.
    public func rescaled(_ theta: [Double], by factor: Double) -> (theta: [Double], model: SurvivalModel) {
        let shift = log(factor)
        switch self {
        case let .piecewise(cuts): return (theta.map { $0 - shift }, .piecewise(cuts: cuts.map { $0 * factor }))
        case let .family(f), let .cure(f):
            var t = theta
            t[0] += f == .gompertz ? -shift : shift
            if f == .gompertz { t[1] /= factor }
            return (t, self)
        }
    }
}

extension ParametricFit {
    /// Fits `model` to prepared records: a family as `fit(_:data:…)`, a piecewise
    /// exponential in closed form (`fitPiecewise`), a mixture cure by Newton (`fitCure`).
    /// - Throws: `ParametricFitError`; `.invalidData` for a piecewise or cure model with
    ///   covariates.
    public static func fit(_ model: SurvivalModel, data: ParametricData, options: ParametricFitOptions = .init()) throws -> ParametricFit {
        switch model {
        case let .family(f): return try fit(f, data: data, options: options)
        case let .piecewise(cuts): return try fitPiecewise(cuts: cuts, data: data)
        case let .cure(f): return try fitCure(f, data: data, options: options)
        }
    }

    /// The piecewise exponential's maximum: on piece j, [c_{j−1}, c_j) (c₋₁ = 0, c_k = ∞),
    /// λ̂_j = d_j / E_j with d_j the events in the piece and E_j the time at risk in it;
    /// θ_j = log λ_j, whose observed information is λ_j E_j = d_j, so Var(θ̂_j) = 1/d_j
    /// and the pieces are independent. log L = Σ d_j (log λ̂_j − 1); AIC counts one
    /// parameter per piece (the cut points are given, not estimated).
    /// - Contract: `cuts` strictly increasing, finite and > 0; no covariates.
    /// - Complexity: O(m (k + log k)), m the rows, k the cuts.
    /// - Throws: `.invalidData` (bad cuts, covariates), `.noEvents`, `.emptyPiece`.
    public static func fitPiecewise(cuts: [Double], data: ParametricData) throws -> ParametricFit {
        guard data.covariateCount == 0 else { throw ParametricFitError.invalidData("a piecewise exponential is fitted without covariates") }
        guard !cuts.isEmpty, cuts.allSatisfy({ $0 > 0 && $0.isFinite }), zip(cuts, cuts.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw ParametricFitError.invalidData("cut points must be positive, finite and strictly increasing")
        }
        guard data.events > 0 else { throw ParametricFitError.noEvents(family: .exponential) }
        let pieces = cuts.count + 1
        let law = PiecewiseExponentialDistribution(cuts: cuts, rates: [Double](repeating: 1, count: pieces))!
        var d = [Double](repeating: 0, count: pieces), e = [Double](repeating: 0, count: pieces)
        for i in 0..<data.rows {
            let t = data.time[i], w = data.weight[i]
            let j = law.interval(t)
            if i < data.eventRows { d[j] += w }
            var lower = 0.0
            for p in 0...j {
                let upper = p < cuts.count ? min(cuts[p], t) : t
                e[p] += w * (upper - lower)
                lower = upper
            }
        }
        for j in 0..<pieces where d[j] <= 0 || e[j] <= 0 {
            throw ParametricFitError.emptyPiece(index: j, lower: j == 0 ? 0 : cuts[j - 1], upper: j < cuts.count ? cuts[j] : .infinity,
                                                events: d[j], exposure: e[j])
        }
        let theta = (0..<pieces).map { log(d[$0] / e[$0]) }
        var covariance = [Double](repeating: 0, count: pieces * pieces)
        for j in 0..<pieces { covariance[j * pieces + j] = 1 / d[j] }
        let logLik = (0..<pieces).reduce(0.0) { $0 + d[$1] * (theta[$1] - 1) }
        let model = SurvivalModel.piecewise(cuts: cuts)
        return ParametricFit(family: .exponential, model: model, parameterNames: model.parameterNames, estimates: theta, covariance: covariance,
                             logLikelihood: logLik, n: data.n, events: data.events, iterations: 0, covariateCount: 0)
    }

    /// The mixture cure S = π + (1 − π) S₀ over `family` by Newton–Raphson with step
    /// halving (`ParametricProblem.maximise`), θ = (the family's parameters, logit π),
    /// analytic gradient and information (`CureLikelihood`), SEs from the observed
    /// information. Starts from the family's own fit and π₀ = the share still followed
    /// after the last event (within [0.01, 0.9]).
    /// - Throws: `.cureAtBoundary` when |logit π| passes `CureLikelihood.logitLimit`
    ///   (π below 6·10⁻⁶ or above 1 − 6·10⁻⁶); `.inCureModel` wrapping a failure of the
    ///   base fit or of Newton; `.invalidData` for covariates or a family outside
    ///   `SurvivalModel.cureFamilies`.
    public static func fitCure(_ family: ParametricFamily, data: ParametricData, options: ParametricFitOptions = .init()) throws -> ParametricFit {
        guard data.covariateCount == 0 else { throw ParametricFitError.invalidData("a mixture cure is fitted without covariates") }
        guard SurvivalModel.cureFamilies.contains(family) else {
            throw ParametricFitError.invalidData("a mixture cure over the \(family.rawValue) is not fitted (its derivatives are numerical); choose one of \(SurvivalModel.cureFamilies.map(\.rawValue).joined(separator: ", "))")
        }
        let model = SurvivalModel.cure(family)
        do {
            let base = try fit(family, data: data, options: options)
            let problem = try ParametricProblem(family: family, data: data, threads: options.threads, cure: true)
            let start = base.estimates + [CureLikelihood.logit(CureLikelihood.plateau(data))]
            let result = try problem.maximise(from: start, names: model.parameterNames, options: options)
            if abs(result.theta.last!) > CureLikelihood.boundaryLogit { throw ParametricFitError.cureAtBoundary(family: family, logitFraction: result.theta.last!) }
            return ParametricFit(family: family, model: model, parameterNames: model.parameterNames, estimates: result.theta,
                                 covariance: result.covariance, logLikelihood: result.logLik, n: data.n, events: data.events,
                                 iterations: result.iterations, covariateCount: 0)
        } catch let e as ParametricFitError {
            switch e {
            case .cureAtBoundary, .noEvents, .zeroTime, .invalidData: throw e
            default: throw ParametricFitError.inCureModel(family: family, e)
            }
        }
    }
}

/// The mixture cure's log-likelihood over a family's record terms (docs/PARAMETRIC.md,
/// "Mixture cure"). With c = logit π, u = log S₀(t) and its θ-derivatives u_θ, u_θθ
/// (`RecordTerms` of log S₀), A = π + (1 − π) e^u and w = (1 − π) e^u / A (the chance an
/// event-free patient is uncured):
/// - an event: log(1 − π) + log f₀(t), so ∂/∂c = −π, ∂²/∂c² = −π(1 − π), the θ part the family's;
/// - a censoring: log A, ∂/∂θ = w u_θ, ∂²/∂θ∂θ′ = w u_θθ′ + w(1 − w) u_θ u_θ′,
///   ∂/∂c = g_c = (1 − w)(1 − π)(1 − e^u), ∂²/∂c∂θ = −w(1 − w) u_θ, ∂²/∂c² = (1 − 2π) g_c − g_c².
enum CureLikelihood {
    /// |logit π| past which Newton is stopped: the maximum is at a boundary.
    static let logitLimit = 12.0
    /// |logit π| at a converged maximum past which it is reported as a boundary
    /// (π < 4.5·10⁻⁵ or > 1 − 4.5·10⁻⁵: the fraction is not identified).
    static let boundaryLogit = 10.0

    @inline(__always) static func fraction(_ c: Double) -> Double { c >= 0 ? 1 / (1 + exp(-c)) : exp(c) / (1 + exp(c)) }
    static func logit(_ p: Double) -> Double { log(p / (1 - p)) }

    /// The share of the records followed (censored) past the last event time, within [0.01, 0.9].
    static func plateau(_ data: ParametricData) -> Double {
        let last = data.time[0..<data.eventRows].max() ?? 0
        var beyond = 0.0
        for i in data.eventRows..<data.rows where data.time[i] > last { beyond += data.weight[i] }
        return min(max(beyond / Double(data.n), 0.01), 0.9)
    }
}

extension ParametricProblem {
    /// Mixture-cure sums over rows [lo, hi) (`CureLikelihood`), in the layout of `chunk`:
    /// w·l, w·∂l/∂θ, w·∂²l/∂θ² (lower triangle), θ = (η, [a], c). Without the events'
    /// time-scale Jacobian, which `assemble` adds.
    func cureChunk(_ theta: [Double], _ lo: Int, _ hi: Int, _ out: UnsafeMutablePointer<Double>) {
        let P = dimension, c = P - 1
        let hasAux = family != .exponential
        let eta = theta[0], a = hasAux ? theta[1] : 0, sigma = exp(a)
        let pi = CureLikelihood.fraction(theta[c])
        let logPi = -softplus(-theta[c]), log1mPi = -softplus(theta[c])
        let split = min(max(data.eventRows, lo), hi)
        let g = out + 1, h = out + 1 + P
        for i in lo..<hi {
            let event = i < split
            let r: RecordTerms
            switch family {
            case .exponential, .weibull: r = locationScaleTerms(ExtremeValueError(), logTime: data.logTime[i], event: event, eta: eta, scale: sigma)
            case .lognormal: r = locationScaleTerms(NormalError(), logTime: data.logTime[i], event: event, eta: eta, scale: sigma)
            case .loglogistic: r = locationScaleTerms(LogisticError(), logTime: data.logTime[i], event: event, eta: eta, scale: sigma)
            case .gompertz: r = gompertzTerms(time: data.time[i], event: event, eta: eta, shape: a)
            case .gengamma: preconditionFailure("no cure over the generalized gamma")
            }
            let w = data.weight[i]
            if event {
                out[0] += w * (r.l + log1mPi)
                g[0] += w * r.gEta; h[0] += w * r.hEtaEta
                if hasAux { g[1] += w * r.gA; h[P] += w * r.hEtaA; h[P + 1] += w * r.hAA }
                g[c] += -w * pi
                h[c * P + c] += -w * pi * (1 - pi)
                continue
            }
            let u = r.l
            let x = log1mPi + u, m = max(logPi, x)
            let logA = m + log1p(exp(min(logPi, x) - m))
            let wt = exp(x - logA) // (1 − π) S₀ / A
            let gc = (1 - wt) * (1 - pi) * -expm1(u)
            out[0] += w * logA
            g[c] += w * gc
            h[c * P + c] += w * ((1 - 2 * pi) * gc - gc * gc)
            if wt > 0 {
                let v = wt * (1 - wt)
                g[0] += w * wt * r.gEta
                h[0] += w * (wt * r.hEtaEta + v * r.gEta * r.gEta)
                h[c * P] += -w * v * r.gEta
                if hasAux {
                    g[1] += w * wt * r.gA
                    h[P] += w * (wt * r.hEtaA + v * r.gA * r.gEta)
                    h[P + 1] += w * (wt * r.hAA + v * r.gA * r.gA)
                    h[c * P + 1] += -w * v * r.gA
                }
            }
        }
    }
}
