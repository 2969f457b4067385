/// The phases of a long command, reported to whoever shows progress (the command line's
/// bar on a terminal). The library never draws anything: it calls a `ProgressSink`
/// (docs/ARCHITECTURE.md, "Progress").
public enum ProgressPhase: String, Sendable, CaseIterable {
    case simulating
    case replicates = "simulating trials"
    case statistics
    case psa = "PSA draws"
    case writing = "writing files"

    /// What the phase counts.
    public var unit: String {
        switch self {
        case .simulating: "patients"
        case .replicates: "trials"
        case .statistics: "steps"
        case .psa: "draws"
        case .writing: "files"
        }
    }
}

/// Receives a command's phases and the units done in each. `advance` may be called from
/// any worker thread, so implementations are thread-safe and cheap (an atomic add).
public protocol ProgressSink: AnyObject, Sendable {
    /// Starts `phase` with `total` units (≥ 1); the phase before it is over.
    func begin(_ phase: ProgressPhase, total: Int)
    /// Adds `count` units done in the current phase.
    func advance(_ count: Int)
}

extension ProgressSink {
    /// `advance` as the engines' per-block callback.
    public var callback: @Sendable (Int) -> Void { { [self] count in advance(count) } }
}
