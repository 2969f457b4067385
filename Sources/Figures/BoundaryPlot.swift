import Foundation

/// A group-sequential design on the z scale: the bounds at each look against the
/// information fraction, the distribution of the simulated statistics at the look each
/// replicate stopped, and below, on the same x axis, the share of replicates stopping at
/// each look with its Monte Carlo interval (docs/FIGURES.md, "Boundary plot"). A fixed
/// design is one look at information 1. The figure knows nothing of trials: the caller
/// names and orients everything.
public struct BoundaryPlot: Sendable {
    public struct Look: Sendable {
        /// Information fraction in (0, 1].
        public var fraction: Double
        /// Under the axis, e.g. "100 events".
        public var label: String
        /// Simulated statistics (z scale) of the replicates analysed last at this look,
        /// drawn as a histogram to the left of the look; may be empty.
        public var statistics: [Double]
        public init(fraction: Double, label: String, statistics: [Double] = []) {
            self.fraction = fraction; self.label = label; self.statistics = statistics
        }
    }

    /// A bound: one value per look (nil where it has none), a line through the looks.
    public struct Bound: Sendable {
        public var label: String
        public var z: [Double?]
        public var dashed: Bool
        public var colour: Int
        public init(label: String, z: [Double?], dashed: Bool = false, colour: Int) {
            self.label = label; self.z = z; self.dashed = dashed; self.colour = colour
        }
    }

    /// A stopping rate per look: the estimate, its MC SE, and what the design predicts.
    public struct Rate: Sendable {
        public var label: String
        public var value: [Double?]
        public var mcse: [Double?]
        public var expected: [Double?]
        public var colour: Int
        public init(label: String, value: [Double?], mcse: [Double?], expected: [Double?] = [], colour: Int) {
            self.label = label; self.value = value; self.mcse = mcse; self.expected = expected; self.colour = colour
        }
    }

    public var title: String
    public var subtitle: [String]
    public var zLabel: String
    public var rateLabel: String
    public var expectedLabel: String
    /// Legend entry of the histograms.
    public var histogramLabel = "simulated z at the stopping look"
    public var looks: [Look]
    public var bounds: [Bound]
    public var rates: [Rate]
    public var footnotes: [String]
    public var palette: [Color] = Color.okabeIto

    public init(title: String, subtitle: [String], zLabel: String, rateLabel: String, expectedLabel: String = "design",
                looks: [Look], bounds: [Bound], rates: [Rate], footnotes: [String] = []) {
        precondition(!looks.isEmpty, "BoundaryPlot: at least one look")
        self.title = title; self.subtitle = subtitle; self.zLabel = zLabel; self.rateLabel = rateLabel
        self.expectedLabel = expectedLabel; self.looks = looks; self.bounds = bounds; self.rates = rates; self.footnotes = footnotes
    }

    /// The range of the z panel: every bound, 0, and the central 99 % of the statistics.
    func zRange() -> (lo: Double, hi: Double) {
        var values = bounds.flatMap { $0.z.compactMap { $0 } }.filter(\.isFinite) + [0]
        let all = looks.flatMap(\.statistics).filter(\.isFinite).sorted()
        if !all.isEmpty {
            values.append(all[Int(Double(all.count - 1) * 0.005)])
            values.append(all[Int(Double(all.count - 1) * 0.995)])
        }
        let lo = values.min()!, hi = values.max()!
        let pad = max(0.25, (hi - lo) * 0.06)
        return (lo - pad, hi + pad)
    }

    public func drawing() -> Drawing {
        let metrics = TextMetrics()
        let margin = 18.0, width = 640.0, plotLeft = 74.0, plotRight = width - margin - 8
        let foot = footnotes.flatMap { metrics.wrap($0, width: width - 2 * margin, font: Font(size: 7)) }
        let titleTop = margin + 12
        let legendTop = titleTop + 14 + Double(subtitle.count) * 11
        // Legend entries: bounds, the histogram, the rates, the expected marker.
        var entries: [(label: String, kind: Int, index: Int)] = bounds.enumerated().map { ($0.element.label, 0, $0.offset) }
        if looks.contains(where: { !$0.statistics.isEmpty }) { entries.append((histogramLabel, 1, 0)) }
        entries += rates.enumerated().map { ($0.element.label, 2, $0.offset) }
        if rates.contains(where: { $0.expected.contains { $0 != nil } }) { entries.append((expectedLabel, 3, 0)) }
        let legendFont = Font(size: 9)
        var rows: [[(String, Double, Int, Int)]] = [[]]
        var x = 0.0
        for e in entries {
            let w = 26 + metrics.width(e.label, font: legendFont) + 16
            if x + w > width - 2 * margin, !rows.last!.isEmpty { rows.append([]); x = 0 }
            rows[rows.count - 1].append((e.label, x, e.kind, e.index)); x += w
        }
        let zTop = legendTop + Double(rows.count) * 13 + 12
        let zBottom = zTop + 250
        let lookLabelTop = zBottom + 11
        let rateTop = lookLabelTop + 34
        let rateBottom = rateTop + 150
        let footTop = rateBottom + 44
        let height = (footTop + Double(foot.count) * 9.5 + margin).rounded(.up)
        var d = Drawing(width: width, height: height, title: title)
        d.text(title, at: Point(width / 2, titleTop), font: Font(size: 12, bold: true), anchor: .middle)
        d.subtitle(subtitle, x: width / 2, top: titleTop + 14, spacing: 11)
        func colour(_ i: Int) -> Color { palette[i % palette.count] }
        let histogramColour = Color.gray(0.55).opacity(0.35)
        for (r, row) in rows.enumerated() {
            let rowWidth = row.last.map { $0.1 + 26 + metrics.width($0.0, font: legendFont) } ?? 0
            let left = (width - rowWidth) / 2, y = legendTop + Double(r) * 13 + 6
            for (label, off, kind, i) in row {
                let at = left + off
                switch kind {
                case 0:
                    d.line(from: Point(at, y - 3), to: Point(at + 20, y - 3), Stroke(colour(bounds[i].colour), width: 1.8, dash: bounds[i].dashed ? [4, 3] : []))
                    d.fill(XYPlot.circlePath(Point(at + 10, y - 3), 2.5), colour(bounds[i].colour))
                case 1: d.rectangle(Rect(x: at + 4, y: y - 8, width: 12, height: 10), fill: histogramColour)
                case 2: d.rectangle(Rect(x: at + 5, y: y - 8, width: 10, height: 10), fill: colour(rates[i].colour).opacity(0.75))
                default: d.line(from: Point(at + 3, y - 3), to: Point(at + 17, y - 3), Stroke(.black, width: 2))
                }
                d.text(label, at: Point(at + 26, y), font: legendFont)
            }
        }
        // Shared x: information fraction from 0 to 1.
        func px(_ t: Double) -> Double { plotLeft + t * (plotRight - plotLeft) }
        let fractions = looks.map(\.fraction)
        let gaps = zip([0.0] + fractions, fractions).map { $1 - $0 }
        let slot = (gaps.min() ?? 1) * (plotRight - plotLeft) // points between neighbouring looks
        let axisFont = Font(size: 8)

        // z panel.
        let (z0, z1) = zRange()
        let zt = XYPlot.ticks(z0, z1)
        func pz(_ v: Double) -> Double { zBottom - (v - z0) / (z1 - z0) * (zBottom - zTop) }
        for v in stride(from: zt.lo, through: zt.hi + zt.step / 1e6, by: zt.step) where v >= z0 && v <= z1 {
            d.line(from: Point(plotLeft, pz(v)), to: Point(plotRight, pz(v)), Stroke(.gray(0.91), width: 0.5))
            d.text(XYPlot.label(v), at: Point(plotLeft - 4, pz(v) + 2.6), font: axisFont, anchor: .end)
        }
        if z0 < 0 && z1 > 0 { d.line(from: Point(plotLeft, pz(0)), to: Point(plotRight, pz(0)), Stroke(.gray(0.35), width: 0.8)) }
        for t in fractions { d.line(from: Point(px(t), zTop), to: Point(px(t), zBottom), Stroke(.gray(0.85), width: 0.5, dash: [2, 2])) }
        d.text(zLabel, at: Point(margin + 6, (zTop + zBottom) / 2), font: Font(size: 9), anchor: .middle, rotation: 90)
        d.clip(to: Rect(x: plotLeft, y: zTop, width: plotRight - plotLeft, height: zBottom - zTop))
        // Histograms, to the left of each look, bins of a tenth of a tick, widest bin 80 % of the slot.
        let bin = zt.step / 10
        let histograms = looks.map { look -> [Int: Int] in
            var h: [Int: Int] = [:]
            for v in look.statistics where v.isFinite { h[Int((v / bin).rounded(.down)), default: 0] += 1 }
            return h
        }
        let tallest = histograms.flatMap(\.values).max() ?? 0
        if tallest > 0 {
            let widest = looks.count == 1 ? 0.5 * (plotRight - plotLeft) : min(0.8 * slot, 120)
            for (k, h) in histograms.enumerated() {
                for (b, count) in h.sorted(by: { $0.key < $1.key }) {
                    let w = widest * Double(count) / Double(tallest)
                    let top = pz(Double(b + 1) * bin), bottom = pz(Double(b) * bin)
                    d.rectangle(Rect(x: px(looks[k].fraction) - w, y: top, width: w, height: bottom - top), fill: histogramColour)
                }
            }
        }
        for b in bounds {
            let c = colour(b.colour)
            var run: [Point] = []
            func flush() { if run.count >= 2 { d.stroke(Path(polyline: run), Stroke(c, width: 1.8, dash: b.dashed ? [4, 3] : [])) }; run = [] }
            for (k, z) in b.z.enumerated() where k < looks.count {
                guard let z, z.isFinite else { flush(); continue }
                run.append(Point(px(looks[k].fraction), pz(z)))
            }
            flush()
            for (k, z) in b.z.enumerated() where k < looks.count { if let z, z.isFinite { d.fill(XYPlot.circlePath(Point(px(looks[k].fraction), pz(z)), 2.8), c) } }
        }
        d.unclip()
        // Bound values beside their points (right of the point; left of it at x = 1).
        for b in bounds {
            for (k, z) in b.z.enumerated() where k < looks.count {
                guard let z, z.isFinite, z >= z0, z <= z1 else { continue }
                let atEnd = looks[k].fraction > 0.93
                let x = px(looks[k].fraction) + (atEnd ? -5 : 5)
                let y = pz(z) + (z >= 0 ? -4 : 10)
                d.text(String(format: "%.3f", z), at: Point(x, y), font: Font(size: 8, bold: true), color: colour(b.colour), anchor: atEnd ? .end : .start)
            }
        }
        var frame = Path()
        frame.move(to: Point(plotLeft, zTop)); frame.line(to: Point(plotLeft, zBottom)); frame.line(to: Point(plotRight, zBottom))
        d.stroke(frame, Stroke(.gray(0.2), width: 0.7))
        // Look labels between the panels: the fraction, then the caller's label (skipped when they would collide).
        var lastRight = -Double.infinity
        for look in looks {
            let first = "t = " + XYPlot.label(look.fraction), second = look.label
            let w = max(metrics.width(first, font: axisFont), metrics.width(second, font: axisFont))
            let x = min(max(px(look.fraction), plotLeft + w / 2), width - margin - w / 2)
            guard x - w / 2 > lastRight + 4 else { continue }
            d.text(first, at: Point(x, lookLabelTop), font: axisFont, anchor: .middle)
            d.text(second, at: Point(x, lookLabelTop + 10), font: axisFont, color: .gray(0.3), anchor: .middle)
            lastRight = x + w / 2
        }
        d.text("information fraction", at: Point((plotLeft + plotRight) / 2, lookLabelTop + 22), font: Font(size: 9), anchor: .middle)

        // Rate panel: bars grouped at each look, ±1.96 MC SE, the design's value as a black tick.
        let tops = rates.flatMap { r in r.value.indices.map { k in (r.value[k] ?? 0) + 1.96 * (r.mcse.indices.contains(k) ? r.mcse[k] ?? 0 : 0) } }
            + rates.flatMap { $0.expected.compactMap { $0 } }
        let rt = XYPlot.ticks(0, max(0.05, (tops.filter(\.isFinite).max() ?? 0) * 1.12))
        let r1 = min(rt.hi, 1)
        func pr(_ v: Double) -> Double { rateBottom - v / r1 * (rateBottom - rateTop) }
        for v in stride(from: 0, through: r1 + rt.step / 1e6, by: rt.step) {
            d.line(from: Point(plotLeft, pr(v)), to: Point(plotRight, pr(v)), Stroke(.gray(0.91), width: 0.5))
            d.text(XYPlot.label(v * 100) + " %", at: Point(plotLeft - 4, pr(v) + 2.6), font: axisFont, anchor: .end)
        }
        d.text(rateLabel, at: Point(margin + 6, (rateTop + rateBottom) / 2), font: Font(size: 9), anchor: .middle, rotation: 90)
        let groupWidth = min(0.7 * slot, 90.0)
        let barWidth = rates.isEmpty ? 0 : groupWidth / Double(rates.count)
        let valueFont = Font(size: rates.count > 2 || barWidth < 26 ? 6.5 : 7.5)
        for (k, look) in looks.enumerated() {
            let left = min(px(look.fraction) - groupWidth / 2, plotRight - groupWidth)
            for (j, r) in rates.enumerated() {
                let x = left + Double(j) * barWidth
                let c = colour(r.colour)
                let mid = x + barWidth / 2
                if k < r.value.count, let v = r.value[k], v.isFinite {
                    d.rectangle(Rect(x: x + 1, y: pr(v), width: barWidth - 2, height: rateBottom - pr(v)), fill: c.opacity(0.75))
                    let se = k < r.mcse.count ? r.mcse[k] ?? 0 : 0
                    if se > 0 {
                        let lo = max(0, v - 1.96 * se), hi = v + 1.96 * se
                        d.line(from: Point(mid, pr(lo)), to: Point(mid, pr(hi)), Stroke(.gray(0.15), width: 0.9))
                        d.line(from: Point(mid - 3, pr(hi)), to: Point(mid + 3, pr(hi)), Stroke(.gray(0.15), width: 0.9))
                        d.line(from: Point(mid - 3, pr(lo)), to: Point(mid + 3, pr(lo)), Stroke(.gray(0.15), width: 0.9))
                    }
                    let e = k < r.expected.count ? r.expected[k] : nil
                    let labelY = pr(max(v + 1.96 * se, e ?? 0)) - 3
                    d.text(String(format: "%.1f", v * 100), at: Point(mid, labelY), font: valueFont, anchor: .middle)
                }
                if k < r.expected.count, let e = r.expected[k], e.isFinite {
                    d.line(from: Point(x + 2, pr(e)), to: Point(x + barWidth - 2, pr(e)), Stroke(.black, width: 2))
                }
            }
        }
        var rateFrame = Path()
        rateFrame.move(to: Point(plotLeft, rateTop)); rateFrame.line(to: Point(plotLeft, rateBottom)); rateFrame.line(to: Point(plotRight, rateBottom))
        d.stroke(rateFrame, Stroke(.gray(0.2), width: 0.7))
        for (i, look) in looks.enumerated() {
            d.text("look \(i + 1)", at: Point(min(max(px(look.fraction), plotLeft + 14), plotRight - 14), rateBottom + 11), font: axisFont, anchor: .middle)
        }
        for (k, line) in foot.enumerated() {
            d.text(line, at: Point(margin, footTop + Double(k) * 9.5), font: Font(size: 7), color: .gray(0.33))
        }
        return d
    }
}

extension XYPlot {
    static func circlePath(_ c: Point, _ r: Double) -> Path {
        XYPlot(title: "", xLabel: "", yLabel: "", series: []).circle(c, r)
    }
}
