import Foundation

/// One shard of a run: shard `index` of `count` (1-based, `nensim run --shard i/k`).
///
/// A run's work items are (arm, block) pairs numbered arm × blocksPerArm + block
/// (`Engine.run`). Shard i of k runs the items i − 1, i − 1 + k, i − 1 + 2k, … —
/// dealt like cards, so every shard gets a share of every arm and the short last block
/// of an arm costs no shard much more than another. Because a block's random stream
/// depends only on (seed, arm, replicate, block), the k shards together simulate
/// exactly the patients of the unsharded run (docs/ARCHITECTURE.md, "Engine" and "Scale").
public struct ShardSpec: Sendable, Codable, Equatable, Hashable, CustomStringConvertible {
    /// 1 … count.
    public var index: Int
    /// Number of shards, 1 … `maxCount`.
    public var count: Int

    /// The largest k accepted: far more shards than any batch system runs at once, and
    /// small enough that merge's bookkeeping stays trivial.
    public static let maxCount = 100_000

    /// - Throws: `NensimFailure.usage` unless 1 ≤ index ≤ count ≤ `maxCount`.
    public init(index: Int, count: Int) throws {
        guard count >= 1, count <= ShardSpec.maxCount else {
            throw NensimFailure.usage("\(.shard) \(index)/\(count): the number of shards must be between 1 and \(ShardSpec.maxCount)")
        }
        guard index >= 1, index <= count else {
            throw NensimFailure.usage("\(.shard) \(index)/\(count): the shard number must be between 1 and \(count) (shards count from 1)")
        }
        self.index = index
        self.count = count
    }

    /// Parses `i/k`, e.g. `3/7`.
    ///
    /// - Throws: `NensimFailure.usage` naming the flag when the text is not two integers
    ///   with 1 ≤ i ≤ k ≤ `maxCount`.
    public static func parse(_ text: String) throws -> ShardSpec {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2,
              let i = Int(String(parts[0]).trimmingCharacters(in: .whitespaces)),
              let k = Int(String(parts[1]).trimmingCharacters(in: .whitespaces)) else {
            throw NensimFailure.usage("\(.shard) '\(user: text)': expected i/k, e.g. 3/7 for the third of seven shards")
        }
        return try ShardSpec(index: i, count: k)
    }

    /// The work items this shard runs, out of `total`.
    public func workItems(total: Int) -> StrideTo<Int> { stride(from: index - 1, to: total, by: count) }

    /// How many work items this shard runs, out of `total`.
    public func workItemCount(total: Int) -> Int { total >= index ? (total - index) / count + 1 : 0 }

    /// `3/7`.
    public var description: String { "\(index)/\(count)" }

    /// `shard-3-of-7`, for file names.
    public var fileTag: String { "shard-\(index)-of-\(count)" }
}
