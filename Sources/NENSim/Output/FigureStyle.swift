import Figures
import Foundation
import SurvivalStats

/// How a run's figures look and which files they go to (docs/FIGURES.md).
public struct FigureStyle: Sendable {
    /// Figure files to write (km.svg, km.pdf, km.png, …).
    public var formats: [FigureFormat] = [.svg]
    /// PNG resolution.
    public var dpi: Double = 150
    /// Replaces the default title.
    public var title: String?
    /// Curve labels by arm id (or pathway id); the default label is `FigureStyle.label(…)`.
    public var labels: [String: String] = [:]
    /// Colours in curve order; default Okabe–Ito.
    public var palette: [Color] = Color.okabeIto
    /// Right end of the time axis (months); default: the run's horizon.
    public var xMax: Double?
    /// Distance between time-axis breaks (months); default: chosen from the range.
    public var breakEvery: Double?
    public var censorMarks = true

    public init() {}

    public static let dpiRange: ClosedRange<Double> = 36...1200

    /// The default label of an arm: short ids (up to four letters: ssa, prrt, tace) are
    /// acronyms and written in capitals; otherwise the catalogue name up to its first
    /// parenthesis ("Everolimus (oral mTOR inhibitor)" → "Everolimus").
    public static func label(id: String, name: String) -> String {
        if id.count <= 4, id.allSatisfy({ $0.isLetter }) { return id.uppercased() }
        let head = name.split(separator: "(", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        return head.isEmpty ? id : head
    }

    func label(id: String, name: String) -> String { labels[id] ?? Self.label(id: id, name: name) }

    /// Parses `--palette`: a named palette (`okabe-ito`, `grey`) or comma-separated
    /// `#RRGGBB` colours.
    public static func parsePalette(_ text: String) throws -> [Color] {
        switch text.lowercased() {
        case "okabe-ito", "okabeito", "default": return Color.okabeIto
        case "grey", "gray": return [0.0, 0.45, 0.65, 0.25, 0.8].map { Color.gray($0) }
        default: break
        }
        var colours: [Color] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let word = part.trimmingCharacters(in: .whitespaces)
            guard let c = Color(hex: word) else { throw FigureStyleError.colour(word) }
            colours.append(c)
        }
        return colours
    }

    /// Parses `--labels id=Text,id=Text` (a label may not contain a comma).
    public static func parseLabels(_ text: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else { throw FigureStyleError.label(String(part)) }
            let id = pair[0].trimmingCharacters(in: .whitespaces), label = pair[1].trimmingCharacters(in: .whitespaces)
            guard !id.isEmpty, !label.isEmpty else { throw FigureStyleError.label(String(part)) }
            out[id] = label
        }
        return out
    }

    /// Parses `--figure-format svg,pdf,png` (order kept, duplicates dropped).
    public static func parseFormats(_ text: String) throws -> [FigureFormat] {
        var out: [FigureFormat] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let word = part.trimmingCharacters(in: .whitespaces).lowercased()
            guard let f = FigureFormat(rawValue: word) else { throw FigureStyleError.format(word) }
            if !out.contains(f) { out.append(f) }
        }
        return out
    }

    /// Every figure file of `plot`, named `<stem>.<format>`.
    public func files(stem: String, plot: KaplanMeierPlot) throws -> [(name: String, contents: Data)] {
        var p = plot
        p.palette = palette
        p.censorMarks = censorMarks
        p.breakEvery = breakEvery
        if let xMax { p.xMax = xMax }
        if let title { p.title = title }
        let drawing = p.drawing()
        return try formats.map { ("\(stem).\($0.fileExtension)", try drawing.render(as: $0, dpi: dpi)) }
    }

    /// The text of a panel's annotation: HR with CI and log-rank p against the reference.
    static func annotations(_ comparisons: [ComparisonSummary], endpoint: String,
                            label: (String) -> String) -> [String] {
        let rows = comparisons.filter { $0.endpoint == endpoint }
        let lines = rows.flatMap { c -> [String] in
            let hr = c.hazardRatio
            let hrText = "HR \(fixed(hr.estimate, decimals: 2)) (\(fixed(hr.lower, decimals: 2))–\(fixed(hr.upper, decimals: 2)))"
            let p = "log-rank p " + (c.logRankP < 1e-4 ? "< 0.0001" : "= " + formatP(c.logRankP))
            return rows.count == 1 ? [hrText, p] : ["\(label(c.arm)): \(hrText), p \(c.logRankP < 1e-4 ? "< 0.0001" : "= " + formatP(c.logRankP))"]
        }
        guard rows.count > 1, let reference = rows.first?.reference else { return lines }
        return ["vs \(label(reference)) (HR, log-rank p):"] + lines
    }
}

/// A figure option that cannot be read; the CLI words the message with the flag.
public enum FigureStyleError: Error, Equatable {
    case colour(String)
    case label(String)
    case format(String)
}
