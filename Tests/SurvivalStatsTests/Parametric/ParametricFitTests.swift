import Foundation
import Testing
@testable import SurvivalStats

@Suite("Parametric maximum likelihood")
struct ParametricFitTests {
    static func lung() throws -> (time: [Double], event: [Bool], covariates: [Double]) {
        try SurvregCase.all[1].data() // lung, age + sex
    }

    @Test("analytic gradient and Hessian equal central differences of the log-likelihood", arguments: [
        ParametricFamily.exponential, .weibull, .lognormal, .loglogistic, .gompertz,
    ])
    func analyticDerivatives(_ family: ParametricFamily) throws {
        let (time, event, z) = try Self.lung()
        let problem = try ParametricProblem(family: family, time: time, event: event, covariates: z, p: 2)
        // A point away from the maximum, so the gradient is not ≈ 0.
        var theta = problem.startingValues()
        theta[1] = family == .gompertz ? 0.01 : -0.005
        theta[2] = family == .gompertz ? -0.3 : 0.2
        if theta.count > 3 { theta[3] = family == .gompertz ? 0.0005 : -0.2 }
        let analytic = problem.evaluate(theta)
        // Steps of 1e-3 of each parameter's natural scale 1/√I_jj (days make the Gompertz
        // shape's scale ~1e-5).
        let steps = theta.indices.map { 1e-3 / abs(analytic.information[$0 * theta.count + $0]).squareRoot() }
        let numeric = problem.numericalDerivatives(theta, problem.logLikelihood(theta), hessianSteps: steps)
        for j in theta.indices {
            #expect(abs(analytic.gradient[j] - numeric.gradient[j]) <= 1e-6 * max(1, abs(analytic.gradient[j])),
                    "∂l/∂θ\(j): \(analytic.gradient[j]) vs \(numeric.gradient[j])")
        }
        for j in analytic.information.indices {
            #expect(abs(analytic.information[j] - numeric.information[j]) <= 1e-4 * max(1, abs(analytic.information[j])),
                    "I[\(j)]: \(analytic.information[j]) vs \(numeric.information[j]) at \(theta)")
        }
    }

    @Test("the Gompertz maximum: zero gradient, and the exponential when the shape is held at 0")
    func gompertzMaximum() throws {
        let (time, event, _) = try Self.lung()
        let fit = try ParametricFit.fit(.gompertz, time: time, event: event)
        let problem = try ParametricProblem(family: .gompertz, time: time, event: event, covariates: [], p: 0)
        let g = problem.evaluate(fit.estimates).gradient
        #expect(g.allSatisfy { abs($0) < 1e-6 })
        // At shape 0 the log-likelihood is the exponential's at the same rate.
        let exponential = try ParametricFit.fit(.exponential, time: time, event: event)
        let rate = exp(-exponential.estimates[0])
        let atZero = problem.logLikelihood([log(rate), 0])
        #expect(relativeDifference(atZero, exponential.logLikelihood) < 1e-12)
        #expect(fit.logLikelihood >= exponential.logLikelihood)
    }

    @Test("generalized gamma nests the Weibull (Q = 1) and the log-normal (Q → 0): its maximum is at least theirs, and its likelihood at Q = 1 is the Weibull's")
    func generalizedGammaNesting() throws {
        let (time, event, z) = try Self.lung()
        let names = ["age", "sex"]
        let gg = try ParametricFit.fit(.gengamma, time: time, event: event, covariates: z, covariateNames: names)
        let w = try ParametricFit.fit(.weibull, time: time, event: event, covariates: z, covariateNames: names)
        let ln = try ParametricFit.fit(.lognormal, time: time, event: event, covariates: z, covariateNames: names)
        #expect(gg.logLikelihood >= w.logLikelihood - 1e-8 && gg.logLikelihood >= ln.logLikelihood - 1e-8)
        let problem = try ParametricProblem(family: .gengamma, time: time, event: event, covariates: z, p: 2)
        #expect(relativeDifference(problem.logLikelihood(w.estimates + [1]), w.logLikelihood) < 1e-10)
        #expect(abs(problem.logLikelihood(ln.estimates + [1e-6]) - ln.logLikelihood) < 1e-6)
        #expect(gg.standardErrors.allSatisfy { $0.isFinite && $0 > 0 })
        #expect(gg.parameterNames == ["(Intercept)", "age", "sex", "log(scale)", "Q"])
    }

    @Test("a fit that cannot converge names the parameter that diverged")
    func divergence() {
        // Every event at the same time: the scale of log T collapses to 0.
        let time = [5.0, 5, 5, 5, 5, 5], event = [true, true, true, true, true, true]
        #expect {
            try ParametricFit.fit(.lognormal, time: time, event: event)
        } throws: { error in
            guard case let ParametricFitError.notConverged(family, _, parameter, _, advice) = error else { return false }
            return family == .lognormal && parameter == "log(scale)" && advice.contains("collapsing")
        }
    }

    @Test("bad input is refused with the record named")
    func badInput() {
        #expect(throws: ParametricFitError.zeroTime(family: .weibull, index: 1)) {
            try ParametricFit.fit(.weibull, time: [1, 0, 2], event: [true, true, false])
        }
        #expect(throws: ParametricFitError.noEvents(family: .gompertz)) {
            try ParametricFit.fit(.gompertz, time: [1, 2], event: [false, false])
        }
        #expect(throws: ParametricFitError.self) { try ParametricFit.fit(.weibull, time: [1, -2], event: [true, true]) }
    }

    @Test("delta-method SE of the Weibull median equals the closed-form gradient's")
    func deltaMethod() throws {
        let (time, event, _) = try Self.lung()
        let fit = try ParametricFit.fit(.weibull, time: time, event: event)
        let (median, se) = fit.deltaMethod { $0.median }
        // median = exp(μ + σ log log 2): ∂/∂μ = m, ∂/∂log σ = m σ log log 2.
        let mu = fit.estimates[0], sigma = exp(fit.estimates[1]), c = log(log(2.0))
        #expect(relativeDifference(median, exp(mu + sigma * c)) < 1e-14)
        let g = [median, median * sigma * c]
        let v = g[0] * g[0] * fit.covariance[0] + 2 * g[0] * g[1] * fit.covariance[1] + g[1] * g[1] * fit.covariance[3]
        #expect(relativeDifference(se, v.squareRoot()) < 1e-6)
    }

    /// Weibull(shape 1.3, scale 12) times rounded to 0.01 (so many are tied), uniform
    /// censoring on (0, 36), and one covariate, from a fixed seed: more rows than fit in
    /// three chunks of a pass.
    static func simulated(_ n: Int) -> (time: [Double], event: [Bool], covariate: [Double]) {
        var rng = SplitMix64(seed: 12)
        var time: [Double] = [], event: [Bool] = [], x: [Double] = []
        for _ in 0..<n {
            let u = Double(rng.next() >> 11) / 9007199254740992, v = Double(rng.next() >> 11) / 9007199254740992
            let z = Double(rng.next() % 3)
            let t = 12 * exp(0.2 * z) * pow(-log1p(-u), 1 / 1.3), c = 36 * v
            time.append(max(0.01, (min(t, c) * 100).rounded() / 100)); event.append(t <= c); x.append(z)
        }
        return (time, event, x)
    }

    @Test("a fit has the same bits for any number of threads (fixed chunks summed in a fixed order)", arguments: [
        ParametricFamily.weibull, .lognormal, .loglogistic, .gompertz,
    ])
    func threadCountInvariance(_ family: ParametricFamily) throws {
        let (time, event, x) = Self.simulated(3 * ParametricProblem.chunkSize + 123)
        for covariates in [false, true] {
            var fits: [ParametricFit] = []
            for threads in [1, 2, 3] {
                fits.append(try ParametricFit.fit(family, time: time, event: event, covariates: covariates ? x : [],
                                                  covariateNames: covariates ? ["x"] : [], options: .init(threads: threads)))
            }
            for f in fits.dropFirst() {
                #expect(f.estimates == fits[0].estimates && f.covariance == fits[0].covariance && f.logLikelihood == fits[0].logLikelihood,
                        "\(family), covariates \(covariates): \(f.estimates) vs \(fits[0].estimates)")
            }
        }
    }

    @Test("every record twice: the same estimates, twice the log-likelihood, half the covariance (tied records are weights)", arguments: ParametricFamily.allCases)
    func duplicatedRecords(_ family: ParametricFamily) throws {
        let (time, event, _) = try Self.lung()
        let once = try ParametricFit.fit(family, time: time, event: event)
        let twice = try ParametricFit.fit(family, time: time + time, event: event + event)
        let tolerance = family == .gengamma ? 1e-6 : 1e-9
        for j in once.estimates.indices {
            #expect(abs(twice.estimates[j] - once.estimates[j]) <= tolerance * max(1, abs(once.estimates[j])), "\(once.parameterNames[j])")
        }
        #expect(relativeDifference(twice.logLikelihood, 2 * once.logLikelihood) < 1e-12)
        for j in once.covariance.indices {
            #expect(abs(2 * twice.covariance[j] - once.covariance[j]) <= 1e-4 * abs(once.covariance[j]) + 1e-12)
        }
        #expect(twice.n == 2 * once.n && twice.events == 2 * once.events)
    }

    @Test("prepared records: lung's tied days become weighted rows, events first, each (time, event) pair once")
    func preparedData() throws {
        let (time, event, _) = try Self.lung()
        let data = try ParametricData(time: time, event: event)
        #expect(data.n == time.count && data.rows < time.count && data.weight.reduce(0, +) == Double(time.count))
        #expect(data.events == event.filter { $0 }.count && data.weight[..<data.eventRows].reduce(0, +) == Double(data.events))
        let eventTimes = data.time[..<data.eventRows], censoredTimes = data.time[data.eventRows...]
        #expect(Set(eventTimes).count == eventTimes.count && Set(censoredTimes).count == censoredTimes.count)
        #expect(Set(eventTimes) == Set(zip(time, event).filter { $0.1 }.map(\.0)))
    }
}
