import Foundation
import Testing

/// `trial.json` of real runs validates against docs/trial.schema.json, and `--assurance`
/// end to end (docs/TRIAL.md, "Assurance").
@Suite struct TrialSchemaTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// One run per section of trial.json: the PSA, looks with futility, the realistic design
    /// options, the null with a weighted test and scans, predictive trials, stratification
    /// (a stated HR and the liver-metastasis covariate) and the RMST test.
    static let runs: [[String]] = [
        ["--arms", "sunitinib,placebo", "--n", "100", "--replicates", "40", "--psa", "3"],
        ["--arms", "sunitinib,placebo", "--n", "171", "--events", "120", "--looks", "0.5,0.75,1", "--spending", "obf", "--sided", "1",
         "--alpha", "0.025", "--beta-spending", "obf", "--beta", "0.1", "--replicates", "40"],
        ["--arms", "sunitinib,placebo", "--n", "120", "--accrual", "6:5,18:8", "--assess", "8w*6,12w", "--dropout", "sunitinib=0.1,placebo=0.05",
         "--crossover", "0.5", "--endpoint", "os", "--replicates", "30"],
        ["--arms", "sunitinib,placebo", "--null", "--n", "80", "--replicates", "30", "--test", "fh:0,1", "--assess", "12w"],
        ["--arms", "everolimus,placebo", "--n", "120", "--endpoint", "os", "--replicates", "30", "--assurance", "30", "--test", "mb:12"],
        ["--arms", "sunitinib,placebo", "--n", "100", "--replicates", "30", "--strata", "risk=low:0.5,high:0.5:3",
         "--strata", "liver_metastases=yes:0.4,no:0.6"],
        ["--arms", "sunitinib,placebo", "--n", "100", "--replicates", "30", "--test", "rmst:12"],
    ]

    @Test(arguments: runs)
    func trialJsonValidatesAgainstTheSchema(arguments: [String]) throws {
        let schema = try JSONValue.parse(Data(contentsOf: Self.repository.appendingPathComponent("docs/trial.schema.json")))
        let validator = JSONSchemaValidator(root: schema)
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["trial"] + arguments + ["--out", "t", "-q"], currentDirectory: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONValue.parse(Data(contentsOf: dir.appendingPathComponent("t/trial.json")))
        let errors = validator.validate(json)
        #expect(errors.isEmpty, "\(errors.prefix(10))")
        // The validator does reject what the schema forbids.
        guard case .object(var top) = json, case .object(var design)? = top["design"] else { Issue.record("not an object"); return }
        design["extra"] = .number(1)
        top["design"] = .object(design)
        top["seed"] = .string("1")
        #expect(validator.validate(.object(top)).count == 2)
    }

    /// `--assurance K`: the table's section, trial.json's `assurance`, and assurance.csv with
    /// one row per trial; the same bytes for 1 and 3 threads; refused with --psa (with
    /// --shard it runs: TrialShardCommandTests).
    @Test func assuranceRunsEndToEndAndDoesNotDependOnThreads() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = ["trial", "--arms", "sunitinib,placebo", "--n", "100", "--replicates", "30", "--assurance", "50", "--seed", "4"]
        for (t, out) in [(1, "a"), (3, "b")] {
            let r = try CLI.run(base + ["--threads", "\(t)", "--out", out], currentDirectory: dir)
            #expect(r.status == 0, "\(r.stderr)")
            if t == 1 {
                #expect(r.stdout.contains("Assurance (predictive trials): 50 trials"))
                #expect(r.stdout.contains("significant (p < 0.05, favouring sunitinib)"))
                #expect(r.stdout.contains("assurance.csv"))
            }
        }
        for file in ["assurance.csv", "replicates.csv"] {
            #expect(try Data(contentsOf: dir.appendingPathComponent("a/\(file)")) == Data(contentsOf: dir.appendingPathComponent("b/\(file)")), "\(file)")
        }
        let csv = try String(contentsOf: dir.appendingPathComponent("a/assurance.csv"), encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 51)
        #expect(csv[0].hasPrefix("trial,rejected,assumption:placebo.pfs.death_share,"))
        let json = try JSONValue.parse(Data(contentsOf: dir.appendingPathComponent("a/trial.json")))
        guard case .number(let trials)? = json["assurance"]?["trials"] else { Issue.record("no assurance.trials"); return }
        #expect(trials == 50)
        for extra in [["--psa", "2"]] {
            let r = try CLI.run(base + extra, currentDirectory: dir)
            #expect(r.status == 64 && r.stderr.contains("--assurance") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        }
        let zero = try CLI.run(base.dropLast(4) + ["--assurance", "0"], currentDirectory: dir)
        #expect(zero.status == 64 && zero.stderr.contains("--assurance 0"), "\(zero.stderr)")
    }
}
