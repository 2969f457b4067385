import Foundation
import Testing
import NENSim

/// `--weights COL` in `nensim analyze`: Kaplan–Meier, log-rank and Cox with case weights,
/// against R (`Tests/Fixtures/R/make_analyze_fixtures.R` → `R/out-analyze/lung_weights_*`)
/// to 1e-8, on lung with integer weights (`inst`) and non-integer ones (`w`).
struct AnalyzeWeightsTests {
    typealias A = AnalyzeCommandTests
    static let data = A.fixtures.appendingPathComponent("data/lung_weights.csv").path
    static let arguments = ["analyze", data, "--time", "time", "--event", "status", "--event-codes", "1,2", "--group", "sex", "--covariates", "age"]

    static func run(_ extra: [String]) throws -> (report: AnalysisReport, km: CSVTable) {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        let r = try CLI.run(arguments + extra + ["--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Inf", negativeInfinity: "-Inf", nan: "NaN")
        let report = try decoder.decode(AnalysisReport.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/analysis.json")))
        return (report, try CSVReader.read(path: out + "/km.csv"))
    }

    /// Every number of `coxph`'s summary in a fixture: naive se(coef), and for a robust
    /// fit R's `robust se`, z and Wald on the robust variance, and the robust score test.
    static func expectCox(_ cox: CoxSummary, matches name: String, _ label: String) throws {
        let fixture = try A.fixture("R/out-analyze/\(name).csv")
        func numbers(_ q: String) -> [Double] { A.rows(fixture, where: ["quantity": q]).map { A.number($0["value"]) } }
        #expect(A.allClose(cox.terms.map(\.coefficient), numbers("coef")), "\(label) coef \(cox.terms.map(\.coefficient)) vs \(numbers("coef"))")
        #expect(A.allClose(cox.terms.map(\.standardError), numbers("se")), "\(label) se")
        #expect(A.allClose(cox.terms.map(\.z), numbers("z")), "\(label) z \(cox.terms.map(\.z)) vs \(numbers("z"))")
        #expect(A.allClose(cox.terms.map(\.pValue), numbers("p")), "\(label) p")
        #expect(A.allClose(cox.variance, numbers("var")), "\(label) var")
        #expect(A.allClose([cox.logLikelihoodNull, cox.logLikelihood], numbers("loglik")), "\(label) loglik")
        #expect(A.allClose([cox.likelihoodRatio.statistic, cox.wald.statistic, cox.score.statistic],
                           [numbers("lrt")[0], numbers("wald")[0], numbers("score")[0]]), "\(label) tests \(cox.wald.statistic) vs \(numbers("wald")[0])")
        #expect(Double(cox.n) == numbers("n")[0] && Double(cox.events) == numbers("nevent")[0], "\(label) n \(cox.n), events \(cox.events)")
        let robust = numbers("robust_se")
        if robust.isEmpty {
            #expect(cox.robustScore == nil && cox.terms.allSatisfy { $0.robustStandardError == nil }, "\(label): R's fit is not robust")
        } else {
            #expect(A.allClose(cox.terms.compactMap(\.robustStandardError), robust), "\(label) robust se")
            #expect(A.allClose([cox.robustScore?.statistic ?? .nan], [numbers("rscore")[0]]), "\(label) rscore \(String(describing: cox.robustScore)) vs \(numbers("rscore"))")
        }
    }

    /// `coxph(Surv(time, status) ~ sex + age, lung, weights = w, ties = …)`; non-integer
    /// weights make R's variance robust by default, integer ones do not.
    @Test(arguments: ["inst", "w"], ["efron", "breslow"])
    func weightedCoxMatchesCoxph(weights: String, ties: String) throws {
        let (report, _) = try Self.run(["--weights", weights, "--ties", ties])
        let cox = try #require(report.cox)
        #expect(cox.terms.map(\.name) == ["sex2", "age"])
        try Self.expectCox(cox, matches: "lung_weights_\(weights)_\(ties)", "weights \(weights) \(ties)")
        #expect(report.columns.weights == weights)
    }

    /// `coxph(Surv(time, status) ~ sex + age, lung, cluster = inst, ties = …)`.
    @Test(arguments: ["efron", "breslow"])
    func clusterGivesCoxphsRobustVariance(ties: String) throws {
        let (report, _) = try Self.run(["--cluster", "inst", "--ties", ties])
        let cox = try #require(report.cox)
        try Self.expectCox(cox, matches: "lung_cluster_inst_\(ties)", "cluster \(ties)")
        #expect(cox.clusters == 18)
    }

    /// `coxph(Surv(futime, fustat) ~ age + rx, ovarian, robust = TRUE)`: each record its own cluster.
    @Test func robustWithoutAClusterTakesEachRecordAsOne() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        let r = try CLI.run(["analyze", A.fixtures.appendingPathComponent("data/ovarian.csv").path, "--time", "futime", "--event", "fustat",
                             "--covariates", "age,rx", "--robust", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("robust se") && r.stdout.contains("Robust score test"), "\(r.stdout)")
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Inf", negativeInfinity: "-Inf", nan: "NaN")
        let report = try decoder.decode(AnalysisReport.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/analysis.json")))
        let cox = try #require(report.cox)
        try Self.expectCox(cox, matches: "ovarian_robust", "ovarian robust")
        #expect(cox.clusters == 26)
    }

    /// `survfit(Surv(time, status) ~ sex, weights = w, robust = FALSE)`: weighted counts,
    /// KM and Greenwood's se of log S (R's default for integer weights).
    @Test(arguments: ["inst", "w"])
    func weightedCurvesMatchSurvfit(weights: String) throws {
        let (_, km) = try Self.run(["--weights", weights])
        let expected = A.rows(try A.fixture("R/out-analyze/lung_weights_\(weights)_km.csv"), where: [:])
        let got = A.rows(km, where: [:])
        #expect(got.count == expected.count)
        // km.csv's log_surv_se is R's std.err (the SE of log S).
        for (column, theirs) in [("time", "time"), ("n_risk", "n_risk"), ("n_event", "n_event"), ("surv", "surv"), ("log_surv_se", "std_err")] {
            #expect(A.allClose(got.map { A.number($0[column]) }, expected.map { A.number($0[theirs]) }), "\(weights) \(column)")
        }
        #expect(got.map { $0["group"] } == expected.map { $0["group"] })
    }

    /// Integer weights: the log-rank test of the records repeated w times (R's survdiff takes no weights).
    @Test func integerWeightedLogRankIsTheTestOfRepeatedRecords() throws {
        let (report, _) = try Self.run(["--weights", "inst"])
        let r = A.rows(try A.fixture("R/out-analyze/lung_weights_inst_logrank.csv"), where: [:])
        func value(_ q: String) -> Double { A.number(r.first { $0["quantity"] == q }?["value"]) }
        let lr = try #require(report.logRank)
        #expect(A.close(lr.chiSquare, value("chisq")) && A.close(lr.observed[0], value("observed1")) && A.close(lr.expected[0], value("expected1")))
    }

    @Test(arguments: [("0", "weight '0' is not a finite number > 0"), ("-1", "weight '-1' is not a finite number > 0"), ("x", "weight 'x' is not a finite number > 0")])
    func badWeightsAreDataErrors(cell: String, message: String) throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("w.csv")
        try Data("t,e,w\n1,1,1\n2,0,\(cell)\n".utf8).write(to: file)
        let r = try CLI.run(["analyze", file.path, "--time", "t", "--event", "e", "--weights", "w"])
        #expect(r.status == 65 && r.stdout.isEmpty && r.stderr.contains("line 3, column 3 (w): \(message)"), "\(r.stderr)")
    }
}

/// Unknown options: the suggestion names the right option or none.
struct AnalyzeOptionSuggestionTests {
    @Test(arguments: [("--robus", "--robust"), ("--zph", nil), ("--entry", nil), ("--weight", "--weights"), ("--id", "--cluster"),
                      ("--covariate", "--covariates"), ("--stata", "--strata"), ("--relevel", "--reference")] as [(String, String?)])
    func suggestionsNameTheRightOptionOrNone(typed: String, suggested: String?) throws {
        let r = try CLI.run(AnalyzeCommandTests.lungArguments + [typed, "x"])
        #expect(r.status == 64, "\(r.stderr)")
        if let suggested {
            #expect(r.stderr.contains("Unknown option '\(typed)'. Did you mean '\(suggested)'?"), "\(r.stderr)")
        } else {
            #expect(r.stderr.contains("Unknown option '\(typed)'") && !r.stderr.contains("Did you mean"), "\(r.stderr)")
        }
    }
}
