#!/bin/sh
# Side by side: `nensim fit --dist exponential,weibull,lognormal,loglogistic` (the whole
# process: CSV read, four fits with SEs, median and RMST CIs, table) against R survreg
# for the same four families on the same CSV, in interleaved rounds on this machine.
# See docs/PERFORMANCE.md (section: parametric fits).
#
# usage: scripts/perf/fit_compare.sh [N] [ROUNDS] [DATA_DIR]
#   N        records (default 2000000): Weibull(shape 1.3, scale 12) times, uniform
#            censoring on (0, 36), written by R with set.seed(1)
#   ROUNDS   rounds of swift then R (default 3); R times each survreg as the median of
#            3 runs within a round
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
i=1
while [ "$i" -le "$ROUNDS" ]; do
    echo "round $i (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    s=$(date +%s.%N)
    "$BIN" fit "$DATA" --time time --event event --dist exponential,weibull,lognormal,loglogistic > "$DIR/swift-out.txt"
    e=$(date +%s.%N)
    echo "{\"tool\": \"nensim fit\", \"n\": $N, \"whole_process_s\": $(echo "$e - $s" | bc)}"
    Rscript "$ROOT/scripts/perf/fit_r.R" "$DATA" 3
    i=$((i + 1))
done
