import Foundation
import Testing
@testable import Figures
#if canImport(FoundationXML)
import FoundationXML
#endif

struct BoundaryPlotTests {
    static func plot(fractions: [Double] = [0.5, 0.75, 1]) -> BoundaryPlot {
        let efficacy: [Double] = [2.963, 2.359, 2.014].prefix(fractions.count).map { $0 }
        return BoundaryPlot(
            title: "e vs c: group-sequential boundaries", subtitle: ["MaxCombo test", "n = 300; 1000 replicates, seed 1"],
            zLabel: "z (> 0 favours e)", rateLabel: "replicates stopping",
            looks: fractions.enumerated().map { k, t in
                .init(fraction: t, label: "\(Int(t * 200)) events", statistics: (0..<200).map { Double($0 % 40) / 8 - 1 + Double(k) })
            },
            bounds: [.init(label: "efficacy bound", z: efficacy, colour: 0),
                     .init(label: "futility bound", z: [0.2, 1.1, nil].prefix(fractions.count).map { $0 }, colour: 1)],
            rates: [.init(label: "stopped for efficacy", value: [0.31, 0.22, 0.18].prefix(fractions.count).map { $0 },
                          mcse: [0.015, 0.013, 0.012].prefix(fractions.count).map { $0 },
                          expected: [0.3, 0.21, 0.19].prefix(fractions.count).map { $0 }, colour: 0)])
    }

    @Test func everyBoundValueIsPrintedAtItsLook() {
        let t = Self.plot().drawing().texts
        for v in ["2.963", "2.359", "2.014", "0.200", "1.100"] { #expect(t.contains(v), "\(v) missing from \(t)") }
        #expect(t.contains("look 3") && t.contains("150 events") && t.contains("31.0"))
        #expect(!t.contains { $0.hasPrefix("nil") })
    }

    @Test func theSVGIsWellFormedXMLNamingTheBounds() throws {
        let data = try Self.plot().drawing().render(as: .svg)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("<svg") && text.hasSuffix("</svg>\n") && text.contains("2.963"))
        #if canImport(FoundationXML) || os(macOS)
        #expect(XMLParser(data: data).parse())
        #endif
    }

    @Test func lookLabelsThatWouldCollideAreSkippedNotOverprinted() {
        let t = Self.plot(fractions: [0.97, 0.98, 1]).drawing().texts
        #expect(t.filter { $0.hasPrefix("t = ") }.count < 3)
    }

    @Test func theZRangeCoversTheBoundsAndTheCentralStatistics() {
        let r = Self.plot().zRange()
        #expect(r.lo < -1 && r.hi > 2.963)
    }
}
