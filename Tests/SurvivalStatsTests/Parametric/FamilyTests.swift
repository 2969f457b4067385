import Foundation
import Testing
@testable import SurvivalStats

/// Distribution functions against R: `Tests/Fixtures/R/make_parametric_fixtures.R` →
/// `R/out-parametric/families.csv` (pweibull, plnorm, plogis, and flexsurv's Gompertz and
/// generalized-gamma formulas on base R's pgamma/qgamma), including the edges: S within
/// 1e-12 of 1, log S near −350, z = 44 for the log-normal, Q = 0.01.
struct FamilyReferenceRow: Sendable, CustomStringConvertible {
    let family: String, p: [Double], kind: String, x: Double, value: Double
    var description: String { "\(family)\(p) \(kind)(\(x))" }

    static func load() throws -> [FamilyReferenceRow] {
        let t = try FixtureTable.load("R/out-parametric/families.csv")
        let f = t.strings("family"), k = t.strings("kind")
        let p1 = t.optionalNumbers("p1"), p2 = t.optionalNumbers("p2"), p3 = t.optionalNumbers("p3")
        let x = t.numbers("x"), v = t.numbers("value")
        return t.rows.indices.map { i in
            FamilyReferenceRow(family: f[i], p: [p1[i], p2[i], p3[i]].compactMap { $0 }, kind: k[i], x: x[i], value: v[i])
        }
    }

    var distribution: any SurvivalDistribution {
        switch family {
        case "weibull": return WeibullDistribution(location: p[0], scale: p[1])
        case "lognormal": return LogNormalDistribution(location: p[0], scale: p[1])
        case "loglogistic": return LogLogisticDistribution(location: p[0], scale: p[1])
        case "gompertz": return GompertzDistribution(shape: p[0], rate: p[1])
        default: return GeneralizedGammaDistribution(location: p[0], scale: p[1], q: p[2])
        }
    }
}

@Suite("Survival families")
struct FamilyTests {
    static let rows: [FamilyReferenceRow] = (try? FamilyReferenceRow.load()) ?? []

    @Test("log S, log f, quantiles and RMST equal R's, edges included", arguments: rows)
    func equalsR(_ row: FamilyReferenceRow) {
        let d = row.distribution
        let got: Double
        var tolerance = 1e-11
        switch row.kind {
        case "logS": got = d.logSurvival(row.x); if row.family == "gengamma" { tolerance = 1e-9 }
        case "logf": got = d.logDensity(row.x)
        case "quantile": got = d.quantile(row.x); tolerance = 1e-9
        default: got = d.restrictedMean(row.x); tolerance = 1e-8
        }
        if row.value.isInfinite { #expect(got == row.value, "\(row): \(got) vs R \(row.value)"); return }
        #expect(relativeDifference(got, row.value) < tolerance, "\(row): \(got) vs R \(row.value)")
    }

    @Test("the fixture has every family and kind")
    func fixtureComplete() {
        #expect(Set(Self.rows.map(\.family)) == ["weibull", "lognormal", "loglogistic", "gompertz", "gengamma"])
        #expect(Set(Self.rows.map(\.kind)) == ["logS", "logf", "quantile", "rmst"])
    }

    @Test("h, f and S agree with each other (h = f/S, f = −dS/dt) and the sampler inverts S", arguments: [
        WeibullDistribution(location: 1, scale: 0.6) as any SurvivalDistribution,
        LogNormalDistribution(location: 1, scale: 0.8), LogLogisticDistribution(location: 0.7, scale: 0.5),
        GompertzDistribution(shape: 0.2, rate: 0.1), GeneralizedGammaDistribution(location: 1, scale: 0.5, q: -0.4),
        ExponentialDistribution(rate: 0.3), PiecewiseExponentialDistribution(cuts: [1, 3], rates: [0.1, 0.5, 0.2])!,
        MixtureCureDistribution(base: WeibullDistribution(location: 1, scale: 0.6), cureFraction: 0.25),
    ])
    func consistent(_ d: any SurvivalDistribution) {
        for t in [0.3, 1.7, 4.2] {
            #expect(relativeDifference(d.hazard(t), d.density(t) / d.survival(t)) < 1e-12)
            // f = −S · d log S/dt (log S differenced: no cancellation where S is near 1).
            let h = 1e-5
            let slope = -d.survival(t) * (d.logSurvival(t + h) - d.logSurvival(t - h)) / (2 * h)
            #expect(relativeDifference(slope, d.density(t)) < 1e-7)
            // The sampler inverts S: S(time(H = e)) = exp(−e).
            let e = d.cumulativeHazard(t)
            #expect(relativeDifference(d.time(cumulativeHazard: e), t) < 1e-9)
        }
    }

    @Test("log S keeps relative precision where S is within 1e-15 of 1 and where it underflows")
    func logSurvivalEdges() {
        let w = WeibullDistribution(location: 0, scale: 0.5) // S = exp(−t²)
        #expect(relativeDifference(w.logSurvival(1e-9), -1e-18) < 1e-14)
        #expect(relativeDifference(w.logSurvival(100), -1e4) < 1e-15)
        let l = LogNormalDistribution(location: 0, scale: 1)
        // log(1 − Φ(40)) = −804.6084420137538 (R: pnorm(40, lower.tail = FALSE, log.p = TRUE))
        #expect(relativeDifference(l.logSurvival(exp(40)), -804.60844201375376) < 1e-13)
        // S very near 1: log S = −Φ(z) to first order; z = −10: Φ = 7.619853024160527e-24.
        #expect(relativeDifference(l.logSurvival(exp(-10)), -7.6198530241605269e-24) < 1e-12)
        let ll = LogLogisticDistribution(location: 0, scale: 1)
        #expect(relativeDifference(ll.logSurvival(1e-20), -1e-20) < 1e-12)
        #expect(relativeDifference(ll.logSurvival(1e20), -log(1e20)) < 1e-12)
    }

    @Test("the sampler is exact at both ends: tiny E (S near 1) and large E (S near 0)")
    func samplerEdges() {
        let l = LogNormalDistribution(location: 0, scale: 1)
        // E = 1e-20: F = 1e-20, z = Φ⁻¹(1e-20) = −9.262340089798408 (R: qnorm(1e-20))
        #expect(relativeDifference(log(l.time(cumulativeHazard: 1e-20)), -9.2623400897984079) < 1e-12)
        // E = 700: S = e^−700, z = −Φ⁻¹(e^−700) = 37.1471... (R: qnorm(-700, log.p = TRUE, lower.tail = FALSE))
        #expect(relativeDifference(l.logSurvival(l.time(cumulativeHazard: 700)), -700) < 1e-10)
        let ll = LogLogisticDistribution(location: 0, scale: 1)
        #expect(relativeDifference(ll.time(cumulativeHazard: 1e-20), 1e-20) < 1e-12)
        let g = GompertzDistribution(shape: -0.5, rate: 0.1) // cured share exp(−0.2)
        #expect(g.time(cumulativeHazard: 0.25) == .infinity)
        #expect(g.time(cumulativeHazard: 0.15).isFinite)
        var values = [0.0, 0.1, 1, 5]
        WeibullDistribution(location: 1, scale: 0.5).timesFromCumulativeHazards(&values)
        #expect(values == [0, exp(1 + 0.5 * log(0.1)), exp(1.0), exp(1 + 0.5 * log(5.0))])
    }

    @Test("large Weibull shape (σ = 0.01) and Gompertz near shape 0 stay finite and exact")
    func largeShapeAndNearZeroShape() {
        let w = WeibullDistribution(location: 2, scale: 0.01)
        #expect(relativeDifference(w.median, exp(2 + 0.01 * log(log(2.0)))) < 1e-14)
        #expect(w.logSurvival(exp(1.9)) > -1e-4 && w.logSurvival(exp(2.1)) < -1e4)
        let g0 = GompertzDistribution(shape: 1e-12, rate: 0.3), e = ExponentialDistribution(rate: 0.3)
        for t in [0.5, 5, 50] {
            #expect(relativeDifference(g0.logSurvival(t), e.logSurvival(t)) < 1e-10)
        }
    }

    @Test("generalized gamma: Q = 1 is the Weibull, Q = σ the gamma, Q → 0 the log-normal")
    func generalizedGammaLimits() {
        let mu = 1.3, sigma = 0.7
        let gg1 = GeneralizedGammaDistribution(location: mu, scale: sigma, q: 1)
        let w = WeibullDistribution(location: mu, scale: sigma)
        let gs = GeneralizedGammaDistribution(location: mu, scale: sigma, q: sigma)
        let shape = 1 / (sigma * sigma), scaleG = exp(mu) * sigma * sigma
        for t in [0.2, 1, 3.7, 10, 25] {
            #expect(relativeDifference(gg1.logSurvival(t), w.logSurvival(t)) < 1e-12)
            #expect(relativeDifference(gg1.logDensity(t), w.logDensity(t)) < 1e-12)
            #expect(relativeDifference(gs.survival(t), Distributions.regularizedGammaQ(shape, t / scaleG)) < 1e-12)
        }
        // Q → 0: the distance to the log-normal shrinks in proportion to Q.
        let ln = LogNormalDistribution(location: mu, scale: sigma)
        var previous = Double.infinity
        for q in [0.1, 0.01, 0.001] {
            let gq = GeneralizedGammaDistribution(location: mu, scale: sigma, q: q)
            let gap = [0.5, 2, 4, 9].map { abs(gq.survival($0) - ln.survival($0)) }.max()!
            #expect(gap < q, "Q = \(q): gap \(gap)")
            #expect(gap < previous / 5)
            previous = gap
        }
        // Below the threshold the log-normal itself is used; just above it, the gamma form
        // agrees with it to O(Q).
        let above = GeneralizedGammaDistribution(location: mu, scale: sigma, q: 2 * GeneralizedGammaDistribution.lognormalThreshold)
        #expect(abs(above.survival(4) - ln.survival(4)) < 1e-3 && abs(above.logDensity(4) - ln.logDensity(4)) < 1e-3)
    }

    @Test("generalized gamma near Q = 0, either sign: Q = ±1e-8 is the log-normal; the gap to it shrinks with |Q| and is small just past the switch", arguments: [1.0, -1.0])
    func generalizedGammaNearZero(_ sign: Double) {
        let mu = 0.5, sigma = 1.0
        let ln = LogNormalDistribution(location: mu, scale: sigma)
        let tiny = GeneralizedGammaDistribution(location: mu, scale: sigma, q: sign * 1e-8)
        for t in [1e-6, 0.01, 1, 50, 1e5] {
            #expect(tiny.logSurvival(t) == ln.logSurvival(t) && tiny.logDensity(t) == ln.logDensity(t))
        }
        #expect(tiny.quantile(0.5) == ln.quantile(0.5) && tiny.quantile(1e-12) == ln.quantile(1e-12))
        var previous = Double.infinity
        for q in [0.1, 0.01, 0.001, 2 * GeneralizedGammaDistribution.lognormalThreshold] {
            let gq = GeneralizedGammaDistribution(location: mu, scale: sigma, q: sign * q)
            // On S and on log f, at times from S ≈ 1 − 1e-9 to S ≈ 1e-7.
            let times = [0.003, 0.5, 2, 9, 200]
            let gap = times.map { abs(gq.survival($0) - ln.survival($0)) }.max()!
            // log f differs by ≈ Q w³/6 (w = (log t − μ)/σ): compared where |w| < 2.
            let densityGap = [0.5, 2, 9].map { abs(gq.logDensity($0) - ln.logDensity($0)) }.max()!
            #expect(gap < q && densityGap < q, "Q = \(sign * q): gaps \(gap), \(densityGap)")
            #expect(gap < previous, "Q = \(sign * q)")
            previous = gap
            // S and f agree with each other on both sides of the switch: f = −dS/dt.
            let t = 2.0, h = 1e-5
            let slope = -(gq.survival(t + h) - gq.survival(t - h)) / (2 * h)
            #expect(relativeDifference(slope, exp(gq.logDensity(t))) < 1e-6, "Q = \(sign * q)")
        }
    }

    @Test("piecewise exponential: S, quantile and RMST by hand; zero rate gives a flat S")
    func piecewise() {
        let d = PiecewiseExponentialDistribution(cuts: [2, 5], rates: [0.1, 0, 0.4])!
        #expect(relativeDifference(d.survival(4), exp(-0.2)) < 1e-15)
        #expect(relativeDifference(d.survival(6), exp(-0.2 - 0.4)) < 1e-15)
        #expect(d.time(cumulativeHazard: 0.2) == 2)
        #expect(relativeDifference(d.time(cumulativeHazard: 0.6), 6) < 1e-15)
        let exact = (1 - exp(-0.2)) / 0.1 + 3 * exp(-0.2) + exp(-0.2) * (1 - exp(-0.4 * 3)) / 0.4
        #expect(relativeDifference(d.restrictedMean(8), exact) < 1e-14)
        #expect(PiecewiseExponentialDistribution(cuts: [3, 2], rates: [1, 1, 1]) == nil)
    }

    @Test("mixture cure: S levels off at the cure fraction, quantiles past it are infinite")
    func cure() {
        let base = LogLogisticDistribution(location: 1, scale: 0.5)
        let c = MixtureCureDistribution(base: base, cureFraction: 0.3)
        #expect(relativeDifference(c.survival(1e9), 0.3) < 1e-9)
        #expect(c.quantile(0.69).isFinite && c.quantile(0.7) == .infinity)
        #expect(relativeDifference(c.survival(c.quantile(0.5)), 0.5) < 1e-12)
        #expect(relativeDifference(c.restrictedMean(10), 0.3 * 10 + 0.7 * base.restrictedMean(10)) < 1e-9)
    }
}
