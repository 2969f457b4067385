import Foundation
import NENSim
import Synchronization

/// A progress bar on stderr over a command's phases (simulating, statistics, PSA draws,
/// writing files; docs/ARCHITECTURE.md, "Progress"): the phase, its units done, rate and
/// ETA, redrawn at most 10 times a second by its own thread, and only once the command
/// has taken more than `delay` seconds (short runs print nothing). Workers report through
/// `advance`, which only adds to an atomic counter, so the hot loop never waits on the
/// terminal. `complete()` draws the last frame at 100 % and leaves it on its line;
/// `finish()` (errors, interrupts) erases the bar instead.
final class ProgressBar: ProgressSink {
    /// What one frame shows.
    struct Frame: Equatable {
        var phase: ProgressPhase
        /// 1-based position of `phase` in the plan, and the plan's length.
        var step: Int, steps: Int
        var done: Int, total: Int
        /// Seconds since the phase began, and since the command began.
        var phaseElapsed: Double, elapsed: Double
        /// The command is over: every phase done.
        var complete = false

        var fraction: Double { complete ? 1 : min(Double(done) / Double(max(total, 1)), 1) }
    }

    let delay: Double
    private let done = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)
    private let drawn = Atomic<Bool>(false)
    private let exited = DispatchSemaphore(value: 0)
    private let started = Date()
    private struct Current { var phase: ProgressPhase; var total: Int; var began: Date; var plan: [ProgressPhase] }
    private let current: Mutex<Current>

    /// `plan`: the phases the command will go through, in order (a phase begun outside
    /// it is appended); the first one begins now with `total` units.
    init(plan: [ProgressPhase], total: Int, delay: Double = 1.0) {
        precondition(!plan.isEmpty, "a progress bar needs at least one phase")
        self.delay = delay
        current = Mutex(Current(phase: plan[0], total: max(total, 1), began: Date(), plan: plan))
    }

    /// A started bar guarded by the interrupt handler, or nil when `shows` is false.
    static func started(plan: [ProgressPhase], total: Int, shows: Bool) -> ProgressBar? {
        guard shows else { return nil }
        let bar = ProgressBar(plan: plan, total: total)
        Interrupts.guardProgress(bar)
        bar.start()
        return bar
    }

    /// Whether a command without a `--progress` option shows the bar: on a terminal, not `-q`.
    static var showsOnTerminal: Bool { !Console.quiet && isatty(STDERR_FILENO) == 1 }

    func begin(_ phase: ProgressPhase, total: Int) {
        current.withLock {
            if !$0.plan.contains(phase) { $0.plan.append(phase) }
            $0 = Current(phase: phase, total: max(total, 1), began: Date(), plan: $0.plan)
            done.store(0, ordering: .relaxed)
        }
    }

    func advance(_ count: Int) { _ = done.add(count, ordering: .relaxed) }

    /// The frame now (`complete`: the last one, at 100 %).
    func frame(complete: Bool = false) -> Frame {
        let now = Date()
        return current.withLock { c in
            let k = min(done.load(ordering: .relaxed), c.total)
            return Frame(phase: c.phase, step: (c.plan.firstIndex(of: c.phase) ?? 0) + 1, steps: c.plan.count,
                         done: complete ? c.total : k, total: c.total,
                         phaseElapsed: now.timeIntervalSince(c.began), elapsed: now.timeIntervalSince(started), complete: complete)
        }
    }

    func start() {
        let thread = Thread { [self] in
            while !stopped.load(ordering: .acquiring) {
                usleep(100_000)
                if stopped.load(ordering: .acquiring) { break }
                let f = frame()
                if f.elapsed >= delay { draw(f) }
            }
            exited.signal()
        }
        thread.name = "nensim progress"
        thread.start()
    }

    /// Stops the thread; if a bar was drawn, draws the final frame at 100 % and ends its
    /// line, so the user sees the command finished and how long it took. Idempotent.
    func complete() {
        guard stop() else { return }
        if drawn.exchange(false, ordering: .acquiringAndReleasing) {
            Console.rawError("\r\u{1B}[2K" + ProgressBar.render(frame(complete: true), columns: ProgressBar.terminalColumns()) + "\n")
        }
    }

    /// Stops the thread and erases the bar (a failed or interrupted command). Idempotent.
    func finish() {
        guard stop() else { return }
        erase()
    }

    /// Stops the drawing thread; false if it was already stopped.
    private func stop() -> Bool {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return false }
        exited.wait()
        return true
    }

    /// Erases the bar if one was drawn (also from the interrupt handler).
    func erase() {
        if drawn.exchange(false, ordering: .acquiringAndReleasing) { Console.rawError("\r\u{1B}[2K") }
    }

    private func draw(_ f: Frame) {
        Console.rawError("\r\u{1B}[2K" + ProgressBar.render(f, columns: ProgressBar.terminalColumns()))
        drawn.store(true, ordering: .releasing)
    }

    /// One line of the bar, at most `columns` wide where the text allows: the bar, the
    /// percentage of the current phase, the phase and its place in the plan, units done,
    /// and for the simulation its rate and ETA; the last frame says how long it all took.
    static func render(_ f: Frame, columns: Int) -> String {
        let percent = " \(String(format: "%3.0f", f.fraction * 100))%  "
        let text: String
        if f.complete {
            text = percent + "done (\(f.steps) phase\(f.steps == 1 ? "" : "s")) in \(clock(f.elapsed))"
        } else {
            var t = percent + "\(f.phase.rawValue) (\(f.step)/\(f.steps))"
            if f.total > 1 { t += "  \(count(Double(f.done)))/\(count(Double(f.total))) \(f.phase.unit)" }
            if f.phase == .simulating || f.phase == .replicates || f.phase == .psa {
                let rate = f.phaseElapsed > 0 ? Double(f.done) / f.phaseElapsed : 0
                let eta = rate > 0 ? Double(f.total - f.done) / rate : .nan
                t += "  \(count(rate))/s  ETA \(clock(eta))"
            } else {
                t += "  \(clock(f.phaseElapsed))"
            }
            text = t
        }
        let barWidth = max(10, min(40, columns - text.count - 3))
        let filled = Int((f.fraction * Double(barWidth)).rounded(.down))
        return "[" + String(repeating: "█", count: filled) + String(repeating: "·", count: barWidth - filled) + "]" + text
    }

    static func count(_ x: Double) -> String {
        if !x.isFinite { return "?" }
        if x < 10_000 { return String(Int(x)) }
        if x < 1e6 { return String(format: "%.1fk", x / 1e3) }
        if x < 1e9 { return String(format: "%.2fM", x / 1e6) }
        return String(format: "%.2fG", x / 1e9)
    }

    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--:--" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }

    static func terminalColumns() -> Int {
        var w = winsize()
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &w) == 0, w.ws_col > 0 { return Int(w.ws_col) }
        return 80
    }
}
