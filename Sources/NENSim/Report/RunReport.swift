import Foundation
import SurvivalStats

/// An estimate with a confidence interval (NaN where not estimable, e.g. a median not reached).
public struct Estimate: Sendable, Codable, Equatable {
    public var estimate: Double
    public var lower: Double
    public var upper: Double
    public var standardError: Double?

    public init(_ estimate: Double, _ lower: Double, _ upper: Double, se: Double? = nil) {
        self.estimate = estimate
        self.lower = lower
        self.upper = upper
        standardError = se
    }
}

/// Per-endpoint summary of one arm.
public struct EndpointSummary: Sendable, Codable {
    public var events: Int
    public var censored: Int
    public var median: Estimate
    /// Landmark survival S(t) at `landmarkTimes`.
    public var landmarks: [Estimate]
    /// Restricted mean survival time to τ.
    public var rmst: Estimate
    /// What the statistics rest on (docs/MODEL.md, "Basis of a statistic"); absent in
    /// summaries that are not one arm's endpoint (a pathway's time on a line).
    public var basis: EndpointBasis? = nil

    /// The summary of an endpoint the arm's evidence does not support: no events, every
    /// statistic NaN (null in JSON, NA in CSV), basis `not_modelled`.
    static func notModelled(landmarks: Int, basis: EndpointBasis) -> EndpointSummary {
        let na = Estimate(.nan, .nan, .nan)
        return EndpointSummary(events: 0, censored: 0, median: na, landmarks: Array(repeating: na, count: landmarks), rmst: na, basis: basis)
    }
}

/// A proportion with its Wilson 95 % interval.
public struct ProportionSummary: Sendable, Codable {
    public var name: String
    public var kind: String
    public var count: Int
    public var estimate: Double
    public var lower: Double
    public var upper: Double
    /// The model's probability (what the evidence says).
    public var target: Double
}

public struct ArmSummary: Sendable, Codable {
    public var id: String
    public var name: String
    public var patients: Int
    public var pfs: EndpointSummary
    public var os: EndpointSummary
    public var responses: [ProportionSummary]
    public var adverseEvents: [ProportionSummary]
}

/// One arm against the reference, for one endpoint.
public struct ComparisonSummary: Sendable, Codable {
    public var arm: String
    public var reference: String
    public var endpoint: String
    public var hazardRatio: Estimate
    public var logRankChiSquare: Double
    public var logRankP: Double
    public var rmstDifference: Estimate
    public var medianDifference: Double
    /// Why a statistic is NA (e.g. no events in either arm: the hazard ratio and the
    /// log-rank test are not estimable); absent when every statistic is estimable.
    public var note: String?
    /// The basis of the comparison: the weaker side's, `mixed` when both are evidence of
    /// different kinds (docs/MODEL.md, "Basis of a statistic"); absent for pathways.
    public var basis: Basis? = nil
    /// The arm and reference bases and what an assumption rests on, in words.
    public var basisNote: String? = nil

    /// Whether the comparison rests on an assumption on at least one side.
    public var restsOnAssumption: Bool { basis.map { !$0.isEvidence } ?? false }
}

/// The per-arm and between-arm statistics of a run, all computed by SurvivalStats.
public struct RunReport: Sendable, Codable {
    public var landmarkTimes: [Double]
    public var tau: Double
    public var reference: String?
    public var arms: [ArmSummary]
    public var comparisons: [ComparisonSummary]
    /// "exact records" or "tally on a grid of w months".
    public var dataBasis: String
    public var confidenceLevel: Double
}

extension RunReport {
    /// Whether the arm's `endpoint` (`pfs` or `os`) is modelled (true for an arm not in the report).
    public func models(_ arm: String, _ endpoint: String) -> Bool {
        guard let a = arms.first(where: { $0.id == arm }) else { return true }
        return (endpoint == "pfs" ? a.pfs : a.os).basis?.basis != .notModelled
    }
}

/// The two time-to-event endpoints a run reports.
public enum SurvivalEndpoint: String, Sendable, Codable, CaseIterable { case pfs, os }

/// How much of a run's report `Reporter.report` computes.
public enum ReportDetail: Sendable {
    /// Every statistic: intervals, landmarks, log-rank tests.
    case full
    /// Only the point estimates a PSA draw keeps (`RunPSA.statistics`: medians, restricted
    /// means, proportions, Cox hazard ratios, RMST differences), each by the function the
    /// full report uses, so the same bits. Not computed, hence NaN: the limits of medians
    /// and survival curves, the log-rank tests; no landmarks (`landmarkTimes` empty).
    /// Restricted means, proportions and the Cox fit keep their intervals (they come with
    /// the estimate at no extra pass).
    case pointEstimates
}

/// Builds the report from a simulation result.
public enum Reporter {
    public static let defaultLandmarks: [Double] = [6, 12, 24, 36, 60]

    /// The survival data of one arm and endpoint: exact records when kept, else the tally.
    public static func counts(_ result: SimulationResult, arm a: Int, endpoint: SurvivalEndpoint) -> SurvivalCounts {
        if let records = result.records?[a] {
            switch endpoint {
            case .pfs: return SurvivalCounts(time: records.pfsTime, event: records.pfsEvent)
            case .os: return SurvivalCounts(time: records.osTime, event: records.osEvent)
            }
        }
        let t = result.tallies[a]
        return (endpoint == .pfs ? t.pfs : t.os).counts(gridWidth: result.request.gridWidth)
    }

    static func estimate(_ q: QuantileEstimate) -> Estimate {
        Estimate(q.estimate ?? .nan, q.lower ?? .nan, q.upper ?? .nan)
    }

    /// `mean`: the curve's restricted mean to `tau` when the caller has it already.
    static func summarize(_ km: KaplanMeierEstimate, data: SurvivalCounts, landmarks: [Double], tau: Double,
                          detail: ReportDetail = .full, mean: RestrictedMean? = nil) -> EndpointSummary {
        let rm = mean ?? km.restrictedMean(tau: tau)
        return EndpointSummary(
            events: Int(data.events.reduce(0, +).rounded()),
            censored: Int(data.censored.reduce(0, +).rounded()),
            median: detail == .full ? estimate(km.median) : Estimate(km.quantileEstimate(0.5) ?? .nan, .nan, .nan),
            landmarks: landmarks.map { t in
                let l = km.survival(at: t)
                return Estimate(l.survival, l.lower, l.upper, se: l.standardError)
            },
            rmst: Estimate(rm.estimate, rm.estimate - 1.959963984540054 * rm.standardError,
                           rm.estimate + 1.959963984540054 * rm.standardError, se: rm.standardError))
    }

    static func proportion(name: String, kind: String, count: Int, n: Int, target: Double) -> ProportionSummary {
        let ci = BinomialInterval.wilson(successes: count, trials: n)
        return ProportionSummary(name: name, kind: kind, count: count, estimate: n > 0 ? Double(count) / Double(n) : .nan,
                                 lower: ci.lower, upper: ci.upper, target: target)
    }

    /// The basis of arm against reference for an endpoint, with a note naming each side's
    /// basis and the assumptions it rests on.
    public static func comparisonBasis(_ arm: ArmModel, _ reference: ArmModel, endpoint: String) -> (basis: Basis, note: String) {
        let a = arm.basis(of: endpoint), r = reference.basis(of: endpoint)
        func side(_ m: ArmModel, _ b: EndpointBasis) -> String {
            "\(m.id) \(b.basis.rawValue)" + (b.assumptions.isEmpty ? "" : " (\(b.assumptions.joined(separator: ", ")))")
        }
        return (Basis.comparison(a.basis, r.basis), "\(side(arm, a)) vs \(side(reference, r))")
    }

    /// The two-group Cox model (Efron ties) of `arm` against `ref`: the fit on the records
    /// the two tables hold, as R's `coxph(Surv(time, status) ~ arm)` on them, made from the
    /// tables — time-fixed together in the fit's one walk over their rows, as `coxph` fixes
    /// the pooled data — in O(rows) per iteration, without sorting the records again
    /// (`CoxPH.fitTwoGroups(…fixingTimes: true)`). The level form
    /// it uses counts records in 32 bits, so at 2³² records or more (merged shards) the
    /// same model is fitted with the tables' counts as case weights (`CoxPH.fitGroups`),
    /// which agrees with it to rounding (docs/STATISTICS-COX.md).
    static func hazardRatioFit(_ ref: SurvivalCounts, _ arm: SurvivalCounts) throws -> CoxFit {
        if ref.total + arm.total < Double(UInt32.max) {
            return try CoxPH.fitTwoGroups(tables: [ref, arm], firstRecordGroup: 0, fixingTimes: true)
        }
        return try CoxPH.fitGroups(times: [ref.time, arm.time], events: [ref.events, arm.events],
                                   censored: [ref.censored, arm.censored])
    }

    /// One comparison's hazard ratio (two-group Cox) and, with `logRank`, log-rank test of
    /// `arm` against `ref`. A legal design can have no events (a short horizon, few
    /// patients): the hazard ratio and the log-rank test are then not estimable — NA with
    /// a note, not an error (docs/RELIABILITY.md).
    static func compare(_ ref: SurvivalCounts, _ arm: SurvivalCounts, endpoint name: String, logRank: Bool)
        -> (hazardRatio: Estimate, chiSquare: Double, p: Double, note: String?) {
        let events = ref.events.reduce(0, +) + arm.events.reduce(0, +)
        var hazardRatio = Estimate(.nan, .nan, .nan, se: .nan)
        var chiSquare = Double.nan, p = Double.nan
        var note: String?
        guard events > 0 else {
            return (hazardRatio, chiSquare, p, "no \(name.uppercased()) events in either arm: hazard ratio and log-rank test not estimable")
        }
        do {
            let cox = try hazardRatioFit(ref, arm)
            hazardRatio = Estimate(cox.hazardRatios[0], cox.lowerCI[0], cox.upperCI[0], se: cox.standardErrors[0])
        } catch {
            note = "hazard ratio not estimable (\(error))"
        }
        if logRank {
            do {
                let lr = try LogRank.test([ref, arm])
                chiSquare = lr.chiSquare
                p = lr.pValue
            } catch {
                note = (note.map { $0 + "; " } ?? "") + "log-rank test not estimable (\(error))"
            }
        }
        return (hazardRatio, chiSquare, p, note)
    }

    /// The report of `result`; `detail` `.pointEstimates` computes only what a PSA draw
    /// keeps (`ReportDetail`).
    public static func report(_ result: SimulationResult, reference: String?, landmarks: [Double] = defaultLandmarks,
                              tau: Double? = nil, progress: (any ProgressSink)? = nil,
                              detail: ReportDetail = .full) throws -> RunReport {
        let request = result.request
        let full = detail == .full
        let landmarks = full ? landmarks : []
        let tau = tau ?? min(60, request.design.horizon)
        // Steps: each arm's two endpoints, then each comparison (arm × endpoint).
        let referenceIndex = reference.flatMap { r in request.arms.firstIndex(where: { $0.id == r }) }
        // The comparisons: each arm but the reference, each endpoint both model.
        let pairs = referenceIndex.map { r in
            request.arms.indices.filter { $0 != r }.flatMap { a in
                ["pfs", "os"].enumerated().filter { request.arms[a].models($0.element) && request.arms[r].models($0.element) }
                    .map { (arm: a, endpoint: $0.offset, name: $0.element) }
            }
        } ?? []
        progress?.begin(.statistics, total: 2 * request.arms.count + pairs.count)
        var arms: [ArmSummary] = []
        var means: [[RestrictedMean]] = []   // each curve's restricted mean to tau, made once
        var data: [[SurvivalCounts]] = []
        for (a, model) in request.arms.enumerated() {
            let pfsData = counts(result, arm: a, endpoint: .pfs)
            let osData = counts(result, arm: a, endpoint: .os)
            let pfsKM = KaplanMeier.fit(pfsData, limits: full)
            progress?.advance(1)
            let osKM = KaplanMeier.fit(osData, limits: full)
            progress?.advance(1)
            means.append([pfsKM.restrictedMean(tau: tau), osKM.restrictedMean(tau: tau)])
            data.append([pfsData, osData])
            let tally = result.tallies[a]
            let n = tally.patients
            var responses: [ProportionSummary] = []
            var cumulative = 0
            for (i, cut) in model.responseCuts.enumerated() {
                cumulative += tally.responseTiers[i]
                responses.append(proportion(name: cut.category, kind: "best_response", count: cumulative, n: n, target: cut.probability))
            }
            var aes: [ProportionSummary] = []
            for (j, outcome) in model.binaryOutcomes.enumerated() {
                let p = proportion(name: outcome.name, kind: outcome.kind.rawValue, count: tally.binaryOutcomes[j], n: n, target: outcome.probability)
                if outcome.kind == .adverseEvent { aes.append(p) } else { responses.append(p) }
            }
            func endpoint(_ name: String, _ km: KaplanMeierEstimate, _ d: SurvivalCounts, _ mean: RestrictedMean) -> EndpointSummary {
                guard model.models(name) else { return .notModelled(landmarks: landmarks.count, basis: model.basis(of: name)) }
                var e = summarize(km, data: d, landmarks: landmarks, tau: tau, detail: detail, mean: mean)
                e.basis = model.basis(of: name)
                return e
            }
            arms.append(ArmSummary(id: model.id, name: model.name, patients: n,
                                   pfs: endpoint("pfs", pfsKM, pfsData, means[a][0]), os: endpoint("os", osKM, osData, means[a][1]),
                                   responses: responses, adverseEvents: aes))
        }
        var comparisons: [ComparisonSummary] = []
        func median(_ arm: ArmSummary, _ e: Int) -> Double { (e == 0 ? arm.pfs : arm.os).median.estimate }
        if let reference, let r = referenceIndex {
            // Each comparison's Cox fit and log-rank test on a worker of its own (a full
            // report; a PSA draw's report already runs on one), assembled in order.
            let counts = data
            let tests = BlockDriver.map(pairs.count, threads: full ? request.threads : 1) { k in
                let (a, e, name) = pairs[k]
                return Self.compare(counts[r][e], counts[a][e], endpoint: name, logRank: full)
            }
            for (k, (a, e, name)) in pairs.enumerated() {
                let test = tests[k]
                let d = RMST.difference(means[a][e], means[r][e])
                comparisons.append(ComparisonSummary(
                    arm: request.arms[a].id, reference: reference, endpoint: name,
                    hazardRatio: test.hazardRatio,
                    logRankChiSquare: test.chiSquare, logRankP: test.p,
                    rmstDifference: Estimate(d.estimate, d.lower, d.upper, se: d.se),
                    // The medians the arms' summaries found (the same search, not repeated).
                    medianDifference: median(arms[a], e) - median(arms[r], e),
                    note: test.note,
                    basis: comparisonBasis(request.arms[a], request.arms[r], endpoint: name).basis,
                    basisNote: comparisonBasis(request.arms[a], request.arms[r], endpoint: name).note))
                progress?.advance(1)
            }
        }
        return RunReport(landmarkTimes: landmarks, tau: tau, reference: reference, arms: arms, comparisons: comparisons,
                         dataBasis: result.records != nil
                            ? "exact records (n per arm ≤ the exact-record limit \(request.recordLimit))"
                            : "tally on a grid of \(fmt(request.gridWidth * daysPerMonth)) day(s) (n per arm above the exact-record limit \(request.recordLimit); \(Parameter.exactLimit))",
                         confidenceLevel: 0.95)
    }
}
