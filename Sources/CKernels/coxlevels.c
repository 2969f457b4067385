// The Cox level form's blocks of one death or none, four at a time (see include/coxlevels.h).
#include "coxlevels.h"
#include <string.h>

#pragma clang fp contract(off)

#define CLONES __attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#define LANES 4

// product ← product · v, renormalised to [1, 2) by a power of two (exact); v normal, > 0.
static inline void renormalised_multiply(double *product, int64_t *exponent, double v) {
    double q = *product * v;
    uint64_t bits;
    memcpy(&bits, &q, 8);
    *exponent += (int64_t)((bits >> 52) & 0x7ff) - 1023;
    bits = (bits & 0x800fffffffffffffULL) | 0x3ff0000000000000ULL;
    memcpy(product, &bits, 8);
}

CLONES
int64_t nensim_cox_two_levels_run(const uint32_t *counts, int64_t first, int64_t blocks, nensim_cox_two_levels *s) {
    const double r0 = s->r0, r1 = s->r1, rx0 = s->rx0, rx1 = s->rx1, rxx0 = s->rxx0, rxx1 = s->rxx1;
    uint64_t risk0 = s->risk0, risk1 = s->risk1;
    double u[LANES] = {0}, mg[LANES] = {0}, gram[LANES] = {0}, product[LANES] = {1, 1, 1, 1};
    int64_t exponent[LANES] = {0};
    int64_t b = first;
    for (; b + LANES <= blocks; b += LANES) {
        const uint32_t *c = counts + 4 * b;
        // The four blocks' records at risk (exact prefix sums) and deaths.
        double a[LANES], bb[LANES], w[LANES];
        int tie = 0;
        uint64_t p0 = risk0, p1 = risk1;
        for (int l = 0; l < LANES; l++) {
            uint32_t e0 = c[4 * l], e1 = c[4 * l + 1];
            tie |= e0 + e1 > 1;
            p0 += (uint64_t)e0 + c[4 * l + 2];
            p1 += (uint64_t)e1 + c[4 * l + 3];
            a[l] = (double)p0; bb[l] = (double)p1; w[l] = (double)(e0 + e1);
        }
        if (tie) break;
        risk0 = p0; risk1 = p1;
        for (int l = 0; l < LANES; l++) {
            double s0 = a[l] * r0 + bb[l] * r1;
            double s1 = a[l] * rx0 + bb[l] * rx1;
            double s2 = a[l] * rxx0 + bb[l] * rxx1;
            double inv = 1.0 / s0;
            double mean = s1 * inv;
            u[l] -= w[l] * mean;
            mg[l] += w[l] * (mean * mean);
            gram[l] += w[l] * (s2 * inv);
            double v = w[l] != 0 ? s0 : 1.0;
            double q = product[l] * v;
            uint64_t bits;
            memcpy(&bits, &q, 8);
            exponent[l] += (int64_t)((bits >> 52) & 0x7ff) - 1023;
            bits = (bits & 0x800fffffffffffffULL) | 0x3ff0000000000000ULL;
            memcpy(&product[l], &bits, 8);
        }
    }
    // The lanes folded in a fixed order, then the remaining blocks one at a time.
    double su = s->u + ((u[0] + u[1]) + (u[2] + u[3]));
    double smg = s->mean_gram + ((mg[0] + mg[1]) + (mg[2] + mg[3]));
    double sg = s->gram + ((gram[0] + gram[1]) + (gram[2] + gram[3]));
    double sp = s->product;
    int64_t se = s->exponent;
    for (int l = 0; l < LANES; l++) { renormalised_multiply(&sp, &se, product[l]); se += exponent[l]; }
    for (; b < blocks; b++) {
        const uint32_t *c = counts + 4 * b;
        uint32_t e0 = c[0], e1 = c[1];
        if (e0 + e1 > 1) break;
        risk0 += (uint64_t)e0 + c[2];
        risk1 += (uint64_t)e1 + c[3];
        if (e0 + e1 == 0) continue;
        double a = (double)risk0, bb = (double)risk1;
        double s0 = a * r0 + bb * r1;
        double s1 = a * rx0 + bb * rx1;
        double s2 = a * rxx0 + bb * rxx1;
        double inv = 1.0 / s0;
        double mean = s1 * inv;
        su -= mean;
        smg += mean * mean;
        sg += s2 * inv;
        renormalised_multiply(&sp, &se, s0);
    }
    s->risk0 = risk0; s->risk1 = risk1;
    s->u = su; s->mean_gram = smg; s->gram = sg; s->product = sp; s->exponent = se;
    return b;
}
