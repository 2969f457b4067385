import Foundation
import Testing
@testable import nensim

struct TrialStrataCommandTests {
    static let base = TrialCommandTests.base + ["--strata", "grade=G1:0.4,G2:0.6:1.8", "--strata", "liver_metastases=yes:0.3,no:0.7"]

    /// A stratified trial writes its strata into trial.json (the liver-metastasis
    /// factor with the model's hazard ratio and basis `source`, the stated one as an
    /// assumption) and names them in the report.
    @Test func stratifiedTrialsReportTheirStrata() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("s")
        let r = try CLI.run(Self.base + ["--out", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("stratified permuted blocks within 4 strata") && r.stdout.contains("stratified log-rank and Cox"))
        let json = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("trial.json"))) as? [String: Any])
        let design = try #require(json["design"] as? [String: Any])
        let strata = try #require(design["strata"] as? [String: Any])
        #expect(strata["stratified_analysis"] as? Bool == true)
        let factors = try #require(strata["factors"] as? [[String: Any]])
        #expect(factors.map { $0["key"] as? String } == ["grade", "liver_metastases"])
        #expect(factors[0]["basis"] as? String == "assumption")
        #expect(["source", "external"].contains(factors[1]["basis"] as? String ?? ""))
        let levels = try #require(factors[1]["levels"] as? [[String: Any]])
        let hr = try #require(levels[0]["hazard_ratio"] as? Double)
        #expect(levels[0]["name"] as? String == "yes" && hr > 1 && levels[1]["hazard_ratio"] as? Double == 1)
        // The unstratified analysis of the same trials gives other numbers.
        let plain = try CLI.run(Self.base + ["--unstratified-analysis", "--out", dir.appendingPathComponent("u").path])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stdout.contains("unstratified analysis (--unstratified-analysis)"))
        #expect(try Data(contentsOf: dir.appendingPathComponent("u/replicates.csv")) != Data(contentsOf: out.appendingPathComponent("replicates.csv")))
    }

    static let invalid: [([String], String)] = [
        (["--strata", "grade=G1:0.4,G2:0.5"], "--strata"),
        (["--strata", "grade=G7:0.5,G1:0.5"], "--strata"),
        (["--strata", "liver_metastases=yes:0.3:2,no:0.7"], "--strata"),
        (["--unstratified-analysis"], "--unstratified-analysis"),
        (["--strata", "grade=G1:0.5,G2:0.5", "--test", "maxcombo"], "--test"),
        (["--strata", "grade=G1:0.5,G2:0.5", "--psa", "3"], "--psa"),
        (["--test", "rmst:12", "--events", "60", "--looks", "0.5,1"], "--test"),
        (["--test", "rmst:0"], "--test"),
    ]

    @Test(arguments: invalid)
    func invalidStrataGetOneLineAndExit64(extra: [String], flag: String) throws {
        try TrialCommandTests.expectOneLineUsageError(extra: extra, flag: flag)
    }

    /// `design` takes the same strata and searches with the stratified analysis.
    @Test func designTakesStrata() throws {
        let parsed = try Nensim.parseAsRoot(["design", "--arms", "sunitinib,placebo", "--strata", "grade=G1:0.4,G2:0.6"])
        let design = try #require(parsed as? Design)
        #expect(design.trial.strata == ["grade=G1:0.4,G2:0.6"])
        let d = try design.trial.design(patients: 10, followUp: 12, targetEvents: nil, alpha: 0.05, null: false, sequential: nil)
        #expect(d.strata?.cells.count == 2 && d.strata?.stratifiedAnalysis == true)
    }
}
