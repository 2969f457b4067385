import Foundation
import Testing
@testable import nensim

struct TrialCommandTests {
    static let base = ["trial", "--arms", "sunitinib,placebo", "--n", "120", "--accrual", "12", "--follow-up", "6",
                      "--dropout", "0.1", "--replicates", "200", "--seed", "7"]

    @Test func theIssueCommandParses() throws {
        let parsed = try Nensim.parseAsRoot(["trial", "--arms", "sunitinib,placebo", "--n", "171", "--ratio", "1:1", "--accrual", "24",
                                             "--follow-up", "12", "--dropout", "0.1", "--replicates", "2000", "--alpha", "0.05",
                                             "--events", "120", "--endpoint", "os", "--test", "fh:1,0", "--assess", "12w", "--null", "--psa", "5"])
        let trial = try #require(parsed as? Trial)
        let design = try trial.design()
        #expect(design.targetEvents == 120 && design.endpoint == .os && design.null)
        #expect(design.test == .flemingHarrington(rho: 1, gamma: 0))
        #expect(abs(design.assessmentInterval! - 84 / 30.4375) < 1e-12)
        #expect(trial.psa == 5)
        // Without --events the analysis is 12 months after accrual by default; with it, none.
        #expect(try (Nensim.parseAsRoot(["trial", "--arms", "a,b", "--n", "10"]) as! Trial).design().followUp == 12)
        #expect(try (Nensim.parseAsRoot(["trial", "--arms", "a,b", "--n", "10", "--events", "5"]) as! Trial).design().followUp == nil)
    }

    /// The realistic-design options reach the design: piecewise accrual, a changing
    /// scan schedule, per-arm dropout and crossover; the plain forms stay plain.
    @Test func realisticDesignOptionsParse() throws {
        let parsed = try Nensim.parseAsRoot(["trial", "--arms", "sunitinib,placebo", "--n", "300", "--accrual", "6:5,18:15",
                                             "--assess", "8w*6,12w", "--dropout", "sunitinib=0.1,placebo=0.05",
                                             "--crossover", "0.85", "--endpoint", "os"])
        let design = try (try #require(parsed as? Trial)).design()
        #expect(design.accrualRates?.count == 2 && abs(design.accrual - 24) < 1e-12)
        #expect(design.assessmentSchedule?.count == 2 && design.assessmentSchedule?[0].count == 6)
        #expect(design.experimentalDropoutPerYear == 0.1 && design.dropoutPerYear == 0.05)
        #expect(design.crossover == 0.85)
        let plain = try (Nensim.parseAsRoot(["trial", "--arms", "a,b", "--n", "10", "--accrual", "12", "--dropout", "0.1"]) as! Trial).design()
        #expect(plain.accrualRates == nil && plain.accrual == 12 && plain.experimentalDropoutPerYear == nil && plain.dropoutPerYear == 0.1)
        #expect(throws: (any Error).self) { try Nensim.parseAsRoot(["trial", "--arms", "a,b", "--n", "10", "--crossover", "2"]) }
    }

    /// The same seed gives byte-identical files and table for any thread count.
    @Test func outputsAreIdenticalForAnyThreadCount() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var outputs: [(String, Data, Data)] = []
        for t in [1, 2, 5] {
            let out = dir.appendingPathComponent("t\(t)")
            let r = try CLI.run(Self.base + ["--threads", "\(t)", "--out", out.path, "--assess", "8w", "--events", "80"])
            #expect(r.status == 0, "\(r.stderr)")
            outputs.append((r.stdout.replacingOccurrences(of: out.path, with: "OUT"),
                            try Data(contentsOf: out.appendingPathComponent("replicates.csv")),
                            try Data(contentsOf: out.appendingPathComponent("trial.json"))))
        }
        for o in outputs.dropFirst() {
            #expect(o.0 == outputs[0].0)
            #expect(o.1 == outputs[0].1)
        }
        let csv = String(decoding: outputs[0].1, as: UTF8.self).split(separator: "\n")
        #expect(csv.count == 201 && csv[0].hasPrefix("replicate,analysis_time,"))
        let json = try #require(JSONSerialization.jsonObject(with: outputs[0].2) as? [String: Any])
        let summary = try #require(json["summary"] as? [String: Any])
        #expect((summary["replicates"] as? Int) == 200)
        #expect((summary["power_two_sided"] as? [String: Any])?["mcse"] != nil)
        #expect(outputs[0].0.contains("power, two-sided") && outputs[0].0.contains("HR estimate, median"))
    }

    @Test func anExistingFolderIsRefusedUnlessForced() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // An empty folder is used as it is; one holding files only with --force, and
        // then only nensim's files are replaced (the one writer's `.files` shape).
        try Data("mine".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        let refused = try CLI.run(Self.base + ["--out", dir.path])
        #expect(refused.status == 73 && refused.stderr.contains("--force"))
        #expect(refused.stderr.split(separator: "\n").count == 1 && refused.stdout.isEmpty)
        let forced = try CLI.run(Self.base + ["--out", dir.path, "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("trial.json").path))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("notes.txt").path))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty)
    }

    @Test func psaWritesOneRowPerDraw() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("psa")
        let r = try CLI.run(["trial", "--arms", "prrt,everolimus", "--n", "100", "--replicates", "50", "--psa", "6", "--out", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Probabilistic sensitivity analysis: 6 parameter draws"))
        #expect(r.stdout.contains("covariates are not in the model yet"))
        let rows = try String(contentsOf: out.appendingPathComponent("psa.csv"), encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 7)
        #expect(rows[0].contains("figure:prrt.pfs.median") && rows[0].contains("prrt.pfs.median") && rows[0].contains("power_two_sided"))
        let header = rows[0].split(separator: ",").map(String.init)
        #expect(Set(header).count == header.count, "duplicate columns in \(header)")
        #expect(header.contains("assumption:prrt.response.coupling"))
    }

    @Test func nullRunsTheControlAgainstItself() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(Self.base + ["--null", "--out", dir.appendingPathComponent("null").path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("placebo against itself") && r.stdout.contains("type I error, two-sided"))
    }

    /// Each invalid design: exit 64, one line on stderr naming the flag, nothing on stdout.
    static let invalid: [([String], String)] = [
        (["--ratio", "0:1"], "--ratio"),
        (["--ratio", "1-1"], "--ratio"),
        (["--accrual", "-1"], "--accrual"),
        (["--events", "500"], "--events"),
        (["--events", "0"], "--events"),
        (["--replicates", "0"], "--replicates"),
        (["--assess", "12x"], "--assess"),
        (["--assess", "0w"], "--assess"),
        (["--test", "wilcoxon"], "--test"),
        (["--alpha", "1.5"], "--alpha"),
        (["--dropout", "1"], "--dropout"),
        (["--endpoint", "ttp"], "endpoint"),
        (["--psa", "0"], "--psa"),
        (["--n", "1"], "--n"),
        (["--threads", "0"], "--threads"),
    ]

    @Test(arguments: invalid)
    func invalidDesignsGetOneLineAndExit64(extra: [String], flag: String) throws {
        try Self.expectOneLineUsageError(extra: extra, flag: flag)
    }

    /// `trial` with `base` + `extra` exits 64 with one line naming `flag`, nothing on
    /// stdout and no output folder.
    static func expectOneLineUsageError(extra: [String], flag: String) throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("never")
        let r = try CLI.run(base + extra + ["--out", out.path])
        #expect(r.status == 64, "\(extra): \(r.stderr)")
        #expect(r.stdout.isEmpty)
        let lines = r.stderr.split(separator: "\n").filter { !$0.hasPrefix("Usage:") && !$0.hasPrefix("  See '") && !$0.isEmpty }
        #expect(lines.count == 1, "\(extra): \(r.stderr)")
        #expect(r.stderr.contains(flag), "\(extra): \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func threeArmsOrAnUnknownArmAreRefused() throws {
        let three = try CLI.run(["trial", "--arms", "sunitinib,placebo,prrt", "--n", "100"])
        #expect(three.status == 64 && three.stderr.contains("exactly two arms"))
        let unknown = try CLI.run(["trial", "--arms", "sunitnib,placebo", "--n", "100"])
        #expect(unknown.status == 64 && unknown.stderr.contains("did you mean 'sunitinib'"))
    }
}
