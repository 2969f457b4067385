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

#endif
