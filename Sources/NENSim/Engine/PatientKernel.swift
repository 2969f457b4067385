internal import CKernels
import Foundation
import SurvivalStats

// The one patient kernel (docs/ARCHITECTURE.md, "Engine"): the per-patient word layout,
// the stages that turn words into a patient, and the scratch they work in. Arms,
// pathways (each line), trial arms and PSA draws all draw their patients here.

/// Where a patient's random words come from, for a block of n patients drawn from one
/// `RandomStream` (Philox4x32-10, docs/RANDOM.md):
///
/// - Philox call i (i < n) gives patient i four 32-bit words: w0 the response rank (and
///   the PFS rank when coupled), w1 the coupling choice, w2 the independent PFS rank, w3
///   the post-progression time.
/// - Calls n, n + 1, … give a further stream of words, four per call, of which patient i
///   takes words i·e … i·e + e − 1 (e = `extraWords`) in stage order: one per covariate,
///   entry time, dropout time, one per binary outcome, one for death without progression
///   — each only when needed.
///
/// A 32-bit word w is the uniform (w + 0.5)/2³² and the exponential −log of it
/// (`nensim_neglog_word`), resolving the distributions to 2⁻³², far below anything a
/// one-day grid can see. A new stage that needs words takes them after the binary
/// outcomes (so existing streams keep their bits) and declares them here.
struct PatientLayout: Sendable, Equatable {
    var covariates: Int
    var entry: Bool
    var dropout: Bool
    var binaries: Int
    /// Whether a word decides if the PFS event is a death without progression.
    var death: Bool = false

    /// Words each patient takes from the extra stream.
    var extraWords: Int { covariates + (entry ? 1 : 0) + (dropout ? 1 : 0) + binaries + (death ? 1 : 0) }
    var entryOffset: Int { covariates }
    var dropoutOffset: Int { covariates + (entry ? 1 : 0) }
    var binaryOffset: Int { covariates + (entry ? 1 : 0) + (dropout ? 1 : 0) }
    var deathOffset: Int { binaryOffset + binaries }
    /// Philox calls of the extra stream of a block of `patients`.
    func extraCalls(patients: Int) -> Int { (patients * extraWords + 3) / 4 }
    /// All Philox calls of a block of `patients` (the first call of whatever follows).
    func calls(patients: Int) -> Int { patients + extraCalls(patients: patients) }
}

/// A time-to-event family as a stage of the kernel: turns a unit exponential E (the
/// patient's cumulative hazard at the event, already divided by its hazard factor) into
/// the event time T, H(T) = E. The array and the scalar form must give the same bits
/// (a trial's crossover draws one patient at a time).
///
/// A new family (Gompertz, log-normal, …) is a new conforming type; the kernel, the
/// layout and the driver do not change.
protocol EventTimeFamily: Sendable {
    /// x[i] ← T(x[i]) for i < count. `x` holds `count` positive finite values.
    func times(fromExponentials x: UnsafeMutablePointer<Double>, count: Int)
    func time(fromExponential e: Double) -> Double
}

/// Weibull S(t) = exp(−(t/λ)^k): T = λ·E^(1/k) (CKernels' power); exponential when k = 1
/// (T = λ·E, one multiplication).
struct WeibullFamily: EventTimeFamily {
    let scale: Double
    let inverseShape: Double
    let exponential: Bool

    init(_ w: Weibull) {
        scale = w.scale
        inverseShape = 1 / w.shape
        exponential = w.shape == 1
    }

    func times(fromExponentials x: UnsafeMutablePointer<Double>, count: Int) {
        if exponential {
            for i in 0..<count { x[i] *= scale }
        } else {
            nensim_scaled_pow(x, inverseShape, scale, count)
        }
    }

    @inline(__always) func time(fromExponential e: Double) -> Double {
        exponential ? e * scale : nensim_scaled_pow1(e, inverseShape, scale)
    }
}

/// Exponential with rate μ: T = E/μ, computed as E·(1/μ).
struct ExponentialFamily: EventTimeFamily {
    let inverseRate: Double
    init(rate: Double) { inverseRate = 1 / rate }
    func times(fromExponentials x: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { x[i] *= inverseRate }
    }
    @inline(__always) func time(fromExponential e: Double) -> Double { e * inverseRate }
}

/// Any family of docs/PARAMETRIC.md as a kernel stage (docs/RANDOM.md, "Event-time
/// families"): the exponential and Weibull as `ExponentialFamily` / `WeibullFamily`; the
/// log-logistic, log-normal and Gompertz by the CKernels (`nensim_family_times`); the
/// generalized gamma by interpolating a `GeneralizedGammaTable`; the piecewise exponential
/// by `nensim_pwexp_times` (`PiecewiseTable`). A mixture cure maps E to the uncured law's
/// E₀ first (`nensim_cure_exponentials`; +∞ for a cured patient, who keeps T = +∞). All
/// use the kernels' own log and exp: the same bits on every machine.
struct FamilyKernel: EventTimeFamily {
    enum Path: Sendable {
        case exponential(ExponentialFamily)
        case weibull(WeibullFamily)
        case kernel(tag: Int32, p0: Double, p1: Double)
        case gengamma(GeneralizedGammaTable)
        case piecewise(PiecewiseTable)
    }
    let path: Path
    /// π of a mixture cure, or nil.
    let cure: Double?

    init(_ d: ArmDistribution) {
        let p = d.parameters
        cure = d.cureFraction.flatMap { $0 > 0 ? $0 : nil }
        if let pw = d.piecewise { path = .piecewise(PiecewiseTable(pw)); return }
        switch d.family {
        case .exponential: path = .exponential(ExponentialFamily(rate: exp(-p[0])))
        case .weibull: path = .weibull(WeibullFamily(Weibull(shape: exp(-p[1]), scale: exp(p[0]))))
        case .loglogistic: path = .kernel(tag: Int32(NENSIM_FAMILY_LOGLOGISTIC), p0: exp(p[1]), p1: exp(p[0]))
        case .lognormal: path = .kernel(tag: Int32(NENSIM_FAMILY_LOGNORMAL), p0: exp(p[1]), p1: exp(p[0]))
        case .gompertz: path = .kernel(tag: Int32(NENSIM_FAMILY_GOMPERTZ), p0: p[1], p1: exp(p[0]))
        case .gengamma:
            let g = GeneralizedGammaDistribution(location: p[0], scale: exp(p[1]), q: p[2])
            path = abs(g.q) < GeneralizedGammaDistribution.lognormalThreshold
                ? .kernel(tag: Int32(NENSIM_FAMILY_LOGNORMAL), p0: exp(p[1]), p1: exp(p[0]))
                : .gengamma(GeneralizedGammaTable(location: g.location, scale: g.scale, q: g.q))
        }
    }

    private func baseTimes(_ x: UnsafeMutablePointer<Double>, count: Int) {
        switch path {
        case let .exponential(f): f.times(fromExponentials: x, count: count)
        case let .weibull(f): f.times(fromExponentials: x, count: count)
        case let .kernel(tag, p0, p1): nensim_family_times(tag, p0, p1, x, count)
        case let .gengamma(t): t.times(x, count: count)
        case let .piecewise(t): t.times(x, count: count)
        }
    }

    private func baseTime(_ e: Double) -> Double {
        switch path {
        case let .exponential(f): return f.time(fromExponential: e)
        case let .weibull(f): return f.time(fromExponential: e)
        case let .kernel(tag, p0, p1): return nensim_family_time1(tag, p0, p1, e)
        case let .gengamma(t): return t.time(e)
        case let .piecewise(t): return t.time(e)
        }
    }

    func times(fromExponentials x: UnsafeMutablePointer<Double>, count: Int) {
        guard let pi = cure else { return baseTimes(x, count: count) }
        // Cured patients (E₀ = +∞) sit out the base law with a placeholder E₀ = 1 and get
        // T = +∞ back, in chunks whose flags live on the stack.
        nensim_cure_exponentials(pi, x, count)
        let chunk = 512
        withUnsafeTemporaryAllocation(of: Bool.self, capacity: chunk) { cured in
            var first = 0
            while first < count {
                let c = min(chunk, count - first), y = x + first
                for i in 0..<c { cured[i] = y[i] == .infinity; if cured[i] { y[i] = 1 } }
                baseTimes(y, count: c)
                for i in 0..<c where cured[i] { y[i] = .infinity }
                first += c
            }
        }
    }

    func time(fromExponential e: Double) -> Double {
        guard let pi = cure else { return baseTime(e) }
        let e0 = nensim_cure_exponential1(pi, e)
        return e0 == .infinity ? .infinity : baseTime(e0)
    }
}

/// A piecewise exponential's cut points, rates and cumulative hazards for
/// `nensim_pwexp_times`, the cumulative hazards summed as SurvivalStats'
/// `PiecewiseExponentialDistribution` sums them (so the inverse is its bits).
///
/// Invariant (why `@unchecked Sendable` is sound): the buffers are written only in
/// `init`, read-only afterwards, and freed in `deinit`.
final class PiecewiseTable: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<Double>
    private var table: nensim_pwexp

    init(_ p: PiecewiseExponentialDistribution) {
        let k = p.cuts.count
        storage = .allocate(capacity: k + (k + 1) + (k + 2))
        storage.initialize(repeating: 0)
        let cut = storage.baseAddress!, rate = cut + k, cumulative = rate + k + 1
        var h = 0.0, start = 0.0
        for j in 0...k {
            let end = j < k ? p.cuts[j] : .infinity
            if j < k { cut[j] = p.cuts[j] }
            rate[j] = p.rates[j]
            cumulative[j] = h
            h += p.rates[j] * (end - start); start = end
        }
        cumulative[k + 1] = h
        table = nensim_pwexp(cuts: k, cut: cut, rate: rate, cumulative: cumulative)
    }

    deinit { storage.deallocate() }

    func times(_ x: UnsafeMutablePointer<Double>, count: Int) {
        withUnsafePointer(to: table) { nensim_pwexp_times($0, x, count) }
    }

    func time(_ e: Double) -> Double { withUnsafePointer(to: table) { nensim_pwexp_time1($0, e) } }
}

/// The generalized gamma's inverse S as a table (CKernels' `nensim_gengamma_table`):
/// log T and its slope in log E at `nodes` equally spaced log E from `logE0` to
/// `logE1`, each an exact inverse, interpolated by cubic Hermite; relative error below
/// 2e-9 in T for E in the table, the exact inverse outside it (docs/RANDOM.md).
/// Built once per arm: a few milliseconds for |Q| ≥ 0.02, up to about a second as |Q|
/// nears the log-normal threshold 1e-4 (the incomplete gamma's series grows as 1/|Q|).
///
/// Invariant (why `@unchecked Sendable` is sound): the buffers are written only in
/// `init`, read-only afterwards, and freed in `deinit`.
final class GeneralizedGammaTable: @unchecked Sendable {
    static let nodes = 4097
    /// log E from log 1e-12 (below the smallest word's −log, 1.2e-10, with room for
    /// covariates) to log 100, as literals so that no platform's `log` moves the nodes.
    static let logE0 = -27.631021115928547, logE1 = 4.605170185988092
    private let values: UnsafeMutableBufferPointer<Double>
    private let slopes: UnsafeMutableBufferPointer<Double>
    private var table: nensim_gengamma_table

    init(location mu: Double, scale sigma: Double, q: Double) {
        precondition(q != 0 && sigma > 0 && mu.isFinite && sigma.isFinite && q.isFinite, "generalized gamma μ \(mu), σ \(sigma), Q \(q)")
        let n = Self.nodes, h = (Self.logE1 - Self.logE0) / Double(n - 1)
        values = .allocate(capacity: n); values.initialize(repeating: 0)
        slopes = .allocate(capacity: n); slopes.initialize(repeating: 0)
        table = nensim_gengamma_table(mu: mu, sigma: sigma, q: q, x0: Self.logE0, h: h, inv_h: 1 / h, n: n, y: nil, d: nil)
        nensim_gengamma_table_build(&table, values.baseAddress!, slopes.baseAddress!)
    }

    deinit { values.deallocate(); slopes.deallocate() }

    func times(_ x: UnsafeMutablePointer<Double>, count: Int) {
        withUnsafePointer(to: table) { nensim_gengamma_times($0, x, count) }
    }

    func time(_ e: Double) -> Double { withUnsafePointer(to: table) { nensim_gengamma_time1($0, e) } }
}

/// A probability as a threshold on a 32-bit word: the event when w < threshold (0 … 2³²).
@inline(__always) func wordThreshold(_ p: Double) -> UInt64 { UInt64((min(max(p, 0), 1) * 0x1p32).rounded()) }

/// A response cut as a threshold on a 32-bit word: the uniform (w + 0.5)·2⁻³² is at or
/// above p exactly when w ≥ ceil(p·2³² − 0.5) (both sides scaled by 2³², exactly; w is an
/// integer), clamped to 0 … 2³² (2³², never, also for NaN, which no uniform is ≥).
@inline(__always) func cutWord(_ p: Double) -> UInt64 {
    guard !p.isNaN else { return 1 << 32 }
    let t = (p * 0x1p32 - 0.5).rounded(.up)
    return t <= 0 ? 0 : t >= 0x1p32 ? 1 << 32 : UInt64(t)
}

/// Best response and the PFS rank: tier = the number of cuts at or below the uniform of
/// w0 (compared as words, `cutWord`: the same tiers); the PFS rank is w0 (coupled, when
/// w1 < the coupling threshold) or w2. With no cuts there is no tier (0) and the rank is w2.
struct ResponseStage: Sendable {
    let cuts: [Double]
    /// `cutWord` of each cut.
    let cutWords: [UInt64]
    /// Whether the cuts ascend (as calibrated ones do), so that a block's tiers are a
    /// branch-free sum of comparisons (`nensim_response_tiers`).
    let ascending: Bool
    let couplingThreshold: UInt64

    init(_ model: ArmModel) {
        cuts = model.responseCuts.map(\.probability)
        cutWords = cuts.map(cutWord)
        ascending = zip(cutWords, cutWords.dropFirst()).allSatisfy { $0 <= $1 }
        couplingThreshold = wordThreshold(model.responseCoupling)
    }

    var hasTiers: Bool { !cuts.isEmpty }

    @inline(__always) func draw(_ w0: UInt32, _ w1: UInt32, _ w2: UInt32) -> (tier: Int, rank: UInt32) {
        guard !cuts.isEmpty else { return (0, w2) }
        return (tier(w0), UInt64(w1) < couplingThreshold ? w0 : w2)
    }

    /// The first cut above w0's uniform (the number of cuts at or below it when they ascend).
    @inline(__always) func tier(_ w0: UInt32) -> Int {
        cutWords.withUnsafeBufferPointer { t in
            var tier = 0
            while tier < t.count && UInt64(w0) >= t[tier] { tier &+= 1 }
            return tier
        }
    }
}

/// Covariates acting on both hazards (docs/MODEL.md): patient i has covariate j when its
/// covariate word j is below the prevalence threshold; η = Xβ (BLAS dgemv over the
/// block) and both exponentials are multiplied by e^{−η}.
struct CovariateStage: Sendable {
    let thresholds: [UInt64]
    let beta: [Double]
    init(_ model: ArmModel) {
        thresholds = model.covariates.map { wordThreshold($0.prevalence) }
        beta = model.covariates.map(\.logHazardRatio)
    }
    init() { thresholds = []; beta = [] }
    var count: Int { beta.count }
}

/// Censoring by design: c = min(horizon, analysis − accrual·u_entry) with a uniform
/// entry (when accrued), then min with the dropout time −log(u)/rate; without random
/// parts every patient's c is `fixed`.
struct CensoringStage: Sendable {
    let horizon: Double
    let accrual: Double
    /// Calendar time of the analysis (accrual + follow-up), or nil.
    let analysisTime: Double?
    /// 1 / dropout rate, or nil without dropout.
    let inverseDropoutRate: Double?
    /// The dropout time's log: the kernels' (`nensim_neglog_word`, the same bits on every
    /// machine) or the platform's `log` (what `run` has always used, kept so that its
    /// outputs do not change; docs/ARCHITECTURE.md, "Engine").
    let portableDropout: Bool

    init(design: StudyDesign) {
        horizon = design.horizon
        accrual = design.accrual
        analysisTime = design.followUp.map { design.accrual + $0 }
        let d = design.dropoutRate
        inverseDropoutRate = d > 0 ? 1 / d : nil
        portableDropout = false
    }

    /// Dropout only (a trial, whose entry and analysis time are its own), portable.
    init(dropoutRate d: Double) {
        horizon = .infinity
        accrual = 0
        analysisTime = nil
        inverseDropoutRate = d > 0 ? 1 / d : nil
        portableDropout = true
    }

    var needsEntry: Bool { analysisTime != nil && accrual > 0 }
    var needsDropout: Bool { inverseDropoutRate != nil }
    var isRandom: Bool { needsEntry || needsDropout }
    var fixed: Double { min(horizon, analysisTime ?? .infinity) }

    /// One patient's censoring time from its entry and dropout words (ignored when not needed).
    @inline(__always) func censor(entry: UInt32, dropout: UInt32) -> Double {
        let analysis = analysisTime ?? .infinity
        var c = min(horizon, analysis)
        if needsEntry { c = min(horizon, analysis - accrual * RandomStream.uniform32(entry)) }
        if let s = inverseDropoutRate {
            let e = portableDropout ? nensim_neglog_word(dropout) : -log(RandomStream.uniform32(dropout))
            c = min(c, e * s)
        }
        return c
    }
}

/// The per-arm (or per-line) constants of the kernel: the stages in drawing order.
struct PatientKernel: Sendable {
    let layout: PatientLayout
    let response: ResponseStage
    let covariates: CovariateStage
    /// 1/h for a PFS hazard multiplied by h (a pathway's later line), or nil when h = 1.
    let inverseHazardMultiplier: Double?
    let pfs: any EventTimeFamily
    let postProgression: any EventTimeFamily
    let censoring: CensoringStage
    let binaryThresholds: [UInt64]
    /// A PFS event is a death without progression when the patient's death word is below
    /// this threshold (docs/MODEL.md, "Death without progression"); nil when none are.
    let deathThreshold: UInt64?
    /// The arm's (or pathway's) random-stream id.
    let streamID: UInt32

    init(model: ArmModel, censoring: CensoringStage, streamID: UInt32, hazardMultiplier: Double = 1,
         covariates: Bool = true, binaries: Bool = true) {
        response = ResponseStage(model)
        self.covariates = covariates ? CovariateStage(model) : CovariateStage()
        inverseHazardMultiplier = hazardMultiplier == 1 ? nil : 1 / hazardMultiplier
        pfs = model.pfsDistribution.map { FamilyKernel($0) } ?? WeibullFamily(model.pfs)
        postProgression = model.ppsDistribution.map { FamilyKernel($0) } ?? ExponentialFamily(rate: model.ppsRate)
        self.censoring = censoring
        binaryThresholds = binaries ? model.binaryOutcomes.map { wordThreshold($0.probability) } : []
        deathThreshold = model.deathShare > 0 ? wordThreshold(model.deathShare) : nil
        self.streamID = streamID
        layout = PatientLayout(covariates: self.covariates.count, entry: censoring.needsEntry, dropout: censoring.needsDropout,
                               binaries: binaryThresholds.count, death: deathThreshold != nil)
    }

    /// Draws patients 0 ..< count of the block whose stream is `stream` into `scratch`:
    /// `tier`, `pfs` (PFS time), `progressed` (1 when the PFS event is a progression, 0 a
    /// death without progression), `pps` (post-progression time, 0 for a death; OS = PFS +
    /// PPS) and, when censoring is random, `censor`. These arrays are the one place a
    /// sink reads each patient's times from (docs/ARCHITECTURE.md, "Engine"). Best-response tiers are counted into `tiers` (when
    /// the arm has cuts) and binary outcomes into `binaries` (one count per outcome).
    ///
    /// Contract: count ≤ `scratch.capacity`; `scratch` was made for at least this
    /// layout (`KernelScratch.init(capacity:layouts:)`); `tiers` has one element per tier
    /// (cuts + 1) and `binaries` one per binary outcome, and neither aliases `scratch`.
    ///
    /// The block is processed in passes over arrays so that Philox, −log and the Weibull
    /// power run as vectorised C kernels (`CKernels`).
    func draw(count: Int, stream: RandomStream, scratch: KernelScratch,
              tiers: UnsafeMutableBufferPointer<Int>, binaries: UnsafeMutableBufferPointer<Int>) {
        precondition(count <= scratch.capacity, "a block larger than its scratch")
        let extra = layout.extraWords
        let extraCalls = layout.extraCalls(patients: count)
        let w0 = scratch.w0.baseAddress!, w1 = scratch.w1.baseAddress!, w2 = scratch.w2.baseAddress!, w3 = scratch.w3.baseAddress!
        let rank = scratch.rank.baseAddress!, tierOf = scratch.tier.baseAddress!
        let pfsTime = scratch.pfs.baseAddress!, ppsTime = scratch.pps.baseAddress!
        let words = scratch.extra.baseAddress!
        nensim_philox4x32_10(stream.key0, stream.key1, 0, stream.block0, stream.block1, count, w0, w1, w2, w3)
        if extraCalls > 0 {
            precondition(4 * extraCalls <= scratch.extra.count, "extra words beyond the scratch")
            nensim_philox4x32_10_interleaved(stream.key0, stream.key1, UInt64(count), stream.block0, stream.block1, extraCalls, words)
        }
        rankByResponse(count: count, w0, w1, w2, tierOf: tierOf, rank: rank, tiers: tiers)
        // Unit exponentials of PFS (S(T) = v: E = −log v) and of PPS (E = −log u).
        nensim_neglog_u32(rank, pfsTime, count)
        nensim_neglog_u32(w3, ppsTime, count)
        // Hazard factors: covariates multiply both hazards by e^{η}, η = Xβ.
        let p = covariates.count
        if p > 0 {
            let x = scratch.design.baseAddress!, eta = scratch.eta.baseAddress!
            covariates.thresholds.withUnsafeBufferPointer { thresholds in
                for i in 0..<count {
                    for j in 0..<p { x[i &* p &+ j] = UInt64(words[i &* extra &+ j]) < thresholds[j] ? 1 : 0 }
                }
            }
            covariates.beta.withUnsafeBufferPointer { b in
                LinearAlgebra.multiply(x, rows: count, columns: p, vector: b.baseAddress!, into: eta)
            }
            for i in 0..<count {
                let factor = exp(-eta[i])
                pfsTime[i] *= factor
                ppsTime[i] *= factor
            }
        }
        eventTimes(count: count, pfs: pfsTime, pps: ppsTime)
        // Deaths without progression: OS = PFS.
        let progressed = scratch.progressed.baseAddress!
        if let t = deathThreshold {
            let offset = layout.deathOffset
            for i in 0..<count {
                let dies = UInt64(words[i &* extra &+ offset]) < t
                progressed[i] = dies ? 0 : 1
                if dies { ppsTime[i] = 0 }
            }
        } else {
            progressed.update(repeating: 1, count: count)
        }
        // Binary outcomes: counting loops over the extra words.
        binaryThresholds.withUnsafeBufferPointer { thresholds in
            var offset = layout.binaryOffset
            for j in 0..<thresholds.count {
                let t = thresholds[j]
                var hits = 0
                var k = offset
                for _ in 0..<count {
                    hits &+= UInt64(words[k]) < t ? 1 : 0
                    k &+= extra
                }
                binaries[j] &+= hits
                offset &+= 1
            }
        }
        // Censoring by design.
        if censoring.isRandom {
            let c = scratch.censor.baseAddress!
            let entry = layout.entryOffset, dropout = layout.dropoutOffset
            for i in 0..<count {
                let k = i &* extra
                c[i] = censoring.censor(entry: words[k &+ entry], dropout: words[k &+ dropout])
            }
        }
    }

    /// Patients 0 ..< count whose four words are w0[i] … w3[i] (drawn by the caller, e.g.
    /// at a pathway's later-line counters): `tierOf`, `rank`, `pfs` and `pps` as `draw`
    /// writes them, with the same stages and so the same bits as `draw` on those words.
    /// No covariates, censoring, binary outcomes or deaths without progression here (a
    /// later line's PFS events are all progressions; its binary outcomes are the caller's).
    ///
    /// Contract: every pointer holds `count` elements and none aliases another (`rank`
    /// may not be w0 … w3); `tiers` has one element per tier, as for `draw`.
    func draw(count: Int, words w0: UnsafePointer<UInt32>, _ w1: UnsafePointer<UInt32>, _ w2: UnsafePointer<UInt32>,
              _ w3: UnsafePointer<UInt32>, tierOf: UnsafeMutablePointer<Int>, rank: UnsafeMutablePointer<UInt32>,
              pfs pfsTime: UnsafeMutablePointer<Double>, pps ppsTime: UnsafeMutablePointer<Double>,
              tiers: UnsafeMutableBufferPointer<Int>) {
        rankByResponse(count: count, w0, w1, w2, tierOf: tierOf, rank: rank, tiers: tiers)
        nensim_neglog_u32(rank, pfsTime, count)
        nensim_neglog_u32(w3, ppsTime, count)
        eventTimes(count: count, pfs: pfsTime, pps: ppsTime)
    }

    /// The response stage over a block: each patient's best-response tier (counted into
    /// `tiers`) and the word that ranks its PFS (`ResponseStage`).
    private func rankByResponse(count: Int, _ w0: UnsafePointer<UInt32>, _ w1: UnsafePointer<UInt32>, _ w2: UnsafePointer<UInt32>,
                                tierOf: UnsafeMutablePointer<Int>, rank: UnsafeMutablePointer<UInt32>,
                                tiers: UnsafeMutableBufferPointer<Int>) {
        if response.hasTiers && response.ascending {
            response.cutWords.withUnsafeBufferPointer { cuts in
                nensim_response_tiers(cuts.baseAddress!, cuts.count, response.couplingThreshold, w0, w1, w2, count,
                                      tierOf, rank, tiers.baseAddress!)
            }
        } else if response.hasTiers {
            for i in 0..<count {
                let (tier, r) = response.draw(w0[i], w1[i], w2[i])
                tiers[tier] &+= 1
                tierOf[i] = tier
                rank[i] = r
            }
        } else {
            rank.update(from: w2, count: count)
            tierOf.update(repeating: 0, count: count)
        }
    }

    /// The unit exponentials (already divided by any covariate factor) into event times:
    /// the PFS hazard multiplier, then each family's inverse transform.
    private func eventTimes(count: Int, pfs pfsTime: UnsafeMutablePointer<Double>, pps ppsTime: UnsafeMutablePointer<Double>) {
        if let h = inverseHazardMultiplier {
            for i in 0..<count { pfsTime[i] *= h }
        }
        pfs.times(fromExponentials: pfsTime, count: count)
        postProgression.times(fromExponentials: ppsTime, count: count)
    }
}

/// One worker's scratch arrays for a block (allocated once per worker, reused); the
/// kernel's stages read and write them through plain pointers.
final class KernelScratch {
    let capacity: Int
    let w0, w1, w2, w3, rank: UnsafeMutableBufferPointer<UInt32>
    /// Extra words, four per Philox call, interleaved.
    let extra: UnsafeMutableBufferPointer<UInt32>
    let tier: UnsafeMutableBufferPointer<Int>
    /// 1 when the patient's PFS event is a progression, 0 a death without progression.
    let progressed: UnsafeMutableBufferPointer<UInt8>
    let pfs, pps, censor: UnsafeMutableBufferPointer<Double>
    /// The block's covariate matrix X (row-major, patients × covariates) and η = Xβ.
    let design, eta: UnsafeMutableBufferPointer<Double>

    /// Scratch for blocks of up to `capacity` patients of any of `layouts`.
    convenience init(capacity: Int, layouts: [PatientLayout]) {
        self.init(capacity: capacity, extraCalls: layouts.map { $0.extraCalls(patients: capacity) }.max() ?? 0,
                  covariates: layouts.map(\.covariates).max() ?? 0)
    }

    /// `capacity` patients per block; `extraCalls` Philox calls for the extra words of a block.
    init(capacity: Int, extraCalls: Int, covariates: Int) {
        self.capacity = capacity
        func words(_ n: Int) -> UnsafeMutableBufferPointer<UInt32> {
            let b = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: max(n, 1)); b.initialize(repeating: 0); return b
        }
        func doubles(_ n: Int) -> UnsafeMutableBufferPointer<Double> {
            let b = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(n, 1)); b.initialize(repeating: 0); return b
        }
        w0 = words(capacity); w1 = words(capacity); w2 = words(capacity); w3 = words(capacity); rank = words(capacity)
        extra = words(4 * extraCalls)
        tier = .allocate(capacity: max(capacity, 1)); tier.initialize(repeating: 0)
        progressed = .allocate(capacity: max(capacity, 1)); progressed.initialize(repeating: 1)
        pfs = doubles(capacity); pps = doubles(capacity); censor = doubles(capacity)
        design = doubles(capacity * covariates); eta = doubles(capacity)
    }

    deinit {
        for b in [w0, w1, w2, w3, rank, extra] { b.deallocate() }
        tier.deallocate(); progressed.deallocate(); pfs.deallocate(); pps.deallocate(); censor.deallocate(); design.deallocate(); eta.deallocate()
    }
}
