#!/bin/bash
# CPU per simulated patient of run, --pathways and trial, as whole processes on one
# thread, for one or more nensim binaries side by side (docs/PERFORMANCE.md, "Issue 11:
# pathways and trials per patient"). Per patient = (task-clock of a big run − that of
# the same command with few patients) / the patients between them, so start-up,
# calibration and the fixed part of the statistics cancel. Needs `perf` (linux-perf).
#
#   bash scripts/perf/per_patient.sh BINARY [BINARY …]      # e.g. .build/release/nensim
#   REPEATS=7 (default) runs per command; prints one line per binary and command.
set -euo pipefail
repeats=${REPEATS:-7}
command -v perf >/dev/null || { echo "per_patient.sh: needs perf (apt-get install linux-perf)" >&2; exit 69; }
task_clock() { # milliseconds of CPU, mean of $repeats runs
    perf stat -r "$repeats" -e task-clock -x, "$@" 2>&1 >/dev/null | awk -F, '/task-clock/ { print $1 }'
}
# big command | small command | patients between them (a pathway's patient goes through up to
# its number of lines: compare its cost per patient-line, from the lines' reached shares)
cases=(
"--arms prrt --n 10000000 --format table -q|--arms prrt --n 1000 --format table -q|9999000"
"--pathways prrt --n 10000000 --format table -q|--pathways prrt --n 1000 --format table -q|9999000"
"--arms ssa,prrt,everolimus --n 5000000 --format table -q|--arms ssa,prrt,everolimus --n 1000 --format table -q|14997000"
"--pathways ssa>prrt>everolimus --n 5000000 --format table -q|--pathways ssa>prrt>everolimus --n 1000 --format table -q|4999000"
"trial --arms prrt,everolimus --n 2000 --replicates 3000 -q --out /tmp/per_patient_trial --force|trial --arms prrt,everolimus --n 2000 --replicates 1 -q --out /tmp/per_patient_trial --force|5998000"
)
for binary in "$@"; do
    for c in "${cases[@]}"; do
        IFS='|' read -r big small n <<<"$c"
        # shellcheck disable=SC2086 # the commands are word lists
        tb=$(task_clock "$binary" $big --threads 1)
        # shellcheck disable=SC2086
        ts=$(task_clock "$binary" $small --threads 1)
        echo "$(basename "$binary") | nensim $big | $tb / $ts ms | $(awk -v b="$tb" -v s="$ts" -v n="$n" 'BEGIN { printf "%.1f", (b - s) * 1e6 / n }') ns per patient"
    done
done
rm -rf /tmp/per_patient_trial
