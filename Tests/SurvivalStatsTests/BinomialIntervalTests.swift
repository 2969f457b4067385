import Testing
@testable import SurvivalStats

/// Binomial intervals against R: `prop.test(x, n, conf.level, correct = FALSE/TRUE)$conf.int`
/// (Wilson score) and `binom.test(x, n, conf.level = level)$conf.int` (Clopper–Pearson),
/// from `Tests/Fixtures/R/make_fixtures.R`. Tolerance: 1e-8 relative (1e-14 absolute
/// below 1e-8).
struct BinomialIntervalTests {
    struct Case: Sendable, CustomStringConvertible {
        let row: [String: String]
        var x: Int { Int(row["x"]!)! }
        var n: Int { Int(row["n"]!)! }
        var level: Double { Expected.number(row["level"]!) }
        var description: String { "x=\(x) n=\(n) level=\(level)" }
    }

    static let cases = Expected.binomial.allRows().map(Case.init)

    @Test("Wilson = prop.test(correct = FALSE)", arguments: cases)
    func wilson(_ c: Case) {
        let w = BinomialInterval.wilson(successes: c.x, trials: c.n, level: c.level)
        #expect(Expected.agrees(w.lower, Expected.number(c.row["wilson_lower"]!)), "\(c) lower \(w.lower)")
        #expect(Expected.agrees(w.upper, Expected.number(c.row["wilson_upper"]!)), "\(c) upper \(w.upper)")
    }

    @Test("Wilson with continuity correction = prop.test(correct = TRUE)", arguments: cases)
    func wilsonCorrected(_ c: Case) {
        let w = BinomialInterval.wilson(successes: c.x, trials: c.n, level: c.level, continuityCorrection: true)
        #expect(Expected.agrees(w.lower, Expected.number(c.row["wilson_cc_lower"]!)), "\(c) lower \(w.lower)")
        #expect(Expected.agrees(w.upper, Expected.number(c.row["wilson_cc_upper"]!)), "\(c) upper \(w.upper)")
    }

    @Test("Clopper–Pearson = binom.test", arguments: cases)
    func clopperPearson(_ c: Case) {
        let cp = BinomialInterval.clopperPearson(successes: c.x, trials: c.n, level: c.level)
        #expect(Expected.agrees(cp.lower, Expected.number(c.row["cp_lower"]!)), "\(c) lower \(cp.lower)")
        #expect(Expected.agrees(cp.upper, Expected.number(c.row["cp_upper"]!)), "\(c) upper \(cp.upper)")
    }

    /// At the ends both intervals reach the boundary: x = 0 gives lower 0, x = n upper 1.
    @Test func boundaryCases() {
        #expect(BinomialInterval.clopperPearson(successes: 0, trials: 20).lower == 0)
        #expect(BinomialInterval.clopperPearson(successes: 20, trials: 20).upper == 1)
        #expect(BinomialInterval.wilson(successes: 0, trials: 20).lower == 0)
        #expect(BinomialInterval.wilson(successes: 20, trials: 20).upper == 1)
    }
}
