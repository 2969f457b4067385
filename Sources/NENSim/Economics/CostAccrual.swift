internal import CKernels
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
    let terminalCost: Double
    /// (P(AE) × disutility, duration) of each adverse event.
    let disutilities: [(weight: Double, months: Double)]
    /// The same constants as the C kernel takes them.
    let kernel: AccrualKernel

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
        terminalCost = inputs.terminalCare.value
        kernel = AccrualKernel(nensim_accrual(
            horizon: horizon, k_cost: costs.delta / 12, k_outcome: outcomes.delta / 12,
            pf_cost: pfCost, pd_cost: pdCost, pf_utility: pfUtility, pd_utility: pdUtility,
            one_off: startCost, drug_per_month: drugPerMonth, drug_max: drugMax, cycle_cost: cycleCost,
            cycle_months: nil, cycles: 0, terminal: terminalCost, ae_weight: nil, ae_months: nil, aes: 0),
            cycleMonths: cycleMonths, disutilities: disutilities)
    }

    /// One patient's accrued quantities (in `AccruedQuantity` order) over one segment:
    /// progression-free on this arm's treatment from `start` to `progression`, progressed
    /// from `progression` to `end`, dead at `death` (≥ end; the segment ends in death when
    /// end = death). A single arm's patient is `start` 0, `end` = `death` = OS. The
    /// formulas: docs/ECONOMICS.md, "Per-patient accrual"; the arithmetic is the C kernel's
    /// (`nensim_accrue_segment1`), the same bits on every machine.
    public func accrue(start: Double = 0, progression: Double, end: Double, death: Double) -> [Double] {
        var out = [Double](repeating: 0, count: AccruedQuantity.allCases.count)
        out.withUnsafeMutableBufferPointer { o in
            accrueSegment(start: start, progression: progression, end: end, death: death, into: o.baseAddress!)
        }
        return out
    }

    /// `accrue(start:progression:end:death:)` into `out[0 ..< 6]` (no allocation).
    @inline(__always) func accrueSegment(start: Double, progression: Double, end: Double, death: Double, into out: UnsafeMutablePointer<Double>) {
        nensim_accrue_segment1(kernel.constants, start, progression, end, death, out)
    }

    /// Adds patients 0 ..< count to `tally`.
    ///
    /// Contract: `pfs` and `pps` hold `count` finite non-negative times in months (the
    /// kernel's scratch after `draw`; OS = PFS + PPS), not aliasing `tally`. The values
    /// are the C kernel's (`nensim_accrue_arm`, vectorised, bit-identical on every
    /// machine); the sums are exact integers (`EconomicTally`).
    /// - Complexity: O(count · (1 + cycles + adverse events)).
    func accrue(count: Int, pfs: UnsafePointer<Double>, pps: UnsafePointer<Double>, into tally: inout EconomicTally) {
        var sums = nensim_accrual_sums()
        nensim_accrue_arm(kernel.constants, pfs, pps, count, &sums)
        tally.add(sums, patients: count)
    }
}

/// The C kernel's constants of one `CostAccrual` (`nensim_accrual`), with the cycle months
/// and adverse events it points to, allocated once and never changed after `init`, so
/// workers share it read-only.
final class AccrualKernel: @unchecked Sendable {
    let constants: UnsafeMutablePointer<nensim_accrual>
    private let arrays: UnsafeMutableBufferPointer<Double>

    /// `scalars`: every constant but the arrays, which are copied from `cycleMonths` and
    /// `disutilities` and pointed to.
    init(_ scalars: nensim_accrual, cycleMonths: [Double], disutilities: [(weight: Double, months: Double)]) {
        let c = cycleMonths.count, e = disutilities.count
        arrays = .allocate(capacity: max(1, c + 2 * e))
        arrays.initialize(repeating: 0)
        for (j, m) in cycleMonths.enumerated() { arrays[j] = m }
        for (j, d) in disutilities.enumerated() { arrays[c + j] = d.weight; arrays[c + e + j] = d.months }
        let base = arrays.baseAddress!
        var k = scalars
        k.cycle_months = UnsafePointer(base); k.cycles = Int32(c)
        k.ae_weight = UnsafePointer(base + c); k.ae_months = UnsafePointer(base + c + e); k.aes = Int32(e)
        constants = .allocate(capacity: 1)
        constants.initialize(to: k)
    }

    deinit {
        constants.deallocate()
        arrays.deallocate()
    }
}

extension ExactSum {
    init(_ s: nensim_int128) { self.init(high: s.hi, low: s.lo) }
}

extension EconomicTally {
    /// Adds the kernel's sums of `patients` patients (`nensim_accrual_sums`).
    mutating func add(_ s: nensim_accrual_sums, patients count: Int) {
        withUnsafeBytes(of: s.sum) { sum in
            withUnsafeBytes(of: s.square) { square in
                let sum = sum.bindMemory(to: nensim_int128.self), square = square.bindMemory(to: nensim_int128.self)
                for q in 0..<AccruedQuantity.allCases.count {
                    sums[q].add(ExactSum(sum[q]))
                    squares[q].add(ExactSum(square[q]))
                }
            }
        }
        costQALYProducts.add(ExactSum(s.cost_qaly))
        patients &+= count
    }
}

extension EconomicTally {
    /// Adds `count` patients' accrued values to the sums: `values[q·count + i]` is patient
    /// i's quantity q (`AccruedQuantity` order), finite, |value| < 2⁴² (`nensim_accrual_sums_add`).
    mutating func add(values: UnsafePointer<Double>, count: Int) {
        var sums = nensim_accrual_sums()
        nensim_accrual_sums_add(values, count, &sums)
        add(sums, patients: count)
    }
}

/// A worker's room for per-patient accrued values (pathways: each line's and the total),
/// allocated once per worker; `clear` zeroes the part a block uses.
final class AccrualScratch: @unchecked Sendable {
    let values: UnsafeMutableBufferPointer<Double>

    init(capacity: Int) {
        values = .allocate(capacity: max(1, capacity))
        values.initialize(repeating: 0)
    }

    deinit { values.deallocate() }

    func clear(rows count: Int) {
        values.baseAddress!.update(repeating: 0, count: min(count, values.count))
    }
}

/// One pathway's economic tallies: the patients' totals, and line k's share — its
/// progression-free time on line k's treatment and the progressed time after it (until
/// line k + 1 starts, or death), with terminal care on the line during or after which the
/// patient dies. A patient who never reaches line k adds 0 to it, so each line's mean is
/// per patient of the pathway and the lines' sums of values add up to the total's (to
/// the 2⁻²⁰ rounding of each value). Integer sums, exact in any order (docs/ECONOMICS.md).
public struct PathwayEconomicTally: Sendable, Codable, Equatable {
    public var total = EconomicTally()
    public var lines: [EconomicTally]

    public init(lines: Int) { self.lines = [EconomicTally](repeating: EconomicTally(), count: lines) }

    public mutating func add(_ other: PathwayEconomicTally) {
        total.add(other.total)
        for k in lines.indices { lines[k].add(other.lines[k]) }
    }
}
