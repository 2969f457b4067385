import ArgumentParser
import Foundation
import NENSim
import SurvivalStats

@main
struct Nensim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nensim",
        abstract: "Outcome simulation and survival statistics for gastro-entero-pancreatic neuroendocrine neoplasms.",
        version: NENSimInfo.version,
        subcommands: [Run.self, Arms.self, Validate.self, Analyze.self, Trial.self, Design.self, Merge.self, Fit.self, Reconstruct.self, Completion.self, Version.self],
        defaultSubcommand: Run.self
    )

    /// Parses and runs, reporting any error as one line on stderr (`nensim: …`) with
    /// its sysexits status; help and version requests print as usual.
    static func main() {
        // A closed pipe or a file-size limit is a failed write (exit 74, cleaned up), not
        // a signal that kills the process mid-write (docs/RELIABILITY.md).
        signal(SIGPIPE, SIG_IGN)
        signal(SIGXFSZ, SIG_IGN)
        LinearAlgebra.useOneBLASThread()
        Phrase.spelling = { $0.flag }
        Interrupts.install()
        do {
            let arguments = Analyze.withDefaultTransform(Array(CommandLine.arguments.dropFirst()))
            if arguments == ["-v"] { print(NENSimInfo.version); return }
            try checkCommandWord(arguments)
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            // Whatever was being written and not committed goes (docs/RELIABILITY.md).
            while Interrupts.isExiting { sleep(1) }
            RunFolder.abandonAll()
            if let failure = error as? NensimFailure {
                Console.error(failure.text)
                Foundation.exit(failure.exitStatus.rawValue)
            }
            let code = exitCode(for: error)
            if code == .success || error is CleanExit {
                exit(withError: error)
            }
            let message = OptionSuggestions.refine(self.message(for: error)
                .split(separator: "\n").first.map(String.init)?
                .replacingOccurrences(of: "Error: ", with: "") ?? "")
            if !message.isEmpty { Console.error(message) }
            Foundation.exit(code.rawValue)
        }
    }

    /// The default command (`run`) takes no positional argument, so a first word that is
    /// not an option is a command name: an unknown one is a usage error naming the
    /// nearest command (`nensim trail` → did you mean 'trial'?), not a complaint about
    /// `--arms`.
    static func checkCommandWord(_ arguments: [String]) throws {
        guard let first = arguments.first, !first.hasPrefix("-") else { return }
        let names = configuration.subcommands.map { $0._commandName } + ["help"]
        guard !names.contains(first) else { return }
        let near = closestMatch(to: first, in: names)
        throw NensimFailure.usage("unknown command '\(user: first)'" + (near.map { "; did you mean '\($0)'?" }
            ?? "; the commands are \(names.dropLast().joined(separator: ", ")) (or options of run, e.g. --arms)"))
    }
}
