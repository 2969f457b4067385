import Foundation
import Testing
@testable import Figures
import SurvivalStats

/// A small two-arm plot on hand-made data: enough to exercise every element.
func samplePlot(labelA: String = "PRRT", labelB: String = "Everolimus") -> KaplanMeierPlot {
    let a = KaplanMeier.fit(time: [1, 2, 2, 3, 5, 8, 9, 12, 14, 20], event: [true, true, false, true, true, false, true, true, false, false])
    let b = KaplanMeier.fit(time: [1, 1, 2, 4, 4, 6, 7, 10, 11, 18], event: [true, true, true, false, true, true, true, false, true, false])
    let panel = KaplanMeierPlot.Panel(title: "Progression-free survival",
                                      curves: [.init(label: labelA, km: a), .init(label: labelB, km: b)],
                                      annotations: ["Log-rank p = 0.21", "HR 0.55 (0.21–1.44)"])
    var os = panel
    os.title = "Overall survival"
    var plot = KaplanMeierPlot(title: "Two arms", subtitle: "n = 10 per arm", footnotes: ["A footnote."], panels: [panel, os])
    plot.xMax = 24
    return plot
}

func bigEndianUInt32(_ b: [UInt8], _ at: Int) -> UInt32 {
    (UInt32(b[at]) << 24) | (UInt32(b[at + 1]) << 16) | (UInt32(b[at + 2]) << 8) | UInt32(b[at + 3])
}

struct FigureRenderingTests {
    @Test(arguments: [72.0, 150, 300])
    func pngHasThePixelSizeAndResolutionOfTheDPI(dpi: Double) throws {
        let d = samplePlot().drawing()
        let png = [UInt8](try d.render(as: .png, dpi: dpi))
        #expect(Array(png[0..<8]) == PNG.signature)
        #expect(String(decoding: png[12..<16], as: UTF8.self) == "IHDR")
        #expect(Int(bigEndianUInt32(png, 16)) == Int((d.width * dpi / 72).rounded(.up)))
        #expect(Int(bigEndianUInt32(png, 20)) == Int((d.height * dpi / 72).rounded(.up)))
        // pHYs right after IHDR: pixels per metre in both directions, unit metre.
        #expect(String(decoding: png[37..<41], as: UTF8.self) == "pHYs")
        #expect(bigEndianUInt32(png, 41) == UInt32((dpi / 0.0254).rounded()))
        #expect(png[49] == 1)
        // The chunk's CRC is right (a PNG reader refuses the file otherwise).
        #expect(bigEndianUInt32(png, 50) == PNG.crc32(Array(png[37..<50])))
    }

    @Test func pdfIsOnePageOfTheDrawingsSizeInPoints() throws {
        let d = samplePlot().drawing()
        let pdf = try d.render(as: .pdf)
        let text = String(decoding: pdf, as: UTF8.self)
        #expect(text.hasPrefix("%PDF-"))
        #expect(text.contains("/Count 1"))
        let box = "/MediaBox [ 0 0 \(Self.pdfNumber(d.width)) \(Self.pdfNumber(d.height)) ]"
        #expect(text.contains(box), "expected \(box)")
        #expect(text.contains("%%EOF"))
    }

    static func pdfNumber(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(format: "%g", x) }

    @Test func svgIsWellFormedXMLOfTheDrawingsSize() throws {
        let d = samplePlot().drawing()
        let svg = try d.render(as: .svg)
        let text = String(decoding: svg, as: UTF8.self)
        #expect(text.contains("<svg"))
        #expect(text.contains("width=\"\(Self.pdfNumber(d.width))pt\""))
        #expect(text.contains("height=\"\(Self.pdfNumber(d.height))pt\""))
        #expect(text.hasSuffix("</svg>\n"))
    }

    @Test(arguments: FigureFormat.allCases)
    func renderingTwiceGivesTheSameBytes(format: FigureFormat) throws {
        let d = samplePlot().drawing()
        #expect(try d.render(as: format) == (try d.render(as: format)))
    }

    @Test func anImplausibleResolutionIsRefused() {
        #expect(throws: FigureError.resolution(10)) { try samplePlot().drawing().render(as: .png, dpi: 10) }
    }

    @Test func hexColoursParseAndOthersAreRefused() {
        #expect(Color(hex: "#0072B2") == Color(red: 0, green: 0x72 / 255.0, blue: 0xB2 / 255.0))
        #expect(Color(hex: "ff0000") == Color(red: 1, green: 0, blue: 0))
        #expect(Color(hex: "#12345") == nil)
        #expect(Color(hex: "red") == nil)
    }
}

struct KaplanMeierPlotLayoutTests {
    func texts(_ d: Drawing) -> [String] {
        d.operations.compactMap { if case .text(let t) = $0 { return t.string } else { return nil } }
    }

    @Test func theAxisEndsAtTheGivenMaximumAndNeverPastIt() {
        var p = samplePlot()
        p.xMax = 240
        let axis = p.axis()
        #expect(axis.max == 240)
        #expect(axis.breaks.last! <= 240)
        // 36 would fit 8 intervals but stop at 216; 48 ends on the horizon.
        #expect(axis.breaks == stride(from: 0.0, through: 240, by: 48).map { $0 })
        p.breakEvery = 24
        #expect(p.axis().breaks == stride(from: 0.0, through: 240, by: 24).map { $0 })
    }

    @Test func withoutAMaximumTheAxisEndsAtTheLastFollowUp() {
        var p = samplePlot()
        p.xMax = nil
        #expect(p.axis().max == 20)
        p.xMax = 100 // no candidate step ends on 100: the finest that fits 8 intervals
        #expect(p.axis().breaks == stride(from: 0.0, through: 96, by: 24).map { $0 })
    }

    @Test func shortLabelsAreWrittenInFullInTheRiskTable() {
        let t = texts(samplePlot().drawing())
        #expect(t.filter { $0 == "PRRT" }.count == 3) // legend + both risk tables
        #expect(t.contains("Log-rank p = 0.21"))
        #expect(t.contains("HR 0.55 (0.21–1.44)"))
        #expect(t.contains("Number at risk"))
    }

    @Test func longLabelsUseKeysThatTheLegendSpellsOut() {
        let long = "SSA → PRRT (¹⁷⁷Lu-DOTATATE) → everolimus, second progression"
        let t = texts(samplePlot(labelA: long, labelB: "SSA → everolimus → PRRT (¹⁷⁷Lu-DOTATATE)").drawing())
        #expect(t.contains("A  " + long))
        #expect(t.filter { $0 == "A" }.count == 2)
        #expect(!t.contains { $0.contains("…") })
    }

    @Test func censorMarksAreDrawnByDefaultAndCanBeTurnedOff() {
        func strokes(_ p: KaplanMeierPlot) -> Int {
            p.drawing().operations.filter { if case .stroke = $0 { return true } else { return false } }.count
        }
        var p = samplePlot()
        let with = strokes(p)
        p.censorMarks = false
        #expect(strokes(p) == with - 4) // one mark path per curve per panel
    }
}
