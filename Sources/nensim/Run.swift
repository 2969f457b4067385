import ArgumentParser
import Foundation
import NENSim

/// Flags shared by `run` and `validate`: the scenario and the engine.
struct SimulationOptions: ParsableArguments {
    @Option(name: .long, parsing: .unconditional, help: "Random seed; the same seed gives the same output for any thread count.")
    var seed: UInt64 = 1

    @Option(name: .long, parsing: .unconditional, help: "Worker threads (default: all cores). Results do not depend on it.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .long, parsing: .unconditional, help: "Follow-up horizon in months: patients event-free then are censored.")
    var horizon: Double = 240

    @Option(name: .long, parsing: .unconditional, help: "Uniform accrual period in months (needs --follow-up).")
    var accrual: Double = 0

    @Option(name: .customLong("follow-up"), parsing: .unconditional, help: "Follow-up after accrual ends, in months; the analysis happens then.")
    var followUp: Double?

    @Option(name: .long, parsing: .unconditional, help: "Annual dropout probability (exponential dropout), in [0, 1).")
    var dropout: Double = 0

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a parameter: ARM.PARAM=VALUE (repeatable), e.g. prrt.pfs.median=30.", valueName: "arm.param=value"))
    var assignments: [String] = []

    @Option(name: .long, help: ArgumentHelp("The simulated population, KEY=VALUE,…: liver_metastases=P (adds the liver-metastasis covariate at prevalence P), site=…, grade=G1|G2|G3, sstr=positive|negative, ki67=PCT, liver_lesions=N. Arms whose evidence does not cover it get a warning.", valueName: "key=value,…"))
    var population: String?

    @Option(name: .customLong("grid-days"), parsing: .unconditional, help: "Width of a tally cell in days.")
    var gridDays: Double = 1

    @Option(name: .customLong("exact-limit"), parsing: .unconditional, help: "Keep individual patient records (exact statistics) when n per arm is at most this.")
    var exactLimit: Int = SimulationRequest.defaultRecordLimit

    @Option(name: .customLong("block-size"), parsing: .unconditional, help: .hidden)
    var blockSize: Int = SimulationRequest.defaultBlockSize

    @OptionGroup var evidence: EvidenceOptions

    func validate() throws {
        guard threads >= 1, threads <= 256 else { throw ValidationError("--threads \(threads): must be between 1 and 256 (each worker keeps its own tally)") }
        guard gridDays.isFinite, Limits.gridDays.contains(gridDays) else {
            throw ValidationError("--grid-days \(fmtShort(gridDays)): must be between \(fmtShort(Limits.gridDays.lowerBound)) and \(fmtShort(Limits.gridDays.upperBound)) days")
        }
        guard Limits.cells(horizon: max(horizon.isFinite ? horizon : 0, 600), gridWidth: gridDays / daysPerMonth) != nil || !horizon.isFinite else {
            throw ValidationError("--grid-days \(fmtShort(gridDays)) with --horizon \(fmtShort(horizon)): more than \(Limits.maxCells) tally cells per arm; widen the grid")
        }
        guard Limits.recordLimit.contains(exactLimit) else {
            throw ValidationError("--exact-limit \(exactLimit): must be between 0 and \(Limits.recordLimit.upperBound) (records cost 26 bytes a patient)")
        }
        guard blockSize >= 1, blockSize <= 1 << 24 else { throw ValidationError("--block-size \(blockSize): must be between 1 and 16777216") }
        do { try design.validate() } catch let f as NensimFailure { throw validationError(f) }
    }

    var design: StudyDesign {
        StudyDesign(horizon: horizon, accrual: accrual, followUp: followUp, dropoutPerYear: dropout)
    }

    func request(arms: [ArmModel], n: Int) -> SimulationRequest {
        SimulationRequest(arms: arms, patientsPerArm: n, seed: seed, design: design, gridWidth: gridDays / daysPerMonth,
                          blockSize: blockSize, threads: threads, recordLimit: exactLimit)
    }

    /// `--set` assignments of economic inputs (`ARM.cost.…`, `ARM.utility.…`; docs/ECONOMICS.md) and the others.
    static func isEconomic(_ a: String) -> Bool {
        let key = a.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
        let parts = key.split(separator: ".", maxSplits: 1)
        return parts.count == 2 && (parts[1].hasPrefix("cost.") || parts[1].hasPrefix("utility."))
    }
    var modelAssignments: [String] { assignments.filter { !Self.isEconomic($0) } }
    var economicAssignments: [String] { assignments.filter(Self.isEconomic) }

    /// K PSA parameter sets for `arms`, with the same overrides and population as the base case.
    func psaDraws(arms: [String], K: Int, catalogue: EvidenceCatalogue) throws -> [PSADraw] {
        try PSA.sample(catalogue: catalogue, overrides: try ModelOverrides.parse(modelAssignments), arms: arms, K: K, seed: seed,
                       population: try population.map(PopulationSpec.parse) ?? PopulationSpec())
    }

    /// Parses the arm list and calibrates each arm against the (merged) catalogue.
    /// Under `strict` a plausibility finding (or a population key outside an arm's
    /// evidence) is an error (exit 65); otherwise the caller warns (`warnFindings`).
    func models(_ armList: String, catalogue: EvidenceCatalogue, strict: Bool = false) throws -> [ArmModel] {
        let ids = try resolveArmList(armList, catalogue: catalogue)
        let overrides = try ModelOverrides.parse(modelAssignments)
        for arm in overrides.values.keys.sorted() where !ids.contains(arm) {
            _ = try catalogue.arm(arm) // an unknown arm in --set is an error, a known one not in --arms is ignored
        }
        let spec = try population.map(PopulationSpec.parse) ?? PopulationSpec()
        let calibrator = Calibrator(catalogue: catalogue, overrides: overrides, population: spec)
        let models = try ids.map { try calibrator.model(for: $0) }
        try refuseFindings(models, strict: strict)
        return models
    }
}

/// `parseArmList`, each id resolved to its catalogue arm (aliases, case), refusing two
/// names of one arm (`pprt,prrt`).
func resolveArmList(_ text: String, catalogue: EvidenceCatalogue) throws -> [String] {
    let names = try parseArmList(text)
    var seen: [String: String] = [:]
    var ids: [String] = []
    for name in names {
        let id = try catalogue.arm(name).id
        if let first = seen[id] {
            throw NensimFailure.usage("\(.arms) '\(user: text)': '\(user: first)' and '\(user: name)' are both arm \(id); list each arm once")
        }
        seen[id] = name
        ids.append(id)
    }
    return ids
}

/// Splits "a,b,c" into ids: lowercased, trimmed, no empties, no duplicates.
func parseArmList(_ text: String) throws -> [String] {
    let ids = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    guard !ids.isEmpty, !ids.contains(where: \.isEmpty) else {
        throw NensimFailure.usage("\(.arms) '\(user: text)': expected comma-separated arm ids, e.g. prrt,everolimus")
    }
    var seen = Set<String>()
    for id in ids where !seen.insert(id).inserted {
        throw NensimFailure.usage("\(.arms): arm '\(user: id)' is listed twice")
    }
    return ids
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate cohorts under treatment arms and compare them (the default command).",
        discussion: "Example: nensim --arms prrt,everolimus --n 100000\nPathways: nensim --pathways \"ssa>prrt>everolimus,ssa>everolimus>prrt\" --n 100000"
    )

    @Option(name: .long, help: "Comma-separated arm ids, e.g. prrt,everolimus (see `nensim arms`); or give --pathways.", completion: ArmCompletion.kind)
    var arms: String?

    @Option(name: .long, parsing: .unconditional, help: "Patients per arm (1 … 10^12).", transform: Counts.parse)
    var n: Int = 10_000

    @Option(name: .long, help: "Arm the others are compared with (default: placebo if run, else the first arm).")
    var reference: String?

    @Option(name: .long, parsing: .unconditional, help: "Restriction time τ for RMST, months (default: min(60, horizon)).")
    var tau: Double?

    @Option(name: .long, parsing: .unconditional, help: "Probabilistic sensitivity analysis: K parameter sets drawn from the figures' ranges (log-normal times, beta proportions); reports each statistic's 2.5–97.5 % interval over draws.", transform: Counts.parse)
    var psa: Int?

    @OptionGroup var options: SimulationOptions

    @OptionGroup(title: "Health economics") var economicsOptions: EconomicsOptions

    @OptionGroup(title: "Treatment pathways") var pathwayOptions: PathwayOptions

    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: ArgumentHelp("Run only shard i of k and write its tally file (to --out FILE, or notebooks-out/<arms>-n<N>-seed<S>.shard-i-of-k.nstally) instead of the report; add the k files with `nensim merge` (docs/SCALE.md). With --psa K the shard also simulates draws d with d mod k = i − 1.", valueName: "i/k"))
    var shard: String?

    func validate() throws {
        try pathwayOptions.validate(arms: arms, reference: reference)
        if let shard {
            do { _ = try ShardSpec.parse(shard) } catch let f as NensimFailure { throw validationError(f) }
            if arms == nil { throw ValidationError("--shard applies to --arms; --pathways runs are not sharded yet") }
        }
        guard n >= 1 else { throw ValidationError("--n \(n): must be ≥ 1 (patients per arm)") }
        if let psa { guard psa >= 1, psa <= 100_000 else { throw ValidationError("--psa \(psa): between 1 and 100000 draws") } }
        guard n <= 1_000_000_000_000 else { throw ValidationError("--n \(n): at most 10^12 patients per arm") }
        if let tau { guard tau.isFinite, tau > 0 else { throw ValidationError("--tau \(tau): must be a positive number of months") } }
        if let tau, tau > options.horizon {
            throw ValidationError("--tau \(fmtShort(tau)) is beyond the horizon (\(fmtShort(options.horizon)) months)")
        }
    }

    func run() throws {
        Console.quiet = output.quiet
        try reportingFailures {
            guard let arms else { return try pathwayOptions.run(n: n, tau: tau, options: options, output: output, economics: economicsOptions) }
            let catalogue = try options.evidence.catalogue()
            let listed = try parseArmList(arms)
            if let reference, !listed.contains(reference.lowercased()) {
                throw NensimFailure.usage("--reference '\(reference)' is not one of the arms run (\(listed.joined(separator: ", ")))")
            }
            if let tau, tau > options.horizon {
                throw NensimFailure.usage("--tau \(fmtShort(tau)) is beyond the horizon (\(fmtShort(options.horizon)) months)")
            }
            let models = try options.models(arms, catalogue: catalogue, strict: pathwayOptions.strict)
            let ids = models.map(\.id)
            let ref: String?
            if let reference {
                let r = reference.lowercased()
                guard ids.contains(r) else {
                    throw NensimFailure.usage("--reference '\(reference)' is not one of the arms run (\(ids.joined(separator: ", ")))")
                }
                ref = r
            } else {
                ref = ids.count > 1 ? (ids.contains("placebo") ? "placebo" : ids[0]) : nil
            }
            if let tau, tau > options.horizon {
                throw NensimFailure.usage("--tau \(fmtShort(tau)) is beyond the horizon (\(fmtShort(options.horizon)) months)")
            }
            try refuseAssumptionComparisons(arms: models, reference: ref, endpoints: ["pfs", "os"], strict: pathwayOptions.strict)
            var request = options.request(arms: models, n: n)
            let economics = try economicsOptions.inputs(models: models, horizon: options.horizon, assignments: options.economicAssignments)
            request.economics = economics
            if economics != nil, shard != nil, psa != nil {
                throw NensimFailure.usage("\(.economics) with \(.psa) is not sharded yet; shard the run without \(.psa) (docs/ECONOMICS.md)")
            }
            let economicsScenario = economics.map { economicsOptions.scenario($0) }
            if economics == nil, !options.economicAssignments.isEmpty {
                throw NensimFailure.usage("\(.override) '\(user: options.economicAssignments[0])': an economic parameter needs \(.economics)")
            }
            if let shard {
                var draws: [PSADraw]?
                if let psa {
                    HeapTuning.keepFreedBlocks()
                    draws = try options.psaDraws(arms: ids, K: psa, catalogue: catalogue)
                }
                warnFindings(models)
                return try runShard(try ShardSpec.parse(shard), request: request, reference: ref, tau: tau, out: output.out,
                                    evidenceFile: options.evidence.evidence, psaDraws: draws, economics: economicsScenario)
            }
            try output.check(request)
            var scenario = TallyScenario(request: request, reference: ref, tau: tau, economics: economicsScenario)
            scenario.psa = psa
            let session = try output.begin(defaultFolder: try OutputOptions.defaultFolder(arms: ids, n: n, seed: options.seed, scenario: scenario),
                                           request: request, psa: psa)
            defer { session.close() }
            warnFindings(models)
            let result = Engine.run(request, progress: session.progress)
            let report = try Reporter.report(result, reference: ref, tau: tau, progress: session.sink)
            var psaResult: RunPSAResult?
            var economicDraws: [[EconomicTally]]?
            if let psa {
                HeapTuning.keepFreedBlocks()
                let draws = try options.psaDraws(arms: ids, K: psa, catalogue: catalogue)
                session.sink?.begin(.psa, total: draws.count)
                let run = try RunPSA.run(base: report, draws: draws, request: request, reference: ref, tau: tau, progress: session.sink)
                psaResult = run.psa
                economicDraws = economics != nil ? run.economics : []
            }
            let economicsReport = economicsScenario.map { $0.report(result, reference: ref, psaDraws: economicDraws) }
            try session.finish(request: request, report: report, models: models, result: result,
                               catalogue: catalogue, evidenceFile: options.evidence.evidence,
                               extraCSV: psaResult.map { [("psa.csv", RunPSA.csv($0)), ("psa_summary.csv", RunPSA.summaryCSV($0))] } ?? [],
                               economics: economicsReport) {
                if output.printsTable {
                    try printReport(report, request: request, psa: psaResult)
                    if let economicsReport { print(economicsReport.text(), terminator: "") }
                }
            }
        }
    }
}

func fmtShort(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
}
