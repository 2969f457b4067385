import ArgumentParser
import Foundation
import Testing
@testable import nensim

/// The committed man pages (docs/man/, made by scripts/make-man.sh) match the commands:
/// a new command or option without a regenerated page fails here.
struct ManPageTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/man")

    static func page(_ name: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
    }

    /// The long options a command's help lists (the lines that define one, not mentions in prose).
    static func longOptions(_ help: String) -> Set<String> {
        var names: Set<String> = []
        for line in help.split(separator: "\n") {
            let trimmed = line.drop { $0 == " " }
            guard trimmed.count < line.count else { continue } // definitions are indented
            let definition = trimmed.hasPrefix("-") && !trimmed.hasPrefix("--") ? trimmed.drop { $0 != " " }.dropFirst() : trimmed
            guard definition.hasPrefix("--") else { continue }
            names.insert(String(definition.dropFirst(2).prefix { $0.isLetter || $0.isNumber || $0 == "-" }))
        }
        return names
    }

    @Test func everyCommandHasAPageNamingEachOfItsLongOptions() throws {
        #expect(try Self.page("nensim.1").contains(".Nm nensim"))
        for command in Nensim.configuration.subcommands {
            let name = command._commandName
            let page = try Self.page("nensim.\(name).1")
            let options = Self.longOptions(Nensim.helpMessage(for: command, columns: 10_000))
            #expect(!options.isEmpty || name == "completion" || name == "version", "no options read from the help of \(name)")
            for option in options.sorted() where option != "help" {
                #expect(page.contains("Fl -\(option)"), "docs/man/nensim.\(name).1 lacks --\(option): run scripts/make-man.sh")
            }
        }
    }

    /// The parser of help lines reads definitions and skips options named in prose.
    @Test func longOptionsAreReadFromDefinitionLinesOnly() {
        let help = """
        OPTIONS:
          --arms <arms>           Arm ids; see --pathways.
          -q, --quiet             Print nothing.
          --follow-up <months>    Follow-up.
        Example: nensim --seed 2
        """
        #expect(Self.longOptions(help) == ["arms", "quiet", "follow-up"])
    }
}
