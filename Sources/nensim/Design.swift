import ArgumentParser
import Foundation
import NENSim

struct Design: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sample size: Schoenfeld's events and patients, then the smallest simulated n reaching the power.",
        discussion: """
        Starts from Schoenfeld's formula (events, and patients for the accrual, follow-up and dropout given), then \
        simulates trials at sizes on a grid of --step patients with common random numbers (every size uses the same \
        replicate seeds) until it finds the smallest size whose simulated power reaches --power, and reports the power \
        with its Monte Carlo SE there and one step below. Fixed designs are analysed at accrual + follow-up; with \
        --looks, at the looks of ⌈Schoenfeld's events⌉ (docs/TRIAL.md, "Sample size").
        Example: nensim design --arms sunitinib,placebo --power 0.9
        """
    )

    @OptionGroup var trial: TrialDesignOptions

    @OptionGroup var output: QuietOption

    @OptionGroup var figures: TrialFigureOptions

    @Option(name: .long, parsing: .unconditional, help: "Target power, in (0, 1).")
    var power: Double = 0.9

    @Option(name: .long, parsing: .unconditional, help: "Significance level of --sided sides.")
    var alpha: Double = 0.05

    @Option(name: .long, parsing: .unconditional, help: "1 (one-sided α) or 2 (two-sided α, the power counted in the experimental arm's favour).")
    var sided: Int = 2

    @Option(name: .long, parsing: .unconditional, help: "Simulated trials per size.", transform: Counts.parse)
    var replicates: Int = 2000

    @Option(name: .long, parsing: .unconditional, help: "Grid of the search in patients (default 1 % of Schoenfeld's n, at least 2).")
    var step: Int?

    @Option(name: .long, parsing: .unconditional, help: "Random seed; the same seed gives the same output for any thread count.")
    var seed: UInt64 = 1

    @Option(name: .long, parsing: .unconditional, help: "Worker threads (default: all cores). Results do not depend on it.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .long, help: "Output folder (default notebooks-out/design-<arms>-power<P>-seed<S>).")
    var out: String?

    @Flag(name: .long, help: "Overwrite the files of an existing output folder.")
    var force = false

    @Flag(name: .long, help: "Refuse (exit 65) when the analysed endpoint of either arm rests on an assumption, or a calibration is implausible (docs/MODEL.md).")
    var strict = false

    func validate() throws {
        guard power > 0, power < 1 else { throw ValidationError("--power \(power): a probability in (0, 1)") }
        guard sided == 1 || sided == 2 else { throw ValidationError("--sided \(sided): 1 or 2") }
        guard replicates >= 10, replicates <= 10_000_000 else { throw ValidationError("--replicates \(replicates): between 10 and 10^7") }
        if let step { guard step >= 1 else { throw ValidationError("--step \(step): at least 1 patient") } }
        guard threads >= 1, threads <= 256 else { throw ValidationError("--threads \(threads): must be between 1 and 256") }
        try trial.validateLooks(sided: sided)
        try validating { _ = try trial.armPair("design") }
    }

    func run() throws {
        output.apply()
        try reportingFailures {
            let (_, _, models) = try trial.calibratedArms("design", strict: strict)
            let template = try trial.resolvingStrata(
                try trial.design(patients: 2, followUp: trial.followUp ?? 12, targetEvents: nil, alpha: alpha, null: false,
                                 sequential: try trial.sequentialPlan(sides: sided, beta: 1 - power)), models: models)
            trial.warnInert(template)
            warnFindings(models)
            let ids = models.map(\.id)
            let folder = try RunFolder.create(at: out ?? "notebooks-out/design-\(ids[0])-\(ids[1])-power\(fmtPlain(power))-seed\(seed)",
                                              force: force, shape: .files)
            defer { folder.abandon() }
            let search = try SampleSizeSearch.run(experimental: models[0], control: models[1], template: template, sides: sided,
                                                  power: power, replicates: replicates, seed: seed, threads: threads, step: step)
            var report = DesignReport(search: search, experimental: models[0].id, control: models[1].id, template: template,
                                      sides: sided, seed: seed, commandLine: ["nensim"] + CommandLine.arguments.dropFirst())
            report.figureFormats = try figures.formats()
            report.figureDPI = figures.dpi
            _ = try report.write(to: folder) {
                guard !Console.quiet else { return }
                try Console.out(report.renderTable())
                try Console.out("")
                let shown = folder.files.map { (folder.displayName as NSString).appendingPathComponent($0) }
                try Console.out("wrote \(shown.joined(separator: ", "))")
            }
        }
    }

    private func fmtPlain(_ x: Double) -> String { String(format: "%g", x) }
}
