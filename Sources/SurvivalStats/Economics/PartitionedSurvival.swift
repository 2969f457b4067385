import Foundation

/// Three-state partitioned survival (progression-free, progressed, dead) from a PFS and
/// an OS curve (docs/ECONOMICS.md, "Partitioned survival"): occupancy of progression-free
/// is S_PFS(t), of progressed max(0, S_OS(t) − S_PFS(t)) — capped at zero where the curves
/// cross, and the crossing reported — and integrals of occupancy × discount weight by a
/// stated rule: composite 16-point Gauss–Legendre on panels of at most one month between
/// breakpoints.
public enum PartitionedSurvival {
    /// The integrals of one state-occupancy over [0, H].
    public struct Occupancy: Sendable, Equatable {
        /// ∫ S_PFS(t) w(t) dt over each [0, b] of the requested cut points, in months.
        public var progressionFree: [Double]
        /// ∫ max(0, S_OS − S_PFS) w(t) dt over [0, H], in months.
        public var progressed: Double
        /// ∫ S_OS(t) w(t) dt over [0, H] (uncapped), in months.
        public var alive: Double
        /// Whether S_OS < S_PFS somewhere on the nodes (the progressed state was capped at 0).
        public var crossed: Bool
        /// The largest S_PFS − S_OS seen at a node (0 when they never cross).
        public var largestCrossing: Double
    }

    /// 16-point Gauss–Legendre nodes and weights on [−1, 1] (Abramowitz & Stegun 25.4.30).
    static let nodes: [Double] = [0.0950125098376374, 0.2816035507792589, 0.4580167776572274, 0.6178762444026438,
                                  0.7554044083550030, 0.8656312023878318, 0.9445750230732326, 0.9894009349916499]
    static let weights: [Double] = [0.1894506104550685, 0.1826034150449236, 0.1691565193950025, 0.1495959888165767,
                                    0.1246289712555339, 0.0951585116824928, 0.0622535239386479, 0.0271524594117541]

    /// ∫_a^b f(t) dt by the rule above, `breakpoints` (any order, outside [a, b] ignored)
    /// starting new panels so that kinks of f sit on panel ends.
    public static func integrate(from a: Double, to b: Double, breakpoints: [Double] = [], _ f: (Double) -> Double) -> Double {
        guard b > a else { return 0 }
        let cuts = ([a, b] + breakpoints.filter { $0 > a && $0 < b }).sorted()
        var total = 0.0
        for (lo, hi) in zip(cuts, cuts.dropFirst()) where hi > lo {
            let panels = max(1, Int((hi - lo).rounded(.up)))
            let width = (hi - lo) / Double(panels)
            for p in 0..<panels {
                let mid = lo + (Double(p) + 0.5) * width, half = width / 2
                var s = 0.0
                for k in 0..<8 { s += weights[k] * (f(mid - half * nodes[k]) + f(mid + half * nodes[k])) }
                total += s * half
            }
        }
        return total
    }

    /// Occupancy integrals over [0, H] with weight `weight(t)` (e.g. a discount factor).
    /// `cuts`: months b at which ∫_0^b S_PFS w is also wanted (a maximum treatment duration).
    public static func occupancy(pfs: (Double) -> Double, os: (Double) -> Double, horizon: Double,
                                 weight: (Double) -> Double, cuts: [Double] = [], breakpoints: [Double] = []) -> Occupancy {
        var crossing = 0.0
        let bp = breakpoints + cuts
        let pd = integrate(from: 0, to: horizon, breakpoints: bp) { t in
            let d = os(t) - pfs(t)
            if d < 0 { crossing = max(crossing, -d) }
            return max(0, d) * weight(t)
        }
        let alive = integrate(from: 0, to: horizon, breakpoints: bp) { os($0) * weight($0) }
        let pf = ([horizon] + cuts).map { b in integrate(from: 0, to: min(b, horizon), breakpoints: bp) { pfs($0) * weight($0) } }
        return Occupancy(progressionFree: pf, progressed: pd, alive: alive, crossed: crossing > 1e-12, largestCrossing: crossing)
    }
}
