internal import CKernels
import Foundation
import SurvivalStats

/// A `TextOutputStream` appending to a byte array: `Double.write(to:)` hands it the
/// ASCII text from the formatter's stack buffer (`_writeASCII`), no `String` made.
private struct ByteSink: TextOutputStream {
    let bytes: UnsafeMutablePointer<[UInt8]>
    mutating func write(_ text: String) { bytes.pointee.append(contentsOf: text.utf8) }
    mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) { bytes.pointee.append(contentsOf: buffer) }
}

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

    /// Appends `number(x)`'s text to `bytes`, the same bytes: integral values with
    /// |x| < `integralBelow` as integer digits written in place, the others in Swift's
    /// shortest round-trip form. `CSVWriter.number` is `integralBelow: 1e15`.
    /// - Complexity: O(1).
    @inline(__always)
    public static func append(_ x: Double, to bytes: inout [UInt8], integralBelow: Double = 9_007_199_254_740_994) {
        if x.isNaN { bytes.append(UInt8(ascii: "N")); bytes.append(UInt8(ascii: "A")); return }
        if x.isInfinite {
            if x < 0 { bytes.append(UInt8(ascii: "-")) }
            bytes.append(UInt8(ascii: "I")); bytes.append(UInt8(ascii: "n")); bytes.append(UInt8(ascii: "f"))
            return
        }
        if x == x.rounded(), abs(x) < integralBelow {
            var v = Int64(x)
            if v < 0 { bytes.append(UInt8(ascii: "-")); v = -v }
            var digits: (UInt64, UInt64) = (0, 0)
            withUnsafeMutableBytes(of: &digits) { d in
                var k = 16
                repeat { k -= 1; d[k] = UInt8(ascii: "0") + UInt8(v % 10); v /= 10 } while v > 0
                bytes.append(contentsOf: d[k..<16])
            }
            return
        }
        appendShortest(x, to: &bytes)
    }

    /// Appends `x.description`'s bytes (Swift's shortest round-trip text) for a finite
    /// `x` without making a `String` (one of more than 15 bytes, i.e. most fractions,
    /// is a heap allocation): `Double.write(to:)` passes the standard library's own
    /// formatter output straight to a byte sink. A test holds the bytes equal to
    /// `description` on a corpus of hard cases and random bit patterns. (The runtime's
    /// `swift_float64ToString` entry point is not used: in this toolchain it drops the
    /// leading `0` of long fractions below 1.)
    /// - Complexity: O(1).
    ///
    /// Every non-integral x takes the CKernels' Dragonbox digits (`nensim_shortest`, about 4×
    /// faster than the standard library's formatter here), the same bytes; integral ones
    /// the standard library's.
    @inline(__always)
    static func appendShortest(_ x: Double, to bytes: inout [UInt8]) {
        var text: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)   // 48 bytes
        let n = withUnsafeMutableBytes(of: &text) { t in
            let n = nensim_shortest(x, t.baseAddress!.assumingMemoryBound(to: UInt8.self))
            if n > 0 { bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: t[0..<n])) }
            return n
        }
        if n > 0 { return }
        withUnsafeMutablePointer(to: &bytes) { p in
            var sink = ByteSink(bytes: p)
            x.write(to: &sink)
        }
    }

    /// The rows of `km` to write when at most about `points` are wanted (`--km-points`;
    /// nil: every row): all while there are at most `points`; beyond, a row is kept when
    /// time has moved 1/`points` of the range, or S (or a confidence limit) 1/`points`,
    /// since the last kept one; the first and last rows are always kept. The curve drawn
    /// through the kept rows differs from the full one by less than 1/`points` of either
    /// axis.
    /// - Complexity: O(rows).
    public static func thinnedRows(_ km: KaplanMeierEstimate, points: Int?) -> [Int] {
        let m = km.time.count
        guard let points, m > points, m > 2 else { return Array(0..<m) }
        let span = (km.time.last! - km.time.first!) / Double(points), step = 1.0 / Double(points)
        var last = 0
        var keep = [0]
        for i in 1..<m {
            let moved = km.time[i] - km.time[last] >= span || abs(km.survival[i] - km.survival[last]) >= step
                || abs(km.lower[i] - km.lower[last]) >= step || abs(km.upper[i] - km.upper[last]) >= step
            if moved || i == m - 1 { keep.append(i); last = i }
        }
        return keep
    }

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
            let a = Array(CSV.field(arm).utf8)
            for i in km.time.indices {
                let se = km.survival[i] * km.stdErr[i]
                try out.append { b in
                    b.append(contentsOf: a)
                    for x in [km.time[i], km.nRisk[i], km.nEvent[i], km.nCensor[i], km.survival[i], se, km.lower[i], km.upper[i]] {
                        b.append(UInt8(ascii: ","))
                        CSV.append(x, to: &b)
                    }
                    b.append(13); b.append(10)
                }
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

