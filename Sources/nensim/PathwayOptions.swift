import ArgumentParser
import Foundation
import NENSim

/// The flags of `nensim run --pathways …`, pulled into `Run` with
/// `@OptionGroup var pathwayOptions: PathwayOptions`.
struct PathwayOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Treatment pathways instead of arms: lines of therapy joined by '>', pathways by ',', e.g. ssa>prrt>everolimus,ssa>everolimus>prrt. Compared with the first.",
        valueName: "list"))
    var pathways: String?

    @Flag(name: .long, help: "Refuse (exit 65) a comparison that rests on an assumption, an implausible calibration (e.g. a post-progression median below its floor), population keys outside an arm's evidence, and with --pathways a pathway against the source's guidance (docs/MODEL.md).")
    var strict = false

    @Option(name: .customLong("line-gap"), help: ArgumentHelp(
        "Months from progression to the next line; death in the gap at the post-progression hazard (default 1, an assumption).",
        valueName: "months"))
    var lineGap: Double?

    @Option(name: .customLong("later-line-hr"), help: ArgumentHelp(
        "PFS hazard multiplier per line beyond an arm's evidence line (default 1.25, an assumption; 1 = none). Per arm: --set ARM.later_line_hr=H.",
        valueName: "h"))
    var laterLineHR: Double?

    /// Whether any pathway-only flag was given.
    var anyGiven: Bool { lineGap != nil || laterLineHR != nil }

    /// Exactly one of `--arms` and `--pathways`; pathway flags only with `--pathways`.
    func validate(arms: String?, reference: String?) throws {
        switch (arms, pathways) {
        case (nil, nil): throw ValidationError("give --arms (e.g. prrt,everolimus) or --pathways (e.g. ssa>prrt>everolimus,ssa>everolimus>prrt)")
        case (.some, .some): throw ValidationError("--arms and --pathways exclude each other: give one")
        case (.some, nil):
            if anyGiven { throw ValidationError("--line-gap and --later-line-hr apply to --pathways") }
        case (nil, .some):
            if reference != nil { throw ValidationError("--reference applies to --arms; pathways are compared with the first pathway listed") }
        }
    }

    /// Runs the pathways: parse, guidance check, calibrate, simulate, report, write.
    /// `economics`: `--economics` and its report settings (costs and QALYs per line; docs/ECONOMICS.md, "Pathways").
    func run(n: Int, tau: Double?, options: SimulationOptions, output: OutputOptions, economics: EconomicsOptions) throws {
        guard let pathways else { return }
        let catalogue = try options.evidence.catalogue()
        let idLists = try PathwayList.parse(pathways, catalogue: catalogue)
        let profile = try options.population.map(PopulationSpec.parse) ?? PopulationSpec()
        if !profile.prevalence.isEmpty {
            throw NensimFailure.usage("--population liver_metastases applies to --arms; pathways do not model covariates yet")
        }
        let (laterLine, rest) = try PathwaySettings.splitAssignments(options.modelAssignments)
        var byArm: [String: Double] = [:]
        for (arm, h) in laterLine {
            let id: String
            do { id = try catalogue.arm(arm).id } catch let f as NensimFailure { throw NensimFailure(f.status, "--set \(arm).\(PathwaySettings.laterLineParameter): \(f.message)") }
            byArm[id] = h
        }
        let settings = PathwaySettings(lineGap: lineGap, laterLineHazardRatio: laterLineHR, laterLineByArm: byArm)
        try settings.validate()
        let overrides = try ModelOverrides.parse(rest)
        for arm in overrides.values.keys.sorted() { _ = try catalogue.arm(arm) }

        // Guidance check before any work.
        let warnings = idLists.flatMap { PathwayGuidance.check(pathway: $0, profile: profile, catalogue: catalogue) }
        if strict, let first = warnings.first {
            let more = warnings.count > 1 ? " (and \(warnings.count - 1) more guidance warning(s))" : ""
            throw NensimFailure.data("--strict: \(first.message)\(more)")
        }
        for w in warnings { Console.warning(w.message) }

        let calibrator = Calibrator(catalogue: catalogue, overrides: overrides)
        var models: [String: ArmModel] = [:]
        var order: [String] = []
        for id in idLists.joined() where models[id] == nil { models[id] = try calibrator.model(for: id); order.append(id) }
        let used = order.compactMap { models[$0] }
        for m in used where !m.models("pfs") || !m.models("os") {
            throw NensimFailure.data("arm '\(m.id)' has no \(m.models("pfs") ? "OS" : "PFS") figure: a pathway needs each line's PFS and OS; supply one with \(spellSet(m.id, m.models("pfs") ? ["os.median"] : ["pfs.median"]))")
        }
        try reportFindings(used, strict: strict)
        // Every pathway's PFS2 and OS rest on each arm's PFS and OS.
        try refuseAssumptionEndpoints(used, endpoints: ["pfs", "os"], strict: strict)
        let built = try idLists.map { try Pathway(ids: $0, models: models, catalogue: catalogue, settings: settings) }
        if strict {
            for p in built {
                for line in p.lines where line.hazardMultiplier != 1 && line.laterLineStatus == .assumption {
                    throw NensimFailure.data("--strict: pathway \(p.id) line \(line.line) (\(line.model.id)) uses the assumed later-line hazard ratio \(line.laterLineHazardRatio); fix with --later-line-hr H or --set \(line.model.id).later_line_hr=H")
                }
            }
        }
        var simulation = options.request(arms: [], n: n)
        simulation.economics = try economics.inputs(models: used, horizon: options.horizon, assignments: options.economicAssignments)
        if simulation.economics == nil, let first = options.economicAssignments.first {
            throw NensimFailure.usage("\(.override) '\(user: first)': an economic parameter needs \(.economics)")
        }
        if economics.populationSize != nil { throw NensimFailure.usage("\(.populationSize) applies to \(.psa) runs of --arms") }
        let request = PathwayRequest(pathways: built, lineGap: settings.lineGap, lineGapStatus: settings.lineGapStatus,
                                     simulation: simulation)
        let style = try output.figureStyle()
        let writes = output.formats.contains(.csv) || !style.formats.isEmpty
        let bar = output.progressBar(plan: [.simulating, .statistics] + (writes ? [.writing] : []), total: built.count * n)
        defer { bar?.finish() }
        let result = PathwayEngine.run(request, progress: bar?.callback)
        let (report, curves) = try PathwayReporter.report(result, tau: tau, progress: bar)
        let economicsReport = simulation.economics.map { EconomicsReport.make(pathways: result, inputs: $0, wtp: economics.wtpValues) }
        var header = "nensim \(NENSimInfo.version): \(built.count) pathway(s) × \(n) patients, seed \(options.seed); \(request.simulation.design.summary)"
        header += "\npopulation: \(profile); statistics from \(report.dataBasis)"
        // The bar ends before anything goes to stdout (the same terminal).
        func printHeader() throws {
            bar?.complete()
            guard output.printsTable else { return }
            try Console.out(header)
            try Console.out("")
        }
        if writes {
            bar?.begin(.writing, total: 1)
            // The run folder's safe writes: a hidden temporary folder renamed into place.
            let path = output.out ?? "notebooks-out/pathways-n\(n)-seed\(options.seed)"
            let folder = try RunFolder.create(at: path, force: output.force)
            defer { folder.abandon() }
            var written = 0
            if output.formats.contains(.csv) {
                try folder.write("pathways.csv", contents: PathwayFiles.summaryCSV(report))
                try folder.write("km_pathways.csv", contents: PathwayFiles.curvesCSV(curves))
                written += 2
                if let economicsReport {
                    try economicsReport.write(to: folder, formats: [.csv])
                    written += 3
                }
            }
            let design = request.simulation.design
            let plot = PathwayFiles.figure(curves, n: n, seed: options.seed, design: design.summary,
                                           xMax: design.followUp.map { min(design.horizon, design.accrual + $0) } ?? design.horizon,
                                           armNames: models.mapValues(\.name), style: style)
            for file in try style.files(stem: "km_pathways", plot: plot) {
                try folder.write(file.name, contents: file.contents)
                written += 1
            }
            bar?.advance(1)
            // The table first: a failed stdout leaves no folder (docs/RELIABILITY.md).
            try printHeader()
            if output.printsTable { try Console.out(report.renderTable()) }
            if output.printsTable, let economicsReport { try Console.out(economicsReport.text(), newline: false) }
            try folder.commit()
            Console.note("wrote \(written) files to \(path)/")
        } else {
            try printHeader()
            if output.printsTable { try Console.out(report.renderTable()) }
            if output.printsTable, let economicsReport { try Console.out(economicsReport.text(), newline: false) }
        }
    }
}
