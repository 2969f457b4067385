import Foundation
import Testing

/// `--strict` on the simulating commands that `RunCommandTests` and
/// `PathwayCommandTests` do not cover (trial, validate): each implausible case and each
/// assumption-based endpoint is refused with exit 65, one line naming the arm and what
/// to change, and nothing on stdout or on disk (docs/MODEL.md, "Plausibility").
struct StrictCommandTests {
    static let trial = ["trial", "--n", "100", "--replicates", "10", "--strict", "-q"]

    static let refusals: [([String], String)] = [
        // The source's PRRT PFS and OS centres imply a 3.7-month post-progression median.
        (trial + ["--arms", "prrt,everolimus"], "prrt pps.median = 3.71 months"),
        // An override that pushes the implied post-progression median below the floor.
        (trial + ["--arms", "everolimus,placebo", "--set", "everolimus.pfs.median=31.5"], "everolimus pps.median = 7.7 months"),
        // An OS endpoint resting on the post-progression assumption.
        (trial + ["--arms", "captem,everolimus", "--set", "captem.pfs.median=12", "--endpoint", "os"],
         "captem OS against everolimus rests on an assumption (pps.median)"),
        // Strata transporting a median beyond the stated multiple of the arm's figures.
        (trial + ["--arms", "everolimus,placebo", "--strata", "liver_metastases=yes:0.3,no:0.7"],
         "everolimus PFS median 49.56 months in the simulated population is 4.51× its median 11 months"),
        (["validate", "prrt", "--n", "2000", "--strict"], "prrt pps.median = 3.71 months"),
    ]

    @Test(arguments: refusals)
    func strictRefusesInOneLineAndWritesNothing(arguments: [String], names: String) throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let args = arguments.first == "trial" ? arguments + ["--out", out.path] : arguments
        let r = try CLI.run(args)
        #expect(r.status == 65, "\(arguments): \(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.hasPrefix("nensim: --strict: ") && r.stderr.contains(names), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    /// Without `--strict` the same trial runs and warns instead.
    @Test func withoutStrictTheTrialWarnsAndRuns() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["trial", "--arms", "prrt,everolimus", "--n", "100", "--replicates", "10", "--out", dir.path, "--force"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("warning: prrt pps.median = 3.71 months"))
    }
}
