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
}
