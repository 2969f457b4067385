import Testing
@testable import SurvivalStats

/// Kaplan–Meier against R. For each data set, subset and `conf.type`, R computed
/// `fit <- survfit(Surv(time, event) ~ 1, data = subset, conf.type = ct)`, then
/// `quantile(fit, c(.25, .5, .75))`, `summary(fit, times = …, extend = TRUE)` and
/// `summary(fit, rmean = tau)$table` (see `Tests/Fixtures/R/make_fixtures.R`).
/// Tolerance: 1e-8 relative; 1e-14 absolute where R's value is below 1e-8 in magnitude.
struct KaplanMeierTests {
    /// `fit$time, n.risk, n.event, n.censor, surv, std.err, lower, upper, cumhaz, std.chaz`.
    @Test("survfit curve matches R", arguments: CurveCase.all)
    func curveMatchesR(_ c: CurveCase) {
        let fit = c.fit()
        let rows = Expected.curves.select(c.match)
        #expect(fit.time.count == rows.count)
        guard fit.time.count == rows.count else { return }
        let columns: [(String, [Double])] = [
            ("time", fit.time), ("n_risk", fit.nRisk), ("n_event", fit.nEvent), ("n_censor", fit.nCensor),
            ("surv", fit.survival), ("std_err", fit.stdErr), ("lower", fit.lower), ("upper", fit.upper),
            ("cumhaz", fit.nelsonAalen.cumulativeHazard), ("std_chaz", fit.nelsonAalen.stdErr),
        ]
        for (name, values) in columns {
            for (i, row) in rows.enumerated() {
                let r = Expected.number(row[name]!)
                #expect(Expected.agrees(values[i], r), "\(c) \(name)[\(i)] at t = \(fit.time[i]): \(values[i]) vs R \(r)")
            }
        }
        #expect(fit.invariantViolations().isEmpty)
    }

    /// `quantile(fit, probs = c(0.25, 0.5, 0.75))`: quantile, lower, upper.
    @Test("quantiles with confidence limits match R", arguments: CurveCase.all)
    func quantilesMatchR(_ c: CurveCase) {
        let fit = c.fit()
        let rows = Expected.quantiles.select(c.match)
        #expect(rows.count == 3)
        for row in rows {
            let p = Expected.number(row["prob"]!)
            let q = fit.quantile(p)
            for (name, value) in [("quantile", q.estimate), ("lower", q.lower), ("upper", q.upper)] {
                let r = Expected.number(row[name]!)
                #expect(Expected.agrees(value, r), "\(c) p = \(p) \(name): \(String(describing: value)) vs R \(r)")
            }
        }
    }

    /// `quantiles(_:)` reads each curve once for all probabilities (analyze's 25/50/75 %)
    /// and gives, for each p, R's quantile of that p: the same as the one-p searches on
    /// R's curves (a rising confidence curve and NA limits among them), and R's numbers.
    @Test("quantiles of several probabilities at once are those of each alone, and R's", arguments: CurveCase.all)
    func severalQuantilesAtOnceMatchR(_ c: CurveCase) {
        let fit = c.fit()
        let rows = Expected.quantiles.select(c.match)
        let probabilities = rows.map { Expected.number($0["prob"]!) }
        let together = fit.quantiles(probabilities + [0, 1, 0.5])
        #expect(together.count == probabilities.count + 3)
        for (k, row) in rows.enumerated() {
            for (name, value) in [("quantile", together[k].estimate), ("lower", together[k].lower), ("upper", together[k].upper)] {
                let r = Expected.number(row[name]!)
                #expect(Expected.agrees(value, r), "\(c) p = \(probabilities[k]) \(name): \(String(describing: value)) vs R \(r)")
            }
        }
        for (k, p) in (probabilities + [0, 1, 0.5]).enumerated() {
            let alone = QuantileEstimate(probability: p,
                                         estimate: KaplanMeierEstimate.findQuantiles(time: fit.time, curve: fit.survival, [p])[0],
                                         lower: KaplanMeierEstimate.findQuantiles(time: fit.time, curve: fit.lower, [p])[0],
                                         upper: KaplanMeierEstimate.findQuantiles(time: fit.time, curve: fit.upper, [p])[0])
            #expect(together[k] == alone, "\(c) p = \(p)")
        }
    }

    /// A curve that never falls back (no NaN) takes a binary search for its quantiles;
    /// it finds what R's pass over the knots finds, on plateaus at p exactly, steps
    /// within the tolerance of p, curves that stop above p, empty curves, and every p at
    /// and beside a value of the curve (and that value ± the tolerance).
    @Test func binarySearchQuantilesAreThePassOverTheKnots() {
        var state: UInt64 = 2026
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 11 }
        let tol = KaplanMeierEstimate.quantileTolerance
        var checked = 0
        for trial in 0..<300 {
            let m = trial % 7 == 0 ? Int(next() % 3) : 1 + Int(next() % 60)
            var s = 1.0, time: [Double] = [], curve: [Double] = []
            for i in 0..<m {
                switch next() % 6 {
                case 0: break                                   // a plateau
                case 1: s = 0.5                                 // exactly a probability
                case 2: s = max(0, s - tol / 2)                 // within the tolerance
                case 3: s = max(0, 0.25 - tol * Double(next() % 3))
                default: s = max(0, s * (1 - Double(next() % 1000) / 4000))
                }
                if trial % 5 == 0 { s = max(s, 0.6) }           // stops above the median
                time.append(Double(i + 1) * 0.75); curve.append(s)
            }
            var ps: [Double] = [0, 0.25, 0.5, 0.75, 1]
            for v in curve { ps += [1 - v, (1 - v).nextUp, (1 - v).nextDown, 1 - v + tol, 1 - v - tol] }
            ps = ps.filter { $0 >= 0 && $0 <= 1 }
            let fast = KaplanMeierEstimate.findQuantiles(time: time, curve: curve, ps)
            let pass = KaplanMeierEstimate.findQuantiles(time: time, curve: curve, ps, binarySearch: false)
            for k in ps.indices {
                #expect(fast[k]?.bitPattern == pass[k]?.bitPattern, "trial \(trial), p = \(ps[k]): \(String(describing: fast[k])) vs \(String(describing: pass[k]))")
                checked += 1
            }
        }
        #expect(checked > 10_000)
    }

    /// `summary(fit, times = …, extend = TRUE)`: n.risk, surv, std.err, lower, upper, cumhaz.
    @Test("landmark survival matches summary(fit, times =)", arguments: CurveCase.all)
    func landmarksMatchR(_ c: CurveCase) {
        let fit = c.fit()
        let rows = Expected.landmarks.select(c.match)
        #expect(!rows.isEmpty)
        for row in rows {
            let t = Expected.number(row["time"]!)
            let l = fit.survival(at: t)
            let pairs: [(String, Double)] = [("n_risk", l.nRisk), ("surv", l.survival), ("std_err", l.standardError),
                                             ("lower", l.lower), ("upper", l.upper), ("cumhaz", l.cumulativeHazard)]
            for (name, value) in pairs {
                let r = Expected.number(row[name]!)
                #expect(Expected.agrees(value, r), "\(c) t = \(t) \(name): \(value) vs R \(r)")
            }
        }
    }

    /// `summary(fit, rmean = tau)$table`: rmean, se(rmean), and the median with its limits
    /// as `print(fit)` shows them (`printedMedian`; it differs from `quantile(fit, 0.5)`
    /// for aml, whose upper log-CI curve rises at t = 48: 45 printed, 48 by `quantile`).
    @Test("RMST and printed median match R", arguments: CurveCase.all)
    func restrictedMeanMatchesR(_ c: CurveCase) {
        let fit = c.fit()
        let rows = Expected.rmean.select(c.match)
        #expect(!rows.isEmpty)
        for row in rows {
            let tau = Expected.number(row["tau"]!)
            let m = fit.restrictedMean(tau: tau)
            #expect(Expected.agrees(m.estimate, Expected.number(row["rmean"]!)), "\(c) tau = \(tau) rmean \(m.estimate) vs R \(row["rmean"]!)")
            #expect(Expected.agrees(m.standardError, Expected.number(row["se_rmean"]!)), "\(c) tau = \(tau) se \(m.standardError) vs R \(row["se_rmean"]!)")
            let med = fit.printedMedian
            #expect(Expected.agrees(med.estimate, Expected.number(row["median"]!)), "\(c) median")
            #expect(Expected.agrees(med.lower, Expected.number(row["median_lcl"]!)), "\(c) median LCL")
            #expect(Expected.agrees(med.upper, Expected.number(row["median_ucl"]!)), "\(c) median UCL")
        }
    }

    /// Unsorted records with a NaN time (dropped, as R's na.omit) and an event and a
    /// censoring tied at t = 2 (the censored record is at risk for that event):
    /// times 1+, 2, 2+, 3, 5 → n.risk 5, 4, 2, 1; S = 1, 3/4, 3/8, 0;
    /// Greenwood Σ d/(n(n−d)) = 0, 1/12, 1/12 + 1/2, ∞.
    @Test func handWorkedUnsortedWithNaNAndTies() {
        let fit = KaplanMeier.fit(time: [3, 1, .nan, 2, 2, 5], event: [true, false, true, true, false, true])
        #expect(fit.time == [1, 2, 3, 5])
        #expect(fit.nRisk == [5, 4, 2, 1])
        #expect(fit.nEvent == [0, 1, 1, 1])
        #expect(fit.nCensor == [1, 1, 0, 0])
        #expect(fit.survival == [1, 0.75, 0.375, 0])
        #expect(fit.stdErr[0] == 0)
        #expect(Swift.abs(fit.stdErr[1] - (1.0 / 12).squareRoot()) < 1e-15)
        #expect(Swift.abs(fit.stdErr[2] - (7.0 / 12).squareRoot()) < 1e-15)
        #expect(fit.stdErr[3] == .infinity)
        #expect(fit.lower[3].isNaN && fit.upper[3].isNaN)  // log CI undefined at S = 0 (R: NA)
        #expect(fit.nelsonAalen.cumulativeHazard == [0, 0.25, 0.75, 1.75])
        #expect(fit.median.estimate == 3)  // first t with S ≤ 0.5
        #expect(fit.survival(at: 2.5).survival == 0.75)
        #expect(fit.survival(at: 2).survival == 0.75)  // right-continuous
        #expect(fit.survival(at: 1.9999).survival == 1)
        #expect(fit.survival(at: 0.5).nRisk == 5)
        #expect(fit.survival(at: 9).nRisk == 0)
        // RMST to 5: 2·1 + 1·0.75 + 2·0.375 = 3.5.
        #expect(fit.restrictedMean(tau: 5).estimate == 3.5)
    }

    /// S = 0.75, 0.5, 0.25, 0 at t = 1…4: S is exactly 0.5 on [2, 3), so R's median is
    /// the midpoint 2.5 (`quantile(survfit(Surv(1:4, rep(1, 4)) ~ 1), 0.5)` = 2.5).
    /// RMST to 4 = 1 + 0.75 + 0.5 + 0.25 = 2.5.
    @Test func medianOnAFlatStretchIsTheMidpoint() {
        let fit = KaplanMeier.fit(time: [4, 3, 2, 1], event: [true, true, true, true])
        #expect(fit.median.estimate == 2.5)
        #expect(fit.quantile(0.25).estimate == 1.5)
        #expect(fit.quantile(0.75).estimate == 3.5)
        #expect(fit.quantile(1).estimate == 4)
        #expect(fit.restrictedMean(tau: 4).estimate == 2.5)
        #expect(fit.restrictedMean(tau: 10).estimate == 2.5)  // S = 0 after 4
    }

    @Test(arguments: ConfidenceType.allCases)
    func allCensoredStaysAtOne(_ type: ConfidenceType) {
        let fit = KaplanMeier.fit(time: [5, 2, 8], event: [false, false, false], confidenceType: type)
        #expect(fit.survival == [1, 1, 1])
        #expect(fit.stdErr == [0, 0, 0])
        #expect(fit.nelsonAalen.cumulativeHazard == [0, 0, 0])
        #expect(fit.median.estimate == nil)
        #expect(fit.restrictedMean(tau: 10) == RestrictedMean(tau: 10, estimate: 10, standardError: 0))
    }

    @Test func singleRecord() {
        let died = KaplanMeier.fit(time: [7], event: [true])
        #expect(died.survival == [0] && died.nRisk == [1])
        #expect(died.median.estimate == 7)
        #expect(died.restrictedMean(tau: 10).estimate == 7)
        #expect(died.restrictedMean(tau: 10).standardError == 0)
        let censored = KaplanMeier.fit(time: [7], event: [false])
        #expect(censored.survival == [1])
        #expect(censored.median.estimate == nil)
    }

    @Test func emptyDataGiveAnEmptyCurve() {
        let fit = KaplanMeier.fit(time: [.nan], event: [true])
        #expect(fit.time.isEmpty)
        #expect(fit.survival(at: 3).survival == 1)
        #expect(fit.median.estimate == nil)
        #expect(fit.restrictedMean(tau: 2).estimate == 2)
    }

    /// Several events and censorings at one time: censorings at an event time are in
    /// the risk set (R's convention). 10 at risk at t = 1 with 3 deaths and 4 censored:
    /// S(1) = 7/10; the 3 left at t = 2 with 1 death: S(2) = 7/10 · 2/3.
    @Test func tiedEventsAndCensoringsAtOneTime() {
        let time: [Double] = [1, 1, 1, 1, 1, 1, 1, 2, 2, 3]
        let event = [true, false, true, false, false, true, false, true, false, false]
        let fit = KaplanMeier.fit(time: time, event: event)
        #expect(fit.nRisk == [10, 3, 1])
        #expect(fit.nEvent == [3, 1, 0] && fit.nCensor == [4, 1, 1])
        #expect(fit.survival[0] == 0.7)
        #expect(Swift.abs(fit.survival[1] - 0.7 * 2 / 3) < 1e-15)
    }

    /// aml, log CI: `quantile(fit, 0.5)$upper` = 48 but `print(fit)` shows 0.95UCL = 45.
    @Test func printedMedianDiffersFromQuantileWhereTheUpperCurveRises() {
        let fit = CurveCase(dataset: "aml", subset: "all", confType: "log").fit()
        #expect(fit.median == QuantileEstimate(probability: 0.5, estimate: 27, lower: 18, upper: 48))
        #expect(fit.printedMedian == QuantileEstimate(probability: 0.5, estimate: 27, lower: 18, upper: 45))
    }

    @Test func standardErrorOfSurvivalIsWhatSummaryPrints() {
        let fit = CurveCase(dataset: "aml", subset: "all", confType: "log").fit()
        for i in fit.time.indices where fit.survival[i] > 0 {
            #expect(fit.standardErrorOfSurvival[i] == fit.survival[i] * fit.stdErr[i])
            #expect(fit.survival(at: fit.time[i]).standardError == fit.standardErrorOfSurvival[i])
        }
    }

    @Test func invariantCheckCatchesARisingCurve() {
        let good = KaplanMeier.fit(time: [1, 2, 3], event: [true, true, false])
        #expect(good.invariantViolations().isEmpty)
        let bad = KaplanMeierEstimate(
            time: [1, 2], nRisk: [2, 3], nEvent: [1, 1], nCensor: [0, 0], survival: [0.5, 0.6], stdErr: [0, 0],
            lower: [0, 0], upper: [1, 1], cumulativeHazard: [0.5, 0.4], cumulativeHazardStdErr: [0, 0],
            confidenceType: .log, confidenceLevel: 0.95, initialRisk: 2)
        let v = bad.invariantViolations()
        #expect(v.contains { $0.contains("survival rises") })
        #expect(v.contains { $0.contains("n.risk grows") })
        #expect(v.contains { $0.contains("cumulative hazard falls") })
    }

    /// RMST difference: se adds in quadrature, the interval is estimate ± z·se.
    @Test func restrictedMeanDifference() {
        let a = RestrictedMean(tau: 10, estimate: 7, standardError: 0.3)
        let b = RestrictedMean(tau: 10, estimate: 6, standardError: 0.4)
        let d = RMST.difference(a, b)
        #expect(Swift.abs(d.estimate - 1) < 1e-15)
        #expect(Swift.abs(d.se - 0.5) < 1e-15)
        #expect(Swift.abs(d.lower - (1 - 1.959963984540054 * 0.5)) < 1e-14)
        #expect(Swift.abs(d.upper - (1 + 1.959963984540054 * 0.5)) < 1e-14)
    }

    /// `entered` larger than the counts: subjects still at risk after the last time.
    @Test func enteredKeepsSubjectsAtRiskBeyondTheTable() {
        var counts = SurvivalCounts(time: [1, 2], events: [1, 1], censored: [0, 0])
        counts.entered = 10
        let fit = KaplanMeier.fit(counts)
        #expect(fit.nRisk == [10, 9])
        #expect(fit.survival == [0.9, 0.9 * (8.0 / 9)])
    }
}
