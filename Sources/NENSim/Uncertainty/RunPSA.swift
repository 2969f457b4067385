import Foundation

/// One statistic of a run across PSA draws: the base case and the 2.5–97.5 percentile
/// interval over draws (R's type-7 quantiles).
public struct PSAStatistic: Sendable, Codable, Equatable {
    public var name: String
    public var base: Double
    public var lower: Double
    public var upper: Double
    public var median: Double
}

/// `nensim run --psa K`: the run repeated on K parameter sets drawn from the figures'
/// uncertainty distributions, with common random numbers (the same seed) so that the
/// spread is the parameters', not Monte Carlo noise.
public struct RunPSAResult: Sendable, Codable {
    public var draws: Int
    /// Draws redrawn because their figures contradicted each other.
    public var rejected: Int
    /// Figure ids redrawn (calibrating ranges of the arms run and the arms they refer to)
    /// and assumptions redrawn (`assumption:ARM.PARAM`).
    public var redrawnFigures: [String]
    public var statistics: [PSAStatistic]
    /// Column names of `rows`: `draw`, drawn figures (`figure:ID`) and assumptions
    /// (`assumption:ARM.PARAM`), then statistics (`ARM.pfs.median`, …); unique (`PSA.column`).
    public var columns: [String]
    /// One row per draw (`psa.csv`).
    public var rows: [[Double]]
}

public enum RunPSA {
    /// The statistics tracked per draw, by name, from a report.
    public static func statistics(_ r: RunReport) -> [(String, Double)] {
        var out: [(String, Double)] = []
        for a in r.arms {
            out.append(("\(a.id).pfs.median", a.pfs.median.estimate))
            out.append(("\(a.id).os.median", a.os.median.estimate))
            out.append(("\(a.id).pfs.rmst", a.pfs.rmst.estimate))
            out.append(("\(a.id).os.rmst", a.os.rmst.estimate))
            for p in a.responses where ["orr", "dcr"].contains(p.name) { out.append(("\(a.id).\(p.name)", p.estimate)) }
        }
        for c in r.comparisons {
            out.append(("\(c.arm)_vs_\(c.reference).\(c.endpoint).hr", c.hazardRatio.estimate))
            out.append(("\(c.arm)_vs_\(c.reference).\(c.endpoint).rmst_difference", c.rmstDifference.estimate))
        }
        return out
    }

    /// R's default (type 7) quantile of sorted values.
    static func quantile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let h = Double(sorted.count - 1) * p
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }

    /// Simulates every draw with `request`'s settings (its arms replaced by the draw's)
    /// and summarises the statistics against the base-case report (`simulate`: the draws
    /// run concurrently, the result is the same for any thread count).
    /// - Returns: the PSA, and each draw's per-arm economic tallies in draw order (empty
    ///   tallies without `request.economics`; docs/ECONOMICS.md).
    public static func run(base: RunReport, draws: [PSADraw], request: SimulationRequest, reference: String?, tau: Double?,
                           progress: (any ProgressSink)? = nil) throws -> (psa: RunPSAResult, economics: [[EconomicTally]]) {
        let names = statistics(base).map(\.0)
        let figureIDs = figures(of: draws)
        let outcomes = try simulate(draws, request: request, reference: reference, tau: tau, progress: progress)
        let perDraw = zip(draws, outcomes).map { d, outcome in
            let stats = Dictionary(outcome.statistics, uniquingKeysWith: { a, _ in a })
            return figureIDs.map { d.figures[$0] ?? .nan } + names.map { stats[$0] ?? .nan }
        }
        let psa = summarise(base: base, draws: draws.count, rejected: draws.map(\.rejected).reduce(0, +), figureIDs: figureIDs,
                            perDraw: perDraw)
        return (psa, outcomes.map(\.economics))
    }

    /// What one draw leaves: its statistics by name in report order, and its arms'
    /// economic tallies.
    struct DrawOutcome: Sendable {
        var statistics: [(String, Double)]
        var economics: [EconomicTally]
    }

    /// Every draw of `draws` simulated and reduced to its point estimates, concurrently
    /// through the one block driver: work item k is draw k, run whole on one worker — its
    /// arms' blocks by `Engine.run` on that worker's thread (a simulation's bits do not
    /// depend on its thread count), its statistics by `Reporter.report(detail:
    /// .pointEstimates)` (the full report's estimates, bit for bit), both into draw k's
    /// own slot. So the outcomes are the same for any `request.threads`; an error is the
    /// first failing draw's, as when the draws ran one after another. `progress`: one
    /// unit per draw.
    static func simulate(_ draws: [PSADraw], request: SimulationRequest, reference: String?, tau: Double?,
                         progress: (any ProgressSink)? = nil) throws -> [DrawOutcome] {
        let slots = WorkerSlots<Result<DrawOutcome, any Error>?>(count: draws.count, initial: nil)
        _ = BlockDriver.run(items: .all(draws.count), threads: request.threads, makeWorker: { _ in () },
                            progress: progress?.callback) { _, k, _ in
            slots.store(Result {
                var r = request
                r.arms = draws[k].arms
                r.threads = 1
                let result = Engine.run(r)
                let report = try Reporter.report(result, reference: reference, tau: tau, detail: .pointEstimates)
                return DrawOutcome(statistics: statistics(report), economics: result.tallies.map { $0.economics ?? EconomicTally() })
            }, at: k)
            return 1
        }
        return try slots.slots.map { try $0!.get() }
    }

    /// The redrawn figures of a PSA: every figure id any draw redrew, sorted.
    public static func figures(of draws: [PSADraw]) -> [String] {
        Array(Set(draws.flatMap { $0.figures.keys })).sorted()
    }

    /// A shard's share of a PSA (`run --psa K --shard i/k`): draws d with d mod k = i − 1,
    /// each simulated; one row per draw — the drawn figures (all of `figures(of: draws)`),
    /// then the statistics named in the section, the union over the shard's draws in
    /// first-seen order (NaN where a draw's report lacks one). Merge picks the base
    /// report's statistics from these rows by name, as `run` does from each draw's report.
    public static func shardRows(shard: ShardSpec, draws: [PSADraw], request: SimulationRequest, reference: String?,
                                 tau: Double?) throws -> (section: TallyFile.PSASection, rows: [[Double]]) {
        let figureIDs = figures(of: draws)
        var names: [String] = []
        var known = Set<String>()
        var perDraw: [[String: Double]] = []
        let mine = shard.workItems(total: draws.count).map { draws[$0] }
        for outcome in try simulate(mine, request: request, reference: reference, tau: tau) {
            for (name, _) in outcome.statistics where known.insert(name).inserted { names.append(name) }
            perDraw.append(Dictionary(outcome.statistics, uniquingKeysWith: { a, _ in a }))
        }
        let rows = zip(mine, perDraw).map { d, stats in figureIDs.map { d.figures[$0] ?? .nan } + names.map { stats[$0] ?? .nan } }
        let section = TallyFile.PSASection(draws: draws.count, rejected: draws.map(\.rejected).reduce(0, +), figures: figureIDs,
                                           statistics: names, first: shard.index - 1, stride: shard.count,
                                           count: shard.workItemCount(total: draws.count))
        return (section, rows)
    }

    /// The PSA of a run from its per-draw rows (`figureIDs.count` figures, then the base
    /// report's statistics in order), draw 0 first.
    public static func summarise(base: RunReport, draws: Int, rejected: Int, figureIDs: [String], perDraw: [[Double]]) -> RunPSAResult {
        let names = statistics(base).map(\.0)
        let baseValues = Dictionary(statistics(base), uniquingKeysWith: { a, _ in a })
        let summaries = names.enumerated().map { (j, name) -> PSAStatistic in
            let column = perDraw.map { $0[figureIDs.count + j] }.filter { !$0.isNaN }.sorted()
            return PSAStatistic(name: name, base: baseValues[name] ?? .nan, lower: quantile(column, 0.025),
                                upper: quantile(column, 0.975), median: quantile(column, 0.5))
        }
        return RunPSAResult(draws: draws, rejected: rejected, redrawnFigures: figureIDs,
                            statistics: summaries, columns: ["draw"] + figureIDs.map(PSA.column) + names,
                            rows: perDraw.enumerated().map { [Double($0.offset)] + $0.element })
    }

    /// `psa.csv`: one row per draw — the drawn figures, then the statistics.
    public static func csv(_ r: RunPSAResult) -> String {
        CSV.record(r.columns) + r.rows.map { row in CSV.record(row.enumerated().map { $0.offset == 0 ? String(Int($0.element)) : CSV.number($0.element) }) }.joined()
    }

    /// `psa_summary.csv`: one row per statistic — base case, median and 2.5/97.5 % over draws.
    public static func summaryCSV(_ r: RunPSAResult) -> String {
        CSV.record(["statistic", "base", "median", "lower_2_5", "upper_97_5", "draws"])
            + r.statistics.map { CSV.record([$0.name, CSV.number($0.base), CSV.number($0.median), CSV.number($0.lower), CSV.number($0.upper), String(r.draws)]) }.joined()
    }

    /// The terminal table.
    public static func render(_ r: RunPSAResult) -> String {
        var t = TextTable(header: ["statistic", "base case", "2.5 %", "97.5 %"])
        for s in r.statistics {
            t.add([s.name, fixed(s.base, decimals: 3), fixed(s.lower, decimals: 3), fixed(s.upper, decimals: 3)])
        }
        var lines = ["Probabilistic sensitivity analysis: \(r.draws) draws (common random numbers; \(r.rejected) contradictory draws redrawn)"]
        lines += PSA.redrawnLines(r.redrawnFigures, none: "none (no calibrating figure of these arms is a range and no assumption is redrawn)")
        lines.append(t.render(indent: "  "))
        return lines.joined(separator: "\n")
    }
}
