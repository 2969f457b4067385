import Figures
import Foundation
import SurvivalStats

/// What a run can write. `table` is the text table on stdout; the others are files;
/// `svg`, `pdf` and `png` are the figure in that format; `html` the report page.
public enum OutputFormat: String, Sendable, CaseIterable, Codable {
    case table, csv, json, svg, pdf, png, html

    /// What `all` means: the table, the CSVs, the JSON, the SVG figure and the report page.
    public static let all: Set<OutputFormat> = [.table, .csv, .json, .svg, .html]

    /// The figure formats among `formats`, in svg, pdf, png order.
    public static func figureFormats(_ formats: Set<OutputFormat>) -> [FigureFormat] {
        FigureFormat.allCases.filter { formats.contains(OutputFormat(rawValue: $0.rawValue)!) }
    }

    /// Parses "csv,json" (case-insensitive, no duplicates needed).
    public static func parseList(_ text: String) throws -> Set<OutputFormat> {
        var formats = Set<OutputFormat>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let word = part.trimmingCharacters(in: .whitespaces).lowercased()
            if word == "all" { formats.formUnion(all); continue }
            guard let f = OutputFormat(rawValue: word) else {
                let names = allCases.map(\.rawValue) + ["all"]
                let hint = closestMatch(to: word, in: names).map { " — did you mean '\($0)'?" } ?? ""
                throw NensimFailure.usage("\(.format) '\(user: text)': unknown format '\(user: word)'\(hint) (choose from \(names.joined(separator: ", ")))")
            }
            formats.insert(f)
        }
        return formats
    }
}

/// The Kaplan–Meier curves of one arm, both endpoints.
public struct ArmCurves: Sendable {
    public var id: String
    public var name: String
    public var pfs: KaplanMeierEstimate
    public var os: KaplanMeierEstimate

    public init(id: String, name: String, pfs: KaplanMeierEstimate, os: KaplanMeierEstimate) {
        self.id = id
        self.name = name
        self.pfs = pfs
        self.os = os
    }

    /// The curves of every arm of a result (exact records when kept, else the tally).
    public static func of(_ result: SimulationResult) -> [ArmCurves] {
        result.request.arms.enumerated().map { a, model in
            ArmCurves(id: model.id, name: model.name,
                      pfs: KaplanMeier.fit(Reporter.counts(result, arm: a, endpoint: .pfs)),
                      os: KaplanMeier.fit(Reporter.counts(result, arm: a, endpoint: .os)))
        }
    }
}

/// Writes the files of a run into a `RunFolder` (shared by `run`, and later `trial`
/// and `merge`). File names and columns are documented in docs/OUTPUTS.md.
public enum RunOutputWriter {
    public static let csvFiles = ["arms.csv", "comparisons.csv", "km_pfs.csv", "km_os.csv", "responses.csv", "adverse_events.csv"]

    /// Writes the requested formats (`table` is ignored here: it goes to stdout).
    ///
    /// - Parameters:
    ///   - records: individual patients, written as `patients.csv` when given.
    /// - Throws: `NensimFailure.io` when a write fails; the folder is left uncommitted.
    ///   - style: the figure's look and its files (none when `style.formats` is empty).
    public static func write(report: RunReport, models: [ArmModel], curves: [ArmCurves], records: [PatientRecords]?,
                             manifest: RunManifest, to folder: RunFolder, formats: Set<OutputFormat>,
                             style: FigureStyle = FigureStyle(), economics: EconomicsReport? = nil) throws {
        if formats.contains(.csv) {
            try folder.write("arms.csv") { try RunCSV.writeArms(report, to: $0) }
            try folder.write("comparisons.csv") { try RunCSV.writeComparisons(report, to: $0) }
            try folder.write("km_pfs.csv") {
                try RunCSV.writeKaplanMeier(curves.filter { report.models($0.id, "pfs") }.map { ($0.id, $0.pfs) }, to: $0)
            }
            try folder.write("km_os.csv") {
                try RunCSV.writeKaplanMeier(curves.filter { report.models($0.id, "os") }.map { ($0.id, $0.os) }, to: $0)
            }
            try folder.write("responses.csv") { try RunCSV.writeProportions(report, adverseEvents: false, to: $0) }
            try folder.write("adverse_events.csv") { try RunCSV.writeProportions(report, adverseEvents: true, to: $0) }
        }
        if let records {
            try folder.write("patients.csv") { try RunCSV.writePatients(models: models, records: records, to: $0) }
        }
        if formats.contains(.json) {
            try folder.write("summary.json", contents: try RunSummary(manifest: manifest, report: report, economics: economics).json())
        }
        let plot = figure(report: report, curves: curves, manifest: manifest, style: style)
        // No panel when no arm has a modelled endpoint (response-only arms): no figure.
        for file in try style.files(stem: "km", plot: plot) where !plot.panels.isEmpty {
            try folder.write(file.name, contents: file.contents)
        }
        if formats.contains(.html) {
            let names = Dictionary(curves.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
            let svg = try style.files(stem: "km", plot: plot, formats: [.svg]).first?.contents
            try folder.write("report.html", contents: ReportPage.html(report: report, manifest: manifest, figureSVG: svg,
                                                                      label: { style.label(id: $0, name: names[$0] ?? $0) }))
        }
    }

    /// Convenience for a finished simulation.
    public static func write(report: RunReport, models: [ArmModel], result: SimulationResult, manifest: RunManifest,
                             to folder: RunFolder, formats: Set<OutputFormat>, patients: Bool = false,
                             style: FigureStyle = FigureStyle(), economics: EconomicsReport? = nil) throws {
        try write(report: report, models: models, curves: ArmCurves.of(result), records: patients ? result.records : nil,
                  manifest: manifest, to: folder, formats: formats, style: style, economics: economics)
        try economics?.write(to: folder, formats: formats)
    }

    /// The figure's lines on what the statistics rest on: each assumption-based comparison
    /// (marked), each endpoint resting on external figures (with the short citation), and
    /// each endpoint not modelled.
    static func basisFootnotes(_ report: RunReport) -> [String] {
        var notes: [String] = []
        for c in report.comparisons where c.restsOnAssumption {
            notes.append("\(RunReport.assumptionMark) \(c.endpoint.uppercased()) \(c.arm) vs \(c.reference) rests on an assumption, not evidence: \(c.basisNote ?? "")")
        }
        for a in report.arms {
            for (name, e) in [("PFS", a.pfs), ("OS", a.os)] {
                guard let b = e.basis else { continue }
                if b.basis == .notModelled { notes.append("\(a.id) \(name): not modelled (no \(name) figure in its evidence)") }
                if !b.citations.isEmpty {
                    notes.append("\(a.id) \(name): \(b.basis.rawValue); external figures from " + b.citations.map(RunReport.shortCitation).joined(separator: "; "))
                }
            }
        }
        return notes
    }

    /// The Kaplan–Meier figure of a run: PFS and OS panels on one time axis ending at the
    /// horizon, each with the comparisons against the reference printed on it; the
    /// footnotes say what each comparison rests on (basisFootnotes).
    public static func figure(report: RunReport, curves: [ArmCurves], manifest: RunManifest,
                              style: FigureStyle = FigureStyle()) -> KaplanMeierPlot {
        let s = manifest.scenario
        let names = Dictionary(curves.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        func label(_ id: String) -> String { style.label(id: id, name: names[id] ?? id) }
        let title = curves.count == 1 ? "Simulated survival: \(label(curves[0].id))"
            : "Simulated survival: " + curves.map { label($0.id) }.joined(separator: " vs ")
        var subtitle = "n = \(s.patientsPerArm) per arm · seed \(s.seed) · \(manifest.designSummary)"
        if let ref = report.reference { subtitle += " · reference \(label(ref))" }
        var notes = ["Kaplan–Meier estimates (\(report.dataBasis)); shaded: pointwise \(Int(report.confidenceLevel * 100))% CI (log); +: censored; dashed: medians. HR: Cox, against the reference; p: log-rank."]
        for c in report.comparisons {
            let mark = c.restsOnAssumption ? " \(RunReport.assumptionMark)" : ""
            notes.append("\(c.endpoint.uppercased()) \(label(c.arm)) vs \(label(c.reference))\(mark): HR \(c.hazardRatio.formatted(decimals: 3)); log-rank p \(formatP(c.logRankP)); median difference \(fixed(c.medianDifference, notReached: true)) months; basis \(c.basis?.rawValue ?? "not stated")")
        }
        notes += basisFootnotes(report)
        notes.append("nensim \(manifest.nensimVersion) (\(manifest.gitCommit.prefix(12))) · scenario \(manifest.scenarioHash.prefix(12))")
        var plot = KaplanMeierPlot(
            title: title, subtitle: subtitle, footnotes: notes,
            panels: [
                .init(title: "Progression-free survival",
                      curves: curves.filter { report.models($0.id, "pfs") }.map { .init(label: label($0.id), km: $0.pfs) },
                      annotations: FigureStyle.annotations(report.comparisons, endpoint: "pfs", label: label)),
                .init(title: "Overall survival",
                      curves: curves.filter { report.models($0.id, "os") }.map { .init(label: label($0.id), km: $0.os) },
                      annotations: FigureStyle.annotations(report.comparisons, endpoint: "os", label: label)),
            ].filter { !$0.curves.isEmpty })
        plot.xMax = s.design.followUp.map { min(s.design.horizon, s.design.accrual + $0) } ?? s.design.horizon
        return plot
    }
}
