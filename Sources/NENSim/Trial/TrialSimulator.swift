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
        guard replicates >= 1 else { throw NensimFailure.usage("--replicates \(replicates): must be at least 1") }
        guard replicates <= Int(UInt32.max) else { throw NensimFailure.usage("--replicates \(replicates): at most 2^32 − 1") }
        guard threads >= 1 else { throw NensimFailure.usage("--threads \(threads): must be at least 1") }
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

    public var events: Int { statistics.eventsControl + statistics.eventsExperimental }
    public var enrolled: Int { enrolledControl + enrolledExperimental }
}

/// The outcome of a trial simulation, one entry per replicate in replicate order.
public struct TrialResult: Sendable {
    public var request: TrialRequest
    public var replicates: [ReplicateOutcome]
}

/// The per-patient model of an arm, the same as the engine's `ArmKernel` (response rank,
/// Fréchet coupling, PFS by S(T) = v, OS = PFS + exponential PPS), drawing in the same
/// order, followed by the trial's dropout draw.
struct TrialPatientKernel: Sendable {
    let scale: Double
    let inverseShape: Double
    let exponentialPFS: Bool
    let inversePPSRate: Double
    let cuts: [Double]
    let coupling: Double

    init(model: ArmModel) {
        scale = model.pfs.scale
        inverseShape = 1 / model.pfs.shape
        exponentialPFS = model.pfs.shape == 1
        inversePPSRate = 1 / model.ppsRate
        cuts = model.responseCuts.map(\.probability)
        coupling = model.responseCoupling
    }

    /// PFS and OS of the next patient of this arm's stream.
    @inline(__always)
    func draw(_ stream: inout RandomStream) -> (pfs: Double, os: Double) {
        var v: Double
        if !cuts.isEmpty {
            let ur = stream.nextUniform()
            let um = stream.nextUniform()
            v = um < coupling ? ur : stream.nextUniform()
        } else {
            v = stream.nextUniform()
        }
        let e = -log(v)
        let pfs = exponentialPFS ? scale * e : scale * pow(e, inverseShape)
        return (pfs, pfs - log(stream.nextUniform()) * inversePPSRate)
    }
}

/// Per-replicate result slots shared by the workers.
/// Invariant: replicate r is written only by the worker that runs it (r ≡ w mod threads),
/// once, through the pointer; the slots are read only after `concurrentPerform` returns.
final class ReplicateSlots: @unchecked Sendable {
    let slots: UnsafeMutableBufferPointer<ReplicateOutcome?>
    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }
    deinit {
        slots.baseAddress!.deinitialize(count: slots.count)
        slots.deallocate()
    }
    @inline(__always) func store(_ value: ReplicateOutcome, at i: Int) { slots[i] = value }
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
        let threads = max(1, min(request.threads, reps))
        let slots = ReplicateSlots(count: reps)
        DispatchQueue.concurrentPerform(iterations: threads) { w in
            var worker = ReplicateWorker(request: request)
            var r = w
            while r < reps {
                slots.store(worker.simulate(replicate: r), at: r)
                progress?(1)
                r += threads
            }
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
        let threads = max(1, min(request.threads, count))
        let slots = ReplicateSlots(count: count)
        DispatchQueue.concurrentPerform(iterations: threads) { w in
            var worker = ReplicateWorker(request: request)
            var p = w
            while p < count {
                slots.store(worker.simulate(replicate: indices[p]), at: p)
                p += threads
            }
        }
        return slots.slots.map { $0! }
    }
}

/// One worker's scratch space and the replicate loop body.
struct ReplicateWorker {
    let request: TrialRequest
    let kernels: (control: TrialPatientKernel, experimental: TrialPatientKernel)
    let streams: (control: UInt32, experimental: UInt32)
    let workspace: TwoGroupWorkspace
    let z: Double
    var entry: [Double]
    var allocation: [UInt8]
    var eventTime: [Double]
    var dropout: [Double]
    var calendar: [Double]
    var block: [UInt8]

    init(request: TrialRequest) {
        self.request = request
        kernels = (TrialPatientKernel(model: request.control), TrialPatientKernel(model: request.experimentalModel))
        streams = request.slotStreamIDs
        let n = request.design.patients
        workspace = TwoGroupWorkspace(capacity: n)
        z = Distributions.normalQuantile(1 - request.design.alpha / 2)
        entry = [Double](repeating: 0, count: n)
        allocation = [UInt8](repeating: 0, count: n)
        eventTime = entry; dropout = entry; calendar = entry
        let ratio = request.design.ratio
        block = [UInt8](repeating: 0, count: ratio.blockSize)
    }

    /// Entry times (ordered uniforms on [0, accrual] by exponential spacings) and the
    /// permuted-block allocation (1 experimental, 0 control).
    mutating func enrol(_ stream: inout RandomStream) {
        let d = request.design, n = d.patients
        if d.accrual > 0 {
            var sum = 0.0
            for j in 0..<n { sum += stream.nextExponential(); entry[j] = sum }
            sum += stream.nextExponential()
            let f = d.accrual / sum
            for j in 0..<n { entry[j] *= f }
        } else {
            for j in 0..<n { entry[j] = 0 }
        }
        let b = d.ratio.blockSize
        let ne = 2 * d.ratio.experimental
        var j = 0
        while j < n {
            for k in 0..<b { block[k] = k < ne ? 1 : 0 }
            // Fisher–Yates: position k takes one of the remaining k + 1 labels.
            for k in stride(from: b - 1, to: 0, by: -1) {
                let pick = min(Int(stream.nextUniform() * Double(k + 1)), k)
                block.swapAt(k, pick)
            }
            for k in 0..<min(b, n - j) { allocation[j + k] = block[k] }
            j += b
        }
    }

    mutating func simulate(replicate r: Int) -> ReplicateOutcome {
        let d = request.design, n = d.patients
        let rep = UInt32(r)
        var alloc = RandomStream(seed: request.seed, arm: TrialRequest.allocationStreamID, replicate: rep, block: 0)
        enrol(&alloc)
        var s0 = RandomStream(seed: request.seed, arm: streams.control, replicate: rep, block: 0)
        var s1 = RandomStream(seed: request.seed, arm: streams.experimental, replicate: rep, block: 0)
        let dropoutRate = d.dropoutRate
        let inverseDropout = dropoutRate > 0 ? 1 / dropoutRate : 0
        let scan = d.assessmentInterval
        let pfsEndpoint = d.endpoint == .pfs
        for j in 0..<n {
            let times: (pfs: Double, os: Double)
            var drop = Double.infinity
            if allocation[j] == 1 {
                times = kernels.experimental.draw(&s1)
                if dropoutRate > 0 { drop = -log(s1.nextUniform()) * inverseDropout }
            } else {
                times = kernels.control.draw(&s0)
                if dropoutRate > 0 { drop = -log(s0.nextUniform()) * inverseDropout }
            }
            var y = pfsEndpoint ? times.pfs : times.os
            if pfsEndpoint, let scan {
                // Progression is seen at the first scan at or after it, unless death comes first.
                y = min((times.pfs / scan).rounded(.up) * scan, times.os)
            }
            eventTime[j] = y
            dropout[j] = drop
        }

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
                calendar.withUnsafeMutableBufferPointer { buf in
                    var part = UnsafeMutableBufferPointer(rebasing: buf[0..<m])
                    part.sort()
                }
                analysis = min(calendar[target - 1], cap)
            }
        }
        if analysis == .infinity {
            // Fewer events than targeted and no calendar cap: everyone followed to event or dropout.
            analysis = 0
            for j in 0..<n { analysis = max(analysis, entry[j] + min(eventTime[j], dropout[j])) }
        }

        // The analysis data set: patients enrolled by then, followed to event, dropout or cut-off.
        var m = 0, n0 = 0, n1 = 0
        for j in 0..<n where entry[j] < analysis {
            let limit = min(analysis - entry[j], dropout[j])
            let isEvent = eventTime[j] <= dropout[j] && entry[j] + eventTime[j] <= analysis
            var t: Double
            if isEvent {
                t = eventTime[j]
            } else {
                t = max(limit, 0)
                // Censored without a recorded progression: at the last adequate scan.
                if pfsEndpoint, let scan { t = (t / scan).rounded(.down) * scan }
            }
            workspace.time[m] = t
            workspace.event[m] = isEvent
            workspace.group[m] = allocation[j]
            if allocation[j] == 1 { n1 += 1 } else { n0 += 1 }
            m += 1
        }

        let (rho, gamma): (Double, Double)
        if case let .flemingHarrington(r, g) = d.test { (rho, gamma) = (r, g) } else { (rho, gamma) = (0, 0) }
        let stats = workspace.analyze(count: m, rho: rho, gamma: gamma)
        let zStat: Double
        switch d.test {
        case .cox: zStat = stats.coxZ
        default: zStat = stats.z
        }
        let beta = stats.logHazardRatio, se = stats.standardError
        let hr = exp(beta)
        let lower = se.isFinite ? exp(beta - z * se) : 0
        let upper = se.isFinite ? exp(beta + z * se) : .infinity
        return ReplicateOutcome(replicate: r, analysisTime: analysis, enrolledControl: n0, enrolledExperimental: n1,
                                statistics: stats, z: zStat,
                                pTwoSided: 2 * Distributions.normalCDF(-abs(zStat)),
                                pOneSided: Distributions.normalCDF(zStat),
                                hazardRatio: hr, lower: beta.isNaN ? .nan : lower, upper: beta.isNaN ? .nan : upper)
    }
}
