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
static inline __attribute__((always_inline)) void d2d(uint64_t ieee_mantissa, uint32_t ieee_exponent, uint64_t *digits, int32_t *exponent) {
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

static const char DIGIT_PAIRS[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/// Decimal digits of v (1 ≤ v < 10^17, as d2d's output is), without a branch.
static inline int decimal_length17(uint64_t v) {
    static const uint64_t P10[18] = {1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
        100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull, 10000000000000ull,
        100000000000000ull, 1000000000000000ull, 10000000000000000ull, 100000000000000000ull};
    // ⌊log10 v⌋ is ⌊log10 2 · bits⌋ or one less (1233/4096 < log10 2).
    const int bits = 64 - __builtin_clzll(v | 1);
    const int t = (bits * 1233) >> 12;
    return t + 1 - (v < P10[t]);
}

/// The 8 decimal digits of x < 10^8 as ASCII bytes, most significant first in memory
/// (little-endian): the two 4-digit halves, then each half's 2-digit halves, then each
/// digit, split in parallel lanes of one 64-bit word (the lanes never carry into each other:
/// 9999 · 10486 < 2^32, 99 · 103 < 2^16).
static inline uint64_t ascii8(uint32_t x) {
    const uint64_t halves = (uint64_t)(x / 10000u) | ((uint64_t)(x % 10000u) << 32);
    const uint64_t hundreds = ((halves * 10486u) >> 20) & 0x0000007F0000007Full;
    const uint64_t quarters = hundreds | ((halves - hundreds * 100u) << 16);
    const uint64_t tens = ((quarters * 103u) >> 10) & 0x000F000F000F000Full;
    return (tens | ((quarters - tens * 10u) << 8)) + 0x3030303030303030ull;
}

/// The 17 decimal digits of v < 10^17 (leading zeros included) in d[7..24), zeros in
/// d[24..48): d[24 - n..24) are v's n digits, and any 24 bytes from there can be copied.
static inline void digits24(uint64_t v, uint8_t d[48]) {
    const uint64_t hi = v / 10000000000000000ull, r = v - hi * 10000000000000000ull;
    const uint32_t mid = (uint32_t)(r / 100000000u), lo = (uint32_t)(r - (uint64_t)mid * 100000000u);
    const uint64_t top = 0x3030303030303030ull + (hi << 56), a = ascii8(mid), b = ascii8(lo);
    memcpy(d, &top, 8); memcpy(d + 8, &a, 8); memcpy(d + 16, &b, 8);
    memset(d + 24, 0, 24);
}

static inline __attribute__((always_inline)) size_t shortest(double x, uint8_t *out) {
    if (!(x - x == 0) || x == __builtin_trunc(x)) return 0;   // ±∞, NaN, integral: the caller's forms
    uint64_t bits;
    memcpy(&bits, &x, 8);
    uint64_t digits;
    int32_t exponent;
    d2d(bits & ((1ull << 52) - 1), (uint32_t)((bits >> 52) & 0x7ff), &digits, &exponent);
    const int n = decimal_length17(digits);
    // x = 0.d1…dn × 10^point. The digits are made once, as 24 bytes, and copied in pieces of
    // fixed size (24 bytes): what a copy writes past the text (at most 42 bytes from `out`)
    // is written over by what follows (shortest.h: `out` has room for 48).
    const int point = n + exponent;
    if (point >= n) return 0;   // not reached: a non-integral x has no integral shortest digits
    uint8_t d[48];
    digits24(digits, d);
    const uint8_t *first = d + 24 - n;
    uint8_t *w = out;
    if (x < 0) *w++ = '-';
    if (point > 0) {
        // "12.5": the integer digits, the point, the rest.
        memcpy(w, first, 24);
        w[point] = '.';
        memcpy(w + point + 1, first + point, 24);
        w += n + 1;
    } else if (point >= -3) {
        // "0.0123": the prefix, then the digits.
        memcpy(w, "0.000000", 8);
        w += 2 - point;
        memcpy(w, first, 24);
        w += n;
    } else {
        // Swift's exponential form below 10^-4: "1e-05", "2.5e-09", "4.9406564584124654e-324".
        w[0] = first[0];
        if (n > 1) { w[1] = '.'; memcpy(w + 2, first + 1, 24); w += n + 1; } else { w += 1; }
        *w++ = 'e'; *w++ = '-';
        const int e = 1 - point;   // > 4
        if (e >= 100) { *w++ = (uint8_t)('0' + e / 100); memcpy(w, DIGIT_PAIRS + 2 * (e % 100), 2); }
        else memcpy(w, DIGIT_PAIRS + 2 * e, 2);
        w += 2;
    }
    return (size_t)(w - out);
}

size_t nensim_shortest(double x, uint8_t *out) { return shortest(x, out); }

/// A field of km.csv as `CSV.append(_:to:integralBelow: 1e15)` writes it, or 0 when the
/// caller's formatter is needed (integral with |x| ≥ 1e15).
static inline __attribute__((always_inline)) size_t km_field(double x, uint8_t *out) {
    if (x != x) { out[0] = 'N'; out[1] = 'A'; return 2; }
    if (x - x != 0) {
        if (x < 0) { memcpy(out, "-Inf", 4); return 4; }
        memcpy(out, "Inf", 3); return 3;
    }
    if (x == __builtin_trunc(x)) {
        if (x >= 0 && x < 10) { out[0] = (uint8_t)('0' + (int)x); return 1; }   // most event and censor counts
        if (!(x < 1e15 && x > -1e15)) return 0;
        int64_t v = (int64_t)x;
        uint8_t *w = out;
        if (v < 0) { *w++ = '-'; v = -v; }
        if (v == 0) { *w++ = '0'; return (size_t)(w - out); }
        const int n = decimal_length17((uint64_t)v);
        uint8_t d[48];
        digits24((uint64_t)v, d);
        memcpy(w, d + 24 - n, 24);
        return (size_t)(w - out) + (size_t)n;
    }
    return shortest(x, out);
}

// Cloned for the machine's instruction set (as coxlevels.c's loops): with the conversions
// inlined into it, x86-64-v4's rounding, 128-bit multiplies and bit counts are single
// instructions (not libm's trunc), the same bytes on every clone.
__attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
size_t nensim_km_rows(const uint8_t *label, size_t label_length, const double *const columns[8],
                      const int64_t *rows, size_t lo, size_t hi, uint8_t *out, size_t *written) {
    uint8_t *w = out;
    size_t r = lo;
    for (; r < hi; r++) {
        const size_t i = rows ? (size_t)rows[r] : r;
        uint8_t *row = w;
        memcpy(w, label, label_length); w += label_length;
        int ok = 1;
        for (int c = 0; c < 8; c++) {
            *w++ = ',';
            const size_t k = km_field(columns[c][i], w);
            if (k == 0) { ok = 0; break; }
            w += k;
        }
        if (!ok) { w = row; break; }
        *w++ = '\n';
    }
    *written = (size_t)(w - out);
    return r;
}
