import Testing
@testable import SurvivalStats

/// Expected values from R 4.2 (`options(digits = 17)`), e.g. `pnorm(-1.96)`.
struct DistributionsTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let value: @Sendable () -> Double
        let r: Double
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "pnorm(-1.96)", value: { Distributions.normalCDF(-1.96) }, r: 0.024997895148220428),
        Case(name: "pnorm(3)", value: { Distributions.normalCDF(3) }, r: 0.9986501019683699),
        Case(name: "pnorm(-10)", value: { Distributions.normalCDF(-10) }, r: 7.6198530241605269e-24),
        Case(name: "qnorm(0.975)", value: { Distributions.normalQuantile(0.975) }, r: 1.9599639845400536),
        Case(name: "qnorm(1e-10)", value: { Distributions.normalQuantile(1e-10) }, r: -6.3613409024040557),
        Case(name: "qnorm(0.3)", value: { Distributions.normalQuantile(0.3) }, r: -0.52440051270804067),
        Case(name: "qnorm(0.9999)", value: { Distributions.normalQuantile(0.9999) }, r: 3.7190164854557084),
        Case(name: "pchisq(3.84,1,lower=F)", value: { Distributions.chiSquaredSurvival(3.84, df: 1) }, r: 0.050043521248705224),
        Case(name: "pchisq(50,10,lower=F)", value: { Distributions.chiSquaredSurvival(50, df: 10) }, r: 2.6690834249044957e-07),
        Case(name: "pchisq(0.5,3)", value: { Distributions.chiSquaredCDF(0.5, df: 3) }, r: 0.081108588345324154),
        Case(name: "pgamma(2.5,3.2)", value: { Distributions.gammaCDF(2.5, shape: 3.2) }, r: 0.40782930453091604),
        Case(name: "qgamma(0.3,2.5,scale=1.5)", value: { Distributions.gammaQuantile(0.3, shape: 2.5, scale: 1.5) }, r: 2.2499310995699302),
        Case(name: "qchisq(0.95,2)", value: { Distributions.chiSquaredQuantile(0.95, df: 2) }, r: 5.9914645471079799),
        Case(name: "pbeta(0.3,2.5,4)", value: { Distributions.betaCDF(0.3, a: 2.5, b: 4) }, r: 0.35219758590676714),
        Case(name: "qbeta(0.025,3,98)", value: { Distributions.betaQuantile(0.025, a: 3, b: 98) }, r: 0.0062299715383063968),
        Case(name: "qbeta(0.975,8,93)", value: { Distributions.betaQuantile(0.975, a: 8, b: 93) }, r: 0.13891972845585732),
        Case(name: "pbeta(0.999,0.5,0.5)", value: { Distributions.betaCDF(0.999, a: 0.5, b: 0.5) }, r: 0.97986495836662257),
    ]

    @Test("matches R to 1e-12 relative", arguments: cases)
    func matchesR(_ c: Case) {
        let v = c.value()
        #expect(abs(v - c.r) <= 1e-12 * abs(c.r), "\(c.name): \(v) vs R \(c.r)")
    }

    @Test func quantilesInvertDistributionFunctions() {
        for p in [1e-12, 1e-6, 0.01, 0.3, 0.5, 0.77, 0.999] {
            #expect(abs(Distributions.normalCDF(Distributions.normalQuantile(p)) - p) <= 1e-14 * max(p, 1e-300) + 1e-300)
            #expect(abs(Distributions.betaCDF(Distributions.betaQuantile(p, a: 2, b: 7), a: 2, b: 7) - p) <= 1e-13 * p)
        }
    }

    @Test func edgeCasesAreDefined() {
        #expect(Distributions.normalQuantile(0) == -.infinity)
        #expect(Distributions.normalQuantile(1) == .infinity)
        #expect(Distributions.normalQuantile(1.5).isNaN)
        #expect(Distributions.chiSquaredSurvival(0, df: 1) == 1)
        #expect(Distributions.betaQuantile(0, a: 1, b: 1) == 0)
    }
}
