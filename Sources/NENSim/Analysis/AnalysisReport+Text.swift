import Foundation

/// `digits` significant digits without an exponent for magnitudes 1e-4 … 1e9, trailing
/// zeros dropped (310 → "310", 331.2449 → "331.2", 0.012345 → "0.01235", 1.0301 →
/// "1.03"); "NA" for NaN.
public func significant(_ x: Double, digits: Int = 4) -> String {
    if x.isNaN { return "NA" }
    if x.isInfinite { return x > 0 ? "Inf" : "-Inf" }
    if x == 0 { return "0" }
    let e = Int(floor(log10(abs(x))))
    guard e >= -4, e < 9 else { return String(format: "%.\(digits - 1)e", x) }
    var text = String(format: "%.\(max(0, digits - 1 - e))f", x)
    if text.contains(".") {
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
    }
    return text
}

extension AnalysisReport {
    /// The terminal report.
    public func renderText() -> String {
        var out: [String] = []
        let percent = confidenceLevel * 100
        let level = percent == percent.rounded() ? "\(Int(percent))%" : "\(percent)%"
        var what = (columns.start.map { "(start, time] = (\($0), \(columns.time)]" } ?? "time = \(columns.time)") + ", event = \(columns.event) (\(eventCoding))"
        if let g = columns.group { what += ", group = \(g)" }
        if let s = columns.strata { what += ", strata = \(s)" }
        if !columns.covariates.isEmpty { what += ", covariates = \(columns.covariates.joined(separator: ", "))" }
        out.append("nensim analyze \(input): \(what)")
        var recordLine = "\(records.read) records, \(records.used) used"
        if records.dropped > 0 {
            let cols = records.missingByColumn.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            recordLine += ", \(records.dropped) dropped for missing values (\(cols))"
        }
        var parts: [String] = []
        if let n = records.usedByLogRank, n != records.used { parts.append("log-rank test \(n)") }
        if let n = records.usedByCox, n != records.used { parts.append("Cox model \(n) (complete cases)") }
        if !parts.isEmpty {
            let cols = records.missingByColumn.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            recordLine += "; curves \(records.used), " + parts.joined(separator: ", ") + " (missing: \(cols))"
        }
        out.append(recordLine)
        out.append("")

        func q(_ x: Double?) -> String { x.map { significant($0) } ?? "NR" }
        func qci(_ s: QuantileSummary) -> String { "\(q(s.estimate)) (\(q(s.lower)), \(q(s.upper)))" }
        out.append("Kaplan–Meier (\(level) CI, \(confidenceType)); quantiles are times by which 25/50/75% had the event; NR = not reached")
        var header = ["group", "n", "events", "median (\(level) CI)", "25%", "75%"]
        header += landmarkTimes.map { "S(\(significant($0)))" }
        header.append("RMST(τ=\(significant(tau))) (\(level) CI)")
        var t = TextTable(header: header)
        for g in groups {
            var row = [g.label, "\(g.n)", "\(g.events)", qci(g.median), q(g.quantiles[0].estimate), q(g.quantiles[2].estimate)]
            row += g.landmarks.map { "\(fixed($0.survival, decimals: 3)) (\(fixed($0.lower, decimals: 3)), \(fixed($0.upper, decimals: 3)))" }
            row.append("\(significant(g.rmst.estimate)) (\(significant(g.rmst.lower)), \(significant(g.rmst.upper)))")
            t.add(row)
        }
        out.append(t.render(indent: "  "))
        out.append("  τ: \(tauRule)")
        if !rmstDifferences.isEmpty {
            out.append("")
            out.append("RMST difference to τ = \(significant(tau)) against \(groups[0].label)")
            var d = TextTable(header: ["group", "difference (\(level) CI)", "se", "p"])
            for r in rmstDifferences {
                d.add([r.group, "\(significant(r.estimate)) (\(significant(r.lower)), \(significant(r.upper)))", significant(r.standardError), formatP(r.pValue)])
            }
            out.append(d.render(indent: "  "))
        }
        if let lr = logRank {
            out.append("")
            let name = lr.rho == 0 ? "Log-rank test" : "Fleming–Harrington test (ρ = \(significant(lr.rho)))"
            out.append("\(name)\(lr.strata.map { ", stratified by \($0)" } ?? ""): χ² = \(significant(lr.chiSquare)) on \(lr.df) df, p = \(formatP(lr.pValue))")
            var l = TextTable(header: ["group", "observed", "expected", "(O−E)²/V"])
            let k = lr.groups.count
            for g in 0..<k {
                let v = lr.variance[g * k + g]
                let oe = lr.observed[g] - lr.expected[g]
                l.add([lr.groups[g], significant(lr.observed[g], digits: 5), significant(lr.expected[g], digits: 5), significant(oe * oe / v)])
            }
            out.append(l.render(indent: "  "))
        }
        if let c = cox {
            out.append("")
            out.append("Cox proportional hazards (\(c.ties) ties\(c.strata.map { ", stratified by \($0)" } ?? ""); n = \(c.n), events = \(c.events))")
            let robust = c.robustScore != nil || c.clusters != nil
            var x = TextTable(header: ["term", "coef", "HR (\(level) CI)", "se(coef)"] + (robust ? ["robust se"] : []) + ["z", "p"])
            for term in c.terms {
                x.add([term.name, significant(term.coefficient), "\(significant(term.hazardRatio)) (\(significant(term.lower)), \(significant(term.upper)))",
                       significant(term.standardError)] + (robust ? [term.robustStandardError.map { significant($0) } ?? "NA"] : [])
                      + [fixed(term.z, decimals: 2), formatP(term.pValue)])
            }
            out.append(x.render(indent: "  "))
            out.append("  Likelihood ratio test = \(significant(c.likelihoodRatio.statistic)) on \(c.likelihoodRatio.df) df, p = \(formatP(c.likelihoodRatio.pValue))")
            out.append("  Wald test             = \(significant(c.wald.statistic)) on \(c.wald.df) df, p = \(formatP(c.wald.pValue))")
            out.append("  Score (log-rank) test = \(significant(c.score.statistic)) on \(c.score.df) df, p = \(formatP(c.score.pValue))")
            if let r = c.robustScore {
                out.append("  Robust score test     = \(significant(r.statistic)) on \(r.df) df, p = \(formatP(r.pValue)); \(c.clusters ?? 0) clusters (Wald test, z and CIs robust)")
            }
        }
        if let tests, !tests.isEmpty {
            out.append("")
            out.append("Two-group tests against \(groups[0].label) (z > 0 favours the group; one-sided p in its favour)")
            var t = TextTable(header: ["group", "test", "z", "p one-sided", "p two-sided"])
            for r in tests { t.add([r.group, r.test, fixed(r.z, decimals: 3), formatP(r.pOneSided), formatP(r.pTwoSided)]) }
            out.append(t.render(indent: "  "))
        }
        if let z = phTest {
            out.append("")
            out.append("Proportional-hazards test (cox.zph, transform \(z.transform)): scaled Schoenfeld residuals against g(t)")
            var t = TextTable(header: ["term", "chisq", "df", "p"])
            for r in z.terms + [z.global] { t.add([r.name, significant(r.chiSquare), "\(r.df)", formatP(r.pValue)]) }
            out.append(t.render(indent: "  "))
        }
        if !notes.isEmpty {
            out.append("")
            out.append("Notes")
            for n in notes { out.append("  - \(n)") }
        }
        return out.joined(separator: "\n")
    }
}
