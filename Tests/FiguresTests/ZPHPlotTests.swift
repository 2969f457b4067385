import Testing
@testable import Figures

/// The smoother of the proportional-hazards figure: means of equal-count bins by g(t).
struct ZPHPlotTests {
    @Test func binnedMeansAreEqualCountBinsSortedByX() {
        // 12 points, 10 bins: the first two bins hold two points, the others one.
        let x = (0..<12).map { Double(11 - $0) }, y = (0..<12).map { Double(11 - $0) * 2 }
        let m = ZPHPlot.binnedMeans(x: x, y: y)
        #expect(m.count == 10)
        #expect(m[0] == Point(0.5, 1) && m[1] == Point(2.5, 5) && m[2] == Point(4, 8) && m[9] == Point(11, 22))
        #expect(ZPHPlot.binnedMeans(x: [1, .nan, 3], y: [2, 5, .nan]) == [Point(1, 2)])
    }

    @Test func drawingHasOnePanelTitlePerCoefficient() {
        let plot = ZPHPlot(title: "t", xLabel: "g(t) = t", panels: [
            .init(name: "age", coefficient: 0.1, x: [1, 2, 3], y: [0, 0.2, 0.1], annotation: "χ² = 1"),
            .init(name: "sex2", coefficient: -0.5, x: [1, 2, 3], y: [-1, 0, -0.5], annotation: "χ² = 2"),
        ])
        let texts = plot.drawing().texts
        #expect(texts.contains("age") && texts.contains("sex2") && texts.contains("Beta(t) for age"))
    }
}
