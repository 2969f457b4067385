import Foundation
import SurvivalStats

/// One two-group test's result, oriented so that a positive statistic favours group 1
/// (the compared group: fewer events than expected, or a longer restricted mean).
public struct TwoGroupTestOutcome: Sendable, Codable, Equatable {
    /// The normal-scale statistic: z of the weighted log-rank test, the largest of the
    /// four z of MaxCombo, difference / se of the RMST test.
    public var z: Double
    /// One-sided p in group 1's favour and two-sided p (MaxCombo: min(1, 2 min(p, p′))
    /// over both directions; docs/TRIAL.md, "Tests for non-proportional hazards").
    public var pOneSided: Double
    public var pTwoSided: Double
    /// MaxCombo: z of G(0,0), G(0,1), G(1,0), G(1,1); RMST: the difference and its se.
    public var components: [Double]? = nil
}

extension TrialTest {
    /// The tests computed from the two groups' event table (Fleming–Harrington,
    /// MaxCombo, Magirr–Burman); nil for the others (log-rank, Cox: their own paths;
    /// RMST: `twoGroup(time:event:group:)`).
    public func twoGroup(_ table: TwoGroupEventTable) -> TwoGroupTestOutcome? {
        switch self {
        case let .flemingHarrington(rho, gamma):
            let r = FlemingHarringtonTest.test(table, rho: rho, gamma: gamma)
            return TwoGroupTestOutcome(z: r.z, pOneSided: r.pOneSided, pTwoSided: r.pTwoSided)
        case .maxCombo:
            let r = MaxCombo.test(table)
            return TwoGroupTestOutcome(z: r.zMax, pOneSided: r.pOneSided, pTwoSided: r.pTwoSided, components: r.z)
        case let .modestlyWeighted(tStar):
            let r = ModestlyWeightedLogRank.test(table, tStar: tStar)
            return TwoGroupTestOutcome(z: r.z, pOneSided: r.pOneSided, pTwoSided: r.pTwoSided)
        default:
            return nil
        }
    }

    /// The test of records `time`, `event`, `group` (0 reference, 1 compared), for the
    /// table-based tests and RMST; nil for log-rank and Cox.
    /// - Complexity: O(n log n).
    public func twoGroup(time: [Double], event: [Bool], group: [UInt8]) -> TwoGroupTestOutcome? {
        if case let .rmst(tau) = self {
            let r = RMST.test(time: time, event: event, group: group, tau: tau)
            return TwoGroupTestOutcome(z: r.z, pOneSided: r.pOneSided, pTwoSided: r.pTwoSided,
                                       components: [r.difference, r.standardError])
        }
        switch self {
        case .flemingHarrington, .maxCombo, .modestlyWeighted:
            return twoGroup(TwoGroupEventTable(time: time, event: event, group: group))
        default:
            return nil
        }
    }
}
