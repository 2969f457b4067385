#ifndef NENSIM_COXLEVELS_H
#define NENSIM_COXLEVELS_H
#include <stdint.h>

/// The running sums of one evaluation of the Cox partial likelihood in the level form
/// of a two-valued covariate (SurvivalStats' `CoxLikelihood.evaluateLevels`), over its
/// blocks in the form's order (latest time first).
///
/// In: the per-value factors r_l = exp(β v_l), r_l v_l, r_l v_l². In and out: the
/// records at risk of each value in the blocks done (later times; exact integers),
/// U = Σ deaths × (v − S₁/S₀) as far as the blocks done go (the caller adds Σ d v),
/// Σ m (S₁/S₀)², Σ m S₂/S₀, and Π S₀ over the blocks' single deaths as a significand in
/// [1, 2) times 2^exponent (exact rescaling: one log per evaluation).
typedef struct {
    double r0, r1, rx0, rx1, rxx0, rxx1;
    uint64_t risk0, risk1;
    double u, mean_gram, gram, product;
    int64_t exponent;
} nensim_cox_two_levels;

/// Adds blocks first, first + 1, … of `counts` (4 per block: deaths of value 0, of
/// value 1, censored of value 0, of value 1) to `s` while each block has at most one
/// death; stops at the first block with two or more (a tie, left to the caller, who adds
/// it and calls again from the next block) or at `blocks`. S₀ = A r₀ + B r₁ (A, B the
/// records at risk of each value, this block's included), S₁, S₂ likewise, each from the
/// exact counts; the blocks are taken four at a time in four lanes, summed in a fixed
/// order, contraction off: the same bits on every machine and for every vector width.
/// - Returns: the index of the block it stopped at (`blocks` when done).
int64_t nensim_cox_two_levels_run(const uint32_t *counts, int64_t first, int64_t blocks, nensim_cox_two_levels *s);

/// One walk over the distinct values of the union of `k` ascending arrays of finite
/// times (`tables[g]` has `counts[g]` strictly increasing values), ascending, for R's
/// time fix (SurvivalStats' `SurvivalCounts.movedTimes`): Σ |v| summed in that order
/// into `*sum_abs`, the number of distinct values into `*distinct`, and each gap no
/// larger than `bound` — value v and the one before it — as a pair into `candidates`
/// (room for `capacity` pairs). Two arrays by a branch-free merge, more by a k-way one.
/// - Returns: the number of such gaps (more than `capacity`: call again with room).
int64_t nensim_pooled_gaps(const double *const *tables, const int64_t *counts, int64_t k, double bound,
                           double *sum_abs, int64_t *distinct, double *candidates, int64_t capacity);

/// The pooled rows of two groups' tables for the Cox level form (SurvivalStats'
/// `CoxDesign(levelTables:values:)`) — times strictly increasing, events and censored
/// non-negative integer counts, m0, m1 ≥ 1 rows — with R's time fix's walk
/// (`nensim_pooled_gaps`) in the same pass: the union of the times ascending, one row a
/// distinct time (deaths of group 0, of group 1, censored of group 0, of group 1),
/// row r written at slot m0 + m1 − 1 − r of `rows` (4 (m0 + m1) counts), so that they
/// read latest first from slot m0 + m1 − R; Σ |v| in that order into `*sum_abs`; each
/// gap to the time before no larger than `bound` as (v, the time before) into
/// `candidates` and its row into `candidate_rows` (room for `capacity`), their number
/// into `*found` (more than `capacity`: call again with room).
/// - Returns: R, the number of rows.
int64_t nensim_cox_pooled_rows(const double *t0, const double *e0, const double *c0, int64_t m0,
                               const double *t1, const double *e1, const double *c1, int64_t m1,
                               double bound, uint32_t *rows, double *sum_abs,
                               double *candidates, int64_t *candidate_rows, int64_t capacity, int64_t *found);

/// The blocks of the Cox level form from `nensim_cox_pooled_rows`' `n_rows` rows
/// (`rows` of `capacity` = m0 + m1 slots), in place, with each row of `joined`
/// (ascending; the rows whose time R's fix ties to the time before) summed into the row
/// before it: one block a time with records, latest first, from slot 0; a time without
/// deaths joins the block of the next earlier time, except the earliest time's, a
/// block of its own. `sums`: deaths and censored of group 0, then of group 1.
/// - Returns: the number of blocks.
int64_t nensim_cox_rows_blocks(uint32_t *rows, int64_t n_rows, int64_t capacity,
                               const int64_t *joined, int64_t n_joined, uint64_t *sums);

/// The rows of a survival table (SurvivalStats' `SurvivalCounts.init(time:event:)`)
/// from the radix keys of its records (`radixKey`: order-preserving bits of the time):
/// event keys `ev[0..<ne]` and censoring keys `ce[0..<nc]`, each ascending, none
/// UINT64_MAX (NaN's). One row per distinct key, ascending: its time (the key's
/// double), number of events and of censorings, written to `time`, `events` and
/// `censored` (room for every row) unless `time` is NULL (then only counted).
/// - Returns: the number of rows.
int64_t nensim_table_rows(const uint64_t *ev, int64_t ne, const uint64_t *ce, int64_t nc,
                          double *time, double *events, double *censored);

/// The rows of a two-group analysis (SurvivalStats' `TwoGroupWorkspace.buildRows`) from
/// its sorted keys `order[0..<n]` (n > 0; a time's bits ≥ 0 with the two lowest replaced
/// by the record's code: group | event << 1), with R's time fix walking ascending: a gap
/// dy to the previous distinct time ties when dy ≤ tol or, with `mean_abs` given (not
/// NaN), dy / mean_abs ≤ tol; with `mean_abs` NaN it does not tie when dy / max|t| > tol,
/// and a gap neither rule decides returns −1 (the caller walks again with the mean).
/// One row per distinct fixed time with deaths: its time, the numbers at risk of group 0
/// and 1 just before (from `total0`, `total1`) and its deaths per group, written to
/// `time`, `risk0`, `risk1`, `deaths0`, `deaths1` (room for n rows each; slots past the
/// returned count may be written). `events0`, `events1`: the events of each group. Every
/// sum in the order and rounding of the Swift loop it replaces.
/// - Returns: the number of rows, or −1.
int64_t nensim_two_group_rows(const uint64_t *order, int64_t n, double total0, double total1, double tol,
                              double mean_abs, double *time, double *risk0, double *risk1,
                              double *deaths0, double *deaths1, int64_t *events0, int64_t *events1);

/// The Kaplan–Meier curve and Greenwood standard error of log S of a table's `m` rows
/// (SurvivalStats' `KaplanMeier.fit`): with d the events and n the number at risk of a
/// row, S = Π (n − d)/n and se = √Σ d/(n (n − d)) over the rows up to it that have
/// events, each factor and term rounded as written and taken in row order (so the bits
/// of the loop that multiplies and adds as it goes).
void nensim_km_curve(const double *events, const double *risk, int64_t m, double *surv, double *se);

/// Whether every one of a table's `m` rows has a finite time and events and censored
/// that are integers in [0, 2³²) (1, else 0; SurvivalStats' `CoxPH.fitTwoGroups`, which
/// then looks for the first bad row itself, to name it); `*records`: Σ (events +
/// censored) of the rows, exact when they are valid.
int64_t nensim_counts_valid(const double *time, const double *events, const double *censored, int64_t m,
                            uint64_t *records);

/// The restricted mean ∫₀^τ S and its variance of a Kaplan–Meier curve (SurvivalStats'
/// `KaplanMeierEstimate.restrictedMean(tau:)`, R's `survmean`), `kept` the number of its
/// times ≤ τ: the area as the sum of rectangles (t_j − t_{j−1}) S(t_{j−1}) from time 0
/// (S = 1 there) with the last one to τ, added in order; the variance Σ_j d_j/(n_j (n_j −
/// d_j)) (r_{j+1} + … + r_kept)² accumulated from the end, the term 0 where n_j = d_j.
void nensim_km_restricted_mean(const double *time, const double *surv, const double *risk, const double *events,
                               int64_t kept, double tau, double *mean, double *variance);

#endif
