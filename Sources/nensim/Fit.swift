import ArgumentParser
import Foundation
import NENSim
import SurvivalStats

/// `nensim fit`: parametric survival families fitted to a CSV file by maximum
/// likelihood, ranked by AIC per group (docs/FIT.md; the statistics: docs/PARAMETRIC.md).
struct Fit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit parametric survival families (exponential, Weibull, Gompertz, log-normal, log-logistic, generalized gamma, piecewise exponential, mixture cure) to a CSV file, ranked by AIC.",
        discussion: """
        Example: nensim fit lung.csv --time time --event status --event-codes 1,2 --group sex --out fit-lung

        Reads the file as `nensim analyze` does (header row; a record with an empty or NA cell in a used column is dropped and counted). Per group: each family's parameters with 95% CIs, log-likelihood, AIC, BIC, and the median and RMST with delta-method CIs. The exponential, Weibull, log-normal and log-logistic equal R's survreg; the Gompertz and generalized gamma flexsurv's parameterisation (docs/PARAMETRIC.md). With --covariates the model is AFT (on mu) or, for the Gompertz, PH (on log rate), and the median and RMST are at the covariates' means. pwexp (with --cuts) is the piecewise exponential, cure-FAMILY a mixture cure over a family (docs/FIT.md); neither takes covariates.

        Exit codes: 64 a wrong flag or column; 65 malformed data, or no family could be fitted; 66 the file is missing; 73 the --out folder cannot be written; 74 reading or writing failed part-way.
        """
    )

    @Argument(help: ArgumentHelp("CSV file with a header row.", valueName: "file.csv"))
    var file: String

    @Option(name: .long, help: "Column with the follow-up time (a number > 0 for the log-time families).")
    var time: String

    @Option(name: .long, help: "Column with the event indicator (see --event-codes).")
    var event: String

    @Option(name: .customLong("event-codes"), help: ArgumentHelp("The censored and event codes, e.g. 1,2 for R's lung data (default 0,1).", valueName: "censored,event"))
    var eventCodes: String?

    @Option(name: .long, help: "Column with the group: each group fitted on its own.")
    var group: String?

    @Option(name: .long, help: ArgumentHelp("Models, comma-separated: all (the six families), exponential, weibull, gompertz, lognormal, loglogistic, gengamma, pwexp (needs --cuts), cure-exponential, cure-weibull, cure-gompertz, cure-lognormal, cure-loglogistic.", valueName: "all|weibull,…"))
    var dist: String = "all"

    @Option(name: .long, help: ArgumentHelp("Cut points of --dist pwexp in months (converted with --time-unit), increasing, e.g. 6,12,24.", valueName: "t1,t2,…"))
    var cuts: String?

    @Option(name: .long, help: ArgumentHelp("Numeric columns in the linear predictor, comma-separated.", valueName: "a,b"))
    var covariates: String?

    @Option(name: .long, help: "Restriction time τ of the RMST (default: the smallest of the groups' last follow-up times).")
    var tau: Double?

    @Option(name: .long, help: ArgumentHelp("Also write fit.json, fit.csv and fit.svg into this folder (new or empty).", valueName: "dir"))
    var out: String?

    @Flag(name: .long, help: "Write into an existing non-empty --out folder (replacing the files fit writes), or over an existing --export-evidence file.")
    var force = false

    @Option(name: .customLong("export-evidence"), help: ArgumentHelp("Write an evidence file with one arm per group whose PFS is the chosen fit (run it with nensim --evidence FILE --arms ARM).", valueName: "file.json"))
    var exportEvidence: String?

    @Option(name: .customLong("export-dist"), help: "The model to export: a family, pwexp or cure-FAMILY (default: the smallest AIC in each group); run simulates every model.")
    var exportDist: String?

    @Option(name: .customLong("export-arm"), help: "Arm id of the exported arm (snake_case; with --group, _<group> is appended).")
    var exportArm: String = "fitted"

    @Option(name: .customLong("time-unit"), help: "Unit of the time column, for the exported evidence (in months): months, days, weeks or years.")
    var timeUnit: String = "months"

    @OptionGroup var output: QuietOption

    func validate() throws {
        if let tau { guard tau.isFinite, tau > 0 else { throw ValidationError("--tau \(tau): must be a positive time") } }
        guard Self.monthsPerUnit[timeUnit] != nil else { throw ValidationError("--time-unit '\(timeUnit)': expected months, days, weeks or years") }
        do { _ = try families(); _ = try analysisOptions() } catch let f as NensimFailure { throw validationError(f) }
        if exportEvidence != nil {
            guard exportArm.range(of: "^[a-z][a-z0-9_]*$", options: .regularExpression) != nil else {
                throw ValidationError("--export-arm '\(exportArm)': an arm id is snake_case (a-z, 0-9, _), starting with a letter")
            }
            if covariates != nil { throw ValidationError("--export-evidence: a fit with --covariates is not one arm's distribution; export a fit without covariates (use --group for arms)") }
            if let exportDist {
                guard FittedDistribution.families.contains(exportDist) else { throw ValidationError("--export-dist '\(exportDist)': not a model (\(FittedDistribution.families.joined(separator: ", ")))") }
                guard (try? families())?.contains(where: { $0.name == exportDist }) ?? false else { throw ValidationError("--export-dist \(exportDist): not among the fitted models (--dist \(dist))") }
            }
        } else if exportDist != nil {
            throw ValidationError("--export-dist needs --export-evidence FILE")
        }
    }

    /// Months per unit of the time column (1 month = 30.4375 days, docs/MODEL.md).
    static let monthsPerUnit: [String: Double] = ["months": 1, "days": 1 / 30.4375, "weeks": 7 / 30.4375, "years": 12]

    /// The models asked for, in the order given (`all`: the six families). `pwexp` takes
    /// the cut points of `--cuts` (months) in the data's time unit.
    func families() throws -> [SurvivalModel] {
        let cutPoints = try parsedCuts()
        var list: [SurvivalModel] = []
        for part in dist.split(separator: ",", omittingEmptySubsequences: false) {
            let name = part.trimmingCharacters(in: .whitespaces).lowercased()
            if name == "all" {
                for f in ParametricFamily.allCases where !list.contains(.family(f)) { list.append(.family(f)) }
                continue
            }
            if name == "pwexp" && cutPoints == nil { throw NensimFailure.usage("--dist pwexp needs its cut points: --cuts 6,12,24 (months)") }
            guard let m = SurvivalModel.named(name, cuts: cutPoints.map { c in c.map { $0 / Self.monthsPerUnit[timeUnit]! } }) else {
                let names = ["all"] + FittedDistribution.families
                let hint = name == "cure-gengamma" ? " (a cure over the generalized gamma is not fitted)" : closestMatch(to: name, in: names).map { " — did you mean '\($0)'?" } ?? ""
                throw NensimFailure.usage("--dist '\(dist)': '\(name)' is not a model\(hint); the models are \(names.joined(separator: ", "))")
            }
            if !list.contains(m) { list.append(m) }
        }
        if cutPoints != nil && !list.contains(where: { $0.name == "pwexp" }) { throw NensimFailure.usage("--cuts needs --dist pwexp (e.g. --dist all,pwexp)") }
        if covariates != nil, let m = list.first(where: { if case .family = $0 { return false } else { return true } }) {
            throw NensimFailure.usage("--dist \(m.name): a piecewise exponential or cure model is fitted without --covariates")
        }
        return list
    }

    /// `--cuts` in months: positive, finite, strictly increasing.
    func parsedCuts() throws -> [Double]? {
        guard let cuts else { return nil }
        let values = cuts.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, let c = values as? [Double] else { throw NensimFailure.usage("--cuts '\(cuts)': expected comma-separated months, e.g. 6,12,24") }
        if let problem = LawOptions.problem(cuts: c, rates: [Double](repeating: 1, count: c.count + 1)) { throw NensimFailure.usage("--cuts '\(cuts)': \(problem)") }
        return c
    }

    func analysisOptions() throws -> AnalysisOptions {
        var covariateList: [String] = []
        if let covariates {
            covariateList = covariates.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard !covariateList.contains(where: \.isEmpty) else {
                throw NensimFailure.usage("--covariates '\(covariates)': expected comma-separated column names, e.g. age,ph.ecog")
            }
        }
        let coding = try eventCodes.map(EventCoding.parse) ?? .standard
        return AnalysisOptions(time: time, event: event, group: group, covariates: covariateList, eventCoding: coding)
    }

    func run() throws {
        output.apply()
        try reportingFailures {
            let families = try families()
            let options = try analysisOptions()
            // The one atomic writer (docs/RELIABILITY.md): made before any work, committed last.
            let folder = try out.map { try RunFolder.create(at: $0, force: force, shape: .files) }
            defer { folder?.abandon() }
            // The records are checked as they are read (one pass fewer over the file).
            let table = try CSVReader.read(path: file, checked: false)
            let data = try AnalysisData.extract(from: table, options: options)
            let commandLine = ["nensim"] + CommandLine.arguments.dropFirst()
            let result = try FitReport.make(data, families: families, tau: tau, input: file, commandLine: commandLine, withCurves: folder != nil)
            var text = result.text()
            if let exportEvidence {
                let data = try result.evidence(dist: exportDist, arm: exportArm,
                                               monthsPerUnit: Self.monthsPerUnit[timeUnit]!)
                if FileManager.default.fileExists(atPath: exportEvidence) && !force {
                    throw NensimFailure.cannotCreate("--export-evidence \(exportEvidence): the file exists; choose another name or add --force")
                }
                try RunFolder.writeFile(data, to: exportEvidence)
                text += "\nWrote the evidence file \(exportEvidence)"
            }
            if let folder, let out {
                try folder.write("fit.json", contents: try result.json())
                try folder.write("fit.csv", contents: result.csv())
                try folder.write("fit.svg", contents: result.svg())
                text += "\nWrote fit.json, fit.csv and fit.svg to \(out)"
            }
            if !Console.quiet { try Console.out(text) }
            try folder?.commit()
        }
    }
}

/// An estimate with its confidence interval (nil where not finite).
struct IntervalEstimate: Codable {
    var estimate: Double?
    var standardError: Double?
    var lower: Double?
    var upper: Double?

    init(_ estimate: Double, _ se: Double, lower: Double, upper: Double) {
        func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }
        self.estimate = finite(estimate); self.standardError = finite(se); self.lower = finite(lower); self.upper = finite(upper)
    }
}

/// One family's fit to one group, as fit.json holds it.
struct FamilyResult: Codable {
    struct Parameter: Codable {
        var name: String
        var estimate: Double
        var standardError: Double
        var lower: Double
        var upper: Double
    }
    struct Natural: Codable { var name: String; var value: Double }
    /// `SurvivalModel.name`: a family, `pwexp`, `cure-FAMILY`.
    var dist: String
    /// A piecewise exponential's cut points in the data's time unit (absent otherwise).
    var cuts: [Double]?
    var rank: Int
    var parameters: [Parameter]
    /// R's d/p/q parameters of the fitted distribution (at the covariate means).
    var natural: [Natural]
    var covariance: [[Double]]
    var logLik: Double
    var aic: Double
    var bic: Double
    var deltaAIC: Double
    var median: IntervalEstimate
    var rmst: IntervalEstimate
    var iterations: Int
}

struct GroupResult: Codable {
    struct Failure: Codable { var dist: String; var message: String }
    var group: String
    var n: Int
    var events: Int
    var fits: [FamilyResult]
    var failures: [Failure]
    /// Kaplan–Meier of the group (time, surv, lower, upper), for plots.
    var km: KMCurve
}

struct KMCurve: Codable {
    var time: [Double]
    var surv: [Double]
    var lower: [Double?]
    var upper: [Double?]

    /// The curve as drawn: every step while there are at most 2000; beyond, a step is
    /// kept when time has moved 1/2000 of the range or S (or a limit) 1/2000 since the
    /// last kept one (the first and last are always kept), so 10⁶ records do not write
    /// 10⁶ points into fit.json and fit.svg.
    static func thinned(_ km: KaplanMeierEstimate) -> KMCurve {
        let keep = CSV.thinnedRows(km, points: 2000)
        func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }
        return KMCurve(time: keep.map { km.time[$0] }, surv: keep.map { km.survival[$0] },
                       lower: keep.map { finite(km.lower[$0]) }, upper: keep.map { finite(km.upper[$0]) })
    }
}

/// Everything `nensim fit` prints and writes.
struct FitReport: Codable {
    var version: String
    var commandLine: [String]
    var input: String
    var recordsRead: Int
    var recordsDropped: Int
    var covariates: [String]
    var covariateMeans: [Double]
    var tau: Double
    var confidenceLevel: Double
    var groups: [GroupResult]

    /// Fitted distributions kept for the figure (not encoded).
    var curves: [[String: any SurvivalDistribution]] = []
    enum CodingKeys: String, CodingKey { case version, commandLine, input, recordsRead, recordsDropped, covariates, covariateMeans, tau, confidenceLevel, groups }

    /// - Parameter withCurves: compute each group's Kaplan–Meier curve (for fit.json and
    ///   fit.svg); without it `km` is empty.
    static func make(_ data: AnalysisData, families: [SurvivalModel], tau tauOption: Double?, input: String, commandLine: [String],
                     withCurves: Bool = true) throws -> FitReport {
        let p = data.covariateNames.count
        let z = Distributions.normalQuantile(0.975)
        var indices = [[Int]](repeating: [], count: data.groupLabels.count)
        for i in 0..<data.count { indices[data.group[i]].append(i) }
        let tau = tauOption ?? indices.map { $0.map { data.time[$0] }.max() ?? 0 }.min() ?? 0
        var means = [Double](repeating: 0, count: p)
        for i in 0..<data.count { for j in 0..<p { means[j] += data.covariates[i * p + j] / Double(data.count) } }
        var groups: [GroupResult] = []
        var curves: [[String: any SurvivalDistribution]] = []
        for (g, rows) in indices.enumerated() {
            // One group: the columns as they are; otherwise the group's rows gathered.
            let whole = indices.count == 1
            let time = whole ? data.time : rows.map { data.time[$0] }, event = whole ? data.event : rows.map { data.event[$0] }
            var zz: [Double] = whole || p == 0 ? (p == 0 ? [] : data.covariates) : []
            if !whole && p > 0 {
                zz.reserveCapacity(rows.count * p)
                for i in rows { zz.append(contentsOf: data.covariates[(i * p)..<((i + 1) * p)]) }
            }
            var fits: [(SurvivalModel, ParametricFit)] = []
            var failures: [GroupResult.Failure] = []
            // The group's records prepared once for all families (docs/PARAMETRIC.md, "Speed").
            do {
                let prepared = try ParametricData(time: time, event: event, covariates: zz, covariateCount: p)
                for model in families {
                    do {
                        guard case let .family(family) = model else {
                            fits.append((model, try ParametricFit.fit(model, data: prepared)))
                            continue
                        }
                        // The generalized gamma starts from the Weibull (Q = 1): reuse it when fitted.
                        let start = family == .gengamma ? fits.first { $0.0 == .family(.weibull) }.map { $0.1.estimates + [1] } : nil
                        fits.append((model, try ParametricFit.fit(family, data: prepared, covariateNames: data.covariateNames, start: start)))
                    } catch let e as ParametricFitError {
                        failures.append(.init(dist: model.name, message: e.description))
                    }
                }
            } catch let e as ParametricFitError {
                failures = families.map { .init(dist: $0.name, message: e.description) }
            }
            fits.sort { $0.1.aic < $1.1.aic }
            let best = fits.first?.1.aic ?? 0
            var results: [FamilyResult] = []
            var groupCurves: [String: any SurvivalDistribution] = [:]
            for (rank, (model, fit)) in fits.enumerated() {
                let P = fit.parameterCount
                let se = fit.standardErrors
                let parameters = (0..<P).map { j in
                    FamilyResult.Parameter(name: fit.parameterNames[j], estimate: fit.estimates[j], standardError: se[j],
                                           lower: fit.estimates[j] - z * se[j], upper: fit.estimates[j] + z * se[j])
                }
                let d = fit.distribution(covariates: means)
                var eta = fit.estimates[0]
                for j in 0..<p { eta += fit.estimates[1 + j] * means[j] }
                let natural = (p == 0 ? model.naturalParameters(fit.estimates) : fit.family.naturalParameters(eta: eta, auxiliary: Array(fit.estimates[(p + 1)...])))
                    .map { FamilyResult.Natural(name: $0.name, value: $0.value) }
                let (m, mse) = fit.deltaMethod(covariates: means) { $0.median }
                // Median CI on the log scale (it is positive), RMST CI plain.
                let medianCI = IntervalEstimate(m, mse, lower: m * exp(-z * mse / m), upper: m * exp(z * mse / m))
                let (r, rse) = fit.deltaMethod(covariates: means) { $0.restrictedMean(tau) }
                let rmst = IntervalEstimate(r, rse, lower: r - z * rse, upper: r + z * rse)
                var cuts: [Double]? = nil
                if case let .piecewise(c) = model { cuts = c }
                results.append(FamilyResult(dist: model.name, cuts: cuts, rank: rank + 1, parameters: parameters, natural: natural,
                                            covariance: (0..<P).map { i in (0..<P).map { fit.covariance[i * P + $0] } },
                                            logLik: fit.logLikelihood, aic: fit.aic, bic: fit.bic, deltaAIC: fit.aic - best,
                                            median: medianCI, rmst: rmst, iterations: fit.iterations))
                groupCurves[model.name] = d
            }
            // The Kaplan–Meier curve is drawn and written only with files to write.
            let km = withCurves ? KMCurve.thinned(KaplanMeier.fit(time: time, event: event)) : KMCurve(time: [], surv: [], lower: [], upper: [])
            groups.append(GroupResult(group: data.groupLabels[g], n: rows.count, events: event.filter { $0 }.count, fits: results,
                                      failures: failures, km: km))
            curves.append(groupCurves)
        }
        if groups.allSatisfy({ $0.fits.isEmpty }) {
            let first = groups.first?.failures.first
            throw NensimFailure.data("\(input): no family could be fitted\(first.map { " (\($0.message))" } ?? "")")
        }
        var report = FitReport(version: NENSimInfo.version, commandLine: commandLine, input: input, recordsRead: data.recordsRead,
                               recordsDropped: data.dropped, covariates: data.covariateNames, covariateMeans: means, tau: tau,
                               confidenceLevel: 0.95, groups: groups)
        report.curves = curves
        return report
    }

    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Long format: group, dist, rank, term, estimate, std_error, lower, upper.
    func csv() -> String {
        var lines = ["group,dist,rank,term,estimate,std_error,lower,upper"]
        func n(_ x: Double?) -> String { x.map(CSVWriter.number) ?? "NA" }
        for g in groups {
            for f in g.fits {
                let prefix = "\(CSVWriter.field(g.group)),\(f.dist),\(f.rank)"
                for p in f.parameters { lines.append("\(prefix),\(CSVWriter.field(p.name)),\(n(p.estimate)),\(n(p.standardError)),\(n(p.lower)),\(n(p.upper))") }
                lines.append("\(prefix),median,\(n(f.median.estimate)),\(n(f.median.standardError)),\(n(f.median.lower)),\(n(f.median.upper))")
                lines.append("\(prefix),rmst,\(n(f.rmst.estimate)),\(n(f.rmst.standardError)),\(n(f.rmst.lower)),\(n(f.rmst.upper))")
                for (term, v) in [("loglik", f.logLik), ("aic", f.aic), ("bic", f.bic)] { lines.append("\(prefix),\(term),\(n(v)),NA,NA,NA") }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func text() -> String {
        func f(_ x: Double?, _ digits: Int = 2) -> String { x.map { String(format: "%.\(digits)f", $0) } ?? "NA" }
        func ci(_ e: IntervalEstimate) -> String { "\(f(e.estimate)) (\(f(e.lower))–\(f(e.upper)))" }
        var out: [String] = []
        out.append("Parametric fits of \(input): \(recordsRead - recordsDropped) records used\(recordsDropped > 0 ? " (\(recordsDropped) dropped for a missing value)" : ""); RMST to τ = \(f(tau, 4))")
        if !covariates.isEmpty { out.append("Covariates \(covariates.joined(separator: ", ")); median and RMST at their means (\(covariateMeans.map { f($0, 3) }.joined(separator: ", ")))") }
        for g in groups {
            out.append("")
            out.append("Group \(g.group): n = \(g.n), events = \(g.events) — ranked by AIC")
            func pad(_ t: String, _ w: Int, right: Bool = false) -> String {
                let fill = String(repeating: " ", count: max(0, w - t.count))
                return right ? fill + t : t + fill
            }
            func row(_ c: [String]) -> String {
                pad(c[0], 5) + pad(c[1], 12) + pad(c[2], 14, right: true) + pad(c[3], 14, right: true) + pad(c[4], 14, right: true)
                    + pad(c[5], 11, right: true) + "  " + pad(c[6], 26) + c[7]
            }
            out.append(row(["rank", "dist", "logLik", "AIC", "BIC", "ΔAIC", "median (95% CI)", "RMST (95% CI)"]))
            for r in g.fits {
                out.append(row([String(r.rank), r.dist, f(r.logLik), f(r.aic), f(r.bic), f(r.deltaAIC), ci(r.median), ci(r.rmst)]))
            }
            for r in g.fits {
                let params = r.parameters.map { "\($0.name) \(f($0.estimate, 4)) (\(f($0.lower, 4)), \(f($0.upper, 4)))" }.joined(separator: "; ")
                out.append("  \(r.dist): \(params)")
            }
            for failure in g.failures { out.append("  \(failure.dist): not fitted — \(failure.message)") }
        }
        return out.joined(separator: "\n")
    }
}

// MARK: fit.svg

extension FitReport {
    static let colors = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02"]
    /// One colour per family, the same in every group; the piecewise exponential blue,
    /// a mixture cure its base family's colour, dashed (`dash`).
    static func color(_ dist: String) -> String {
        if dist == "pwexp" { return "#1f78b4" }
        let base = dist.hasPrefix("cure-") ? String(dist.dropFirst(5)) : dist
        return colors[(ParametricFamily.allCases.firstIndex { $0.rawValue == base } ?? 0) % colors.count]
    }
    /// The stroke pattern attribute of a model's line: dashed for a mixture cure.
    static func dash(_ dist: String) -> String { dist.hasPrefix("cure-") ? " stroke-dasharray=\"7 4\"" : "" }

    /// Per group a row of two panels: S(t) (Kaplan–Meier steps with its 95% band in grey,
    /// each fitted family as a coloured line) and the fitted hazards h(t).
    func svg() -> String {
        let panelW = 420.0, panelH = 280.0, left = 60.0, top = 40.0, gap = 90.0, rowH = panelH + 90
        let width = left + 2 * panelW + gap + 250, height = top + Double(groups.count) * rowH
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        func esc(_ t: String) -> String { t.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;") }
        func fmt(_ x: Double) -> String { String(format: "%.2f", x) }
        func ticks(_ hi: Double) -> [Double] {
            let raw = hi / 5, mag = pow(10, floor(log10(raw)))
            let step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? raw
            return stride(from: 0, through: hi + 1e-9 * hi, by: step).map { $0 }
        }
        func label(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(format: "%g", x) }
        for (gi, g) in groups.enumerated() {
            let y0 = top + Double(gi) * rowH
            let xmax = max(g.km.time.max() ?? 1, 1e-9)
            let families = g.fits.map(\.dist)
            let dists = curves.indices.contains(gi) ? curves[gi] : [:]
            s += "<text x=\"\(fmt(left))\" y=\"\(fmt(y0 - 14))\" font-size=\"14\" font-weight=\"bold\">\(esc("Group \(g.group): n = \(g.n), events = \(g.events)"))</text>\n"
            // Survival panel.
            let sx = { (t: Double) in left + t / xmax * panelW }
            let sy = { (v: Double) in y0 + (1 - v) * panelH }
            s += "<rect x=\"\(fmt(left))\" y=\"\(fmt(y0))\" width=\"\(fmt(panelW))\" height=\"\(fmt(panelH))\" fill=\"none\" stroke=\"#444\"/>\n"
            for v in stride(from: 0.0, through: 1.0, by: 0.25) {
                s += "<line x1=\"\(fmt(left - 4))\" x2=\"\(fmt(left))\" y1=\"\(fmt(sy(v)))\" y2=\"\(fmt(sy(v)))\" stroke=\"#444\"/><text x=\"\(fmt(left - 8))\" y=\"\(fmt(sy(v) + 4))\" text-anchor=\"end\">\(label(v))</text>\n"
            }
            for t in ticks(xmax) {
                s += "<line x1=\"\(fmt(sx(t)))\" x2=\"\(fmt(sx(t)))\" y1=\"\(fmt(y0 + panelH))\" y2=\"\(fmt(y0 + panelH + 4))\" stroke=\"#444\"/><text x=\"\(fmt(sx(t)))\" y=\"\(fmt(y0 + panelH + 18))\" text-anchor=\"middle\">\(label(t))</text>\n"
            }
            s += "<text x=\"\(fmt(left + panelW / 2))\" y=\"\(fmt(y0 + panelH + 36))\" text-anchor=\"middle\">time</text>\n"
            s += "<text x=\"\(fmt(left - 42))\" y=\"\(fmt(y0 + panelH / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 \(fmt(left - 42)) \(fmt(y0 + panelH / 2)))\">survival S(t)</text>\n"
            // KM band and steps.
            var upper: [(Double, Double)] = [(0, 1)], lower: [(Double, Double)] = [(0, 1)], steps: [(Double, Double)] = [(0, 1)]
            var lastU = 1.0, lastL = 1.0, lastS = 1.0
            for i in g.km.time.indices {
                let t = g.km.time[i]
                upper.append((t, lastU)); lower.append((t, lastL)); steps.append((t, lastS))
                lastU = g.km.upper[i] ?? lastU; lastL = g.km.lower[i] ?? 0; lastS = g.km.surv[i]
                upper.append((t, lastU)); lower.append((t, lastL)); steps.append((t, lastS))
            }
            let band = (upper + lower.reversed()).map { "\(fmt(sx($0.0))),\(fmt(sy(min(max($0.1, 0), 1))))" }.joined(separator: " ")
            s += "<polygon points=\"\(band)\" fill=\"#bbbbbb\" fill-opacity=\"0.45\" stroke=\"none\"/>\n"
            s += "<polyline points=\"\(steps.map { "\(fmt(sx($0.0))),\(fmt(sy($0.1)))" }.joined(separator: " "))\" fill=\"none\" stroke=\"black\" stroke-width=\"1.6\"/>\n"
            let grid = (0...200).map { xmax * Double($0) / 200 }
            for name in families {
                guard let d = dists[name] else { continue }
                let pts = grid.map { "\(fmt(sx($0))),\(fmt(sy(d.survival($0))))" }.joined(separator: " ")
                s += "<polyline points=\"\(pts)\" fill=\"none\" stroke=\"\(Self.color(name))\"\(Self.dash(name)) stroke-width=\"1.6\"/>\n"
            }
            // Hazard panel.
            let hx0 = left + panelW + gap
            let hgrid = (1...200).map { xmax * Double($0) / 200 }
            var hmax = 0.0
            for name in families { if let d = dists[name] { for t in hgrid.dropFirst(4) { let h = d.hazard(t); if h.isFinite { hmax = max(hmax, h) } } } }
            if hmax <= 0 { hmax = 1 }
            hmax *= 1.1
            let hx = { (t: Double) in hx0 + t / xmax * panelW }
            let hy = { (v: Double) in y0 + (1 - min(v, hmax) / hmax) * panelH }
            s += "<rect x=\"\(fmt(hx0))\" y=\"\(fmt(y0))\" width=\"\(fmt(panelW))\" height=\"\(fmt(panelH))\" fill=\"none\" stroke=\"#444\"/>\n"
            for v in ticks(hmax) where v <= hmax {
                s += "<line x1=\"\(fmt(hx0 - 4))\" x2=\"\(fmt(hx0))\" y1=\"\(fmt(hy(v)))\" y2=\"\(fmt(hy(v)))\" stroke=\"#444\"/><text x=\"\(fmt(hx0 - 8))\" y=\"\(fmt(hy(v) + 4))\" text-anchor=\"end\">\(String(format: "%.3g", v))</text>\n"
            }
            for t in ticks(xmax) {
                s += "<line x1=\"\(fmt(hx(t)))\" x2=\"\(fmt(hx(t)))\" y1=\"\(fmt(y0 + panelH))\" y2=\"\(fmt(y0 + panelH + 4))\" stroke=\"#444\"/><text x=\"\(fmt(hx(t)))\" y=\"\(fmt(y0 + panelH + 18))\" text-anchor=\"middle\">\(label(t))</text>\n"
            }
            s += "<text x=\"\(fmt(hx0 + panelW / 2))\" y=\"\(fmt(y0 + panelH + 36))\" text-anchor=\"middle\">time</text>\n"
            s += "<text x=\"\(fmt(hx0 - 50))\" y=\"\(fmt(y0 + panelH / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 \(fmt(hx0 - 50)) \(fmt(y0 + panelH / 2)))\">hazard h(t)</text>\n"
            s += "<clipPath id=\"hz\(gi)\"><rect x=\"\(fmt(hx0))\" y=\"\(fmt(y0))\" width=\"\(fmt(panelW))\" height=\"\(fmt(panelH))\"/></clipPath>\n"
            for name in families {
                guard let d = dists[name] else { continue }
                let pts = hgrid.compactMap { t -> String? in let h = d.hazard(t); return h.isFinite ? "\(fmt(hx(t))),\(fmt(hy(h)))" : nil }.joined(separator: " ")
                s += "<polyline clip-path=\"url(#hz\(gi))\" points=\"\(pts)\" fill=\"none\" stroke=\"\(Self.color(name))\"\(Self.dash(name)) stroke-width=\"1.6\"/>\n"
            }
            // Legend (AIC order).
            let lx = hx0 + panelW + 16
            s += "<line x1=\"\(fmt(lx))\" x2=\"\(fmt(lx + 22))\" y1=\"\(fmt(y0 + 10))\" y2=\"\(fmt(y0 + 10))\" stroke=\"black\" stroke-width=\"1.6\"/><text x=\"\(fmt(lx + 28))\" y=\"\(fmt(y0 + 14))\">Kaplan–Meier (95% band)</text>\n"
            for (k, r) in g.fits.enumerated() {
                let ly = y0 + 30 + Double(k) * 18
                s += "<line x1=\"\(fmt(lx))\" x2=\"\(fmt(lx + 22))\" y1=\"\(fmt(ly))\" y2=\"\(fmt(ly))\" stroke=\"\(Self.color(r.dist))\"\(Self.dash(r.dist)) stroke-width=\"2\"/><text x=\"\(fmt(lx + 28))\" y=\"\(fmt(ly + 4))\">\(esc("\(r.dist) (AIC \(String(format: "%.1f", r.aic)))"))</text>\n"
            }
        }
        s += "</svg>\n"
        return s
    }
}

// MARK: --export-evidence

extension FitReport {
    /// An evidence file (docs/EVIDENCE-SCHEMA.md § Fitted arms): per group one arm whose
    /// PFS is the chosen family — two `fitted` figures read off it (the median and S at
    /// the time where it reaches 0.25, which fix a Weibull or exponential exactly) and the
    /// `fit` object with the parameters, covariance and provenance. Times in months.
    func evidence(dist: String?, arm: String, monthsPerUnit: Double) throws -> Data {
        var arms: [[String: Any]] = []
        for (gi, g) in groups.enumerated() {
            guard let chosen = dist.flatMap({ d in g.fits.first { $0.dist == d } }) ?? g.fits.first,
                  let model = SurvivalModel.named(chosen.dist, cuts: chosen.cuts), let fitted = curves[gi][chosen.dist] else {
                throw NensimFailure.data("group \(g.group): the \(dist ?? "best") fit is not available to export (\(g.failures.map(\.message).joined(separator: "; ")))")
            }
            let id = groups.count > 1 ? "\(arm)_\(Self.snake(g.group))" : arm
            let median = fitted.median * monthsPerUnit
            // The landmark where S reaches 0.25, or, above a cure plateau of 0.25, at τ.
            let t25 = fitted.quantile(0.75) * monthsPerUnit
            guard median > 0, t25 > 0 || !t25.isFinite else {
                throw NensimFailure.data("group \(g.group): the fitted \(chosen.dist) has no positive median and 25 % point to export")
            }
            let landmarkTime = ((t25.isFinite ? t25 : tau * monthsPerUnit) * 100).rounded() / 100
            let landmark = fitted.survival(landmarkTime / monthsPerUnit)
            let provenance = "\(chosen.dist) fitted by maximum likelihood to \(input)\(groups.count > 1 ? " group \(g.group)" : "") (n = \(g.n), \(g.events) events)"
            func figure(_ idSuffix: String, _ kind: String, _ value: Double, unit: String, time: Double?) -> [String: Any] {
                var f: [String: Any] = ["id": "\(id).pfs.\(idSuffix)", "endpoint": "pfs", "kind": kind, "value": value, "unit": unit,
                                        "section": "fitted", "quote": "", "gloss": "\(kind) of the \(provenance)", "status": "fitted",
                                        "citation": NSNull(), "calibrates": true,
                                        "use": "checks the simulated PFS: calibration takes the fit's parameters (a Weibull or exponential through this median and landmark, which fix it exactly)"]
                if let time { f["time"] = time }
                return f
            }
            // In months (`SurvivalModel.rescaled`): a location shifts by log(months per unit),
            // a log rate the other way, a Gompertz shape is divided; the rest is unit-free.
            let (theta, monthly) = model.rescaled(chosen.parameters.map(\.estimate), by: monthsPerUnit)
            let parameters: [[String: Any]] = zip(chosen.parameters, theta).map { ["name": $0.name, "value": $1] }
            var fit: [String: Any] = [
                "endpoint": "pfs", "dist": chosen.dist, "parameters": parameters, "covariance": chosen.covariance,
                "natural": monthly.naturalParameters(theta).map { ["name": $0.name, "value": $0.value] }, "data": input,
                "group": groups.count > 1 ? g.group : NSNull(), "n": g.n, "events": g.events, "log_lik": chosen.logLik,
            ]
            if case let .piecewise(cuts) = monthly { fit["cuts"] = cuts }
            var figures: [[String: Any]] = []
            if median.isFinite { figures.append(figure("median", "median", median, unit: "months", time: nil)) }
            figures.append(figure("landmark_\(Self.snake(String(format: "%g", landmarkTime)))", "landmark", landmark, unit: "proportion", time: landmarkTime))
            arms.append([
                "id": id, "name": "\(chosen.dist) fit to \(URL(fileURLWithPath: input).lastPathComponent)\(groups.count > 1 ? " (\(g.group))" : "")",
                "class": "control", "population": ["sites": [String](), "grades": [String](), "note": "the population of \(input)"],
                "figures": figures,
                "note": "Exported by nensim fit: \(provenance). Post-progression survival is not in the data: the run's default assumption applies.",
                "fit": fit,
            ])
        }
        let document: [String: Any] = ["schema_version": 1, "arms": arms]
        return try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
    }

    /// A group label as a snake_case fragment ("1" → "1", "Stage II" → "stage_ii").
    static func snake(_ text: String) -> String {
        let lowered = text.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
        return lowered.split(separator: "_").joined(separator: "_")
    }
}
