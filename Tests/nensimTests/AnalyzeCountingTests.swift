import Foundation
import Testing
import NENSim

/// `--start COL`: (start, stop] counting-process records in `nensim analyze`, against R
/// (`Tests/Fixtures/R/make_counting_fixtures.R` → `R/out-counting/`) to 1e-8, on
/// survival's `heart` (jasa1: each patient's time before and after a transplant as two
/// records) and on lung with a delayed entry (`data/lung_entry.csv`).
struct AnalyzeCountingTests {
    typealias A = AnalyzeCommandTests
    static let heart = ["analyze", A.fixtures.appendingPathComponent("data/heart.csv").path, "--start", "start", "--time", "stop",
                        "--event", "event", "--group", "transplant", "--covariates", "age,year,surgery"]
    static let lung = ["analyze", A.fixtures.appendingPathComponent("data/lung_entry.csv").path, "--start", "entry", "--time", "time",
                       "--event", "status", "--event-codes", "1,2", "--group", "sex"]

    static func run(_ arguments: [String]) throws -> (report: AnalysisReport, km: CSVTable, stdout: String) {
        let r = try A.run(arguments)
        return (r.report, try #require(r.csv["km.csv"]), r.stdout)
    }

    /// `coxph(Surv(start, stop, event) ~ factor(transplant) + age + year + surgery, heart, ties =)`,
    /// and with `cluster = id` (the robust variance over each patient's records).
    @Test(arguments: ["efron", "breslow"], [false, true])
    func heartCoxMatchesCoxph(ties: String, cluster: Bool) throws {
        let (report, _, _) = try Self.run(Self.heart + ["--ties", ties] + (cluster ? ["--cluster", "id"] : []))
        let cox = try #require(report.cox)
        #expect(cox.terms.map(\.name) == ["transplant1", "age", "year", "surgery"])
        try AnalyzeWeightsTests.expectCox(cox, matches: "heart_\(cluster ? "cluster_" : "")\(ties)", "heart \(ties)", in: "out-counting")
        #expect(report.columns.start == "start" && report.records.used == 172)
        if cluster { #expect(cox.clusters == 103) }
    }

    /// `coxph(Surv(start, stop, event) ~ factor(transplant) + age + strata(surgery), heart)`.
    @Test func heartStratifiedCoxMatchesCoxph() throws {
        let args = Self.heart.map { $0 == "age,year,surgery" ? "age" : $0 } + ["--strata", "surgery"]
        let (report, _, _) = try Self.run(args)
        try AnalyzeWeightsTests.expectCox(try #require(report.cox), matches: "heart_strata_efron", "heart strata", in: "out-counting")
    }

    /// Delayed entry on lung: `coxph(Surv(entry, time, status) ~ factor(sex) + age + ph.ecog)`,
    /// and with integer case weights (`weights = inst`).
    @Test(arguments: ["efron", "breslow"])
    func delayedEntryCoxMatchesCoxph(ties: String) throws {
        let (plain, _, _) = try Self.run(Self.lung + ["--covariates", "age,ph.ecog", "--ties", ties])
        try AnalyzeWeightsTests.expectCox(try #require(plain.cox), matches: "lung_entry_\(ties)", "lung entry \(ties)", in: "out-counting")
        let (weighted, _, _) = try Self.run(Self.lung + ["--covariates", "age", "--weights", "inst", "--ties", ties])
        try AnalyzeWeightsTests.expectCox(try #require(weighted.cox), matches: "lung_entry_weights_\(ties)", "lung entry weights \(ties)", in: "out-counting")
    }

    /// `survfit(Surv(start, stop, event) ~ g)`: every row of km.csv (n.risk counts those
    /// with start < t ≤ stop, so it rises where records enter), and per group the
    /// quartiles, the median's CI and the RMST (`print(fit, rmean = τ)`).
    @Test(arguments: [("heart", "300"), ("lung_entry", "500")])
    func curvesMatchSurvfit(name: String, tau: String) throws {
        let (report, km, _) = try Self.run((name == "heart" ? Self.heart : Self.lung) + ["--tau", tau])
        let expected = try A.fixture("R/out-counting/\(name)_km.csv")
        #expect(km.records.count == expected.records.count, "rows \(km.records.count) vs \(expected.records.count)")
        // km.csv's log_surv_se is R's std.err (the SE of log S).
        for (column, theirs) in [("time", "time"), ("n_risk", "n_risk"), ("n_event", "n_event"), ("n_censor", "n_censor"), ("surv", "surv"),
                                 ("log_surv_se", "std_err"), ("lower", "lower"), ("upper", "upper")] {
            let j = try #require(km.header.firstIndex(of: column)), k = try #require(expected.header.firstIndex(of: theirs))
            let ours = km.records.map { A.number($0[j]) }, theirs = expected.records.map { A.number($0[k]) }
            #expect(ours.count == theirs.count && zip(ours, theirs).allSatisfy { A.close($0, $1) }, "\(name) \(column)")
        }
        #expect(km.records.map { $0[0] } == expected.records.map { $0[0] }, "\(name) groups")
        let summary = try A.fixture("R/out-counting/\(name)_summary.csv")
        for (g, row) in zip(report.groups, A.rows(summary, where: [:])) {
            #expect(g.label == row["group"])
            let q = g.quantiles.map { $0.estimate ?? .nan }
            #expect(A.allClose(q, ["q25", "q50", "q75"].map { A.number(row[$0]) }), "\(name) \(g.label) quartiles \(q)")
            #expect(A.close(g.median.lower ?? .nan, A.number(row["lower50"])) && A.close(g.median.upper ?? .nan, A.number(row["upper50"])), "\(name) median CI")
            #expect(A.close(g.rmst.estimate, A.number(row["rmean"])) && A.close(g.rmst.standardError, A.number(row["se_rmean"])),
                    "\(name) \(g.label) rmst \(g.rmst) vs \(row)")
        }
    }

    /// R's survdiff refuses (start, stop] data ("Right censored data only"): no log-rank
    /// section, a note saying why.
    @Test func logRankIsNotComputedAsInR() throws {
        let (report, _, stdout) = try Self.run(Self.heart)
        let r = try A.fixture("R/out-counting/survdiff.csv")
        #expect(A.rows(r, where: ["quantity": "survdiff_error"]).first?["value"] == "Right censored data only")
        #expect(report.logRank == nil && report.records.usedByLogRank == nil)
        #expect(report.notes.contains { $0.contains("Right censored data only") }, "\(report.notes)")
        #expect(stdout.contains("Right censored data only"), "\(stdout)")
    }

    /// A start not before its stop is one line, exit 65, nothing written (R's Surv() would
    /// make the record NA with a warning); a negative start likewise.
    @Test(arguments: [("5", "5", "start 5 is not before the time 5"), ("-1", "5", "start -1 is negative"), ("x", "5", "start 'x' is not a finite number")])
    func badIntervalsAreOneLineErrors(start: String, stop: String, message: String) throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("d.csv")
        try "s,t,e\n0,3,1\n\(start),\(stop),0\n1,4,1\n".write(to: file, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out").path
        let r = try CLI.run(["analyze", file.path, "--start", "s", "--time", "t", "--event", "e", "--out", out])
        #expect(r.status == 65 && r.stdout.isEmpty, "\(r.status) \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.contains("line 3, column 1 (s): \(message)"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
