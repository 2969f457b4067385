import Testing
import Foundation

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
