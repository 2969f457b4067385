import Foundation
import Testing
@testable import SurvivalStats

/// Weighted log-rank statistics, MaxCombo and Magirr–Burman against
/// `Tests/Fixtures/R/make_nph_fixtures.R` (R 4.2.2, survival 3.5-3, mvtnorm): the
/// statistics computed in R from first principles (checked there against `survdiff`
/// for ρ = 0, 1), the MaxCombo p-value by `mvtnorm::pmvnorm` (Genz–Bretz on the
/// singular 4 × 4 correlation, abseps 1e-9), the bivariate normal by `pmvnorm`.
@Suite struct NonProportionalTests {
    static let values = try! FixtureTable.load("R/out-nph/tests.csv")
    static let bvn = try! FixtureTable.load("R/out-nph/bvn.csv")

    static func value(_ id: String, _ q: String) -> Double {
        Expected.number(values.select(["case": id, "quantity": q])[0]["value"]!)
    }

    static func table(_ id: String) throws -> TwoGroupEventTable {
        let d = try FixtureTable.load("R/out-nph/data_\(id).csv").allRows()
        return TwoGroupEventTable(time: d.map { Expected.number($0["time"]!) }, event: d.map { $0["event"] == "1" },
                                  group: d.map { UInt8($0["group"]!)! })
    }

    @Test("MaxCombo statistics, correlation and p-value equal R's", arguments: ["delayed", "ph", "crossing"])
    func maxComboMatchesR(_ id: String) throws {
        let m = MaxCombo.test(try Self.table(id))
        for j in 0..<4 { #expect(abs(m.z[j] - Self.value(id, "z\(j + 1)")) <= 1e-10) }
        for j in 0..<16 { #expect(abs(m.correlation[j] - Self.value(id, "corr\(j + 1)")) <= 1e-10) }
        #expect(abs(m.zMax - Self.value(id, "zmax")) <= 1e-10)
        let p = Self.value(id, "p_maxcombo")
        #expect(abs(m.pOneSided - p) <= 1e-6, "p \(m.pOneSided) vs pmvnorm \(p)")
    }

    @Test("the G(0,0) score is the sum of the G(0,1) and G(1,0) scores (rank 3)")
    func correlationIsRankDeficient() throws {
        let t = try Self.table("delayed")
        let (u, _) = t.scores(functions: 3) { k in let s = t.survivalBefore[k]; return [1, 1 - s, s] }
        #expect(abs(u[0] - u[1] - u[2]) <= 1e-10 * abs(u[0]))
    }

    @Test("Magirr–Burman modestly weighted log-rank (t* = 6) equals R's", arguments: ["delayed", "ph", "crossing"])
    func modestlyWeightedMatchesR(_ id: String) throws {
        let r = ModestlyWeightedLogRank.test(try Self.table(id), tStar: 6)
        #expect(abs(r.u - Self.value(id, "mb_u")) <= 1e-9 * abs(r.u))
        #expect(abs(r.variance - Self.value(id, "mb_v")) <= 1e-9 * r.variance)
        #expect(abs(r.z - Self.value(id, "mb_z")) <= 1e-10)
    }

    @Test("the bivariate normal CDF equals pmvnorm's to 1e-9")
    func bivariateNormalMatchesR() {
        for row in Self.bvn.allRows() {
            let h = Expected.number(row["h"]!), k = Expected.number(row["k"]!), r = Expected.number(row["r"]!)
            let p = Distributions.bivariateNormalCDF(h, k, r)
            #expect(abs(p - Expected.number(row["p"]!)) <= 1e-9, "Φ₂(\(h), \(k); \(r)) = \(p)")
        }
        #expect(abs(Distributions.bivariateNormalCDF(0.3, 0.3, 1) - Distributions.normalCDF(0.3)) <= 1e-15)
        #expect(abs(Distributions.bivariateNormalCDF(0, 0, 0.5) - (0.25 + asin(0.5) / (2 * Double.pi))) <= 1e-15)
    }
}
