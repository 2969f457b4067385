/// Sorting `[Double]` in O(n): least-significant-digit radix sort on an order-preserving
/// map of the IEEE bit pattern to `UInt64` (negative numbers: all bits flipped;
/// otherwise: the sign bit set), 11 bits per pass, passes on which every key has the same
/// digit skipped. Used to sort record times; about 4× faster than `sort()` at 10⁶ values.
///
/// Contract: `values` holds no NaN (callers drop NaN records first). −0 sorts before +0;
/// they compare equal, so code that merges equal neighbours sees one time.
/// - Complexity: O(n) time, one scratch buffer of n `UInt64` plus the key buffer.
func radixSort(_ values: inout [Double]) {
    let n = values.count
    guard n > 1 else { return }
    if n < 256 { values.sort(); return }
    let sign: UInt64 = 1 << 63
    let bits = 11, radix = 1 << bits, mask = UInt64(radix - 1)
    let passes = (64 + bits - 1) / bits
    var keys = [UInt64](unsafeUninitializedCapacity: n) { buf, count in
        values.withUnsafeBufferPointer { v in
            for i in 0..<n {
                let b = v[i].bitPattern
                buf[i] = b & sign != 0 ? ~b : b | sign
            }
        }
        count = n
    }
    var counts = [Int](repeating: 0, count: radix * passes)
    keys.withUnsafeBufferPointer { k in
        counts.withUnsafeMutableBufferPointer { c in
            for i in 0..<n {
                var key = k[i]
                for p in 0..<passes {
                    c[p * radix + Int(key & mask)] += 1
                    key >>= UInt64(bits)
                }
            }
        }
    }
    var scratch = [UInt64](repeating: 0, count: n)
    for p in 0..<passes {
        let shift = UInt64(p * bits)
        // Skip a pass on which all keys share one digit.
        var trivial = false
        counts.withUnsafeMutableBufferPointer { c in
            let base = p * radix
            var running = 0
            for d in 0..<radix {
                let cnt = c[base + d]
                if cnt == n { trivial = true; return }
                c[base + d] = running
                running += cnt
            }
        }
        if trivial { continue }
        keys.withUnsafeBufferPointer { src in
            scratch.withUnsafeMutableBufferPointer { dst in
                counts.withUnsafeMutableBufferPointer { c in
                    let base = p * radix
                    for i in 0..<n {
                        let key = src[i]
                        let d = base + Int((key >> shift) & mask)
                        dst[c[d]] = key
                        c[d] += 1
                    }
                }
            }
        }
        swap(&keys, &scratch)
    }
    values.withUnsafeMutableBufferPointer { v in
        keys.withUnsafeBufferPointer { k in
            for i in 0..<n {
                let key = k[i]
                v[i] = Double(bitPattern: key & sign != 0 ? key & ~sign : ~key)
            }
        }
    }
}

/// The stable sorting permutation of `values` and the sorted values, by the same LSD
/// radix sort as `radixSort(_:)` carrying each value's index: `order[k]` is the index
/// of the k-th smallest value (the k-th largest when `descending`), equal values in
/// their original order. Used to sort Cox records by time without a comparison sort
/// (≈ 10× faster than `sort(by:)` on (time, index) pairs at 10⁶ records).
///
/// Contract: `values` holds no NaN; `values.count < 2³¹`.
/// - Complexity: O(n) time; scratch of 2n `UInt64` and 2n `Int32`.
func radixSortedOrder(_ values: [Double], descending: Bool = false) -> (order: [Int32], sorted: [Double]) {
    let n = values.count
    precondition(n < Int(Int32.max), "radixSortedOrder: too many values (\(n))")
    let sign: UInt64 = 1 << 63
    // Order-preserving map to UInt64; complemented for descending order.
    let flip: UInt64 = descending ? ~0 : 0
    var keys = [UInt64](unsafeUninitializedCapacity: n) { buf, count in
        values.withUnsafeBufferPointer { v in
            for i in 0..<n {
                let b = v[i].bitPattern
                buf[i] = (b & sign != 0 ? ~b : b | sign) ^ flip
            }
        }
        count = n
    }
    var order = [Int32](unsafeUninitializedCapacity: n) { buf, count in
        for i in 0..<n { buf[i] = Int32(truncatingIfNeeded: i) }
        count = n
    }
    if n > 1 {
        var counts = [Int](repeating: 0, count: radixDigitRadix * radixDigitPasses)
        keys.withUnsafeBufferPointer { k in
            counts.withUnsafeMutableBufferPointer { c in
                for i in 0..<n { radixDigitHistogram(k[i], c) }
            }
        }
        radixSortKeys(&keys, payload: &order, counts: &counts)
    }
    let sorted = [Double](unsafeUninitializedCapacity: n) { buf, count in
        keys.withUnsafeBufferPointer { k in
            for i in 0..<n {
                let key = k[i] ^ flip
                buf[i] = Double(bitPattern: key & sign != 0 ? key & ~sign : ~key)
            }
        }
        count = n
    }
    return (order, sorted)
}

/// The 11-bit LSD passes on keys already mapped to `UInt64` (order-preserving),
/// carrying a payload per key (a record index for `radixSortedOrder`, a one-byte code
/// for `CoxDesign`), with
/// the digit histogram of all passes given (`counts`: passes × 2048, as
/// `radixDigitHistogram` fills it while the keys are written). Stable. Used by
/// `CoxDesign` to sort records by time carrying each record's (covariate level, event)
/// code, so no gather by index follows the sort.
/// - Complexity: O(n) time; scratch of n `UInt64` and n payloads.
func radixSortKeys<Payload: BitwiseCopyable>(_ keys: inout [UInt64], payload: inout [Payload], counts: inout [Int]) {
    let n = keys.count
    precondition(payload.count == n && counts.count == radixDigitRadix * radixDigitPasses)
    guard n > 1 else { return }
    let radix = radixDigitRadix, mask = UInt64(radix - 1)
    var keyScratch = [UInt64](unsafeUninitializedCapacity: n) { _, count in count = n }
    // Bitwise-copyable payloads need no initialisation: every slot is written before it is read.
    var payloadScratch = [Payload](unsafeUninitializedCapacity: n) { _, count in count = n }
    for p in 0..<radixDigitPasses {
        let shift = UInt64(p * radixDigitBits)
        var trivial = false
        counts.withUnsafeMutableBufferPointer { c in
            let base = p * radix
            var running = 0
            for d in 0..<radix {
                let cnt = c[base + d]
                if cnt == n { trivial = true; return }
                c[base + d] = running
                running += cnt
            }
        }
        if trivial { continue }
        keys.withUnsafeBufferPointer { srcKey in
        payload.withUnsafeBufferPointer { srcPayload in
        keyScratch.withUnsafeMutableBufferPointer { dstKey in
        payloadScratch.withUnsafeMutableBufferPointer { dstPayload in
        counts.withUnsafeMutableBufferPointer { c in
            let base = p * radix
            for i in 0..<n {
                let key = srcKey[i]
                let d = base + Int((key >> shift) & mask)
                let at = c[d]
                dstKey[at] = key
                dstPayload[at] = srcPayload[i]
                c[d] = at + 1
            }
        }}}}}
        swap(&keys, &keyScratch)
        swap(&payload, &payloadScratch)
    }
}

let radixDigitBits = 11
let radixDigitRadix = 1 << radixDigitBits
let radixDigitPasses = (64 + radixDigitBits - 1) / radixDigitBits
/// The first pass `radixSortTopKeyRange` runs: digits 3…5 are a key's top 31 bits (sign,
/// exponent and 19 bits of the significand of its double).
let radixTopPass = 3
/// `radixSortKeyRange`'s pass sets (bit p: pass p): every pass; the top passes from
/// `radixTopPass`; and those with pass 0 first (the lowest 11 bits, where
/// `TwoGroupWorkspace` keeps a record's code).
let radixAllPasses: UInt8 = 0b11_1111
let radixTopPasses: UInt8 = 0b11_1000
let radixLowAndTopPasses: UInt8 = 0b11_1001

/// `radixSortKeyRange` for a few thousand keys, in half its passes: the LSD passes of
/// the top digits only (`counts` needs only their histograms, passes `radixTopPass`
/// on), which leave keys in order but for runs that share those digits — doubles
/// within a relative 2⁻¹⁹ of each other, a handful among thousands of simulated times —
/// and an insertion pass finishing those. With `passes` = `radixLowAndTopPasses` the
/// lowest digit's pass runs first, so keys that share their top digits but differ only
/// there (tied times with different codes, `TwoGroupWorkspace`) come out in order too.
/// Should more than `keys.count` moves be needed (times packed that densely), the full
/// sort runs instead, with every pass recounted. The same sorted keys either way.
func radixSortTopKeyRange(_ keys: UnsafeMutableBufferPointer<UInt64>, scratch: UnsafeMutableBufferPointer<UInt64>,
                          counts: UnsafeMutableBufferPointer<UInt32>, passes: UInt8 = radixTopPasses) -> UnsafeMutableBufferPointer<UInt64> {
    let n = keys.count
    let sorted = radixSortKeyRange(keys, scratch: scratch, counts: counts, passes: passes)
    guard n > 1 else { return sorted }
    var moves = 0
    for i in 1..<n {
        let key = sorted[i]
        if sorted[i - 1] <= key { continue }
        var j = i
        while j > 0 && sorted[j - 1] > key { sorted[j] = sorted[j - 1]; j -= 1 }
        sorted[j] = key
        moves += i - j
        if moves > n {
            counts.update(repeating: 0)
            for k in 0..<n { radixDigitHistogram(sorted[k], counts) }
            return radixSortKeyRange(sorted, scratch: sorted.baseAddress == keys.baseAddress ? scratch : keys, counts: counts)
        }
    }
    return sorted
}

/// Sorts `keys` ascending in place: `sort()` below 256 keys; up to 2¹⁶ keys the radix
/// passes of the top three 11-bit digits — with `lowDigit`, of the lowest digit first
/// (where `TwoGroupWorkspace` keeps a record's code, so tied times need no insertion) —
/// and an insertion pass (`radixSortTopKeyRange`); more, every pass (`radixSortKeyRange`).
/// `scratch`: as many keys; `counts`: passes × 2048. Equal keys are equal integers, so the
/// result is the one sorted sequence every way.
/// - Complexity: O(n) time, no allocation.
func sortRadixKeys(_ keys: UnsafeMutableBufferPointer<UInt64>, scratch: UnsafeMutableBufferPointer<UInt64>,
                   counts: UnsafeMutableBufferPointer<UInt32>, lowDigit: Bool) {
    let n = keys.count
    guard n >= 256 else {
        var part = keys
        part.sort()
        return
    }
    counts.update(repeating: 0)
    let sorted: UnsafeMutableBufferPointer<UInt64>
    if n <= 1 << 16 {
        precondition(radixTopPass == 3 && radixDigitPasses == 6, "sortRadixKeys: the unrolled top passes below")
        let radix = radixDigitRadix, mask = UInt64(radix - 1), bits = UInt64(radixDigitBits)
        for i in 0..<n {
            let key = keys[i]
            if lowDigit { counts[Int(key & mask)] &+= 1 }
            counts[3 * radix + Int((key >> (3 * bits)) & mask)] &+= 1
            counts[4 * radix + Int((key >> (4 * bits)) & mask)] &+= 1
            counts[5 * radix + Int((key >> (5 * bits)) & mask)] &+= 1
        }
        sorted = radixSortTopKeyRange(keys, scratch: scratch, counts: counts, passes: lowDigit ? radixLowAndTopPasses : radixTopPasses)
    } else {
        for i in 0..<n { radixDigitHistogram(keys[i], counts) }
        sorted = radixSortKeyRange(keys, scratch: scratch, counts: counts)
    }
    if sorted.baseAddress != keys.baseAddress { _ = keys.update(fromContentsOf: sorted) }
}

/// Sorts up to `capacity` doubles at a time ascending in O(n), in buffers of its own: the
/// order-preserving keys (`radixKey`) sorted by `sortRadixKeys`, so the order of `sort()`
/// (no NaN; −0 before +0). A trial replicate's calendar times of events, once a replicate
/// (`ReplicateWorker`). Used by one thread at a time.
public final class DoubleSorter {
    let keys, scratch: UnsafeMutableBufferPointer<UInt64>
    let counts: UnsafeMutableBufferPointer<UInt32>

    public init(capacity: Int) {
        let c = max(capacity, 1)
        keys = .allocate(capacity: c); keys.initialize(repeating: 0)
        scratch = .allocate(capacity: c); scratch.initialize(repeating: 0)
        counts = .allocate(capacity: radixDigitRadix * radixDigitPasses); counts.initialize(repeating: 0)
    }

    deinit { keys.deallocate(); scratch.deallocate(); counts.deallocate() }

    /// Sorts `values` (at most `capacity`, none NaN) ascending in place.
    public func sort(_ values: UnsafeMutableBufferPointer<Double>) {
        let n = values.count
        precondition(n <= keys.count, "DoubleSorter: \(n) values, capacity \(keys.count)")
        for i in 0..<n { keys[i] = radixKey(values[i]) }
        sortRadixKeys(UnsafeMutableBufferPointer(rebasing: keys[0..<n]), scratch: UnsafeMutableBufferPointer(rebasing: scratch[0..<n]),
                      counts: counts, lowDigit: false)
        for i in 0..<n { values[i] = radixValue(keys[i]) }
    }
}

/// Adds `key`'s digits to the histogram of every pass (`c`: passes × 2048).
@inline(__always) func radixDigitHistogram<Count: FixedWidthInteger>(_ key: UInt64, _ c: UnsafeMutableBufferPointer<Count>) {
    var key = key
    for p in 0..<radixDigitPasses {
        c[p &* radixDigitRadix &+ Int(key & UInt64(radixDigitRadix - 1))] &+= 1
        key >>= UInt64(radixDigitBits)
    }
}

/// The order-preserving map of a (non-NaN) Double to `UInt64` used by the radix sorts.
@inline(__always) func radixKey(_ value: Double) -> UInt64 {
    let b = value.bitPattern, sign: UInt64 = 1 << 63
    return b & sign != 0 ? ~b : b | sign
}

/// The inverse of `radixKey`.
@inline(__always) func radixValue(_ key: UInt64) -> Double {
    let sign: UInt64 = 1 << 63
    return Double(bitPattern: key & sign != 0 ? key & ~sign : ~key)
}

/// The 11-bit LSD passes on keys already mapped to `UInt64`, in place between `keys`
/// and `scratch` (same length), with the digit histogram of all passes given (`counts`:
/// passes × 2048, turned into offsets here). Passes on which every key has the same
/// digit are skipped. Returns the buffer that holds the sorted keys (`keys` or `scratch`).
/// With `passes` (bit p set: pass p runs) only those passes run (their histograms are
/// the ones read): the keys ordered by those digits alone (`radixSortTopKeyRange`).
/// Used by `SurvivalCounts.init(time:event:)` and `TwoGroupWorkspace.sortKeys(count:)`.
/// - Complexity: O(n) time, no allocation.
func radixSortKeyRange(_ keys: UnsafeMutableBufferPointer<UInt64>, scratch: UnsafeMutableBufferPointer<UInt64>,
                       counts: UnsafeMutableBufferPointer<UInt32>, passes: UInt8 = radixAllPasses) -> UnsafeMutableBufferPointer<UInt64> {
    let n = keys.count
    precondition(scratch.count == n && counts.count == radixDigitRadix * radixDigitPasses)
    guard n > 1 else { return keys }
    let radix = radixDigitRadix, mask = UInt64(radix - 1)
    var src = keys, dst = scratch
    for p in 0..<radixDigitPasses where passes & (1 << p) != 0 {
        let shift = UInt64(p * radixDigitBits)
        let base = p * radix
        var running: UInt32 = 0
        var trivial = false
        for d in 0..<radix {
            let cnt = counts[base + d]
            if Int(cnt) == n { trivial = true; break }
            counts[base + d] = running
            running &+= cnt
        }
        if trivial { continue }
        for i in 0..<n {
            let key = src[i]
            let d = base + Int((key >> shift) & mask)
            let at = counts[d]
            dst[Int(at)] = key
            counts[d] = at &+ 1
        }
        swap(&src, &dst)
    }
    return src
}
