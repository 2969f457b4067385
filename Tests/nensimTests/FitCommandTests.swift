import Foundation
import SurvivalStats
import Testing

/// `nensim fit` end to end on R's lung data: the table, fit.json against
/// docs/fit.schema.json, fit.csv's columns, fit.svg, and the refusals.
@Suite("nensim fit")
struct FitCommandTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let lung = repository.appendingPathComponent("Tests/Fixtures/data/lung.csv").path
    static let lungArguments = ["fit", lung, "--time", "time", "--event", "status", "--event-codes", "1,2"]
    /// survival's colon, recurrence records (R/make_cure_fixtures.R): a plateau near 50 %.
    static let colon = repository.appendingPathComponent("Tests/Fixtures/data/colon_recurrence.csv").path

    @Test("lung by sex: the AIC table per group, and fit.json valid against docs/fit.schema.json")
    func lungBySex() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("fit").path
        let r = try CLI.run(Self.lungArguments + ["--group", "sex", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Group 1: n = 138, events = 112 — ranked by AIC"))
        #expect(r.stdout.contains("Group 2: n = 90, events = 53"))
        let json = try Data(contentsOf: URL(fileURLWithPath: out + "/fit.json"))
        let schema = try JSONValue.parse(Data(contentsOf: Self.repository.appendingPathComponent("docs/fit.schema.json")))
        let errors = JSONSchemaValidator(root: schema).validate(try JSONValue.parse(json))
        #expect(errors.isEmpty, "\(errors.prefix(5))")
        // Every family fitted in both groups, ranks 1…6 by AIC.
        let object = try JSONSerialization.jsonObject(with: json) as! [String: Any]
        let groups = object["groups"] as! [[String: Any]]
        #expect(groups.count == 2)
        for g in groups {
            let fits = g["fits"] as! [[String: Any]]
            #expect(fits.count == 6)
            let aics = fits.map { $0["aic"] as! Double }
            #expect(aics == aics.sorted())
            #expect(fits.map { $0["rank"] as! Int } == Array(1...6))
        }
        let csv = try String(contentsOfFile: out + "/fit.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.first == "group,dist,rank,term,estimate,std_error,lower,upper")
        // Per fit: its parameters + median, rmst, loglik, aic, bic. Parameters: exponential 1,
        // weibull/gompertz/lognormal/loglogistic 2, gengamma 3 → 12 + 6 × 5 = 42 per group.
        #expect(csv.count == 1 + 2 * 42)
        let svg = try String(contentsOfFile: out + "/fit.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
        // Per group: the KM steps, 6 survival and 6 hazard curves.
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 2 * 13)
    }

    @Test("colon's recurrences with pwexp and cures: fit.json valid against docs/fit.schema.json, cuts and logit(cure) written, cures dashed in fit.svg")
    func piecewiseAndCureFiles() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("fit").path
        let r = try CLI.run(["fit", Self.colon, "--time", "time", "--event", "status", "--dist", "weibull,pwexp,cure-weibull,cure-lognormal",
                             "--cuts", "12,24,48", "--time-unit", "days", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try Data(contentsOf: URL(fileURLWithPath: out + "/fit.json"))
        let schema = try JSONValue.parse(Data(contentsOf: Self.repository.appendingPathComponent("docs/fit.schema.json")))
        let errors = JSONSchemaValidator(root: schema).validate(try JSONValue.parse(json))
        #expect(errors.isEmpty, "\(errors.prefix(5))")
        let object = try JSONSerialization.jsonObject(with: json) as! [String: Any]
        let fits = (object["groups"] as! [[String: Any]])[0]["fits"] as! [[String: Any]]
        #expect(Set(fits.map { $0["dist"] as! String }) == ["weibull", "pwexp", "cure-weibull", "cure-lognormal"])
        let pw = try #require(fits.first { $0["dist"] as? String == "pwexp" })
        #expect((pw["cuts"] as! [Double]).map { ($0 / 30.4375 * 1e9).rounded() / 1e9 } == [12, 24, 48])
        #expect((pw["parameters"] as! [[String: Any]]).count == 4)
        let cure = try #require(fits.first { $0["dist"] as? String == "cure-weibull" })
        #expect((cure["parameters"] as! [[String: Any]]).last?["name"] as? String == "logit(cure)")
        #expect((cure["natural"] as! [[String: Any]]).last?["name"] as? String == "cure")
        let svg = try String(contentsOfFile: out + "/fit.svg", encoding: .utf8)
        // The KM steps, 4 survival and 4 hazard curves; the two cures' lines (and legend entries) dashed.
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 9)
        #expect(svg.components(separatedBy: "stroke-dasharray").count - 1 == 2 * 3)
    }

    @Test("the Weibull of lung equals survreg's (through the command line), with the median at exp(μ + σ log log 2)")
    func weibullMatchesSurvreg() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("fit").path
        let r = try CLI.run(Self.lungArguments + ["--dist", "weibull", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/fit.json"))) as! [String: Any]
        let fit = ((object["groups"] as! [[String: Any]])[0]["fits"] as! [[String: Any]])[0]
        let p = fit["parameters"] as! [[String: Any]]
        // survreg(Surv(time, status) ~ 1, lung, dist = "weibull"): R/out-survreg/survreg.csv
        let mu = p[0]["estimate"] as! Double, logScale = p[1]["estimate"] as! Double
        #expect(abs(mu - 6.0349039102268485) < 1e-6 * 6)
        #expect(abs(logScale - -0.27523505744503596) < 1e-6 * 0.28)
        #expect(abs((fit["logLik"] as! Double) - -1153.8511880894057) < 1e-6)
        let median = (fit["median"] as! [String: Any])["estimate"] as! Double
        #expect(abs(median - exp(mu + exp(logScale) * log(log(2.0)))) < 1e-9 * median)
    }

    @Test("an unknown family, a missing column and a missing file are one line each with their exit codes")
    func refusals() throws {
        let bad = try CLI.run(Self.lungArguments + ["--dist", "weibul"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("'weibul' is not a model — did you mean 'weibull'?"))
        #expect(bad.stderr.split(separator: "\n").count == 1)
        let column = try CLI.run(["fit", Self.lung, "--time", "tiem", "--event", "status", "--event-codes", "1,2"])
        #expect(column.status == 64 && column.stderr.contains("did you mean 'time'?"))
        let missing = try CLI.run(["fit", "/nonexistent/x.csv", "--time", "t", "--event", "e"])
        #expect(missing.status == 66)
    }
}

/// `--export-evidence`: the exported arm runs with `nensim --evidence … --arms …` and the
/// simulated PFS median and landmarks equal the fitted Weibull's within 4 Monte Carlo SE.
@Suite("nensim fit --export-evidence")
struct FitExportEvidenceTests {
    @Test("lung by sex, Weibull in days: simulated median and S(6), S(12), S(24) months equal the fitted ones within 4 MC SE")
    func exportedWeibullSimulates() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let evidence = dir.appendingPathComponent("lung-fit.json").path
        let fit = try CLI.run(FitCommandTests.lungArguments + ["--group", "sex", "--dist", "weibull,lognormal", "--export-evidence", evidence,
                                                               "--export-dist", "weibull", "--time-unit", "days", "--out", dir.appendingPathComponent("fit").path])
        #expect(fit.status == 0, "\(fit.stderr)")
        // The exported file is checked by nensim's strict evidence reader when it runs (docs/evidence.schema.json
        // describes the full catalogue and uses keywords the test validator does not implement).
        let n = 20_000
        let run = try CLI.run(["--evidence", evidence, "--arms", "fitted_1,fitted_2", "--n", String(n), "--out", dir.appendingPathComponent("run").path])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: evidence))) as! [String: Any]
        let arms = object["arms"] as! [[String: Any]]
        let csv = try String(contentsOfFile: dir.appendingPathComponent("run/arms.csv").path, encoding: .utf8).split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        try #require(csv.count == 1 + arms.count, "arms.csv: \(csv.count) lines; stdout \(run.stdout.prefix(300))")
        let header = csv[0]
        for (i, arm) in arms.enumerated() {
            let natural = (arm["fit"] as! [String: Any])["natural"] as! [[String: Any]]
            let k = natural[0]["value"] as! Double, lambda = natural[1]["value"] as! Double // months
            func S(_ t: Double) -> Double { exp(-pow(t / lambda, k)) }
            let row = csv[1 + i]
            func value(_ column: String) -> Double { Double(row[header.firstIndex(of: column)!])! }
            #expect(row[0] == arm["id"] as! String)
            let median = lambda * pow(log(2.0), 1 / k)
            let density = k / lambda * pow(median / lambda, k - 1) * 0.5
            let medianSE = (0.25 / Double(n)).squareRoot() / density
            #expect(abs(value("pfs_median") - median) < 4 * medianSE, "median \(value("pfs_median")) vs \(median) ± \(medianSE)")
            for t in [6, 12, 24] {
                let s = S(Double(t)), se = (s * (1 - s) / Double(n)).squareRoot()
                #expect(abs(value("pfs_s\(t)") - s) < 4 * se, "S(\(t)) \(value("pfs_s\(t)")) vs \(s) ± \(se)")
            }
        }
    }

    /// The fit arguments of each exported model: lung for the families and the piecewise
    /// exponential (cut at 6, 12, 24 months), colon's recurrences (a plateau near 50 %)
    /// for the mixture cures.
    static func exportArguments(_ dist: String) -> [String] {
        if dist.hasPrefix("cure-") { return ["fit", FitCommandTests.colon, "--time", "time", "--event", "status", "--dist", dist] }
        return FitCommandTests.lungArguments + ["--dist", dist] + (dist == "pwexp" ? ["--cuts", "6,12,24"] : [])
    }

    @Test("every model exported runs: simulated median and S(6), S(12), S(24) months equal the fitted ones within 4 MC SE",
          arguments: ["exponential", "gompertz", "lognormal", "loglogistic", "gengamma", "pwexp", "cure-weibull", "cure-loglogistic"])
    func everyExportedFamilySimulates(dist: String) throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let evidence = dir.appendingPathComponent("\(dist).json").path
        let fit = try CLI.run(Self.exportArguments(dist) + ["--export-evidence", evidence, "--time-unit", "days"])
        #expect(fit.status == 0, "\(fit.stderr)")
        let n = 20_000
        let run = try CLI.run(["--evidence", evidence, "--arms", "fitted", "--n", String(n), "--out", dir.appendingPathComponent("run").path])
        try #require(run.status == 0, "\(run.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: evidence))) as! [String: Any]
        let fitObject = (object["arms"] as! [[String: Any]])[0]["fit"] as! [String: Any]
        let parameters = (fitObject["parameters"] as! [[String: Any]]).map { $0["value"] as! Double }
        let model = try #require(SurvivalModel.named(dist, cuts: fitObject["cuts"] as? [Double]))
        #expect(dist != "pwexp" || fitObject["cuts"] as? [Double] == [6, 12, 24])
        let d = model.distribution(parameters) // months
        let csv = try String(contentsOfFile: dir.appendingPathComponent("run/arms.csv").path, encoding: .utf8).split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = csv[0], row = csv[1]
        func value(_ column: String) -> Double { Double(row[header.firstIndex(of: column)!]) ?? .nan }
        let median = d.median
        if median.isFinite {
            let medianSE = (0.25 / Double(n)).squareRoot() / d.density(median)
            #expect(abs(value("pfs_median") - median) < 4 * medianSE, "\(dist) median \(value("pfs_median")) vs \(median) ± \(medianSE)")
        } else {
            #expect(value("pfs_median").isNaN, "\(dist): a cure fraction ≥ ½ has no median")
        }
        for t in [6, 12, 24] {
            let s = d.survival(Double(t)), se = (s * (1 - s) / Double(n)).squareRoot()
            #expect(abs(value("pfs_s\(t)") - s) < 4 * se, "\(dist) S(\(t)) \(value("pfs_s\(t)")) vs \(s) ± \(se)")
        }
    }

    @Test("--psa redraws a fitted cure's and piecewise exponential's parameters on the fitted scale: the draws' SD equals the fit's SE",
          arguments: ["pwexp", "cure-weibull"])
    func psaRedrawsFittedLaws(dist: String) throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let evidence = dir.appendingPathComponent("\(dist).json").path
        let fit = try CLI.run(Self.exportArguments(dist) + ["--export-evidence", evidence, "--time-unit", "days"])
        try #require(fit.status == 0, "\(fit.stderr)")
        let k = 400
        let run = try CLI.run(["--evidence", evidence, "--arms", "fitted", "--psa", String(k), "--n", "100", "--out", dir.appendingPathComponent("psa").path, "-q"])
        try #require(run.status == 0, "\(run.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: evidence))) as! [String: Any]
        let fitObject = (object["arms"] as! [[String: Any]])[0]["fit"] as! [String: Any]
        let names = (fitObject["parameters"] as! [[String: Any]]).map { $0["name"] as! String }
        let means = (fitObject["parameters"] as! [[String: Any]]).map { $0["value"] as! Double }
        let covariance = fitObject["covariance"] as! [[Double]]
        let rows = try String(contentsOfFile: dir.appendingPathComponent("psa/psa.csv").path, encoding: .utf8).split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == k + 1)
        for (j, name) in names.enumerated() {
            let column = try #require(rows[0].firstIndex(of: "fit:fitted.\(name)"), "psa.csv has no column for \(name)")
            let x = rows.dropFirst().map { Double($0[column])! }
            let mean = x.reduce(0, +) / Double(k)
            let sd = (x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(k - 1)).squareRoot()
            let se = covariance[j][j].squareRoot()
            // The sample mean within 4 SE/√K of θ̂, the sample SD within 4 of its SE (≈ SE/√(2K)).
            #expect(abs(mean - means[j]) < 4 * se / Double(k).squareRoot(), "\(name) mean \(mean) vs \(means[j])")
            #expect(abs(sd - se) < 4 * se / (2 * Double(k)).squareRoot(), "\(name) SD \(sd) vs SE \(se)")
        }
    }

    @Test("--dist pwexp without --cuts, bad cuts, --cuts without pwexp, a cure over the generalized gamma, and pwexp with covariates are usage errors")
    func pieceAndCureRefusals() throws {
        for (extra, needle) in [(["--dist", "pwexp"], "needs its cut points"), (["--dist", "pwexp", "--cuts", "12,6"], "increase strictly"),
                                (["--dist", "pwexp", "--cuts", "6,x"], "comma-separated months"), (["--cuts", "6"], "--cuts needs --dist pwexp"),
                                (["--dist", "cure-gengamma"], "not fitted"), (["--dist", "pwexp", "--cuts", "6", "--covariates", "age"], "without --covariates")] {
            let r = try CLI.run(FitCommandTests.lungArguments + extra)
            #expect(r.status == 64, "\(extra): \(r.stderr)")
            #expect(r.stderr.contains(needle), "\(extra): \(r.stderr)")
        }
        // A cure fraction at the boundary is listed as not fitted; the other models still are.
        let r = try CLI.run(FitCommandTests.lungArguments + ["--dist", "weibull,cure-lognormal"])
        #expect(r.status == 0 && r.stdout.contains("cure-lognormal: not fitted — cure-lognormal: the cure fraction goes to 0"), "\(r.stdout)")
    }

    @Test("an unknown family in an evidence file is refused in one line")
    func unknownFamilyRefused() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let evidence = dir.appendingPathComponent("ll.json").path
        let fit = try CLI.run(FitCommandTests.lungArguments + ["--dist", "loglogistic", "--export-evidence", evidence, "--time-unit", "days"])
        #expect(fit.status == 0, "\(fit.stderr)")
        let text = try String(contentsOfFile: evidence, encoding: .utf8).replacingOccurrences(of: "\"dist\" : \"loglogistic\"", with: "\"dist\" : \"loglogistik\"")
        try text.write(toFile: evidence, atomically: true, encoding: .utf8)
        let run = try CLI.run(["--evidence", evidence, "--arms", "fitted", "--n", "1000"])
        #expect(run.status == 65)
        #expect(run.stderr.contains("unknown family 'loglogistik'"), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1)
    }
}
