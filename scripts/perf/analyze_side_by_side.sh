#!/bin/sh
# analyze and run side by side with pandas + numpy, R and the numpy engine, as recorded in
# docs/PERFORMANCE.md ("analyze at 2·10⁶ rows: 7.5× pandas, 40× R").
# usage: scripts/perf/analyze_side_by_side.sh [DIR]   (DIR holds a2e6.csv and a1e7.csv; made if absent)
#   NENSIM=path/to/nensim (default .build/release/nensim); BEFORE=another build to compare (optional)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd); ROOT=$(cd "$HERE/../.." && pwd)
N=${NENSIM:-$ROOT/.build/release/nensim}; D=${1:-/tmp/nensim-whole}
mkdir -p "$D"
[ -f "$D/a2e6.csv" ] || python3 "$HERE/make_analyze_csv.py" 2e6 "$D/a2e6.csv"
[ -f "$D/a1e7.csv" ] || python3 "$HERE/make_analyze_csv.py" 1e7 "$D/a1e7.csv"
A="--time time --event event --group arm"
echo "load before: $(cat /proc/loadavg)"
# --out into a new folder (removed before each run, outside the timing), and with --force
# over the km.csv of the run before (the kernel frees the replaced file within the rename).
set -- -n "nensim analyze" "$N analyze $D/a2e6.csv $A" -n "nensim analyze --out" "$N analyze $D/a2e6.csv $A --out $D/out" \
    -n "nensim analyze --out --force (replacing)" "$N analyze $D/a2e6.csv $A --out $D/kept --force"
if [ -n "${BEFORE:-}" ]; then
    set -- "$@" -n "before: analyze" "$BEFORE analyze $D/a2e6.csv $A" -n "before: analyze --out" "$BEFORE analyze $D/a2e6.csv $A --out $D/out"
fi
hyperfine -N --runs 10 --warmup 1 --prepare "rm -rf $D/out" --export-json "$D/analyze.json" "$@" -n "pandas+numpy" "python3 $HERE/analyze_numpy.py $D/a2e6.csv"
hyperfine -N --runs 2 --export-json "$D/r.json" -n "R fread+survfit+survdiff+coxph" "Rscript $HERE/analyze_r.R $D/a2e6.csv"
hyperfine -N --runs 5 --warmup 1 --export-json "$D/run.json" \
    -n "nensim run six arms x 2e6" "$N --arms ssa,everolimus,sunitinib,prrt,tace,rfa --n 2000000 --format table" \
    -n "numpy engine six arms x 2e6" "python3 $HERE/engine_numpy.py 2000000 1"
for i in 1 2; do /usr/bin/time -f "10^7 rows: %e s wall %U user %S sys %M KB" "$N" analyze "$D/a1e7.csv" $A >/dev/null; done
/usr/bin/time -f "2e6 rows peak: %M KB" "$N" analyze "$D/a2e6.csv" $A >/dev/null
echo "load after: $(cat /proc/loadavg)"
