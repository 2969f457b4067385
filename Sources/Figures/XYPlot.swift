import Foundation

/// A single-panel x–y figure: scatter clouds and polylines on linear axes with rounded
/// ticks, a legend and footnotes — the cost-effectiveness plane and the acceptability
/// curve are both this (docs/FIGURES.md, docs/ECONOMICS.md).
public struct XYPlot: Sendable {
    public struct Series: Sendable {
        public enum Style: Sendable { case points, line, dashedLine }
        public var label: String
        public var x: [Double]
        public var y: [Double]
        public var style: Style
        /// Palette index (nil: grey, for reference lines).
        public var colour: Int?
        public init(label: String, x: [Double], y: [Double], style: Style, colour: Int?) {
            precondition(x.count == y.count, "XYPlot.Series: x and y of different lengths")
            self.label = label; self.x = x; self.y = y; self.style = style; self.colour = colour
        }
    }

    public var title: String
    public var subtitle: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var footnotes: [String]
    /// Fixed axis ranges (nil: from the data, with 0 included).
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?
    /// Draw the axes through zero (the plane's quadrants).
    public var zeroLines: Bool
    public var palette: [Color] = Color.okabeIto

    public init(title: String, subtitle: String = "", xLabel: String, yLabel: String, series: [Series], footnotes: [String] = [],
                xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil, zeroLines: Bool = false) {
        self.title = title; self.subtitle = subtitle; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series
        self.footnotes = footnotes; self.xRange = xRange; self.yRange = yRange; self.zeroLines = zeroLines
    }

    /// Rounded ticks covering [lo, hi] (1, 2 or 5 × 10^k apart, about five of them).
    public static func ticks(_ lo: Double, _ hi: Double) -> (lo: Double, hi: Double, step: Double) {
        guard hi > lo, lo.isFinite, hi.isFinite else { return (lo - 1, lo + 1, 1) }
        let raw = (hi - lo) / 5
        let p = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * p }.first { $0 >= raw } ?? 10 * p
        return ((lo / step).rounded(.down) * step, (hi / step).rounded(.up) * step, step)
    }

    /// A compact tick label: 25k for 25 000, 1.5M, plain otherwise.
    public static func label(_ v: Double) -> String {
        let a = abs(v)
        func trim(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(format: "%.3g", x) }
        if a >= 1e6 { return trim(v / 1e6) + "M" }
        if a >= 1e4 { return trim(v / 1e3) + "k" }
        if a == 0 { return "0" }
        return a < 0.01 ? String(format: "%.2g", v) : trim((v * 1000).rounded() / 1000)
    }

    public func drawing() -> Drawing {
        let metrics = TextMetrics()
        let margin = 18.0, width = 640.0, plotLeft = 74.0, plotRight = width - margin - 8
        func range(_ values: [Double], _ fixed: ClosedRange<Double>?) -> (Double, Double, Double) {
            if let f = fixed { let t = Self.ticks(f.lowerBound, f.upperBound); return (f.lowerBound, f.upperBound, t.step) }
            let finite = values.filter(\.isFinite)
            let lo = min(finite.min() ?? 0, 0), hi = max(finite.max() ?? 1, 0)
            let pad = (hi - lo) * 0.04
            return Self.ticks(lo - (lo < 0 ? pad : 0), hi + pad == lo ? lo + 1 : hi + pad)
        }
        let (x0, x1, xs) = range(series.flatMap(\.x), xRange)
        let (y0, y1, ys) = range(series.filter { $0.style == .points || $0.colour != nil }.flatMap(\.y), yRange)
        let legend = series.map(\.label).filter { !$0.isEmpty }
        var rows: [[(String, Double, Int)]] = [[]]
        var x = 0.0
        for (i, s) in series.enumerated() where !s.label.isEmpty {
            let w = 26 + metrics.width(s.label, font: Font(size: 9)) + 16
            if x + w > width - 2 * margin, !rows.last!.isEmpty { rows.append([]); x = 0 }
            rows[rows.count - 1].append((s.label, x, i)); x += w
        }
        let foot = footnotes.flatMap { metrics.wrap($0, width: width - 2 * margin, font: Font(size: 7)) }
        let subtitleLines = subtitle.isEmpty ? [] : metrics.wrap(subtitle, width: width - 2 * margin, font: Font(size: 8.5))
        let titleTop = margin + 12
        let legendTop = titleTop + (subtitleLines.isEmpty ? 12 : 16 + 10 * Double(subtitleLines.count))
        let plotTop = legendTop + Double(legend.isEmpty ? 0 : rows.count) * 13 + 14
        let plotBottom = plotTop + 330
        let footTop = plotBottom + 44
        let height = (footTop + Double(foot.count) * 9.5 + margin).rounded(.up)
        var d = Drawing(width: width, height: height, title: title)
        d.text(title, at: Point(width / 2, titleTop), font: Font(size: 12, bold: true), anchor: .middle)
        d.subtitle(subtitleLines, x: width / 2, top: titleTop + 14, spacing: 10)
        func colour(_ s: Series) -> Color { s.colour.map { palette[$0 % palette.count] } ?? .gray(0.45) }
        for (r, row) in rows.enumerated() {
            let rowWidth = row.last.map { $0.1 + 26 + metrics.width($0.0, font: Font(size: 9)) } ?? 0
            let left = (width - rowWidth) / 2, y = legendTop + Double(r) * 13 + 6
            for (label, off, i) in row {
                let s = series[i]
                if s.style == .points {
                    d.fill(circle(Point(left + off + 10, y - 3), 3), colour(s))
                } else {
                    d.line(from: Point(left + off, y - 3), to: Point(left + off + 20, y - 3), Stroke(colour(s), width: 2, dash: s.style == .dashedLine ? [4, 3] : []))
                }
                d.text(label, at: Point(left + off + 26, y), font: Font(size: 9))
            }
        }
        func px(_ v: Double) -> Double { plotLeft + (v - x0) / (x1 - x0) * (plotRight - plotLeft) }
        func py(_ v: Double) -> Double { plotBottom - (v - y0) / (y1 - y0) * (plotBottom - plotTop) }
        let axisFont = Font(size: 8)
        for v in stride(from: y0, through: y1 + ys / 1e6, by: ys) {
            d.line(from: Point(plotLeft, py(v)), to: Point(plotRight, py(v)), Stroke(.gray(0.91), width: 0.5))
            d.text(Self.label(v), at: Point(plotLeft - 4, py(v) + 2.6), font: axisFont, anchor: .end)
        }
        for v in stride(from: x0, through: x1 + xs / 1e6, by: xs) {
            d.line(from: Point(px(v), plotTop), to: Point(px(v), plotBottom), Stroke(.gray(0.94), width: 0.5))
            d.text(Self.label(v), at: Point(px(v), plotBottom + 11), font: axisFont, anchor: .middle)
        }
        var frame = Path()
        frame.move(to: Point(plotLeft, plotTop)); frame.line(to: Point(plotLeft, plotBottom)); frame.line(to: Point(plotRight, plotBottom))
        d.stroke(frame, Stroke(.gray(0.2), width: 0.7))
        if zeroLines {
            if x0 < 0 && x1 > 0 { d.line(from: Point(px(0), plotTop), to: Point(px(0), plotBottom), Stroke(.gray(0.35), width: 0.8)) }
            if y0 < 0 && y1 > 0 { d.line(from: Point(plotLeft, py(0)), to: Point(plotRight, py(0)), Stroke(.gray(0.35), width: 0.8)) }
        }
        d.text(xLabel, at: Point((plotLeft + plotRight) / 2, plotBottom + 26), font: Font(size: 9), anchor: .middle)
        d.text(yLabel, at: Point(margin + 6, (plotTop + plotBottom) / 2), font: Font(size: 9), anchor: .middle, rotation: 90)
        d.clip(to: Rect(x: plotLeft, y: plotTop, width: plotRight - plotLeft, height: plotBottom - plotTop))
        for s in series {
            let c = colour(s)
            switch s.style {
            case .points:
                for (a, b) in zip(s.x, s.y) where a.isFinite && b.isFinite { d.fill(circle(Point(px(a), py(b)), 1.6), c.opacity(0.45)) }
            case .line, .dashedLine:
                let pts = zip(s.x, s.y).filter { $0.0.isFinite && $0.1.isFinite }.map { Point(px($0.0), py($0.1)) }
                if pts.count >= 2 { d.stroke(Path(polyline: pts), Stroke(c, width: s.colour == nil ? 1 : 1.8, dash: s.style == .dashedLine ? [4, 3] : [])) }
            }
        }
        d.unclip()
        for (k, line) in foot.enumerated() {
            d.text(line, at: Point(margin, footTop + Double(k) * 9.5), font: Font(size: 7), color: .gray(0.33))
        }
        return d
    }

    func circle(_ c: Point, _ r: Double) -> Path {
        // An octagon-free circle is not in the path vocabulary; 16 segments are round at these sizes.
        Path(polyline: (0...16).map { k in
            let a = Double(k) / 16 * 2 * Double.pi
            return Point(c.x + r * cos(a), c.y + r * sin(a))
        })
    }

}
