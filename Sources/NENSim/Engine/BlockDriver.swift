import Dispatch
import Synchronization

/// The next item of `BlockDriver.map` to be taken.
private final class NextItem: Sendable {
    let value = Atomic<Int>(0)
}

/// The work items of one run, described, never listed: item k of the run (k < `count`)
/// is `first + k·stride`. All items are `WorkItems.all(total)` (first 0, stride 1); shard
/// i of k is `WorkItems(shard:total:)` (first i − 1, stride k). An item is whatever the
/// caller numbers — (arm, block) as `arm·blocksPerArm + block`, (pathway, block), a trial
/// replicate — so n = 10¹² patients (about 10⁸ blocks per arm) costs no list.
public struct WorkItems: Sendable, Equatable {
    public var first: Int
    public var stride: Int
    public var count: Int

    public init(first: Int, stride: Int, count: Int) {
        precondition(first >= 0 && stride >= 1 && count >= 0, "work items: first ≥ 0, stride ≥ 1, count ≥ 0")
        self.first = first
        self.stride = stride
        self.count = count
    }

    /// Items 0 ..< total.
    public static func all(_ total: Int) -> WorkItems { WorkItems(first: 0, stride: 1, count: max(total, 0)) }

    /// Shard `shard`'s items of 0 ..< total: i − 1, i − 1 + k, … (`ShardSpec`).
    public init(shard: ShardSpec, total: Int) {
        self.init(first: shard.index - 1, stride: shard.count, count: shard.workItemCount(total: total))
    }

    /// The item at position `k` (0 ≤ k < count).
    @inline(__always) public subscript(k: Int) -> Int { first &+ k &* stride }
}

/// Where a work item (unit, block) lies when each unit (an arm, a pathway) has
/// `patients` patients cut into blocks of `blockSize`: item = unit·blocksPerUnit + block,
/// the block's patients are [first, first + count). The one numbering of blocks that
/// `Engine.run` and `PathwayEngine.run` share (a block's random stream depends only on
/// its unit and block).
struct BlockGrid: Sendable {
    let patients: Int
    let blockSize: Int
    let blocksPerUnit: Int

    init(patients: Int, blockSize: Int) {
        precondition(patients >= 0 && blockSize >= 1, "block grid: patients ≥ 0, block size ≥ 1")
        self.patients = patients
        self.blockSize = blockSize
        blocksPerUnit = (patients + blockSize - 1) / blockSize
    }

    /// Unit, block and the block's patients of `item` (0 ≤ item < units · blocksPerUnit).
    @inline(__always) func locate(_ item: Int) -> (unit: Int, block: Int, first: Int, count: Int) {
        let unit = item / blocksPerUnit, block = item % blocksPerUnit
        let first = block * blockSize
        return (unit, block, first, min(blockSize, patients - first))
    }
}

/// Result slots shared by the workers: one per worker (the driver's states) or one per
/// work item (a trial's replicates). Invariant: each slot is written by one worker only,
/// once, through the pointer (never through a shared Swift array), and the slots are
/// read only after `concurrentPerform` has returned.
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

/// The one block driver (docs/ARCHITECTURE.md, "Engine"): every simulation — arms
/// (arm × block), pathways (pathway × block), trial replicates (replicate, each running
/// its arms' blocks), PSA draws (each draw's arms × blocks) — deals its work items to
/// workers through `run`.
enum BlockDriver {
    /// Runs `body` on every item of `items` with at most `threads` workers.
    ///
    /// Worker w (0 ≤ w < T, T = min(threads, items.count), at least 1) makes its state
    /// with `makeWorker(w)` and takes positions w, w + T, w + 2T, … in that order, calling
    /// `body(&state, item, position)` for each; `body` returns the patients it simulated,
    /// which go to `progress`. The workers' final states are returned in worker order.
    ///
    /// Determinism: which worker runs an item depends on T, so a caller whose result
    /// must not depend on the thread count either merges worker states exactly (integer
    /// tallies) or writes each item's result to a slot of its own (replicates); in both
    /// cases an item's random streams must depend only on the item.
    /// - Complexity: O(items) calls of `body`; no list of items is built.
    static func run<Worker>(items: WorkItems, threads: Int,
                            makeWorker: @Sendable (_ worker: Int) -> Worker,
                            progress: (@Sendable (Int) -> Void)? = nil,
                            body: @Sendable (inout Worker, _ item: Int, _ position: Int) -> Int) -> [Worker] {
        let workers = max(1, min(threads, max(items.count, 1)))
        let slots = WorkerSlots<Worker?>(count: workers, initial: nil)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var state = makeWorker(w)
            var position = w
            while position < items.count {
                let patients = body(&state, items[position], position)
                progress?(patients)
                position += workers
            }
            slots.store(state, at: w)
        }
        return slots.slots.map { $0! }
    }
}

extension BlockDriver {
    /// `body(i)` for i in 0 ..< count, each on a worker (at most `threads`), each result in
    /// a slot of its own: the same array as `(0..<count).map(body)` for any thread count.
    /// Unlike `run`'s fixed dealing, a worker takes the next item not yet taken (items of
    /// unequal cost, or a worker slowed by another thread, leave no worker idle); the
    /// result does not depend on who ran what.
    static func map<T>(_ count: Int, threads: Int, _ body: @Sendable (Int) -> T) -> [T] {
        let slots = WorkerSlots<T?>(count: count, initial: nil)
        let next = NextItem()
        DispatchQueue.concurrentPerform(iterations: max(1, min(threads, count))) { _ in
            while true {
                let item = next.value.add(1, ordering: .relaxed).oldValue
                guard item < count else { break }
                slots.store(body(item), at: item)
            }
        }
        return slots.slots.map { $0! }
    }
}

/// Integer counts that workers fill and that add up exactly, in any order (`ArmTally`,
/// `PathwayTally`), with their internal consistency (docs/ARCHITECTURE.md, "Invariants").
protocol MergeableTally {
    mutating func add(_ other: Self)
    func invariantViolations() -> [String]
}

extension BlockDriver {
    /// The sum of the workers' tallies, one per unit (arm, pathway): `empty` plus each
    /// worker's `tallies(worker)[u]`. With `NENSIM_INVARIANTS`, each sum is checked and a
    /// violation stops the process naming `context` and the unit's name in `names`.
    static func merge<W, T: MergeableTally>(_ workers: [W], empty: [T], tallies: (W) -> [T], names: [String],
                                            context: String) -> [T] {
        var total = empty
        for w in workers {
            let t = tallies(w)
            for u in total.indices { total[u].add(t[u]) }
        }
        #if NENSIM_INVARIANTS
        for (u, t) in total.enumerated() {
            let v = t.invariantViolations()
            precondition(v.isEmpty, "\(context), \(names[u]): \(v.joined(separator: "; "))")
        }
        #endif
        return total
    }
}
