#!/usr/bin/env python3
"""Tables of whole_compare.sh's hyperfine results: median, min, max wall seconds, mean
CPU (user + system) seconds, and each row's ratio to the first row of its file.

Usage: whole_summary.py DIR
"""
import glob
import json
import os
import sys

d = sys.argv[1]
for f in sorted(glob.glob(os.path.join(d, "*.json"))):
    results = json.load(open(f))["results"]
    print(f"\n{os.path.basename(f)}\n")
    print("| command | median s | min s | max s | CPU s (user+sys) | median / first row |")
    print("|---|---:|---:|---:|---:|---:|")
    first = results[0]["median"]
    for r in results:
        print(f"| {r['command']} | {r['median']:.3f} | {r['min']:.3f} | {r['max']:.3f} | "
              f"{r['user'] + r['system']:.3f} | {r['median'] / first:.2f} |")
for name in ("peak-kb.txt", "load.txt"):
    p = os.path.join(d, name)
    if os.path.exists(p):
        print(f"\n{name}\n\n" + open(p).read())
