#!/bin/sh
# Whole-process timings of health economics (docs/PERFORMANCE.md, "Health economics"):
# hyperfine runs each command as a process, the commands with and without costs
# interleaved in one run (median, min, max wall; mean user and system CPU seconds).
#   1. the six mission arms × 10⁶ patients, tally mode, with and without
#      `--economics data/economics-example.json` (the statistics of the run included);
#   2. `--psa 1000` of prrt and everolimus × 10⁴ patients with costs (2 × 10⁷ histories),
#      and the same PSA without costs.
# --format table: the report on stdout, no folder written.
#
# usage: scripts/perf/econ_whole.sh [DIR] [RUNS]
#   DIR   where hyperfine's JSON goes (default /tmp/nensim-econ)
#   RUNS  runs per command (default 5)
#   NENSIM=path/to/nensim (default .build/release/nensim); THREADS (default 2)
set -eu
DIR=${1:-/tmp/nensim-econ}
RUNS=${2:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
NENSIM=${NENSIM:-$ROOT/.build/release/nensim}
THREADS=${THREADS:-2}
ECON="--economics $ROOT/data/economics-example.json"
SIX="--arms ssa,everolimus,sunitinib,prrt,tace,rfa --n 1000000 --exact-limit 0 --format table --threads $THREADS -q"
PSA="--arms prrt,everolimus --n 10000 --psa 1000 --exact-limit 0 --format table --threads $THREADS -q"
mkdir -p "$DIR"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$DIR/load.txt"
hyperfine -N --runs "$RUNS" --warmup 1 --export-json "$DIR/six-arms.json" \
    -n "six arms x 10^6, no costs" "$NENSIM $SIX" \
    -n "six arms x 10^6, with costs" "$NENSIM $SIX $ECON"
hyperfine -N --runs "$RUNS" --export-json "$DIR/psa.json" \
    -n "psa 1000 x 2 arms x 10^4, no costs" "$NENSIM $PSA" \
    -n "psa 1000 x 2 arms x 10^4, with costs" "$NENSIM $PSA $ECON"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$DIR/load.txt"
