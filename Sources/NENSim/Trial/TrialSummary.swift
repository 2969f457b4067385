import Foundation
import SurvivalStats

/// A Monte Carlo estimate with its Monte Carlo standard error; `nil` where undefined.
public struct MonteCarloEstimate: Sendable, Codable, Equatable {
    public var value: Double?
    public var mcse: Double?

    public init(value: Double?, mcse: Double?) {
        self.value = value.flatMap { $0.isFinite ? $0 : nil }
        self.mcse = mcse.flatMap { $0.isFinite ? $0 : nil }
    }

    /// A proportion x/R with SE √(p(1 − p)/R).
    public static func proportion(_ x: Int, of total: Int) -> MonteCarloEstimate {
        guard total > 0 else { return MonteCarloEstimate(value: nil, mcse: nil) }
        let p = Double(x) / Double(total)
        return MonteCarloEstimate(value: p, mcse: (p * (1 - p) / Double(total)).squareRoot())
    }

    /// The mean with SE s/√R (s the sample standard deviation).
    public static func mean(_ xs: [Double]) -> MonteCarloEstimate {
        guard !xs.isEmpty else { return MonteCarloEstimate(value: nil, mcse: nil) }
        let n = Double(xs.count)
        let m = xs.reduce(0, +) / n
        guard xs.count > 1 else { return MonteCarloEstimate(value: m, mcse: nil) }
        let ss = xs.reduce(0) { $0 + ($1 - m) * ($1 - m) }
        return MonteCarloEstimate(value: m, mcse: (ss / (n - 1) / n).squareRoot())
    }

    /// The p-quantile of sorted values (R's type 7) with a distribution-free Monte Carlo
    /// SE: half the distance between the order statistics at ranks Rp ∓ √(Rp(1 − p))
    /// (the ±1 SE binomial interval of the rank).
    /// - Precondition: `sorted` is ascending and holds no NaN.
    public static func quantile(_ sorted: [Double], _ p: Double) -> MonteCarloEstimate {
        let n = sorted.count
        guard n > 0 else { return MonteCarloEstimate(value: nil, mcse: nil) }
        let h = Double(n - 1) * p
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, n - 1)
        let value = sorted[lo] == sorted[hi] ? sorted[lo] : sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
        let spread = (Double(n) * p * (1 - p)).squareRoot()
        let a = max(0, Int((Double(n) * p - spread).rounded(.down)) - 1)
        let b = min(n - 1, Int((Double(n) * p + spread).rounded(.up)) - 1)
        return MonteCarloEstimate(value: value, mcse: n > 1 ? (sorted[b] - sorted[a]) / 2 : nil)
    }
}

/// Operating characteristics of a design over its replicates.
public struct TrialSummary: Sendable, Codable, Equatable {
    public var replicates: Int
    public var alpha: Double
    /// P(two-sided p < α) in either direction: the power (or, under `--null`, the type I error).
    public var powerTwoSided: MonteCarloEstimate
    /// P(two-sided p < α and the estimate favours the experimental arm).
    public var powerTwoSidedFavourable: MonteCarloEstimate
    /// P(one-sided p < α) in the favourable direction (HR < 1).
    public var powerOneSided: MonteCarloEstimate
    /// P(the 1 − α Wald interval of the Cox HR excludes 1), and P(it lies below 1).
    public var ciExcludesOne: MonteCarloEstimate
    public var ciBelowOne: MonteCarloEstimate
    /// Distribution of the Cox HR estimate: median and 2.5 / 97.5 percentiles.
    public var hazardRatioMedian: MonteCarloEstimate
    public var hazardRatioLower: MonteCarloEstimate
    public var hazardRatioUpper: MonteCarloEstimate
    /// Mean of log HR over replicates with a finite estimate (exp of it: the geometric mean HR).
    public var meanLogHazardRatio: MonteCarloEstimate
    public var events: MonteCarloEstimate
    public var analysisTime: MonteCarloEstimate
    public var enrolled: MonteCarloEstimate
    /// Kaplan–Meier median per arm: mean over replicates where it was reached, and the
    /// share of replicates where it was.
    public var medianControl: MonteCarloEstimate
    public var medianControlReached: MonteCarloEstimate
    public var medianExperimental: MonteCarloEstimate
    public var medianExperimentalReached: MonteCarloEstimate
    /// Replicates whose Cox fit did not converge (an arm without events: HR 0 or ∞).
    public var coxNotConverged: Int
    /// Stopping per look of a group-sequential design (nil for a fixed design). Then the
    /// power fields count rejections at the bounds: `powerTwoSided` any rejection,
    /// `powerTwoSidedFavourable` and `powerOneSided` crossings in the experimental
    /// arm's favour; events, analysis time and enrolment are at the stopping look
    /// (their means are the expected values).
    public var sequential: SequentialSummary?

    /// Summarises replicates.
    /// - Parameter looks: the number of looks of a sequential design (nil: fixed).
    /// - Complexity: O(R log R).
    public init(_ outcomes: [ReplicateOutcome], alpha: Double, looks: Int? = nil) {
        let total = outcomes.count
        replicates = total
        self.alpha = alpha
        powerTwoSided = .proportion(outcomes.count { $0.pTwoSided < alpha }, of: total)
        powerTwoSidedFavourable = .proportion(outcomes.count { $0.pTwoSided < alpha && $0.z < 0 }, of: total)
        powerOneSided = .proportion(outcomes.count { $0.pOneSided < alpha }, of: total)
        ciExcludesOne = .proportion(outcomes.count { $0.upper < 1 || $0.lower > 1 }, of: total)
        ciBelowOne = .proportion(outcomes.count { $0.upper < 1 }, of: total)
        let hrs = outcomes.map(\.hazardRatio).filter { !$0.isNaN }.sorted()
        hazardRatioMedian = .quantile(hrs, 0.5)
        hazardRatioLower = .quantile(hrs, 0.025)
        hazardRatioUpper = .quantile(hrs, 0.975)
        meanLogHazardRatio = .mean(outcomes.map(\.statistics.logHazardRatio).filter(\.isFinite))
        events = .mean(outcomes.map { Double($0.events) })
        analysisTime = .mean(outcomes.map(\.analysisTime))
        enrolled = .mean(outcomes.map { Double($0.enrolled) })
        let m0 = outcomes.map(\.statistics.medianControl).filter { !$0.isNaN }
        let m1 = outcomes.map(\.statistics.medianExperimental).filter { !$0.isNaN }
        medianControl = .mean(m0)
        medianControlReached = .proportion(m0.count, of: total)
        medianExperimental = .mean(m1)
        medianExperimentalReached = .proportion(m1.count, of: total)
        coxNotConverged = outcomes.count { !$0.statistics.coxConverged }
        if let looks {
            let seq = SequentialSummary(outcomes, looks: looks)
            sequential = seq
            powerTwoSided = seq.rejection
            powerTwoSidedFavourable = .proportion(outcomes.count { $0.decision == .upper }, of: total)
            powerOneSided = powerTwoSidedFavourable
        }
    }
}

/// Schoenfeld's approximate power of the two-sided log-rank test at level α with d
/// events, allocation fraction p and hazard ratio θ: Φ(√(d p (1 − p)) |log θ| − z₁₋α/₂)
/// (Schoenfeld, Biometrika 68 (1981) 316–319; ignores the rejections in the wrong tail).
public func schoenfeldPower(events d: Double, allocation p: Double, hazardRatio theta: Double, alpha: Double) -> Double {
    let zA = Distributions.normalQuantile(1 - alpha / 2)
    return Distributions.normalCDF((d * p * (1 - p)).squareRoot() * abs(log(theta)) - zA)
}

/// How the replicates of a group-sequential design stopped.
public struct SequentialSummary: Sendable, Codable, Equatable {
    /// Per look k = 1 … K: the share of replicates that stopped there, by decision.
    public struct Look: Sendable, Codable, Equatable {
        public var look: Int
        /// Crossed the efficacy bound in the experimental arm's favour.
        public var stopUpper: MonteCarloEstimate
        /// Two-sided designs: crossed −b_k (control better).
        public var stopLower: MonteCarloEstimate
        /// Stopped at the futility bound.
        public var stopFutility: MonteCarloEstimate
        /// Reached this look as the last analysis without crossing.
        public var noRejection: MonteCarloEstimate
        /// Mean events and calendar time of the replicates that stopped here.
        public var meanEvents: Double?
        public var meanAnalysisTime: Double?
    }

    public var looks: [Look]
    /// P(reject H0 at some look): the power, or the type I error under the null.
    public var rejection: MonteCarloEstimate
    /// P(stop before the last look).
    public var stopEarly: MonteCarloEstimate

    public init(_ outcomes: [ReplicateOutcome], looks k: Int) {
        let total = outcomes.count
        looks = (1...max(k, 1)).map { look in
            let here = outcomes.filter { $0.look == look }
            func share(_ d: LookDecision) -> MonteCarloEstimate { .proportion(here.count { $0.decision == d }, of: total) }
            return Look(look: look, stopUpper: share(.upper), stopLower: share(.lower), stopFutility: share(.futility),
                        noRejection: share(.notRejected),
                        meanEvents: here.isEmpty ? nil : Double(here.reduce(0) { $0 + $1.events }) / Double(here.count),
                        meanAnalysisTime: here.isEmpty ? nil : here.reduce(0) { $0 + $1.analysisTime } / Double(here.count))
        }
        rejection = .proportion(outcomes.count { $0.decision.rejected }, of: total)
        stopEarly = .proportion(outcomes.count { $0.look < k }, of: total)
    }
}
