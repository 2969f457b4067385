import Foundation
import SurvivalStats

/// A two-panel (or n-panel) Kaplan–Meier figure as a standalone SVG: step curves per
/// arm with shaded pointwise confidence bands, optional censoring ticks, dashed lines
/// at each median, x axis in months with nice ticks, y from 0 to 1, a legend, and a
/// number-at-risk table under each panel at the x ticks. Colours are the Okabe–Ito
/// palette (distinguishable with the common colour-vision deficiencies).
///
/// Curves are thinned to one step per pixel column (survival never rises, so the
/// vertical moves within a column collapse to one), so the file stays small for any n.
public struct KaplanMeierFigure: Sendable {
    public struct Curve: Sendable {
        public var id: String
        public var name: String
        public var km: KaplanMeierEstimate
        public init(id: String, name: String, km: KaplanMeierEstimate) {
            self.id = id
            self.name = name
            self.km = km
        }
    }

    public struct Panel: Sendable {
        public var title: String
        public var curves: [Curve]
        public init(title: String, curves: [Curve]) {
            self.title = title
            self.curves = curves
        }
    }

    public var title: String
    public var subtitle: String
    public var footnotes: [String]
    public var panels: [Panel]
    public var censorTicks: Bool
    /// A curve's x range ends where fewer than this fraction of its arm is at risk.
    public var minimumAtRisk: Double = 0.05

    public init(title: String, subtitle: String, footnotes: [String], panels: [Panel], censorTicks: Bool = false) {
        self.title = title
        self.subtitle = subtitle
        self.footnotes = footnotes
        self.panels = panels
        self.censorTicks = censorTicks
    }

    /// Okabe & Ito (2008), ordered for contrast on white; yellow last.
    public static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]

    // Layout, in SVG user units (px).
    private static let panelWidth = 600.0
    private static let plotLeft = 150.0, plotRight = 24.0, plotHeight = 380.0
    private static let rowHeight = 18.0

    /// The SVG document.
    /// - Complexity: O(total curve rows); the output is O(arms × pixel columns).
    public func svg() -> String {
        let P = KaplanMeierFigure.self
        let armCount = panels.map(\.curves.count).max() ?? 0
        let width = P.panelWidth * Double(max(panels.count, 1))
        let legendRows = (armCount + 1) / 2
        let legendTop = 78.0
        let plotTop = legendTop + Double(legendRows) * P.rowHeight + 44
        let plotBottom = plotTop + P.plotHeight
        let riskTop = plotBottom + 62
        let footTop = riskTop + Double(armCount + 1) * P.rowHeight + 16
        let height = footTop + Double(footnotes.count) * 16 + 8

        var s = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(n(width))" height="\(n(height))" viewBox="0 0 \(n(width)) \(n(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
        <title>\(xml(title))</title>
        <rect width="100%" height="100%" fill="#ffffff"/>
        <text x="\(n(width / 2))" y="30" text-anchor="middle" font-size="20" font-weight="bold">\(xml(title))</text>
        <text x="\(n(width / 2))" y="52" text-anchor="middle" font-size="13" fill="#444444">\(xml(subtitle))</text>

        """
        // Legend: two columns of (swatch, id, name).
        if let first = panels.first {
            for (k, c) in first.curves.enumerated() {
                let x = 40 + Double(k % 2) * (width / 2)
                let y = legendTop + Double(k / 2) * P.rowHeight
                let colour = P.palette[k % P.palette.count]
                s += "<g><line x1=\"\(n(x))\" y1=\"\(n(y - 4))\" x2=\"\(n(x + 26))\" y2=\"\(n(y - 4))\" stroke=\"\(colour)\" stroke-width=\"3\"/>"
                s += "<text x=\"\(n(x + 34))\" y=\"\(n(y))\"><tspan font-weight=\"bold\">\(xml(c.id))</tspan>  \(xml(truncated(c.name, 70)))</text></g>\n"
            }
        }
        for (p, panel) in panels.enumerated() {
            s += panelSVG(panel, originX: Double(p) * P.panelWidth, top: plotTop, bottom: plotBottom, riskTop: riskTop, clipID: "plot\(p)")
        }
        for (k, line) in footnotes.enumerated() {
            s += "<text x=\"20\" y=\"\(n(footTop + Double(k) * 16))\" font-size=\"11\" fill=\"#555555\">\(xml(line))</text>\n"
        }
        s += "</svg>\n"
        return s
    }

    private func panelSVG(_ panel: Panel, originX: Double, top: Double, bottom: Double, riskTop: Double, clipID: String) -> String {
        let P = KaplanMeierFigure.self
        let left = originX + P.plotLeft
        let right = originX + P.panelWidth - P.plotRight
        let plotWidth = right - left
        let (xMax, step) = xRange(panel)
        func px(_ t: Double) -> Double { left + min(max(t, 0), xMax) / xMax * plotWidth }
        func py(_ v: Double) -> Double { bottom - min(max(v, 0), 1) * (bottom - top) }
        let ticks = stride(from: 0.0, through: xMax + step / 1000, by: step).map { $0 }

        var s = "<g>\n<text x=\"\(n((left + right) / 2))\" y=\"\(n(top - 14))\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">\(xml(panel.title))</text>\n"
        s += "<clipPath id=\"\(clipID)\"><rect x=\"\(n(left))\" y=\"\(n(top - 2))\" width=\"\(n(plotWidth + 1))\" height=\"\(n(bottom - top + 4))\"/></clipPath>\n"
        // Grid and axes.
        for v in stride(from: 0.0, through: 1.0001, by: 0.2) {
            s += "<line x1=\"\(n(left))\" y1=\"\(n(py(v)))\" x2=\"\(n(right))\" y2=\"\(n(py(v)))\" stroke=\"#e5e5e5\"/>"
            s += "<text x=\"\(n(left - 8))\" y=\"\(n(py(v) + 4))\" text-anchor=\"end\">\(String(format: "%.1f", v))</text>\n"
        }
        for t in ticks {
            s += "<line x1=\"\(n(px(t)))\" y1=\"\(n(bottom))\" x2=\"\(n(px(t)))\" y2=\"\(n(bottom + 5))\" stroke=\"#333333\"/>"
            s += "<text x=\"\(n(px(t)))\" y=\"\(n(bottom + 19))\" text-anchor=\"middle\">\(n(t))</text>\n"
        }
        s += "<path d=\"M\(n(left)),\(n(top))V\(n(bottom))H\(n(right))\" fill=\"none\" stroke=\"#333333\"/>\n"
        s += "<text x=\"\(n((left + right) / 2))\" y=\"\(n(bottom + 40))\" text-anchor=\"middle\" font-size=\"13\">Months</text>\n"
        s += "<text transform=\"translate(\(n(originX + 60)),\(n((top + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"13\">Survival probability</text>\n"

        // Bands first (under every curve), then curves, ticks and medians.
        s += "<g clip-path=\"url(#\(clipID))\">\n"
        for (k, c) in panel.curves.enumerated() {
            let colour = P.palette[k % P.palette.count]
            let km = c.km
            let end = endIndex(km, xMax: xMax)
            let upper = stepVertices(times: km.time, values: km.upper, count: end, px: px, py: py)
            let lower = stepVertices(times: km.time, values: km.lower, count: end, px: px, py: py)
            if upper.count > 1, lower.count > 1 {
                let xEnd = min(upper.last!.x, lower.last!.x)
                let poly = upper.filter { $0.x <= xEnd } + lower.filter { $0.x <= xEnd }.reversed()
                s += "<path d=\"M" + poly.map { "\(n($0.x)),\(n($0.y))" }.joined(separator: "L") + "Z\" fill=\"\(colour)\" fill-opacity=\"0.14\" stroke=\"none\"/>\n"
            }
        }
        for (k, c) in panel.curves.enumerated() {
            let colour = P.palette[k % P.palette.count]
            let km = c.km
            let end = endIndex(km, xMax: xMax)
            let v = stepVertices(times: km.time, values: km.survival, count: end, px: px, py: py)
            s += "<path d=\"\(stepPath(v))\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"/>\n"
            if censorTicks {
                var lastX = -Double.infinity
                var d = ""
                for i in 0..<end where km.nCensor[i] > 0 {
                    let x = px(km.time[i])
                    guard x - lastX >= 4 else { continue }
                    lastX = x
                    d += "M\(n(x)),\(n(py(km.survival[i]) - 4))v8"
                }
                if !d.isEmpty { s += "<path d=\"\(d)\" stroke=\"\(colour)\" stroke-width=\"1.2\"/>\n" }
            }
        }
        s += "</g>\n"
        // Medians: a grey dashed line at S = 0.5 to the last median, and a dashed drop per arm.
        let medians = panel.curves.enumerated().compactMap { k, c -> (Int, Double)? in
            guard let m = c.km.median.estimate, m.isFinite, m <= xMax else { return nil }
            return (k, m)
        }
        if let last = medians.map(\.1).max() {
            s += "<line x1=\"\(n(left))\" y1=\"\(n(py(0.5)))\" x2=\"\(n(px(last)))\" y2=\"\(n(py(0.5)))\" stroke=\"#777777\" stroke-dasharray=\"4 3\"/>\n"
            for (k, m) in medians {
                s += "<line x1=\"\(n(px(m)))\" y1=\"\(n(py(0.5)))\" x2=\"\(n(px(m)))\" y2=\"\(n(bottom))\" stroke=\"\(P.palette[k % P.palette.count])\" stroke-dasharray=\"4 3\" stroke-width=\"1.2\"/>\n"
            }
        }
        // Number at risk.
        s += "<text x=\"\(n(originX + 14))\" y=\"\(n(riskTop))\" font-weight=\"bold\">Number at risk</text>\n"
        for (k, c) in panel.curves.enumerated() {
            let y = riskTop + Double(k + 1) * P.rowHeight
            let colour = P.palette[k % P.palette.count]
            s += "<text x=\"\(n(left - 28))\" y=\"\(n(y))\" text-anchor=\"end\" fill=\"\(colour)\" font-weight=\"bold\">\(xml(truncated(c.id, 14)))</text>"
            for t in ticks {
                let atRisk = t <= 0 ? c.km.initialRisk : c.km.survival(at: t).nRisk
                s += "<text x=\"\(n(px(t)))\" y=\"\(n(y))\" text-anchor=\"middle\">\(compact(atRisk))</text>"
            }
            s += "\n"
        }
        s += "</g>\n"
        return s
    }

    /// The x range of a panel: up to where the last arm drops below `minimumAtRisk` of
    /// its patients at risk (or its last time), rounded up to a tick; ticks at 1, 2, 3,
    /// 6 months or multiples of a year, at most about 8 of them.
    func xRange(_ panel: Panel) -> (max: Double, step: Double) {
        var end = 0.0
        for c in panel.curves where !c.km.time.isEmpty {
            let threshold = c.km.initialRisk * minimumAtRisk
            let i = c.km.nRisk.firstIndex { $0 < threshold } ?? c.km.time.count - 1
            end = max(end, c.km.time[max(i, 0)])
        }
        if end <= 0 { end = 1 }
        let steps: [Double] = [0.25, 0.5, 1, 2, 3, 6, 12, 24, 36, 48, 60, 120, 240, 480, 600]
        let step = steps.first { end / $0 <= 8 } ?? (end / 8).rounded(.up)
        return ((end / step).rounded(.up) * step, step)
    }

    /// Number of leading curve rows at or before `xMax`, plus one so the curve reaches the edge.
    private func endIndex(_ km: KaplanMeierEstimate, xMax: Double) -> Int {
        let inside = km.time.firstIndex { $0 > xMax } ?? km.time.count
        return min(inside + 1, km.time.count)
    }

    /// Vertices of a right-continuous step function starting at (0, 1), thinned to one
    /// vertical move per pixel column; stops at the first non-finite value (R's NA
    /// limits once S reaches 0).
    func stepVertices(times: [Double], values: [Double], count: Int, px: (Double) -> Double, py: (Double) -> Double) -> [(x: Double, y: Double)] {
        var out: [(x: Double, y: Double)] = [(px(0), py(1))]
        var currentY = py(1)
        var column = Int.min
        for i in 0..<count {
            let v = values[i]
            guard v.isFinite else { break }
            let y = (py(v) * 10).rounded() / 10
            let x = (px(times[i]) * 10).rounded() / 10
            if y == currentY { continue }
            let c = Int(x.rounded(.down))
            if c == column, out.count >= 2 {
                out[out.count - 1].y = y // same column: extend the last vertical move
            } else {
                out.append((x, currentY))
                out.append((x, y))
                column = c
            }
            currentY = y
        }
        // Carry the last level to the end of the data (or the panel edge).
        if count > 0 {
            let lastX = (px(times[count - 1]) * 10).rounded() / 10
            if lastX > out[out.count - 1].x { out.append((lastX, currentY)) }
        }
        return out
    }

    private func stepPath(_ v: [(x: Double, y: Double)]) -> String {
        guard let first = v.first else { return "" }
        var d = "M\(n(first.x)),\(n(first.y))"
        var prev = first
        for p in v.dropFirst() {
            if p.y == prev.y { d += "H\(n(p.x))" } else if p.x == prev.x { d += "V\(n(p.y))" } else { d += "L\(n(p.x)),\(n(p.y))" }
            prev = p
        }
        return d
    }

    /// A coordinate with at most one decimal.
    private func n(_ x: Double) -> String {
        let r = (x * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(format: "%.1f", r)
    }

    /// 950, 12.3k, 100k, 1.23M.
    func compact(_ x: Double) -> String {
        if x < 10_000 { return String(Int(x.rounded())) }
        if x < 100_000 { return String(format: "%.1fk", x / 1e3) }
        if x < 1e6 { return String(format: "%.0fk", x / 1e3) }
        if x < 1e9 { return String(format: "%.3gM", x / 1e6) }
        return String(format: "%.3gG", x / 1e9)
    }

    private func truncated(_ s: String, _ limit: Int) -> String {
        s.count <= limit ? s : String(s.prefix(limit - 1)) + "…"
    }

    private func xml(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
