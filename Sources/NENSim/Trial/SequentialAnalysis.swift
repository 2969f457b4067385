internal import CKernels
import Foundation
import SurvivalStats

/// The group-sequential plan of a trial: looks at fractions of the target events,
/// Lan–DeMets α spending, optional non-binding futility from β spending
/// (docs/TRIAL.md, "Group-sequential trials").
public struct SequentialPlan: Sendable, Equatable, Codable {
    /// Information fractions of the looks, rising, the last 1: look k happens at the
    /// round(t_k · D)-th event of a trial with D target events.
    public var informationRates: [Double]
    /// 1: reject for benefit only (Z ≥ b_k); 2: reject either way (|Z| ≥ b_k).
    public var sides: Int
    public var spending: SpendingFunction
    /// β spending of non-binding futility bounds (one-sided plans only), or nil.
    public var futilitySpending: SpendingFunction?
    /// Type II error that fixes the design's drift (and the futility bounds).
    public var beta: Double

    public init(informationRates: [Double], sides: Int = 2, spending: SpendingFunction = .obrienFleming,
                futilitySpending: SpendingFunction? = nil, beta: Double = 0.2) {
        self.informationRates = informationRates
        self.sides = sides
        self.spending = spending
        self.futilitySpending = futilitySpending
        self.beta = beta
    }

    /// Parses information fractions `0.5,0.75,1`.
    public static func parseLooks(_ text: String) throws -> [Double] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else {
            throw NensimFailure.usage("\(.looks) '\(user: text)': expected information fractions such as 0.5,0.75,1")
        }
        let t = parts.map { $0! }
        guard t.last == 1, t.allSatisfy({ $0 > 0 && $0 <= 1 }), zip(t, t.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw NensimFailure.usage("\(.looks) '\(user: text)': the fractions must rise strictly in (0, 1] and end at 1")
        }
        guard t.count <= 20 else { throw NensimFailure.usage("\(.looks) '\(user: text)': at most 20 looks") }
        return t
    }

    /// Parses `obf`, `pocock`, `hsd:GAMMA`.
    public static func parseSpending(_ text: String, parameter: Parameter = .spending) throws -> SpendingFunction {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        switch t {
        case "obf", "of", "obrien-fleming": return .obrienFleming
        case "pocock", "p": return .pocock
        default: break
        }
        if t.hasPrefix("hsd:"), let g = Double(t.dropFirst(4)), g.isFinite, abs(g) <= 40 {
            return .hwangShihDeCani(gamma: g)
        }
        throw NensimFailure.usage("\(parameter) '\(user: text)': expected obf, pocock or hsd:GAMMA with |GAMMA| ≤ 40 (e.g. hsd:-4)")
    }

    /// The boundaries at α of `sides` sides.
    public func boundaries(alpha: Double) throws -> GroupSequentialDesign {
        do {
            return try GroupSequentialDesign(informationRates: informationRates, alpha: alpha, sides: sides,
                                             spending: spending, beta: beta, futilitySpending: futilitySpending)
        } catch let e as SequentialError {
            throw NensimFailure.usage("group-sequential design: \(e)")
        }
    }

    /// Events at each look for a trial of `target` events: round(t_k · D), at least 1.
    public func eventCounts(target: Int) -> [Int] {
        informationRates.map { max(1, Int((($0 * Double(target))).rounded())) }
    }

    /// Checks the plan against the trial's event target.
    public func validate(targetEvents: Int?) throws {
        guard let target = targetEvents else {
            throw NensimFailure.usage("\(.looks) needs an event-driven trial: give \(.targetEvents)")
        }
        let counts = eventCounts(target: target)
        guard zip(counts, counts.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw NensimFailure.usage("\(.looks) at \(counts.map(String.init).joined(separator: ",")) events: \(target) target events are too few for looks at distinct event counts")
        }
        guard sides == 1 || sides == 2 else { throw NensimFailure.usage("\(.sided) \(sides): 1 or 2") }
        guard beta > 0, beta < 1 else { throw NensimFailure.usage("\(.beta) \(fmt(beta)): a probability in (0, 1)") }
        if futilitySpending != nil, sides != 1 {
            throw NensimFailure.usage("\(.betaSpending): futility bounds need a one-sided design (\(.sided) 1)")
        }
    }

    public var summary: String {
        var s = "\(informationRates.count) looks at information \(informationRates.map { fmt($0) }.joined(separator: ", ")); \(sides)-sided Lan–DeMets α spending \(spending)"
        if let f = futilitySpending { s += "; non-binding futility from β = \(fmt(beta)) spending \(f)" }
        return s
    }

    enum CodingKeys: String, CodingKey { case informationRates, sides, spending, futilitySpending, beta }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(informationRates, forKey: .informationRates)
        try c.encode(sides, forKey: .sides)
        try c.encode(spending.description, forKey: .spending)
        try c.encodeIfPresent(futilitySpending?.description, forKey: .futilitySpending)
        try c.encode(beta, forKey: .beta)
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        informationRates = try c.decode([Double].self, forKey: .informationRates)
        sides = try c.decode(Int.self, forKey: .sides)
        spending = try Self.parseSpending(try c.decode(String.self, forKey: .spending))
        futilitySpending = try c.decodeIfPresent(String.self, forKey: .futilitySpending).map { try Self.parseSpending($0, parameter: .betaSpending) }
        beta = try c.decode(Double.self, forKey: .beta)
    }
}

/// How a replicate ended.
public enum LookDecision: String, Sendable, Codable, CaseIterable {
    /// A fixed-sample trial (one analysis, no bounds).
    case fixed
    /// Crossed the efficacy bound in the experimental arm's favour (Z ≥ b_k).
    case upper
    /// Two-sided designs: crossed −b_k (the control arm better).
    case lower
    /// Stopped at a futility bound (Z ≤ a_k, before the last look).
    case futility
    /// Reached the last look without crossing.
    case notRejected = "none"

    /// Whether the null hypothesis was rejected.
    public var rejected: Bool { self == .upper || self == .lower }
}

/// The looks of a sequential trial, computed once per run: the boundaries and the
/// event count of each look.
struct SequentialLooks: Sendable {
    let plan: SequentialPlan
    let boundaries: GroupSequentialDesign
    let events: [Int]

    init(design: TrialDesign) throws {
        guard let plan = design.sequential, let target = design.targetEvents else {
            throw NensimFailure.usage("\(.looks) needs an event-driven trial: give \(.targetEvents)")
        }
        self.plan = plan
        boundaries = try plan.boundaries(alpha: design.alpha)
        events = plan.eventCounts(target: target)
    }
}

extension ReplicateWorker {
    /// Performs the looks of a replicate whose `entry`, `eventTime`, `dropout` and
    /// `allocation` (all `patients` long, in entry order) are drawn: look k happens at
    /// the calendar time of the `events[k]`-th event among patients not dropped out,
    /// the data set is every patient enrolled by then, and the replicate stops at the
    /// first crossing. A look whose events cannot be reached by the calendar cap (or
    /// at all) becomes the last analysis, at the cap, with the last look's bound.
    /// The statistic is oriented Z = −z (positive favours the experimental arm).
    /// - Complexity: O(n log n + K n).
    mutating func performLooks(_ looks: SequentialLooks, replicate r: Int) -> ReplicateOutcome {
        let d = request.design, n = d.patients
        let entry = entry, eventTime = eventTime, dropout = dropout, calendar = calendar
        let cap = d.followUp.map { d.accrual + $0 } ?? .infinity
        var m = 0
        for j in 0..<n where eventTime[j] <= dropout[j] {
            calendar[m] = entry[j] + eventTime[j]
            m += 1
        }
        buffers.calendarSorter.sort(UnsafeMutableBufferPointer(rebasing: calendar[0..<m]))
        let b = looks.boundaries.efficacy, a = looks.boundaries.futility
        let sides = looks.plan.sides
        let zCI = Distributions.normalQuantile(1 - d.alpha / Double(sides))
        let last = b.count - 1
        for k in 0...last {
            var time: Double
            var isLast = k == last
            if looks.events[k] <= m, calendar[looks.events[k] - 1] < cap {
                time = calendar[looks.events[k] - 1]
            } else if cap.isFinite {
                time = cap
                isLast = true
            } else {
                time = 0
                for j in 0..<n { time = max(time, entry[j] + min(eventTime[j], dropout[j])) }
                isLast = true
            }
            var outcome = analyse(at: time, replicate: r, z: zCI)
            let zFavour = -outcome.z
            let bound = isLast ? b[last] : b[k]
            var decision: LookDecision?
            if zFavour >= bound {
                decision = .upper
            } else if sides == 2, zFavour <= -bound {
                decision = .lower
            } else if isLast {
                decision = .notRejected
            } else if let a, zFavour <= a[k] {
                decision = .futility
            }
            if let decision {
                outcome.look = k + 1
                outcome.decision = decision
                return outcome
            }
        }
        fatalError("unreachable: the last look always decides")
    }

    /// The analysis at calendar time `analysis`: patients enrolled by then, followed to
    /// event, dropout or the cut-off (censored without a recorded progression at the
    /// last adequate scan), the decision test and the Cox HR with its Wald interval
    /// of half-width `z` standard errors.
    mutating func analyse(at analysis: Double, replicate r: Int, z: Double) -> ReplicateOutcome {
        let d = request.design
        let stratifiedAnalysis = d.strata?.stratifiedAnalysis ?? false
        let (m, n1) = records(at: analysis, stratified: stratifiedAnalysis)
        let n0 = m - n1
        let (rho, gamma): (Double, Double)
        if case let .flemingHarrington(r, g) = d.test { (rho, gamma) = (r, g) } else { (rho, gamma) = (0, 0) }
        let stats = stratifiedAnalysis ? workspace.analyze(count: m, rho: rho, gamma: gamma, strata: d.strataCount)
            : workspace.analyze(count: m, rho: rho, gamma: gamma)
        var zStat = d.test == .cox ? stats.coxZ : stats.z
        var pTwo = 2 * Distributions.normalCDF(-abs(zStat)), pOne = Distributions.normalCDF(zStat)
        if case let .rmst(tau) = d.test {
            let r = RMST.test(time: Array(workspace.time[0..<m]), event: Array(workspace.event[0..<m]),
                              group: Array(workspace.group[0..<m]), tau: tau)
            (zStat, pOne, pTwo) = (-r.z, r.pOneSided, r.pTwoSided)
        } else if d.test.needsRecords {
            let table = TwoGroupEventTable(time: Array(workspace.time[0..<m]), event: Array(workspace.event[0..<m]),
                                           group: Array(workspace.group[0..<m]))
            (zStat, pOne, pTwo) = Self.recordTest(d.test, table)
        }
        let beta = stats.logHazardRatio, se = stats.standardError
        let lower = se.isFinite ? exp(beta - z * se) : 0
        let upper = se.isFinite ? exp(beta + z * se) : .infinity
        return ReplicateOutcome(replicate: r, analysisTime: analysis, enrolledControl: n0, enrolledExperimental: n1,
                                statistics: stats, z: zStat, pTwoSided: pTwo, pOneSided: pOne,
                                hazardRatio: exp(beta), lower: beta.isNaN ? .nan : lower, upper: beta.isNaN ? .nan : upper)
    }
}

extension ReplicateWorker {
    /// The analysis set of `analyse` in the workspace (with `stratified`, each record's
    /// stratum too): how many records, and how many in group 1. In C by selects
    /// (`nensim_trial_records`, with a fixed scan interval); a scan schedule then moves
    /// each censored time to the schedule's last scan at or before it.
    func records(at analysis: Double, stratified: Bool) -> (count: Int, experimental: Int) {
        let d = request.design, n = d.patients
        let phases = d.endpoint == .pfs ? d.assessmentSchedule : nil
        let scan = d.endpoint == .pfs && phases == nil ? d.assessmentInterval ?? 0 : 0
        var experimental: Int64 = 0
        let m = Int(nensim_trial_records(Int64(n), entry.baseAddress, eventTime.baseAddress, dropout.baseAddress, allocation.baseAddress,
                                         stratified ? stratum.baseAddress : nil, analysis, scan, workspace.time.baseAddress,
                                         workspace.event.baseAddress, workspace.group.baseAddress,
                                         stratified ? workspace.stratum.baseAddress : nil, &experimental))
        if let phases {
            let time = workspace.time, event = workspace.event
            for i in 0..<m where !event[i] { time[i] = AssessmentSchedule.scan(atOrBefore: time[i], phases) }
        }
        return (m, Int(experimental))
    }
}

extension TrialRequest {
    /// The looks of a sequential design (nil for a fixed design, or when the design
    /// does not validate: `validate()` reports why).
    var sequentialLooks: SequentialLooks? {
        design.sequential == nil ? nil : try? SequentialLooks(design: design)
    }
}

extension ReplicateWorker {
    /// The statistic (z < 0 favours the experimental arm) and one- and two-sided
    /// p-values of a test computed from the records. MaxCombo: z is the normal-scale
    /// equivalent −Φ⁻¹(1 − p) of its one-sided p (so a look compares p with the bound's
    /// nominal level); two-sided p = min(1, 2 min(p, p′)) with p′ the MaxCombo p the
    /// other way (Bonferroni over the two directions, conservative).
    static func recordTest(_ test: TrialTest, _ table: TwoGroupEventTable) -> (z: Double, pOne: Double, pTwo: Double) {
        switch test {
        case .maxCombo:
            let favour = MaxCombo.test(table)
            let p = favour.pOneSided
            let z = p <= 0 ? -40 : (p >= 1 ? 40 : -Distributions.normalQuantile(1 - p))
            return (z, p, favour.pTwoSided)
        case .modestlyWeighted:
            let r = test.twoGroup(table)!
            return (-r.z, r.pOneSided, r.pTwoSided)
        default:
            return (0, 1, 1)
        }
    }
}
