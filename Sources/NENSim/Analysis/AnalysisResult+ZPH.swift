import Figures
import Foundation
import SurvivalStats

extension AnalysisResult {
    /// `zph.svg`: the proportional-hazards test's scaled Schoenfeld residuals against
    /// g(t), one panel per Cox coefficient with β̂ dashed and the binned-mean smoother
    /// (`ZPHPlot`); nil without `--ph-test` or when the test failed.
    public func zphFigure() -> Drawing? {
        guard let z = zph, let test = report.phTest, let cox = report.cox else { return nil }
        let p = zphColumns.count
        let xLabel: String
        switch test.transform {
        case "km": xLabel = "g(t) = 1 − KM(t−)"
        case "rank": xLabel = "g(t) = rank of t"
        case "log": xLabel = "g(t) = log t"
        default: xLabel = "g(t) = t"
        }
        let panels = (0..<p).map { j -> ZPHPlot.Panel in
            let y = (0..<z.eventTime.count).map { z.scaledResiduals[$0 * p + j] }
            let t = j < zphTermOfColumn.count ? test.terms[zphTermOfColumn[j]] : nil
            let note = t.map { "\($0.name == zphColumns[j] ? "" : $0.name + ": ")χ² = \(String(format: "%.3g", $0.chiSquare)) on \($0.df) df, p = \(String(format: "%.3g", $0.pValue))" } ?? ""
            return ZPHPlot.Panel(name: zphColumns[j], coefficient: cox.terms[j].coefficient, x: z.transformedTime, y: y, annotation: note)
        }
        let footnote = "GLOBAL χ² = \(String(format: "%.3g", test.global.chiSquare)) on \(test.global.df) df, p = \(String(format: "%.3g", test.global.pValue)); "
            + "dashed: β̂ (proportional hazards); line: mean of 10 equal-count bins of events"
        return ZPHPlot(title: "Scaled Schoenfeld residuals (cox.zph, transform \(test.transform))", xLabel: xLabel,
                       panels: panels, footnote: footnote).drawing()
    }
}
