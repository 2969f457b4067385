#!/bin/sh
# Side by side: `nensim fit` (the whole process: CSV read, fits with SEs, median and
# RMST CIs, table) for the four families survreg has and for `--dist all`, against R
# survreg for the same four families on the same CSV, in interleaved rounds on this
# machine. See docs/PERFORMANCE.md (section: parametric fits).
#
# usage: scripts/perf/fit_compare.sh [N] [ROUNDS] [DATA_DIR]
#   N        records (default 2000000): Weibull(shape 1.3, scale 12) times, uniform
#            censoring on (0, 36), written by R with set.seed(1)
#   ROUNDS   rounds of nensim (four families), nensim (all), then R (default 3); R times
#            each survreg as the median of 3 runs within a round
# Prints one JSON line per run, then the median CPU seconds of each and the ratios (on a
# loaded machine compare CPU, user + system, not elapsed). nensim uses every core
# (same bits for any thread count); its CPU seconds count all of them.
set -eu
N=${1:-2000000}
ROUNDS=${2:-3}
DIR=${3:-/tmp/nensim-fit-data}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$DIR"
DATA="$DIR/fit-$N.csv"
if [ ! -f "$DATA" ]; then
    Rscript -e "set.seed(1); n <- $N; t <- rweibull(n, 1.3, 12); c <- runif(n, 0, 36);
                write.csv(data.frame(time = round(pmin(t, c), 6), event = as.integer(t <= c)), '$DATA', row.names = FALSE)"
fi
swift build -c release --package-path "$ROOT" --product nensim >/dev/null
BIN=$(swift build -c release --package-path "$ROOT" --show-bin-path)/nensim
LOG="$DIR/fit-compare.jsonl"
: > "$LOG"
nensim_run() { # label, --dist value
    /usr/bin/time -f "%e %U %S" -o "$DIR/swift-time.txt" \
        "$BIN" fit "$DATA" --time time --event event --dist "$2" > "$DIR/swift-out-$1.txt"
    read -r wall user sys < "$DIR/swift-time.txt"
    echo "{\"tool\": \"nensim fit --dist $2 (whole process)\", \"label\": \"$1\", \"n\": $N, \"elapsed_s\": $wall, \"cpu_s\": $(echo "$user + $sys" | bc)}" | tee -a "$LOG"
}
i=1
while [ "$i" -le "$ROUNDS" ]; do
    echo "round $i (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    nensim_run four exponential,weibull,lognormal,loglogistic
    nensim_run all all
    Rscript "$ROOT/scripts/perf/fit_r.R" "$DATA" 3 | tee -a "$LOG"
    i=$((i + 1))
done
python3 - "$LOG" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def med(xs): return statistics.median(xs)
four = med([r["cpu_s"] for r in rows if r.get("label") == "four"])
every = med([r["cpu_s"] for r in rows if r.get("label") == "all"])
fams = ["exponential", "weibull", "lognormal", "loglogistic"]
r_cpu = med([sum(r[f + "_cpu_s"] for f in fams) for r in rows if r["tool"] == "R survreg"])
r_read = med([r["read_csv_s"] for r in rows if r["tool"] == "R survreg"])
print(f"median CPU s: nensim four families {four:.3f}, nensim --dist all {every:.3f}, R survreg four fits {r_cpu:.2f} (read.csv elapsed {r_read:.1f} s)")
print(f"R survreg / nensim: {r_cpu / four:.1f}x (four families), {r_cpu / every:.1f}x (--dist all)")
PY
