import Foundation

/// A plain-text table with aligned columns (first column left, the rest right).
public struct TextTable {
    public var header: [String]
    public var rows: [[String]] = []

    public init(header: [String]) { self.header = header }

    public mutating func add(_ row: [String]) { rows.append(row) }

    /// The widest a cell is shown: longer text (a 10 MB group label, say) is cut to this
    /// many characters, the last an ellipsis, so no line of a report grows with its input.
    /// The CSV and JSON files keep every value whole.
    public static let maxCellWidth = 60

    static func shown(_ cell: String) -> String {
        cell.count <= maxCellWidth ? cell : String(cell.prefix(maxCellWidth - 1)) + "…"
    }

    public func render(indent: String = "") -> String {
        let header = self.header.map(Self.shown), rows = self.rows.map { $0.map(Self.shown) }
        let all = [header] + rows
        let widths = (0..<header.count).map { j in all.map { $0.indices.contains(j) ? $0[j].count : 0 }.max() ?? 0 }
        // Numeric columns align right, text columns left.
        let numeric = (0..<header.count).map { j in
            !rows.isEmpty && rows.allSatisfy { r in
                guard r.indices.contains(j), let c = r[j].first else { return true }
                return c.isNumber || c == "-" || c == "<" || r[j] == "NA" || r[j] == "NR"
            }
        }
        func line(_ r: [String]) -> String {
            var out = indent
            for j in 0..<header.count {
                let cell = r.indices.contains(j) ? r[j] : ""
                let pad = String(repeating: " ", count: widths[j] - cell.count)
                out += (j == 0 ? "" : "  ") + (numeric[j] ? pad + cell : cell + pad)
            }
            while out.hasSuffix(" ") { out.removeLast() }
            return out
        }
        var lines = [line(header), indent + widths.enumerated().map { String(repeating: "─", count: $0.element + ($0.offset == 0 ? 0 : 2)) }.joined()]
        lines += rows.map(line)
        return lines.joined(separator: "\n")
    }
}

/// Number formatting for reports: fixed decimals, "NA" for NaN, "NR" (not reached) on request.
public func fixed(_ x: Double, decimals: Int = 2, notReached: Bool = false) -> String {
    if x.isNaN { return notReached ? "NR" : "NA" }
    if x.isInfinite { return x > 0 ? "Inf" : "-Inf" }
    return String(format: "%.\(decimals)f", x)
}

/// A p-value: "<1e-300", scientific below 1e-4, else 4 decimals.
public func formatP(_ p: Double) -> String {
    if p.isNaN { return "NA" }
    if p < 1e-300 { return "<1e-300" }
    if p < 1e-4 { return String(format: "%.1e", p) }
    return String(format: "%.4f", p)
}

extension Estimate {
    /// "12.34 (11.10–13.50)".
    public func formatted(decimals: Int = 2) -> String {
        if estimate.isNaN { return "NR" }
        return "\(fixed(estimate, decimals: decimals)) (\(fixed(lower, decimals: decimals, notReached: true)), \(fixed(upper, decimals: decimals, notReached: true)))"
    }
}

extension RunReport {
    /// The mark of a statistic or comparison that rests on an assumption.
    public static let assumptionMark = "‡"

    /// A basis as the tables show it: the assumption-based ones marked.
    public static func basisLabel(_ b: Basis) -> String {
        switch b {
        case .assumption: return "assumption \(assumptionMark)"
        case .notModelled: return "not modelled"
        default: return b.rawValue
        }
    }

    /// The first author and the trial or journal of a citation, for a table line:
    /// everything up to the title's end ("Yao JC, Pavel M, … RADIANT-3 study.") is
    /// shortened to the first author and the year.
    public static func shortCitation(_ c: String) -> String {
        let first = c.split(separator: ",").first.map(String.init) ?? c
        // A citation that opens with a title rather than an author is named by its trial.
        let author = first.split(separator: " ").count <= 4 ? "\(first) et al." : ""
        let year = c.range(of: #"(19|20)\d\d"#, options: .regularExpression).map { String(c[$0]) } ?? ""
        let trial = c.range(of: #"\b[A-Z][A-Z0-9-]{3,}\b"#, options: .regularExpression).map { " " + String(c[$0]) } ?? ""
        return "\(author)\(trial) \(year)".trimmingCharacters(in: .whitespaces)
    }

    /// The terminal report: per-arm PFS, OS and responses, comparisons, provenance.
    public func renderTable(models: [ArmModel]) -> String {
        var out: [String] = []
        for (title, pick) in [("Progression-free survival (months)", \ArmSummary.pfs), ("Overall survival (months)", \ArmSummary.os)] {
            out.append(title)
            var t = TextTable(header: ["arm", "n", "events", "median (95% CI)"] + landmarkTimes.map { "S(\(fmt($0)))" } + ["RMST(\(fmt(tau)))", "basis"])
            for a in arms {
                let e = a[keyPath: pick]
                if e.basis?.basis == .notModelled {
                    t.add([a.id, "\(a.patients)", "—", "not modelled"] + landmarkTimes.map { _ in "—" } + ["—", Self.basisLabel(.notModelled)])
                    continue
                }
                let landmarks: [String] = e.landmarks.map { fixed($0.estimate, decimals: 3) }
                let rmst: String = fixed(e.rmst.estimate) + " ± " + fixed(e.rmst.standardError ?? .nan)
                var row: [String] = [a.id, "\(a.patients)", "\(e.events)", e.median.formatted()]
                row += landmarks
                row.append(rmst)
                row.append(e.basis.map { Self.basisLabel($0.basis) } ?? "")
                t.add(row)
            }
            out.append(t.render(indent: "  "))
            out.append("")
        }
        let responseRows = arms.flatMap { a in (a.responses + a.adverseEvents).map { (a.id, $0) } }
        if !responseRows.isEmpty {
            out.append("Responses and adverse events (proportion, Wilson 95% CI; target from the evidence)")
            var t = TextTable(header: ["arm", "outcome", "kind", "count", "estimate (95% CI)", "target"])
            for (id, p) in responseRows {
                t.add([id, p.name, p.kind.replacingOccurrences(of: "_", with: " "), "\(p.count)",
                       Estimate(p.estimate, p.lower, p.upper).formatted(decimals: 4), fixed(p.target, decimals: 4)])
            }
            out.append(t.render(indent: "  "))
            out.append("")
        }
        if let reference, !comparisons.isEmpty {
            out.append("Against \(reference) (Cox HR, Efron ties; log-rank; RMST to \(fmt(tau)) months)")
            var t = TextTable(header: ["arm", "endpoint", "HR (95% CI)", "log-rank χ²", "p", "RMST diff (95% CI)", "median diff", "basis"])
            for c in comparisons {
                t.add([c.arm, c.endpoint.uppercased(), c.hazardRatio.formatted(decimals: 3), fixed(c.logRankChiSquare, decimals: 1),
                       formatP(c.logRankP), c.rmstDifference.formatted(), fixed(c.medianDifference, notReached: true),
                       c.basis.map { Self.basisLabel($0) } ?? ""])
            }
            out.append(t.render(indent: "  "))
            let byID = Dictionary(models.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            for c in comparisons {
                let cited = [c.arm, c.reference].flatMap { byID[$0]?.basis(of: c.endpoint).citations ?? [] }
                var seen = Set<String>()
                let unique = cited.filter { seen.insert($0).inserted }
                if !unique.isEmpty {
                    out.append("  \(c.arm) \(c.endpoint.uppercased()): external figures from " + unique.map(Self.shortCitation).joined(separator: "; "))
                }
            }
            for c in comparisons where c.restsOnAssumption {
                out.append("  \(Self.assumptionMark) \(c.arm) \(c.endpoint.uppercased()) rests on an assumption, not evidence: \(c.basisNote ?? "")")
            }
            let skipped = arms.flatMap { a in [("PFS", a.pfs), ("OS", a.os)].filter { $0.1.basis?.basis == .notModelled }.map { "\(a.id) \($0.0)" } }
            if !skipped.isEmpty { out.append("  not compared (not modelled): \(skipped.joined(separator: ", "))") }
            out.append("")
        }
        out.append(("Where the numbers come from (source = quoted in the review; external = published trial; assumption = nensim's, overridable with \(.override))" as Phrase).description)
        for m in models {
            let parts = m.parameters.map { p -> String in
                let src = p.figures.isEmpty ? p.status.rawValue : "\(p.status.rawValue): \(p.figures.joined(separator: ", "))"
                return "\(p.name) \(fmt(p.value))\(p.unit == "months" ? " mo" : "") [\(src)]"
            }
            out.append(contentsOf: wrap(parts, first: "  \(m.id): ", rest: "      ", width: 100))
            let bases = m.bases.map { b -> String in
                var text = "\(b.endpoint.uppercased()) \(b.basis.rawValue)"
                if !b.assumptions.isEmpty { text += " (assumed: \(b.assumptions.joined(separator: ", ")))" }
                if !b.citations.isEmpty { text += " — external: " + b.citations.map(Self.shortCitation).joined(separator: "; ") }
                return text
            }
            if !bases.isEmpty { out.append("    basis: " + bases.joined(separator: "; ")) }
            for b in m.bases { if let sets = b.studySets { out.append("    note: \(sets)") } }
            for note in m.notes { out.append("    note: \(note)") }
            for f in m.findings { out.append("    warning: \(f.message)") }
        }
        out.append("Basis: source = the review's figures; external = published trials; override = values you set; mixed = evidence of several kinds; \(Self.assumptionMark) assumption = rests on a modelling assumption (docs/MODEL.md)")
        return out.joined(separator: "\n")
    }
}

/// Joins `items` with "; " into lines of at most `width` characters (an item longer
/// than a line gets a line of its own).
func wrap(_ items: [String], first: String, rest: String, width: Int) -> [String] {
    var lines: [String] = []
    var line = first
    var empty = true
    for item in items {
        let piece = empty ? item : "; " + item
        if !empty && line.count + piece.count > width {
            lines.append(line + ";")
            line = rest + item
        } else {
            line += piece
        }
        empty = false
    }
    lines.append(line)
    return lines
}
