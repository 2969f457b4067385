import Foundation

/// One period of piecewise accrual: `months` long at `rate` patients a month.
public struct AccrualPiece: Sendable, Codable, Equatable {
    public var months: Double
    public var rate: Double

    public init(months: Double, rate: Double) {
        self.months = months
        self.rate = rate
    }
}

/// Piecewise-constant accrual rates (`--accrual 6:5,18:15`: 6 months at 5 patients a
/// month, then 18 at 15) and the enrolment times they give n patients
/// (docs/TRIAL.md, "Entry").
///
/// The cumulative intensity Λ(t) = Σ rate_k · |[a_k, b_k] ∩ [0, t]| counts the patients
/// expected by t; the last rate continues past the last period when n exceeds the
/// schedule's total, and accrual ends when Λ reaches n when it falls short. Given n,
/// entry times are the order statistics of n draws from the density Λ′/n on
/// [0, Λ⁻¹(n)]: Λ⁻¹(n · U₍ⱼ₎) for uniform order statistics U₍ⱼ₎.
public enum AccrualRates {
    /// Parses `MONTHS:RATE,MONTHS:RATE,…` (positive numbers; at most 100 periods,
    /// months ≤ 1200 in total, rates ≤ 10⁶ a month).
    public static func parse(_ text: String) throws -> [AccrualPiece] {
        let pieces = text.split(separator: ",", omittingEmptySubsequences: false)
        var out: [AccrualPiece] = []
        for p in pieces {
            let f = p.split(separator: ":", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard f.count == 2, let m = f[0], let r = f[1], m.isFinite, r.isFinite, m > 0, r > 0 else {
                throw NensimFailure.usage("\(.accrual) '\(user: text)': expected MONTHS or MONTHS:RATE,MONTHS:RATE,… with positive numbers (e.g. 24, or 6:5,18:15 for 6 months at 5 patients a month, then 18 at 15)")
            }
            out.append(AccrualPiece(months: m, rate: r))
        }
        guard out.count <= 100 else { throw NensimFailure.usage("\(.accrual) '\(user: text)': at most 100 accrual periods") }
        let total = out.reduce(0) { $0 + $1.months }
        guard total <= 1200, out.allSatisfy({ $0.rate <= 1_000_000 }) else {
            throw NensimFailure.usage("\(.accrual) '\(user: text)': at most 1200 months in all and 10^6 patients a month")
        }
        return out
    }

    /// Λ⁻¹(x): the calendar time by which x patients are expected (x ≥ 0; past the
    /// schedule, the last rate continues). Contract: `pieces` non-empty, positive.
    @inline(__always) public static func time(ofEnrolment x: Double, _ pieces: [AccrualPiece]) -> Double {
        var start = 0.0, count = 0.0
        for (k, p) in pieces.enumerated() {
            let inPiece = p.months * p.rate
            if x <= count + inPiece || k == pieces.count - 1 { return start + (x - count) / p.rate }
            start += p.months
            count += inPiece
        }
        return start
    }

    /// The end of accrual for n patients, Λ⁻¹(n).
    public static func duration(patients n: Int, _ pieces: [AccrualPiece]) -> Double {
        time(ofEnrolment: Double(n), pieces)
    }

    /// The mean entry time of n patients, (1/n) ∫₀^T t dΛ(t) with T = Λ⁻¹(n): the
    /// known answer the simulated entry times average to.
    public static func meanEntry(patients n: Int, _ pieces: [AccrualPiece]) -> Double {
        // Each period's entries are uniform on it: its share times its midpoint.
        periods(patients: n, pieces).reduce(0) { $0 + $1.share * ($1.start + $1.end) / 2 }
    }

    /// The periods as entry shares and lengths for n patients: (share of the patients,
    /// start, end) of each period actually used, for P(event) by period.
    static func periods(patients n: Int, _ pieces: [AccrualPiece]) -> [(share: Double, start: Double, end: Double)] {
        let end = duration(patients: n, pieces)
        var start = 0.0
        var out: [(Double, Double, Double)] = []
        for (k, p) in pieces.enumerated() {
            let stop = k == pieces.count - 1 ? end : min(start + p.months, end)
            if stop > start { out.append((p.rate * (stop - start) / Double(n), start, stop)) }
            start += p.months
            if start >= end { break }
        }
        return out
    }

    public static func description(_ pieces: [AccrualPiece]) -> String {
        pieces.map { "\(fmt($0.months)) months at \(fmt($0.rate))/month" }.joined(separator: ", then ")
    }
}

/// One phase of a scan schedule: `count` scans `interval` months apart (`count` nil:
/// for ever).
public struct ScanPhase: Sendable, Codable, Equatable {
    public var interval: Double
    public var count: Int?

    public init(interval: Double, count: Int? = nil) {
        self.interval = interval
        self.count = count
    }
}

/// A scan schedule that changes (`--assess 8w*6,12w`: six scans 8 weeks apart, then
/// every 12 weeks), scans counted from entry (docs/TRIAL.md, "Scans").
public enum AssessmentSchedule {
    /// Parses `INTERVAL[*COUNT],…,INTERVAL`: every phase but the last has a count, the
    /// last repeats for ever; each interval as `AssessmentInterval.parse`, counts 1–1000.
    public static func parse(_ text: String) throws -> [ScanPhase] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        var phases: [ScanPhase] = []
        for (k, part) in parts.enumerated() {
            let f = part.split(separator: "*", omittingEmptySubsequences: false)
            let last = k == parts.count - 1
            guard f.count == (last ? 1 : 2) else {
                throw NensimFailure.usage("\(.assessment) '\(user: text)': expected INTERVAL or INTERVAL*COUNT,…,INTERVAL (every phase but the last with a count, e.g. 8w*6,12w)")
            }
            let interval = try AssessmentInterval.parse(String(f[0]))
            var count: Int?
            if !last {
                guard let c = Int(f[1].trimmingCharacters(in: .whitespaces)), c >= 1, c <= 1000 else {
                    throw NensimFailure.usage("\(.assessment) '\(user: text)': a phase's scan count must be a whole number from 1 to 1000")
                }
                count = c
            }
            phases.append(ScanPhase(interval: interval, count: count))
        }
        guard phases.count <= 20 else { throw NensimFailure.usage("\(.assessment) '\(user: text)': at most 20 phases") }
        return phases
    }

    /// The first scan at or after t > 0 (months from entry). Contract: `phases`
    /// non-empty, the last without a count.
    @inline(__always) static func scan(atOrAfter t: Double, _ phases: [ScanPhase]) -> Double {
        var start = 0.0
        for p in phases {
            if let c = p.count {
                let end = start + Double(c) * p.interval
                if t > end { start = end; continue }
            }
            return start + ((t - start) / p.interval).rounded(.up) * p.interval
        }
        return start
    }

    /// The last scan at or before t (0, entry, before the first scan).
    @inline(__always) static func scan(atOrBefore t: Double, _ phases: [ScanPhase]) -> Double {
        var start = 0.0
        for p in phases {
            if let c = p.count {
                let end = start + Double(c) * p.interval
                if t >= end { start = end; continue }
            }
            return start + ((t - start) / p.interval).rounded(.down) * p.interval
        }
        return start
    }

    public static func description(_ phases: [ScanPhase]) -> String {
        phases.map { p in
            p.count.map { "\($0) scans \(fmt(p.interval, 3)) months apart" } ?? "every \(fmt(p.interval, 3)) months"
        }.joined(separator: ", then ")
    }
}

/// Per-arm dropout: `--dropout 0.05` (both arms) or `--dropout ARM=P,ARM=P`.
public enum ArmDropout {
    /// (experimental, control) annual dropout probabilities from `text`, naming the arms
    /// by their ids; an arm not named gets 0. Each probability is checked by
    /// `TrialDesign.validate`.
    public static func parse(_ text: String, experimental: String, control: String) throws -> (experimental: Double, control: Double) {
        if let p = Double(text.trimmingCharacters(in: .whitespaces)) { return (p, p) }
        var e = 0.0, c = 0.0
        var seen = Set<String>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let f = part.split(separator: "=", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard f.count == 2, let p = Double(f[1]) else {
                throw NensimFailure.usage("\(.dropout) '\(user: text)': expected a probability (e.g. 0.05) or ARM=P,ARM=P (e.g. \(experimental)=0.1,\(control)=0.05)")
            }
            let arm = f[0].lowercased()
            guard arm == experimental.lowercased() || arm == control.lowercased() else {
                throw NensimFailure.usage("\(.dropout) '\(user: text)': '\(user: f[0])' is not an arm of this trial (\(experimental), \(control))")
            }
            guard seen.insert(arm).inserted else { throw NensimFailure.usage("\(.dropout) '\(user: text)': arm '\(user: f[0])' given twice") }
            if arm == experimental.lowercased() { e = p } else { c = p }
        }
        return (e, c)
    }
}
