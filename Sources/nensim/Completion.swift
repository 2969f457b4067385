import ArgumentParser
import Foundation
import NENSim

/// `nensim completion bash|zsh|fish`: the shell completion script (ArgumentParser's,
/// which calls back into nensim for the arm ids of `--arms`).
struct Completion: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a shell completion script: bash, zsh or fish.",
        discussion: """
        bash: nensim completion bash > /etc/bash_completion.d/nensim (or source it from ~/.bashrc). \
        zsh: nensim completion zsh > "${fpath[1]}/_nensim". fish: nensim completion fish > ~/.config/fish/completions/nensim.fish. \
        --arms completes the arm ids of the bundled catalogue, after each comma too.
        """
    )

    @Argument(help: "bash, zsh or fish.")
    var shell: CompletionShell

    func run() throws {
        try reportingFailures { try Console.out(Nensim.completionScript(for: shell)) }
    }
}

extension CompletionShell: @retroactive ExpressibleByArgument {}

/// `nensim version`: the same line as `--version` and `-v`.
struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print nensim's version.")

    func run() throws {
        try reportingFailures { try Console.out(NENSimInfo.version) }
    }
}

/// Completion of a comma-separated arm list: the ids of the bundled catalogue that start
/// with the word after the last comma, each with the words before it.
enum ArmCompletion {
    static let kind = CompletionKind.custom { _, _, prefix in candidates(prefix) }

    static func candidates(_ prefix: String) -> [String] {
        guard let ids = try? EvidenceCatalogue.bundled().armIDs else { return [] }
        let head = prefix.lastIndex(of: ",").map { String(prefix[...$0]) } ?? ""
        let tail = String(prefix.dropFirst(head.count))
        let typed = Set(head.split(separator: ",").map(String.init))
        return ids.filter { $0.hasPrefix(tail) && !typed.contains($0) }.map { head + $0 }
    }
}
