import ArgumentParser
import Foundation
import NENSim
#if canImport(Glibc)
import Glibc
#endif

/// Exit statuses of nensim, from BSD `sysexits.h` (docs/RELIABILITY.md).
enum ExitStatus: Int32 {
    /// A flag or argument is wrong (EX_USAGE).
    case usage = 64
    /// An input file or figure is malformed or inconsistent (EX_DATAERR).
    case data = 65
    /// An input file does not exist or cannot be read (EX_NOINPUT).
    case noInput = 66
    /// An internal invariant failed (EX_SOFTWARE).
    case software = 70
    /// An output folder or file cannot be created (EX_CANTCREAT).
    case cannotCreate = 73
    /// Reading or writing failed part-way (EX_IOERR).
    case io = 74

    init(_ kind: NensimFailure.Kind) {
        switch kind {
        case .usage: self = .usage
        case .data: self = .data
        case .noInput: self = .noInput
        case .cannotCreate: self = .cannotCreate
        case .io: self = .io
        case .software: self = .software
        }
    }
}

extension Parameter {
    /// The flag that sets this input on the command line.
    var flag: String {
        switch self {
        case .arms: "--arms"
        case .patients: "--n"
        case .reference: "--reference"
        case .tau: "--tau"
        case .psa: "--psa"
        case .seed: "--seed"
        case .threads: "--threads"
        case .shard: "--shard"
        case .override: "--set"
        case .population: "--population"
        case .evidence: "--evidence"
        case .economics: "--economics"
        case .wtp: "--wtp"
        case .populationSize: "--population-size"
        case .years: "--years"
        case .horizon: "--horizon"
        case .accrual: "--accrual"
        case .followUp: "--follow-up"
        case .dropout: "--dropout"
        case .gridWidth: "--grid-days"
        case .exactLimit: "--exact-limit"
        case .blockSize: "--block-size"
        case .pathways: "--pathways"
        case .strict: "--strict"
        case .lineGap: "--line-gap"
        case .laterLineHazardRatio: "--later-line-hr"
        case .out: "--out"
        case .force: "--force"
        case .format: "--format"
        case .patientsFile: "--patients"
        case .quiet: "--quiet"
        case .timeColumn: "--time"
        case .startColumn: "--start"
        case .phTest: "--ph-test"
        case .eventColumn: "--event"
        case .groupColumn: "--group"
        case .strataColumn: "--strata"
        case .covariateColumns: "--covariates"
        case .eventCodes: "--event-codes"
        case .landmarks: "--landmarks"
        case .confidenceLevel: "--conf-level"
        case .rho: "--rho"
        case .weightsColumn: "--weights"
        case .clusterColumn: "--cluster"
        case .factorColumns: "--factor"
        case .levels: "--levels"
        case .referenceLevel: "--reference"
        case .ratio: "--ratio"
        case .targetEvents: "--events"
        case .endpoint: "--endpoint"
        case .test: "--test"
        case .assessment: "--assess"
        case .crossover: "--crossover"
        case .strata: "--strata"
        case .unstratifiedAnalysis: "--unstratified-analysis"
        case .alpha: "--alpha"
        case .replicates: "--replicates"
        case .null: "--null"
        case .looks: "--looks"
        case .spending: "--spending"
        case .betaSpending: "--beta-spending"
        case .beta: "--beta"
        case .power: "--power"
        case .sided: "--sided"
        }
    }
}

extension Phrase {
    /// The message as the user reads it: parameters spelled as flags, on one line.
    var text: String { oneLine(rendered(\.flag)) }
}

extension NensimFailure {
    /// The line on stderr (without the `nensim: ` prefix).
    var text: String { message.text }
    var exitStatus: ExitStatus { ExitStatus(kind) }
}

/// A `ValidationError` from a library error, for `validate()` (exit 64, the message spelled).
func validationError(_ failure: NensimFailure) -> ValidationError { ValidationError(failure.text) }

/// Runs a library check inside `validate()`: a `NensimFailure` becomes a usage error
/// with its message spelled for the command line.
func validating(_ body: () throws -> Void) throws {
    do { try body() } catch let f as NensimFailure { throw validationError(f) }
}

/// Runs `body`, turning a `NensimFailure` into one line on stderr and its exit status.
func reportingFailures(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let failure as NensimFailure {
        Console.error(failure.text)
        throw ExitCode(failure.exitStatus.rawValue)
    }
}

/// stdout and stderr without traps: every write is checked, and a failed write of the
/// report (a full disk, a closed pipe, `/dev/full`) is an I/O error (exit 74) that the
/// command handles like any other — its output folder is not committed.
///
/// Writes go straight to the file descriptors with `write(2)` (no buffering in the
/// process), so nothing is lost at exit and the order of stdout and stderr lines is the
/// order of the calls.
enum Console {
    /// Whether warnings are suppressed (`-q`); set once by a command before it works.
    nonisolated(unsafe) static var quiet = false

    /// Writes `text` and a newline to stdout.
    /// - Throws: `NensimFailure.io` when stdout cannot take it.
    static func out(_ text: String, newline: Bool = true) throws {
        guard write(STDOUT_FILENO, newline ? text + "\n" : text) else {
            throw NensimFailure.io("cannot write the report to standard output (\(lastErrorText()))")
        }
    }

    /// Writes `nensim: text` to stderr. A failing stderr is ignored: there is nowhere
    /// left to say so, and the exit status still tells.
    static func error(_ text: String) {
        _ = write(STDERR_FILENO, "nensim: \(oneLine(text))\n")
    }

    /// A warning on stderr, unless `-q`.
    static func warning(_ text: String) {
        guard !quiet else { return }
        error("warning: \(text)")
    }

    /// A note on stderr (e.g. which files were written), unless `-q`.
    static func note(_ text: String) {
        guard !quiet else { return }
        _ = write(STDERR_FILENO, oneLine(text) + "\n")
    }

    /// Raw text on stderr (the progress bar).
    static func rawError(_ text: String) { _ = write(STDERR_FILENO, text) }

    /// Writes every byte of `text` to `fd`; false when a write fails.
    static func write(_ fd: Int32, _ text: String) -> Bool {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        bytes.removeAll()
        return true
    }

    static func lastErrorText() -> String { String(cString: strerror(errno)) }
}

/// `-q/--quiet` for the commands without the run's output options: no table, no notes
/// and no warnings on the terminal; errors still print and files are still written.
struct QuietOption: ParsableArguments {
    @Flag(name: [.customShort("q"), .long], help: "Print nothing but errors (no table, no notes, no warnings); files are still written.")
    var quiet = false

    /// Sets `Console.quiet`; call first in `run()`.
    func apply() { Console.quiet = quiet }
}
