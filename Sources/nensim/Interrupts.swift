import Foundation
import NENSim
import Synchronization

/// SIGINT, SIGTERM and SIGHUP, in every command: remove every output being made (each
/// open `RunFolder`: folders, files, shard files), erase the progress bar, say so on
/// stderr and exit 128 + signal (130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP);
/// docs/RELIABILITY.md.
///
/// The C handler only writes the signal number to a pipe (async-signal-safe); a
/// dedicated thread — a plain pthread, so it runs even while Dispatch's workers fill
/// every core — reads it and does the cleanup. SIGXFSZ is ignored so that exceeding a
/// file-size limit is an ordinary write error (exit 74) with cleanup.
enum Interrupts {
    private struct Guarded: @unchecked Sendable { // ProgressBar is thread-safe
        var bar: ProgressBar?
    }
    private static let guarded = Mutex(Guarded())
    private static let installed = Atomic<Bool>(false)
    private static let exiting = Atomic<Bool>(false)

    /// Whether a signal arrived and its thread is cleaning up and exiting. A writer the
    /// cleanup cancelled then fails; its thread must not race to exit with that error.
    static var isExiting: Bool { exiting.load(ordering: .acquiring) }

    static func install() {
        guard !installed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return }
        signalPipeWriteEnd = fds[1]
        let readEnd = fds[0]
        let thread = Thread {
            var byte: UInt8 = 0
            while read(readEnd, &byte, 1) != 1 {}
            exiting.store(true, ordering: .releasing)
            let bar = guarded.withLock { $0.bar }
            bar?.finish()
            let removed = RunFolder.anyOpen ? "; partial output removed" : ""
            RunFolder.abandonAll()
            let name = byte == UInt8(SIGINT) ? "interrupted" : byte == UInt8(SIGTERM) ? "terminated" : "hung up"
            Console.error("\(name)\(removed)")
            _exit(128 + Int32(byte))
        }
        thread.name = "nensim signals"
        thread.start()
        // A parent may start us with these signals blocked (the mask survives exec; test
        // runners and some process APIs do this): unblock them, or they stay pending.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for s in [SIGINT, SIGTERM, SIGHUP] {
            signal(s, forwardSignal)
            sigaddset(&unblock, s)
        }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        signal(SIGXFSZ, SIG_IGN)
    }

    static func guardProgress(_ bar: ProgressBar?) { guarded.withLock { $0.bar = bar } }
}

nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

private func forwardSignal(_ signal: Int32) {
    var byte = UInt8(truncatingIfNeeded: signal)
    _ = write(signalPipeWriteEnd, &byte, 1)
}
