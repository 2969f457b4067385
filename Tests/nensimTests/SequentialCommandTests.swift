import Foundation
import Testing
@testable import nensim

struct SequentialCommandTests {
    static let base = ["trial", "--arms", "sunitinib,placebo", "--n", "120", "--accrual", "12", "--events", "80",
                      "--replicates", "150", "--seed", "3"]

    @Test func looksFlagsParseIntoAPlan() throws {
        let trial = try #require(try Nensim.parseAsRoot(Self.base + ["--looks", "0.5,0.75,1", "--spending", "hsd:-4",
                                                                     "--beta-spending", "obf", "--power", "0.9", "--sided", "1",
                                                                     "--alpha", "0.025"]) as? Trial)
        let plan = try #require(try trial.design().sequential)
        #expect(plan.informationRates == [0.5, 0.75, 1] && plan.sides == 1)
        #expect(plan.spending == .hwangShihDeCani(gamma: -4) && plan.futilitySpending == .obrienFleming)
        #expect(abs(plan.beta - 0.1) < 1e-12)
    }

    @Test(arguments: [
        (["--sided", "1"], "--sided needs --looks"),
        (["--looks", "0.5,0.75,1", "--beta-spending", "obf"], "--beta-spending needs --sided 1"),
        (["--looks", "0.5,0.4,1"], "--looks '0.5,0.4,1'"),
        (["--looks", "0.5,1", "--spending", "kim"], "--spending 'kim'"),
        (["--looks", "0.5,1", "--shard", "1/2"], "--shard with --looks"),
    ])
    func badLooksAreOneLineUsageErrors(extra: [String], message: String) throws {
        let r = try CLI.run(Self.base + extra + ["--out", "/nonexistent/never"])
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stdout.isEmpty)
    }

    /// boundaries.csv has one row per look with the documented columns; replicates.csv
    /// names each replicate's stopping look and decision; trial.json carries both.
    @Test func sequentialOutputsHaveTheirColumns() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(Self.base + ["--looks", "0.5,0.75,1", "--sided", "1", "--alpha", "0.025", "--beta-spending", "obf",
                                         "--out", dir.path, "--force"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Group-sequential looks"))
        let b = try String(contentsOf: dir.appendingPathComponent("boundaries.csv"), encoding: .utf8).split(separator: "\n")
        #expect(b.count == 4)
        #expect(b[0].hasPrefix("look,information_fraction,events,efficacy_z,futility_z,"))
        #expect(b[1].hasPrefix("1,0.5,40,"))
        let rows = try String(contentsOf: dir.appendingPathComponent("replicates.csv"), encoding: .utf8).split(separator: "\n")
        #expect(rows[0].hasSuffix(",look,decision"))
        let decisions = Set(rows.dropFirst().map { $0.split(separator: ",").last.map(String.init) ?? "" })
        #expect(decisions.isSubset(of: ["upper", "futility", "none"]) && !decisions.isEmpty)
        // The per-look shares add to 1.
        var total = 0.0
        for line in b.dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            total += [14, 16, 18, 20].map { Double(f[$0]) ?? 0 }.reduce(0, +)
        }
        #expect(abs(total - 1) < 1e-9)
        let json = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("trial.json"))) as? [String: Any])
        #expect((json["boundaries"] as? [Any])?.count == 3)
        let summary = try #require(json["summary"] as? [String: Any])
        #expect(((summary["sequential"] as? [String: Any])?["looks"] as? [Any])?.count == 3)
    }

    @Test func designReportsTheSizeAndTheStepBelow() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["design", "--arms", "sunitinib,placebo", "--power", "0.8", "--replicates", "300", "--out", dir.path, "--force"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("← chosen") && r.stdout.contains("above Schoenfeld"))
        let csv = try String(contentsOf: dir.appendingPathComponent("design_power.csv"), encoding: .utf8).split(separator: "\n")
        #expect(csv[0] == "patients,events_mean,events_mcse,power,power_mcse,chosen")
        #expect(csv.dropFirst().filter { $0.hasSuffix(",true") }.count == 1)
        let json = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("design.json"))) as? [String: Any])
        #expect((json["search"] as? [String: Any])?["chosen"] != nil)
    }
}
