import Foundation
import NENSim

/// Unknown-option suggestions that name the right option or none.
///
/// ArgumentParser suggests the nearest option within edit distance 3, whatever the
/// length, so R users' words got unrelated options (`--robust` → `--out`, `--zph` →
/// `--tau`). Here a suggestion stands only when it is a near-typo: at most 2 edits and
/// at most a third of the typed name; otherwise the message names no option. R's
/// words for options that exist under another name are mapped to it (`aliases`).
enum OptionSuggestions {
    /// R's vocabulary → the option that does it (only options that exist).
    static let aliases: [String: String] = [
        "--weight": "--weights",
        "--factors": "--factor",
        "--level": "--levels",
        "--ref": "--reference",
        "--relevel": "--reference",
        "--id": "--cluster",
        "--sandwich": "--robust",
        "--entry": "--start",
        "--tstart": "--start",
        "--zph": "--ph-test",
        "--cox-zph": "--ph-test",
    ]

    /// The message with its suggestion checked (other messages unchanged).
    static func refine(_ message: String) -> String {
        guard message.hasPrefix("Unknown option '--") else { return message }
        let parts = message.split(separator: "'", omittingEmptySubsequences: false).map(String.init)
        // "Unknown option '", NAME, ". Did you mean '", SUGGESTION, "?"
        guard parts.count >= 2 else { return message }
        let typed = parts[1]
        let bare = "Unknown option '\(typed)'"
        if let alias = aliases[typed] { return bare + ". Did you mean '\(alias)'?" }
        guard parts.count >= 4 else { return message }
        let suggestion = parts[3]
        let distance = editDistance(String(typed.dropFirst(2)), String(suggestion.dropFirst(2)))
        return distance <= 2 && 3 * distance <= typed.count - 2 ? message : bare
    }
}
