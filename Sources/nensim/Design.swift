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

    @Option(name: .long, help: "EXPERIMENTAL,CONTROL arm ids, e.g. sunitinib,placebo (see `nensim arms`).")
    var arms: String

    @Option(name: .long, parsing: .unconditional, help: "Target power, in (0, 1).")
    var power: Double = 0.9

    @Option(name: .long, parsing: .unconditional, help: "Significance level of --sided sides.")
    var alpha: Double = 0.05

    @Option(name: .long, parsing: .unconditional, help: "1 (one-sided α) or 2 (two-sided α, the power counted in the experimental arm's favour).")
    var sided: Int = 2

    @Option(name: .long, help: ArgumentHelp("Group-sequential looks at these information fractions, e.g. 0.5,0.75,1.", valueName: "t1,t2,…,1"))
    var looks: String?

    @Option(name: .long, help: "Lan–DeMets α spending of --looks: obf, pocock or hsd:GAMMA.")
    var spending: String = "obf"

    @Option(name: .customLong("beta-spending"), help: "Non-binding futility bounds from β spending (needs --sided 1).")
    var betaSpending: String?

    @Option(name: .long, help: "Allocation ratio EXPERIMENTAL:CONTROL.")
    var ratio: String = "1:1"

    @Option(name: .long, parsing: .unconditional, help: "Uniform accrual period, months.")
    var accrual: Double = 24

    @Option(name: .customLong("follow-up"), parsing: .unconditional, help: "Follow-up after accrual ends, months (the analysis time of a fixed design; the cap of a sequential one).")
    var followUp: Double = 12

    @Option(name: .long, parsing: .unconditional, help: "Annual dropout probability (exponential dropout), in [0, 1).")
    var dropout: Double = 0

    @Option(name: .long, help: "Endpoint analysed: pfs or os.")
    var endpoint: TrialEndpointOption = .pfs

    @Option(name: .long, help: "Decision test: logrank, cox or fh:RHO,GAMMA.")
    var test: String = "logrank"

    @Option(name: .long, help: "Scan interval (e.g. 12w): progression is seen at the first scan after it.")
    var assess: String?

    @Option(name: .long, parsing: .unconditional, help: "Simulated trials per size.")
    var replicates: Int = 2000

    @Option(name: .long, parsing: .unconditional, help: "Grid of the search in patients (default 1 % of Schoenfeld's n, at least 2).")
    var step: Int?

    @Option(name: .long, parsing: .unconditional, help: "Random seed; the same seed gives the same output for any thread count.")
    var seed: UInt64 = 1

    @Option(name: .long, parsing: .unconditional, help: "Worker threads (default: all cores). Results do not depend on it.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a parameter: ARM.PARAM=VALUE (repeatable).", valueName: "arm.param=value"))
    var assignments: [String] = []

    @OptionGroup var evidence: EvidenceOptions

    @Option(name: .long, help: "Output folder (default notebooks-out/design-<arms>-power<P>-seed<S>).")
    var out: String?

    @Flag(name: .long, help: "Overwrite the files of an existing output folder.")
    var force = false

    func validate() throws {
        guard power > 0, power < 1 else { throw ValidationError("--power \(power): a probability in (0, 1)") }
        guard sided == 1 || sided == 2 else { throw ValidationError("--sided \(sided): 1 or 2") }
        guard replicates >= 10, replicates <= 10_000_000 else { throw ValidationError("--replicates \(replicates): between 10 and 10^7") }
        if let step { guard step >= 1 else { throw ValidationError("--step \(step): at least 1 patient") } }
        guard threads >= 1, threads <= 256 else { throw ValidationError("--threads \(threads): must be between 1 and 256") }
        if betaSpending != nil, sided != 1 { throw ValidationError("--beta-spending needs --sided 1 (futility bounds are one-sided)") }
        if looks == nil, betaSpending != nil || spending != "obf" { throw ValidationError("--spending and --beta-spending need --looks") }
    }

    func run() throws {
        try reportingFailures {
            let ids = try parseArmList(arms)
            guard ids.count == 2 else {
                throw NensimFailure.usage("\(.arms) '\(user: arms)': a design compares exactly two arms, EXPERIMENTAL,CONTROL (e.g. sunitinib,placebo)")
            }
            var plan: SequentialPlan?
            if let looks {
                plan = SequentialPlan(informationRates: try SequentialPlan.parseLooks(looks), sides: sided,
                                      spending: try SequentialPlan.parseSpending(spending, parameter: .spending),
                                      futilitySpending: try betaSpending.map { try SequentialPlan.parseSpending($0, parameter: .betaSpending) },
                                      beta: 1 - power)
            }
            let template = TrialDesign(patients: 2, ratio: try AllocationRatio.parse(ratio), accrual: accrual, followUp: followUp,
                                       dropoutPerYear: dropout, endpoint: endpoint == .pfs ? .pfs : .os, test: try TrialTest.parse(test),
                                       assessmentInterval: try assess.map(AssessmentInterval.parse), alpha: alpha,
                                       sequential: plan)
            let catalogue = try evidence.catalogue()
            let overrides = try ModelOverrides.parse(assignments)
            let calibrator = Calibrator(catalogue: catalogue, overrides: overrides)
            let models = try ids.map { try calibrator.model(for: $0) }
            let folder = try RunFolder.create(at: out ?? "notebooks-out/design-\(ids[0])-\(ids[1])-power\(fmtPlain(power))-seed\(seed)",
                                              force: force, shape: .files)
            defer { folder.abandon() }
            let search = try SampleSizeSearch.run(experimental: models[0], control: models[1], template: template, sides: sided,
                                                  power: power, replicates: replicates, seed: seed, threads: threads, step: step)
            let report = DesignReport(search: search, experimental: models[0].id, control: models[1].id, template: template,
                                      sides: sided, seed: seed, commandLine: ["nensim"] + CommandLine.arguments.dropFirst())
            _ = try report.write(to: folder) {
                try Console.out(report.renderTable())
                try Console.out("")
                let shown = folder.files.map { (folder.displayName as NSString).appendingPathComponent($0) }
                try Console.out("wrote \(shown.joined(separator: ", "))")
            }
        }
    }

    private func fmtPlain(_ x: Double) -> String { String(format: "%g", x) }
}
