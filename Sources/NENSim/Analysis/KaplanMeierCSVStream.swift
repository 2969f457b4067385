import Foundation
import SurvivalStats

/// Takes the curves `SurvivalAnalysis.run` fits, each group's once, as soon as it is fitted.
public protocol FittedCurveSink: Sendable {
    /// Group `group`'s curve. When `run` fits the curves concurrently this is called on a
    /// worker and in any order, while the tests are still being computed; otherwise on the
    /// calling thread, in group order.
    func take(group: Int, label: String, curve: KaplanMeierEstimate)
    /// Returns once the curves taken so far are done with (their memory can go): `run`
    /// calls it after each curve when it holds one curve at a time.
    func drain()
}

/// Writes km.csv's rows (after its header) from the curves `SurvivalAnalysis.run` hands
/// over, in group order whatever order they come in, on a queue of its own: a curve's
/// rows are formatted (`AnalysisResult.writeKaplanMeierRows`, on `threads` workers) while
/// the analysis goes on with the log-rank test and the Cox model, so that the file's
/// formatting fills the cores those leave idle (docs/PERFORMANCE.md, "km.csv formatted
/// beside the tests").
/// The bytes are those of `writeKaplanMeierRows` for each group in turn.
/// Invariant (why it is `@unchecked Sendable`): `out` is touched only on `queue`, from
/// `init` until `finish` has returned; `pending`, `next` and `failure` only under `lock`.
public final class KaplanMeierCSVStream: FittedCurveSink, @unchecked Sendable {
    private let out: OutputFile
    private let points: Int?
    private let threads: Int
    private let queue = DispatchQueue(label: "nensim.km-stream")
    private let writing = DispatchGroup()
    private let lock = NSLock()
    private var pending: [Int: (label: String, curve: KaplanMeierEstimate)] = [:]
    private var next = 0
    private var failure: (any Error)?

    /// Rows go to `out` (its header already written); `points` thins each curve (`--km-points`).
    public init(_ out: OutputFile, points: Int?, threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.out = out
        self.points = points
        self.threads = threads
    }

    public func take(group: Int, label: String, curve: KaplanMeierEstimate) {
        lock.withLock { pending[group] = (label, curve) }
        writing.enter()
        queue.async {
            self.writeReady()
            self.writing.leave()
        }
    }

    public func drain() { writing.wait() }

    /// Waits until every curve taken is written; throws the first failure to write.
    public func finish() throws {
        writing.wait()
        if let failure = lock.withLock({ failure }) { throw failure }
    }

    /// On `queue`: the curves whose turn has come, in group order. After a failure the
    /// rest are dropped (the file is abandoned).
    private func writeReady() {
        while let item = lock.withLock({ () -> (label: String, curve: KaplanMeierEstimate)? in
            guard let item = pending.removeValue(forKey: next) else { return nil }
            next += 1
            return item
        }) {
            guard lock.withLock({ failure == nil }) else { continue }
            do {
                try AnalysisResult.writeKaplanMeierRows(label: item.label, item.curve, points: points, to: out, threads: threads)
            } catch {
                lock.withLock { if failure == nil { failure = error } }
            }
        }
    }
}
