// See include/ckernels.h. fdlibm's log and exp (Sun Microsystems, 1993; as in musl),
// rewritten branch-free for arguments in the ranges the engine uses, so that loops over
// arrays vectorise. Contraction is off: a*b+c is never fused, so every machine rounds
// the same way.
#include "ckernels.h"
#include <string.h>

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

#define CLONES __attribute__((target_clones("avx2", "default")))

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

CLONES
void nensim_philox4x32_10_interleaved(uint32_t key0, uint32_t key1, uint64_t first, uint32_t block0, uint32_t block1,
                                      size_t n, uint32_t *restrict out) {
    for (size_t j = 0; j < n; j++) {
        philox_round10(key0, key1, first + (uint64_t)j, block0, block1, &out[4 * j], &out[4 * j + 1], &out[4 * j + 2], &out[4 * j + 3]);
    }
}

CLONES
void nensim_philox4x32_10(uint32_t key0, uint32_t key1, uint64_t first, uint32_t block0, uint32_t block1,
                          size_t n, uint32_t *restrict out0, uint32_t *restrict out1,
                          uint32_t *restrict out2, uint32_t *restrict out3) {
    for (size_t j = 0; j < n; j++) {
        philox_round10(key0, key1, first + (uint64_t)j, block0, block1, &out0[j], &out1[j], &out2[j], &out3[j]);
    }
}

CLONES
void nensim_neglog_u32(const uint32_t *restrict w, double *restrict out, size_t n) {
    for (size_t i = 0; i < n; i++) {
        // log((w + 0.5) 2^-32) = log(w + 0.5) − 32 ln2, with the −32 folded into the exponent.
        double y = (double)w[i] + 0.5;
        out[i] = -log_biased(y, -32);
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
