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
        let rule = Rule(from: a, to: b, breakpoints: breakpoints)
        return rule.integral(rule.times.map(f))
    }

    /// The rule's nodes over [a, b] with breakpoints, in `integrate`'s order — panel by
    /// panel, each panel's 16 nodes as pairs (mid − half·xₖ, mid + half·xₖ), k = 0…7 — so
    /// that integrands sharing the nodes evaluate the curves once per node, and integrals
    /// over [a, e] for an end e of a segment are the running sum at e: the same sums, in
    /// the same order, as `integrate` over [a, e] (whose segments are the same).
    public struct Rule: Sendable {
        /// The segment ends, ascending: a, the breakpoints inside (a, b), b.
        public let ends: [Double]
        /// The node times, 16 a panel.
        public let times: [Double]
        /// Each panel's half width.
        let halves: [Double]
        /// `panelsUpTo[e]`: the panels of the segments before end `e`.
        let panelsUpTo: [Int]

        public init(from a: Double, to b: Double, breakpoints: [Double] = []) {
            guard b > a else { ends = []; times = []; halves = []; panelsUpTo = []; return }
            let cuts = ([a, b] + breakpoints.filter { $0 > a && $0 < b }).sorted()
            var ends = [cuts[0]], times: [Double] = [], halves: [Double] = [], upTo = [0]
            for (lo, hi) in zip(cuts, cuts.dropFirst()) where hi > lo {
                let panels = max(1, Int((hi - lo).rounded(.up)))
                let width = (hi - lo) / Double(panels)
                for p in 0..<panels {
                    let mid = lo + (Double(p) + 0.5) * width, half = width / 2
                    for k in 0..<8 { times.append(mid - half * nodes[k]); times.append(mid + half * nodes[k]) }
                    halves.append(half)
                }
                ends.append(hi); upTo.append(halves.count)
            }
            self.ends = ends; self.times = times; self.halves = halves; self.panelsUpTo = upTo
        }

        /// The index of `t` among `ends`, if it is one.
        public func end(at t: Double) -> Int? { ends.firstIndex(of: t) }

        /// ∫ over [a, ends[e]] (the whole range by default) of the integrand whose values
        /// at `times` are `values`.
        public func integral(_ values: [Double], toEnd e: Int? = nil) -> Double {
            precondition(values.count == times.count, "Rule.integral: \(values.count) values for \(times.count) nodes")
            let last = e.map { panelsUpTo[$0] } ?? halves.count
            var total = 0.0
            values.withUnsafeBufferPointer { f in
                for p in 0..<last {
                    var s = 0.0
                    for k in 0..<8 { s += weights[k] * (f[16 * p + 2 * k] + f[16 * p + 2 * k + 1]) }
                    total += s * halves[p]
                }
            }
            return total
        }
    }

    /// Occupancy integrals over [0, H] with weight `weight(t)` (e.g. a discount factor).
    /// `cuts`: months b at which ∫_0^b S_PFS w is also wanted (a maximum treatment duration).
    public static func occupancy(pfs: (Double) -> Double, os: (Double) -> Double, horizon: Double,
                                 weight: (Double) -> Double, cuts: [Double] = [], breakpoints: [Double] = []) -> Occupancy {
        let rule = Rule(from: 0, to: horizon, breakpoints: breakpoints + cuts)
        return occupancy(rule, pfs: rule.times.map(pfs), os: rule.times.map(os), weight: rule.times.map(weight), cuts: cuts)
    }

    /// The same integrals on a rule over [0, H] whose breakpoints include `cuts`, from the
    /// curves' and the weight's values at its nodes (so that several weights share one
    /// evaluation of the curves).
    public static func occupancy(_ rule: Rule, pfs: [Double], os: [Double], weight: [Double], cuts: [Double] = []) -> Occupancy {
        let n = rule.times.count
        precondition(pfs.count == n && os.count == n && weight.count == n, "occupancy: values for \(n) nodes needed")
        var crossing = 0.0
        var progressed = [Double](repeating: 0, count: n), alive = progressed, free = progressed
        for i in 0..<n {
            let d = os[i] - pfs[i]
            if d < 0 { crossing = max(crossing, -d) }
            progressed[i] = max(0, d) * weight[i]
            alive[i] = os[i] * weight[i]
            free[i] = pfs[i] * weight[i]
        }
        let horizon = rule.ends.last ?? 0
        let pf = ([horizon] + cuts).map { b -> Double in
            let to = min(b, horizon)
            guard to > 0 else { return 0 }
            guard let e = rule.end(at: to) else { preconditionFailure("occupancy: cut \(b) is not a breakpoint of the rule") }
            return rule.integral(free, toEnd: e)
        }
        return Occupancy(progressionFree: pf, progressed: rule.integral(progressed), alive: rule.integral(alive),
                         crossed: crossing > 1e-12, largestCrossing: crossing)
    }
}
