// Shortest round-trip digits of a double by Ryu (Ulf Adams, "Ryū: fast float-to-string
// conversion", PLDI 2018; the d2d step of the reference implementation, Apache-2.0 /
// Boost), for km.csv's numbers (docs/PERFORMANCE.md, "analyze --out"). The digits are
// the shortest that read back to x, the closest to x among them, ties to even: the same
// as Swift's `description` (held so by CSVWriterTests over edge cases and random values).
#include "shortest.h"
#include "ryu_tables.h"
#include <string.h>

typedef unsigned __int128 u128;

static inline uint32_t pow5bits(int32_t e) { return (uint32_t)(((e * 1217359) >> 19) + 1); }
static inline uint32_t log10_pow2(int32_t e) { return (uint32_t)((e * 78913) >> 18); }
static inline uint32_t log10_pow5(int32_t e) { return (uint32_t)((e * 732923) >> 20); }

static inline uint32_t pow5_factor(uint64_t v) {
    uint32_t count = 0;
    for (;;) {
        uint64_t q = v / 5;
        if (v - 5 * q != 0) break;
        v = q; ++count;
    }
    return count;
}
static inline int multiple_of_pow5(uint64_t v, uint32_t p) { return pow5_factor(v) >= p; }
static inline int multiple_of_pow2(uint64_t v, uint32_t p) { return (v & ((1ull << p) - 1)) == 0; }

/// (m · mul) >> j for the 128-bit mul and j ≥ 64.
static inline uint64_t mul_shift(uint64_t m, const uint64_t *mul, int32_t j) {
    u128 b0 = (u128)m * mul[0];
    u128 b2 = (u128)m * mul[1];
    return (uint64_t)(((b0 >> 64) + b2) >> (j - 64));
}

/// Ryu's d2d: x = digits · 10^exponent, digits the shortest.
static void d2d(uint64_t ieee_mantissa, uint32_t ieee_exponent, uint64_t *digits, int32_t *exponent) {
    int32_t e2;
    uint64_t m2;
    if (ieee_exponent == 0) {
        e2 = 1 - 1023 - 52 - 2;
        m2 = ieee_mantissa;
    } else {
        e2 = (int32_t)ieee_exponent - 1023 - 52 - 2;
        m2 = (1ull << 52) | ieee_mantissa;
    }
    const int accept_bounds = (m2 & 1) == 0;
    const uint64_t mv = 4 * m2;
    const uint32_t mm_shift = ieee_mantissa != 0 || ieee_exponent <= 1;
    uint64_t vr, vp, vm;
    int32_t e10;
    int vm_trailing_zeros = 0, vr_trailing_zeros = 0;
    if (e2 >= 0) {
        const uint32_t q = log10_pow2(e2) - (e2 > 3);
        e10 = (int32_t)q;
        const int32_t k = 125 + (int32_t)pow5bits((int32_t)q) - 1;
        const int32_t i = -e2 + (int32_t)q + k;
        vr = mul_shift(4 * m2, POW5_INV_SPLIT[q], i);
        vp = mul_shift(4 * m2 + 2, POW5_INV_SPLIT[q], i);
        vm = mul_shift(4 * m2 - 1 - mm_shift, POW5_INV_SPLIT[q], i);
        if (q <= 21) {
            if (mv % 5 == 0) {
                vr_trailing_zeros = multiple_of_pow5(mv, q);
            } else if (accept_bounds) {
                vm_trailing_zeros = multiple_of_pow5(mv - 1 - mm_shift, q);
            } else {
                vp -= multiple_of_pow5(mv + 2, q);
            }
        }
    } else {
        const uint32_t q = log10_pow5(-e2) - (-e2 > 1);
        e10 = (int32_t)q + e2;
        const int32_t i = -e2 - (int32_t)q;
        const int32_t k = (int32_t)pow5bits(i) - 125;
        const int32_t j = (int32_t)q - k;
        vr = mul_shift(4 * m2, POW5_SPLIT[i], j);
        vp = mul_shift(4 * m2 + 2, POW5_SPLIT[i], j);
        vm = mul_shift(4 * m2 - 1 - mm_shift, POW5_SPLIT[i], j);
        if (q <= 1) {
            vr_trailing_zeros = 1;
            if (accept_bounds) vm_trailing_zeros = mm_shift == 1;
            else --vp;
        } else if (q < 63) {
            vr_trailing_zeros = multiple_of_pow2(mv, q);
        }
    }
    int32_t removed = 0;
    uint8_t last_removed = 0;
    uint64_t output;
    if (vm_trailing_zeros || vr_trailing_zeros) {
        for (;;) {
            const uint64_t vp10 = vp / 10, vm10 = vm / 10;
            if (vp10 <= vm10) break;
            const uint32_t vm_mod = (uint32_t)(vm - 10 * vm10);
            const uint64_t vr10 = vr / 10;
            const uint32_t vr_mod = (uint32_t)(vr - 10 * vr10);
            vm_trailing_zeros &= vm_mod == 0;
            vr_trailing_zeros &= last_removed == 0;
            last_removed = (uint8_t)vr_mod;
            vr = vr10; vp = vp10; vm = vm10;
            ++removed;
        }
        if (vm_trailing_zeros) {
            for (;;) {
                const uint64_t vm10 = vm / 10;
                const uint32_t vm_mod = (uint32_t)(vm - 10 * vm10);
                if (vm_mod != 0) break;
                const uint64_t vp10 = vp / 10, vr10 = vr / 10;
                const uint32_t vr_mod = (uint32_t)(vr - 10 * vr10);
                vr_trailing_zeros &= last_removed == 0;
                last_removed = (uint8_t)vr_mod;
                vr = vr10; vp = vp10; vm = vm10;
                ++removed;
            }
        }
        if (vr_trailing_zeros && last_removed == 5 && vr % 2 == 0) last_removed = 4;   // ties to even
        output = vr + ((vr == vm && (!accept_bounds || !vm_trailing_zeros)) || last_removed >= 5);
    } else {
        int round_up = 0;
        const uint64_t vp100 = vp / 100, vm100 = vm / 100;
        if (vp100 > vm100) {
            const uint64_t vr100 = vr / 100;
            const uint32_t vr_mod = (uint32_t)(vr - 100 * vr100);
            round_up = vr_mod >= 50;
            vr = vr100; vp = vp100; vm = vm100;
            removed += 2;
        }
        for (;;) {
            const uint64_t vp10 = vp / 10, vm10 = vm / 10;
            if (vp10 <= vm10) break;
            const uint64_t vr10 = vr / 10;
            const uint32_t vr_mod = (uint32_t)(vr - 10 * vr10);
            round_up = vr_mod >= 5;
            vr = vr10; vp = vp10; vm = vm10;
            ++removed;
        }
        output = vr + (vr == vm || round_up);
    }
    *digits = output;
    *exponent = e10 + removed;
}

size_t nensim_shortest_plain(double x, uint8_t *out) {
    double a = x < 0 ? -x : x;
    if (!(a >= 1e-3 && a < 1e15) || x == (double)(int64_t)x) return 0;
    uint64_t bits;
    memcpy(&bits, &x, 8);
    uint64_t digits;
    int32_t exponent;
    d2d(bits & ((1ull << 52) - 1), (uint32_t)((bits >> 52) & 0x7ff), &digits, &exponent);
    char d[24];
    int n = 0;
    while (digits > 0) { d[n++] = (char)('0' + digits % 10); digits /= 10; }   // reversed
    // x = 0.d1…dn × 10^(n + exponent): `point` digits before the decimal point.
    const int point = n + exponent;
    size_t w = 0;
    if (x < 0) out[w++] = '-';
    if (point <= 0) {
        out[w++] = '0'; out[w++] = '.';
        for (int z = 0; z < -point; z++) out[w++] = '0';
        for (int k = n - 1; k >= 0; k--) out[w++] = (uint8_t)d[k];
    } else if (point < n) {
        for (int k = n - 1; k >= n - point; k--) out[w++] = (uint8_t)d[k];
        out[w++] = '.';
        for (int k = n - point - 1; k >= 0; k--) out[w++] = (uint8_t)d[k];
    } else {
        return 0;   // integral after rounding to the shortest digits: the caller's form
    }
    return w;
}
