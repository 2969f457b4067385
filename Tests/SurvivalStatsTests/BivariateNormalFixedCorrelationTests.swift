import Foundation
import Testing
@testable import SurvivalStats

/// The MaxCombo speed-ups (docs/PERFORMANCE-TRIAL.md) change no bits: the bivariate
/// normal with its correlation's terms computed once equals Genz's `bvnu` evaluated from
/// scratch (`reference`, the code before the change), and the two-sided MaxCombo p
/// skips the reverse integral only where it cannot be the smaller.
struct BivariateNormalFixedCorrelationTests {
    /// Genz's `bvnu` as it was written before the correlation terms were hoisted.
    static func reference(_ h: Double, _ k: Double, _ r: Double) -> Double {
        if h == .infinity || k == .infinity { return 0 }
        if h == -.infinity { return k == -.infinity ? 1 : Distributions.normalSurvival(k) }
        if k == -.infinity { return Distributions.normalSurvival(h) }
        if r == 0 { return Distributions.normalSurvival(h) * Distributions.normalSurvival(k) }
        let tp = 2 * Double.pi, ar = abs(r)
        let rule = BivariateNormal.rules[ar < 0.3 ? 0 : (ar < 0.75 ? 1 : 2)]
        let w = rule.w, x = rule.x
        var k = k, hk = h * k, bvn = 0.0
        if ar < 0.925 {
            let hs = (h * h + k * k) / 2, asr = asin(r) / 2
            for i in 0..<x.count {
                let sn = sin(asr * x[i])
                bvn += w[i] * exp((sn * hk - hs) / (1 - sn * sn))
            }
            bvn = bvn * asr / tp + Distributions.normalSurvival(h) * Distributions.normalSurvival(k)
        } else {
            if r < 0 { k = -k; hk = -hk }
            if ar < 1 {
                let asq = 1 - r * r
                var a = asq.squareRoot()
                let bs = (h - k) * (h - k)
                var asr = -(bs / asq + hk) / 2
                let c = (4 - hk) / 8, d = (12 - hk) / 80
                if asr > -100 { bvn = a * exp(asr) * (1 - c * (bs - asq) * (1 - d * bs) / 3 + c * d * asq * asq) }
                if hk > -100 {
                    let b = bs.squareRoot()
                    let sp = tp.squareRoot() * Distributions.normalCDF(-b / a)
                    bvn -= exp(-hk / 2) * sp * b * (1 - c * bs * (1 - d * bs) / 3)
                }
                a /= 2
                for i in 0..<x.count {
                    let xs = (a * x[i]) * (a * x[i])
                    asr = -(bs / xs + hk) / 2
                    if asr > -100 {
                        let sp = 1 + c * xs * (1 + 5 * d * xs), rs = (1 - xs).squareRoot()
                        let ep = exp(-(hk / 2) * xs / ((1 + rs) * (1 + rs))) / rs
                        bvn += a * w[i] * exp(asr) * (ep - sp)
                    }
                }
                bvn = -bvn / tp
            }
            if r > 0 { bvn += Distributions.normalSurvival(max(h, k)) } else if h >= k { bvn = -bvn } else {
                let l = h < 0 ? Distributions.normalCDF(k) - Distributions.normalCDF(h) : Distributions.normalSurvival(h) - Distributions.normalSurvival(k)
                bvn = l - bvn
            }
        }
        return max(0, min(1, bvn))
    }

    @Test func theHoistedFormGivesTheSameBitsAsFromScratch() {
        var state: UInt64 = 12345
        func uniform() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) / 9007199254740992 }
        for r in [-1, -0.99, -0.93, -0.8, -0.5, -0.1, 0, 0.2, 0.31, 0.74, 0.76, 0.924, 0.925, 0.96, 0.999, 1] {
            let phi2 = BivariateNormal(correlation: r)
            for _ in 0..<200 {
                let h = 8 * uniform() - 4, k = 8 * uniform() - 4
                #expect(phi2.upper(h, k).bitPattern == Self.reference(h, k, r).bitPattern, "r \(r) h \(h) k \(k)")
            }
            #expect(phi2.upper(-.infinity, 0.3) == Self.reference(-.infinity, 0.3, r))
        }
    }

    @Test("the two-sided MaxCombo p equals min(1, 2 min(p, p′)) exactly", arguments: ["delayed", "ph", "crossing"])
    func twoSidedShortcutIsExact(_ id: String) throws {
        let m = MaxCombo.test(try NonProportionalTests.table(id))
        #expect(m.pTwoSided == min(1, 2 * min(m.pOneSided, m.pOneSidedReversed)))
        // Every orientation: the table with the groups swapped.
        let d = try FixtureTable.load("R/out-nph/data_\(id).csv").allRows()
        let swapped = TwoGroupEventTable(time: d.map { Expected.number($0["time"]!) }, event: d.map { $0["event"] == "1" },
                                         group: d.map { 1 - UInt8($0["group"]!)! })
        let s = MaxCombo.test(swapped)
        #expect(s.pTwoSided == min(1, 2 * min(s.pOneSided, s.pOneSidedReversed)))
    }
}
