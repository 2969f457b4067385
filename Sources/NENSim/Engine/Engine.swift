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
    /// Economic inputs: each patient's costs, QALYs and life-years accrued (docs/ECONOMICS.md).
    public var economics: EconomicInputs? = nil

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

/// An arm's patients into its tally (and records): the kernel's block, then the scatter
/// into integer counts on the grid. The sink of `Engine.run`.
struct ArmTallySink: Sendable {
    let kernel: PatientKernel
    let inverseWidth: Double
    let lastCell: Int
    let accrual: CostAccrual?

    init(model: ArmModel, request: SimulationRequest) {
        accrual = request.economics.map { CostAccrual(inputs: $0, model: model, horizon: $0.horizonMonths ?? request.design.horizon) }
        kernel = PatientKernel(model: model, censoring: CensoringStage(design: request.design),
                               streamID: NENSim.streamID(ofArm: model.id))
        inverseWidth = 1 / request.gridWidth
        lastCell = request.cells - 1
    }

    /// Simulates patients [first, first + count) of one block into `tally` (and
    /// `records` when given), count ≤ the scratch capacity. Draws: `PatientLayout`.
    func simulate(count: Int, stream: RandomStream, tally: inout ArmTally,
                  records: RecordSink?, first: Int, scratch: KernelScratch) {
        tally.responseTiers.withUnsafeMutableBufferPointer { tiers in
            tally.binaryOutcomes.withUnsafeMutableBufferPointer { bins in
                kernel.draw(count: count, stream: stream, scratch: scratch, tiers: tiers, binaries: bins)
            }
        }
        let pfs = scratch.pfs.baseAddress!, pps = scratch.pps.baseAddress!
        // The scatter into the tally (and the records), branch-free in C: each patient's
        // two cells and event flags in a vectorised pass, then the increments.
        let censor = kernel.censoring.isRandom ? UnsafePointer(scratch.censor.baseAddress!) : nil
        let fixedCensor = kernel.censoring.fixed, inverseWidth = inverseWidth, lastCell = lastCell
        tally.pfs.withCounts { pe, pc in
            tally.os.withCounts { oe, oc in
                nensim_tally_scatter(pfs, pps, censor, fixedCensor, count, inverseWidth, lastCell, pe, pc, oe, oc,
                                     records.map { $0.pfsTime.baseAddress! + first }, records.map { $0.pfsEvent.baseAddress! + first },
                                     records.map { $0.osTime.baseAddress! + first }, records.map { $0.osEvent.baseAddress! + first })
            }
        }
        if let records { (records.tier.baseAddress! + first).update(from: scratch.tier.baseAddress!, count: count) }
        if let accrual, tally.economics != nil { accrual.accrue(count: count, pfs: pfs, pps: pps, into: &tally.economics!) }
        tally.patients &+= count
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

    var records: PatientRecords {
        PatientRecords(pfsTime: Array(pfsTime), pfsEvent: Array(pfsEvent), osTime: Array(osTime),
                       osEvent: Array(osEvent), responseTier: Array(tier))
    }
}

/// The Monte Carlo engine (docs/ARCHITECTURE.md, "Engine").
public enum Engine {
    /// Simulates every arm of `request`. Work items are (arm, block) pairs, item
    /// arm·blocksPerArm + block, dealt to workers by the block driver; each worker fills
    /// its own tallies, which are added at the end. Because a block's stream depends only
    /// on (seed, arm, replicate, block) and counts are integers, the result is identical
    /// for any thread count. `items`: a subset of the work items (a shard's); default all.
    /// - Complexity: O(arms × n) time, O(threads × arms × cells) memory in tally mode.
    public static func run(_ request: SimulationRequest, items: WorkItems? = nil,
                           progress: (@Sendable (Int) -> Void)? = nil) -> SimulationResult {
        LinearAlgebra.setBLASThreads(1) // Dispatch runs one worker per core: keep OpenBLAS single-threaded inside them.
        let sinks = request.arms.map { ArmTallySink(model: $0, request: request) }
        let cells = request.cells
        let grid = BlockGrid(patients: request.patientsPerArm, blockSize: request.blockSize)
        // All items by default, without materialising them (n = 10¹² has ~10⁸ blocks per arm).
        let items = items ?? WorkItems.all(request.arms.count * grid.blocksPerUnit)
        let records: [RecordSink]? = request.keepsRecords ? request.arms.map { _ in RecordSink(count: request.patientsPerArm) } : nil
        let economics = request.economics != nil
        let empty = request.arms.map {
            var t = ArmTally(cells: cells, tiers: $0.responseTierCount, binaries: $0.binaryOutcomes.count)
            if economics { t.economics = EconomicTally() }
            return t
        }
        let layouts = sinks.map(\.kernel.layout)
        let workers = BlockDriver.run(items: items, threads: request.threads,
                                      makeWorker: { _ in (tallies: empty, scratch: KernelScratch(capacity: request.blockSize, layouts: layouts)) },
                                      progress: progress) { worker, item, _ in
            let (arm, block, first, count) = grid.locate(item)
            let stream = RandomStream(seed: request.seed, arm: sinks[arm].kernel.streamID,
                                      replicate: request.replicate, block: UInt64(block))
            sinks[arm].simulate(count: count, stream: stream, tally: &worker.tallies[arm], records: records?[arm], first: first,
                                scratch: worker.scratch)
            return count
        }
        let total = BlockDriver.merge(workers, empty: empty, tallies: \.tallies, names: request.arms.map(\.id), context: "Engine.run, arm")
        return SimulationResult(request: request, tallies: total, records: records?.map(\.records))
    }

    /// `run` on a shard's work items (`--shard i/k`): blocks i − 1, i − 1 + k, … of all
    /// arms × blocks.
    public static func run(_ request: SimulationRequest, shard: ShardSpec,
                           progress: (@Sendable (Int) -> Void)? = nil) -> SimulationResult {
        run(request, items: WorkItems(shard: shard, total: request.arms.count * request.blocksPerArm), progress: progress)
    }
}
