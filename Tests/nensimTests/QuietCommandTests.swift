import Foundation
import Testing

/// `-q` on the commands outside `run`: nothing on stdout or stderr, the files still written.
@Suite struct QuietCommandTests {
    static let lung = FitCommandTests.lung

    static let commands: [(arguments: [String], files: [String])] = [
        (["trial", "--arms", "sunitinib,placebo", "--n", "40", "--replicates", "20", "--out", "o"], ["replicates.csv", "trial.json", "trial.svg"]),
        (["design", "--arms", "sunitinib,placebo", "--power", "0.8", "--replicates", "20", "--out", "o"], ["design.json", "design.svg", "design_power.csv"]),
        (["fit", lung, "--time", "time", "--event", "status", "--event-codes", "1,2", "--dist", "weibull", "--out", "o"], ["fit.csv", "fit.json", "fit.svg"]),
    ]

    @Test(arguments: commands)
    func quietPrintsNothingAndStillWrites(arguments: [String], files: [String]) throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let loud = try CLI.run(arguments, currentDirectory: dir)
        #expect(loud.status == 0 && !loud.stdout.isEmpty, "\(loud.stderr)")
        let quiet = try CLI.run(arguments + ["--force", "-q"], currentDirectory: dir)
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(quiet.stdout.isEmpty && quiet.stderr.isEmpty, "\(quiet.stdout)\(quiet.stderr)")
        let written = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("o").path).sorted()
        #expect(written == files)
    }
}
