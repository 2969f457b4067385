import ArgumentParser
import Foundation
import NENSim

enum TrialEndpointOption: String, ExpressibleByArgument, CaseIterable {
    case pfs, os
}

/// The options of a two-arm trial design that `trial` and `design` share: the arms, the
/// evidence and overrides, randomisation, accrual, follow-up, dropout, the endpoint, the
/// decision test, scans and the group-sequential looks (docs/TRIAL.md). One definition,
/// so the two commands cannot drift apart in spelling, help or parsing.
struct TrialDesignOptions: ParsableArguments {
    @Option(name: .long, help: "EXPERIMENTAL,CONTROL arm ids, e.g. sunitinib,placebo (see `nensim arms`).", completion: ArmCompletion.kind)
    var arms: String

    @Option(name: .long, help: "Allocation ratio EXPERIMENTAL:CONTROL, e.g. 1:1 or 2:1.")
    var ratio: String = "1:1"

    @Option(name: .long, parsing: .unconditional,
            help: ArgumentHelp("Accrual: a uniform period in months (24), or piecewise rates MONTHS:PATIENTS-PER-MONTH,… (6:5,18:15).", valueName: "months|m:rate,…"))
    var accrual: String = "24"

    @Option(name: .customLong("follow-up"), parsing: .unconditional,
            help: "Follow-up after accrual ends, months: the analysis time of a fixed design, the latest analysis time of an event-driven one (default 12; trial: none with --events).")
    var followUp: Double?

    @Option(name: .long, parsing: .unconditional,
            help: ArgumentHelp("Annual dropout probability (exponential dropout), in [0, 1): one for both arms (0.05) or per arm (sunitinib=0.1,placebo=0.05).", valueName: "p|arm=p,…"))
    var dropout: String = "0"

    @Option(name: .long, parsing: .unconditional, help: "Share in [0, 1] of control patients who switch at progression to the experimental arm's post-progression survival (changes OS).")
    var crossover: Double?

    @Option(name: .long, help: "Endpoint analysed: pfs or os.")
    var endpoint: TrialEndpointOption = .pfs

    @Option(name: .long, help: "Decision test: logrank, cox (Wald), fh:RHO,GAMMA (Fleming–Harrington), maxcombo, mb:TSTAR (Magirr–Burman) or rmst:TAU (RMST difference to TAU months; fixed designs).")
    var test: String = "logrank"

    @Option(name: .long, help: ArgumentHelp("Scan interval (e.g. 12w, 3m, 90d), or a changing schedule INTERVAL*COUNT,…,INTERVAL (8w*6,12w: six scans 8 weeks apart, then every 12): progression is seen at the first scan after it.", valueName: "interval|i*k,…,i"))
    var assess: String?

    @Option(name: .long, help: ArgumentHelp("Group-sequential looks at these information fractions (fractions of the target events), e.g. 0.5,0.75,1.", valueName: "t1,t2,…,1"))
    var looks: String?

    @Option(name: .long, help: "Lan–DeMets α spending of --looks: obf, pocock or hsd:GAMMA.")
    var spending: String = "obf"

    @Option(name: .customLong("beta-spending"), help: "Non-binding futility bounds from β spending (obf, pocock, hsd:GAMMA); needs --sided 1.")
    var betaSpending: String?

    @Option(name: .long, help: ArgumentHelp("Stratified permuted-block randomisation (repeatable): KEY=LEVEL:SHARE[:HR],LEVEL:SHARE[:HR],… — keys as --population names them (grade=G1:0.4,G2:0.6:1.8; liver_metastases=yes:0.3,no:0.7 takes the model's hazard ratio) or any label (region=EU:0.5,US:0.5); HR multiplies both hazards (default 1). Analysed by the stratified log-rank and Cox.", valueName: "key=level:share[:hr],…"))
    var strata: [String] = []

    @Flag(name: .customLong("unstratified-analysis"), help: "With --strata: randomise within strata but analyse without them.")
    var unstratifiedAnalysis = false

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a parameter: ARM.PARAM=VALUE (repeatable).", valueName: "arm.param=value"))
    var assignments: [String] = []

    @OptionGroup var evidence: EvidenceOptions

    /// Checks that need no evidence: spending options only with looks, β spending only
    /// one-sided (`sided` as the command resolves it).
    func validateLooks(sided: Int) throws {
        if looks == nil {
            for (flag, given) in [("--spending", spending != "obf"), ("--beta-spending", betaSpending != nil)] where given {
                throw ValidationError("\(flag) needs --looks (a group-sequential design)")
            }
        }
        if betaSpending != nil, sided != 1 { throw ValidationError("--beta-spending needs --sided 1 (futility bounds are one-sided)") }
        if unstratifiedAnalysis, strata.isEmpty { throw ValidationError("--unstratified-analysis needs --strata") }
        if !strata.isEmpty {
            do { _ = try TrialStrata.parse(strata) } catch let f as NensimFailure { throw validationError(f) }
        }
        if let crossover, !(crossover >= 0 && crossover <= 1) {
            throw ValidationError("--crossover \(crossover): the share of control patients crossing over must lie in [0, 1]")
        }
    }

    /// Warns of options that do not act on this design (crossover changes OS only).
    func warnInert(_ design: TrialDesign) {
        if (design.crossover ?? 0) > 0, design.endpoint == .pfs {
            Console.warning("--crossover changes OS only; the PFS analysed here is unaffected (add --endpoint os)")
        }
        if (design.crossover ?? 0) > 0, design.null {
            Console.warning("--crossover with --null: both slots are the control arm, so crossing over changes nothing")
        }
    }

    /// `design` with its strata's model-covariate hazard ratios read from the calibrated
    /// control arm (`TrialStrata.resolved(with:)`).
    func resolvingStrata(_ design: TrialDesign, models: [ArmModel]) throws -> TrialDesign {
        var d = design
        d.strata = try d.strata.map { try $0.resolved(with: models[1]) }
        return d
    }

    /// The two arm ids, EXPERIMENTAL then CONTROL, as typed (resolved against the
    /// catalogue by the caller).
    func armPair(_ what: String) throws -> [String] {
        let ids = try parseArmList(arms)
        guard ids.count == 2 else {
            throw NensimFailure.usage("\(.arms) '\(user: arms)': a \(what) compares exactly two arms, EXPERIMENTAL,CONTROL (e.g. sunitinib,placebo)")
        }
        return ids
    }

    /// The group-sequential plan of `--looks`, or nil.
    func sequentialPlan(sides: Int, beta: Double) throws -> SequentialPlan? {
        guard let looks else { return nil }
        return SequentialPlan(informationRates: try SequentialPlan.parseLooks(looks), sides: sides,
                              spending: try SequentialPlan.parseSpending(spending, parameter: .spending),
                              futilitySpending: try betaSpending.map { try SequentialPlan.parseSpending($0, parameter: .betaSpending) },
                              beta: beta)
    }

    /// The design of `patients` patients with these options.
    func design(patients: Int, followUp: Double?, targetEvents: Int?, alpha: Double, null: Bool,
                sequential: SequentialPlan?) throws -> TrialDesign {
        let ids = try armPair("trial")
        let drop = try ArmDropout.parse(dropout, experimental: ids[0], control: ids[1])
        let uniform = Double(accrual.trimmingCharacters(in: .whitespaces))
        let pieces = uniform == nil ? try AccrualRates.parse(accrual) : nil
        let schedule = try assess.flatMap { $0.contains("*") || $0.contains(",") ? try AssessmentSchedule.parse($0) : nil }
        var d = TrialDesign(patients: patients, ratio: try AllocationRatio.parse(ratio), accrual: uniform ?? 0,
                            followUp: followUp, dropoutPerYear: drop.control, targetEvents: targetEvents,
                            endpoint: endpoint == .pfs ? .pfs : .os, test: try TrialTest.parse(test),
                            assessmentInterval: try schedule.map { $0[0].interval } ?? assess.map(AssessmentInterval.parse),
                            alpha: alpha, null: null, sequential: sequential)
        if drop.experimental != drop.control { d.experimentalDropoutPerYear = drop.experimental }
        d.assessmentSchedule = schedule
        d.crossover = crossover
        if !strata.isEmpty { d.strata = try TrialStrata.parse(strata, stratifiedAnalysis: !unstratifiedAnalysis) }
        return d.withAccrualRates(pieces)
    }

    /// The two arms calibrated against the (merged) catalogue with the overrides, checked
    /// for the analysed endpoint and, under `strict`, refused when it rests on an
    /// assumption or a calibration is implausible (docs/MODEL.md).
    func calibratedArms(_ what: String, strict: Bool) throws -> (catalogue: EvidenceCatalogue, overrides: ModelOverrides, models: [ArmModel]) {
        _ = try armPair(what)
        let catalogue = try evidence.catalogue()
        let ids = try resolveArmList(arms, catalogue: catalogue)
        let overrides = try ModelOverrides.parse(assignments)
        for arm in overrides.values.keys.sorted() where !ids.contains(arm) { _ = try catalogue.arm(arm) }
        // A stratification factor that is a model covariate (liver metastases) calibrates
        // the arms with it, at the factor's share (docs/TRIAL.md, "Stratification").
        var population = PopulationSpec()
        if !strata.isEmpty { population.prevalence = try TrialStrata.parse(strata).covariatePrevalences }
        let calibrator = Calibrator(catalogue: catalogue, overrides: overrides, population: population)
        let models = try ids.map { try calibrator.model(for: $0) }
        let analysed = endpoint.rawValue
        for m in models where !m.models(analysed) {
            throw NensimFailure.data("arm '\(m.id)' has no \(analysed.uppercased()) figure: its \(analysed.uppercased()) is not modelled; supply one with \(spellSet(m.id, [analysed + ".median"]))")
        }
        try refuseFindings(models, strict: strict)
        try refuseAssumptionComparisons(arms: models, reference: models[1].id, endpoints: [analysed], strict: strict)
        return (catalogue, overrides, models)
    }
}
