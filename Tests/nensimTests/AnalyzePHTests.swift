import Foundation
import Testing
import NENSim

/// `--ph-test [km|identity|rank|log]`: R's `cox.zph` of the Cox model, against
/// `Tests/Fixtures/R/make_zph_fixtures.R` (→ `R/out-zph/`) to 1e-8 — the χ², df and p
/// per term (a factor's columns as one term) and GLOBAL from analysis.json, and every
/// scaled Schoenfeld residual and transformed time from zph.csv.
struct AnalyzePHTests {
    typealias A = AnalyzeCommandTests
    static func data(_ name: String) -> String { A.fixtures.appendingPathComponent("data/\(name).csv").path }
    static let models: [String: [String]] = [
        "lung": ["analyze", data("lung"), "--time", "time", "--event", "status", "--event-codes", "1,2", "--group", "sex", "--covariates", "age,ph.ecog"],
        "veteran": ["analyze", data("veteran"), "--time", "time", "--event", "status", "--group", "trt", "--covariates", "celltype,karno"],
        "ovarian": ["analyze", data("ovarian"), "--time", "futime", "--event", "fustat", "--covariates", "age,rx"],
        "lung_weights_inst": ["analyze", data("lung_weights"), "--time", "time", "--event", "status", "--event-codes", "1,2", "--group", "sex", "--covariates", "age", "--weights", "inst"],
        "lung_weights_w": ["analyze", data("lung_weights"), "--time", "time", "--event", "status", "--event-codes", "1,2", "--group", "sex", "--covariates", "age", "--weights", "w"],
        "veteran_strata": ["analyze", data("veteran"), "--time", "time", "--event", "status", "--covariates", "celltype,karno", "--strata", "trt"],
        "heart": ["analyze", data("heart"), "--start", "start", "--time", "stop", "--event", "event", "--group", "transplant", "--covariates", "age,year,surgery"],
    ]

    static func run(_ arguments: [String]) throws -> (report: AnalysisReport, zph: CSVTable, stdout: String) {
        let r = try A.run(arguments)
        return (r.report, try #require(r.csv["zph.csv"], "no zph.csv"), r.stdout)
    }

    static func check(_ model: String, ties: String, transform: String) throws {
        let (report, zph, stdout) = try run(models[model]! + ["--ties", ties, "--ph-test", transform])
        let label = "\(model) \(ties) \(transform)"
        let test = try #require(report.phTest, "\(label): no phTest in analysis.json")
        #expect(test.transform == transform)
        let table = try A.fixture("R/out-zph/\(model)_\(ties)_\(transform)_table.csv")
        let expected = A.rows(table, where: [:])
        let ours = test.terms + [test.global]
        #expect(ours.map(\.name) == expected.map { $0["term"]! }, "\(label) terms \(ours.map(\.name))")
        #expect(A.allClose(ours.map(\.chiSquare), expected.map { A.number($0["chisq"]) }), "\(label) chisq \(ours.map(\.chiSquare))")
        #expect(ours.map { Double($0.df) } == expected.map { A.number($0["df"]) }, "\(label) df")
        #expect(A.allClose(ours.map(\.pValue), expected.map { A.number($0["p"]) }), "\(label) p")
        #expect(stdout.contains("Proportional-hazards test (cox.zph, transform \(transform))"), "\(stdout)")

        // zph.csv against cox.zph(…, terms = FALSE): rows compared sorted by time, then
        // the residuals (R and nensim may order tied event times differently).
        let resid = try A.fixture("R/out-zph/\(model)_\(ties)_\(transform)_resid.csv")
        let columns = Array(resid.header.dropFirst(2))
        #expect(Array(zph.header.suffix(columns.count + 2)) == ["time", "g_time"] + columns, "\(label) zph.csv header \(zph.header)")
        func matrix(_ t: CSVTable, _ names: [String]) -> [[Double]] {
            let idx = names.map { n in t.header.firstIndex(of: n)! }
            return t.records.map { r in idx.map { A.number(r[$0]) } }.sorted { a, b in
                for (x, y) in zip(a, b) where x != y && !(x.isNaN && y.isNaN) { return x.isNaN ? false : (y.isNaN ? true : x < y) }
                return false
            }
        }
        let ourRows = matrix(zph, ["time", "g_time"] + columns), theirRows = matrix(resid, ["time", "x"] + columns)
        #expect(ourRows.count == theirRows.count, "\(label) events \(ourRows.count) vs \(theirRows.count)")
        let bad = zip(ourRows, theirRows).filter { a, b in !zip(a, b).allSatisfy { A.close($0, $1) } }
        #expect(bad.isEmpty, "\(label): \(bad.count) residual rows differ, first \(bad.first.map { "\($0.0) vs \($0.1)" } ?? "")")
    }

    /// lung, veteran (celltype: one term of 3 df) and ovarian, every transform, both tie rules.
    @Test(arguments: ["lung", "veteran", "ovarian"], ["efron", "breslow"])
    func coxZphMatchesR(model: String, ties: String) throws {
        for transform in ["km", "identity", "rank", "log"] { try Self.check(model, ties: ties, transform: transform) }
    }

    /// Case weights (integer and not), strata, and (start, stop] records (heart).
    @Test(arguments: ["lung_weights_inst", "lung_weights_w", "veteran_strata", "heart"], ["efron", "breslow"])
    func coxZphWithWeightsStrataAndCountingProcess(model: String, ties: String) throws {
        try Self.check(model, ties: ties, transform: "km")
        if model == "heart" { try Self.check(model, ties: ties, transform: "rank") }
    }

    /// zph.svg: one panel per coefficient (the SVG names each, with its term's test), written beside zph.csv.
    @Test func figureHasAPanelPerCoefficient() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        let r = try CLI.run(Self.models["veteran"]! + ["--ph-test", "rank", "--out", out])
        #expect(r.status == 0 && r.stdout.contains("Wrote km.csv, analysis.json, zph.csv and zph.svg"), "\(r.stderr)")
        let svg = try String(contentsOfFile: out + "/zph.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<?xml") && svg.contains("<svg") && svg.contains("cox.zph, transform rank"))
        for name in ["trt2", "celltypelarge", "celltypesmallcell", "celltypesquamous", "karno"] { #expect(svg.contains(name), "\(name)") }
        // Without --ph-test neither file is written.
        let plain = dir.appendingPathComponent("plain").path
        #expect(try CLI.run(Self.models["veteran"]! + ["--out", plain]).status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: plain).sorted() == ["analysis.json", "km.csv"])
    }

    /// analysis.json of real runs (PH test, counting-process, weights with cluster, strata)
    /// validates against docs/analysis.schema.json.
    @Test func analysisJsonMatchesItsSchema() throws {
        let schema = try JSONValue.parse(Data(contentsOf: A.fixtures.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/analysis.schema.json")))
        for args in [Self.models["veteran"]! + ["--ph-test", "--landmarks", "100,200"], Self.models["heart"]! + ["--cluster", "id", "--ph-test", "log"],
                     Self.models["veteran_strata"]!, Self.models["lung_weights_w"]!] {
            let dir = try CLI.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let out = dir.appendingPathComponent("out").path
            #expect(try CLI.run(args + ["--out", out]).status == 0)
            let errors = JSONSchemaValidator(root: schema).validate(try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: out + "/analysis.json"))))
            #expect(errors.isEmpty, "\(args[1]): \(errors.prefix(5))")
        }
    }

    /// `--ph-test` alone is R's default transform (km); a bad transform is a usage error.
    @Test func transformDefaultsToKMAndIsChecked() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bare = try CLI.run(Self.models["ovarian"]! + ["--ph-test"])
        #expect(bare.status == 0 && bare.stdout.contains("transform km"), "\(bare.stderr)")
        let before = try CLI.run(["analyze", "--ph-test", Self.data("ovarian"), "--time", "futime", "--event", "fustat", "--covariates", "age,rx"])
        #expect(before.status == 0 && before.stdout.contains("transform km"), "\(before.stderr)")
        let bad = try CLI.run(Self.models["ovarian"]! + ["--ph-test", "loglog"])
        #expect(bad.status == 64 && bad.stderr.split(separator: "\n").count == 1, "\(bad.status) \(bad.stderr)")
    }
}
