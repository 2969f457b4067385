import Foundation
import SurvivalStats

// The economic results of a run (docs/ECONOMICS.md, "Results"): per-arm totals with Monte
// Carlo SE beside the partitioned-survival figures, the incremental analysis, net
// monetary benefit, and with a PSA the draws, the acceptability curve and EVPI.

/// One quantity of one arm: individual-level mean with its Monte Carlo SE, and the
/// partitioned-survival value from the arm's PFS and OS curves.
public struct EconomicEstimate: Sendable, Codable, Equatable {
    public var quantity: String
    public var mean: Double
    public var se: Double
    public var partitionedSurvival: Double
}

public struct ArmEconomics_Result: Sendable, Codable, Equatable {
    public var arm: String
    public var patients: Int
    public var estimates: [EconomicEstimate]
    /// The partitioned-survival OS curve fell below the PFS curve somewhere (progressed
    /// occupancy capped at 0), by at most `largestCrossing`.
    public var curvesCross: Bool
    public var largestCrossing: Double

    public func estimate(_ q: AccruedQuantity) -> EconomicEstimate { estimates[q.rawValue] }
}

/// One row of the incremental table (discounted costs and QALYs).
public struct IncrementalRow: Sendable, Codable, Equatable {
    public var arm: String
    public var cost: Double
    public var qalys: Double
    /// frontier, dominated, extendedly dominated.
    public var status: String
    /// The arm it is compared with on the frontier (the next less effective frontier arm).
    public var comparator: String?
    public var icer: Double?
}

/// One arm against the reference arm.
public struct ReferenceComparison: Sendable, Codable, Equatable {
    public var arm: String
    public var reference: String
    public var deltaCost: Double
    public var deltaCostSE: Double
    public var deltaQalys: Double
    public var deltaQalysSE: Double
    /// north-east, dominant, dominated, south-west, equal.
    public var quadrant: String
    /// "ICER" (cost per QALY gained), "dominant", "dominated", "south-west: savings per QALY lost", "equal".
    public var label: String
    public var icer: Double?
    /// Incremental NMB at each `wtp`, and its Monte Carlo SE.
    public var incrementalNmb: [Double]
    public var incrementalNmbSE: [Double]
}

/// The probabilistic part (`--psa K`).
public struct EconomicsPSA: Sendable, Codable, Equatable {
    public var draws: Int
    /// Discounted cost and QALYs per draw (row) and arm (column), and their SE².
    public var cost: [[Double]]
    public var qalys: [[Double]]
    /// The WTP grid of the acceptability curve.
    public var grid: [Double]
    /// P(cost-effective) per grid point (row) and arm (column).
    public var probability: [[Double]]
    /// The arm of largest expected NMB at each grid point (the acceptability frontier).
    public var frontierArm: [String]
    public var evpiGrid: [Double]
    /// At each `wtp`: EVPI per patient, its bias bound, population EVPI (when asked).
    public var evpi: [Double]
    public var evpiBiasBound: [Double]
    public var populationEVPI: [Double]?
    public var populationSize: Double?
    public var years: Int?
}

public struct EconomicsReport: Sendable, Codable, Equatable {
    public var currency: String
    public var priceYear: Int
    public var costDiscountRate: Double
    public var outcomeDiscountRate: Double
    public var horizonMonths: Double
    public var reference: String
    public var wtp: [Double]
    public var arms: [ArmEconomics_Result]
    public var incremental: [IncrementalRow]
    public var comparisons: [ReferenceComparison]
    /// NMB per arm (rows) at each wtp (columns), with SE.
    public var nmb: [[Double]]
    public var nmbSE: [[Double]]
    public var psa: EconomicsPSA?
    /// Every economic input with its value and provenance (`summary.json`).
    public var inputs: [EconomicInputRecord]
    public var notes: [String]
    /// Pathway runs: each pathway's lines (absent for arms).
    public var lines: [PathwayLineEconomics]? = nil
}

/// One line of one pathway: its share of the pathway's per-patient means (docs/ECONOMICS.md, "Pathways").
public struct PathwayLineEconomics: Sendable, Codable, Equatable {
    public var pathway: String
    /// 1, 2, …
    public var line: Int
    public var arm: String
    /// In `AccruedQuantity` order, per patient of the pathway.
    public var estimates: [EconomicEstimate]
}

/// One input figure as reported.
public struct EconomicInputRecord: Sendable, Codable, Equatable {
    public var name: String
    public var value: Double
    public var status: String
    public var citation: String?
    public var quote: String?
}

extension EconomicsReport {
    /// The default willingness-to-pay values when none are given (per QALY; the NICE
    /// range, an assumption stated in the report).
    public static let defaultWTP: [Double] = [20_000, 30_000]

    /// Builds the report of a run made with `inputs` (its tallies carry economics).
    ///
    /// - Parameters: `psaDraws`: per draw, per arm (in the run's arm order) the economic
    ///   tally of that draw; `populationSize`/`years`: population EVPI.
    public static func make(result: SimulationResult, inputs: EconomicInputs, reference: String?, wtp: [Double],
                            psaDraws: [[EconomicTally]]? = nil, populationSize: Double? = nil, years: Int? = nil) -> EconomicsReport {
        let request = result.request
        let horizon = inputs.horizonMonths ?? request.design.horizon
        let partitioned = request.arms.map { PartitionedSurvivalModel.evaluate(CostAccrual(inputs: inputs, model: $0, horizon: horizon), model: $0) }
        return make(ids: request.arms.map(\.id), tallies: result.tallies.map { $0.economics ?? EconomicTally() }, partitioned: partitioned,
                    inputs: inputs, horizon: horizon, reference: reference, wtp: wtp, psaDraws: psaDraws,
                    populationSize: populationSize, years: years)
    }

    /// The report of a pathway run (docs/ECONOMICS.md, "Pathways"): each pathway as a
    /// strategy, compared with the first; no partitioned-survival figures (NA); each
    /// pathway's lines in `lines`.
    public static func make(pathways result: PathwayResult, inputs: EconomicInputs, wtp: [Double]) -> EconomicsReport {
        let s = result.request.simulation
        let horizon = inputs.horizonMonths ?? s.design.horizon
        let pathways = result.request.pathways
        let tallies = result.tallies.map { $0.economics ?? PathwayEconomicTally(lines: 0) }
        var report = make(ids: pathways.map(\.id), tallies: tallies.map(\.total), partitioned: nil, inputs: inputs, horizon: horizon,
                          reference: pathways.first?.id, wtp: wtp, psaDraws: nil, populationSize: nil, years: nil)
        report.lines = zip(pathways, tallies).flatMap { p, t in
            zip(p.lines, t.lines).map { line, tally in
                PathwayLineEconomics(pathway: p.id, line: line.line, arm: line.model.id, estimates: AccruedQuantity.allCases.map { q in
                    EconomicEstimate(quantity: q.name, mean: tally.mean(q), se: tally.standardError(q), partitionedSurvival: .nan)
                })
            }
        }
        report.notes.append("pathways: each line is costed with its arm's drug, state and adverse-event inputs from the line's start; partitioned survival does not apply to sequences (NA)")
        return report
    }

    /// The report of strategies `ids` with their economic tallies (and, for arms, the
    /// partitioned-survival values beside them; nil: NA).
    static func make(ids: [String], tallies: [EconomicTally], partitioned: [PartitionedSurvivalModel.Values]?, inputs: EconomicInputs,
                     horizon: Double, reference: String?, wtp: [Double], psaDraws: [[EconomicTally]]?,
                     populationSize: Double?, years: Int?) -> EconomicsReport {
        let ref = reference ?? ids[0]
        let refIndex = ids.firstIndex(of: ref) ?? 0
        var notes: [String] = []
        let arms: [ArmEconomics_Result] = ids.indices.map { a in
            let tally = tallies[a]
            let ps = partitioned?[a]
            let estimates = AccruedQuantity.allCases.map { q in
                EconomicEstimate(quantity: q.name, mean: tally.mean(q), se: tally.standardError(q), partitionedSurvival: ps?.values[q.rawValue] ?? .nan)
            }
            if let ps, ps.crossed {
                notes.append("\(ids[a]): the OS curve falls below the PFS curve (by up to \(fmt(ps.largestCrossing))); the partitioned-survival progressed state is capped at 0 there")
            }
            return ArmEconomics_Result(arm: ids[a], patients: tally.patients, estimates: estimates, curvesCross: ps?.crossed ?? false,
                                       largestCrossing: ps?.largestCrossing ?? 0)
        }
        let cost = arms.map { $0.estimate(.costs).mean }, qaly = arms.map { $0.estimate(.qalys).mean }
        let rows = IncrementalAnalysis.analyse(costs: cost, effects: qaly).map { r in
            IncrementalRow(arm: ids[r.index], cost: r.cost, qalys: r.effect, status: r.status.label,
                           comparator: r.comparator.map { ids[$0] }, icer: r.icer)
        }
        func nmbVariance(_ a: Int, _ l: Double) -> Double {
            let t = tallies[a]
            let n = Double(max(t.patients, 1))
            return max(0, (l * l * t.variance(.qalys) + t.variance(.costs) - 2 * l * t.costQALYCovariance) / n)
        }
        let comparisons: [ReferenceComparison] = ids.indices.filter { $0 != refIndex }.map { a in
            let c = IncrementalAnalysis.compare(cost: cost[a], effect: qaly[a], referenceCost: cost[refIndex], referenceEffect: qaly[refIndex])
            let seC = hypot(arms[a].estimate(.costs).se, arms[refIndex].estimate(.costs).se)
            let seQ = hypot(arms[a].estimate(.qalys).se, arms[refIndex].estimate(.qalys).se)
            let label = c.quadrant == .southWest ? "south-west: savings per QALY lost" : c.label
            return ReferenceComparison(arm: ids[a], reference: ref, deltaCost: c.deltaCost, deltaCostSE: seC, deltaQalys: c.deltaEffect,
                                       deltaQalysSE: seQ, quadrant: c.quadrant.rawValue, label: label, icer: c.icer,
                                       incrementalNmb: wtp.map { l in l * c.deltaEffect - c.deltaCost },
                                       incrementalNmbSE: wtp.map { l in (nmbVariance(a, l) + nmbVariance(refIndex, l)).squareRoot() })
        }
        let nmb = ids.indices.map { a in wtp.map { IncrementalAnalysis.netMonetaryBenefit(cost: cost[a], effect: qaly[a], wtp: $0) } }
        let nmbSE = ids.indices.map { a in wtp.map { nmbVariance(a, $0).squareRoot() } }
        var psa: EconomicsPSA?
        if let draws = psaDraws, !draws.isEmpty {
            psa = makePSA(draws: draws, ids: ids, wtp: wtp, outcomeRate: inputs.outcomeDiscountRate,
                          populationSize: populationSize, years: years)
            if let p = psa, let worst = p.evpi.indices.max(by: { p.evpiBiasBound[$0] < p.evpiBiasBound[$1] }),
               p.evpiBiasBound[worst] > 0.1 * max(p.evpi[worst], 1e-300) {
                notes.append("EVPI at \(fmt(wtp[worst])) is within its Monte Carlo bias bound (\(fmt(p.evpiBiasBound[worst]))) of its value: more patients per draw would sharpen it")
            }
        }
        return EconomicsReport(currency: inputs.currency, priceYear: inputs.priceYear, costDiscountRate: inputs.costDiscountRate,
                               outcomeDiscountRate: inputs.outcomeDiscountRate, horizonMonths: horizon, reference: ref, wtp: wtp,
                               arms: arms, incremental: rows, comparisons: comparisons, nmb: nmb, nmbSE: nmbSE, psa: psa,
                               inputs: records(of: inputs, arms: ids), notes: notes)
    }

    /// The acceptability grid: 0 to twice the largest `wtp` (at least 100 000) in 100
    /// steps, with the `wtp` values themselves added.
    static func grid(for wtp: [Double]) -> [Double] {
        let top = max(100_000, 2 * (wtp.max() ?? 0))
        return Array(Set((0...100).map { top * Double($0) / 100 } + wtp)).sorted()
    }

    static func makePSA(draws: [[EconomicTally]], ids: [String], wtp: [Double], outcomeRate: Double,
                        populationSize: Double?, years: Int?) -> EconomicsPSA {
        let d = draws.count, s = ids.count
        var cost: [Double] = [], qaly: [Double] = [], vc: [Double] = [], vq: [Double] = [], cv: [Double] = []
        for row in draws {
            for t in row {
                let n = Double(max(t.patients, 1))
                cost.append(t.mean(.costs)); qaly.append(t.mean(.qalys))
                vc.append(t.variance(.costs) / n); vq.append(t.variance(.qalys) / n); cv.append(t.costQALYCovariance / n)
            }
        }
        let m = DrawMatrix(draws: d, strategies: s, cost: cost, effect: qaly, costVariance: vc, effectVariance: vq, covariance: cv)
        let g = grid(for: wtp)
        let points = ValueOfInformation.analyse(m, wtp: g)
        let at = ValueOfInformation.analyse(m, wtp: wtp)
        let evpi = at.map(\.evpi)
        var population: [Double]?
        if let n = populationSize, let y = years {
            let disc = Discounting(annualRate: outcomeRate)
            population = evpi.map { ValueOfInformation.populationEVPI(perPatient: $0, patientsPerYear: n, years: y, discounting: disc) }
        }
        return EconomicsPSA(draws: d, cost: (0..<d).map { Array(cost[$0 * s ..< ($0 + 1) * s]) },
                            qalys: (0..<d).map { Array(qaly[$0 * s ..< ($0 + 1) * s]) }, grid: g,
                            probability: points.map(\.probabilityCostEffective), frontierArm: points.map { ids[$0.optimal] },
                            evpiGrid: points.map(\.evpi), evpi: evpi, evpiBiasBound: at.map { $0.evpiBiasBound ?? .nan },
                            populationEVPI: population, populationSize: populationSize, years: years)
    }

    static func records(of inputs: EconomicInputs, arms: [String]) -> [EconomicInputRecord] {
        func r(_ name: String, _ v: EconomicValue) -> EconomicInputRecord {
            EconomicInputRecord(name: name, value: v.value, status: v.status.rawValue, citation: v.citation, quote: v.quote)
        }
        var out = [r("progression_free.cost_per_month", inputs.progressionFree.costPerMonth),
                   r("progression_free.utility", inputs.progressionFree.utility),
                   r("progressed.cost_per_month", inputs.progressed.costPerMonth),
                   r("progressed.utility", inputs.progressed.utility),
                   r("terminal_care", inputs.terminalCare)]
        for id in arms {
            guard let a = inputs.arms[id] else { continue }
            switch a.drug {
            case .monthly(let c, _)?: out.append(r("\(id).drug.cost_per_month", c))
            case .cycles(let c, _)?: out.append(r("\(id).drug.cost_per_cycle", c))
            case nil: break
            }
            if let s = a.startCost { out.append(r("\(id).start_cost", s)) }
            if let pf = a.progressionFree { out += [r("\(id).progression_free.cost_per_month", pf.costPerMonth), r("\(id).progression_free.utility", pf.utility)] }
            if let pd = a.progressed { out += [r("\(id).progressed.cost_per_month", pd.costPerMonth), r("\(id).progressed.utility", pd.utility)] }
            for ae in a.adverseEvents { out += [r("\(id).\(ae.event).cost", ae.cost), r("\(id).\(ae.event).disutility", ae.disutility)] }
        }
        return out
    }
}

/// The partitioned-survival values of one arm: the same inputs as `CostAccrual`, applied
/// to the arm's PFS and OS survival curves instead of to each patient (docs/ECONOMICS.md,
/// "Partitioned survival").
public enum PartitionedSurvivalModel {
    public struct Values: Sendable {
        /// In `AccruedQuantity` order.
        public var values: [Double]
        public var crossed: Bool
        public var largestCrossing: Double
    }

    public static func evaluate(_ a: CostAccrual, model: ArmModel) -> Values {
        evaluate(a, pfs: { model.pfsSurvival(at: $0) }, os: { model.osSurvival(at: $0) })
    }

    /// With PFS and OS curves given as functions of months. The curves are evaluated
    /// once per node of the rule the three sides (discounted costs, discounted outcomes,
    /// undiscounted) share; each side weights them by its own discount.
    public static func evaluate(_ a: CostAccrual, pfs: (Double) -> Double, os: (Double) -> Double) -> Values {
        let h = a.horizon
        let drugEnd = min(a.drugMax, h)
        let breaks = a.cycleMonths + a.disutilities.map(\.months)
        let cuts = a.drugPerMonth > 0 && drugEnd < h ? [drugEnd] : []
        let rule = PartitionedSurvival.Rule(from: 0, to: h, breakpoints: breaks + cuts)
        let pfsAt = rule.times.map(pfs), osAt = rule.times.map(os)
        func side(_ d: Discounting?) -> (cost: Double, qaly: Double, ly: Double, crossing: Double) {
            let k = (d?.delta ?? 0) / 12
            let w: (Double) -> Double = { k == 0 ? 1 : exp(-k * $0) }
            let weight = rule.times.map(w)
            let occ = PartitionedSurvival.occupancy(rule, pfs: pfsAt, os: osAt, weight: weight, cuts: cuts)
            let pfAll = occ.progressionFree[0]
            let pfDrug = cuts.isEmpty ? pfAll : occ.progressionFree[1]
            var cost = a.startCost + a.pfCost * pfAll + a.pdCost * occ.progressed + a.drugPerMonth * pfDrug
            for (t, c) in zip(a.cycleMonths, a.cycleMonths.map({ w($0) })) where t < h { cost += a.cycleCost * c * pfs(t) }
            // ∫_0^H f_OS(t) w(t) dt = 1 − S_OS(H) w(H) − k ∫_0^H S_OS w (by parts).
            cost += a.terminalCost * (1 - os(h) * w(h) - k * occ.alive)
            var qaly = (a.pfUtility * pfAll + a.pdUtility * occ.progressed) / 12
            var aliveAt: [Double]?   // S_OS w at the nodes, made for the first disutility
            for d in a.disutilities where d.weight != 0 {
                let to = min(d.months, h)
                // On the shared nodes when its rule's segments are the shared rule's up to
                // `to` (no cut inside (0, to)): the same sum; otherwise on its own rule.
                let integral: Double
                if to > 0, let e = rule.end(at: to), !cuts.contains(where: { $0 > 0 && $0 < to }) {
                    if aliveAt == nil { aliveAt = (0..<osAt.count).map { osAt[$0] * weight[$0] } }
                    integral = rule.integral(aliveAt!, toEnd: e)
                } else {
                    integral = PartitionedSurvival.integrate(from: 0, to: to, breakpoints: breaks) { os($0) * w($0) }
                }
                qaly -= d.weight * integral / 12
            }
            return (cost, qaly, occ.alive / 12, occ.largestCrossing)
        }
        // Costs and outcomes may be discounted at different rates: each side with its own.
        let c = side(a.costs), o = side(a.outcomes), u = side(nil)
        let crossing = max(c.crossing, u.crossing)
        return Values(values: [c.cost, u.cost, o.qaly, u.qaly, o.ly, u.ly], crossed: crossing > 1e-12, largestCrossing: crossing)
    }
}
