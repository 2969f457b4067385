// Shortest round-trip digits of a double by Dragonbox (Junekey Jeon, "Dragonbox: A New
// Floating-Point Binary-to-Decimal Conversion Algorithm", 2020; the nearest-to-even case
// of the reference implementation, Apache-2.0 with LLVM exceptions / Boost), for km.csv's
// numbers (docs/PERFORMANCE.md, "analyze --out"). The digits are the shortest that read
// back to x, the closest to x among them, ties to even: the same as Swift's `description`
// (held so by CSVWriterTests over edge cases, every power of two and random values).
#include "shortest.h"
#include "dragonbox_cache.h"
#include <string.h>

typedef unsigned __int128 u128;

// ⌊log10 2^e⌋, ⌊log10 (3/4 · 2^e)⌋ and ⌊log2 10^k⌋ in integer arithmetic, exact over
// every double's exponent (|e| ≤ 1100, |k| ≤ 400; checked by the table's generator).
static inline int32_t floor_log10_pow2(int32_t e) { return (int32_t)(((int64_t)e * 661971961083ll) >> 41); }
static inline int32_t floor_log10_three_quarters_pow2(int32_t e) {
    return (int32_t)(((int64_t)e * 661971961083ll - 274743187321ll) >> 41);
}
static inline int32_t floor_log2_pow10(int32_t k) { return (int32_t)(((int64_t)k * 913124641741ll) >> 38); }

/// Dragonbox's compute_mul_parity: for y = u · cache · 2^beta / 2^128, the parity of ⌊y⌋
/// and whether y is an integer (from the low 128 bits of the product u · cache).
static inline void mul_parity(uint64_t u, uint64_t ch, uint64_t cl, int32_t beta, int *parity, int *integer) {
    const uint64_t hi = u * ch + (uint64_t)(((u128)u * cl) >> 64), lo = u * cl;
    *parity = (int)((hi >> (64 - beta)) & 1);
    *integer = ((hi << beta) | (lo >> (64 - beta))) == 0;
}

/// x = digits · 10^exponent, digits the shortest that read back to x, the closest to x
/// among them, ties to even (x finite, > 0, given by its bits): Junekey Jeon's Dragonbox
/// ("Dragonbox: A New Floating-Point Binary-to-Decimal Conversion Algorithm", 2020; the
/// nearest-to-even case of the reference implementation, Apache-2.0 / Boost), on the
/// 128-bit powers of ten of dragonbox_cache.h, trailing zeros removed.
static inline __attribute__((always_inline)) void d2d(uint64_t ieee_mantissa, uint32_t ieee_exponent, uint64_t *digits, int32_t *exponent) {
    uint64_t significand;
    int32_t e10;
    if (ieee_mantissa == 0 && ieee_exponent > 1) {
        // A power of two: the interval below x is half as wide as above.
        const int32_t e = (int32_t)ieee_exponent - 1075;
        const int32_t minus_k = floor_log10_three_quarters_pow2(e);
        const int32_t beta = e + floor_log2_pow10(-minus_k);
        const uint64_t ch = DRAGONBOX_CACHE[-minus_k + 292][0];
        uint64_t xi = (ch - (ch >> 54)) >> (11 - beta);
        const uint64_t zi = (ch + (ch >> 53)) >> (11 - beta);
        if (!(e >= 2 && e <= 3)) ++xi;   // the left end is an integer only for e = 2, 3
        significand = zi / 10;
        if (significand * 10 >= xi) {
            e10 = minus_k + 1;
        } else {
            significand = ((ch >> (10 - beta)) + 1) / 2;
            e10 = minus_k;
            if ((significand & 1) && e == -77) --significand;   // the one tie: to even
            else if (significand < xi) ++significand;
        }
    } else {
        const uint64_t fc = ieee_exponent == 0 ? ieee_mantissa : ieee_mantissa | (1ull << 52);
        const int32_t e = ieee_exponent == 0 ? -1074 : (int32_t)ieee_exponent - 1075;
        const int include = (fc & 1) == 0;   // ties to even: the ends belong to an even significand
        const uint64_t two_fc = fc << 1;
        const int32_t minus_k = floor_log10_pow2(e) - 2;
        const uint64_t ch = DRAGONBOX_CACHE[-minus_k + 292][0], cl = DRAGONBOX_CACHE[-minus_k + 292][1];
        const int32_t beta = e + floor_log2_pow10(-minus_k);   // 6 … 9
        const uint32_t delta = (uint32_t)(ch >> (63 - beta));
        // z = (2fc + 1) · 2^(beta) · cache / 2^128: its integer part and whether it is one.
        const uint64_t u = (two_fc | 1) << beta;
        u128 r = (u128)u * ch;
        r += (uint64_t)(((u128)u * cl) >> 64);
        const uint64_t zi = (uint64_t)(r >> 64);
        const int z_integer = (uint64_t)r == 0;
        significand = zi / 1000;
        uint32_t rem = (uint32_t)(zi - 1000 * significand);
        int big = 1;
        if (rem < delta) {
            if ((rem | !z_integer | include) == 0) { --significand; rem = 1000; big = 0; }   // the right end excluded
        } else if (rem > delta) {
            big = 0;
        } else {
            int parity, integer;
            mul_parity(two_fc - 1, ch, cl, beta, &parity, &integer);
            if (!(parity | (integer & include))) big = 0;
        }
        if (big) {
            e10 = minus_k + 3;
        } else {
            // One digit more: the nearest to x of the ten candidates.
            significand *= 10;
            e10 = minus_k + 2;
            uint32_t dist = rem - (delta / 2) + 50;
            const int approx_parity = ((dist ^ 50) & 1) != 0;
            const int divisible = dist % 100 == 0;
            significand += dist / 100;
            if (divisible) {
                int parity, integer;
                mul_parity(two_fc, ch, cl, beta, &parity, &integer);
                if (parity != approx_parity) --significand;
                else if ((significand & 1) && integer) --significand;   // a tie: to even
            }
        }
    }
    while (significand % 10 == 0) { significand /= 10; ++e10; }
    *digits = significand;
    *exponent = e10;
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

/// `nensim_shortest` for an x already known finite and non-integral (km_field has
/// checked it).
static inline __attribute__((always_inline)) size_t shortest_fraction(double x, uint8_t *out) {
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

size_t nensim_shortest(double x, uint8_t *out) {
    if (!(x - x == 0) || x == __builtin_trunc(x)) return 0;   // ±∞, NaN, integral: the caller's forms
    return shortest_fraction(x, out);
}

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
        if (n <= 8) {
            // Most numbers at risk: one word of eight digits, the leading zeros shifted out.
            const uint64_t a = ascii8((uint32_t)v) >> (8 * (8 - n));
            memcpy(w, &a, 8);
            return (size_t)(w - out) + (size_t)n;
        }
        uint8_t d[48];
        digits24((uint64_t)v, d);
        memcpy(w, d + 24 - n, 24);
        return (size_t)(w - out) + (size_t)n;
    }
    return shortest_fraction(x, out);
}

/// Columns from ..< to of row i, each after a comma, from w; the end of what was written,
/// or NULL at a value left to the caller (km_field's 0).
static inline __attribute__((always_inline)) uint8_t *km_fields(const double *const columns[8], size_t i, int from, int to,
                                                                 uint8_t *w) {
    for (int c = from; c < to; c++) {
        *w++ = ',';
        const size_t k = km_field(columns[c][i], w);
        if (k == 0) return NULL;
        w += k;
    }
    return w;
}

// Cloned for the machine's instruction set (as coxlevels.c's loops): with the conversions
// inlined into it, x86-64-v4's rounding, 128-bit multiplies and bit counts are single
// instructions (not libm's trunc), the same bytes on every clone.
__attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
size_t nensim_km_rows(const uint8_t *label, size_t label_length, const double *const columns[8],
                      const int64_t *rows, size_t lo, size_t hi, uint8_t *out, size_t *written) {
    uint8_t *w = out;
    size_t r = lo;
    // A label of up to 32 bytes is copied as 32 (what follows writes over the rest).
    uint8_t padded[32] = {0};
    const int short_label = label_length <= sizeof padded;
    if (short_label) memcpy(padded, label, label_length);
    // The text of the row before's columns 4–7 (a curve's estimate, its standard error
    // and bounds) and their bits: a row whose four have the same bits has the same text,
    // copied from there instead of made again — the estimate does not change at a time of
    // censorings only. (From the row before, not from a copy kept aside: reading back
    // bytes just written stalls the store buffer.)
    const uint8_t *tail = NULL;
    size_t tail_length = 0;
    uint64_t tail_bits[4] = {0};
    for (; r < hi; r++) {
        const size_t i = rows ? (size_t)rows[r] : r;
        uint8_t *row = w;
        if (short_label) memcpy(w, padded, sizeof padded); else memcpy(w, label, label_length);
        w += label_length;
        w = km_fields(columns, i, 0, 4, w);
        if (!w) { w = row; break; }
        uint64_t bits[4];
        for (int c = 0; c < 4; c++) memcpy(&bits[c], &columns[4 + c][i], 8);
        const int same = tail != NULL && ((bits[0] ^ tail_bits[0]) | (bits[1] ^ tail_bits[1]) |
                                          (bits[2] ^ tail_bits[2]) | (bits[3] ^ tail_bits[3])) == 0;
        if (same) {
            // In pieces of 32 bytes. The text copied ends before this row began, so no
            // piece writes over text still to be read; what a piece reads or writes past
            // the text's end is written over by what follows (the room shortest.h asks for).
            for (size_t k = 0; k < tail_length; k += 32) memcpy(w + k, tail + k, 32);
            tail = w;
            w += tail_length;
        } else {
            uint8_t *t = w;
            w = km_fields(columns, i, 4, 8, w);
            if (!w) { w = row; break; }
            tail = t;
            tail_length = (size_t)(w - t);
            memcpy(tail_bits, bits, sizeof bits);
        }
        *w++ = '\n';
    }
    *written = (size_t)(w - out);
    return r;
}
