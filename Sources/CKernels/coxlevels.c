// The Cox level form's blocks of one death or none, four at a time (see include/coxlevels.h).
#include "coxlevels.h"
#include <string.h>
#include <math.h>

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

// One distinct value of the pooled walk: its gap to the one before, then the sum.
#define VISIT(v) do { \
        double v_ = (v); \
        if (n > 0 && v_ - last <= bound) { \
            if (found < capacity) { candidates[2 * found] = v_; candidates[2 * found + 1] = last; } \
            found++; \
        } \
        sum += fabs(v_); n++; last = v_; \
    } while (0)

CLONES
int64_t nensim_pooled_gaps(const double *const *tables, const int64_t *counts, int64_t k, double bound,
                           double *sum_abs, int64_t *distinct, double *candidates, int64_t capacity) {
    double sum = 0, last = 0;
    int64_t n = 0, found = 0;
    if (k == 1) {
        const double *a = tables[0];
        for (int64_t i = 0; i < counts[0]; i++) VISIT(a[i]);
    } else if (k == 2) {
        const double *a = tables[0], *b = tables[1];
        const int64_t na = counts[0], nb = counts[1];
        int64_t i = 0, j = 0;
        while (i < na || j < nb) {
            double x = i < na ? a[i] : INFINITY, y = j < nb ? b[j] : INFINITY;
            double v = x < y ? x : y;
            // Both ends advance without a branch (the arms interleave at random).
            i += x == v;
            j += y == v;
            VISIT(v);
        }
    } else if (k > 2) {
        int64_t at[k];
        for (int64_t g = 0; g < k; g++) at[g] = 0;
        for (;;) {
            double next = INFINITY;
            int any = 0;
            for (int64_t g = 0; g < k; g++) {
                if (at[g] < counts[g] && (!any || tables[g][at[g]] < next)) { next = tables[g][at[g]]; any = 1; }
            }
            if (!any) break;
            for (int64_t g = 0; g < k; g++) at[g] += at[g] < counts[g] && tables[g][at[g]] == next;
            VISIT(next);
        }
    }
    *sum_abs = sum;
    *distinct = n;
    return found;
}

CLONES
int64_t nensim_cox_level_blocks(const double *t0, const double *e0, const double *c0, int64_t m0,
                                const double *t1, const double *e1, const double *c1, int64_t m1,
                                const double *moved, int64_t n_moved, uint32_t *out, uint64_t *sums) {
    int64_t i = m0 - 1, j = m1 - 1, k = n_moved - 1, blocks = 0;
    uint64_t d0 = 0, d1 = 0, x0 = 0, x1 = 0;
    // The row being summed (its fixed time, counts); the censorings carried from later
    // times without deaths.
    double row_time = NAN;
    uint32_t rd0 = 0, rd1 = 0, rc0 = 0, rc1 = 0, carry0 = 0, carry1 = 0;
    int carrying = 0;
    // A row with records: a block when it has deaths (with the carried censorings),
    // else carried to the next earlier row. Written either way; kept only with deaths
    // (the slot is below the rows walked, so within `out`).
#define CLOSE_ROW do { \
        if ((rd0 | rd1 | rc0 | rc1) != 0) { \
            d0 += rd0; d1 += rd1; x0 += rc0; x1 += rc1; \
            int death = (rd0 | rd1) != 0; \
            uint32_t *o = out + 4 * blocks; \
            o[0] = rd0; o[1] = rd1; o[2] = rc0 + carry0; o[3] = rc1 + carry1; \
            blocks += death; \
            carry0 = death ? 0 : carry0 + rc0; carry1 = death ? 0 : carry1 + rc1; \
            carrying = !death; \
        } \
    } while (0)
    while (i >= 0 || j >= 0) {
        double x = i >= 0 ? t0[i] : -INFINITY, y = j >= 0 ? t1[j] : -INFINITY;
        double v = x > y ? x : y;
        double fixed = v;
        if (k >= 0) {
            while (k >= 0 && moved[2 * k] > v) k--;
            if (k >= 0 && moved[2 * k] == v) fixed = moved[2 * k + 1];
        }
        if (fixed != row_time) {
            CLOSE_ROW;
            row_time = fixed; rd0 = 0; rd1 = 0; rc0 = 0; rc1 = 0;
        }
        // Both tables' rows at v, without a branch (rows of a table that is done read
        // its first row, masked).
        int a = x == v, b = y == v;
        int64_t ia = i >= 0 ? i : 0, jb = j >= 0 ? j : 0;
        uint32_t ea = (uint32_t)e0[ia], ca = (uint32_t)c0[ia], eb = (uint32_t)e1[jb], cb = (uint32_t)c1[jb];
        rd0 += a ? ea : 0; rc0 += a ? ca : 0;
        rd1 += b ? eb : 0; rc1 += b ? cb : 0;
        i -= a; j -= b;
    }
    CLOSE_ROW;
    if (carrying) {
        uint32_t *o = out + 4 * blocks;
        o[0] = 0; o[1] = 0; o[2] = carry0; o[3] = carry1;
        blocks++;
    }
#undef CLOSE_ROW
    sums[0] = d0; sums[1] = x0; sums[2] = d1; sums[3] = x1;
    return blocks;
}
