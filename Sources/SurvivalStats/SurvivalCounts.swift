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
    /// Records whose time is NaN are dropped (R's `na.omit`). Times are merged only when
    /// exactly equal: R's `survfit`/`survdiff` first apply `aeqSurv` (the `timefix`
    /// option), which also merges times that differ by rounding error (relative 1e-8);
    /// the fixtures used in the tests have integer times, for which the two agree.
    /// Call with times that are already rounded if that matters.
    /// - Precondition: `time.count == event.count`; times are finite or NaN.
    /// - Complexity: O(n) (radix sort) in the number of records; two `[Double]` buffers.
    public init(time: [Double], event: [Bool]) {
        precondition(time.count == event.count, "SurvivalCounts: \(time.count) times but \(event.count) event flags")
        var eventTimes: [Double] = []
        var censorTimes: [Double] = []
        var nEvents = 0
        for e in event where e { nEvents += 1 }
        eventTimes.reserveCapacity(nEvents)
        censorTimes.reserveCapacity(time.count - nEvents)
        for j in time.indices where !time[j].isNaN {
            precondition(time[j].isFinite, "SurvivalCounts: time[\(j)] = \(time[j]) is not finite")
            if event[j] { eventTimes.append(time[j]) } else { censorTimes.append(time[j]) }
        }
        radixSort(&eventTimes)
        radixSort(&censorTimes)
        var t: [Double] = [], d: [Double] = [], c: [Double] = []
        let capacity = eventTimes.count + censorTimes.count
        t.reserveCapacity(capacity); d.reserveCapacity(capacity); c.reserveCapacity(capacity)
        var i = 0, k = 0
        while i < eventTimes.count || k < censorTimes.count {
            let next: Double
            if i < eventTimes.count && k < censorTimes.count {
                next = Swift.min(eventTimes[i], censorTimes[k])
            } else if i < eventTimes.count {
                next = eventTimes[i]
            } else {
                next = censorTimes[k]
            }
            var de = 0, dc = 0
            while i < eventTimes.count && eventTimes[i] == next { de += 1; i += 1 }
            while k < censorTimes.count && censorTimes[k] == next { dc += 1; k += 1 }
            t.append(next)
            d.append(Double(de))
            c.append(Double(dc))
        }
        self.time = t
        self.events = d
        self.censored = c
        self.entered = nil
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
        var s = 0.0
        for i in time.indices { s += events[i] + censored[i] }
        return s
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
        let beyond = entered.map { $0 - countedTotal } ?? 0
        var n = 0.0
        var out = [Double](repeating: 0, count: time.count)
        for i in time.indices.reversed() {
            n += events[i] + censored[i]
            out[i] = n + beyond
        }
        return out
    }
}
