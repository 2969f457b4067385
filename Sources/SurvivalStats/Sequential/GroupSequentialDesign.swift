import Foundation

/// Probabilities of stopping at one look.
public struct LookExit: Sendable, Equatable, Codable {
    /// P(the first crossing is the efficacy bound at this look): Z_k ≥ b_k.
    public var efficacy: Double
    /// P(the first crossing is the lower bound at this look): Z_k ≤ a_k (futility,
    /// one-sided designs) or Z_k ≤ −b_k (two-sided designs: efficacy the other way).
    public var lower: Double

    public init(efficacy: Double, lower: Double) {
        self.efficacy = efficacy
        self.lower = lower
    }
}

/// A group-sequential design on the z scale, computed as rpact's
/// `getDesignGroupSequential` computes it (docs/TRIAL.md, "Group-sequential designs"):
///
/// - **Efficacy bounds** b_k from Lan–DeMets α spending, each look's increment
///   α(t_k) − α(t_{k−1}) spent under H0 by recursive integration
///   (`RecursiveIntegration`); one-sided: reject at Z_k ≥ b_k; two-sided: at |Z_k| ≥ b_k,
///   each side spending half of the increment (the s-sided α of the spending function).
///   Futility bounds are non-binding: they play no part in the efficacy bounds.
/// - **Futility bounds** a_k (one-sided designs only), from β spending under the
///   design's drift δ: P_δ(Z_k ≤ a_k, no stop before) = β(t_k) − β(t_{k−1}) with the
///   paths continuing between a_j and b_j, and δ chosen so that a_K = b_K (rpact's
///   construction).
/// - **Drift** δ = E[Z at t = 1] under H1: with futility the δ above; without, the δ
///   whose power P(cross b_k at some look) is 1 − β (two-sided designs too: rpact's
///   default, which ignores crossings of −b_k).
///
/// Z is oriented so that large values favour the alternative; a caller whose statistic
/// is negative for benefit (a log-rank z with HR < 1) negates it.
public struct GroupSequentialDesign: Sendable, Equatable {
    public let informationRates: [Double]
    public let sides: Int
    /// The α of the design's sidedness (two-sided: the total of both tails).
    public let alpha: Double
    public let beta: Double
    public let spending: SpendingFunction
    /// β spending of the futility bounds, when there are any.
    public let futilitySpending: SpendingFunction?
    /// Efficacy bounds b_1 … b_K (z scale).
    public let efficacy: [Double]
    /// Futility bounds a_1 … a_K (a_K = b_K), or nil.
    public let futility: [Double]?
    /// The drift of power 1 − β.
    public let drift: Double
    /// Quadrature parameter r of the grid (6r − 1 points before truncation).
    public let gridParameter: Int

    /// Number of looks K.
    public var looks: Int { informationRates.count }

    /// Cumulative α spent per look, α(t_k).
    public var alphaSpent: [Double] { informationRates.map { spending.spent(alpha, at: $0, sides: sides) } }

    /// Computes the design.
    /// - Parameters:
    ///   - informationRates: t_1 < … < t_K = 1, all in (0, 1].
    ///   - alpha: the α of `sides` sides, in (0, 1).
    ///   - beta: type II error of the drift (and of the futility bounds), in (0, 1 − α).
    ///   - futilitySpending: β spending for non-binding futility bounds (one-sided only).
    ///   - gridParameter: r of the Jennison–Turnbull grid (≥ 8; 32 by default).
    /// - Throws: `SequentialError` naming what is wrong.
    /// - Complexity: O(K · (rK)²) per drift evaluation; with futility, about 40 of them.
    public init(informationRates: [Double], alpha: Double, sides: Int = 1, spending: SpendingFunction,
                beta: Double = 0.2, futilitySpending: SpendingFunction? = nil, gridParameter: Int = 32) throws {
        let t = informationRates
        guard !t.isEmpty, t.last == 1, t.allSatisfy({ $0 > 0 && $0 <= 1 }),
              zip(t, t.dropFirst()).allSatisfy({ $0 < $1 }) else { throw SequentialError.informationRates(t) }
        guard sides == 1 || sides == 2 else { throw SequentialError.sides(sides) }
        guard alpha > 0, alpha < 1 else { throw SequentialError.probability(name: "α", value: alpha) }
        guard beta > 0, beta < 1 - alpha / Double(sides) else { throw SequentialError.probability(name: "β", value: beta) }
        if futilitySpending != nil, sides != 1 { throw SequentialError.futilityNeedsOneSided }
        if case let .hwangShihDeCani(g) = spending, !g.isFinite { throw SequentialError.probability(name: "γ", value: g) }
        let r = max(8, gridParameter)

        // Efficacy bounds under H0, futility ignored (non-binding).
        var b = [Double]()
        var density: LookDensity? = nil
        var spentBefore = 0.0
        for k in 0..<t.count {
            let spent = spending.spent(alpha, at: t[k], sides: sides)
            let target = (spent - spentBefore) / Double(sides)
            spentBefore = spent
            let previous = density
            let bound: Double
            if target <= 0 {
                bound = .infinity
            } else if let root = RecursiveIntegration.bisect(-10, 40, {
                RecursiveIntegration.upperTail(after: previous, information: t[k], drift: 0, bound: $0) - target
            }) {
                bound = root
            } else {
                throw SequentialError.noSolution("efficacy bound at look \(k + 1)")
            }
            b.append(bound)
            density = RecursiveIntegration.advance(previous, information: t[k], drift: 0,
                                                   lower: sides == 2 ? -bound : -.infinity, upper: bound, r: r)
        }

        self.informationRates = t
        self.sides = sides
        self.alpha = alpha
        self.beta = beta
        self.spending = spending
        self.futilitySpending = futilitySpending
        self.efficacy = b
        self.gridParameter = r

        if let fs = futilitySpending {
            let betaSpent = t.map { fs.spent(beta, at: $0, sides: 1) }
            func bounds(_ delta: Double) -> [Double] {
                Self.futilityBounds(efficacy: b, information: t, betaSpent: betaSpent, drift: delta, r: r)
            }
            // a_K − b_K rises with δ; capped at ±50 where the bound leaves the grid.
            guard let delta = RecursiveIntegration.brent(-4, 20, tolerance: 1e-11, {
                max(-50, min(50, bounds($0).last! - b.last!))
            }) else {
                throw SequentialError.noSolution("drift at which the last futility bound meets the efficacy bound")
            }
            var a = bounds(delta)
            a[a.count - 1] = b.last!
            self.futility = a
            self.drift = delta
        } else {
            self.futility = nil
            let lower = sides == 2 ? b.map { -$0 } : [Double](repeating: -.infinity, count: b.count)
            func power(_ delta: Double) -> Double {
                let exits = Self.exits(lower: lower, upper: b, information: t, drift: delta, r: r)
                return exits.reduce(0) { $0 + $1.efficacy }
            }
            guard let delta = RecursiveIntegration.brent(0, 20, tolerance: 1e-11, { power($0) - (1 - beta) }) else {
                throw SequentialError.noSolution("drift of power 1 − β")
            }
            self.drift = delta
        }
    }

    /// Futility bounds for drift δ: look k's bound spends β(t_k) − β(t_{k−1}) below it
    /// under δ, the paths continuing between the earlier bounds.
    static func futilityBounds(efficacy b: [Double], information t: [Double], betaSpent: [Double],
                               drift: Double, r: Int) -> [Double] {
        var a = [Double]()
        var density: LookDensity? = nil
        var before = 0.0
        for k in 0..<t.count {
            let target = betaSpent[k] - before
            before = betaSpent[k]
            let previous = density
            let bound: Double
            if previous == nil {
                bound = Distributions.normalQuantile(target) + drift * t[0].squareRoot()
            } else {
                // No root: fewer paths continue than β asks to stop (or none are asked to):
                // every path stops (+∞), or none does (−∞).
                bound = RecursiveIntegration.bisect(-20, 40, {
                    RecursiveIntegration.lowerTail(after: previous, information: t[k], drift: drift, bound: $0) - target
                }) ?? (target <= 0 ? -.infinity : .infinity)
            }
            a.append(bound)
            if k + 1 < t.count {
                density = RecursiveIntegration.advance(previous, information: t[k], drift: drift,
                                                       lower: min(bound, b[k]), upper: b[k], r: r)
            }
        }
        return a
    }

    /// Exit probabilities per look for continuation regions (lower_k, upper_k) under
    /// drift δ (at the last look whatever is between the bounds does not stop).
    static func exits(lower: [Double], upper: [Double], information t: [Double], drift: Double, r: Int) -> [LookExit] {
        var out = [LookExit]()
        var density: LookDensity? = nil
        for k in 0..<t.count {
            let up = RecursiveIntegration.upperTail(after: density, information: t[k], drift: drift, bound: upper[k])
            let lo = RecursiveIntegration.lowerTail(after: density, information: t[k], drift: drift, bound: lower[k])
            out.append(LookExit(efficacy: up, lower: lo))
            if k + 1 < t.count {
                density = RecursiveIntegration.advance(density, information: t[k], drift: drift,
                                                       lower: lower[k], upper: upper[k], r: r)
            }
        }
        return out
    }

    /// The lower bound of each look's continuation region: −b_k for two-sided designs,
    /// a_k with futility honoured, −∞ otherwise.
    public func lowerBounds(honouringFutility: Bool = true) -> [Double] {
        if sides == 2 { return efficacy.map { -$0 } }
        if honouringFutility, let futility { return futility }
        return [Double](repeating: -.infinity, count: looks)
    }

    /// Exit probabilities per look under drift δ (0: H0; `drift`: the design's H1).
    /// - Parameter honouringFutility: stop at the futility bounds (as a trial that
    ///   follows them does); false: ignore them, as the non-binding α computation does.
    public func exitProbabilities(drift delta: Double, honouringFutility: Bool = true) -> [LookExit] {
        Self.exits(lower: lowerBounds(honouringFutility: honouringFutility), upper: efficacy,
                   information: informationRates, drift: delta, r: gridParameter)
    }
}
