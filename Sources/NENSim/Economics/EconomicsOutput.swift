import Figures
import Foundation

// The economic output files (docs/ECONOMICS.md, "Outputs"): economics.csv,
// incremental.csv, and with a PSA ce_draws.csv, ceac.csv, ce_plane.svg and ceac.svg.

extension EconomicsReport {
    /// A number as every CSV of a run writes it (`CSV.number`: full precision, NA when missing).
    static func num(_ x: Double?) -> String { CSV.number(x) }

    /// economics.csv: one row per arm (pathway) and quantity.
    public func armsCSV() -> String {
        var s = CSV.record(["arm", "quantity", "mean", "se", "partitioned_survival"])
        for a in arms { for e in a.estimates { s += CSV.record([a.arm, e.quantity, Self.num(e.mean), Self.num(e.se), Self.num(e.partitionedSurvival)]) } }
        return s
    }

    /// incremental.csv: the full incremental table, then each arm against the reference.
    public func incrementalCSV() -> String {
        var header = ["arm", "cost", "qalys", "status", "comparator", "icer", "reference", "delta_cost", "delta_cost_se",
                      "delta_qalys", "delta_qalys_se", "quadrant", "label"]
        for w in wtp {
            let label = CSV.number(w).replacingOccurrences(of: ".", with: "_")
            header += ["inmb_\(label)", "inmb_se_\(label)"]
        }
        var s = CSV.record(header)
        for r in incremental {
            var row = [r.arm, Self.num(r.cost), Self.num(r.qalys), r.status, r.comparator ?? "NA", Self.num(r.icer)]
            if let c = comparisons.first(where: { $0.arm == r.arm }) {
                row += [c.reference, Self.num(c.deltaCost), Self.num(c.deltaCostSE), Self.num(c.deltaQalys), Self.num(c.deltaQalysSE), c.quadrant, c.label]
                for k in wtp.indices { row += [Self.num(c.incrementalNmb[k]), Self.num(c.incrementalNmbSE[k])] }
            } else {
                row += [reference, "0", "0", "0", "0", "reference", "reference"]
                for _ in wtp { row += ["0", "0"] }
            }
            s += CSV.record(row)
        }
        return s
    }

    /// economics_lines.csv (pathway runs): one row per pathway, line and quantity.
    public func linesCSV() -> String? {
        guard let lines else { return nil }
        var s = CSV.record(["pathway", "line", "arm", "quantity", "mean", "se"])
        for l in lines { for e in l.estimates { s += CSV.record([l.pathway, String(l.line), l.arm, e.quantity, Self.num(e.mean), Self.num(e.se)]) } }
        return s
    }

    /// ce_draws.csv: each PSA draw's discounted cost and QALYs per arm.
    public func drawsCSV() -> String? {
        guard let p = psa else { return nil }
        var s = CSV.record(["draw", "arm", "cost", "qalys"])
        for d in 0..<p.draws { for (j, a) in arms.enumerated() { s += CSV.record([String(d + 1), a.arm, Self.num(p.cost[d][j]), Self.num(p.qalys[d][j])]) } }
        return s
    }

    /// ceac.csv: P(cost-effective) per arm over the WTP grid, the frontier arm and EVPI.
    public func ceacCSV() -> String? {
        guard let p = psa else { return nil }
        var s = CSV.record(["wtp", "arm", "probability_cost_effective", "on_frontier", "evpi"])
        for (g, w) in p.grid.enumerated() {
            for (j, a) in arms.enumerated() {
                s += CSV.record([Self.num(w), a.arm, Self.num(p.probability[g][j]), p.frontierArm[g] == a.arm ? "TRUE" : "FALSE", Self.num(p.evpiGrid[g])])
            }
        }
        return s
    }

    /// The cost-effectiveness plane: each draw's ΔQALYs and Δcost against the reference,
    /// with the WTP lines through the origin.
    public func planeFigure(labels: [String: String] = [:]) -> Drawing? {
        guard let p = psa else { return nil }
        let r = arms.firstIndex { $0.arm == reference } ?? 0
        var series: [XYPlot.Series] = []
        var xs: [Double] = []
        for (j, a) in arms.enumerated() where j != r {
            let dx = (0..<p.draws).map { p.qalys[$0][j] - p.qalys[$0][r] }, dy = (0..<p.draws).map { p.cost[$0][j] - p.cost[$0][r] }
            xs += dx
            series.append(.init(label: "\(labels[a.arm] ?? a.arm) vs \(labels[reference] ?? reference)", x: dx, y: dy, style: .points, colour: j - (j > r ? 1 : 0)))
        }
        let lo = min(xs.filter(\.isFinite).min() ?? -1, 0), hi = max(xs.filter(\.isFinite).max() ?? 1, 0)
        for w in wtp {
            series.append(.init(label: "\(currency) \(XYPlot.label(w)) per QALY", x: [lo, hi], y: [w * lo, w * hi], style: .dashedLine, colour: nil))
        }
        return XYPlot(title: "Cost-effectiveness plane", subtitle: "\(p.draws) PSA draws, discounted; \(currency) \(priceYear) prices",
                      xLabel: "Incremental QALYs", yLabel: "Incremental cost (\(currency))", series: series,
                      footnotes: ["South-west quadrant (below and left of the origin): savings per QALY lost. Dashed: willingness-to-pay thresholds."],
                      zeroLines: true).drawing()
    }

    /// The acceptability curves with the frontier (the arm of largest expected NMB) marked.
    public func ceacFigure(labels: [String: String] = [:]) -> Drawing? {
        guard let p = psa else { return nil }
        var series = arms.enumerated().map { j, a in
            XYPlot.Series(label: labels[a.arm] ?? a.arm, x: p.grid, y: p.probability.map { $0[j] }, style: .line, colour: j)
        }
        let frontier = p.grid.indices.map { g in p.probability[g][arms.firstIndex { $0.arm == p.frontierArm[g] } ?? 0] }
        series.append(.init(label: "frontier (largest expected NMB)", x: p.grid, y: frontier, style: .dashedLine, colour: nil))
        return XYPlot(title: "Cost-effectiveness acceptability curve", subtitle: "\(p.draws) PSA draws",
                      xLabel: "Willingness to pay per QALY (\(currency))", yLabel: "Probability cost-effective", series: series,
                      footnotes: ["Frontier: the arm with the largest expected net monetary benefit at each willingness to pay, at its probability."],
                      xRange: 0...(p.grid.last ?? 1), yRange: 0...1).drawing()
    }

    /// The terminal table.
    public func text() -> String {
        var out = "Health economics (\(currency), \(priceYear) prices; discount \(Self.pct(costDiscountRate)) costs, \(Self.pct(outcomeDiscountRate)) outcomes; horizon \(fmt(horizonMonths)) months)\n"
        if let lines {
            // Pathways: no partitioned survival; each pathway, then its lines.
            out += "  pathway / line                    cost (± MC SE)          QALYs (± SE)     life-years\n"
            for a in arms {
                let c = a.estimate(.costs), q = a.estimate(.qalys), l = a.estimate(.lifeYears)
                out += "  " + a.arm.padding(toLength: 28, withPad: " ", startingAt: 0)
                out += String(format: "%12.0f ± %-8.0f %8.4f ± %-7.4f %8.4f\n", c.mean, c.se, q.mean, q.se, l.mean)
                for line in lines where line.pathway == a.arm {
                    let c = line.estimates[AccruedQuantity.costs.rawValue], q = line.estimates[AccruedQuantity.qalys.rawValue]
                    let l = line.estimates[AccruedQuantity.lifeYears.rawValue]
                    out += "    " + "line \(line.line) \(line.arm)".padding(toLength: 26, withPad: " ", startingAt: 0)
                    out += String(format: "%12.0f ± %-8.0f %8.4f ± %-7.4f %8.4f\n", c.mean, c.se, q.mean, q.se, l.mean)
                }
            }
        } else {
            out += "  arm           cost (± MC SE)          QALYs (± SE)     life-years      PS cost      PS QALYs\n"
            for a in arms {
                let c = a.estimate(.costs), q = a.estimate(.qalys), l = a.estimate(.lifeYears)
                out += "  " + a.arm.padding(toLength: 12, withPad: " ", startingAt: 0)
                out += String(format: "%12.0f ± %-8.0f %8.4f ± %-7.4f %8.4f %12.0f %12.4f\n", c.mean, c.se, q.mean, q.se, l.mean, c.partitionedSurvival, q.partitionedSurvival)
            }
        }
        out += "  incremental (frontier by QALYs):\n"
        for r in incremental {
            let icer = r.icer.map { String(format: "ICER %.0f per QALY vs %@", $0, r.comparator!) } ?? ""
            out += "    " + r.arm.padding(toLength: 12, withPad: " ", startingAt: 0) + r.status.padding(toLength: 22, withPad: " ", startingAt: 0) + icer + "\n"
        }
        for c in comparisons {
            out += String(format: "  %@ vs %@: Δcost %.0f ± %.0f, ΔQALYs %.4f ± %.4f: ", c.arm, c.reference, c.deltaCost, c.deltaCostSE, c.deltaQalys, c.deltaQalysSE)
            out += c.icer.map { c.quadrant == "south-west" ? String(format: "%@ %.0f", c.label, $0) : String(format: "ICER %.0f per QALY", $0) } ?? c.label
            out += "; INMB " + zip(wtp, c.incrementalNmb).map { String(format: "%.0f at %.0f", $1, $0) }.joined(separator: ", ") + "\n"
        }
        if let p = psa {
            for (k, w) in wtp.enumerated() {
                out += String(format: "  EVPI at %.0f: %.0f per patient (MC bias ≤ %.0f)", w, p.evpi[k], p.evpiBiasBound[k])
                if let pop = p.populationEVPI { out += String(format: "; population %.0f", pop[k]) }
                out += "\n"
            }
        }
        for n in notes { out += "  note: \(n)\n" }
        return out
    }

    static func pct(_ r: Double) -> String { String(format: "%.1f%%", r * 100) }
}

extension EconomicsReport {
    /// Writes economics.csv and incremental.csv (csv), and with a PSA ce_draws.csv,
    /// ceac.csv (csv), ce_plane.svg and ceac.svg (svg) into `folder`.
    public func write(to folder: RunFolder, formats: Set<OutputFormat>) throws {
        if formats.contains(.csv) {
            try folder.write("economics.csv", contents: armsCSV())
            try folder.write("incremental.csv", contents: incrementalCSV())
            if let l = linesCSV() { try folder.write("economics_lines.csv", contents: l) }
            if let d = drawsCSV() { try folder.write("ce_draws.csv", contents: d) }
            if let c = ceacCSV() { try folder.write("ceac.csv", contents: c) }
        }
        if formats.contains(.svg) {
            for (name, figure) in [("ce_plane.svg", planeFigure()), ("ceac.svg", ceacFigure())] {
                guard let figure else { continue }
                let data: Data
                do { data = try figure.render(as: .svg) } catch {
                    throw NensimFailure.io(oneLine("\(name): \(error)"))
                }
                try folder.write(name, contents: String(decoding: data, as: UTF8.self))
            }
        }
    }
}
