import ArgumentParser
import Figures
import Foundation
import NENSim
import SurvivalStats

extension ConfidenceType: ExpressibleByArgument {}
extension CoxTies: ExpressibleByArgument {}
extension ZPHTransform: ExpressibleByArgument {}

struct Analyze: ParsableCommand {
    /// `--ph-test` takes an optional value: the arguments with `km` (R's default)
    /// inserted after a `--ph-test` that is not followed by a transform.
    static func withDefaultTransform(_ arguments: [String]) -> [String] {
        var out: [String] = []
        for (i, a) in arguments.enumerated() {
            out.append(a)
            if a == "--ph-test", i + 1 == arguments.count || ZPHTransform(rawValue: arguments[i + 1]) == nil { out.append("km") }
        }
        return out
    }

    static let configuration = CommandConfiguration(
        abstract: "Survival analysis of a CSV file: Kaplan–Meier per group, log-rank, Cox — the numbers R's survival package gives.",
        discussion: """
        Example: nensim analyze lung.csv --time time --event status --event-codes 1,2 --group sex --covariates age,ph.ecog

        The file needs a header row (RFC 4180 CSV, UTF-8). A record with an empty or NA cell in a used column is dropped (R's na.omit) and counted; any other bad cell stops the analysis with its line and column. Events are 0 = censored, 1 = event (or FALSE/TRUE) unless --event-codes says otherwise. Groups are ordered as R orders factor levels; the Cox model compares each with the first.

        Exit codes: 64 a wrong flag or a column the file does not have; 65 malformed or invalid data; 66 the file is missing or not readable; 73 the --out folder cannot be written; 74 reading or writing failed part-way.
        """
    )

    @Argument(help: ArgumentHelp("CSV file with a header row.", valueName: "file.csv"))
    var file: String

    @Option(name: .long, help: "Column with the follow-up time (a number ≥ 0).")
    var time: String

    @Option(name: .long, help: "Column with the event indicator (see --event-codes).")
    var event: String

    @Option(name: .long, help: ArgumentHelp("Column with the start of each record's interval (start, time]: delayed entry, or time-varying covariates split into records, as Surv(start, stop, event).", valueName: "col"))
    var start: String?

    @Option(name: .long, help: "Column with the group (arm); a Kaplan–Meier curve each, log-rank test and Cox contrasts against the first group.")
    var group: String?

    @Option(name: .long, help: "Column with strata: a stratified log-rank test and a Cox model with a baseline hazard per stratum.")
    var strata: String?

    @Option(name: .long, help: ArgumentHelp("Numeric columns added to the Cox model, comma-separated.", valueName: "a,b"))
    var covariates: String?

    @Option(name: .long, help: ArgumentHelp("Numeric --covariates to code as factors (text columns are factors anyway), comma-separated.", valueName: "a,b"))
    var factor: String?

    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp("Level order of a factor, group or strata column (the first is the reference), e.g. celltype=squamous,smallcell,adeno,large; repeatable. Default: R's order (sorted).", valueName: "col=a,b,c"))
    var levels: [String] = []

    @Option(name: .long, help: ArgumentHelp("The --group level the others are compared with (default: the first in R's order).", valueName: "level"))
    var reference: String?

    @Option(name: .long, help: ArgumentHelp("Column of case weights (> 0) for the curves, the log-rank test and the Cox model.", valueName: "col"))
    var weights: String?

    @Option(name: .long, help: ArgumentHelp("Column of cluster labels (e.g. a patient id): the Cox model's robust sandwich variance, as coxph(…, cluster = id).", valueName: "col"))
    var cluster: String?

    @Flag(name: .long, inversion: .prefixedNo, help: "Robust Cox variance, each record its own cluster unless --cluster (default: on with --cluster or non-integer --weights, as R).")
    var robust: Bool?

    @Option(name: .customLong("event-codes"), help: ArgumentHelp("The censored and event codes, e.g. 1,2 for R's lung data (default 0,1; TRUE/FALSE are also accepted then).", valueName: "censored,event"))
    var eventCodes: String?

    @Option(name: .long, parsing: .unconditional, help: "Restriction time τ for RMST (default: the smallest of the groups' last follow-up times).")
    var tau: Double?

    @Option(name: .long, help: ArgumentHelp("Times at which to report S(t) with its CI, comma-separated, e.g. 6,12,24.", valueName: "t1,t2"))
    var landmarks: String?

    @Option(name: .customLong("conf-type"), help: "Confidence interval of S(t): plain, log (R's default), log-log, logit, arcsin.")
    var confType: ConfidenceType = .log

    @Option(name: .customLong("conf-level"), parsing: .unconditional, help: "Confidence level of every interval.")
    var confLevel: Double = 0.95

    @Option(name: .long, help: "Tied event times in the Cox model: efron (R's default) or breslow.")
    var ties: CoxTies = .efron

    @Option(name: .long, parsing: .unconditional, help: "Fleming–Harrington ρ of the log-rank test: 0 = log-rank, 1 = Peto–Peto.")
    var rho: Double = 0

    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp("A two-group test of each group against the first (repeatable): fh:RHO,GAMMA (Fleming–Harrington G(ρ, γ)), maxcombo (max of G(0,0), G(0,1), G(1,0), G(1,1)), mb:TSTAR (Magirr–Burman, t* in the file's time unit) or rmst:TAU (RMST difference to TAU); unstratified right-censored data without weights. The log-rank test and Cox model are always reported.", valueName: "test"))
    var test: [String] = []

    @Option(name: .customLong("ph-test"), help: ArgumentHelp("Proportional-hazards test of the Cox model, as R's cox.zph(fit, transform =): per term and global, with zph.csv and zph.svg under --out. The transform may be left out (km, R's default).", valueName: "km|identity|rank|log"))
    var phTest: ZPHTransform?

    @Option(name: .long, help: ArgumentHelp("Also write km.csv and analysis.json into this folder (new or empty).", valueName: "dir"))
    var out: String?

    @Flag(name: .long, help: "Write into an existing non-empty --out folder (replacing km.csv and analysis.json).")
    var force = false

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Thin each curve in km.csv to about N rows for plotting (default: every time).", valueName: "N"))
    var kmPoints: Int?

    func validate() throws {
        if let tau { guard tau.isFinite, tau > 0 else { throw ValidationError("--tau \(tau): must be a positive time") } }
        guard confLevel > 0, confLevel < 1 else { throw ValidationError("--conf-level \(confLevel): must be between 0 and 1, e.g. 0.95") }
        guard rho.isFinite, rho >= 0 else { throw ValidationError("--rho \(rho): must be a number ≥ 0") }
        if let kmPoints { guard kmPoints >= 2 else { throw ValidationError("--km-points \(kmPoints): must be ≥ 2") } }
        do {
            _ = try options()
        } catch let f as NensimFailure {
            throw validationError(f)
        }
    }

    /// The library's options from the flags.
    func options() throws -> AnalysisOptions {
        var covariateList: [String] = []
        if let covariates {
            covariateList = covariates.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard !covariateList.contains(where: \.isEmpty) else {
                throw NensimFailure.usage("--covariates '\(covariates)': expected comma-separated column names, e.g. age,ph.ecog")
            }
        }
        var times: [Double] = []
        if let landmarks {
            for part in landmarks.split(separator: ",", omittingEmptySubsequences: false) {
                let text = part.trimmingCharacters(in: .whitespaces)
                guard let t = Double(text), t.isFinite, t >= 0 else {
                    throw NensimFailure.usage("--landmarks '\(landmarks)': '\(text)' is not a time ≥ 0 (expected e.g. 6,12,24)")
                }
                times.append(t)
            }
        }
        let coding = try eventCodes.map(EventCoding.parse) ?? .standard
        var factorList: [String] = []
        if let factor {
            factorList = factor.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard !factorList.contains(where: \.isEmpty) else {
                throw NensimFailure.usage("--factor '\(factor)': expected comma-separated column names, e.g. ph.ecog")
            }
        }
        var levelOrder: [String: [String]] = [:]
        for spec in levels {
            let parts = spec.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let list = parts.count == 2 ? parts[1].split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } : []
            let column = parts[0].trimmingCharacters(in: .whitespaces)
            guard parts.count == 2, !column.isEmpty, !list.isEmpty, !list.contains(where: \.isEmpty) else {
                throw NensimFailure.usage("--levels '\(spec)': expected COLUMN=LEVEL,LEVEL,…, e.g. celltype=squamous,smallcell,adeno,large")
            }
            guard levelOrder[column] == nil else { throw NensimFailure.usage("--levels: column '\(column)' is given twice") }
            levelOrder[column] = list
        }
        var options = AnalysisOptions(time: time, event: event, group: group, strata: strata, covariates: covariateList,
                               eventCoding: coding, tau: tau, landmarks: times, confidenceType: confType,
                               confidenceLevel: confLevel, ties: ties, rho: rho,
                               factors: factorList, levels: levelOrder, reference: reference, weights: weights,
                               cluster: cluster, robust: robust)
        options.start = start
        options.phTest = phTest
        options.tests = try test.map { text in
            let t = try TrialTest.parse(text)
            switch t {
            case .logRank, .cox:
                throw NensimFailure.usage("--test \(text): the log-rank test and the Cox model are always reported; --test adds fh:RHO,GAMMA, maxcombo, mb:TSTAR or rmst:TAU")
            default: return t
            }
        }
        if !options.tests.isEmpty {
            if group == nil { throw NensimFailure.usage("--test needs --group (it compares each group with the first)") }
            for (flag, given) in [("--strata", strata != nil), ("--weights", weights != nil), ("--start", start != nil)] where given {
                throw NensimFailure.usage("--test with \(flag): the two-group tests are computed on unstratified, unweighted right-censored data; leave out \(flag) or --test")
            }
        }
        return options
    }

    func run() throws {
        try reportingFailures {
            let options = try options()
            // The folder (a hidden temporary sibling) is made before any work, so an
            // unusable --out fails first; the report is printed before it is committed.
            let folder = try out.map { try RunFolder.create(at: $0, force: force, shape: .files) }
            defer { folder?.abandon() }
            // The records are checked as they are read (one pass fewer over the file).
            let table = try CSVReader.read(path: file, checked: false)
            let data = try AnalysisData.extract(from: table, options: options)
            let commandLine = ["nensim"] + CommandLine.arguments.dropFirst()
            // The curves are not kept: each is written to km.csv as it is fitted (with --out).
            guard let folder, let out else {
                let result = SurvivalAnalysis.run(data, options: options, input: file, commandLine: commandLine, keepCurves: false)
                return try Console.out(result.report.renderText())
            }
            var analysis: AnalysisResult? = nil
            try folder.write("km.csv") { km in
                try km.write(AnalysisResult.kaplanMeierHeader)
                // Each curve's rows are written while the tests are computed.
                let rows = KaplanMeierCSVStream(km, points: kmPoints)
                analysis = SurvivalAnalysis.run(data, options: options, input: file, commandLine: commandLine, keepCurves: false, curves: rows)
                try rows.finish()
            }
            let result = analysis!
            var text = result.report.renderText()
            var written = ["km.csv", "analysis.json"]
            let json = try result.json()
            try folder.write("analysis.json") { try $0.write(json) }
            if let zph = result.zphCSV { try folder.write("zph.csv", contents: zph); written.append("zph.csv") }
            if let figure = result.zphFigure() { try folder.write("zph.svg", contents: try figure.render(as: .svg)); written.append("zph.svg") }
            text += "\n\nWrote \(written.dropLast().joined(separator: ", ")) and \(written.last!) to \(out)"
            try Console.out(text)
            try folder.commit()
        }
    }
}
