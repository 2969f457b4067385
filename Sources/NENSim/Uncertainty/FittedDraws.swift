import Foundation
import SurvivalStats

/// The sampling distribution of an arm's fitted PFS (`nensim fit --export-evidence`) under
/// `--psa` (docs/MODEL.md, section on fitted parameters under PSA): the estimation-scale
/// parameters θ ~ N(θ̂, Σ) with Σ the fit's covariance, drawn as θ̂ + L z with L the lower
/// Cholesky factor of Σ (LAPACK `dpotrf`) and z standard normals.
public struct FittedParameterDraw: Sendable, Equatable {
    public var arm: String
    /// The fitted model's family (the exponential for a piecewise exponential, the base of a cure).
    public var family: ParametricFamily
    /// The fitted model: a family, a piecewise exponential (log rates drawn) or a mixture
    /// cure (the base family's parameters and logit π drawn).
    public var model: SurvivalModel
    /// θ̂, in the order of the fit's `parameters`.
    public var mean: [Double]
    /// Their names (`(Intercept)`, `log(scale)`, …).
    public var names: [String]
    /// L, row-major n × n, lower triangular, L Lᵀ = Σ.
    public var cholesky: [Double]

    /// Key in `PSADraw.figures` and column of `psa.csv` of parameter j: `fit:ARM.NAME`.
    public func key(_ j: Int) -> String { "fit:\(arm).\(names[j])" }

    /// The draw's stream key: one stream per arm, so the parameters are drawn jointly.
    var streamKey: String { "fit:\(arm)" }

    /// - Throws: `NensimFailure.data` when the covariance is not symmetric positive definite.
    public init(arm: String, fit: FittedDistribution) throws {
        guard let model = fit.model else {
            throw NensimFailure.data("arm '\(arm)': fitted family '\(fit.dist)' is not known")
        }
        let n = fit.parameters.count
        let flat = fit.covariance.flatMap { $0 }
        guard flat.count == n * n, flat.allSatisfy(\.isFinite),
              (0..<n).allSatisfy({ i in (0..<n).allSatisfy { j in abs(flat[i * n + j] - flat[j * n + i]) <= 1e-12 * max(1, abs(flat[i * n + j])) } }) else {
            throw NensimFailure.data("arm '\(arm)': the fit's covariance is not a symmetric \(n) × \(n) matrix")
        }
        do { cholesky = try LinearAlgebra.cholesky(flat, order: n) } catch {
            throw NensimFailure.data("arm '\(arm)': the fit's covariance is not positive definite, so its parameters cannot be redrawn")
        }
        self.arm = arm
        self.model = model
        self.family = model.baseFamily
        self.mean = fit.parameters.map(\.value)
        self.names = fit.parameters.map(\.name)
    }

    /// One draw θ̂ + L z, z from `stream`'s standard normals (n of them, in order).
    public func draw(_ stream: inout RandomStream) -> [Double] {
        let n = mean.count
        let z = (0..<n).map { _ in stream.nextNormal() }
        return (0..<n).map { i in mean[i] + (0...i).reduce(0.0) { $0 + cholesky[i * n + $1] * z[$1] } }
    }
}

extension PSA {
    /// The fitted arms among `arms` whose PFS runs as fitted (the fit's family is the arm's
    /// PFS family, and no `pfs.median` or PFS shape is set with `--set`; a piecewise
    /// exponential or cure fit with no PFS override at all: `Calibrator.fittedLawPFS`),
    /// sorted by arm id.
    public static func fittedDraws(catalogue: EvidenceCatalogue, overrides: ModelOverrides, arms: [String]) throws -> [FittedParameterDraw] {
        var out: [FittedParameterDraw] = []
        let calibrator = Calibrator(catalogue: catalogue, overrides: overrides)
        for id in Set(arms).sorted() {
            let arm = try catalogue.arm(id)
            if let fit = calibrator.fittedLawPFS(arm) {
                out.append(try FittedParameterDraw(arm: arm.id, fit: fit))
                continue
            }
            guard let fit = arm.fit, fit.dist == arm.pfsFamily.rawValue || (fit.dist == "exponential" && arm.pfsFamily == .weibull) else { continue }
            let set = overrides.values[arm.id] ?? [:]
            guard !Calibrator.pfsLawKeys.contains(where: { set[$0] != nil }),
                  overrides.family(arm.id, "pfs") == nil else { continue }
            out.append(try FittedParameterDraw(arm: arm.id, fit: fit))
        }
        return out
    }
}

extension EvidenceCatalogue {
    /// The catalogue with arm `arm`'s fit at parameters `theta` and its fitted figures
    /// (read off the fit: medians, landmarks) re-read off the drawn distribution.
    func replacingFit(of arm: String, with theta: [Double]) -> EvidenceCatalogue {
        var c = self
        guard let a = c.arms.firstIndex(where: { $0.id == arm }), c.arms[a].fit?.model != nil else { return c }
        for j in theta.indices { c.arms[a].fit!.parameters[j].value = theta[j] }
        let d = c.arms[a].fit!.law()
        for f in c.arms[a].figures.indices where c.arms[a].figures[f].status == .fitted && c.arms[a].figures[f].endpoint == .pfs {
            switch c.arms[a].figures[f].kind {
            case .median: if d.median.isFinite { c.arms[a].figures[f].value = d.median } // a drawn cure fraction ≥ ½ has none
            case .landmark: if let t = c.arms[a].figures[f].time { c.arms[a].figures[f].value = d.survival(t) }
            default: break
            }
        }
        return c
    }
}
