// See include/ckernels.h. fdlibm's log and exp (Sun Microsystems, 1993; as in musl),
// rewritten branch-free for arguments in the ranges the engine uses, so that loops over
// arrays vectorise. Contraction is off: a*b+c is never fused, so every machine rounds
// the same way.
#include "ckernels.h"
#include <stdbool.h>
#include <string.h>
#include <math.h>
#include <immintrin.h>

#pragma clang fp contract(off)

static inline uint64_t bits_of(double x) { uint64_t u; memcpy(&u, &x, 8); return u; }
static inline double from_bits(uint64_t u) { double x; memcpy(&x, &u, 8); return x; }

static const double
    ln2_hi = 6.93147180369123816490e-01, /* 3fe62e42 fee00000 */
    ln2_lo = 1.90821492927058770002e-10, /* 3dea39ef 35793c76 */
    Lg1 = 6.666666666666735130e-01,      /* 3FE55555 55555593 */
    Lg2 = 3.999999999940941908e-01,      /* 3FD99999 9997FA04 */
    Lg3 = 2.857142874366239149e-01,      /* 3FD24924 94229359 */
    Lg4 = 2.222219843214978396e-01,      /* 3FCC71C5 1D8E78AF */
    Lg5 = 1.818357216161805012e-01,      /* 3FC74664 96CB03DE */
    Lg6 = 1.531383769920937332e-01,      /* 3FC39A09 D078C69F */
    Lg7 = 1.479819860511658591e-01;      /* 3FC2F112 DF3E5244 */

/// log(x) for positive normal x, plus `bias` added to the binary exponent k
/// (log(x) + bias*ln2 computed with the exact split of ln2).
static inline double log_biased(double x, int32_t bias) {
    uint64_t ix = bits_of(x);
    uint32_t hx = (uint32_t)(ix >> 32);
    // Reduce x into [sqrt(2)/2, sqrt(2)): x = 2^k (1 + f).
    hx += 0x3ff00000 - 0x3fe6a09e;
    int32_t k = (int32_t)(hx >> 20) - 0x3ff + bias;
    hx = (hx & 0x000fffff) + 0x3fe6a09e;
    double m = from_bits(((uint64_t)hx << 32) | (ix & 0xffffffffu));
    double f = m - 1.0;
    double hfsq = 0.5 * f * f;
    double s = f / (2.0 + f);
    double z = s * s;
    double w = z * z;
    double t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
    double t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
    double R = t2 + t1;
    double dk = (double)k;
    return s * (hfsq + R) + dk * ln2_lo - hfsq + f + dk * ln2_hi;
}

static const double
    invln2 = 1.44269504088896338700e+00,
    P1 = 1.66666666666666019037e-01,
    P2 = -2.77777777770155933842e-03,
    P3 = 6.61375632143793436117e-05,
    P4 = -1.65339022054652515390e-06,
    P5 = 4.13813679705723846039e-08,
    round_magic = 6755399441055744.0; /* 1.5 * 2^52 */

/// exp(x) for |x| ≤ 700 (the caller clamps): k = nearest(x / ln2) by the 1.5·2^52
/// trick, r = x − k ln2 in two parts, fdlibm's rational approximation on r, then
/// 2^k by adding k to the exponent bits.
static inline double exp_bounded(double x) {
    double kd = (x * invln2 + round_magic) - round_magic;
    double hi = x - kd * ln2_hi;
    double lo = kd * ln2_lo;
    double r = hi - lo;
    double rr = r * r;
    double c = r - rr * (P1 + rr * (P2 + rr * (P3 + rr * (P4 + rr * P5))));
    double y = 1.0 + (r * c / (2.0 - c) - lo + hi);
    int64_t k = (int64_t)kd;
    return from_bits(bits_of(y) + ((uint64_t)k << 52));
}

double nensim_log(double x) { return log_biased(x, 0); }

double nensim_neglog_word(uint32_t w) { return -log_biased((double)w + 0.5, -32); }

double nensim_scaled_pow1(double x, double power, double scale) {
    double t = power * log_biased(x, 0);
    t = t < -700.0 ? -700.0 : (t > 700.0 ? 700.0 : t);
    return scale * exp_bounded(t);
}
double nensim_exp(double x) { return exp_bounded(x < -700.0 ? -700.0 : (x > 700.0 ? 700.0 : x)); }

#define CLONES __attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))

static inline void philox_round10(uint32_t key0, uint32_t key1, uint64_t call, uint32_t block0, uint32_t block1,
                                  uint32_t *o0, uint32_t *o1, uint32_t *o2, uint32_t *o3) {
    uint32_t c0 = (uint32_t)call, c1 = (uint32_t)(call >> 32), c2 = block0, c3 = block1;
    uint32_t k0 = key0, k1 = key1;
    for (int r = 0; r < 10; r++) {
        if (r > 0) { k0 += 0x9E3779B9u; k1 += 0xBB67AE85u; }
        uint64_t p0 = (uint64_t)0xD2511F53u * c0;
        uint64_t p1 = (uint64_t)0xCD9E8D57u * c2;
        uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
        uint32_t n1 = (uint32_t)p1;
        uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
        uint32_t n3 = (uint32_t)p0;
        c0 = n0; c1 = n1; c2 = n2; c3 = n3;
    }
    *o0 = c0; *o1 = c1; *o2 = c2; *o3 = c3;
}

// Eight consecutive Philox calls at once, in clang's vector types (plain C, no
// intrinsics): the 32×32 → 64-bit products of even and odd lanes as two 64-bit lane
// multiplies (pmuludq in every clone), their halves put back in lane order by shuffles.
// The same integer operations as philox_round10, so the same words.
typedef uint32_t u32x8 __attribute__((vector_size(32)));
typedef uint64_t u64x4 __attribute__((vector_size(32)));
typedef uint64_t u64x8 __attribute__((vector_size(64)));

static inline void mul_hilo8(const u32x8 *x, uint32_t m, u32x8 *hi, u32x8 *lo) {
    const u64x4 mm = (u64x4){m, m, m, m};
    u64x4 even = ((u64x4)*x & 0xffffffffu) * mm;
    u64x4 odd = ((u64x4)*x >> 32) * mm;
    *lo = __builtin_shufflevector((u32x8)even, (u32x8)odd, 0, 8, 2, 10, 4, 12, 6, 14);
    *hi = __builtin_shufflevector((u32x8)even, (u32x8)odd, 1, 9, 3, 11, 5, 13, 7, 15);
}

// Eight Philox calls whose counters' low and high words are the lanes of c0 and c1.
// (Vectors by pointer: the default clone has no AVX to pass them in.)
static inline __attribute__((always_inline))
void philox8_counters(uint32_t key0, uint32_t key1, const u32x8 *lo_words, const u32x8 *hi_words, uint32_t block0, uint32_t block1,
                      u32x8 *o0, u32x8 *o1, u32x8 *o2, u32x8 *o3) {
    u32x8 c0 = *lo_words, c1 = *hi_words;
    u32x8 c2 = (u32x8){block0, block0, block0, block0, block0, block0, block0, block0};
    u32x8 c3 = (u32x8){block1, block1, block1, block1, block1, block1, block1, block1};
    uint32_t k0 = key0, k1 = key1;
    for (int r = 0; r < 10; r++) {
        if (r > 0) { k0 += 0x9E3779B9u; k1 += 0xBB67AE85u; }
        u32x8 h0, l0, h1, l1;
        mul_hilo8(&c0, 0xD2511F53u, &h0, &l0);
        mul_hilo8(&c2, 0xCD9E8D57u, &h1, &l1);
        u32x8 n0 = h1 ^ c1 ^ k0;
        u32x8 n2 = h0 ^ c3 ^ k1;
        c0 = n0; c1 = l1; c2 = n2; c3 = l0;
    }
    *o0 = c0; *o1 = c1; *o2 = c2; *o3 = c3;
}

static inline void philox8_round10(uint32_t key0, uint32_t key1, uint64_t call, uint32_t block0, uint32_t block1,
                                   u32x8 *o0, u32x8 *o1, u32x8 *o2, u32x8 *o3) {
    const u32x8 lane = {0, 1, 2, 3, 4, 5, 6, 7};
    const uint32_t lo = (uint32_t)call, hi = (uint32_t)(call >> 32);
    u32x8 c0 = lane + lo;
    // hi32(call + l): + 1 where lo32 wrapped (the comparison is −1 where true).
    u32x8 c1 = (u32x8){hi, hi, hi, hi, hi, hi, hi, hi} - (u32x8)(c0 < lo);
    philox8_counters(key0, key1, &c0, &c1, block0, block1, o0, o1, o2, o3);
}

CLONES
void nensim_philox4x32_10_interleaved(uint32_t key0, uint32_t key1, uint64_t first, uint32_t block0, uint32_t block1,
                                      size_t n, uint32_t *restrict out) {
    size_t j = 0;
    for (; j + 8 <= n; j += 8) {
        u32x8 o0, o1, o2, o3;
        philox8_round10(key0, key1, first + (uint64_t)j, block0, block1, &o0, &o1, &o2, &o3);
        // Calls j … j + 7 as 32 words, call by call: (o0, o1, o2, o3) of each lane.
        u32x8 a = __builtin_shufflevector(o0, o2, 0, 8, 1, 9, 2, 10, 3, 11);
        u32x8 b = __builtin_shufflevector(o1, o3, 0, 8, 1, 9, 2, 10, 3, 11);
        u32x8 c = __builtin_shufflevector(o0, o2, 4, 12, 5, 13, 6, 14, 7, 15);
        u32x8 d = __builtin_shufflevector(o1, o3, 4, 12, 5, 13, 6, 14, 7, 15);
        u32x8 q0 = __builtin_shufflevector(a, b, 0, 8, 1, 9, 2, 10, 3, 11);
        u32x8 q1 = __builtin_shufflevector(a, b, 4, 12, 5, 13, 6, 14, 7, 15);
        u32x8 q2 = __builtin_shufflevector(c, d, 0, 8, 1, 9, 2, 10, 3, 11);
        u32x8 q3 = __builtin_shufflevector(c, d, 4, 12, 5, 13, 6, 14, 7, 15);
        memcpy(out + 4 * j, &q0, 32); memcpy(out + 4 * j + 8, &q1, 32);
        memcpy(out + 4 * j + 16, &q2, 32); memcpy(out + 4 * j + 24, &q3, 32);
    }
    for (; j < n; j++) {
        philox_round10(key0, key1, first + (uint64_t)j, block0, block1, &out[4 * j], &out[4 * j + 1], &out[4 * j + 2], &out[4 * j + 3]);
    }
}

CLONES
void nensim_philox4x32_10(uint32_t key0, uint32_t key1, uint64_t first, uint32_t block0, uint32_t block1,
                          size_t n, uint32_t *restrict out0, uint32_t *restrict out1,
                          uint32_t *restrict out2, uint32_t *restrict out3) {
    size_t j = 0;
    for (; j + 8 <= n; j += 8) {
        u32x8 o0, o1, o2, o3;
        philox8_round10(key0, key1, first + (uint64_t)j, block0, block1, &o0, &o1, &o2, &o3);
        memcpy(out0 + j, &o0, 32); memcpy(out1 + j, &o1, 32); memcpy(out2 + j, &o2, 32); memcpy(out3 + j, &o3, 32);
    }
    for (; j < n; j++) {
        philox_round10(key0, key1, first + (uint64_t)j, block0, block1, &out0[j], &out1[j], &out2[j], &out3[j]);
    }
}

CLONES
void nensim_philox4x32_10_strided(uint32_t key0, uint32_t key1, uint64_t base, uint64_t share, const int32_t *restrict index,
                                  uint32_t block0, uint32_t block1, size_t n, uint32_t *restrict out0, uint32_t *restrict out1,
                                  uint32_t *restrict out2, uint32_t *restrict out3) {
    const u64x8 b = {base, base, base, base, base, base, base, base}, s = {share, share, share, share, share, share, share, share};
    size_t j = 0;
    for (; j + 8 <= n; j += 8) {
        u32x8 i;
        memcpy(&i, index + j, 32);
        const u64x8 c = b + __builtin_convertvector(i, u64x8) * s;
        u32x8 c0 = __builtin_convertvector(c, u32x8), c1 = __builtin_convertvector(c >> 32, u32x8), o0, o1, o2, o3;
        philox8_counters(key0, key1, &c0, &c1, block0, block1, &o0, &o1, &o2, &o3);
        memcpy(out0 + j, &o0, 32); memcpy(out1 + j, &o1, 32); memcpy(out2 + j, &o2, 32); memcpy(out3 + j, &o3, 32);
    }
    for (; j < n; j++) {
        philox_round10(key0, key1, base + (uint64_t)(uint32_t)index[j] * share, block0, block1, &out0[j], &out1[j], &out2[j], &out3[j]);
    }
}

// The pathway's compaction, one slot at a time (every machine without AVX-512, and the tail).
static size_t pathway_compact_scalar(size_t from, size_t next, size_t m, double gap, int32_t line, int32_t *restrict idx,
                                     double *restrict cen, double *restrict start, const double *restrict progression,
                                     const double *restrict pps, double *restrict death, int32_t *restrict reached) {
    for (size_t j = from; j < m; j++) {
        const int32_t i = idx[j];
        const double p = progression[j], x = pps[j];
        death[i] = p + x;
        reached[i] = line;
        idx[next] = i; cen[next] = cen[j]; start[next] = p + gap;
        next += !(x < gap);
    }
    return next;
}

// Eight slots at a time: deaths and lines scattered, the kept slots compressed in registers
// and stored whole (the lanes past them are written over by the next store, or lie in
// slots already read). The same operations as the scalar loop, so the same bits.
__attribute__((target("avx512f,avx512vl")))
static size_t pathway_compact_avx512(size_t m, double gap, int32_t line, int32_t *restrict idx, double *restrict cen,
                                     double *restrict start, const double *restrict progression, const double *restrict pps,
                                     double *restrict death, int32_t *restrict reached) {
    const __m512d g = _mm512_set1_pd(gap);
    const __m256i l = _mm256_set1_epi32(line);
    size_t next = 0, j = 0;
    for (; j + 8 <= m; j += 8) {
        const __m256i i = _mm256_loadu_si256((const __m256i *)(idx + j));
        const __m512d p = _mm512_loadu_pd(progression + j), x = _mm512_loadu_pd(pps + j), c = _mm512_loadu_pd(cen + j);
        _mm512_i32scatter_pd(death, i, _mm512_add_pd(p, x), 8);
        _mm256_i32scatter_epi32(reached, i, l, 4);
        const __mmask8 keep = _mm512_cmp_pd_mask(x, g, _CMP_NLT_UQ);   // !(x < gap), NaN kept as in the scalar loop
        _mm256_storeu_si256((__m256i *)(idx + next), _mm256_maskz_compress_epi32(keep, i));
        _mm512_storeu_pd(cen + next, _mm512_maskz_compress_pd(keep, c));
        _mm512_storeu_pd(start + next, _mm512_maskz_compress_pd(keep, _mm512_add_pd(p, g)));
        next += (size_t)__builtin_popcount((unsigned)keep);
    }
    return pathway_compact_scalar(j, next, m, gap, line, idx, cen, start, progression, pps, death, reached);
}

// For each 4-bit mask of kept lanes, the kept lanes of four in order (then zeros), one
// byte each: the permutation that moves them to the front.
static const uint32_t KEPT4[16] = {
    0x00000000, 0x00000000, 0x00000001, 0x00000100, 0x00000002, 0x00000200, 0x00000201, 0x00020100,
    0x00000003, 0x00000300, 0x00000301, 0x00030100, 0x00000302, 0x00030200, 0x00030201, 0x03020100,
};

// Four slots at a time with AVX2: deaths and lines stored lane by lane (no scatter in
// AVX2), the kept slots moved to the front by a permutation from a table and stored
// whole (as with AVX-512). The same operations as the scalar loop, so the same bits.
__attribute__((target("avx2")))
static size_t pathway_compact_avx2(size_t m, double gap, int32_t line, int32_t *restrict idx, double *restrict cen,
                                   double *restrict start, const double *restrict progression, const double *restrict pps,
                                   double *restrict death, int32_t *restrict reached) {
    const __m256d g = _mm256_set1_pd(gap);
    size_t next = 0, j = 0;
    for (; j + 4 <= m; j += 4) {
        const __m128i i = _mm_loadu_si128((const __m128i *)(idx + j));
        const __m256d p = _mm256_loadu_pd(progression + j), x = _mm256_loadu_pd(pps + j), c = _mm256_loadu_pd(cen + j);
        double d[4];
        _mm256_storeu_pd(d, _mm256_add_pd(p, x));
        const int32_t i0 = _mm_cvtsi128_si32(i), i1 = _mm_extract_epi32(i, 1), i2 = _mm_extract_epi32(i, 2), i3 = _mm_extract_epi32(i, 3);
        death[i0] = d[0]; death[i1] = d[1]; death[i2] = d[2]; death[i3] = d[3];
        reached[i0] = line; reached[i1] = line; reached[i2] = line; reached[i3] = line;
        const int keep = _mm256_movemask_pd(_mm256_cmp_pd(x, g, _CMP_NLT_UQ));   // !(x < gap), NaN kept
        // The 32-bit lanes to take: lane k of four integers, lanes 2k and 2k + 1 of four doubles.
        const __m128i kept = _mm_cvtsi32_si128((int)KEPT4[keep]);
        const __m256i ilanes = _mm256_castsi128_si256(_mm_cvtepu8_epi32(kept));
        const __m256i twice = _mm256_slli_epi64(_mm256_cvtepu8_epi64(kept), 1);
        const __m256i lanes = _mm256_or_si256(twice, _mm256_slli_epi64(_mm256_add_epi64(twice, _mm256_set1_epi64x(1)), 32));
        _mm_storeu_si128((__m128i *)(idx + next),
                         _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(_mm256_castsi128_si256(i), ilanes)));
        _mm256_storeu_pd(cen + next, _mm256_castsi256_pd(_mm256_permutevar8x32_epi32(_mm256_castpd_si256(c), lanes)));
        _mm256_storeu_pd(start + next,
                         _mm256_castsi256_pd(_mm256_permutevar8x32_epi32(_mm256_castpd_si256(_mm256_add_pd(p, g)), lanes)));
        next += (size_t)__builtin_popcount((unsigned)keep);
    }
    return pathway_compact_scalar(j, next, m, gap, line, idx, cen, start, progression, pps, death, reached);
}

size_t nensim_pathway_compact(size_t m, double gap, int32_t line, int32_t *idx, double *cen, double *start,
                              const double *progression, const double *pps, double *death, int32_t *reached) {
    // Once a block and line; the check reads what the runtime found at start-up.
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl"))
        return pathway_compact_avx512(m, gap, line, idx, cen, start, progression, pps, death, reached);
    if (__builtin_cpu_supports("avx2")) return pathway_compact_avx2(m, gap, line, idx, cen, start, progression, pps, death, reached);
    return pathway_compact_scalar(0, 0, m, gap, line, idx, cen, start, progression, pps, death, reached);
}

CLONES
void nensim_pathway_first_slots(size_t n, const double *restrict censor, double fixed, const double *restrict pfs1,
                                const double *restrict pps1, int32_t *restrict idx, double *restrict cen, double *restrict start,
                                double *restrict progression, double *restrict pps, double *restrict pfs2) {
    for (size_t i = 0; i < n; i++) {
        idx[i] = (int32_t)i; start[i] = 0; progression[i] = pfs1[i]; pps[i] = pps1[i]; pfs2[i] = __builtin_nan("");
    }
    if (censor) for (size_t i = 0; i < n; i++) cen[i] = censor[i];
    else for (size_t i = 0; i < n; i++) cen[i] = fixed;
}

CLONES
void nensim_pathway_progressions(size_t m, const int32_t *restrict idx, const double *restrict start, const double *restrict time,
                                 double *restrict progression, double *restrict pfs2) {
    for (size_t j = 0; j < m; j++) progression[j] = start[j] + time[j];
    if (pfs2) for (size_t j = 0; j < m; j++) pfs2[idx[j]] = progression[j];
}

CLONES
void nensim_pathway_deaths(size_t m, int32_t line, const int32_t *restrict idx, const double *restrict progression,
                           const double *restrict pps, double *restrict death, int32_t *restrict reached) {
    for (size_t j = 0; j < m; j++) {
        const int32_t i = idx[j];
        death[i] = progression[j] + pps[j];
        reached[i] = line;
    }
}

CLONES
size_t nensim_count_below(const uint32_t *restrict w, size_t n, uint64_t threshold) {
    // A threshold of 2^32 or more: every word is below it.
    if (threshold > UINT32_MAX) return n;
    const uint32_t t = (uint32_t)threshold;
    size_t count = 0;
    for (size_t i = 0; i < n; i++) count += w[i] < t;
    return count;
}

CLONES
void nensim_neglog_u32(const uint32_t *restrict w, double *restrict out, size_t n) {
    for (size_t i = 0; i < n; i++) {
        // log((w + 0.5) 2^-32) = log(w + 0.5) − 32 ln2, with the −32 folded into the exponent.
        double y = (double)w[i] + 0.5;
        out[i] = -log_biased(y, -32);
    }
}

// ---- The patient kernel's integer and tally passes (docs/ARCHITECTURE.md, "Engine") ---

/// Patients per pass of `nensim_response_tiers` (its 32-bit tiers live on the stack).
enum { TIER_PASS = 512 };

CLONES
void nensim_response_tiers(const uint64_t *restrict cut, size_t cuts, uint64_t coupling,
                           const uint32_t *restrict w0, const uint32_t *restrict w1, const uint32_t *restrict w2,
                           size_t n, ptrdiff_t *restrict tier, uint32_t *restrict rank, ptrdiff_t *restrict counts) {
    // All comparisons in 32 bits: a threshold of 2^32 (never reached) is left out — the
    // ascending cuts' at the end, and a coupling of 2^32 always couples.
    const uint64_t never = (uint64_t)1 << 32;
    if (coupling >= never) {
        for (size_t i = 0; i < n; i++) rank[i] = w0[i];
    } else {
        const uint32_t k = (uint32_t)coupling;
        // Both words read and blended by a mask: a `?:` of two loads compiles to one
        // conditional load per lane.
        for (size_t i = 0; i < n; i++) {
            uint32_t coupled = 0u - (uint32_t)(w1[i] < k);
            rank[i] = (w0[i] & coupled) | (w2[i] & ~coupled);
        }
    }
    size_t reached = 0;
    while (reached < cuts && cut[reached] < never) reached++;
    uint32_t t[TIER_PASS];
    for (size_t first = 0; first < n; first += TIER_PASS) {
        const size_t m = n - first < TIER_PASS ? n - first : TIER_PASS;
        const uint32_t *w = w0 + first;
        for (size_t i = 0; i < m; i++) t[i] = 0;
        // above: patients at or above the previous cut; tier j holds above − at (cut j).
        uint32_t above = (uint32_t)m;
        for (size_t j = 0; j < reached; j++) {
            const uint32_t c = (uint32_t)cut[j];
            uint32_t at = 0;
            for (size_t i = 0; i < m; i++) {
                uint32_t b = w[i] >= c;
                t[i] += b;
                at += b;
            }
            counts[j] += (ptrdiff_t)(above - at);
            above = at;
        }
        counts[reached] += (ptrdiff_t)above;
        for (size_t i = 0; i < m; i++) tier[first + i] = (ptrdiff_t)t[i];
    }
}

/// The cell of an endpoint from time 0 observed at min(T, c), taken as Swift's min takes
/// it (c < T ? c : T): min(trunc(x·inv_width), last), compared in doubles (top = last).
static inline __attribute__((always_inline)) int32_t endpoint_cell(double t, double c, double inv_width, double top) {
    const double x = (c < t ? c : t) * inv_width;
    return (int32_t)(top < x ? top : x);
}

/// Patients per pass of `nensim_tally_scatter` (its cells and flags live on the stack).
enum { SCATTER_PASS = 512 };

CLONES
size_t nensim_tally_spans(const double *restrict start, const double *restrict end, const double *restrict censor,
                          double fixed, size_t n, double inv_width, ptrdiff_t last,
                          ptrdiff_t *events, ptrdiff_t *censored) {
    int32_t cell[SCATTER_PASS], kind[SCATTER_PASS];
    const double top = (double)last;
    // Kind 0: censored, 1: an event, 2: not counted (started at or after its censoring).
    ptrdiff_t uncounted[1] = {0};
    ptrdiff_t *const to[3] = {censored, events, uncounted};
    const bool every = start == NULL;
    // Missing arrays are read from stack arrays, not selected per patient (see
    // nensim_tally_scatter on masked loads).
    double fixed_censor[SCATTER_PASS], zero[SCATTER_PASS];
    if (!censor) for (size_t i = 0; i < SCATTER_PASS; i++) fixed_censor[i] = fixed;
    if (every) for (size_t i = 0; i < SCATTER_PASS; i++) zero[i] = 0;
    size_t counted = 0;
    for (size_t first = 0; first < n; first += SCATTER_PASS) {
        const size_t m = n - first < SCATTER_PASS ? n - first : SCATTER_PASS;
        const double *s = every ? zero : start + first, *e = end + first, *cp = censor ? censor + first : fixed_censor;
        for (size_t i = 0; i < m; i++) {
            double b = s[i], t = e[i], c = cp[i];
            // min(T, c) − start as Swift's min takes it (c < T ? c : T), in cell
            // min(trunc(x·inv_width), last), compared in doubles.
            int32_t in = every || b < c;
            double x = ((c < t ? c : t) - b) * inv_width;
            x = in ? x : 0;
            cell[i] = (int32_t)(top < x ? top : x);
            kind[i] = in ? (int32_t)(t <= c) : 2;
            counted += (size_t)in;
        }
        for (size_t i = 0; i < m; i++) to[kind[i]][cell[i]] += 1;
    }
    return counted;
}

CLONES
void nensim_pathway_endpoints(const double *restrict pfs1, double *restrict pfs2, const double *restrict death,
                              const double *restrict censor, double fixed, size_t n, double inv_width, ptrdiff_t last,
                              ptrdiff_t *pfs1_events, ptrdiff_t *pfs1_censored, ptrdiff_t *pfs2_events, ptrdiff_t *pfs2_censored,
                              ptrdiff_t *os_events, ptrdiff_t *os_censored) {
    int32_t cell1[SCATTER_PASS], cell2[SCATTER_PASS], cell3[SCATTER_PASS];
    int32_t kind1[SCATTER_PASS], kind2[SCATTER_PASS], kind3[SCATTER_PASS];
    const double top = (double)last;
    ptrdiff_t *const to1[2] = {pfs1_censored, pfs1_events}, *const to3[2] = {os_censored, os_events};
    ptrdiff_t *const to2[2] = {pfs2_censored, pfs2_events};
    const bool second = pfs2_events != NULL;
    // A fixed censoring time from an array (nensim_tally_scatter: masked loads).
    double fixed_censor[SCATTER_PASS];
    if (!censor) for (size_t i = 0; i < SCATTER_PASS; i++) fixed_censor[i] = fixed;
    for (size_t first = 0; first < n; first += SCATTER_PASS) {
        const size_t m = n - first < SCATTER_PASS ? n - first : SCATTER_PASS;
        const double *p = pfs1 + first, *d = death + first, *cp = censor ? censor + first : fixed_censor;
        double *q = pfs2 + first;
        for (size_t i = 0; i < m; i++) {
            // Each endpoint as nensim_tally_spans counts one from time 0.
            double c = cp[i], t1 = p[i], t3 = d[i], t2 = q[i];
            t2 = t2 != t2 ? t3 : t2;
            q[i] = t2;
            cell1[i] = endpoint_cell(t1, c, inv_width, top);
            cell2[i] = endpoint_cell(t2, c, inv_width, top);
            cell3[i] = endpoint_cell(t3, c, inv_width, top);
            kind1[i] = t1 <= c; kind2[i] = t2 <= c; kind3[i] = t3 <= c;
        }
        for (size_t i = 0; i < m; i++) {
            to1[kind1[i]][cell1[i]] += 1;
            to3[kind3[i]][cell3[i]] += 1;
        }
        if (second) for (size_t i = 0; i < m; i++) to2[kind2[i]][cell2[i]] += 1;
    }
}

CLONES
void nensim_tally_scatter(const double *restrict pfs, const double *restrict pps, const double *restrict censor,
                          double fixed, size_t n, double inv_width, ptrdiff_t last,
                          ptrdiff_t *pfs_events, ptrdiff_t *pfs_censored, ptrdiff_t *os_events, ptrdiff_t *os_censored,
                          double *restrict pfs_time, bool *restrict pfs_event, double *restrict os_time, bool *restrict os_event) {
    int32_t pfs_cell[SCATTER_PASS], os_cell[SCATTER_PASS];
    int32_t pfs_is_event[SCATTER_PASS], os_is_event[SCATTER_PASS];
    const double top = (double)last;
    ptrdiff_t *const pfs_to[2] = {pfs_censored, pfs_events};
    ptrdiff_t *const os_to[2] = {os_censored, os_events};
    // A fixed censoring time is read from an array too: selecting it per patient makes
    // the compiler load the censor array under a mask, which from a NULL pointer costs a
    // microcode assist per vector on some processors (half the run's time).
    double fixed_censor[SCATTER_PASS];
    if (!censor) for (size_t i = 0; i < SCATTER_PASS; i++) fixed_censor[i] = fixed;
    for (size_t first = 0; first < n; first += SCATTER_PASS) {
        const size_t m = n - first < SCATTER_PASS ? n - first : SCATTER_PASS;
        const double *p = pfs + first, *q = pps + first, *cp = censor ? censor + first : fixed_censor;
        for (size_t i = 0; i < m; i++) {
            double t = p[i], o = t + q[i], c = cp[i];
            pfs_cell[i] = endpoint_cell(t, c, inv_width, top);
            os_cell[i] = endpoint_cell(o, c, inv_width, top);
            pfs_is_event[i] = t <= c;
            os_is_event[i] = o <= c;
        }
        for (size_t i = 0; i < m; i++) {
            pfs_to[pfs_is_event[i]][pfs_cell[i]] += 1;
            os_to[os_is_event[i]][os_cell[i]] += 1;
        }
        if (pfs_time) {
            for (size_t i = 0; i < m; i++) {
                double t = p[i], o = t + q[i], c = cp[i];
                pfs_time[first + i] = c < t ? c : t; pfs_event[first + i] = pfs_is_event[i];
                os_time[first + i] = c < o ? c : o; os_event[first + i] = os_is_event[i];
            }
        }
    }
}

CLONES
void nensim_scaled_pow(double *restrict x, double power, double scale, size_t n) {
    for (size_t i = 0; i < n; i++) {
        double t = power * log_biased(x[i], 0);
        t = t < -700.0 ? -700.0 : (t > 700.0 ? 700.0 : t);
        x[i] = scale * exp_bounded(t);
    }
}

/// log(v) in the kernels' log for every double: a subnormal is scaled by 2^54 first (its
/// exponent bias −54), and the values log_biased does not take have their exact answers
/// (log 0 = −inf, log +inf = +inf, NaN for a negative or NaN), chosen by selects so that
/// loops over it vectorise.
static inline double log_any(double v) {
    bool sub = v < 0x1p-1022;
    bool positive = v > 0.0 && v <= 0x1.fffffffffffffp+1023; // and finite
    double y = log_biased(positive ? (sub ? v * 0x1p54 : v) : 1.0, sub ? -54 : 0);
    double special = v == 0.0 ? -__builtin_inf() : (v > 0.0 ? v : __builtin_nan(""));
    return positive ? y : special;
}

CLONES
void nensim_log_array(const double *restrict x, double *restrict out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = log_any(x[i]);
}

/// The lanes of one Efron evaluation (`nensim_two_group_efron`): a = num / den and the
/// log of den, vectorised.
static inline void efron_lanes(const double *restrict num, const double *restrict den, double *restrict a,
                               double *restrict logden, size_t m) {
    for (size_t i = 0; i < m; i++) {
        logden[i] = log_any(den[i]);
        a[i] = num[i] / den[i];
    }
}

CLONES
void nensim_two_group_efron(int64_t rows, const double *n0, const double *n1, const double *d0, const double *d1,
                            double beta, double r, double *num, double *den, double *a, double *logden,
                            double *ll_out, double *u_out, double *info_out) {
    // The numerators and denominators, one per death in row order.
    int64_t m = 0;
    for (int64_t j = 0; j < rows; j++) {
        double s1 = n1[j] * r, s = n0[j] + s1, dd1 = d1[j] * r, dd = d0[j] + dd1, d = d0[j] + d1[j];
        if (d == 1) {
            num[m] = s1; den[m] = s; m++;
        } else {
            int64_t di = (int64_t)d;
            for (int64_t k = 0; k < di; k++) {
                double f = (double)k / d;
                den[m] = s - f * dd; num[m] = s1 - f * dd1; m++;
            }
        }
    }
    efron_lanes(num, den, a, logden, (size_t)m);
    // The sums in row order, each death's terms as they come.
    double ll = 0, u = 0, info = 0;
    m = 0;
    for (int64_t j = 0; j < rows; j++) {
        double d = d0[j] + d1[j];
        ll += d1[j] * beta;
        u += d1[j];
        for (int64_t k = 0; k < (int64_t)d; k++, m++) {
            ll -= logden[m]; u -= a[m]; info += a[m] * (1 - a[m]);
        }
    }
    *ll_out = ll; *u_out = u; *info_out = info;
}

CLONES
int64_t nensim_trial_records(int64_t n, const double *entry, const double *event_time, const double *dropout,
                             const uint8_t *allocation, const uint8_t *stratum, double analysis, double scan,
                             double *time, bool *event, uint8_t *group, uint8_t *record_stratum, int64_t *experimental) {
    int64_t m = 0, n1 = 0;
    for (int64_t j = 0; j < n; j++) {
        double e = entry[j], t = event_time[j], q = dropout[j];
        double after = analysis - e;
        double limit = q < after ? q : after;              // Swift's min(after, q)
        bool is_event = (t <= q) & (e + t <= analysis);
        double censored = 0 >= limit ? 0 : limit;           // Swift's max(limit, 0)
        if (scan > 0) censored = floor(censored / scan) * scan;
        // Written at the next slot whether enrolled or not; kept when enrolled. The event
        // or censored time chosen by a mask of the outcome's bits: the empty asm hides that
        // the mask is 0 or all ones, else clang turns the choice back into a branch, which
        // the patients' random outcomes mispredict.
        uint64_t keep_t = (uint64_t)0 - (uint64_t)is_event;
        __asm__("" : "+r"(keep_t));
        time[m] = from_bits((bits_of(t) & keep_t) | (bits_of(censored) & ~keep_t));
        event[m] = is_event;
        group[m] = allocation[j];
        if (stratum) record_stratum[m] = stratum[j];
        int64_t enrolled = e < analysis;
        n1 += enrolled & allocation[j];
        m += enrolled;
    }
    *experimental = n1;
    return m;
}

// ---- Other survival families (docs/RANDOM.md, "Event-time families") ----------------
// Each maps a cumulative hazard E > 0 to the time T with H(T) = E, using only the
// kernels' log and exp above, IEEE add/multiply/divide and sqrt (correctly rounded by
// the standard), in a fixed order with contraction off: the same bits on every machine.

/// e^x − 1 by Kahan's identity (u − 1)·x / log u with u = exp(x), accurate to a few ulp
/// for |x| ≤ 700 without cancellation near 0.
static inline double expm1_k(double x) {
    double u = exp_bounded(x < -700.0 ? -700.0 : (x > 700.0 ? 700.0 : x));
    double um1 = u - 1.0;
    if (u == 1.0) return x;
    if (um1 == -1.0) return -1.0;
    return um1 * x / log_biased(u, 0);
}

/// log(1 + x) for x > −1 by Kahan's identity log(u)·x / (u − 1) with u = 1 + x.
static inline double log1p_k(double x) {
    double u = 1.0 + x;
    if (u == 1.0) return x;
    return log_biased(u, 0) * x / (u - 1.0);
}

static inline double clamp700(double t) { return t < -700.0 ? -700.0 : (t > 700.0 ? 700.0 : t); }

/// Log-logistic S = 1/(1 + (t/α)^β): T = α·(e^E − 1)^(1/β); log(e^E − 1) is E itself
/// once e^−E is below half an ulp (E > 37).
static inline double loglogistic1(double e, double inverse_shape, double scale) {
    double l = e > 37.0 ? e : log_biased(expm1_k(e), 0);
    return scale * exp_bounded(clamp700(inverse_shape * l));
}

/// Φ⁻¹ by Wichura's AS 241 (PPND16, Applied Statistics 37:477, 1988; relative accuracy
/// about 1e-16), from the lower tail p, the upper tail s = 1 − p, and −log(min(p, s)),
/// each computed directly so neither tail cancels.
static inline double normal_quantile_k(double p, double s, double neglog_tail) {
    double q = p < s ? p - 0.5 : 0.5 - s;
    if ((q < 0 ? -q : q) <= 0.425) {
        double r = 0.180625 - q * q;
        return q * (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r
                        + 45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r
                        + 133.14166789178437745) * r + 3.387132872796366608)
                 / (((((((r * 5226.495278852854561 + 28729.085735721942674) * r + 39307.89580009271061) * r
                        + 21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r
                        + 42.313330701600911252) * r + 1.0);
    }
    double r = __builtin_sqrt(neglog_tail), v;
    if (r <= 5.0) {
        r -= 1.6;
        v = (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) * r
                 + 1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r
                 + 4.6303378461565452959) * r + 1.42343711074968357734)
          / (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r
                 + 0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494) * r
                 + 2.05319162663775882187) * r + 1.0);
    } else {
        r -= 5.0;
        v = (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r
                 + 0.026532189526576123093) * r + 0.29656057182850489123) * r + 1.7848265399172913358) * r
                 + 5.4637849111641143699) * r + 6.6579046435011037772)
          / (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r
                 + 7.868691311456132591e-4) * r + 0.0148753612908506148525) * r + 0.13692988092273580531) * r
                 + 0.59983220655588793769) * r + 1.0);
    }
    return q < 0 ? -v : v;
}

/// Log-normal S = 1 − Φ((log t − μ)/σ): T = e^μ·exp(σ Φ⁻¹(1 − e^−E)). When S = e^−E is
/// the smaller tail, −log S is E exactly.
static inline double lognormal1(double e, double sigma, double scale) {
    double s = exp_bounded(e > 700.0 ? -700.0 : -e);
    double p = -expm1_k(-e);
    double tail = s < p ? e : -log_biased(p, 0);
    return scale * exp_bounded(clamp700(sigma * normal_quantile_k(p, s, tail)));
}

/// Gompertz h = b·e^{at}: T = log1p(aE/b)/a; +∞ when a < 0 and aE/b ≤ −1 (the share
/// exp(b/a) that never has the event); E/b when a = 0.
static inline double gompertz1(double e, double a, double b) {
    if (a == 0.0) return e / b;
    double x = a * e / b;
    if (x <= -1.0) return __builtin_inf();
    return log1p_k(x) / a;
}

double nensim_family_time1(int32_t family, double p0, double p1, double e) {
    switch (family) {
    case NENSIM_FAMILY_LOGLOGISTIC: return loglogistic1(e, p0, p1);
    case NENSIM_FAMILY_LOGNORMAL: return lognormal1(e, p0, p1);
    case NENSIM_FAMILY_GOMPERTZ: return gompertz1(e, p0, p1);
    default: return __builtin_nan("");
    }
}

CLONES
void nensim_family_times(int32_t family, double p0, double p1, double *restrict x, size_t n) {
    switch (family) {
    case NENSIM_FAMILY_LOGLOGISTIC: for (size_t i = 0; i < n; i++) x[i] = loglogistic1(x[i], p0, p1); break;
    case NENSIM_FAMILY_LOGNORMAL: for (size_t i = 0; i < n; i++) x[i] = lognormal1(x[i], p0, p1); break;
    case NENSIM_FAMILY_GOMPERTZ: for (size_t i = 0; i < n; i++) x[i] = gompertz1(x[i], p0, p1); break;
    default: for (size_t i = 0; i < n; i++) x[i] = __builtin_nan(""); break;
    }
}

// ---- Generalized gamma (Prentice's Q; docs/RANDOM.md, "Event-time families") -------
// The same formulas as SurvivalStats' GeneralizedGammaDistribution, written with the
// kernels' log and exp only (and IEEE +, −, ×, ÷, sqrt), so the inverse is the same bits
// on every machine. The engine does not invert per patient: it interpolates a table of
// log T against log E whose nodes and slopes are exact inverses (below).

static const double half_log_2pi = 0.918938533204672741780329736406; /* ½ log 2π */

/// Stirling's remainder R(a) = log Γ(a) − (a − ½) log a + a − ½ log 2π for a ≥ 10, by
/// its asymptotic series to the 1/a¹⁵ term (the next is below 1e-19 at a = 10).
static double stirling_series(double a) {
    double r = 1.0 / a, r2 = r * r;
    return r * (1.0 / 12 + r2 * (-1.0 / 360 + r2 * (1.0 / 1260 + r2 * (-1.0 / 1680 + r2 * (1.0 / 1188
              + r2 * (-691.0 / 360360 + r2 * (1.0 / 156 + r2 * (-3617.0 / 122400))))))));
}

/// log Γ(a) for a > 0: Stirling at a + n ≥ 10, less log a(a + 1)…(a + n − 1).
static double lgamma_k(double a) {
    double z = a, prod = 1.0;
    while (z < 10.0) { prod *= z; z += 1.0; }
    double lg = (z - 0.5) * log_biased(z, 0) - z + half_log_2pi + stirling_series(z);
    return prod == 1.0 ? lg : lg - log_biased(prod, 0);
}

/// R(a) for any a > 0 (direct for a < 10, where nothing large cancels).
static double stirling_remainder(double a) {
    if (a >= 10.0) return stirling_series(a);
    return lgamma_k(a) + a - (a - 0.5) * log_biased(a, 0) - half_log_2pi;
}

/// r − log1p(r) for r > −1, without cancellation near 0 (its series for |r| < 0.1).
static double log1pmx_complement(double r) {
    if ((r < 0 ? -r : r) >= 0.1) return r - log1p_k(r);
    // r − log1p(r) = r²/2 − r³/3 + r⁴/4 − …
    double term = -r, sum = 0.0, k = 1.0;
    for (int i = 0; i < 200; i++) {
        k += 1.0; term *= -r; sum += term / k;
        double q = term / k;
        if ((q < 0 ? -q : q) <= 1e-18 * (sum < 0 ? -sum : sum)) break;
    }
    return sum;
}

/// log(xᵃ e⁻ˣ / Γ(a)) given x and its log (exact even where x itself is clamped); for
/// a ≥ 10 as −a(r − log1p r) + ½ log(a/2π) − R(a), r = x/a − 1.
static double gamma_prefactor(double a, double x, double logx) {
    if (a < 10.0) return -x + a * logx - lgamma_k(a);
    double d = log1pmx_complement(x / a - 1.0);
    return -a * d + 0.5 * (log_biased(a, 0) - 1.83787706640934548356) - stirling_remainder(a);
}

// Temme's uniform expansion for a ≥ 100 and |x/a − 1| < 0.4: SurvivalStats'
// Distributions.logTemmeTail and scaledErfc, with the same coefficients (Temme 1979,
// SIAM J. Math. Anal. 10:757; DiDonato & Morris 1986, ACM TOMS 12:377; as tabulated for
// doubles in Boost.Math's igamma_temme_large), row k the coefficients of ηʲ in C_k(η).
static const double temme_c0[] = {-0.33333333333333333, 0.083333333333333333, -0.014814814814814815, 0.0011574074074074074, 0.0003527336860670194, -0.00017875514403292181, 0.39192631785224378e-4, -0.21854485106799922e-5, -0.185406221071516e-5, 0.8296711340953086e-6, -0.17665952736826079e-6, 0.67078535434014986e-8, 0.10261809784240308e-7, -0.43820360184533532e-8, 0.91476995822367902e-9};
static const double temme_c1[] = {-0.0018518518518518519, -0.0034722222222222222, 0.0026455026455026455, -0.00099022633744855967, 0.00020576131687242798, -0.40187757201646091e-6, -0.18098550334489978e-4, 0.76491609160811101e-5, -0.16120900894563446e-5, 0.46471278028074343e-8, 0.1378633446915721e-6, -0.5752545603517705e-7, 0.11951628599778147e-7};
static const double temme_c2[] = {0.0041335978835978836, -0.0026813271604938272, 0.00077160493827160494, 0.20093878600823045e-5, -0.00010736653226365161, 0.52923448829120125e-4, -0.12760635188618728e-4, 0.34235787340961381e-7, 0.13721957309062933e-5, -0.6298992138380055e-6, 0.14280614206064242e-6};
static const double temme_c3[] = {0.00064943415637860082, 0.00022947209362139918, -0.00046918949439525571, 0.00026772063206283885, -0.75618016718839764e-4, -0.23965051138672967e-6, 0.11082654115347302e-4, -0.56749528269915966e-5, 0.14230900732435884e-5};
static const double temme_c4[] = {-0.0008618882909167117, 0.00078403922172006663, -0.00029907248030319018, -0.14638452578843418e-5, 0.66414982154651222e-4, -0.39683650471794347e-4, 0.11375726970678419e-4};
static const double temme_c5[] = {-0.00033679855336635815, -0.69728137583658578e-4, 0.00027727532449593921, -0.00019932570516188848, 0.67977804779372078e-4, 0.1419062920643967e-6, -0.13594048189768693e-4, 0.80184702563342015e-5, -0.22914811765080952e-5};
static const double temme_c6[] = {0.00053130793646399222, -0.00059216643735369388, 0.00027087820967180448, 0.79023532326603279e-6, -0.81539693675619688e-4, 0.56116827531062497e-4, -0.18329116582843376e-4};
static const double temme_c7[] = {0.00034436760689237767, 0.51717909082605922e-4, -0.00033493161081142236, 0.0002812695154763237, -0.00010976582244684731};
static const double temme_c8[] = {-0.00065262391859530942, 0.00083949872067208728, -0.00043829709854172101};
static const double temme_c9[] = {-0.00059676129019274625};
static const double *const temme_rows[10] = {temme_c0, temme_c1, temme_c2, temme_c3, temme_c4,
                                             temme_c5, temme_c6, temme_c7, temme_c8, temme_c9};
static const int temme_lengths[10] = {15, 13, 11, 9, 7, 9, 7, 5, 3, 1};

/// erfcx(s) = e^{s²} erfc(s), s ≥ 0: erf's series below 1, the continued fraction
/// (Lentz) from 1.
static double scaled_erfc(double s) {
    const double inv_sqrt_pi = 0.56418958354775628695;
    if (s < 1.0) {
        double s2 = s * s, term = s, sum = s, n = 0.0;
        do {
            n += 1.0; term *= -s2 / n;
            double add = term / (2.0 * n + 1.0);
            sum += add;
            if ((add < 0 ? -add : add) < 1e-17 * (sum < 0 ? -sum : sum)) break;
        } while (n < 100.0);
        return exp_bounded(s2) * (1.0 - 2.0 * inv_sqrt_pi * sum);
    }
    double f = s, c = s, d = 0.0, n = 0.0;
    while (n < 5000.0) {
        n += 1.0;
        double an = 0.5 * n;
        d = 1.0 / (s + an * d);
        c = s + an / c;
        double delta = c * d;
        f *= delta;
        double dd = delta - 1.0;
        if ((dd < 0 ? -dd : dd) < 1e-16) break;
    }
    return inv_sqrt_pi / f;
}

/// log P(a, x) for x < a, log Q(a, x) otherwise: −y + log(½ erfcx(√y) ∓ Σₖ Cₖ(η)/aᵏ/√(2πa)).
static double temme_log_tail(double a, double x) {
    double phi = log1pmx_complement((x - a) / a);
    double y = a * phi;
    double eta = __builtin_sqrt(2.0 * phi);
    if (x < a) eta = -eta;
    double inv_a = 1.0 / a, sum = 0.0;
    for (int k = 9; k >= 0; k--) {
        double c = 0.0;
        for (int j = temme_lengths[k] - 1; j >= 0; j--) c = c * eta + temme_rows[k][j];
        sum = sum * inv_a + c;
    }
    double lead = 0.5 * scaled_erfc(__builtin_sqrt(y));
    double correction = sum / __builtin_sqrt(6.28318530717958647693 * a);
    return -y + log_biased(x < a ? lead - correction : lead + correction, 0);
}

/// log P(a, x) and log Q(a, x) at x = e^logx, each to full relative precision: Temme's
/// expansion (a ≥ 100, |x/a − 1| < 0.4), the series (x < a + 1) or the continued fraction
/// computes one tail, the other is log1p of minus it.
static void log_regularized_gamma(double a, double logx, double *logp, double *logq) {
    double x = exp_bounded(clamp700(logx));
    if (a >= 100.0 && (x < a ? a - x : x - a) < 0.4 * a) {
        double tail = temme_log_tail(a, x), other = log1p_k(-exp_bounded(clamp700(tail)));
        *logp = x < a ? tail : other;
        *logq = x < a ? other : tail;
        return;
    }
    double pre = gamma_prefactor(a, x, logx);
    if (x < a + 1.0) {
        double ap = a, del = 1.0 / a, sum = del;
        for (int i = 0; i < 1000000; i++) {
            ap += 1.0; del *= x / ap; sum += del;
            if (del < sum * 1e-17) break;
        }
        double lp = pre + log_biased(sum, 0);
        *logp = lp;
        *logq = log1p_k(-exp_bounded(clamp700(lp)));
        return;
    }
    const double tiny = 1e-300;
    double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d, i = 1.0;
    while (i < 1000000.0) {
        double an = -i * (i - a);
        b += 2.0;
        d = an * d + b; if ((d < 0 ? -d : d) < tiny) d = tiny;
        c = b + an / c; if ((c < 0 ? -c : c) < tiny) c = tiny;
        d = 1.0 / d;
        double del = d * c;
        h *= del;
        double dd = del - 1.0;
        if ((dd < 0 ? -dd : dd) < 1e-17) break;
        i += 1.0;
    }
    double lq = pre + log_biased(h, 0);
    *logq = lq;
    *logp = log1p_k(-exp_bounded(clamp700(lq)));
}

/// eʸ − 1 − y without cancellation (series for |y| < 0.5).
static double expm1_minus_x(double y) {
    if ((y < 0 ? -y : y) >= 0.5) return expm1_k(y) - y;
    double term = y * y / 2.0, sum = term, k = 2.0;
    for (int i = 0; i < 100; i++) {
        k += 1.0; term *= y / k; sum += term;
        if ((term < 0 ? -term : term) <= 1e-17 * (sum < 0 ? -sum : sum)) break;
    }
    return sum;
}

/// log S and log f (f the density of T) at log t = y.
static void gengamma_log_sf(double mu, double sigma, double q, double y, double *logs, double *logf) {
    double w = (y - mu) / sigma, qw = q * w, g = 1.0 / (q * q);
    double lp, lq;
    log_regularized_gamma(g, log_biased(g, 0) + qw, &lp, &lq);
    *logs = q > 0 ? lq : lp;
    *logf = -log_biased(sigma, 0) - y - half_log_2pi - stirling_remainder(g) - expm1_minus_x(qw) * g;
}

/// log T with log S(T) = −e, by Newton on log(−log S) against log t (nearly linear in
/// every family: exactly so for the Weibull, Q = 1) from `y`, kept inside a bracket:
/// bisection when a step leaves it or does not halve the residual. Converged when a step
/// is below 1e-14 (in log t).
static double gengamma_solve(double mu, double sigma, double q, double e, double y) {
    double lo = -__builtin_inf(), hi = __builtin_inf(), loge = log_biased(e, 0), last = __builtin_inf();
    for (int it = 0; it < 400; it++) {
        double logs, logf;
        gengamma_log_sf(mu, sigma, q, y, &logs, &logf);
        double next;
        if (!(logs < 0.0)) {
            // S = 1 to double precision: the time is later.
            lo = y;
            next = hi != __builtin_inf() ? 0.5 * (lo + hi) : y + 1.0;
        } else {
            double r = log_biased(-logs, 0) - loge; // increasing in y
            if (r == 0.0) return y;
            if (r < 0) lo = y; else hi = y;
            double slope = exp_bounded(clamp700(logf + y - logs)) / -logs; // d log(−log S) / d log t
            next = y - r / slope;
            double ar = r < 0 ? -r : r;
            int bracketed = lo != -__builtin_inf() && hi != __builtin_inf();
            if (!(next > lo && next < hi) || (bracketed && ar > 0.5 * last)) {
                if (bracketed) next = 0.5 * (lo + hi);
                else next = r < 0 ? y + 1.0 : y - 1.0;
            }
            last = ar;
        }
        double step = next - y;
        y = next;
        if ((step < 0 ? -step : step) <= 1e-14 * (1.0 + (y < 0 ? -y : y))) break;
    }
    return y;
}

/// The starting point: Wilson–Hilferty's gamma quantile (Q(a) ≈ a(1 − v + z√v)³, v =
/// 1/9a), or the lower-tail form u = (p Γ(a + 1))^{1/a} where that fails.
static double gengamma_start(double mu, double sigma, double q, double e) {
    double s = exp_bounded(e > 700.0 ? -700.0 : -e), p = -expm1_k(-e);
    double tail = s < p ? e : -log_biased(p, 0);
    double g = 1.0 / (q * q);
    // The gamma variate's lower-tail probability: 1 − S for Q > 0, S for Q < 0.
    double pl = q > 0 ? p : s, pu = q > 0 ? s : p;
    double z = normal_quantile_k(pl, pu, tail);
    double v = 1.0 / (9.0 * g);
    double c = 1.0 - v + z * __builtin_sqrt(v);
    double u;
    if (c > 0.0) u = g * c * c * c;
    else u = exp_bounded(clamp700((log_biased(pl, 0) + lgamma_k(g + 1.0)) / g));
    if (!(u > 0.0) || u == __builtin_inf()) u = g;
    return mu + sigma * (log_biased(u, 0) - log_biased(g, 0)) / q;
}

double nensim_gengamma_log_time1(double mu, double sigma, double q, double e) {
    return gengamma_solve(mu, sigma, q, e, gengamma_start(mu, sigma, q, e));
}

void nensim_gengamma_table_build(nensim_gengamma_table *t, double *y, double *d) {
    double prev = 0.0;
    for (size_t k = 0; k < t->n; k++) {
        double x = t->x0 + (double)k * t->h;
        double e = exp_bounded(clamp700(x));
        // Start from the previous node's tangent once there is one: a step or two.
        double start = k == 0 ? gengamma_start(t->mu, t->sigma, t->q, e) : prev + t->h * d[k - 1];
        double yk = gengamma_solve(t->mu, t->sigma, t->q, e, start);
        double logs, logf;
        gengamma_log_sf(t->mu, t->sigma, t->q, yk, &logs, &logf);
        y[k] = yk;
        d[k] = e * exp_bounded(clamp700(logs - logf - yk)); // d log T / d log E = E / (T h(T))
        prev = yk;
    }
    t->y = y;
    t->d = d;
}

/// Cubic Hermite interpolation of log T in log E between the two nodes around log e;
/// outside the table the exact inverse.
static inline double gengamma_tabled1(const nensim_gengamma_table *t, double e) {
    double x = log_biased(e, 0);
    double s = (x - t->x0) * t->inv_h;
    if (!(s >= 0.0) || !(s < (double)(t->n - 1))) {
        return exp_bounded(clamp700(nensim_gengamma_log_time1(t->mu, t->sigma, t->q, e)));
    }
    size_t k = (size_t)s;
    double u = s - (double)k, um = 1.0 - u;
    double h00 = (1.0 + 2.0 * u) * um * um, h10 = u * um * um, h01 = u * u * (3.0 - 2.0 * u), h11 = u * u * (u - 1.0);
    double yv = h00 * t->y[k] + h10 * t->h * t->d[k] + h01 * t->y[k + 1] + h11 * t->h * t->d[k + 1];
    return exp_bounded(clamp700(yv));
}

double nensim_gengamma_time1(const nensim_gengamma_table *t, double e) { return gengamma_tabled1(t, e); }

CLONES
void nensim_gengamma_times(const nensim_gengamma_table *t, double *restrict x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = gengamma_tabled1(t, x[i]);
}

// ---- Health economics: per-patient accrual (docs/ECONOMICS.md, "Per-patient accrual") ----
// Closed-form discounted integrals with only IEEE add/multiply/divide, the Taylor series of
// g below and the kernels' exp, in a fixed order with contraction off: the same bits on
// every machine and in every clone.

/// g(x) = (1 − e^{−x})/x for x ≥ 0, g(0) = 1, so that ∫_0^L e^{−kt} dt = L·g(kL). For
/// x ≤ 1 the Taylor series Σ_{m ≤ 17} (−x)^m/(m + 1)! by Horner (the first term left
/// out is below 1/19! < 10^-17, and the alternating series has no cancellation); for
/// x > 1 (only when `wide`), (1 − exp(−x))/x, where 1 − e^{−x} > 0.63 does not cancel.
static inline __attribute__((always_inline)) double discount_g(double x, int wide) {
    double p = -0x1.6827863b97d97p-53;
    p = p * x + 0x1.952c77030ad4ap-49;
    p = p * x + -0x1.ae7f3e733b81fp-45;
    p = p * x + 0x1.ae7f3e733b81fp-41;
    p = p * x + -0x1.93974a8c07c9dp-37;
    p = p * x + 0x1.6124613a86d09p-33;
    p = p * x + -0x1.1eed8eff8d898p-29;
    p = p * x + 0x1.ae64567f544e4p-26;
    p = p * x + -0x1.27e4fb7789f5cp-22;
    p = p * x + 0x1.71de3a556c734p-19;
    p = p * x + -0x1.a01a01a01a01ap-16;
    p = p * x + 0x1.a01a01a01a01ap-13;
    p = p * x + -0x1.6c16c16c16c17p-10;
    p = p * x + 0x1.1111111111111p-7;
    p = p * x + -0x1.5555555555555p-5;
    p = p * x + 0x1.5555555555555p-3;
    p = p * x + -0.5;
    p = p * x + 1.0;
    if (!wide) return p;
    double wide_g = (1.0 - exp_bounded(clamp700(-x))) / x;
    return x <= 1.0 ? p : wide_g;
}

/// e^{−x} from g(x): 1 − x·g(x) for x ≤ 1 (≥ e^{−1}, no cancellation), else exp(−x).
static inline __attribute__((always_inline)) double discount_factor_g(double x, double gx, int wide) {
    double near = 1.0 - x * gx;
    if (!wide) return near;
    double far = exp_bounded(clamp700(-x));
    return x <= 1.0 ? near : far;
}

static inline __attribute__((always_inline)) double discount_factor(double x) { return discount_factor_g(x, discount_g(x, 1), 1); }
/// Months to years: a multiplication by the double nearest 1/12 (no division in the loop).
static const double one_twelfth = 0x1.5555555555555p-4;
static inline __attribute__((always_inline)) double min_d(double a, double b) { return b < a ? b : a; }

/// The part of a segment's accrual without the cycles and adverse events (those are added
/// after, cycle by cycle and event by event, in that order: `accrue_cycles`, `accrue_aes`).
/// `wide`: some k·length may exceed 1; `same`: k_cost = k_outcome; `capped`: the drug
/// stops at drug_max < horizon. Each flag only skips work whose result is known.
static inline __attribute__((always_inline)) void accrue_base(const nensim_accrual *restrict a, double s, double p, double e, double d,
                               int wide, int same, int capped, double *out) {
    double h = a->horizon;
    double ts = min_d(s, h), tp = min_d(p, h), te = min_d(e, h);
    double lp = tp - ts, le = te - ts;
    double kc = a->k_cost, ko = a->k_outcome;
    // Cost rate: progression-free, to the end, on the drug.
    double gpc = discount_g(kc * lp, wide), gec = discount_g(kc * le, wide);
    double ipc = lp * gpc, iec = le * gec;
    double lt = lp, itc = ipc;
    if (capped) {
        lt = min_d(lp, a->drug_max);
        itc = lt * discount_g(kc * lt, wide);
    }
    double xs = kc * ts, esc = discount_factor(xs);
    // Outcome rate.
    double ipo = ipc, ieo = iec, eso = esc;
    if (!same) {
        ipo = lp * discount_g(ko * lp, wide);
        double geo = discount_g(ko * le, wide);
        ieo = le * geo;
        eso = discount_factor(ko * ts);
    }
    double alive = s < h ? 1.0 : 0.0;
    double dies = (e >= d && d < h) ? 1.0 : 0.0;
    double cost = a->one_off * alive * esc
                + esc * (a->pf_cost * ipc + a->pd_cost * (iec - ipc) + a->drug_per_month * itc)
                + dies * a->terminal * esc * discount_factor_g(kc * le, gec, wide);
    double cost_u = a->one_off * alive + a->pf_cost * lp + a->pd_cost * (le - lp) + a->drug_per_month * lt
                  + dies * a->terminal;
    out[0] = cost;
    out[1] = cost_u;
    out[2] = eso * (a->pf_utility * ipo + a->pd_utility * (ieo - ipo)) * one_twelfth;
    out[3] = (a->pf_utility * lp + a->pd_utility * (le - lp)) * one_twelfth;
    out[4] = eso * ieo * one_twelfth;
    out[5] = le * one_twelfth;
}

/// Cycle j's payment (discounted, undiscounted) for a segment from s with progression p:
/// paid when s + m_j < p and s + m_j < horizon; `factor` = e^{−k_cost·m_j}.
static inline __attribute__((always_inline)) void accrue_cycle(const nensim_accrual *restrict a, double m, double factor, double s, double p,
                                double esc, double *cost, double *cost_u) {
    double t = s + m;
    double paid = (t < p && t < a->horizon) ? 1.0 : 0.0;
    *cost = *cost + paid * a->cycle_cost * esc * factor;
    *cost_u = *cost_u + paid * a->cycle_cost;
}

/// Adverse event j's disutility (discounted, undiscounted QALYs lost) over
/// min(ae_months[j], death − s), cut at the horizon.
static inline __attribute__((always_inline)) void accrue_ae(const nensim_accrual *restrict a, int32_t j, double s, double d, double eso,
                             int wide, double *qaly, double *qaly_u) {
    double h = a->horizon;
    double ts = min_d(s, h), td = min_d(d, h);
    double l = min_d(a->ae_months[j], td - ts);
    double w = a->ae_weight[j];
    *qaly = *qaly - w * eso * (l * discount_g(a->k_outcome * l, wide)) * one_twelfth;
    *qaly_u = *qaly_u - w * l * one_twelfth;
}

static inline __attribute__((always_inline)) int accrual_wide(const nensim_accrual *a) {
    double k = a->k_cost > a->k_outcome ? a->k_cost : a->k_outcome;
    return !(k * a->horizon <= 1.0);
}

void nensim_accrue_segment1(const nensim_accrual *a, double start, double progression, double end, double death, double *out) {
    int capped = a->drug_per_month != 0.0 && a->drug_max < a->horizon;
    accrue_base(a, start, progression, end, death, 1, 0, capped, out);
    double h = a->horizon;
    double ts = min_d(start, h);
    double esc = discount_factor(a->k_cost * ts), eso = discount_factor(a->k_outcome * ts);
    for (int32_t j = 0; j < a->cycles; j++) {
        accrue_cycle(a, a->cycle_months[j], discount_factor(a->k_cost * a->cycle_months[j]), start, progression, esc, &out[0], &out[1]);
    }
    for (int32_t j = 0; j < a->aes; j++) accrue_ae(a, j, start, death, eso, 1, &out[2], &out[3]);
}

static inline __attribute__((always_inline)) void accrue_arm_base(const nensim_accrual *restrict a, const double *restrict pfs, const double *restrict pps,
                                   size_t n, double *restrict values, int wide, int same, int capped) {
    for (size_t i = 0; i < n; i++) {
        double p = pfs[i], d = p + pps[i], out[6];
        accrue_base(a, 0.0, p, d, d, wide, same, capped, out);
        for (int q = 0; q < 6; q++) values[(size_t)q * n + i] = out[q];
    }
}

CLONES
void nensim_accrue_arm_values(const nensim_accrual *a, const double *restrict pfs, const double *restrict pps, size_t n,
                              double *restrict values) {
    // The flags only skip work whose result is known (see accrue_base), so every
    // combination gives the bits of the general form, as `nensim_accrue_segment1` does.
    int wide = accrual_wide(a), same = a->k_cost == a->k_outcome;
    int capped = a->drug_per_month != 0.0 && a->drug_max < a->horizon;
    switch ((wide << 2) | (same << 1) | capped) {
    case 0: accrue_arm_base(a, pfs, pps, n, values, 0, 0, 0); break;
    case 1: accrue_arm_base(a, pfs, pps, n, values, 0, 0, 1); break;
    case 2: accrue_arm_base(a, pfs, pps, n, values, 0, 1, 0); break;
    case 3: accrue_arm_base(a, pfs, pps, n, values, 0, 1, 1); break;
    case 4: accrue_arm_base(a, pfs, pps, n, values, 1, 0, 0); break;
    case 5: accrue_arm_base(a, pfs, pps, n, values, 1, 0, 1); break;
    case 6: accrue_arm_base(a, pfs, pps, n, values, 1, 1, 0); break;
    default: accrue_arm_base(a, pfs, pps, n, values, 1, 1, 1); break;
    }
    double *cost = values, *cost_u = values + n, *qaly = values + 2 * n, *qaly_u = values + 3 * n;
    for (int32_t j = 0; j < a->cycles; j++) {
        double m = a->cycle_months[j], f = discount_factor(a->k_cost * m);
        for (size_t i = 0; i < n; i++) accrue_cycle(a, m, f, 0.0, pfs[i], 1.0, &cost[i], &cost_u[i]);
    }
    for (int32_t j = 0; j < a->aes; j++) {
        if (wide) {
            for (size_t i = 0; i < n; i++) accrue_ae(a, j, 0.0, pfs[i] + pps[i], 1.0, 1, &qaly[i], &qaly_u[i]);
        } else {
            for (size_t i = 0; i < n; i++) accrue_ae(a, j, 0.0, pfs[i] + pps[i], 1.0, 0, &qaly[i], &qaly_u[i]);
        }
    }
}

static inline __attribute__((always_inline)) void add128(nensim_int128 *s, __int128 v) {
    unsigned __int128 u = ((unsigned __int128)(uint64_t)s->hi << 64) | s->lo;
    u += (unsigned __int128)v;
    s->hi = (int64_t)(uint64_t)(u >> 64);
    s->lo = (uint64_t)u;
}

/// An integer-valued double (|x| < 2^126 by the documented bound) as a 128-bit integer.
static inline __attribute__((always_inline)) __int128 int128_of(double x) {
    if (x >= 0x1p126) return (__int128)1 << 126;
    if (x <= -0x1p126) return -((__int128)1 << 126);
    return (__int128)x;
}

#define LANES 8
/// Patients per pass of the sums (and of `nensim_accrue_arm`): each pass's Σq² and cross
/// sum are rounded to integers on their own, so every caller that passes the same values
/// in the same order gets the same sums, however it buffers them.
#define ACCRUAL_CHUNK 512

/// The sums of patients [first, first + c) of rows of length n (c ≤ ACCRUAL_CHUNK).
static inline __attribute__((always_inline)) void sums_chunk(const double *restrict values, size_t n, size_t first, size_t c,
                                                              nensim_accrual_sums *sums) {
    size_t m = c / LANES * LANES;
    for (int q = 0; q < NENSIM_ACCRUED; q++) {
        const double *v = values + (size_t)q * n + first;
        int64_t hi[LANES] = {0}, lo[LANES] = {0};
        double sq[LANES] = {0};
        for (size_t i = 0; i < m; i += LANES) {
            for (int l = 0; l < LANES; l++) {
                double x = __builtin_rint(v[i + l] * 0x1p20);
                int64_t k = (int64_t)x;
                hi[l] += k >> 32;
                lo[l] += k & 0xffffffff;
                sq[l] += x * x;
            }
        }
        for (size_t i = m; i < c; i++) {
            double x = __builtin_rint(v[i] * 0x1p20);
            int64_t k = (int64_t)x;
            hi[i - m] += k >> 32;
            lo[i - m] += k & 0xffffffff;
            sq[i - m] += x * x;
        }
        __int128 total = 0;
        for (int l = 0; l < LANES; l++) total += ((__int128)hi[l] << 32) + lo[l];
        add128(&sums->sum[q], total);
        double s = ((sq[0] + sq[1]) + (sq[2] + sq[3])) + ((sq[4] + sq[5]) + (sq[6] + sq[7]));
        add128(&sums->square[q], int128_of(s));
    }
    const double *cost = values + first, *qaly = values + 2 * n + first;
    double cq[LANES] = {0};
    for (size_t i = 0; i < m; i += LANES) {
        for (int l = 0; l < LANES; l++) cq[l] += __builtin_rint(cost[i + l] * 0x1p20) * __builtin_rint(qaly[i + l] * 0x1p20);
    }
    for (size_t i = m; i < c; i++) cq[i - m] += __builtin_rint(cost[i] * 0x1p20) * __builtin_rint(qaly[i] * 0x1p20);
    double s = ((cq[0] + cq[1]) + (cq[2] + cq[3])) + ((cq[4] + cq[5]) + (cq[6] + cq[7]));
    add128(&sums->cost_qaly, int128_of(s));
}

CLONES
void nensim_accrual_sums_add(const double *restrict values, size_t n, nensim_accrual_sums *sums) {
    for (size_t first = 0; first < n; first += ACCRUAL_CHUNK) {
        sums_chunk(values, n, first, n - first < ACCRUAL_CHUNK ? n - first : ACCRUAL_CHUNK, sums);
    }
}

void nensim_accrue_arm(const nensim_accrual *a, const double *pfs, const double *pps, size_t n, nensim_accrual_sums *sums) {
    double values[NENSIM_ACCRUED * ACCRUAL_CHUNK];
    for (size_t first = 0; first < n; first += ACCRUAL_CHUNK) {
        size_t c = n - first < ACCRUAL_CHUNK ? n - first : ACCRUAL_CHUNK;
        nensim_accrue_arm_values(a, pfs + first, pps + first, c, values);
        nensim_accrual_sums_add(values, c, sums);
    }
}

// ---- Piecewise exponential and mixture cure (docs/RANDOM.md, "Event-time families") --
// Only IEEE +, −, ×, ÷ and the kernels' expm1_k / log1p_k above: the same bits on every
// machine, and the same arithmetic, in the same order, as SurvivalStats'
// PiecewiseExponentialDistribution.time(cumulativeHazard:) for the piecewise exponential.

static inline double pwexp1(const nensim_pwexp *p, double e) {
    double start = 0.0;
    for (size_t j = 0; j <= p->cuts; j++) {
        // h_j = H(start of interval j), h_{j+1} = H(its end) (+inf after the last cut, or NaN
        // for a zero last rate: then no interval holds e and T = +inf, as in SurvivalStats).
        double h = p->cumulative[j], end_h = p->cumulative[j + 1];
        if (end_h >= e) return p->rate[j] == 0.0 ? start : start + (e - h) / p->rate[j];
        if (j < p->cuts) start = p->cut[j];
    }
    return __builtin_inf();
}

double nensim_pwexp_time1(const nensim_pwexp *p, double e) { return pwexp1(p, e); }

void nensim_pwexp_times(const nensim_pwexp *p, double *restrict x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = pwexp1(p, x[i]);
}

/// S = π + (1 − π)S₀: 1 − S₀ = (1 − e^−E)/(1 − π), E₀ = −log(1 − that); +inf when S ≤ π.
static inline double cure1(double pi, double e) {
    double f = -expm1_k(-e) / (1.0 - pi);
    if (f >= 1.0) return __builtin_inf();
    return -log1p_k(-f);
}

double nensim_cure_exponential1(double cure, double e) { return cure1(cure, e); }

CLONES
void nensim_cure_exponentials(double cure, double *restrict x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = cure1(cure, x[i]);
}
