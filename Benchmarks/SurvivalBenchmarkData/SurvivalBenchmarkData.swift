// The two-arm trial that the survival-statistics benchmark and its R / numpy
// counterparts (scripts/perf/) analyse, and the pipeline they time.
import Foundation
import SurvivalStats

/// A simulated two-arm trial: n records per arm, interleaved (record i is in arm i % 2).
///
/// Control arm: exponential event times with median 12 months; experimental arm: hazard
/// ratio 0.7 (median 17.1). Administrative censoring: uniform accrual over 36 months and
/// 24 months of minimum follow-up, i.e. censoring time uniform on (24, 60). Times are
/// rounded to 1e-4 months (≈ 4 minutes; at 10⁶ per arm, 3.8 × 10⁵ and 4.3 × 10⁵ distinct
/// times per arm, 4.9 × 10⁵ pooled, so many times are tied, as in real data) and stored as `Double(k) / 10⁴`, which is
/// the correctly rounded value of the decimal "k/10⁴" — exactly what R's `read.csv`
/// and numpy read back from `csv()`. No two distinct times are within R's `timefix`
/// tolerance (relative 1.5e-8), so R, numpy and Swift all see the same table.
///
/// The generator is SplitMix64 (seeded), so the data are the same on every machine.
public struct TwoArmTrial: Sendable {
    public let time: [Double]
    /// 1 = event, 0 = censored.
    public let status: [Bool]
    /// 0 = control, 1 = experimental.
    public let arm: [Int]
    /// Ticks of 1e-4 months (time = ticks / 10⁴), kept for exact CSV output.
    let ticks: [Int]

    public static let controlMedian = 12.0
    public static let hazardRatio = 0.7

    public init(perArm n: Int, seed: UInt64 = 20_240_601) {
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        func uniform() -> Double { (Double(next() >> 11) + 0.5) * 0x1p-53 } // in (0, 1)
        let baseRate = log(2.0) / Self.controlMedian
        var time = [Double](), status = [Bool](), arm = [Int](), ticks = [Int]()
        time.reserveCapacity(2 * n); status.reserveCapacity(2 * n); arm.reserveCapacity(2 * n); ticks.reserveCapacity(2 * n)
        for i in 0..<(2 * n) {
            let a = i % 2
            let rate = a == 0 ? baseRate : baseRate * Self.hazardRatio
            let event = -log(uniform()) / rate
            let censor = 24 + 36 * uniform()
            let t = min(event, censor)
            let k = max(1, Int((t * 1e4).rounded()))
            ticks.append(k)
            time.append(Double(k) / 1e4)
            status.append(event <= censor)
            arm.append(a)
        }
        self.time = time
        self.status = status
        self.arm = arm
        self.ticks = ticks
    }

    /// The records as CSV: `arm,time,status` with time as an exact decimal (4 places).
    public func csv() -> String {
        var out = "arm,time,status\n"
        out.reserveCapacity(time.count * 16)
        for i in time.indices {
            let k = ticks[i]
            let frac = String(k % 10_000)
            out += "\(arm[i]),\(k / 10_000).\(String(repeating: "0", count: 4 - frac.count))\(frac),\(status[i] ? 1 : 0)\n"
        }
        return out
    }
}

/// What the pipeline computes: the numbers compared with R and numpy.
public struct PipelineResult: Sendable, Codable {
    public var medians: [Double?]
    public var medianLower: [Double?]
    public var medianUpper: [Double?]
    public var logRankChiSquare: Double
    public var logRankP: Double
    public var coxCoefficient: Double
    public var coxStandardError: Double
    public var hazardRatio: Double
    public var coxLogLikelihood: [Double]
    public var coxScore: Double
    public var coxIterations: Int
}

/// The benchmarked pipeline, as `survfit(Surv(time, status) ~ arm)` with the medians,
/// `survdiff(Surv(time, status) ~ arm)` and `coxph(Surv(time, status) ~ arm)` (Efron).
public enum SurvivalPipeline {
    /// Kaplan–Meier per arm (log CI), with the median and its CI.
    public static func kaplanMeier(_ d: TwoArmTrial) -> [KaplanMeierEstimate] {
        var t0 = [Double](), t1 = [Double](), e0 = [Bool](), e1 = [Bool]()
        let n = d.time.count
        t0.reserveCapacity(n / 2 + 1); t1.reserveCapacity(n / 2 + 1); e0.reserveCapacity(n / 2 + 1); e1.reserveCapacity(n / 2 + 1)
        for i in 0..<n {
            if d.arm[i] == 0 { t0.append(d.time[i]); e0.append(d.status[i]) } else { t1.append(d.time[i]); e1.append(d.status[i]) }
        }
        return [KaplanMeier.fit(time: t0, event: e0), KaplanMeier.fit(time: t1, event: e1)]
    }

    public static func logRank(_ d: TwoArmTrial) throws -> LogRankResult {
        try LogRank.test(time: d.time, event: d.status, group: d.arm)
    }

    public static func cox(_ d: TwoArmTrial) throws -> CoxFit {
        try CoxPH.fit(time: d.time, event: d.status, covariates: d.arm.map(Double.init), columns: 1, ties: .efron)
    }

    /// All three, as the benchmark and the side-by-side comparison time them.
    public static func run(_ d: TwoArmTrial) throws -> PipelineResult {
        let km = kaplanMeier(d)
        let medians = km.map(\.median)
        let lr = try logRank(d)
        let fit = try cox(d)
        return PipelineResult(
            medians: medians.map(\.estimate), medianLower: medians.map(\.lower), medianUpper: medians.map(\.upper),
            logRankChiSquare: lr.chiSquare, logRankP: lr.pValue,
            coxCoefficient: fit.coefficients[0], coxStandardError: fit.standardErrors[0], hazardRatio: fit.hazardRatios[0],
            coxLogLikelihood: [fit.logLikelihoodNull, fit.logLikelihood], coxScore: fit.score.statistic,
            coxIterations: fit.iterations)
    }
}
