import CKernels
/// Distinct event/censoring times with their counts — the canonical input of every
/// estimator in this module (Kaplan–Meier, Nelson–Aalen, log-rank family).
///
/// Exact data are grouped data with tiny cells: `init(time:event:)` sorts the records
/// and merges exactly tied times into one row, so the estimators see the same table
/// whether the data arrived as records or as a tally on a grid.
///
/// Contract (what every estimator assumes):
/// - `time`, `events`, `censored` have the same length `m`;
/// - `time` is strictly increasing and finite;
/// - `events[i]`, `censored[i]` ≥ 0 are the numbers of events and of censorings at
///   `time[i]` (`Double`, so integer counts and case weights both fit). A censoring at a
///   time with events counts as at risk for those events (R's convention: at a tied
///   time, deaths come before censorings);
/// - the number at risk just before `time[0]` is `entered` when given, otherwise
///   `total` (everyone who appears in the table). `entered` larger than the sum of the
///   counts means that `entered − Σ(events + censored)` subjects are still at risk
///   after the last time.
public struct SurvivalCounts: Sendable, Equatable {
    /// Distinct times, strictly increasing.
    public var time: [Double]
    /// Events at each time.
    public var events: [Double]
    /// Censorings at each time.
    public var censored: [Double]
    /// Number at risk at the start if larger than `events + censored` summed; otherwise `nil`.
    public var entered: Double?
    /// Counting-process data ((start, stop] records, delayed entry): the number at risk
    /// at each time, given (`init(start:stop:event:weight:)`) instead of counted from
    /// the end; it may rise where records enter. `nil` otherwise.
    public var riskSet: [Double]? = nil

    /// Wraps counts that already satisfy the contract above (checked with `precondition`).
    /// Rows with no events and no censorings are kept as given (they change nothing but
    /// appear as rows of a Kaplan–Meier table).
    /// - Complexity: O(m).
    public init(time: [Double], events: [Double], censored: [Double], entered: Double? = nil) {
        precondition(time.count == events.count && time.count == censored.count,
                     "SurvivalCounts: time (\(time.count)), events (\(events.count)) and censored (\(censored.count)) differ in length")
        for i in time.indices {
            precondition(time[i].isFinite, "SurvivalCounts: time[\(i)] = \(time[i]) is not finite")
            precondition(i == 0 || time[i] > time[i - 1], "SurvivalCounts: time must be strictly increasing (time[\(i)] = \(time[i]) after \(time[i - 1]))")
            precondition(events[i] >= 0 && censored[i] >= 0, "SurvivalCounts: negative count at row \(i)")
        }
        self.time = time
        self.events = events
        self.censored = censored
        self.entered = entered
        if let e = entered {
            precondition(e >= self.countedTotal - 1e-9 * max(1, e), "SurvivalCounts: entered (\(e)) is smaller than the counts (\(self.countedTotal))")
        }
    }

    /// From individual records: record `j` is followed to `time[j]` and had the event
    /// there if `event[j]`, otherwise it was censored there.
    ///
    /// Records whose time is NaN are dropped (R's `na.omit`). Equal times are one row,
    /// and with `timefix` (R's default) times that differ by rounding error are too:
    /// R's `aeqSurv` rule over these records (`TimeFix`). Records of several groups of
    /// one data set are fixed together: build each group's table with `timefix: false`
    /// and pool them with `SurvivalCounts.timeFixed(_:)`, as R fixes the whole data set.
    /// - Precondition: `time.count == event.count`; times are finite or NaN.
    /// - Complexity: O(n) (radix sort) in the number of records; two `[Double]` buffers.
    public init(time: [Double], event: [Bool], timefix: Bool = true) {
        self.init(time: time, event: event, codes: [Int32]?.none, selecting: 0, timefix: timefix)
    }

    /// The records `j` with `codes[j] == selected`, as `init(time:event:timefix:)` on that
    /// subset — without copying the subset first: one group's table of a data set whose
    /// groups are one-byte codes (analyze's curves; docs/PERFORMANCE.md, "analyze's memory").
    /// - Precondition: `codes.count == time.count`.
    /// - Complexity: O(n) (radix sort of the selected records).
    public init(time: [Double], event: [Bool], codes: [UInt8], selecting selected: UInt8, timefix: Bool = true) {
        self.init(time: time, event: event, codes: Optional(codes), selecting: selected, timefix: timefix)
    }

    /// The records `j` with `codes[j] == selected` (all records when `codes` is nil), as
    /// `init(time:event:timefix:)` on that subset — without copying the subset first. Used by
    /// `LogRank.test(time:event:group:)` for each group (`Int32` codes) and by the byte-code
    /// initialiser above.
    init<Code: FixedWidthInteger>(time: [Double], event: [Bool], codes: [Code]?, selecting selected: Code, timefix: Bool) {
        precondition(time.count == event.count, "SurvivalCounts: \(time.count) times but \(event.count) event flags")
        precondition(codes.map { $0.count == time.count } ?? true, "SurvivalCounts: codes differ in length from the records")
        let n = time.count
        let allCodes = codes ?? []
        let filtered = codes != nil
        // Pass 1: count the records kept (non-NaN) and their events.
        var nValid = 0, nEvents = 0
        time.withUnsafeBufferPointer { tp in
            event.withUnsafeBufferPointer { ep in
            allCodes.withUnsafeBufferPointer { gp in
                for j in 0..<n {
                    if filtered && gp[j] != selected { continue }
                    let t = tp[j]
                    if t.isNaN { continue }
                    precondition(t.isFinite, "SurvivalCounts: time[\(j)] = \(t) is not finite")
                    nValid += 1
                    if ep[j] { nEvents += 1 }
                }
            }}
        }
        // Pass 2: the radix keys of event times in [0, nEvents) and of censoring times
        // in [nEvents, nValid) (−0 as +0, so equal times have equal keys), with the digit
        // histograms of both parts; then the LSD passes of each part, and one merge of
        // the sorted keys into rows. No intermediate `[Double]` copies.
        let radix = radixDigitRadix, passes = radixDigitPasses
        precondition(nValid < Int(UInt32.max), "SurvivalCounts: too many records (\(nValid))")
        let small = nValid < 256
        // Up to 2¹⁶ records (a PSA draw's arm), the top digits' passes and an insertion
        // pass (`radixSortTopKeyRange`); more, every pass.
        let top = !small && nValid <= 1 << 16
        precondition(radixTopPass == 3 && radixDigitPasses == 6, "SurvivalCounts: the unrolled top passes below")
        var keys = [UInt64](unsafeUninitializedCapacity: nValid) { _, c in c = nValid }
        var hist = [UInt32](repeating: 0, count: small ? 0 : 2 * passes * radix)
        keys.withUnsafeMutableBufferPointer { kp in
            hist.withUnsafeMutableBufferPointer { hp in
                time.withUnsafeBufferPointer { tp in
                    event.withUnsafeBufferPointer { ep in
                    allCodes.withUnsafeBufferPointer { gp in
                        var ie = 0, ic = nEvents
                        for j in 0..<n {
                            if filtered && gp[j] != selected { continue }
                            let t = tp[j]
                            if t.isNaN { continue }
                            let key = radixKey(t + 0.0)
                            let at: Int, h: Int
                            if ep[j] { at = ie; ie += 1; h = 0 } else { at = ic; ic += 1; h = passes * radix }
                            kp[at] = key
                            if top {
                                // The top passes' digits, unrolled (radixTopPass = 3 of 6).
                                let mask = UInt64(radix - 1), bits = UInt64(radixDigitBits)
                                hp[h + 3 * radix + Int((key >> (3 * bits)) & mask)] &+= 1
                                hp[h + 4 * radix + Int((key >> (4 * bits)) & mask)] &+= 1
                                hp[h + 5 * radix + Int((key >> (5 * bits)) & mask)] &+= 1
                            } else if !small {
                                radixDigitHistogram(key, UnsafeMutableBufferPointer(rebasing: hp[h..<(h + passes * radix)]))
                            }
                        }
                    }}
                }
            }
        }
        var scratch = [UInt64](unsafeUninitializedCapacity: small ? 0 : nValid) { _, c in c = small ? 0 : nValid }
        var t: [Double] = [], d: [Double] = [], c: [Double] = []
        keys.withUnsafeMutableBufferPointer { kp in
            scratch.withUnsafeMutableBufferPointer { sp in
                hist.withUnsafeMutableBufferPointer { hp in
                    guard let base = kp.baseAddress else { return }
                    var ev = UnsafeMutableBufferPointer(start: base, count: nEvents)
                    var ce = UnsafeMutableBufferPointer(start: base + nEvents, count: nValid - nEvents)
                    if small {
                        ev.sort(); ce.sort()
                    } else {
                        let sb = sp.baseAddress!
                        let sort: (UnsafeMutableBufferPointer<UInt64>, UnsafeMutableBufferPointer<UInt64>, UnsafeMutableBufferPointer<UInt32>)
                            -> UnsafeMutableBufferPointer<UInt64> = top ? { radixSortTopKeyRange($0, scratch: $1, counts: $2) }
                                : { radixSortKeyRange($0, scratch: $1, counts: $2) }
                        ev = sort(ev, UnsafeMutableBufferPointer(start: sb, count: nEvents),
                                  UnsafeMutableBufferPointer(rebasing: hp[0..<(passes * radix)]))
                        ce = sort(ce, UnsafeMutableBufferPointer(start: sb + nEvents, count: nValid - nEvents),
                                  UnsafeMutableBufferPointer(rebasing: hp[(passes * radix)...]))
                    }
                    // The rows by one branch-free merge in C (`nensim_table_rows`); above
                    // 2¹⁶ records the distinct times are counted first, so the rows are
                    // allocated at their size (no fresh pages for capacity that stays
                    // unused), below the table takes room for every record.
                    let ne = Int64(ev.count), nc = Int64(ce.count)
                    let rows = top ? nValid : Int(nensim_table_rows(ev.baseAddress, ne, ce.baseAddress, nc, nil, nil, nil))
                    t = [Double](unsafeUninitializedCapacity: rows) { tb, tc in
                    d = [Double](unsafeUninitializedCapacity: rows) { db, dc in
                    c = [Double](unsafeUninitializedCapacity: rows) { cb, cc in
                        let m = Int(nensim_table_rows(ev.baseAddress, ne, ce.baseAddress, nc,
                                                      tb.baseAddress, db.baseAddress, cb.baseAddress))
                        tc = m; dc = m; cc = m
                    }}}
                }
            }
        }
        if timefix { Self.mergeNearTies(&t, &d, &c) }
        self.time = t
        self.events = d
        self.censored = c
        self.entered = nil
    }

    /// From weighted records (R's `weights`): record `j` counts `weight[j]` (finite,
    /// > 0) in the events or censorings at its time; records with a NaN time or weight
    /// are dropped. With integer weights the table is that of the records repeated
    /// `weight[j]` times; `timefix` as `init(time:event:timefix:)`.
    /// - Precondition: equal lengths; times finite or NaN; weights > 0 or NaN.
    /// - Complexity: O(n) (radix sort).
    public init(time: [Double], event: [Bool], weight: [Double], timefix: Bool = true) {
        precondition(time.count == event.count && time.count == weight.count,
                     "SurvivalCounts: \(time.count) times, \(event.count) event flags, \(weight.count) weights")
        let kept = time.indices.filter { !time[$0].isNaN && !weight[$0].isNaN }
        for j in kept { precondition(time[j].isFinite && weight[j] > 0 && weight[j].isFinite, "SurvivalCounts: record \(j): time \(time[j]), weight \(weight[j])") }
        let (order, sorted) = radixSortedOrder(kept.map { time[$0] + 0.0 })
        var t: [Double] = [], d: [Double] = [], c: [Double] = []
        for k in 0..<sorted.count {
            let j = kept[Int(order[k])]
            if t.last != sorted[k] { t.append(sorted[k]); d.append(0); c.append(0) }
            if event[j] { d[d.count - 1] += weight[j] } else { c[c.count - 1] += weight[j] }
        }
        if timefix { Self.mergeNearTies(&t, &d, &c) }
        self.time = t
        self.events = d
        self.censored = c
        self.entered = nil
    }

    /// R's time fix on a table's rows (`TimeFix`): rows whose times tie are merged
    /// into the row of the chain's smallest time. The rows are distinct times, so one
    /// scan (`SurvivalCounts.movedTimes` of the one table: the mean of `TimeFix.fix`, the
    /// same sum, and the gaps that can tie) finds the moves — usually none — and only
    /// then are the rows compacted, in place (`compactRows`, as `timeFixed` does).
    static func mergeNearTies(_ t: inout [Double], _ d: inout [Double], _ c: inout [Double]) {
        guard t.count > 1 else { return }
        let moved = movedTimes(of: [t])
        compactRows(&t, &d, &c, moving: moved)
    }

    /// From a regular grid, e.g. integer counts tallied by a Monte Carlo run: cell `k`
    /// (0-based) holds the events and censorings at time `(k + 1) * gridWidth`. Empty
    /// cells (no event, no censoring) are dropped, so the result equals what
    /// `init(time:event:)` gives for records whose times are those cell times.
    /// - Precondition: `gridWidth > 0`, `events.count == censored.count`, counts ≥ 0.
    /// - Complexity: O(cells).
    public init(gridWidth: Double, events: [Int], censored: [Int]) {
        precondition(gridWidth > 0 && gridWidth.isFinite, "SurvivalCounts: gridWidth must be positive, is \(gridWidth)")
        precondition(events.count == censored.count, "SurvivalCounts: \(events.count) event cells but \(censored.count) censoring cells")
        var t: [Double] = [], d: [Double] = [], c: [Double] = []
        for k in events.indices {
            precondition(events[k] >= 0 && censored[k] >= 0, "SurvivalCounts: negative count in cell \(k)")
            guard events[k] + censored[k] > 0 else { continue }
            t.append(Double(k + 1) * gridWidth)
            d.append(Double(events[k]))
            c.append(Double(censored[k]))
        }
        self.time = t
        self.events = d
        self.censored = c
        self.entered = nil
    }

    /// An empty table (no records).
    public static let empty = SurvivalCounts(time: [], events: [], censored: [])

    /// Σ (events + censored).
    var countedTotal: Double {
        events.withUnsafeBufferPointer { e in
            censored.withUnsafeBufferPointer { c in
                var s = 0.0
                for i in 0..<Swift.min(e.count, c.count) { s += e[i] + c[i] }
                return s
            }
        }
    }

    /// Number at risk at the start: `entered` if given, else Σ (events + censored).
    public var total: Double { entered ?? countedTotal }

    /// Number of distinct times (rows).
    public var count: Int { time.count }

    /// Number at risk just before each time: everyone whose time is ≥ `time[i]`, plus
    /// those still at risk after the last time (`entered − Σ counts`). Accumulated from
    /// the end, as `survfitkm.c` does, so that case weights round the same way.
    /// - Complexity: O(m).
    public var atRisk: [Double] {
        if let riskSet { return riskSet }
        let beyond = entered.map { $0 - countedTotal } ?? 0
        let m = time.count
        return [Double](unsafeUninitializedCapacity: m) { out, filled in
            events.withUnsafeBufferPointer { e in
                censored.withUnsafeBufferPointer { c in
                    var n = 0.0
                    for i in stride(from: m - 1, through: 0, by: -1) {
                        n += e[i] + c[i]
                        out[i] = n + beyond
                    }
                }
            }
            filled = m
        }
    }
}
