#!/usr/bin/env python3
"""`nensim analyze FILE --time time --event event --group arm` as a pandas + numpy user
would write it, timed as a whole process (docs/PERFORMANCE.md, "Whole commands"):
pandas.read_csv, then the tight vectorised pipeline of survival_numpy.py (Kaplan-Meier
per arm with the median and its CI, the log-rank test, the Cox model of the arm with
Efron ties by Newton-Raphson). Prints the medians, the chi-square and the hazard ratio.

Usage: analyze_numpy.py FILE.csv
"""
import os
import sys

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from survival_numpy import cox_efron, kaplan_meier, log_rank  # noqa: E402

df = pd.read_csv(sys.argv[1])
levels = sorted(df.arm.unique())
g = (df.arm.to_numpy() == levels[1]).astype(np.int64)
t = df.time.to_numpy(float)
e = df.event.to_numpy() == 1
medians = [kaplan_meier(t[g == a], e[g == a])[3] for a in (0, 1)]
chisq = log_rank(t, e, g)
cox = cox_efron(t, e, g.astype(float))
print(levels, medians, chisq, cox)
