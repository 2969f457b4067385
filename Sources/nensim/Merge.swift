import ArgumentParser
import Foundation
import NENSim

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add the tally files of a sharded run (run --shard i/k) into the unsharded run's report and files.",
        discussion: """
        Checks first that the files are shards 1 … k of one run (one scenario hash, one k, \
        each shard once) and intact (checksum); every problem is one line naming the file, \
        exit status 65, and nothing is written. The report and the files (--out, --format; default \
        the unsharded run's folder) equal the unsharded run's byte for byte, apart from the \
        manifest's time stamp, command line and thread count.
        Example: nensim merge notebooks-out/prrt-everolimus-n100000-seed1.shard-*-of-8.nstally
        """
    )

    @Argument(help: ArgumentHelp("The k tally files (*.nstally), in any order.", valueName: "shard-file"))
    var files: [String] = []

    @Option(name: .long, help: "Worker threads (results do not depend on it).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give the tally files of every shard, e.g. run.shard-*-of-8.nstally") }
        guard threads >= 1, threads <= 1024 else { throw ValidationError("--threads \(threads): must be between 1 and 1024") }
    }

    func run() throws {
        let merged: ShardMerge.Merged
        do {
            merged = try ShardMerge.merge(paths: files, threads: threads)
        } catch {
            for line in error.lines { FileHandle.standardError.write(Data("nensim: \(line)\n".utf8)) }
            throw ExitCode(error.status.rawValue)
        }
        try reportingFailures {
            let s = merged.scenario
            let request = merged.result.request
            try output.check(request)
            // The run's own default folder, so a merged run lands where the unsharded one would.
            let session = try output.begin(defaultFolder: OutputOptions.defaultFolder(arms: s.arms.map(\.id), n: s.patientsPerArm, seed: s.seed),
                                           request: request)
            defer { session.close() }
            session.simulationEnded()
            let report = try Reporter.report(merged.result, reference: s.reference, landmarks: s.landmarkTimes, tau: s.tau)
            var catalogue = try EvidenceCatalogue.bundled()
            if let file = merged.evidenceFile { catalogue = try catalogue.merging(contentsOf: URL(fileURLWithPath: file)) }
            try session.finish(request: request, report: report, models: s.arms, result: merged.result, catalogue: catalogue,
                               evidenceFile: merged.evidenceFile)
            guard output.printsTable else { return }
            printReport(report, request: request)
        }
    }
}
