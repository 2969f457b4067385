import ArgumentParser
import Foundation
import NENSim

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add the tally files of a sharded run (run --shard i/k) into the unsharded run's report.",
        discussion: """
        Checks first that the files are shards 1 … k of one run (one scenario hash, one k, \
        each shard once) and intact (checksum); every problem is one line naming the file, \
        exit status 65, and nothing is merged. The report equals the unsharded run's byte for byte.
        Example: nensim merge notebooks-out/prrt-everolimus-n100000-seed1.shard-*-of-8.nstally
        """
    )

    @Argument(help: ArgumentHelp("The k tally files (*.nstally), in any order.", valueName: "shard-file"))
    var files: [String] = []

    @Option(name: .long, help: "Worker threads for the statistics (results do not depend on it).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

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
            let report = try Reporter.report(merged.result, reference: s.reference, landmarks: s.landmarkTimes, tau: s.tau)
            printReport(report, request: merged.result.request)
        }
    }
}
