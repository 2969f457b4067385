// SurvivalStats' per-row loops (see include/coxlevels.h): the Cox level form's blocks of one
// death or none four at a time, a table's rows, the time fix's walk, the two-group Cox design,
// the Kaplan–Meier curve and restricted mean, a table's check.
#include "coxlevels.h"
#include <string.h>
#include <math.h>
#include <float.h>

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

// An order-preserving signed integer of a double that is not NaN (−0 as +0):
// nensim_cox_pooled_rows' merge compares these, an integer compare and select being a
// shorter step in its chain of dependent steps than a floating-point one.
static inline int64_t order_key(double v) {
    v += 0.0;
    int64_t b;
    memcpy(&b, &v, 8);
    return b ^ ((b >> 63) & INT64_MAX);
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
int64_t nensim_cox_pooled_rows(const double *t0, const double *e0, const double *c0, int64_t m0,
                               const double *t1, const double *e1, const double *c1, int64_t m1,
                               double bound, uint32_t *rows, double *sum_abs,
                               double *candidates, int64_t *candidate_rows, int64_t capacity, int64_t *found) {
    const int64_t top = m0 + m1 - 1;
    int64_t i = 0, j = 0, r = 0, gaps = 0;
    double sum = 0, last = 0;
    // Each table's head and the time after it held as order keys (INT64_MAX past the
    // end: a NaN's bits, never a time's), the one after that loaded from the indices
    // known at the step's start: the next step's heads are a select away, not a load.
    int64_t x = order_key(t0[0]), nx = m0 > 1 ? order_key(t0[1]) : INT64_MAX;
    int64_t y = order_key(t1[0]), ny = m1 > 1 ? order_key(t1[1]) : INT64_MAX;
    while (i < m0 || j < m1) {
        const int64_t key = x < y ? x : y;
        // Both tables' rows at this time, without a branch (a table that is done reads
        // its last row, masked: a branch on a or b would be mispredicted, the groups
        // interleave at random).
        const int a = x == key, b = y == key;
        const int64_t ia = i < m0 ? i : m0 - 1, jb = j < m1 ? j : m1 - 1;
        const double v = a ? t0[ia] : t1[jb];
        const uint32_t ma = 0u - (uint32_t)a, mb = 0u - (uint32_t)b;
        const uint32_t ea = (uint32_t)e0[ia], ca = (uint32_t)c0[ia], eb = (uint32_t)e1[jb], cb = (uint32_t)c1[jb];
        uint32_t *o = rows + 4 * (top - r);
        o[0] = ea & ma;
        o[1] = eb & mb;
        o[2] = ca & ma;
        o[3] = cb & mb;
        if (r > 0 && v - last <= bound) {
            if (gaps < capacity) { candidates[2 * gaps] = v; candidates[2 * gaps + 1] = last; candidate_rows[gaps] = r; }
            gaps++;
        }
        sum += fabs(v);
        last = v;
        r++;
        const int64_t x2 = i + 2 < m0 ? order_key(t0[i + 2]) : INT64_MAX, y2 = j + 2 < m1 ? order_key(t1[j + 2]) : INT64_MAX;
        x = a ? nx : x; nx = a ? x2 : nx;
        y = b ? ny : y; ny = b ? y2 : ny;
        i += a;
        j += b;
    }
    *sum_abs = sum;
    *found = gaps;
    return r;
}

CLONES
int64_t nensim_cox_rows_blocks(uint32_t *rows, int64_t n_rows, int64_t capacity,
                               const int64_t *joined, int64_t n_joined, uint64_t *sums) {
    const uint32_t *row = rows + 4 * (capacity - n_rows);
    int64_t k = n_joined - 1, blocks = 0;
    uint64_t d0 = 0, d1 = 0, x0 = 0, x1 = 0;
    uint32_t rd0 = 0, rd1 = 0, rc0 = 0, rc1 = 0, carry0 = 0, carry1 = 0;
    int carrying = 0;
    // Rows latest first (row q is the pooled row n_rows − 1 − q). A row joined to the
    // one before it adds to the sums and waits; any other closes them: a block when
    // they have deaths (with the censorings carried), else carried to the next earlier
    // row. Block b is written over row slot b, which was read before (b ≤ q).
    for (int64_t q = 0; q < n_rows; q++) {
        const int64_t r = n_rows - 1 - q;
        const uint32_t *v = row + 4 * q;
        rd0 += v[0]; rd1 += v[1]; rc0 += v[2]; rc1 += v[3];
        if (k >= 0 && joined[k] == r) { k--; continue; }
        if ((rd0 | rd1 | rc0 | rc1) != 0) {
            d0 += rd0; d1 += rd1; x0 += rc0; x1 += rc1;
            int death = (rd0 | rd1) != 0;
            uint32_t *o = rows + 4 * blocks;
            uint32_t o2 = rc0 + carry0, o3 = rc1 + carry1;
            o[0] = rd0; o[1] = rd1; o[2] = o2; o[3] = o3;
            blocks += death;
            carry0 = death ? 0 : o2; carry1 = death ? 0 : o3;
            carrying = !death;
        }
        rd0 = 0; rd1 = 0; rc0 = 0; rc1 = 0;
    }
    if (carrying) {
        uint32_t *o = rows + 4 * blocks;
        o[0] = 0; o[1] = 0; o[2] = carry0; o[3] = carry1;
        blocks++;
    }
    sums[0] = d0; sums[1] = x0; sums[2] = d1; sums[3] = x1;
    return blocks;
}

CLONES
int64_t nensim_table_rows(const uint64_t *ev, int64_t ne, const uint64_t *ce, int64_t nc,
                          double *time, double *events, double *censored) {
    // One key a step, from whichever array has the smaller head (events first on a
    // tie); a new row when the key changes. The current row's counts are kept in
    // registers and its slot rewritten each step, so no step waits on a load.
    int64_t i = 0, k = 0, m = 0, de = 0, dc = 0;
    uint64_t last = 0;
    const int64_t n = ne + nc;
    for (int64_t s = 0; s < n; s++) {
        uint64_t x = i < ne ? ev[i] : UINT64_MAX, y = k < nc ? ce[k] : UINT64_MAX;
        int from_events = x <= y;
        uint64_t v = from_events ? x : y;
        i += from_events;
        k += !from_events;
        int fresh = (m == 0) | (v != last);
        m += fresh;
        last = v;
        de = (fresh ? 0 : de) + from_events;
        dc = (fresh ? 0 : dc) + !from_events;
        if (time) {
            // radixValue: the key's double.
            uint64_t bits = (v >> 63) ? v & ~(1ULL << 63) : ~v;
            double t;
            memcpy(&t, &bits, 8);
            time[m - 1] = t;
            events[m - 1] = (double)de;
            censored[m - 1] = (double)dc;
        }
    }
    return m;
}

CLONES
void nensim_km_curve(const double *events, const double *risk, int64_t m, double *surv, double *se) {
    // Each row's factor and Greenwood term (independent divisions: vectorised), then
    // the running product and sum (rows without events leave both as they are,
    // selected without a branch), then the square roots.
    for (int64_t i = 0; i < m; i++) {
        const double d = events[i], n = risk[i];
        surv[i] = (n - d) / n;
        se[i] = d / (n * (n - d));
    }
    double km = 1.0, greenwood = 0.0;
    for (int64_t i = 0; i < m; i++) {
        const int event = events[i] > 0;
        const double k = km * surv[i], g = greenwood + se[i];
        km = event ? k : km;
        greenwood = event ? g : greenwood;
        surv[i] = km;
        se[i] = greenwood;
    }
    for (int64_t i = 0; i < m; i++) se[i] = __builtin_elementwise_sqrt(se[i]); // no errno: vectorises
}

CLONES
int64_t nensim_counts_valid(const double *time, const double *events, const double *censored, int64_t m,
                            uint64_t *records) {
    // Every row checked and summed without a branch (vectorised); a count out of range
    // is replaced by 0.5 before its conversion, so it fails the integer test too.
    uint64_t sum = 0;
    int bad = 0;
    for (int64_t i = 0; i < m; i++) {
        const double e = events[i], c = censored[i];
        const int in_e = (e >= 0) & (e < 0x1p32), in_c = (c >= 0) & (c < 0x1p32);
        const double ee = in_e ? e : 0.5, cc = in_c ? c : 0.5;
        const uint32_t ue = (uint32_t)ee, uc = (uint32_t)cc;
        bad |= !in_e | !in_c | ((double)ue != ee) | ((double)uc != cc) | !(fabs(time[i]) <= DBL_MAX);
        sum += (uint64_t)ue + uc;
    }
    *records = sum;
    return !bad;
}

CLONES
void nensim_km_restricted_mean(const double *time, const double *surv, const double *risk, const double *events,
                               int64_t kept, double tau, double *mean, double *variance) {
    // Rectangle j: (t_j − t_{j−1}) S(t_{j−1}) from t_{−1} = 0, S = 1, the last to τ.
#define RECTANGLE(j) (((j) < kept ? time[j] : tau) - ((j) == 0 ? 0.0 : time[(j) - 1])) * ((j) == 0 ? 1.0 : surv[(j) - 1])
    double area = 0;
    for (int64_t j = 0; j <= kept; j++) area += RECTANGLE(j);
    // Σ_j h_j (r_{j+1} + … + r_kept)², accumulated from the end; h_j = 0 where n = d.
    double v = 0, tail = 0;
    for (int64_t j = kept - 1; j >= 0; j--) {
        tail += RECTANGLE(j + 1);
        const double n = risk[j], d = events[j];
        const double h = d / (n * (n - d));
        v += tail * tail * (n - d == 0 ? 0.0 : h);
    }
#undef RECTANGLE
    *mean = area;
    *variance = v;
}

int64_t nensim_two_group_rows(const uint64_t *order, int64_t n, double total0, double total1, double tol,
                              double mean_abs, double *time, double *risk0, double *risk1,
                              double *deaths0, double *deaths1, int64_t *events0, int64_t *events1) {
    const uint64_t mask = ~(uint64_t)3;
    double t_max, cut, last;
    uint64_t b = order[n - 1] & mask;
    memcpy(&t_max, &b, 8);
    b = order[0] & mask;
    memcpy(&cut, &b, 8);
    last = cut;
    const int known = !isnan(mean_abs);
    int64_t rows = 0, e0 = 0, e1 = 0;
    double r0 = total0, r1 = total1, d0 = 0, d1 = 0, c0 = 0, c1 = 0;
    for (int64_t i = 0; i <= n; i++) {
        double t = 0;
        int close = i == n;
        if (!close) {
            b = order[i] & mask;
            memcpy(&t, &b, 8);
            if (t != last) {
                double dy = t - last;
                int tied;
                if (known) tied = dy <= tol || dy / mean_abs <= tol;
                else if (dy <= tol) tied = 1;
                else if (dy / t_max > tol) tied = 0;
                else return -1;
                close = !tied;
                last = t;
            }
        }
        if (close) {
            // The row is written whether or not it has deaths, and kept (the count moves
            // on) only when it has: no branch on the deaths.
            time[rows] = cut; risk0[rows] = r0; risk1[rows] = r1; deaths0[rows] = d0; deaths1[rows] = d1;
            rows += d0 + d1 > 0;
            e0 += (int64_t)d0; e1 += (int64_t)d1;
            r0 -= d0 + c0; r1 -= d1 + c1;
            d0 = 0; d1 = 0; c0 = 0; c1 = 0;
            cut = t;
            if (i == n) break;
        }
        unsigned code = (unsigned)(order[i] & 3);
        c0 += code == 0 ? 1.0 : 0.0; c1 += code == 1 ? 1.0 : 0.0;
        d0 += code == 2 ? 1.0 : 0.0; d1 += code == 3 ? 1.0 : 0.0;
    }
    *events0 = e0; *events1 = e1;
    return rows;
}
