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
/// - `count[i] ≥ 1`: how many identical patients record i stands for (1 for individual
///   records, the cell count for grouped data). All sums treat record i as `count[i]`
///   separate records, so grouped data give exactly the expanded-record fit.
/// - `event[i]`: true for a death (event), false for censored.
/// - Records are sorted by stratum, and by **descending** time within a stratum, after
///   R's `aeqSurv` time fix (times closer than √ε are merged, see `timefix`).
/// - Blocks: record ranges with one stratum and one (fixed) time: block b is
///   `blockStart(b) ..< blockEnd[b]`; `blockDeaths[b]` = Σ count of its deaths (an
///   integer); `blockOpensStratum[b]` is true for the first (latest-time) block of a
///   stratum. Risk sets never cross strata.
struct CoxDesign: Sendable {
    let rows: Int
    let columns: Int
    let x: [Double]
    let count: [Double]
    let event: [Bool]
    let blockEnd: [Int]
    let blockDeaths: [Double]
    let blockOpensStratum: [Bool]
    let means: [Double]
    let scales: [Double]
    /// Σ count (patients) and Σ count over events.
    let patients: Double
    let deaths: Double

    @inline(__always) func blockStart(_ b: Int) -> Int { b == 0 ? 0 : blockEnd[b - 1] }

    /// R's default tolerance for `aeqSurv` (`sqrt(.Machine$double.eps)`).
    static let timefixTolerance = Double.ulpOfOne.squareRoot()

    /// Builds the design.
    /// - Parameters:
    ///   - time, event: one entry per record (n ≥ 1), times finite.
    ///   - count: multiplicity per record (finite, integral, > 0); nil means 1 each.
    ///   - covariates: n × columns, row-major, finite.
    ///   - strata: optional stratum code per record.
    /// - Complexity: O(n·p) time and memory beyond the input: the sort is a radix sort.
    init(time: [Double], event: [Bool], count: [Double]?, covariates: [Double], columns p: Int, strata: [Int]?) {
        let n = time.count
        precondition(event.count == n && (count?.count ?? n) == n && covariates.count == n * p && (strata?.count ?? n) == n)
        precondition(n > 0 && n < Int(Int32.max), "1 ≤ records < 2³¹")
        self.rows = n
        self.columns = p

        // 1. Order by time, descending (stable radix sort); times come back in that order.
        var (order, sortedTime) = CoxDesign.descendingOrder(time)

        // 2. R's aeqSurv time fix on the distinct times (ascending): a gap dy with
        //    dy ≤ tol or dy / mean|y| ≤ tol merges the upper time into the lower one, so
        //    a chain of near-ties becomes its smallest time.
        sortedTime.withUnsafeMutableBufferPointer { t in
            var sumAbs = 0.0, distinct = 0
            var previous = Double.nan
            for k in 0..<n where t[k] != previous { previous = t[k]; sumAbs += abs(previous); distinct += 1 }
            let meanAbs = sumAbs / Double(distinct)
            let tol = CoxDesign.timefixTolerance
            // Walk ascending (k from n−1 down); `cut` is the time the current chain maps to.
            var cut = t[n - 1], last = cut
            for k in stride(from: n - 1, through: 0, by: -1) {
                let v = t[k]
                if v != last {
                    let dy = v - last
                    if !(dy <= tol || dy / meanAbs <= tol) { cut = v }
                    last = v
                }
                t[k] = cut
            }
        }

        // 3. Stable grouping by stratum (ascending code), keeping descending time inside.
        var stratumOf: [Int32]? = nil
        if let strata {
            let codes = Array(Set(strata)).sorted()
            let dense = Dictionary(uniqueKeysWithValues: codes.enumerated().map { ($1, $0) })
            var start = [Int](repeating: 0, count: codes.count + 1)
            let denseOf = strata.map { dense[$0]! }
            for d in denseOf { start[d + 1] += 1 }
            for s in 0..<codes.count { start[s + 1] += start[s] }
            var regrouped = [Int32](repeating: 0, count: n), regroupedTime = [Double](repeating: 0, count: n)
            var groupOf = [Int32](repeating: 0, count: n)
            for k in 0..<n {
                let i = Int(order[k]), d = denseOf[i]
                let at = start[d]; start[d] += 1
                regrouped[at] = order[k]; regroupedTime[at] = sortedTime[k]; groupOf[at] = Int32(d)
            }
            order = regrouped; sortedTime = regroupedTime; stratumOf = groupOf
        }

        // 4. Gather rows in sorted order; centre and scale each column.
        var xs = [Double](repeating: 0, count: n * p)
        var cs = [Double](repeating: 1, count: n)
        var es = [Bool](repeating: false, count: n)
        var patients = 0.0, deaths = 0.0
        order.withUnsafeBufferPointer { order in
            covariates.withUnsafeBufferPointer { z in
                xs.withUnsafeMutableBufferPointer { xs in
                    if p == 1 {
                        for k in 0..<n { xs[k] = z[Int(order[k])] }
                    } else {
                        for k in 0..<n {
                            let i = Int(order[k])
                            for j in 0..<p { xs[k * p + j] = z[i * p + j] }
                        }
                    }
                }
            }
            event.withUnsafeBufferPointer { e in
                es.withUnsafeMutableBufferPointer { es in for k in 0..<n { es[k] = e[Int(order[k])] } }
            }
            if let count {
                count.withUnsafeBufferPointer { c in
                    cs.withUnsafeMutableBufferPointer { cs in for k in 0..<n { cs[k] = c[Int(order[k])] } }
                }
            }
        }
        for k in 0..<n { patients += cs[k]; if es[k] { deaths += cs[k] } }
        var means = [Double](repeating: 0, count: p), scales = [Double](repeating: 1, count: p)
        xs.withUnsafeMutableBufferPointer { xs in
            cs.withUnsafeBufferPointer { cs in
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
            }
        }

        // 5. Blocks of one stratum and one time.
        var ends: [Int] = [], blockDeaths: [Double] = [], opens: [Bool] = []
        sortedTime.withUnsafeBufferPointer { t in
            es.withUnsafeBufferPointer { es in
                cs.withUnsafeBufferPointer { cs in
                    var k = 0
                    while k < n {
                        let time = t[k], s = stratumOf?[k] ?? 0
                        opens.append(k == 0 || (stratumOf?[k - 1] ?? 0) != s)
                        var d = 0.0
                        while k < n && t[k] == time && (stratumOf?[k] ?? 0) == s {
                            if es[k] { d += cs[k] }
                            k += 1
                        }
                        ends.append(k); blockDeaths.append(d)
                    }
                }
            }
        }
        self.x = xs; self.count = cs; self.event = es
        self.blockEnd = ends; self.blockDeaths = blockDeaths; self.blockOpensStratum = opens
        self.means = means; self.scales = scales
        self.patients = patients; self.deaths = deaths
    }

    /// Record indices ordered by **descending** time, ties in input order: a stable LSD
    /// radix sort (six 11-bit digits, constant digits skipped) on an order-reversing
    /// integer image of each time; the times are returned in that order too (−0 as +0).
    /// `time` must hold no NaN.
    /// - Complexity: O(n), two passes over 16-byte records per non-constant digit.
    static func descendingOrder(_ time: [Double]) -> (order: [Int32], times: [Double]) {
        let n = time.count
        if n < 512 {
            let order = Array(0..<Int32(n)).sorted { (i: Int32, j: Int32) -> Bool in
                let a = time[Int(i)], b = time[Int(j)]
                return a > b || (a == b && i < j)
            }
            return (order, order.map { (i: Int32) -> Double in time[Int(i)] + 0.0 })
        }
        struct Item { var key: UInt64; var index: Int32 }
        // Order-preserving map Double → UInt64 (negatives flipped), then complemented so
        // that ascending keys are descending times. −0 is folded into +0.
        @inline(__always) func key(_ t: Double) -> UInt64 {
            let bits = (t + 0.0).bitPattern
            let ordered = bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
            return ~ordered
        }
        let radixBits = 11, buckets = 1 << radixBits, digits = 6
        var a = [Item](repeating: Item(key: 0, index: 0), count: n)
        var b = a
        var histogram = [Int](repeating: 0, count: buckets * digits)
        a.withUnsafeMutableBufferPointer { a in
            histogram.withUnsafeMutableBufferPointer { h in
                time.withUnsafeBufferPointer { t in
                    for i in 0..<n {
                        let k = key(t[i])
                        a[i] = Item(key: k, index: Int32(truncatingIfNeeded: i))
                        for d in 0..<digits { h[d * buckets + Int((k >> UInt64(d * radixBits)) & UInt64(buckets - 1))] += 1 }
                    }
                }
            }
        }
        for d in 0..<digits {
            let base = d * buckets
            let first = Int((a[0].key >> UInt64(d * radixBits)) & UInt64(buckets - 1))
            if histogram[base + first] == n { continue }      // every key has this digit
            var offset = 0
            for j in 0..<buckets { let c = histogram[base + j]; histogram[base + j] = offset; offset += c }
            let shift = UInt64(d * radixBits)
            a.withUnsafeBufferPointer { src in
                b.withUnsafeMutableBufferPointer { dst in
                    histogram.withUnsafeMutableBufferPointer { h in
                        for i in 0..<n {
                            let item = src[i]
                            let slot = base + Int((item.key >> shift) & UInt64(buckets - 1))
                            dst[h[slot]] = item
                            h[slot] += 1
                        }
                    }
                }
            }
            swap(&a, &b)
        }
        // Invert the key map to get the times in sorted order without a gather.
        let times = a.map { item -> Double in
            let ordered = ~item.key
            return Double(bitPattern: ordered & (1 << 63) != 0 ? ordered & ~(1 << 63) : ~ordered)
        }
        return (a.map(\.index), times)
    }
}
