internal import CKernels
import Dispatch
import Foundation
import SurvivalStats

/// What to simulate: arms, cohort size, seed, design and the engine's knobs.
public struct SimulationRequest: Sendable {
    public var arms: [ArmModel]
    public var patientsPerArm: Int
    public var seed: UInt64
    public var replicate: UInt32
    public var design: StudyDesign
    /// Width of a tally cell in months (default one day).
    public var gridWidth: Double
    /// Patients per block; a block's random stream depends only on (seed, arm, replicate, block).
    public var blockSize: Int
    /// Worker threads (results do not depend on it).
    public var threads: Int
    /// Individual records are kept when patientsPerArm ≤ this bound.
    public var recordLimit: Int

    public static let defaultBlockSize = 4096
    public static let defaultRecordLimit = 20_000

    public init(arms: [ArmModel], patientsPerArm: Int, seed: UInt64, replicate: UInt32 = 0,
                design: StudyDesign = StudyDesign(), gridWidth: Double = 1 / daysPerMonth,
                blockSize: Int = SimulationRequest.defaultBlockSize,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                recordLimit: Int = SimulationRequest.defaultRecordLimit) {
        self.arms = arms
        self.patientsPerArm = patientsPerArm
        self.seed = seed
        self.replicate = replicate
        self.design = design
        self.gridWidth = gridWidth
        self.blockSize = blockSize
        self.threads = threads
        self.recordLimit = recordLimit
    }

    /// Number of grid cells up to the horizon.
    public var cells: Int { max(1, Int((design.horizon / gridWidth).rounded(.up))) }
    public var blocksPerArm: Int { (patientsPerArm + blockSize - 1) / blockSize }
    public var keepsRecords: Bool { patientsPerArm <= recordLimit }
}

/// The outcome of a simulation: per-arm tallies (always) and records (small n).
public struct SimulationResult: Sendable {
    public var request: SimulationRequest
    public var tallies: [ArmTally]
    public var records: [PatientRecords]?
}

/// A stable 32-bit identifier of an arm for its random streams: FNV-1a of the arm id,
/// so an arm's patients do not depend on which other arms run beside it or in what order.
public func streamID(ofArm id: String) -> UInt32 {
    var h: UInt32 = 2_166_136_261
    for b in id.utf8 { h = (h ^ UInt32(b)) &* 16_777_619 }
    return h
}

/// Per-arm constants of the hot loop, precomputed once.
struct ArmKernel: Sendable {
    let scale: Double
    let inverseShape: Double
    let exponentialPFS: Bool
    let inversePPSRate: Double
    let cuts: [Double]
    /// P(coupled) as a threshold on a 32-bit word: coupled when w < threshold (0 … 2³²).
    let couplingThreshold: UInt64
    /// Binary-outcome probabilities as thresholds on 32-bit words.
    let binaryThresholds: [UInt64]
    let horizon: Double
    let accrual: Double
    let analysisTime: Double?
    let inverseDropoutRate: Double?
    let inverseWidth: Double
    let lastCell: Int
    let streamID: UInt32
    /// Covariate prevalences as word thresholds, and their log hazard ratios β.
    let covariateThresholds: [UInt64]
    let beta: [Double]

    static func threshold(_ p: Double) -> UInt64 { UInt64((min(max(p, 0), 1) * 0x1p32).rounded()) }

    init(model: ArmModel, request: SimulationRequest) {
        scale = model.pfs.scale
        inverseShape = 1 / model.pfs.shape
        exponentialPFS = model.pfs.shape == 1
        inversePPSRate = 1 / model.ppsRate
        cuts = model.responseCuts.map(\.probability)
        couplingThreshold = ArmKernel.threshold(model.responseCoupling)
        binaryThresholds = model.binaryOutcomes.map { ArmKernel.threshold($0.probability) }
        horizon = request.design.horizon
        accrual = request.design.accrual
        analysisTime = request.design.followUp.map { request.design.accrual + $0 }
        let d = request.design.dropoutRate
        inverseDropoutRate = d > 0 ? 1 / d : nil
        inverseWidth = 1 / request.gridWidth
        lastCell = request.cells - 1
        streamID = NENSim.streamID(ofArm: model.id)
        covariateThresholds = model.covariates.map { ArmKernel.threshold($0.prevalence) }
        beta = model.covariates.map(\.logHazardRatio)
    }

    /// Words each patient draws beyond its first Philox call: one per covariate,
    /// entry time, dropout time, one per binary outcome (only those needed).
    var extraWords: Int {
        covariateThresholds.count + (analysisTime != nil && accrual > 0 ? 1 : 0) + (inverseDropoutRate != nil ? 1 : 0)
            + binaryThresholds.count
    }

    /// Simulates patients [first, first + count) of one block into `tally` (and
    /// `records` when given), count ≤ the scratch capacity.
    ///
    /// Draws (a pure function of the block's stream key and counter): Philox call i
    /// (i < count) gives patient i four 32-bit words — w0 the response rank (and the
    /// PFS rank when coupled), w1 the coupling choice, w2 the independent PFS rank, w3
    /// the post-progression time. When the design or the arm needs e more words per
    /// patient, calls count, count + 1, … give a further stream of words, four per
    /// call, of which patient i takes words i·e … i·e + e − 1 in order: entry time,
    /// dropout time, one per binary outcome — after one word per covariate, which
    /// comes first. A 32-bit word
    /// w is the uniform (w + 0.5)/2³², resolving the distributions to 2⁻³², far below
    /// anything a one-day grid can see.
    ///
    /// The block is processed in passes over arrays so that Philox, −log and the
    /// Weibull power run as vectorised C kernels (`CKernels`).
    func simulate(count: Int, stream: RandomStream, tally: inout ArmTally,
                  records: RecordSink?, first: Int, scratch: KernelScratch) {
        let nCuts = cuts.count
        let needsEntry = analysisTime != nil && accrual > 0
        let needsDropout = inverseDropoutRate != nil
        let extra = extraWords
        let extraCalls = (count * extra + 3) / 4
        let keepRecords = records != nil
        let analysis = analysisTime ?? .infinity
        let dropoutScale = inverseDropoutRate ?? 0
        let w0 = scratch.w0.baseAddress!, w1 = scratch.w1.baseAddress!, w2 = scratch.w2.baseAddress!, w3 = scratch.w3.baseAddress!
        let rank = scratch.rank.baseAddress!, tierOf = scratch.tier.baseAddress!
        let pfs = scratch.pfs.baseAddress!, pps = scratch.pps.baseAddress!
        nensim_philox4x32_10(stream.key0, stream.key1, 0, stream.block0, stream.block1, count, w0, w1, w2, w3)
        if extraCalls > 0 {
            nensim_philox4x32_10_interleaved(stream.key0, stream.key1, UInt64(count), stream.block0, stream.block1, extraCalls,
                                             scratch.extra.baseAddress!)
        }
        // Pass 1: best response and which word ranks the PFS.
        cuts.withUnsafeBufferPointer { cuts in
            tally.responseTiers.withUnsafeMutableBufferPointer { tiers in
                if nCuts == 0 {
                    for i in 0..<count { rank[i] = w2[i]; tierOf[i] = 0 }
                    return
                }
                for i in 0..<count {
                    let ur = RandomStream.uniform32(w0[i])
                    var tier = 0
                    while tier < nCuts && ur >= cuts[tier] { tier &+= 1 }
                    tiers[tier] &+= 1
                    tierOf[i] = tier
                    rank[i] = UInt64(w1[i]) < couplingThreshold ? w0[i] : w2[i]
                }
            }
        }
        // Pass 2: PFS by inverse transform, S(T) = v: T = λ (−log v)^(1/k); PPS = −log u / μ.
        // With covariates, patient i's hazards are multiplied by e^{η_i}, η = Xβ (BLAS
        // dgemv over the block): T = λ (−log v · e^{−η})^(1/k), PPS = −log u · e^{−η} / μ.
        nensim_neglog_u32(rank, pfs, count)
        nensim_neglog_u32(w3, pps, count)
        let p = beta.count
        if p > 0 {
            let x = scratch.design.baseAddress!, eta = scratch.eta.baseAddress!
            let words = scratch.extra.baseAddress!
            for i in 0..<count {
                for j in 0..<p { x[i &* p &+ j] = UInt64(words[i &* extra &+ j]) < covariateThresholds[j] ? 1 : 0 }
            }
            beta.withUnsafeBufferPointer { b in
                LinearAlgebra.multiply(x, rows: count, columns: p, vector: b.baseAddress!, into: eta)
            }
            for i in 0..<count {
                let factor = exp(-eta[i])
                pfs[i] *= factor
                pps[i] *= factor
            }
        }
        if exponentialPFS {
            for i in 0..<count { pfs[i] *= scale }
        } else {
            nensim_scaled_pow(pfs, inverseShape, scale, count)
        }
        // Pass 3: binary outcomes (counting loops over the extra words), censoring times
        // by design, then the tally.
        let words = scratch.extra.baseAddress!
        var offset = p + (needsEntry ? 1 : 0) + (needsDropout ? 1 : 0)
        binaryThresholds.withUnsafeBufferPointer { thresholds in
            tally.binaryOutcomes.withUnsafeMutableBufferPointer { bins in
                for j in 0..<thresholds.count {
                    let t = thresholds[j]
                    var hits = 0
                    var k = offset
                    for _ in 0..<count {
                        hits &+= UInt64(words[k]) < t ? 1 : 0
                        k &+= extra
                    }
                    bins[j] &+= hits
                    offset &+= 1
                }
            }
        }
        let censor = scratch.censor.baseAddress!
        let randomCensoring = needsEntry || needsDropout
        if randomCensoring {
            let base = min(horizon, analysis)
            for i in 0..<count {
                var c = base
                var k = i &* extra &+ p
                if needsEntry { c = min(horizon, analysis - accrual * RandomStream.uniform32(words[k])); k &+= 1 }
                if needsDropout { c = min(c, -log(RandomStream.uniform32(words[k])) * dropoutScale) }
                censor[i] = c
            }
        }
        let fixedCensor = min(horizon, analysis)
        tally.pfs.events.withUnsafeMutableBufferPointer { pe in
        tally.pfs.censored.withUnsafeMutableBufferPointer { pc in
        tally.os.events.withUnsafeMutableBufferPointer { oe in
        tally.os.censored.withUnsafeMutableBufferPointer { oc in
            for i in 0..<count {
                let pfsTime = pfs[i]
                let osTime = pfsTime + pps[i] * inversePPSRate
                let c = randomCensoring ? censor[i] : fixedCensor
                let pfsObserved = min(pfsTime, c)
                let osObserved = min(osTime, c)
                let pCell = min(Int(pfsObserved * inverseWidth), lastCell)
                let oCell = min(Int(osObserved * inverseWidth), lastCell)
                let pfsEvent = pfsTime <= c, osEvent = osTime <= c
                if pfsEvent { pe[pCell] &+= 1 } else { pc[pCell] &+= 1 }
                if osEvent { oe[oCell] &+= 1 } else { oc[oCell] &+= 1 }
                if keepRecords {
                    records.unsafelyUnwrapped.set(first &+ i, pfsTime: pfsObserved, pfsEvent: pfsEvent, osTime: osObserved,
                                                  osEvent: osEvent, tier: tierOf[i])
                }
            }
        } } } }
        tally.patients &+= count
    }
}

/// One worker's scratch arrays for a block (allocated once per worker, reused).
final class KernelScratch {
    let w0, w1, w2, w3, rank: UnsafeMutableBufferPointer<UInt32>
    /// Extra words, four per Philox call, interleaved.
    let extra: UnsafeMutableBufferPointer<UInt32>
    let tier: UnsafeMutableBufferPointer<Int>
    let pfs, pps, censor: UnsafeMutableBufferPointer<Double>
    /// The block's covariate matrix X (row-major, patients × covariates) and η = Xβ.
    let design, eta: UnsafeMutableBufferPointer<Double>

    /// `capacity` patients per block; `extraCalls` Philox calls for the extra words of a block.
    init(capacity: Int, extraCalls: Int, covariates: Int) {
        func words(_ n: Int) -> UnsafeMutableBufferPointer<UInt32> {
            let b = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: max(n, 1)); b.initialize(repeating: 0); return b
        }
        w0 = words(capacity); w1 = words(capacity); w2 = words(capacity); w3 = words(capacity); rank = words(capacity)
        extra = words(4 * extraCalls)
        tier = .allocate(capacity: max(capacity, 1)); tier.initialize(repeating: 0)
        pfs = .allocate(capacity: max(capacity, 1)); pfs.initialize(repeating: 0)
        pps = .allocate(capacity: max(capacity, 1)); pps.initialize(repeating: 0)
        censor = .allocate(capacity: max(capacity, 1)); censor.initialize(repeating: 0)
        design = .allocate(capacity: max(capacity * covariates, 1)); design.initialize(repeating: 0)
        eta = .allocate(capacity: max(capacity, 1)); eta.initialize(repeating: 0)
    }

    deinit {
        for b in [w0, w1, w2, w3, rank, extra] { b.deallocate() }
        tier.deallocate(); pfs.deallocate(); pps.deallocate(); censor.deallocate(); design.deallocate(); eta.deallocate()
    }
}

/// Per-patient storage shared by workers.
/// Invariant: each block writes only the indices of its own patients, so no two
/// workers ever touch the same element; the storage is read only after all workers end.
final class RecordSink: @unchecked Sendable {
    let pfsTime: UnsafeMutableBufferPointer<Double>
    let osTime: UnsafeMutableBufferPointer<Double>
    let pfsEvent: UnsafeMutableBufferPointer<Bool>
    let osEvent: UnsafeMutableBufferPointer<Bool>
    let tier: UnsafeMutableBufferPointer<Int>

    init(count: Int) {
        pfsTime = .allocate(capacity: count); pfsTime.initialize(repeating: 0)
        osTime = .allocate(capacity: count); osTime.initialize(repeating: 0)
        pfsEvent = .allocate(capacity: count); pfsEvent.initialize(repeating: false)
        osEvent = .allocate(capacity: count); osEvent.initialize(repeating: false)
        tier = .allocate(capacity: count); tier.initialize(repeating: 0)
    }

    deinit {
        pfsTime.deallocate(); osTime.deallocate(); pfsEvent.deallocate(); osEvent.deallocate(); tier.deallocate()
    }

    @inline(__always) func set(_ i: Int, pfsTime p: Double, pfsEvent pe: Bool, osTime o: Double, osEvent oe: Bool, tier t: Int) {
        pfsTime[i] = p; pfsEvent[i] = pe; osTime[i] = o; osEvent[i] = oe; tier[i] = t
    }

    var records: PatientRecords {
        PatientRecords(pfsTime: Array(pfsTime), pfsEvent: Array(pfsEvent), osTime: Array(osTime),
                       osEvent: Array(osEvent), responseTier: Array(tier))
    }
}

/// Per-worker result slots. Invariant: worker w writes only slot w, once, through the
/// pointer (never through a shared Swift array), and the slots are read only after
/// `concurrentPerform` has returned.
final class WorkerSlots<Value>: @unchecked Sendable {
    let slots: UnsafeMutableBufferPointer<Value>
    init(count: Int, initial: Value) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: initial)
    }
    deinit {
        slots.baseAddress!.deinitialize(count: slots.count)
        slots.deallocate()
    }
    @inline(__always) func store(_ value: Value, at i: Int) { slots[i] = value }
}

/// The Monte Carlo engine (docs/ARCHITECTURE.md, "Engine").
public enum Engine {
    /// Simulates every arm of `request`. Work items are (arm, block) pairs, dealt to
    /// workers in a fixed stride; each worker fills its own tallies, which are added
    /// at the end. Because a block's stream depends only on (seed, arm, replicate,
    /// block) and counts are integers, the result is identical for any thread count.
    /// `blocks`: optional subset of work items (for shards); default all.
    /// - Complexity: O(arms × n) time, O(threads × arms × cells) memory in tally mode.
    public static func run(_ request: SimulationRequest, workItems: [Int]? = nil,
                           progress: (@Sendable (Int) -> Void)? = nil) -> SimulationResult {
        LinearAlgebra.setBLASThreads(1) // Dispatch runs one worker per core: keep OpenBLAS single-threaded inside them.
        let kernels = request.arms.map { ArmKernel(model: $0, request: request) }
        let cells = request.cells
        let blocksPerArm = request.blocksPerArm
        // All items by default, without materialising them (n = 10¹² has ~10⁸ blocks per arm).
        let itemCount = workItems?.count ?? request.arms.count * blocksPerArm
        let threads = max(1, min(request.threads, max(itemCount, 1)))
        let sinks: [RecordSink]? = request.keepsRecords ? request.arms.map { _ in RecordSink(count: request.patientsPerArm) } : nil
        let empty = request.arms.map { ArmTally(cells: cells, tiers: $0.responseTierCount, binaries: $0.binaryOutcomes.count) }
        let workers = WorkerSlots(count: threads, initial: empty)
        let maxExtraCalls = kernels.map { (request.blockSize * $0.extraWords + 3) / 4 }.max() ?? 0
        DispatchQueue.concurrentPerform(iterations: threads) { w in
            var mine = empty
            let scratch = KernelScratch(capacity: request.blockSize, extraCalls: maxExtraCalls,
                                        covariates: kernels.map(\.beta.count).max() ?? 0)
            var index = w
            while index < itemCount {
                let item = workItems?[index] ?? index
                let arm = item / blocksPerArm
                let block = item % blocksPerArm
                let first = block * request.blockSize
                let count = min(request.blockSize, request.patientsPerArm - first)
                let stream = RandomStream(seed: request.seed, arm: kernels[arm].streamID,
                                          replicate: request.replicate, block: UInt64(block))
                kernels[arm].simulate(count: count, stream: stream, tally: &mine[arm], records: sinks?[arm], first: first,
                                      scratch: scratch)
                progress?(count)
                index += threads
            }
            workers.store(mine, at: w)
        }
        var total = empty
        for t in workers.slots { for a in total.indices { total[a].add(t[a]) } }
        return SimulationResult(request: request, tallies: total, records: sinks?.map(\.records))
    }
}
