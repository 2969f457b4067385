#!/usr/bin/env python3
"""A two-arm `arm,time,event` CSV for the whole-process `analyze` benchmarks
(docs/PERFORMANCE.md, "Whole commands"): arms `everolimus` and `placebo` in random
order, exponential times (medians 11 and 4.6 months) censored at a uniform follow-up,
written with pandas' default float format (the shortest text that reads back, up to 17
significant digits), as a user's export would be.

Usage: make_analyze_csv.py ROWS OUT.csv [SEED]
"""
import sys

import numpy as np
import pandas as pd

rows, out = int(float(sys.argv[1])), sys.argv[2]
rng = np.random.default_rng(int(sys.argv[3]) if len(sys.argv) > 3 else 18)
arm = rng.integers(0, 2, rows)
event_time = rng.exponential(np.where(arm == 0, 11.0, 4.6) / np.log(2))
follow_up = rng.uniform(6.0, 60.0, rows)
df = pd.DataFrame({
    "arm": np.where(arm == 0, "everolimus", "placebo"),
    "time": np.minimum(event_time, follow_up),
    "event": (event_time <= follow_up).astype(np.int8),
})
df.to_csv(out, index=False)
