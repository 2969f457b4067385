#!/bin/sh
# Side by side in one run (docs/PERFORMANCE-TRIAL.md, "Group-sequential MaxCombo trials:
# speed"): 10^4 replicates of a three-look one-sided MaxCombo design with n = 300 (and the
# same design with the log-rank test) by nensim, then the same loop in R
# (scripts/perf/trial_maxcombo.R), each timed with /usr/bin/time: wall, user + sys CPU,
# the looks analysed (the sum of replicates.csv's `look`) and CPU per look.
#
# usage: scripts/perf/trial_maxcombo.sh [R_REPLICATES]   (default 200)
#   NENSIM=path/to/nensim (default .build/release/nensim); THREADS (default 2)
set -eu
RREPS=${1:-200}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
NENSIM=${NENSIM:-$ROOT/.build/release/nensim}
THREADS=${THREADS:-2}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
DESIGN="--arms sunitinib,placebo --n 300 --events 200 --looks 0.5,0.75,1 --sided 1 --alpha 0.025 --replicates 10000 --threads $THREADS --figure-format none -q"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for test in maxcombo logrank; do
    /usr/bin/time -f "%e %U %S" -o "$OUT/time" "$NENSIM" trial $DESIGN --test $test --out "$OUT/$test"
    looks=$(awk -F, 'NR > 1 { s += $(NF - 1) } END { print s }' "$OUT/$test/replicates.csv")
    read -r wall user sys < "$OUT/time"
    awk -v t="$test" -v w="$wall" -v u="$user" -v s="$sys" -v l="$looks" -v th="$THREADS" 'BEGIN {
        printf "nensim %s, 3 looks, %s threads: 10000 replicates, %d looks analysed, %.2f s wall, %.2f s CPU (user %.2f + sys %.2f), %.3f ms CPU per look\n",
            t, th, l, w, u + s, u, s, 1000 * (u + s) / l }'
done
echo "load between: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f "R process: %e s wall, %U s user, %S s sys" Rscript "$HERE/trial_maxcombo.R" "$RREPS"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
