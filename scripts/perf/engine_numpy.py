#!/usr/bin/env python3
"""The nensim engine's simulation, written as tight vectorised numpy, for a side-by-side
throughput comparison (docs/PERFORMANCE.md). Same model and parameters as
`nensim --arms ssa,everolimus,sunitinib,prrt,tace,rfa`: per patient a best-response
rank, a Frechet-copula choice, a Weibull PFS by inverse transform, an exponential
post-progression survival, binary outcomes, and integer tallies of PFS and OS on a
one-day grid to a 240-month horizon.

Usage:  python3 scripts/perf/engine_numpy.py [patients per arm] [repeats]
Prints the median wall time and patients per second over all six arms.
"""
import json
import subprocess
import sys
import time

import numpy as np

DAYS_PER_MONTH = 30.4375
HORIZON = 240.0


def arm_parameters():
    """The calibrated parameters nensim prints under "Where the numbers come from" for
    `nensim --arms ssa,everolimus,sunitinib,prrt,tace,rfa`; fixed here so the script
    needs only numpy."""
    return {
        # id: (weibull shape k, scale lambda, pps rate mu, response cuts, coupling, binary probabilities)
        "ssa": (1.0, 55.91, np.log(2) / 30, [], 0.5, []),
        "everolimus": (0.842951242796126, 16.99114911648639, np.log(2) / 30, [0.05], 0.5, []),
        "sunitinib": (1.0, 11 / np.log(2), np.log(2) / 30, [0.05], 0.5, []),
        "prrt": (1.0, np.sqrt(17 * 40) / np.log(2), np.log(2) / 3.706, [0.341, 0.75], 0.5, [0.155]),
        "tace": (1.0, 18 / np.log(2), np.log(2) / 48.32, [0.545], 0.5, [0.765, 0.59]),
        "rfa": (1.0, 15.6 / np.log(2), np.log(2) / 47.39, [], 0.5, [0.95, 0.75, 0.70, 0.05]),
    }


def simulate_arm(rng, n, k, lam, mu, cuts, coupling, binaries, cells, block=1 << 20):
    pfs_e = np.zeros(cells, np.int64); pfs_c = np.zeros(cells, np.int64)
    os_e = np.zeros(cells, np.int64); os_c = np.zeros(cells, np.int64)
    tiers = np.zeros(len(cuts) + 1, np.int64)
    bins = np.zeros(len(binaries), np.int64)
    inv_w = DAYS_PER_MONTH
    for start in range(0, n, block):
        m = min(block, n - start)
        ur = rng.random(m)
        v = rng.random(m)
        if cuts:
            tier = np.searchsorted(np.asarray(cuts), ur, side="right")
            tiers += np.bincount(tier, minlength=len(cuts) + 1)
            coupled = rng.random(m) < coupling
            v = np.where(coupled, ur, v)
        e = -np.log(v)
        pfs = lam * e if k == 1.0 else lam * e ** (1.0 / k)
        os_t = pfs - np.log(rng.random(m)) / mu
        for j, p in enumerate(binaries):
            bins[j] += np.count_nonzero(rng.random(m) < p)
        p_obs = np.minimum(pfs, HORIZON); o_obs = np.minimum(os_t, HORIZON)
        p_cell = np.minimum((p_obs * inv_w).astype(np.int64), cells - 1)
        o_cell = np.minimum((o_obs * inv_w).astype(np.int64), cells - 1)
        p_ev = pfs <= HORIZON; o_ev = os_t <= HORIZON
        pfs_e += np.bincount(p_cell[p_ev], minlength=cells); pfs_c += np.bincount(p_cell[~p_ev], minlength=cells)
        os_e += np.bincount(o_cell[o_ev], minlength=cells); os_c += np.bincount(o_cell[~o_ev], minlength=cells)
    return pfs_e, pfs_c, os_e, os_c, tiers, bins


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    cells = int(np.ceil(HORIZON * DAYS_PER_MONTH))
    params = arm_parameters()
    times, cpu = [], []
    for r in range(repeats):
        rng = np.random.default_rng(r)
        t0, c0 = time.perf_counter(), time.process_time()
        for k, lam, mu, cuts, coupling, binaries in params.values():
            simulate_arm(rng, n, k, lam, mu, cuts, coupling, binaries, cells)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    med = float(np.median(times))
    total = n * len(params)
    # CPU seconds as well: on a loaded machine they, not the wall clock, compare runs.
    print(json.dumps({"numpy": np.__version__, "patients": total, "median_seconds": med,
                      "median_cpu_seconds": float(np.median(cpu)),
                      "patients_per_second": total / med, "times": times, "cpu_times": cpu}))


if __name__ == "__main__":
    main()
