import Foundation

/// The endpoint a simulated trial is analysed on.
public enum TrialEndpoint: String, Sendable, Codable, CaseIterable {
    /// Progression-free survival: progression (seen at the next scan under an assessment
    /// schedule) or death, whichever is recorded first.
    case pfs
    /// Overall survival (never affected by the assessment schedule).
    case os
}

/// The test whose p-value decides a replicate.
public enum TrialTest: Sendable, Codable, Equatable, CustomStringConvertible {
    /// Log-rank (R `survdiff(rho = 0)`).
    case logRank
    /// Fleming–Harrington G(ρ, γ) weighted log-rank, weight S(t−)^ρ (1 − S(t−))^γ with S
    /// the pooled Kaplan–Meier curve.
    case flemingHarrington(rho: Double, gamma: Double)
    /// Cox proportional hazards (Efron ties), Wald test of the arm coefficient.
    case cox
    /// MaxCombo: the largest of the FH G(0,0), G(0,1), G(1,0), G(1,1) z statistics with
    /// its p-value from their joint normal law (SurvivalStats `MaxCombo`).
    case maxCombo
    /// Magirr–Burman modestly weighted log-rank, weight 1/max(S(t−), S(t*)), t* in months.
    case modestlyWeighted(tStar: Double)
    /// Difference of Kaplan–Meier restricted mean survival times to τ months
    /// (experimental − control) over its standard error, as R's `print(survfit, rmean = τ)`.
    case rmst(tau: Double)

    /// Whether the test needs the records of the analysis (not the one-pass workspace).
    var needsRecords: Bool {
        switch self {
        case .maxCombo, .modestlyWeighted, .rmst: return true
        default: return false
        }
    }

    /// Parses `logrank`, `cox`, `fh:RHO,GAMMA` (also `fh:RHO`, γ = 0).
    public static func parse(_ text: String) throws -> TrialTest {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        switch t {
        case "logrank", "log-rank": return .logRank
        case "cox", "wald": return .cox
        case "maxcombo": return .maxCombo
        default: break
        }
        if t.hasPrefix("mb:") || t.hasPrefix("mw:") {
            if let ts = Double(t.dropFirst(3)), ts.isFinite, ts > 0 { return .modestlyWeighted(tStar: ts) }
        }
        if t.hasPrefix("rmst:") {
            if let tau = Double(t.dropFirst(5)), tau.isFinite, tau > 0, tau <= Limits.months.upperBound { return .rmst(tau: tau) }
        }
        if t.hasPrefix("fh:") {
            let parts = t.dropFirst(3).split(separator: ",", omittingEmptySubsequences: false)
                .map { Double($0.trimmingCharacters(in: .whitespaces)) }
            if (1...2).contains(parts.count), let rho = parts[0], parts.count == 1 || parts[1] != nil {
                let gamma = parts.count == 2 ? parts[1]! : 0
                if Limits.flemingHarrington.contains(rho), Limits.flemingHarrington.contains(gamma) {
                    return .flemingHarrington(rho: rho, gamma: gamma)
                }
            }
        }
        throw NensimFailure.usage("\(.test) '\(user: text)': expected logrank, cox, fh:RHO,GAMMA with RHO, GAMMA ≥ 0 (e.g. fh:1,0), maxcombo, mb:TSTAR (months, e.g. mb:6) or rmst:TAU (months, 0 < TAU ≤ 1200, e.g. rmst:24)")
    }

    public var description: String {
        switch self {
        case .logRank: return "logrank"
        case .cox: return "cox"
        case let .flemingHarrington(rho, gamma): return "fh:\(fmt(rho)),\(fmt(gamma))"
        case .maxCombo: return "maxcombo"
        case let .modestlyWeighted(tStar): return "mb:\(fmt(tStar))"
        case let .rmst(tau): return "rmst:\(fmt(tau))"
        }
    }

    /// Words for outputs.
    public var title: String {
        switch self {
        case .logRank: return "log-rank test"
        case .cox: return "Cox Wald test (Efron ties)"
        case let .flemingHarrington(rho, gamma): return "Fleming–Harrington G(\(fmt(rho)), \(fmt(gamma))) weighted log-rank test"
        case .maxCombo: return "MaxCombo test (max of FH G(0,0), G(0,1), G(1,0), G(1,1))"
        case let .modestlyWeighted(tStar): return "Magirr–Burman modestly weighted log-rank test (t* = \(fmt(tStar)) months)"
        case let .rmst(tau): return "RMST difference test (Kaplan–Meier restricted means to \(fmt(tau)) months, R's rmean SE)"
        }
    }

    enum CodingKeys: String, CodingKey { case name, rho, gamma, tStar, tau }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(description, forKey: .name)
        if case let .flemingHarrington(rho, gamma) = self {
            try c.encode(rho, forKey: .rho)
            try c.encode(gamma, forKey: .gamma)
        }
        if case let .modestlyWeighted(tStar) = self { try c.encode(tStar, forKey: .tStar) }
        if case let .rmst(tau) = self { try c.encode(tau, forKey: .tau) }
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self = try TrialTest.parse(try c.decode(String.self, forKey: .name))
    }
}

/// Allocation ratio experimental : control, e.g. 2:1.
public struct AllocationRatio: Sendable, Codable, Equatable, CustomStringConvertible {
    public var experimental: Int
    public var control: Int

    public init(experimental: Int, control: Int) {
        self.experimental = experimental
        self.control = control
    }

    /// Parses `A:B` with positive integers (at most 100 000 each), e.g. `205:97`.
    public static func parse(_ text: String) throws -> AllocationRatio {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let a = parts[0], let b = parts[1] else {
            throw NensimFailure.usage("\(.ratio) '\(user: text)': expected EXPERIMENTAL:CONTROL, e.g. 1:1 or 2:1")
        }
        guard a >= 1, b >= 1, a <= 100_000, b <= 100_000 else {
            throw NensimFailure.usage("\(.ratio) '\(user: text)': both parts must be whole numbers from 1 to 100000 (each arm needs patients)")
        }
        return AllocationRatio(experimental: a, control: b)
    }

    /// Permuted-block size: twice the sum of the ratio (e.g. 4 for 1:1, 6 for 2:1), so a
    /// block is never a single run of the pattern and the next allocation is not
    /// predictable from the ratio alone; once the sum exceeds 100 (e.g. 205:97), the sum
    /// itself: one pattern per block is unpredictable enough, and every complete block
    /// holds the exact ratio.
    public var blockSize: Int { experimental + control > 100 ? experimental + control : 2 * (experimental + control) }

    /// Experimental allocations in one block.
    public var experimentalPerBlock: Int { blockSize / (experimental + control) * experimental }

    /// Share of patients allocated to the experimental arm.
    public var experimentalFraction: Double { Double(experimental) / Double(experimental + control) }

    public var description: String { "\(experimental):\(control)" }
}

/// A scan interval such as `12w`, `3m`, `90d` or a plain number of months.
public enum AssessmentInterval {
    /// Parses the interval into months (weeks are 7/30.4375 months, days 1/30.4375).
    public static func parse(_ text: String) throws -> Double {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        var number = Substring(t)
        var factor = 1.0
        if let last = t.last, last.isLetter {
            number = t.dropLast()
            switch last {
            case "w": factor = 7 / daysPerMonth
            case "d": factor = 1 / daysPerMonth
            case "m": factor = 1
            case "y": factor = 12
            default:
                throw NensimFailure.usage("\(.assessment) '\(user: text)': unknown unit '\(user: String(last))'; use w (weeks), m (months), d (days) or y (years), e.g. 12w")
            }
        }
        guard let v = Double(number), v.isFinite, v > 0 else {
            throw NensimFailure.usage("\(.assessment) '\(user: text)': expected a positive interval such as 12w, 8w, 3m or 90d")
        }
        let months = v * factor
        guard months >= 1 / daysPerMonth, months <= 120 else {
            throw NensimFailure.usage("\(.assessment) '\(user: text)': the scan interval must lie between 1 day and 10 years")
        }
        return months
    }
}

/// The design of one simulated randomised two-arm trial.
///
/// - Patients enter uniformly over `accrual` months (the order statistics of uniforms),
///   and are allocated in that order by permuted blocks of `ratio.blockSize`.
/// - Each patient drops out at an exponential time with annual probability
///   `dropoutPerYear`.
/// - The analysis happens at the calendar time of the `targetEvents`-th event when
///   given (event-driven), but no later than `accrual + followUp` when that is given;
///   without a target, at `accrual + followUp`. Patients not yet enrolled then are not
///   in the analysis.
/// - With `assessmentInterval` Δ (months), progression is seen at the first scan at or
///   after it (scans at Δ, 2Δ, … from entry); a patient who dies before that scan has a
///   PFS event at death; a patient censored without a recorded progression is censored
///   at the last scan before the censoring time (the last adequate assessment). OS is
///   unaffected.
public struct TrialDesign: Sendable, Codable, Equatable {
    /// Patients randomised in total (both arms). Under piecewise accrual, setting it
    /// moves `accrual` to the end of accrual for the new count.
    public var patients: Int { didSet { syncAccrual() } }
    public var ratio: AllocationRatio
    /// Months: the accrual period (uniform entry), or under `accrualRates` the end of
    /// accrual for `patients`, Λ⁻¹(n) (derived, not set).
    public var accrual: Double
    /// Piecewise accrual rates (`AccrualRates`), or nil for uniform entry over `accrual`.
    public var accrualRates: [AccrualPiece]? { didSet { syncAccrual() } }
    /// Months after the end of accrual; `nil`: no calendar cap (needs `targetEvents`).
    public var followUp: Double?
    /// Annual dropout probability in [0, 1): both arms, or the control arm when
    /// `experimentalDropoutPerYear` is given.
    public var dropoutPerYear: Double
    /// The experimental arm's annual dropout probability when it differs (nil: the same
    /// as `dropoutPerYear`). Under `null` the experimental slot simulates the control
    /// arm and takes the control's dropout.
    public var experimentalDropoutPerYear: Double?
    /// Share of control-arm patients who switch at progression to the experimental
    /// arm's post-progression survival (nil or 0: none); changes OS only.
    public var crossover: Double?
    /// Event-driven analysis at this many events (at most `patients`).
    public var targetEvents: Int?
    public var endpoint: TrialEndpoint
    public var test: TrialTest
    /// Months between scans; `nil`: progression seen when it happens. With
    /// `assessmentSchedule`, the first phase's interval.
    public var assessmentInterval: Double?
    /// A scan schedule that changes (`AssessmentSchedule`), or nil for scans every
    /// `assessmentInterval`.
    public var assessmentSchedule: [ScanPhase]?
    /// Two-sided significance level.
    public var alpha: Double
    /// The control arm against itself (type I error).
    public var null: Bool
    /// Group-sequential looks (then `alpha` is the α of the plan's sidedness), or nil
    /// for one analysis.
    public var sequential: SequentialPlan?
    /// Stratified randomisation and analysis (`TrialStrata`), or nil.
    public var strata: TrialStrata?

    public init(patients: Int, ratio: AllocationRatio = AllocationRatio(experimental: 1, control: 1), accrual: Double = 24,
                followUp: Double? = 12, dropoutPerYear: Double = 0, targetEvents: Int? = nil, endpoint: TrialEndpoint = .pfs,
                test: TrialTest = .logRank, assessmentInterval: Double? = nil, alpha: Double = 0.05, null: Bool = false,
                sequential: SequentialPlan? = nil) {
        self.patients = patients
        self.ratio = ratio
        self.accrual = accrual
        self.followUp = followUp
        self.dropoutPerYear = dropoutPerYear
        self.targetEvents = targetEvents
        self.endpoint = endpoint
        self.test = test
        self.assessmentInterval = assessmentInterval
        self.alpha = alpha
        self.null = null
        self.sequential = sequential
    }

    /// Under `accrualRates`, `accrual` = Λ⁻¹(patients).
    private mutating func syncAccrual() {
        if let accrualRates, !accrualRates.isEmpty, patients >= 1 {
            accrual = AccrualRates.duration(patients: patients, accrualRates)
        }
    }

    /// Sets piecewise accrual rates (and `accrual` from them).
    public func withAccrualRates(_ pieces: [AccrualPiece]?) -> TrialDesign {
        var d = self
        d.accrualRates = pieces
        return d
    }

    /// Dropout hazard per month, −log(1 − r)/12 (the control arm's, and the experimental
    /// arm's unless it has its own).
    public var dropoutRate: Double { Self.monthlyRate(dropoutPerYear) }

    /// The experimental slot's dropout hazard per month (the control's under `null`).
    public var experimentalDropoutRate: Double { null ? dropoutRate : Self.monthlyRate(experimentalDropoutPerYear ?? dropoutPerYear) }

    static func monthlyRate(_ perYear: Double) -> Double { perYear > 0 ? -log1p(-perYear) / 12 : 0 }

    /// Whether control patients cross over (a positive share, and not under `null`,
    /// where the experimental slot is the control arm: nothing to cross to).
    var crossesOver: Bool { (crossover ?? 0) > 0 && !null }

    /// Checks the design; every failure is a one-line usage error naming the flag.
    public func validate() throws {
        guard patients >= 2 else { throw NensimFailure.usage("\(.patients) \(patients): a trial needs at least 2 patients") }
        guard patients <= 10_000_000 else { throw NensimFailure.usage("\(.patients) \(patients): at most 10^7 patients per trial") }
        guard ratio.experimental >= 1, ratio.control >= 1 else {
            throw NensimFailure.usage("\(.ratio) \(ratio): both parts must be at least 1 (each arm needs patients)")
        }
        guard accrual.isFinite, accrual >= 0, accrual <= 1200 else {
            throw NensimFailure.usage("\(.accrual) \(fmt(accrual)): must be between 0 and 1200 months")
        }
        if let followUp {
            guard followUp.isFinite, followUp >= 0, followUp <= 1200 else {
                throw NensimFailure.usage("\(.followUp) \(fmt(followUp)): must be between 0 and 1200 months")
            }
            guard accrual + followUp > 0 else {
                throw NensimFailure.usage("\(.accrual) 0 with \(.followUp) 0: the analysis would happen before anyone is followed")
            }
        }
        for p in [dropoutPerYear, experimentalDropoutPerYear ?? 0] {
            guard p.isFinite, p >= 0, p < 1 else {
                throw NensimFailure.usage("\(.dropout) \(fmt(p)): an annual dropout probability in [0, 1)")
            }
        }
        if let accrualRates {
            guard !accrualRates.isEmpty, accrualRates.allSatisfy({ $0.months.isFinite && $0.months > 0 && $0.rate.isFinite && $0.rate > 0 }) else {
                throw NensimFailure.usage("\(.accrual): every accrual period needs a positive length and rate")
            }
        }
        if let crossover {
            guard crossover.isFinite, crossover >= 0, crossover <= 1 else {
                throw NensimFailure.usage("\(.crossover) \(fmt(crossover)): the share of control patients crossing over must lie in [0, 1]")
            }
        }
        if let assessmentSchedule {
            guard !assessmentSchedule.isEmpty, assessmentSchedule.last!.count == nil,
                  assessmentSchedule.dropLast().allSatisfy({ ($0.count ?? 0) >= 1 }),
                  assessmentSchedule.allSatisfy({ $0.interval.isFinite && $0.interval > 0 }) else {
                throw NensimFailure.usage("\(.assessment): every scan phase but the last needs a count, and every interval must be positive")
            }
        }
        if let targetEvents {
            guard targetEvents >= 1 else { throw NensimFailure.usage("\(.targetEvents) \(targetEvents): must be at least 1") }
            guard targetEvents <= patients else {
                throw NensimFailure.usage("\(.targetEvents) \(targetEvents) is more than the \(patients) patients randomised (\(.patients))")
            }
        } else if followUp == nil {
            throw NensimFailure.usage("give \(.targetEvents) (event-driven analysis) or \(.followUp) (analysis at the end of follow-up)")
        }
        if let assessmentInterval {
            guard assessmentInterval.isFinite, assessmentInterval > 0 else {
                throw NensimFailure.usage("\(.assessment): the scan interval must be positive")
            }
        }
        guard alpha.isFinite, alpha > 0, alpha < 1 else {
            throw NensimFailure.usage("\(.alpha) \(fmt(alpha)): a significance level in (0, 1)")
        }
        if let sequential {
            try sequential.validate(targetEvents: targetEvents)
            _ = try sequential.boundaries(alpha: alpha)
        }
        if case .rmst = test, sequential != nil {
            throw NensimFailure.usage("\(.test) \(test) with \(.looks): the RMST difference at a fixed τ has no canonical joint law across looks here; use it in a fixed design")
        }
        if let strata {
            try strata.validate()
            if strata.stratifiedAnalysis, test.needsRecords {
                throw NensimFailure.usage("\(.test) \(test) with \(.strata): a stratified \(test) test is not available; use logrank, fh:RHO,GAMMA or cox, or add \(.unstratifiedAnalysis)")
            }
        }
    }

    /// Strata of the randomisation (1 without `strata`).
    var strataCount: Int { strata?.cells.count ?? 1 }

    /// One line for outputs.
    public var summary: String {
        var parts = ["\(patients) patients randomised \(ratio) (experimental:control) in permuted blocks of \(ratio.blockSize)"]
        if let accrualRates {
            parts.append("accrual \(AccrualRates.description(accrualRates)), ending at \(fmt(accrual, 3)) months")
        } else {
            parts.append(accrual > 0 ? "uniform accrual over \(fmt(accrual)) months" : "all enter at time 0")
        }
        switch (targetEvents, followUp) {
        case let (d?, f?): parts.append("analysis at the \(d)th \(endpoint.rawValue.uppercased()) event or \(fmt(f)) months after accrual ends, whichever is first")
        case let (d?, nil): parts.append("analysis at the \(d)th \(endpoint.rawValue.uppercased()) event")
        case let (nil, f?): parts.append("analysis \(fmt(f)) months after accrual ends")
        default: break
        }
        if let e = experimentalDropoutPerYear, e != dropoutPerYear {
            parts.append("dropout \(fmt(e * 100)) % a year experimental, \(fmt(dropoutPerYear * 100)) % control (exponential)")
        } else if dropoutPerYear > 0 { parts.append("dropout \(fmt(dropoutPerYear * 100)) % a year (exponential)") }
        if let s = assessmentSchedule {
            parts.append("scans \(AssessmentSchedule.description(s)) (progression seen at the next scan)")
        } else if let a = assessmentInterval { parts.append("scans every \(fmt(a, 3)) months (progression seen at the next scan)") }
        if let c = crossover, c > 0 { parts.append("\(fmt(c * 100)) % of control patients cross over at progression") }
        if let sequential { parts.append(sequential.summary) }
        if let strata { parts.append(strata.summary) }
        return parts.joined(separator: "; ")
    }
}
