import Foundation

/// Scan-aware calibration (docs/MODEL.md, "Scan-aware calibration"): a PFS figure observed
/// under an assessment schedule becomes an anchor on the latent (true) progression time.
///
/// In a trial, progression is recorded at the first scan at or after it
/// (`AssessmentSchedule.scan(atOrAfter:)`, the rule `trial --assess` simulates), so the
/// observed progression-free curve is S_obs(t) = S(s(t)), s(t) the last scan at or before
/// t: it steps down only at scans, to the latent S there (deaths between scans aside).
/// - A **landmark** p at t is therefore the latent S at the last scan at or before t:
///   the anchor (s(t), p), exact for large trials.
/// - A **median** is a scan time: the first scan s_j with S(s_j) ≤ 0.5, so the observed
///   median is s_j for every latent median in (s_{j−1}, s_j] and no latent time makes it
///   equal a figure between scans. The figure is read as the scan nearest it (published
///   medians are rounded and visits have windows), and the latent median put at the middle
///   of its interval, (s_{j−1} + s_j)/2 (s₀ = 0): the choice that keeps a trial's observed
///   median at s_j with the largest margin on both sides, so that a finite trial's KM
///   median is s_j most often, erring as often a scan early as a scan late.
enum ScanCalibration {
    /// The scan times of `phases` up to the first one at or after `t` (t > 0), in order.
    /// Contract: `phases` non-empty, the last without a count (`AssessmentSchedule.parse`).
    /// - Complexity: O(t / shortest interval).
    static func scans(through t: Double, _ phases: [ScanPhase]) -> [Double] {
        var out: [Double] = []
        var start = 0.0
        for p in phases {
            var k = 1
            while p.count.map({ k <= $0 }) ?? true {
                let s = start + Double(k) * p.interval
                out.append(s)
                if s >= t { return out }
                k += 1
            }
            start += Double(p.count ?? 0) * p.interval
        }
        return out
    }

    /// The latent median of a median figure `m` (months, > 0) observed under `phases`.
    static func latentMedian(observed m: Double, _ phases: [ScanPhase]) -> (latent: Double, scan: Double) {
        let s = scans(through: m, phases)
        // The scan nearest m: the last one (at or after m) or the one before it.
        var j = s.count - 1
        if j > 0, m - s[j - 1] < s[j] - m { j -= 1 }
        let previous = j > 0 ? s[j - 1] : 0
        return ((previous + s[j]) / 2, s[j])
    }

    /// The latent time of a landmark at `t` months observed under `phases`: the last scan
    /// at or before t, or nil when t comes before the first scan (nothing is observed yet).
    static func latentLandmarkTime(observed t: Double, _ phases: [ScanPhase]) -> Double? {
        let s = AssessmentSchedule.scan(atOrBefore: t, phases)
        return s > 0 ? s : nil
    }

    /// The PFS anchor of figure `f` (a median or landmark, value `centre`) observed under
    /// its assessment schedule, and a note saying how it was read; nil when `f` has none.
    /// - Throws: `NensimFailure.data` for a landmark before the schedule's first scan.
    static func anchor(_ f: Figure, centre: Double, arm: String) throws -> (anchor: SurvivalAnchor, note: String)? {
        guard let text = f.assessment, let phases = f.assessmentPhases else { return nil }
        switch f.kind {
        case .median:
            let (latent, scan) = latentMedian(observed: centre, phases)
            return (SurvivalAnchor(time: latent, survival: 0.5, source: f.id),
                    "\(f.id): median \(fmt(centre)) observed under scans \(text), read as the scan at \(fmt(scan, 4)) months; latent median \(fmt(latent, 4)) months, the middle of its scan interval (docs/MODEL.md, \"Scan-aware calibration\")")
        case .landmark:
            guard let t = f.time else { return nil }
            guard let latent = latentLandmarkTime(observed: t, phases) else {
                throw NensimFailure.data("arm '\(arm)': \(f.id) is a landmark at \(fmt(t)) months, before the first scan of its schedule \(text): nothing is observed by then")
            }
            return (SurvivalAnchor(time: latent, survival: centre, source: f.id),
                    "\(f.id): S(\(fmt(t))) observed under scans \(text) is the latent S at the last scan before it, \(fmt(latent, 4)) months (docs/MODEL.md, \"Scan-aware calibration\")")
        default:
            return nil
        }
    }
}
