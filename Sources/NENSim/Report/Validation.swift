import Foundation
import SurvivalStats

/// One catalogue figure checked against a large simulation (`nensim validate`).
public struct ValidationRow: Sendable, Codable {
    public enum Verdict: String, Sendable, Codable {
        /// Simulated within 4 Monte Carlo SE of the figure.
        case reproduced
        /// The figure conflicts with other figures of the arm; the fit cannot meet all,
        /// and the simulation reproduces the fitted model instead.
        case conflict
        /// Outside 4 SE without an explanation: a defect.
        case failed
        /// The figure is not used by the model (`calibrates: false`).
        case notUsed = "not used"
        /// The arm could not be simulated (a needed figure is missing).
        case notSimulated = "not simulated"
        /// The simulated statistic does not exist under the design (e.g. a median
        /// beyond the follow-up): NA, with a note; not a defect.
        case notEstimable = "not estimable"
    }

    public var arm: String
    public var figure: String
    public var status: String
    public var quantity: String
    /// The figure's value (the centre of a range).
    public var target: Double
    public var range: [Double]?
    /// What the calibrated model implies (differs from target only where figures conflict).
    public var model: Double
    public var simulated: Double
    public var monteCarloSE: Double
    public var z: Double
    public var verdict: Verdict
    public var note: String
}

/// Whether the survival figures of one arm and endpoint can all hold for one Weibull.
public struct ConsistencyCheck: Sendable, Codable {
    public var arm: String
    public var endpoint: String
    public var figures: [String]
    /// The time (months) of each figure's survival.
    public var times: [Double]
    /// cloglog residuals of the Weibull least-squares fit, one per figure.
    public var residuals: [Double]
    /// The survival each figure states and the fitted curve's value at its time.
    public var stated: [Double]
    public var fitted: [Double]
    public var consistent: Bool
}

/// Compares each calibrating figure with a simulation of its arm.
public enum Validator {
    /// Fits a Weibull to each endpoint's calibrating survival figures of every arm with
    /// at least three of them (two always fit exactly): the figures that contradict each
    /// other show as residuals. Arms that cannot be simulated are checked too.
    public static func consistency(catalogue: EvidenceCatalogue, armIDs: [String]?) throws -> [ConsistencyCheck] {
        var checks: [ConsistencyCheck] = []
        for id in armIDs ?? catalogue.armIDs {
            let arm = try catalogue.arm(id)
            for (name, endpoints) in [("pfs", [Endpoint.pfs, .ttp, .dfs]), ("os", [Endpoint.os])] {
                var anchors: [SurvivalAnchor] = []
                for f in arm.figures where f.calibrates && endpoints.contains(f.endpoint) {
                    if let scanned = try? ScanCalibration.anchor(f, centre: Calibrator.centre(of: f), arm: arm.id) {
                        anchors.append(scanned.anchor) // observed at scans: the latent anchor
                        continue
                    }
                    if f.kind == .median { anchors.append(SurvivalAnchor(time: Calibrator.centre(of: f), survival: 0.5, source: f.id)) }
                    if f.kind == .landmark, let t = f.time { anchors.append(SurvivalAnchor(time: t, survival: Calibrator.centre(of: f), source: f.id)) }
                }
                guard anchors.count >= 3, let fit = try? WeibullFitter.fit(anchors) else { continue }
                checks.append(ConsistencyCheck(arm: arm.id, endpoint: name, figures: anchors.map(\.source), times: anchors.map(\.time),
                                               residuals: fit.residuals,
                                               stated: anchors.map(\.survival), fitted: fit.fittedSurvival,
                                               consistent: fit.maxAbsResidual < 0.05))
            }
        }
        return checks
    }

    static func row(arm: String, f: Figure, quantity: String, target: Double, model: Double, simulated: Double, se: Double,
                    note: String = "") -> ValidationRow {
        let z = se > 0 ? (simulated - target) / se : (simulated == target ? 0 : .infinity)
        let zModel = se > 0 ? (simulated - model) / se : 0
        let verdict: ValidationRow.Verdict
        var note = note
        if !simulated.isFinite || !se.isFinite {
            verdict = .notEstimable
            if note.isEmpty { note = "not estimable under this design (the simulated \(quantity) does not exist; e.g. a median or landmark beyond the follow-up)" }
        } else if abs(z) <= 4 {
            verdict = .reproduced
        } else if abs(model - target) > 1e-6 * max(1, abs(target)), abs(zModel) <= 4 {
            verdict = .conflict
            if note.isEmpty { note = "figures of this arm conflict; the fit gives \(fmt(model)) and the simulation reproduces it (z vs model \(fmt(zModel, 3)))" }
        } else {
            verdict = .failed
        }
        return ValidationRow(arm: arm, figure: f.id, status: f.status.rawValue, quantity: quantity, target: target,
                             range: f.isRange ? [f.low, f.high] : nil, model: model, simulated: simulated,
                             monteCarloSE: se, z: z, verdict: verdict, note: note)
    }

    /// SE of a KM quantile from its confidence interval (width / (2 z)).
    static func quantileSE(_ q: QuantileEstimate, level: Double = 0.95) -> Double {
        guard let lo = q.lower, let hi = q.upper else { return .nan }
        return (hi - lo) / (2 * Distributions.normalQuantile(0.5 + level / 2))
    }

    /// Validates `armIDs` (default: all arms of the catalogue) with `n` patients each.
    public static func validate(catalogue: EvidenceCatalogue, overrides: ModelOverrides, armIDs: [String]?, n: Int,
                                seed: UInt64, threads: Int, design: StudyDesign = StudyDesign(horizon: 600)) throws -> [ValidationRow] {
        let calibrator = Calibrator(catalogue: catalogue, overrides: overrides)
        var rows: [ValidationRow] = []
        for id in armIDs ?? catalogue.armIDs {
            let arm = try catalogue.arm(id)
            let model: ArmModel
            do { model = try calibrator.model(for: arm.id) } catch let f as NensimFailure {
                for fig in arm.figures {
                    rows.append(ValidationRow(arm: arm.id, figure: fig.id, status: fig.status.rawValue, quantity: fig.kind.rawValue,
                                              target: Calibrator.centre(of: fig), range: fig.isRange ? [fig.low, fig.high] : nil,
                                              model: .nan, simulated: .nan, monteCarloSE: .nan, z: .nan, verdict: .notSimulated, note: f.message.description))
                }
                continue
            }
            // A fine grid (0.02 day) so that rounding event times up to the cell end
            // biases medians by < 0.001 month, far below the Monte Carlo SE.
            let result = Engine.run(SimulationRequest(arms: [model], patientsPerArm: n, seed: seed, design: design,
                                                      gridWidth: 0.02 / daysPerMonth, threads: threads, recordLimit: 0))
            let pfsKM = KaplanMeier.fit(Reporter.counts(result, arm: 0, endpoint: .pfs))
            let osKM = KaplanMeier.fit(Reporter.counts(result, arm: 0, endpoint: .os))
            let tally = result.tallies[0]
            let nn = Double(tally.patients)
            for f in arm.figures {
                guard f.calibrates else {
                    rows.append(ValidationRow(arm: arm.id, figure: f.id, status: f.status.rawValue, quantity: f.kind.rawValue,
                                              target: Calibrator.centre(of: f), range: f.isRange ? [f.low, f.high] : nil, model: .nan,
                                              simulated: .nan, monteCarloSE: .nan, z: .nan, verdict: .notUsed, note: f.use))
                    continue
                }
                let target = Calibrator.centre(of: f)
                if let scanned = try? ScanCalibration.anchor(f, centre: target, arm: arm.id) {
                    // Observed at scans: the run simulates latent times, so the latent anchor is the target.
                    let a = scanned.anchor
                    let isMedian = f.kind == .median
                    let l = pfsKM.survival(at: a.time)
                    rows.append(row(arm: arm.id, f: f, quantity: isMedian ? "latent median PFS" : "latent PFS S(\(fmt(a.time)))",
                                    target: isMedian ? a.time : a.survival,
                                    model: isMedian ? model.pfsMedian : model.pfsSurvival(at: a.time),
                                    simulated: isMedian ? pfsKM.median.estimate ?? .nan : l.survival,
                                    se: isMedian ? quantileSE(pfsKM.median) : l.standardError, note: scanned.note))
                    continue
                }
                switch (f.endpoint, f.kind) {
                case (.pfs, .median), (.ttp, .median), (.dfs, .median):
                    rows.append(row(arm: arm.id, f: f, quantity: "median PFS", target: target, model: model.pfsMedian,
                                    simulated: pfsKM.median.estimate ?? .nan, se: quantileSE(pfsKM.median)))
                case (.pfs, .medianDifference), (.ttp, .medianDifference):
                    let anchor = model.pfsFit?.anchors.first { $0.source.hasPrefix(f.id) }
                    let t = anchor?.time ?? .nan
                    rows.append(row(arm: arm.id, f: f, quantity: "median PFS", target: t, model: model.pfsMedian,
                                    simulated: pfsKM.median.estimate ?? .nan, se: quantileSE(pfsKM.median),
                                    note: "target = \(f.reference ?? "?") median + \(Calibrator.describe(f))"))
                case (.pfs, .landmark), (.ttp, .landmark), (.dfs, .landmark):
                    let t = f.time ?? .nan
                    let l = pfsKM.survival(at: t)
                    rows.append(row(arm: arm.id, f: f, quantity: "PFS S(\(fmt(t)))", target: target, model: model.pfsSurvival(at: t),
                                    simulated: l.survival, se: l.standardError))
                case (.os, .median):
                    rows.append(row(arm: arm.id, f: f, quantity: "median OS", target: target,
                                    model: model.osMedian,
                                    simulated: osKM.median.estimate ?? .nan, se: quantileSE(osKM.median)))
                case (.os, .landmark):
                    let t = f.time ?? .nan
                    let l = osKM.survival(at: t)
                    rows.append(row(arm: arm.id, f: f, quantity: "OS S(\(fmt(t)))", target: target, model: model.osSurvival(at: t),
                                    simulated: l.survival, se: l.standardError))
                case (.response, .proportion), (.adverseEvent, .proportion):
                    let c = f.category ?? ""
                    var count: Int?
                    var modelP = Double.nan
                    if let i = model.responseCuts.firstIndex(where: { $0.category == c }) {
                        count = tally.responseTiers[0...i].reduce(0, +)
                        modelP = model.responseCuts[i].probability
                    } else if ["pr", "sd", "pd"].contains(c) {
                        // Derived categories: differences of cumulative cuts.
                        let cum = { (name: String) -> (Int, Double)? in
                            guard let i = model.responseCuts.firstIndex(where: { $0.category == name }) else { return nil }
                            return (tally.responseTiers[0...i].reduce(0, +), model.responseCuts[i].probability)
                        }
                        let pairs: [String: (String?, String?)] = ["pr": ("cr", "orr"), "sd": ("orr", "dcr"), "pd": ("dcr", nil)]
                        if let (lo, hi) = pairs[c] {
                            let a = lo.flatMap(cum) ?? (0, 0)
                            let b = hi.flatMap(cum) ?? (Int(nn), 1)
                            count = b.0 - a.0
                            modelP = b.1 - a.1
                        }
                    } else if let j = model.binaryOutcomes.firstIndex(where: { $0.name == c && ($0.kind == .adverseEvent) == (f.endpoint == .adverseEvent) }) {
                        count = tally.binaryOutcomes[j]
                        modelP = model.binaryOutcomes[j].probability
                    }
                    if let count {
                        let p = Double(count) / nn
                        rows.append(row(arm: arm.id, f: f, quantity: "P(\(c))", target: target, model: modelP, simulated: p,
                                        se: (max(modelP, 1e-12) * (1 - min(modelP, 1 - 1e-12)) / nn).squareRoot()))
                    }
                default:
                    rows.append(ValidationRow(arm: arm.id, figure: f.id, status: f.status.rawValue, quantity: f.kind.rawValue,
                                              target: target, range: f.isRange ? [f.low, f.high] : nil, model: .nan, simulated: .nan,
                                              monteCarloSE: .nan, z: .nan, verdict: .notUsed, note: "kind not simulated"))
                }
            }
        }
        return rows
    }
}
