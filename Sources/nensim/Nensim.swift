import ArgumentParser
import Foundation
import NENSim

@main
struct Nensim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nensim",
        abstract: "Outcome simulation and survival statistics for gastro-entero-pancreatic neuroendocrine neoplasms.",
        version: NENSimInfo.version,
        subcommands: [Run.self, Arms.self],
        defaultSubcommand: Run.self
    )
}

/// Runs `body`, turning a `NensimFailure` into one line on stderr and its exit status.
func reportingFailures(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let failure as NensimFailure {
        FileHandle.standardError.write(Data("nensim: \(failure.message)\n".utf8))
        throw ExitCode(failure.status.rawValue)
    }
}
