import Foundation
import SurvivalStats

// Per-patient accrual of costs, QALYs and life-years (docs/ECONOMICS.md, "Per-patient
// accrual"): a stage that reads the kernel's block arrays after `PatientKernel.draw`
// (docs/ARCHITECTURE.md, "Engine": a new output is a sink over the block's arrays) and
// adds each patient's closed-form integrals to exact fixed-point sums.

/// A signed 128-bit integer sum (two's complement, high and low words), so that sums of
/// fixed-point values add exactly, in any order, across threads, shards and machines.
public struct ExactSum: Sendable, Codable, Equatable {
    public var high: Int64 = 0
    public var low: UInt64 = 0

    public init() {}
    public init(high: Int64, low: UInt64) { self.high = high; self.low = low }

    @inline(__always) mutating func add(high h: Int64, low l: UInt64) {
        let (s, carry) = low.addingReportingOverflow(l)
        low = s
        high = high &+ h &+ (carry ? 1 : 0)
    }
    @inline(__always) mutating func add(_ v: Int64) { add(high: v < 0 ? -1 : 0, low: UInt64(bitPattern: v)) }
    @inline(__always) mutating func addProduct(_ a: Int64, _ b: Int64) {
        let p = a.multipliedFullWidth(by: b)
        add(high: p.high, low: p.low)
    }
    mutating func add(_ other: ExactSum) { add(high: other.high, low: other.low) }

    /// The sum as a double (correctly rounded to within one ulp).
    public var doubleValue: Double {
        // high·2⁶⁴ + low; both parts are exact up to their own rounding.
        Double(high) * 0x1p64 + Double(low)
    }
}

/// The quantities accrued per patient, in this order everywhere (tallies, files, reports).
public enum AccruedQuantity: Int, Sendable, CaseIterable, Codable {
    case costs, costsUndiscounted, qalys, qalysUndiscounted, lifeYears, lifeYearsUndiscounted

    public var name: String {
        switch self {
        case .costs: "cost"
        case .costsUndiscounted: "cost_undiscounted"
        case .qalys: "qaly"
        case .qalysUndiscounted: "qaly_undiscounted"
        case .lifeYears: "life_years"
        case .lifeYearsUndiscounted: "life_years_undiscounted"
        }
    }
}

/// One arm's economic tallies: for each accrued quantity x, Σq and Σq² with q = round(x·2²⁰)
/// (a fixed-point value resolving 2⁻²⁰ ≈ 10⁻⁶ of a currency unit or a year), and the cross
/// sum of discounted cost × discounted QALYs (for the variance of net monetary benefit).
/// Exact while n · (largest per-patient value)² < 1.5 · 10²⁶, e.g. 10¹² patients at 10⁷ a
/// patient.
public struct EconomicTally: Sendable, Codable, Equatable {
    public static let scale = 0x1p20
    public var patients: Int = 0
    public var sums = [ExactSum](repeating: ExactSum(), count: AccruedQuantity.allCases.count)
    public var squares = [ExactSum](repeating: ExactSum(), count: AccruedQuantity.allCases.count)
    public var costQALYProducts = ExactSum()

    public init() {}

    public mutating func add(_ other: EconomicTally) {
        patients &+= other.patients
        for i in sums.indices { sums[i].add(other.sums[i]); squares[i].add(other.squares[i]) }
        costQALYProducts.add(other.costQALYProducts)
    }

    /// Mean per patient of `q`.
    public func mean(_ q: AccruedQuantity) -> Double {
        patients > 0 ? sums[q.rawValue].doubleValue / EconomicTally.scale / Double(patients) : .nan
    }

    /// Sample variance of the per-patient values of `q` (n − 1 denominator).
    public func variance(_ q: AccruedQuantity) -> Double {
        guard patients > 1 else { return .nan }
        let n = Double(patients), s = sums[q.rawValue].doubleValue / EconomicTally.scale
        let ss = squares[q.rawValue].doubleValue / (EconomicTally.scale * EconomicTally.scale)
        return max(0, (ss - s * s / n) / (n - 1))
    }

    /// Monte Carlo standard error of the mean of `q`.
    public func standardError(_ q: AccruedQuantity) -> Double { (variance(q) / Double(patients)).squareRoot() }

    /// Sample covariance of discounted cost and discounted QALYs per patient.
    public var costQALYCovariance: Double {
        guard patients > 1 else { return .nan }
        let n = Double(patients)
        let sc = sums[AccruedQuantity.costs.rawValue].doubleValue / EconomicTally.scale
        let sq = sums[AccruedQuantity.qalys.rawValue].doubleValue / EconomicTally.scale
        let scq = costQALYProducts.doubleValue / (EconomicTally.scale * EconomicTally.scale)
        return (scq - sc * sq / n) / (n - 1)
    }
}

/// One arm's economic constants, resolved from the inputs and the arm model: the stage the
/// engine runs over each block (docs/ECONOMICS.md gives every formula).
public struct CostAccrual: Sendable {
    public let horizon: Double
    let costs: Discounting
    let outcomes: Discounting
    let pfCost, pdCost, pfUtility, pdUtility: Double
    /// Start cost plus Σ P(AE) × AE cost, paid at month 0.
    let startCost: Double
    /// Drug per month until progression or `drugMax` months (0 when by cycles or none).
    let drugPerMonth: Double
    let drugMax: Double
    /// Cycle months and their cost (paid when alive and progression-free).
    let cycleMonths: [Double]
    let cycleCost: Double
    /// Discount factors of the cycles at the cost rate.
    let cycleFactors: [Double]
    let terminalCost: Double
    /// (P(AE) × disutility, duration) of each adverse event.
    let disutilities: [(weight: Double, months: Double)]

    /// - Parameters: `horizon`: the economic horizon in months (the inputs' or the run's).
    public init(inputs: EconomicInputs, model: ArmModel, horizon: Double) {
        self.horizon = horizon
        costs = Discounting(annualRate: inputs.costDiscountRate)
        outcomes = Discounting(annualRate: inputs.outcomeDiscountRate)
        let (pf, pd) = inputs.states(of: model.id)
        pfCost = pf.costPerMonth.value; pdCost = pd.costPerMonth.value
        pfUtility = pf.utility.value; pdUtility = pd.utility.value
        let arm = inputs.arms[model.id]
        let probability = Dictionary(model.binaryOutcomes.filter { $0.kind == .adverseEvent }.map { ($0.name, $0.probability) },
                                     uniquingKeysWith: { a, _ in a })
        let aes = arm?.adverseEvents ?? []
        startCost = (arm?.startCost?.value ?? 0) + aes.reduce(0) { $0 + (probability[$1.event] ?? 0) * $1.cost.value }
        disutilities = aes.map { ((probability[$0.event] ?? 0) * $0.disutility.value, $0.durationMonths) }
        switch arm?.drug {
        case .monthly(let c, let m)?:
            drugPerMonth = c.value; drugMax = m ?? .infinity; cycleMonths = []; cycleCost = 0
        case .cycles(let c, let t)?:
            drugPerMonth = 0; drugMax = 0; cycleMonths = t; cycleCost = c.value
        case nil:
            drugPerMonth = 0; drugMax = 0; cycleMonths = []; cycleCost = 0
        }
        let d = costs
        cycleFactors = cycleMonths.map { d.factor(atMonth: $0) }
        terminalCost = inputs.terminalCare.value
    }

    /// One patient's accrued quantities (in `AccruedQuantity` order) from the PFS time and
    /// the OS time (months, OS ≥ PFS; OS = PFS: death without progression).
    @inline(__always) public func accrue(pfs: Double, os: Double) -> (Double, Double, Double, Double, Double, Double) {
        let h = horizon
        let tP = min(pfs, h), tD = min(os, h)
        // Σ over the two rates: F(x) = ∫_0^x e^{−kt} dt (months), the undiscounted F(x) = x.
        let cP = costs.integral(fromMonth: 0, toMonth: tP), cD = costs.integral(fromMonth: 0, toMonth: tD)
        let oP = outcomes.integral(fromMonth: 0, toMonth: tP), oD = outcomes.integral(fromMonth: 0, toMonth: tD)
        var cost = startCost + pfCost * cP + pdCost * (cD - cP)
        var costU = startCost + pfCost * tP + pdCost * (tD - tP)
        if drugPerMonth > 0 {
            let tT = min(tP, drugMax)
            cost += drugPerMonth * (tT == tP ? cP : costs.integral(fromMonth: 0, toMonth: tT))
            costU += drugPerMonth * tT
        }
        for k in cycleMonths.indices where cycleMonths[k] < pfs && cycleMonths[k] < h {
            cost += cycleCost * cycleFactors[k]
            costU += cycleCost
        }
        if os < h {
            cost += terminalCost * costs.factor(atMonth: os)
            costU += terminalCost
        }
        var qaly = (pfUtility * oP + pdUtility * (oD - oP)) / 12
        var qalyU = (pfUtility * tP + pdUtility * (tD - tP)) / 12
        for d in disutilities where d.weight != 0 {
            let end = min(d.months, tD)
            qaly -= d.weight * outcomes.integral(fromMonth: 0, toMonth: end) / 12
            qalyU -= d.weight * end / 12
        }
        return (cost, costU, qaly, qalyU, oD / 12, tD / 12)
    }

    /// Adds patients 0 ..< count to `tally`.
    ///
    /// Contract: `pfs` and `pps` hold `count` finite non-negative times in months (the
    /// kernel's scratch after `draw`; OS = PFS + PPS), not aliasing `tally`.
    /// - Complexity: O(count · (cycles + adverse events)).
    func accrue(count: Int, pfs: UnsafePointer<Double>, pps: UnsafePointer<Double>, into tally: inout EconomicTally) {
        let scale = EconomicTally.scale
        @inline(__always) func add(_ j: Int, _ x: Double) -> Int64 {
            let q = Int64((x * scale).rounded())
            tally.sums[j].add(q)
            tally.squares[j].addProduct(q, q)
            return q
        }
        for i in 0..<count {
            let p = pfs[i]
            let v = accrue(pfs: p, os: p + pps[i])
            let qc = add(0, v.0)
            _ = add(1, v.1)
            let qq = add(2, v.2)
            _ = add(3, v.3); _ = add(4, v.4); _ = add(5, v.5)
            tally.costQALYProducts.addProduct(qc, qq)
        }
        tally.patients &+= count
    }
}
