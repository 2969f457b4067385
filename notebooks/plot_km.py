#!/usr/bin/env python3
"""Plot the Kaplan–Meier curves of a nensim run with pandas and matplotlib.

Usage:
    python3 notebooks/plot_km.py notebooks-out/mission [km.png]   # nensim --arms … --out notebooks-out/mission
    python3 notebooks/plot_km.py notebooks-out/pw [km.png]        # nensim --pathways … --out notebooks-out/pw

A run folder: km_pfs.csv, km_os.csv and summary.json; a pathways folder: km_pathways.csv
and pathways.csv (columns in docs/OUTPUTS.md and docs/PATHWAYS.md). Writes one panel per
endpoint (PFS and OS; PFS1, PFS2 and OS for pathways) with 95 % bands, the medians marked
and the number at risk under the ticks, x from 0 to the horizon (a run's analysis time;
for pathways, which store no horizon, the last time rounded up to a tick), as a PNG
(default: km.png inside the folder). The same steps, one per cell, are in plot_km.ipynb.
"""
import json
import math
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt
import pandas as pd

# Okabe–Ito, the palette of km.svg.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
TITLES = {"pfs": "Progression-free survival", "os": "Overall survival",
          "pfs1": "PFS on the first line", "pfs2": "PFS2 (to the second progression)"}


def load(folder: Path):
    """Panels [(endpoint, curves)], where curves is a long table with a `group` column,
    the groups in order, each group's medians {endpoint: months or None}, the x range and a title."""
    if (folder / "km_pathways.csv").exists():
        km = pd.read_csv(folder / "km_pathways.csv").rename(columns={"pathway": "group"})
        table = pd.read_csv(folder / "pathways.csv")
        endpoints = ["pfs1", "pfs2", "os"]
        groups = list(dict.fromkeys(km["group"]))
        rows = table[table["line"].isna()]
        medians = {(r.pathway, r.endpoint): (None if pd.isna(r.median) else r.median) for r in rows.itertuples()}
        n = int(km.groupby("group")["n_risk"].max().max())
        xmax = None
        title = f"nensim pathways: n = {n} per pathway"
    else:
        km = pd.concat([pd.read_csv(folder / f"km_{e}.csv").assign(endpoint=e) for e in ("pfs", "os")])
        km = km.rename(columns={"arm": "group"})
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        report, manifest = summary["report"], summary["manifest"]
        endpoints = ["pfs", "os"]
        groups = [a["id"] for a in report["arms"]]
        medians = {(a["id"], e): a[e]["median"]["estimate"] for a in report["arms"] for e in endpoints}
        design = manifest["scenario"]["design"]
        # The analysis happens at the horizon, or at the end of follow-up after accrual.
        xmax = design["accrual"] + design["follow_up"] if design.get("follow_up") is not None else design["horizon"]
        title = f"nensim {manifest['nensim_version']}: n = {manifest['scenario']['patients_per_arm']} per arm, seed {manifest['seed']}"
    panels = [(e, km[km["endpoint"] == e]) for e in endpoints]
    return panels, groups, medians, xmax, title


def tick_step(xmax: float) -> float:
    """A tick every 3, 6, 12, 24, 36, 48 or 60 months: the smallest giving at most 10 intervals."""
    return next((s for s in (3, 6, 12, 24, 36, 48, 60) if xmax / s <= 10), 120)


def at_risk(curve: pd.DataFrame, t: float) -> int:
    """Patients still at risk at t: n_risk of the first row at or after t (0 after the last)."""
    later = curve[curve["time"] >= t]
    return int(later["n_risk"].iloc[0]) if len(later) else 0


def with_origin(curve: pd.DataFrame) -> pd.DataFrame:
    """Prepends the time-0 row (S = 1, limits 1) that the CSV leaves implicit."""
    origin = pd.DataFrame({"time": [0.0], "surv": [1.0], "lower": [1.0], "upper": [1.0]})
    return pd.concat([origin, curve[["time", "surv", "lower", "upper"]]], ignore_index=True)


def plot(panels, groups, medians, xmax, title, out: Path):
    if xmax is None:  # pathways: the last time, up to the next tick
        last = max(c["time"].max() for _, c in panels)
        xmax = math.ceil(last / tick_step(last)) * tick_step(last)
    step = tick_step(xmax)
    ticks = [k * step for k in range(int(xmax // step) + 1)]
    fig = plt.figure(figsize=(6 * len(panels), 5.2 + 0.25 * len(groups)))
    grid = fig.add_gridspec(2, len(panels), height_ratios=[4, 0.45 + 0.3 * len(groups)], hspace=0.22, wspace=0.14)
    for j, (endpoint, km) in enumerate(panels):
        ax = fig.add_subplot(grid[0, j])
        table = fig.add_subplot(grid[1, j], sharex=ax)
        for k, group in enumerate(groups):
            colour = PALETTE[k % len(PALETTE)]
            raw = km[km["group"] == group]
            curve = with_origin(raw)
            ax.step(curve["time"], curve["surv"], where="post", color=colour, label=group)
            ax.fill_between(curve["time"], curve["lower"], curve["upper"], step="post", color=colour, alpha=0.15, linewidth=0)
            median = medians.get((group, endpoint))
            if median is not None and median <= xmax:  # None: not reached
                ax.plot([median, median, 0], [0, 0.5, 0.5], color=colour, linestyle="--", linewidth=0.8)
            for t in ticks:
                table.text(t, len(groups) - 1 - k, str(at_risk(raw, t)), ha="center", va="center", fontsize=8, color=colour)
        ax.set_title(TITLES.get(endpoint, endpoint.upper()))
        ax.set_ylim(0, 1.02)
        ax.set_xlim(0, xmax)
        ax.set_xticks(ticks)
        ax.tick_params(labelbottom=False)
        ax.grid(alpha=0.2)
        table.set_ylim(-0.6, len(groups) - 0.4)
        # Group names in full, once, left of the first panel's table.
        table.set_yticks(range(len(groups)), [g for g in reversed(groups)] if j == 0 else [], fontsize=8)
        for label, k in zip(table.get_yticklabels(), reversed(range(len(groups)))):
            label.set_color(PALETTE[k % len(PALETTE)])
        table.tick_params(axis="y", pad=14)
        table.set_xlabel("Months")
        table.set_title("Number at risk", fontsize=8, loc="left", pad=3)
        for side in ("top", "right", "left"):
            table.spines[side].set_visible(False)
        table.tick_params(axis="y", length=0)
        if j > 0:
            ax.tick_params(labelleft=False)
        if j == 0:
            ax.set_ylabel("Survival probability")
            ax.legend(loc="upper right", fontsize=8)
    fig.suptitle(title)
    fig.savefig(out, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return out


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    folder = Path(sys.argv[1])
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else folder / "km.png"
    panels, groups, medians, xmax, title = load(folder)
    for endpoint, table in panels:
        print(f"{endpoint}: {len(table)} rows, {', '.join(groups)}")
    print("wrote", plot(panels, groups, medians, xmax, title, out))
