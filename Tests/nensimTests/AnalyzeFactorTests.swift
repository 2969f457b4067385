import Foundation
import Testing
import NENSim

/// Factors in `nensim analyze`: text covariates and `--factor` columns become
/// treatment-coded terms with R's names and level order, `--levels` sets the order and
/// `--reference` the group's reference — compared with `coxph` on the same data
/// (`Tests/Fixtures/R/make_analyze_fixtures.R` → `R/out-analyze/`) to 1e-8.
struct AnalyzeFactorTests {
    typealias A = AnalyzeCommandTests
    static let veteran = A.fixtures.appendingPathComponent("data/veteran.csv").path
    static let veteranArguments = ["analyze", veteran, "--time", "time", "--event", "status"]

    static func report(_ arguments: [String]) throws -> AnalysisReport { try A.run(arguments).report }

    static let cases: [(fixture: String, arguments: [String])] = [
        // coxph(Surv(time, status) ~ trt + celltype + karno, veteran): celltype is text.
        ("veteran_celltype", veteranArguments + ["--covariates", "trt,celltype,karno"]),
        // … with factor(celltype, levels = c("squamous", "smallcell", "adeno", "large")).
        ("veteran_celltype_levels", veteranArguments + ["--covariates", "trt,celltype,karno", "--levels", "celltype=squamous,smallcell,adeno,large"]),
        // coxph(Surv(time, status) ~ age + factor(ph.ecog), lung), the column named ph.ecog.
        ("lung_factor_ecog", A.lungArguments + ["--covariates", "age,ph.ecog", "--factor", "ph.ecog"]),
        // coxph(Surv(time, status) ~ relevel(factor(celltype), "squamous"), veteran).
        ("veteran_group_reference", veteranArguments + ["--group", "celltype", "--reference", "squamous"]),
    ]

    @Test(arguments: cases.indices)
    func factorTermsMatchCoxph(_ index: Int) throws {
        let c = Self.cases[index]
        let fixture = try A.fixture("R/out-analyze/\(c.fixture).csv")
        func values(_ q: String) -> [String] { A.rows(fixture, where: ["quantity": q]).map { $0["value"]! } }
        func numbers(_ q: String) -> [Double] { values(q).map { A.number($0) } }
        let cox = try #require(try Self.report(c.arguments).cox)
        #expect(cox.terms.map(\.name) == values("name"), "\(c.fixture)")
        #expect(A.allClose(cox.terms.map(\.coefficient), numbers("coef")), "\(c.fixture) coef: \(cox.terms.map(\.coefficient))")
        #expect(A.allClose(cox.terms.map(\.standardError), numbers("se")), "\(c.fixture) se")
        #expect(A.allClose(cox.terms.map(\.z), numbers("z")), "\(c.fixture) z")
        #expect(A.allClose(cox.variance, numbers("var")), "\(c.fixture) var")
        #expect(A.allClose([cox.logLikelihoodNull, cox.logLikelihood], numbers("loglik")), "\(c.fixture) loglik")
        #expect(A.allClose([cox.likelihoodRatio.statistic, cox.wald.statistic, cox.score.statistic],
                           [numbers("lrt")[0], numbers("wald")[0], numbers("score")[0]]), "\(c.fixture) tests")
        #expect(Double(cox.n) == numbers("n")[0] && Double(cox.events) == numbers("nevent")[0])
    }

    /// R sorts the levels of a text column (not first appearance: veteran lists squamous first).
    @Test func levelsAreSortedAsRSortsThemAndReported() throws {
        let r = try Self.report(Self.veteranArguments + ["--covariates", "celltype"])
        #expect(r.notes.contains { $0.hasPrefix("factor celltype: levels adeno (reference), large, smallcell, squamous") }, "\(r.notes)")
        let g = try Self.report(Self.veteranArguments + ["--group", "celltype", "--reference", "squamous"])
        #expect(g.groups.map(\.label) == ["squamous", "adeno", "large", "smallcell"])
    }

    /// R's semantics: `survfit(… ~ sex)` keeps the record without ph.ecog that
    /// `coxph(… ~ sex + ph.ecog)` drops, so the curves with covariates are the curves without.
    @Test func curvesUseRecordsCompleteInTheirOwnColumns() throws {
        let with = try Self.report(A.lungArguments + ["--group", "sex", "--covariates", "age,ph.ecog"])
        let without = try Self.report(A.lungArguments + ["--group", "sex"])
        #expect(with.groups == without.groups && with.logRank == without.logRank)
        #expect(with.records.used == 228 && with.records.usedByCox == 227 && with.records.usedByLogRank == 228)
        #expect(with.cox?.n == 227)
    }

    static let badFactors: [(arguments: [String], status: Int32, message: String)] = [
        (["--covariates", "celltype", "--levels", "celltype=squamous,smallcell,adeno"], 65, "column 'celltype' has the value 'large', which --levels celltype=squamous,smallcell,adeno does not list"),
        (["--covariates", "karno", "--levels", "celltype=a,b"], 64, "--levels celltype=…: 'celltype' is not the --group, --strata or a --covariates column"),
        (["--covariates", "karno", "--factor", "trt"], 64, "--factor 'trt' is not one of the --covariates"),
        (["--group", "celltype", "--reference", "Squamous"], 64, "--reference 'Squamous': not a level of --group celltype (its levels: adeno, large, smallcell, squamous)"),
        (["--covariates", "karno", "--levels", "karno"], 64, "--levels 'karno': expected COLUMN=LEVEL,LEVEL,…"),
        (["--covariates", "karno", "--reference", "1"], 64, "--reference needs a --group column"),
    ]

    @Test(arguments: badFactors.indices)
    func badFactorOptionsGetOneLineAndACode(_ index: Int) throws {
        let c = Self.badFactors[index]
        let r = try CLI.run(Self.veteranArguments + c.arguments)
        #expect(r.status == c.status, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.contains(c.message), "\(r.stderr)")
    }
}
