import Foundation
import SurvivalStats

/// A quantile with its confidence limits; `nil` = not reached (JSON `null`).
public struct QuantileSummary: Sendable, Codable, Equatable {
    /// p: the time by which a fraction p has had the event (0.5 = median).
    public var probability: Double
    public var estimate: Double?
    public var lower: Double?
    public var upper: Double?

    init(_ q: QuantileEstimate) {
        probability = q.probability
        estimate = q.estimate
        lower = q.lower
        upper = q.upper
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(probability, forKey: .probability)
        try c.encode(estimate, forKey: .estimate)
        try c.encode(lower, forKey: .lower)
        try c.encode(upper, forKey: .upper)
    }
}

/// S(t) at a landmark time: `summary(fit, times = t, extend = TRUE)`.
public struct LandmarkSummary: Sendable, Codable, Equatable {
    public var time: Double
    public var nRisk: Double
    public var survival: Double
    /// se of S(t) (summary's `std.err`, not the log scale).
    public var standardError: Double
    public var lower: Double
    public var upper: Double
}

/// Restricted mean survival time to τ with its normal-theory interval.
public struct RMSTSummary: Sendable, Codable, Equatable {
    public var tau: Double
    public var estimate: Double
    public var standardError: Double
    public var lower: Double
    public var upper: Double
}

/// One group's Kaplan–Meier summary.
public struct GroupSummary: Sendable, Codable, Equatable {
    public var label: String
    public var n: Int
    public var events: Int
    public var censored: Int
    /// The group's largest follow-up time (event or censoring).
    public var lastTime: Double
    /// The median by `quantile(fit, 0.5)`'s rule.
    public var median: QuantileSummary
    /// The median as `print(fit)` shows it (`survmean`'s rule); it differs from `median`
    /// only where a confidence curve rises (STATISTICS.md, quantiles).
    public var printedMedian: QuantileSummary? = nil
    /// p = 0.25, 0.5, 0.75 (`quantile(fit)`).
    public var quantiles: [QuantileSummary]
    public var landmarks: [LandmarkSummary]
    public var rmst: RMSTSummary
}

/// RMST of a group minus that of the reference group (the first), independent samples.
public struct RMSTDifference: Sendable, Codable, Equatable {
    public var group: String
    public var reference: String
    public var tau: Double
    public var estimate: Double
    public var standardError: Double
    public var lower: Double
    public var upper: Double
    /// Two-sided normal p-value of estimate / standardError.
    public var pValue: Double
}

/// A k-sample log-rank (ρ = 0) or Fleming–Harrington test, as `survdiff`.
public struct LogRankSummary: Sendable, Codable, Equatable {
    public var rho: Double
    /// The strata column when the test is stratified.
    public var strata: String?
    public var groups: [String]
    public var observed: [Double]
    public var expected: [Double]
    /// k × k, row-major.
    public var variance: [Double]
    public var chiSquare: Double
    public var df: Int
    public var pValue: Double
}

/// A χ² test: statistic, degrees of freedom, p.
public struct TestSummary: Sendable, Codable, Equatable {
    public var statistic: Double
    public var df: Int
    public var pValue: Double
}

/// One coefficient of the Cox model.
public struct CoxTerm: Sendable, Codable, Equatable {
    /// R's name: the covariate column, or the group column followed by the level (`sex2`).
    public var name: String
    public var coefficient: Double
    public var standardError: Double
    public var hazardRatio: Double
    public var lower: Double
    public var upper: Double
    public var z: Double
    public var pValue: Double
    /// R's "Loglik converged before variable …; coefficient may be infinite".
    public var possiblyInfinite: Bool
    /// R's `robust se` when the variance is robust (`standardError` is then R's naive
    /// `se(coef)`, and `z`, `pValue`, the interval use the robust one); absent otherwise.
    public var robustStandardError: Double? = nil
}

/// The Cox model, as `summary(coxph(Surv(time, event) ~ factor(group) + covariates + strata(s), ties = …))`.
public struct CoxSummary: Sendable, Codable, Equatable {
    public var ties: String
    public var strata: String?
    public var n: Int
    public var events: Int
    public var iterations: Int
    public var terms: [CoxTerm]
    /// I(β̂)⁻¹, row-major, in the order of `terms`.
    public var variance: [Double]
    public var logLikelihoodNull: Double
    public var logLikelihood: Double
    public var likelihoodRatio: TestSummary
    public var wald: TestSummary
    public var score: TestSummary
    /// Robust variance: the robust score test (R's `rscore`) and the number of clusters;
    /// `variance` and `wald` are then robust, as R's `fit$var`, `wald.test`.
    public var robustScore: TestSummary? = nil
    public var clusters: Int? = nil
}

/// Everything `nensim analyze` prints, and `analysis.json` holds.
public struct AnalysisReport: Sendable, Codable {
    public struct Columns: Sendable, Codable, Equatable {
        public var time: String
        public var event: String
        public var group: String?
        public var strata: String?
        public var covariates: [String]
        /// The case-weight column (`--weights`), absent without weights.
        public var weights: String? = nil
    }
    public struct Records: Sendable, Codable, Equatable {
        /// Data records in the file.
        public var read: Int
        /// Used by the Kaplan–Meier curves (complete in time, event, group, weight).
        public var used: Int
        /// Not used at all: missing a column of the curves (R's na.omit in `survfit`).
        public var dropped: Int
        /// Per used column, the records missing it.
        public var missingByColumn: [String: Int]
        /// Used by the log-rank test (also complete in the strata) and by the Cox model
        /// (complete cases over every used column, as `coxph`); absent where not run.
        public var usedByLogRank: Int? = nil
        public var usedByCox: Int? = nil
    }

    public var nensimVersion: String
    /// The command as typed (program name first).
    public var commandLine: [String]
    /// The input file as named on the command line.
    public var input: String
    public var columns: Columns
    public var eventCoding: String
    public var records: Records
    public var confidenceType: String
    public var confidenceLevel: Double
    /// RMST restriction time, and how it was chosen.
    public var tau: Double
    public var tauRule: String
    public var landmarkTimes: [Double]
    public var groups: [GroupSummary]
    /// Each group against the first (empty with one group).
    public var rmstDifferences: [RMSTDifference]
    /// Absent with fewer than two groups, or when the test failed (see `notes`).
    public var logRank: LogRankSummary?
    /// Absent without a group column or covariates, or when the fit failed (`coxFailure`).
    public var cox: CoxSummary?
    public var coxFailure: String?
    public var notes: [String]
}

/// The result of an analysis: the report and the fitted curves (for `km.csv`).
public struct AnalysisResult: Sendable {
    public var report: AnalysisReport
    /// One Kaplan–Meier curve per group, in the order of `report.groups`.
    public var curves: [KaplanMeierEstimate]

    /// `km.csv`: long format, one row per group and distinct time. `log_surv_se` is R's
    /// `fit$std.err`, the standard error of log S (Greenwood); `lower`/`upper` the
    /// pointwise limits of the chosen type; NA where R has NA. Full precision.
    public var kaplanMeierCSV: String {
        var out = "group,time,n_risk,n_event,n_censor,surv,log_surv_se,lower,upper\n"
        for (g, km) in zip(report.groups, curves) {
            let label = CSVWriter.field(g.label)
            for i in km.time.indices {
                let cells = [km.time[i], km.nRisk[i], km.nEvent[i], km.nCensor[i], km.survival[i], km.stdErr[i], km.lower[i], km.upper[i]]
                out += label + "," + cells.map(CSVWriter.number).joined(separator: ",") + "\n"
            }
        }
        return out
    }

    /// `analysis.json`: the report, keys sorted, NaN/±∞ written as the strings "NaN", "Inf", "-Inf".
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Inf", negativeInfinity: "-Inf", nan: "NaN")
        var data = try encoder.encode(report)
        data.append(UInt8(ascii: "\n"))
        return data
    }
}

/// `nensim analyze`: Kaplan–Meier per group, log-rank, Cox, as R's `survival` computes them.
public enum SurvivalAnalysis {
    /// Runs the analysis of checked records.
    ///
    /// - Kaplan–Meier per group (`survfit(Surv(time, event) ~ group, conf.type =)`),
    ///   quantiles 25/50/75 % (`quantile(fit)`), landmarks (`summary(fit, times, extend = TRUE)`),
    ///   RMST to τ (`print(fit, rmean = τ)`); strata do not enter the curves.
    /// - τ: `options.tau`, else the smallest of the groups' last follow-up times, so no
    ///   curve is extended past its own data (survRM2's default; R's `rmean = "common"`
    ///   takes the largest instead and carries shorter curves flat to it).
    /// - Log-rank (ρ = 0) or Fleming–Harrington ρ across the groups, stratified when
    ///   strata are given (`survdiff(… ~ group + strata(s), rho =)`).
    /// - Cox: treatment contrasts of the groups against the first, then the covariates,
    ///   strata as separate baselines (`coxph(… ~ factor(group) + covariates + strata(s), ties =)`).
    ///   A fit that fails (no events, a constant covariate, divergence) is reported in
    ///   `coxFailure`, not thrown: the rest of the analysis stands.
    /// - Complexity: O(n log n).
    public static func run(_ data: AnalysisData, options: AnalysisOptions, input: String, commandLine: [String]) -> AnalysisResult {
        let k = data.groupLabels.count
        var notes: [String] = []
        for (name, levels) in data.factorLevels.sorted(by: { $0.key < $1.key }) {
            notes.append("factor \(name): levels \(levels[0]) (reference), \(levels.dropFirst().joined(separator: ", ")); terms \(levels.dropFirst().map { name + $0 }.joined(separator: ", "))")
        }
        // Split the records by group (stable order).
        var times = [[Double]](repeating: [], count: k)
        var events = [[Bool]](repeating: [], count: k)
        var weights = [[Double]](repeating: [], count: k)
        for i in 0..<data.count {
            times[data.group[i]].append(data.time[i])
            events[data.group[i]].append(data.event[i])
            if let w = data.weight { weights[data.group[i]].append(w[i]) }
        }
        // R's time fix over all the curves' records together, as `survfit(… ~ group)`;
        // with weights, every count is a sum of weights (`survfit(…, weights = w)`).
        let tables = SurvivalCounts.timeFixed((0..<k).map {
            data.weight == nil ? SurvivalCounts(time: times[$0], event: events[$0], timefix: false)
                : SurvivalCounts(time: times[$0], event: events[$0], weight: weights[$0], timefix: false)
        })
        let curves = tables.map {
            KaplanMeier.fit($0, confidenceType: options.confidenceType, confidenceLevel: options.confidenceLevel)
        }
        let lastTimes = times.map { $0.max() ?? 0 }
        let tau: Double
        let tauRule: String
        if let t = options.tau {
            tau = t
            tauRule = Parameter.tau.description // the flag, as the command line spells it
            for g in 0..<k where t > lastTimes[g] {
                notes.append("τ = \(t) is beyond the last time of group '\(data.groupLabels[g])' (\(lastTimes[g])): its RMST carries the last S(t) forward")
            }
        } else {
            tau = lastTimes.min() ?? 0
            tauRule = k > 1 ? "smallest of the groups' last follow-up times" : "last follow-up time"
        }
        let z = Distributions.normalQuantile(1 - (1 - options.confidenceLevel) / 2)
        var groups: [GroupSummary] = []
        var means: [RestrictedMean] = []
        for g in 0..<k {
            let km = curves[g]
            let nEvents = events[g].reduce(0) { $0 + ($1 ? 1 : 0) }
            let rm = km.restrictedMean(tau: tau)
            means.append(rm)
            let landmarks = options.landmarks.map { t -> LandmarkSummary in
                let l = km.survival(at: t)
                return LandmarkSummary(time: t, nRisk: l.nRisk, survival: l.survival, standardError: l.standardError, lower: l.lower, upper: l.upper)
            }
            groups.append(GroupSummary(
                label: data.groupLabels[g], n: times[g].count, events: nEvents, censored: times[g].count - nEvents,
                lastTime: lastTimes[g], median: QuantileSummary(km.median), printedMedian: QuantileSummary(km.printedMedian),
                quantiles: [0.25, 0.5, 0.75].map { QuantileSummary(km.quantile($0)) },
                landmarks: landmarks,
                rmst: RMSTSummary(tau: tau, estimate: rm.estimate, standardError: rm.standardError,
                                  lower: rm.estimate - z * rm.standardError, upper: rm.estimate + z * rm.standardError)))
        }
        var differences: [RMSTDifference] = []
        for g in 1..<max(k, 1) {
            let d = RMST.difference(means[g], means[0], confidenceLevel: options.confidenceLevel)
            let p = d.se > 0 ? 2 * Distributions.normalSurvival(abs(d.estimate / d.se)) : .nan
            differences.append(RMSTDifference(group: data.groupLabels[g], reference: data.groupLabels[0], tau: tau,
                                              estimate: d.estimate, standardError: d.se, lower: d.lower, upper: d.upper, pValue: p))
        }

        // Each analysis on the records complete in its own columns, as R's survfit,
        // survdiff and coxph each apply na.omit to their own model frame.
        let logRankRows = data.coxRow.isEmpty ? Array(0..<data.count) : (0..<data.count).filter { data.logRankRow[$0] }
        let coxRows = data.coxRow.isEmpty ? Array(0..<data.count) : (0..<data.count).filter { data.coxRow[$0] }
        var usedByLogRank: Int? = nil, usedByCox: Int? = nil
        var logRank: LogRankSummary? = nil
        if k >= 2 {
            usedByLogRank = logRankRows.count
            do {
                let r = try LogRank.test(time: logRankRows.map { data.time[$0] }, event: logRankRows.map { data.event[$0] },
                                         group: logRankRows.map { data.group[$0] }, strata: data.strata.map { s in logRankRows.map { s[$0] } },
                                         rho: options.rho, weight: data.weight.map { w in logRankRows.map { w[$0] } })
                logRank = LogRankSummary(rho: options.rho, strata: options.strata, groups: data.groupLabels, observed: r.observed,
                                         expected: r.expected, variance: r.variance, chiSquare: r.chiSquare,
                                         df: r.degreesOfFreedom, pValue: r.pValue)
            } catch {
                notes.append("log-rank test not computed: \(error)")
            }
        }

        var cox: CoxSummary? = nil
        var coxFailure: String? = nil
        let p = data.covariateNames.count
        let q = (k - 1) + p
        if q > 0 {
            var names: [String] = []
            if let group = options.group { names += data.groupLabels.dropFirst().map { group + $0 } }
            names += data.covariateNames
            usedByCox = coxRows.count
            var x = [Double](repeating: 0, count: coxRows.count * q)
            for (row, i) in coxRows.enumerated() {
                if data.group[i] > 0 { x[row * q + data.group[i] - 1] = 1 }
                for j in 0..<p { x[row * q + k - 1 + j] = data.covariates[i * p + j] }
            }
            do {
                func rows<T>(_ a: [T]) -> [T] { coxRows.map { a[$0] } }
                let fit = try CoxPH.fit(time: rows(data.time), event: rows(data.event), covariates: x, columns: q, strata: data.strata.map(rows),
                                        ties: options.ties, confidenceLevel: options.confidenceLevel, weights: data.weight.map(rows),
                                        cluster: data.cluster.map(rows), robust: options.robust)
                let terms = (0..<q).map { j in
                    CoxTerm(name: names[j], coefficient: fit.coefficients[j], standardError: fit.standardErrors[j],
                            hazardRatio: fit.hazardRatios[j], lower: fit.lowerCI[j], upper: fit.upperCI[j],
                            z: fit.zScores[j], pValue: fit.pValues[j], possiblyInfinite: fit.possiblyInfinite[j],
                            robustStandardError: fit.robustStandardErrors?[j])
                }
                cox = CoxSummary(
                    ties: options.ties.rawValue, strata: options.strata, n: fit.n, events: fit.events, iterations: fit.iterations,
                    terms: terms, variance: fit.variance, logLikelihoodNull: fit.logLikelihoodNull, logLikelihood: fit.logLikelihood,
                    likelihoodRatio: TestSummary(statistic: fit.likelihoodRatio.statistic, df: fit.likelihoodRatio.df, pValue: fit.likelihoodRatio.pValue),
                    wald: TestSummary(statistic: fit.wald.statistic, df: fit.wald.df, pValue: fit.wald.pValue),
                    score: TestSummary(statistic: fit.score.statistic, df: fit.score.df, pValue: fit.score.pValue),
                    robustScore: fit.robustScore.map { TestSummary(statistic: $0.statistic, df: $0.df, pValue: $0.pValue) },
                    clusters: fit.clusters)
                for t in terms where t.possiblyInfinite {
                    notes.append("Cox: the log-likelihood converged before \(t.name); its coefficient may be infinite (as R warns)")
                }
            } catch {
                coxFailure = "\(error)"
                notes.append("Cox model not fitted: \(error)")
            }
        }

        let report = AnalysisReport(
            nensimVersion: NENSimInfo.version, commandLine: commandLine, input: input,
            columns: .init(time: options.time, event: options.event, group: options.group, strata: options.strata, covariates: options.covariates,
                           weights: options.weights),
            eventCoding: options.eventCoding.summary,
            records: .init(read: data.recordsRead, used: data.count, dropped: data.dropped, missingByColumn: data.missingByColumn,
                           usedByLogRank: usedByLogRank, usedByCox: usedByCox),
            confidenceType: options.confidenceType.rawValue, confidenceLevel: options.confidenceLevel,
            tau: tau, tauRule: tauRule, landmarkTimes: options.landmarks, groups: groups, rmstDifferences: differences,
            logRank: logRank, cox: cox, coxFailure: coxFailure, notes: notes)
        return AnalysisResult(report: report, curves: curves)
    }
}
