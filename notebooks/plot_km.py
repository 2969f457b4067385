#!/usr/bin/env python3
"""Plot the Kaplan–Meier curves of a nensim run with pandas and matplotlib.

Usage:
    python3 notebooks/plot_km.py notebooks-out/mission [km.png]   # a run folder (--out notebooks-out/mission)

Reads km_pfs.csv, km_os.csv and summary.json from the run folder (columns in
docs/OUTPUTS.md) and writes a two-panel PNG (default: km.png inside the run folder).
The same steps, one per cell, are in plot_km.ipynb.
"""
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt
import pandas as pd

# Okabe–Ito, the palette of km.svg.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]


def load(run: Path):
    """The two KM tables (long format: arm, time, n_risk, …) and the summary."""
    km = {e: pd.read_csv(run / f"km_{e}.csv") for e in ("pfs", "os")}
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    return km, summary


def with_origin(curve: pd.DataFrame) -> pd.DataFrame:
    """Prepends the time-0 row (S = 1, limits 1) that the CSV leaves implicit."""
    origin = pd.DataFrame({"time": [0.0], "surv": [1.0], "lower": [1.0], "upper": [1.0]})
    return pd.concat([origin, curve[["time", "surv", "lower", "upper"]]], ignore_index=True)


def plot(km, summary, out: Path):
    report = summary["report"]
    arms = [a["id"] for a in report["arms"]]
    fig, axes = plt.subplots(1, 2, figsize=(12, 5), sharey=True)
    for ax, (endpoint, title) in zip(axes, [("pfs", "Progression-free survival"), ("os", "Overall survival")]):
        for k, arm in enumerate(arms):
            colour = PALETTE[k % len(PALETTE)]
            curve = with_origin(km[endpoint][km[endpoint]["arm"] == arm])
            ax.step(curve["time"], curve["surv"], where="post", color=colour, label=arm)
            ax.fill_between(curve["time"], curve["lower"], curve["upper"], step="post", color=colour, alpha=0.15, linewidth=0)
            median = next(a for a in report["arms"] if a["id"] == arm)[endpoint]["median"]["estimate"]
            if median is not None:  # null in JSON: not reached
                ax.plot([median, median], [0, 0.5], color=colour, linestyle="--", linewidth=1)
        ax.axhline(0.5, color="grey", linestyle=":", linewidth=1)
        ax.set_title(title)
        ax.set_xlabel("Months")
        ax.set_ylim(0, 1.02)
        ax.set_xlim(0, min(km[endpoint]["time"].max(), report["tau"] * 2))
    axes[0].set_ylabel("Survival probability")
    axes[0].legend(title="arm")
    m = summary["manifest"]
    fig.suptitle(f"nensim {m['nensim_version']}: n = {m['scenario']['patients_per_arm']} per arm, seed {m['seed']}")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    return out


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    run = Path(sys.argv[1])
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else run / "km.png"
    km, summary = load(run)
    for endpoint, table in km.items():
        print(f"{endpoint}: {len(table)} rows, arms {', '.join(table['arm'].unique())}")
    print("wrote", plot(km, summary, out))
