#ifndef NENSIM_CKERNELS_H
#define NENSIM_CKERNELS_H
// Array kernels of the Monte Carlo hot loop, in portable C so that the compiler can
// vectorise them (with AVX-512 (x86-64-v4) or AVX2 where the processor has them, chosen at run time) while
// giving bit-identical results on every machine: integer Philox, and log/exp from
// fdlibm's polynomials with floating-point contraction off (no FMA), evaluated in the
// same order on every path.
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/// Philox4x32-10 for `n` consecutive calls under key (key0, key1): call j uses the
/// counter (lo32(first + j), hi32(first + j), block0, block1) and writes its four
/// output words to out0[j], out1[j], out2[j], out3[j].
void nensim_philox4x32_10(uint32_t key0, uint32_t key1, uint64_t first, uint32_t block0, uint32_t block1,
                          size_t n, uint32_t *out0, uint32_t *out1, uint32_t *out2, uint32_t *out3);

/// The same words interleaved: call j writes out[4j], out[4j+1], out[4j+2], out[4j+3].
void nensim_philox4x32_10_interleaved(uint32_t key0, uint32_t key1, uint64_t first, uint32_t block0, uint32_t block1,
                                      size_t n, uint32_t *out);

/// Philox4x32-10 at `n` strided calls: call j uses the counter c = base + index[j] × share
/// (mod 2^64; index[j] ≥ 0), as (lo32(c), hi32(c), block0, block1), and writes its words to
/// out0[j] … out3[j] (the words of `nensim_philox4x32_10` at those counters): a pathway's
/// later line, each patient at its own share of the stream, without a list of counters.
void nensim_philox4x32_10_strided(uint32_t key0, uint32_t key1, uint64_t base, uint64_t share, const int32_t *index,
                                  uint32_t block0, uint32_t block1, size_t n, uint32_t *out0, uint32_t *out1,
                                  uint32_t *out2, uint32_t *out3);

/// out[i] = -log((w[i] + 0.5) / 2^32): an exponential variate from a 32-bit word,
/// in (1.2e-10, 22.9]. Relative error below 1 ulp of the log (fdlibm's log).
void nensim_neglog_u32(const uint32_t *w, double *out, size_t n);

/// Best response and the PFS rank of n patients (the engine's ResponseStage):
/// rank[i] = w1[i] < coupling ? w0[i] : w2[i]; tier[i] = the number of cuts j with
/// w0[i] >= cut[j], cut ascending (each in 0 … 2^32: the uniform (w + 0.5)/2^32 is at or
/// above a probability p exactly when w >= ceil(p·2^32 − 0.5)); counts[k] += the
/// patients of tier k, k ≤ cuts. Branch-free; the same result in every clone.
void nensim_response_tiers(const uint64_t *cut, size_t cuts, uint64_t coupling,
                           const uint32_t *w0, const uint32_t *w1, const uint32_t *w2,
                           size_t n, ptrdiff_t *tier, uint32_t *rank, ptrdiff_t *counts);

/// An arm's n patients into its tally (the engine's ArmTallySink): OS = pfs[i] + pps[i],
/// the censoring time c = censor[i] (or `fixed` when censor is NULL); each endpoint
/// observed at min(T, c), an event when T <= c, counted in cell
/// min(trunc(min(T, c)·inv_width), last) of its events or censored array (times ≥ 0,
/// finite once censored). When pfs_time is not NULL, the observed times and event flags
/// are also written to pfs_time, pfs_event, os_time, os_event (n each).
void nensim_tally_scatter(const double *pfs, const double *pps, const double *censor,
                          double fixed, size_t n, double inv_width, ptrdiff_t last,
                          ptrdiff_t *pfs_events, ptrdiff_t *pfs_censored, ptrdiff_t *os_events, ptrdiff_t *os_censored,
                          double *pfs_time, bool *pfs_event, double *os_time, bool *os_event);

/// n spans [start[i], end[i]) (a pathway's line, from its start to progression on it)
/// against the censoring time c = censor[i] (or `fixed` when censor is NULL): a span that
/// starts before c (start[i] < c) is observed for min(end[i], c) − start[i], an event
/// when end[i] <= c, and counted in cell min(trunc(observed·inv_width), last) of its
/// events or censored array; the others are not counted. start NULL: every span starts
/// at 0 and is counted (an endpoint from time 0, as `nensim_tally_scatter` counts one).
/// Returns the spans counted. Times ≥ start, finite once censored.
size_t nensim_tally_spans(const double *start, const double *end, const double *censor,
                          double fixed, size_t n, double inv_width, ptrdiff_t last,
                          ptrdiff_t *events, ptrdiff_t *censored);

/// A pathway block's endpoints from time 0 in one pass, each counted as
/// `nensim_tally_spans` with start NULL counts it: PFS1 at pfs1[i], PFS2 at pfs2[i] — a
/// NaN there (no second progression) is replaced by death[i], in pfs2 — and OS at
/// death[i], against the censoring time censor[i] (or `fixed` when censor is NULL).
/// pfs2_events and pfs2_censored NULL: PFS2 is filled in but not counted.
void nensim_pathway_endpoints(const double *pfs1, double *pfs2, const double *death,
                              const double *censor, double fixed, size_t n, double inv_width, ptrdiff_t last,
                              ptrdiff_t *pfs1_events, ptrdiff_t *pfs1_censored, ptrdiff_t *pfs2_events, ptrdiff_t *pfs2_censored,
                              ptrdiff_t *os_events, ptrdiff_t *os_censored);

/// A pathway's compaction after line `line` − 1's progression, over slots 0..<m: for each
/// slot j (patient i = idx[j], progression p = progression[j], post-progression time
/// x = pps[j]), death[i] = p + x and reached[i] = line; the slots with !(x < gap) — who
/// start the next line — are kept in order at the front of idx, cen and start (start =
/// p + gap). Returns the slots kept. idx holds distinct patients; idx, cen and start are
/// read at j before being written at the kept count (≤ j). The same bits on every machine
/// (eight slots at a time with AVX-512).
size_t nensim_pathway_compact(size_t m, double gap, int32_t line, int32_t *idx, double *cen, double *start,
                              const double *progression, const double *pps, double *death, int32_t *reached);

/// A pathway block's slots for line 1 (patient i in slot i): idx[i] = i, cen[i] =
/// censor[i] (or `fixed` when censor is NULL), start[i] = 0, progression[i] = pfs1[i],
/// pps[i] = pps1[i] and pfs2[i] = NaN (no second progression yet), for i < n.
void nensim_pathway_first_slots(size_t n, const double *censor, double fixed, const double *pfs1, const double *pps1,
                                int32_t *idx, double *cen, double *start, double *progression, double *pps, double *pfs2);

/// A later line's progressions over slots 0..<m: progression[j] = start[j] + time[j],
/// and, when pfs2 is not NULL (line 2), pfs2[idx[j]] = progression[j]. No aliasing.
void nensim_pathway_progressions(size_t m, const int32_t *idx, const double *start, const double *time,
                                 double *progression, double *pfs2);

/// After the last line's progression, over slots 0..<m: death[idx[j]] = progression[j] +
/// pps[j] and reached[idx[j]] = line. idx holds distinct patients.
void nensim_pathway_deaths(size_t m, int32_t line, const int32_t *idx, const double *progression, const double *pps,
                           double *death, int32_t *reached);

/// How many of the n words w[i] fall below `threshold` (a binary outcome's word threshold,
/// 0 … 2^32, as `UInt64(w) < threshold`).
size_t nensim_count_below(const uint32_t *w, size_t n, uint64_t threshold);

/// x[i] = scale * x[i]^power for x[i] > 0 (computed as exp(power * log x)); relative
/// error about |power * log x| ulp.
void nensim_scaled_pow(double *x, double power, double scale, size_t n);

/// One element of `nensim_neglog_u32` and of `nensim_scaled_pow`: the same operations,
/// so the same bits, for code that draws one patient at a time.
double nensim_neglog_word(uint32_t w);
double nensim_scaled_pow1(double x, double power, double scale);

/// Families besides the Weibull and exponential (docs/RANDOM.md, "Event-time families").
enum {
    NENSIM_FAMILY_LOGLOGISTIC = 2, /* p0 = 1/shape = sigma, p1 = scale (e^mu) */
    NENSIM_FAMILY_LOGNORMAL = 3,   /* p0 = sdlog, p1 = e^meanlog */
    NENSIM_FAMILY_GOMPERTZ = 4     /* p0 = shape a (any sign), p1 = rate b > 0 */
};

/// x[i] = T(x[i]), the time whose cumulative hazard is x[i], for x[i] > 0 finite, in the
/// family `family` with parameters p0, p1 (above); +inf where S never falls that low
/// (a Gompertz with a < 0). Same bits as `nensim_family_time1` element by element.
void nensim_family_times(int32_t family, double p0, double p1, double *x, size_t n);
double nensim_family_time1(int32_t family, double p0, double p1, double e);

/// The generalized gamma in Prentice's parameterisation (μ, σ, Q ≠ 0; flexsurv's
/// `gengamma`), as a table of y_k = log T(E_k) and slopes d_k = d log T / d log E at
/// log E_k = x0 + k·h, k < n, each node an exact inverse of S (Newton on the
/// incomplete gamma in the kernels' log and exp: the same bits on every machine).
/// `nensim_gengamma_times` interpolates it (cubic Hermite in log E, relative error below
/// 2e-9 in T; docs/RANDOM.md) and inverts exactly outside [x0, x0 + (n − 1)h].
typedef struct {
    double mu, sigma, q, x0, h, inv_h;
    size_t n;
    const double *y, *d;
} nensim_gengamma_table;

/// Fills y[0..<n] and d[0..<n] (caller-owned, n = t->n) and points t->y, t->d at them.
void nensim_gengamma_table_build(nensim_gengamma_table *t, double *y, double *d);
/// x[i] = T(x[i]) for cumulative hazards x[i] > 0; same bits as `nensim_gengamma_time1`.
void nensim_gengamma_times(const nensim_gengamma_table *t, double *x, size_t n);
double nensim_gengamma_time1(const nensim_gengamma_table *t, double e);
/// log T(e) by the exact inverse (no table): slow, for tests and the table's edges.
double nensim_gengamma_log_time1(double mu, double sigma, double q, double e);

/// The piecewise exponential (docs/PARAMETRIC.md): rate[j] on [cut[j−1], cut[j]) with
/// cut[−1] = 0, j ≤ cuts; cumulative[j] = H(cut[j−1]) (cumulative[0] = 0) and
/// cumulative[cuts + 1] = H(∞) = rate[cuts]·∞, each summed as SurvivalStats'
/// PiecewiseExponentialDistribution sums them. `nensim_pwexp_times`: x[i] = T(x[i]),
/// +inf past H(∞); same bits as `nensim_pwexp_time1` and as SurvivalStats' inverse.
typedef struct {
    size_t cuts;
    const double *cut;        /* cuts values, strictly increasing, > 0 */
    const double *rate;       /* cuts + 1 values, >= 0 */
    const double *cumulative; /* cuts + 2 values */
} nensim_pwexp;
void nensim_pwexp_times(const nensim_pwexp *p, double *x, size_t n);
double nensim_pwexp_time1(const nensim_pwexp *p, double e);

/// Mixture cure S = π + (1 − π)S₀ (π = `cure` in [0, 1)): x[i] ← E₀, the base law's
/// cumulative hazard at the patient's S = e^−x[i], or +inf for a cured patient (S ≤ π,
/// who never has the event). Same bits as `nensim_cure_exponential1`.
void nensim_cure_exponentials(double cure, double *x, size_t n);
double nensim_cure_exponential1(double cure, double e);

/// Per-patient costs, QALYs and life-years (docs/ECONOMICS.md, "Per-patient accrual"):
/// one arm's (or one line of therapy's) constants. Times in months; k_* = ln(1 + r)/12.
typedef struct {
    double horizon;
    double k_cost, k_outcome;
    double pf_cost, pd_cost, pf_utility, pd_utility;
    /// Paid at the segment's start: start cost + Σ P(AE)·AE cost.
    double one_off;
    /// Per month from the start until progression or `drug_max` months after the start
    /// (+inf: no maximum; 0 per month: none).
    double drug_per_month, drug_max;
    /// `cycles` payments of `cycle_cost` at `cycle_months[j]` after the start, each when the
    /// patient is still progression-free then.
    double cycle_cost;
    const double *cycle_months;
    int32_t cycles;
    /// One-off at death before the horizon (segments marked as ending in death).
    double terminal;
    /// Adverse events: ae_weight[j] = P(AE)·disutility over ae_months[j] from the start.
    const double *ae_weight;
    const double *ae_months;
    int32_t aes;
} nensim_accrual;

/// The six accrued quantities, in this order in every values array:
/// cost, cost undiscounted, QALYs, QALYs undiscounted, life-years, life-years undiscounted.
enum { NENSIM_ACCRUED = 6 };

/// One arm's patients: PFS pfs[i], OS pfs[i] + pps[i] (months, ≥ 0; +inf for a cured patient, who accrues to the horizon), from month 0,
/// each ending in death. Writes values[q·n + i] for the six quantities q (values holds
/// 6·n doubles and aliases neither input). Same bits as `nensim_accrue_segment1` with
/// start 0 and end = death = pfs + pps.
void nensim_accrue_arm_values(const nensim_accrual *a, const double *pfs, const double *pps, size_t n, double *values);

/// One segment of one patient's pathway: progression-free on treatment from `start` to
/// `progression`, progressed from `progression` to `end`, dead at `death` ≥ end (the
/// segment ends in death when end = death); start ≤ progression ≤ end. Writes out[0 … 5].
void nensim_accrue_segment1(const nensim_accrual *a, double start, double progression, double end, double death, double *out);

/// Exact sums of fixed-point values (a 128-bit two's-complement integer as hi·2^64 + lo).
typedef struct { int64_t hi; uint64_t lo; } nensim_int128;

/// The economic sums of a set of patients, added to by `nensim_accrual_sums`.
typedef struct {
    nensim_int128 sum[NENSIM_ACCRUED];
    nensim_int128 square[NENSIM_ACCRUED];
    nensim_int128 cost_qaly;
} nensim_accrual_sums;

/// Adds n patients' values (values[q·n + i], finite, |value| < 2^42) to `sums`, in
/// passes of 512 patients: q = nearest integer of value·2^20 (ties to even); Σq exactly;
/// a pass's Σq² and Σ q_cost·q_QALY summed in double precision over eight interleaved
/// lanes in a fixed order (patient i in lane i mod 8, the lanes added pairwise), rounded
/// to an integer and added exactly. The result depends only on the values and their
/// order, never on the machine's vector width.
void nensim_accrual_sums_add(const double *values, size_t n, nensim_accrual_sums *sums);

/// `nensim_accrue_arm_values` then `nensim_accrual_sums_add` of patients 0 ..< n, in
/// passes of 512 with the values on the stack: the same sums as the two calls.
void nensim_accrue_arm(const nensim_accrual *a, const double *pfs, const double *pps, size_t n, nensim_accrual_sums *sums);

/// out[i] = log(x[i]) for n doubles in the kernels' log (`nensim_log`'s bits for positive
/// normal x; subnormals, 0, +inf, negatives and NaN exact: −inf at 0, NaN below): the same
/// bits on every machine, about 1 ulp from the correctly rounded log — the logs of
/// `nensim_two_group_efron`, here for tests. x and out do not overlap.
void nensim_log_array(const double *x, double *out, size_t n);

/// The Efron log partial likelihood ℓ, score U and information I at β (r = e^β) of a
/// two-group Cox model with a 0/1 covariate (SurvivalStats' `TwoGroupWorkspace`), from
/// its `rows` rows of distinct death times: numbers at risk n0, n1 and deaths d0, d1
/// (d0 + d1 ≥ 1, integers). With S = n0 + n1 r, D = d0 + d1 r and f = k/d for the row's
/// k-th of d deaths: ℓ += d1 β − Σ log(S − fD), a = (n1 r − f d1 r)/(S − fD), U += d1 − Σ a,
/// I += Σ a(1 − a) — a row of one death as a = n1 r / S. The quotients and logs (the
/// kernels' log, `nensim_log_array`'s bits) are vectorised; the sums run in row order, as
/// the loop that adds each term as it goes. `num`, `den`, `a`, `logden`: room for one
/// value per death.
void nensim_two_group_efron(int64_t rows, const double *n0, const double *n1, const double *d0, const double *d1,
                            double beta, double r, double *num, double *den, double *a, double *logden,
                            double *ll, double *u, double *info);

/// A trial replicate's analysis set at calendar time `analysis` (NENSim's
/// `ReplicateWorker.records`): of the n patients (entry order; entry time, event time,
/// dropout time, allocation 0/1, and unless NULL the stratum), those enrolled before
/// `analysis`, each an event at its event time when that comes by its dropout and by
/// `analysis`, else censored at min(analysis − entry, dropout) but not below 0 — with
/// `scan` > 0 at the last scan at or before that (⌊c / scan⌋ · scan). Written in order to
/// `time`, `event`, `group` and unless NULL `record_stratum` (room for n each);
/// `*experimental`: those kept in group 1. Selects, not branches. Returns the number kept.
int64_t nensim_trial_records(int64_t n, const double *entry, const double *event_time, const double *dropout,
                             const uint8_t *allocation, const uint8_t *stratum, double analysis, double scan,
                             double *time, bool *event, uint8_t *group, uint8_t *record_stratum, int64_t *experimental);

/// Scalar references of the kernels' log and exp (for tests).
double nensim_log(double x);
double nensim_exp(double x);

#endif
