import Foundation

/// Days per month: nensim's time unit is the month (365.25 / 12 days).
public let daysPerMonth = 30.4375

/// How patients are observed (docs/MODEL.md): by default a cohort followed to a
/// horizon; optionally uniform accrual with a calendar analysis time and exponential
/// dropout.
public struct StudyDesign: Sendable, Codable, Equatable {
    /// Follow-up horizon in months: every patient still event-free then is censored.
    public var horizon: Double
    /// Uniform accrual period in months (0: everyone enters at time 0).
    public var accrual: Double
    /// Follow-up after the end of accrual, months; the analysis is at accrual + followUp.
    /// `nil`: no calendar cut-off (only the horizon).
    public var followUp: Double?
    /// Annual dropout probability (exponential dropout hazard −log(1 − r)/12 per month).
    public var dropoutPerYear: Double

    public init(horizon: Double = 240, accrual: Double = 0, followUp: Double? = nil, dropoutPerYear: Double = 0) {
        self.horizon = horizon
        self.accrual = accrual
        self.followUp = followUp
        self.dropoutPerYear = dropoutPerYear
    }

    /// Dropout hazard per month.
    public var dropoutRate: Double { dropoutPerYear > 0 ? -log1p(-dropoutPerYear) / 12 : 0 }

    /// Whether censoring varies between patients (needs random draws).
    var hasRandomCensoring: Bool { (accrual > 0 && followUp != nil) || dropoutPerYear > 0 }

    public func validate() throws {
        guard horizon.isFinite, horizon > 0, horizon <= 1200 else {
            throw NensimFailure.usage("\(.horizon) \(fmt(horizon)): must be a positive number of months up to 1200")
        }
        guard accrual.isFinite, accrual >= 0 else { throw NensimFailure.usage("\(.accrual) \(fmt(accrual)): must be ≥ 0 months") }
        if let followUp { guard followUp.isFinite, followUp >= 0 else { throw NensimFailure.usage("\(.followUp) \(fmt(followUp)): must be ≥ 0 months") } }
        guard dropoutPerYear.isFinite, dropoutPerYear >= 0, dropoutPerYear < 1 else {
            throw NensimFailure.usage("\(.dropout) \(fmt(dropoutPerYear)): an annual dropout probability in [0, 1)")
        }
        if accrual > 0, followUp == nil {
            throw NensimFailure.usage("\(.accrual) needs \(.followUp) (the analysis is at the end of accrual plus follow-up)")
        }
    }

    /// One line for outputs.
    public var summary: String {
        var parts = ["cohort followed to a \(fmt(horizon))-month horizon"]
        if let followUp {
            parts.append(accrual > 0 ? "uniform accrual over \(fmt(accrual)) months, analysis \(fmt(followUp)) months after accrual ends"
                                     : "analysis at \(fmt(followUp)) months")
        }
        if dropoutPerYear > 0 { parts.append("dropout \(fmt(dropoutPerYear * 100)) % a year (exponential)") }
        return parts.joined(separator: "; ")
    }
}
