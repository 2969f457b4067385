#!/usr/bin/env python3
"""Summarises survival_compare.sh's results.jsonl: per size and tool the median over
rounds of each step's time, the ratios to Swift, and the largest relative difference of
each tool's numbers from R's (medians and their CI, log-rank chi-square, Cox coefficient,
se, HR, log-likelihoods, score test)."""
import json
import statistics
import sys
from collections import defaultdict

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip().startswith("{")]
runs = defaultdict(list)
for r in rows:
    runs[(r["per_arm"], r["tool"])].append(r)

steps = ["km", "logrank", "cox", "total"]
tools = ["swift", "numpy", "lifelines", "R"]
for clock, title in [("seconds", "Wall clock"), ("cpu_seconds", "CPU time (user + system of the process)")]:
    print(f"{title}: median over rounds of each tool's median of 3")
    print()
    print("| n per arm | tool | rounds | KM + medians (s) | log-rank (s) | Cox (s) | total (s) | total vs Swift |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for n in sorted({k[0] for k in runs}):
        med = {}
        for tool in tools:
            rs = [r for r in runs.get((n, tool), []) if clock in r]
            if not rs:
                continue
            med[tool] = {s: statistics.median(r[clock][s] for r in rs) for s in steps}
            ratio = "1" if tool == "swift" else f"{med[tool]['total'] / med['swift']['total']:.1f}×"
            print(f"| {n:,} | {tool} | {len(rs)} | " + " | ".join(f"{med[tool][s]:.4f}" for s in steps) + f" | {ratio} |")
    print()

print()
print("Largest relative difference from R (all rounds agree bit for bit within a tool):")
keys = ["medians", "medianLower", "medianUpper", "logRankChiSquare", "coxCoefficient", "coxStandardError",
        "hazardRatio", "coxLogLikelihood", "coxScore"]


def flat(v):
    return v if isinstance(v, list) else [v]


for n in sorted({k[0] for k in runs}):
    if (n, "R") not in runs:
        continue
    ref = runs[(n, "R")][0]["result"]
    for tool in ["swift", "numpy", "lifelines"]:
        if (n, tool) not in runs:
            continue
        res = runs[(n, tool)][0]["result"]
        worst = {}
        for k in keys:
            if k not in res:
                continue
            diffs = [abs(a - b) / abs(b) for a, b in zip(flat(res[k]), flat(ref[k]))
                     if a is not None and b is not None and b != 0]
            if diffs:
                worst[k] = max(diffs)
        text = ", ".join(f"{k} {v:.1e}" for k, v in worst.items())
        print(f"- {n:,} per arm, {tool}: {text}")
