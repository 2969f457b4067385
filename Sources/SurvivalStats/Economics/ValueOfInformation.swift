import Foundation

/// Probabilistic results over draws of a probabilistic sensitivity analysis
/// (docs/ECONOMICS.md, "Acceptability and value of information"): the cost-effectiveness
/// acceptability curve (CEAC), its frontier, and the expected value of perfect
/// information (EVPI) with a bound on its Monte Carlo bias.
public struct DrawMatrix: Sendable {
    public let draws: Int
    public let strategies: Int
    /// Row-major, draw d and strategy s at d·strategies + s.
    public let cost: [Double]
    public let effect: [Double]
    /// Variance of each entry's Monte Carlo estimate (SE²) of cost, of effect, and their
    /// covariance, same layout; nil when the draws are exact (then no bias bound).
    public let costVariance: [Double]?
    public let effectVariance: [Double]?
    public let covariance: [Double]?

    /// Contract: `cost.count == effect.count == draws · strategies`, draws ≥ 1, strategies ≥ 1;
    /// the three variance arrays all given or all nil, each of that size.
    public init(draws: Int, strategies: Int, cost: [Double], effect: [Double],
                costVariance: [Double]? = nil, effectVariance: [Double]? = nil, covariance: [Double]? = nil) {
        precondition(draws >= 1 && strategies >= 1 && cost.count == draws * strategies && effect.count == cost.count,
                     "a draw matrix of the wrong size")
        precondition((costVariance == nil) == (effectVariance == nil) && (covariance == nil) == (costVariance == nil),
                     "variances all or none")
        precondition([costVariance, effectVariance, covariance].allSatisfy { $0 == nil || $0!.count == cost.count },
                     "variances of the wrong size")
        self.draws = draws; self.strategies = strategies; self.cost = cost; self.effect = effect
        self.costVariance = costVariance; self.effectVariance = effectVariance; self.covariance = covariance
    }
}

public enum ValueOfInformation {
    /// The results at one willingness to pay λ.
    public struct Point: Sendable, Equatable {
        public var wtp: Double
        /// P(strategy s has the largest NMB) over draws (ties: the lowest index), per strategy.
        public var probabilityCostEffective: [Double]
        /// Mean NMB over draws, per strategy.
        public var expectedNMB: [Double]
        /// The strategy of largest expected NMB (the acceptability frontier; ties: lowest index).
        public var optimal: Int
        /// EVPI per patient: E_d[max_s NMB_ds] − max_s E_d[NMB_ds] ≥ 0.
        public var evpi: Double
        /// An upper bound on the upward bias of `evpi` from the draws' Monte Carlo noise:
        /// (1/D) Σ_d √(Σ_{s≠o} Var(NMB_ds − NMB_do)) with o the optimal strategy and the
        /// strategies' estimates independent; nil without variances.
        public var evpiBiasBound: Double?
    }

    /// CEAC, frontier and EVPI at each λ of `wtp`.
    ///
    /// Why the bound holds: with zero-mean noise ε_s on each strategy's estimate and o the
    /// optimal strategy, max_s(μ_s + ε_s) = ε_o + max_s(μ_s + ε_s − ε_o) ≤ ε_o + max_s μ_s +
    /// max_s (ε_s − ε_o)⁺, and E max_s (ε_s − ε_o)⁺ ≤ E √(Σ_{s≠o} (ε_s − ε_o)²) ≤
    /// √(Σ_{s≠o} Var(ε_s − ε_o)) (Jensen). So the first term of EVPI is inflated by at most
    /// the bound; the second term (a max of means over draws) is only inflated, which lowers
    /// EVPI. `optimal` stands in for the true optimum (the bound uses the estimated one).
    /// - Complexity: O(|wtp| · draws · strategies).
    public static func analyse(_ m: DrawMatrix, wtp: [Double]) -> [Point] {
        let s = m.strategies, d = m.draws
        return wtp.map { lambda in
            var wins = [Int](repeating: 0, count: s)
            var sumNMB = [Double](repeating: 0, count: s)
            var sumMax = 0.0
            for k in 0..<d {
                var best = 0
                var bestValue = -Double.infinity
                for j in 0..<s {
                    let v = lambda * m.effect[k * s + j] - m.cost[k * s + j]
                    sumNMB[j] += v
                    if v > bestValue { bestValue = v; best = j }
                }
                wins[best] += 1
                sumMax += bestValue
            }
            let expected = sumNMB.map { $0 / Double(d) }
            var optimal = 0
            for j in 1..<s where expected[j] > expected[optimal] { optimal = j }
            let evpi = max(0, sumMax / Double(d) - expected[optimal])
            var bound: Double?
            if let vc = m.costVariance, let ve = m.effectVariance, let cv = m.covariance {
                func nmbVariance(_ i: Int) -> Double { max(0, lambda * lambda * ve[i] + vc[i] - 2 * lambda * cv[i]) }
                var total = 0.0
                for k in 0..<d {
                    let o = nmbVariance(k * s + optimal)
                    var sum = 0.0
                    for j in 0..<s where j != optimal { sum += nmbVariance(k * s + j) + o }
                    total += sum.squareRoot()
                }
                bound = total / Double(d)
            }
            return Point(wtp: lambda, probabilityCostEffective: wins.map { Double($0) / Double(d) },
                         expectedNMB: expected, optimal: optimal, evpi: evpi, evpiBiasBound: bound)
        }
    }

    /// Population EVPI: per-patient EVPI × N patients a year × Σ_{y<Y} (1 + r)^(−y), each
    /// year's cohort discounted to its start at the outcome rate r.
    public static func populationEVPI(perPatient evpi: Double, patientsPerYear n: Double, years: Int,
                                      discounting: Discounting) -> Double {
        evpi * n * discounting.annuity(years: years)
    }
}
