import Foundation
import Testing
import NENSim

/// `nensim analyze` end to end on R's lung data (`Tests/Fixtures/data/lung.csv`,
/// status 1 = censored, 2 = dead), compared with the numbers `survival` 3.5-3 gives
/// (`Tests/Fixtures/expected/`, `Tests/Fixtures/R/out-cox/`, written by the scripts in
/// `Tests/Fixtures/R/`) to 1e-8 relative (1e-14 absolute where R's value is within
/// 1e-8 of 0), read back from `analysis.json` and `km.csv`.
struct AnalyzeCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    static let lung = fixtures.appendingPathComponent("data/lung.csv").path
    static let lungArguments = ["analyze", lung, "--time", "time", "--event", "status", "--event-codes", "1,2"]

    static func fixture(_ path: String) throws -> CSVTable {
        try CSVReader.read(path: fixtures.appendingPathComponent(path).path)
    }

    /// Rows of a fixture table as dictionaries, filtered by exact column values.
    static func rows(_ table: CSVTable, where filter: [String: String]) -> [[String: String]] {
        table.records.map { Dictionary(uniqueKeysWithValues: zip(table.header, $0)) }
            .filter { row in filter.allSatisfy { row[$0.key] == $0.value } }
    }

    static func number(_ s: String?) -> Double {
        guard let s, s != "NA" else { return .nan }
        return Double(s) ?? .nan
    }

    /// |a − r| ≤ 1e-8·|r|, or ≤ 1e-14 when |r| < 1e-8; NaN matches NaN (R's NA).
    static func close(_ a: Double, _ r: Double) -> Bool {
        if r.isNaN { return a.isNaN }
        if r.isInfinite { return a == r }
        if abs(r) < 1e-8 { return abs(a - r) <= 1e-14 }
        return abs(a - r) <= 1e-8 * abs(r)
    }

    /// Same length and every pair `close` (a shorter vector must not pass by `zip`).
    static func allClose(_ a: [Double], _ r: [Double]) -> Bool {
        a.count == r.count && !a.isEmpty && zip(a, r).allSatisfy { close($0, $1) }
    }

    static func optional(_ s: String?) -> Double? {
        let x = number(s)
        return x.isNaN ? nil : x
    }

    /// Runs analyze with `--out` into a fresh folder; returns the decoded report, the km.csv table and stdout.
    static func analyze(_ extra: [String]) throws -> (report: AnalysisReport, km: CSVTable, stdout: String) {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        let r = try CLI.run(lungArguments + extra + ["--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty)
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Inf", negativeInfinity: "-Inf", nan: "NaN")
        let report = try decoder.decode(AnalysisReport.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/analysis.json")))
        let km = try CSVReader.read(path: out + "/km.csv")
        let left = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        #expect(left == ["analysis.json", "km.csv"], "temporary files left: \(left)")
        return (report, km, r.stdout)
    }

    static let confidenceTypes = ["plain", "log", "log-log", "logit", "arcsin"]

    /// `survfit(Surv(time, status) ~ sex, conf.type = ct)`: every row of km.csv, the
    /// quantiles, landmarks and RMST.
    @Test(arguments: confidenceTypes)
    func kaplanMeierByGroupMatchesR(confType: String) throws {
        let landmarks = [0.0, 30, 100, 180, 365, 500, 730, 1000, 1100]
        let (report, km, _) = try Self.analyze(["--group", "sex", "--conf-type", confType, "--tau", "365",
                                                "--landmarks", landmarks.map { String(Int($0)) }.joined(separator: ",")])
        #expect(report.groups.map(\.label) == ["1", "2"])
        #expect(report.records.used == 228 && report.records.dropped == 0)
        let curves = try Self.fixture("expected/km_curves.csv")
        let quantiles = try Self.fixture("expected/km_quantiles.csv")
        let marks = try Self.fixture("expected/km_landmarks.csv")
        let means = try Self.fixture("expected/km_rmean.csv")
        for (g, group) in report.groups.enumerated() {
            let subset = "sex=\(group.label)"
            // km.csv against fit$time, n.risk, …, std.err (log scale), lower, upper.
            let expected = Self.rows(curves, where: ["dataset": "lung", "subset": subset, "conf_type": confType])
            let got = Self.rows(km, where: ["group": group.label])
            #expect(got.count == expected.count && !got.isEmpty)
            for (a, r) in zip(got, expected) {
                for (mine, theirs) in [("time", "time"), ("n_risk", "n_risk"), ("n_event", "n_event"), ("n_censor", "n_censor"),
                                       ("surv", "surv"), ("log_surv_se", "std_err"), ("lower", "lower"), ("upper", "upper")] {
                    #expect(Self.close(Self.number(a[mine]), Self.number(r[theirs])), "\(subset) \(confType) t=\(r["time"]!) \(mine): \(a[mine]!) vs R \(r[theirs]!)")
                }
            }
            // quantile(fit, c(.25, .5, .75)).
            let qs = Self.rows(quantiles, where: ["dataset": "lung", "subset": subset, "conf_type": confType])
            #expect(qs.count == 3)
            for (q, r) in zip(group.quantiles, qs) {
                #expect(q.probability == Self.number(r["prob"]))
                #expect(q.estimate == Self.optional(r["quantile"]) && q.lower == Self.optional(r["lower"]) && q.upper == Self.optional(r["upper"]),
                        "\(subset) \(confType) p=\(q.probability): \(q) vs \(r)")
            }
            #expect(group.median == group.quantiles[1])
            // summary(fit, times = landmarks, extend = TRUE).
            let ls = Self.rows(marks, where: ["dataset": "lung", "subset": subset, "conf_type": confType])
            #expect(ls.count == landmarks.count && group.landmarks.count == landmarks.count)
            for (l, r) in zip(group.landmarks, ls) {
                #expect(l.time == Self.number(r["time"]))
                for (a, b) in [(l.nRisk, "n_risk"), (l.survival, "surv"), (l.standardError, "std_err"), (l.lower, "lower"), (l.upper, "upper")] {
                    #expect(Self.close(a, Self.number(r[b])), "\(subset) \(confType) landmark \(l.time) \(b): \(a) vs R \(r[b]!)")
                }
            }
            // print(fit, rmean = 365).
            let m = Self.rows(means, where: ["dataset": "lung", "subset": subset, "conf_type": confType, "tau": "365"])
            #expect(m.count == 1)
            #expect(Self.close(group.rmst.estimate, Self.number(m.first?["rmean"])) && Self.close(group.rmst.standardError, Self.number(m.first?["se_rmean"])))
            #expect(report.tau == 365 && group.rmst.tau == 365)
            // print(fit)'s median rule (survmean), beside quantile()'s.
            let printed = try #require(group.printedMedian)
            #expect(printed.estimate == Self.optional(m.first?["median"]) && printed.lower == Self.optional(m.first?["median_lcl"])
                    && printed.upper == Self.optional(m.first?["median_ucl"]), "\(subset) \(confType): \(printed) vs \(m)")
            _ = g
        }
    }

    /// `survdiff(Surv(time, status) ~ sex [+ strata(ph.ecog)], rho = ρ)`.
    @Test(arguments: [("0", false), ("0.5", false), ("1", false), ("0", true), ("1", true)])
    func logRankMatchesSurvdiff(rho: String, stratified: Bool) throws {
        let (report, _, stdout) = try Self.analyze(["--group", "sex", "--rho", rho] + (stratified ? ["--strata", "ph.ecog"] : []))
        let fixture = try Self.fixture("expected/logrank.csv")
        let r = Self.rows(fixture, where: ["case": stratified ? "lung~sex+strata(ph.ecog)" : "lung~sex", "rho": rho, "gamma": "0", "source": "survdiff"])
        #expect(r.count == 1)
        let lr = try #require(report.logRank)
        let vector = { (key: String) in (r.first?[key] ?? "").split(separator: ";").map { Self.number(String($0)) } }
        #expect(Self.allClose(lr.observed, vector("observed")), "observed: \(lr.observed) vs R \(vector("observed"))")
        #expect(Self.allClose(lr.expected, vector("expected")), "expected: \(lr.expected) vs R \(vector("expected"))")
        #expect(Self.allClose(lr.variance, vector("variance")), "variance: \(lr.variance) vs R \(vector("variance"))")
        #expect(Self.close(lr.chiSquare, Self.number(r.first?["chisq"])), "\(lr.chiSquare)")
        #expect(lr.df == 1 && Self.close(lr.pValue, Self.number(r.first?["pvalue"])))
        #expect(lr.strata == (stratified ? "ph.ecog" : nil))
        if rho == "0" && !stratified {
            #expect(stdout.contains("Log-rank test: χ² = 10.33 on 1 df, p = 0.0013"), "\(stdout)")
        }
        // survdiff drops the record without ph.ecog; the curves keep it (survfit's own na.omit).
        if stratified {
            #expect(report.records.dropped == 0 && report.records.used == 228 && report.records.usedByLogRank == 227
                    && report.records.missingByColumn == ["ph.ecog": 1])
        }
    }

    /// `coxph(Surv(time, status) ~ age + sex + ph.ecog, lung, ties = …)`: with sex as the
    /// group (a two-level factor, contrast sex2 = the numeric sex coefficient).
    @Test(arguments: ["efron", "breslow"])
    func coxMatchesCoxph(ties: String) throws {
        let (report, _, stdout) = try Self.analyze(["--group", "sex", "--covariates", "age,ph.ecog", "--ties", ties])
        let fixture = try Self.fixture("R/out-cox/lung_\(ties).csv")
        func values(_ q: String) -> [Double] { Self.rows(fixture, where: ["quantity": q]).map { Self.number($0["value"]) } }
        let cox = try #require(report.cox)
        #expect(cox.terms.map(\.name) == ["sex2", "age", "ph.ecog"])
        // R's order is age, sex, ph.ecog; ours sex2, age, ph.ecog.
        let order = [1, 0, 2]
        for (j, term) in cox.terms.enumerated() {
            let i = order[j]
            for (a, q) in [(term.coefficient, "coef"), (term.standardError, "se"), (term.z, "z"), (term.pValue, "p"), (term.lower, "lower"), (term.upper, "upper")] {
                #expect(Self.close(a, values(q)[i]), "\(term.name) \(q): \(a) vs R \(values(q)[i])")
            }
            #expect(Self.close(term.hazardRatio, exp(values("coef")[i])))
            for (k, _) in cox.terms.enumerated() {
                #expect(Self.close(cox.variance[j * 3 + k], values("var")[i * 3 + order[k]]))
            }
        }
        #expect(Self.close(cox.logLikelihoodNull, values("loglik")[0]) && Self.close(cox.logLikelihood, values("loglik")[1]))
        for (test, q) in [(cox.likelihoodRatio, "lrt"), (cox.wald, "wald"), (cox.score, "score")] {
            #expect(Self.close(test.statistic, values(q)[0]) && Double(test.df) == values(q)[1] && Self.close(test.pValue, values(q)[2]), "\(q)")
        }
        #expect(cox.n == 227 && cox.events == 164 && Double(cox.iterations) == values("iter")[0])
        #expect(report.records.dropped == 0 && report.records.used == 228 && report.records.usedByCox == 227)
        #expect(stdout.contains("228 records, 228 used; curves 228, Cox model 227 (complete cases) (missing: ph.ecog: 1)"), "\(stdout)")
        #expect(stdout.contains("Cox proportional hazards (\(ties) ties; n = 227, events = 164)"))
    }

    /// `coxph(Surv(time, status) ~ age + strata(sex), lung)`: no group, a stratum per sex.
    @Test func stratifiedCoxWithoutAGroup() throws {
        let (report, km, _) = try Self.analyze(["--covariates", "age", "--strata", "sex"])
        let fixture = try Self.fixture("R/out-cox/lung_strata_sex.csv")
        func value(_ q: String, _ i: Int = 0) -> Double { Self.number(Self.rows(fixture, where: ["quantity": q])[i]["value"]) }
        let cox = try #require(report.cox)
        #expect(cox.terms.map(\.name) == ["age"] && cox.strata == "sex")
        #expect(Self.close(cox.terms[0].coefficient, value("coef")) && Self.close(cox.terms[0].standardError, value("se")))
        #expect(Self.close(cox.logLikelihood, value("loglik", 1)) && Self.close(cox.score.statistic, value("score")))
        #expect(report.groups.map(\.label) == ["all"] && report.logRank == nil && report.rmstDifferences.isEmpty)
        // One curve over all records: survfit(Surv(time, status) ~ 1, lung).
        let all = Self.rows(try Self.fixture("expected/km_curves.csv"), where: ["dataset": "lung", "subset": "all", "conf_type": "log"])
        #expect(km.records.count == all.count)
        #expect(Self.allClose(Self.rows(km, where: [:]).map { Self.number($0["surv"]) }, all.map { Self.number($0["surv"]) }))
    }

    @Test func terminalTableShowsRsMedianAndTheDefaultTau() throws {
        let r = try CLI.run(Self.lungArguments + ["--group", "sex"])
        #expect(r.status == 0, "\(r.stderr)")
        // print(survfit(Surv(time, status) ~ sex, lung)): 270 (212, 310) and 426 (348, 550).
        #expect(r.stdout.contains("270 (212, 310)") && r.stdout.contains("426 (348, 550)"), "\(r.stdout)")
        // τ = min(last time of sex 1 = 1022, of sex 2 = 965).
        #expect(r.stdout.contains("RMST(τ=965)") && r.stdout.contains("τ: smallest of the groups' last follow-up times"))
        #expect(r.stdout.contains("228 records, 228 used"))
    }

    @Test func robustCSVEndToEnd() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("trial.csv")
        // BOM, CRLF, quoted labels with commas and quotes, a record spanning two lines, NA and empty cells.
        let text = "\u{FEFF}\"arm\",months,dead,note\r\n"
            + "\"A, high dose\",5,1,\"first\r\nline\"\r\n"
            + "\"A, high dose\",8,0,\r\n"
            + "\"B \"\"new\"\"\",3,1,x\r\n"
            + "\"B \"\"new\"\"\",NA,1,x\r\n"
            + "\"B \"\"new\"\"\",9,TRUE,x\r\n"
            + "\"A, high dose\",12,FALSE,\r\n"
        try Data(text.utf8).write(to: file)
        let out = dir.appendingPathComponent("res").path
        let r = try CLI.run(["analyze", file.path, "--time", "months", "--event", "dead", "--group", "arm", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("6 records, 5 used, 1 dropped for missing values (months: 1)"), "\(r.stdout)")
        let km = try CSVReader.read(path: out + "/km.csv")
        #expect(Set(km.records.map { $0[0] }) == ["A, high dose", "B \"new\""])
        #expect(km.records.count == 5)
    }

    /// Flags, files and cells that must be refused: exit status, one line on stderr,
    /// nothing on stdout, no output folder.
    static let badCSVs: [(name: String, text: String, extra: [String], status: Int32, message: String)] = [
        ("text-time", "t,e\n1,1\nabc,0\n", [], 65, "line 3, column 1 (t): 'abc' is not a number"),
        ("negative-time", "t,e\n1,1\n-2,0\n", [], 65, "line 3, column 1 (t): time -2 is negative"),
        ("nan-time", "t,e\n1,1\nNaN,0\n", [], 65, "line 3, column 1 (t): time is NaN"),
        ("inf-time", "t,e\n1,1\nInf,0\n", [], 65, "line 3, column 1 (t): time 'Inf' is not finite"),
        ("event-2", "t,e\n1,1\n2,2\n", [], 65, "line 3, column 2 (e): '2' is not an event code (0 = censored, 1 = event; FALSE/TRUE also accepted); for R's 1 = censored, 2 = event coding use --event-codes 1,2"),
        ("event-0-with-codes", "t,e\n1,1\n2,0\n", ["--event-codes", "1,2"], 65, "line 3, column 2 (e): '0' is not an event code (1 = censored, 2 = event)"),
        ("empty-group", "t,e,g\n1,1,a\n2,0,a\n,1,b\nNA,0,b\n", ["--group", "g"], 65, "group 'b' of column 'g' has no records left after dropping those with a missing value (t: 2 missing)"),
        ("inf-covariate", "t,e,x\n1,1,2.5\n2,0,Inf\n", ["--covariates", "x"], 65, "line 3, column 3 (x): covariate 'Inf' is not a finite number"),
        ("one-level-factor", "t,e,x\n1,1,a\n2,0,a\n", ["--covariates", "x"], 65, "factor column 'x' has one level ('a') in the complete records"),
        ("unterminated", "t,e\n1,\"1\n2,0\n", [], 65, "line 2, column 3: quoted field opened here is never closed"),
        ("short-row", "t,e\n1,1\n2\n", [], 65, "line 3: 1 field, but the header has 2"),
        ("empty-file", "", [], 65, "is empty: expected a header row"),
        ("header-only", "t,e\n", [], 65, "has a header but no records"),
        ("all-missing", "t,e\n,1\nNA,0\n", [], 65, "none of the 2 records is complete"),
        ("duplicate-header", "t,e,t\n1,1,2\n", [], 65, "column 't' appears 2 times in the header (columns 1, 3)"),
        ("missing-column", "t,e\n1,1\n", ["--group", "arm"], 64, "--group 'arm': no such column in"),
        ("one-column-two-roles", "t,e\n1,1\n", ["--group", "e"], 64, "--group 'e' is also the --event column"),
        ("bad-event-codes", "t,e\n1,1\n", ["--event-codes", "1"], 64, "--event-codes '1': expected two codes"),
        ("bad-tau", "t,e\n1,1\n", ["--tau=-1"], 64, "--tau -1.0: must be a positive time"),
        ("bad-landmarks", "t,e\n1,1\n", ["--landmarks", "6,x"], 64, "--landmarks '6,x': 'x' is not a time"),
        ("bad-conf-type", "t,e\n1,1\n", ["--conf-type", "loglog"], 64, "'loglog' is invalid for '--conf-type"),
    ]

    @Test(arguments: badCSVs.indices)
    func badInputGetsOneLineACodeAndWritesNothing(_ index: Int) throws {
        let c = Self.badCSVs[index]
        let spec = [c.name, c.text, c.message] + c.extra
        let status = c.status
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("\(spec[0]).csv")
        try Data(spec[1].utf8).write(to: file)
        let out = dir.appendingPathComponent("out").path
        let r = try CLI.run(["analyze", file.path, "--time", "t", "--event", "e", "--out", out] + spec[3...])
        #expect(r.status == status, "\(spec[0]): \(r.stderr)")
        #expect(r.stdout.isEmpty)
        let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.count == 1, "\(spec[0]): \(r.stderr)")
        #expect(r.stderr.hasPrefix("nensim: ") && r.stderr.contains(spec[2]), "\(spec[0]): \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out), "\(spec[0]) left \(out)")
    }

    @Test func missingFileDirectoryAndUnwritableOutput() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = try CLI.run(["analyze", dir.appendingPathComponent("none.csv").path, "--time", "t", "--event", "e"])
        #expect(missing.status == 66 && missing.stderr.hasSuffix("none.csv: no such file\n") && missing.stdout.isEmpty)
        let directory = try CLI.run(["analyze", dir.path, "--time", "t", "--event", "e"])
        #expect(directory.status == 66 && directory.stderr.contains("is a directory, not a CSV file"))
        // --out under a regular file: the folder cannot be created.
        let blocker = dir.appendingPathComponent("file")
        try Data("x".utf8).write(to: blocker)
        let underFile = try CLI.run(Self.lungArguments + ["--out", blocker.path + "/sub/out"])
        #expect(underFile.status == 73, "\(underFile.stderr)")
        #expect(underFile.stdout.isEmpty && underFile.stderr.split(separator: "\n").count == 1)
        let onFile = try CLI.run(Self.lungArguments + ["--out", blocker.path])
        #expect(onFile.status == 73 && onFile.stderr.contains("exists and is not a folder"))
        // Missing parents are created (and would be removed on failure).
        let nested = dir.appendingPathComponent("a/b/c").path
        let ok = try CLI.run(Self.lungArguments + ["--out", nested])
        #expect(ok.status == 0 && FileManager.default.fileExists(atPath: nested + "/km.csv"))
    }

    @Test func nonEmptyOutputFolderNeedsForce() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let keep = dir.appendingPathComponent("notes.txt")
        try Data("mine".utf8).write(to: keep)
        let refused = try CLI.run(Self.lungArguments + ["--out", dir.path])
        #expect(refused.status == 73 && refused.stderr.contains("not empty") && refused.stderr.contains("--force"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["notes.txt"])
        let forced = try CLI.run(Self.lungArguments + ["--out", dir.path, "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["analysis.json", "km.csv", "notes.txt"])
        #expect(try String(contentsOf: keep, encoding: .utf8) == "mine")
        #expect(forced.stdout.contains("Wrote km.csv and analysis.json to \(dir.path)"))
    }

    @Test func analysisJsonRecordsTheCommandAndInput() throws {
        let (report, _, _) = try Self.analyze(["--group", "sex"])
        #expect(report.input == Self.lung)
        #expect(report.commandLine.first == "nensim" && report.commandLine.contains("--group") && report.commandLine.contains("--out"))
        #expect(report.eventCoding == "1 = censored, 2 = event")
        #expect(report.confidenceType == "log" && report.confidenceLevel == 0.95)
        #expect(report.tau == 965 && report.groups.map(\.lastTime) == [1022, 965])
        #expect(report.rmstDifferences.count == 1 && report.rmstDifferences[0].group == "2")
        let d = report.rmstDifferences[0]
        #expect(Self.close(d.estimate, report.groups[1].rmst.estimate - report.groups[0].rmst.estimate))
    }

    /// A group with no events: R's coxph warns the coefficient may be infinite; the
    /// analysis still reports the curves and the log-rank test.
    @Test func coxTroubleIsANoteNotAFailure() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("d.csv")
        try Data("t,e,g,x\n1,1,a,1\n2,1,a,1\n3,0,b,1\n4,0,b,1\n5,1,a,1\n".utf8).write(to: file)
        let r = try CLI.run(["analyze", file.path, "--time", "t", "--event", "e", "--covariates", "x"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Cox model not fitted: information matrix is singular"), "\(r.stdout)")
    }
}
