import ArgumentParser
import Foundation
import NENSim

struct Trial: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate a randomised two-arm trial many times: power, type I error, distribution of the HR.",
        discussion: """
        Each replicate randomises --n patients (permuted blocks of twice the ratio's sum), enters them uniformly \
        over --accrual months, drops them out at --dropout a year and analyses at the --events-th event or \
        --follow-up months after accrual ends, whichever comes first. The first arm is experimental, the second \
        the control. Results are identical for any --threads.
        Example: nensim trial --arms sunitinib,placebo --n 171 --accrual 24 --follow-up 12 --dropout 0.1 --replicates 2000
        """
    )

    @OptionGroup var trial: TrialDesignOptions

    @OptionGroup var output: QuietOption

    @OptionGroup var figures: TrialFigureOptions

    @Option(name: .long, parsing: .unconditional, help: "Patients randomised per trial (both arms).", transform: Counts.parse)
    var n: Int

    @Option(name: .long, parsing: .unconditional, help: "Event-driven analysis at this many events (at most --n).", transform: Counts.parse)
    var events: Int?

    @Option(name: .long, parsing: .unconditional, help: "Significance level: two-sided, or with --looks the α of --sided.")
    var alpha: Double = 0.05

    @Option(name: .long, parsing: .unconditional, help: "Type II error of the design's drift (futility bounds and the design's H1 exit probabilities); default 0.2.")
    var beta: Double?

    @Option(name: .long, parsing: .unconditional, help: "The same as --beta 1 − POWER.")
    var power: Double?

    @Option(name: .long, parsing: .unconditional, help: "Sides of a --looks design: 1 (reject for benefit only) or 2 (default).")
    var sided: Int?

    @Option(name: .long, parsing: .unconditional, help: "Number of simulated trials.", transform: Counts.parse)
    var replicates: Int = 1000

    @Flag(name: .long, help: "Run the control arm against itself (type I error).")
    var null = false

    @Option(name: .long, parsing: .unconditional, help: "Probabilistic sensitivity analysis: K parameter draws from the figures' ranges, each simulated.", transform: Counts.parse)
    var psa: Int?

    @Option(name: .long, parsing: .unconditional, help: "Predictive trials: K trials, each simulated once with its own draw of the arms' parameters (as --psa draws them); reports assurance, the probability of a significant result, and the predictive HR, medians and p-value (docs/TRIAL.md).", transform: Counts.parse)
    var assurance: Int?

    @Option(name: .long, parsing: .unconditional, help: "Random seed; the same seed gives the same output for any thread count.")
    var seed: UInt64 = 1

    @Option(name: .long, parsing: .unconditional, help: "Worker threads (default: all cores). Results do not depend on it.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(name: .long, help: "Refuse (exit 65) when the analysed endpoint of either arm rests on an assumption, or a calibration is implausible (docs/MODEL.md).")
    var strict = false

    @Option(name: .long, help: "Output folder (default notebooks-out/trial-<arms>-n<N>-seed<S>).")
    var out: String?

    @Flag(name: .long, help: "Overwrite the files of an existing output folder.")
    var force = false

    @Option(name: .long, help: ArgumentHelp("Run only replicates r with r mod k = i − 1 and write their shard file (to --out FILE, or notebooks-out/trial-<arms>-n<N>-seed<S>.shard-i-of-k.nstally) instead of the report; add the k files with `nensim merge` (docs/SCALE.md). With --psa K, also those replicates under each draw; with --assurance K, also predictive trials t with t mod k = i − 1.", valueName: "i/k"))
    var shard: String?

    func validate() throws {
        guard n >= 2 else { throw ValidationError("--n \(n): a trial needs at least 2 patients") }
        guard replicates >= 1 else { throw ValidationError("--replicates \(replicates): must be at least 1") }
        guard replicates <= 100_000_000 else { throw ValidationError("--replicates \(replicates): at most 10^8") }
        guard threads >= 1, threads <= 256 else { throw ValidationError("--threads \(threads): must be between 1 and 256 (each worker keeps its own tally)") }
        if let psa { guard psa >= 1, psa <= 100_000 else { throw ValidationError("--psa \(psa): the number of draws must be between 1 and 100000") } }
        if let assurance {
            guard Limits.psaDraws.contains(assurance) else { throw ValidationError("--assurance \(assurance): the number of trials must be between 1 and 100000") }
            if psa != nil { throw ValidationError("give --assurance or --psa, not both (--psa summarises many trials per draw, --assurance one trial per draw)") }
        }
        if let shard {
            do { _ = try ShardSpec.parse(shard) } catch let f as NensimFailure { throw validationError(f) }
            if trial.looks != nil { throw ValidationError("--shard with --looks: sharded group-sequential trials are not supported yet") }
        }
        try trial.validateLooks(sided: sided ?? 2)
        if trial.looks == nil {
            for (flag, given) in [("--sided", sided != nil), ("--beta", beta != nil), ("--power", power != nil)] where given {
                throw ValidationError("\(flag) needs --looks (a group-sequential design)")
            }
        }
        if let sided, sided != 1, sided != 2 { throw ValidationError("--sided \(sided): 1 or 2") }
        if beta != nil, power != nil { throw ValidationError("give --beta or --power, not both") }
        if let b = beta ?? power.map({ 1 - $0 }) { guard b > 0, b < 1 else { throw ValidationError("--beta/--power: β = \(b) must lie in (0, 1)") } }
        if trial.looks != nil, events == nil { throw ValidationError("--looks needs --events (looks are at fractions of the target events)") }
        if psa != nil, !trial.strata.isEmpty { throw ValidationError("--psa with --strata: a stratified PSA is not supported yet") }
        // Cross-field checks of the design and the arm list, before any work.
        try validating {
            try design().validate()
            _ = try trial.armPair("trial")
        }
    }

    func design() throws -> TrialDesign {
        try trial.design(patients: n, followUp: trial.followUp ?? (events == nil ? 12 : nil), targetEvents: events,
                         alpha: alpha, null: null,
                         sequential: try trial.sequentialPlan(sides: sided ?? 2, beta: beta ?? power.map { 1 - $0 } ?? 0.2))
    }

    /// `notebooks-out/trial-<arms>-n<N>-seed<S>`.
    static func defaultFolder(_ request: TrialRequest) -> String {
        "notebooks-out/trial-\(request.experimental.id)-\(request.control.id)-n\(request.design.patients)-seed\(request.seed)"
    }

    /// Writes the report's files, prints its table and the files written, and commits
    /// the folder (after printing: a failed stdout leaves nothing).
    static func finish(_ report: TrialReport, folder: RunFolder) throws {
        _ = try report.write(to: folder) {
            guard !Console.quiet else { return }
            try Console.out(report.renderTable())
            try Console.out("")
            let shown = folder.files.map { (folder.displayName as NSString).appendingPathComponent($0) }
            try Console.out("wrote \(shown.joined(separator: ", "))")
        }
    }

    func run() throws {
        output.apply()
        try reportingFailures {
            let (catalogue, overrides, models) = try trial.calibratedArms("trial", strict: strict)
            let design = try trial.resolvingStrata(try design(), models: models)
            try design.validate()
            trial.warnInert(design)

            let request = TrialRequest(experimental: models[0], control: models[1], design: design,
                                       replicates: replicates, seed: seed, threads: threads)
            if let shard {
                try request.validate()
                let draws = try psa.map { try TrialSimulator.psaDraws(request, catalogue: catalogue, overrides: overrides, K: $0) }
                let spec = try ShardSpec.parse(shard)
                let trials = try assurance.map { try TrialSimulator.assurance(request, catalogue: catalogue, overrides: overrides, K: $0, shard: spec) }
                warnFindings(models)
                return try runTrialShard(spec, request: request, out: out, psa: draws, assurance: trials)
            }
            warnFindings(models)
            try request.validate()
            let folder = try RunFolder.create(at: out ?? Self.defaultFolder(request), force: force, shape: .files)
            defer { folder.abandon() }
            let bar = ProgressBar.started(plan: [.replicates] + (psa == nil ? [] : [.psa]), total: replicates, shows: ProgressBar.showsOnTerminal)
            defer { bar?.finish() }
            let result = TrialSimulator.run(request, progress: bar?.callback)
            if psa != nil { bar?.begin(.psa, total: 1) }
            let psaResult = try psa.map { try TrialSimulator.psa(request, catalogue: catalogue, overrides: overrides, K: $0) }
            if let assurance { bar?.begin(.replicates, total: assurance) }
            let assuranceResult = try assurance.map { try TrialSimulator.assurance(request, catalogue: catalogue, overrides: overrides, K: $0, progress: bar?.callback) }
            bar?.complete() // before the table, on the same terminal
            var report = TrialReport(result: result, psa: psaResult?.draws, psaFigures: psaResult?.figures ?? [],
                                     commandLine: ["nensim"] + CommandLine.arguments.dropFirst())
            report.assurance = assuranceResult
            report.figureFormats = try figures.formats()
            report.figureDPI = figures.dpi
            try Self.finish(report, folder: folder)
        }
    }
}
