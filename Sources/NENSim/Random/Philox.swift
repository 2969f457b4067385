/// Philox4x32-10, the counter-based pseudo-random function of Salmon, Moraes, Dror and
/// Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC'11 (doi:10.1145/2063384.2063405),
/// as implemented in D. E. Shaw Research's Random123 library.
///
/// `block(counter:key:)` maps a 128-bit counter and a 64-bit key to 128 bits of output.
/// It has no state: the same counter and key always give the same output, and for a
/// fixed key it is a bijection of the counter (each round is invertible), so distinct
/// counters under one key never repeat an output block. Philox4x32-10 passes the whole
/// of TestU01's BigCrush (Salmon et al., table 2).
///
/// One round, with multipliers M0 = 0xD2511F53 and M1 = 0xCD9E8D57 and
/// `mulhilo(a, b)` the high and low 32-bit halves of the 64-bit product:
///
///     (hi0, lo0) = mulhilo(M0, c0);  (hi1, lo1) = mulhilo(M1, c2)
///     (c0, c1, c2, c3) ← (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0)
///
/// Between rounds the key is bumped by the Weyl constants W0 = 0x9E3779B9 and
/// W1 = 0xBB67AE85 (the key is used as given in round 1, bumped 9 times in all).
///
/// Checked against Random123's known-answer vectors (`tests/kat_vectors`, rows
/// `philox4x32 10`) in `RandomStreamTests`.
///
/// - Complexity: O(1): 20 32×32→64-bit multiplies per 128 output bits.
public struct Philox4x32_10: Sendable {
    /// The round multipliers.
    public static let multipliers: (UInt32, UInt32) = (0xD251_1F53, 0xCD9E_8D57)
    /// The Weyl key increments (golden ratio and √3 − 1, in 32-bit fixed point).
    public static let weylConstants: (UInt32, UInt32) = (0x9E37_79B9, 0xBB67_AE85)
    /// Number of rounds.
    public static let rounds = 10

    /// The four 32-bit output words for `counter` under `key` (words in Random123's
    /// order: `counter.0` is `ctr.v[0]`, `key.0` is `key.v[0]`).
    @inlinable @inline(__always)
    public static func block(
        counter: (UInt32, UInt32, UInt32, UInt32),
        key: (UInt32, UInt32)
    ) -> (UInt32, UInt32, UInt32, UInt32) {
        var c = counter
        var k0 = key.0, k1 = key.1
        // Round 1 uses the key as given; rounds 2…10 each bump it first.
        c = round(c, k0, k1)
        for _ in 1..<10 {
            k0 &+= 0x9E37_79B9
            k1 &+= 0xBB67_AE85
            c = round(c, k0, k1)
        }
        return c
    }

    /// One Philox S-box/P-box round.
    @inlinable @inline(__always)
    static func round(
        _ c: (UInt32, UInt32, UInt32, UInt32), _ k0: UInt32, _ k1: UInt32
    ) -> (UInt32, UInt32, UInt32, UInt32) {
        let p0 = UInt64(0xD251_1F53) &* UInt64(c.0)
        let p1 = UInt64(0xCD9E_8D57) &* UInt64(c.2)
        let hi0 = UInt32(truncatingIfNeeded: p0 >> 32), lo0 = UInt32(truncatingIfNeeded: p0)
        let hi1 = UInt32(truncatingIfNeeded: p1 >> 32), lo1 = UInt32(truncatingIfNeeded: p1)
        return (hi1 ^ c.1 ^ k0, lo1, hi0 ^ c.3 ^ k1, lo0)
    }
}
