import Foundation
import Testing
@testable import SurvivalStats

/// Temme's expansion of the incomplete gamma at large shape (a ≥ 100, |x/a − 1| < 0.4):
/// against the series and continued fraction it replaces, at its edges, and against R's
/// `pgamma` (`Tests/Fixtures/R/make_incomplete_gamma_fixtures.R` →
/// `R/out-gamma/log_incomplete_gamma.csv`).
@Suite("Incomplete gamma at large shape")
struct IncompleteGammaLargeShapeTests {
    /// The largest relative difference over log P and log Q.
    static func gap(_ u: (logP: Double, logQ: Double), _ v: (logP: Double, logQ: Double)) -> Double {
        max(relativeDifference(u.logP, v.logP), relativeDifference(u.logQ, v.logQ))
    }

    /// x across a ± 10√a and out to the expansion's edges, |x/a − 1| up to 0.39.
    static func points(_ a: Double) -> [Double] {
        let near = stride(from: -10.0, through: 10, by: 0.5).map { a + $0 * a.squareRoot() }
        let far = [-0.39, -0.3, -0.2, -0.1, 0.1, 0.2, 0.3, 0.39].map { a * (1 + $0) }
        return (near + far).filter { $0 > 0 && abs($0 - a) < Distributions.temmeMaximumDeviation * a }
    }

    // The series and continued fraction sum O(√a) terms and drift by up to ~1e-12 at
    // a = 10⁶ (measured worst per a: docs/PARAMETRIC.md); the expansion was checked at
    // 50 digits (mpmath) to 4e-16 at such points, so the bound here is the old method's.
    @Test("Temme's expansion equals the series and continued fraction: 1e-13 relative in log P and log Q up to a = 10³, 2e-12 to 10⁶",
          arguments: [100.0, 100.5, 317, 1e3, 4321.25, 1e4, 1e5, 1e6])
    func matchesSeriesAndFraction(_ a: Double) {
        for x in Self.points(a) {
            let g = Self.gap(Distributions.logRegularizedGamma(a, x), Distributions.logRegularizedGammaSeriesOrFraction(a, x))
            #expect(g < (a <= 1e3 ? 1e-13 : 2e-12), "a = \(a), x = \(x): \(g)")
        }
    }

    @Test("the switch is continuous: at a = 100 and at |x/a − 1| = 0.4 either method gives the same log P and log Q: 1e-14 across a = 100, 2e-12 across the deviation edge (the old methods’ drift)")
    func continuousAtTheSwitch() {
        let a0 = Distributions.temmeMinimumShape, below = a0.nextDown
        for x in Self.points(a0) {
            let inside = Distributions.logRegularizedGamma(a0, x), outside = Distributions.logRegularizedGamma(below, x)
            // a moves by one ulp: the functions move by far less than 1e-14.
            #expect(Self.gap(inside, outside) < 1e-14, "x = \(x)")
        }
        for a in [100.0, 1e4, 1e8] {
            for side in [-1.0, 1.0] {
                let edge = a * (1 + side * Distributions.temmeMaximumDeviation)
                let inside = side < 0 ? edge.nextUp : edge.nextDown
                let t = Distributions.logRegularizedGamma(a, inside)
                let s = Distributions.logRegularizedGammaSeriesOrFraction(a, inside)
                let o = Distributions.logRegularizedGamma(a, side < 0 ? edge.nextDown : edge.nextUp)
                #expect(Self.gap(t, s) < 2e-12 && Self.gap(t, o) < 2e-12, "a = \(a), edge \(side): \(Self.gap(t, s)), \(Self.gap(t, o))")
            }
        }
    }

    // R takes the larger tail as log1p(−P) of a P less exact than its log: there it is
    // off by up to 4e-13 (checked at 50 digits), so that tail is held to 3e-12.
    @Test("the smaller tail's log equals R's pgamma(log.p = TRUE) to 1e-13 relative, the larger's to 3e-12, a from 50 to 10¹⁰")
    func matchesR() throws {
        let t = try FixtureTable.load("R/out-gamma/log_incomplete_gamma.csv")
        let a = t.numbers("a"), x = t.numbers("x"), logP = t.numbers("log_p"), logQ = t.numbers("log_q")
        #expect(a.count > 150)
        for i in a.indices {
            let (p, q) = Distributions.logRegularizedGamma(a[i], x[i])
            let small = x[i] < a[i] ? relativeDifference(p, logP[i]) : relativeDifference(q, logQ[i])
            let large = x[i] < a[i] ? relativeDifference(q, logQ[i]) : relativeDifference(p, logP[i])
            #expect(small < 1e-13 && large < 3e-12, "a = \(a[i]), x = \(x[i]): \(small), \(large)")
        }
    }

    @Test("the generalized gamma's log S, log f and quantile at |Q| = 2e-4, 1e-3, 0.01 are those of the series and continued fraction to 3e-12")
    func generalizedGammaUnchanged() throws {
        // Values written by this suite's code before Temme's expansion came in (the
        // series and continued fraction throughout), 17 significant digits.
        let t = try FixtureTable.load("expected/gengamma_small_q.csv")
        let mu = t.numbers("mu"), sigma = t.numbers("sigma"), q = t.numbers("q"), time = t.numbers("t")
        let logS = t.numbers("log_s"), logF = t.numbers("log_f"), p = t.numbers("p"), quantile = t.numbers("quantile")
        #expect(mu.count == 108)
        for i in mu.indices {
            let g = GeneralizedGammaDistribution(location: mu[i], scale: sigma[i], q: q[i])
            let gaps = [relativeDifference(g.logSurvival(time[i]), logS[i]), relativeDifference(g.logDensity(time[i]), logF[i]),
                        relativeDifference(g.quantile(p[i]), quantile[i])]
            #expect(gaps.max()! < 3e-12, "Q = \(q[i]), t = \(time[i]), p = \(p[i]): \(gaps)")
        }
    }
}
