#!/usr/bin/env python3
"""The `analyze` benchmark job in lifelines, as a whole process (docs/PERFORMANCE.md,
"Whole commands"): pandas.read_csv, KaplanMeierFitter per arm (median), logrank_test,
CoxPHFitter of the arm (lifelines uses Efron ties).

Usage: analyze_lifelines.py FILE.csv
"""
import sys

import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test

df = pd.read_csv(sys.argv[1])
levels = sorted(df.arm.unique())
df["x"] = (df.arm == levels[1]).astype(float)
a, b = df[df.x == 0], df[df.x == 1]
medians = [KaplanMeierFitter().fit(s.time, s.event).median_survival_time_ for s in (a, b)]
lr = logrank_test(a.time, b.time, a.event, b.event)
cox = CoxPHFitter().fit(df[["time", "event", "x"]], "time", "event")
print(levels, medians, lr.test_statistic, cox.params_["x"])
