import Foundation

/// What a run's economic results depend on besides its simulation: the economic inputs
/// and the report's settings. A tally file carries it in its scenario (docs/TALLY-FORMAT.md,
/// "Economics"), so `nensim merge` rebuilds the unsharded run's economics from the files
/// alone; it is part of the scenario hash, so shards run with other inputs do not merge.
public struct EconomicsScenario: Codable, Sendable, Equatable {
    public var inputs: EconomicInputs
    /// Willingness-to-pay values per QALY (`--wtp`, or the default).
    public var wtp: [Double]
    /// Population EVPI (`--population-size`, `--years`); nil without it.
    public var populationSize: Double?
    public var years: Int?

    public init(inputs: EconomicInputs, wtp: [Double] = EconomicsReport.defaultWTP, populationSize: Double? = nil, years: Int? = nil) {
        self.inputs = inputs
        self.wtp = wtp
        self.populationSize = populationSize
        self.years = years
    }

    /// The report of `result` under these inputs and settings (`psaDraws`: per draw, per arm).
    public func report(_ result: SimulationResult, reference: String?, psaDraws: [[EconomicTally]]? = nil) -> EconomicsReport {
        EconomicsReport.make(result: result, inputs: inputs, reference: reference, wtp: wtp, psaDraws: psaDraws,
                             populationSize: populationSize, years: years)
    }
}

extension EconomicsScenario {
    /// The first economic number out of the range the parser allows (docs/ECONOMICS.md,
    /// "Inputs"), in words, or nil: a tally file's economics are checked with this before
    /// any arithmetic uses them, as its other numbers are (docs/RELIABILITY.md).
    public func outOfRangeField(runHorizon: Double) -> String? {
        let i = inputs
        func cost(_ v: EconomicValue?) -> Bool { v.map { $0.value.isFinite && $0.value >= 0 } ?? true }
        func utility(_ v: EconomicValue) -> Bool { v.value.isFinite && v.value <= 1 }
        func state(_ s: StateValues?) -> Bool { s.map { cost($0.costPerMonth) && utility($0.utility) } ?? true }
        let rates = [i.costDiscountRate, i.outcomeDiscountRate]
        if !rates.allSatisfy({ $0.isFinite && $0 >= 0 && $0 < 1 }) { return "economic discount rate" }
        if let h = i.horizonMonths, !(h > 0 && h <= runHorizon) { return "economic horizon" }
        if !(state(i.progressionFree) && state(i.progressed) && cost(i.terminalCare)) { return "economic state values" }
        for (id, a) in i.arms.sorted(by: { $0.key < $1.key }) {
            guard state(a.progressionFree), state(a.progressed), cost(a.startCost) else { return "economic values of arm \(id)" }
            switch a.drug {
            case .monthly(let c, let m)?:
                if !cost(c) || !(m.map { $0 > 0 && !$0.isNaN } ?? true) { return "drug cost of arm \(id)" }
            case .cycles(let c, let t)?:
                let increasing = zip(t, t.dropFirst()).allSatisfy { $0 < $1 }
                if !cost(c) || t.isEmpty || !increasing || !t.allSatisfy({ $0.isFinite && $0 >= 0 }) { return "treatment cycles of arm \(id)" }
            case nil: break
            }
            for ae in a.adverseEvents where !(cost(ae.cost) && ae.disutility.value >= 0 && ae.disutility.value <= 2
                                              && ae.durationMonths.isFinite && ae.durationMonths >= 0) {
                return "adverse-event values of arm \(id)"
            }
        }
        if !wtp.allSatisfy({ $0.isFinite && $0 >= 0 }) || wtp.isEmpty || wtp.count > 1000 { return "willingness-to-pay values" }
        if let p = populationSize, !(p.isFinite && p > 0) { return "population size" }
        if let y = years, !(1...200).contains(y) { return "years of population EVPI" }
        return nil
    }
}
