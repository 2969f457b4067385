import Foundation
import Testing
@testable import NENSim

/// `analyze --test`: the non-proportional-hazards tests of `trial --test` on a file,
/// equal to the R reference values of `Tests/Fixtures/R/make_nph_fixtures.R` (weighted
/// log-rank from first principles and survdiff, MaxCombo by mvtnorm's Genz–Bretz) and
/// `make_rmst_fixtures.R` (survfit's rmean) on the same data sets.
struct AnalyzeTwoGroupTestsTests {
    static let nph = AnalyzeCommandTests.fixtures.appendingPathComponent("R/out-nph")

    /// R's values: (case, quantity) → value, from a fixture CSV whose last column is the value.
    static func reference(_ file: String, key: ([String]) -> String) throws -> [String: Double] {
        let rows = try CSVReader.read(path: AnalyzeCommandTests.fixtures.appendingPathComponent(file).path).records
        return Dictionary(rows.map { (key($0), Double($0.last!)!) }, uniquingKeysWith: { a, _ in a })
    }

    static func analysis(_ name: String, _ extra: [String]) throws -> (json: [String: Any], stdout: String, data: Data) {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        let r = try CLI.run(["analyze", nph.appendingPathComponent("data_\(name).csv").path, "--time", "time", "--event", "event",
                             "--group", "group"] + extra + ["--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let data = try Data(contentsOf: URL(fileURLWithPath: out + "/analysis.json"))
        let json = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
        return (json, r.stdout, data)
    }

    static func close(_ a: Double, _ b: Double, _ rel: Double) -> Bool { abs(a - b) <= rel * max(1, abs(b)) }

    @Test(arguments: ["delayed", "ph", "crossing"])
    func testsEqualRsValues(name: String) throws {
        let r = try Self.reference("R/out-nph/tests.csv") { "\($0[0]).\($0[1])" }
        let rm = try Self.reference("R/out-rmst/rmst.csv") { "\($0[0]).\($0[1]).\($0[2])" }
        let (json, stdout, _) = try Self.analysis(name, ["--test", "maxcombo", "--test", "mb:6", "--test", "fh:1,0", "--test", "rmst:12"])
        let tests = try #require(json["tests"] as? [[String: Any]])
        #expect(tests.map { $0["test"] as? String } == ["maxcombo", "mb:6", "fh:1,0", "rmst:12"])
        #expect(tests.allSatisfy { $0["group"] as? String == "1" && $0["reference"] as? String == "0" })
        let maxcombo = tests[0], mb = tests[1], fh = tests[2], rmst = tests[3]
        let z = try #require(maxcombo["components"] as? [Double])
        for j in 0..<4 { #expect(Self.close(z[j], r["\(name).z\(j + 1)"]!, 1e-10), "z\(j + 1)") }
        #expect(Self.close(maxcombo["z"] as! Double, r["\(name).zmax"]!, 1e-10))
        // R's Genz–Bretz is a randomised integration (observed error up to ~1e-8 here):
        // the bound of NonProportionalTests, 1e-6.
        #expect(abs((maxcombo["pOneSided"] as! Double) - r["\(name).p_maxcombo"]!) <= 1e-6)
        #expect(Self.close(mb["z"] as! Double, r["\(name).mb_z"]!, 1e-10))
        #expect(Self.close(fh["z"] as! Double, r["\(name).z3"]!, 1e-10)) // G(1,0) = survdiff(rho = 1)
        #expect(Self.close(rmst["z"] as! Double, rm["\(name).12.z"]!, 1e-8))
        #expect(Self.close(rmst["pOneSided"] as! Double, rm["\(name).12.p_one_sided"]!, 1e-8))
        #expect(Self.close(rmst["pTwoSided"] as! Double, rm["\(name).12.p_two_sided"]!, 1e-8))
        let diff = try #require(rmst["components"] as? [Double])
        #expect(Self.close(diff[0], rm["\(name).12.difference"]!, 1e-8) && Self.close(diff[1], rm["\(name).12.se"]!, 1e-8))
        #expect(stdout.contains("Two-group tests against 0"))
        #expect(stdout.contains("maxcombo") && stdout.contains("mb:6") && stdout.contains("rmst:12"))
    }

    @Test func analysisJSONWithTestsMatchesItsSchema() throws {
        let (_, _, data) = try Self.analysis("delayed", ["--test", "maxcombo", "--test", "rmst:12"])
        let schema = try JSONValue.parse(Data(contentsOf: AnalyzeCommandTests.fixtures.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/analysis.schema.json")))
        let errors = JSONSchemaValidator(root: schema).validate(try JSONValue.parse(data))
        #expect(errors.isEmpty, "\(errors.prefix(5))")
    }

    static let refusals: [([String], String)] = [
        (["--test", "logrank"], "--test logrank: the log-rank test and the Cox model are always reported"),
        (["--test", "fh:-1"], "--test 'fh:-1': expected"),
        (["--test", "maxcombo", "--strata", "group"], "--test with --strata"),
        (["--test", "maxcombo", "--group", "", "--weights", "time"], "--test with --weights"),
    ]

    @Test(arguments: refusals)
    func badTestsAreUsageErrors(extra: [String], message: String) throws {
        let r = try CLI.run(["analyze", Self.nph.appendingPathComponent("data_ph.csv").path, "--time", "time", "--event", "event",
                             "--group", "group"] + extra)
        #expect(r.status == 64 && r.stdout.isEmpty, "\(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
    }
}
