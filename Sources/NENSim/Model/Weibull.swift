import Foundation
import SurvivalStats

/// A Weibull survival distribution S(t) = exp(−(t/λ)^k) in months; k = 1 is exponential.
public struct Weibull: Sendable, Equatable, Codable {
    /// Shape k > 0.
    public var shape: Double
    /// Scale λ > 0, months.
    public var scale: Double

    public init(shape: Double, scale: Double) {
        self.shape = shape
        self.scale = scale
    }

    /// The exponential distribution with the given median.
    public static func exponential(median: Double) -> Weibull {
        Weibull(shape: 1, scale: median / log(2))
    }

    /// The Weibull of shape `shape` with median `median`.
    public init(shape: Double, median: Double) {
        self.init(shape: shape, scale: median / pow(log(2), 1 / shape))
    }

    public func survival(_ t: Double) -> Double { t <= 0 ? 1 : exp(-pow(t / scale, shape)) }
    public func cumulativeHazard(_ t: Double) -> Double { t <= 0 ? 0 : pow(t / scale, shape) }
    public func density(_ t: Double) -> Double {
        t <= 0 ? 0 : shape / scale * pow(t / scale, shape - 1) * survival(t)
    }
    /// The p-quantile of the time (S(t) = 1 − p).
    public func quantile(_ p: Double) -> Double { scale * pow(-log1p(-p), 1 / shape) }
    public var median: Double { quantile(0.5) }
    /// Mean survival time λ Γ(1 + 1/k).
    public var mean: Double { scale * tgamma(1 + 1 / shape) }
}

/// A survival anchor: S(time) = survival, with where it came from.
public struct SurvivalAnchor: Sendable, Equatable, Codable {
    public var time: Double
    public var survival: Double
    /// Figure id (or override name) the anchor comes from.
    public var source: String
    public init(time: Double, survival: Double, source: String) {
        self.time = time
        self.survival = survival
        self.source = source
    }
}

/// Result of fitting a Weibull to survival anchors on the complementary log-log scale.
public struct WeibullFit: Sendable, Codable {
    public var distribution: Weibull
    public var anchors: [SurvivalAnchor]
    /// Residuals on the cloglog scale, log(−log S_i) − (k log t_i − k log λ), one per anchor.
    public var residuals: [Double]
    /// The survival the fitted curve gives at each anchor's time.
    public var fittedSurvival: [Double]
    /// How the shape was decided: "fitted" (≥ 2 anchors), "fixed" (given), "exponential (one anchor)".
    public var shapeRule: String

    /// Largest |residual| on the cloglog scale; anchors agree when it is ~0.
    public var maxAbsResidual: Double { residuals.map(abs).max() ?? 0 }
}

public enum WeibullFitError: Error, Equatable, CustomStringConvertible {
    case noAnchors
    case invalidAnchor(String)
    case degenerate(String)

    public var description: String {
        switch self {
        case .noAnchors: return "no survival anchors to fit"
        case let .invalidAnchor(s): return s
        case let .degenerate(s): return s
        }
    }
}

public enum WeibullFitter {
    /// Fits log(−log S) = k·log t − k·log λ by linear least squares (LAPACKE `dgels`)
    /// over the anchors. With one anchor (or all at one time) the shape is `fixedShape`
    /// (default 1, exponential) and λ solves the anchor exactly. With `fixedShape` set
    /// and several anchors, only the intercept is fitted (mean of k log t − y).
    public static func fit(_ anchors: [SurvivalAnchor], fixedShape: Double? = nil) throws -> WeibullFit {
        guard !anchors.isEmpty else { throw WeibullFitError.noAnchors }
        for a in anchors {
            guard a.time > 0, a.time.isFinite else {
                throw WeibullFitError.invalidAnchor("\(a.source): anchor time must be positive (got \(a.time))")
            }
            guard a.survival > 0, a.survival < 1 else {
                throw WeibullFitError.invalidAnchor("\(a.source): anchor survival must lie strictly between 0 and 1 (got \(a.survival))")
            }
        }
        let x = anchors.map { log($0.time) }
        let y = anchors.map { log(-log($0.survival)) }
        let distinctTimes = Set(anchors.map(\.time)).count
        var k: Double
        var intercept: Double
        let rule: String
        if let fixedShape {
            k = fixedShape
            intercept = zip(x, y).map { $1 - k * $0 }.reduce(0, +) / Double(x.count)
            rule = "fixed"
        } else if distinctTimes < 2 {
            k = 1
            intercept = zip(x, y).map { $1 - k * $0 }.reduce(0, +) / Double(x.count)
            rule = anchors.count == 1 ? "exponential (one anchor)" : "exponential (anchors at one time)"
        } else {
            var a = [Double]()
            a.reserveCapacity(2 * x.count)
            for xi in x { a.append(xi); a.append(1) }
            let (solution, _) = try LinearAlgebra.leastSquares(a, rows: x.count, columns: 2, rhs: y)
            k = solution[0]
            intercept = solution[1]
            rule = "fitted"
            guard k > 0, k.isFinite else {
                throw WeibullFitError.degenerate("the anchors imply survival that rises with time (fitted shape \(k)); they cannot all hold")
            }
        }
        let lambda = exp(-intercept / k)
        let dist = Weibull(shape: k, scale: lambda)
        let residuals = zip(x, y).map { $1 - (k * $0 + intercept) }
        return WeibullFit(distribution: dist, anchors: anchors, residuals: residuals,
                          fittedSurvival: anchors.map { dist.survival($0.time) }, shapeRule: rule)
    }
}
