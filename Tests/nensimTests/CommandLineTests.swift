import Testing
import Foundation
@testable import nensim

struct CommandLineTests {
    @Test func versionFlagPrintsTheVersion() throws {
        let r = try CLI.run(["--version"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("0.1.0"))
    }

    @Test func unknownFlagIsAUsageError() throws {
        let r = try CLI.run(["--arms", "prrt", "--bogus"])
        #expect(r.status == 64)
    }

    /// A mistyped command names the nearest one; a word far from every command lists them.
    @Test(arguments: [("trail", "nensim: unknown command 'trail'; did you mean 'trial'?\n"),
                      ("analyse", "nensim: unknown command 'analyse'; did you mean 'analyze'?\n"),
                      ("xyzzy", "nensim: unknown command 'xyzzy'; the commands are run, arms, validate, analyze, trial, design, merge, fit, reconstruct (or options of run, e.g. --arms)\n")])
    func anUnknownCommandNamesTheNearestOne(word: String, expected: String) throws {
        let r = try CLI.run([word, "--n", "10"])
        #expect(r.status == 64)
        #expect(r.stderr == expected)
        #expect(r.stdout.isEmpty)
    }

    @Test func helpOfACommandStillWorks() throws {
        let r = try CLI.run(["help", "trial"])
        #expect(r.status == 0 && r.stdout.contains("--replicates"))
    }
}

/// Counts as people write them (docs/OUTPUTS.md, "Counts").
struct CountParsingTests {
    @Test(arguments: [("100000", 100_000), ("100_000", 100_000), ("100,000", 100_000), ("1,000,000", 1_000_000),
                      ("1e5", 100_000), ("2.5e6", 2_500_000), ("-5", -5), ("7", 7)])
    func countsParse(text: String, value: Int) throws {
        #expect(try Counts.parse(text) == value)
    }

    @Test(arguments: ["1,00", "10,0000", "1_,000", "_1", "1__0", "1.5", "1e99", "abc", "0x10", "", "1e"])
    func nonCountsAreRefused(text: String) {
        #expect(throws: (any Error).self) { try Counts.parse(text) }
    }

    @Test func aCountFlagTakesScientificNotation() throws {
        let r = try CLI.run(["--arms", "prrt", "--n", "1e3", "--format", "table", "-q"])
        #expect(r.status == 0, "\(r.stderr)")
        let bad = try CLI.run(["--arms", "prrt", "--n", "1,00"])
        #expect(bad.status == 64 && bad.stderr == "nensim: The value '1,00' is invalid for '--n <n>': not a whole number (e.g. 100000, 100_000, 100,000 or 1e5)\n", "\(bad.stderr)")
    }
}
