import Foundation
import SurvivalStats

/// RFC 4180 CSV for researchers: a header row, comma separators, CRLF line ends,
/// `.` as the decimal mark, no thousands separators, and numbers at full precision
/// (the shortest text that reads back to the same Double; integral values without a
/// fraction). Missing values are `NA` (read as missing by R's `read.csv` and pandas'
/// `read_csv`); infinities are `Inf` / `-Inf`.
public enum CSV {
    /// A field, quoted when it holds a comma, a double quote or a line break
    /// (inner quotes doubled).
    public static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A number at full precision: integral values up to 2^53 without a fraction,
    /// others as Swift's shortest round-trip form (e.g. `0.1`, `1e-05`), NaN as `NA`.
    public static func number(_ x: Double) -> String {
        if x.isNaN { return "NA" }
        if x.isInfinite { return x > 0 ? "Inf" : "-Inf" }
        if x == x.rounded(), abs(x) <= 9_007_199_254_740_992 { return String(Int64(x)) }
        return "\(x)"
    }

    public static func number(_ x: Double?) -> String { x.map { number($0) } ?? "NA" }

    /// One record with its CRLF terminator; fields are given already formatted.
    public static func record(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }
}

/// The rows of each CSV file of a run (see docs/OUTPUTS.md for every column).
public enum RunCSV {
    /// A landmark time as it appears in a column name: `6`, `12`, `0.5`.
    static func timeLabel(_ t: Double) -> String { CSV.number(t).replacingOccurrences(of: ".", with: "_") }

    /// `arms.csv`: one row per arm.
    public static func armsHeader(landmarks: [Double]) -> [String] {
        var h = ["arm", "name", "patients", "rmst_tau"]
        for e in ["pfs", "os"] {
            h += ["\(e)_events", "\(e)_censored", "\(e)_median", "\(e)_median_lower", "\(e)_median_upper"]
            for t in landmarks {
                let s = "\(e)_s\(timeLabel(t))"
                h += [s, "\(s)_lower", "\(s)_upper", "\(s)_se"]
            }
            h += ["\(e)_rmst", "\(e)_rmst_lower", "\(e)_rmst_upper", "\(e)_rmst_se"]
        }
        return h + ["pfs_basis", "os_basis"]
    }

    public static func writeArms(_ report: RunReport, to out: OutputFile) throws {
        try out.write(CSV.record(armsHeader(landmarks: report.landmarkTimes)))
        for arm in report.arms {
            var row = [arm.id, arm.name, String(arm.patients), CSV.number(report.tau)]
            for e in [arm.pfs, arm.os] {
                row += [String(e.events), String(e.censored), CSV.number(e.median.estimate), CSV.number(e.median.lower), CSV.number(e.median.upper)]
                for l in e.landmarks {
                    row += [CSV.number(l.estimate), CSV.number(l.lower), CSV.number(l.upper), CSV.number(l.standardError)]
                }
                row += [CSV.number(e.rmst.estimate), CSV.number(e.rmst.lower), CSV.number(e.rmst.upper), CSV.number(e.rmst.standardError)]
            }
            row += [arm.pfs.basis?.basis.rawValue ?? "NA", arm.os.basis?.basis.rawValue ?? "NA"]
            try out.write(CSV.record(row))
        }
    }

    public static let comparisonsHeader = [
        "arm", "reference", "endpoint", "hr", "hr_lower", "hr_upper", "log_hr_se", "logrank_chisq", "logrank_p",
        "rmst_tau", "rmst_diff", "rmst_diff_lower", "rmst_diff_upper", "rmst_diff_se", "median_diff", "basis",
    ]

    public static func writeComparisons(_ report: RunReport, to out: OutputFile) throws {
        try out.write(CSV.record(comparisonsHeader))
        for c in report.comparisons {
            try out.write(CSV.record([
                c.arm, c.reference, c.endpoint,
                CSV.number(c.hazardRatio.estimate), CSV.number(c.hazardRatio.lower), CSV.number(c.hazardRatio.upper),
                CSV.number(c.hazardRatio.standardError), CSV.number(c.logRankChiSquare), CSV.number(c.logRankP),
                CSV.number(report.tau), CSV.number(c.rmstDifference.estimate), CSV.number(c.rmstDifference.lower),
                CSV.number(c.rmstDifference.upper), CSV.number(c.rmstDifference.standardError), CSV.number(c.medianDifference),
                c.basis?.rawValue ?? "NA",
            ]))
        }
    }

    public static let kaplanMeierHeader = ["arm", "time", "n_risk", "n_event", "n_censor", "surv", "surv_se", "lower", "upper"]

    /// `km_pfs.csv` / `km_os.csv`: long format, one row per arm and distinct time.
    /// `surv_se` is the Greenwood standard error of S(t) (R's `summary(fit)$std.err`);
    /// analyze's `km.csv` gives the SE of log S instead, as `log_surv_se`.
    /// - Complexity: O(total rows).
    public static func writeKaplanMeier(_ curves: [(arm: String, km: KaplanMeierEstimate)], to out: OutputFile) throws {
        try out.write(CSV.record(kaplanMeierHeader))
        for (arm, km) in curves {
            let a = CSV.field(arm)
            for i in km.time.indices {
                let se = km.survival[i] * km.stdErr[i]
                var line = a
                for x in [km.time[i], km.nRisk[i], km.nEvent[i], km.nCensor[i], km.survival[i], se, km.lower[i], km.upper[i]] {
                    line += ","
                    line += CSV.number(x)
                }
                line += "\r\n"
                try out.write(line)
            }
        }
    }

    public static let proportionsHeader = ["arm", "outcome", "kind", "count", "patients", "estimate", "lower", "upper", "target"]

    /// `responses.csv` (`adverseEvents: false`) or `adverse_events.csv`.
    public static func writeProportions(_ report: RunReport, adverseEvents: Bool, to out: OutputFile) throws {
        try out.write(CSV.record(proportionsHeader))
        for arm in report.arms {
            for p in adverseEvents ? arm.adverseEvents : arm.responses {
                try out.write(CSV.record([arm.id, p.name, p.kind, String(p.count), String(arm.patients),
                                          CSV.number(p.estimate), CSV.number(p.lower), CSV.number(p.upper), CSV.number(p.target)]))
            }
        }
    }

    public static let patientsHeader = ["arm", "patient", "pfs_time", "pfs_event", "os_time", "os_event", "response_tier", "best_response"]

    /// `patients.csv`: one row per simulated patient (exact mode only).
    /// - Complexity: O(arms × n).
    public static func writePatients(models: [ArmModel], records: [PatientRecords], to out: OutputFile) throws {
        try out.write(CSV.record(patientsHeader))
        for (model, r) in zip(models, records) {
            let arm = CSV.field(model.id)
            let labels = model.responseCuts.map(\.category) + ["none"]
            for i in r.pfsTime.indices {
                let tier = r.responseTier[i]
                let label = model.responseCuts.isEmpty ? "NA" : labels[min(tier, labels.count - 1)]
                let tierText = model.responseCuts.isEmpty ? "NA" : String(tier)
                try out.write("\(arm),\(i + 1),\(CSV.number(r.pfsTime[i])),\(r.pfsEvent[i] ? 1 : 0),\(CSV.number(r.osTime[i])),\(r.osEvent[i] ? 1 : 0),\(tierText),\(label)\r\n")
            }
        }
    }
}
