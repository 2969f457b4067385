import Foundation
import SurvivalStats

/// The uncertainty distribution of a figure quoted as a range (docs/MODEL.md): the range is
/// read as a 95 % interval — log-normal for times (and ratios), beta for proportions.
///
/// - Log-normal: μ = (log lo + log hi)/2, σ = (log hi − log lo)/(2·z₀.₉₇₅), so the 2.5
///   and 97.5 % quantiles are lo and hi and the median is √(lo·hi), the base case. A
///   range from 0 (an upper bound, "< 6 months") has median hi/2 (the base case) and
///   97.5 % quantile hi: σ = log 2 / z₀.₉₇₅.
/// - Beta: a, b solved numerically so that the 2.5 and 97.5 % quantiles are lo and hi
///   (see `betaParameters(low:high:)`). A range from 0 ("< 10 %") has its mean at the
///   base case hi/2 and its 97.5 % quantile at hi; a range up to 1 ("> 53 %"), its mean
///   at (lo + 1)/2 and its 2.5 % quantile at lo; the range 0–1 is uniform.
/// - A range with lo = hi is a point.
/// - Normal (assumptions on a scale of any sign, `AssumptionPrior`): (mean, SD).
public struct UncertaintyDistribution: Sendable, Codable, Equatable {
    public enum Family: String, Sendable, Codable { case logNormal = "log-normal", beta, point, normal }
    public var family: Family
    /// log-normal: (μ, σ) of the log; beta: (a, b); point: (value, 0); normal: (mean, SD).
    public var first: Double
    public var second: Double

    static let z975 = Distributions.normalQuantile(0.975)

    /// The distribution of a range figure in its own unit, or nil for a point figure or a
    /// unit nensim does not redraw.
    public static func of(_ f: Figure) throws -> UncertaintyDistribution? {
        guard f.isRange else { return nil }
        let lo = f.low, hi = f.high
        if lo == hi { return UncertaintyDistribution(family: .point, first: lo, second: 0) }
        if Calibrator.isTime(f.unit) || f.unit == "ratio" {
            if lo <= 0 {
                return UncertaintyDistribution(family: .logNormal, first: log(hi / 2), second: log(2) / z975)
            }
            return UncertaintyDistribution(family: .logNormal, first: (log(lo) + log(hi)) / 2, second: (log(hi) - log(lo)) / (2 * z975))
        }
        if f.unit == "proportion" {
            let (a, b) = try betaParameters(low: lo, high: hi)
            return UncertaintyDistribution(family: .beta, first: a, second: b)
        }
        return nil
    }

    /// The p-quantile.
    public func quantile(_ p: Double) -> Double {
        switch family {
        case .logNormal: return exp(first + second * Distributions.normalQuantile(p))
        case .beta: return Distributions.betaQuantile(p, a: first, b: second)
        case .point: return first
        case .normal: return first + second * Distributions.normalQuantile(p)
        }
    }

    /// One draw.
    public func draw(_ stream: inout RandomStream) -> Double {
        switch family {
        case .logNormal: return stream.nextLogNormal(mu: first, sigma: second)
        case .beta: return stream.nextBeta(first, second)
        case .point: return first
        case .normal: return first + second * stream.nextNormal()
        }
    }

    /// Beta(a, b) whose 2.5 and 97.5 % quantiles are `low` and `high` (0 ≤ low < high ≤ 1;
    /// see the type for the bounds 0 and 1).
    ///
    /// Method: with mean m and concentration κ (a = mκ, b = (1 − m)κ), for fixed κ the
    /// distribution function at `low` falls as m rises, so bisection on m meets
    /// F(low) = 0.025; with the lower quantile pinned, raising κ concentrates the mass and
    /// F(high) rises, so an outer bisection on log κ ∈ [log 10⁻³, log 10⁹] meets
    /// F(high) = 0.975. Both bisections run 80 halvings (far past double precision in m
    /// and log κ); about 6 400 evaluations of the regularised incomplete beta.
    /// - Throws: `NensimFailure.data` when the range cannot be a 95 % interval of a beta.
    public static func betaParameters(low: Double, high: Double) throws -> (a: Double, b: Double) {
        guard low >= 0, high <= 1, low < high else {
            throw NensimFailure.data("proportion range \(fmt(low))–\(fmt(high)): needs 0 ≤ low < high ≤ 1")
        }
        let logKappaRange = (log(1e-3), log(1e9))
        func bisect(_ lo: Double, _ hi: Double, _ increasing: Bool, _ f: (Double) -> Double) -> Double {
            var a = lo, b = hi
            for _ in 0..<80 {
                let mid = (a + b) / 2
                if (f(mid) < 0) == increasing { a = mid } else { b = mid }
            }
            return (a + b) / 2
        }
        if low == 0 && high == 1 { return (1, 1) }
        if low == 0 || high == 1 {
            // One-sided bound: the mean at the centre of the range, the open end's quantile matched.
            let m = (low + high) / 2
            let lk: Double
            if low == 0 {
                lk = bisect(logKappaRange.0, logKappaRange.1, true) { Distributions.betaCDF(high, a: m * exp($0), b: (1 - m) * exp($0)) - 0.975 }
            } else {
                lk = bisect(logKappaRange.0, logKappaRange.1, false) { Distributions.betaCDF(low, a: m * exp($0), b: (1 - m) * exp($0)) - 0.025 }
            }
            return (m * exp(lk), (1 - m) * exp(lk))
        }
        func mean(forLogKappa lk: Double) -> Double {
            let k = exp(lk)
            return bisect(0, 1, false) { m in Distributions.betaCDF(low, a: max(m, 1e-300) * k, b: max(1 - m, 1e-300) * k) - 0.025 }
        }
        let lk = bisect(logKappaRange.0, logKappaRange.1, true) { lk in
            let m = mean(forLogKappa: lk), k = exp(lk)
            return Distributions.betaCDF(high, a: m * k, b: (1 - m) * k) - 0.975
        }
        let m = mean(forLogKappa: lk), k = exp(lk)
        let (a, b) = (m * k, (1 - m) * k)
        let q = (Distributions.betaQuantile(0.025, a: a, b: b), Distributions.betaQuantile(0.975, a: a, b: b))
        guard abs(q.0 - low) <= 1e-6 * max(high - low, 1e-3), abs(q.1 - high) <= 1e-6 * max(high - low, 1e-3) else {
            throw NensimFailure.data("proportion range \(fmt(low))–\(fmt(high)): no beta distribution has it as its 95 % interval")
        }
        return (a, b)
    }
}

/// One parameter set of a probabilistic sensitivity analysis.
public struct PSADraw: Sendable {
    /// 0 … K − 1.
    public var index: Int
    /// Figure id → drawn value (in the figure's unit), for every redrawn figure, and
    /// `assumption:ARM.PARAM` → drawn value for every redrawn assumption (`DrawnAssumption`).
    public var figures: [String: Double]
    /// The arms re-calibrated on the drawn figures, in the order asked for.
    public var arms: [ArmModel]
    /// Draws rejected before this one because the figures contradicted each other (e.g.
    /// a complete-response rate above the objective response rate).
    public var rejected: Int
}

/// Probabilistic sensitivity analysis (docs/MODEL.md, "Uncertainty").
///
/// Each calibrating figure quoted as a range — of the arms asked for and of the arms
/// their figures refer to (a "6 months longer than placebo" pulls in placebo) — is
/// redrawn from its `UncertaintyDistribution`, the catalogue is rebuilt with the drawn
/// values as point figures, and the arms are re-calibrated. Every modelling assumption
/// of the arms asked for (`PSA.assumptions(models:)`) is redrawn from its
/// `AssumptionPrior` and applied as an override of that draw. `--set` overrides still
/// win: a parameter set on the command line is neither an assumption nor redrawn.
///
/// An arm exported by `nensim fit` (`fit` in the evidence) draws its PFS parameters
/// jointly from their sampling distribution (`FittedParameterDraw`, stream key
/// `fit:ARM`), its fitted figures re-read off the drawn distribution.
///
/// Draw k of assumption `assumption:ARM.PARAM` uses the stream `(seed,
/// streamID(ofArm: key), replicate: k, block: PSA.streamBlock)`, like a figure's.
///
/// Draw k of figure f uses the stream `(seed, streamID(ofArm: f.id), replicate: k,
/// block: PSA.streamBlock)`, so a figure's draws do not depend on which arms run or in
/// what order. A draw whose figures cannot all hold (nested response rates out of
/// order) is redrawn from the same streams (rejection: the distribution is truncated to
/// consistent figures) and counted in `rejected`.
///
/// Covariates are not in the model yet, so there is no linear predictor to compute
/// across draws (one BLAS product per block for all K draws is left for then).
public enum PSA {
    /// Block number of PSA streams ("PSA" in ASCII), distinct from the engine's blocks in practice.
    public static let streamBlock: UInt64 = 0x50_53_41_00_0000_0000
    /// Contradictory draws redrawn in a row before a PSA gives up (a draw's `rejected` is at most this).
    public static let maxRejections = 1000

    /// The calibrating range figures behind `arms`, sorted by id.
    public static func rangeFigures(catalogue: EvidenceCatalogue, arms: [String]) throws -> [Figure] {
        var seen = Set<String>(), queue = arms, out: [Figure] = []
        while let id = queue.popLast() {
            let arm = try catalogue.arm(id)
            guard seen.insert(arm.id).inserted else { continue }
            for f in arm.figures where f.calibrates {
                if f.isRange { out.append(f) }
                if let r = f.reference, f.kind == .medianDifference { queue.append(r) }
            }
        }
        return out.sorted { $0.id < $1.id }
    }

    /// K parameter sets, each the arms re-calibrated on redrawn figures.
    public static func draws(catalogue: EvidenceCatalogue, overrides: ModelOverrides = ModelOverrides(), arms: [String],
                             K: Int, seed: UInt64) throws -> [[ArmModel]] {
        try sample(catalogue: catalogue, overrides: overrides, arms: arms, K: K, seed: seed).map(\.arms)
    }

    /// As `draws`, with the drawn figure values. `only`: draw just these of the K
    /// (ascending; a shard's, `trial --assurance K --shard i/k`): each draw's streams are
    /// keyed by its index alone, so draw k is the same whichever others are drawn.
    /// The draws are calibrated concurrently on `threads` workers (the block driver, one
    /// work item a draw, each into its own slot), so the result does not depend on
    /// `threads`; an error is the first failing draw's, as one after another.
    /// - Complexity: O(K · (figures + calibration)).
    public static func sample(catalogue: EvidenceCatalogue, overrides: ModelOverrides = ModelOverrides(), arms: [String],
                              K: Int, seed: UInt64, population: PopulationSpec = PopulationSpec(),
                              maxRejections: Int = PSA.maxRejections, only: [Int]? = nil,
                              threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> [PSADraw] {
        guard K >= 1 else { throw NensimFailure.usage("\(.psa) \(K): the number of draws must be at least 1") }
        let figures = try rangeFigures(catalogue: catalogue, arms: arms)
        let distributions = try figures.map { f -> UncertaintyDistribution in
            do { return try UncertaintyDistribution.of(f)! } catch let e as NensimFailure {
                throw NensimFailure.data("figure \(f.id): \(e.message)")
            }
        }
        let baseCalibrator = Calibrator(catalogue: catalogue, overrides: overrides, population: population)
        let assumed = assumptions(models: try arms.map { try baseCalibrator.model(for: $0) })
        let fitted = try fittedDraws(catalogue: catalogue, overrides: overrides, arms: arms)
        let indices = only ?? Array(0..<K)
        LinearAlgebra.setBLASThreads(1) // one worker per core: OpenBLAS single-threaded inside them (as `Engine.run`)
        let slots = WorkerSlots<Result<PSADraw, any Error>?>(count: indices.count, initial: nil)
        _ = BlockDriver.run(items: .all(indices.count), threads: threads, makeWorker: { _ in () }) { _, position, _ in
            slots.store(Result { () throws -> PSADraw in
                try draw(indices[position], seed: seed, catalogue: catalogue, overrides: overrides, arms: arms,
                         population: population, maxRejections: maxRejections,
                         figures: figures, distributions: distributions, assumed: assumed, fitted: fitted)
            }, at: position)
            return 1
        }
        return try slots.slots.map { try $0!.get() }
    }

    /// Draw k of `sample`: the figures', fits' and assumptions' values from draw k's
    /// streams, redrawn while the arms' calibration finds them contradictory.
    private static func draw(_ k: Int, seed: UInt64, catalogue: EvidenceCatalogue, overrides: ModelOverrides, arms: [String],
                             population: PopulationSpec, maxRejections: Int, figures: [Figure],
                             distributions: [UncertaintyDistribution], assumed: [DrawnAssumption],
                             fitted: [FittedParameterDraw]) throws -> PSADraw {
        var streams = figures.map { RandomStream(seed: seed, arm: streamID(ofArm: $0.id), replicate: UInt32(k), block: streamBlock) }
        var assumptionStreams = assumed.map { RandomStream(seed: seed, arm: streamID(ofArm: $0.key), replicate: UInt32(k), block: streamBlock) }
        var fitStreams = fitted.map { RandomStream(seed: seed, arm: streamID(ofArm: $0.streamKey), replicate: UInt32(k), block: streamBlock) }
        var rejected = 0
        while true {
            var values: [String: Double] = [:]
            for i in figures.indices { values[figures[i].id] = distributions[i].draw(&streams[i]) }
            var drawn = catalogue.replacingRanges(with: values)
            for i in fitted.indices {
                let theta = fitted[i].draw(&fitStreams[i])
                for j in theta.indices { values[fitted[i].key(j)] = theta[j] }
                drawn = drawn.replacingFit(of: fitted[i].arm, with: theta)
            }
            var drawnOverrides = overrides
            for i in assumed.indices {
                let v = assumed[i].prior.distribution.draw(&assumptionStreams[i])
                values[assumed[i].key] = v
                drawnOverrides.values[assumed[i].arm, default: [:]][assumed[i].prior.parameter] = v
            }
            let calibrator = Calibrator(catalogue: drawn, overrides: drawnOverrides, population: population)
            do {
                return PSADraw(index: k, figures: values, arms: try arms.map { try calibrator.model(for: $0) }, rejected: rejected)
            } catch let e as NensimFailure where e.status == .data {
                rejected += 1
                if rejected > maxRejections {
                    throw NensimFailure.data("\(.psa): \(maxRejections) draws in a row gave contradictory figures (\(e.message))")
                }
            }
        }
    }
}

extension EvidenceCatalogue {
    /// The catalogue with the named figures turned into point values.
    func replacingRanges(with values: [String: Double]) -> EvidenceCatalogue {
        var c = self
        for a in c.arms.indices {
            for f in c.arms[a].figures.indices {
                if let v = values[c.arms[a].figures[f].id] {
                    c.arms[a].figures[f].value = v
                    c.arms[a].figures[f].range = nil
                }
            }
        }
        return c
    }
}
