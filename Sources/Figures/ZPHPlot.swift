import Foundation

/// The figure of a proportional-hazards test (`cox.zph`): per Cox coefficient, the
/// scaled Schoenfeld residuals β̂ + r* against the transformed time g(t), as R's
/// `plot(cox.zph(fit))`. Under proportional hazards the points scatter around the
/// horizontal line at β̂ (dashed). R draws a natural-spline fit with a confidence band;
/// here the smoother is simpler and documented (docs/ANALYZE.md, `zph.svg`): the mean residual of
/// each of up to 10 bins of consecutive events (equal counts, by g(t)), joined by lines.
public struct ZPHPlot: Sendable {
    public struct Panel: Sendable {
        /// The coefficient's name (`age`, `sex2`).
        public var name: String
        /// β̂, the line the residuals scatter around under proportional hazards.
        public var coefficient: Double
        /// g(t) and the residual of each event (NaN residuals are skipped).
        public var x: [Double]
        public var y: [Double]
        /// One line under the panel title, e.g. "χ² = 2.31, p = 0.13".
        public var annotation: String
        public init(name: String, coefficient: Double, x: [Double], y: [Double], annotation: String) {
            self.name = name; self.coefficient = coefficient; self.x = x; self.y = y; self.annotation = annotation
        }
    }

    public var title: String
    public var xLabel: String
    public var panels: [Panel]
    public var footnote: String

    public init(title: String, xLabel: String, panels: [Panel], footnote: String = "") {
        self.title = title; self.xLabel = xLabel; self.panels = panels; self.footnote = footnote
    }

    static let panelWidth = 230.0, panelHeight = 170.0, margin = 18.0, gapX = 56.0, gapY = 64.0
    static let binCount = 10

    /// The smoother: (mean g, mean residual) of up to `binCount` bins of consecutive
    /// points sorted by g, of equal size (the first bins one larger when it does not divide).
    static func binnedMeans(x: [Double], y: [Double]) -> [Point] {
        let points = zip(x, y).filter { $0.0.isFinite && $0.1.isFinite }.sorted { $0.0 < $1.0 }
        let n = points.count
        guard n > 0 else { return [] }
        let bins = min(binCount, n)
        var out: [Point] = []
        var start = 0
        for b in 0..<bins {
            let size = n / bins + (b < n % bins ? 1 : 0)
            let slice = points[start..<(start + size)]
            out.append(Point(slice.reduce(0) { $0 + $1.0 } / Double(size), slice.reduce(0) { $0 + $1.1 } / Double(size)))
            start += size
        }
        return out
    }

    /// Breaks of a linear axis over [lo, hi]: about five round numbers.
    static func breaks(_ lo: Double, _ hi: Double) -> [Double] {
        guard hi > lo, lo.isFinite, hi.isFinite else { return [lo] }
        let raw = (hi - lo) / 5
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var out: [Double] = []
        var v = (lo / step).rounded(.up) * step
        while v <= hi + 1e-9 * step { out.append(abs(v) < 1e-12 * step ? 0 : v); v += step }
        return out
    }

    static func label(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e6 { return String(Int(v)) }
        return String(format: "%.3g", v)
    }

    public func drawing() -> Drawing {
        let P = Self.self
        let columns = max(1, min(3, panels.count)), rows = max(1, (panels.count + columns - 1) / columns)
        let width = (P.margin * 2 + Double(columns) * (P.panelWidth + P.gapX)).rounded(.up)
        let top = P.margin + 30
        let height = (top + Double(rows) * (P.panelHeight + P.gapY) + (footnote.isEmpty ? 0 : 14) + P.margin).rounded(.up)
        var d = Drawing(width: width, height: height, title: title)
        d.text(title, at: Point(width / 2, P.margin + 12), font: Font(size: 12, bold: true), anchor: .middle)
        let axisColour = Color.gray(0.2), font = Font(size: 7.5)
        for (k, panel) in panels.enumerated() {
            let left = P.margin + P.gapX + Double(k % columns) * (P.panelWidth + P.gapX)
            let right = left + P.panelWidth
            let ptop = top + 20 + Double(k / columns) * (P.panelHeight + P.gapY)
            let bottom = ptop + P.panelHeight
            let finite = zip(panel.x, panel.y).filter { $0.0.isFinite && $0.1.isFinite }
            var xlo = finite.map(\.0).min() ?? 0, xhi = finite.map(\.0).max() ?? 1
            var ylo = min(finite.map(\.1).min() ?? 0, panel.coefficient), yhi = max(finite.map(\.1).max() ?? 1, panel.coefficient)
            if xhi <= xlo { xlo -= 0.5; xhi += 0.5 }
            if yhi <= ylo { ylo -= 0.5; yhi += 0.5 }
            let padX = (xhi - xlo) * 0.04, padY = (yhi - ylo) * 0.06
            xlo -= padX; xhi += padX; ylo -= padY; yhi += padY
            func px(_ v: Double) -> Double { left + (v - xlo) / (xhi - xlo) * (right - left) }
            func py(_ v: Double) -> Double { bottom - (v - ylo) / (yhi - ylo) * (bottom - ptop) }

            d.text(panel.name, at: Point((left + right) / 2, ptop - 14), font: Font(size: 10, bold: true), anchor: .middle)
            d.text(panel.annotation, at: Point((left + right) / 2, ptop - 4), font: font, color: .gray(0.27), anchor: .middle)
            for v in P.breaks(ylo, yhi) {
                d.line(from: Point(left, py(v)), to: Point(right, py(v)), Stroke(.gray(0.91), width: 0.5))
                d.text(P.label(v), at: Point(left - 4, py(v) + 2.6), font: font, anchor: .end)
            }
            for v in P.breaks(xlo, xhi) {
                d.line(from: Point(px(v), bottom), to: Point(px(v), bottom + 3), Stroke(axisColour, width: 0.6))
                d.text(P.label(v), at: Point(px(v), bottom + 11), font: font, anchor: .middle)
            }
            var frame = Path()
            frame.move(to: Point(left, ptop)); frame.line(to: Point(left, bottom)); frame.line(to: Point(right, bottom))
            d.stroke(frame, Stroke(axisColour, width: 0.7))
            d.text(xLabel, at: Point((left + right) / 2, bottom + 24), font: Font(size: 8.5), anchor: .middle)
            d.text("Beta(t) for \(panel.name)", at: Point(left - 34, (ptop + bottom) / 2), font: Font(size: 8.5), anchor: .middle, rotation: 90)

            d.clip(to: Rect(x: left, y: ptop, width: right - left, height: bottom - ptop))
            let point = Color.okabeIto[0].opacity(0.55)
            for (x, y) in finite { d.rectangle(Rect(x: px(x) - 1.1, y: py(y) - 1.1, width: 2.2, height: 2.2), fill: point) }
            d.line(from: Point(left, py(panel.coefficient)), to: Point(right, py(panel.coefficient)), Stroke(.gray(0.35), width: 0.8, dash: [4, 3]))
            let smooth = P.binnedMeans(x: panel.x, y: panel.y).map { Point(px($0.x), py($0.y)) }
            if smooth.count > 1 { d.stroke(Path(polyline: smooth), Stroke(Color.okabeIto[1], width: 1.6)) }
            d.unclip()
        }
        if !footnote.isEmpty {
            d.text(footnote, at: Point(P.margin, height - P.margin), font: Font(size: 7), color: .gray(0.33))
        }
        return d
    }
}
