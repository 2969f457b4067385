#!/usr/bin/env python3
"""Survival-statistics pipeline in numpy, timed on the benchmark's two-arm trials.

The same pipeline as Benchmarks/SurvivalStatistics and scripts/perf/survival_r.R, on the
same data (the CSVs written by `swift run -c release --package-path Benchmarks
survival-data DIR`):

  1. Kaplan-Meier per arm with Greenwood variance, log-scale CI and the median with its
     CI (R's rule: midpoint where S equals 0.5 over an interval);
  2. the two-sample log-rank test;
  3. the Cox model of arm with Efron ties, Newton-Raphson from beta = 0 with step
     halving and R's convergence rule |1 - l_old/l_new| <= 1e-9.

Each step is a tight vectorised numpy implementation (sorts, searchsorted, cumulative
sums, reduceat; no Python loop over records or times). Every step is timed with
time.perf_counter (wall) and time.process_time (CPU), median of 3 runs; reading the CSV is not timed. With --lifelines the
same three steps are also run with lifelines (KaplanMeierFitter, logrank_test,
CoxPHFitter), once per size at 10^6 (it is slow), median of 3 otherwise.

Usage: survival_numpy.py DIR [n per arm ...] [--lifelines]
Prints one JSON line per size and tool: seconds per step and the numbers compared.
"""
import json
import sys
import time

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

Z95 = norm.ppf(0.975)
TOL = np.sqrt(np.finfo(float).eps)  # R's quantile tolerance


def first_below_half(t, curve):
    """R's median rule on a non-increasing curve: the first time S < 0.5 + tol; the
    midpoint to the next drop if S equals 0.5 there."""
    below = np.flatnonzero(curve < 0.5 + TOL)
    if below.size == 0:
        return None
    i = below[0]
    if abs(curve[i] - 0.5) < TOL:
        later = np.flatnonzero(curve[i:] < curve[i])
        if later.size:
            return (t[i] + t[i + later[0]]) / 2
    return float(t[i])


def kaplan_meier(t, e):
    """One curve: distinct times, S, se(log S), log CI, and the median with its CI."""
    ts = np.sort(t)
    te = np.sort(t[e])
    first = np.empty(ts.size, dtype=bool)
    first[0] = True
    np.not_equal(ts[1:], ts[:-1], out=first[1:])
    u = ts[first]
    n_risk = ts.size - np.searchsorted(ts, u, "left")
    d = (np.searchsorted(te, u, "right") - np.searchsorted(te, u, "left")).astype(float)
    surv = np.cumprod(1.0 - d / n_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        green = np.cumsum(np.where(n_risk > d, d / (n_risk * (n_risk - d)), 0.0))
    se = np.sqrt(green)
    lower = surv * np.exp(-Z95 * se)
    upper = np.minimum(surv * np.exp(Z95 * se), 1.0)
    return u, surv, se, (first_below_half(u, surv), first_below_half(u, lower), first_below_half(u, upper))


def log_rank(t, e, g):
    """Two-sample log-rank (survdiff, rho = 0): chi-square on 1 df."""
    ts = np.sort(t)
    te = np.sort(t[e])
    t1 = np.sort(t[g == 1])
    te1 = np.sort(t[e & (g == 1)])
    first = np.empty(te.size, dtype=bool)
    first[0] = True
    np.not_equal(te[1:], te[:-1], out=first[1:])
    u = te[first]  # distinct event times
    n = (ts.size - np.searchsorted(ts, u, "left")).astype(float)
    n1 = (t1.size - np.searchsorted(t1, u, "left")).astype(float)
    d = (np.searchsorted(te, u, "right") - np.searchsorted(te, u, "left")).astype(float)
    d1 = (np.searchsorted(te1, u, "right") - np.searchsorted(te1, u, "left")).astype(float)
    expected1 = np.sum(d * n1 / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(n > 1, d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1), 0.0)
    var = v.sum()
    observed1 = te1.size
    stat = (observed1 - expected1) ** 2 / var
    return stat, chi2.sf(stat, 1)


def cox_efron(t, e, x, max_iter=20, eps=1e-9):
    """Cox model of one covariate, Efron ties, Newton-Raphson as R's coxph."""
    order = np.argsort(-t)  # descending time
    ts, xs, es = t[order], x[order], e[order].astype(float)
    xs = xs - xs.mean()  # R centres covariates
    start = np.empty(ts.size, dtype=bool)
    start[0] = True
    np.not_equal(ts[1:], ts[:-1], out=start[1:])
    starts = np.flatnonzero(start)
    ends = np.r_[starts[1:], ts.size] - 1  # last record of each block
    d = np.add.reduceat(es, starts)
    dead = d > 0
    blocks = np.flatnonzero(dead)
    dd = d[dead].astype(np.int64)
    # One Efron term per death: its block and fraction k/d, k = 0..d-1.
    term_block = np.repeat(blocks, dd)
    offsets = np.arange(term_block.size) - np.repeat(np.cumsum(dd) - dd, dd)
    frac = offsets / np.repeat(dd, dd).astype(float)
    sum_x_dead = np.dot(xs, es)
    xe = xs * es

    def evaluate(beta):
        r = np.exp(beta * xs)
        rx = r * xs
        rxx = rx * xs
        s0 = np.cumsum(r)[ends][term_block]
        s1 = np.cumsum(rx)[ends][term_block]
        s2 = np.cumsum(rxx)[ends][term_block]
        d0 = np.add.reduceat(r * es, starts)[term_block]
        d1 = np.add.reduceat(rx * es, starts)[term_block]
        d2 = np.add.reduceat(rxx * es, starts)[term_block]
        den = s0 - frac * d0
        m1 = (s1 - frac * d1) / den
        m2 = (s2 - frac * d2) / den
        loglik = beta * sum_x_dead - np.log(den).sum()
        score = sum_x_dead - m1.sum()
        info = (m2 - m1 * m1).sum()
        return loglik, score, info

    beta = 0.0
    ll0, u0, i0 = evaluate(beta)
    score_test = u0 * u0 / i0
    ll, u, info = ll0, u0, i0
    new_beta = beta + u / info
    halving = 0
    iterations = 0
    for it in range(1, max_iter + 1):
        new_ll, new_u, new_info = evaluate(new_beta)
        iterations = it
        if abs(1 - ll / new_ll) <= eps:
            beta, ll, u, info = new_beta, new_ll, new_u, new_info
            break
        if new_ll < ll:
            halving += 1
            new_beta = (new_beta + halving * beta) / (halving + 1)
        else:
            halving = 0
            beta, ll, u, info = new_beta, new_ll, new_u, new_info
            new_beta = beta + u / info
    se = 1 / np.sqrt(info)
    return dict(coef=beta, se=se, hr=np.exp(beta), loglik=[ll0, ll], score=score_test, iterations=iterations)


def timed(f, repeats):
    """Median wall-clock seconds of `repeats` runs and the result; the median CPU
    seconds (user + system, this process) are left in timed.last_cpu."""
    times, cpus, out = [], [], None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        out = f()
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    timed.last_cpu = float(np.median(cpus))
    return float(np.median(times)), out


def run_numpy(t, e, g, repeats=3):
    arms = [(t[g == a], e[g == a]) for a in (0, 1)]
    tk, km = timed(lambda: [kaplan_meier(ta, ea)[3] for ta, ea in arms], repeats)
    ck = timed.last_cpu
    tl, lr = timed(lambda: log_rank(t, e, g), repeats)
    cl = timed.last_cpu
    tc, cx = timed(lambda: cox_efron(t, e, g.astype(float)), repeats)
    cc = timed.last_cpu
    return dict(tool="numpy", seconds=dict(km=tk, logrank=tl, cox=tc, total=tk + tl + tc),
                cpu_seconds=dict(km=ck, logrank=cl, cox=cc, total=ck + cl + cc),
                result=dict(medians=[m[0] for m in km], medianLower=[m[1] for m in km], medianUpper=[m[2] for m in km],
                            logRankChiSquare=lr[0], logRankP=lr[1], coxCoefficient=cx["coef"], coxStandardError=cx["se"],
                            hazardRatio=cx["hr"], coxLogLikelihood=cx["loglik"], coxScore=cx["score"],
                            coxIterations=cx["iterations"]))


def run_lifelines(df, repeats):
    from lifelines import CoxPHFitter, KaplanMeierFitter
    from lifelines.statistics import logrank_test

    def km():
        out = []
        for a in (0, 1):
            sub = df[df.arm == a]
            f = KaplanMeierFitter().fit(sub.time, sub.status)
            out.append(f.median_survival_time_)
        return out

    def lr():
        a, b = df[df.arm == 0], df[df.arm == 1]
        r = logrank_test(a.time, b.time, a.status, b.status)
        return r.test_statistic, r.p_value

    def cox():
        f = CoxPHFitter().fit(df[["time", "status", "arm"]], "time", "status")
        return f.params_["arm"], f.standard_errors_["arm"], f.log_likelihood_

    tk, m = timed(km, repeats)
    ck = timed.last_cpu
    tl, l = timed(lr, repeats)
    cl = timed.last_cpu
    tc, c = timed(cox, repeats)
    cc = timed.last_cpu
    return dict(tool="lifelines", seconds=dict(km=tk, logrank=tl, cox=tc, total=tk + tl + tc),
                cpu_seconds=dict(km=ck, logrank=cl, cox=cc, total=ck + cl + cc),
                result=dict(medians=m, logRankChiSquare=l[0], logRankP=l[1], coxCoefficient=c[0],
                            coxStandardError=c[1], hazardRatio=float(np.exp(c[0])), coxLogLikelihood=[None, c[2]]))


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    with_lifelines = "--lifelines" in sys.argv
    directory = args[0]
    sizes = [int(a) for a in args[1:]] or [10_000, 100_000, 1_000_000]
    for n in sizes:
        df = pd.read_csv(f"{directory}/survival_{n}.csv")
        t = df.time.to_numpy(float)
        e = df.status.to_numpy() == 1
        g = df.arm.to_numpy(np.int64)
        print(json.dumps(dict(per_arm=n, **run_numpy(t, e, g))), flush=True)
        if with_lifelines:
            print(json.dumps(dict(per_arm=n, **run_lifelines(df, 1 if n >= 1_000_000 else 3))), flush=True)


if __name__ == "__main__":
    main()
