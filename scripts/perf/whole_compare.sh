#!/bin/sh
# Whole-process timings (docs/PERFORMANCE.md, "Whole commands"): each command run as a
# process by hyperfine (median, min, max; user and system CPU seconds), beside the same
# job in the tools users would pick instead, in one run on the same files; peak memory
# of each with /usr/bin/time -f %M.
#
# usage: scripts/perf/whole_compare.sh [DIR] [RUNS]
#   DIR   where the CSVs and results go (default /tmp/nensim-whole)
#   RUNS  hyperfine runs per command (default 5; lifelines and R at 10^7 rows: 2)
#   NENSIM=path/to/nensim (default .build/release/nensim)
set -eu
DIR=${1:-/tmp/nensim-whole}
RUNS=${2:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
NENSIM=${NENSIM:-$ROOT/.build/release/nensim}
mkdir -p "$DIR"
[ -f "$DIR/a2e6.csv" ] || python3 "$HERE/make_analyze_csv.py" 2e6 "$DIR/a2e6.csv"
[ -f "$DIR/a1e7.csv" ] || python3 "$HERE/make_analyze_csv.py" 1e7 "$DIR/a1e7.csv"
ANALYZE="--time time --event event --group arm"
SIX="--arms ssa,everolimus,sunitinib,prrt,tace,rfa --n 2000000 --format table"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" > "$DIR/load.txt"

hyperfine -N --runs "$RUNS" --warmup 1 --export-json "$DIR/analyze-2e6.json" \
    -n nensim "$NENSIM analyze $DIR/a2e6.csv $ANALYZE" \
    -n "nensim --out" "$NENSIM analyze $DIR/a2e6.csv $ANALYZE --out $DIR/out --force" \
    -n "pandas+numpy" "python3 $HERE/analyze_numpy.py $DIR/a2e6.csv" \
    -n "R (fread)" "Rscript $HERE/analyze_r.R $DIR/a2e6.csv"
hyperfine -N --runs 2 --export-json "$DIR/analyze-2e6-lifelines.json" \
    -n lifelines "python3 $HERE/analyze_lifelines.py $DIR/a2e6.csv"
hyperfine -N --runs "$RUNS" --warmup 1 --export-json "$DIR/analyze-1e7.json" \
    -n nensim "$NENSIM analyze $DIR/a1e7.csv $ANALYZE" \
    -n "nensim --out" "$NENSIM analyze $DIR/a1e7.csv $ANALYZE --out $DIR/out --force"
hyperfine -N --runs 2 --export-json "$DIR/analyze-1e7-others.json" \
    -n "pandas+numpy" "python3 $HERE/analyze_numpy.py $DIR/a1e7.csv"
hyperfine -N --runs "$RUNS" --warmup 1 --export-json "$DIR/run.json" \
    -n "nensim run, six arms x 2e6" "$NENSIM $SIX" \
    -n "numpy engine, six arms x 2e6" "python3 $HERE/engine_numpy.py 2000000 1"

# Peak resident memory (KB), one run each.
peak() { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1; }
{
    echo "nensim analyze 2e6: $(peak $NENSIM analyze $DIR/a2e6.csv $ANALYZE)"
    echo "nensim analyze 2e6 --out: $(peak $NENSIM analyze $DIR/a2e6.csv $ANALYZE --out $DIR/out --force)"
    echo "pandas+numpy 2e6: $(peak python3 $HERE/analyze_numpy.py $DIR/a2e6.csv)"
    echo "R fread 2e6: $(peak Rscript $HERE/analyze_r.R $DIR/a2e6.csv)"
    echo "lifelines 2e6: $(peak python3 $HERE/analyze_lifelines.py $DIR/a2e6.csv)"
    echo "nensim analyze 1e7: $(peak $NENSIM analyze $DIR/a1e7.csv $ANALYZE)"
    echo "nensim run six arms 2e6: $(peak $NENSIM $SIX)"
    echo "numpy engine 2e6: $(peak python3 $HERE/engine_numpy.py 2000000 1)"
} > "$DIR/peak-kb.txt"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$DIR/load.txt"
python3 "$HERE/whole_summary.py" "$DIR"
