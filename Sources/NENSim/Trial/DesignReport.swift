import Figures
import Foundation

/// What `nensim design` reports: Schoenfeld's start, the simulated search, the answer
/// (terminal table, `design.json`, `design_power.csv`; docs/TRIAL.md, "Sample size").
public struct DesignReport: Sendable {
    public var search: SampleSizeSearch
    public var experimental: String
    public var control: String
    public var template: TrialDesign
    public var sides: Int
    public var seed: UInt64
    public var commandLine: [String]
    /// Figure files of `design.svg` (`figure()`) to write: `design.<format>`; empty: none.
    public var figureFormats: [FigureFormat] = [.svg]
    /// Resolution of `design.png`.
    public var figureDPI: Double = 150

    public init(search: SampleSizeSearch, experimental: String, control: String, template: TrialDesign, sides: Int,
                seed: UInt64, commandLine: [String] = []) {
        self.search = search
        self.experimental = experimental
        self.control = control
        self.template = template
        self.sides = sides
        self.seed = seed
        self.commandLine = commandLine
    }

    /// Patients above Schoenfeld's n (relative), at the chosen size.
    public var gapToSchoenfeld: Double? {
        search.chosen.map { Double($0.patients) / search.schoenfeld.patients - 1 }
    }

    public func renderTable() -> String {
        let s = search.schoenfeld
        var out: [String] = []
        out.append("nensim \(NENSimInfo.version) design: \(experimental) (experimental) vs \(control) (control); target power \(fixed(search.targetPower, decimals: 3)), \(sides)-sided α = \(fmt(template.alpha)); \(search.replicates) replicates per size, seed \(seed)")
        var d = template
        d.patients = search.chosen?.patients ?? Int(s.patients.rounded())
        out.append("design: \(d.summary)")
        out.append("")
        var t = TextTable(header: ["Schoenfeld", "value"])
        t.add(["hazard ratio \(s.proportionalHazards ? "(proportional hazards)" : "(cumulative-hazard ratio at the control median: hazards not proportional)")", fixed(s.hazardRatio, decimals: 4)])
        t.add(["events, fixed sample", fixed(s.eventsFixed, decimals: 1)])
        if s.inflation != 1 { t.add(["group-sequential inflation", fixed(s.inflation, decimals: 4)]) }
        t.add(["events", fixed(s.events, decimals: 1)])
        t.add(["P(event observed by the end of follow-up)", fixed(s.eventProbability, decimals: 4)])
        t.add(["patients", fixed(s.patients, decimals: 1)])
        out.append(t.render(indent: "  "))
        out.append(rpactLine)
        out.append("")
        var p = TextTable(header: ["patients", "events (mean)", "simulated power", "MC SE", ""])
        for e in search.evaluations {
            let mark = e.patients == search.chosen?.patients ? "← chosen" : (e.patients == search.below?.patients ? "← one step below" : "")
            p.add([String(e.patients), e.events.value.map { fixed($0, decimals: 1) } ?? "NA",
                   e.power.value.map { fixed($0, decimals: 4) } ?? "NA", e.power.mcse.map { fixed($0, decimals: 4) } ?? "NA", mark])
        }
        out.append("Simulated power by size (common random numbers, step \(search.step))")
        out.append(p.render(indent: "  "))
        if let c = search.chosen, let gap = gapToSchoenfeld {
            out.append("")
            out.append("smallest simulated n reaching \(fixed(search.targetPower, decimals: 3)): \(c.patients) patients (power \(fixed(c.power.value ?? .nan, decimals: 4)) ± \(fixed(c.power.mcse ?? .nan, decimals: 4))), \(fixed(gap * 100, decimals: 1)) % above Schoenfeld's \(fixed(s.patients, decimals: 1))")
            if let b = search.below {
                out.append("one step below, \(b.patients) patients: power \(fixed(b.power.value ?? .nan, decimals: 4)) ± \(fixed(b.power.mcse ?? .nan, decimals: 4))")
            }
        } else {
            out.append("")
            out.append("the search did not bracket the target power")
        }
        return out.joined(separator: "\n")
    }

    /// How Schoenfeld's numbers above stand to rpact's `getSampleSizeSurvival` (docs/TRIAL.md, "Sample size").
    var rpactLine: String {
        search.schoenfeld.exponentialArms
            ? "  = rpact getSampleSizeSurvival for these exponential arms (same hazards, accrual, follow-up and dropout; equal to 1e-6 in the tests)"
            : "  rpact getSampleSizeSurvival assumes exponential arms; these are not, so its n would differ from the above: the simulated n is the answer"
    }

    struct JSONDocument: Encodable {
        var nensimVersion: String
        var commandLine: [String]
        var seed: UInt64
        var experimental: String
        var control: String
        var sides: Int
        var design: TrialDesign
        var search: SampleSizeSearch
        var gapToSchoenfeld: Double?
    }

    public func json() throws -> Data {
        let doc = JSONDocument(nensimVersion: NENSimInfo.version, commandLine: commandLine, seed: seed, experimental: experimental,
                               control: control, sides: sides, design: template, search: search, gapToSchoenfeld: gapToSchoenfeld)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try encoder.encode(doc)
    }

    /// `design.svg` (docs/TRIAL.md, "Outputs of sequential trials and designs"): the
    /// simulated power at every size evaluated with ±1.96 MC SE bars, the target power,
    /// the chosen size and Schoenfeld's n.
    public func figure() -> XYPlot {
        let evals = search.evaluations.filter { $0.power.value != nil }.sorted { $0.patients < $1.patients }
        let s = search.schoenfeld
        let xs = evals.map { Double($0.patients) } + [s.patients]
        let lo = (xs.min() ?? 0), hi = (xs.max() ?? 1)
        let padX = max(Double(search.step), (hi - lo) * 0.08)
        let xt = XYPlot.ticks(max(0, lo - padX), hi + padX)
        let bars = evals.map { e -> (x: Double, lo: Double, hi: Double) in
            let v = e.power.value!, se = e.power.mcse ?? 0
            return (Double(e.patients), max(0, v - 1.96 * se), min(1, v + 1.96 * se))
        }
        let ys = bars.flatMap { [$0.lo, $0.hi] } + [search.targetPower]
        let yt = XYPlot.ticks(max(0, (ys.min() ?? 0) - 0.02), min(1, (ys.max() ?? 1) + 0.02))
        let (y0, y1) = (max(0, yt.lo), min(1, yt.hi))
        var series = [XYPlot.Series(label: "simulated power (±1.96 MC SE)", x: evals.map { Double($0.patients) },
                                    y: evals.map { $0.power.value! }, style: .line, colour: 0)]
        for b in bars { series.append(.init(label: "", x: [b.x, b.x], y: [b.lo, b.hi], style: .line, colour: 0)) }
        for b in bars {
            let w = (xt.hi - xt.lo) / 160
            series.append(.init(label: "", x: [b.x - w, b.x + w], y: [b.lo, b.lo], style: .line, colour: 0))
            series.append(.init(label: "", x: [b.x - w, b.x + w], y: [b.hi, b.hi], style: .line, colour: 0))
        }
        series.append(.init(label: "target power \(fixed(search.targetPower, decimals: 3))", x: [xt.lo, xt.hi],
                            y: [search.targetPower, search.targetPower], style: .dashedLine, colour: nil))
        if let c = search.chosen {
            series.append(.init(label: "smallest simulated n reaching it: \(c.patients)", x: [Double(c.patients), Double(c.patients)],
                                y: [y0, y1], style: .dashedLine, colour: 1))
        }
        series.append(.init(label: "Schoenfeld's n\(s.exponentialArms ? " (= rpact's)" : ""): \(fixed(s.patients, decimals: 1))", x: [s.patients, s.patients], y: [y0, y1],
                            style: .dashedLine, colour: 2))
        var d = template
        d.patients = search.chosen?.patients ?? Int(s.patients.rounded())
        let test = template.sequential == nil ? "\(template.test.title)" : "\(template.test.title) at the looks"
        let found = search.chosen.map { c in
            "The smallest size on the grid of \(search.step) patients whose simulated power reaches the target is \(c.patients) (\(fixed(c.power.value ?? .nan, decimals: 4)) ± \(fixed(c.power.mcse ?? .nan, decimals: 4)) MC SE)" + (gapToSchoenfeld.map { ", \(fixed($0 * 100, decimals: 1)) % above Schoenfeld's n" } ?? "") + "."
        } ?? "The search did not bracket the target power."
        return XYPlot(title: "\(experimental) vs \(control): simulated power against sample size",
                      subtitle: "\(test), \(sides)-sided α = \(fmt(template.alpha)); \(search.replicates) replicates per size (common random numbers), seed \(seed)",
                      xLabel: "patients randomised (both arms)", yLabel: "power", series: series,
                      footnotes: [found + " Schoenfeld: \(fixed(s.events, decimals: 1)) events at HR \(fixed(s.hazardRatio, decimals: 4)), P(event observed) \(fixed(s.eventProbability, decimals: 4))" + (s.exponentialArms ? ", equal to rpact getSampleSizeSurvival for these exponential arms." : "; rpact getSampleSizeSurvival's exponential model does not describe these arms.") + " Design at the chosen size: \(d.summary). Values in design_power.csv.",
                                  "nensim \(NENSimInfo.version)"],
                      xRange: xt.lo...xt.hi, yRange: y0...y1)
    }

    /// `design_power.csv`: one row per simulated size.
    public func powerCSV() -> String {
        var lines = ["patients,events_mean,events_mcse,power,power_mcse,chosen"]
        func n(_ x: Double?) -> String { x.map(TrialReport.csvNumber) ?? "NA" }
        for e in search.evaluations {
            lines.append("\(e.patients),\(n(e.events.value)),\(n(e.events.mcse)),\(n(e.power.value)),\(n(e.power.mcse)),\(e.patients == search.chosen?.patients)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes `design.json`, `design_power.csv` (and `design.svg`) into `folder` (made by
    /// `RunFolder.create(at:force:shape: .files)` before the search) and commits it;
    /// `beforeCommit` runs once the files are complete (printing the table: a failed
    /// stdout then leaves nothing). Returns the files written.
    public func write(to folder: RunFolder, beforeCommit: () throws -> Void = {}) throws -> [URL] {
        try folder.write("design.json") { try $0.write(try json()) }
        try folder.write("design_power.csv", contents: powerCSV())
        try writeFigures(figureFormats, stem: "design", dpi: figureDPI, to: folder) { figure().drawing() }
        try beforeCommit()
        try folder.commit()
        return folder.files.map { folder.destination.appendingPathComponent($0) }
    }
}
