import Foundation

/// `report.html`: one self-contained page per run that a researcher can open or attach —
/// no network, no script; the figure inline (an SVG data URI), every table of the
/// terminal report, the provenance of every parameter with the source's quote, and the
/// assumptions the run rests on, listed apart (docs/OUTPUTS.md, "report.html").
public enum ReportPage {
    /// The page's HTML (UTF-8).
    /// - Parameter figureSVG: the run's Kaplan–Meier figure as SVG bytes, or nil to leave it out.
    public static func html(report: RunReport, manifest: RunManifest, figureSVG: Data?,
                            label: (String) -> String = { $0 }) -> String {
        var h = ""
        let title = "nensim run: " + report.arms.map { label($0.id) }.joined(separator: " vs ")
        h += """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(e(title))</title>
        <style>
        body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 72em; padding: 0 1.5em; color: #222; line-height: 1.4; }
        h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
        h3 { font-size: 1em; margin-bottom: 0.3em; }
        .meta { color: #555; font-size: 0.9em; } .meta code { font-size: 0.95em; }
        table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.88em; }
        th, td { border-bottom: 1px solid #e4e4e4; padding: 0.25em 0.7em; text-align: right; vertical-align: top; }
        th { background: #f5f5f5; } td.text, th.text { text-align: left; }
        .status { font-size: 0.8em; padding: 0.05em 0.4em; border-radius: 0.3em; background: #eee; white-space: nowrap; }
        .status-source { background: #dcefdc; } .status-external { background: #dde8f7; } .status-assumption { background: #fbe3c8; }
        .status-override { background: #eadcf4; } .status-fitted { background: #dcefef; }
        .assumption { background: #fdf1e3; padding: 0.3em 0.6em; border-left: 3px solid #e8a25c; font-size: 0.9em; }
        blockquote { margin: 0.2em 0 0.2em 1em; color: #444; font-size: 0.9em; }
        img.figure { max-width: 100%; height: auto; border: 1px solid #eee; }
        nav a { margin-right: 1em; }
        </style>
        </head>
        <body>
        <h1>\(e(title))</h1>
        <p class="meta">n = \(manifest.scenario.patientsPerArm) per arm · seed \(manifest.seed) · \(e(manifest.designSummary)) · statistics from \(e(manifest.dataBasis))<br>
        nensim \(e(manifest.nensimVersion)) (<code>\(e(String(manifest.gitCommit.prefix(12))))</code>) · scenario <code>\(e(String(manifest.scenarioHash.prefix(16))))</code><br>
        <span class="run">\(e(manifest.timestamp)) · <code>\(e(manifest.commandLine.map(shellQuoted).joined(separator: " ")))</code></span></p>
        <nav><a href="#figure">Figure</a><a href="#survival">Survival</a><a href="#comparisons">Comparisons</a><a href="#responses">Responses and adverse events</a><a href="#assumptions">Assumptions</a><a href="#provenance">Provenance</a></nav>

        """
        if let figureSVG {
            h += "<h2 id=\"figure\">Kaplan–Meier curves</h2>\n"
            h += "<img class=\"figure\" alt=\"Kaplan–Meier curves of progression-free and overall survival\" src=\"data:image/svg+xml;base64,\(figureSVG.base64EncodedString())\">\n"
        }
        h += "<h2 id=\"survival\">Survival by arm (months)</h2>\n"
        for (name, pick) in [("Progression-free survival", \ArmSummary.pfs), ("Overall survival", \ArmSummary.os)] {
            h += "<h3>\(name)</h3>\n<table>\n<tr><th class=\"text\">arm</th><th>n</th><th>events</th><th>median (95% CI)</th>"
            h += report.landmarkTimes.map { "<th>S(\(fmt($0)))</th>" }.joined() + "<th>RMST(\(fmt(report.tau)))</th><th class=\"text\">basis</th></tr>\n"
            for a in report.arms {
                let s = a[keyPath: pick]
                h += "<tr><td class=\"text\">\(e(label(a.id)))</td><td>\(a.patients)</td><td>\(s.events)</td><td>\(e(s.median.formatted()))</td>"
                h += s.landmarks.map { "<td>\(fixed($0.estimate, decimals: 3))</td>" }.joined()
                h += "<td>\(e(s.rmst.formatted()))</td><td class=\"text\">\(s.basis.map { basisBadge($0.basis) } ?? "")</td></tr>\n"
            }
            h += "</table>\n"
        }
        h += "<h2 id=\"comparisons\">Comparisons</h2>\n"
        if report.comparisons.isEmpty {
            h += "<p>One arm: no comparison.</p>\n"
        } else {
            h += "<table>\n<tr><th class=\"text\">endpoint</th><th class=\"text\">arm</th><th class=\"text\">against</th><th>HR (95% CI)</th><th>log-rank χ²</th><th>p</th><th>RMST difference (95% CI)</th><th>median difference</th><th class=\"text\">basis</th></tr>\n"
            for c in report.comparisons {
                h += "<tr><td class=\"text\">\(c.endpoint.uppercased())</td><td class=\"text\">\(e(label(c.arm)))</td><td class=\"text\">\(e(label(c.reference)))</td>"
                h += "<td>\(e(c.hazardRatio.formatted(decimals: 3)))</td><td>\(fixed(c.logRankChiSquare, decimals: 2))</td><td>\(e(formatP(c.logRankP)))</td>"
                h += "<td>\(e(c.rmstDifference.formatted()))</td><td>\(fixed(c.medianDifference, notReached: true))</td>"
                h += "<td class=\"text\">\(c.basis.map(basisBadge) ?? "")</td></tr>\n"
            }
            h += "</table>\n"
            let bases = Dictionary(manifest.arms.map { ($0.id, $0.bases) }, uniquingKeysWith: { a, _ in a })
            for c in report.comparisons {
                var seen = Set<String>()
                let cited = [c.arm, c.reference].flatMap { id in bases[id]?.first { $0.endpoint == c.endpoint }?.citations ?? [] }
                    .filter { seen.insert($0).inserted }
                if !cited.isEmpty {
                    h += "<p class=\"meta\">\(e(label(c.arm))) \(c.endpoint.uppercased()): external figures from \(e(cited.joined(separator: "; ")))</p>\n"
                }
            }
            for c in report.comparisons where c.restsOnAssumption {
                h += "<p class=\"assumption\">\(RunReport.assumptionMark) \(e(label(c.arm))) \(c.endpoint.uppercased()) against \(e(label(c.reference))) rests on an assumption, not evidence: \(e(c.basisNote ?? ""))</p>\n"
            }
            h += "<p class=\"meta\">HR: Cox proportional hazards (Efron ties) against the reference arm; p: log-rank. Basis: source = the review's figures; external = published trials; override = values you set; mixed = evidence of several kinds; \(RunReport.assumptionMark) assumption = rests on a modelling assumption (docs/MODEL.md).</p>\n"
        }
        h += "<h2 id=\"responses\">Responses and adverse events</h2>\n"
        let rows = report.arms.flatMap { a in (a.responses + a.adverseEvents).map { (a.id, $0) } }
        if rows.isEmpty {
            h += "<p>No response or adverse-event figures are modelled for these arms.</p>\n"
        } else {
            h += "<table>\n<tr><th class=\"text\">arm</th><th class=\"text\">outcome</th><th class=\"text\">kind</th><th>simulated (95% CI)</th><th>evidence</th></tr>\n"
            for (arm, p) in rows {
                h += "<tr><td class=\"text\">\(e(label(arm)))</td><td class=\"text\">\(e(p.name))</td><td class=\"text\">\(e(p.kind))</td>"
                h += "<td>\(fixed(p.estimate, decimals: 3)) (\(fixed(p.lower, decimals: 3))–\(fixed(p.upper, decimals: 3)))</td><td>\(fixed(p.target, decimals: 3))</td></tr>\n"
            }
            h += "</table>\n"
        }
        h += "<h2 id=\"assumptions\">Assumptions this run rests on</h2>\n"
        if manifest.assumptions.isEmpty {
            h += "<p>None: every parameter comes from the source, an external citation or an override.</p>\n"
        } else {
            h += "<table>\n<tr><th class=\"text\">arm</th><th class=\"text\">parameter</th><th>value</th><th class=\"text\">rule</th></tr>\n"
            for a in manifest.assumptions {
                h += "<tr><td class=\"text\">\(e(label(a.arm)))</td><td class=\"text\"><code>\(e(a.parameter))</code></td><td>\(fmt(a.value)) \(e(a.unit))</td><td class=\"text\">\(e(a.rule))</td></tr>\n"
            }
            h += "</table>\n"
        }
        let findings = manifest.arms.flatMap { a in a.findings.map { (a.id, $0) } }
        if !findings.isEmpty {
            h += "<h3>Plausibility warnings</h3>\n"
            for (arm, f) in findings { h += "<p class=\"assumption\"><b>\(e(label(arm)))</b>: \(e(f.message))</p>\n" }
        }
        h += "<h2 id=\"provenance\">Where every parameter comes from</h2>\n"
        for arm in manifest.arms {
            h += "<h3>\(e(label(arm.id))) — \(e(arm.name))</h3>\n<table>\n<tr><th class=\"text\">parameter</th><th>value</th><th class=\"text\">status</th><th class=\"text\">how</th></tr>\n"
            for p in arm.parameters {
                h += "<tr><td class=\"text\"><code>\(e(p.name))</code></td><td>\(fmt(p.value)) \(e(p.unit))</td>"
                h += "<td class=\"text\"><span class=\"status status-\(e(p.status.rawValue))\">\(e(p.status.rawValue))</span></td><td class=\"text\">\(e(p.rule))</td></tr>\n"
            }
            h += "</table>\n"
            for f in arm.figures {
                h += "<p><b>\(e(f.id))</b> <span class=\"status status-\(e(f.status))\">\(e(f.status))</span> \(e(f.gloss))"
                if let c = f.citation { h += " — \(e(c))" }
                h += "</p>\n"
                if !f.quote.isEmpty { h += "<blockquote lang=\"zh\">「\(e(f.quote))」 (\(e(f.section)))</blockquote>\n" }
            }
            for n in arm.notes { h += "<p class=\"meta\">\(e(n))</p>\n" }
        }
        h += "</body>\n</html>\n"
        return h
    }

    /// A basis as a coloured badge, marked as the terminal tables mark it (`RunReport.basisLabel`).
    static func basisBadge(_ b: Basis) -> String {
        "<span class=\"status status-\(e(b.rawValue))\">\(e(RunReport.basisLabel(b)))</span>"
    }

        /// HTML text escaping.
    static func e(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// An argument as a POSIX shell would need it quoted.
    static func shellQuoted(_ a: String) -> String {
        let plain = a.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_./=,:+%@".unicodeScalars.contains($0) }
        return plain && !a.isEmpty ? a : "'" + a.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
