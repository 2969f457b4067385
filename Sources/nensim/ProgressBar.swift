import Foundation
import Synchronization

/// A progress bar on stderr: patients done, rate and ETA, redrawn at most 10 times a
/// second by its own thread, and only once the run has taken more than `delay`
/// seconds (short runs print nothing). Workers report through `callback`, which only
/// adds to an atomic counter, so the hot loop never waits on the terminal.
final class ProgressBar: Sendable {
    let total: Int
    let delay: Double
    private let done = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)
    private let drawn = Atomic<Bool>(false)
    private let exited = DispatchSemaphore(value: 0)
    private let begin = Date()

    init(total: Int, delay: Double = 1.0) {
        self.total = max(total, 1)
        self.delay = delay
    }

    /// Adds patients done (called from worker threads).
    var callback: @Sendable (Int) -> Void {
        { [self] count in _ = done.add(count, ordering: .relaxed) }
    }

    func start() {
        let thread = Thread { [self] in
            while !stopped.load(ordering: .acquiring) {
                usleep(100_000)
                if stopped.load(ordering: .acquiring) { break }
                let elapsed = Date().timeIntervalSince(begin)
                if elapsed >= delay { draw(elapsed: elapsed) }
            }
            exited.signal()
        }
        thread.name = "nensim progress"
        thread.start()
    }

    /// Stops the thread and erases the bar. Idempotent.
    func finish() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        exited.wait()
        erase()
    }

    /// Erases the bar if one was drawn (also from the interrupt handler).
    func erase() {
        if drawn.exchange(false, ordering: .acquiringAndReleasing) { Console.rawError("\r\u{1B}[2K") }
    }

    private func draw(elapsed: Double) {
        let k = min(done.load(ordering: .relaxed), total)
        let fraction = Double(k) / Double(total)
        let rate = Double(k) / elapsed
        let eta = rate > 0 ? Double(total - k) / rate : .nan
        let columns = ProgressBar.terminalColumns()
        let text = " \(String(format: "%3.0f", fraction * 100))%  \(ProgressBar.count(Double(k)))/\(ProgressBar.count(Double(total))) patients  \(ProgressBar.count(rate))/s  ETA \(ProgressBar.clock(eta))"
        let barWidth = max(10, min(40, columns - text.count - 3))
        let filled = Int((fraction * Double(barWidth)).rounded(.down))
        let bar = "[" + String(repeating: "█", count: filled) + String(repeating: "·", count: barWidth - filled) + "]"
        Console.rawError("\r\u{1B}[2K\(bar)\(text)")
        drawn.store(true, ordering: .releasing)
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
