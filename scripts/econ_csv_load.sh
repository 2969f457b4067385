#!/usr/bin/env bash
# Loads every economic CSV nensim writes in pandas and in R (docs/ECONOMICS.md, "Outputs"):
# a run with --psa (economics.csv, incremental.csv, ce_draws.csv, ceac.csv) and a pathway
# run (economics.csv, incremental.csv, economics_lines.csv). For each file it prints the
# shape and column types each loader sees, and fails when a loader cannot read a file or
# reads a numeric column as text (R reads a column of NA only, such as pathways'
# partitioned_survival, as logical). CI has no R, so
# the output of a run is committed beside this script (econ_csv_load.out); the Swift test
# everyEconomicCSVKeepsTheLoadersRules checks the rules these loaders need on every run.
#
#   scripts/econ_csv_load.sh [path/to/nensim]      (default: .build/debug/nensim)
set -euo pipefail
cd "$(dirname "$0")/.."
NENSIM=${1:-.build/debug/nensim}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
"$NENSIM" --arms prrt,everolimus,ssa --n 20000 --economics data/economics-example.json --psa 20 \
    --wtp 20000,30000,50000 --format csv --out "$DIR/run" -q > /dev/null
"$NENSIM" --pathways "ssa>prrt>everolimus,ssa>everolimus>prrt" --n 20000 --economics data/economics-example.json \
    --population sstr=positive,grade=G1,site=midgut --format csv --out "$DIR/pathways" -q > /dev/null
FILES="run/economics.csv run/incremental.csv run/ce_draws.csv run/ceac.csv pathways/economics.csv pathways/incremental.csv pathways/economics_lines.csv"

echo "== pandas $(python3 -c 'import pandas; print(pandas.__version__)')"
python3 - "$DIR" $FILES <<'PY'
import sys, pandas as pd
base, files = sys.argv[1], sys.argv[2:]
text = {"arm", "quantity", "status", "comparator", "reference", "quadrant", "label", "pathway"}
for f in files:
    d = pd.read_csv(f"{base}/{f}")
    kinds = {c: ("text" if d[c].dtype == object else str(d[c].dtype)) for c in d.columns}
    bad = [c for c, k in kinds.items() if k == "text" and c not in text]
    print(f"{f}: {d.shape[0]} rows x {d.shape[1]} columns; " + ", ".join(f"{c}:{k}" for c, k in kinds.items()))
    if bad: sys.exit(f"{f}: numeric columns read as text: {bad}")
PY

echo "== R $(Rscript -e 'cat(R.version$major, R.version$minor, sep=".")')"
Rscript - "$DIR" $FILES <<'R'
args <- commandArgs(trailingOnly = TRUE)
base <- args[1]
text <- c("arm", "quantity", "status", "comparator", "reference", "quadrant", "label", "pathway")
for (f in args[-1]) {
  d <- read.csv(file.path(base, f))
  kinds <- vapply(d, function(x) if (is.character(x)) "text" else class(x)[1], "")
  bad <- setdiff(names(kinds)[kinds == "text"], text)
  cat(sprintf("%s: %d rows x %d columns; %s\n", f, nrow(d), ncol(d), paste(names(kinds), kinds, sep = ":", collapse = ", ")))
  if (length(bad)) stop(sprintf("%s: numeric columns read as text: %s", f, paste(bad, collapse = ", ")))
}
R
