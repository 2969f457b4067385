import Foundation
import SurvivalStats

/// A publication Kaplan–Meier figure of one or more panels side by side (e.g. PFS and
/// OS), as survminer's `ggsurvplot` draws one: step curves with shaded pointwise
/// confidence bands, censoring marks, dashed median lines, the test results of each
/// panel printed on it, a legend, and a number-at-risk table aligned under the x ticks.
///
/// Layout rules (docs/FIGURES.md):
/// - every panel shares one x range, from 0 to `xMax` (default: the last time of any
///   curve, i.e. the horizon or the last follow-up) — the axis never runs past it;
/// - x breaks every `breakEvery` months, or chosen from the range (1, 2, 3, 6, 12, 24, …
///   so that there are at most 8 intervals, preferring a step that ends on `xMax`);
/// - labels are measured with the renderer's fonts and never truncated: when the longest
///   label is too wide for the risk table's margin, the table and curves use keys
///   (A, B, …) and the legend spells each key out;
/// - curves are thinned to one vertical move per half point, so a file stays small for
///   any n.
public struct KaplanMeierPlot: Sendable {
    public struct Curve: Sendable {
        public var label: String
        public var km: KaplanMeierEstimate
        public init(label: String, km: KaplanMeierEstimate) {
            self.label = label
            self.km = km
        }
    }

    public struct Panel: Sendable {
        public var title: String
        public var curves: [Curve]
        /// Lines printed in the panel's top-right corner (e.g. "Log-rank p = 0.003",
        /// "HR 0.65 (0.52–0.81)"), as the caller words them.
        public var annotations: [String]
        public init(title: String, curves: [Curve], annotations: [String] = []) {
            self.title = title
            self.curves = curves
            self.annotations = annotations
        }
    }

    public var title: String
    public var subtitle: String
    public var footnotes: [String]
    public var panels: [Panel]
    public var censorMarks: Bool = true
    public var medianLines: Bool = true
    /// Right end of the x axis in months; nil: the last time of any curve.
    public var xMax: Double?
    /// Distance between x breaks in months; nil: chosen from the range.
    public var breakEvery: Double?
    public var palette: [Color] = Color.okabeIto
    public var timeLabel: String = "Months"
    public var survivalLabel: String = "Survival probability"

    public init(title: String, subtitle: String = "", footnotes: [String] = [], panels: [Panel]) {
        self.title = title
        self.subtitle = subtitle
        self.footnotes = footnotes
        self.panels = panels
    }

    // Layout constants, in points.
    static let panelWidth = 300.0
    static let plotHeight = 190.0
    static let margin = 18.0
    static let rowHeight = 11.0
    static let axisFont = Font(size: 7.5)
    static let labelFont = Font(size: 8.5)
    static let riskFont = Font(size: 7.5)
    /// Widest label the risk table's left margin takes before switching to keys.
    static let maximumLabelWidth = 110.0
    /// Space between a risk-table label and the column of the first break (room for a
    /// centred count of up to five characters).
    static let riskLabelGap = 16.0

    /// The x range and the breaks every panel uses.
    public func axis() -> (max: Double, breaks: [Double]) {
        var end = 0.0
        for p in panels { for c in p.curves { if let t = c.km.time.last { end = max(end, t) } } }
        var top = xMax ?? end
        if !(top > 0) || !top.isFinite { top = 1 }
        let step: Double
        if let b = breakEvery, b > 0, b.isFinite, top / b <= 1000 {
            step = b
        } else {
            // At most 8 intervals; among the candidates that allow it, one whose multiple
            // is the axis end (so the last break is labelled), else the finest.
            let steps: [Double] = [0.25, 0.5, 1, 2, 3, 6, 12, 24, 36, 48, 60, 120, 240, 480, 600, 1200]
            let fitting = steps.filter { top / $0 <= 8 }
            let dividing = fitting.prefix(3).first { (top / $0).rounded() == top / $0 && top / $0 >= 3 }
            step = dividing ?? fitting.first ?? (top / 8).rounded(.up)
        }
        let count = Int((top / step + 1e-9).rounded(.down))
        return (top, (0...count).map { Double($0) * step })
    }

    /// Curve labels as the plot shows them: the labels themselves, or keys when any is too
    /// wide for the risk table's margin.
    func displayedLabels(metrics: TextMetrics) -> (names: [String], keyed: Bool) {
        let labels = panels.first?.curves.map(\.label) ?? []
        let widest = labels.map { metrics.width($0, font: Self.riskFont.boldFace) }.max() ?? 0
        guard widest > Self.maximumLabelWidth else { return (labels, false) }
        return (labels.indices.map { Self.key($0) }, true)
    }

    /// A, B, …, Z, AA, AB, …
    static func key(_ i: Int) -> String {
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        return i < 26 ? String(letters[i]) : String(letters[i / 26 - 1]) + String(letters[i % 26])
    }

    public func drawing() -> Drawing {
        let P = Self.self
        let metrics = TextMetrics()
        let (names, keyed) = displayedLabels(metrics: metrics)
        let curveCount = panels.map(\.curves.count).max() ?? 0
        let riskLabelWidth = min((names.map { metrics.width($0, font: P.riskFont.boldFace) }.max() ?? 0) + 8, P.maximumLabelWidth + 8)
        let plotLeftInset = max(44.0, riskLabelWidth + Self.riskLabelGap)
        // Whole points, so the PDF page and the PNG pixel size are exact.
        let width = (P.margin * 2 + Double(max(panels.count, 1)) * (plotLeftInset + P.panelWidth - 44)).rounded(.up)

        // Legend entries (wrapped into rows by measured width).
        let labels = panels.first?.curves.map(\.label) ?? []
        let legendItems: [String] = labels.enumerated().map { keyed ? "\(names[$0.offset])  \($0.element)" : $0.element }
        var legendRows: [[(Int, Double)]] = [[]]
        var x = 0.0
        let legendWidth = width - 2 * P.margin
        for (i, item) in legendItems.enumerated() {
            let w = 26 + metrics.width(item, font: P.labelFont) + 16
            if x + w > legendWidth, !(legendRows.last!.isEmpty) { legendRows.append([]); x = 0 }
            legendRows[legendRows.count - 1].append((i, x))
            x += w
        }
        let footLines = footnotes.flatMap { metrics.wrap($0, width: legendWidth, font: Font(size: 7)) }
        let subtitleLines = subtitle.isEmpty ? [] : metrics.wrap(subtitle, width: legendWidth, font: Font(size: 8.5))

        let titleTop = P.margin + 12
        let legendTop = titleTop + (subtitleLines.isEmpty ? 10 : 14 + 10 * Double(subtitleLines.count))
        let plotTop = legendTop + Double(legendRows.count) * 13 + 26
        let plotBottom = plotTop + P.plotHeight
        let riskTop = plotBottom + 40
        let footTop = riskTop + Double(curveCount + 1) * P.rowHeight + 14
        let height = (footTop + Double(footLines.count) * 9.5 + P.margin - 4).rounded(.up)

        var d = Drawing(width: width, height: height, title: title)
        d.text(title, at: Point(width / 2, titleTop), font: Font(size: 12, bold: true), anchor: .middle)
        d.subtitle(subtitleLines, x: width / 2, top: titleTop + 14, spacing: 10)
        for (r, row) in legendRows.enumerated() {
            let rowWidth = (row.last.map { $0.1 + 26 + metrics.width(legendItems[$0.0], font: P.labelFont) } ?? 0)
            let x0 = (width - rowWidth) / 2
            let y = legendTop + Double(r) * 13 + 6
            for (i, offset) in row {
                let colour = palette[i % palette.count]
                d.line(from: Point(x0 + offset, y - 3), to: Point(x0 + offset + 20, y - 3), Stroke(colour, width: 2))
                d.text(legendItems[i], at: Point(x0 + offset + 26, y), font: P.labelFont)
            }
        }
        let axis = self.axis()
        for (p, panel) in panels.enumerated() {
            let originX = P.margin + Double(p) * (plotLeftInset + P.panelWidth - 44)
            drawPanel(panel, into: &d, left: originX + plotLeftInset, right: originX + plotLeftInset + P.panelWidth - 56,
                      top: plotTop, bottom: plotBottom, riskTop: riskTop, labelX: originX, names: names, axis: axis,
                      metrics: metrics)
        }
        for (k, line) in footLines.enumerated() {
            d.text(line, at: Point(P.margin, footTop + Double(k) * 9.5), font: Font(size: 7), color: .gray(0.33))
        }
        return d
    }

    private func drawPanel(_ panel: Panel, into d: inout Drawing, left: Double, right: Double, top: Double, bottom: Double,
                           riskTop: Double, labelX: Double, names: [String], axis: (max: Double, breaks: [Double]),
                           metrics: TextMetrics) {
        let P = Self.self
        let xMax = axis.max
        func px(_ t: Double) -> Double { left + min(max(t, 0), xMax) / xMax * (right - left) }
        func py(_ v: Double) -> Double { bottom - min(max(v, 0), 1) * (bottom - top) }
        let axisColour = Color.gray(0.2)

        d.text(panel.title, at: Point((left + right) / 2, top - 10), font: Font(size: 10, bold: true), anchor: .middle)
        // Grid, axes, breaks.
        for v in stride(from: 0.0, through: 1.0001, by: 0.25) {
            d.line(from: Point(left, py(v)), to: Point(right, py(v)), Stroke(.gray(0.91), width: 0.5))
            d.text(String(format: "%.2f", v), at: Point(left - 4, py(v) + 2.6), font: P.axisFont, anchor: .end)
        }
        for t in axis.breaks {
            d.line(from: Point(px(t), bottom), to: Point(px(t), bottom + 3), Stroke(axisColour, width: 0.6))
            d.text(Self.number(t), at: Point(px(t), bottom + 11), font: P.axisFont, anchor: .middle)
        }
        var frame = Path()
        frame.move(to: Point(left, top))
        frame.line(to: Point(left, bottom))
        frame.line(to: Point(right, bottom))
        d.stroke(frame, Stroke(axisColour, width: 0.7))
        d.text(timeLabel, at: Point((left + right) / 2, bottom + 24), font: P.labelFont, anchor: .middle)
        d.text(survivalLabel, at: Point(left - 30, (top + bottom) / 2), font: P.labelFont, anchor: .middle, rotation: 90)

        // Bands under every curve, then curves, censor marks, medians.
        d.clip(to: Rect(x: left, y: top - 2, width: right - left + 1, height: bottom - top + 4))
        for (k, c) in panel.curves.enumerated() {
            let colour = palette[k % palette.count]
            let end = endIndex(c.km, xMax: xMax)
            let upper = stepVertices(times: c.km.time, values: c.km.upper, count: end, px: px, py: py)
            let lower = stepVertices(times: c.km.time, values: c.km.lower, count: end, px: px, py: py)
            if upper.count > 1, lower.count > 1 {
                let xEnd = min(upper.last!.x, lower.last!.x)
                var band = Path(polyline: upper.filter { $0.x <= xEnd } + lower.filter { $0.x <= xEnd }.reversed())
                band.close()
                d.fill(band, colour.opacity(0.15))
            }
        }
        for (k, c) in panel.curves.enumerated() {
            let colour = palette[k % palette.count]
            let end = endIndex(c.km, xMax: xMax)
            d.stroke(Path(polyline: stepVertices(times: c.km.time, values: c.km.survival, count: end, px: px, py: py)),
                     Stroke(colour, width: 1.3))
            if censorMarks {
                var marks = Path()
                var lastX = -Double.infinity
                for i in 0..<end where c.km.nCensor[i] > 0 && c.km.time[i] <= xMax {
                    let x = px(c.km.time[i]), y = py(c.km.survival[i])
                    guard x - lastX >= 2.5, c.km.survival[i].isFinite else { continue }
                    lastX = x
                    marks.move(to: Point(x, y - 2.5)); marks.line(to: Point(x, y + 2.5))
                    marks.move(to: Point(x - 2.5, y)); marks.line(to: Point(x + 2.5, y))
                }
                d.stroke(marks, Stroke(colour, width: 0.7))
            }
        }
        d.unclip()
        if medianLines {
            let medians = panel.curves.enumerated().compactMap { k, c -> (Int, Double)? in
                guard let m = c.km.median.estimate, m.isFinite, m <= xMax else { return nil }
                return (k, m)
            }
            if let last = medians.map(\.1).max() {
                d.line(from: Point(left, py(0.5)), to: Point(px(last), py(0.5)), Stroke(.gray(0.45), width: 0.6, dash: [3, 2]))
                for (k, m) in medians {
                    d.line(from: Point(px(m), py(0.5)), to: Point(px(m), bottom),
                           Stroke(palette[k % palette.count], width: 0.8, dash: [3, 2]))
                }
            }
        }
        // Test results in the top-right corner, on a white box so curves do not cross them.
        if !panel.annotations.isEmpty {
            // 7.5 pt, smaller (down to 5.5 pt) when the widest line would not fit in 90 % of the plot.
            let widest = panel.annotations.map { metrics.width($0, font: Font(size: 7.5)) }.max() ?? 0
            let size = max(5.5, min(7.5, 7.5 * 0.9 * (right - left) / max(widest, 1)))
            let font = Font(size: size)
            let lineHeight = size * 1.27
            let w = widest * size / 7.5 + 8
            let h = Double(panel.annotations.count) * lineHeight + 4
            d.rectangle(Rect(x: right - w - 2, y: top + 2, width: w, height: h), fill: Color.white.opacity(0.85))
            for (i, line) in panel.annotations.enumerated() {
                d.text(line, at: Point(right - 6, top + 4 + lineHeight + Double(i) * lineHeight), font: font, anchor: .end)
            }
        }
        // Number at risk, aligned under the breaks.
        d.text("Number at risk", at: Point(labelX, riskTop), font: P.riskFont.boldFace)
        for (k, c) in panel.curves.enumerated() {
            let y = riskTop + Double(k + 1) * P.rowHeight
            let colour = palette[k % palette.count]
            let name = k < names.count ? names[k] : c.label
            d.text(name, at: Point(left - P.riskLabelGap, y), font: P.riskFont.boldFace, color: colour, anchor: .end)
            for t in axis.breaks {
                let atRisk = t <= 0 ? c.km.initialRisk : c.km.survival(at: t).nRisk
                d.text(Self.compact(atRisk), at: Point(px(t), y), font: P.riskFont, anchor: .middle)
            }
        }
    }

    /// Number of leading curve rows at or before `xMax`, plus one so the curve reaches the edge.
    private func endIndex(_ km: KaplanMeierEstimate, xMax: Double) -> Int {
        let inside = km.time.firstIndex { $0 > xMax } ?? km.time.count
        return min(inside + 1, km.time.count)
    }

    /// Vertices of a right-continuous step function from (0, 1), thinned to one vertical
    /// move per half point; stops at the first non-finite value (R's NA once S is 0).
    func stepVertices(times: [Double], values: [Double], count: Int, px: (Double) -> Double,
                      py: (Double) -> Double) -> [Point] {
        var out: [Point] = [Point(px(0), py(1))]
        var currentY = py(1)
        var column = Int.min
        for i in 0..<count {
            let v = values[i]
            guard v.isFinite else { break }
            let y = (py(v) * 20).rounded() / 20
            let x = (px(times[i]) * 20).rounded() / 20
            if y == currentY { continue }
            let c = Int((x * 2).rounded(.down))
            if c == column, out.count >= 2 {
                out[out.count - 1].y = y
            } else {
                out.append(Point(x, currentY))
                out.append(Point(x, y))
                column = c
            }
            currentY = y
        }
        if count > 0 {
            let lastX = (px(times[count - 1]) * 20).rounded() / 20
            if lastX > out[out.count - 1].x { out.append(Point(lastX, currentY)) }
        }
        return out
    }

    /// A break label: integers without a decimal point, otherwise up to two decimals.
    static func number(_ x: Double) -> String {
        x == x.rounded() ? String(Int(x)) : String(format: "%.2g", x)
    }

    /// 950, 12.3k, 100k, 1.23M.
    static func compact(_ x: Double) -> String {
        if x < 10_000 { return String(Int(x.rounded())) }
        if x < 100_000 { return String(format: "%.1fk", x / 1e3) }
        if x < 1e6 { return String(format: "%.0fk", x / 1e3) }
        if x < 1e9 { return String(format: "%.3gM", x / 1e6) }
        return String(format: "%.3gG", x / 1e9)
    }
}

extension Font {
    var boldFace: Font { Font(size: size, bold: true, italic: italic) }
}
