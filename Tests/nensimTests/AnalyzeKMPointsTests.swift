import Foundation
import Testing
@testable import NENSim

/// `analyze --km-points N`: km.csv thinned for plotting, a subset of the full table's rows.
struct AnalyzeKMPointsTests {
    static func km(_ extra: [String]) throws -> [[String]] {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        let r = try CLI.run(AnalyzeCommandTests.lungArguments + ["--group", "sex"] + extra + ["--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        return try CSVReader.read(path: out + "/km.csv").records
    }

    @Test func kmPointsKeepsASubsetOfTheRowsWithBothEnds() throws {
        let all = try Self.km([])
        let thin = try Self.km(["--km-points", "20"])
        #expect(thin.count < all.count && thin.count >= 2 * 20)
        #expect(Set(thin.map { $0.joined(separator: ",") }).isSubset(of: Set(all.map { $0.joined(separator: ",") })))
        for g in ["1", "2"] {
            #expect(thin.first { $0[0] == g } == all.first { $0[0] == g })
            #expect(thin.last { $0[0] == g } == all.last { $0[0] == g })
        }
    }

    @Test func kmPointsBelowTwoIsAUsageError() throws {
        let r = try CLI.run(AnalyzeCommandTests.lungArguments + ["--km-points", "1"])
        #expect(r.status == 64 && r.stderr.contains("--km-points 1: must be ≥ 2"), "\(r.stderr)")
    }
}
