import CKernels
import Foundation

/// The records of one Cox fit, sorted and standardised once so that every
/// Newton–Raphson iteration is a pair of linear passes (see `CoxLikelihood`).
///
/// Contract (all arrays indexed by the sorted record number `i` in `0..<rows`):
/// - `x`: rows × columns, **row-major**; column j holds `(z_j − mean_j) · scale_j`,
///   the covariate centred at its count-weighted mean and multiplied by
///   `Σ count / Σ count·|z_j − mean_j|` (1 for a constant column), exactly as R's
///   `coxfit6.c` does. Newton–Raphson is invariant to this affine change (β is mapped
///   back by `β_j = β̃_j · scale_j`); it only keeps the arithmetic well conditioned.
/// - `count[i] > 0`: how many identical patients record i stands for (1 for individual
///   records, the cell count for grouped data). All sums treat record i as `count[i]`
///   separate records, so grouped data give exactly the expanded-record fit. With
///   `countsAreWeights`, `count[i]` is instead a case weight (R's `weights`): sums are
///   weighted the same way, but an Efron tie has one term per death *record*.
/// - `event[i]`: true for a death (event), false for censored.
/// - Records are sorted by stratum, and by **descending** time within a stratum, after
///   R's `aeqSurv` time fix (times closer than √ε are merged, see `timefix`).
/// - Blocks: record ranges with one stratum and one (fixed) time: block b is
///   `blockStart(b) ..< blockEnd[b]`; `blockDeaths[b]` = Σ count of its deaths (an
///   integer unless weights); `blockDeathTerms[b]` = the number of Efron terms of the
///   block: `blockDeaths[b]` for counts, its number of death records for weights (each
///   term then carries the mean weight blockDeaths/blockDeathTerms, as `coxfit6.c`);
///   `blockOpensStratum[b]` is true for the first (latest-time) block of a
///   stratum. Risk sets never cross strata.
struct CoxDesign: Sendable {
    let rows: Int
    let columns: Int
    let x: [Double]
    let count: [Double]
    let event: [Bool]
    let blockEnd: [Int]
    let blockDeaths: [Double]
    let blockDeathTerms: [Double]
    let blockOpensStratum: [Bool]
    /// `count` holds case weights (see the contract).
    let countsAreWeights: Bool
    /// Records that are deaths (R's `nevent` with weights).
    let deathRecords: Int
    /// Record form: `sourceIndex[k]` is the input index of sorted record k (empty in
    /// the level form).
    let sourceIndex: [Int32]
    let means: [Double]
    let scales: [Double]
    /// Level form (one covariate with at most `CoxLikelihood.maxLevels` distinct values,
    /// every record one patient, no strata — a treatment arm): `x`, `count` and `event`
    /// are empty, and each block is described by its patients per covariate value
    /// instead of its records. `levelValues[l]`: value l, centred and scaled as `x`;
    /// `levelBlockCounts[b * 2L + l]`: deaths of value l in block b,
    /// `levelBlockCounts[b * 2L + L + l]`: its censored records (L values);
    /// `levelDeaths[l]`: all deaths of value l. Empty otherwise. In the level form, a
    /// time without deaths is merged into the block of the next earlier time (same
    /// risk sets), so only the block of the earliest time can have no deaths. The level
    /// form keeps only these counts: `blockEnd`, `blockDeaths`, `blockDeathTerms` and
    /// `blockOpensStratum` are empty (a block's deaths are the sum of its death counts;
    /// `levelBlocks` is the number of blocks), so its memory is 2L·4 bytes a block.
    let levelValues: [Double]
    let levelBlockCounts: [UInt32]
    let levelDeaths: [Double]
    /// Blocks of the level form (0 otherwise: the record form has `blockEnd.count`).
    let levelBlocks: Int
    /// Σ count (patients) and Σ count over events.
    let patients: Double
    let deaths: Double
    /// Counting-process form ((start, stop] records, `entry` given to the initialiser;
    /// empty otherwise). A record is at risk at block time t when start < t ≤ stop:
    /// - `exitOrder`: sorted-record indices grouped by stratum (the design's order) and
    ///   by **descending** start within a stratum;
    /// - block b leaves the risk set, before its deaths are counted, the records
    ///   `exitOrder[exitBegin[b] ..< exitEnd[b]]` (start ≥ t_b, not left at an earlier block);
    /// - `entryBlock[k]`: the first block (latest time) of record k's stratum with
    ///   t_b ≤ start_k, or −1 when none: the blocks from there on are outside its risk
    ///   interval (used to subtract cumulative sums in the backward passes).
    let exitOrder: [Int32]
    let exitBegin: [Int]
    let exitEnd: [Int]
    let entryBlock: [Int32]
    var countingProcess: Bool { !entryBlock.isEmpty }

    @inline(__always) func blockStart(_ b: Int) -> Int { b == 0 ? 0 : blockEnd[b - 1] }

    /// R's default tolerance for `aeqSurv` (`sqrt(.Machine$double.eps)`).
    static let timefixTolerance = TimeFix.tolerance

    /// Builds the design.
    /// - Parameters:
    ///   - time, event, count: one entry per record, all finite, `count > 0` and integral
    ///     (`count` nil: every record is one patient).
    ///   - covariates: records × columns, row-major, finite.
    ///   - strata: optional stratum code per record.
    ///   - entry: (start, stop] data: the start of each record's interval (`time` is
    ///     its stop), start < stop, both already time-fixed together by the caller
    ///     (`TimeFix.fixedIntervals`); the design's own time fix is then skipped.
    /// - Complexity: O(n log n + n·p) in the number of records n.
    init(time: [Double], event: [Bool], count: [Double]?, covariates: [Double], columns p: Int, strata: [Int]?,
         countsAreWeights: Bool = false, recordForm: Bool = false, entry: [Double]? = nil) {
        let n = time.count
        precondition(event.count == n && (count?.count ?? n) == n && covariates.count == n * p && (strata?.count ?? n) == n && (entry?.count ?? n) == n)
        if !recordForm && entry == nil && count == nil && strata == nil && p == 1 && n > 0 && n < Int(UInt32.max),
           let levelForm = CoxDesign(levelsOf: time, event: event, covariate: covariates) {
            self = levelForm
            return
        }
        let count = count ?? [Double](repeating: 1, count: n)
        self.rows = n
        self.countsAreWeights = countsAreWeights
        self.columns = p
        self.levelValues = []; self.levelBlockCounts = []; self.levelDeaths = []; self.levelBlocks = 0

        // 1. Order by time, descending: a stable radix sort carrying the record index.
        let (sortedOrder, sortedDescending) = radixSortedOrder(time, descending: true)

        // 2. R's aeqSurv time fix (`TimeFix`): a chain of near-ties becomes its smallest time.
        var fixed = [Double](repeating: 0, count: n)
        if entry == nil {
            sortedDescending.withUnsafeBufferPointer { keyed in
                fixed.withUnsafeMutableBufferPointer { fixed in
                    _ = TimeFix.fix(sorted: keyed, descending: true, into: fixed)
                }
            }
        } else {
            fixed = sortedDescending
        }

        // 3. Stable grouping by stratum (ascending code), keeping descending time inside.
        var order: [Int32]
        var sortedTime: [Double]
        var stratumOf: [Int] = []
        if let strata {
            order = [Int32](repeating: 0, count: n)
            sortedTime = [Double](repeating: 0, count: n)
            stratumOf = [Int](repeating: 0, count: n)
            let codes = Array(Set(strata)).sorted()
            let dense = Dictionary(uniqueKeysWithValues: codes.enumerated().map { ($1, $0) })
            var start = [Int](repeating: 0, count: codes.count + 1)
            var denseOf = [Int](repeating: 0, count: n)
            for i in 0..<n { let d = dense[strata[i]]!; denseOf[i] = d; start[d + 1] += 1 }
            for s in 0..<codes.count { start[s + 1] += start[s] }
            for k in 0..<n {
                let i = Int(sortedOrder[k]), d = denseOf[i]
                let at = start[d]; start[d] += 1
                order[at] = sortedOrder[k]; sortedTime[at] = fixed[k]; stratumOf[at] = d
            }
        } else {
            order = sortedOrder
            sortedTime = fixed
        }

        // 4. Permute, centre and scale. The permutation is a random gather, bound by
        //    cache misses at 10⁶ records: each record's covariates, event and count are
        //    first packed into one row (a sequential pass), so that the gather touches
        //    one row per record instead of three arrays (counts are skipped when all 1).
        let unitCounts = count.allSatisfy { $0 == 1 }
        let width = p + (unitCounts ? 1 : 2)
        let packed = [Double](unsafeUninitializedCapacity: n * width) { buf, filled in
            for i in 0..<n {
                let row = i * width
                for j in 0..<p { buf[row + j] = covariates[i * p + j] }
                buf[row + p] = event[i] ? 1 : 0
                if !unitCounts { buf[row + p + 1] = count[i] }
            }
            filled = n * width
        }
        var xs = [Double](repeating: 0, count: n * p)
        var cs = [Double](repeating: 1, count: n)
        var es = [Bool](repeating: false, count: n)
        var patients = 0.0, deaths = 0.0
        packed.withUnsafeBufferPointer { packed in
        order.withUnsafeBufferPointer { order in
        xs.withUnsafeMutableBufferPointer { xs in
        cs.withUnsafeMutableBufferPointer { cs in
        es.withUnsafeMutableBufferPointer { es in
            for k in 0..<n {
                let row = Int(order[k]) * width
                for j in 0..<p { xs[k * p + j] = packed[row + j] }
                let c = unitCounts ? 1 : packed[row + p + 1]
                let e = packed[row + p] != 0
                cs[k] = c; es[k] = e
                patients += c; if e { deaths += c }
            }
        }}}}}
        var means = [Double](repeating: 0, count: p), scales = [Double](repeating: 1, count: p)
        for j in 0..<p {
            var s = 0.0
            for k in 0..<n { s += cs[k] * xs[k * p + j] }
            let mean = s / patients
            var mad = 0.0
            for k in 0..<n { xs[k * p + j] -= mean; mad += cs[k] * abs(xs[k * p + j]) }
            let scale = mad > 0 ? patients / mad : 1
            for k in 0..<n { xs[k * p + j] *= scale }
            means[j] = mean; scales[j] = scale
        }

        // 5. Blocks of one stratum and one time.
        var ends: [Int] = [], blockDeaths: [Double] = [], terms: [Double] = [], opens: [Bool] = []
        var k = 0
        var deathRecords = 0
        let stratified = strata != nil
        while k < n {
            let t = sortedTime[k], s = stratified ? stratumOf[k] : 0
            opens.append(k == 0 || (stratified && stratumOf[k - 1] != s))
            var d = 0.0, records = 0
            while k < n && sortedTime[k] == t && (!stratified || stratumOf[k] == s) {
                if es[k] { d += cs[k]; records += 1 }
                k += 1
            }
            ends.append(k); blockDeaths.append(d); terms.append(countsAreWeights ? Double(records) : d)
            deathRecords += records
        }
        self.blockDeathTerms = terms
        self.deathRecords = deathRecords
        // 6. Counting process: who leaves the risk set at each block, and where each
        //    record's interval begins among the blocks of its stratum.
        if let entry {
            let nb = ends.count
            var exitOrder = [Int32](repeating: 0, count: n)
            var exitBegin = [Int](repeating: 0, count: nb), exitEnd = [Int](repeating: 0, count: nb)
            var entryBlock = [Int32](repeating: -1, count: n)
            var b0 = 0, k0 = 0
            while b0 < nb {
                // One stratum: blocks b0..<b1, records k0..<k1.
                var b1 = b0 + 1
                while b1 < nb && !opens[b1] { b1 += 1 }
                let k1 = ends[b1 - 1]
                let byStart = (k0..<k1).sorted { (entry[Int(order[$0])], $0) > (entry[Int(order[$1])], $1) }
                for (q, k) in byStart.enumerated() { exitOrder[k0 + q] = Int32(k) }
                // Blocks by descending time, records by descending start: one merge.
                var q = 0
                for b in b0..<b1 {
                    let t = sortedTime[b == 0 ? 0 : ends[b - 1]]
                    exitBegin[b] = k0 + q
                    while q < byStart.count && entry[Int(order[byStart[q]])] >= t { q += 1 }
                    exitEnd[b] = k0 + q
                }
                // entryBlock: the first block with t_b ≤ start, by binary search over b0..<b1.
                for k in k0..<k1 {
                    let s = entry[Int(order[k])]
                    var lo = b0, hi = b1
                    while lo < hi {
                        let mid = (lo + hi) / 2
                        if sortedTime[mid == 0 ? 0 : ends[mid - 1]] <= s { hi = mid } else { lo = mid + 1 }
                    }
                    entryBlock[k] = lo < b1 ? Int32(lo) : -1
                }
                b0 = b1; k0 = k1
            }
            self.exitOrder = exitOrder; self.exitBegin = exitBegin; self.exitEnd = exitEnd; self.entryBlock = entryBlock
        } else {
            self.exitOrder = []; self.exitBegin = []; self.exitEnd = []; self.entryBlock = []
        }
        self.x = xs; self.count = cs; self.event = es
        self.sourceIndex = order
        self.blockEnd = ends; self.blockDeaths = blockDeaths; self.blockOpensStratum = opens
        self.means = means; self.scales = scales
        self.patients = patients; self.deaths = deaths
        #if NENSIM_INVARIANTS
        let violations = invariantViolations()
        precondition(violations.isEmpty, "CoxDesign: \(violations.joined(separator: "; "))")
        #endif
    }

    /// The level form (see `levelValues`), or nil when the covariate has more than
    /// `CoxLikelihood.maxLevels` distinct values. Same sort, time fix and blocks as the
    /// record form; the records are sorted carrying a one-byte (value, event) code, and
    /// each block is reduced to its counts per value, so no record array is gathered.
    private init?(levelsOf time: [Double], event: [Bool], covariate z: [Double]) {
        let n = time.count
        let maxLevels = CoxLikelihood.maxLevels
        // 1. One pass: keys (descending time), histogram, and the (value, event) code.
        var values: [Double] = []
        values.reserveCapacity(maxLevels)
        var keys = [UInt64](unsafeUninitializedCapacity: n) { _, c in c = n }
        var code = [UInt8](unsafeUninitializedCapacity: n) { _, c in c = n }
        var counts = [Int](repeating: 0, count: radixDigitRadix * radixDigitPasses)
        var tooMany = false
        time.withUnsafeBufferPointer { t in
        event.withUnsafeBufferPointer { e in
        z.withUnsafeBufferPointer { z in
        keys.withUnsafeMutableBufferPointer { k in
        code.withUnsafeMutableBufferPointer { code in
        counts.withUnsafeMutableBufferPointer { c in
            var lastValue = Double.nan, lastCode = 0
            for i in 0..<n {
                let key = ~radixKey(t[i])
                k[i] = key
                radixDigitHistogram(key, c)
                let v = z[i]
                if v != lastValue {
                    var l = 0
                    while l < values.count && values[l] != v { l += 1 }
                    if l == values.count {
                        if l == maxLevels { tooMany = true; return }
                        values.append(v)
                    }
                    lastValue = v; lastCode = l
                }
                code[i] = UInt8(truncatingIfNeeded: lastCode << 1) | (e[i] ? 1 : 0)
            }
        }}}}}}
        if tooMany { return nil }
        let levelCount = values.count, width = 2 * levelCount

        // 2. Sort by descending time, carrying the codes.
        radixSortKeys(&keys, payload: &code, counts: &counts)

        // 3. R's aeqSurv time fix (as in the record form), walking ascending. A gap dy
        //    merges when dy ≤ tol or dy / mean|y| ≤ tol (mean over distinct times). The
        //    mean lies between the smallest and largest |y|, so the walk first decides
        //    with the largest: a gap with tol < dy ≤ 2·tol·max|y| is the only one whose
        //    fate needs the mean; if one occurs, the mean is computed exactly (in the
        //    record form's order) and the walk repeated. Usually no gap is that small.
        //
        //    Walking ascending, blocks are found last first: block r from the end is
        //    written at slot r, so only the first nb slots' pages are touched, and the
        //    rows are reversed in place afterwards into descending time order (no copy of
        //    the counts; docs/PERFORMANCE.md, "analyze's memory"). A block without deaths
        //    is merged into the block before it in this walk (the next earlier time):
        //    its censored patients are at risk exactly at the later death times, as that
        //    block's are, so every risk-set sum is the same (only the order of additions
        //    changes) and the evaluation skips the times with no deaths.
        let tol = CoxDesign.timefixTolerance
        let maxAbs = max(abs(radixValue(~keys[0])), abs(radixValue(~keys[n - 1])))
        var slotCounts = [UInt32](unsafeUninitializedCapacity: n * width) { _, c in c = n * width }
        var blocks = 0
        func walk(meanAbs: Double?) -> Bool {
            blocks = 0
            let ambiguous = 2 * tol * maxAbs
            return keys.withUnsafeBufferPointer { k in
            code.withUnsafeBufferPointer { code in
            slotCounts.withUnsafeMutableBufferPointer { slots in
                var cut = radixValue(~k[n - 1]), last = cut, blockCut = Double.nan
                var slot = -1, row = 0, deathsInBlock = 0
                // Merges the block in `slot` into the one before it when it has no deaths.
                func closeBlock() {
                    guard blocks > 1, deathsInBlock == 0 else { return }
                    for j in levelCount..<width { slots[row - width + j] += slots[row + j] }
                    slot -= 1; row -= width; blocks -= 1
                }
                for i in stride(from: n - 1, through: 0, by: -1) {
                    let t = radixValue(~k[i])
                    if t != last {
                        let dy = t - last
                        if let meanAbs {
                            if !TimeFix.ties(dy, meanAbs: meanAbs) { cut = t }
                        } else if dy > tol {
                            if dy <= ambiguous { return false }
                            cut = t
                        }
                        last = t
                    }
                    if cut != blockCut {
                        if blocks > 0 { closeBlock() }
                        blockCut = cut; blocks += 1; deathsInBlock = 0
                        slot += 1; row = slot * width
                        for j in 0..<width { slots[row + j] = 0 }
                    }
                    let c = Int(code[i]), death = c & 1
                    slots[row + (death != 0 ? 0 : levelCount) + (c >> 1)] += 1
                    deathsInBlock |= death
                }
                closeBlock()
                return true
            }}}
        }
        if !walk(meanAbs: nil) {
            var sumAbs = 0.0, distinct = 0
            keys.withUnsafeBufferPointer { k in
                var previous = Double.nan
                for i in stride(from: n - 1, through: 0, by: -1) {   // ascending, as `TimeFix`
                    let v = radixValue(~k[i])
                    if v != previous { previous = v; sumAbs += abs(v); distinct += 1 }
                }
            }
            _ = walk(meanAbs: sumAbs / Double(distinct))
        }
        keys = []; code = []
        // Block r from the end is at row r: reversed in place into descending time order,
        // the unused rows dropped (their pages were never touched; no copy of the counts).
        var levelDeaths = [Double](repeating: 0, count: levelCount)
        var levelPatients = [Double](repeating: 0, count: levelCount)
        slotCounts.withUnsafeMutableBufferPointer { slots in
            var lo = 0, hi = blocks - 1
            while lo < hi {
                for k in 0..<width { slots.swapAt(lo * width + k, hi * width + k) }
                lo += 1; hi -= 1
            }
            for b in 0..<blocks {
                for l in 0..<levelCount {
                    let e = Int(slots[b * width + l]), c = Int(slots[b * width + levelCount + l])
                    levelDeaths[l] += Double(e); levelPatients[l] += Double(e + c)
                }
            }
        }
        slotCounts.removeLast(slotCounts.count - blocks * width)
        let descending = slotCounts
        slotCounts = []
        self.init(levelValues: values, descendingCounts: consume descending, blocks: blocks, rows: n,
                  levelDeaths: levelDeaths, levelPatients: levelPatients)
    }

    /// The level form of a two-valued covariate from the tables of its two groups
    /// (analyze's Kaplan–Meier tables, a run's arms): the same blocks, counts and
    /// arithmetic as `init?(levelsOf:…)` on the records the tables were made from, so the
    /// fit has the same bits without sorting the records again (docs/PERFORMANCE.md,
    /// "analyze").
    ///
    /// Contract: `tables[l]` holds the records whose covariate is `values[l]` (level l, in
    /// the order `init?(levelsOf:…)` would find the values: the first record's first);
    /// the tables are time-fixed together (`SurvivalCounts.timeFixed`), or `fixingTimes`
    /// asks for R's fix over both here (the same moves as `SurvivalCounts.movedTimes`);
    /// right-censored (no `entered`, no `riskSet`), their counts non-negative integers
    /// adding up to fewer than 2³² records in all; `values` are distinct and finite.
    /// - Complexity: one merge of the tables' m₀ + m₁ rows into pooled rows, which also
    ///   finds the time fix's sum and candidate gaps (`nensim_cox_pooled_rows`, CKernels),
    ///   then one pass over the rows into blocks (`nensim_cox_rows_blocks`) joining the
    ///   rows whose times tie; 16 bytes a row.
    init(levelTables tables: [SurvivalCounts], values: [Double], fixingTimes: Bool = false) {
        precondition(tables.count == 2 && values.count == 2 && values[0] != values[1], "two tables, two values")
        let width = 4
        let m0 = tables[0].time.count, m1 = tables[1].time.count
        // The union of the tables' times ascending, rows of one time summed; the time
        // fix decided on its sum and candidate gaps (`TimeFix.tiedCandidates`, the rule of
        // `SurvivalCounts.movedTimes`), the tied rows joined to the rows before them;
        // then one block per (joined) time with records, in the design's order (latest
        // first). A time without deaths joins the block of the next earlier time — its
        // censored patients are at risk exactly at that block's later deaths — except
        // the earliest time's, which is a block of its own: so only the last block can
        // be without deaths (`init?(levelsOf:)`'s rule).
        precondition(m0 > 0 && m1 > 0, "CoxDesign(levelTables:): a table without rows")
        let capacity = m0 + m1
        var slots = [UInt32](unsafeUninitializedCapacity: capacity * width) { _, c in c = capacity * width }
        var sums = [UInt64](repeating: 0, count: 4)
        let bound = fixingTimes ? SurvivalCounts.nearTieBound([tables[0].time, tables[1].time]) : -1
        var candidates = [Double](repeating: 0, count: 2 * 16), candidateRows = [Int64](repeating: 0, count: 16)
        var sumAbs = 0.0, found: Int64 = 0, rows = 0
        while true {
            let room = candidateRows.count
            rows = Int(slots.withUnsafeMutableBufferPointer { out in
                tables[0].time.withUnsafeBufferPointer { t0 in tables[0].events.withUnsafeBufferPointer { e0 in
                tables[0].censored.withUnsafeBufferPointer { c0 in
                tables[1].time.withUnsafeBufferPointer { t1 in tables[1].events.withUnsafeBufferPointer { e1 in
                tables[1].censored.withUnsafeBufferPointer { c1 in
                candidates.withUnsafeMutableBufferPointer { cp in candidateRows.withUnsafeMutableBufferPointer { rp in
                    nensim_cox_pooled_rows(t0.baseAddress, e0.baseAddress, c0.baseAddress, Int64(m0),
                                           t1.baseAddress, e1.baseAddress, c1.baseAddress, Int64(m1),
                                           bound, out.baseAddress, &sumAbs, cp.baseAddress, rp.baseAddress, Int64(room), &found)
                }}}}}}}}
            })
            if Int(found) <= room { break }
            candidates = [Double](repeating: 0, count: 2 * Int(found))
            candidateRows = [Int64](repeating: 0, count: Int(found))
        }
        let joined = TimeFix.tiedCandidates(candidates, count: Int(found), sumAbs: sumAbs, distinct: rows).map { candidateRows[$0] }
        let blocks = Int(slots.withUnsafeMutableBufferPointer { out in
            joined.withUnsafeBufferPointer { jp in sums.withUnsafeMutableBufferPointer { sp in
                nensim_cox_rows_blocks(out.baseAddress, Int64(rows), Int64(capacity), jp.baseAddress, Int64(joined.count), sp.baseAddress)
            }}
        })
        let (deaths0, censored0, deaths1, censored1) = (sums[0], sums[1], sums[2], sums[3])
        slots.removeLast(slots.count - blocks * width)
        let records = deaths0 + deaths1 + censored0 + censored1
        self.init(levelValues: values, descendingCounts: consume slots, blocks: blocks, rows: Int(records),
                  levelDeaths: [Double(deaths0), Double(deaths1)],
                  levelPatients: [Double(deaths0 + censored0), Double(deaths1 + censored1)])
    }

    /// The level form's last step, shared by its two sources: `descendingCounts` holds
    /// the blocks in descending time order (2L counts a block, `levelBlockCounts`), and
    /// each level's deaths and patients; then the centring and scaling of the values (as
    /// the record form's).
    private init(levelValues values: [Double], descendingCounts blockCounts: consuming [UInt32], blocks: Int, rows n: Int,
                 levelDeaths: [Double], levelPatients: [Double]) {
        let levelCount = values.count
        let patients = Double(n)
        var deaths = 0.0
        for l in 0..<levelCount { deaths += levelDeaths[l] }
        var s = 0.0
        for l in 0..<levelCount { s += levelPatients[l] * values[l] }
        let mean = s / patients
        var mad = 0.0
        for l in 0..<levelCount { mad += levelPatients[l] * abs(values[l] - mean) }
        let scale = mad > 0 ? patients / mad : 1

        self.rows = n
        self.columns = 1
        self.x = []; self.count = []; self.event = []
        self.blockEnd = []; self.blockDeaths = []; self.blockDeathTerms = []; self.blockOpensStratum = []
        self.levelBlocks = blocks
        self.countsAreWeights = false
        self.deathRecords = Int(deaths)
        self.sourceIndex = []
        self.means = [mean]; self.scales = [scale]
        self.patients = patients; self.deaths = deaths
        self.exitOrder = []; self.exitBegin = []; self.exitEnd = []; self.entryBlock = []
        self.levelValues = values.map { ($0 - mean) * scale }
        self.levelBlockCounts = blockCounts
        self.levelDeaths = levelDeaths
        #if NENSIM_INVARIANTS
        let violations = invariantViolations()
        precondition(violations.isEmpty, "CoxDesign (level form): \(violations.joined(separator: "; "))")
        #endif
    }
}

extension CoxDesign {
    /// Well-formed blocks (docs/ARCHITECTURE.md, "Invariants"): ends strictly increasing
    /// up to the records, the first block opening a stratum, deaths per block summing to
    /// all deaths; in the level form, no empty block, the blocks' counts adding up to the
    /// records and their deaths to the deaths, and a block without deaths only at the end
    /// (the earliest time). Empty when all hold.
    /// Checked after every construction when built with `NENSIM_INVARIANTS`.
    func invariantViolations() -> [String] {
        var out: [String] = []
        if !levelValues.isEmpty {
            let width = 2 * levelValues.count
            guard levelBlockCounts.count == levelBlocks * width else { return ["level counts are not blocks × 2 × values"] }
            var records = 0, deathCount = 0.0, seenEmpty = false
            for b in 0..<levelBlocks {
                var d = 0, r = 0
                for l in 0..<width {
                    r += Int(levelBlockCounts[b * width + l])
                    if l < levelValues.count { d += Int(levelBlockCounts[b * width + l]) }
                }
                if r == 0 { out.append("level block \(b) is empty") }
                records += r
                deathCount += Double(d)
                if d == 0 { seenEmpty = true } else if seenEmpty { out.append("a block with deaths after one without (level block \(b))") }
            }
            if records != rows { out.append("the level blocks count \(records) records, not the \(rows) rows") }
            if deathCount != deaths { out.append("block deaths do not sum to the deaths") }
            return out
        }
        let blocks = blockEnd.count
        guard blockDeaths.count == blocks, blockOpensStratum.count == blocks else { return ["block arrays of different lengths"] }
        for b in 0..<blocks where blockEnd[b] <= blockStart(b) { out.append("block \(b) is empty or ends before it starts") }
        if blocks > 0 {
            if blockEnd[blocks - 1] != rows { out.append("the last block ends at \(blockEnd[blocks - 1]), not at the \(rows) records") }
            if !blockOpensStratum[0] { out.append("the first block does not open a stratum") }
        }
        if abs(blockDeaths.reduce(0, +) - deaths) > 1e-9 * max(1, deaths) { out.append("block deaths do not sum to the deaths") }
        return out
    }
}
