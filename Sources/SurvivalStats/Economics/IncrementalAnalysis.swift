import Foundation

/// Incremental cost-effectiveness analysis of mutually exclusive strategies
/// (docs/ECONOMICS.md, "Incremental analysis"): strong dominance, extended dominance, the
/// efficiency frontier and the ICERs along it, and each strategy against a reference with
/// its quadrant named.
public enum IncrementalAnalysis {
    /// Where a strategy stands among all of them.
    public enum Status: Sendable, Equatable {
        /// On the efficiency frontier.
        case frontier
        /// Strongly dominated: another strategy costs no more and gives at least as much
        /// effect, one of them strictly (the index of one such strategy).
        case dominated(by: Int)
        /// Extendedly dominated: a mix of two frontier strategies (the indices) gives more
        /// effect for the same cost (its ICER exceeds the next frontier strategy's).
        case extendedlyDominated(between: Int, and: Int)

        public var label: String {
            switch self {
            case .frontier: "frontier"
            case .dominated: "dominated"
            case .extendedlyDominated: "extendedly dominated"
            }
        }
    }

    /// One strategy's row of the full incremental table.
    public struct Row: Sendable, Equatable {
        public var index: Int
        public var cost: Double
        public var effect: Double
        public var status: Status
        /// On the frontier: the previous frontier strategy (less effect), nil for the first.
        public var comparator: Int?
        /// On the frontier after the first: ΔC/ΔE against `comparator`.
        public var icer: Double?
    }

    /// The full incremental analysis of strategies with expected `costs` and `effects`.
    ///
    /// Contract: `costs.count == effects.count ≥ 1`, all finite. Strategies with equal cost
    /// and effect: the one of lower index stays, the others are dominated by it.
    /// Rows come back in the order of ascending effect (ties: ascending cost, then index).
    /// - Complexity: O(s²) for s strategies (dominance by all pairs); s is small.
    public static func analyse(costs: [Double], effects: [Double]) -> [Row] {
        precondition(costs.count == effects.count && !costs.isEmpty, "costs and effects of different lengths")
        let s = costs.count
        var status = [Status](repeating: .frontier, count: s)
        // Strong dominance (ties in both: the lower index wins).
        for i in 0..<s {
            for j in 0..<s where j != i {
                let noWorse = costs[j] <= costs[i] && effects[j] >= effects[i]
                let better = costs[j] < costs[i] || effects[j] > effects[i]
                if noWorse && (better || j < i) { status[i] = .dominated(by: j); break }
            }
        }
        let order = (0..<s).sorted { (a: Int, b: Int) -> Bool in
            if effects[a] != effects[b] { return effects[a] < effects[b] }
            if costs[a] != costs[b] { return costs[a] < costs[b] }
            return a < b
        }
        // Extended dominance: walk the undominated strategies by effect; ICERs along the
        // frontier must increase, so a strategy whose ICER exceeds the next one's goes.
        var frontier = order.filter { status[$0] == .frontier }
        var removed = true
        while removed && frontier.count > 2 {
            removed = false
            for k in 1..<(frontier.count - 1) {
                let (a, b, c) = (frontier[k - 1], frontier[k], frontier[k + 1])
                let icerAB = (costs[b] - costs[a]) / (effects[b] - effects[a])
                let icerBC = (costs[c] - costs[b]) / (effects[c] - effects[b])
                if icerAB > icerBC {
                    status[b] = .extendedlyDominated(between: a, and: c)
                    frontier.remove(at: k)
                    removed = true
                    break
                }
            }
        }
        return order.map { i in
            var row = Row(index: i, cost: costs[i], effect: effects[i], status: status[i], comparator: nil, icer: nil)
            if let k = frontier.firstIndex(of: i), k > 0 {
                let p = frontier[k - 1]
                row.comparator = p
                row.icer = (costs[i] - costs[p]) / (effects[i] - effects[p])
            }
            return row
        }
    }

    /// Where a strategy lies against a comparator on the cost-effectiveness plane.
    public enum Quadrant: String, Sendable, Equatable {
        /// Costs more, gives more: ICER = cost per unit of effect gained.
        case northEast = "north-east"
        /// Costs no more, gives at least as much (one strictly): dominant.
        case dominant
        /// Costs at least as much, gives no more (one strictly): dominated.
        case dominated
        /// Costs less, gives less: the ICER is savings per unit of effect lost.
        case southWest = "south-west"
        /// The same cost and effect.
        case equal
    }

    /// One strategy against one comparator.
    public struct Comparison: Sendable, Equatable {
        public var deltaCost: Double
        public var deltaEffect: Double
        public var quadrant: Quadrant
        /// ΔC/ΔE in the north-east (cost per effect gained) and south-west (savings per
        /// effect lost) quadrants; nil otherwise.
        public var icer: Double?
        /// The quadrant as a report states it.
        public var label: String {
            switch quadrant {
            case .northEast: "ICER"
            case .dominant: "dominant"
            case .dominated: "dominated"
            case .southWest: "south-west: savings per unit of effect lost"
            case .equal: "equal"
            }
        }
    }

    /// `cost`/`effect` against `referenceCost`/`referenceEffect`.
    public static func compare(cost: Double, effect: Double, referenceCost: Double, referenceEffect: Double) -> Comparison {
        let dc = cost - referenceCost, de = effect - referenceEffect
        let quadrant: Quadrant
        switch (dc, de) {
        case _ where dc == 0 && de == 0: quadrant = .equal
        case _ where dc <= 0 && de >= 0: quadrant = .dominant
        case _ where dc >= 0 && de <= 0: quadrant = .dominated
        case _ where dc > 0: quadrant = .northEast
        default: quadrant = .southWest
        }
        let icer: Double? = quadrant == .northEast || quadrant == .southWest ? dc / de : nil
        return Comparison(deltaCost: dc, deltaEffect: de, quadrant: quadrant, icer: icer)
    }

    /// Net monetary benefit λ·E − C at willingness to pay λ per unit of effect.
    @inline(__always) public static func netMonetaryBenefit(cost: Double, effect: Double, wtp: Double) -> Double {
        wtp * effect - cost
    }
}
