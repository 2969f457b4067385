import Foundation
import Testing
@testable import SurvivalStats

/// The piecewise-exponential fit (closed form) and the mixture cure fit (Newton over
/// `CureLikelihood`): against hand-written likelihoods in R (`R/make_cure_fixtures.R`,
/// CI has no R), finite differences, and simulated data with a known cure fraction.
@Suite("piecewise exponential and mixture cure fits")
struct PiecewiseAndCureFitTests {
    static let families: [ParametricFamily] = SurvivalModel.cureFamilies

    static func data(_ name: String) throws -> (time: [Double], event: [Bool]) {
        switch name {
        case "lung":
            let t = try FixtureTable.load("data/lung.csv")
            return (t.numbers("time"), t.numbers("status").map { $0 == 2 })
        case "veteran":
            let t = try FixtureTable.load("data/veteran.csv")
            return (t.numbers("time"), t.numbers("status").map { $0 == 1 })
        default:
            let t = try FixtureTable.load("data/colon_recurrence.csv")
            return (t.numbers("time"), t.numbers("status").map { $0 == 1 })
        }
    }

    /// Rows of R/out-cure/cure.csv for one data set, family, case and point: quantity → values.
    static func reference(_ data: String, _ dist: String, _ kase: String, _ point: Int) throws -> [String: [Double]] {
        let t = try FixtureTable.load("R/out-cure/cure.csv")
        var out: [String: [Double]] = [:]
        let d = t.strings("data"), f = t.strings("dist"), c = t.strings("case"), p = t.strings("point"), q = t.strings("quantity"), v = t.numbers("value")
        for i in d.indices where d[i] == data && f[i] == dist && c[i] == kase && p[i] == String(point) { out[q[i], default: []].append(v[i]) }
        return out
    }

    static let cases: [(String, ParametricFamily)] = ["lung", "veteran", "colon"].flatMap { d in families.map { (d, $0) } }

    @Test("the cure log-likelihood equals the one written by hand in R at fixed parameters (1e-10 relative)", arguments: cases)
    func logLikelihoodEqualsR(_ name: String, _ family: ParametricFamily) throws {
        let (time, event) = try Self.data(name)
        let problem = try ParametricProblem(family: family, data: ParametricData(time: time, event: event), cure: true)
        for point in [1, 2] {
            let r = try Self.reference(name, family.rawValue, "at", point)
            let theta = try #require(r["theta"]), expected = try #require(r["loglik"]?.first)
            guard expected.isFinite else { continue }
            #expect(relativeDifference(problem.logLikelihood(theta), expected) < 1e-10, "\(name) \(family) point \(point)")
        }
    }

    @Test("the analytic gradient and information equal central differences of the log-likelihood", arguments: cases)
    func derivativesEqualFiniteDifferences(_ name: String, _ family: ParametricFamily) throws {
        let (time, event) = try Self.data(name)
        let problem = try ParametricProblem(family: family, data: ParametricData(time: time, event: event), cure: true)
        for point in [1, 2] {
            let theta = try #require(try Self.reference(name, family.rawValue, "at", point)["theta"])
            let (ll, g, info) = problem.evaluate(theta)
            guard ll.isFinite else { continue }
            let P = theta.count
            for j in 0..<P {
                // A Gompertz shape is per day (a·t ~ 1 at t ~ 1000): its step is smaller.
                let h = family == .gompertz && j == 1 ? 1e-8 : 1e-5 * max(1, abs(theta[j]))
                var up = theta, down = theta
                up[j] += h; down[j] -= h
                let fd = (problem.logLikelihood(up) - problem.logLikelihood(down)) / (2 * h)
                #expect(abs(g[j] - fd) <= 1e-5 * max(1, abs(fd)), "\(name) \(family) ∂l/∂θ\(j): \(g[j]) vs \(fd)")
                let gu = problem.evaluate(up).gradient, gd = problem.evaluate(down).gradient
                for i in 0..<P {
                    let fdh = -(gu[i] - gd[i]) / (2 * h)
                    #expect(abs(info[i * P + j] - fdh) <= 1e-5 * max(1, abs(fdh)), "\(name) \(family) I[\(i)][\(j)]: \(info[i * P + j]) vs \(fdh)")
                }
            }
        }
    }

    @Test("where optim finds an interior cure fraction, the fit reaches at least its log-likelihood, with its parameters and SEs",
          arguments: [("colon", ParametricFamily.exponential), ("colon", .weibull), ("colon", .lognormal), ("colon", .loglogistic), ("lung", .gompertz)])
    func interiorMaximumEqualsOptim(_ name: String, _ family: ParametricFamily) throws {
        let (time, event) = try Self.data(name)
        let fit = try ParametricFit.fit(.cure(family), data: ParametricData(time: time, event: event))
        let r = try Self.reference(name, family.rawValue, "max", 0)
        let ll = try #require(r["loglik"]?.first), theta = try #require(r["theta"]), se = try #require(r["se"])
        #expect(fit.logLikelihood >= ll - 1e-7 && fit.logLikelihood - ll < 1e-4, "\(fit.logLikelihood) vs optim's \(ll)")
        for j in theta.indices {
            #expect(abs(fit.estimates[j] - theta[j]) < 2e-3 * max(1, abs(theta[j])), "θ\(j) \(fit.estimates[j]) vs \(theta[j])")
            #expect(abs(fit.standardErrors[j] - se[j]) < 2e-2 * se[j], "SE\(j) \(fit.standardErrors[j]) vs \(se[j])")
        }
        #expect(fit.parameterNames.last == "logit(cure)" && fit.parameterCount == theta.count)
        #expect(fit.aic == -2 * fit.logLikelihood + 2 * Double(theta.count))
    }

    @Test("a cure fraction running to 0 (veteran: no plateau) is refused naming the boundary", arguments: [ParametricFamily.weibull, .lognormal])
    func boundaryIsRefused(_ family: ParametricFamily) throws {
        let (time, event) = try Self.data("veteran")
        #expect {
            try ParametricFit.fit(.cure(family), data: ParametricData(time: time, event: event))
        } throws: { error in
            guard case let ParametricFitError.cureAtBoundary(f, c) = error else { return false }
            return f == family && c < 0 && (error as! ParametricFitError).description.contains("goes to 0")
        }
    }

    @Test("simulated cure-Weibull data with π = 0.3 (n = 3000): the fitted fraction's 95 % CI holds 0.3 and the SE is the binomial order")
    func knownCureFractionIsRecovered() throws {
        var rng = SplitMix64(seed: 2026)
        var time: [Double] = [], event: [Bool] = []
        let truth = MixtureCureDistribution(base: WeibullDistribution(shape: 1.4, timeScale: 10), cureFraction: 0.3)
        for _ in 0..<3000 {
            let e = -log(Double.random(in: Double.ulpOfOne..<1, using: &rng))
            let t = truth.time(cumulativeHazard: e), c = Double.random(in: 0..<60, using: &rng)
            time.append(min(t, c)); event.append(t <= c)
        }
        let fit = try ParametricFit.fit(.cure(.weibull), data: ParametricData(time: time, event: event))
        let c = fit.estimates[2], se = fit.standardErrors[2]
        let lower = CureLikelihood.fraction(c - 1.96 * se), upper = CureLikelihood.fraction(c + 1.96 * se)
        #expect(lower < 0.3 && 0.3 < upper, "95 % CI \(lower)–\(upper)")
        // The fraction's SE (delta method) is near the binomial √(π(1 − π)/n) inflated by the censoring.
        let piSE = se * 0.3 * 0.7
        #expect(piSE > (0.21 / 3000).squareRoot() && piSE < 3 * (0.21 / 3000).squareRoot(), "SE of π \(piSE)")
        #expect(abs(fit.estimates[0] - log(10)) < 4 * fit.standardErrors[0] && abs(fit.estimates[1] - log(1 / 1.4)) < 4 * fit.standardErrors[1])
    }

    @Test("the piecewise fit is events over exposure per piece, its log-likelihood the fitted law's own sum, Var(log rate) = 1/events")
    func piecewiseIsClosedForm() throws {
        let (time, event) = try Self.data("lung")
        let cuts = [182.625, 365.25, 730.5]
        let fit = try ParametricFit.fit(.piecewise(cuts: cuts), data: ParametricData(time: time, event: event))
        #expect(fit.parameterNames == ["log(rate1)", "log(rate2)", "log(rate3)", "log(rate4)"] && fit.iterations == 0)
        let bounds = [0] + cuts + [.infinity]
        for j in 0..<4 {
            var d = 0.0, e = 0.0
            for i in time.indices {
                e += max(0, min(time[i], bounds[j + 1]) - bounds[j])
                if event[i] && time[i] >= bounds[j] && time[i] < bounds[j + 1] { d += 1 }
            }
            #expect(relativeDifference(exp(fit.estimates[j]), d / e) < 1e-13)
            #expect(relativeDifference(fit.covariance[j * 4 + j], 1 / d) < 1e-13)
        }
        let law = fit.distribution()
        let direct = time.indices.reduce(0.0) { $0 + (event[$1] ? law.logDensity(time[$1]) : law.logSurvival(time[$1])) }
        #expect(relativeDifference(fit.logLikelihood, direct) < 1e-12)
        #expect(fit.aic == -2 * fit.logLikelihood + 8)
    }

    @Test("a piece without events, or past the last follow-up, is refused naming the piece")
    func emptyPieceIsRefused() throws {
        let data = try ParametricData(time: [1, 2, 3, 8, 9], event: [true, true, true, false, false])
        #expect {
            try ParametricFit.fit(.piecewise(cuts: [5]), data: data)
        } throws: { error in
            guard case let ParametricFitError.emptyPiece(index, lower, _, events, _) = error else { return false }
            return index == 1 && lower == 5 && events == 0 && "\(error)".contains("merge it")
        }
        #expect(throws: ParametricFitError.self) { try ParametricFit.fit(.piecewise(cuts: [2, 20]), data: data) }
        #expect(throws: ParametricFitError.self) { try ParametricFit.fit(.piecewise(cuts: [3, 2]), data: data) }
    }

    @Test("model names round-trip; pwexp needs cuts; no cure over the generalized gamma")
    func modelNames() {
        for m in [SurvivalModel.family(.gompertz), .piecewise(cuts: [6, 12]), .cure(.loglogistic)] {
            #expect(SurvivalModel.named(m.name, cuts: [6, 12]) == m)
        }
        #expect(SurvivalModel.named("pwexp") == nil && SurvivalModel.named("cure-gengamma") == nil && SurvivalModel.named("cure-") == nil)
    }
}
