/// A deterministic random stream for one block of simulated patients: a pure function
/// of `(seed, arm, replicate, block)` and of the order of draws, whatever thread runs it.
///
/// ## Derivation (also in `docs/RANDOM.md`)
///
/// The generator is Philox4x32-10 (`Philox4x32_10`), keyed and counted as follows.
///
/// - **Key** (64 bits). With `mix` the SplitMix64 finaliser (Stafford's "Mix13", a
///   bijection of `UInt64`):
///
///       s   = mix(seed &+ 0x9E3779B97F4A7C15)
///       k   = mix(s ^ (UInt64(arm) << 32 | UInt64(replicate)))
///       key = (low 32 bits of k, high 32 bits of k)
///
/// - **Counter** (128 bits): `(i low 32, i high 32, block low 32, block high 32)`,
///   where `i` = 0, 1, 2, … counts the Philox calls made by this stream.
///
/// - **Output**: call `i` gives four words `(r0, r1, r2, r3)`; `next()` returns
///   `UInt64(r0) | UInt64(r1) << 32` and then `UInt64(r2) | UInt64(r3) << 32`.
///
/// ## Why streams do not overlap
///
/// Two draws can only coincide if they use the same Philox key *and* counter.
/// - Within one seed, `(arm, replicate) ↦ k` is injective: XOR with the fixed `s` and
///   `mix` are both bijections of `UInt64`, and `arm << 32 | replicate` packs the pair
///   without loss. So distinct `(arm, replicate)` give distinct keys, always.
/// - Under one key, the counter packs `(i, block)` without loss into 128 bits, so
///   distinct blocks, and distinct draws of one block, use distinct counters. A stream
///   would need 2⁶⁴ Philox calls (2⁶⁵ `UInt64`s) to wrap `i`, which no run approaches.
/// - Different seeds are different experiments; their keys coincide (for some arm and
///   replicate) only by a 64-bit collision of `mix`, probability 2⁻⁶⁴ per pair of
///   (seed, arm, replicate) triples.
///
/// ## State
///
/// The struct is 42 bytes of plain values (stride 48) (no references, no allocation). Besides the
/// key and counter it holds the second half of the last Philox output and the second
/// normal of the last Box–Muller pair; both are functions of the tuple and the draws so
/// far, so the stream stays a pure function of the tuple and the order of calls.
/// Copying a stream forks it: both copies continue with the same values.
public struct RandomStream: RandomNumberGenerator, Sendable {
    @usableFromInline let key0: UInt32
    @usableFromInline let key1: UInt32
    @usableFromInline let block0: UInt32
    @usableFromInline let block1: UInt32
    /// Index of the next Philox call.
    @usableFromInline var call: UInt64 = 0
    /// Second 64-bit word of the last Philox call, when `hasSpare`.
    @usableFromInline var spare: UInt64 = 0
    /// Second normal of the last Box–Muller pair, when `hasNormal`.
    @usableFromInline var cachedNormal: Double = 0
    @usableFromInline var hasSpare = false
    @usableFromInline var hasNormal = false

    /// The stream for block `block` of arm `arm` in replicate `replicate` of the run
    /// seeded with `seed`.
    @inlinable
    public init(seed: UInt64, arm: UInt32, replicate: UInt32, block: UInt64) {
        let key = RandomStream.key(seed: seed, arm: arm, replicate: replicate)
        key0 = key.0
        key1 = key.1
        block0 = UInt32(truncatingIfNeeded: block)
        block1 = UInt32(truncatingIfNeeded: block >> 32)
    }

    /// The Philox key of the streams of `(seed, arm, replicate)` (see the type's
    /// documentation). Injective in `(arm, replicate)` for a fixed seed.
    @inlinable
    public static func key(seed: UInt64, arm: UInt32, replicate: UInt32) -> (UInt32, UInt32) {
        let s = mix64(seed &+ 0x9E37_79B9_7F4A_7C15)
        let k = mix64(s ^ (UInt64(arm) << 32 | UInt64(replicate)))
        return (UInt32(truncatingIfNeeded: k), UInt32(truncatingIfNeeded: k >> 32))
    }

    /// The SplitMix64 finaliser (Steele, Lea & Flood 2014; constants of Stafford's
    /// Mix13). A bijection of `UInt64`: each xor-shift and each odd multiply inverts.
    @inlinable @inline(__always)
    public static func mix64(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The number of Philox calls made so far (each gives two `UInt64`s).
    @inlinable public var philoxCalls: UInt64 { call }

    /// Four output words of the next Philox call.
    @inlinable @inline(__always)
    mutating func nextBlock() -> (UInt32, UInt32, UInt32, UInt32) {
        let r = Philox4x32_10.block(
            counter: (UInt32(truncatingIfNeeded: call), UInt32(truncatingIfNeeded: call >> 32),
                      block0, block1),
            key: (key0, key1))
        call &+= 1
        return r
    }

    /// The four 32-bit words of the next Philox call, for hot loops that draw several
    /// variates per item. A spare 64-bit half left by `next()` is dropped first, so the
    /// stream stays a pure function of the tuple and the order of calls.
    @inlinable @inline(__always)
    public mutating func nextWords() -> (UInt32, UInt32, UInt32, UInt32) {
        hasSpare = false
        return nextBlock()
    }

    /// Maps 32 random bits to the open interval (0, 1): `(w + 0.5) / 2³²`, between
    /// 2⁻³³ and 1 − 2⁻³³ (exact in a Double). Coarser than `uniform(_:)`, for hot loops.
    @inlinable @inline(__always)
    public static func uniform32(_ w: UInt32) -> Double {
        (Double(w) + 0.5) * 0x1p-32
    }

    /// The next 64 uniformly distributed bits.
    @inlinable
    public mutating func next() -> UInt64 {
        if hasSpare {
            hasSpare = false
            return spare
        }
        let r = nextBlock()
        spare = UInt64(r.2) | UInt64(r.3) << 32
        hasSpare = true
        return UInt64(r.0) | UInt64(r.1) << 32
    }

    // MARK: Uniforms

    /// Maps 64 random bits to the open interval (0, 1): the top 52 bits `j` give
    /// `(j + 0.5) / 2⁵²`, one of 2⁵² equally spaced midpoints, each exactly
    /// representable. The extremes are 2⁻⁵³ and 1 − 2⁻⁵³, so the result is never 0 or 1
    /// and `-log(u)`, `log(1 - u)` are always finite.
    ///
    /// Why 52 and not 53 bits: `(Double(x >> 11) + 0.5) * 0x1p-53` needs 54 significant
    /// bits when `x >> 11 ≥ 2⁵²`; the sum is rounded to even, and `x = UInt64.max` gives
    /// exactly 1.0. Equally spaced midpoints in (0, 1) can have at most 52 bits.
    @inlinable @inline(__always)
    public static func uniform(_ bits: UInt64) -> Double {
        // `bits >> 12 < 2⁵²` fits an Int64, whose conversion is one instruction.
        (Double(Int64(bitPattern: bits >> 12)) + 0.5) * 0x1p-52
    }

    /// A uniform variate on the open interval (0, 1), with 52-bit resolution (see
    /// `uniform(_:)`). Uses one `next()`.
    @inlinable
    public mutating func nextUniform() -> Double {
        RandomStream.uniform(next())
    }

    /// Fills `buffer` with uniforms on (0, 1): the same values, in the same order, and
    /// the same stream position afterwards, as `buffer.count` calls of `nextUniform()`.
    /// The fast path converts both halves of each Philox call at once.
    ///
    /// - Complexity: O(n), ⌈n/2⌉ Philox calls.
    @inlinable
    public mutating func fillUniforms(_ buffer: UnsafeMutableBufferPointer<Double>) {
        guard let base = buffer.baseAddress else { return }
        let n = buffer.count
        var i = 0
        if n > 0, hasSpare {
            base[0] = RandomStream.uniform(spare)
            hasSpare = false
            i = 1
        }
        while i + 2 <= n {
            let r = nextBlock()
            base[i] = RandomStream.uniform(UInt64(r.0) | UInt64(r.1) << 32)
            base[i + 1] = RandomStream.uniform(UInt64(r.2) | UInt64(r.3) << 32)
            i += 2
        }
        if i < n {
            base[i] = nextUniform()
        }
    }
}
