#!/bin/sh
# Side-by-side: the survival-statistics pipeline (KM + medians, log-rank, Cox of arm with
# Efron ties) in Swift (nensim's SurvivalStats), numpy and R `survival`, on the same data,
# on this machine, in interleaved rounds. See docs/PERFORMANCE.md.
#
# usage: scripts/perf/survival_compare.sh [DATA_DIR] [ROUNDS] [n per arm ...]
#   DATA_DIR  where the CSVs go (default /tmp/nensim-survival-data)
#   ROUNDS    rounds of swift, numpy, R (default 3); each tool times each step as the
#             median of 3 runs, and the summary takes the median over rounds
# Writes DATA_DIR/results.jsonl and prints the summary (survival_summary.py).
set -eu
DIR=${1:-/tmp/nensim-survival-data}
ROUNDS=${2:-3}
shift 2 2>/dev/null || shift $#
SIZES=${*:-10000 100000 1000000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
swift build -c release --package-path "$ROOT/Benchmarks" --product survival-data >/dev/null
swift build -c release --package-path "$ROOT/Benchmarks" --product survival-pipeline >/dev/null
BIN=$("swift" build -c release --package-path "$ROOT/Benchmarks" --show-bin-path)
"$BIN/survival-data" "$DIR" $SIZES
: > "$DIR/results.jsonl"
i=1
while [ "$i" -le "$ROUNDS" ]; do
    echo "round $i: swift, numpy, R (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    "$BIN/survival-pipeline" $SIZES >> "$DIR/results.jsonl"
    python3 "$ROOT/scripts/perf/survival_numpy.py" "$DIR" $SIZES >> "$DIR/results.jsonl"
    Rscript "$ROOT/scripts/perf/survival_r.R" "$DIR" $SIZES | grep per_arm >> "$DIR/results.jsonl"
    i=$((i + 1))
done
python3 "$ROOT/scripts/perf/survival_summary.py" "$DIR/results.jsonl"
