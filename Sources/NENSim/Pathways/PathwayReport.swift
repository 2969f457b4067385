import Figures
import Foundation
import SurvivalStats

/// One line of one pathway in the report.
public struct PathwayLineSummary: Sendable, Codable {
    public var line: Int
    public var arm: String
    /// The line the arm's evidence comes from (nil: not stated, read as 1).
    public var evidenceLine: Int?
    /// The PFS hazard multiplier h at this line (S(t)^h).
    public var hazardMultiplier: Double
    /// The per-line hazard ratio behind h, and where it comes from (assumption or override).
    public var laterLineHazardRatio: Double
    public var laterLineStatus: ParameterStatus
    /// Patients who start the line (follow-up aside), with its share of the cohort (Wilson 95 %).
    public var reached: ProportionSummary
    /// Patients who start the line within follow-up (the time-on-line data).
    public var startedInFollowUp: Int
    /// Time on the line (start to progression), among those who start it within follow-up.
    public var timeOnLine: EndpointSummary
    /// The model's median time on the line: the arm's Weibull with hazard × h.
    public var modelMedian: Double
}

public struct PathwaySummary: Sendable, Codable {
    public var id: String
    public var patients: Int
    public var pfs1: EndpointSummary
    public var pfs2: EndpointSummary
    public var os: EndpointSummary
    public var lines: [PathwayLineSummary]
}

/// The time-to-event endpoints of a pathway.
public enum PathwayEndpoint: String, Sendable, Codable, CaseIterable { case pfs1, pfs2, os }

/// The statistics of a pathway run: per pathway and between pathways (each against the
/// first pathway listed).
public struct PathwayReport: Sendable, Codable {
    public var landmarkTimes: [Double]
    public var tau: Double
    public var reference: String
    public var pathways: [PathwaySummary]
    /// Each pathway after the first against the first, for PFS1, PFS2 and OS.
    public var comparisons: [ComparisonSummary]
    public var dataBasis: String
    public var lineGap: Double
    public var lineGapStatus: ParameterStatus
    /// The assumptions in use, in words (for every output).
    public var assumptions: [String]
}

/// A Kaplan–Meier curve of one pathway and endpoint (`pfs1`, `pfs2`, `os`, `line1`, …).
public struct PathwayCurve: Sendable {
    public var pathway: String
    public var endpoint: String
    public var estimate: KaplanMeierEstimate
}

public enum PathwayReporter {
    /// The survival data of pathway p for an endpoint: exact records when kept, else the tally.
    public static func counts(_ result: PathwayResult, pathway p: Int, endpoint: PathwayEndpoint) -> SurvivalCounts {
        if let r = result.records?[p] {
            switch endpoint {
            case .pfs1: return SurvivalCounts(time: r.pfs1Time, event: r.pfs1Event)
            case .pfs2: return SurvivalCounts(time: r.pfs2Time, event: r.pfs2Event)
            case .os: return SurvivalCounts(time: r.osTime, event: r.osEvent)
            }
        }
        let t = result.tallies[p]
        let e: EndpointTally
        switch endpoint {
        case .pfs1: e = t.pfs1
        case .pfs2: e = t.pfs2
        case .os: e = t.os
        }
        return e.counts(gridWidth: result.request.simulation.gridWidth)
    }

    /// Time on line k (0-based) among patients who start it within follow-up.
    public static func lineCounts(_ result: PathwayResult, pathway p: Int, line k: Int) -> SurvivalCounts {
        if let r = result.records?[p] {
            var time: [Double] = [], event: [Bool] = []
            for i in r.lineTime[k].indices where !r.lineTime[k][i].isNaN {
                time.append(r.lineTime[k][i]); event.append(r.lineEvent[k][i])
            }
            return SurvivalCounts(time: time, event: event)
        }
        return result.tallies[p].lines[k].counts(gridWidth: result.request.simulation.gridWidth)
    }

    /// The assumptions a pathway run uses, one sentence each.
    public static func assumptions(_ request: PathwayRequest) -> [String] {
        var out: [String] = []
        out.append("line gap \(fmt(request.lineGap)) month(s) [\(request.lineGapStatus.rawValue)]: " + PathwayAssumption.lineGapRationale)
        var attenuated: [String] = []
        for p in request.pathways {
            for l in p.lines where l.isAttenuated {
                attenuated.append("\(p.id) line \(l.line) \(l.model.id): hazard × \(fmt(l.hazardMultiplier)) (H = \(fmt(l.laterLineHazardRatio)) [\(l.laterLineStatus.rawValue)], evidence line \(l.evidenceLine.map(String.init) ?? "not stated, read as 1"))")
            }
        }
        out.append("later-line attenuation: " + PathwayAssumption.laterLineHazardRatioRationale
                   + (attenuated.isEmpty ? "; no line is attenuated in this run" : "; in this run: " + attenuated.joined(separator: "; ")))
        out.append("death before progression is not separate from PFS (as in the single-arm model: a PFS event is progression or death); death can end a pathway at any progression, during the gap before the next line")
        return out
    }

    /// Builds the report and the KM curves (PFS1, PFS2, OS and time on each line).
    public static func report(_ result: PathwayResult, landmarks: [Double] = Reporter.defaultLandmarks,
                              tau: Double? = nil, progress: (any ProgressSink)? = nil) throws -> (report: PathwayReport, curves: [PathwayCurve]) {
        let request = result.request
        let tau = tau ?? min(60, request.simulation.design.horizon)
        // Steps: each pathway's endpoints and lines, then each comparison (pathway × endpoint).
        let endpoints = PathwayEndpoint.allCases.count
        let lineSteps = request.pathways.reduce(0) { (sum: Int, p: Pathway) in sum + p.lines.count }
        let comparisonSteps = max(request.pathways.count - 1, 0) * endpoints
        progress?.begin(.statistics, total: request.pathways.count * endpoints + lineSteps + comparisonSteps)
        var summaries: [PathwaySummary] = []
        var curves: [PathwayCurve] = []
        var data: [[SurvivalCounts]] = []
        var kms: [[KaplanMeierEstimate]] = []
        for (p, pathway) in request.pathways.enumerated() {
            let tally = result.tallies[p]
            var ds: [SurvivalCounts] = [], ks: [KaplanMeierEstimate] = [], ends: [EndpointSummary] = []
            for e in PathwayEndpoint.allCases {
                let d = counts(result, pathway: p, endpoint: e)
                let km = KaplanMeier.fit(d)
                ds.append(d); ks.append(km)
                ends.append(Reporter.summarize(km, data: d, landmarks: landmarks, tau: tau))
                curves.append(PathwayCurve(pathway: pathway.id, endpoint: e.rawValue, estimate: km))
                progress?.advance(1)
            }
            var lines: [PathwayLineSummary] = []
            for (k, line) in pathway.lines.enumerated() {
                let d = lineCounts(result, pathway: p, line: k)
                let km = KaplanMeier.fit(d)
                curves.append(PathwayCurve(pathway: pathway.id, endpoint: "line\(k + 1)", estimate: km))
                lines.append(PathwayLineSummary(
                    line: line.line, arm: line.model.id, evidenceLine: line.evidenceLine, hazardMultiplier: line.hazardMultiplier,
                    laterLineHazardRatio: line.laterLineHazardRatio, laterLineStatus: line.laterLineStatus,
                    reached: Reporter.proportion(name: "line\(k + 1)", kind: "reached", count: tally.reached[k], n: tally.patients, target: .nan),
                    startedInFollowUp: tally.startedInFollowUp[k],
                    timeOnLine: Reporter.summarize(km, data: d, landmarks: landmarks, tau: tau),
                    modelMedian: line.attenuatedMedian))
                progress?.advance(1)
            }
            data.append(ds); kms.append(ks)
            summaries.append(PathwaySummary(id: pathway.id, patients: tally.patients, pfs1: ends[0], pfs2: ends[1], os: ends[2], lines: lines))
        }
        var comparisons: [ComparisonSummary] = []
        let reference = request.pathways.first?.id ?? ""
        for p in request.pathways.indices.dropFirst() {
            for (e, endpoint) in PathwayEndpoint.allCases.enumerated() {
                let ref = data[0][e], arm = data[p][e]
                // The run report's comparison: the same Cox fit and log-rank test, NA with a
                // note where not estimable.
                let test = Reporter.compare(ref, arm, endpoint: endpoint.rawValue, logRank: true)
                let d = RMST.difference(kms[p][e].restrictedMean(tau: tau), kms[0][e].restrictedMean(tau: tau))
                comparisons.append(ComparisonSummary(
                    arm: request.pathways[p].id, reference: reference, endpoint: endpoint.rawValue,
                    hazardRatio: test.hazardRatio,
                    logRankChiSquare: test.chiSquare, logRankP: test.p,
                    rmstDifference: Estimate(d.estimate, d.lower, d.upper, se: d.se),
                    medianDifference: (kms[p][e].median.estimate ?? .nan) - (kms[0][e].median.estimate ?? .nan),
                    note: test.note))
                progress?.advance(1)
            }
        }
        let s = request.simulation
        let report = PathwayReport(
            landmarkTimes: landmarks, tau: tau, reference: reference, pathways: summaries, comparisons: comparisons,
            dataBasis: result.records != nil
                ? "exact records (n per pathway ≤ the exact-record limit \(s.recordLimit))"
                : "tally on a grid of \(fmt(s.gridWidth * daysPerMonth)) day(s) (n per pathway above the exact-record limit \(s.recordLimit); \(Parameter.exactLimit))",
            lineGap: request.lineGap, lineGapStatus: request.lineGapStatus, assumptions: assumptions(request))
        return (report, curves)
    }
}

extension PathwayReport {
    /// The terminal table: per pathway its endpoints and lines, then the comparisons.
    public func renderTable() -> String {
        var out: [String] = []
        let lm = landmarkTimes.map { "S(\(fmt($0)))" }
        for p in pathways {
            out.append("Pathway \(p.id) (\(p.patients) patients)")
            var t = TextTable(header: ["endpoint", "events", "censored", "median (95% CI)", "RMST(\(fmt(tau)))"] + lm)
            func row(_ name: String, _ s: EndpointSummary) -> [String] {
                [name, String(s.events), String(s.censored), s.median.formatted(), fixed(s.rmst.estimate)]
                    + s.landmarks.map { fixed($0.estimate, decimals: 3) }
            }
            t.add(row("PFS1", p.pfs1))
            t.add(row("PFS2", p.pfs2))
            t.add(row("OS", p.os))
            out.append(t.render(indent: "  "))
            var l = TextTable(header: ["line", "arm", "reached (95% CI)", "hazard ×", "median on line (95% CI)", "model median", "evidence line"])
            for line in p.lines {
                let share = "\(fixed(line.reached.estimate * 100, decimals: 1)) % (\(fixed(line.reached.lower * 100, decimals: 1))–\(fixed(line.reached.upper * 100, decimals: 1)))"
                let h = line.hazardMultiplier == 1 ? "1" : "\(fmt(line.hazardMultiplier)) [\(line.laterLineStatus.rawValue)]"
                l.add([String(line.line), line.arm, share, h, line.timeOnLine.median.formatted(), fixed(line.modelMedian),
                       line.evidenceLine.map(String.init) ?? "not stated"])
            }
            out.append(l.render(indent: "  "))
            out.append("")
        }
        if !comparisons.isEmpty {
            out.append("Against \(reference)")
            var t = TextTable(header: ["pathway", "endpoint", "HR (95% CI)", "log-rank χ²", "p", "RMST diff (95% CI)", "median diff"])
            for c in comparisons {
                t.add([c.arm, c.endpoint.uppercased(), c.hazardRatio.formatted(decimals: 3), fixed(c.logRankChiSquare),
                       formatP(c.logRankP), c.rmstDifference.formatted(), fixed(c.medianDifference)])
            }
            out.append(t.render(indent: "  "))
            for c in comparisons { if let note = c.note { out.append("  note: \(c.arm) \(c.endpoint.uppercased()): \(note)") } }
            out.append("")
        }
        out.append("Assumptions [assumption]:")
        for a in assumptions { out.append("  - \(a)") }
        return out.joined(separator: "\n")
    }
}

/// The pathway files: `pathways.csv` (one row per pathway and endpoint, with the
/// comparison against the reference pathway) and `km_pathways.csv` (long format).
public enum PathwayFiles {
    static func csvField(_ s: String) -> String {
        s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    static func number(_ x: Double) -> String { x.isNaN ? "NA" : (x.isInfinite ? (x > 0 ? "Inf" : "-Inf") : "\(x)") }

    /// `pathways.csv` text.
    public static func summaryCSV(_ report: PathwayReport) -> String {
        var lines = ["pathway,endpoint,line,arm,hazard_multiplier,hazard_multiplier_status,reached,reached_share,events,censored,median,median_lower,median_upper,rmst,rmst_se,tau,hr,hr_lower,hr_upper,logrank_chisq,logrank_p,rmst_diff,rmst_diff_lower,rmst_diff_upper,line_gap,line_gap_status"]
        for p in report.pathways {
            func row(_ endpoint: String, line: String, arm: String, h: String, hStatus: String, reached: String, share: String, _ s: EndpointSummary) {
                let c = report.comparisons.first { $0.arm == p.id && $0.endpoint == endpoint }
                var cells: [String] = [csvField(p.id), endpoint, line, arm, h, hStatus, reached, share, String(s.events), String(s.censored)]
                cells += [number(s.median.estimate), number(s.median.lower), number(s.median.upper)]
                cells += [number(s.rmst.estimate), number(s.rmst.standardError ?? .nan), number(report.tau)]
                if let c {
                    cells += [number(c.hazardRatio.estimate), number(c.hazardRatio.lower), number(c.hazardRatio.upper)]
                    cells += [number(c.logRankChiSquare), number(c.logRankP)]
                    cells += [number(c.rmstDifference.estimate), number(c.rmstDifference.lower), number(c.rmstDifference.upper)]
                } else {
                    cells += [String](repeating: "", count: 8)
                }
                cells += [number(report.lineGap), report.lineGapStatus.rawValue]
                lines.append(cells.joined(separator: ","))
            }
            row("pfs1", line: "", arm: "", h: "", hStatus: "", reached: String(p.patients), share: number(1), p.pfs1)
            row("pfs2", line: "", arm: "", h: "", hStatus: "", reached: String(p.patients), share: number(1), p.pfs2)
            row("os", line: "", arm: "", h: "", hStatus: "", reached: String(p.patients), share: number(1), p.os)
            for l in p.lines {
                row("line\(l.line)", line: String(l.line), arm: l.arm, h: number(l.hazardMultiplier),
                    hStatus: l.hazardMultiplier == 1 ? "" : l.laterLineStatus.rawValue,
                    reached: String(l.reached.count), share: number(l.reached.estimate), l.timeOnLine)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `km_pathways.svg` (and .pdf/.png): one panel per endpoint (PFS1, PFS2, OS), one
    /// curve per pathway, on one time axis ending at `xMax` (the horizon). A pathway's
    /// label is its arms' labels joined by arrows ("SSA → PRRT → Everolimus").
    /// `km_pathways.csv` text: pathway, endpoint, time, n_risk, n_event, n_censor, surv, surv_se, lower, upper.
    public static func figure(_ curves: [PathwayCurve], n: Int, seed: UInt64, design: String, xMax: Double?,
                              armNames: [String: String] = [:], style: FigureStyle = FigureStyle()) -> KaplanMeierPlot {
        let titles = ["pfs1": "PFS on line 1 (PFS1)", "pfs2": "Second progression or death (PFS2)", "os": "Overall survival"]
        func label(_ pathway: String) -> String {
            if let given = style.labels[pathway] { return given }
            return pathway.split(separator: ">").map { id in
                style.label(id: String(id), name: armNames[String(id)] ?? String(id))
            }.joined(separator: " → ")
        }
        // The three patient-level endpoints; time on each line is in km_pathways.csv.
        let order = ["pfs1", "pfs2", "os"].filter { e in curves.contains { $0.endpoint == e } }
        let panels = order.map { e in
            KaplanMeierPlot.Panel(title: titles[e] ?? e.uppercased(),
                                  curves: curves.filter { $0.endpoint == e }.map { .init(label: label($0.pathway), km: $0.estimate) })
        }
        var names: [String] = []
        for c in curves where !names.contains(c.pathway) { names.append(c.pathway) }
        var plot = KaplanMeierPlot(title: "Simulated treatment pathways",
                                   subtitle: "n = \(n) per pathway · seed \(seed) · \(design)",
                                   footnotes: ["Kaplan–Meier estimates with pointwise 95% CI (log); +: censored; dashed: medians. Later-line hazard multiplier and line gap are labelled assumptions (docs/PATHWAYS.md)."],
                                   panels: panels)
        plot.xMax = xMax
        return plot
    }

    public static func curvesCSV(_ curves: [PathwayCurve]) -> String {
        var out = "pathway,endpoint,time,n_risk,n_event,n_censor,surv,surv_se,lower,upper\n"
        for c in curves {
            let k = c.estimate
            let se = k.standardErrorOfSurvival
            for i in k.time.indices {
                var cells: [String] = [csvField(c.pathway), c.endpoint, number(k.time[i]), number(k.nRisk[i])]
                cells += [number(k.nEvent[i]), number(k.nCensor[i]), number(k.survival[i])]
                cells += [number(se[i]), number(k.lower[i]), number(k.upper[i])]
                out += cells.joined(separator: ",") + "\n"
            }
        }
        return out
    }
}
