import ArgumentParser
import Foundation
import NENSim

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add the shard files of a sharded run or trial (run/trial --shard i/k) into the unsharded one's report and files.",
        discussion: """
        Checks first that the files are shards 1 … k of one run (one scenario hash, one k, \
        each shard once) and intact (checksum); every problem is one line naming the file, \
        exit status 65, and nothing is written. The report and the files (--out, --format; default \
        the unsharded run's folder) equal the unsharded run's byte for byte, apart from the \
        manifest's time stamp, command line and thread count. Trial shards (trial --shard i/k) give \
        trial.json, replicates.csv, psa.csv, assurance.csv and the table of the unsharded trial (--out: its folder, --force).
        Example: nensim merge notebooks-out/prrt-everolimus-n100000-seed1.shard-*-of-8.nstally
        """
    )

    @Argument(help: ArgumentHelp("The k tally files (*.nstally), in any order.", valueName: "shard-file"))
    var files: [String] = []

    @Option(name: .long, parsing: .unconditional, help: "Worker threads (results do not depend on it).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give the tally files of every shard, e.g. run.shard-*-of-8.nstally") }
        guard threads >= 1, threads <= 256 else { throw ValidationError("--threads \(threads): must be between 1 and 256 (each worker keeps its own tally)") }
    }

    func run() throws {
        Console.quiet = output.quiet
        let outcome: ShardMerge.Outcome
        do {
            outcome = try ShardMerge.mergeAny(paths: files, threads: threads)
        } catch {
            for line in error.lines { Console.error(line) }
            throw ExitCode(ExitStatus(error.status).rawValue)
        }
        let merged: ShardMerge.Merged
        switch outcome {
        case .run(let m): merged = m
        case .trial(let t): return try mergeTrial(t)
        }
        try reportingFailures {
            let s = merged.scenario
            let request = merged.result.request
            try output.check(request)
            // The run's own default folder, so a merged run lands where the unsharded one would.
            let session = try output.begin(defaultFolder: try OutputOptions.defaultFolder(arms: s.arms.map(\.id), n: s.patientsPerArm, seed: s.seed, scenario: s),
                                           request: request, simulates: false)
            defer { session.close() }
            let report = try Reporter.report(merged.result, reference: s.reference, landmarks: s.landmarkTimes, tau: s.tau,
                                             progress: session.sink)
            var catalogue = try EvidenceCatalogue.bundled()
            if let file = merged.evidenceFile { catalogue = try catalogue.merging(contentsOf: URL(fileURLWithPath: file)) }
            let psaResult = merged.psa.map { $0.result(base: report) }
            let economicsReport = s.economics.map { $0.report(merged.result, reference: s.reference) }
            try session.finish(request: request, report: report, models: s.arms, result: merged.result, catalogue: catalogue,
                               evidenceFile: merged.evidenceFile,
                               extraCSV: psaResult.map { [("psa.csv", RunPSA.csv($0)), ("psa_summary.csv", RunPSA.summaryCSV($0))] } ?? [],
                               economics: economicsReport) {
                if output.printsTable {
                    try printReport(report, request: request, psa: psaResult)
                    if let economicsReport { print(economicsReport.text(), terminator: "") }
                }
            }
        }
    }

    /// Trial shards: the files `nensim trial` writes (trial.json, replicates.csv) into
    /// --out (default the trial's own folder; an existing one only with --force), and its table.
    func mergeTrial(_ merged: ShardMerge.MergedTrial) throws {
        try reportingFailures {
            let folder = try RunFolder.create(at: output.out ?? Trial.defaultFolder(merged.result.request), force: output.force, shape: .files)
            defer { folder.abandon() }
            var report = TrialReport(result: merged.result, psa: merged.psa, psaFigures: merged.psaFigures,
                                     commandLine: ["nensim"] + CommandLine.arguments.dropFirst())
            report.assurance = merged.assurance
            try Trial.finish(report, folder: folder)
        }
    }
}
