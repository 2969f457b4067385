internal import CKernels
import Dispatch
import Foundation
import SurvivalStats

/// What to simulate: two calibrated arms, a trial design and how many replicates.
public struct TrialRequest: Sendable {
    /// The experimental arm (hazard ratios are experimental versus control).
    public var experimental: ArmModel
    public var control: ArmModel
    public var design: TrialDesign
    public var replicates: Int
    public var seed: UInt64
    /// Worker threads; results do not depend on it.
    public var threads: Int

    public init(experimental: ArmModel, control: ArmModel, design: TrialDesign, replicates: Int, seed: UInt64 = 1,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.experimental = experimental
        self.control = control
        self.design = design
        self.replicates = replicates
        self.seed = seed
        self.threads = threads
    }

    /// The arm simulated in the experimental slot: the control model under `--null`.
    public var experimentalModel: ArmModel { design.null ? control : experimental }

    /// Random-stream ids of the slots (control, experimental). Under `--null` the
    /// experimental slot runs the control model on its own stream, id
    /// `streamID(ofArm: "<control>/null")`, so the two arms are independent samples.
    public var slotStreamIDs: (control: UInt32, experimental: UInt32) {
        (streamID(ofArm: control.id),
         design.null ? streamID(ofArm: control.id + "/null") : streamID(ofArm: experimental.id))
    }

    /// Stream id of entry times and allocation (`"trial/allocation"`: no arm id has a slash).
    public static let allocationStreamID = streamID(ofArm: "trial/allocation")

    public func validate() throws {
        try design.validate()
        guard replicates >= 1 else { throw NensimFailure.usage("\(.replicates) \(replicates): must be at least 1") }
        guard replicates <= Int(UInt32.max) else { throw NensimFailure.usage("\(.replicates) \(replicates): at most 2^32 − 1") }
        guard threads >= 1 else { throw NensimFailure.usage("\(.threads) \(threads): must be at least 1") }
    }
}

/// One simulated trial.
public struct ReplicateOutcome: Sendable, Equatable {
    public var replicate: Int
    /// Calendar time of the analysis, months from the first entry.
    public var analysisTime: Double
    /// Patients enrolled by the analysis (control, experimental).
    public var enrolledControl: Int
    public var enrolledExperimental: Int
    public var statistics: TwoArmStatistics
    /// The decision statistic of the chosen test (z, negative favours experimental) and
    /// its p-values: two-sided, and one-sided in the favourable direction (HR < 1).
    public var z: Double
    public var pTwoSided: Double
    public var pOneSided: Double
    /// Cox hazard ratio with its Wald interval at level 1 − α.
    public var hazardRatio: Double
    public var lower: Double
    public var upper: Double
    /// The look at which a group-sequential replicate stopped (1-based; 0 for a fixed
    /// design) and why (SequentialAnalysis.swift).
    public var look: Int = 0
    public var decision: LookDecision = .fixed

    public var events: Int { statistics.eventsControl + statistics.eventsExperimental }
    public var enrolled: Int { enrolledControl + enrolledExperimental }
}

/// The outcome of a trial simulation, one entry per replicate in replicate order.
public struct TrialResult: Sendable {
    public var request: TrialRequest
    public var replicates: [ReplicateOutcome]
}

/// One trial arm's patients of a replicate, drawn by the engine's kernel
/// (`PatientKernel`): the arm's k-th patient (in allocation order) is patient k of the
/// arm's stream for the replicate — block ⌊k / B⌋, B = `TrialArmDraws.blockSize`, of
/// `(seed, slot stream id, replicate, block)` — with the single-arm word layout and
/// arithmetic (no covariates, no binary outcomes; the dropout word when there is dropout).
///
/// With strata (`TrialStrata`), stratum c's patients of the arm are drawn as their own
/// sequence, block b from `(seed, slot stream id, replicate, c · 2³² + b)`, with both
/// hazards multiplied by the stratum's hazard ratio h (the PFS unit exponential and the
/// post-progression one divided by h), and stored contiguously: stratum 0's, then 1's, …
/// (`offset`). Stratum 0 of a single stratum is the unstratified draw.
final class TrialArmDraws {
    static let blockSize = SimulationRequest.defaultBlockSize
    /// One kernel per stratum (PFS hazard × the stratum's h).
    let kernels: [PatientKernel]
    /// 1/h of each stratum, nil where h = 1 (the post-progression time is redrawn from
    /// the same word at E/h).
    let inverseHazardRatios: [Double?]
    var kernel: PatientKernel { kernels[0] }
    let pfs, pps, dropout: UnsafeMutableBufferPointer<Double>
    /// With crossover (control slot only): the post-progression time the patient would
    /// have under the experimental arm's law, from the same unit exponential (quantile
    /// coupling); 0 for a death without progression.
    let crossedPPS: UnsafeMutableBufferPointer<Double>?
    let crossoverFamily: (any EventTimeFamily)?
    let scratch: KernelScratch
    /// Where stratum c's patients start in the arrays (set by `draw(counts:…)`).
    var offset: [Int]
    /// Tier counts the kernel adds to (unused by the trial).
    var tiers: [Int]
    var binaries: [Int] = []

    init(model: ArmModel, dropoutRate: Double, streamID: UInt32, capacity n: Int, crossoverTo: ArmModel? = nil,
         hazardRatios: [Double] = [1]) {
        kernels = hazardRatios.map { h in
            PatientKernel(model: model, censoring: CensoringStage(dropoutRate: dropoutRate), streamID: streamID,
                          hazardMultiplier: h, covariates: false, binaries: false)
        }
        inverseHazardRatios = hazardRatios.map { $0 == 1 ? nil : 1 / $0 }
        func doubles() -> UnsafeMutableBufferPointer<Double> {
            let b = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(n, 1)); b.initialize(repeating: 0); return b
        }
        pfs = doubles(); pps = doubles(); dropout = doubles()
        crossedPPS = crossoverTo == nil ? nil : doubles()
        crossoverFamily = crossoverTo.map { PatientKernel(model: $0, censoring: CensoringStage(dropoutRate: 0), streamID: 0,
                                                          covariates: false, binaries: false).postProgression }
        scratch = KernelScratch(capacity: min(max(n, 1), TrialArmDraws.blockSize), layouts: [kernels[0].layout])
        offset = [Int](repeating: 0, count: hazardRatios.count)
        tiers = [Int](repeating: 0, count: model.responseCuts.count + 1)
    }

    deinit { pfs.deallocate(); pps.deallocate(); dropout.deallocate(); crossedPPS?.deallocate() }

    /// Draws the arm's first `count` patients (count ≤ capacity) of replicate `replicate`:
    /// `pfs[k]`, `pps[k]` (OS = PFS + PPS) and `dropout[k]` (∞ without dropout).
    func draw(count: Int, seed: UInt64, replicate: UInt32) {
        offset[0] = 0
        draw(stratum: 0, count: count, at: 0, seed: seed, replicate: replicate)
    }

    /// Draws `counts[c]` patients of each stratum c (Σ counts ≤ capacity), stratum c's
    /// from `offset[c]` = Σ_{c′ < c} counts[c′].
    func draw(counts: [Int], seed: UInt64, replicate: UInt32) {
        var start = 0
        for c in counts.indices {
            offset[c] = start
            draw(stratum: c, count: counts[c], at: start, seed: seed, replicate: replicate)
            start += counts[c]
        }
    }

    private func draw(stratum c: Int, count: Int, at start: Int, seed: UInt64, replicate: UInt32) {
        let b = TrialArmDraws.blockSize
        let kernel = kernels[c], inverseHR = inverseHazardRatios[c]
        var first = 0, block = UInt64(c) << 32
        while first < count {
            let m = min(b, count - first)
            let stream = RandomStream(seed: seed, arm: kernel.streamID, replicate: replicate, block: block)
            tiers.withUnsafeMutableBufferPointer { t in
                binaries.withUnsafeMutableBufferPointer { bins in
                    kernel.draw(count: m, stream: stream, scratch: scratch, tiers: t, binaries: bins)
                }
            }
            let random = kernel.censoring.isRandom
            let at = start &+ first
            for i in 0..<m {
                pfs[at &+ i] = scratch.pfs[i]
                pps[at &+ i] = scratch.pps[i]
                dropout[at &+ i] = random ? scratch.censor[i] : .infinity
            }
            if let inverseHR {
                // The stratum's hazard ratio on the post-progression hazard: the PPS unit
                // exponential −log of word 3 (PatientKernel.draw; no covariates here) over h.
                for i in 0..<m where scratch.pps[i] > 0 {
                    pps[at &+ i] = kernel.postProgression.time(fromExponential: nensim_neglog_word(scratch.w3[i]) * inverseHR)
                }
            }
            if let crossedPPS, let crossoverFamily {
                let factor = inverseHR ?? 1
                for i in 0..<m {
                    crossedPPS[at &+ i] = scratch.pps[i] > 0 ? crossoverFamily.time(fromExponential: nensim_neglog_word(scratch.w3[i]) * factor) : 0
                }
            }
            first += m
            block += 1
        }
    }
}

/// Replicate-trial simulation: power, type I error and the distribution of
/// the hazard-ratio estimate.
public enum TrialSimulator {
    /// Runs every replicate. Replicate r draws its entry times and allocation from the
    /// stream `(seed, allocationStreamID, r, block 0)` and each arm's patients, in
    /// allocation order, from `(seed, slot stream id, r, block 0)`; replicates are dealt
    /// to workers in a fixed stride and written to their own slots, so the result is
    /// identical for any thread count.
    /// - Complexity: O(R · n log n) time; O(threads · n + R) memory.
    public static func run(_ request: TrialRequest, progress: (@Sendable (Int) -> Void)? = nil) -> TrialResult {
        let reps = request.replicates
        let slots = WorkerSlots<ReplicateOutcome?>(count: reps, initial: nil) // replicate r written once, by its worker
        let looks = request.sequentialLooks
        _ = BlockDriver.run(items: WorkItems.all(reps), threads: request.threads,
                            makeWorker: { _ in ReplicateWorker(request: request, looks: looks) }, progress: progress) { worker, r, _ in
            slots.store(worker.simulate(replicate: r), at: r)
            return 1
        }
        return TrialResult(request: request, replicates: slots.slots.map { $0! })
    }

    /// Runs only the replicates `indices` (`trial --shard i/k`): each is simulated from
    /// its own streams exactly as in `run`, so the outcome of replicate r is the same
    /// whichever subset, machine or thread count runs it.
    /// - Returns: the outcomes in the order of `indices`.
    public static func run(_ request: TrialRequest, replicates indices: [Int]) -> [ReplicateOutcome] {
        let count = indices.count
        guard count > 0 else { return [] }
        let slots = WorkerSlots<ReplicateOutcome?>(count: count, initial: nil)
        let looks = request.sequentialLooks
        _ = BlockDriver.run(items: WorkItems.all(count), threads: request.threads,
                            makeWorker: { _ in ReplicateWorker(request: request, looks: looks) }) { worker, p, _ in
            slots.store(worker.simulate(replicate: indices[p]), at: p)
            return 1
        }
        return slots.slots.map { $0! }
    }

    /// `run` on shard `shard`'s replicates (r ≡ i − 1 mod k), in replicate order.
    public static func run(_ request: TrialRequest, shard: ShardSpec) -> [ReplicateOutcome] {
        let items = WorkItems(shard: shard, total: request.replicates)
        let slots = WorkerSlots<ReplicateOutcome?>(count: items.count, initial: nil)
        let looks = request.sequentialLooks
        _ = BlockDriver.run(items: items, threads: request.threads,
                            makeWorker: { _ in ReplicateWorker(request: request, looks: looks) }) { worker, r, p in
            slots.store(worker.simulate(replicate: r), at: p)
            return 1
        }
        return slots.slots.map { $0! }
    }
}

/// A `ReplicateWorker`'s per-patient buffers for replicates of `patients` patients, zeroed,
/// deallocated with it: entry times, spacings (n + 1), allocations, event and dropout
/// times, calendar times of events and their sorter, the allocation stream's `words`, and
/// with `strata` the patients' strata. Used by one worker at a time.
final class ReplicateBuffers {
    let entry, spacing, eventTime, dropout, calendar: UnsafeMutableBufferPointer<Double>
    let allocation, stratum: UnsafeMutableBufferPointer<UInt8>
    let allocationWords: UnsafeMutableBufferPointer<UInt32>
    /// Sorts the calendar times of events (an event-driven analysis's, a look's).
    let calendarSorter: DoubleSorter

    init(patients n: Int, words: Int, strata: Bool) {
        calendarSorter = DoubleSorter(capacity: n)
        func buffer<T: BitwiseCopyable>(_ count: Int, _ zero: T) -> UnsafeMutableBufferPointer<T> {
            let b = UnsafeMutableBufferPointer<T>.allocate(capacity: max(count, 1)); b.initialize(repeating: zero); return b
        }
        entry = buffer(n, 0.0); spacing = buffer(n + 1, 0.0); eventTime = buffer(n, 0.0)
        dropout = buffer(n, 0.0); calendar = buffer(n, 0.0)
        allocation = buffer(n, UInt8(0)); stratum = buffer(strata ? n : 0, UInt8(0))
        allocationWords = buffer(words, UInt32(0))
    }

    deinit {
        for b in [entry, spacing, eventTime, dropout, calendar] { b.deallocate() }
        allocation.deallocate(); stratum.deallocate(); allocationWords.deallocate()
    }
}

/// One worker's scratch space and the replicate loop body.
struct ReplicateWorker {
    let request: TrialRequest
    /// The slots' patient draws (control, experimental).
    let arms: (control: TrialArmDraws, experimental: TrialArmDraws)
    let workspace: TwoGroupWorkspace
    let z: Double
    /// The per-patient buffers (entry order), owned by `buffers`: plain pointers for the
    /// loops, with no uniqueness or bounds check per patient.
    let buffers: ReplicateBuffers
    var entry: UnsafeMutableBufferPointer<Double> { buffers.entry }
    /// The n + 1 exponential spacings behind `entry`.
    var spacing: UnsafeMutableBufferPointer<Double> { buffers.spacing }
    var allocation: UnsafeMutableBufferPointer<UInt8> { buffers.allocation }
    var eventTime: UnsafeMutableBufferPointer<Double> { buffers.eventTime }
    var dropout: UnsafeMutableBufferPointer<Double> { buffers.dropout }
    var calendar: UnsafeMutableBufferPointer<Double> { buffers.calendar }
    /// The allocation stream's words: n + 1 for the entry spacings, then the block picks
    /// (then the crossover words, then the strata's: `strataWordOffset`).
    var allocationWords: UnsafeMutableBufferPointer<UInt32> { buffers.allocationWords }
    /// With strata: each patient's stratum (entry order).
    var stratum: UnsafeMutableBufferPointer<UInt8> { buffers.stratum }
    var block: [UInt8]
    let looks: SequentialLooks?
    /// With strata: the word thresholds of the strata's cumulative shares, each stratum's
    /// open block and the next position in it, and each slot's patients per stratum.
    let strataThresholds: [UInt64]
    var stratumBlocks: [UInt8]
    var stratumPosition: [Int]
    var stratumCounts: (control: [Int], experimental: [Int])

    init(request: TrialRequest, looks: SequentialLooks? = nil) {
        self.request = request
        self.looks = looks
        let n = request.design.patients
        let streams = request.slotStreamIDs
        let d = request.design
        let cells = d.strata?.cells ?? []
        let hazardRatios = cells.isEmpty ? [1] : cells.map(\.hazardRatio)
        arms = (TrialArmDraws(model: request.control, dropoutRate: d.dropoutRate, streamID: streams.control, capacity: n,
                              crossoverTo: d.crossesOver ? request.experimental : nil, hazardRatios: hazardRatios),
                TrialArmDraws(model: request.experimentalModel, dropoutRate: d.experimentalDropoutRate,
                              streamID: streams.experimental, capacity: n, hazardRatios: hazardRatios))
        workspace = TwoGroupWorkspace(capacity: n)
        z = Distributions.normalQuantile(1 - request.design.alpha / 2)
        let ratio = request.design.ratio
        block = [UInt8](repeating: 0, count: ratio.blockSize)
        var words = ReplicateWorker.allocationWordCount(patients: n, blockSize: ratio.blockSize)
            + (d.crossesOver ? n : 0)
        let b = ratio.blockSize, strataCount = max(cells.count, 1)
        if !cells.isEmpty {
            // n stratum words, then at most ⌈n_c / b⌉ blocks of b − 1 picks in each stratum c.
            words += n + (n / b + strataCount) * (b - 1)
        }
        buffers = ReplicateBuffers(patients: n, words: (words + 3) / 4 * 4, strata: !cells.isEmpty)
        var cumulative = 0.0
        strataThresholds = cells.dropLast().map { cumulative += $0.prevalence; return wordThreshold(cumulative) }
        stratumBlocks = [UInt8](repeating: 0, count: cells.isEmpty ? 0 : strataCount * b)
        stratumPosition = [Int](repeating: 0, count: strataCount)
        stratumCounts = ([Int](repeating: 0, count: strataCount), [Int](repeating: 0, count: strataCount))
    }

    /// The first word of the strata's part of the allocation stream: after the spacings,
    /// the unstratified block picks and the crossover words (so a design without strata
    /// draws exactly the words it drew before).
    var strataWordOffset: Int {
        let d = request.design
        return ReplicateWorker.allocationWordCount(patients: d.patients, blockSize: d.ratio.blockSize) + (d.crossesOver ? d.patients : 0)
    }

    /// Words of the allocation stream a replicate uses: n + 1 exponential spacings, then
    /// b − 1 Fisher–Yates picks per block of b (then, with crossover, one word per
    /// patient in entry order: the control patient crosses over when its uniform is
    /// below the share).
    static func allocationWordCount(patients n: Int, blockSize b: Int) -> Int {
        n + 1 + (n + b - 1) / b * (b - 1)
    }

    /// Entry times (ordered uniforms on [0, accrual] by exponential spacings) and the
    /// permuted-block allocation (1 experimental, 0 control), from the allocation stream
    /// `stream` (its words from call 0, four per call): words 0 … n are the spacings
    /// (−log of the word's uniform, the kernels' log), then each block of b takes b − 1
    /// words for its picks. The spacings' words are reserved even without accrual.
    mutating func enrol(_ stream: RandomStream) {
        let d = request.design, n = d.patients
        let calls = allocationWords.count / 4
        let entry = entry, spacing = spacing, allocationWords = allocationWords
        nensim_philox4x32_10_interleaved(stream.key0, stream.key1, 0, stream.block0, stream.block1, calls, allocationWords.baseAddress!)
        if d.accrual > 0 {
            nensim_neglog_u32(allocationWords.baseAddress!, spacing.baseAddress!, n + 1)
            var sum = 0.0
            for j in 0..<n { sum += spacing[j]; entry[j] = sum }
            sum += spacing[n]
            if let pieces = d.accrualRates {
                // Piecewise rates: Λ⁻¹(n · U₍ⱼ₎) (AccrualRates).
                let f = Double(n) / sum
                for j in 0..<n { entry[j] = AccrualRates.time(ofEnrolment: entry[j] * f, pieces) }
            } else {
                let f = d.accrual / sum
                for j in 0..<n { entry[j] *= f }
            }
        } else {
            for j in 0..<n { entry[j] = 0 }
        }
        let b = d.ratio.blockSize
        let ne = d.ratio.experimentalPerBlock
        if d.strata != nil { return enrolStratified() }
        // Through pointers: no uniqueness check of the arrays per pick.
        let words = allocationWords, allocation = allocation
        block.withUnsafeMutableBufferPointer { block in
            var next = n + 1
            var j = 0
            while j < n {
                for k in 0..<b { block[k] = k < ne ? 1 : 0 }
                // Fisher–Yates: position k takes one of the remaining k + 1 labels.
                for k in stride(from: b - 1, to: 0, by: -1) {
                    let pick = Self.pick(words[next], among: k + 1)
                    next += 1
                    block.swapAt(k, pick)
                }
                for k in 0..<min(b, n - j) { allocation[j + k] = block[k] }
                j += b
            }
        }
    }

    /// A Fisher–Yates pick among `count` labels from word `w`: ⌊uniform32(w) · count⌋,
    /// in integers. (w + ½)/2³² · count = (2w + 1) · count / 2³³ is exact in a Double
    /// (2w + 1 < 2³³ and a block of at most 200 000 need under 51 bits), so its floor is
    /// the integer quotient, below `count`: the picks of the floating-point formula.
    @inline(__always) static func pick(_ w: UInt32, among count: Int) -> Int {
        Int(truncatingIfNeeded: (((UInt64(w) &<< 1) | 1) &* UInt64(truncatingIfNeeded: count)) &>> 33)
    }

    /// Stratified permuted blocks: patient j's stratum is the first stratum whose
    /// cumulative share's word threshold exceeds word `strataWordOffset + j`; in entry
    /// order, each stratum opens a new permuted block (b − 1 Fisher–Yates picks from the
    /// words after the n stratum words, in the order blocks open) when its last one is
    /// used up, and allocates its patients from it — so every stratum's allocations
    /// hold the ratio exactly after each complete block of its own.
    mutating func enrolStratified() {
        let d = request.design, n = d.patients
        let b = d.ratio.blockSize, ne = d.ratio.experimentalPerBlock
        let first = strataWordOffset
        var next = first + n
        for c in stratumPosition.indices { stratumPosition[c] = 0 }
        for j in 0..<n {
            let w = UInt64(allocationWords[first &+ j])
            var c = 0
            while c < strataThresholds.count && w >= strataThresholds[c] { c &+= 1 }
            stratum[j] = UInt8(c)
            let base = c &* b
            if stratumPosition[c] == 0 {
                for k in 0..<b { stratumBlocks[base &+ k] = k < ne ? 1 : 0 }
                for k in stride(from: b - 1, to: 0, by: -1) {
                    let pick = Self.pick(allocationWords[next], among: k + 1)
                    next &+= 1
                    stratumBlocks.swapAt(base &+ k, base &+ pick)
                }
            }
            allocation[j] = stratumBlocks[base &+ stratumPosition[c]]
            stratumPosition[c] = stratumPosition[c] &+ 1 == b ? 0 : stratumPosition[c] &+ 1
        }
    }

    mutating func simulate(replicate r: Int) -> ReplicateOutcome {
        let d = request.design, n = d.patients
        let allocation = allocation, stratum = stratum, eventTime = eventTime, dropout = dropout, entry = entry
        let calendar = calendar, allocationWords = allocationWords
        let rep = UInt32(r)
        enrol(RandomStream(seed: request.seed, arm: TrialRequest.allocationStreamID, replicate: rep, block: 0))
        let stratified = d.strata != nil
        if stratified {
            for c in stratumCounts.control.indices { stratumCounts.control[c] = 0; stratumCounts.experimental[c] = 0 }
            for j in 0..<n {
                let c = Int(stratum[j])
                if allocation[j] == 1 { stratumCounts.experimental[c] &+= 1 } else { stratumCounts.control[c] &+= 1 }
            }
            arms.control.draw(counts: stratumCounts.control, seed: request.seed, replicate: rep)
            arms.experimental.draw(counts: stratumCounts.experimental, seed: request.seed, replicate: rep)
            // From here `stratumCounts` counts each slot's patients taken so far per stratum.
            for c in stratumCounts.control.indices { stratumCounts.control[c] = 0; stratumCounts.experimental[c] = 0 }
        } else {
            var allocatedExperimental = 0
            for j in 0..<n { allocatedExperimental &+= Int(allocation[j]) }
            arms.control.draw(count: n - allocatedExperimental, seed: request.seed, replicate: rep)
            arms.experimental.draw(count: allocatedExperimental, seed: request.seed, replicate: rep)
        }
        let scan = d.assessmentInterval, phases = d.assessmentSchedule
        let pfsEndpoint = d.endpoint == .pfs
        let crossWord = ReplicateWorker.allocationWordCount(patients: n, blockSize: d.ratio.blockSize)
        let crossThreshold = d.crossesOver ? wordThreshold(d.crossover!) : nil
        // Each patient takes its arm's next draw: the arm chosen by selects on the
        // allocation (0 or 1, in no predictable order), not by a branch.
        let control = arms.control, experimental = arms.experimental
        var next = (control: 0, experimental: 0)
        for j in 0..<n {
            let a = Int(allocation[j]), isExperimental = a == 1
            var k = isExperimental ? next.experimental : next.control
            next.experimental &+= a
            next.control &+= 1 &- a
            if stratified {
                let c = Int(stratum[j])
                if isExperimental {
                    k = experimental.offset[c] &+ stratumCounts.experimental[c]
                    stratumCounts.experimental[c] &+= 1
                } else {
                    k = control.offset[c] &+ stratumCounts.control[c]
                    stratumCounts.control[c] &+= 1
                }
            }
            let pfs = isExperimental ? experimental.pfs : control.pfs
            let pps = isExperimental ? experimental.pps : control.pps
            let drop = (isExperimental ? experimental.dropout : control.dropout)[k]
            var times = (pfs: pfs[k], os: pfs[k] + pps[k])
            if !isExperimental, let crossThreshold, UInt64(allocationWords[crossWord &+ j]) < crossThreshold {
                // Crossover at progression: the experimental arm's post-progression survival.
                times.os = times.pfs + control.crossedPPS![k]
            }
            var y = pfsEndpoint ? times.pfs : times.os
            if pfsEndpoint, let phases {
                y = min(AssessmentSchedule.scan(atOrAfter: times.pfs, phases), times.os)
            } else if pfsEndpoint, let scan {
                // Progression is seen at the first scan at or after it, unless death comes first.
                y = min((times.pfs / scan).rounded(.up) * scan, times.os)
            }
            eventTime[j] = y
            dropout[j] = drop
        }
        if let looks { return performLooks(looks, replicate: r) }

        // Calendar time of the analysis.
        let cap = d.followUp.map { d.accrual + $0 } ?? .infinity
        var analysis = cap
        if let target = d.targetEvents {
            var m = 0
            for j in 0..<n where eventTime[j] <= dropout[j] {
                calendar[m] = entry[j] + eventTime[j]
                m += 1
            }
            if target <= m {
                buffers.calendarSorter.sort(UnsafeMutableBufferPointer(rebasing: calendar[0..<m]))
                analysis = min(calendar[target - 1], cap)
            }
        }
        if analysis == .infinity {
            // Fewer events than targeted and no calendar cap: everyone followed to event or dropout.
            analysis = 0
            for j in 0..<n { analysis = max(analysis, entry[j] + min(eventTime[j], dropout[j])) }
        }

        // The analysis data set and its statistics (SequentialAnalysis.swift, shared with the looks).
        return analyse(at: analysis, replicate: r, z: z)
    }
}
