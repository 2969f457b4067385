import ArgumentParser
import Foundation
import NENSim

@main
struct Nensim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nensim",
        abstract: "Outcome simulation and survival statistics for gastro-entero-pancreatic neuroendocrine neoplasms.",
        version: NENSimInfo.version,
        subcommands: [Run.self, Arms.self, Validate.self, Analyze.self, Trial.self, Design.self, Merge.self, Fit.self, Reconstruct.self],
        defaultSubcommand: Run.self
    )

    /// Parses and runs, reporting any error as one line on stderr (`nensim: …`) with
    /// its sysexits status; help and version requests print as usual.
    static func main() {
        do {
            var command = try parseAsRoot(Analyze.withDefaultTransform(Array(CommandLine.arguments.dropFirst())))
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is CleanExit {
                exit(withError: error)
            }
            let message = OptionSuggestions.refine(self.message(for: error)
                .split(separator: "\n").first.map(String.init)?
                .replacingOccurrences(of: "Error: ", with: "") ?? "")
            if !message.isEmpty {
                FileHandle.standardError.write(Data("nensim: \(message)\n".utf8))
            }
            Foundation.exit(code.rawValue)
        }
    }
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
