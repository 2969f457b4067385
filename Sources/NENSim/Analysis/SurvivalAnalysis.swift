internal import CKernels
import Foundation
import SurvivalStats

/// A quantile with its confidence limits; `nil` = not reached (JSON `null`).
public struct QuantileSummary: Sendable, Codable, Equatable {
    /// p: the time by which a fraction p has had the event (0.5 = median).
    public var probability: Double
    public var estimate: Double?
    public var lower: Double?
    public var upper: Double?

    init(_ q: QuantileEstimate) {
        probability = q.probability
        estimate = q.estimate
        lower = q.lower
        upper = q.upper
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(probability, forKey: .probability)
        try c.encode(estimate, forKey: .estimate)
        try c.encode(lower, forKey: .lower)
        try c.encode(upper, forKey: .upper)
    }
}

/// S(t) at a landmark time: `summary(fit, times = t, extend = TRUE)`.
public struct LandmarkSummary: Sendable, Codable, Equatable {
    public var time: Double
    public var nRisk: Double
    public var survival: Double
    /// se of S(t) (summary's `std.err`, not the log scale).
    public var standardError: Double
    public var lower: Double
    public var upper: Double
}

/// Restricted mean survival time to τ with its normal-theory interval.
public struct RMSTSummary: Sendable, Codable, Equatable {
    public var tau: Double
    public var estimate: Double
    public var standardError: Double
    public var lower: Double
    public var upper: Double
}

/// One group's Kaplan–Meier summary.
public struct GroupSummary: Sendable, Codable, Equatable {
    public var label: String
    public var n: Int
    public var events: Int
    public var censored: Int
    /// The group's largest follow-up time (event or censoring).
    public var lastTime: Double
    /// The median by `quantile(fit, 0.5)`'s rule.
    public var median: QuantileSummary
    /// The median as `print(fit)` shows it (`survmean`'s rule); it differs from `median`
    /// only where a confidence curve rises (STATISTICS.md, quantiles).
    public var printedMedian: QuantileSummary? = nil
    /// p = 0.25, 0.5, 0.75 (`quantile(fit)`).
    public var quantiles: [QuantileSummary]
    public var landmarks: [LandmarkSummary]
    public var rmst: RMSTSummary
}

/// RMST of a group minus that of the reference group (the first), independent samples.
public struct RMSTDifference: Sendable, Codable, Equatable {
    public var group: String
    public var reference: String
    public var tau: Double
    public var estimate: Double
    public var standardError: Double
    public var lower: Double
    public var upper: Double
    /// Two-sided normal p-value of estimate / standardError.
    public var pValue: Double
}

/// A k-sample log-rank (ρ = 0) or Fleming–Harrington test, as `survdiff`.
public struct LogRankSummary: Sendable, Codable, Equatable {
    public var rho: Double
    /// The strata column when the test is stratified.
    public var strata: String?
    public var groups: [String]
    public var observed: [Double]
    public var expected: [Double]
    /// k × k, row-major.
    public var variance: [Double]
    public var chiSquare: Double
    public var df: Int
    public var pValue: Double
}

/// A two-group test of `analyze --test` (weighted log-rank, MaxCombo, Magirr–Burman,
/// RMST): the compared group against the reference, positive z favouring the group.
public struct TwoGroupTestSummary: Sendable, Codable, Equatable {
    /// The test as typed (`maxcombo`, `fh:1,0`, `mb:6`, `rmst:12`).
    public var test: String
    public var group: String
    public var reference: String
    public var z: Double
    public var pOneSided: Double
    public var pTwoSided: Double
    /// MaxCombo: the four z (G(0,0), G(0,1), G(1,0), G(1,1)); RMST: difference and se.
    public var components: [Double]?
}

/// A χ² test: statistic, degrees of freedom, p.
public struct TestSummary: Sendable, Codable, Equatable {
    public var statistic: Double
    public var df: Int
    public var pValue: Double
}

/// One coefficient of the Cox model.
public struct CoxTerm: Sendable, Codable, Equatable {
    /// R's name: the covariate column, or the group column followed by the level (`sex2`).
    public var name: String
    public var coefficient: Double
    public var standardError: Double
    public var hazardRatio: Double
    public var lower: Double
    public var upper: Double
    public var z: Double
    public var pValue: Double
    /// R's "Loglik converged before variable …; coefficient may be infinite".
    public var possiblyInfinite: Bool
    /// R's `robust se` when the variance is robust (`standardError` is then R's naive
    /// `se(coef)`, and `z`, `pValue`, the interval use the robust one); absent otherwise.
    public var robustStandardError: Double? = nil
}

/// The Cox model, as `summary(coxph(Surv(time, event) ~ factor(group) + covariates + strata(s), ties = …))`.
public struct CoxSummary: Sendable, Codable, Equatable {
    public var ties: String
    public var strata: String?
    public var n: Int
    public var events: Int
    public var iterations: Int
    public var terms: [CoxTerm]
    /// I(β̂)⁻¹, row-major, in the order of `terms`.
    public var variance: [Double]
    public var logLikelihoodNull: Double
    public var logLikelihood: Double
    public var likelihoodRatio: TestSummary
    public var wald: TestSummary
    public var score: TestSummary
    /// Robust variance: the robust score test (R's `rscore`) and the number of clusters;
    /// `variance` and `wald` are then robust, as R's `fit$var`, `wald.test`.
    public var robustScore: TestSummary? = nil
    public var clusters: Int? = nil
}

/// One χ² test of the proportional-hazards test: a term (`GLOBAL` for all).
public struct PHTestTerm: Sendable, Codable, Equatable {
    public var name: String
    public var chiSquare: Double
    public var df: Int
    public var pValue: Double
}

/// R's `cox.zph(fit, transform =)` of the Cox model: per term (a factor's columns
/// together, as R's terms) and global.
public struct PHTestSummary: Sendable, Codable, Equatable {
    /// km, identity, rank or log.
    public var transform: String
    public var terms: [PHTestTerm]
    public var global: PHTestTerm
}

/// Everything `nensim analyze` prints, and `analysis.json` holds.
public struct AnalysisReport: Sendable, Codable {
    public struct Columns: Sendable, Codable, Equatable {
        public var time: String
        public var event: String
        public var group: String?
        public var strata: String?
        public var covariates: [String]
        /// The case-weight column (`--weights`), absent without weights.
        public var weights: String? = nil
        /// The interval-start column of (start, time] data (`--start`), absent otherwise.
        public var start: String? = nil
    }
    public struct Records: Sendable, Codable, Equatable {
        /// Data records in the file.
        public var read: Int
        /// Used by the Kaplan–Meier curves (complete in time, event, group, weight).
        public var used: Int
        /// Not used at all: missing a column of the curves (R's na.omit in `survfit`).
        public var dropped: Int
        /// Per used column, the records missing it.
        public var missingByColumn: [String: Int]
        /// Used by the log-rank test (also complete in the strata) and by the Cox model
        /// (complete cases over every used column, as `coxph`); absent where not run.
        public var usedByLogRank: Int? = nil
        public var usedByCox: Int? = nil
    }

    public var nensimVersion: String
    /// The command as typed (program name first).
    public var commandLine: [String]
    /// The input file as named on the command line.
    public var input: String
    public var columns: Columns
    public var eventCoding: String
    public var records: Records
    public var confidenceType: String
    public var confidenceLevel: Double
    /// RMST restriction time, and how it was chosen.
    public var tau: Double
    public var tauRule: String
    public var landmarkTimes: [Double]
    public var groups: [GroupSummary]
    /// Each group against the first (empty with one group).
    public var rmstDifferences: [RMSTDifference]
    /// Absent with fewer than two groups, or when the test failed (see `notes`).
    public var logRank: LogRankSummary?
    /// Absent without a group column or covariates, or when the fit failed (`coxFailure`).
    public var cox: CoxSummary?
    public var coxFailure: String?
    /// The proportional-hazards test (`--ph-test`); absent when not asked for or not computed.
    public var phTest: PHTestSummary? = nil
    /// Each asked two-group test (`--test`) of each group against the first; absent when none.
    public var tests: [TwoGroupTestSummary]? = nil
    public var notes: [String]
}

/// The result of an analysis: the report and the fitted curves (for `km.csv`).
public struct AnalysisResult: Sendable {
    public var report: AnalysisReport
    /// One Kaplan–Meier curve per group, in the order of `report.groups`.
    public var curves: [KaplanMeierEstimate]
    /// The proportional-hazards test's residuals (`--ph-test`), with the Cox terms'
    /// names (one per coefficient) and the strata labels.
    public var zph: CoxZPHResult? = nil
    public var zphColumns: [String] = []
    public var zphStrata: [String]? = nil
    /// Per Cox coefficient, the index of its term in `report.phTest.terms`.
    public var zphTermOfColumn: [Int] = []

    /// `zph.csv`: one row per event, by stratum and time — `stratum` (with strata),
    /// `time`, `g_time` (the transformed time g(t), `cox.zph(…)$x`), then one column per
    /// Cox coefficient: its scaled Schoenfeld residual + β̂ (`cox.zph(fit, terms =
    /// FALSE)$y`), NA where the covariate is constant in the stratum. Full precision.
    public var zphCSV: String? {
        guard let z = zph else { return nil }
        let p = zphColumns.count
        var out = (zphStrata == nil ? "" : "stratum,") + (["time", "g_time"] + zphColumns).map(CSVWriter.field).joined(separator: ",") + "\n"
        for e in z.eventTime.indices {
            if let s = zphStrata { out += CSVWriter.field(s[z.eventStratum[e]]) + "," }
            let cells = [z.eventTime[e], z.transformedTime[e]] + (0..<p).map { z.scaledResiduals[e * p + $0] }
            out += cells.map(CSVWriter.number).joined(separator: ",") + "\n"
        }
        return out
    }

    /// `km.csv`: long format, one row per group and distinct time. `log_surv_se` is R's
    /// `fit$std.err`, the standard error of log S (Greenwood); `lower`/`upper` the
    /// pointwise limits of the chosen type; NA where R has NA. Full precision.
    public var kaplanMeierCSV: String {
        var bytes = Array(Self.kaplanMeierHeader.utf8)
        for (g, km) in zip(report.groups, curves) {
            let label = Array(CSVWriter.field(g.label).utf8)
            KaplanMeierColumns.with(km) { columns in
                label.withUnsafeBufferPointer { label in
                    for i in km.time.indices { Self.appendKaplanMeierRow(label, columns, i, to: &bytes) }
                }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The header row of `km.csv`.
    public static let kaplanMeierHeader = "group,time,n_risk,n_event,n_censor,surv,log_surv_se,lower,upper\n"

    /// Writes `km.csv` (the rows of `kaplanMeierCSV`) through the buffered writer, each
    /// number formatted in place; with `points`, each curve thinned for plotting
    /// (`CSV.thinnedRows`: a subset of the rows, each with its own values).
    /// - Complexity: O(rows).
    public func writeKaplanMeierCSV(to out: OutputFile, points: Int? = nil) throws {
        try out.write(Self.kaplanMeierHeader)
        for (g, km) in zip(report.groups, curves) { try Self.writeKaplanMeierRows(label: g.label, km, points: points, to: out) }
    }

    /// The rows of one group's curve in `km.csv` (after `kaplanMeierHeader`), as
    /// `writeKaplanMeierCSV` writes them: for a curve handed over by `SurvivalAnalysis.run`
    /// (`KaplanMeierCSVStream`).
    /// - Complexity: O(rows).
    /// The rows are formatted in chunks of `formatChunk` on `threads` workers, each chunk
    /// into one of `formatSlots(threads:)` buffers, and written in order by a writer thread
    /// as each is done (`KaplanMeierChunks`): no worker waits for a wave of others, only
    /// for its buffer's previous chunk to be written. The same bytes for any thread count.
    /// Each row is made by the CKernels' `nensim_km_rows` (the bytes of
    /// `appendKaplanMeierRow`, which makes the rare row it leaves over: one holding an
    /// integral |x| ≥ 10¹⁵).
    public static func writeKaplanMeierRows(label: String, _ km: KaplanMeierEstimate, points: Int? = nil, to out: OutputFile,
                                            threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        let label = Array(CSVWriter.field(label).utf8)
        let rows: [Int64]? = points == nil ? nil : CSV.thinnedRows(km, points: points).map(Int64.init)
        let count = rows?.count ?? km.time.count, chunk = formatChunk
        let chunks = (count + chunk - 1) / chunk
        guard chunks > 0 else { return }
        let capacity = chunk * (label.count + 8 * 26 + 1) + 64
        let pipeline = KaplanMeierChunks(out, chunks: chunks, slots: min(chunks, formatSlots(threads: threads)), capacity: capacity)
        pipeline.startWriting()
        _ = BlockDriver.map(max(1, min(threads, chunks)), threads: threads) { _ in
            while case let (c, buffer)? = pipeline.nextChunk() {
                let lo = c * chunk, hi = min(count, lo + chunk)
                // The columns through pointers: no reference count shared by the workers
                // is touched per row.
                let filled = KaplanMeierColumns.with(km) { columns in
                    label.withUnsafeBufferPointer { label in Self.formatKaplanMeierRows(label, columns, rows, lo..<hi, into: buffer) }
                }
                pipeline.formatted(c, bytes: filled)
            }
        }
        try pipeline.finish()
    }

    /// Rows of `km.csv` formatted per work item of `writeKaplanMeierRows`.
    static let formatChunk = 4_096
    /// Chunk buffers of `writeKaplanMeierRows`: the text it holds at most.
    static func formatSlots(threads: Int) -> Int { max(2, 4 * threads) }

    /// Rows `range` (of `rows` when thinned) into `buffer` (room for
    /// `range.count × (label + 8 × 26 + 1) + 64` bytes); returns the bytes written.
    static func formatKaplanMeierRows(_ label: UnsafeBufferPointer<UInt8>, _ km: KaplanMeierColumns, _ rows: [Int64]?,
                                      _ range: Range<Int>, into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        let columns: [UnsafePointer<Double>?] = [km.time, km.nRisk, km.nEvent, km.nCensor, km.survival, km.stdErr, km.lower, km.upper]
            .map { $0.baseAddress }
        var filled = 0, r = range.lowerBound
        while r < range.upperBound {
            var written = 0
            func format(_ rows: UnsafePointer<Int64>?) -> Int {
                columns.withUnsafeBufferPointer { columns in
                    nensim_km_rows(label.baseAddress, label.count, columns.baseAddress, rows, r, range.upperBound,
                                   buffer.baseAddress! + filled, &written)
                }
            }
            let next = rows.map { $0.withUnsafeBufferPointer { format($0.baseAddress) } } ?? format(nil)
            filled += written
            r = next
            guard r < range.upperBound else { break }
            // A row with an integral |x| ≥ 10¹⁵: the Swift formatter's bytes.
            var row: [UInt8] = []
            Self.appendKaplanMeierRow(label, km, rows.map { Int($0[r]) } ?? r, to: &row)
            filled += UnsafeMutableBufferPointer(rebasing: buffer[filled...]).initialize(from: row).index
            r += 1
        }
        return filled
    }

    @inline(__always)
    static func appendKaplanMeierRow(_ label: UnsafeBufferPointer<UInt8>, _ km: KaplanMeierColumns, _ i: Int, to b: inout [UInt8]) {
        // One field at a time, not a loop over an array of the row (an allocation per row).
        @inline(__always) func field(_ x: Double) {
            b.append(UInt8(ascii: ","))
            CSV.append(x, to: &b, integralBelow: 1e15)
        }
        b.append(contentsOf: label)
        field(km.time[i]); field(km.nRisk[i]); field(km.nEvent[i]); field(km.nCensor[i])
        field(km.survival[i]); field(km.stdErr[i]); field(km.lower[i]); field(km.upper[i])
        b.append(UInt8(ascii: "\n"))
    }

    /// `analysis.json`: the report, keys sorted, NaN/±∞ written as the strings "NaN", "Inf", "-Inf".
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Inf", negativeInfinity: "-Inf", nan: "NaN")
        var data = try encoder.encode(report)
        data.append(UInt8(ascii: "\n"))
        return data
    }
}

/// The eight columns of a curve's `km.csv` rows, borrowed as pointers for the length of
/// `with`'s body (valid only there).
struct KaplanMeierColumns {
    let time, nRisk, nEvent, nCensor, survival, stdErr, lower, upper: UnsafeBufferPointer<Double>

    static func with<R>(_ km: KaplanMeierEstimate, _ body: (KaplanMeierColumns) throws -> R) rethrows -> R {
        try km.time.withUnsafeBufferPointer { time in
        try km.nRisk.withUnsafeBufferPointer { nRisk in
        try km.nEvent.withUnsafeBufferPointer { nEvent in
        try km.nCensor.withUnsafeBufferPointer { nCensor in
        try km.survival.withUnsafeBufferPointer { survival in
        try km.stdErr.withUnsafeBufferPointer { stdErr in
        try km.lower.withUnsafeBufferPointer { lower in
        try km.upper.withUnsafeBufferPointer { upper in
            try body(KaplanMeierColumns(time: time, nRisk: nRisk, nEvent: nEvent, nCensor: nCensor, survival: survival,
                                        stdErr: stdErr, lower: lower, upper: upper))
        }}}}}}}}
    }
}

/// The chunks of `writeKaplanMeierRows`: workers take chunk numbers in order and format
/// each into buffer `c mod slots` once the chunk that used it before (c − slots) is
/// written; a writer thread writes the chunks in order as each is formatted. After a
/// write fails, workers take no more chunks and `finish` throws the failure.
/// Invariant (why it is `@unchecked Sendable`): `next`, `written`, `formattedChunk`,
/// `used` and `failure` are touched only under `condition`; a buffer is written into only
/// by the worker that took its chunk, between taking it and `formatted`, and read only by
/// the writer, between `formatted` and the chunk's `written`; `out` only by the writer
/// until `finish` has waited for it.
private final class KaplanMeierChunks: @unchecked Sendable {
    private let out: OutputFile
    private let chunks: Int, slots: Int, capacity: Int
    private let storage: UnsafeMutableRawPointer
    private let condition = NSCondition()
    private var next = 0, written = 0
    private var formattedChunk: [Int], used: [Int]
    private var failure: (any Error)?
    private let writer = DispatchGroup()

    init(_ out: OutputFile, chunks: Int, slots: Int, capacity: Int) {
        self.out = out
        self.chunks = chunks
        self.slots = slots
        self.capacity = capacity
        storage = .allocate(byteCount: slots * capacity, alignment: 64)
        formattedChunk = [Int](repeating: -1, count: slots)
        used = [Int](repeating: 0, count: slots)
    }

    deinit { storage.deallocate() }

    private func buffer(_ slot: Int) -> UnsafeMutableBufferPointer<UInt8> {
        UnsafeMutableBufferPointer(start: (storage + slot * capacity).assumingMemoryBound(to: UInt8.self), count: capacity)
    }

    /// The next chunk and its buffer, once the buffer is free; nil when every chunk is
    /// taken or a write has failed.
    func nextChunk() -> (Int, UnsafeMutableBufferPointer<UInt8>)? {
        condition.lock()
        defer { condition.unlock() }
        guard next < chunks, failure == nil else { return nil }
        let c = next
        next += 1
        while written <= c - slots && failure == nil { condition.wait() }
        return failure == nil ? (c, buffer(c % slots)) : nil
    }

    /// Chunk `c` is in its buffer, `bytes` long.
    func formatted(_ c: Int, bytes: Int) {
        condition.lock()
        formattedChunk[c % slots] = c
        used[c % slots] = bytes
        condition.broadcast()
        condition.unlock()
    }

    /// The writer: each chunk in order, as soon as it is formatted.
    func startWriting() {
        DispatchQueue(label: "nensim.km-writer").async(group: writer) {
            for c in 0..<self.chunks {
                self.condition.lock()
                while self.formattedChunk[c % self.slots] != c { self.condition.wait() }
                let bytes = self.used[c % self.slots]
                self.condition.unlock()
                do {
                    try self.out.write(bytes: UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: self.buffer(c % self.slots)[0..<bytes])))
                } catch {
                    self.condition.lock()
                    self.failure = error
                    self.condition.broadcast()
                    self.condition.unlock()
                    return
                }
                self.condition.lock()
                self.written = c + 1
                self.condition.broadcast()
                self.condition.unlock()
            }
        }
    }

    /// Waits for the writer (after the workers are done); throws a write's failure.
    func finish() throws {
        writer.wait()
        condition.lock()
        let failure = failure
        condition.unlock()
        if let failure { throw failure }
    }
}

/// `nensim analyze`: Kaplan–Meier per group, log-rank, Cox, as R's `survival` computes them.
public enum SurvivalAnalysis {
    /// One group's curve and what the report takes from it.
    struct Curve: Sendable {
        var km: KaplanMeierEstimate
        var mean: RestrictedMean
        var landmarks: [LandmarkSummary]
        var quantiles: [QuantileSummary]
    }

    /// What a work item of `run`'s concurrent statistics makes.
    enum StatisticsItem: Sendable {
        case curve(Curve)
        case cox(Result<CoxFit, any Error>)
        case logRank(Result<LogRankResult, any Error>)
    }

    /// What the curves (eight arrays of a `KaplanMeierEstimate` beside the table's three,
    /// five of them new) and the two-group Cox design (16 bytes a block) add per table row
    /// when made at once, and the most they may add: at once below it, one after another
    /// above (10⁷ records stay under 600 MB; docs/PERFORMANCE.md, "analyze's memory").
    static let statisticsBytesPerRow = 5 * 8 + 16
    static let concurrentStatisticsBytes = 192 << 20

    /// Each test of `tests` of each group against the first, on the curves' records
    /// (unstratified, unweighted right-censored data; the command line refuses the rest).
    /// - Complexity: O(tests · n log n).
    static func twoGroupTests(_ data: AnalysisData, _ tests: [TrialTest]) -> [TwoGroupTestSummary] {
        let k = data.groupLabels.count
        guard !tests.isEmpty, k >= 2 else { return [] }
        var out: [TwoGroupTestSummary] = []
        for g in 1..<k {
            var time: [Double] = [], event: [Bool] = [], group: [UInt8] = []
            for i in 0..<data.count where data.group[i] == 0 || data.group[i] == g {
                time.append(data.time[i]); event.append(data.event[i]); group.append(data.group[i] == 0 ? 0 : 1)
            }
            // The event table is built once per group, for all the table-based tests.
            var table: TwoGroupEventTable? = nil
            for t in tests {
                let outcome: TwoGroupTestOutcome?
                if case .rmst = t {
                    outcome = t.twoGroup(time: time, event: event, group: group)
                } else {
                    if table == nil { table = TwoGroupEventTable(time: time, event: event, group: group) }
                    outcome = t.twoGroup(table!)
                }
                guard let r = outcome else { continue }
                out.append(TwoGroupTestSummary(test: t.description, group: data.groupLabels[g],
                                               reference: data.groupLabels[0], z: r.z, pOneSided: r.pOneSided,
                                               pTwoSided: r.pTwoSided, components: r.components))
            }
        }
        return out
    }

    /// Runs the analysis of checked records.
    ///
    /// - Kaplan–Meier per group (`survfit(Surv(time, event) ~ group, conf.type =)`),
    ///   quantiles 25/50/75 % (`quantile(fit)`), landmarks (`summary(fit, times, extend = TRUE)`),
    ///   RMST to τ (`print(fit, rmean = τ)`); strata do not enter the curves.
    /// - τ: `options.tau`, else the smallest of the groups' last follow-up times, so no
    ///   curve is extended past its own data (survRM2's default; R's `rmean = "common"`
    ///   takes the largest instead and carries shorter curves flat to it).
    /// - Log-rank (ρ = 0) or Fleming–Harrington ρ across the groups, stratified when
    ///   strata are given (`survdiff(… ~ group + strata(s), rho =)`).
    /// - Cox: treatment contrasts of the groups against the first, then the covariates,
    ///   strata as separate baselines (`coxph(… ~ factor(group) + covariates + strata(s), ties =)`).
    ///   A fit that fails (no events, a constant covariate, divergence) is reported in
    ///   `coxFailure`, not thrown: the rest of the analysis stands.
    /// - (start, stop] data (`data.start`): the curves as `survfit(Surv(start, stop,
    ///   event) ~ group)` (at risk at t: start < t ≤ stop), the Cox model as
    ///   `coxph(Surv(start, stop, event) ~ …)`; no log-rank test, as R's `survdiff`
    ///   refuses such data (a note says so).
    /// - Curves: each group's curve is fitted, summarised and handed to `curves` (`km.csv`
    ///   is written from there, `KaplanMeierCSVStream`) as soon as it is fitted, and kept
    ///   in the result only with `keepCurves`; on large data one curve is held at a time
    ///   (docs/PERFORMANCE.md, "analyze's memory").
    /// - Complexity: O(n log n).
    /// - `threads`: workers for the groups' tables, curves and tests (the results do not
    ///   depend on it).
    public static func run(_ data: AnalysisData, options: AnalysisOptions, input: String, commandLine: [String],
                           keepCurves: Bool = true, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                           curves: (any FittedCurveSink)? = nil) -> AnalysisResult {
        let k = data.groupLabels.count
        var notes: [String] = []
        for (name, levels) in data.factorLevels.sorted(by: { $0.key < $1.key }) {
            notes.append("factor \(name): levels \(levels[0]) (reference), \(levels.dropFirst().joined(separator: ", ")); terms \(levels.dropFirst().map { name + $0 }.joined(separator: ", "))")
        }
        // Per group: records, events and the last time, in one pass (no copies).
        var groupSize = [Int](repeating: 0, count: k), groupEvents = [Int](repeating: 0, count: k)
        var groupLast = [Double?](repeating: nil, count: k)
        for i in 0..<data.count {
            let g = data.group[i], t = data.time[i]
            groupSize[g] += 1
            if data.event[i] { groupEvents[g] += 1 }
            if groupLast[g] == nil || groupLast[g]! < t { groupLast[g] = t }   // `max()`'s rule
        }
        // Each analysis on the records complete in its own columns, as R's survfit,
        // survdiff and coxph each apply na.omit to their own model frame.
        // When every record is used (the common case) the columns are passed as they are,
        // not copied through a list of row numbers.
        let logRankAll = data.logRankRow.isEmpty || !data.logRankRow.contains(false)
        let coxAll = data.coxRow.isEmpty || !data.coxRow.contains(false)
        let logRankRows = logRankAll ? [] : (0..<data.count).filter { data.logRankRow[$0] }
        let coxRows = coxAll ? [] : (0..<data.count).filter { data.coxRow[$0] }
        let logRankCount = logRankAll ? data.count : logRankRows.count, coxCount = coxAll ? data.count : coxRows.count
        // The Cox model. A group-only model of two groups on right-censored, unweighted
        // records is fitted from the curves' tables after they are made (the level form's
        // blocks straight from their rows: no second sort of the records, no covariate
        // matrix; the same bits, `CoxPH.fitTwoGroups`). Any other model is fitted first,
        // before the tables exist: its design and covariate matrix are freed before the
        // tables are made, so the two peaks do not add up (docs/PERFORMANCE.md, "analyze's
        // memory"). Its notes follow the log-rank test's, as before.
        var coxNotes: [String] = []
        var usedByCox: Int? = nil
        var cox: CoxSummary? = nil
        var coxFailure: String? = nil
        var phTest: PHTestSummary? = nil
        var zph: CoxZPHResult? = nil
        var zphTermOfColumn: [Int] = []
        let p = data.covariateNames.count
        let q = (k - 1) + p
        var coxNames: [String] = []
        if let group = options.group { coxNames += data.groupLabels.dropFirst().map { group + $0 } }
        coxNames += data.covariateNames
        let coxFromTables = k == 2 && p == 0 && coxAll && data.strata == nil && data.weight == nil && data.start == nil
            && data.cluster == nil && options.robust != true && options.phTest == nil && data.group.oneByteCodes != nil
            && groupSize.allSatisfy { $0 > 0 }
        func summarize(_ fit: CoxFit) {
            let terms = (0..<q).map { j in
                CoxTerm(name: coxNames[j], coefficient: fit.coefficients[j], standardError: fit.standardErrors[j],
                        hazardRatio: fit.hazardRatios[j], lower: fit.lowerCI[j], upper: fit.upperCI[j],
                        z: fit.zScores[j], pValue: fit.pValues[j], possiblyInfinite: fit.possiblyInfinite[j],
                        robustStandardError: fit.robustStandardErrors?[j])
            }
            cox = CoxSummary(
                ties: options.ties.rawValue, strata: options.strata, n: fit.n, events: fit.events, iterations: fit.iterations,
                terms: terms, variance: fit.variance, logLikelihoodNull: fit.logLikelihoodNull, logLikelihood: fit.logLikelihood,
                likelihoodRatio: TestSummary(statistic: fit.likelihoodRatio.statistic, df: fit.likelihoodRatio.df, pValue: fit.likelihoodRatio.pValue),
                wald: TestSummary(statistic: fit.wald.statistic, df: fit.wald.df, pValue: fit.wald.pValue),
                score: TestSummary(statistic: fit.score.statistic, df: fit.score.df, pValue: fit.score.pValue),
                robustScore: fit.robustScore.map { TestSummary(statistic: $0.statistic, df: $0.df, pValue: $0.pValue) },
                clusters: fit.clusters)
            for t in terms where t.possiblyInfinite {
                coxNotes.append("Cox: the log-likelihood converged before \(t.name); its coefficient may be infinite (as R warns)")
            }
        }
        func failed(_ error: Error) {
            coxFailure = "\(error)"
            coxNotes.append("Cox model not fitted: \(error)")
        }
        if q > 0 && !coxFromTables {
            usedByCox = coxCount
            var x = [Double](repeating: 0, count: coxCount * q)
            for row in 0..<coxCount {
                let i = coxAll ? row : coxRows[row]
                if data.group[i] > 0 { x[row * q + data.group[i] - 1] = 1 }
                for j in 0..<p { x[row * q + k - 1 + j] = data.covariates[i * p + j] }
            }
            do {
                func rows<T>(_ a: [T]) -> [T] { coxAll ? a : coxRows.map { a[$0] } }
                let fit = try CoxPH.fit(time: rows(data.time), event: rows(data.event), covariates: x, columns: q, strata: data.strata.map(rows),
                                        ties: options.ties, confidenceLevel: options.confidenceLevel, weights: data.weight.map(rows),
                                        cluster: data.cluster.map(rows), robust: options.robust, start: data.start.map(rows))
                summarize(fit)
                if let transform = options.phTest {
                    // R's terms: the group's contrasts together, each factor covariate's columns together.
                    var zphTerms: [(name: String, columns: [Int])] = []
                    var c = 0
                    if let group = options.group, k > 1 { zphTerms.append((group, Array(0..<(k - 1)))); c = k - 1 }
                    for name in options.covariates {
                        let width = data.factorLevels[name].map { $0.count - 1 } ?? 1
                        zphTerms.append((name, Array(c..<(c + width)))); c += width
                    }
                    do {
                        // The model's records with its time fix (as `CoxPH.fit` applies it).
                        var stop = rows(data.time), entry = data.start.map(rows)
                        if let e = entry { (entry, stop) = try TimeFix.fixedIntervals(start: e, stop: stop) } else if let f = TimeFix.fixed(stop) { stop = f }
                        let z = try CoxZPH.test(time: stop, start: entry, event: rows(data.event), covariates: x, columns: q, beta: fit.coefficients,
                                                terms: zphTerms, strata: data.strata.map(rows), weights: data.weight.map(rows),
                                                ties: options.ties, transform: transform)
                        func term(_ t: CoxZPHResult.Test) -> PHTestTerm { PHTestTerm(name: t.name, chiSquare: t.chiSquare, df: t.df, pValue: t.pValue) }
                        phTest = PHTestSummary(transform: transform.rawValue, terms: z.tests.dropLast().map(term), global: term(z.tests.last!))
                        zph = z
                        zphTermOfColumn = [Int](repeating: 0, count: q)
                        for (t, term) in zphTerms.enumerated() { for c in term.columns { zphTermOfColumn[c] = t } }
                    } catch {
                        coxNotes.append("proportional-hazards test not computed: \(error)")
                    }
                }
            } catch {
                failed(error)
            }
        }

        // R's time fix over all the curves' records together, as `survfit(… ~ group)`;
        // with weights, every count is a sum of weights (`survfit(…, weights = w)`).
        // Right-censored, unweighted records (the common case) go into each group's table
        // straight from the columns, selected by their one-byte group codes; otherwise the
        // records split by group (stable order) live only while the tables are made.
        var tables: [SurvivalCounts] = {
            if data.start == nil && data.weight == nil, let codes = data.group.oneByteCodes {
                // Each group's table on a worker of its own (each reads the columns only).
                return SurvivalCounts.timeFixed(BlockDriver.map(k, threads: threads) {
                    SurvivalCounts(time: data.time, event: data.event, codes: codes, selecting: UInt8($0), timefix: false)
                })
            }
            var times = [[Double]](repeating: [], count: k)
            var events = [[Bool]](repeating: [], count: k)
            var weights = [[Double]](repeating: [], count: k)
            for g in 0..<k {
                times[g].reserveCapacity(groupSize[g]); events[g].reserveCapacity(groupSize[g])
                if data.weight != nil { weights[g].reserveCapacity(groupSize[g]) }
            }
            for i in 0..<data.count {
                times[data.group[i]].append(data.time[i])
                events[data.group[i]].append(data.event[i])
                if let w = data.weight { weights[data.group[i]].append(w[i]) }
            }
            if let start = data.start {
                // (start, stop] records, as `survfit(Surv(start, stop, event) ~ group)`: the time
                // fix over start and stop times of all the curves' records together.
                let fixed = (try? TimeFix.fixedIntervals(start: start, stop: data.time)) ?? (start: start, stop: data.time)
                var starts = [[Double]](repeating: [], count: k), stops = [[Double]](repeating: [], count: k)
                for i in 0..<data.count { starts[data.group[i]].append(fixed.start[i]); stops[data.group[i]].append(fixed.stop[i]) }
                return (0..<k).map {
                    SurvivalCounts(start: starts[$0], stop: stops[$0], event: events[$0], weight: data.weight == nil ? nil : weights[$0])
                }
            }
            return SurvivalCounts.timeFixed((0..<k).map {
                data.weight == nil ? SurvivalCounts(time: times[$0], event: events[$0], timefix: false)
                    : SurvivalCounts(time: times[$0], event: events[$0], weight: weights[$0], timefix: false)
            })
        }()
        let lastTimes = groupLast.map { $0 ?? 0 }
        let tau: Double
        let tauRule: String
        if let t = options.tau {
            tau = t
            tauRule = Parameter.tau.description // the flag, as the command line spells it
            for g in 0..<k where t > lastTimes[g] {
                notes.append("τ = \(t) is beyond the last time of group '\(data.groupLabels[g])' (\(lastTimes[g])): its RMST carries the last S(t) forward")
            }
        } else {
            tau = lastTimes.min() ?? 0
            tauRule = k > 1 ? "smallest of the groups' last follow-up times" : "last follow-up time"
        }

        // The curves, the log-rank test from their tables and the Cox model of two groups
        // fitted from them: at once (each its own work item, the curves first so that
        // `curves` can take them while the tests run) when their arrays fit in
        // `concurrentStatisticsBytes`; otherwise the Cox model first, then one curve at a
        // time, each table freed once its curve is made and `curves` is done with it
        // (docs/PERFORMANCE.md, "analyze's memory"). The same numbers either way: each item
        // reads the fixed tables only.
        let z = Distributions.normalQuantile(1 - (1 - options.confidenceLevel) / 2)
        @Sendable func curve(_ table: SurvivalCounts) -> Curve {
            let km = KaplanMeier.fit(table, confidenceType: options.confidenceType, confidenceLevel: options.confidenceLevel)
            let landmarks = options.landmarks.map { t -> LandmarkSummary in
                let l = km.survival(at: t)
                return LandmarkSummary(time: t, nRisk: l.nRisk, survival: l.survival, standardError: l.standardError, lower: l.lower, upper: l.upper)
            }
            return Curve(km: km, mean: km.restrictedMean(tau: tau), landmarks: landmarks,
                         quantiles: km.quantiles([0.25, 0.5, 0.75]).map(QuantileSummary.init))
        }
        let firstRecordGroup = coxFromTables ? data.group[0] : 0
        let ties = options.ties, confidenceLevel = options.confidenceLevel, rho = options.rho
        @Sendable func twoGroupCox(_ tables: [SurvivalCounts]) -> Result<CoxFit, any Error> {
            Result { try CoxPH.fitTwoGroups(tables: tables, firstRecordGroup: firstRecordGroup, ties: ties, confidenceLevel: confidenceLevel) }
        }
        // The curves' tables are the log-rank test's when it is unstratified and unweighted
        // on every record: each group's records, time-fixed together (what
        // `LogRank.test(time:event:group:)` would build again).
        let logRankFromTables = k >= 2 && data.start == nil && data.strata == nil && data.weight == nil && logRankAll
        @Sendable func logRankOfTables(_ tables: [SurvivalCounts]) -> Result<LogRankResult, any Error> {
            Result { try LogRank.test(strata: [tables], rho: rho, timefix: false) }
        }
        let rows = tables.reduce(0) { $0 + $1.time.count }
        let concurrent = threads > 1 && rows * Self.statisticsBytesPerRow <= Self.concurrentStatisticsBytes
        var curves0: [Curve?] = [Curve?](repeating: nil, count: k)
        var coxResult: Result<CoxFit, any Error>? = nil
        var logRankResult: Result<LogRankResult, any Error>? = nil
        if concurrent {
            let fixed = tables, labels = data.groupLabels
            let items = k + (coxFromTables ? 1 : 0) + (logRankFromTables ? 1 : 0)
            let done = BlockDriver.map(items, threads: threads) { item -> StatisticsItem in
                if item < k {
                    let c = curve(fixed[item])
                    curves?.take(group: item, label: labels[item], curve: c.km)
                    return .curve(c)
                }
                return item == k && coxFromTables ? .cox(twoGroupCox(fixed)) : .logRank(logRankOfTables(fixed))
            }
            for (i, item) in done.enumerated() {
                switch item {
                case let .curve(c): curves0[i] = c
                case let .cox(r): coxResult = r
                case let .logRank(r): logRankResult = r
                }
            }
        }

        func logRankSubset<T>(_ a: [T]) -> [T] { logRankAll ? a : logRankRows.map { a[$0] } }
        var usedByLogRank: Int? = nil
        var logRank: LogRankSummary? = nil
        if k >= 2 && data.start != nil {
            notes.append("log-rank test not computed for (start, stop] data: R's survdiff refuses it (\"Right censored data only\"); the Cox model's score test compares the groups")
        } else if k >= 2 {
            usedByLogRank = logRankCount
            do {
                let r: LogRankResult
                if logRankFromTables {
                    r = try (logRankResult ?? logRankOfTables(tables)).get()
                } else {
                    r = try LogRank.test(time: logRankSubset(data.time), event: logRankSubset(data.event),
                                         group: logRankSubset(Array(data.group)), strata: data.strata.map(logRankSubset),
                                         rho: options.rho, weight: data.weight.map(logRankSubset))
                }
                logRank = LogRankSummary(rho: options.rho, strata: options.strata, groups: data.groupLabels, observed: r.observed,
                                         expected: r.expected, variance: r.variance, chiSquare: r.chiSquare,
                                         df: r.degreesOfFreedom, pValue: r.pValue)
            } catch {
                notes.append("log-rank test not computed: \(error)")
            }
        }

        if !concurrent && coxFromTables { coxResult = twoGroupCox(tables) }
        if let coxResult {
            usedByCox = coxCount
            switch coxResult {
            case let .success(fit): summarize(fit)
            case let .failure(error): failed(error)
            }
        }
        notes += coxNotes

        // One curve at a time: summarised, handed to `curves` (when not taken by a worker
        // already) and kept only with `keepCurves`; its table is freed with it.
        var groups: [GroupSummary] = []
        var means: [RestrictedMean] = []
        var kept: [KaplanMeierEstimate] = []
        for g in 0..<k {
            let c: Curve
            if let fitted = curves0[g] {
                c = fitted
            } else {
                c = curve(tables[g])
                curves?.take(group: g, label: data.groupLabels[g], curve: c.km)
                curves?.drain()
            }
            curves0[g] = nil
            tables[g] = .empty
            let nEvents = groupEvents[g]
            let rm = c.mean
            means.append(rm)
            groups.append(GroupSummary(
                label: data.groupLabels[g], n: groupSize[g], events: nEvents, censored: groupSize[g] - nEvents,
                lastTime: lastTimes[g], median: c.quantiles[1], printedMedian: QuantileSummary(c.km.printedMedian),
                quantiles: c.quantiles,
                landmarks: c.landmarks,
                rmst: RMSTSummary(tau: tau, estimate: rm.estimate, standardError: rm.standardError,
                                  lower: rm.estimate - z * rm.standardError, upper: rm.estimate + z * rm.standardError)))
            if keepCurves { kept.append(c.km) }
        }
        tables = []
        var differences: [RMSTDifference] = []
        for g in 1..<max(k, 1) {
            let d = RMST.difference(means[g], means[0], confidenceLevel: options.confidenceLevel)
            let p = d.se > 0 ? 2 * Distributions.normalSurvival(abs(d.estimate / d.se)) : .nan
            differences.append(RMSTDifference(group: data.groupLabels[g], reference: data.groupLabels[0], tau: tau,
                                              estimate: d.estimate, standardError: d.se, lower: d.lower, upper: d.upper, pValue: p))
        }

        let report = AnalysisReport(
            nensimVersion: NENSimInfo.version, commandLine: commandLine, input: input,
            columns: .init(time: options.time, event: options.event, group: options.group, strata: options.strata, covariates: options.covariates,
                           weights: options.weights, start: options.start),
            eventCoding: options.eventCoding.summary,
            records: .init(read: data.recordsRead, used: data.count, dropped: data.dropped, missingByColumn: data.missingByColumn,
                           usedByLogRank: usedByLogRank, usedByCox: usedByCox),
            confidenceType: options.confidenceType.rawValue, confidenceLevel: options.confidenceLevel,
            tau: tau, tauRule: tauRule, landmarkTimes: options.landmarks, groups: groups, rmstDifferences: differences,
            logRank: logRank, cox: cox, coxFailure: coxFailure, phTest: phTest,
            tests: options.tests.isEmpty ? nil : twoGroupTests(data, options.tests), notes: notes)
        return AnalysisResult(report: report, curves: kept, zph: zph, zphColumns: zph == nil ? [] : coxNames,
                              zphStrata: zph == nil || data.strata == nil ? nil : data.strataLabels, zphTermOfColumn: zphTermOfColumn)
    }
}
